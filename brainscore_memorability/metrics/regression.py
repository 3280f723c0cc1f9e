"""Cross-validated linear predictions of neural responses from model features (images x targets).

Regressions, both computed in image space from one Gram matrix per fold (features enter only
through ``Z_train @ Z_train.T`` and ``Z_test @ Z_train.T``), so the cost does not grow with the
number of features after that product, and every target column is handled in the same BLAS calls:

* ``"pls"``: partial least squares regression exactly as ``sklearn.cross_decomposition.
  PLSRegression(n_components, scale=True)``, which the Kar lab's ``reverse_pred`` calls (one PLS2
  fit for all neurons of a target set jointly; features and targets centred and divided by their
  training standard deviation, ddof=1). Each component's weight vector is the leading singular
  vector of the deflated cross-covariance X_k' Y_k; sklearn finds it by power iteration (tolerance
  1e-6, at most 500 iterations), here it is the exact leading eigenvector of Y_k' X_k X_k' Y_k
  (targets x targets), kept up to date by rank-one deflation updates (kernel PLS, Rosipal & Trejo
  2001, predictions ``K_test G (T' K G)^-1 T' Y``). The two agree to ~1e-6 relative where sklearn's
  power iteration converges (see tests/metrics/test_regression.py). Several target sets (e.g. the
  mean response and each split half) are fitted independently but batched together.
* ``"ridge"``: ``sklearn.linear_model.Ridge(alpha)`` with intercept (features and targets centred on
  the training images, not scaled), solved in its dual form: per fold one linear solve gives
  the test images' hat matrix ``K_test (K + alpha I)^-1``, applied to all target columns at once.
"""
from __future__ import annotations

import functools

import numpy as np

from brainscore_memorability.errors import DataError

FOLD_SCHEMES = ("reverse_pred", "sklearn")
REGRESSIONS = ("pls", "ridge")


def folds(n_images: int, n_folds: int = 10, seed: int = 0, scheme: str = "reverse_pred") -> list[np.ndarray]:
    """Test-image indices of each cross-validation fold; every image is tested exactly once.

    scheme 'reverse_pred': the Kar lab's ``get_train_test_indices``: shuffle ``arange(n_images)``
    with ``np.random.seed(seed)``'s legacy generator, then ``np.array_split`` into n_folds (the
    first ``n_images % n_folds`` folds hold one image more); indices sorted within a fold.
    scheme 'sklearn': ``sklearn.model_selection.KFold(n_folds, shuffle=True, random_state=seed)``.
    Raises DataError when there are fewer images than folds (a fold would test no image).
    """
    if scheme not in FOLD_SCHEMES:
        raise ValueError(f"fold scheme must be one of {FOLD_SCHEMES}, not {scheme!r}")
    if n_folds < 2:
        raise ValueError(f"n_folds must be >= 2, got {n_folds}")
    if n_images < n_folds:
        raise DataError(f"{n_images} images cannot fill {n_folds} cross-validation folds: use at "
                        f"least {n_folds} images or fewer folds (n_folds)")
    if scheme == "reverse_pred":
        order = np.arange(n_images)
        np.random.RandomState(seed).shuffle(order)  # == np.random.seed(seed); np.random.shuffle
        return [np.sort(fold) for fold in np.array_split(order, n_folds)]
    from sklearn.model_selection import KFold
    splitter = KFold(n_folds, shuffle=True, random_state=seed)
    return [test for _, test in splitter.split(np.zeros((n_images, 1)))]


def cross_validated_predictions(features: np.ndarray, targets: np.ndarray, folds: list[np.ndarray],
                                regression: str = "pls", n_components: int = 20, alpha: float = 0.1,
                                scale: bool = True) -> np.ndarray:
    """Predict each test fold's targets from a regression fitted on the other images.

    features: images x features. targets: images x neurons, or images x neurons x sets, where each
    set (e.g. a split half) is fitted independently (PLS fits the neurons of one set jointly).
    folds: test-index arrays (:func:`folds`) covering each image exactly once. regression: 'pls'
    (``n_components``; ``scale`` as sklearn's) or 'ridge' (``alpha``). Returns predictions with
    the shape of ``targets``. Inputs must be finite (fill missing targets before calling).
    """
    features, targets, folds = _check_inputs(features, targets, folds, regression, n_components)
    squeeze = targets.ndim == 2
    targets3 = targets[:, :, None] if squeeze else targets
    predictions = np.empty_like(targets3)
    for test in folds:
        train = np.setdiff1d(np.arange(len(features)), test, assume_unique=True)
        if regression == "pls":
            predictions[test] = _pls_fold(features, targets3, train, test, n_components, scale)
        else:
            predictions[test] = _ridge_fold(features, targets3, train, test, alpha)
    return predictions[:, :, 0] if squeeze else predictions


