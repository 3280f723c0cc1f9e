"""Folds and cross-validated predictions: reverse_pred's folds, sklearn's PLSRegression and Ridge
(and reverse_pred's calls of them) as references, and the documented edge cases."""
import warnings

import numpy as np
import pytest
from sklearn.cross_decomposition import PLSRegression
from sklearn.linear_model import Ridge

from brainscore_memorability.errors import DataError
from brainscore_memorability.metrics import cross_validated_predictions, folds


def structured_data(n_images=150, n_features=60, n_targets=12, seed=0):
    """Features and targets sharing a 5-dimensional latent space with distinct strengths (clear
    singular-value gaps, as in neural data, so sklearn's power iteration converges)."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_images, 5)) * np.array([5., 4., 3., 2., 1.])
    features = latent @ rng.normal(size=(5, n_features)) + 0.5 * rng.normal(size=(n_images, n_features))
    targets = latent @ rng.normal(size=(5, n_targets)) + rng.normal(size=(n_images, n_targets))
    return features, targets


def sklearn_predictions(make_model, features, targets, test_folds):
    predictions = np.empty_like(targets)
    for test in test_folds:
        train = np.setdiff1d(np.arange(len(features)), test)
        predictions[test] = make_model().fit(features[train], targets[train]).predict(features[test])
    return predictions


@pytest.mark.parametrize("n_images", [1320, 37])
def test_reverse_pred_folds_are_the_kar_lab_folds(n_images):
    from reverse_pred.regression_metrics import get_train_test_indices
    ours = folds(n_images, n_folds=10, seed=0)
    for number, test in enumerate(ours):
        _, theirs = get_train_test_indices(n_images, nrfolds=10, foldnumber=number, seed=0)
        np.testing.assert_array_equal(test, np.sort(theirs))
    np.testing.assert_array_equal(np.sort(np.concatenate(ours)), np.arange(n_images))


def test_sklearn_fold_scheme_and_too_few_images():
    from sklearn.model_selection import KFold
    expected = [test for _, test in KFold(5, shuffle=True, random_state=3).split(np.zeros((23, 1)))]
    for ours, theirs in zip(folds(23, 5, seed=3, scheme="sklearn"), expected):
        np.testing.assert_array_equal(ours, theirs)
    with pytest.raises(DataError, match="9 images cannot fill 10"):
        folds(9, n_folds=10)
    with pytest.raises(ValueError, match="scheme"):
        folds(20, scheme="stratified")


def test_pls_equals_sklearn_pls_regression():
    features, targets = structured_data()
    test_folds = folds(len(features), 10, seed=0)
    ours = cross_validated_predictions(features, targets, test_folds, "pls", n_components=8)
    # sklearn run to convergence (its default stops the power iteration at a 1e-6 step)
    converged = sklearn_predictions(lambda: PLSRegression(8, tol=1e-15, max_iter=20000),
                                    features, targets, test_folds)
    np.testing.assert_allclose(ours, converged, rtol=0, atol=1e-6 * np.abs(converged).max())
    unscaled = cross_validated_predictions(features, targets, test_folds, "pls", n_components=8, scale=False)
    reference = sklearn_predictions(lambda: PLSRegression(8, scale=False, tol=1e-15, max_iter=20000),
                                    features, targets, test_folds)
    np.testing.assert_allclose(unscaled, reference, rtol=0, atol=1e-6 * np.abs(reference).max())


def test_pls_and_ridge_equal_reverse_pred_predictions():
    from reverse_pred.prediction_utils import get_predictions_multioutput
    features, targets = structured_data(n_images=120, n_features=40, n_targets=6, seed=2)
    test_folds = folds(len(features), 10, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's ConvergenceWarning on late components
        theirs = get_predictions_multioutput(targets, features, nrfolds=10, seed=0, model_type="pls")
    ours = cross_validated_predictions(features, targets, test_folds, "pls", n_components=20)
    # tolerance: reverse_pred uses sklearn's default power-iteration stop (1e-6 step, <= 500 steps)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-3 * np.abs(theirs).max())
    theirs = get_predictions_multioutput(targets, features, nrfolds=10, seed=0, model_type="ridge")
    ours = cross_validated_predictions(features, targets, test_folds, "ridge", alpha=0.1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-8)


def test_ridge_equals_sklearn_ridge_for_all_columns_at_once():
    features, targets = structured_data(n_features=300)  # more features than images: dual form
    test_folds = folds(len(features), 5, seed=1)
    for alpha in (0.1, 100.0):
        ours = cross_validated_predictions(features, targets, test_folds, "ridge", alpha=alpha)
        reference = sklearn_predictions(lambda: Ridge(alpha=alpha), features, targets, test_folds)
        np.testing.assert_allclose(ours, reference, rtol=1e-7, atol=1e-9)


def test_target_sets_are_fitted_independently():
    features, targets = structured_data(n_images=80, n_targets=5)
    other = targets[:, ::-1] * 3 + 1
    test_folds = folds(80, 8, seed=0)
    stacked = cross_validated_predictions(features, np.stack([targets, other], axis=2), test_folds, n_components=6)
    assert stacked.shape == (80, 5, 2)
    for s, single in enumerate((targets, other)):
        np.testing.assert_allclose(stacked[:, :, s],
                                   cross_validated_predictions(features, single, test_folds, n_components=6),
                                   rtol=1e-9, atol=1e-9)


def test_constant_target_and_more_components_than_features():
    features, targets = structured_data(n_images=60, n_features=3, n_targets=4)
    targets[:, 2] = 4.0
    test_folds = folds(60, 6, seed=0)
    # 3 features support 3 components: extra ones are dropped, not divided by zero
    many = cross_validated_predictions(features, targets, test_folds, "pls", n_components=10)
    three = cross_validated_predictions(features, targets, test_folds, "pls", n_components=3)
    np.testing.assert_allclose(many, three, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(many[:, 2], 4.0)
    reference = sklearn_predictions(lambda: PLSRegression(3, tol=1e-15, max_iter=20000), features, targets, test_folds)
    np.testing.assert_allclose(three, reference, rtol=0, atol=1e-6 * np.abs(reference).max())


def test_bad_inputs_raise_clear_errors():
    features, targets = structured_data(n_images=30, n_targets=2)
    test_folds = folds(30, 10)
    with pytest.raises(DataError, match="trains on only 27 images but pls needs at least 31"):
        cross_validated_predictions(features, targets, test_folds, "pls", n_components=30)
    holey = targets.copy()
    holey[0, 0] = np.nan
    with pytest.raises(DataError, match="targets contain NaN"):
        cross_validated_predictions(features, holey, test_folds)
    with pytest.raises(DataError, match="exactly once"):
        cross_validated_predictions(features, targets, test_folds[:-1])
    with pytest.raises(DataError, match="30 images"):
        cross_validated_predictions(features, targets[:20], test_folds)
    with pytest.raises(ValueError, match="regression"):
        cross_validated_predictions(features, targets, test_folds, "lasso")
