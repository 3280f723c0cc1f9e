"""Reverse predictivity benchmarks: how much of the model's IT layer the IT population predicts.

``Kar2019-IT-early-reverse`` etc. record the candidate's IT layer in the window exactly as the
forward benchmark of the same name without ``-reverse`` does (:mod:`.temporal_it`: same data,
window, stimuli and visual degrees), draw a seeded subsample of its units (1000 by default,
``unit_seed`` 0; all of them when the layer has fewer), and predict each unit from the IT sites'
repetition-averaged rates with :func:`brainscore_memorability.metrics.reverse.
reverse_explained_variance_details` (the forward metric's folds and regression; the noise
correction of reverse-pred's ``get_neural_model_splithalfcorr``). Reference: Muzellec & Kar,
reverse predictivity (reverse-pred 0.1.8, ``monkey_to_model``).

The Score is built like the forward one (:func:`..adapters.explained_variance_score`, per unit instead of
per site): value = median over units of EV / 100 clipped to [0, 1]; ``raw`` the median r,
``ceiling`` the median model reliability (the units' own reliability is 1), ``error`` the
bootstrap s.e. of the median. Added attrs: ``n_units`` (scored), ``n_units_total`` (in the
layer), ``unit_seed``, ``unit_index`` (the subsample's columns), ``fraction_unpredicted``: the
fraction of units with a finite EV below ``unpredicted_threshold`` (% EV, default 50: IT explains
less than half of the unit's reliable variance; a convention of this package, not a published
cut-off), and ``n_constant_units`` (EV undefined, e.g. dead ReLUs; left out of both fractions).
``benchmark.ceiling`` is the forward benchmark's (IT's split-half reliability).
"""
from __future__ import annotations

import numpy as np

from brainscore_memorability.benchmarks import temporal_it
from brainscore_memorability.errors import MemorabilityError

SUFFIX = "-reverse"
DEFAULT_UNITS = 1000
UNPREDICTED_THRESHOLD = 50.0  # % EV


def identifier(dataset: str, window) -> str:
    """'Kar2019-IT-early-reverse', 'MajajHong2015public.IT-late-reverse', 'Kar2019-IT-70-170ms-reverse'."""
    return temporal_it.identifier(dataset, [window]) + SUFFIX


def build(dataset: str, window, data=None, n_units: int = DEFAULT_UNITS, unit_seed: int = 0,
          unpredicted_threshold: float = UNPREDICTED_THRESHOLD, **metric_options) -> "ReversePredictivityBenchmark":
    """The reverse benchmark on ``dataset`` in ``window`` (start_ms, end_ms); ``data`` and
    ``metric_options`` as :func:`.temporal_it.build`."""
    forward = temporal_it.build(dataset, [window], data=data, **metric_options)
    return ReversePredictivityBenchmark(forward, n_units=n_units, unit_seed=unit_seed,
                                        unpredicted_threshold=unpredicted_threshold)


def rebuild(benchmark_identifier: str, data=None, windows=None, **metric_options) -> "ReversePredictivityBenchmark":
    """A registered reverse benchmark on other ``data``, one other window and/or metric options."""
    name = benchmark_identifier.replace("_", "-")
    if windows is not None and len(windows) != 1:
        raise MemorabilityError(f"reverse benchmarks take one --window START END, not a time course ({windows})")
    for dataset in temporal_it.DATASETS:
        for window in temporal_it.PHASES.values():
            if name == identifier(dataset, window).replace("_", "-"):
                return build(dataset, (windows or [window])[0], data=data, **metric_options)
    raise MemorabilityError(f"'{benchmark_identifier}' is not a reverse benchmark of this package")


def is_reverse(benchmark_identifier: str) -> bool:
    """True for the identifiers this module registers (canonical or leaderboard form)."""
    return benchmark_identifier.replace("_", "-").endswith(SUFFIX)


def subsample_units(n_total: int, n_units: int = DEFAULT_UNITS, seed: int = 0) -> np.ndarray:
    """Sorted column indices of ``n_units`` units drawn without replacement (all when fewer)."""
    if n_units < 1:
        raise MemorabilityError(f"n_units must be >= 1, got {n_units}")
    if n_total <= n_units:
        return np.arange(n_total)
    return np.sort(np.random.default_rng(seed).choice(n_total, n_units, replace=False))


class ReversePredictivityBenchmark(temporal_it.TemporalITBenchmark):
    """Median noise-corrected % EV of the model's IT units predicted from IT (module docstring)."""

    def __init__(self, forward: temporal_it.TemporalITBenchmark, n_units: int = DEFAULT_UNITS,
                 unit_seed: int = 0, unpredicted_threshold: float = UNPREDICTED_THRESHOLD):
        super().__init__(forward.identifier + SUFFIX, forward._load_assembly, forward.windows, forward.visual_degrees,
                         forward.number_of_trials, forward.bibtex, forward.metric_options)
        self.n_units, self.unit_seed, self.unpredicted_threshold = n_units, unit_seed, unpredicted_threshold

    def score_window(self, features: np.ndarray, rates: np.ndarray, window_index: int):
        """The Score of one window from the model's features (images x units) and IT rates
        (images x sites x repetitions)."""
        from brainscore_memorability.metrics.reverse import reverse_explained_variance_details
        chosen = subsample_units(features.shape[1], self.n_units, self.unit_seed)
        details = reverse_explained_variance_details(rates, features[:, chosen], **self.metric_options)
        return reverse_score(details, chosen, features.shape[1], self.windows[window_index], self.unit_seed,
                             self.unpredicted_threshold, options=self.options)


def reverse_score(details, unit_index: np.ndarray, n_total: int, window, unit_seed: int,
                  unpredicted_threshold: float = UNPREDICTED_THRESHOLD, options: dict | None = None):
    """The Brain-Score ``Score`` of one window from the per-unit details (module docstring)."""
    from brainscore_memorability import adapters
    score = adapters.explained_variance_score(details, adapters.unit_neuroids(unit_index), clip=True,
                                              options=options)
    score.attrs["window"] = tuple(window)
    ev = details.explained_variance
    finite = np.isfinite(ev)
    fraction = float(np.mean(ev[finite] < unpredicted_threshold)) if finite.any() else np.nan
    score.attrs.update(n_units=len(unit_index), n_units_total=int(n_total), unit_seed=unit_seed,
                       unit_index=np.asarray(unit_index), fraction_unpredicted=fraction,
                       unpredicted_threshold=unpredicted_threshold, n_constant_units=int((~finite).sum()),
                       direction="reverse: IT predicts the model's units")
    return score
