"""Time-resolved IT recordings in Brain-Score's format: build, validate, convert, write.

The format (what every benchmark of this package reads) is a ``NeuronRecordingAssembly`` of firing
rates with dims

* ``presentation``: one per trial, coords ``stimulus_id`` and ``repetition`` (0, 1, ... per image);
* ``neuroid``: one per recording site, coords ``neuroid_id``, ``animal``, ``region``;
* ``time_bin``: coords ``time_bin_start`` and ``time_bin_end`` in ms after stimulus onset.

A missing trial is NaN. A time bin labelled t (``time_bin_start`` t, ``time_bin_end`` t + step)
covers [t, t + step) ms after stimulus onset. Arrays come out of the format only through
:func:`brainscore_memorability.adapters.trial_rates`. :func:`package` turns what labs hand over (HDF5 or NumPy arrays of rates,
images x neurons x repetitions x time bins, one array per monkey or one for all, plus an image
folder or CSV) into that assembly written as Brain-Score's upload-ready files
(``assy_<id>.nc``, ``stimulus_<id>.csv``, ``stimulus_<id>.zip``; ids with '.' written as '_').
Every check raises :class:`DataError` naming the file and the problem.
"""
from __future__ import annotations

import glob
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from brainscore_memorability import atomic
from brainscore_memorability.adapters import has_coord
from brainscore_memorability.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


@dataclass
class Recording:
    """One monkey's rates as read from a file: images x neurons x repetitions x time bins."""
    animal: str
    rates: np.ndarray
    source: str  # file (and dataset) the rates came from, for error messages
    neuroid_ids: list[str] | None = None


# ---------------------------------------------------------------- the format: build and validate
def build_assembly(recordings: list[Recording], stimulus_ids, time_bins, region: str = "IT"):
    """Validate ``recordings`` and stack them into the format's ``NeuronRecordingAssembly``.

    :param recordings: per monkey; rates images x neurons x repetitions x time bins (spikes/s), the
        same images in the same order for every monkey; fewer repetitions are padded with NaN.
    :param stimulus_ids: one per image, in the rates' image order.
    :param time_bins: (start_ms, end_ms) per time bin, increasing and non-overlapping.
    """
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuronRecordingAssembly
    stimulus_ids = _identifiers(stimulus_ids, "stimulus_id", recordings[0].source)
    time_bins = validate_time_bins(time_bins, recordings[0].source)
    repetitions = max(recording.rates.shape[2] for recording in recordings)
    blocks, neuroid_ids, animals = [], [], []
    for recording in recordings:
        rates = validate_rates(recording.rates, recording.source, len(stimulus_ids), len(time_bins))
        ids = recording.neuroid_ids or [f"{recording.animal}_{i:04d}" for i in range(rates.shape[1])]
        ids = _identifiers(ids, "neuroid_id", recording.source)
        if len(ids) != rates.shape[1]:
            raise DataError(f"{recording.source}: {len(ids)} neuroid ids for {rates.shape[1]} neurons")
        pad = np.full(rates.shape[:2] + (repetitions - rates.shape[2],) + rates.shape[3:], np.nan)
        blocks.append(np.concatenate([rates, pad], axis=2))
        neuroid_ids += ids
        animals += [recording.animal] * len(ids)
    _no_duplicates(neuroid_ids, "neuroid_id", " and ".join(r.source for r in recordings))
    rates = np.concatenate(blocks, axis=1)  # images x neurons x repetitions x time bins
    images, neurons = rates.shape[:2]
    data = rates.transpose(0, 2, 1, 3).reshape(images * repetitions, neurons, len(time_bins))
    keep = ~np.all(np.isnan(data), axis=(1, 2))  # trials no monkey has
    starts, ends = zip(*time_bins)
    return NeuronRecordingAssembly(
        data[keep], dims=("presentation", "neuroid", "time_bin"),
        coords={"stimulus_id": ("presentation", np.repeat(stimulus_ids, repetitions)[keep]),
                "repetition": ("presentation", np.tile(np.arange(repetitions), images)[keep]),
                "neuroid_id": ("neuroid", neuroid_ids), "animal": ("neuroid", animals),
                "region": ("neuroid", [region] * neurons),
                "time_bin_start": ("time_bin", list(starts)), "time_bin_end": ("time_bin", list(ends))})


