"""Network architectures with memorability and/or ImageNet heads: defined once, used by the model
zoo (scoring) and by ``training`` (producing weights).

A :class:`MemNet` is a torchvision (or timm) backbone whose final classification layer is
replaced by the heads its objective needs, all reading the backbone's penultimate features:

* ``imagenet``: ``imagenet_head``, Linear(features -> classes), class logits: 1000 for ImageNet,
  as many as the training ImageFolder has classes otherwise (e.g. the simulated sample's 6);
* ``lamem``: ``lamem_head``, Linear(features -> 1), the predicted memorability score;
* ``joint``: both heads on one trunk.

Module names are stable (``backbone.layer4.0``, ``imagenet_head``, ``lamem_head``) so that
Brain-Score layer maps and safetensors keys do not depend on the objective.
"""
from __future__ import annotations

import torch
from torch import nn

from brainscore_memorability.models.catalogue import (  # noqa: F401 (re-exported)
    ARCHITECTURES, OBJECTIVES, Architecture, get_architecture)

IMAGENET_CLASSES = 1000


class MemNet(nn.Module):
    """A backbone with the heads of one objective; ``forward`` returns ``{head name: output}``.

    Outputs: ``imagenet`` logits (batch x classes), ``lamem`` scores (batch,).
    """

    def __init__(self, backbone: nn.Module, feature_dim: int, objective: str,
                 imagenet_head: nn.Linear | None = None, imagenet_classes: int = IMAGENET_CLASSES):
        super().__init__()
        if objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, not {objective!r}")
        self.objective = objective
        self.backbone = backbone
        if objective in ("imagenet", "joint"):
            self.imagenet_head = imagenet_head or nn.Linear(feature_dim, imagenet_classes)
        if objective in ("lamem", "joint"):
            self.lamem_head = nn.Linear(feature_dim, 1)

    @property
    def heads(self) -> tuple[str, ...]:
        return tuple(h for h in ("imagenet", "lamem") if hasattr(self, f"{h}_head"))

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        features = self.backbone(images)
        outputs = {}
        if hasattr(self, "imagenet_head"):
            outputs["imagenet"] = self.imagenet_head(features)
        if hasattr(self, "lamem_head"):
            outputs["lamem"] = self.lamem_head(features).squeeze(-1)
        return outputs


def build_network(arch: str, objective: str, pretrained_imagenet: bool = False,
                  imagenet_classes: int = IMAGENET_CLASSES) -> MemNet:
    """A :class:`MemNet` of architecture ``arch`` for ``objective``, its ImageNet head (if any)
    with ``imagenet_classes`` outputs (the number of classes of the training ImageFolder).

    ``pretrained_imagenet`` starts the backbone (and a 1000-way ImageNet head) from the official
    ImageNet weights, downloaded and cached by torchvision/timm on first use; a head of another
    size, and everything without ``pretrained_imagenet``, is randomly initialised (seed with
    ``torch.manual_seed``).
    """
    if imagenet_classes < 2:
        raise ValueError(f"an ImageNet head needs at least 2 classes, not {imagenet_classes}")
    spec = get_architecture(arch)
    backbone = spec.build(pretrained_imagenet)
    parent_name, _, leaf = spec.classifier.rpartition(".")
    parent = backbone.get_submodule(parent_name) if parent_name else backbone
    classifier: nn.Linear = getattr(parent, leaf)
    if isinstance(parent, nn.Sequential):
        parent[int(leaf)] = nn.Identity()
    else:
        setattr(parent, leaf, nn.Identity())
    keep = objective in ("imagenet", "joint") and classifier.out_features == imagenet_classes
    return MemNet(backbone, classifier.in_features, objective, imagenet_head=classifier if keep else None,
                  imagenet_classes=imagenet_classes)
