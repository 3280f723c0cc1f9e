"""Split-half reliability: agreement with reverse_pred's halving + scipy, Brain-Score's ceiling, the
real Kar-lab neuron, a simulation with known reliability, and the documented edge cases."""
import warnings

import numpy as np
import pytest
import scipy.stats

from brainscore_memorability.errors import DataError
from brainscore_memorability.metrics import (
    correlate, halving_permutations, spearman_brown, split_half_means, split_half_reliability)


def simulated_rates(n_images=300, n_neurons=20, repetitions=8, noise=1.0, seed=0):
    """Signal with unit variance per neuron plus trial noise of sd ``noise``; the reliability of
    the mean of all repetitions is 1 / (1 + noise**2 / repetitions)."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=(n_images, n_neurons))
    signal = (signal - signal.mean(0)) / signal.std(0)
    return signal[:, :, None] + noise * rng.normal(size=(n_images, n_neurons, repetitions))


def reverse_pred_halving(rates, seed):
    """The halving reverse_pred's get_splithalves draws with default_rng(seed), as a permutation
    (the repetitions of its half 1 first), and its two half means."""
    from reverse_pred.correlation_metrics import get_splithalves
    half1, _, mean1, mean2 = get_splithalves(rates, ax=2, rng=np.random.default_rng(seed))
    first = [next(i for i in range(rates.shape[2]) if np.array_equal(half1[:, :, j], rates[:, :, i]))
             for j in range(half1.shape[2])]
    return np.array(first + [i for i in range(rates.shape[2]) if i not in first]), mean1, mean2


def test_halves_are_reverse_pred_halves_and_reliability_matches_scipy():
    rates = simulated_rates(n_images=50, n_neurons=4, repetitions=7)
    permutations, means = [], []
    for seed in range(3):
        permutation, mean1, mean2 = reverse_pred_halving(rates, seed)
        permutations.append(permutation)
        means.append((mean1, mean2))
    half1, half2 = split_half_means(rates, permutations=np.array(permutations))
    assert half1.shape == half2.shape == (50, 4, 3)
    for s, (mean1, mean2) in enumerate(means):
        np.testing.assert_allclose(half1[:, :, s], mean1, rtol=1e-12)
        np.testing.assert_allclose(half2[:, :, s], mean2, rtol=1e-12)
    for method, scipy_correlation in (("pearson", scipy.stats.pearsonr), ("spearman", scipy.stats.spearmanr)):
        expected = np.mean([[spearman_brown(scipy_correlation(m1[:, j], m2[:, j])[0]) for j in range(4)]
                            for m1, m2 in means], axis=0)
        ours = split_half_reliability(rates, permutations=np.array(permutations), correlation=method)
        np.testing.assert_allclose(ours, expected, rtol=1e-10)


def test_real_kar_neuron_matches_independent_computations(shared_data):
    h5py = pytest.importorskip("h5py")
    with h5py.File(shared_data / "kar-sample-neuron" / "sample_neuron.h5", "r") as file:
        rates = file["rates"][:][:, None, :]  # 640 images x 1 neuron x 63 repetitions
    assert rates.shape == (640, 1, 63)
    ours = split_half_reliability(rates, n_splits=10, seed=0, correlation="pearson")
    # independent 1: scipy Pearson of plain numpy half means on the same halvings, Spearman-Brown
    permutations = halving_permutations(63, n_splits=10, seed=0)
    by_hand = [spearman_brown(scipy.stats.pearsonr(rates[:, 0, p[:32]].mean(1), rates[:, 0, p[32:]].mean(1))[0])
               for p in permutations]
    np.testing.assert_allclose(ours, [np.mean(by_hand)], rtol=1e-12)
    assert ours[0] == pytest.approx(0.8490, abs=5e-4)  # measured value, pinned
    # independent 2: Brain-Score's internal_consistency ceiling (its own 10 random halvings)
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuronRecordingAssembly
    from brainscore_vision.metrics.internal_consistency.ceiling import InternalConsistency
    ids = np.array([f"image{i}" for i in range(640)])
    trials = NeuronRecordingAssembly(
        rates.transpose(2, 0, 1).reshape(-1, 1), dims=["presentation", "neuroid"],
        coords={"stimulus_id": ("presentation", np.tile(ids, 63)),
                "repetition": ("presentation", np.repeat(np.arange(63), 640)),
                "neuroid_id": ("neuroid", ["sample"]), "region": ("neuroid", ["IT"])})
    brainscore = float(InternalConsistency()(trials))  # 0.8470 measured
    # tolerance: different random halvings; one halving's sd is 0.009 here, so a 10-halving mean
    # differs from another by ~0.004 (sd)
    assert ours[0] == pytest.approx(brainscore, abs=0.01)


def test_simulation_recovers_known_reliability():
    for noise, repetitions in ((1.0, 8), (2.0, 8), (3.0, 20)):
        rates = simulated_rates(n_images=400, n_neurons=30, repetitions=repetitions, noise=noise, seed=1)
        truth = 1 / (1 + noise ** 2 / repetitions)
        # tolerance: sampling error of a correlation over 400 images, averaged over 30 neurons
        assert np.mean(split_half_reliability(rates, n_splits=10)) == pytest.approx(truth, abs=0.02)


def test_constant_neuron_gives_nan_without_warnings():
    rates = simulated_rates(n_images=40, n_neurons=3)
    rates[:, 1, :] = 7.3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reliability = split_half_reliability(rates)
    assert np.isnan(reliability[1]) and np.isfinite(reliability[[0, 2]]).all()


def test_nan_trials_are_skipped_and_empty_halves_drop_the_image():
    rates = simulated_rates(n_images=60, n_neurons=2, repetitions=6)
    permutation = np.array([[0, 1, 2, 3, 4, 5]])
    holey = rates.copy()
    holey[5, 0, 1] = np.nan  # one missing trial: the half mean uses the other two
    holey[9, 0, :3] = np.nan  # a whole half missing: image 9 leaves neuron 0's correlation
    half1, half2 = split_half_means(holey, permutations=permutation)
    assert half1[5, 0, 0] == pytest.approx(rates[5, 0, [0, 2]].mean())
    assert np.isnan(half1[9, 0, 0]) and half2[9, 0, 0] == pytest.approx(rates[9, 0, 3:].mean())
    kept = np.arange(60) != 9
    expected = spearman_brown(scipy.stats.pearsonr(half1[kept, 0, 0], half2[kept, 0, 0])[0])
    assert split_half_reliability(holey, permutations=permutation, correlation="pearson")[0] == pytest.approx(
        expected, rel=1e-12)


def test_default_correlation_is_spearman_as_reverse_pred():
    from reverse_pred.prediction_utils import get_splithalf_corr
    rates = np.exp(simulated_rates(n_images=80, n_neurons=3, repetitions=6))  # skewed rates
    permutation, mean1, mean2 = reverse_pred_halving(rates, seed=4)
    theirs = [spearman_brown(scipy.stats.spearmanr(mean1[:, j], mean2[:, j])[0]) for j in range(3)]
    assert get_splithalf_corr.__defaults__[-1] == "spearman"
    np.testing.assert_allclose(split_half_reliability(rates, permutations=permutation[None]), theirs, rtol=1e-12)
    pearson = split_half_reliability(rates, permutations=permutation[None], correlation="pearson")
    assert np.abs(pearson - theirs).max() > 1e-3


def test_each_animal_is_halved_over_its_own_repetitions():
    """Animal 1: 6 repetitions; animal 2: 4, NaN-padded to 6. Each neuron's halves take ceil(n/2)
    of its own repetitions, in the split's permutation order."""
    rates = simulated_rates(n_images=40, n_neurons=4, repetitions=6)
    rates[:, 2:, 4:] = np.nan  # neurons 2 and 3 (animal 2) were recorded 4 times
    permutation = np.array([[5, 1, 4, 0, 3, 2]])
    half1, half2 = split_half_means(rates, permutations=permutation)
    np.testing.assert_allclose(half1[:, :2, 0], rates[:, :2, [5, 1, 4]].mean(2), rtol=1e-12)
    np.testing.assert_allclose(half2[:, :2, 0], rates[:, :2, [0, 3, 2]].mean(2), rtol=1e-12)
    # animal 2's own repetitions in permutation order: 1, 0, 3, 2 -> halves {1, 0} and {3, 2}
    np.testing.assert_allclose(half1[:, 2:, 0], rates[:, 2:, [1, 0]].mean(2), rtol=1e-12)
    np.testing.assert_allclose(half2[:, 2:, 0], rates[:, 2:, [3, 2]].mean(2), rtol=1e-12)
    # a neuron of animal 2 that lost repetition 1 entirely: alone it is halved over 0, 3, 2 ...
    rates[:, 3, 1] = np.nan
    alone1, alone2 = split_half_means(rates, permutations=permutation)
    np.testing.assert_allclose(alone1[:, 3, 0], rates[:, 3, [0, 3]].mean(1), rtol=1e-12)
    np.testing.assert_allclose(alone2[:, 3, 0], rates[:, 3, 2], rtol=1e-12)
    # ... with groups (its animal), over its animal's 1, 0, 3, 2
    grouped1, grouped2 = split_half_means(rates, permutations=permutation, groups=["m", "m", "n", "n"])
    np.testing.assert_allclose(grouped1[:, 3, 0], rates[:, 3, 0], rtol=1e-12)
    np.testing.assert_allclose(grouped2[:, 3, 0], rates[:, 3, [3, 2]].mean(1), rtol=1e-12)
    with pytest.raises(DataError, match="one label per neuron"):
        split_half_means(rates, permutations=permutation, groups=["m", "n"])