def validate_rates(rates, source: str, n_images: int, n_time_bins: int) -> np.ndarray:
    """``rates`` as float images x neurons x repetitions x time bins, or a DataError naming ``source``.

    NaN marks a missing trial; an image x neuron x time bin without any finite trial, fewer than two
    repetitions, and infinite values are errors.
    """
    rates = np.asarray(rates)
    if not np.issubdtype(rates.dtype, np.number):
        raise DataError(f"{source}: rates must be numeric, not {rates.dtype}")
    rates = rates.astype(float)
    if rates.ndim == 3 and n_time_bins == 1:
        rates = rates[..., None]
    if rates.ndim != 4:
        raise DataError(f"{source}: rates have shape {rates.shape}; expected images x neurons x "
                        f"repetitions x time bins (4 axes), or 3 axes with a single time bin")
    expected = {"images": (0, n_images), "time bins": (3, n_time_bins)}
    for name, (axis, size) in expected.items():
        if rates.shape[axis] != size:
            raise DataError(f"{source}: rates have shape {rates.shape} (images x neurons x repetitions x "
                            f"time bins) but there are {size} {name} (axis {axis} has {rates.shape[axis]})")
    if rates.shape[1] == 0 or rates.shape[2] < 2:
        raise DataError(f"{source}: rates have shape {rates.shape}; need at least one neuron and two "
                        f"repetitions (split-half reliability needs two)")
    if np.isinf(rates).any():
        raise DataError(f"{source}: {int(np.isinf(rates).sum())} infinite rate values; use NaN for missing trials")
    empty = np.all(np.isnan(rates), axis=2)  # images x neurons x time bins
    if empty.any():
        image, neuron, time_bin = np.argwhere(empty)[0]
        raise DataError(f"{source}: {int(empty.sum())} image x neuron x time-bin cells have no finite "
                        f"repetition (all NaN), first at image {image}, neuron {neuron}, time bin {time_bin}; "
                        f"drop those neurons or images before packaging")
    return rates


def validate_time_bins(time_bins, source: str, allow_overlap: bool = False) -> list[tuple[int, int]]:
    """Time bins as [(start_ms, end_ms)], increasing and non-overlapping, or a DataError.

    ``allow_overlap`` accepts sliding bins (starts still strictly increasing), as in some
    Brain-Score assemblies; packaged data must not overlap.
    """
    bins = np.asarray(time_bins, dtype=float)
    if bins.ndim != 2 or bins.shape[1] != 2 or len(bins) == 0:
        raise DataError(f"{source}: time bins must be (start_ms, end_ms) pairs, got shape {bins.shape}")
    if not np.isfinite(bins).all() or (bins != np.round(bins)).any():
        raise DataError(f"{source}: time bins must be whole milliseconds, got {bins.tolist()}")
    if (bins[:, 1] <= bins[:, 0]).any():
        bad = bins[bins[:, 1] <= bins[:, 0]][0]
        raise DataError(f"{source}: time bin {bad.astype(int).tolist()} ends before it starts")
    overlapping = bins[1:, 0] <= bins[:-1, 0] if allow_overlap else bins[1:, 0] < bins[:-1, 1]
    if overlapping.any():
        i = int(np.argmax(overlapping))
        raise DataError(f"{source}: time bins must increase without overlap; {bins[i].astype(int).tolist()} "
                        f"is followed by {bins[i + 1].astype(int).tolist()}")
    return [(int(start), int(end)) for start, end in bins]


def validate_assembly(assembly, source: str):
    """Check a loaded assembly has the format's dims and coords; returns it (presentation, neuroid, time_bin)."""
    expected = {"presentation": ("stimulus_id", "repetition"), "neuroid": ("neuroid_id", "region"),
                "time_bin": ("time_bin_start", "time_bin_end")}
    if set(assembly.dims) != set(expected):
        raise DataError(f"{source}: assembly dims are {assembly.dims}; expected {tuple(expected)}")
    for dim, coords in expected.items():
        missing = [c for c in coords if not has_coord(assembly, c, dim)]
        if missing:
            raise DataError(f"{source}: assembly lacks coordinate(s) {missing} on {dim}")
    keys = pd.MultiIndex.from_arrays([assembly["stimulus_id"].values, assembly["repetition"].values])
    if keys.duplicated().any():
        raise DataError(f"{source}: duplicate (stimulus_id, repetition) presentations, e.g. {keys[keys.duplicated()][0]}")
    _no_duplicates(assembly["neuroid_id"].values, "neuroid_id", source)
    validate_time_bins(list(zip(assembly["time_bin_start"].values, assembly["time_bin_end"].values)), source,
                       allow_overlap=True)
    return assembly.transpose("presentation", "neuroid", "time_bin")


