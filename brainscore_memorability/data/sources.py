"""Where a packaged dataset comes from: a local NetCDF, or a URL/S3 location checked by its hash.

A dataset of this package (e.g. ``Kar2019.temporal``) is found, first match wins, at

1. the path given explicitly (``brainscore score --data FILE.nc``, or ``load(..., path=...)``);
2. the environment variable named by the dataset (``BRAINSCORE_MEMORABILITY_KAR2019``): a path;
3. the config file ``$BRAINSCORE_MEMORABILITY_CONFIG`` (default
   ``~/.config/brainscore-memorability/config.yaml``), under ``data: {<identifier>: ...}``, either
   ``path: FILE.nc`` or remote files, each ``{url: ..., sha256: ...}`` (or ``sha1``)::

       data:
         Kar2019.temporal:
           assembly:    {url: https://host/assy_Kar2019_temporal.nc, sha256: 1f30...}
           stimuli_csv: {url: s3://bucket/stimulus_Kar2019_temporal.csv, sha1: edbd...}
           stimuli_zip: {url: file:///data/stimulus_Kar2019_temporal.zip, sha256: 5461...}

A local NetCDF finds its stimulus set beside it (``stimulus_<id>.csv`` and ``.zip``, as written by
``brainscore package-data``). Remote files (http, https, file, s3) are downloaded once into
``$BRAINIO_HOME/<hash>/<file name>`` (Brain-Score's cache) and used from there, the hash checked.
"""
from __future__ import annotations

import os
import shutil
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from brainscore_memorability import atomic
from brainscore_memorability.data import packaging
from brainscore_memorability.errors import DataError
from brainscore_memorability.hashing import file_digest

CONFIG_VARIABLE = "BRAINSCORE_MEMORABILITY_CONFIG"
REQUIRED_COORDS = ("stimulus_id", "repetition", "neuroid_id", "region", "time_bin_start", "time_bin_end")
DEFAULT_CONFIG = Path("~/.config/brainscore-memorability/config.yaml")


def brainio_home() -> Path:
    """Brain-Score's data cache folder (``$BRAINIO_HOME``, default ``~/.brainio``)."""
    return Path(os.path.expanduser(os.getenv("BRAINIO_HOME", "~/.brainio")))


def config_entry(identifier: str) -> dict | None:
    """The config file's ``data: {identifier: ...}`` entry, or None (no file or no entry)."""
    path = Path(os.path.expanduser(os.getenv(CONFIG_VARIABLE, str(DEFAULT_CONFIG))))
    if not path.is_file():
        return None
    import yaml
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise DataError(f"config file '{path}' is not valid YAML: {error}") from error
    entry = (config.get("data") or {}).get(identifier)
    if entry is not None and not isinstance(entry, dict):
        raise DataError(f"config file '{path}': data.{identifier} must be a mapping with 'path' or 'assembly'")
    if entry is not None and "path" in entry:
        entry = dict(entry, path=str((path.parent / os.path.expanduser(entry["path"])).resolve()))
    return entry


def load(identifier: str, environment_variable: str, path=None):
    """The packaged dataset ``identifier`` (assembly with ``.stimulus_set``) from the first location found."""
    path = path or os.getenv(environment_variable)
    entry = {"path": path} if path else config_entry(identifier)
    if entry is None:
        raise DataError(
            f"no data for '{identifier}': pass --data FILE.nc (or path=...), set {environment_variable}"
            f"=FILE.nc, or add data.{identifier} to the config file (${CONFIG_VARIABLE} or {DEFAULT_CONFIG}). "
            f"Make FILE.nc from the lab's rates with `brainscore package-data`.")
    if "path" in entry:
        return load_packaged(entry["path"])
    try:
        files = {key: fetch(**entry[key]) for key in ("assembly", "stimuli_csv", "stimuli_zip")}
    except (KeyError, TypeError) as error:
        raise DataError(f"config data.{identifier} needs 'assembly', 'stimuli_csv' and 'stimuli_zip', "
                        f"each {{url: ..., sha256: ...}} (or sha1): {error!r}") from error
    return load_packaged(files["assembly"], files["stimuli_csv"], files["stimuli_zip"])


