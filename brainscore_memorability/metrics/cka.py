"""Centered kernel alignment (CKA; Kornblith et al. 2019) between representations of the same images.

A representation is an array of images x features (a model layer's activations, or neural rates
averaged over repetitions: images x neurons). Any widths; the images must be the same, in the same
order (xarray inputs with a ``stimulus_id`` coordinate are aligned on it).

Definitions (those of Kornblith et al.'s reference implementation):

* kernels: ``linear`` K = X X^T; ``rbf`` K_ij = exp(-d_ij^2 / (2 sigma^2)) with
  sigma = rbf_threshold x median distance, the median taken over all n x n entries of the squared
  distance matrix (diagonal included), i.e. sigma^2 = rbf_threshold^2 x median(d^2).
* biased estimator (``debiased=False``): HSIC_0 = tr(K H L H) / (n - 1)^2, H = I - 11^T / n.
* debiased estimator: the unbiased HSIC_1 of Song et al. (2012), computed as
  <U(K), U(L)> / (n (n - 3)) with U the U-centring of Szekely & Rizzo (2014); needs n >= 4 images
  and may be negative.
* CKA = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)).

Minibatch CKA (Nguyen, Raghu & Kornblith 2021) averages HSIC_1 over disjoint batches of images
before taking the ratio, so only batch x batch Gram matrices are ever held.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from brainscore_memorability.errors import DataError
from brainscore_memorability.metrics import backend

KERNELS = ("linear", "rbf")
MIN_BATCH = 4  # HSIC_1 divides by n (n - 3) and U-centring by n - 2
CHUNK = 4096  # features per block of a Gram matrix: one block is held in float64/on the device at a time


def gram(features, kernel: str = "linear", rbf_threshold: float = 1.0, device=None):
    """Gram matrix (images x images, float64) of ``features`` (images x features) under ``kernel``.

    Computed from the column-centred features, which leaves the RBF kernel unchanged and changes the
    linear one, X X^T, only by terms every CKA centring removes (its H K H and its U-centring are
    those of X X^T), and avoids centring large Gram entries later. ``CHUNK`` features at a time:
    each block is centred and multiplied in the input's precision (float32 or float64) and the
    products are summed in float64 (from float32 activations: CKA within 1e-8 of the float64
    formulas on the same values; measured 6e-10 on the perf workload, 4e-9 in the tests). numpy array out, or, with ``device`` (e.g.
    ``"cuda"``, ``"cpu"``), a torch tensor on that device computed by torch.
    """
    dots = None
    for start in range(0, features.shape[1], CHUNK):
        block = backend.on_device(features[:, start:start + CHUNK], device)
        block = block - block.mean(0)
        product = backend.float64(block @ block.T)
        dots = product if dots is None else dots + product
    if kernel == "linear":
        return dots
    squared_norms = dots.diagonal()
    squared_distances = (squared_norms[:, None] + squared_norms[None, :] - 2 * dots).clip(min=0)
    bandwidth2 = rbf_threshold ** 2 * backend.median(squared_distances)
    if bandwidth2 == 0:  # more than half of all pairs identical: no scale to measure distances by
        raise DataError("RBF kernel bandwidth is 0: most images have identical features; "
                        "use kernel='linear' or a larger rbf_threshold")
    return backend.namespace_of(dots).exp(-squared_distances / (2 * bandwidth2))


def gram_preserving(features: np.ndarray) -> np.ndarray:
    """images x min(features, images) array with the same dot products X X^T as ``features``.

    Linear and RBF CKA depend on a representation only through X X^T, so a layer wider than the
    number of images can be stored at images x images (e.g. 1320 x 1320 instead of 1320 x 802816)
    without changing any CKA value (up to float64 round-off).
    """
    features = np.asarray(features, dtype=float)
    if features.shape[1] <= features.shape[0]:
        return features
    eigenvalues, eigenvectors = np.linalg.eigh(features @ features.T)
    return eigenvectors * np.sqrt(np.clip(eigenvalues, 0, None))


def center_gram(K, debiased: bool = False):
    """H K H (biased), or the U-centred K with zero diagonal (debiased, Szekely & Rizzo 2014);
    numpy array or torch tensor in, the same out."""
    n = K.shape[0]
    if not debiased:
        row_means = K.mean(0)
        return K - row_means[:, None] - row_means[None, :] + row_means.mean()
    off_diagonal = 1 - backend.eye(n, K)
    K = K * off_diagonal
    sums = K.sum(0)
    centered = K - sums[:, None] / (n - 2) - sums[None, :] / (n - 2) + sums.sum() / ((n - 1) * (n - 2))
    return centered * off_diagonal


def _hsic_scale(n: int, debiased: bool) -> float:
    """Divisor turning <centred K, centred L> into HSIC_1 (debiased) or HSIC_0 (biased)."""
    return n * (n - 3.0) if debiased else (n - 1.0) ** 2


def cka(X, Y, kernel: str = "linear", debiased: bool = False, rbf_threshold: float = 1.0, device=None) -> float:
    """CKA between X (images x features) and Y (images x other features); 1 for identical inputs.

    Raises :class:`DataError` for NaN/inf values, different images, constant features or too few
    images (2; 4 when debiased). Debiased values may be negative; NaN where a debiased self-HSIC
    is not positive (almost no shared structure in tiny samples). ``device``: as :func:`cka_matrix`.
    """
    return float(cka_matrix({"X": X}, {"Y": Y}, kernel=kernel, debiased=debiased,
                            rbf_threshold=rbf_threshold, device=device).values[0, 0])


def minibatch_cka(X, Y, batch_size: int, seed: int = 0, debiased: bool = True, device=None) -> float:
    """Linear CKA of X and Y from HSIC averaged over random disjoint batches of images.

    The images are shuffled (``seed``) and split into n // batch_size batches of
    batch_size..2 x batch_size - 1 images each (every image used once). ``batch_size`` must be
    at least 4. ``device``: as :func:`cka_matrix`.
    """
    return float(cka_matrix({"X": X}, {"Y": Y}, debiased=debiased, batch_size=batch_size,
                            seed=seed, device=device).values[0, 0])


def cka_matrix(layers_a: Mapping, layers_b: Mapping | None = None, kernel: str = "linear",
               debiased: bool = False, rbf_threshold: float = 1.0, batch_size: int | None = None,
               seed: int = 0, device=None):
    """CKA of every representation in ``layers_a`` against every one in ``layers_b``.

    ``layers_a``/``layers_b``: mappings name -> images x features (numpy arrays, or xarray arrays
    whose first dimension carries ``stimulus_id``, aligned on it). ``layers_b=None`` compares
    ``layers_a`` with itself. Each Gram matrix is computed once (per batch with ``batch_size``,
    which selects minibatch CKA, linear kernel only). To compare model layers with neural data,
    pass e.g. ``{"IT": rates.mean(axis=2)}`` (images x neurons) as ``layers_b``. ``device``
    (e.g. ``"cuda"``): the Gram matrices and their products are computed by torch on that device,
    by the same code as the numpy default (:func:`gram`, :func:`center_gram`); inputs and result
    stay numpy. Memory: the inputs (kept in their dtype), one float64 block of ``CHUNK`` features
    and two n x n float64 matrices per representation.

    Returns an ``xarray.DataArray`` (layer_a x layer_b) labelled with the names, with attrs
    kernel, debiased, rbf_threshold, batch_size and n_images.
    """
    import xarray as xr

    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}, not {kernel!r}")
    if batch_size is not None and kernel != "linear":
        raise ValueError("minibatch CKA is defined for the linear kernel only (an RBF bandwidth "
                         "would differ from batch to batch)")
    same = layers_b is None
    named_a, named_b = dict(layers_a), dict(layers_a if same else layers_b)
    if not named_a or not named_b:
        raise DataError("cka_matrix needs at least one representation on each side")
    arrays = _aligned({**{("a", k): v for k, v in named_a.items()},  # each layer once, also when same
                       **({} if same else {("b", k): v for k, v in named_b.items()})})
    features_a = [arrays[("a", k)] for k in named_a]
    features_b = features_a if same else [arrays[("b", k)] for k in named_b]
    n = features_a[0].shape[0]
    batches = [np.arange(n)] if batch_size is None else _batches(n, batch_size, seed)
    if min(map(len, batches)) < (MIN_BATCH if debiased else 2):
        raise DataError(f"{n} images are too few for {'debiased ' if debiased else ''}CKA: "
                        f"need at least {MIN_BATCH if debiased else 2}")

    cross = np.zeros((len(features_a), len(features_b)))
    self_a, self_b = np.zeros(len(features_a)), np.zeros(len(features_b))
    for index in batches:
        scale = _hsic_scale(len(index), debiased)
        grams_a = _centered_grams(features_a, index, kernel, debiased, rbf_threshold, device)
        grams_b = grams_a if same else _centered_grams(features_b, index, kernel, debiased, rbf_threshold, device)
        einsum = backend.namespace_of(grams_a).einsum
        cross += backend.to_numpy(grams_a @ grams_b.T) / scale
        self_a += backend.to_numpy(einsum("ij,ij->i", grams_a, grams_a)) / scale
        self_b += backend.to_numpy(einsum("ij,ij->i", grams_b, grams_b)) / scale
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = np.sqrt(np.outer(self_a, self_b))
        values = np.where(denominator > 0, cross / denominator, np.nan)
    return xr.DataArray(values, dims=("layer_a", "layer_b"),
                        coords={"layer_a": list(named_a), "layer_b": list(named_b)},
                        attrs=dict(kernel=kernel, debiased=int(debiased), rbf_threshold=rbf_threshold,
                                   batch_size=-1 if batch_size is None else batch_size, n_images=n))


def _centered_grams(features: list[np.ndarray], index: np.ndarray, kernel: str, debiased: bool,
                    rbf_threshold: float, device):
    """Centred Gram matrices of the images ``index``, one flattened row per representation."""
    every_image = len(index) == len(features[0]) and (index == np.arange(len(index))).all()
    grams = [center_gram(gram(f if every_image else f[index], kernel, rbf_threshold, device), debiased).reshape(-1)
             for f in features]
    return backend.namespace_of(grams[0]).stack(grams)


def _batches(n: int, batch_size: int, seed: int) -> list[np.ndarray]:
    """n // batch_size disjoint random batches covering all n images (one batch if n < batch_size)."""
    if batch_size < MIN_BATCH:
        raise DataError(f"minibatch CKA needs batch_size >= {MIN_BATCH} (unbiased HSIC divides by "
                        f"n (n - 3)); got batch_size={batch_size}")
    order = np.random.default_rng(seed).permutation(n)
    return np.array_split(order, max(1, n // batch_size))


def _aligned(named: dict) -> dict:
    """Validated images x features float arrays (float32 kept, others as float64), rows in one
    common image order.

    xarray inputs whose first dimension carries ``stimulus_id`` are reordered to the first such
    input's order; their image sets must be equal and without repeats (average repetitions first).
    Plain arrays must all have the same number of images, in the same order.
    """
    def label(key):
        return f"{key[1]!r}"

    reference_ids = None
    arrays = {}
    for key, value in named.items():
        ids = _stimulus_ids(value)
        array = np.asarray(getattr(value, "values", value))
        if array.dtype not in (np.float32, np.float64):
            array = array.astype(float)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2:
            raise DataError(f"representation {label(key)} has shape {array.shape}: expected "
                            f"images x features (average repetitions, select one time bin)")
        if not np.isfinite(array).all():
            raise DataError(f"representation {label(key)} contains NaN or infinite values "
                            f"({int((~np.isfinite(array)).sum())} entries): drop or impute them first")
        if np.ptp(array, axis=0).max(initial=0) == 0:
            raise DataError(f"representation {label(key)} is constant across images: CKA is undefined")
        if ids is not None:
            if len(set(ids)) != len(ids):
                raise DataError(f"representation {label(key)} repeats stimulus_ids: average the "
                                f"repetitions of each image first")
            if reference_ids is None:
                reference_ids = ids
            elif set(ids) != set(reference_ids):
                missing = len(set(reference_ids) - set(ids)) + len(set(ids) - set(reference_ids))
                raise DataError(f"representation {label(key)} covers different images than the "
                                f"others ({missing} stimulus_ids not in both)")
            else:
                position = {stimulus: i for i, stimulus in enumerate(ids)}
                array = array[[position[stimulus] for stimulus in reference_ids]]
        arrays[key] = array
    counts = {label(key): a.shape[0] for key, a in arrays.items()}
    if len(set(counts.values())) > 1:
        raise DataError(f"representations cover different numbers of images: {counts}")
    return arrays


def _stimulus_ids(value) -> list | None:
    """The stimulus_id of each row of an xarray input (None for plain arrays)."""
    if not hasattr(value, "dims"):
        return None
    try:  # also a level of a presentation MultiIndex, which `in value.coords` does not see
        ids = value["stimulus_id"]
    except KeyError:
        return None
    if ids.dims != (value.dims[0],):
        raise DataError(f"stimulus_id must label the first dimension ({value.dims[0]}), not {ids.dims}")
    return list(ids.values)

