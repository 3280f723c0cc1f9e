"""Brain-Score edge of the metrics: assemblies in, a Brain-Score ``Score`` out.

:class:`ExplainedVarianceMetric` (registered as 'kar-ev-pls' and 'kar-ev-ridge') computes the
Kar lab's noise-corrected % EV (:mod:`.explained_variance`) from a model's features
(presentation x neuroid) and a neural assembly with repetitions (presentation (stimulus_id,
repetition) x neuroid [x one time_bin]).

:func:`brainscore_standard_score` computes Brain-Score's own score on the same arrays with
brainscore_vision's metrics, for comparison. It differs from the Kar lab's EV in four ways:

1. no model-reliability correction: Brain-Score divides r**2 by the neural ceiling only, so a
   model fitted on noisy data (whose predictions are themselves noisy) scores lower; for a
   homogeneous population, score ~= median EV / 100 * model reliability;
2. Brain-Score aggregates before normalising: median over neuroids of r (averaged over its
   splits), squared, over the median of the neuroids' ceilings; the Kar lab normalises each
   neuron and then takes statistics over neurons;
3. r is computed within each of 10 random 90/10 train/test splits (~10 % of the images each) and
   averaged, not over the pooled predictions of 10 folds;
4. the regression is PLS with 25 components on unscaled features (sklearn ``scale=False``), not
   20 components on standardised features; its ceiling correlates split halves with Pearson
   (this package's default; the Kar lab's code uses Spearman).
Measured on the simulation of tests/metrics/test_explained_variance.py (300 images, 30 neurons,
planted EV 60 %, trial noise sd 1.5, 8 repetitions): Kar-lab median EV 58.0 % (median r 0.664,
neural reliability 0.781, model reliability 0.976); Brain-Score r 0.641, ceiling 0.783, score
0.525, against median EV x model reliability = 0.566; the rest is differences 3 and 4.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from brainscore_core.metrics import Metric, Score
from brainscore_core.supported_data_standards.brainio.assemblies import DataAssembly, walk_coords

from brainscore_memorability.errors import DataError
from brainscore_memorability.metrics.explained_variance import explained_variance_details


def rates_from_assembly(assembly) -> tuple[np.ndarray, np.ndarray]:
    """(rates images x neurons x repetitions, stimulus_ids (images,)) from a neural assembly.

    assembly: presentation x neuroid [x time_bin of size 1], presentation coords ``stimulus_id``
    and (optionally) ``repetition``; without ``repetition``, a stimulus's presentations are
    numbered in order. Images keep their order of first appearance; a stimulus with fewer
    repetitions than others gets NaN (missing trials).
    """
    assembly = _presentation_by_neuroid(assembly, "neural assembly")
    stimulus_ids = assembly["stimulus_id"].values
    if _has_coord(assembly, "repetition"):
        repetitions = assembly["repetition"].values
    else:
        repetitions = pd.Series(stimulus_ids).groupby(stimulus_ids).cumcount().values
    image_index, unique_ids = pd.factorize(stimulus_ids)
    repetition_index, unique_repetitions = pd.factorize(repetitions)
    if pd.MultiIndex.from_arrays([image_index, repetition_index]).has_duplicates:
        raise DataError("neural assembly has two presentations with the same stimulus_id and "
                        "repetition; give each trial its own repetition value")
    rates = np.full((len(unique_ids), assembly.sizes["neuroid"], len(unique_repetitions)), np.nan)
    rates[image_index, :, repetition_index] = assembly.values
    return rates, np.asarray(unique_ids)


def features_for(source, stimulus_ids: np.ndarray) -> np.ndarray:
    """Model features (images x features) in the order of ``stimulus_ids`` (one row per stimulus;
    repeated presentations of a stimulus in ``source`` are averaged)."""
    source = _presentation_by_neuroid(source, "model features")
    frame = pd.DataFrame(source.values).groupby(source["stimulus_id"].values, sort=False).mean()
    missing = pd.Index(stimulus_ids).difference(frame.index)
    if len(missing):
        raise DataError(f"model features lack {len(missing)} of the neural stimuli "
                        f"(e.g. {list(missing[:3])}): record the model on the benchmark's stimuli")
    return frame.loc[stimulus_ids].values


class ExplainedVarianceMetric(Metric):
    """Brain-Score metric: Kar-lab noise-corrected % EV of each neuroid (options as
    :func:`.explained_variance.explained_variance_details`).

    Calling it with (source, target) returns a Score whose value is the median over neuroids of
    the % EV divided by 100 (a fraction, already noise-corrected: no further ceiling), with attrs
    ``explained_variance``, ``r``, ``neural_reliability``, ``model_reliability`` (per neuroid,
    DataArrays with the target's neuroid coords; EV in %), ``median_explained_variance`` (%)
    and ``error`` (standard deviation over split halvings of the per-split median EV, fraction).
    """

    def __init__(self, regression: str = "pls", **options):
        self.regression, self.options = regression, options

    def __call__(self, source, target):
        rates, stimulus_ids = rates_from_assembly(target)
        features = features_for(source, stimulus_ids)
        details = explained_variance_details(features, rates, regression=self.regression, **self.options)
        score = median_percent_score(details.explained_variance, details.explained_variance_per_split,
                                     "median_explained_variance")
        target = _presentation_by_neuroid(target, "neural assembly")
        for name in ("explained_variance", "r", "neural_reliability", "model_reliability"):
            score.attrs[name] = _per_neuroid(getattr(details, name), target)
        return score


def median_percent_score(values: np.ndarray, per_split: np.ndarray, median_name: str) -> Score:
    """Score(median over neurons of ``values`` (%, neurons) / 100), attrs ``median_name`` (that median, %) and
    ``error``: the standard deviation over split halvings of the per-split median (``per_split``:
    neurons x splits), as a fraction; NaN neurons are skipped, NaN where none is finite."""
    median = float(_nanmedian_quiet(values, axis=0))
    per_split_median = _nanmedian_quiet(per_split, axis=0)
    score = Score(median / 100)
    score.attrs[median_name] = median
    score.attrs["error"] = float(np.nanstd(per_split_median) / 100) if np.isfinite(per_split_median).any() else np.nan
    return score


def brainscore_standard_score(features: np.ndarray, rates: np.ndarray) -> dict:
    """Brain-Score's standard neural score on the same arrays, with brainscore_vision's metrics.

    features: images x features; rates: images x neurons x repetitions (no NaN). Returns
    {'r': median-over-neuroids r (mean over 10 splits), 'ceiling': internal consistency,
    'score': r**2 / ceiling (``neural_common.explained_variance``)}. See the module docstring for
    how it differs from the Kar lab's EV.
    """
    from brainscore_core.supported_data_standards.brainio.assemblies import (
        NeuroidAssembly, NeuronRecordingAssembly)
    from brainscore_vision.benchmark_helpers.neural_common import explained_variance
    from brainscore_vision.metrics.internal_consistency.ceiling import InternalConsistency
    from brainscore_vision.metrics.regression_correlation.metric import (
        CrossRegressedCorrelation, pearsonr_correlation, pls_regression)

    n_images, n_neurons, n_repetitions = rates.shape
    stimulus_ids = np.array([f"image{i}" for i in range(n_images)])
    # two coords per dim: xarray turns a dim with a single coord into a plain index, which
    # brainscore_vision's sortby over 'neuroid_id' cannot read
    neuroid = {"neuroid_id": ("neuroid", [f"neuron{j}" for j in range(n_neurons)]),
               "region": ("neuroid", ["IT"] * n_neurons)}
    presentation = {"stimulus_id": ("presentation", stimulus_ids),
                    "image_index": ("presentation", np.arange(n_images))}
    source = NeuroidAssembly(features, dims=["presentation", "neuroid"], coords={
        **presentation, "neuroid_id": ("neuroid", [f"feature{j}" for j in range(features.shape[1])]),
        "layer": ("neuroid", ["features"] * features.shape[1])})
    mean_target = NeuroidAssembly(rates.mean(axis=2), dims=["presentation", "neuroid"],
                                  coords={**presentation, **neuroid})
    trials = NeuronRecordingAssembly(
        rates.transpose(2, 0, 1).reshape(-1, n_neurons), dims=["presentation", "neuroid"],
        coords={"stimulus_id": ("presentation", np.tile(stimulus_ids, n_repetitions)),
                "repetition": ("presentation", np.repeat(np.arange(n_repetitions), n_images)), **neuroid})
    metric = CrossRegressedCorrelation(regression=pls_regression(), correlation=pearsonr_correlation(),
                                       crossvalidation_kwargs=dict(stratification_coord=None))
    raw = metric(source, mean_target)
    ceiling = InternalConsistency()(trials)
    score = explained_variance(raw, ceiling)
    return {"r": float(raw), "ceiling": float(ceiling), "score": float(score)}


def _presentation_by_neuroid(assembly, what: str):
    if "time_bin" in assembly.dims:
        if assembly.sizes["time_bin"] != 1:
            raise DataError(f"{what} has {assembly.sizes['time_bin']} time bins; average the "
                            f"time window first (one time bin per metric call)")
        assembly = assembly.squeeze("time_bin", drop=True)
    if set(assembly.dims) != {"presentation", "neuroid"}:
        raise DataError(f"{what} must have dims presentation x neuroid, got {assembly.dims}")
    if not _has_coord(assembly, "stimulus_id"):
        raise DataError(f"{what} lacks the presentation coordinate 'stimulus_id'")
    return assembly.transpose("presentation", "neuroid")


def _has_coord(assembly, name: str) -> bool:
    """Whether ``name`` is a coordinate, including a level of a MultiIndex (not in ``.coords``)."""
    return any(coord == name for coord, _, _ in walk_coords(assembly))


def _per_neuroid(values: np.ndarray, target) -> DataAssembly:
    """values (neuroids,) as an assembly carrying the target's neuroid coordinates."""
    coords = {coord: ("neuroid", coord_values) for coord, dims, coord_values in walk_coords(target)
              if dims == ("neuroid",)}
    return DataAssembly(values, dims=["neuroid"], coords=coords)


def _nanmedian_quiet(values: np.ndarray, axis: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slice -> NaN
        return np.nanmedian(values, axis=axis)
