"""Unique variance: how much of each IT neuron's response model B explains beyond model A.

Two views, both built on the Kar-lab % EV of :mod:`.explained_variance` (same folds, regression,
split halvings and noise correction; nothing refitted differently):

* partial correlation (the study's measure): pr = partial_correlation(mean response,
  B's cross-validated prediction, controlling for A's cross-validated prediction), noise-corrected
  by the reliability of what it correlates: per split halving s, with A's prediction regressed
  out of each half's mean response and out of B's predictions fitted to each half,
  UV_s = 100 * pr * |pr| / (residual neural reliability_s * residual model reliability_s), each
  the Spearman-Brown-corrected correlation of the two residual halves (neural: the metric's
  ``reliability_correlation``, Spearman by default; model: Pearson, as for EV). UV is the mean
  over splits (splits whose residual reliabilities are not both > 0 skipped, as for EV); where B's
  prediction adds nothing to A's (pr = 0 exactly) UV is 0. A|B is the same with the roles swapped.
  This package's correction (no peer defines one): the whole response's reliability, which the
  EV formula uses, overstates the reliability of the residual that the partial r sees, so the
  older correction fell with trial noise (planted 60 %: 95 % -> 74 % of it from noise sd 1 to
  2.83, the predicted factor (2+v)/(2(1+v))); it stays available as ``unique_b_whole_response``.
* variance partitioning: unique_B = EV(A+B) - EV(A), unique_A = EV(A+B) - EV(B) and
  shared = EV(A) + EV(B) - EV(A+B), where EV(A+B) regresses on the concatenated features (one
  joint fit, cross-validated like every EV here). With PLS's per-feature standardisation a set's
  weight in the joint fit grows with its number of features.

All values are per neuron in % (noise-corrected, signed; not clipped). The two views answer
different questions: the partial view is relative to what A leaves unexplained (it can approach
100 % while EV(A+B) - EV(A) is small), the partitioning view is a share of the whole response.
Where A explains nearly all of a neuron's explainable response, the residual is mostly noise and
fit error: its reliability is near 0, and the corrected partial view is noisy or undefined (NaN)
there, as EV is for an unreliable neuron. The partial view is biased upwards where both models
capture the same signal imperfectly (A's cross-validated fit noise leaves part of the signal for
B); tests/metrics/test_unique_variance.py measures it (module docstring numbers there).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from brainscore_memorability.errors import DataError
from brainscore_memorability.metrics.explained_variance import (
    ExplainedVariance, ceiling_valid, explained_variance_details)
from brainscore_memorability.metrics.partial_correlation import partial_correlation, residualize
from brainscore_memorability.metrics.reliability import check_rates, correlate, nanmean_quiet, spearman_brown


@dataclass(frozen=True)
class UniqueVariance:
    """Per-neuron results: (neurons,) arrays in % (partial correlations in -1..1); ``*_per_split``
    arrays are neurons x split halvings. ``a``, ``b``, ``joint`` are the EV fits of A, B and A+B
    (``joint`` None unless partitioning was asked for)."""
    partial_r_b: np.ndarray  # partial correlation of the response and B's prediction given A's (uncorrected)
    partial_r_a: np.ndarray  # ... and of A's prediction given B's
    unique_b_per_split: np.ndarray  # partial-correlation EV of B beyond A, residual-reliability corrected
    unique_a_per_split: np.ndarray  # ... of A beyond B
    a: ExplainedVariance
    b: ExplainedVariance
    joint: ExplainedVariance | None
    residual_reliability_b: tuple = (None, None)  # (neural, model), neurons x splits, given A
    residual_reliability_a: tuple = (None, None)  # ... given B
    unique_b_whole_response_per_split: np.ndarray | None = None  # the older correction (module docstring)

    @property
    def unique_b(self) -> np.ndarray:
        """B beyond A: mean over splits of the noise-corrected partial-correlation EV."""
        return nanmean_quiet(self.unique_b_per_split, axis=1)

    @property
    def unique_a(self) -> np.ndarray:
        """A beyond B, the same with the roles swapped."""
        return nanmean_quiet(self.unique_a_per_split, axis=1)

    @property
    def unique_b_whole_response(self) -> np.ndarray:
        """B beyond A corrected by the whole response's reliabilities (the older, noise-dependent view)."""
        return nanmean_quiet(self.unique_b_whole_response_per_split, axis=1)

    @property
    def partition_unique_b(self) -> np.ndarray:
        """Variance-partitioning view: EV(A+B) - EV(A)."""
        return self._joint().explained_variance - self.a.explained_variance

    @property
    def partition_unique_a(self) -> np.ndarray:
        """EV(A+B) - EV(B)."""
        return self._joint().explained_variance - self.b.explained_variance

    @property
    def partition_shared(self) -> np.ndarray:
        """EV(A) + EV(B) - EV(A+B)."""
        return self.a.explained_variance + self.b.explained_variance - self._joint().explained_variance

    @property
    def partition_unique_b_per_split(self) -> np.ndarray:
        """EV_s(A+B) - EV_s(A) for each split halving s."""
        return self._joint().explained_variance_per_split - self.a.explained_variance_per_split

    def _joint(self) -> ExplainedVariance:
        if self.joint is None:
            raise ValueError("call unique_variance(..., partition=True) for the partitioning view")
        return self.joint


