"""Cross-validated linear predictions of neural responses from model features (images x targets).

Every regression works in image space from Gram matrices (features enter only through
``Z Z'`` products), so the cost does not grow with the number of features after that product,
and every target column is handled in the same matrix products:

* ``"pls"``, ``fit="per-site"`` (default): one PLS1 per target column (site), exactly
  ``sklearn.cross_decomposition.PLSRegression(n_components, scale=True)`` fitted to that column
  alone, as the Kar lab's prediction demo fits each neuron; a site's prediction therefore does not
  depend on which other sites are fitted. Features are centred and divided by their training
  standard deviation (ddof=1; a target's scaling does not change a PLS1 prediction). PLS1 with
  a components is least squares over the Krylov space span{K y, ..., K^a y} of the training Gram
  matrix K (Helland 1988), so per fold one orthogonal reduction K = Q T Q' serves every site: T
  is tridiagonal (LAPACK's Householder tridiagonalisation; on a torch device an eigendecomposition,
  T diagonal), so a product with T costs O(n) and each site's Krylov space is Q times that of T
  from z = Q'y. Each site's orthonormal basis of that space comes from Arnoldi in T's coordinates
  (elementwise, every site of a cache-sized chunk at once), its coefficients from a small SVD.
  The folds run in parallel on the CPU's cores. Agrees with sklearn to ~1e-12 relative
  (tests/metrics/test_regression.py).
* ``"pls"``, ``fit="joint"``: one PLS2 fit of all targets of a set jointly, exactly as
  ``PLSRegression(n_components, scale=True)`` on the whole matrix, which the Kar lab's
  ``reverse_pred`` calls. A site's prediction then depends on the other sites fitted with it. Each
  component's weight vector is the exact leading eigenvector of Y_k' X_k X_k' Y_k (kernel PLS,
  Rosipal & Trejo 2001); sklearn's power iteration (tolerance 1e-6) agrees to ~1e-6 relative.
  Several target sets (mean response, each split half) are fitted independently, batched.
* ``"ridge"``: ``sklearn.linear_model.Ridge(alpha)`` with intercept (features not scaled), per
  column, solved in its dual form from ONE Gram matrix per call: with M = [[K + alpha I, 1], [1', 0]]
  (the unpenalised intercept as a bordering row) and G = M^-1, a fold's test predictions are
  ``-G_ss^-1 G_sT y_T`` (block inversion; s the test images, T the training images), so one n x n
  inverse serves every fold, and each fold predicts every column with one
  product ``G_sT y_T`` and one small solve.

Missing targets (NaN) are filled inside each fold with that column's mean over the fold's training
images (never from test images): a test image's own value cannot move its own prediction.
``device`` (e.g. 'cuda') runs the Gram matrices, reductions and solves in torch on that
device (:mod:`.backend`); the joint PLS2's small eigenproblems run in numpy.
"""
from __future__ import annotations

import functools

import numpy as np

from brainscore_memorability.errors import DataError
from brainscore_memorability.metrics import backend
from brainscore_memorability.metrics.reliability import all_finite