def select_region(assembly, region: str):
    """The neuroids of ``region`` (attrs and ``.stimulus_set`` kept), validated; DataError if none."""
    source = assembly.attrs.get("source_file") or assembly.attrs.get("identifier", "assembly")
    assembly = validate_assembly(assembly, source)
    keep = assembly["region"].values == region
    if not keep.any():
        raise DataError(f"{source}: no neuroid with region '{region}' (regions: {sorted(set(assembly['region'].values))})")
    if keep.all():
        return assembly
    selected = type(assembly)(assembly.isel(neuroid=keep))
    selected.attrs = dict(assembly.attrs)
    return selected


def _identifiers(values, name: str, source: str) -> list[str]:
    values = [v.decode() if isinstance(v, bytes) else str(v) for v in np.asarray(values).reshape(-1)]
    if any(not v.strip() for v in values):
        raise DataError(f"{source}: empty {name} at position {[i for i, v in enumerate(values) if not v.strip()][:5]}")
    _no_duplicates(values, name, source)
    return values


def _no_duplicates(values, name: str, source: str) -> None:
    counts = pd.Series(values).value_counts()
    duplicated = counts[counts > 1]
    if len(duplicated):
        raise DataError(f"{source}: {len(duplicated)} duplicate {name}(s), e.g. "
                        f"{', '.join(f'{v!r} x{n}' for v, n in duplicated.head(3).items())}")


