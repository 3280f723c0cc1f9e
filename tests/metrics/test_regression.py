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


@pytest.mark.parametrize("n_features, n_components", [(60, 8), (300, 20)])
def test_per_site_pls_equals_sklearn_pls1_fitted_to_each_site(n_features, n_components):
    features, targets = structured_data(n_features=n_features)
    targets[:, 3] = np.exp(targets[:, 3] / 3)  # a skewed site
    test_folds = folds(len(features), 10, seed=0)
    for scale in (True, False):
        ours = cross_validated_predictions(features, targets, test_folds, "pls", n_components=n_components,
                                           scale=scale)
        # sklearn's PLS1 (one target) is exact: its power iteration stops after one step
        reference = np.stack([sklearn_predictions(lambda: PLSRegression(n_components, scale=scale), features,
                                                  targets[:, [site]], test_folds)[:, 0]
                              for site in range(targets.shape[1])], axis=1)
        spread = np.abs(reference - targets.mean(axis=0)).max(axis=0)
        assert (np.abs(ours - reference).max(axis=0) / spread).max() < 1e-8


@pytest.mark.parametrize("fit", ["per-site", "joint"])
def test_pls_folds_give_the_same_predictions_in_parallel_and_on_one_thread(fit):
    """The folds run in as many threads as BLAS may use: with BLAS limited to one thread they run one
    after another, and every prediction must be bit-for-bit the same."""
    from threadpoolctl import threadpool_limits
    features, targets = structured_data()
    test_folds = folds(len(features), 10, seed=0)
    parallel = cross_validated_predictions(features, targets, test_folds, "pls", n_components=6, fit=fit)
    with threadpool_limits(limits=1, user_api="blas"):
        serial = cross_validated_predictions(features, targets, test_folds, "pls", n_components=6, fit=fit)
    np.testing.assert_array_equal(parallel, serial)


@pytest.mark.parametrize("regression", ["pls", "ridge"])
def test_a_sites_prediction_does_not_depend_on_the_other_sites(regression):
    features, targets = structured_data(n_features=80, n_targets=10)
    test_folds = folds(len(features), 10, seed=0)
    options = dict(regression=regression, n_components=10)
    everything = cross_validated_predictions(features, targets, test_folds, **options)
    order = np.random.default_rng(1).permutation(10)
    reordered = cross_validated_predictions(features, targets[:, order], test_folds, **options)
    np.testing.assert_allclose(reordered, everything[:, order], rtol=1e-8, atol=1e-10)
    for subset in ([3], [0, 7], [9, 2, 5]):
        alone = cross_validated_predictions(features, targets[:, subset], test_folds, **options)
        np.testing.assert_allclose(alone, everything[:, subset], rtol=1e-8, atol=1e-10)
    if regression == "pls":  # the joint PLS2 does depend on the others: the check can fail
        joint = cross_validated_predictions(features, targets, test_folds, fit="joint", **options)
        joint_alone = cross_validated_predictions(features, targets[:, [3]], test_folds, fit="joint", **options)
        assert np.abs(joint_alone[:, 0] - joint[:, 3]).max() > 1e-3


@pytest.mark.parametrize("options", [dict(regression="pls"), dict(regression="pls", fit="joint"),
                                     dict(regression="ridge")])
