"""Noise-corrected % EV: agreement with reverse_pred, a planted-EV simulation, Brain-Score's standard
score on the same data, the documented edge cases and the registered Brain-Score metric."""
import warnings

import numpy as np
import pytest

from brainscore_memorability.errors import DataError
from brainscore_memorability.metrics import explained_variance, explained_variance_details


def planted_world(seed=0, n_images=400, n_neurons=30, repetitions=8, n_features=40, planted=0.6, noise=1.0):
    """Features span a 5-d latent space; each neuron's repetition-averaged response (before trial
    noise) is sqrt(planted) * (unit-variance latent projection) + sqrt(1 - planted) * (unit-variance
    part orthogonal to the latents), so a perfect linear model explains ``planted`` of its variance."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_images, 5))
    features = latent @ rng.normal(size=(5, n_features)) + 0.1 * rng.normal(size=(n_images, n_features))
    explained = latent @ rng.normal(size=(5, n_neurons))
    unexplained = rng.normal(size=(n_images, n_neurons))
    unexplained -= latent @ np.linalg.lstsq(latent, unexplained, rcond=None)[0]
    explained, unexplained = [(x - x.mean(0)) / x.std(0) for x in (explained, unexplained)]
    response = np.sqrt(planted) * explained + np.sqrt(1 - planted) * unexplained
    return features, response[:, :, None] + noise * rng.normal(size=(n_images, n_neurons, repetitions))


def test_agrees_with_reverse_pred_given_the_same_folds_and_halves(monkeypatch, tmp_path):
    import reverse_pred.correlation_metrics as correlation_metrics
    import reverse_pred.prediction_utils as prediction_utils
    from reverse_pred.model_to_monkey import compute_model_to_monkey
    features, rates = planted_world(seed=1, n_images=200, n_neurons=12, repetitions=7, n_features=60)
    original, permutations, calls = correlation_metrics.get_splithalves, [], [0]

    def seeded_splithalves(var, ax=1, rng=None):
        # reverse_pred draws unseeded halvings, one for the model side and one for the neural
        # side of each repetition: give both the same seeded halving and record it
        repetition = calls[0] // 2
        calls[0] += 1
        halves = original(var, ax=ax, rng=np.random.default_rng(100 + repetition))
        if calls[0] % 2:
            first = [next(i for i in range(var.shape[2]) if np.array_equal(halves[0][:, :, j], var[:, :, i]))
                     for j in range(halves[0].shape[2])]
            permutations.append(first + [i for i in range(var.shape[2]) if i not in first])
        return halves

    monkeypatch.setattr(correlation_metrics, "get_splithalves", seeded_splithalves)
    monkeypatch.setattr(prediction_utils, "get_splithalves", seeded_splithalves)
    # PLS: reverse_pred fits one PLS2 over all sites (fit='joint'); ridge: this package's defaults
    # (Spearman neural reliability, reverse_pred's folds) reproduce reverse_pred's pipeline
    for regression, tolerance, options in (("pls", 0.05, dict(fit="joint", n_components=20)),
                                           ("ridge", 1e-6, {})):
        calls[0], permutations[:] = 0, []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compute_model_to_monkey(features, rates, str(tmp_path), reps=3, model_type=regression)
        theirs = np.load(tmp_path / "forward_ev.npy")
        ours = explained_variance(features, rates, regression=regression, permutations=np.array(permutations),
                                  **options)
        assert np.isfinite(theirs).all() and 20 < np.median(ours) < 100
        # tolerance in % EV points; PLS: reverse_pred's sklearn stops its power iteration early
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=tolerance)


def test_default_matches_reverse_pred_with_its_own_random_halves(tmp_path):
    """reverse_pred's compute_model_to_monkey at its defaults (ridge, 20 unseeded halvings, drawn
    separately for its model and neural reliabilities) vs this package's defaults with 20 halvings:
    equal within halving noise (5 standard errors of the difference of two 20-halving means)."""
    from reverse_pred.model_to_monkey import compute_model_to_monkey
    features, rates = planted_world(seed=2, n_images=200, n_neurons=10, repetitions=8, n_features=60, noise=1.5)
    compute_model_to_monkey(features, rates, str(tmp_path), reps=20)
    theirs = np.load(tmp_path / "forward_ev.npy")
    details = explained_variance_details(features, rates, regression="ridge", n_splits=20)
    standard_error = details.explained_variance_per_split.std(axis=1, ddof=1) / np.sqrt(20)
    assert (np.abs(details.explained_variance - theirs) < 5 * np.sqrt(2) * standard_error).all()
    assert np.median(theirs) > 20


@pytest.mark.parametrize("regression, tolerance", [("pls", 3.0), ("ridge", 8.0)])
def test_simulation_recovers_planted_explained_variance_at_any_noise(regression, tolerance):
    results = []
    for noise in (0.5, 2.0):
        features, rates = planted_world(noise=noise)
        # 5 components for the 5-d planted latent space: per-site PLS1 fits any further component
        # to the site's own noise (10 components: 54.7/55.8 %, the joint PLS2 57.8/59.1 %)
        details = explained_variance_details(features, rates, regression=regression, n_components=5)
        results.append(np.median(details.explained_variance))
        assert np.median(details.r) ** 2 < 0.6  # the raw r**2 is lowered by the noise ...
    # ... the noise-corrected EV is not: planted 60 %, measured 58.8/60.4 (PLS, 5 components),
    # 54.7/54.5 (ridge, alpha 0.1). Tolerance: cross-validated fits on 360 training images lose
    # some variance to estimation error that no reliability corrects; nearly unregularised ridge on
    # 40 features loses about 40/360 of it (the out-of-sample loss of least squares), hence 8
    assert results == pytest.approx([60, 60], abs=tolerance)
    assert abs(results[0] - results[1]) < 2  # measured 1.6 (PLS), 0.2 (ridge)


@pytest.mark.parametrize("regression", ["pls", "ridge"])
def test_a_sites_ev_does_not_depend_on_other_sites_or_animals(regression):
    """Animal 1 (6 sites, 8 repetitions) and animal 2 (5 sites, 6 repetitions, NaN-padded to 8):
    every site's EV is the same fitted alone with its animal, pooled, or in another order."""
    features, rates = planted_world(seed=3, n_images=150, n_neurons=11, repetitions=8)
    rates[:, 6:, 6:] = np.nan
    options = dict(regression=regression, n_components=5, n_splits=4)
    pooled = explained_variance_details(features, rates, **options)
    for sites in (np.arange(6), np.arange(6, 11), np.array([8, 0, 10, 3]), np.random.default_rng(0).permutation(11)):
        subset = explained_variance_details(features, rates[:, sites], **options)
        np.testing.assert_allclose(subset.explained_variance, pooled.explained_variance[sites], rtol=1e-8)
        np.testing.assert_allclose(subset.predictions, pooled.predictions[:, sites], rtol=1e-8, atol=1e-10)


