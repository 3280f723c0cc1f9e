"""Unique variance on a simulated population with planted shared and unique components."""
import numpy as np
import pytest

from brainscore_memorability.errors import DataError
from brainscore_memorability.metrics.explained_variance import explained_variance_details
from brainscore_memorability.metrics.unique_variance import unique_variance, unique_variance_against

RIDGE = dict(regression="ridge", alpha=1.0, n_splits=4)


def _world(n=200, neurons=8, repetitions=6, seed=0):
    """Models A and B share two latent features and each has two of its own (mixed with four
    noise features). Neurons 0-3 respond to the shared and to B's own latents, 4-7 to the shared
    ones only; A's own latents drive no neuron."""
    rng = np.random.default_rng(seed)
    shared, only_a, only_b = rng.normal(size=(3, n, 2))
    A = np.hstack([shared, only_a, rng.normal(size=(n, 4))]) @ rng.normal(size=(8, 8))
    B = np.hstack([shared, only_b, rng.normal(size=(n, 4))]) @ rng.normal(size=(8, 8))
    planted = np.arange(neurons) < neurons // 2
    signal = shared @ rng.normal(size=(2, neurons)) + only_b @ (rng.normal(size=(2, neurons)) * planted)
    rates = signal[:, :, None] + rng.normal(size=(n, neurons, repetitions))
    return A, B, rates, planted, only_b


@pytest.fixture(scope="module")
def world():
    return _world()


@pytest.fixture(scope="module")
def result(world):
    A, B, rates, _, _ = world
    return unique_variance(A, B, rates, **RIDGE)


def test_planted_unique_component_is_recovered(world, result):
    planted = world[3]
    # partial-correlation view: B's unique part explains most of what A leaves (~100 % where planted)
    assert (result.unique_b[planted] > 50).all()
    assert (np.abs(result.unique_b[~planted]) < 8).all()
    # A's own latents drive no neuron: little unique to A anywhere (two imperfect fits of the same
    # shared signal leave a small positive partial correlation: up to 7.9 % here)
    assert (np.abs(result.unique_a) < 12).all() and np.median(result.unique_a) < 1
    # partitioning view: EV(A+B) - EV(A) > 0 only where planted; shared variance everywhere
    assert (result.partition_unique_b[planted] > 10).all()
    assert (np.abs(result.partition_unique_b[~planted]) < 3).all()
    assert (np.abs(result.partition_unique_a) < 3).all()
    assert (result.partition_shared > 5).all()
    assert (result.b.explained_variance > 85).all()  # B holds every planted component


def test_controlling_for_an_exact_copy_leaves_nothing(world):
    _, B, rates, _, _ = world
    copy = unique_variance(B, B.copy(), rates, **RIDGE)
    np.testing.assert_array_equal(copy.partial_r_b, 0)
    np.testing.assert_array_equal(copy.unique_b, 0)
    # [B, B] under ridge is B with half the penalty: a hair apart, not 0 exactly
    assert np.abs(copy.partition_unique_b).max() < 0.5


def test_symmetric(world, result):
    A, B, rates, _, _ = world
    swapped = unique_variance(B, A, rates, partition=False, **RIDGE)
    np.testing.assert_allclose(swapped.unique_b, result.unique_a, atol=1e-10)
    np.testing.assert_allclose(swapped.unique_a, result.unique_b, atol=1e-10)
    np.testing.assert_allclose(swapped.partial_r_a, result.partial_r_b, atol=1e-12)
    with pytest.raises(ValueError, match="partition=True"):
        swapped.partition_unique_b


def test_uninformative_control_leaves_the_explained_variance(world):
    """Controlling for features unrelated to the images' responses, unique = plain EV (same
    folds, regression and noise correction as the EV metric)."""
    _, B, rates, _, _ = world
    noise = np.random.default_rng(9).normal(size=(len(B), 8))
    result = unique_variance(noise, B, rates, partition=False, **RIDGE)
    details = explained_variance_details(B, rates, **RIDGE)
    np.testing.assert_allclose(result.b.explained_variance, details.explained_variance)
    np.testing.assert_allclose(result.partial_r_b, details.r, atol=0.05)
    np.testing.assert_allclose(result.unique_b, details.explained_variance, atol=8)


