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

The Score follows Brain-Score's ``explained_variance`` convention (ceiled = raw**2 / ceiling),
per site: ``raw`` holds r_n and ``ceiling`` holds rho_n * rho'_n (each averaged over halvings), so
EV_n / 100 = raw_n**2 / ceiling_n for r_n > 0 (exactly with one halving; with several, EV_n
averages the per-halving ratios). The Score's value is the median over sites of EV_n / 100,
clipped to [0, 1]; ``attrs['raw']`` and ``attrs['ceiling']`` are the medians of r_n and of
rho_n * rho'_n, with per-site values in their own ``raw`` attrs (and ``neural_reliability``,
``model_reliability`` in the ceiling's attrs). A median of ratios is not a ratio of medians, so
value != raw**2 / ceiling in general. ``attrs['error']`` is the bootstrap standard error (over
sites) of the median; ``explained_variance`` holds EV_n (%) per site, ``explained_variance_median``
their median (unclipped). Brain-Score's own benchmarks divide by the neural reliability only, so
their scores are lower than these for the same predictions (rho'_n <= 1).
Several windows (a time course) give one Score per window in ``attrs['windows']``, their values
in ``attrs['time_course']``, and their mean as the value.
"""
from __future__ import annotations

import functools
import importlib
from typing import Callable

import numpy as np
import pandas as pd
import xarray as xr
from brainscore_core.benchmarks import BenchmarkBase
from brainscore_core.metrics import Score

from brainscore_memorability.data import packaging
from brainscore_memorability.errors import DataError, MemorabilityError

REGION = "IT"
PHASES = {"early": (70, 100), "late": (180, 210)}
BOOTSTRAP_SAMPLES = 1000


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
        this out of that window's medians (e.g. for 10 ms bins outside the response).
    :param metric_options: passed to ``explained_variance_details`` (regression, n_components, ...).
    """
    if dataset not in DATASETS:
        raise MemorabilityError(f"unknown dataset '{dataset}' for temporal IT benchmarks; use one of {list(DATASETS)}")
    module = importlib.import_module(f"brainscore_memorability.data.{DATASETS[dataset]}")
    return TemporalITBenchmark(identifier(dataset, windows), functools.partial(module.load_assembly, data), windows,
                               module.VISUAL_DEGREES, module.NUMBER_OF_TRIALS, module.BIBTEX, metric_options,
                               min_reliability=min_reliability)


def rebuild(benchmark_identifier: str, data=None, windows=None) -> "TemporalITBenchmark":
    """A registered temporal IT benchmark (e.g. 'Kar2019-IT-early') on other ``data`` and/or ``windows``."""
    for dataset in DATASETS:
        for phase, window in PHASES.items():
            if benchmark_identifier in (identifier(dataset, [window]), identifier(dataset, [window]).replace("-", "_")):
                return build(dataset, windows or [window], data=data)
    known = [identifier(d, [w]) for d in DATASETS for w in PHASES.values()]
    raise MemorabilityError(f"--data and --window apply to this package's temporal IT benchmarks "
                            f"({', '.join(known)}), not to '{benchmark_identifier}'")


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
        self.min_reliability = min_reliability

    @functools.cached_property
    def assembly(self):
        """The IT sites of the dataset: presentation x neuroid x time_bin, ``.stimulus_set`` attached."""
        return packaging.select_region(self._load_assembly(), REGION)

    @functools.cached_property
    def rates(self) -> tuple[np.ndarray, np.ndarray]:
        """(rates images x neurons x repetitions x windows in spikes/s, stimulus_ids)."""
        return window_rates(self.assembly, self.windows)

    @functools.cached_property
    def ceiling(self) -> Score:
        """Median over sites of the neural split-half reliability rho_n, averaged over windows: the
        model-free part of the ceiling (each Score's ``attrs['ceiling']`` also has the model's)."""
        from brainscore_memorability.metrics.reliability import split_half_reliability
        rates, _ = self.rates
        options = {k: v for k, v in self.metric_options.items() if k in ("n_splits", "seed")}
        medians = [np.nanmedian(split_half_reliability(rates[..., w], **options)) for w in range(len(self.windows))]
        return Score(float(np.mean(medians)))

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
        from brainscore_memorability.metrics.explained_variance import explained_variance_details
        details = explained_variance_details(features, rates, **self.metric_options)
        return window_score(details, self.assembly["neuroid"], self.windows[window_index], self.min_reliability)


def window_rates(assembly, windows) -> tuple[np.ndarray, np.ndarray]:
    """Per-trial mean rates in each window: (images x neurons x repetitions x windows, stimulus_ids).

    Time bins are weighted by the fraction of each bin inside the window (Brain-Score's
    ``time_align``, mode 'portion'); a window not fully covered by the recorded bins is an error.
    A NaN in any bin of the window makes that trial's window rate NaN (a missing trial).
    """
    from brainscore_vision.model_helpers.brain_transformation.temporal import time_align
    assembly = assembly.transpose("presentation", "neuroid", "time_bin")
    bins = list(zip(assembly["time_bin_start"].values.tolist(), assembly["time_bin_end"].values.tolist()))
    weights = time_align(bins, windows, mode="portion")  # windows x bins
    uncovered = np.flatnonzero(weights.sum(axis=1) == 0)
    if len(uncovered):
        source = assembly.attrs.get("source_file") or assembly.attrs.get("identifier", "assembly")
        raise DataError(f"{source}: time window {windows[uncovered[0]]} ms is not covered by the recorded time "
                        f"bins ({bins[0][0]}-{bins[-1][1]} ms in {len(bins)} bins)")
    values = np.asarray(assembly.values, dtype=float)  # presentation x neuroid x time bin
    windowed = np.stack([np.average(values[..., weight > 0], axis=-1, weights=weight[weight > 0])
                         for weight in weights], axis=-1)  # presentation x neuroid x window
    return packaging.to_rates(assembly, values=windowed)


def model_features(activations, stimulus_ids, windows, window_index: int) -> np.ndarray:
    """The model's features in window ``window_index``, images (in ``stimulus_ids`` order) x features.

    ``activations`` is the model's presentation x neuroid [x time_bin] answer to
    ``start_recording(region, windows)``; its time bins are matched to ``windows`` by start and end
    (or by position when it has no such coords); one time bin serves every window. Several
    presentations of one image (stochastic models) are averaged.
    """
    if "time_bin" in activations.dims:
        activations = activations.transpose("presentation", "neuroid", "time_bin")
        n_bins = activations.sizes["time_bin"]
        if n_bins == 1:
            index = 0
        elif packaging.has_coord(activations, "time_bin_start", "time_bin"):
            answered = list(zip(activations["time_bin_start"].values.tolist(), activations["time_bin_end"].values.tolist()))
            if tuple(windows[window_index]) not in [tuple(b) for b in answered]:
                raise MemorabilityError(f"the model answered time bins {answered}, not the requested window "
                                        f"{windows[window_index]}")
            index = [tuple(b) for b in answered].index(tuple(windows[window_index]))
        elif n_bins == len(windows):
            index = window_index
        else:
            raise MemorabilityError(f"the model answered {n_bins} time bins for {len(windows)} requested windows")
        values = np.asarray(activations.values[..., index], dtype=float)
    else:
        values = np.asarray(activations.transpose("presentation", "neuroid").values, dtype=float)
    table = pd.DataFrame(values).groupby(activations["stimulus_id"].values).mean()
    missing = pd.Index(stimulus_ids).difference(table.index)
    if len(missing):
        raise MemorabilityError(f"the model gave no activations for {len(missing)} stimulus_id(s), e.g. {list(missing[:3])}")
    return table.loc[list(stimulus_ids)].to_numpy()


def window_score(details, neuroid, window, min_reliability: float | None = None) -> Score:
    """The Brain-Score ``Score`` of one window from the metric's per-site details (module docstring).

    Sites with neural reliability below ``min_reliability`` keep their per-site values but are left
    out of the medians and the error; ``attrs['n_sites']`` counts the sites in the median EV.
    """
    ev, r = details.explained_variance, details.r
    neural, model = details.neural_reliability, details.model_reliability
    with np.errstate(invalid="ignore"):
        used = np.ones(len(ev), bool) if min_reliability is None else neural >= min_reliability

    def per_site(values, name):
        return xr.DataArray(values, coords={"neuroid": neuroid}, dims=["neuroid"], name=name)

    def median(values):  # over the used sites, NaN skipped; NaN (no warning) when none is finite
        values = values[used & np.isfinite(values)]
        return float(np.median(values)) if len(values) else np.nan

    raw = Score(median(r))
    raw.attrs["raw"] = per_site(r, "r")
    ceiling = Score(median(neural * model))
    ceiling.attrs.update(raw=per_site(neural * model, "ceiling"), neural_reliability=per_site(neural, "neural_reliability"),
                         model_reliability=per_site(model, "model_reliability"))
    median_ev = median(ev)
    score = Score(np.clip(median_ev / 100, 0, 1))
    score.attrs.update(raw=raw, ceiling=ceiling, error=Score(bootstrap_median_error(ev[used] / 100)),
                       explained_variance=per_site(ev, "explained_variance"), explained_variance_median=median_ev,
                       window=tuple(window), n_sites=int((used & np.isfinite(ev)).sum()))
    return score


def bootstrap_median_error(values: np.ndarray, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> float:
    """Standard deviation of the NaN-skipping median over ``samples`` bootstrap resamples of ``values``."""
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return np.nan
    resamples = np.random.default_rng(seed).integers(len(values), size=(samples, len(values)))
    return float(np.median(values[resamples], axis=1).std(ddof=1))


def combine(scores: list[Score], windows) -> Score:
    """One Score for several windows: the mean of their values, raws, ceilings and errors (windows
    without any usable site, NaN, are skipped)."""
    starts, ends = zip(*windows)
    coords = {"time_bin_start": ("time_bin", list(starts)), "time_bin_end": ("time_bin", list(ends))}

    def mean(values):
        values = np.asarray(values, dtype=float)
        return float(np.mean(values[np.isfinite(values)])) if np.isfinite(values).any() else np.nan

    combined = Score(mean([s.item() for s in scores]))
    combined.attrs.update(
        raw=Score(mean([s.attrs["raw"].item() for s in scores])),
        ceiling=Score(mean([s.attrs["ceiling"].item() for s in scores])),
        error=Score(mean([s.attrs["error"].item() for s in scores])),
        windows=scores,
        time_course=xr.DataArray([s.item() for s in scores], dims=["time_bin"], coords=coords, name="score"),
        explained_variance=xr.concat([s.attrs["explained_variance"] for s in scores], dim="time_bin").assign_coords(coords),
        explained_variance_median=mean([s.attrs["explained_variance_median"] for s in scores]))
    return combined
