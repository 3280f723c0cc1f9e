"""Brain-Score leaderboard plugins: generated from the registry, written as folders or zips, checked.

One plugin per leaderboard identifier. Every plugin is a thin folder over the installed package
(its ``requirements.txt`` names this package), generated here from the registrations in
:mod:`brainscore_memorability.registry`, so the registry, ``brainscore list`` and the checked-in
folders ``models/<plugin>/`` and ``benchmarks/<plugin>/`` cannot drift apart.

Which registrations get a plugin (:func:`leaderboard_registrations`): the study's models, i.e.
every registered ``memnet-<objective>-<arch>`` with a known objective and architecture (not the
short aliases, which would submit the same network twice, and not third-party models such as
ResMem), and the IT (forward and reverse) and LaMem benchmarks of :data:`LEADERBOARD_BENCHMARKS`. Leaderboard identifiers have
no hyphen (``memnet_joint_resnet50``, ``Kar2019_IT_early``); the registry answers to those forms.

:func:`check_zip` applies the rules brain-score.org checks when a zip is uploaded
(``benchmarks/views/user.py`` of brain-score/brain-score.web: size, spaces, metadata files, plugin
layout, ``__init__.py`` and ``test.py``, one single-quoted identifier without hyphens, originality)
plus the conditions its CI relies on afterwards (one top-level folder, importable plugin folder
names, registry lines that brainscore_core's own parsers read the same way). See :data:`RULES`.
"""
from __future__ import annotations

import io
import json
import keyword
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from brainscore_memorability import registry
from brainscore_memorability.atomic import atomic_path
from brainscore_memorability.data.lamem import BIBTEX  # the models are trained on LaMem
from brainscore_memorability.errors import MemorabilityError, UnknownIdentifierError

PLUGIN_TYPES = {"model": "models", "benchmark": "benchmarks"}  # kinds we submit -> plugin folder
UPLOAD_PLUGIN_TYPES = ("models", "benchmarks", "data", "metrics")  # what brain-score.org accepts
LEADERBOARD_BENCHMARKS = ("Kar2019-IT-early", "Kar2019-IT-late",
                          "MajajHong2015public.IT-early", "MajajHong2015public.IT-late",
                          # issue 17: reverse predictivity and human memorability
                          "Kar2019-IT-early-reverse", "Kar2019-IT-late-reverse",
                          "MajajHong2015public.IT-early-reverse", "MajajHong2015public.IT-late-reverse",
                          "LaMem-memorability")
# versions of brainscore-memorability that PyPI serves (none yet): a plugin pinning another cannot be installed
PUBLISHED_VERSIONS: tuple[str, ...] = ()
# benchmark -> its data plugin, for benchmarks whose data Brain-Score does not host (read from the user's files)
UNHOSTED_DATA = {name: "Kar2019.temporal" for name in ("Kar2019-IT-early", "Kar2019-IT-late",
                                                        "Kar2019-IT-early-reverse", "Kar2019-IT-late-reverse")}
MAX_ZIP_MB = 50  # brain-score.org refuses zips whose size / 1024**2 exceeds this
# --check reads the __init__.py files of a zip; before reading, an entry is refused if it would unpack
# to more than MAX_TEXT_BYTES (a plugin __init__.py registering one identifier is a few kB) or any entry
# is compressed more than MAX_RATIO:1 and unpacks to over 1 MiB (deflate reaches ~1000:1 on repeated
# bytes, source code ~3-10:1): zip bombs are reported, never unpacked
MAX_TEXT_BYTES = 1 << 20
MAX_RATIO = 100
GENERATED_MARKER = registry.GENERATED_MARKER
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same plugin always gives the same zip bytes