def test_odd_repetitions_put_the_extra_trial_in_half_one():
    rates = simulated_rates(n_images=30, n_neurons=2, repetitions=5)
    permutation = np.array([[4, 0, 2, 1, 3]])
    half1, half2 = split_half_means(rates, permutations=permutation)
    np.testing.assert_allclose(half1[:, :, 0], rates[:, :, [4, 0, 2]].mean(2))
    np.testing.assert_allclose(half2[:, :, 0], rates[:, :, [1, 3]].mean(2))


def test_too_few_repetitions_and_bad_permutations_are_rejected():
    with pytest.raises(DataError, match="at least 2 repetitions"):
        split_half_reliability(np.ones((10, 2, 1)))
    with pytest.raises(DataError, match="images x neurons x repetitions"):
        split_half_reliability(np.ones((10, 2)))
    with pytest.raises(ValueError, match="permutations"):
        split_half_means(np.ones((10, 2, 4)), permutations=np.array([[0, 1, 1, 2]]))


def test_unreliable_neurons_keep_zero_and_negative_values():
    rng = np.random.default_rng(3)
    noise_only = rng.normal(size=(200, 40, 6))
    reliability = split_half_reliability(noise_only, per_split=True)
    assert reliability.shape == (40, 10)
    assert (reliability < 0).any()  # not clipped at 0
    assert np.mean(reliability) == pytest.approx(0, abs=0.03)


