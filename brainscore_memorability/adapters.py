"""The one door between Brain-Score objects and this package's numpy arrays, and back.

Every metric wrapper and benchmark turns assemblies into arrays here, and per-site arrays into a
``Score`` here; the metrics themselves stay numpy in, numpy out. One set of rules:

* **features** (:func:`stimulus_features`): a model's presentation x neuroid answer becomes
  images x features, the presentations of each ``stimulus_id`` averaged (NaN skipped), rows in
  the order asked for; a stimulus the model did not see is a :class:`DataError`.
* **rates** (:func:`trial_rates`): a neural presentation x neuroid [x time_bin] assembly becomes
  images x neurons x repetitions [x time bins]; a trial's repetition is its ``repetition``
  coordinate where there is one (Brain-Score's convention), else its position among the image's
  presentations; fewer trials are NaN (missing). Two presentations with one (stimulus_id,
  repetition) are an error.
* **groups** (:func:`neuroid_groups`): the animal of each neuroid (coordinate ``animal``), which
  the metrics take to halve each animal's repetitions on its own.
* **Scores** (:func:`median_score`, :func:`explained_variance_score`): the value is the median over
  sites of a per-site % divided by 100; ``error`` always means the bootstrap standard error of that
  median over sites (:func:`bootstrap_median_error`: 1000 resamples of the sites, seed 0), in the
  value's unit; ``metric_options`` records every option the metric ran with, defaults included
  (:func:`effective_options`).
"""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

from brainscore_memorability.errors import DataError

BOOTSTRAP_SAMPLES = 1000
# arguments of the metric functions that are data, not options, and are not recorded
DATA_ARGUMENTS = ("features", "features_a", "features_b", "controls", "rates", "folds", "permutations", "groups")


# ---------------------------------------------------------------- assemblies -> arrays
def has_coord(assembly, name: str, dim: str | None = None) -> bool:
    """Whether ``name`` is a coordinate (also a MultiIndex level, which ``.coords`` does not list),
    on ``dim`` when given."""
    try:
        coord = assembly[name]
    except KeyError:
        return False
    return dim is None or coord.dims == (dim,)


def presentation_by_neuroid(assembly, what: str):
    """``assembly`` as presentation x neuroid with ``stimulus_id`` (a time_bin dim of size 1 dropped);
    a DataError naming ``what`` otherwise."""
    if "time_bin" in assembly.dims:
        if assembly.sizes["time_bin"] != 1:
            raise DataError(f"{what} has {assembly.sizes['time_bin']} time bins; average the "
                            f"time window first (one time bin per metric call)")
        assembly = assembly.squeeze("time_bin", drop=True)
    if set(assembly.dims) != {"presentation", "neuroid"}:
        raise DataError(f"{what} must have dims presentation x neuroid, got {assembly.dims}")
    if not has_coord(assembly, "stimulus_id", "presentation"):
        raise DataError(f"{what} lacks the presentation coordinate 'stimulus_id'")
    return assembly.transpose("presentation", "neuroid")


def stimulus_features(assembly, stimulus_ids=None, what: str = "model features") -> tuple[np.ndarray, np.ndarray]:
    """(features images x features, stimulus_ids) of a model's presentation x neuroid assembly.

    The presentations of each stimulus are averaged (NaN skipped: an image whose every presentation
    is NaN stays NaN); rows follow ``stimulus_ids`` (default: order of first appearance).
    """
    assembly = presentation_by_neuroid(assembly, what)
    presented = assembly["stimulus_id"].values
    image, unique_ids = pd.factorize(presented)
    values = np.asarray(assembly.values, dtype=float)
    if len(unique_ids) == len(presented):  # one presentation per stimulus (image = 0, 1, ...): no copy
        means = values
    else:
        finite = np.isfinite(values)
        sums, counts = np.zeros((len(unique_ids), values.shape[1])), np.zeros((len(unique_ids), values.shape[1]))
        np.add.at(sums, image, np.where(finite, values, 0))
        np.add.at(counts, image, finite)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, sums / counts, np.nan)
    if stimulus_ids is None:
        return means, np.asarray(unique_ids)
    rows = pd.Index(unique_ids).get_indexer(np.asarray(stimulus_ids))
    if (rows < 0).any():
        missing = list(np.asarray(stimulus_ids)[rows < 0])
        raise DataError(f"{what} lack {len(missing)} of the neural stimuli (e.g. {missing[:3]}): "
                        f"record the model on the benchmark's stimuli")
    return means[rows], np.asarray(stimulus_ids)