RULES = {
    "zip": "the file is a readable zip archive",
    "size": f"the zip is at most {MAX_ZIP_MB} MB (no weights inside: they are downloaded by the package), "
            f"its __init__.py files at most {MAX_TEXT_BYTES // 1024} kB, no entry compressed over {MAX_RATIO}:1",
    "paths": "no path is absolute or contains '..'",
    "spaces": "no path contains a space",
    "metadata": "no metadata.yaml / metadata.yml (Brain-Score writes metadata itself)",
    "root": "everything lies in one top-level folder (not starting with '.' or '_')",
    "directory-entries": "the zip has an explicit entry for every folder, the top-level folder first",
    "plugin-type": "the top-level folder holds models/, benchmarks/, data/ or metrics/ and nothing else",
    "plugin-folder": "each plugin-type folder holds plugin folders, and only them",
    "plugin-name": "plugin folder names are Python identifiers (underscores, no hyphens or dots)",
    "required-files": "every plugin folder contains __init__.py and test.py",
    "quotes": "registry lines use single quotes: model_registry['id'] (double quotes are not read)",
    "registry-line": "every registry line names its identifier the way brainscore_core's CI parser reads it",
    "identifier-count": "the zip registers exactly one identifier",
    "hyphen": "no registered identifier contains a hyphen",
    "original": "identifier and plugin folder are new to Brain-Score (checked against the installed "
                "brainscore_vision, a local stand-in for the leaderboard's database)",
}


class SubmissionError(MemorabilityError):
    """A plugin or zip that cannot be submitted; the message says which rule and what to do."""


@dataclass(frozen=True)
class Violation:
    rule: str  # a key of RULES
    message: str  # what is wrong, naming the path or identifier

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


@dataclass(frozen=True)
class Plugin:
    """One leaderboard plugin: ``files`` maps paths relative to ``folder`` to their text."""
    kind: str  # 'model' or 'benchmark'
    identifier: str  # the registered identifier in leaderboard form, e.g. 'memnet_joint_resnet50'
    name: str  # the plugin folder, e.g. 'memnet_joint_resnet50'
    files: dict[str, str]
    weights: dict | None = None  # a model's published weights (url, sha256, file), as its model.py names them

    @property
    def folder(self) -> str:
        """Path of the plugin relative to the repository root (or brainscore_vision): 'models/<name>'."""
        return f"{PLUGIN_TYPES[self.kind]}/{self.name}"


# ---------------------------------------------------------------------------------------------
# which registrations get a plugin, and what the plugin contains
# ---------------------------------------------------------------------------------------------

def leaderboard_registrations(kind: str | None = None) -> list[registry.Registration]:
    """Our registrations that get a leaderboard plugin (see module docstring), sorted by identifier."""
    import brainscore_memorability  # noqa: F401  (registers everything)
    from brainscore_memorability.models.identifiers import memnet_identifiers
    study_models = set(memnet_identifiers())
    chosen = [entry for entry in registry.registrations("model") if entry.identifier in study_models]
    chosen += [entry for entry in registry.registrations("benchmark") if entry.identifier in LEADERBOARD_BENCHMARKS]
    return [entry for entry in chosen if kind in (None, entry.kind)]


def plugin_name(identifier: str) -> str:
    """Folder name of the plugin for ``identifier``: its leaderboard form with '.' -> '_' (importable)."""
    return re.sub(r"\W", "_", registry.leaderboard_identifier(identifier))


def region_layer_map(identifier: str) -> dict[str, str]:
    """Brain-Score region -> committed layer of a ``memnet-<objective>-<arch>`` model (its architecture's)."""
    from brainscore_memorability.models.architectures import get_architecture
    from brainscore_memorability.models.identifiers import parse
    return dict(get_architecture(parse(identifier)[1]).regions)


def default_requirement() -> str:
    """The requirements.txt line of every plugin: this package at this version."""
    from brainscore_memorability import __version__
    return f"brainscore-memorability=={__version__}"


def requirement_problem(requirement: str) -> str | None:
    """Why Brain-Score's CI could not pip-install ``requirement``, where this package knows it
    (a pin of brainscore-memorability to a version not in :data:`PUBLISHED_VERSIONS`); else None."""
    pinned = re.fullmatch(r"brainscore[-_]memorability\s*==\s*(\S+)", requirement.strip(), re.IGNORECASE)
    if pinned is None or pinned.group(1) in PUBLISHED_VERSIONS:
        return None
    return (f"requirements.txt pins '{requirement.strip()}', which no package index serves (brainscore-memorability "
            f"{pinned.group(1)} is not on PyPI): Brain-Score's CI could not install the plugin and would fail")