def test_missing_targets_are_filled_from_training_images_only(options):
    features, targets = structured_data(n_images=100, n_targets=4)
    targets[np.random.default_rng(3).random(targets.shape) < 0.1] = np.nan  # 10 % missing
    test_folds = folds(100, 10, seed=0)
    before = cross_validated_predictions(features, targets, test_folds, n_components=6, **options)
    assert np.isfinite(before).all()
    for image in (test_folds[0][0], test_folds[4][2]):
        changed = targets.copy()
        changed[image] = np.nan_to_num(changed[image]) + 50.0  # only this (test) image's targets
        after = cross_validated_predictions(features, changed, test_folds, n_components=6, **options)
        np.testing.assert_allclose(after[image], before[image], rtol=1e-10, atol=1e-10)
        assert np.abs(after - before).max() > 1e-3  # ... and it does move the other images'
    # a missing target enters a fold's fit at its training mean: the same fit as that value given
    fold = test_folds[0]
    train = np.setdiff1d(np.arange(100), fold)
    filled = targets.copy()
    filled[train] = np.where(np.isnan(targets[train]), np.nanmean(targets[train], axis=0), targets[train])
    np.testing.assert_allclose(cross_validated_predictions(features, filled, test_folds, n_components=6,
                                                           **options)[fold], before[fold], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("options", [dict(regression="pls"), dict(regression="pls", fit="joint"),
                                     dict(regression="ridge", alpha=3.0)])
def test_torch_device_matches_numpy(options):
    pytest.importorskip("torch")
    features, targets = structured_data(n_images=90, n_targets=5)
    targets[5, 1] = np.nan
    test_folds = folds(90, 9, seed=0)
    expected = cross_validated_predictions(features, targets, test_folds, n_components=7, **options)
    on_torch = cross_validated_predictions(features, targets, test_folds, n_components=7, device="cpu", **options)
    np.testing.assert_allclose(on_torch, expected, rtol=1e-6, atol=1e-6 * np.abs(expected).max())


def test_joint_pls_equals_sklearn_pls_regression():
    features, targets = structured_data()
    test_folds = folds(len(features), 10, seed=0)
    ours = cross_validated_predictions(features, targets, test_folds, "pls", n_components=8, fit="joint")
    # sklearn run to convergence (its default stops the power iteration at a 1e-6 step)
    converged = sklearn_predictions(lambda: PLSRegression(8, tol=1e-15, max_iter=20000),
                                    features, targets, test_folds)
    np.testing.assert_allclose(ours, converged, rtol=0, atol=1e-6 * np.abs(converged).max())
    unscaled = cross_validated_predictions(features, targets, test_folds, "pls", n_components=8, scale=False,
                                           fit="joint")
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
    ours = cross_validated_predictions(features, targets, test_folds, "pls", n_components=20, fit="joint")
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
    for fit in ("per-site", "joint"):
        stacked = cross_validated_predictions(features, np.stack([targets, other], axis=2), test_folds,
                                              n_components=6, fit=fit)
        assert stacked.shape == (80, 5, 2)
        for s, single in enumerate((targets, other)):
            np.testing.assert_allclose(stacked[:, :, s], cross_validated_predictions(
                features, single, test_folds, n_components=6, fit=fit), rtol=1e-9, atol=1e-9)


def test_constant_target_and_more_components_than_features():
    features, targets = structured_data(n_images=60, n_features=3, n_targets=4)
    targets[:, 2] = 4.0
    test_folds = folds(60, 6, seed=0)
    # 3 features support 3 components: extra ones are dropped, not divided by zero
    for fit in ("per-site", "joint"):
        many = cross_validated_predictions(features, targets, test_folds, "pls", n_components=10, fit=fit)
        three = cross_validated_predictions(features, targets, test_folds, "pls", n_components=3, fit=fit)
        np.testing.assert_allclose(many, three, rtol=1e-8, atol=1e-8)
        np.testing.assert_allclose(many[:, 2], 4.0)
    reference = sklearn_predictions(lambda: PLSRegression(3, tol=1e-15, max_iter=20000), features, targets, test_folds)
    np.testing.assert_allclose(three, reference, rtol=0, atol=1e-6 * np.abs(reference).max())
    per_site = cross_validated_predictions(features, targets, test_folds, "pls", n_components=10)
    for site in (0, 1, 3):
        reference = sklearn_predictions(lambda: PLSRegression(3), features, targets[:, [site]], test_folds)[:, 0]
        np.testing.assert_allclose(per_site[:, site], reference, rtol=0, atol=1e-8 * np.abs(reference).max())


def test_bad_inputs_raise_clear_errors():
    features, targets = structured_data(n_images=30, n_targets=2)
    test_folds = folds(30, 10)
    with pytest.raises(DataError, match="trains on only 27 images but pls needs at least 31"):
        cross_validated_predictions(features, targets, test_folds, "pls", n_components=30)
    holey = targets.copy()
    holey[0, 0] = np.inf
    with pytest.raises(DataError, match="targets contain \\+-inf"):
        cross_validated_predictions(features, holey, test_folds)
    with pytest.raises(ValueError, match="fit must be one of"):
        cross_validated_predictions(features, targets, test_folds, fit="pooled")
    with pytest.raises(DataError, match="exactly once"):
        cross_validated_predictions(features, targets, test_folds[:-1])
    with pytest.raises(DataError, match="30 images"):
        cross_validated_predictions(features, targets[:20], test_folds)
    with pytest.raises(ValueError, match="regression"):
        cross_validated_predictions(features, targets, test_folds, "lasso")
    with pytest.raises(ValueError, match="ridge alpha must be > 0"):
        cross_validated_predictions(features, targets, test_folds, "ridge", alpha=0.0)
