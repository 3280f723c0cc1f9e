"""CKA against the published formulas (written out independently here), brainscore-vision's own
`cka` metric, its invariances, and its refusals of bad input."""
import importlib

import numpy as np
import pytest
import xarray as xr
from scipy.spatial.distance import cdist
from scipy.stats import ortho_group

from brainscore_memorability.errors import DataError
from brainscore_memorability.metrics.cka import cka, cka_matrix, gram_preserving, minibatch_cka

TOLERANCE = 1e-10  # float64 round-off between two exact formulas


def _pair(n=40, width_x=12, width_y=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, width_x))
    return X, X[:, :5] @ rng.normal(size=(5, width_y)) + rng.normal(size=(n, width_y))


# --- independent reference: Gretton et al. 2005 (biased HSIC), Song et al. 2012 (unbiased HSIC) ---
def reference_hsic(K, L, debiased):
    n = K.shape[0]
    if not debiased:
        H = np.eye(n) - np.ones((n, n)) / n
        return np.trace(K @ H @ L @ H) / (n - 1) ** 2
    K, L = K - np.diag(np.diag(K)), L - np.diag(np.diag(L))
    one = np.ones(n)
    return (np.trace(K @ L) + (one @ K @ one) * (one @ L @ one) / ((n - 1) * (n - 2))
            - 2 / (n - 2) * one @ K @ L @ one) / (n * (n - 3))


def reference_kernel(X, kernel, threshold):
    if kernel == "linear":
        return X @ X.T
    distances = cdist(X, X)  # Euclidean
    sigma = threshold * np.sqrt(np.median(distances ** 2))  # Kornblith et al.: median over all n x n
    return np.exp(-distances ** 2 / (2 * sigma ** 2))


def reference_cka(X, Y, kernel="linear", debiased=False, threshold=1.0):
    K, L = reference_kernel(X, kernel, threshold), reference_kernel(Y, kernel, threshold)
    return reference_hsic(K, L, debiased) / np.sqrt(reference_hsic(K, K, debiased) * reference_hsic(L, L, debiased))


@pytest.mark.parametrize("kernel,threshold", [("linear", 1.0), ("rbf", 1.0), ("rbf", 0.5), ("rbf", 2.0)])
@pytest.mark.parametrize("debiased", [False, True])
def test_matches_published_formulas(kernel, threshold, debiased):
    X, Y = _pair()
    expected = reference_cka(X, Y, kernel, debiased, threshold)
    assert 0.05 < expected < 0.95  # a non-trivial value
    assert cka(X, Y, kernel=kernel, debiased=debiased, rbf_threshold=threshold) == pytest.approx(expected, abs=TOLERANCE)


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
@pytest.mark.parametrize("debiased", [False, True])
def test_invariances(kernel, debiased):
    X, Y = _pair()
    value = cka(X, Y, kernel=kernel, debiased=debiased)
    rotation = ortho_group.rvs(X.shape[1], random_state=3)
    assert cka(X, X, kernel=kernel, debiased=debiased) == pytest.approx(1, abs=TOLERANCE)
    assert cka(X @ rotation, Y, kernel=kernel, debiased=debiased) == pytest.approx(value, abs=TOLERANCE)
    assert cka(7.5 * X, 0.01 * Y, kernel=kernel, debiased=debiased) == pytest.approx(value, abs=TOLERANCE)
    assert cka(Y, X, kernel=kernel, debiased=debiased) == pytest.approx(value, abs=TOLERANCE)
    if kernel == "linear":  # the linear kernel ignores a shift of the features after centring
        assert cka(X + 3.0, Y - 1.0, debiased=debiased) == pytest.approx(value, abs=1e-9)


def test_debiased_can_be_negative_and_biased_is_not():
    rng = np.random.default_rng(5)
    values = [cka(rng.normal(size=(12, 3)), rng.normal(size=(12, 3)), debiased=True) for _ in range(20)]
    assert min(values) < 0
    assert all(0 <= cka(rng.normal(size=(12, 3)), rng.normal(size=(12, 3))) <= 1 for _ in range(20))