def hosting_note(identifier: str) -> str | None:
    """What Brain-Score needs before benchmark ``identifier`` can run there, if its data is not hosted."""
    entry = registry.lookup("benchmark", identifier)
    data = UNHOSTED_DATA.get(entry.identifier if entry else identifier)
    if data is None:
        return None
    stem = data.replace(".", "_")
    return (f"Brain-Score must host the data of '{identifier}' before this benchmark can run there: its data "
            f"plugin {data} reads a NetCDF that only you have. Send the Brain-Score team (brain-score.org, "
            f"Contact) the three files `brainscore package-data` wrote, assy_{stem}.nc, stimulus_{stem}.csv and "
            f"stimulus_{stem}.zip, with the sha1 and sha256 it printed for each (or `sha1sum`/`sha256sum` of "
            f"them). Once they host the files, their URLs and hashes go into this package's data sources and a "
            f"release; submit the zip after that.")


def published_weights(identifier: str, path, url: str) -> dict:
    """The ``WEIGHTS`` entry of a model plugin whose weights file ``path`` will be published at ``url``:
    ``{"url", "sha256" (of path), "file" (name of the download)}``.

    Checks that ``url`` is http(s) (or file://, for tests: Brain-Score cannot read those) and that
    the file loads into the model (architecture, objective, every tensor), so a wrong file is
    refused here rather than on Brain-Score's servers.
    """
    import urllib.parse

    from brainscore_memorability.models import identifiers, zoo
    scheme = urllib.parse.urlparse(url).scheme
    if scheme not in ("https", "http", "file"):
        raise SubmissionError(f"--weights-url '{url}' must be an https:// (or http://) address that Brain-Score's "
                              f"servers can download")
    name = identifiers.canonical(identifier)
    network = zoo.build(name, weights=path)  # WeightsError if the file does not fit
    if network.weights.kind != "file":
        raise SubmissionError(f"--weights '{path}' is not a weights file")
    digest = network.weights.sha256
    return {"url": url, "sha256": digest, "file": f"{name}-{digest[:12]}{Path(path).suffix}"}


def check_weights_published(identifier: str) -> None:
    """Raise :class:`SubmissionError` unless Brain-Score's servers can get this model's weights.

    They can for torchvision's ImageNet weights and for files with a URL in the manifest shipped
    in the package; a locally trained file (user manifest, environment variable) is invisible to them.
    """
    from brainscore_memorability.models import identifiers, weights
    name = identifiers.canonical(identifier)
    entry = weights.read_manifest(weights.SHIPPED_MANIFEST).get(name, {})
    if identifiers.parse(name)[0] != "imagenet" and "url" not in entry:
        raise SubmissionError(
            f"Brain-Score could not load '{identifier}': its trained weights are not published (no url for "
            f"'{name}' in {weights.SHIPPED_MANIFEST.name} shipped with the package), so its CI would fail. "
            "Upload the exported safetensors file and submit with `--weights FILE --weights-url URL`, "
            "or add its url and sha256 to that manifest and release the package.")


def build_plugin(kind: str, identifier: str, requirement: str | None = None, weights: dict | None = None) -> Plugin:
    """The plugin for our registered ``identifier`` (canonical or leaderboard form) of ``kind``.

    ``weights`` (models only; :func:`published_weights`): the plugin downloads these weights, checks
    their sha256 and loads them, instead of the package's registered ones.

    Raises :class:`UnknownIdentifierError` if the package does not register it, and
    :class:`SubmissionError` if it is registered but gets no leaderboard plugin.
    """
    if kind not in PLUGIN_TYPES:
        raise ValueError(f"kind must be one of {sorted(PLUGIN_TYPES)}, not {kind!r}")
    import brainscore_memorability  # noqa: F401  (registers everything)
    entry = registry.lookup(kind, identifier)
    eligible = leaderboard_registrations(kind)
    if entry is None:
        import difflib
        names = [e.leaderboard_identifier for e in eligible]
        raise UnknownIdentifierError(kind, identifier, difflib.get_close_matches(identifier, names, n=5, cutoff=0.5))
    if entry not in eligible:
        raise SubmissionError(
            f"{kind} '{identifier}' is registered but gets no leaderboard plugin (aliases, third-party "
            f"and test identifiers are not submitted). Plugins exist for: "
            f"{', '.join(e.leaderboard_identifier for e in eligible)}")
    board_id = entry.leaderboard_identifier
    requirement = requirement or default_requirement()
    if weights is not None and kind != "model":
        raise ValueError("weights are for model plugins only")
    if kind == "model":
        files = {"__init__.py": _model_init(board_id), "model.py": _model_py(weights),
                 "test.py": _model_test(board_id, weights),
                 f"region_layer_map/{board_id}.json": json.dumps(region_layer_map(entry.identifier), indent=2) + "\n"}
    else:
        files = {"__init__.py": _benchmark_init(board_id), "benchmark.py": _BENCHMARK_PY,
                 "test.py": _benchmark_test(board_id, entry.factory().parent)}  # building reads no data
    files["requirements.txt"] = requirement + "\n"
    return Plugin(kind, board_id, plugin_name(board_id), files, weights)


