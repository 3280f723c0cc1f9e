"""IT predictivity in time windows of the response, scored by the Kar lab's noise-corrected % EV.

For each window (start_ms, end_ms) the benchmark averages each trial's rates over the window's
time bins (weighted by overlap, Brain-Score's ``time_align``), asks the model for the same window
with ``start_recording('IT', time_bins=windows)`` (a recurrent model answers with its own activity
in each window, a static one repeats its activations), and computes per IT site n, with
:func:`brainscore_memorability.metrics.explained_variance_details`:

* ``r_n``: Pearson r of the cross-validated prediction with the repetition-averaged response;
* ``rho_n``: the site's split-half reliability; ``rho'_n``: the model's (predictions fitted to
  each half of the repetitions), both Spearman-Brown corrected, per random halving s;
* ``EV_n``: the noise-corrected % explained variance, the mean over halvings s of
  ``100 * r_n * |r_n| / (rho_n,s * rho'_n,s)`` (the metric module documents NaN and sign rules).

The Score (built by :func:`brainscore_memorability.adapters.explained_variance_score`, the one
Score builder) has the median over the used sites of EV_n / 100 as its value, clipped to [0, 1],
and attrs ``explained_variance`` (EV_n, %, per site), ``explained_variance_median`` (unclipped),
``raw`` (median r_n; per site in its ``raw``), ``ceiling`` (median rho_n; per site in its
``raw``), ``model_reliability`` (rho'_n per site), ``error`` (bootstrap standard error over sites
of the median, fraction), ``n_sites``, ``window`` and ``metric_options`` (every option of
``explained_variance_details`` it ran with, defaults included). EV_n / 100 =
r_n |r_n| / (rho_n rho'_n) exactly with one halving; with several, EV_n averages the per-halving
ratios. Brain-Score's own benchmarks divide r**2 by the neural reliability only, so their scores
are lower than these for the same predictions (rho'_n <= 1).
Several windows (a time course) give one Score per window in ``attrs['windows']``, their values
in ``attrs['time_course']``, and their mean as the value.

Time bins: a bin labelled t (``time_bin_start`` t, ``time_bin_end`` t + step) covers [t, t + step)
ms after stimulus onset. A window that does not start and end on bin edges takes fractions of the
bins it cuts (weighted by overlap) and warns, naming the window and those bins.
"""
from __future__ import annotations

import functools
import importlib
import warnings
from typing import Callable

import numpy as np
import xarray as xr
from brainscore_core.benchmarks import BenchmarkBase
from brainscore_core.metrics import Score

from brainscore_memorability import adapters
from brainscore_memorability.data import packaging
from brainscore_memorability.errors import DataError, MemorabilityError

REGION = "IT"
PHASES = {"early": (70, 100), "late": (180, 210)}


class TimeBinWarning(UserWarning):
    """A time window that does not fall on the recorded time bins' edges."""


# benchmark identifier prefix -> module of brainscore_memorability.data with load_assembly(path=None),
# VISUAL_DEGREES, NUMBER_OF_TRIALS and BIBTEX
DATASETS = {"Kar2019": "kar2019", "MajajHong2015public": "majajhong2015"}


def identifier(dataset: str, windows) -> str:
    """'Kar2019-IT-early' for a named phase, else 'Kar2019-IT-70-170ms' or 'Kar2019-IT-0-300ms-by10ms'."""
    windows = validate_windows(windows)
    named = {window: phase for phase, window in PHASES.items()}
    if len(windows) == 1:
        start, end = windows[0]
        suffix = named.get(windows[0], f"{start}-{end}ms")
    else:
        widths = {end - start for start, end in windows}
        contiguous = all(a[1] == b[0] for a, b in zip(windows, windows[1:]))
        suffix = f"{windows[0][0]}-{windows[-1][1]}ms" + (f"-by{widths.pop()}ms" if len(widths) == 1 and contiguous
                                                          else f"-{len(windows)}windows")
    separator = "." if dataset.startswith("MajajHong") else "-"
    return f"{dataset}{separator}{REGION}-{suffix}"


