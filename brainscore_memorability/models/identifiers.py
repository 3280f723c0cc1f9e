"""Model identifiers of the zoo, without importing torch: ``memnet-<objective>-<arch>``, the short
aliases ``memnet-<objective>`` (ResNet-50), the leaderboard forms with underscores, and ResMem's."""
from __future__ import annotations

from brainscore_memorability.errors import UnknownIdentifierError
from brainscore_memorability.models.catalogue import ARCHITECTURES, OBJECTIVES

ARCHS = tuple(ARCHITECTURES)
ALIAS_ARCH = "resnet50"
ALIASES = {f"memnet-{objective}": f"memnet-{objective}-{ALIAS_ARCH}" for objective in OBJECTIVES}
RESMEM = "resmem"  # ResMem (Needell & Bainbridge 2022), weights from the `resmem` package
RESMEM_IMAGENET = "resmem-imagenet"  # its ResNet-152 backbone alone, ImageNet-trained
RESMEM_ALIASES = {RESMEM_IMAGENET: "memnet-imagenet-resnet152"}


def memnet_identifiers() -> list[str]:
    """Every ``memnet-<objective>-<arch>`` identifier, objective-major."""
    return [f"memnet-{objective}-{arch}" for objective in OBJECTIVES for arch in ARCHS]


def canonical(identifier: str) -> str:
    """The canonical form of a zoo identifier: aliases and leaderboard (underscore) forms resolved.

    >>> canonical("memnet_joint")
    'memnet-joint-resnet50'
    """
    name = identifier.replace("_", "-") if identifier.startswith(("memnet_", "resmem_")) else identifier
    name = ALIASES.get(name, name)
    return RESMEM_ALIASES.get(name, name)


def parse(identifier: str) -> tuple[str, str]:
    """``(objective, arch)`` of a memnet identifier (any form); UnknownIdentifierError otherwise."""
    name = canonical(identifier)
    parts = name.split("-", 2)
    if len(parts) == 3 and parts[0] == "memnet" and parts[1] in OBJECTIVES and parts[2] in ARCHS:
        return parts[1], parts[2]
    import difflib
    known = memnet_identifiers() + list(ALIASES) + [RESMEM, RESMEM_IMAGENET]
    raise UnknownIdentifierError("model", identifier, difflib.get_close_matches(identifier, known, n=5, cutoff=0.5))