def plugins(requirement: str | None = None) -> list[Plugin]:
    """Every leaderboard plugin of the package, generated from the registry."""
    return [build_plugin(entry.kind, entry.identifier, requirement) for entry in leaderboard_registrations()]


def _model_init(identifier: str) -> str:
    return f"""{GENERATED_MARKER}
from brainscore_vision import model_registry

from .model import get_model

model_registry['{identifier}'] = lambda: get_model('{identifier}')
"""


def _benchmark_init(identifier: str) -> str:
    return f"""{GENERATED_MARKER}
from brainscore_vision import benchmark_registry

from .benchmark import get_benchmark

benchmark_registry['{identifier}'] = lambda: get_benchmark('{identifier}')
"""


def _model_py(weights: dict | None) -> str:
    return f'''{GENERATED_MARKER}
"""A model of brainscore-memorability (installed from requirements.txt) as a Brain-Score plugin."""
import brainscore_memorability  # noqa: F401  (registers the package's models with brainscore_vision)
from brainscore_memorability import registry

# The trained weights of this submission: downloaded from 'url' once, refused unless their sha256 is
# this one, loaded by the package (None: the package's registered weights).
WEIGHTS = {_literal(weights)}


def get_model(identifier):
    """The package's BrainModel for ``identifier`` with WEIGHTS (its region -> layer map is region_layer_map/)."""
    registry.resolve("model", identifier)
    if WEIGHTS is None:
        return registry.lookup("model", identifier).factory()
    from brainscore_memorability.models import load_model, weights
    published = weights.published(identifier, WEIGHTS["url"], WEIGHTS["sha256"], WEIGHTS["file"])
    return load_model(identifier, weights=published.path)


def get_bibtex(identifier):
    """LaMem, the memorability data set these networks are trained on."""
    return """{BIBTEX}"""
'''


_BENCHMARK_PY = f'''{GENERATED_MARKER}
"""A benchmark of brainscore-memorability (installed from requirements.txt) as a Brain-Score plugin."""
import brainscore_memorability  # noqa: F401  (registers the package's benchmarks and data)
from brainscore_memorability import registry


def get_benchmark(identifier):
    """The package's benchmark for ``identifier``."""
    registry.resolve("benchmark", identifier)
    return registry.lookup("benchmark", identifier).factory()
'''


def _literal(weights: dict | None) -> str:
    """``weights`` as Python source, one key per line."""
    if weights is None:
        return "None"
    return "{\n" + "".join(f"    {key!r}: {value!r},\n" for key, value in weights.items()) + "}"


