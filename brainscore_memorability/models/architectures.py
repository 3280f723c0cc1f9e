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

from dataclasses import dataclass

import torch
from torch import nn

from brainscore_memorability.models.identifiers import OBJECTIVES  # noqa: F401 (re-exported)
IMAGENET_CLASSES = 1000


@dataclass(frozen=True)
class Architecture:
    """How to build one backbone and where its parts are.

    :meth:`build` returns the full ImageNet classifier through torchvision's (or timm's) model and
    weights API; ``imagenet_weights`` names the official weights (a torchvision weights enum member,
    ``DEFAULT`` = the best published; ignored for timm). ``classifier`` is the dotted name of its
    final Linear layer, which the heads replace; ``regions`` maps Brain-Score regions to the
    committed layer (dotted module name); ``cka_layers`` lists the layers of the layer-by-layer CKA,
    input to output. Images are ``image_size`` pixels square, normalised with ImageNet's mean and std.
    """
    name: str
    classifier: str
    regions: dict[str, str]
    cka_layers: tuple[str, ...]
    image_size: int = 224
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    source: str = "torchvision"  # or "timm"
    imagenet_weights: str = "DEFAULT"

    def weights_enum(self):
        """The torchvision weights enum member of the official ImageNet weights (its ``url`` and
        ``transforms`` are torchvision's); None for timm models."""
        if self.source != "torchvision":
            return None
        import torchvision
        return torchvision.models.get_model_weights(self.name)[self.imagenet_weights]

    def imagenet_weights_tag(self) -> str:
        """Names the official ImageNet weights in model identifiers, e.g. ``torchvision-IMAGENET1K_V2``."""
        enum = self.weights_enum()
        return f"torchvision-{enum.name}" if enum is not None else f"timm-{self.name}"

    def build(self, pretrained: bool) -> nn.Module:
        """The ImageNet classifier; with ``pretrained`` its official weights, downloaded on first use
        and cached by torchvision (``$TORCH_HOME/hub/checkpoints``) or timm."""
        if self.source == "timm":
            import timm
            return timm.create_model(self.name, pretrained=pretrained)
        import torchvision
        return torchvision.models.get_model(self.name, weights=self.weights_enum() if pretrained else None)


def _resnet(name: str, blocks: tuple[int, int, int, int], **options) -> Architecture:
    """ResNets: V1/V2/V4/IT on layer1-4 outputs (last block of each stage); CKA on every block."""
    stage_blocks = [f"backbone.layer{s + 1}.{b}" for s, n in enumerate(blocks) for b in range(n)]
    return Architecture(
        name=name, classifier="fc",
        regions={"V1": f"backbone.layer1.{blocks[0] - 1}", "V2": f"backbone.layer2.{blocks[1] - 1}",
                 "V4": f"backbone.layer3.{blocks[2] - 1}", "IT": f"backbone.layer4.{blocks[3] - 1}"},
        cka_layers=("backbone.maxpool", *stage_blocks, "backbone.avgpool"), **options)


ARCHITECTURES: dict[str, Architecture] = {a.name: a for a in [
    Architecture("alexnet", "classifier.6",
                 regions={"V1": "backbone.features.2", "V2": "backbone.features.5",
                          "V4": "backbone.features.7", "IT": "backbone.features.12"},
                 cka_layers=("backbone.features.2", "backbone.features.5", "backbone.features.7",
                             "backbone.features.9", "backbone.features.12", "backbone.classifier.2",
                             "backbone.classifier.5")),
    Architecture("vgg16", "classifier.6",
                 regions={"V1": "backbone.features.9", "V2": "backbone.features.16",
                          "V4": "backbone.features.23", "IT": "backbone.features.30"},
                 cka_layers=("backbone.features.4", "backbone.features.9", "backbone.features.16",
                             "backbone.features.23", "backbone.features.30", "backbone.classifier.1",
                             "backbone.classifier.4")),
    _resnet("resnet18", (2, 2, 2, 2)),
    _resnet("resnet50", (3, 4, 6, 3)),
    _resnet("resnet101", (3, 4, 23, 3)),
    # ResMem's frozen backbone (torchvision's original resnet152 weights): its ImageNet counterpart
    _resnet("resnet152", (3, 8, 36, 3), imagenet_weights="IMAGENET1K_V1"),
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
