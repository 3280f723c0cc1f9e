"""Network architectures with memorability and/or ImageNet heads: defined once, used by the model
zoo (scoring) and by ``training`` (producing weights).

A :class:`MemNet` is a torchvision (or timm) backbone whose final classification layer is
replaced by the heads its objective needs, all reading the backbone's penultimate features:

* ``imagenet``: ``imagenet_head``, Linear(features -> 1000), class logits;
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

    Outputs: ``imagenet`` logits (batch x 1000), ``lamem`` scores (batch,).
    """

    def __init__(self, backbone: nn.Module, feature_dim: int, objective: str,
                 imagenet_head: nn.Linear | None = None):
        super().__init__()
        if objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, not {objective!r}")
        self.objective = objective
        self.backbone = backbone
        if objective in ("imagenet", "joint"):
            self.imagenet_head = imagenet_head or nn.Linear(feature_dim, IMAGENET_CLASSES)
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


def build_network(arch: str, objective: str, pretrained_imagenet: bool = False) -> MemNet:
    """A :class:`MemNet` of architecture ``arch`` for ``objective``.

    ``pretrained_imagenet`` starts the backbone (and the ImageNet head, where there is one) from
    the official ImageNet weights, downloaded and cached by torchvision/timm on first use;
    otherwise everything is randomly initialised (seed with ``torch.manual_seed``).
    """
    spec = get_architecture(arch)
    backbone = spec.build(pretrained_imagenet)
    parent_name, _, leaf = spec.classifier.rpartition(".")
    parent = backbone.get_submodule(parent_name) if parent_name else backbone
    classifier: nn.Linear = getattr(parent, leaf)
    if isinstance(parent, nn.Sequential):
        parent[int(leaf)] = nn.Identity()
    else:
        setattr(parent, leaf, nn.Identity())
    return MemNet(backbone, classifier.in_features, objective,
                  imagenet_head=classifier if objective in ("imagenet", "joint") else None)