def _model_test(identifier: str, weights: dict | None = None) -> str:
    published = "" if weights is None else f'''

def test_published_weights_are_downloaded_checked_and_loaded():
    model = brainscore_vision.load_model(IDENTIFIER)  # downloads {weights["url"]} once
    assert model.identifier.endswith('@sha256-{weights["sha256"][:12]}')
'''
    return f'''{GENERATED_MARKER}
"""Run by Brain-Score's CI with -m "not slow": untrained weights and three tiny images, no download."""
import numpy as np
import pytest
from PIL import Image

import brainscore_vision
from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

IDENTIFIER = '{identifier}'


def test_registered_in_package():
    from brainscore_memorability import registry
    assert registry.lookup("model", IDENTIFIER).leaderboard_identifier == IDENTIFIER


def test_untrained_network_records_it(tmp_path):
    from brainscore_memorability.models import load_model
    model = load_model(IDENTIFIER, weights="random")
    rng = np.random.default_rng(0)
    paths = {{}}
    for index in range(3):
        paths[f"image{{index}}"] = tmp_path / f"image{{index}}.png"
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(paths[f"image{{index}}"])
    stimuli = StimulusSet({{"stimulus_id": list(paths), "object_name": ["noise"] * 3}})
    stimuli.stimulus_paths = paths
    stimuli.identifier = "brainscore_memorability_plugin_test"
    model.start_recording("IT", time_bins=[(70, 100)])
    rates = model.look_at(stimuli, number_of_trials=1)
    assert set(rates["stimulus_id"].values) == set(paths)
    assert len(set(rates["neuroid_id"].values)) == rates.sizes["neuroid"] > 0
    assert np.isfinite(rates.values).all()
{published}

@pytest.mark.slow
def test_trained_model_loads():
    model = brainscore_vision.load_model(IDENTIFIER)
    assert model.visual_degrees() == 8
'''


def _benchmark_test(identifier: str, parent: str = "IT") -> str:
    return f'''{GENERATED_MARKER}
"""Run by Brain-Score's CI with -m "not slow"."""
import pytest

import brainscore_vision

IDENTIFIER = '{identifier}'


def test_loads_as_{"an" if parent[0].lower() in "aeiou" else "a"}_{parent.lower()}_benchmark():
    benchmark = brainscore_vision.load_benchmark(IDENTIFIER)  # through this folder; data is read on first use
    from brainscore_memorability import registry
    assert registry.leaderboard_identifier(benchmark.identifier) == IDENTIFIER
    assert benchmark.parent == "{parent}"


@pytest.mark.slow
def test_ceiling_is_a_fraction():
    assert 0 < float(brainscore_vision.load_benchmark(IDENTIFIER).ceiling) <= 1
'''


# ---------------------------------------------------------------------------------------------
# writing: plugin folders (checked in at the repository root) and submission zips
# ---------------------------------------------------------------------------------------------

def write_plugin_folder(plugin: Plugin, root: Path) -> Path:
    """Write ``plugin`` to ``root/<models|benchmarks>/<name>/``, replacing what was there; returns it."""
    folder = Path(root) / plugin.folder
    if folder.exists():
        shutil.rmtree(folder)
    for relative, text in plugin.files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text, encoding="utf-8")
    return folder


def sync_plugin_folders(root: Path, requirement: str | None = None) -> list[Path]:
    """Regenerate every plugin folder under ``root`` (the repository root) from the registry.

    Generated folders whose identifier is no longer registered are removed; folders this module did
    not generate (no marker in their ``__init__.py``) are left alone. Returns the folders written.
    """
    wanted = plugins(requirement)
    keep = {plugin.folder for plugin in wanted}
    for plugin_type in PLUGIN_TYPES.values():
        for init in sorted((Path(root) / plugin_type).glob("*/__init__.py")):
            stale = f"{plugin_type}/{init.parent.name}" not in keep
            if stale and init.read_text(encoding="utf-8").startswith(GENERATED_MARKER):
                shutil.rmtree(init.parent)
    return [write_plugin_folder(plugin, root) for plugin in wanted]


def read_plugin_folder(folder: Path) -> dict[str, str]:
    """The files of a plugin folder on disk, as :attr:`Plugin.files` (caches ignored)."""
    folder = Path(folder)
    return {path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(folder.rglob("*")) if path.is_file() and "__pycache__" not in path.parts}


