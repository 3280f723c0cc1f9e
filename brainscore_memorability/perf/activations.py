"""ResNet-50 activations: the zoo's Brain-Score model vs brainscore-vision's PytorchWrapper.

Peer: what a user writes without this package, ``PytorchWrapper(torchvision resnet50,
load_preprocess_images at 224 px)``, with the zoo network's weights copied in (so the activations
must agree). This package: the zoo's Brain-Score model
(``brain_model('memnet-imagenet-resnet50', weights='random')``), whose ``activations_model`` is a
:class:`..models.extraction.StreamingWrapper` (a PytorchWrapper streaming into one array). Two
sections:

* the 4 region layers V1/V2/V4/IT (``layer1.2``, ``layer2.3``, ``layer3.5``, ``layer4.2``) at once,
  ``activations_model(paths, layers)`` against the PytorchWrapper's (660 images: half of Kar 2019's
  1320; the peer's peak is ~2x the 4 GB of activations);
* the user's own path, ``start_recording('IT', [(70, 170)])`` + ``look_at`` of a StimulusSet,
  against brainscore-vision's ``ModelCommitment`` over a PytorchWrapper on a copy of the same
  network.

Images: generated JPEG files (256 x 256 px), resized to 224 px, 64 images per batch. The difference
is the largest absolute difference over every 97th feature (4 layers) or every feature (look_at),
relative to the largest activation. Result caching is disabled (RESULTCACHING_DISABLE=1). With
``device`` both networks run there.
"""
from __future__ import annotations

import copy
import functools
import os
import tempfile
from pathlib import Path

import numpy as np

from brainscore_memorability.perf import measure, ratio, row

FULL = dict(images=660, batch_size=64, sample_every=97, look_at_images=160)
QUICK = dict(images=6, batch_size=4, sample_every=7, look_at_images=5)
IMAGE_SIZE = 224  # pixels, as the zoo's ResNet-50 commits to
IDENTIFIER = "memnet-imagenet-resnet50"
SPEED_GOAL, MEMORY_GOAL, AGREEMENT = 2.0, 0.5, 1e-5  # issue 14: >= 2x images/s at <= 0.5x peak memory
LOOK_AT_GOAL = 1.5  # "clearly faster" (issue 14), read as >= 1.5x
TIME_BINS = [(70, 170)]


def write_images(folder: Path, count: int, seed: int = 0) -> list[str]:
    """``count`` smooth random 256 x 256 RGB JPEG files; returns their paths."""
    from PIL import Image
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        small = Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8))
        path = folder / f"image{i:04d}.jpg"
        small.resize((256, 256), Image.BICUBIC).save(path, quality=90)
        paths.append(str(path))
    return paths


def _sampled(extract, paths, layers, every: int) -> tuple[np.ndarray, int]:
    """Run ``extract(paths, layers=layers)`` (a PytorchWrapper-like call returning an assembly) and
    keep every ``every``-th feature column, so that two full copies never coexist."""
    activations = extract(paths, layers=layers)
    return np.asarray(activations.values[:, ::every]).copy(), activations.shape[1]


def peer_wrapper(zoo_network, sizes):
    """brainscore-vision's PytorchWrapper around torchvision's ResNet-50 holding the zoo's weights."""
    import torchvision
    from brainscore_vision.model_helpers.activations.pytorch import PytorchWrapper, load_preprocess_images
    network = torchvision.models.resnet50()
    state = dict(zoo_network.network.backbone.state_dict())
    head = zoo_network.network.imagenet_head
    network.load_state_dict({**state, "fc.weight": head.weight, "fc.bias": head.bias})
    preprocessing = functools.partial(load_preprocess_images, image_size=IMAGE_SIZE)
    return PytorchWrapper(model=network.eval(), preprocessing=preprocessing, identifier="torchvision-resnet50",
                          batch_size=sizes["batch_size"])


def _look_at(model, stimuli) -> np.ndarray:
    model.start_recording("IT", TIME_BINS)
    return np.asarray(model.look_at(stimuli).transpose("presentation", "neuroid", ...).values)


def peer_commitment(model, sizes):
    """brainscore-vision's ModelCommitment over a PytorchWrapper on a copy of the zoo model's network."""
    from brainscore_vision.model_helpers.activations.pytorch import PytorchWrapper
    from brainscore_vision.model_helpers.brain_transformation import ModelCommitment
    wrapper = PytorchWrapper(model=copy.deepcopy(model.zoo_network.network), identifier=model.identifier,
                             preprocessing=model.activations_model._extractor.preprocess,
                             batch_size=sizes["batch_size"])
    return ModelCommitment(identifier=model.identifier, activations_model=wrapper, layers=model.layers,
                           region_layer_map=dict(model.zoo_network.regions), visual_degrees=8)


def _stimulus_set(paths):
    import pandas as pd
    from brainscore_vision import StimulusSet
    stimuli = StimulusSet(pd.DataFrame({"stimulus_id": [Path(p).stem for p in paths]}))
    stimuli.stimulus_paths = {Path(p).stem: p for p in paths}
    stimuli.identifier = None
    return stimuli