def _assembly(values, stimulus_ids):
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    return NeuroidAssembly(values, coords={"stimulus_id": ("presentation", stimulus_ids),
                                           "object_name": ("presentation", ["face"] * len(values)),
                                           "neuroid_id": ("neuroid", np.arange(values.shape[1])),
                                           "region": ("neuroid", ["IT"] * values.shape[1])},
                           dims=["presentation", "neuroid"])


@pytest.mark.parametrize("identifier,debiased", [("cka", True), ("cka_biased", False)])
def test_agrees_with_brainscore_vision(identifier, debiased):
    import brainscore_vision
    X, Y = _pair(n=60)
    ids = np.array([f"image{i:03d}" for i in range(len(X))])
    order = np.random.default_rng(1).permutation(len(X))  # brainscore sorts by stimulus_id; we align on it
    a, b = _assembly(X, ids), _assembly(Y[order], ids[order])
    upstream = float(brainscore_vision.load_metric(identifier)(a, b))
    ours = float(cka_matrix({"a": a}, {"b": b}, debiased=debiased).values[0, 0])
    assert ours == pytest.approx(upstream, abs=1e-9)  # upstream adds eps=1e-12 to its denominator
    assert ours == pytest.approx(reference_cka(X, Y, debiased=debiased), abs=TOLERANCE)


def test_rbf_agrees_with_brainscore_vision_kernel_cka_at_the_same_bandwidth():
    from brainscore_vision.metrics.cka.metric import kernel_CKA
    X, Y = _pair()
    sigma = 4.0
    # our bandwidth is threshold x sqrt(median squared distance); pick thresholds giving sigma
    thresholds = [sigma / np.sqrt(np.median(cdist(Z, Z) ** 2)) for Z in (X, Y)]
    from brainscore_memorability.metrics.cka import center_gram, gram
    Kx, Ky = (center_gram(gram(Z, "rbf", t)) for Z, t in zip((X, Y), thresholds))
    ours = (Kx * Ky).sum() / np.sqrt((Kx * Kx).sum() * (Ky * Ky).sum())
    assert ours == pytest.approx(kernel_CKA(X, Y, sigma), abs=TOLERANCE)


def test_matrix_is_labelled_and_equals_pairwise_cka():
    X, Y = _pair()
    layers = {"conv1": X, "conv2": X[:, :6], "fc": Y}
    neural = {"IT": Y[:, :4] + 0.1 * X[:, :4]}
    matrix = cka_matrix(layers, neural, kernel="rbf", debiased=True)
    assert matrix.dims == ("layer_a", "layer_b")
    assert list(matrix["layer_a"].values) == ["conv1", "conv2", "fc"] and list(matrix["layer_b"].values) == ["IT"]
    for name, features in layers.items():
        expected = cka(features, neural["IT"], kernel="rbf", debiased=True)
        assert float(matrix.sel(layer_a=name, layer_b="IT")) == pytest.approx(expected, abs=TOLERANCE)
    square = cka_matrix(layers)
    np.testing.assert_allclose(np.diag(square.values), 1, atol=TOLERANCE)
    np.testing.assert_allclose(square.values, square.values.T, atol=TOLERANCE)


def test_each_gram_is_computed_once(monkeypatch):
    module = importlib.import_module("brainscore_memorability.metrics.cka")  # the package exports a function `cka`
    calls = []
    original = module.gram
    monkeypatch.setattr(module, "gram", lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs))
    X, Y = _pair()
    module.cka_matrix({"a": X, "b": Y, "c": X[:, :3]}, {"d": Y, "e": X})
    assert len(calls) == 5
    calls.clear()
    module.cka_matrix({"a": X, "b": Y, "c": X[:, :3]})  # square: one Gram per layer, not two
    assert len(calls) == 3