def test_a_test_images_own_target_cannot_move_its_prediction():
    features, rates = planted_world(n_images=120, n_neurons=4)
    rates = rates.copy()
    rng = np.random.default_rng(1)
    rates[rng.random(rates.shape[:2]) < 0.1] = np.nan  # 10 % of image x site entries never recorded
    before = explained_variance_details(features, rates, n_components=5)
    for image, site in ((0, 1), (57, 3)):
        changed = rates.copy()
        changed[image, site] = 40.0 + np.arange(rates.shape[2])  # this entry only: an outlier
        after = explained_variance_details(features, changed, n_components=5)
        # each image is a test image in exactly one fold, where its own target is not in the fit
        assert after.predictions[image, site] == pytest.approx(before.predictions[image, site], rel=1e-10, abs=1e-12)
        assert np.abs(after.predictions[:, site] - before.predictions[:, site]).max() > 1e-3


def test_brainscore_standard_score_on_the_same_data():
    from brainscore_memorability.metrics.brainscore_metric import brainscore_standard_score
    features, rates = planted_world(n_images=300, noise=1.5)
    details = explained_variance_details(features, rates, n_components=10)
    standard = brainscore_standard_score(features, rates)
    assert standard["score"] == pytest.approx(standard["r"] ** 2 / standard["ceiling"])
    assert standard["ceiling"] == pytest.approx(np.median(details.neural_reliability), abs=0.02)
    # Brain-Score does not correct for the model's reliability: on this homogeneous population its
    # score is the Kar-lab median EV times the median model reliability (module docstring of
    # brainscore_metric); tolerance: different regressions (PLS 25 unscaled) and 90/10 splits
    kar = np.median(details.explained_variance) / 100
    assert standard["score"] < kar
    assert standard["score"] == pytest.approx(kar * np.median(details.model_reliability), abs=0.05)


def test_constant_neuron_is_nan_and_leaves_the_others_unchanged():
    features, rates = planted_world(n_images=120, n_neurons=6)
    with_constant = rates.copy()
    with_constant[:, 2, :] = 3.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        details = explained_variance_details(features, with_constant, n_components=10)
    assert np.isnan(details.explained_variance[2]) and np.isnan(details.r[2])
    others = [0, 1, 3, 4, 5]
    np.testing.assert_allclose(details.explained_variance[others],
                               explained_variance(features, rates[:, others], n_components=10), rtol=1e-8)


@pytest.mark.parametrize("repetitions", [8, 7])
def test_ridge_predicts_half_two_from_the_mean_and_half_one_as_a_direct_fit_would(repetitions):
    # with every trial recorded, ridge's half-2 predictions come from the mean's and half 1's
    # (linearity); they must equal fitting half 2 itself, and odd counts put ceil(n/2) in half 1
    from brainscore_memorability.metrics.regression import cross_validated_predictions, folds
    features, rates = planted_world(n_images=100, n_neurons=5, repetitions=repetitions)
    details = explained_variance_details(features, rates, regression="ridge", n_splits=3)
    half2 = details.halves[:, :, :, 1]
    direct = cross_validated_predictions(features, half2, folds(100), regression="ridge")
    np.testing.assert_allclose(details.half_predictions[:, :, :, 1], direct, rtol=1e-10, atol=1e-12)