def _centre_scale(values: np.ndarray, train: np.ndarray, scale: bool):
    """Training mean and standard deviation (ddof=1, 0 -> 1, as sklearn's PLS) of each column."""
    mean = values[train].mean(axis=0)
    std = values[train].std(axis=0, ddof=1) if scale else np.ones(values.shape[1:])
    std = np.where(std == 0, 1.0, std)
    return mean, std


def _gram(features: np.ndarray, train: np.ndarray, test: np.ndarray, scale: bool):
    """K_train (train x train) and K_test (test x train) of the fold-standardised features."""
    mean, std = _centre_scale(features, train, scale)
    standardised = (features - mean) / std
    z_train = standardised[train]
    return z_train @ z_train.T, standardised[test] @ z_train.T


def _pls_fold(features, targets, train, test, n_components, scale):
    """PLS2 predictions (test x neurons x sets) for one fold; each set fitted on its own."""
    k_train, k_test = _gram(features, train, test, scale)
    mean, std = _centre_scale(targets, train, scale)
    y = np.ascontiguousarray(np.moveaxis((targets[train] - mean) / std, 2, 0))  # sets x train x neurons
    scores, weights, used = _kernel_pls(k_train, y, n_components)
    # predictions = K_test G (T' K G)^-1 T' Y, per set; a unit diagonal entry for each unused
    # component (zero row and column otherwise) keeps the system solvable and adds nothing
    inner = scores.transpose(0, 2, 1) @ (k_train @ weights)  # sets x comps x comps
    diagonal = np.arange(n_components)
    inner[:, diagonal, diagonal] += ~used
    coefficients = np.linalg.solve(inner, scores.transpose(0, 2, 1) @ y)  # sets x comps x neurons
    prediction = (k_test @ weights) @ coefficients  # sets x test x neurons
    return np.moveaxis(prediction, 0, 2) * std + mean


def _kernel_pls(gram: np.ndarray, y: np.ndarray, n_components: int):
    """Scores T (sets x n x comps, orthonormal columns) and weights G (sets x n x comps) of NIPALS
    PLS2 with regression deflation, from the Gram matrix (n x n) and centred targets y (sets x n x q).

    Also returns ``used`` (sets x comps, bool): False for a component whose deflated
    cross-covariance has vanished (targets or features exhausted); it gets T = G = 0.
    """
    n_sets, n, _ = y.shape
    y_k = y.copy()  # deflated targets Y_k = D_k Y, D_k = I - T_k T_k' (T_k: earlier scores)
    m = y_k.transpose(0, 2, 1) @ (gram @ y_k)  # Y_k' K_k Y_k (targets x targets), kept deflated
    scores = np.zeros((n_sets, n, n_components))
    weights = np.zeros((n_sets, n, n_components))
    used = np.zeros((n_sets, n_components), dtype=bool)
    first_eigenvalue = None

    def deflated_gram_times(vectors, k):  # K_k x = D_k K x for x in the range of D_k (sets x n)
        product = vectors @ gram  # K symmetric
        previous = scores[:, :, :k]
        return product - (previous @ (product[:, None, :] @ previous).transpose(0, 2, 1))[:, :, 0]

    for k in range(n_components):
        eigenvalue, v = _leading_eigenpairs(m)  # v: leading right singular vector of X_k' Y_k
        if first_eigenvalue is None:
            first_eigenvalue = np.maximum(eigenvalue, np.finfo(float).tiny)
        active = eigenvalue > 1e-12 * first_eigenvalue
        u = (y_k @ v[:, :, None])[:, :, 0]  # G column: Y_k v
        t = deflated_gram_times(u, k)  # K_k Y_k v = X_k w (up to scale)
        norm = np.linalg.norm(t, axis=1)
        active &= norm > 0
        t = np.where(active[:, None], t / np.where(active, norm, 1)[:, None], 0.0)
        u = np.where(active[:, None], u, 0.0)
        k_t = deflated_gram_times(t, k)  # K_k t
        # Y_k' t (the y loadings) and Y_k' K_k t in one pass over Y_k
        a, c = np.moveaxis(np.stack([t, k_t], axis=1) @ y_k, 1, 0)
        d = np.sum(t * k_t, axis=1)  # t' K_k t
        m -= (a[:, :, None] * c[:, None, :] + c[:, :, None] * a[:, None, :]
              - d[:, None, None] * a[:, :, None] * a[:, None, :])
        y_k -= t[:, :, None] * a[:, None, :]
        scores[:, :, k], weights[:, :, k], used[:, k] = t, u, active
    return scores, weights, used


