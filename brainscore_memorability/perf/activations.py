"""ResNet-50 activations at 4 layers: this package vs brainscore-vision's PytorchWrapper.

Peer: what a user writes without this package, ``PytorchWrapper(torchvision resnet50,
load_preprocess_images at 224 px)``, with the zoo network's weights copied in (so the activations
must be equal). This package, twice: the zoo's Brain-Score model
(``brain_model('memnet-imagenet-resnet50', weights='random').activations_model``, which is a
PytorchWrapper), and :func:`..models.extraction.layer_activations` on the same network, which
streams into one array per layer. Layers: V1/V2/V4/IT (``layer1.2``, ``layer2.3``, ``layer3.5``,
``layer4.2``).
Images: generated JPEG files (256 x 256 px); both resize them to 224 px, 64 images per batch.

Full run: 330 images (a quarter of Kar 2019's 1320): those 4 layers hold 1.5 M float32 values per
image, 8 GB for 1320 images per copy, more than fits beside other work on a 23 GB machine; the
rate (images/s) does not depend on the number of images, peak memory grows linearly with it.
Result caching is disabled for the measurement (RESULTCACHING_DISABLE=1).
"""
from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import numpy as np

from brainscore_memorability.perf import measure, ratio, row

FULL = dict(images=330, batch_size=64, sample_every=97)
QUICK = dict(images=6, batch_size=4, sample_every=7)
IMAGE_SIZE = 224  # pixels, as the zoo's ResNet-50 commits to
IDENTIFIER = "memnet-imagenet-resnet50"


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


def _streamed(zoo_network, paths, layers, batch_size: int, every: int) -> tuple[np.ndarray, int]:
    """:func:`..models.extraction.layer_activations` with the zoo's preprocessing; every
    ``every``-th column of the layers side by side, as :func:`_sampled` keeps them."""
    from brainscore_vision.model_helpers.activations.pytorch import load_preprocess_images

    from brainscore_memorability.models.extraction import layer_activations
    preprocess = functools.partial(load_preprocess_images, image_size=zoo_network.image_size,
                                   normalize_mean=zoo_network.mean, normalize_std=zoo_network.std)
    activations = layer_activations(zoo_network.network, paths, layers, preprocess, batch_size)
    kept, offset = [], 0
    for values in activations.values():
        kept.append(values[:, (-offset) % every::every])
        offset += values.shape[1]
    return np.concatenate(kept, axis=1), offset


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


def run(quick: bool = False) -> list[dict]:
    from brainscore_memorability.models import zoo
    sizes = QUICK if quick else FULL
    every = sizes["sample_every"]
    previous = os.environ.get("RESULTCACHING_DISABLE")
    os.environ["RESULTCACHING_DISABLE"] = "1"
    try:
        with tempfile.TemporaryDirectory() as folder:
            paths = write_images(Path(folder), sizes["images"])
            model = zoo.brain_model(IDENTIFIER, weights="random", batch_size=sizes["batch_size"])
            network = model.zoo_network
            layers = list(network.regions.values())
            peer = peer_wrapper(network, sizes)
            peer_layers = [layer.removeprefix("backbone.") for layer in layers]
            calls = {  # name -> (function, arguments); peer first
                "peer": (_sampled, (peer, paths, peer_layers, every)),
                "zoo": (_sampled, (model.activations_model, paths, layers, every)),
                "streamed": (_streamed, (network, paths, layers, sizes["batch_size"], every))}
            for function, arguments in calls.values():  # imports and first-call set-up, untimed
                function(arguments[0], paths[:2], *arguments[2:])
            measured = {name: measure(function, *arguments) for name, (function, arguments) in calls.items()}
    finally:
        if previous is None:
            os.environ.pop("RESULTCACHING_DISABLE", None)
        else:
            os.environ["RESULTCACHING_DISABLE"] = previous
    peer_values, width = measured["peer"].value
    name = f"ResNet-50 activations, 4 layers ({sizes['images']} images at {IMAGE_SIZE} px, {width} features)"

    def images_per_second(name):
        return f"{sizes['images'] / measured[name].seconds:.3g} images/s"
    timed_on = f"all {sizes['images']} images"
    rows = [row(name, f"brainscore-vision PytorchWrapper around torchvision resnet50 ({images_per_second('peer')})",
                measured["peer"].seconds, measured["peer"].peak_mib, timed_on=timed_on)]
    for key, label, note in (
            ("zoo", "brainscore_memorability zoo brain_model", "the zoo extracts through PytorchWrapper unchanged"),
            ("streamed", "brainscore_memorability models.extraction.layer_activations",
             "plain arrays per layer, no Brain-Score assembly; not yet used by the zoo")):
        mine = measured[key]
        values, mine_width = mine.value
        if mine_width != width:
            raise AssertionError(f"{label}: {mine_width} features, the peer {width}")
        speedup, memory = measured["peer"].seconds / mine.seconds, ratio(mine.peak_mib, measured["peer"].peak_mib)
        rows.append(row(name, f"{label} ({images_per_second(key)})", mine.seconds, mine.peak_mib, timed_on=timed_on,
                        speedup=speedup, memory_ratio=memory, difference=float(np.max(np.abs(values - peer_values))),
                        difference_unit=f"(every {every}th feature)", goal="no slower, <= 0.5x peak memory",
                        goal_met=speedup >= 0.95 and memory is not None and memory <= 0.5, note=note))
    return rows