def load_packaged(assembly_path, stimuli_csv=None, stimuli_zip=None):
    """A NetCDF written by ``brainscore package-data`` (or any Brain-Score NetCDF in the format)
    with its StimulusSet attached as ``.stimulus_set``; loaded into memory and validated.

    The stimulus files default to ``stimulus_<id>.csv``/``.zip`` beside the NetCDF; their sha1s are
    checked against the ones the NetCDF records. Images are unpacked once into
    ``$BRAINIO_HOME/<zip sha1>/``.
    """
    import xarray as xr
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuronRecordingAssembly
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet
    assembly_path = Path(assembly_path)
    if not assembly_path.is_file():
        raise DataError(f"data file '{assembly_path}' does not exist")
    try:
        with xr.open_dataset(assembly_path) as dataset:
            attrs, data_variables, names = dict(dataset.attrs), list(dataset.data_vars), set(dataset.variables)
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read '{assembly_path}' as NetCDF: {error}") from error
    if len(data_variables) != 1:
        raise DataError(f"{assembly_path}: holds {len(data_variables)} data variables {data_variables[:8]}; an "
                        f"assembly NetCDF holds exactly one (the rates), the rest as coordinates. Repackage it "
                        f"with `brainscore package-data`, or keep one: xarray.open_dataset(F)[['NAME']].to_netcdf(NEW)")
    missing = [name for name in REQUIRED_COORDS if name not in names]
    if missing:
        raise DataError(f"{assembly_path}: lacks the coordinate(s) {missing} (needed: {list(REQUIRED_COORDS)}); "
                        f"repackage the rates with `brainscore package-data`")
    identifier = attrs.get("stimulus_set_identifier") or attrs.get("identifier") or assembly_path.stem
    stimuli_csv = Path(stimuli_csv or assembly_path.with_name(f"{packaging.file_stem('stimulus', identifier)}.csv"))
    stimuli_zip = Path(stimuli_zip or stimuli_csv.with_suffix(".zip"))
    for path, key in ((stimuli_csv, "stimuli_csv_sha1"), (stimuli_zip, "stimuli_zip_sha1")):
        if not path.is_file():
            raise DataError(f"{assembly_path}: its stimulus file '{path}' does not exist "
                            f"(package-data writes it beside the NetCDF)")
        found = file_digest(path, "sha1") if attrs.get(key) else None
        if found is not None and found != attrs[key]:
            raise DataError(f"{path}: sha1 {found} differs from {attrs[key]} recorded in "
                            f"{assembly_path}; the stimulus files do not belong to this NetCDF")
    zip_sha1 = attrs.get("stimuli_zip_sha1") or file_digest(stimuli_zip, "sha1")
    stimulus_set = StimulusSet.from_files(stimuli_csv, _unzip(stimuli_zip, brainio_home() / zip_sha1))
    # content-derived identifier: activations are cached by stimulus-set identifier
    stimulus_set.identifier = f"{identifier}.{zip_sha1[:8]}"
    try:
        assembly = NeuronRecordingAssembly.from_files(assembly_path, stimulus_set_identifier=stimulus_set.identifier,
                                                      stimulus_set=stimulus_set).load()
    except (KeyError, ValueError) as error:  # brainio's merge of assembly and stimulus set
        raise DataError(f"{assembly_path} does not fit its stimulus set {stimuli_csv} "
                        f"({type(error).__name__}: {error}); repackage it with `brainscore package-data`") from None
    assembly = packaging.validate_assembly(assembly, str(assembly_path))
    assembly.attrs["source_file"] = str(assembly_path)
    missing = set(assembly["stimulus_id"].values) - set(stimulus_set["stimulus_id"])
    if missing:
        raise DataError(f"{assembly_path}: {len(missing)} stimulus_id(s) have no image in {stimuli_csv}, "
                        f"e.g. {sorted(missing)[:3]}")
    return assembly


