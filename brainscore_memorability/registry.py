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
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from brainscore_memorability.errors import MemorabilityError, UnknownIdentifierError

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
    upstream = _upstream_dict(kind)
    for name in {identifier, entry.leaderboard_identifier}:
        existing = _TABLE.get((kind, name))
        if existing is not None and existing.identifier != identifier:
            raise ValueError(f"{kind} '{name}' is already registered as '{existing.identifier}'")
        if existing is None and (name in upstream or name in _upstream_set(kind)):
            raise ValueError(f"{kind} '{name}' is already brainscore_vision's (a plugin or an earlier registration): "
                             f"choose another identifier; ours would hide it or be hidden by it")
    _TABLE[(kind, identifier)] = entry
    _TABLE[(kind, entry.leaderboard_identifier)] = entry
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


@functools.lru_cache(maxsize=None)
def _upstream_set(kind: str) -> frozenset:
    return frozenset(upstream_identifiers(kind))


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


PLUGIN_KINDS = {"models": "model", "benchmarks": "benchmark", "metrics": "metric", "data": "data"}


def _ours(library_root, plugin_type, identifier, registry_prefix=None) -> Registration | None:
    """Our registration for an ``import_plugin``/``ImportPlugin`` call, or None."""
    kind = registry_prefix or PLUGIN_KINDS.get(plugin_type)
    return lookup(kind, identifier) if library_root == "brainscore_vision" and kind in KINDS else None


def _call_arguments(function, args, kwargs) -> dict:
    """The (library_root, plugin_type, identifier, registry_prefix) of a call, however passed."""
    import inspect
    try:
        bound = inspect.signature(function).bind_partial(*args, **kwargs).arguments
    except TypeError:
        bound = dict(zip(("library_root", "plugin_type", "identifier", "registry_prefix"), args), **kwargs)
    return {key: bound.get(key) for key in ("library_root", "plugin_type", "identifier", "registry_prefix")}


class NotAPluginFolderError(MemorabilityError, AssertionError):
    """brainscore_vision looked for the plugin folder of one of our identifiers; there is none."""


def install_loader_hook() -> None:
    """Make brainscore_vision's loaders work for our identifiers (see module docstring).

    * ``brainscore_vision.import_plugin`` (called by every ``load_*``) returns early for our
      identifiers and passes any other call, with all its arguments, to the original;
    * ``ImportPlugin(...)`` for our identifiers (brainscore_vision's bibtex, region-layer-map and
      cache-revision lookups) raises :class:`NotAPluginFolderError` saying why, instead of
      "No registrations found" (those callers catch it and carry on without the folder);
    * ``brainscore_vision.load_model_bibtex`` gives our models' BibTeX;
    * ``brainscore_vision.score`` with ``BS_INSTALL_DEPENDENCIES=newenv`` refuses our identifiers
      with a message: the new conda environment would lack this package.

    Idempotent; everything else reaches the original functions unchanged.
    """
    import brainscore_vision
    from brainscore_core.plugin_management import import_plugin as plugin_module
    original = brainscore_vision.import_plugin

    @functools.wraps(original)
    def import_plugin(*args, **kwargs):
        if _ours(**_call_arguments(original, args, kwargs)) is not None:
            return None
        return original(*args, **kwargs)

    original_locate = plugin_module.ImportPlugin.locate_plugin

    @functools.wraps(original_locate)
    def locate_plugin(self, *args, **kwargs):
        kind = self.registry_name.removesuffix("_registry")
        if kind in KINDS and lookup(kind, self.identifier) is not None:
            raise NotAPluginFolderError(
                f"{kind} '{self.identifier}' is registered by the brainscore-memorability package (pip), not by a "
                f"plugin folder of brainscore_vision, so it has no folder under {self.plugins_dir}")
        return original_locate(self, *args, **kwargs)

    original_bibtex = brainscore_vision.load_model_bibtex

    @functools.wraps(original_bibtex)
    def load_model_bibtex(identifier, *args, **kwargs):
        if lookup("model", identifier) is not None:
            from brainscore_memorability.submission import BIBTEX
            return BIBTEX
        return original_bibtex(identifier, *args, **kwargs)

    original_score = brainscore_vision.score

    @functools.wraps(original_score)
    def score(model_identifier, benchmark_identifier, *args, **kwargs):
        ours = [i for kind, i in (("model", model_identifier), ("benchmark", benchmark_identifier))
                if lookup(kind, i) is not None]
        conda_active = kwargs.get("conda_active", args[0] if args else False)
        if ours and not conda_active and plugin_module.installation_preference() == "newenv":
            raise MemorabilityError(
                f"{' and '.join(repr(i) for i in ours)} come(s) from the brainscore-memorability package: with "
                f"BS_INSTALL_DEPENDENCIES=newenv brainscore_vision scores in a new conda environment built from "
                f"plugin folders, which would not have this package installed. Score with "
                f"BS_INSTALL_DEPENDENCIES=no (or yes) in an environment that has it, e.g. `brainscore score`")
        return original_score(model_identifier, benchmark_identifier, *args, **kwargs)

    for owner, name, wrapper in ((brainscore_vision, "import_plugin", import_plugin),
                                 (plugin_module.ImportPlugin, "locate_plugin", locate_plugin),
                                 (brainscore_vision, "load_model_bibtex", load_model_bibtex),
                                 (brainscore_vision, "score", score)):
        if not getattr(getattr(owner, name), "_brainscore_memorability_hook", False):
            wrapper._brainscore_memorability_hook = True
            setattr(owner, name, wrapper)