def time_course(start: int, stop: int, step: int) -> list[tuple[int, int]]:
    """Contiguous windows of ``step`` ms from ``start`` to ``stop``: (0, 300, 10) -> [(0, 10), ..., (290, 300)]."""
    if step <= 0 or stop - start < step:
        raise MemorabilityError(f"time course {start}-{stop} ms in {step} ms steps has no window")
    return [(t, t + step) for t in range(start, stop - step + 1, step)]


def validate_windows(windows) -> list[tuple[int, int]]:
    """Windows as [(start_ms, end_ms)]: whole ms, end after start; errors name the bad window."""
    windows = [tuple(window) for window in windows]
    if not windows:
        raise MemorabilityError("give at least one time window (start_ms, end_ms)")
    for window in windows:
        if len(window) != 2 or window[1] <= window[0] or any(int(t) != t for t in window):
            raise MemorabilityError(f"time window {window} must be (start_ms, end_ms), whole ms, end > start")
    return [(int(start), int(end)) for start, end in windows]


def build(dataset: str, windows, data=None, min_reliability: float | None = None,
          **metric_options) -> "TemporalITBenchmark":
    """The benchmark on ``dataset`` ('Kar2019' or 'MajajHong2015public') in ``windows``.

    :param data: a NetCDF in this package's format (default: the dataset's own location).
    :param min_reliability: leave sites whose neural split-half reliability in a window is below
        this out of that window's medians, error and ceiling (e.g. for 10 ms bins outside the response).
    :param metric_options: passed to ``explained_variance_details`` (regression, n_components, ...);
        an option it does not take is a DataError.
    """
    if dataset not in DATASETS:
        raise MemorabilityError(f"unknown dataset '{dataset}' for temporal IT benchmarks; use one of {list(DATASETS)}")
    module = importlib.import_module(f"brainscore_memorability.data.{DATASETS[dataset]}")
    return TemporalITBenchmark(identifier(dataset, windows), functools.partial(module.load_assembly, data), windows,
                               module.VISUAL_DEGREES, module.NUMBER_OF_TRIALS, module.BIBTEX, metric_options,
                               min_reliability=min_reliability)


def rebuild(benchmark_identifier: str, data=None, windows=None, **metric_options) -> "TemporalITBenchmark":
    """A registered temporal IT benchmark (e.g. 'Kar2019-IT-early') on other ``data``, ``windows``
    and/or metric options (as :func:`build`)."""
    for dataset in DATASETS:
        for phase, window in PHASES.items():
            if benchmark_identifier in (identifier(dataset, [window]), identifier(dataset, [window]).replace("-", "_")):
                return build(dataset, windows or [window], data=data, **metric_options)
    known = [identifier(d, [w]) for d in DATASETS for w in PHASES.values()]
    raise MemorabilityError(f"--data, --window and the metric options apply to this package's temporal IT "
                            f"benchmarks ({', '.join(known)}), not to '{benchmark_identifier}'")


def _explained_variance_details():
    from brainscore_memorability.metrics.explained_variance import explained_variance_details
    return explained_variance_details