def test_nan_trials_and_missing_images_are_tolerated():
    features, rates = planted_world(n_images=200, n_neurons=8, noise=1.0)
    holey = rates.copy()
    rng = np.random.default_rng(0)
    holey[rng.random(holey.shape) < 0.1] = np.nan  # 10 % missing trials
    holey[7, 3, :] = np.nan  # an image without any trial for neuron 3
    complete = explained_variance(features, rates, n_components=10)
    missing = explained_variance(features, holey, n_components=10)
    assert np.isfinite(missing).all()
    # tolerance: 10 % fewer trials changes the estimate by sampling error only
    np.testing.assert_allclose(missing, complete, atol=4)


def test_non_positive_reliability_makes_that_split_nan():
    features, rates = planted_world(n_images=100, n_neurons=6)
    rng = np.random.default_rng(5)
    rates[:, :3, :] = rng.normal(size=(100, 3, rates.shape[2]))  # three pure-noise neurons
    details = explained_variance_details(features, rates, n_components=10, n_splits=20)
    neural, model = details.neural_reliability_per_split, details.model_reliability_per_split
    valid = (neural > 0) & (model > 0)
    assert not valid[:3].all()  # noise neurons do have non-positive reliabilities in some split
    np.testing.assert_array_equal(np.isnan(details.explained_variance_per_split), ~valid)
    expected = 100 * details.r[:, None] * np.abs(details.r[:, None]) / (neural * model)
    np.testing.assert_allclose(details.explained_variance_per_split[valid], expected[valid])


def test_odd_repetitions_and_too_few_images():
    features, rates = planted_world(n_images=200, repetitions=5, noise=0.7)
    assert np.median(explained_variance(features, rates, n_components=5)) == pytest.approx(60, abs=4)
    with pytest.raises(DataError, match="8 images cannot fill 10"):
        explained_variance(features[:8], rates[:8])
    with pytest.raises(DataError, match="features must be images x features with 8 images"):
        explained_variance(features, rates[:8])


def _assemblies(features, rates, seed=0):
    """Model features (shuffled presentation order) and a neural assembly with repetitions."""
    from brainscore_core.supported_data_standards.brainio.assemblies import (
        NeuroidAssembly, NeuronRecordingAssembly)
    n_images, n_neurons, repetitions = rates.shape
    ids = np.array([f"image{i}" for i in range(n_images)])
    order = np.random.default_rng(seed).permutation(n_images)
    source = NeuroidAssembly(features[order], dims=["presentation", "neuroid"], coords={
        "stimulus_id": ("presentation", ids[order]), "image_index": ("presentation", order),
        "neuroid_id": ("neuroid", np.arange(features.shape[1]).astype(str)),
        "layer": ("neuroid", ["IT"] * features.shape[1])})
    target = NeuronRecordingAssembly(
        rates.transpose(2, 0, 1).reshape(-1, n_neurons)[:, :, None], dims=["presentation", "neuroid", "time_bin"],
        coords={"stimulus_id": ("presentation", np.tile(ids, repetitions)),
                "repetition": ("presentation", np.repeat(np.arange(repetitions), n_images)),
                "neuroid_id": ("neuroid", [f"site{j}" for j in range(n_neurons)]),
                "region": ("neuroid", ["IT"] * n_neurons),
                "time_bin_start": ("time_bin", [70]), "time_bin_end": ("time_bin", [100])})
    return source, target


def test_registered_brainscore_metric_scores_assemblies():
    import brainscore_vision
    features, rates = planted_world(n_images=150, n_neurons=5)
    source, target = _assemblies(features, rates)
    metric = brainscore_vision.load_metric("kar-ev-pls", n_components=10)
    score = metric(source, target)
    expected = explained_variance_details(features, rates, n_components=10)
    np.testing.assert_allclose(score.attrs["explained_variance"].values, expected.explained_variance)
    assert list(score.attrs["raw"].attrs["raw"]["neuroid_id"].values) == [f"site{j}" for j in range(5)]
    assert float(score) == pytest.approx(np.median(expected.explained_variance) / 100)
    assert score.attrs["explained_variance_median"] == pytest.approx(100 * float(score))
    assert 0 <= score.attrs["error"] < 0.05
    assert score.attrs["metric_options"]["n_components"] == 10 and score.attrs["metric_options"]["regression"] == "pls"
    ridge = brainscore_vision.load_metric("kar_ev_ridge")(source, target)
    np.testing.assert_allclose(ridge.attrs["explained_variance"].values,
                               explained_variance(features, rates, regression="ridge"))


def test_brainscore_metric_rejects_unusable_assemblies():
    from brainscore_memorability.metrics.brainscore_metric import ExplainedVarianceMetric
    features, rates = planted_world(n_images=30, n_neurons=2, repetitions=4)
    source, target = _assemblies(features, rates)
    two_bins = target.isel(time_bin=[0, 0])
    with pytest.raises(DataError, match="2 time bins"):
        ExplainedVarianceMetric()(source, two_bins)
    with pytest.raises(DataError, match="lack 5 of the neural stimuli"):
        ExplainedVarianceMetric()(source.isel(presentation=slice(5, None)), target)