def unique_variance(features_a, features_b, rates, partition: bool = True, **options) -> UniqueVariance:
    """Unique variance of B beyond A (and A beyond B) for each neuron; see the module docstring.

    features_a, features_b: images x features (any widths); rates: images x neurons x repetitions
    (NaN = missing trial; every image needs at least one valid trial per neuron). ``options`` are
    those of :func:`.explained_variance.explained_variance_details` (regression, n_components,
    n_folds, n_splits, seed, folds, permutations, ...) and apply to every fit. ``partition=False``
    skips the joint fit of the partitioning view.
    """
    return unique_variance_against(features_b, {"A": features_a}, rates, partition=partition, **options)["A"]


def unique_variance_against(features_b, controls: Mapping, rates, partition: bool = False,
                            **options) -> dict[str, UniqueVariance]:
    """B's unique variance controlling for each of several models (the study's Figure 2B/D).

    controls: name -> images x features (e.g. {'LaMem-trained': ..., 'ImageNet-trained': ...}).
    B is fitted once and every control with the same folds and halvings. Returns name ->
    :class:`UniqueVariance`; compare the controls neuron by neuron (e.g.
    :func:`brainscore_memorability.analysis.statistics.paired_comparison`).
    """
    if not controls:
        raise DataError("unique_variance_against needs at least one control model")
    rates = check_rates(rates)
    response = nanmean_quiet(rates, axis=2)  # images x neurons
    if not np.isfinite(response).all():
        missing = int((~np.isfinite(response)).sum())
        raise DataError(f"{missing} image x neuron entries of rates have no valid trial: partial "
                        f"correlations need every image; drop those images or neurons first")
    features_b = np.asarray(features_b, dtype=float)
    details_b = explained_variance_details(features_b, rates, **options)
    results = {}
    for name, features_a in controls.items():
        details_a = explained_variance_details(features_a, rates, **options)
        joint = explained_variance_details(np.hstack([np.asarray(features_a, dtype=float), features_b]),
                                           rates, **options) if partition else None
        partial_b = partial_correlation(response, details_b.predictions, details_a.predictions)
        partial_a = partial_correlation(response, details_a.predictions, details_b.predictions)
        residual_b = residual_reliabilities(details_b, details_a.predictions)
        residual_a = residual_reliabilities(details_a, details_b.predictions)
        results[name] = UniqueVariance(
            partial_r_b=partial_b, partial_r_a=partial_a,
            unique_b_per_split=_noise_corrected(partial_b, *residual_b),
            unique_a_per_split=_noise_corrected(partial_a, *residual_a), a=details_a, b=details_b, joint=joint,
            residual_reliability_b=residual_b, residual_reliability_a=residual_a,
            unique_b_whole_response_per_split=_noise_corrected(
                partial_b, details_b.neural_reliability_per_split, details_b.model_reliability_per_split))
    return results


def residual_reliabilities(details: ExplainedVariance, control_prediction: np.ndarray):
    """Split-half reliabilities (neural, model; each neurons x splits, Spearman-Brown corrected) of
    what is left of each half's mean response and of the model's predictions from each half once
    ``control_prediction`` (images x neurons) is regressed out (module docstring)."""
    halves = residualize(details.halves, control_prediction)  # images x neurons x splits x 2
    predictions = residualize(details.half_predictions, control_prediction)
    neural = spearman_brown(correlate(halves[..., 0], halves[..., 1], details.reliability_correlation))
    model = spearman_brown(correlate(predictions[..., 0], predictions[..., 1]))
    return neural, model


def _noise_corrected(partial_r: np.ndarray, neural: np.ndarray, model: np.ndarray) -> np.ndarray:
    """100 pr|pr| / (neural x model reliability) per split (neurons x splits), as EV corrects r;
    0 where pr is 0 (the model adds nothing), NaN where a reliability is not > 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        corrected = np.where(ceiling_valid(neural, model),
                             100 * (partial_r * np.abs(partial_r))[:, None] / (neural * model), np.nan)
    return np.where((partial_r == 0)[:, None], 0.0, corrected)
