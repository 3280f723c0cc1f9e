"""The model zoo: a network with its weights, and the Brain-Score model made from it.

``memnet-<objective>-<arch>`` identifiers (and the aliases ``memnet-imagenet``/``-lamem``/``-joint``
for ResNet-50) and ResMem's (``resmem``, ``resmem-imagenet``) become

* a :class:`ZooNetwork`: the eval-mode torch module, its :class:`~.weights.Weights`, the committed
  region -> layer map, the CKA layer list and the preprocessing matching its weights;
* a Brain-Score ``ModelCommitment`` (:func:`brain_model`) over a
  :class:`~.extraction.StreamingWrapper` (a ``PytorchWrapper`` that streams activations into one
  array: same assemblies and cache keys, faster, half the memory), with the shipped region -> layer
  map (no layer search), ``visual_degrees`` 8, and ``layers`` = the CKA layers;
* memorability scores for image files (:func:`predict_memorability`), from the memorability head.

The Brain-Score identifier is ``<identifier>@<weights tag>`` (e.g.
``memnet-joint-resnet50@sha256-1a2b3c4d5e6f``, ``memnet-lamem-alexnet@random-seed0``), so the
activation cache never mixes two sets of weights.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from brainscore_memorability.errors import MemorabilityError
from brainscore_memorability.models import identifiers
from brainscore_memorability.models import weights as weights_module
from brainscore_memorability.models.architectures import build_network, get_architecture
from brainscore_memorability.models.weights import Weights, WeightsError

VISUAL_DEGREES = 8


@dataclass
class ZooNetwork:
    """A zoo network ready to run (eval mode, CPU).

    ``image_size``/``mean``/``std``: Brain-Score preprocessing (whole image resized to
    ``image_size`` square pixels, normalised); ``predict_transform``: PIL image -> 3 x H x W tensor
    as the memorability head was trained to see it; ``memorability``: images (batch x 3 x H x W)
    -> scores (batch,), None when the network has no memorability head; ``metadata``: what the
    weights file records (``training`` writes arch, objective, step, LaMem split and centre).
    """
    identifier: str
    weights: Weights
    network: nn.Module
    regions: dict[str, str]
    cka_layers: tuple[str, ...]
    image_size: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    predict_transform: Callable
    memorability: Callable[[torch.Tensor], torch.Tensor] | None
    metadata: dict

    @property
    def model_identifier(self) -> str:
        return self.weights.model_identifier


def build(identifier: str, weights: str | Path | None = None) -> ZooNetwork:
    """The :class:`ZooNetwork` of ``identifier`` (any form); ``weights`` as in :func:`.weights.resolve`."""
    name = identifiers.canonical(identifier)
    if name == identifiers.RESMEM:
        from brainscore_memorability.models import resmem
        return resmem.build(weights)
    objective, arch = identifiers.parse(name)
    spec = get_architecture(arch)
    builtin = spec.imagenet_weights_tag() if objective == "imagenet" else None
    resolved = weights_module.resolve(name, weights, builtin=builtin)
    metadata = {}
    if resolved.kind == "builtin":
        network = build_network(arch, objective, pretrained_imagenet=True)
    elif resolved.kind == weights_module.RANDOM:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(resolved.seed)
            network = build_network(arch, objective)
    else:
        state, metadata = weights_module.load_state_dict(resolved)
        _check_metadata(resolved, metadata, arch, objective)
        head = state.get("imagenet_head.weight")  # a head trained on another ImageFolder has its own size
        network = build_network(arch, objective, **({"imagenet_classes": head.shape[0]} if head is not None else {}))
        load_into(network, state, resolved)
    image_size = int(metadata.get("image_size", spec.image_size))
    centre = float(metadata.get("lamem_centre", 0.0))
    memorability = None
    if "lamem" in network.heads:
        def memorability(images: torch.Tensor) -> torch.Tensor:
            return network(images)["lamem"] + centre
    return ZooNetwork(name, resolved, network.eval(), dict(spec.regions), spec.cka_layers, image_size,
                      spec.mean, spec.std, evaluation_transform(image_size, spec.mean, spec.std),
                      memorability, metadata)


def evaluation_transform(image_size: int, mean, std):
    """torchvision's ImageNet evaluation recipe at ``image_size`` (as ``training`` evaluates):
    resize the short side to 256/224 of the size, centre crop, normalise. PIL -> 3 x size x size."""
    from torchvision import transforms as T
    return T.Compose([T.Resize(round(image_size * 256 / 224), antialias=True), T.CenterCrop(image_size),
                      T.ToTensor(), T.Normalize(mean, std)])


def load_into(network: nn.Module, state: dict, weights: Weights) -> None:
    """``network.load_state_dict(state)`` (strict), as a :class:`WeightsError` naming the file."""
    try:
        network.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise WeightsError(f"weights file {weights.path} does not fit '{weights.identifier}': "
                           f"{str(error).splitlines()[0]} ... Was it exported for another identifier?") from None


def _check_metadata(weights: Weights, metadata: dict, arch: str, objective: str) -> None:
    for key, expected in (("arch", arch), ("objective", objective)):
        if key in metadata and metadata[key] != expected:
            raise WeightsError(f"weights file {weights.path} holds a {metadata.get('objective', '?')}-trained "
                               f"{metadata.get('arch', '?')}, not the {objective}-trained {arch} of "
                               f"'{weights.identifier}': use it for memnet-{metadata.get('objective', '?')}-"
                               f"{metadata.get('arch', '?')} instead")


def brain_model(identifier: str, weights: str | Path | None = None, batch_size: int = 64):
    """The Brain-Score ``ModelCommitment`` of ``identifier`` (see module docstring); activations are
    extracted ``batch_size`` images at a time."""
    from brainscore_vision.model_helpers.activations.pytorch import load_preprocess_images
    from brainscore_vision.model_helpers.brain_transformation import ModelCommitment

    from brainscore_memorability.models.extraction import StreamingWrapper
    zoo_network = build(identifier, weights)
    preprocessing = functools.partial(load_preprocess_images, image_size=zoo_network.image_size,
                                      normalize_mean=zoo_network.mean, normalize_std=zoo_network.std)
    wrapper = StreamingWrapper(model=zoo_network.network, preprocessing=preprocessing,
                               identifier=zoo_network.model_identifier, batch_size=batch_size)
    wrapper.image_size = zoo_network.image_size
    model = ModelCommitment(identifier=zoo_network.model_identifier, activations_model=wrapper,
                            layers=list(zoo_network.cka_layers), region_layer_map=dict(zoo_network.regions),
                            visual_degrees=VISUAL_DEGREES)
    model.zoo_network = zoo_network
    return model


def predict_memorability(identifier: str, images, weights: str | Path | None = None,
                         batch_size: int = 16) -> np.ndarray:
    """Memorability score per image file (images,), from the model's memorability head (on the GPU
    when there is one).

    LaMem-trained and joint networks predict LaMem scores (about 0.4-1, the training centre added
    back); ResMem predicts 0-1. ImageNet-only networks have no memorability head: error.
    """
    return head_predictions(build(identifier, weights), images, batch_size=batch_size)


def head_predictions(zoo_network: ZooNetwork, images, batch_size: int = 16) -> np.ndarray:
    """Memorability score per image file (images,) from a built network's memorability head."""
    from torch.utils.data import DataLoader
    if int(batch_size) < 1:
        raise MemorabilityError(f"batch_size is {batch_size}: give a whole number of images >= 1")
    if zoo_network.memorability is None:
        raise WeightsError(f"'{zoo_network.identifier}' has no memorability head (ImageNet-only): use a "
                           f"lamem or joint model, or resmem")
    paths = [Path(p) for p in images]
    loader = DataLoader(_Images(paths, zoo_network.predict_transform), batch_size=batch_size)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    zoo_network.network.to(device)
    with torch.inference_mode():
        scores = [zoo_network.memorability(batch.to(device)).cpu() for batch in loader]
    return torch.cat(scores).numpy().astype(float) if scores else np.zeros(0)


class _Images(torch.utils.data.Dataset):
    def __init__(self, paths: list[Path], transform):
        self.paths, self.transform = paths, transform

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> torch.Tensor:
        from brainscore_memorability.images import load_rgb
        return self.transform(load_rgb(self.paths[index]))