class TemporalITBenchmark(BenchmarkBase):
    """IT sites' noise-corrected % EV in time windows of the response (see module docstring)."""

    def __init__(self, identifier: str, load_assembly: Callable, windows, visual_degrees: float,
                 number_of_trials: int, bibtex: str = None, metric_options: dict | None = None,
                 min_reliability: float | None = None, version: int = 1):
        super().__init__(identifier=identifier, ceiling=None, version=version, parent=REGION, bibtex=bibtex)
        self._load_assembly = load_assembly
        self.windows = validate_windows(windows)
        self.visual_degrees = visual_degrees  # of the images as shown to the animals
        self.number_of_trials = number_of_trials
        self.metric_options = dict(metric_options or {})  # passed to explained_variance_details
        adapters.effective_options(_explained_variance_details(), self.metric_options)  # unknown option: error now
        self.min_reliability = min_reliability

    @property
    def options(self) -> dict:
        """Every option the metric runs with (defaults included), and ``min_reliability``."""
        return {**adapters.effective_options(_explained_variance_details(), self.metric_options),
                "min_reliability": self.min_reliability}

    @functools.cached_property
    def assembly(self):
        """The IT sites of the dataset: presentation x neuroid x time_bin, ``.stimulus_set`` attached."""
        return packaging.select_region(self._load_assembly(), REGION)

    @functools.cached_property
    def rates(self) -> tuple[np.ndarray, np.ndarray]:
        """(rates images x neurons x repetitions x windows in spikes/s, stimulus_ids)."""
        return window_rates(self.assembly, self.windows)

    @functools.cached_property
    def groups(self) -> np.ndarray | None:
        """The animal of each site (each animal's repetitions are halved on their own), or None."""
        return adapters.neuroid_groups(self.assembly)

    @functools.cached_property
    def ceiling(self) -> Score:
        """The neural ceiling: median over the used sites of the neural split-half reliability rho_n,
        averaged over windows; the same number as each Score's ``attrs['ceiling']``.

        It is computed with the metric's own options (correlation, halvings, seed, per-animal
        halves) and the same sites (``min_reliability``). The Score is already noise-corrected
        site by site (EV_n divides by rho_n and the model's rho'_n), so a model predicting every
        site's explainable variance scores 1 whatever the ceiling: the ceiling describes how
        reliable the data are, and is not to be divided out again.
        """
        rates, _ = self.rates
        medians = [adapters.used_median(reliability, self.used_sites(reliability))
                   for reliability in (self.neural_reliability(rates[..., w]) for w in range(len(self.windows)))]
        return Score(_finite_mean(medians))

    def neural_reliability(self, rates: np.ndarray) -> np.ndarray:
        """rho_n (sites,) of rates (images x sites x repetitions), as the metric computes it."""
        from brainscore_memorability.metrics.reliability import split_half_reliability
        options = adapters.effective_options(_explained_variance_details(), self.metric_options)
        arguments = {"correlation": options.get("reliability_correlation", "pearson"),
                     **{k: options[k] for k in ("n_splits", "seed") if k in options},
                     **({"permutations": self.metric_options["permutations"]}
                        if self.metric_options.get("permutations") is not None else {})}
        return split_half_reliability(rates, **adapters.with_groups(split_half_reliability, arguments, self.groups))

    def used_sites(self, neural_reliability: np.ndarray) -> np.ndarray:
        """The sites entering the medians: all, or those with rho_n >= ``min_reliability``."""
        if self.min_reliability is None:
            return np.ones(len(neural_reliability), bool)
        with np.errstate(invalid="ignore"):
            return np.asarray(neural_reliability) >= self.min_reliability

    def record(self, candidate):
        """The candidate's IT answer to the dataset's images in this benchmark's windows:
        presentation x neuroid [x time_bin] (images placed on screen at the candidate's visual degrees)."""
        from brainscore_vision.benchmark_helpers.screen import place_on_screen
        candidate.start_recording(REGION, time_bins=self.windows)
        stimulus_set = place_on_screen(self.assembly.stimulus_set, target_visual_degrees=candidate.visual_degrees(),
                                       source_visual_degrees=self.visual_degrees)
        return candidate.look_at(stimulus_set, number_of_trials=self.number_of_trials)

    def __call__(self, candidate) -> Score:
        rates, stimulus_ids = self.rates  # first: a window outside the recorded bins fails before any extraction
        activations = self.record(candidate)
        scores = [self.score_window(model_features(activations, stimulus_ids, self.windows, w), rates[..., w], w)
                  for w in range(len(self.windows))]
        return scores[0] if len(scores) == 1 else combine(scores, self.windows)

    def score_window(self, features: np.ndarray, rates: np.ndarray, window_index: int) -> Score:
        """The Score of one window from features (images x features) and rates (images x neurons x repetitions)."""
        metric = _explained_variance_details()
        details = metric(features, rates, **adapters.with_groups(metric, self.metric_options, self.groups))
        score = adapters.explained_variance_score(details, self.assembly, self.used_sites(details.neural_reliability),
                                                  clip=True, options=self.options)
        score.attrs["window"] = tuple(self.windows[window_index])
        return score