def zip_bytes(plugin: Plugin) -> bytes:
    """The submission zip of ``plugin``: ``<name>/<models|benchmarks>/<name>/...`` with explicit
    folder entries (top-level folder first) and fixed timestamps."""
    top = PurePosixPath(plugin.name)
    paths = sorted(top / plugin.folder / relative for relative in plugin.files)
    folders = sorted({parent for path in paths for parent in path.parents if parent != PurePosixPath(".")},
                     key=lambda p: (len(p.parts), str(p)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for folder in folders:
            info = zipfile.ZipInfo(f"{folder}/", _ZIP_DATE)
            info.external_attr = (0o40755 << 16) | 0x10  # directory, drwxr-xr-x
            archive.writestr(info, b"")
        for path in paths:
            info = zipfile.ZipInfo(str(path), _ZIP_DATE)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, plugin.files[str(path.relative_to(top / plugin.folder))].encode("utf-8"))
    return buffer.getvalue()


def write_zip(plugin: Plugin, path) -> Path:
    """Write the submission zip of ``plugin`` to ``path`` atomically, after checking every rule.

    Raises :class:`SubmissionError` listing the broken rules (nothing is written then).
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(zip_bytes(plugin))
        violations = check_zip(tmp)
        if violations:
            raise SubmissionError(f"the zip for '{plugin.identifier}' would be refused:\n"
                                  + "\n".join(f"  {v}" for v in violations))
    return path


# ---------------------------------------------------------------------------------------------
# running what Brain-Score's CI runs on a submitted plugin
# ---------------------------------------------------------------------------------------------

def brainscore_vision_copy(workdir: Path) -> Path:
    """A private copy of the installed brainscore_vision in ``workdir`` (put it on PYTHONPATH).

    Upstream plugin folders are symlinked rather than copied (170 MB); everything else is copied,
    so the installed package is never written to. The generic model tests' three images, which the
    PyPI wheel leaves out, are created if absent.
    """
    import brainscore_vision
    from PIL import Image
    source, target = Path(brainscore_vision.__file__).parent, Path(workdir) / "brainscore_vision"
    skip = shutil.ignore_patterns("__pycache__")
    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.name == "__pycache__":
            continue
        if item.name in UPLOAD_PLUGIN_TYPES:
            (target / item.name).mkdir()
            for child in item.iterdir():
                if child.is_dir() and child.name != "__pycache__":
                    (target / item.name / child.name).symlink_to(child, target_is_directory=True)
                elif child.is_file():
                    shutil.copy2(child, target / item.name / child.name)
        elif item.is_dir():
            shutil.copytree(item, target / item.name, ignore=skip)
        else:
            shutil.copy2(item, target / item.name)
    resources = target / "model_helpers" / "generic_plugin_tests_resources"
    resources.mkdir(exist_ok=True)
    for name, colour in (("rgb1.jpg", (200, 30, 30)), ("rgb2.jpg", (30, 200, 30)), ("rgb3.png", (30, 30, 200))):
        if not (resources / name).exists():
            Image.new("RGB", (64, 64), colour).save(resources / name)
    return target


def package_root() -> str:
    """The folder this brainscore_memorability is imported from, so that a CI run imports the same copy."""
    return str(Path(__file__).resolve().parent.parent)


def run_brainscore_ci(plugin: Plugin, workdir: Path, env: dict | None = None) -> list[subprocess.CompletedProcess]:
    """Run on ``plugin`` what Brain-Score's CI runs on a submission (brainscore_core's test_plugin.sh).

    The plugin folder is placed in the plugin tree of a copy of brainscore_vision in ``workdir``;
    from ``workdir``, the generic tests of its kind (brainscore_vision/<kind>_helpers/
    generic_plugin_tests.py, if any) run with ``--plugin_directory``, then the plugin's test.py,
    both with ``-m "not slow"``. Requirements are not pip-installed: this environment already has
    the package (``BS_INSTALL_DEPENDENCIES=no``; the copy imported here, :func:`package_root`). Returns one finished process per pytest run.
    """
    workdir = Path(workdir)
    library = brainscore_vision_copy(workdir)
    folder = write_plugin_folder(plugin, library)
    pytest = [sys.executable, "-m", "pytest", "-m", "not slow"]
    commands = []
    generic = library / f"{plugin.kind}_helpers" / "generic_plugin_tests.py"
    if generic.is_file():
        commands.append(pytest + ["-vv", str(generic), "--plugin_directory", str(folder)])
    commands.append(pytest + [str(folder / "test.py"), "-s"])
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(workdir), package_root()]),
                   "BS_INSTALL_DEPENDENCIES": "no", **(env or {})}
    return [subprocess.run(command, cwd=workdir, env=environment, capture_output=True, text=True)
            for command in commands]


# ---------------------------------------------------------------------------------------------
# checking a zip against the leaderboard's rules
# ---------------------------------------------------------------------------------------------

_REGISTRY_NAMES = {"models": "model_registry", "benchmarks": "benchmark_registry",
                   "data": "data_registry", "metrics": "metric_registry"}


def check_zip(path) -> list[Violation]:
    """Every rule of :data:`RULES` that the zip at ``path`` breaks (empty list: it passes)."""
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"no zip file at '{path}'")
    found = []
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            too_big = _check_unpacked_sizes(infos)  # from the headers, before anything is read
            found += too_big.values()
            texts = {}
            for info in infos:
                if info.filename.endswith("/__init__.py") and info.filename not in too_big:
                    with archive.open(info) as entry:  # the limit holds even if a header lies
                        texts[info.filename] = entry.read(MAX_TEXT_BYTES).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as error:
        return [Violation("zip", f"'{path}' is not a readable zip archive ({type(error).__name__}: {error})")]
    size_mb = path.stat().st_size / 1024 ** 2
    if size_mb > MAX_ZIP_MB:
        found.append(Violation("size", f"the zip is {size_mb:.1f} MB, more than {MAX_ZIP_MB} MB; host weights "
                                       "elsewhere and download them in the package"))
    if not names:
        return found + [Violation("root", "the zip is empty")]
    found += _check_paths(names)
    found += _check_layout(names)
    found += _check_identifiers(names, texts)
    return found


def _check_unpacked_sizes(infos) -> dict[str, Violation]:
    """Entry name -> its size violation, read from the zip's headers alone."""
    found = {}
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.filename.endswith("/__init__.py") and info.file_size > MAX_TEXT_BYTES:
            found[info.filename] = Violation(
                "size", f"'{info.filename}' unpacks to {info.file_size / 1024 ** 2:.1f} MB, more than "
                        f"{MAX_TEXT_BYTES // 1024} kB for a plugin's __init__.py; it is not read")
        elif ratio > MAX_RATIO and info.file_size > 1 << 20:
            found[info.filename] = Violation(
                "size", f"'{info.filename}' is compressed {ratio:.0f}:1 ({info.file_size / 1024 ** 2:.1f} MB "
                        f"unpacked), more than {MAX_RATIO}:1: a zip bomb? It is not read")
    return found


