"""Reverse predictivity: agreement with reverse-pred 0.1.8's monkey_to_model, a planted world
(units built from IT score high, units from noise near 0) and the edge cases."""
import warnings

import numpy as np
import pytest

from brainscore_memorability.errors import DataError
from brainscore_memorability.metrics.reverse import reverse_explained_variance_details


def it_world(seed=0, n_images=240, n_sites=25, repetitions=8, noise=1.0, n_it_units=30, n_noise_units=30):
    """IT rates (images x sites x repetitions) driven by a 6-d latent, and model units: the first
    ``n_it_units`` are random linear mixtures of the sites' noise-free responses, the rest are
    noise unrelated to the images' IT responses."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_images, 6))
    signal = latent @ rng.normal(size=(6, n_sites))
    rates = 20 + 5 * (signal[:, :, None] + noise * rng.normal(size=(n_images, n_sites, repetitions)))
    it_units = signal @ rng.normal(size=(n_sites, n_it_units))
    noise_units = rng.normal(size=(n_images, n_noise_units))
    return rates, np.concatenate([it_units, noise_units], axis=1)


def test_agrees_with_reverse_pred_monkey_to_model_given_the_same_folds_and_halves(monkeypatch, tmp_path):
    import reverse_pred.correlation_metrics as correlation_metrics
    import reverse_pred.prediction_utils as prediction_utils
    from reverse_pred.monkey_to_model import compute_monkey_to_model
    rates, units = it_world(seed=3, n_images=150, n_sites=20, repetitions=7, n_it_units=12, n_noise_units=0)
    units = units + 0.5 * np.random.default_rng(4).normal(size=units.shape)  # not perfectly predictable
    original, seeds = correlation_metrics.get_splithalves, iter(range(100, 200))

    def seeded_splithalves(var, ax=1, rng=None):  # reverse-pred draws one unseeded halving per rep
        return original(var, ax=ax, rng=np.random.default_rng(next(seeds)))

    monkeypatch.setattr(prediction_utils, "get_splithalves", seeded_splithalves)
    reps = 3
    # the same halvings as ours: Generator.shuffle along the repetition axis == Generator.permutation
    permutations = np.stack([np.random.default_rng(100 + r).permutation(rates.shape[2]) for r in range(reps)])
    first = (rates.shape[2] + 1) // 2
    check = original(rates, ax=2, rng=np.random.default_rng(100))
    np.testing.assert_array_equal(check[2], np.nanmean(rates[:, :, permutations[0, :first]], axis=2))
    for regression, tolerance in (("ridge", 1e-6), ("pls", 1e-6)):
        seeds = iter(range(100, 200))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compute_monkey_to_model(units, rates, str(tmp_path), reps=reps, model_type=regression)
        theirs = np.load(tmp_path / "reverse_ev.npy")
        ours = reverse_explained_variance_details(rates, units, regression=regression, n_components=20,
                                                  permutations=permutations)
        assert (ours.r > 0).all() and 20 < np.median(ours.explained_variance) < 100
        # tolerance in % EV points (reverse-pred's r**2 == our r|r| where r > 0, as asserted)
        np.testing.assert_allclose(ours.explained_variance, theirs, rtol=0, atol=tolerance)


def test_units_built_from_it_score_high_and_noise_units_near_zero():
    rates, units = it_world()
    details = reverse_explained_variance_details(rates, units, regression="pls", n_components=10)
    ev = details.explained_variance
    # measured: IT-built units median 100.0 % (they are exact linear mixtures of the noise-free
    # responses; trial noise is corrected by the model reliability), noise units median -0.3 %
    assert np.median(ev[:30]) > 90
    assert abs(np.median(ev[30:])) < 3
    assert np.all(details.neural_reliability == 1)


def test_more_trial_noise_lowers_r_but_not_the_corrected_ev():
    results = []
    for noise in (0.5, 3.0):
        rates, units = it_world(noise=noise, n_noise_units=0)
        details = reverse_explained_variance_details(rates, units, regression="ridge")
        results.append((np.median(details.r), np.median(details.explained_variance)))
    assert results[1][0] < results[0][0] - 0.02
    assert results[1][1] == pytest.approx(results[0][1], abs=8)


def test_constant_unit_is_nan_and_bad_inputs_are_refused():
    rates, units = it_world(n_images=60, n_it_units=3, n_noise_units=0)
    units[:, 1] = 2.0  # a dead unit
    details = reverse_explained_variance_details(rates, units, regression="ridge", n_splits=2)
    assert np.isnan(details.explained_variance[1]) and np.isfinite(details.explained_variance[[0, 2]]).all()
    with pytest.raises(DataError, match="images x units with 60 images"):
        reverse_explained_variance_details(rates, units[:50])
    with pytest.raises(DataError, match="NaN or inf"):
        reverse_explained_variance_details(rates, np.where(units > 1e9, 0, np.nan))
    with pytest.raises(DataError, match="at least 2 repetitions"):
        reverse_explained_variance_details(rates[:, :, :1], units)


def test_missing_trials_are_skipped():
    rates, units = it_world(n_images=120, n_noise_units=0)
    holey = rates.copy()
    holey[np.random.default_rng(0).random(rates.shape) < 0.1] = np.nan
    full = reverse_explained_variance_details(rates, units, regression="ridge", n_splits=3)
    missing = reverse_explained_variance_details(holey, units, regression="ridge", n_splits=3)
    assert np.isfinite(missing.explained_variance).all()
    assert np.median(missing.explained_variance) == pytest.approx(np.median(full.explained_variance), abs=5)
