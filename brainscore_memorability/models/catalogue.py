"""The zoo's catalogue, importable without torch: objectives and architectures (how to build each
backbone through torchvision's or timm's API, its committed Brain-Score layers, its CKA layers, its
preprocessing). Adding a torchvision or timm architecture is one line in :data:`ARCHITECTURES`."""
from __future__ import annotations

from dataclasses import dataclass

from brainscore_memorability.errors import MemorabilityError

OBJECTIVES = ("imagenet", "lamem", "joint")


@dataclass(frozen=True)
class Architecture:
    """How to build one backbone and where its parts are.

    :meth:`build` returns the full ImageNet classifier through torchvision's (or timm's) model and
    weights API; ``imagenet_weights`` pins the official weights by name (a torchvision weights enum
    member; ignored for timm). The baselines use ``IMAGENET1K_V1`` for every architecture: the
    weights torchvision trained with its 90-epoch reference recipe (the one
    ``training/configs/imagenet-*.yaml`` reproduce; torchvision's meta ``recipe`` links
    references/classification#resnet and #alexnet-and-vgg), not ``DEFAULT``, which for
    resnet50/101/152 is ``IMAGENET1K_V2`` (a 600-epoch recipe with other augmentations) and may
    move to other weights in a later torchvision. ``classifier`` is the dotted name of its
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
    imagenet_weights: str = "IMAGENET1K_V1"

    def weights_enum(self):
        """The torchvision weights enum member of the official ImageNet weights (its ``url`` and
        ``transforms`` are torchvision's); None for timm models."""
        if self.source != "torchvision":
            return None
        import torchvision
        return torchvision.models.get_model_weights(self.name)[self.imagenet_weights]

    def imagenet_weights_tag(self) -> str:
        """Names the official ImageNet weights in model identifiers, e.g. ``torchvision-IMAGENET1K_V1``
        (no torch import: the weights are pinned by name)."""
        return f"torchvision-{self.imagenet_weights}" if self.source == "torchvision" else f"timm-{self.name}"

    def build(self, pretrained: bool):  # -> torch.nn.Module
        """The ImageNet classifier; with ``pretrained`` its official weights, downloaded on first use
        and cached by torchvision (``$TORCH_HOME/hub/checkpoints``) or timm."""
        if self.source == "timm":
            import timm
            return timm.create_model(self.name, pretrained=pretrained)
        import torchvision
        try:
            return torchvision.models.get_model(self.name, weights=self.weights_enum() if pretrained else None)
        except (OSError, RuntimeError) as error:  # offline: urllib's URLError; a torn download: RuntimeError
            if not pretrained:
                raise
            raise MemorabilityError(self.download_failure(error)) from None

    def download_failure(self, error: Exception) -> str:
        """What could not be downloaded, and how to point at a local copy (torchvision weights)."""
        import os

        import torch.hub
        url = self.weights_enum().url
        local = os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(url))
        return (f"could not download torchvision's ImageNet weights of {self.name} from {url} "
                f"({type(error).__name__}: {str(error)[:200]}). Offline: fetch that file on a machine with "
                f"internet and put it at {local} (or set $TORCH_HOME to a folder holding hub/checkpoints/"
                f"{os.path.basename(url)}). Or, to score, give a weights file (--weights PATH); to train, "
                f"start from random weights (--no-pretrained-imagenet)")


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
    _resnet("resnet34", (3, 4, 6, 3)),
    _resnet("resnet50", (3, 4, 6, 3)),
    _resnet("resnet101", (3, 4, 23, 3)),
    # ResMem's frozen backbone (torchvision's original resnet152 weights, V1): its ImageNet counterpart
    _resnet("resnet152", (3, 8, 36, 3)),
]}


def get_architecture(name: str) -> Architecture:
    if name not in ARCHITECTURES:
        raise MemorabilityError(f"unknown architecture '{name}': choose one of {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[name]