def test_controls_compared_in_one_call(world):
    """The study's control: B controlled for a model that shares its unique component (as a
    LaMem-trained control would) vs for one that does not (a held-out ImageNet-trained control)."""
    A, B, rates, planted, only_b = world
    rng = np.random.default_rng(3)
    knows_b = np.hstack([A, only_b + 0.1 * rng.normal(size=only_b.shape)])
    results = unique_variance_against(B, {"lamem": knows_b, "imagenet": A}, rates, **RIDGE)
    assert list(results) == ["lamem", "imagenet"]
    assert (results["imagenet"].unique_b[planted] > 50).all()
    assert (results["lamem"].unique_b[planted] < results["imagenet"].unique_b[planted] - 40).all()
    np.testing.assert_array_equal(results["lamem"].b.explained_variance, results["imagenet"].b.explained_variance)


def test_constant_neuron_is_undefined_not_zero(world):
    A, B, rates, _, _ = world
    rates = rates.copy()
    rates[:, 1, :] = 5.0  # a site that never changes its rate
    result = unique_variance(A, B, rates, partition=False, **RIDGE)
    assert np.isnan(result.unique_b[1]) and np.isnan(result.partial_r_b[1])
    assert np.isfinite(np.delete(result.unique_b, 1)).all()


def test_rejects_bad_input(world):
    A, B, rates, _, _ = world
    holes = rates.copy()
    holes[:5, 0, :2] = np.nan  # some missing trials: fine
    assert np.isfinite(unique_variance(A, B, holes, partition=False, **RIDGE).unique_b).all()
    holes[7, 2, :] = np.nan  # an image without any trial for neuron 2
    with pytest.raises(DataError, match="1 image x neuron entries of rates have no valid trial"):
        unique_variance(A, B, holes, **RIDGE)
    with pytest.raises(DataError, match="with 200 images \\(as rates\\), got shape \\(199, 8\\)"):
        unique_variance(A[:-1], B, rates, **RIDGE)
    with pytest.raises(DataError, match="at least one control"):
        unique_variance_against(B, {}, rates)


def _features(values, ids):
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    return NeuroidAssembly(values, dims=["presentation", "neuroid"], coords={
        "stimulus_id": ("presentation", ids), "object_name": ("presentation", ["shape"] * len(ids)),
        "neuroid_id": ("neuroid", np.arange(values.shape[1])), "layer": ("neuroid", ["IT"] * values.shape[1])})


@pytest.mark.parametrize("identifier,view", [("unique-variance", "unique_b"),
                                             ("unique_variance_partition", "partition_unique_b")])
def test_registered_brainscore_metric(world, result, identifier, view):
    import brainscore_vision
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuronRecordingAssembly

    import brainscore_memorability  # noqa: F401  (registers the metrics)
    A, B, rates, _, _ = world
    n, neurons, repetitions = rates.shape
    ids = np.array([f"image{i:03d}" for i in range(n)])
    target = NeuronRecordingAssembly(
        rates.transpose(2, 0, 1).reshape(-1, neurons), dims=["presentation", "neuroid"], coords={
            "stimulus_id": ("presentation", np.tile(ids, repetitions)),
            "repetition": ("presentation", np.repeat(np.arange(repetitions), n)),
            "neuroid_id": ("neuroid", [f"site{j}" for j in range(neurons)]), "region": ("neuroid", ["IT"] * neurons)})
    order = np.random.default_rng(2).permutation(n)  # features in another image order: aligned on stimulus_id
    metric = brainscore_vision.load_metric(identifier, control=_features(A[order], ids[order]), **RIDGE)
    score = metric(_features(B, ids), target)
    expected = getattr(result, view)
    assert float(score) == pytest.approx(np.median(expected) / 100, abs=1e-10)
    np.testing.assert_allclose(score.attrs["unique_variance"].values, expected, atol=1e-10)
    assert list(score.attrs["unique_variance"]["neuroid_id"].values) == [f"site{j}" for j in range(neurons)]
    np.testing.assert_allclose(score.attrs["control_explained_variance"].values, result.a.explained_variance)
    from brainscore_memorability.adapters import bootstrap_median_error  # error: s.e. over neuroids
    assert float(score.attrs["error"]) == pytest.approx(bootstrap_median_error(expected / 100), abs=1e-12)