FOLD_SCHEMES = ("reverse_pred", "sklearn")
REGRESSIONS = ("pls", "ridge")
LINEAR_IN_TARGETS = ("ridge",)  # predictions H y: a fixed linear map of each target column
FITS = ("per-site", "joint")
# a Krylov direction (or a site's least-squares direction) smaller than this fraction of the
# largest one is numerical noise: the space is exhausted (e.g. fewer features than components)
KRYLOV_TOLERANCE = 1e-10
REORTHOGONALISE = 1e-2
# the per-site PLS builds its Krylov bases a chunk of sites at a time, sized to stay in the CPU's cache
ARNOLDI_CHUNK_BYTES = 8 * 2 ** 20


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
                                scale: bool = True, fit: str = "per-site", device=None) -> np.ndarray:
    """Predict each test fold's targets from a regression fitted on the other images.

    features: images x features (finite). targets: images x neurons, or images x neurons x sets,
    where each set (e.g. a split half) is fitted independently; NaN marks a missing target, filled
    inside each fold from the training images (module docstring). folds: test-index arrays
    (:func:`folds`) covering each image exactly once. regression: 'pls' (``n_components``;
    ``scale`` as sklearn's; ``fit`` 'per-site' = one PLS1 per column, 'joint' = one PLS2 per set)
    or 'ridge' (``alpha``; per column by nature). ``device``: None (numpy) or a torch device.
    Returns numpy predictions with the shape of ``targets``.
    """
    features, targets, folds = _check_inputs(features, targets, folds, regression, n_components, fit, alpha)
    targets3 = targets[:, :, None] if targets.ndim == 2 else targets
    n_images, n_neurons, n_sets = targets3.shape
    x = backend.asarray(features, device)
    y = backend.asarray(targets3.reshape(n_images, n_neurons * n_sets), device)
    missing = not all_finite(targets3)  # the targets hold no inf (checked): a NaN is missing
    tests = [backend.indices(test, device) for test in folds]
    trains = [backend.indices(np.setdiff1d(np.arange(n_images), test, assume_unique=True), device)
              for test in folds]
    if regression == "ridge":
        predictions = _ridge(x, y, tests, trains, alpha, missing)
    else:
        def fold(test, train):
            k_train, k_test = _gram(x, train, test, scale)
            y_train = _filled(y, train, missing)
            if fit == "per-site":
                return _pls1(k_train, k_test, y_train, n_components)
            joint = _pls2(*(backend.to_numpy(m) for m in (k_train, k_test)),
                          backend.to_numpy(y_train).reshape(len(train), n_neurons, n_sets), n_components, scale)
            return backend.asarray(joint.reshape(len(test), -1), device)

        predictions = backend.zeros(y.shape, like=y)
        for test, predicted in zip(tests, _each_fold(fold, tests, trains, on_numpy=device is None)):
            predictions[test] = predicted
    predictions = backend.to_numpy(predictions).reshape(targets3.shape)
    return predictions[:, :, 0] if targets.ndim == 2 else predictions


def _filled(values, train, missing: bool = True):
    """The training rows of ``values`` (images x columns) with each NaN replaced by its column's
    mean over the valid training rows (0 for a column without any); ``missing=False``: no NaN."""
    xp = backend.namespace_of(values)
    rows = values[train]
    if not missing:
        return rows
    valid = xp.isfinite(rows)
    zeroed = xp.where(valid, rows, 0.0)
    return xp.where(valid, rows, zeroed.sum(0) / backend.clip_min(valid.sum(0), 1))


def _centre_scale(values, scale: bool):
    """Mean and standard deviation (ddof=1, 0 -> 1, as sklearn's PLS) of each column over axis 0."""
    xp = backend.namespace_of(values)
    mean = values.mean(0)
    if not scale:
        return mean, 1.0
    std = xp.sqrt(((values - mean) ** 2).sum(0) / (len(values) - 1))
    return mean, xp.where(std == 0, 1.0, std)


def _gram(features, train, test, scale: bool):
    """K_train (train x train) and K_test (test x train) of the fold-standardised features."""
    mean, std = _centre_scale(features[train], scale)
    z_train, z_test = (features[train] - mean) / std, (features[test] - mean) / std
    return z_train @ z_train.T, z_test @ z_train.T


def _each_fold(fit, tests, trains, on_numpy: bool):
    """``fit(test, train)`` of every fold, in order. numpy: the folds run in as many threads as BLAS
    would use (its thread count: the CPU's cores unless the caller limits it), each fold with one
    BLAS thread (independent folds use the cores better than threads inside one fold's small
    products and LAPACK's memory-bound tridiagonalisation); torch: one after another."""
    if not on_numpy:
        return [fit(test, train) for test, train in zip(tests, trains)]
    from concurrent.futures import ThreadPoolExecutor
    blas = _blas_controller().select(user_api="blas").info()
    workers = min(len(tests), max([1] + [library["num_threads"] for library in blas]))
    with _blas_controller().limit(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fit, tests, trains))