def test_minibatch_cka():
    X, Y = _pair(n=400, seed=2)
    # one batch holding every image is plain debiased CKA
    assert minibatch_cka(X, Y, batch_size=400) == pytest.approx(cka(X, Y, debiased=True), abs=TOLERANCE)
    # batches: the mean of per-batch HSIC_1 (Nguyen et al. 2021), each batch written out here
    batches = np.array_split(np.random.default_rng(7).permutation(400), 400 // 50)
    hsic = np.array([[reference_hsic(A[b] @ A[b].T, B[b] @ B[b].T, True) for b in batches]
                     for A, B in ((X, Y), (X, X), (Y, Y))]).mean(axis=1)
    expected = hsic[0] / np.sqrt(hsic[1] * hsic[2])
    assert minibatch_cka(X, Y, batch_size=50, seed=7) == pytest.approx(expected, abs=TOLERANCE)
    # and it estimates the full-sample value (unbiased HSIC: no batch-size bias)
    assert minibatch_cka(X, Y, batch_size=50, seed=7) == pytest.approx(cka(X, Y, debiased=True), abs=0.03)
    assert minibatch_cka(X, X, batch_size=50) == pytest.approx(1, abs=TOLERANCE)


def test_minibatch_rejects_batches_smaller_than_four():
    X, Y = _pair()
    with pytest.raises(DataError, match="batch_size >= 4"):
        minibatch_cka(X, Y, batch_size=3)
    with pytest.raises(ValueError, match="linear kernel only"):
        cka_matrix({"X": X}, {"Y": Y}, kernel="rbf", batch_size=10)


def test_rejects_bad_input():
    X, Y = _pair()
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(DataError, match="'X' contains NaN"):
        cka(bad, Y)
    with pytest.raises(DataError, match="different numbers of images"):
        cka(X, Y[:-1])
    with pytest.raises(DataError, match="constant across images"):
        cka(np.ones((40, 3)), Y)
    with pytest.raises(DataError, match="too few for debiased CKA"):
        cka(X[:3], Y[:3], debiased=True)
    with pytest.raises(DataError, match="expected images x features"):
        cka(np.zeros((4, 2, 2)), Y[:4])
    ids = [f"image{i}" for i in range(len(X))]
    a = xr.DataArray(X, dims=("presentation", "neuroid"), coords={"stimulus_id": ("presentation", ids)})
    other = xr.DataArray(Y, dims=("presentation", "neuroid"),
                         coords={"stimulus_id": ("presentation", ids[:-1] + ["elsewhere"])})
    with pytest.raises(DataError, match="different images than the others \\(2 stimulus_ids"):
        cka_matrix({"layer": a}, {"IT": other})
    repeated = other.assign_coords(stimulus_id=("presentation", ids[:-1] + [ids[0]]))
    with pytest.raises(DataError, match="average the repetitions"):
        cka_matrix({"layer": a}, {"IT": repeated})


def test_brainscore_metrics_average_repetitions_and_align_images():
    import brainscore_vision

    import brainscore_memorability  # noqa: F401  (registers cka-rbf, cka-minibatch)
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuronRecordingAssembly
    X, Y = _pair(n=60)
    ids = np.array([f"image{i:03d}" for i in range(60)])
    noise = np.random.default_rng(4).normal(size=(2, 60, Y.shape[1]))
    trials = np.concatenate([Y + noise[0], Y + noise[1]])[:, :, None]  # (image, repetition) x neuroid x 1 bin
    neural = NeuronRecordingAssembly(trials, coords={
        "stimulus_id": ("presentation", np.r_[ids, ids]), "repetition": ("presentation", np.repeat([0, 1], 60)),
        "neuroid_id": ("neuroid", np.arange(Y.shape[1])), "region": ("neuroid", ["IT"] * Y.shape[1]),
        "time_bin_start": ("time_bin", [70]), "time_bin_end": ("time_bin", [100])},
        dims=["presentation", "neuroid", "time_bin"])
    model = _assembly(X[::-1], ids[::-1])
    mean = (trials[:60, :, 0] + trials[60:, :, 0]) / 2
    score = brainscore_vision.load_metric("cka-rbf")(model, neural)
    assert float(score) == pytest.approx(reference_cka(X, mean, "rbf"), abs=TOLERANCE)
    assert score.attrs["kernel"] == "rbf"
    score = brainscore_vision.load_metric("cka_minibatch", batch_size=60)(model, neural)
    assert float(score) == pytest.approx(reference_cka(X, mean, debiased=True), abs=TOLERANCE)
    with pytest.raises(DataError, match="2 time bins"):
        brainscore_vision.load_metric("cka-rbf")(model, xr.concat([neural, neural], dim="time_bin"))
    neural.values[5, 0, 0] = np.nan  # one missing trial: the image's mean is its other trial's
    mean[5, 0] = trials[65, 0, 0]
    score = brainscore_vision.load_metric("cka-rbf")(model, neural)
    assert float(score) == pytest.approx(reference_cka(X, mean, "rbf"), abs=TOLERANCE)
    neural.values[65, 0, 0] = np.nan  # no trial left for that image and site
    with pytest.raises(DataError, match="contains NaN"):
        brainscore_vision.load_metric("cka-rbf")(model, neural)


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_wide_layers_compress_without_changing_cka(kernel):
    X, Y = _pair(n=30)
    wide = X @ np.random.default_rng(6).normal(size=(X.shape[1], 500))  # 30 images x 500 features
    compressed = gram_preserving(wide)
    assert compressed.shape == (30, 30)
    np.testing.assert_allclose(compressed @ compressed.T, wide @ wide.T, rtol=1e-9, atol=1e-8 * np.abs(wide @ wide.T).max())
    for debiased in (False, True):
        assert cka(compressed, Y, kernel=kernel, debiased=debiased) == pytest.approx(
            cka(wide, Y, kernel=kernel, debiased=debiased), abs=1e-9)
    assert np.array_equal(gram_preserving(Y), Y)  # narrow: unchanged


@pytest.mark.parametrize("options", [dict(), dict(debiased=True), dict(kernel="rbf", rbf_threshold=0.7),
                                     dict(kernel="rbf", debiased=True), dict(batch_size=10, debiased=True)])
def test_torch_device_path_equals_numpy(options):
    """device='cpu' runs the same code (gram, center_gram, the products) in torch; a GPU runs it too."""
    pytest.importorskip("torch")
    X, Y = _pair(n=41)
    layers = {"x": X, "y": Y, "x32": X.astype(np.float32)}
    numpy_values = cka_matrix(layers, {"y": Y, "z": X[:, :4] ** 2}, **options).values
    torch_values = cka_matrix(layers, {"y": Y, "z": X[:, :4] ** 2}, device="cpu", **options).values
    assert np.isfinite(numpy_values).all()
    np.testing.assert_allclose(torch_values, numpy_values, rtol=0, atol=1e-6)


def test_float32_and_wide_inputs_agree_with_float64():
    """Layers wider than one block (CHUNK features) and in float32 (products in float32, sums in
    float64): CKA as from the float64 formulas, to 1e-8 (measured 4e-9)."""
    module = importlib.import_module("brainscore_memorability.metrics.cka")
    rng = np.random.default_rng(3)
    latent = rng.normal(size=(30, 4))
    wide = (latent @ rng.normal(size=(4, module.CHUNK + 500)) + 5.0 + rng.normal(size=(30, module.CHUNK + 500)))
    narrow = latent @ rng.normal(size=(4, 6)) + rng.normal(size=(30, 6))
    wide32 = wide.astype(np.float32)
    expected = reference_cka(wide32.astype(float), narrow)  # the same float32 values, float64 formulas
    assert cka(wide32, narrow) == pytest.approx(expected, abs=1e-8)
    assert cka(wide, narrow) == pytest.approx(reference_cka(wide, narrow), abs=TOLERANCE)