def trial_rates(assembly, stimulus_ids=None, values=None) -> tuple[np.ndarray, np.ndarray]:
    """(rates images x neurons x repetitions [x ...], stimulus_ids) of a neural assembly.

    ``assembly``: presentation x neuroid [x more dims, kept in order after repetitions, e.g.
    time_bin], with ``stimulus_id`` and optionally ``repetition`` (module docstring). Images follow
    ``stimulus_ids`` (default: order of first appearance; an id without trials is an error;
    presentations of other ids are left out). ``values`` (presentation x neuroid x ..., e.g. rates
    already averaged into windows) replaces the assembly's own values.
    """
    if not has_coord(assembly, "stimulus_id", "presentation"):
        raise DataError("neural assembly lacks the presentation coordinate 'stimulus_id'")
    order = ["presentation", "neuroid"] + [d for d in assembly.dims if d not in ("presentation", "neuroid")]
    assembly = assembly.transpose(*order)
    values = np.asarray(assembly.values if values is None else values, dtype=float)
    presented = pd.Index(assembly["stimulus_id"].values)
    stimulus_ids = pd.unique(presented) if stimulus_ids is None else np.asarray(stimulus_ids)
    if missing := set(stimulus_ids) - set(presented):
        raise DataError(f"no recorded trial for {len(missing)} stimulus_id(s), e.g. {sorted(missing)[:3]}")
    image = pd.Index(stimulus_ids).get_indexer(presented)
    keep = image >= 0
    image = image[keep]
    if has_coord(assembly, "repetition", "presentation"):
        repetition_values = assembly["repetition"].values[keep]
        repetitions = np.unique(repetition_values)
        trial = np.searchsorted(repetitions, repetition_values)
        if pd.MultiIndex.from_arrays([image, trial]).has_duplicates:
            raise DataError("neural assembly has two presentations with the same stimulus_id and "
                            "repetition; give each trial its own repetition value")
    else:
        trial = pd.Series(image).groupby(image).cumcount().to_numpy()
    rates = np.full((len(stimulus_ids), values.shape[1], trial.max() + 1) + values.shape[2:], np.nan)
    rates[image, :, trial] = values[keep]
    return rates, np.asarray(stimulus_ids)


def neuroid_groups(assembly, coord: str = "animal") -> np.ndarray | None:
    """The ``coord`` label (default: the animal) of each neuroid, (neuroids,); None without one."""
    return np.asarray(assembly[coord].values) if has_coord(assembly, coord, "neuroid") else None


# ---------------------------------------------------------------- calling the numpy metrics
def accepts(function, name: str) -> bool:
    """Whether ``function`` takes a keyword ``name`` (so options new to a metric pass only where known)."""
    return name in inspect.signature(function).parameters


def with_groups(function, options: dict, groups) -> dict:
    """``options`` plus ``groups=groups`` where ``function`` accepts it and groups are known."""
    return {**options, "groups": groups} if groups is not None and accepts(function, "groups") else dict(options)


def effective_options(function, options: dict) -> dict:
    """Every option ``function`` runs with: its signature's defaults overridden by ``options``
    (data arguments such as rates, folds, permutations and groups left out)."""
    parameters = inspect.signature(function).parameters
    unknown = set(options) - set(parameters)
    if unknown and not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        raise DataError(f"unknown metric option(s) {sorted(unknown)}; {function.__name__} takes "
                        f"{sorted(k for k in parameters if k not in DATA_ARGUMENTS)}")
    found = {name: p.default for name, p in parameters.items()
             if p.default is not inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD}
    found.update(options)
    return {name: value for name, value in found.items() if name not in DATA_ARGUMENTS}


# ---------------------------------------------------------------- arrays -> Scores
def per_neuroid(values: np.ndarray, assembly, name: str | None = None):
    """values (neuroids,) as a DataAssembly carrying ``assembly``'s neuroid coordinates."""
    from brainscore_core.supported_data_standards.brainio.assemblies import DataAssembly, walk_coords
    coords = {coord: ("neuroid", coord_values) for coord, dims, coord_values in walk_coords(assembly)
              if dims == ("neuroid",)}
    return DataAssembly(np.asarray(values, dtype=float), dims=["neuroid"], coords=coords, name=name)


