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

from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

OBJECTIVES = ("imagenet", "lamem", "joint")
IMAGENET_CLASSES = 1000


@dataclass(frozen=True)
class Architecture:
    """How to build one backbone and where its parts are.

    ``build(pretrained)`` returns the full ImageNet classifier (torchvision/timm API);
    ``classifier`` is the dotted name of its final Linear layer, which the heads replace;
    ``regions`` maps Brain-Score regions to the committed layer (dotted module name);
    ``cka_layers`` lists the layers of the layer-by-layer CKA, input to output.
    Images are ``image_size`` pixels square, normalised with ImageNet's mean and std.
    """
    name: str
    build: Callable[[bool], nn.Module]
    classifier: str
    regions: dict[str, str]
    cka_layers: tuple[str, ...]
    image_size: int = 224
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    source: str = "torchvision"
    extra: dict = field(default_factory=dict)


def _torchvision(name: str) -> Callable[[bool], nn.Module]:
    def build(pretrained: bool) -> nn.Module:
        import torchvision
        weights = torchvision.models.get_model_weights(name).DEFAULT if pretrained else None
        return torchvision.models.get_model(name, weights=weights)
    return build


def _timm(name: str) -> Callable[[bool], nn.Module]:  # for one-line additions of timm models
    def build(pretrained: bool) -> nn.Module:
        import timm
        return timm.create_model(name, pretrained=pretrained)
    return build


def _resnet(name: str, blocks: tuple[int, int, int, int]) -> Architecture:
    """ResNets: V1/V2/V4/IT on layer1-4 outputs (last block of each stage); CKA on every block."""
    stage_blocks = [f"backbone.layer{s + 1}.{b}" for s, n in enumerate(blocks) for b in range(n)]
    return Architecture(
        name=name, build=_torchvision(name), classifier="fc",
        regions={"V1": f"backbone.layer1.{blocks[0] - 1}", "V2": f"backbone.layer2.{blocks[1] - 1}",
                 "V4": f"backbone.layer3.{blocks[2] - 1}", "IT": f"backbone.layer4.{blocks[3] - 1}"},
        cka_layers=("backbone.maxpool", *stage_blocks, "backbone.avgpool"))


ARCHITECTURES: dict[str, Architecture] = {a.name: a for a in [
    Architecture("alexnet", _torchvision("alexnet"), "classifier.6",
                 regions={"V1": "backbone.features.2", "V2": "backbone.features.5",
                          "V4": "backbone.features.7", "IT": "backbone.features.12"},
                 cka_layers=("backbone.features.2", "backbone.features.5", "backbone.features.7",
                             "backbone.features.9", "backbone.features.12", "backbone.classifier.2",
                             "backbone.classifier.5")),
    Architecture("vgg16", _torchvision("vgg16"), "classifier.6",
                 regions={"V1": "backbone.features.9", "V2": "backbone.features.16",
                          "V4": "backbone.features.23", "IT": "backbone.features.30"},
                 cka_layers=("backbone.features.4", "backbone.features.9", "backbone.features.16",
                             "backbone.features.23", "backbone.features.30", "backbone.classifier.1",
                             "backbone.classifier.4")),
    _resnet("resnet18", (2, 2, 2, 2)),
    _resnet("resnet50", (3, 4, 6, 3)),
    _resnet("resnet101", (3, 4, 23, 3)),
]}


def get_architecture(name: str) -> Architecture:
    from brainscore_memorability.errors import MemorabilityError
    if name not in ARCHITECTURES:
        raise MemorabilityError(f"unknown architecture '{name}': choose one of {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[name]


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