def fetch(url: str, sha256: str | None = None, sha1: str | None = None) -> Path:
    """The file at ``url`` (http, https, file or s3), cached as ``$BRAINIO_HOME/<hash>/<name>``.

    A hash is required; a cached file is re-checked; a download whose hash differs is deleted and
    raises DataError naming the URL, the expected and the actual hash.
    """
    if sha256 is None and sha1 is None:
        raise DataError(f"'{url}': give its sha256 (or sha1) so the download can be checked")
    if not isinstance(sha256 if sha256 is not None else sha1, str):  # YAML reads an unquoted all-digit hash as a number
        raise DataError(f"'{url}': its hash must be a string (quote it in the config file)")
    algorithm, expected = ("sha256", sha256.lower()) if sha256 else ("sha1", sha1.lower())
    parsed = urllib.parse.urlparse(url)
    target = brainio_home() / expected / Path(urllib.parse.unquote(parsed.path)).name
    if not target.is_file():
        with atomic.atomic_path(target) as tmp:
            _download(url, parsed, tmp)
            _check(tmp, algorithm, expected, url)
    _check(target, algorithm, expected, url)
    return target


def _download(url: str, parsed, destination: Path) -> None:
    try:
        if parsed.scheme == "s3":  # Brain-Score's own S3 client (signed, then unsigned)
            from brainscore_core.supported_data_standards.brainio.fetch import BotoFetcher
            fetcher = BotoFetcher(f"https://{parsed.netloc}.s3.amazonaws.com{parsed.path}",
                                  local_filename=str(destination.parent))
            fetcher.output_filename = str(destination)
            fetcher.download_boto()
        elif parsed.scheme in ("http", "https", "file"):
            with urllib.request.urlopen(url, timeout=60) as response, open(destination, "wb") as file:
                shutil.copyfileobj(response, file)
        else:
            raise DataError(f"'{url}': unsupported location; use http(s)://, file:// or s3://")
    except DataError:
        raise
    except Exception as error:  # network, HTTP and S3 errors alike
        raise DataError(f"could not download '{url}': {error}") from error


def download_failure(error: BaseException, what: str = "Brain-Score data") -> str | None:
    """A one-line explanation if ``error`` is Brain-Score's S3 (brainio) failing to download (as
    offline: botocore, urllib or socket errors, which brainio wraps in a plain Exception of a
    list), else None. Says how to use a local copy instead."""
    causes = [error, *(error.args[0] if error.args and isinstance(error.args[0], (list, tuple)) else [])]
    network = [c for c in causes if isinstance(c, BaseException)
               and (type(c).__module__.startswith(("botocore", "urllib3", "socket")) or isinstance(c, OSError))]
    if not network:
        return None
    return (f"could not download {what} from Brain-Score's S3 ({'; '.join(str(c)[:200] for c in network)}). "
            f"Offline: copy Brain-Score's data cache from a machine that has loaded it into $BRAINIO_HOME "
            f"(here {brainio_home()}; files are kept as <sha1>/<file name>)")


def _check(path: Path, algorithm: str, expected: str, url: str) -> None:
    actual = file_digest(path, algorithm)
    if actual != expected:
        path.unlink(missing_ok=True)
        raise DataError(f"'{url}': {algorithm} is {actual}, expected {expected}; the file was deleted. "
                        f"Check the URL and the hash in your configuration.")


def _unzip(zip_path: Path, cache: Path) -> Path:
    """Extract ``zip_path`` once into ``cache/<zip stem>/`` (atomically: a folder rename)."""
    target = cache / zip_path.stem
    if not target.is_dir():
        with atomic.scratch_dir(target) as staging:
            try:
                with zipfile.ZipFile(zip_path) as archive:
                    archive.extractall(staging)
            except zipfile.BadZipFile as error:
                raise DataError(f"'{zip_path}' is not a valid zip of images: {error}") from error
            try:
                staging.rename(target)
            except OSError:  # another process finished first
                pass
    return target
