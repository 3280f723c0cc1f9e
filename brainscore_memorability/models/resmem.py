"""ResMem (Needell & Bainbridge 2022; PyPI ``resmem``, trained on LaMem and MemCat) as a zoo network.

ResMem concatenates a frozen ImageNet ResNet-152 (``features``, torchvision's original weights) with
an AlexNet-like stream trained for memorability (``conv1`` ... ``pool5``), then a stack of fully
connected layers (``fc6`` ... ``fc12``, sigmoid) giving a 0-1 memorability score. Its inputs are
227 x 227 RGB in 0-1, not normalised. Its ImageNet-only counterpart is ``resmem-imagenet``
(= ``memnet-imagenet-resnet152``: the same backbone alone).

Committed layers: V1 ``lrn1``, V2 ``lrn2``, V4 ``conv4`` (memorability stream) and IT ``fc6`` (the
first layer reading both streams; pre-ReLU, as ResMem applies its ReLUs functionally). A committed
``features.*`` layer would equal the ImageNet counterpart's by construction.

Weights come from the installed wheel (``pip install -e ".[resmem]"``), read by resmem's own
loader (``torch.load``, whose default is ``weights_only=True`` since torch 2.6), or from a file
given as for any zoo model (``weights=PATH``, ``"random"``).
"""
from __future__ import annotations

import importlib.metadata
from pathlib import Path

import torch

from brainscore_memorability.errors import MemorabilityError
from brainscore_memorability.models import identifiers
from brainscore_memorability.models import weights as weights_module

IMAGE_SIZE = 227
REGIONS = {"V1": "lrn1", "V2": "lrn2", "V4": "conv4", "IT": "fc6"}
CKA_LAYERS = ("lrn1", "lrn2", "conv3", "conv4", "pool5", "fc6", "fc7", "fc8", "fc9", "fc10", "fc11")
NO_NORMALISATION = ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0))


def installed_version() -> str | None:
    """The installed ``resmem`` version, or None."""
    try:
        return importlib.metadata.version("resmem")
    except importlib.metadata.PackageNotFoundError:
        return None


def build(weights: str | Path | None = None):
    """The :class:`~.zoo.ZooNetwork` of ResMem with ``weights`` (None: the wheel's own)."""
    from brainscore_memorability.models.zoo import ZooNetwork, load_into
    version = installed_version()
    if version is None:
        raise MemorabilityError("model 'resmem' needs the resmem package: pip install -e \".[resmem]\" "
                                "(or pip install resmem; its wheel holds the 490 MB of weights)")
    if tuple(int(part) for part in torch.__version__.split(".")[:2]) < (2, 6):
        raise MemorabilityError("model 'resmem' needs torch>=2.6 (torch.load must default to weights_only=True)")
    import resmem
    resolved = weights_module.resolve(identifiers.RESMEM, weights, builtin=f"resmem-{version}")
    network = resmem.ResMem(pretrained=True)  # builds the layers and loads the wheel's weights
    if resolved.kind == weights_module.RANDOM:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(resolved.seed)
            for module in network.modules():
                if hasattr(module, "reset_parameters"):
                    module.reset_parameters()
    elif resolved.kind == "file":
        load_into(network, weights_module.load_state_dict(resolved)[0], resolved)
    network.eval()

    def memorability(images: torch.Tensor) -> torch.Tensor:
        return network(images).squeeze(-1)

    return ZooNetwork(identifiers.RESMEM, resolved, network, dict(REGIONS), CKA_LAYERS, IMAGE_SIZE,
                      *NO_NORMALISATION, resmem.transformer, memorability, {})