def test_spearman_brown_and_correlate_edge_values():
    np.testing.assert_allclose(spearman_brown([0.5, 0.0, np.nan, 1.0]), [2 / 3, 0, np.nan, 1])
    assert spearman_brown(0.5, factor=3) == pytest.approx(0.75)
    assert spearman_brown(-1.0) == -np.inf
    a = np.array([[1., 2.], [2., 2.], [3., 2.], [4., 2.]])
    b = np.array([[1., 5.], [3., 1.], [2., 0.], [9., 2.]])
    r = correlate(a, b, "spearman")
    assert r[0] == pytest.approx(scipy.stats.spearmanr(a[:, 0], b[:, 0])[0]) and np.isnan(r[1])
    assert np.isnan(correlate(a[:2], b[:2])).all()  # fewer than 3 images: undefined


def test_a_neurons_halves_do_not_depend_on_the_padding_of_other_animals():
    """An animal recorded with 8 repetitions gets the same halves alone (8) and NaN-padded to 10
    beside an animal with 10 (its own permutations over its own repetitions)."""
    rng = np.random.default_rng(3)
    signal = rng.normal(size=(60, 1, 1))
    own = signal + rng.normal(size=(60, 4, 8))
    other = signal + rng.normal(size=(60, 3, 10))
    padded = np.concatenate([np.concatenate([own, np.full((60, 4, 2), np.nan)], axis=2), other], axis=1)
    groups = np.array(["a"] * 4 + ["b"] * 3)
    alone = split_half_reliability(own, per_split=True)
    pooled = split_half_reliability(padded, per_split=True, groups=groups)[:4]
    np.testing.assert_allclose(pooled, alone, rtol=0, atol=1e-12)
    np.testing.assert_allclose(split_half_reliability(padded, per_split=True)[:4], alone, rtol=0, atol=1e-12)


@pytest.mark.parametrize("shape", [(25, 4), (30, 3, 2), (1, 2), (7, 0)])
def test_average_ranks_equal_scipys_rankdata_omitting_nan(shape):
    """scipy.stats.rankdata(axis=0, nan_policy='omit') is the reference: ties (small integers, as
    spike counts), NaN scattered and whole NaN columns, continuous values (no ties)."""
    from brainscore_memorability.metrics.reliability import average_ranks
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 4, shape).astype(float)
    holes = counts.copy()
    holes[rng.random(shape) < 0.25] = np.nan
    if holes.size:
        holes[:, 0] = np.nan
    for values in (counts, holes, rng.normal(size=shape)):
        np.testing.assert_array_equal(average_ranks(values), scipy.stats.rankdata(values, axis=0, nan_policy="omit"))


def test_all_finite_sees_nan_and_inf_and_is_not_fooled_by_an_overflowing_sum():
    from brainscore_memorability.metrics.reliability import all_finite
    assert all_finite(np.ones((3, 4)))
    assert all_finite(np.array([1e308, 1e308]))  # the sum overflows; every entry is finite
    assert not all_finite(np.array([1.0, np.nan]))
    assert not all_finite(np.array([np.inf, -np.inf]))  # the sum is NaN
    assert not all_finite(np.array([1.0, np.inf]))
