"""Models: ImageNet-, LaMem- and jointly-trained networks (and ResMem) as Brain-Score models.

Registers every zoo identifier (cheaply: nothing is built or read until a model is loaded).
:func:`load_model` loads one with chosen weights; see :mod:`.zoo` and :mod:`.weights`.
"""
from __future__ import annotations

import functools

from brainscore_memorability.models import identifiers
from brainscore_memorability.models.catalogue import ARCHITECTURES
from brainscore_memorability.registry import register

_DESCRIPTIONS = {
    "imagenet": "{arch} trained on ImageNet ({weights}, the 90-epoch recipe), memorability-free baseline",
    "lamem": "{arch} trained to predict LaMem memorability (regression head)",
    "joint": "{arch} trained jointly on ImageNet categories and LaMem memorability (both heads)",
}


def load_model(identifier: str, weights=None):
    """The Brain-Score model of ``identifier``; ``weights``: a file path, ``"random"`` (the untrained
    network, identifier suffix ``@random-seed0``) or None (environment variable, manifests, built-in
    weights; see :mod:`brainscore_memorability.models.weights`). Identifiers that are not ours are
    loaded by ``brainscore_vision.load_model`` (only with ``weights=None``)."""
    from brainscore_memorability.registry import lookup
    if lookup("model", identifier) is None:
        if weights is not None:
            from brainscore_memorability.errors import MemorabilityError
            raise MemorabilityError(f"weights can only be chosen for this package's models, not "
                                    f"'{identifier}' (see `brainscore list models`)")
        import brainscore_vision

        from brainscore_memorability.registry import resolve
        resolve("model", identifier)  # UnknownIdentifierError with close matches
        return brainscore_vision.load_model(identifier)
    from brainscore_memorability.models.zoo import brain_model
    return brain_model(identifier, weights)


def predict_memorability(identifier: str, images, weights=None, batch_size: int = 16):
    """Memorability score per image file (numpy, images,); see :func:`.zoo.predict_memorability`."""
    from brainscore_memorability.models.zoo import predict_memorability as predict
    return predict(identifier, images, weights=weights, batch_size=batch_size)


def _register_all() -> None:
    for objective in identifiers.OBJECTIVES:
        for arch in identifiers.ARCHS:
            name = f"memnet-{objective}-{arch}"
            weights = ARCHITECTURES[arch].imagenet_weights_tag().replace("-", " ", 1)
            register("model", name, _DESCRIPTIONS[objective].format(arch=arch, weights=weights),
                     functools.partial(load_model, name))
    for alias, target in identifiers.ALIASES.items():
        register("model", alias, f"alias of {target}", functools.partial(load_model, target))
    register("model", identifiers.RESMEM, "ResMem (pip resmem): ResNet-152 + memorability stream, "
             "trained on LaMem and MemCat", functools.partial(load_model, identifiers.RESMEM))
    register("model", identifiers.RESMEM_IMAGENET, "ResMem's ResNet-152 backbone alone, ImageNet-trained "
             "(alias of memnet-imagenet-resnet152)", functools.partial(load_model, "memnet-imagenet-resnet152"))


_register_all()