def _leading_eigenpairs(matrices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest eigenvalue (sets,) and its unit eigenvector (sets x q) of each symmetric matrix.

    LAPACK syevr for that one pair only (~3x cheaper than every pair, the bulk of PLS's time),
    single-threaded: these q x q calls gain nothing from threads and stall on a busy machine.
    """
    import scipy.linalg
    last = matrices.shape[-1] - 1
    with _blas_controller().limit(limits=1, user_api="blas"):
        pairs = [scipy.linalg.eigh(matrix, subset_by_index=[last, last], driver="evr", check_finite=False)
                 for matrix in matrices]
    return np.array([values[0] for values, _ in pairs]), np.stack([vectors[:, 0] for _, vectors in pairs])


@functools.lru_cache(maxsize=1)
def _blas_controller():
    """threadpoolctl's view of the loaded BLAS libraries (found once: the search is slow)."""
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController()


def _ridge_fold(features, targets, train, test, alpha):
    """Ridge predictions (test x neurons x sets) for one fold, all columns at once through the
    test images' hat matrix ``K_test (K + alpha I)^-1`` (test x train; one linear solve)."""
    k_train, k_test = _gram(features, train, test, scale=False)
    # numpy's LAPACK: scipy's bundled OpenBLAS stalls in Cholesky when numpy's threads are busy
    hat = np.linalg.solve(k_train + alpha * np.eye(len(train)), k_test.T).T
    mean = targets[train].mean(axis=0)
    flat = (targets[train] - mean).reshape(len(train), -1)
    return (hat @ flat).reshape((len(test),) + targets.shape[1:]) + mean


def _check_inputs(features, targets, folds, regression, n_components):
    if regression not in REGRESSIONS:
        raise ValueError(f"regression must be one of {REGRESSIONS}, not {regression!r}")
    features = np.asarray(features, dtype=float)
    targets = np.asarray(targets, dtype=float)
    if features.ndim != 2:
        raise DataError(f"features must be images x features, got shape {features.shape}")
    if targets.ndim not in (2, 3) or len(targets) != len(features):
        raise DataError(f"targets must be images x neurons [x sets] with {len(features)} images "
                        f"(the features' first axis), got shape {targets.shape}")
    for name, values in (("features", features), ("targets", targets)):
        if not np.isfinite(values).all():
            raise DataError(f"{name} contain NaN or inf; fill or drop them before regression")
    folds = [np.asarray(fold, dtype=int) for fold in folds]
    covered = np.sort(np.concatenate(folds)) if folds else np.array([], dtype=int)
    if not np.array_equal(covered, np.arange(len(features))):
        raise DataError(f"folds must test each of the {len(features)} images exactly once")
    smallest_train = len(features) - max(len(fold) for fold in folds)
    needed = n_components + 1 if regression == "pls" else 2
    if smallest_train < needed:
        raise DataError(f"a fold trains on only {smallest_train} images but {regression} "
                        f"needs at least {needed}" + (f" for {n_components} components"
                                                      if regression == "pls" else "")
                        + ": use more images, more folds or fewer components")
    return features, targets, folds