def _check_paths(names: list[str]) -> list[Violation]:
    found = []
    for name in names:
        if name.startswith("/") or ".." in PurePosixPath(name).parts or "\\" in name:
            found.append(Violation("paths", f"'{name}' is not a relative forward-slash path inside the zip"))
        if " " in name:
            found.append(Violation("spaces", f"'{name}' contains a space"))
        if name.lower().endswith(("metadata.yaml", "metadata.yml")):
            found.append(Violation("metadata", f"'{name}': remove metadata files, Brain-Score generates them"))
    return found


def _check_layout(names: list[str]) -> list[Violation]:
    found = []
    tops = sorted({name.split("/")[0] for name in names} - {""})
    visible = [top for top in tops if not top.startswith((".", "_"))]
    if len(visible) != 1 or len(tops) != 1:
        found.append(Violation("root", f"expected one top-level folder, found {tops}"))
    entries = set(names)
    needed = {str(parent) + "/" for name in names if ".." not in PurePosixPath(name).parts
              for parent in PurePosixPath(name.rstrip("/")).parents if parent != PurePosixPath(".")}
    missing = sorted(needed - entries)
    if missing:
        found.append(Violation("directory-entries", f"no folder entries for {missing} (zip with folder entries, "
                                                    "e.g. `zip -r`, not `zip -D`)"))
    if len(visible) == 1 and names[0] != visible[0] + "/":
        found.append(Violation("directory-entries", f"the first entry must be the folder '{visible[0]}/', "
                                                    f"not '{names[0]}'"))
    types = {}
    for name in names:
        parts = name.rstrip("/").split("/")
        if len(parts) == 2 and not name.endswith("/"):
            found.append(Violation("plugin-type", f"'{name}' lies outside any plugin folder"))
        elif len(parts) == 2:
            if parts[1] in UPLOAD_PLUGIN_TYPES:
                types.setdefault(parts[1], set())
            else:
                found.append(Violation("plugin-type", f"'{name}' is not one of {list(UPLOAD_PLUGIN_TYPES)}"))
        elif len(parts) == 3 and parts[1] in UPLOAD_PLUGIN_TYPES:
            if not name.endswith("/"):
                found.append(Violation("plugin-folder", f"'{name}' lies outside any plugin folder"))
            else:
                types.setdefault(parts[1], set()).add(parts[2])
    if not types:
        found.append(Violation("plugin-type", f"no folder among {list(UPLOAD_PLUGIN_TYPES)} under the top-level folder"))
    for plugin_type, folders in sorted(types.items()):
        if not folders:
            found.append(Violation("plugin-folder", f"the {plugin_type}/ folder is empty"))
        for folder in sorted(folders):
            if not folder.isidentifier() or keyword.iskeyword(folder) or folder.startswith("_"):
                suggestion = re.sub(r"\W", "_", folder).lstrip("_")
                found.append(Violation("plugin-name", f"plugin folder '{folder}' is not an importable name; "
                                                      f"use '{suggestion}'"))
            files = {name.split("/")[-1] for name in names if name.split("/")[1:3] == [plugin_type, folder]
                     and name.count("/") == 3 and not name.endswith("/")}
            for required in ("__init__.py", "test.py"):
                if required not in files:
                    found.append(Violation("required-files", f"{plugin_type}/{folder}/ has no {required}"))
    return found


