"""Brain-Score edge of the metrics: assemblies in, a Brain-Score ``Score`` out.

Every Brain-Score metric of this package is a ``brainscore_core.metrics.Metric`` here, and turns
assemblies into arrays and arrays into Scores only through :mod:`brainscore_memorability.adapters`
(so ``error`` means the same everywhere: the bootstrap standard error over sites of the median):

* :class:`ExplainedVarianceMetric` ('kar-ev-pls', 'kar-ev-ridge'): the Kar lab's noise-corrected
  % EV (:mod:`.explained_variance`) from a model's features (presentation x neuroid) and a neural
  assembly with repetitions (presentation (stimulus_id, repetition) x neuroid [x one time_bin]);
* :class:`UniqueVarianceMetric` ('unique-variance', 'unique-variance-partition'): the unique % EV
  beyond a control model (:mod:`.unique_variance`);
* :class:`CKAMetric` ('cka-rbf', 'cka-minibatch'): CKA between two assemblies (:mod:`.cka`).

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

import numpy as np
from brainscore_core.metrics import Metric, Score

from brainscore_memorability import adapters
from brainscore_memorability.metrics.explained_variance import explained_variance_details


class ExplainedVarianceMetric(Metric):
    """Brain-Score metric: Kar-lab noise-corrected % EV of each neuroid (options as
    :func:`.explained_variance.explained_variance_details`).

    Calling it with (source, target) returns the Score of
    :func:`brainscore_memorability.adapters.explained_variance_score`: the median over neuroids of
    the % EV divided by 100 (a fraction, already noise-corrected: no further ceiling), per-neuroid
    values in attrs, ``error`` (bootstrap s.e. over neuroids of the median) and ``metric_options``.
    A target with an ``animal`` coordinate has each animal's repetitions halved on their own
    (where the metric supports it).
    """

    def __init__(self, regression: str = "pls", **options):
        self.options = {"regression": regression, **options}
        adapters.effective_options(explained_variance_details, self.options)  # unknown option: error now

    def __call__(self, source, target):
        target = adapters.presentation_by_neuroid(target, "neural assembly")
        rates, stimulus_ids = adapters.trial_rates(target)
        features, _ = adapters.stimulus_features(source, stimulus_ids)
        options = adapters.with_groups(explained_variance_details, self.options, adapters.neuroid_groups(target))
        details = explained_variance_details(features, rates, **options)
        return adapters.explained_variance_score(
            details, target, options=adapters.effective_options(explained_variance_details, self.options))


class UniqueVarianceMetric(Metric):
    """Brain-Score metric: a model's unique % EV of each neuroid beyond a control model.

    ``UniqueVarianceMetric(control, view="partial")(source, target)``: ``control`` and ``source``
    are model features (presentation x neuroid with ``stimulus_id``) recorded on the target's
    stimuli; ``target`` a neural assembly with repetitions (as the 'kar-ev-*' metrics take).
    ``view`` 'partial' scores the noise-corrected partial-correlation EV of the source beyond the
    control, 'partition' EV(control + source) - EV(control). ``options`` as
    :func:`.unique_variance.unique_variance`. Returns :func:`.adapters.median_score` of the unique
    variance (name ``unique_variance``, %), with per-neuroid ``partial_r``, ``explained_variance``
    (source alone, %), ``control_explained_variance`` (%) and ``view`` in attrs.
    """
    VIEWS = ("partial", "partition")

    def __init__(self, control, view: str = "partial", **options):
        from brainscore_memorability.metrics.unique_variance import unique_variance
        if view not in self.VIEWS:
            raise ValueError(f"view must be one of {self.VIEWS}, not {view!r}")
        self.control, self.view, self.options = control, view, options
        adapters.effective_options(unique_variance, options)  # (its options flow to explained_variance_details)

    def __call__(self, source, target):
        from brainscore_memorability.metrics.unique_variance import unique_variance
        target = adapters.presentation_by_neuroid(target, "neural assembly")
        rates, stimulus_ids = adapters.trial_rates(target)
        options = adapters.with_groups(explained_variance_details, self.options, adapters.neuroid_groups(target))
        result = unique_variance(adapters.stimulus_features(self.control, stimulus_ids, "control features")[0],
                                 adapters.stimulus_features(source, stimulus_ids)[0],
                                 rates, partition=self.view == "partition", **options)
        values = result.unique_b if self.view == "partial" else result.partition_unique_b
        recorded = {**adapters.effective_options(explained_variance_details, {}), **self.options, "view": self.view}
        score = adapters.median_score(values, target, "unique_variance", options=recorded)
        score.attrs.update(
            view=self.view, partial_r=adapters.per_neuroid(result.partial_r_b, target, "partial_r"),
            explained_variance=adapters.per_neuroid(result.b.explained_variance, target, "explained_variance"),
            control_explained_variance=adapters.per_neuroid(result.a.explained_variance, target,
                                                            "control_explained_variance"))
        return score


class CKAMetric(Metric):
    """Brain-Score metric: CKA between two assemblies (presentation x neuroid) of the same images.

    Repeated presentations of an image are averaged first (:func:`.adapters.stimulus_features`;
    neural data: images x neurons, NaN trials skipped); the images are aligned on ``stimulus_id``.
    Options as :func:`.cka.cka_matrix`. Returns Score(CKA) with the options in attrs
    (``metric_options`` and, as before, each option by name).
    """

    def __init__(self, kernel: str = "linear", debiased: bool = False, rbf_threshold: float = 1.0,
                 batch_size: int | None = None, seed: int = 0):
        self.options = dict(kernel=kernel, debiased=debiased, rbf_threshold=rbf_threshold,
                            batch_size=batch_size, seed=seed)

    def __call__(self, assembly1, assembly2):
        from brainscore_memorability.metrics.cka import cka_matrix
        value = cka_matrix({"assembly1": _per_image(assembly1)}, {"assembly2": _per_image(assembly2)}, **self.options)
        score = Score(float(value.values[0, 0]))
        score.attrs.update({**value.attrs, "metric_options": dict(self.options)})
        return score


def _per_image(assembly):
    """images x features DataArray labelled by stimulus_id (repetitions averaged), as CKA aligns it."""
    import xarray as xr
    features, stimulus_ids = adapters.stimulus_features(assembly, what="assembly")
    return xr.DataArray(features, dims=("presentation", "neuroid"), coords={"stimulus_id": ("presentation", stimulus_ids)})


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

