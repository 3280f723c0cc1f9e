"""ResNet-50 activations at 4 layers: the zoo's Brain-Score model vs brainscore-vision's PytorchWrapper.

This package: ``brain_model('memnet-imagenet-resnet50', weights='random').activations_model`` on the
V1/V2/V4/IT layers (``backbone.layer1.2``, ``layer2.3``, ``layer3.5``, ``layer4.2``). Peer: what a
user writes without it, ``PytorchWrapper(torchvision resnet50, load_preprocess_images at 224 px)``
on the same layers, with the zoo network's weights copied in (so their activations must be equal).
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


def _sampled(extract, paths, layers, every: int) -> tuple[np.ndarray, tuple]:
    """Run ``extract(paths, layers=layers)`` and keep every ``every``-th column (the full
    presentation x neuroid array is dropped at once, so two copies never coexist)."""
    activations = extract(paths, layers=layers)
    return np.asarray(activations.values[:, ::every]).copy(), activations.shape


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
    previous = os.environ.get("RESULTCACHING_DISABLE")
    os.environ["RESULTCACHING_DISABLE"] = "1"
    try:
        with tempfile.TemporaryDirectory() as folder:
            paths = write_images(Path(folder), sizes["images"])
            model = zoo.brain_model(IDENTIFIER, weights="random", batch_size=sizes["batch_size"])
            layers = list(model.zoo_network.regions.values())
            peer = peer_wrapper(model.zoo_network, sizes)
            peer_layers = [layer.removeprefix("backbone.") for layer in layers]
            for extract, names in ((model.activations_model, layers), (peer, peer_layers)):
                extract(paths[:2], layers=names)  # imports and first-call set-up, untimed
            mine = measure(_sampled, model.activations_model, paths, layers, sizes["sample_every"])
            theirs = measure(_sampled, peer, paths, peer_layers, sizes["sample_every"])
    finally:
        if previous is None:
            os.environ.pop("RESULTCACHING_DISABLE", None)
        else:
            os.environ["RESULTCACHING_DISABLE"] = previous
    (values, shape), (peer_values, peer_shape) = mine.value, theirs.value
    if shape != peer_shape:
        raise AssertionError(f"activation shapes differ: {shape} vs {peer_shape}")
    name = (f"ResNet-50 activations, 4 layers ({sizes['images']} images at {IMAGE_SIZE} px, "
            f"{shape[1]} features)")
    rate, peer_rate = sizes["images"] / mine.seconds, sizes["images"] / theirs.seconds
    memory = ratio(mine.peak_mib, theirs.peak_mib)
    rows = [row(name, f"brainscore_memorability (zoo brain_model, {rate:.3g} images/s)", mine.seconds,
                mine.peak_mib, timed_on=f"all {sizes['images']} images")]
    rows.append(row(name, f"brainscore-vision PytorchWrapper ({peer_rate:.3g} images/s)", theirs.seconds,
                    theirs.peak_mib, timed_on=f"all {sizes['images']} images", speedup=theirs.seconds / mine.seconds,
                    memory_ratio=memory, difference=float(np.max(np.abs(values - peer_values))),
                    difference_unit=f"(every {sizes['sample_every']}th feature)",
                    goal="no slower, <= 0.5x peak memory",
                    goal_met=theirs.seconds / mine.seconds >= 0.95 and memory is not None and memory <= 0.5,
                    note="the zoo extracts through PytorchWrapper unchanged: same code path, no memory gain expected"))
    return rows
