"""Partial correlation against pingouin 0.5.5's partial_corr, on the same vectors."""
import numpy as np
import pandas as pd
import pingouin
import pytest

from brainscore_memorability.errors import DataError
from brainscore_memorability.metrics.partial_correlation import partial_correlation

TOLERANCE = 1e-10  # pingouin inverts a covariance matrix; we regress: both exact up to round-off


def _world(n=80, neurons=6, seed=0):
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=(n, 1))
    covariate = shared + 0.5 * rng.normal(size=(n, neurons))
    x = shared + rng.normal(size=(n, neurons))
    y = 2 * shared + 0.7 * x + rng.normal(size=(n, neurons))
    return y, x, covariate


def _pingouin(y, x, covariates):
    frame = pd.DataFrame({"y": y, "x": x, **{f"c{i}": c for i, c in enumerate(covariates.T)}})
    return pingouin.partial_corr(frame, x="x", y="y", covar=[f"c{i}" for i in range(covariates.shape[1])])["r"].item()


def test_one_covariate_per_neuron_matches_pingouin():
    y, x, covariate = _world()
    ours = partial_correlation(y, x, covariate)
    expected = [_pingouin(y[:, j], x[:, j], covariate[:, [j]]) for j in range(y.shape[1])]
    np.testing.assert_allclose(ours, expected, atol=TOLERANCE)
    assert np.ptp(ours) > 0.05  # neurons differ: the vectorisation keeps them apart


def test_several_covariates_match_pingouin():
    y, x, covariate = _world()
    three = np.stack([covariate, covariate ** 2, np.sin(covariate)], axis=-1)  # images x neurons x 3
    ours = partial_correlation(y, x, three)
    expected = [_pingouin(y[:, j], x[:, j], three[:, j]) for j in range(y.shape[1])]
    np.testing.assert_allclose(ours, expected, atol=TOLERANCE)
    # k covariates shared by every neuron (images x 1 x k), and k covariates of a single neuron
    shared = three[:, :1, :]
    expected = [_pingouin(y[:, j], x[:, j], shared[:, 0]) for j in range(y.shape[1])]
    np.testing.assert_allclose(partial_correlation(y, x, shared), expected, atol=TOLERANCE)
    assert partial_correlation(y[:, 2], x[:, 2], three[:, 2])[0] == pytest.approx(
        _pingouin(y[:, 2], x[:, 2], three[:, 2]), abs=TOLERANCE)
    # one covariate shared by every neuron (images)
    expected = [_pingouin(y[:, j], x[:, j], covariate[:, :1]) for j in range(y.shape[1])]
    np.testing.assert_allclose(partial_correlation(y, x, covariate[:, 0]), expected, atol=TOLERANCE)


def test_symmetric_in_y_and_x():
    y, x, covariate = _world()
    np.testing.assert_allclose(partial_correlation(y, x, covariate), partial_correlation(x, y, covariate), atol=TOLERANCE)


def test_unrelated_covariate_leaves_the_correlation_and_an_identical_x_leaves_zero():
    y, x, _ = _world()
    constant = np.ones(len(y))
    pearson = [np.corrcoef(y[:, j], x[:, j])[0, 1] for j in range(y.shape[1])]
    np.testing.assert_allclose(partial_correlation(y, x, constant), pearson, atol=TOLERANCE)
    # x entirely explained by the covariate: nothing beyond it, 0 (not round-off noise)
    np.testing.assert_array_equal(partial_correlation(y, x, 3 * x + 1), 0)
    # collinear covariates (x and a copy) are handled without a singular matrix
    np.testing.assert_array_equal(partial_correlation(y, x, np.stack([x, 2 * x], axis=-1)), 0)
    # a neuron whose response is a function of the covariate: undefined
    result = partial_correlation(np.c_[y[:, :1], 2 * x[:, 1:2]], np.c_[y[:, :1], y[:, :1]], x[:, :2])
    assert np.isnan(result[1]) and result[0] == pytest.approx(1)


def test_rejects_bad_input():
    y, x, covariate = _world()
    bad = y.copy()
    bad[0, 0] = np.nan
    with pytest.raises(DataError, match="y contains NaN"):
        partial_correlation(bad, x, covariate)
    with pytest.raises(DataError, match="covariate contains NaN"):
        partial_correlation(y, x, np.where(bad > 0, np.nan, covariate))
    with pytest.raises(DataError, match="same shape"):
        partial_correlation(y, x[:, :3], covariate)
    with pytest.raises(DataError, match="covariate has shape \\(80, 4\\)"):
        partial_correlation(y, x, covariate[:, :4])
    with pytest.raises(DataError, match="covariate has shape \\(79, 6\\)"):
        partial_correlation(y, x, covariate[1:])


def test_residualize_is_least_squares_on_the_valid_images():
    from brainscore_memorability.metrics.partial_correlation import residualize
    rng = np.random.default_rng(4)
    covariate = rng.normal(size=(40, 3))
    values = 2 * covariate[:, :, None] + rng.normal(size=(40, 3, 2))
    values[[1, 7], 0, 1] = np.nan  # missing images: left out of that column's fit, kept NaN
    covariate[:, 2] = 5.0  # a constant covariate fits the mean only
    residual = residualize(values, covariate)
    for neuron in range(3):
        for k in range(2):
            keep = np.isfinite(values[:, neuron, k])
            design = np.column_stack([np.ones(keep.sum()), covariate[keep, neuron]])
            fit = design @ np.linalg.lstsq(design, values[keep, neuron, k], rcond=None)[0]
            np.testing.assert_allclose(residual[keep, neuron, k], values[keep, neuron, k] - fit, atol=1e-12)
            assert np.isnan(residual[~keep, neuron, k]).all()
