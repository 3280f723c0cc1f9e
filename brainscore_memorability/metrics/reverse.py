"""Reverse predictivity (Muzellec & Kar): how well the IT population predicts each model unit.

The forward % EV (:mod:`.explained_variance`) predicts each IT site from the model's features;
reverse predictivity swaps the roles, as reverse-pred 0.1.8's ``monkey_to_model`` does:

* predictors: the IT sites' repetition-averaged rates (images x sites); targets: the model's
  units (images x units, deterministic: one presentation per image);
* r: Pearson r over images between each unit and its cross-validated prediction from the IT mean;
* model reliability (reverse-pred's ``get_neural_model_splithalfcorr``): for each halving s of the
  IT repetitions, the units are predicted once from half 1's mean rates and once from half 2's
  (same folds, same regression), and the two predictions are correlated (Pearson) and
  Spearman-Brown corrected; the units' own reliability is 1 (they have no trial noise);
* EV_s = 100 * r * |r| / model reliability_s, and EV is the mean of EV_s over halvings.

reverse-pred squares r (r**2); keeping r's sign is the same departure as the forward metric's
(a unit predicted with r < 0 is not explained); wherever r > 0 the two agree. Edge cases: a
constant unit (e.g. a dead ReLU) has r = NaN and EV = NaN; a halving whose model reliability is
<= 0 or undefined gives NaN for that halving (averaged over the others); an IT image x site
without a valid trial (in the mean or in a half) enters the regression at that site's mean over
images.
"""
from __future__ import annotations

import numpy as np

from brainscore_memorability.errors import DataError
from brainscore_memorability.metrics import regression as _regression
from brainscore_memorability.metrics.explained_variance import ExplainedVariance, ceiling_valid
from brainscore_memorability.metrics.reliability import (
    check_rates, correlate, nanmean_quiet, spearman_brown, split_half_means)


def reverse_explained_variance_details(rates: np.ndarray, units: np.ndarray, regression: str = "pls",
                                       n_components: int = 20, n_folds: int = 10, n_splits: int = 10,
                                       seed: int = 0, folds: list[np.ndarray] | None = None,
                                       alpha: float = 0.1, scale: bool = True,
                                       fold_scheme: str = "reverse_pred",
                                       permutations: np.ndarray | None = None,
                                       fit: str = "per-site") -> ExplainedVariance:
    """Noise-corrected % EV of each model unit predicted from IT (module docstring).

    rates: IT, images x sites x repetitions (spikes/s; NaN = missing trial). units: the model's
    activations, images x units, images in the same order. Folds, halvings and regression options
    as :func:`.explained_variance.explained_variance_details` (the forward metric's defaults; ``fit``
    'per-site' fits each unit alone, as reverse-pred's per-target fits do).
    Returns an :class:`ExplainedVariance` over units: ``neural_reliability`` is 1 (the units'
    own, deterministic), ``model_reliability`` the reliability of the IT-half predictions.
    """
    rates = check_rates(rates)
    units = np.asarray(units, dtype=float)
    if units.ndim != 2 or len(units) != len(rates):
        raise DataError(f"model units must be images x units with {len(rates)} images (as the IT rates), "
                        f"got shape {units.shape}")
    if not np.isfinite(units).all():
        raise DataError("model units contain NaN or inf; the model's activations must be finite")
    if folds is None:
        folds = _regression.folds(len(rates), n_folds=n_folds, seed=seed, scheme=fold_scheme)
    half1, half2 = split_half_means(rates, n_splits=n_splits, seed=seed, permutations=permutations)
    predictors = [nanmean_quiet(rates, axis=2)] + [half[:, :, s] for s in range(half1.shape[2]) for half in (half1, half2)]

    def predict(predictor):  # images x units, cross-validated; missing IT values at the site's mean
        filled = np.where(np.isfinite(predictor), predictor, np.nan_to_num(nanmean_quiet(predictor, axis=0)))
        return _regression.cross_validated_predictions(filled, units, folds, regression=regression,
                                                       n_components=n_components, alpha=alpha, scale=scale, fit=fit)

    predictions = np.stack([predict(predictor) for predictor in predictors], axis=2)  # images x units x (1 + 2 splits)
    r = correlate(predictions[:, :, 0], units)
    model = spearman_brown(correlate(predictions[:, :, 1::2], predictions[:, :, 2::2]))  # units x splits
    neural = np.ones_like(model)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_split = np.where(ceiling_valid(neural, model), 100 * (r * np.abs(r))[:, None] / model, np.nan)
    return ExplainedVariance(
        explained_variance=nanmean_quiet(per_split, axis=1), r=r,
        neural_reliability=np.ones(len(r)), model_reliability=nanmean_quiet(model, axis=1),
        explained_variance_per_split=per_split, neural_reliability_per_split=neural,
        model_reliability_per_split=model, predictions=predictions[:, :, 0])
