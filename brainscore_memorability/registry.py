"""The one table of what this package registers, and the hook that makes brainscore_vision see it.

Every model, benchmark, metric, dataset and stimulus set of this package is declared once with
:func:`register`. That single call

* records it here (identifier, kind, one-line description, factory) for ``brainscore list``,
  the CLI and the leaderboard plugin folders, and
* puts the factory into brainscore_vision's own registry dict under the identifier and under its
  leaderboard form (hyphens replaced by underscores, which the leaderboard requires).

brainscore_vision's loaders (``load_model`` etc.) first call ``import_plugin``, which only scans
brainscore_vision's own plugin folders and fails for anything else. :func:`install_loader_hook`
wraps that function so it returns early for identifiers registered here and behaves exactly as
before for every other identifier.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from brainscore_memorability.errors import UnknownIdentifierError

KINDS = ("model", "benchmark", "metric", "data", "stimulus_set")
_UPSTREAM_DICTS = {"model": "model_registry", "benchmark": "benchmark_registry",
                   "metric": "metric_registry", "data": "data_registry",
                   "stimulus_set": "stimulus_set_registry"}
_PLUGIN_TYPES = {"model": "models", "benchmark": "benchmarks", "metric": "metrics",
                 "data": "data", "stimulus_set": "data"}


@dataclass(frozen=True)
class Registration:
    kind: str  # one of KINDS
    identifier: str  # canonical form, e.g. 'memnet-joint-resnet50'
    factory: Callable[[], Any]  # zero-argument callable building the object
    description: str  # one line, shown by `brainscore list`

    @property
    def leaderboard_identifier(self) -> str:
        return leaderboard_identifier(self.identifier)


_TABLE: dict[tuple[str, str], Registration] = {}


def leaderboard_identifier(identifier: str) -> str:
    """The form the Brain-Score leaderboard accepts: no hyphens ('Kar2019-IT-early' -> 'Kar2019_IT_early')."""
    return identifier.replace("-", "_")


def register(kind: str, identifier: str, description: str, factory: Callable[[], Any]) -> Registration:
    """Declare ``identifier`` of ``kind`` with its zero-argument ``factory`` (see module docstring)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    entry = Registration(kind, identifier, factory, description)
    for name in {identifier, entry.leaderboard_identifier}:
        existing = _TABLE.get((kind, name))
        if existing is not None and existing.identifier != identifier:
            raise ValueError(f"{kind} '{name}' is already registered as '{existing.identifier}'")
    _TABLE[(kind, identifier)] = entry
    _TABLE[(kind, entry.leaderboard_identifier)] = entry
    upstream = _upstream_dict(kind)
    upstream[identifier] = upstream[entry.leaderboard_identifier] = factory
    return entry


def registrations(kind: str | None = None) -> list[Registration]:
    """Every registration of ``kind`` (all kinds if None), once each, sorted by identifier."""
    unique = {(e.kind, e.identifier): e for e in _TABLE.values() if kind in (None, e.kind)}
    return [unique[key] for key in sorted(unique)]


def lookup(kind: str, identifier: str) -> Registration | None:
    """Our registration for ``identifier`` (canonical or leaderboard form), or None."""
    return _TABLE.get((kind, identifier))


def upstream_identifiers(kind: str) -> list[str]:
    """Identifiers brainscore_vision itself provides for ``kind``.

    Read the way brainscore_vision's ``import_plugin`` finds them: literal
    ``<kind>_registry['<id>']`` lines in the ``__init__.py`` of its plugin folders.
    """
    import brainscore_vision
    plugins_dir = Path(brainscore_vision.__file__).parent / _PLUGIN_TYPES[kind]
    pattern = re.compile(_UPSTREAM_DICTS[kind] + r"""\[['"]([^'"]+)['"]\]""")
    found = set()
    for init_file in plugins_dir.glob("*/__init__.py"):
        found.update(pattern.findall(init_file.read_text(encoding="utf-8", errors="replace")))
    return sorted(found)


def resolve(kind: str, identifier: str) -> None:
    """Raise :class:`UnknownIdentifierError` unless ours or brainscore_vision's knows ``identifier``."""
    if lookup(kind, identifier) is not None:
        return
    known = upstream_identifiers(kind)
    if identifier in known:
        return
    ours = [e.identifier for e in registrations(kind)]
    close = difflib.get_close_matches(identifier, ours + known, n=5, cutoff=0.5)
    raise UnknownIdentifierError(kind, identifier, close)


def _upstream_dict(kind: str) -> dict:
    import brainscore_vision
    return getattr(brainscore_vision, _UPSTREAM_DICTS[kind])


def install_loader_hook() -> None:
    """Make brainscore_vision's ``import_plugin`` skip its folder scan for our identifiers.

    The loaders look ``import_plugin`` up in brainscore_vision's module namespace at call time, so
    replacing that one name is enough. Idempotent; other identifiers reach the original function.
    """
    import brainscore_vision
    original = brainscore_vision.import_plugin
    if getattr(original, "_brainscore_memorability_hook", False):
        return

    def import_plugin(library_root, plugin_type, identifier, registry_prefix=None):
        kind = registry_prefix or {"models": "model", "benchmarks": "benchmark",
                                   "metrics": "metric", "data": "data"}.get(plugin_type)
        if library_root == "brainscore_vision" and lookup(kind, identifier) is not None:
            return None
        return original(library_root, plugin_type, identifier, registry_prefix=registry_prefix)

    import_plugin._brainscore_memorability_hook = True
    import_plugin.__wrapped__ = original
    brainscore_vision.import_plugin = import_plugin