def unit_neuroids(unit_index):
    """A neuroid-only assembly naming model units by their column index (``neuroid_id`` 'unit_<i>',
    ``unit_index`` i): the neuroid coordinates of per-unit Scores (reverse predictivity)."""
    from brainscore_core.supported_data_standards.brainio.assemblies import DataAssembly
    unit_index = np.asarray(unit_index, dtype=int)
    return DataAssembly(np.zeros(len(unit_index)), dims=["neuroid"],
                        coords={"neuroid_id": ("neuroid", [f"unit_{i}" for i in unit_index]),
                                "unit_index": ("neuroid", unit_index)})


def bootstrap_median_error(values: np.ndarray, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> float:
    """Standard deviation of the median over ``samples`` bootstrap resamples of the finite
    ``values`` (the standard error of their median); NaN for fewer than 2."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return np.nan
    resamples = np.random.default_rng(seed).integers(len(values), size=(samples, len(values)))
    return float(np.median(values[resamples], axis=1).std(ddof=1))


def used_median(values: np.ndarray, used: np.ndarray | None = None) -> float:
    """Median of the finite ``values`` at ``used`` sites (all by default); NaN (no warning) if none."""
    values = np.asarray(values, dtype=float)
    keep = np.isfinite(values) & (True if used is None else used)
    return float(np.median(values[keep])) if keep.any() else np.nan


def median_score(values: np.ndarray, assembly, name: str, used: np.ndarray | None = None,
                 clip: bool = False, options: dict | None = None):
    """Score(median over the used sites of ``values`` (%, sites) / 100).

    attrs: ``name`` (per site, %, the ``assembly``'s neuroid coords), ``<name>_median`` (the median,
    %, never clipped), ``error`` (bootstrap s.e. of the median over the used sites, fraction),
    ``n_sites`` (used sites with a finite value) and ``metric_options``. ``used``: sites that enter
    the median (default all; NaN sites are always skipped). ``clip`` clips the value to [0, 1]
    (Brain-Score benchmarks' range).
    """
    from brainscore_core.metrics import Score
    values = np.asarray(values, dtype=float)
    used = np.ones(len(values), bool) if used is None else np.asarray(used, bool)
    median = used_median(values, used)
    score = Score(np.clip(median / 100, 0, 1) if clip else median / 100)
    score.attrs.update({name: per_neuroid(values, assembly, name), f"{name}_median": median,
                        "error": Score(bootstrap_median_error(values[used] / 100)),
                        "n_sites": int((used & np.isfinite(values)).sum()),
                        "metric_options": dict(options or {})})
    return score


def explained_variance_score(details, assembly, used: np.ndarray | None = None, clip: bool = False,
                             options: dict | None = None):
    """The Score of per-site noise-corrected % EV (``details``: an ``ExplainedVariance``).

    As :func:`median_score` with name ``explained_variance``, plus Brain-Score's ``raw`` (Score:
    median over the used sites of r, per-site r in its ``raw``) and ``ceiling`` (Score: median over
    the used sites of the neural split-half reliability rho_n, per site in its ``raw``; the same
    number as the benchmark's ``ceiling``), and ``model_reliability`` (per site). EV_n / 100 =
    r_n |r_n| / (rho_n rho'_n) per halving; the value is already noise-corrected, so the ceiling
    describes the data and is not divided out again.
    """
    from brainscore_core.metrics import Score
    used = np.ones(len(details.r), bool) if used is None else np.asarray(used, bool)
    score = median_score(details.explained_variance, assembly, "explained_variance", used, clip, options)
    raw = Score(used_median(details.r, used))
    raw.attrs["raw"] = per_neuroid(details.r, assembly, "r")
    ceiling = Score(used_median(details.neural_reliability, used))
    ceiling.attrs["raw"] = per_neuroid(details.neural_reliability, assembly, "neural_reliability")
    score.attrs.update(raw=raw, ceiling=ceiling,
                       model_reliability=per_neuroid(details.model_reliability, assembly, "model_reliability"))
    return score

