"""Partial (Pearson) correlation, vectorised over neurons.

partial_correlation(y, x, c) is the Pearson correlation of the residuals of y and of x after an
ordinary least-squares regression (with intercept) on the covariates c; the same number pingouin's
``partial_corr`` (method="pearson") reports.
"""
from __future__ import annotations

import numpy as np

from brainscore_memorability.errors import DataError

# a residual smaller than this fraction of the centred input counts as zero (round-off only)
NEGLIGIBLE = 1e-8


def partial_correlation(y, x, covariate) -> np.ndarray:
    """Correlation of y and x, columnwise, controlling for ``covariate``.

    y, x: images x neurons (or images, one neuron). covariate:

    * images: one covariate shared by all neurons;
    * images x neurons: one covariate per neuron (e.g. another model's prediction of that neuron);
      with a single neuron, images x k means k covariates;
    * images x neurons x k: k covariates per neuron; images x 1 x k: k covariates shared by all.

    Returns one value per neuron (shape neurons). Where x is (numerically) a linear function of the
    covariates it adds nothing beyond them and the value is 0; where y is, it is NaN (undefined).
    Raises :class:`DataError` for NaN/inf values or mismatched shapes.
    """
    y, x = _columns("y", y), _columns("x", x)
    if x.shape != y.shape:
        raise DataError(f"y and x must both be images x neurons of the same shape, not {y.shape} and {x.shape}")
    covariate = _covariates(covariate, *y.shape)
    residual_y, residual_x = _residuals(y, covariate), _residuals(x, covariate)
    norm_y, norm_x = np.linalg.norm(residual_y, axis=0), np.linalg.norm(residual_x, axis=0)
    degenerate_y = norm_y <= NEGLIGIBLE * np.linalg.norm(y - y.mean(axis=0), axis=0)
    degenerate_x = norm_x <= NEGLIGIBLE * np.linalg.norm(x - x.mean(axis=0), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.einsum("ij,ij->j", residual_y, residual_x) / (norm_y * norm_x)
    r = np.where(degenerate_x, 0.0, r)
    return np.where(degenerate_y, np.nan, np.clip(r, -1, 1))


def _columns(name: str, values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise DataError(f"{name} has shape {values.shape}: expected images x neurons")
    if not np.isfinite(values).all():
        raise DataError(f"{name} contains NaN or infinite values: drop or impute them first")
    return values


def _covariates(covariate, n_images: int, n_neurons: int) -> np.ndarray:
    """The covariates as images x (1 or neurons) x k."""
    covariate = np.asarray(covariate, dtype=float)
    given = covariate.shape
    if covariate.ndim == 1:
        covariate = covariate[:, None, None]
    elif covariate.ndim == 2:
        covariate = covariate[:, None, :] if n_neurons == 1 else covariate[:, :, None]
    if covariate.ndim != 3 or covariate.shape[0] != n_images or covariate.shape[1] not in (1, n_neurons):
        raise DataError(f"covariate has shape {given}; expected ({n_images},), "
                        f"({n_images}, {n_neurons}) or ({n_images}, {n_neurons} or 1, k)")
    if not np.isfinite(covariate).all():
        raise DataError("covariate contains NaN or infinite values: drop or impute them first")
    return covariate


def _residuals(values: np.ndarray, covariate: np.ndarray) -> np.ndarray:
    """values (images x neurons) minus their least-squares fit on [1, covariate] (rank-safe)."""
    values = values - values.mean(axis=0)
    design = np.moveaxis(covariate - covariate.mean(axis=0), 1, 0)  # (1 or neurons) x images x k
    basis, singular, _ = np.linalg.svd(design, full_matrices=False)
    tolerance = singular.max(axis=-1, keepdims=True) * max(design.shape[1:]) * np.finfo(float).eps
    basis = basis * (singular > tolerance)[:, None, :]  # drop directions of collinear covariates
    coefficients = np.swapaxes(basis, 1, 2) @ values.T[:, :, None]  # neurons x k x 1
    return values - (basis @ coefficients)[..., 0].T


def residualize(values, covariate) -> np.ndarray:
    """Each column of ``values`` minus its least-squares fit on [1, covariate], NaN-aware.

    values: images x neurons x ... (NaN = missing, left out of that column's fit and kept NaN);
    covariate: images x neurons (finite), one per neuron, shared by the trailing axes. A constant
    covariate fits the mean only. Returns an array of the shape of ``values``.
    """
    values = np.asarray(values, dtype=float)
    covariate = np.asarray(covariate, dtype=float).reshape(values.shape[:2] + (1,) * (values.ndim - 2))
    valid = np.isfinite(values)
    count = np.maximum(valid.sum(axis=0), 1)
    centred_values = values - np.where(valid, values, 0).sum(axis=0) / count
    centred_covariate = np.where(valid, covariate - np.where(valid, covariate, 0).sum(axis=0) / count, 0.0)
    centred_values = np.where(valid, centred_values, 0.0)
    spread = (centred_covariate ** 2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(spread > 0, (centred_covariate * centred_values).sum(axis=0) / spread, 0.0)
    return np.where(valid, centred_values - slope * centred_covariate, np.nan)
