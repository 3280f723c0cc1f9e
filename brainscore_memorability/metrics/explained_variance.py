"""Noise-corrected % explained variance of each neuron, as the Kar lab defines it.

For every split halving s of the repetitions (:mod:`.reliability`; the same halves serve both
reliabilities):

* r: Pearson correlation over images between the cross-validated prediction of the
  repetition-averaged response and that response (one value per neuron, independent of s);
* neural reliability: Spearman-Brown-corrected correlation of the two halves' means, Spearman by
  default (``reverse_pred``'s ``get_splithalf_corr``; 'pearson' is the option);
* model reliability: Spearman-Brown-corrected Pearson correlation between the cross-validated
  predictions fitted to half 1 and those fitted to half 2 (same folds, same regression);
* EV_s = 100 * r * |r| / (neural reliability * model reliability),

and EV is the mean of EV_s over splits. Keeping r's sign is the one deliberate departure from
``reverse_pred`` (which squares r): a neuron predicted with r = -0.1 is not explained, and
squaring would count it as explained; wherever r > 0 the two agree. Edge cases:

* a constant neuron (or one without valid trials): r and reliabilities are NaN, so EV is NaN;
* NaN trials are skipped by the half/whole means; an image x neuron (or half) left without a valid
  trial is left out of that neuron's correlations and, inside each fold, enters the fit at that
  column's mean over the fold's training images (never a test image's value);
* neurons with different repetition counts (animals, NaN-padded) are halved each over their own
  repetitions (:mod:`.reliability`; ``groups`` labels the animals);
* zero or negative neural or model reliability in a split: that split's EV is NaN (a ceiling
  <= 0 does not bound anything); EV averages the remaining splits, NaN if none remain;
* fewer images than folds need: DataError from :func:`.regression.folds` /
  :func:`.regression.cross_validated_predictions`;
* EV is not clipped: noise in the reliabilities can put a neuron above 100 %.

Brain-Score's standard score differs; see :func:`brainscore_memorability.metrics.
brainscore_metric.brainscore_standard_score` for the comparison on the same data.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brainscore_memorability.errors import DataError
from brainscore_memorability.metrics import regression as _regression
from brainscore_memorability.metrics.reliability import (
    all_finite, check_rates, correlate, nanmean_quiet, spearman_brown, split_half_means)


@dataclass(frozen=True)
class ExplainedVariance:
    """Per-neuron results; ``*_per_split`` arrays are neurons x n_splits, the others (neurons,)."""
    explained_variance: np.ndarray  # % EV, mean over splits of the per-split EV
    r: np.ndarray  # Pearson(prediction of the mean response, mean response)
    neural_reliability: np.ndarray  # mean over splits, Spearman-Brown corrected
    model_reliability: np.ndarray  # mean over splits, Spearman-Brown corrected
    explained_variance_per_split: np.ndarray
    neural_reliability_per_split: np.ndarray
    model_reliability_per_split: np.ndarray
    predictions: np.ndarray  # images x neurons, cross-validated prediction of the mean response
    halves: np.ndarray | None = None  # images x neurons x splits x 2: the two halves' means
    half_predictions: np.ndarray | None = None  # ... and their cross-validated predictions
    reliability_correlation: str = "spearman"  # of the neural reliability


def explained_variance(features: np.ndarray, rates: np.ndarray, regression: str = "pls",
                       n_components: int = 20, n_folds: int = 10, n_splits: int = 10, seed: int = 0,
                       folds: list[np.ndarray] | None = None, **options) -> np.ndarray:
    """Per-neuron noise-corrected % explained variance, (neurons,); see :func:`explained_variance_details`."""
    return explained_variance_details(features, rates, regression=regression, n_components=n_components,
                                      n_folds=n_folds, n_splits=n_splits, seed=seed, folds=folds,
                                      **options).explained_variance


def explained_variance_details(features: np.ndarray, rates: np.ndarray, regression: str = "pls",
                               n_components: int = 20, n_folds: int = 10, n_splits: int = 10,
                               seed: int = 0, folds: list[np.ndarray] | None = None,
                               alpha: float = 0.1, scale: bool = True,
                               fold_scheme: str = "reverse_pred",
                               reliability_correlation: str = "spearman",
                               permutations: np.ndarray | None = None, fit: str = "per-site",
                               groups=None, device=None) -> ExplainedVariance:
    """Noise-corrected % EV of each neuron with r and both reliabilities (module docstring).

    features: images x features (model activations). rates: images x neurons x repetitions
    (spikes/s or any unit; NaN = missing trial), images in the same order. Regression options as
    :func:`.regression.cross_validated_predictions` (defaults: the Kar lab's PLS, 20 components,
    scaled, fitted per site (``fit='per-site'``, the Kar-lab demo's per-neuron fit; 'joint' is
    reverse_pred's PLS2 over all sites); ridge alpha 0.1; ``device`` for torch). Folds: ``folds``
    (test-index arrays) or ``n_folds`` folds of ``fold_scheme`` seeded with ``seed``. Halvings:
    ``permutations`` (n_splits x repetitions) or ``n_splits`` drawn with ``seed``, per neuron's own
    repetitions (``groups``: a label per neuron, e.g. its animal, to halve a group together).
    ``reliability_correlation`` ('spearman', reverse_pred's default, or 'pearson') applies to the
    neural reliability; the model reliability is always Pearson (as reverse_pred's).
    """
    rates = check_rates(rates)
    features = np.asarray(features, dtype=float)
    if features.ndim != 2 or len(features) != len(rates):
        raise DataError(f"features must be images x features with {len(rates)} images (as rates), "
                        f"got shape {features.shape}")
    if folds is None:
        folds = _regression.folds(len(rates), n_folds=n_folds, seed=seed, scheme=fold_scheme)
    response = nanmean_quiet(rates, axis=2)  # images x neurons
    half1, half2 = split_half_means(rates, n_splits=n_splits, seed=seed, permutations=permutations,
                                    groups=groups)
    n_splits = half1.shape[2]
    neural = spearman_brown(correlate(half1, half2, reliability_correlation))  # neurons x splits

    targets = np.concatenate([response[:, :, None], half1, half2], axis=2)
    # every trial recorded: the mean response is (n1 * half 1 + n2 * half 2) / n, so a regression
    # linear in its targets (ridge) predicts half 2 from the other two predictions, one fit fewer
    complete = regression in _regression.LINEAR_IN_TARGETS and all_finite(rates)
    fitted = targets[:, :, :1 + n_splits] if complete else targets
    predictions = _regression.cross_validated_predictions(
        features, fitted, folds, regression=regression, n_components=n_components, alpha=alpha,
        scale=scale, fit=fit, device=device)
    if complete:
        n, n1 = rates.shape[2], (rates.shape[2] + 1) // 2  # half 1 holds ceil(n / 2) trials
        half2_predictions = (n * predictions[:, :, :1] - n1 * predictions[:, :, 1:]) / (n - n1)
        predictions = np.concatenate([predictions, half2_predictions], axis=2)
    # a prediction for an image without data is not compared with anything
    predictions_masked = np.where(np.isfinite(targets), predictions, np.nan)
    r = correlate(predictions_masked[:, :, 0], response)
    model = spearman_brown(correlate(predictions[:, :, 1:1 + n_splits], predictions[:, :, 1 + n_splits:]))

    ceiling = neural * model
    with np.errstate(divide="ignore", invalid="ignore"):
        per_split = np.where(ceiling_valid(neural, model), 100 * (r * np.abs(r))[:, None] / ceiling, np.nan)
    return ExplainedVariance(
        explained_variance=nanmean_quiet(per_split, axis=1), r=r,
        neural_reliability=nanmean_quiet(neural, axis=1), model_reliability=nanmean_quiet(model, axis=1),
        explained_variance_per_split=per_split, neural_reliability_per_split=neural,
        model_reliability_per_split=model, predictions=predictions[:, :, 0],
        halves=np.stack([half1, half2], axis=3),
        half_predictions=np.stack([predictions[:, :, 1:1 + n_splits], predictions[:, :, 1 + n_splits:]], axis=3),
        reliability_correlation=reliability_correlation)


def ceiling_valid(neural_reliability: np.ndarray, model_reliability: np.ndarray) -> np.ndarray:
    """Where both reliabilities are finite and > 0, i.e. where EV_s is defined."""
    with np.errstate(invalid="ignore"):
        return (np.isfinite(neural_reliability) & np.isfinite(model_reliability)
                & (neural_reliability > 0) & (model_reliability > 0))