def _tridiagonal(k_train):
    """K = Q T Q' with T symmetric tridiagonal: (T's diagonal, its off-diagonal, M -> Q' M).

    numpy: LAPACK's Householder tridiagonalisation (sytrd, lower), Q' applied from its reflectors
    (ormqr on the trailing rows; sytrd's Q is diag(1, Q_qr)): ~4x cheaper than a full
    eigendecomposition, which the Krylov bases do not need. torch: ``eigh`` (T diagonal).
    """
    if not isinstance(k_train, np.ndarray):
        eigenvalues, eigenvectors = backend.namespace_of(k_train).linalg.eigh(k_train)
        return eigenvalues, backend.zeros(eigenvalues[1:].shape, like=eigenvalues), lambda m: eigenvectors.T @ m
    from scipy.linalg import lapack
    n = len(k_train)
    packed, diagonal, off_diagonal, tau, info = lapack.dsytrd(
        np.asfortranarray(k_train), lower=1, lwork=int(lapack.dsytrd_lwork(n, lower=1)[0]), overwrite_a=1)
    if info:
        raise np.linalg.LinAlgError(f"LAPACK sytrd failed (info {info})")
    reflectors = packed[1:, :n - 1]

    def rotate(m):  # Q' m, m: n x columns
        rotated = np.array(m, order="F")
        if n > 1:
            rotated[1:], _, status = lapack.dormqr("L", "T", reflectors, tau, rotated[1:],
                                                  lwork=64 * max(1, m.shape[1]), overwrite_c=1)
            if status:
                raise np.linalg.LinAlgError(f"LAPACK ormqr failed (info {status})")
        return rotated
    return diagonal, off_diagonal, rotate