# ---------------------------------------------------------------- reading what labs hand over
def read_recordings(spec: str) -> tuple[list[Recording], dict]:
    """Rates (and any metadata) from one file spec: ``FILE`` or ``ANIMAL=FILE``.

    * ``.h5``/``.hdf5``: a dataset ``rates`` (one monkey), or groups ``<animal>/rates`` (the Kar
      lab's layout), each optionally with ``<animal>/neuroid_id``;
    * ``.npz``: the same names as keys (``rates`` or ``<animal>/rates``);
    * ``.npy``: one rates array.

    Optional root-level arrays in HDF5/npz: ``stimulus_id`` (or ``image_id``), ``time_bin_start``
    and ``time_bin_end`` (ms). Returns (recordings, metadata with those keys found).
    """
    animal, _, path = spec.rpartition("=")
    path = Path(path)
    if not path.is_file():
        raise DataError(f"rates file '{path}' does not exist")
    arrays = _read_arrays(path)
    if "rates" in arrays:  # name -> (rates key, neuroid ids key)
        found = {animal or path.stem: ("rates", "neuroid_id")}
    else:
        found = {key[:-len("/rates")]: (key, key[:-len("rates")] + "neuroid_id")
                 for key in arrays if key.endswith("/rates") and key.count("/") == 1}
        if animal and found:
            raise DataError(f"{path}: holds one group per monkey ({sorted(found)}); give it without '{animal}='")
    if not found:
        raise DataError(f"{path}: no rates found; expected a dataset 'rates' or '<animal>/rates' "
                        f"(found {sorted(arrays)[:10]})")
    recordings = [Recording(name, arrays[rates_key], f"{path}:{rates_key}",
                            list(arrays[ids_key].reshape(-1)) if ids_key in arrays else None)
                  for name, (rates_key, ids_key) in sorted(found.items())]
    for recording in recordings:
        if np.ndim(recording.rates) not in (3, 4):
            raise DataError(f"{recording.source}: rates have shape {np.shape(recording.rates)}; expected images x "
                            f"neurons x repetitions x time bins (4 axes), or 3 axes with a single time bin")
    metadata = {key: arrays[key] for key in ("stimulus_id", "time_bin_start", "time_bin_end") if key in arrays}
    if "stimulus_id" not in metadata and "image_id" in arrays:
        metadata["stimulus_id"] = arrays["image_id"]
    return recordings, metadata


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array in ``path`` by name ('group/name' for HDF5 groups)."""
    try:
        if path.suffix in (".h5", ".hdf5"):
            import h5py
            arrays = {}
            with h5py.File(path, "r") as file:
                file.visititems(lambda name, item: arrays.__setitem__(name, item[()])
                                if isinstance(item, h5py.Dataset) else None)
            return arrays
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as file:
                return {key: file[key] for key in file.files}
        if path.suffix == ".npy":
            return {"rates": np.load(path, allow_pickle=False)}
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read rates file '{path}': {error}") from error
    raise DataError(f"rates file '{path}': unknown type; use .h5/.hdf5, .npz or .npy")


def read_stimuli(csv=None, images=None, n_images: int | None = None, source: str = "",
                 stimulus_ids=None) -> pd.DataFrame:
    """A table stimulus_id, filename (+ the CSV's other columns) with one row per image, rates' order.

    With a CSV (column ``stimulus_id`` or ``image_id``, optional ``filename`` relative to ``images``
    or to the CSV's folder) the CSV's row order is the rates' image order. Else, with
    ``stimulus_ids`` (from the rates file), each image is the file ``<stimulus_id>.<suffix>`` in
    ``images``. With only an image folder, images are sorted by file name and ``stimulus_id`` is
    the file name without suffix. Adds ``local_path``; every file must exist.
    """
    if csv is not None:
        csv = Path(csv)
        if not csv.is_file():
            raise DataError(f"stimulus CSV '{csv}' does not exist")
        table = pd.read_csv(csv)
        if "stimulus_id" not in table and "image_id" in table:
            table["stimulus_id"] = table["image_id"]
        if "stimulus_id" not in table:
            raise DataError(f"{csv}: needs a 'stimulus_id' (or 'image_id') column; found {list(table.columns)}")
        table["stimulus_id"] = _identifiers(table["stimulus_id"], "stimulus_id", str(csv))
        folder = Path(images) if images is not None else csv.parent
        if "filename" not in table:
            table["filename"] = [_find_image(folder, sid, csv) for sid in table["stimulus_id"]]
        where = str(csv)
    elif images is not None:
        folder = Path(images)
        if not folder.is_dir():
            raise DataError(f"image folder '{folder}' does not exist")
        if stimulus_ids is not None:
            table = pd.DataFrame({"stimulus_id": list(stimulus_ids),
                                  "filename": [_find_image(folder, sid, source) for sid in stimulus_ids]})
            return _with_paths(table, folder, source, n_images, source)
        files = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        table = pd.DataFrame({"stimulus_id": [Path(f).stem for f in files], "filename": files})
        _no_duplicates(table["stimulus_id"], "stimulus_id (file name without suffix)", str(folder))
        where = str(folder)
    else:
        raise DataError("give the images: a stimulus CSV, an image folder, or both")
    return _with_paths(table, folder, where, n_images, source)


def _with_paths(table: pd.DataFrame, folder: Path, where: str, n_images, source: str) -> pd.DataFrame:
    table["local_path"] = [folder / name for name in table["filename"]]
    missing = [str(p) for p in table["local_path"] if not p.is_file()]
    if missing:
        raise DataError(f"{where}: {len(missing)} image file(s) missing, e.g. {missing[:3]}")
    if n_images is not None and len(table) != n_images:
        raise DataError(f"{where}: {len(table)} images but the rates{' in ' + source if source else ''} "
                        f"have {n_images} images (axis 0)")
    return table


def _find_image(folder: Path, stimulus_id: str, where) -> str:
    matches = [p.name for p in folder.glob(f"{glob.escape(stimulus_id)}.*") if p.suffix.lower() in IMAGE_SUFFIXES]
    if len(matches) != 1:
        raise DataError(f"{where}: {len(matches)} image files named '{stimulus_id}.<suffix>' in {folder} "
                        f"(need exactly one); give a stimulus CSV with a 'filename' column")
    return matches[0]


# ---------------------------------------------------------------- writing Brain-Score's files
def check_images(paths, where) -> None:
    """A :class:`DataError` naming every image in ``paths`` that does not decode (truncated, not
    an image, a decompression bomb; see :mod:`brainscore_memorability.images`)."""
    from brainscore_memorability.images import find_bad_images
    bad = find_bad_images(paths)
    if bad:
        shown = "; ".join(reason for _, reason in bad[:20]) + (f"; ... {len(bad) - 20} more" if len(bad) > 20 else "")
        raise DataError(f"{where}: {len(bad)} of {len(paths)} image(s) cannot be used: {shown}. "
                        f"Replace or remove them (and their rates) before packaging")


def file_stem(kind: str, identifier: str) -> str:
    """Brain-Score's file name stem: ('assy', 'Kar2019.temporal') -> 'assy_Kar2019_temporal'."""
    return f"{kind}_{identifier.replace('.', '_')}"


def package(rates: list[str], output, identifier: str, stimuli_csv=None, images=None,
            time_bins=None, region: str = "IT") -> dict:
    """Convert rates files + images into ``output``/{assy,stimulus}_<identifier>.{nc,csv,zip}.

    :param rates: file specs, ``FILE`` or ``ANIMAL=FILE`` (see :func:`read_recordings`).
    :param time_bins: [(start_ms, end_ms)] when the files carry no ``time_bin_start``/``_end``.
    :return: {'assembly'|'stimuli_csv'|'stimuli_zip': {'path', 'sha1', 'sha256'}, 'shape', ...}.
    Every image is decoded first. The three files are written into a staging folder beside them
    and moved in together at the end (three renames, the NetCDF last), so a failed or killed run
    leaves the earlier outputs untouched; the NetCDF records the CSV's and zip's sha1, so a set
    mixed by a kill between two renames is refused when loaded.
    """
    recordings, metadata = [], {}
    for spec in rates:
        found, meta = read_recordings(spec)
        recordings += found
        for key, value in meta.items():
            if key in metadata and not np.array_equal(np.asarray(metadata[key]).astype(str), np.asarray(value).astype(str)):
                raise DataError(f"{spec}: its {key} differs from the other rates files'")
            metadata[key] = value
    source = recordings[0].source
    file_bins = list(zip(metadata["time_bin_start"], metadata["time_bin_end"])) if "time_bin_start" in metadata else None
    if file_bins is not None and time_bins is not None and \
            validate_time_bins(file_bins, source) != validate_time_bins(time_bins, "--time-bins"):
        raise DataError(f"{source}: its time bins {validate_time_bins(file_bins, source)} differ from the ones given")
    time_bins = file_bins if file_bins is not None else time_bins
    if time_bins is None:
        raise DataError(f"{source}: no time_bin_start/time_bin_end in the file; give the time bins (ms)")
    n_images = recordings[0].rates.shape[0]
    file_ids = _identifiers(metadata["stimulus_id"], "stimulus_id", source) if "stimulus_id" in metadata else None
    if file_ids is not None and len(file_ids) != n_images:
        raise DataError(f"{source}: {len(file_ids)} stimulus_ids for {n_images} images (axis 0 of the rates)")
    table = read_stimuli(stimuli_csv, images, n_images=n_images, source=source,
                         stimulus_ids=None if stimuli_csv else file_ids)
    if file_ids is not None and file_ids != list(table["stimulus_id"]):
        first = next(i for i, (a, b) in enumerate(zip(file_ids, table["stimulus_id"])) if a != b)
        raise DataError(f"{source}: its stimulus_id order differs from {stimuli_csv}'s at position {first} "
                        f"({file_ids[first]!r} vs {table['stimulus_id'][first]!r})")
    check_images(table["local_path"], stimuli_csv or images)
    assembly = build_assembly(recordings, table["stimulus_id"], time_bins, region=region)
    names = {"stimuli_zip": f"{file_stem('stimulus', identifier)}.zip",
             "stimuli_csv": f"{file_stem('stimulus', identifier)}.csv",
             "assembly": f"{file_stem('assy', identifier)}.nc"}  # the NetCDF last: it records the others' sha1
    output = Path(output)
    with atomic.scratch_dir(output / names["assembly"]) as staging:  # the set is built whole, then moved in
        written = {"stimuli_zip": _write_zip(table, staging / names["stimuli_zip"])}
        csv_table = table.drop(columns="local_path").assign(filename=[_zip_name(r) for _, r in table.iterrows()])
        atomic.write_text(staging / names["stimuli_csv"], csv_table.to_csv(index=False))
        written["stimuli_csv"] = _hashes(staging / names["stimuli_csv"])
        assembly.attrs.update(identifier=identifier, stimulus_set_identifier=identifier,
                              stimuli_csv_sha1=written["stimuli_csv"]["sha1"],
                              stimuli_zip_sha1=written["stimuli_zip"]["sha1"],
                              units="spikes/s", sources=" ".join(rates))
        written["assembly"] = write_assembly(assembly, staging / names["assembly"])
        for key, name in names.items():
            os.replace(staging / name, output / name)
            written[key]["path"] = str(output / name)
    written["shape"] = dict(assembly.sizes)
    written["animals"] = sorted(set(assembly["animal"].values))
    written["missing_trials"] = float(np.isnan(assembly.values).mean())
    return written


def write_assembly(assembly, path) -> dict:
    """Write ``assembly`` as Brain-Score NetCDF (brainio's writer) atomically; returns its hashes."""
    from brainscore_core.supported_data_standards.brainio.packaging import write_netcdf
    path = Path(path)
    with atomic.atomic_path(path) as tmp:
        write_netcdf(assembly, tmp)
    return _hashes(path)


def _zip_name(row) -> str:
    return f"{row['stimulus_id']}{Path(row['filename']).suffix.lower()}"


def _write_zip(table: pd.DataFrame, path: Path) -> dict:
    import zipfile
    with atomic.atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w") as archive:
            for _, row in table.iterrows():
                archive.write(row["local_path"], arcname=_zip_name(row))
    return _hashes(path)


def _hashes(path: Path) -> dict:
    sha1, sha256 = hashlib.sha1(), hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            sha1.update(block)
            sha256.update(block)
    return {"path": str(path), "sha1": sha1.hexdigest(), "sha256": sha256.hexdigest()}