def _check_identifiers(names: list[str], texts: dict[str, str]) -> list[Violation]:
    found, identifiers = [], []
    for name, text in sorted(texts.items()):
        parts = name.split("/")
        if len(parts) != 4 or parts[1] not in _REGISTRY_NAMES:
            continue
        registry_name = _REGISTRY_NAMES[parts[1]]
        for line in text.splitlines():
            code = line.split("#", 1)[0].strip()  # brain-score.org ignores comments
            if re.search(registry_name + r'\[\s*"', code):
                found.append(Violation("quotes", f"{name}: {code!r} uses double quotes"))
            ids = re.findall(registry_name + r"\['(.+?)'\]", code)  # how brain-score.org reads identifiers
            identifiers += [(parts[1], parts[2], identifier) for identifier in ids]
            if ids and _ci_parse(registry_name, line) != ids[0]:
                found.append(Violation("registry-line", f"{name}: brainscore_core's CI parser reads "
                                                        f"{_ci_parse(registry_name, line)!r}, not {ids[0]!r}, "
                                                        f"from {code!r}; keep one registration per line "
                                                        "with no other brackets"))
    if len(identifiers) != 1:
        found.append(Violation("identifier-count", f"the zip registers {len(identifiers)} identifiers "
                                                   f"{[i for _, _, i in identifiers]}; submit exactly one per zip"))
    for plugin_type, folder, identifier in identifiers:
        if "-" in identifier:
            found.append(Violation("hyphen", f"'{identifier}' ({plugin_type}/{folder}) contains a hyphen; "
                                             f"register '{identifier.replace('-', '_')}'"))
    found += _check_original(identifiers)
    return found


def _ci_parse(registry_name: str, line: str) -> str:
    """The identifier brainscore_core's ``get_plugin_ids`` (the CI's parser) extracts from ``line``."""
    match = re.search(f"{registry_name}\\[.*\\]", line.replace('"', "'"))
    return match.group(0)[len(registry_name) + 2:-2] if match else ""


def _check_original(identifiers: list[tuple[str, str, str]]) -> list[Violation]:
    import brainscore_vision
    found = []
    kinds = {"models": "model", "benchmarks": "benchmark", "data": "data", "metrics": "metric"}
    library = Path(brainscore_vision.__file__).parent
    for plugin_type, folder, identifier in identifiers:
        if "resnet50_tutorial" in identifier or "resnet50_tutorial" in folder:
            found.append(Violation("original", f"'{identifier}' is Brain-Score's tutorial model"))
        elif identifier in registry.upstream_identifiers(kinds[plugin_type]):
            found.append(Violation("original", f"{plugin_type[:-1]} '{identifier}' already exists in Brain-Score"))
        if (library / plugin_type / folder).is_dir():
            found.append(Violation("original", f"Brain-Score already has a plugin folder {plugin_type}/{folder}"))
    return found