def _pls1(k_train, k_test, y_train, n_components: int):
    """Per-column PLS1 predictions (test x columns) from one fold's Gram matrices (module docstring).

    y_train: train x columns (finite). In the basis of K = Q T Q' (T tridiagonal, :func:`_tridiagonal`)
    every column's Krylov basis u_0..u_a (Arnoldi, full reorthogonalisation twice, all columns of a
    cache-sized chunk in the same elementwise operations) gives ``T U_a = U_{a+1} H``; the column's
    coefficients c solve min | |z| e_1 - H c | (batched SVD; directions below KRYLOV_TOLERANCE of
    the largest dropped, as where K is singular on the Krylov space) and its dual coefficients are
    ``Q U_a c``, so its test predictions are ``(K_test Q) (U_a c)``.
    """
    xp = backend.namespace_of(k_train)
    mean = y_train.mean(0)
    diagonal, off_diagonal, rotate = _tridiagonal(k_train)
    z = rotate(y_train - mean).T  # columns x train (Q' y per column), each column's row contiguous
    n_columns, n_train = z.shape
    dual = backend.zeros(z.shape, like=z)  # columns x train: U_a c, in T's coordinates
    on_cpu = isinstance(z, np.ndarray) or z.device.type == "cpu"
    chunk = max(1, ARNOLDI_CHUNK_BYTES // (8 * (n_components + 1) * n_train)) if on_cpu else n_columns
    for first in range(0, n_columns, chunk):
        columns = slice(first, first + chunk)
        basis, hessenberg, norm = _arnoldi(diagonal, off_diagonal, z[columns], n_components)
        left, singular, right = xp.linalg.svd(hessenberg, full_matrices=False)
        kept = singular > KRYLOV_TOLERANCE * singular[:, :1]
        inverse = xp.where(kept, 1.0 / xp.where(kept, singular, 1.0), 0.0)
        coefficients = xp.einsum("cji,cj->ci", right, inverse * norm[:, None] * left[:, 0, :])
        dual[columns] = (coefficients[:, None, :] @ basis[:, :n_components])[:, 0]
    return rotate(k_test.T).T @ dual.T + mean


def _arnoldi(diagonal, off_diagonal, z, n_components: int):
    """Orthonormal Krylov bases of the symmetric tridiagonal T (``diagonal``, ``off_diagonal``) from
    each row of z (columns x n).

    Classical Gram-Schmidt against every earlier vector, repeated where a column's new direction
    kept less than REORTHOGONALISE of its length (then one pass could leave eps / REORTHOGONALISE
    of the earlier vectors in it; "twice is enough", Giraud et al. 2005).
    Returns the bases (columns x (a+1) x n), the Hessenberg matrices (columns x (a+1) x a) and |z|
    (columns). A column whose space is exhausted (next direction below KRYLOV_TOLERANCE of its
    image, e.g. fewer features than components, or z = 0) gets zero basis vectors from there on.
    """
    xp = backend.namespace_of(z)
    n_columns, n = z.shape
    norm = xp.sqrt((z * z).sum(1))
    basis = backend.zeros((n_columns, n_components + 1, n), like=z)
    hessenberg = backend.zeros((n_columns, n_components + 1, n_components), like=z)
    basis[:, 0] = xp.where(norm[:, None] > 0, z / xp.where(norm > 0, norm, 1.0)[:, None], 0.0)
    for j in range(n_components):
        earlier = basis[:, :j + 1]
        w = diagonal * basis[:, j]  # T u_j
        w[:, :-1] += off_diagonal * basis[:, j, 1:]
        w[:, 1:] += off_diagonal * basis[:, j, :-1]
        before = xp.sqrt((w * w).sum(1))
        for orthogonalisation in range(2):  # the second only where cancellation was severe
            h = (earlier @ w[:, :, None])[:, :, 0]
            w = w - (h[:, None, :] @ earlier)[:, 0]
            hessenberg[:, :j + 1, j] += h
            after = xp.sqrt((w * w).sum(1))
            if not bool((after < REORTHOGONALISE * before).any()):
                break
        grows = after > KRYLOV_TOLERANCE * before
        basis[:, j + 1] = xp.where(grows[:, None], w / xp.where(grows, after, 1.0)[:, None], 0.0)
        hessenberg[:, j + 1, j] = xp.where(grows, after, 0.0)
    return basis, hessenberg, norm


def _ridge(features, targets, tests, trains, alpha: float, missing: bool):
    """Ridge predictions (images x columns) for every fold from one Gram matrix (module docstring):
    per fold ``-G_ss^-1 (G_sT y_T)``, one product and one small solve for every column at once,
    y_T the fold's training rows with each NaN filled by its column's training mean (:func:`_filled`).
    """
    xp = backend.namespace_of(features)
    centred = features - features.mean(0)  # ridge with intercept is invariant to shifting features
    inverse = xp.linalg.inv(centred @ centred.T + alpha * backend.eye(len(features), like=features))
    inverse = (inverse + inverse.T) / 2
    row = inverse.sum(0)
    bordered = inverse - row[:, None] * row[None, :] / row.sum()  # (M^-1)'s images x images block
    predictions = backend.zeros(targets.shape, like=targets)
    for test, train in zip(tests, trains):
        rows = bordered[test]
        predictions[test] = -xp.linalg.solve(rows[:, test], rows[:, train] @ _filled(targets, train, missing))
    return predictions


def _pls2(k_train, k_test, y_train, n_components: int, scale: bool):
    """Joint PLS2 predictions (test x neurons x sets) for one fold; each set fitted on its own.

    k_train, k_test: the fold's Gram matrices; y_train: train x neurons x sets (finite).
    """
    mean, std = _centre_scale(y_train, scale)
    y = np.ascontiguousarray(np.moveaxis((y_train - mean) / std, 2, 0))  # sets x train x neurons
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


def _check_inputs(features, targets, folds, regression, n_components, fit, alpha):
    if regression not in REGRESSIONS:
        raise ValueError(f"regression must be one of {REGRESSIONS}, not {regression!r}")
    if regression == "ridge" and not alpha > 0:
        raise ValueError(f"ridge alpha must be > 0 (the dual solution inverts K + alpha I), got {alpha!r}")
    if fit not in FITS:
        raise ValueError(f"fit must be one of {FITS}, not {fit!r}")
    features = np.asarray(features, dtype=float)
    targets = np.asarray(targets, dtype=float)
    if features.ndim != 2:
        raise DataError(f"features must be images x features, got shape {features.shape}")
    if targets.ndim not in (2, 3) or len(targets) != len(features):
        raise DataError(f"targets must be images x neurons [x sets] with {len(features)} images "
                        f"(the features' first axis), got shape {targets.shape}")
    if not all_finite(features):
        raise DataError("features contain NaN or inf; fill or drop them before regression")
    if np.isinf(targets).any():
        raise DataError("targets contain +-inf; mark missing values with NaN")
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
