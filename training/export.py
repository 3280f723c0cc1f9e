"""Turn a training checkpoint into the model zoo's weights: a safetensors file, its sha256 and a
manifest entry, so that ``brainscore score --model <identifier>`` scores the freshly trained network.

The safetensors keys are the :class:`~brainscore_memorability.models.architectures.MemNet` state
dict keys; its metadata records identifier, arch, objective, training step, LaMem split and the
LaMem centre (mean training score: the ``lamem`` head predicts score minus centre). The file's bytes
depend on the checkpoint alone (keys in a fixed order), so one checkpoint always gets one sha256 tag
and shares one activation cache.
"""
from __future__ import annotations

import os
from pathlib import Path

from brainscore_memorability.atomic import atomic_path, write_text
from brainscore_memorability.errors import MemorabilityError, UsageError
from brainscore_memorability_training import checkpoint


def export(checkpoint_path: str | Path, identifier: str, out: str | Path | None = None,
           register: bool = True) -> tuple[Path, str]:
    """Write ``<identifier>.safetensors`` (beside the checkpoint -- a run's out_dir or its last.pt --
    unless ``out``, a file or folder) and
    ``<file>.sha256``; with ``register``, add it to the model zoo's user manifest
    (:func:`brainscore_memorability.models.weights.add_local_weights`). Returns (file, sha256)."""
    from brainscore_memorability.models import identifiers
    from brainscore_memorability.models.weights import add_local_weights, safetensors_bytes, sha256_of
    checkpoint_path = Path(checkpoint_path)
    if checkpoint_path.is_dir():
        checkpoint_path = checkpoint_path / checkpoint.FILENAME
    state = checkpoint.load(checkpoint_path)
    config = state["config"]
    if identifiers.parse(identifiers.canonical(identifier)) != (config["objective"], config["arch"]):
        raise MemorabilityError(f"checkpoint {checkpoint_path} holds a {config['objective']}-trained "
                                f"{config['arch']}: export it as memnet-{config['objective']}-{config['arch']}, "
                                f"not '{identifier}'")
    folder = out is None or str(out).endswith(("/", os.sep)) or Path(out).is_dir()
    out = (Path(out) if out else checkpoint_path.parent) / f"{identifier}.safetensors" if folder else Path(out)
    if out.suffix != ".safetensors":
        raise UsageError(f"--out '{out}' must be a folder (end it with '/') or a .safetensors file")
    tensors = state["network"]
    metadata = {"identifier": identifier, "arch": config["arch"], "objective": config["objective"],
                "step": str(state["step"]), "lamem_split": str(config["lamem_split"]),
                "lamem_centre": repr(float(state["centre"])), "image_size": str(config["image_size"]),
                "source": config["source"]}
    with atomic_path(out) as tmp:  # fixed layout: the same checkpoint always gives the same bytes
        tmp.write_bytes(safetensors_bytes(tensors, metadata))
    digest = sha256_of(out)
    write_text(out.with_name(out.name + ".sha256"), f"{digest}  {out.name}\n")
    if register:  # the model zoo's user manifest: brainscore score --model <identifier> uses it
        add_local_weights(identifier, out)
    return out, digest