def _relative_difference(mine: np.ndarray, peer: np.ndarray) -> float:
    return float(np.max(np.abs(mine - peer)) / np.max(np.abs(peer)))


def run(quick: bool = False, device=None) -> list[dict]:
    import torch

    from brainscore_memorability.models import zoo
    sizes = QUICK if quick else FULL
    every = sizes["sample_every"]
    previous = os.environ.get("RESULTCACHING_DISABLE")
    os.environ["RESULTCACHING_DISABLE"] = "1"
    try:
        with tempfile.TemporaryDirectory() as folder:
            paths = write_images(Path(folder), sizes["images"])
            model = zoo.brain_model(IDENTIFIER, weights="random", batch_size=sizes["batch_size"])
            peer_look_at = peer_commitment(model, sizes)  # before the stream sets channels-last weights
            layers = list(model.zoo_network.regions.values())
            peer = peer_wrapper(model.zoo_network, sizes)
            if device:
                for network in (model.zoo_network.network, peer._model, peer_look_at.activations_model._model):
                    network.to(device)
                for wrapper in (model.activations_model, peer, peer_look_at.activations_model):
                    wrapper._device = torch.device(device)
            peer_layers = [layer.removeprefix("backbone.") for layer in layers]
            stimuli, warm_up = _stimulus_set(paths[:sizes["look_at_images"]]), _stimulus_set(paths[:2])
            calls = {  # name -> (function, its arguments, its untimed warm-up arguments); each peer first
                "peer": (_sampled, (peer, paths, peer_layers, every), (peer, paths[:2], peer_layers, every)),
                "zoo": (_sampled, (model.activations_model, paths, layers, every),
                        (model.activations_model, paths[:2], layers, every)),
                "peer look_at": (_look_at, (peer_look_at, stimuli), (peer_look_at, warm_up)),
                "zoo look_at": (_look_at, (model, stimuli), (model, warm_up))}
            for function, _, warm_up_arguments in calls.values():  # imports and first-call set-up
                function(*warm_up_arguments)
            measured = {name: measure(function, *arguments) for name, (function, arguments, _) in calls.items()}
    finally:
        if previous is None:
            os.environ.pop("RESULTCACHING_DISABLE", None)
        else:
            os.environ["RESULTCACHING_DISABLE"] = previous
    peer_values, width = measured["peer"].value
    mine_values, mine_width = measured["zoo"].value
    if mine_width != width:
        raise AssertionError(f"the zoo model gives {mine_width} features, the peer {width}")
    on = f" on {device}" if device else ""

    def images_per_second(name, count):
        return f"{count / measured[name].seconds:.3g} images/s"

    def compared(section, name, label, difference, speed_goal, memory_goal, count, unit, note):
        mine, peer = measured[name], measured[f"peer{name[3:]}"]
        speedup, memory = peer.seconds / mine.seconds, ratio(mine.peak_mib, peer.peak_mib)
        goal = f">= {speed_goal:g}x images/s" + (f", <= {memory_goal:g}x peak memory" if memory_goal else "")
        met = (speedup >= speed_goal and difference <= AGREEMENT
               and (memory_goal is None or (memory is not None and memory <= memory_goal)))
        return row(section, f"{label} ({images_per_second(name, count)})", mine.seconds, mine.peak_mib,
                   timed_on=f"all {count} images", speedup=speedup, memory_ratio=memory, difference=difference,
                   difference_unit=unit, goal=f"{goal}, agreeing to {AGREEMENT:g}", goal_met=met, note=note)

    count, looked = sizes["images"], sizes["look_at_images"]
    section = f"ResNet-50 activations{on}, 4 layers ({count} images at {IMAGE_SIZE} px, {width} features)"
    look_section = f"ResNet-50 look_at of IT{on} ({looked} images, one time bin)"
    return [
        row(section, f"brainscore-vision PytorchWrapper around torchvision resnet50 ({images_per_second('peer', count)})",
            measured["peer"].seconds, measured["peer"].peak_mib, timed_on=f"all {count} images"),
        compared(section, "zoo", "brainscore_memorability zoo model (StreamingWrapper)",
                 _relative_difference(mine_values, peer_values), SPEED_GOAL, MEMORY_GOAL, count,
                 f"of the largest activation (every {every}th feature)",
                 "channels-last, inference_mode, no padded batch, one array written in the hooks"),
        row(look_section, "brainscore-vision ModelCommitment over PytorchWrapper "
            f"({images_per_second('peer look_at', looked)})", measured["peer look_at"].seconds,
            measured["peer look_at"].peak_mib, timed_on=f"all {looked} images"),
        compared(look_section, "zoo look_at", "brainscore_memorability zoo model",
                 _relative_difference(measured["zoo look_at"].value, measured["peer look_at"].value),
                 LOOK_AT_GOAL, None, looked, "of the largest activation", "the same network")]