def window_rates(assembly, windows) -> tuple[np.ndarray, np.ndarray]:
    """Per-trial mean rates in each window: (images x neurons x repetitions x windows, stimulus_ids).

    A bin labelled t covers [t, t + step) ms. Time bins are weighted by the fraction of each bin
    inside the window (Brain-Score's ``time_align``, mode 'portion'); a window that cuts a bin warns
    (:class:`TimeBinWarning`), one not fully covered by the recorded bins is an error. A NaN in any
    bin of the window makes that trial's window rate NaN (a missing trial).
    """
    from brainscore_vision.model_helpers.brain_transformation.temporal import time_align
    assembly = assembly.transpose("presentation", "neuroid", "time_bin")
    bins = list(zip(assembly["time_bin_start"].values.tolist(), assembly["time_bin_end"].values.tolist()))
    weights = time_align(bins, windows, mode="portion")  # windows x bins
    source = assembly.attrs.get("source_file") or assembly.attrs.get("identifier", "assembly")
    uncovered = np.flatnonzero(weights.sum(axis=1) == 0)
    if len(uncovered):
        raise DataError(f"{source}: time window {windows[uncovered[0]]} ms is not covered by the recorded time "
                        f"bins ({bins[0][0]}-{bins[-1][1]} ms in {len(bins)} bins)")
    for window, weight in zip(windows, weights):
        cut = [f"{bins[b][0]}-{bins[b][1]} ms ({weight[b]:.2g} of it)" for b in np.flatnonzero((weight > 0) & (weight < 1))]
        if cut:
            warnings.warn(f"{source}: time window {tuple(window)} ms does not fall on the time bin edges "
                          f"(a bin labelled t covers [t, t + step) ms); it takes part of bin(s) {', '.join(cut)}",
                          TimeBinWarning, stacklevel=2)
    values = np.asarray(assembly.values, dtype=float)  # presentation x neuroid x time bin
    windowed = np.stack([np.average(values[..., weight > 0], axis=-1, weights=weight[weight > 0])
                         for weight in weights], axis=-1)  # presentation x neuroid x window
    return adapters.trial_rates(assembly, values=windowed)


def model_features(activations, stimulus_ids, windows, window_index: int) -> np.ndarray:
    """The model's features in window ``window_index``, images (in ``stimulus_ids`` order) x features.

    ``activations`` is the model's presentation x neuroid [x time_bin] answer to
    ``start_recording(region, windows)``; its time bins are matched to ``windows`` by start and end
    (or by position when it has no such coords); one time bin serves every window. Several
    presentations of one image (stochastic models) are averaged (:func:`.adapters.stimulus_features`).
    """
    if "time_bin" in activations.dims:
        n_bins = activations.sizes["time_bin"]
        if n_bins == 1:
            index = 0
        elif adapters.has_coord(activations, "time_bin_start", "time_bin"):
            answered = list(zip(activations["time_bin_start"].values.tolist(), activations["time_bin_end"].values.tolist()))
            if tuple(windows[window_index]) not in [tuple(b) for b in answered]:
                raise MemorabilityError(f"the model answered time bins {answered}, not the requested window "
                                        f"{windows[window_index]}")
            index = [tuple(b) for b in answered].index(tuple(windows[window_index]))
        elif n_bins == len(windows):
            index = window_index
        else:
            raise MemorabilityError(f"the model answered {n_bins} time bins for {len(windows)} requested windows")
        activations = activations.isel(time_bin=[index])
    return adapters.stimulus_features(activations, stimulus_ids)[0]


def _finite_mean(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(np.mean(values[np.isfinite(values)])) if np.isfinite(values).any() else np.nan


def combine(scores: list[Score], windows) -> Score:
    """One Score for several windows: the mean of their values, raws, ceilings and errors (windows
    without any usable site, NaN, are skipped)."""
    starts, ends = zip(*windows)
    coords = {"time_bin_start": ("time_bin", list(starts)), "time_bin_end": ("time_bin", list(ends))}
    combined = Score(_finite_mean([s.item() for s in scores]))
    combined.attrs.update(
        raw=Score(_finite_mean([s.attrs["raw"].item() for s in scores])),
        ceiling=Score(_finite_mean([s.attrs["ceiling"].item() for s in scores])),
        error=Score(_finite_mean([s.attrs["error"].item() for s in scores])),
        windows=scores, metric_options=scores[0].attrs["metric_options"],
        time_course=xr.DataArray([s.item() for s in scores], dims=["time_bin"], coords=coords, name="score"),
        explained_variance=xr.concat([s.attrs["explained_variance"] for s in scores], dim="time_bin").assign_coords(coords),
        explained_variance_median=_finite_mean([s.attrs["explained_variance_median"] for s in scores]))
    return combined
