"""Checkpoints: one file per run (``last.pt``) holding everything an exact ``--resume`` needs.

Written through :func:`brainscore_memorability.atomic.atomic_path` (a temporary file beside it,
fsynced, then renamed in one step), so a run killed while writing keeps the previous checkpoint.
Contents are tensors, numbers, strings, lists and dicts only -- the config as a plain dict, never
pickled objects -- and they are read with ``torch.load(weights_only=True)``.
"""
from __future__ import annotations

from pathlib import Path

import torch

from brainscore_memorability.atomic import atomic_path
from brainscore_memorability.errors import MemorabilityError

FILENAME = "last.pt"


def rng_state() -> dict:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save(path: str | Path, state: dict) -> Path:
    """Write ``state`` to ``path`` atomically; returns the path."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return Path(path)


def load(path: str | Path) -> dict:
    """The checkpoint at ``path`` (or ``path/last.pt`` for a run folder), on the CPU."""
    path = Path(path)
    if path.is_dir():
        path = path / FILENAME
    if not path.is_file():
        raise MemorabilityError(f"checkpoint {path} not found: give a run's out_dir or its {FILENAME}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a torn or foreign file
        raise MemorabilityError(f"checkpoint {path} cannot be read ({type(error).__name__}: {error})") from None

