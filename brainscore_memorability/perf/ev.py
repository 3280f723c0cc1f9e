"""Noise-corrected % EV: this package vs ``reverse_pred`` and vs a per-neuron scikit-learn loop.

Workload (full): 1320 images x 300 neurons x 40 repetitions, 2048 model features, PLS with 20
components (scaled, as the Kar lab's) and ridge (alpha 0.1), 10 folds, 10 split halvings,
Spearman neural reliability. All three compute the same quantities on the same folds and halvings
(reverse_pred's unseeded halvings are replaced by seeded ones, one per repetition of its loop, the
same for its model and neural reliabilities, as this package uses them):

* this package: :func:`..metrics.explained_variance_details`, all neurons at once;
* ``reverse_pred.model_to_monkey.compute_model_to_monkey`` (``reps`` = halvings), which fits one
  multi-output sklearn model per fold and target set; PLS2 over all neurons, like this package;
* a loop over neurons and halvings in the style of the Kar lab's prediction demo: per fold one
  ``PLSRegression``/``Ridge`` per neuron. Its PLS fits each neuron alone (PLS1), a different
  estimator than PLS2, so its agreement is checked against this package fitting those neurons alone.

The peers are timed on the first ``*_splits`` halvings (and the loop on ``loop_neurons`` neurons)
and their time scaled linearly: each halving (neuron) repeats the same fits.
"""
from __future__ import annotations

import itertools
import tempfile
import time
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np

from brainscore_memorability.perf import measure, ratio, row

FULL = dict(images=1320, neurons=300, repetitions=40, features=2048, components=20, alpha=0.1,
            splits=10, reverse_pred_splits=1, loop_neurons=1, loop_splits=1)
QUICK = dict(images=120, neurons=8, repetitions=6, features=64, components=20, alpha=0.1,
             splits=3, reverse_pred_splits=2, loop_neurons=2, loop_splits=1)
AGREEMENT = 0.1  # % EV points: the largest per-neuron difference that counts as agreement
GOAL = 20  # times faster
N_FOLDS = 10


def generate(sizes: dict, seed: int = 0):
    """features (images x features) and rates (images x neurons x repetitions) sharing a 20-d
    latent space; per-neuron signal variance 1, trial noise SD 3 (split-half reliability ~0.7 at
    40 repetitions), so EVs span a realistic range."""
    rng = np.random.default_rng(seed)
    n, q, r, f = sizes["images"], sizes["neurons"], sizes["repetitions"], sizes["features"]
    latent = rng.standard_normal((n, 20))
    features = latent @ rng.standard_normal((20, f)) + rng.standard_normal((n, f))
    signal = latent @ rng.standard_normal((20, q)) * rng.uniform(0.3, 1, q) + rng.standard_normal((n, q))
    signal = (signal - signal.mean(0)) / signal.std(0)
    noise = 3.0 * np.sqrt(r / 40)  # the same reliability at any number of repetitions
    return features, signal[:, :, None] + noise * rng.standard_normal((n, q, r))


def halving_seeds(n_splits: int) -> list[int]:
    return [1000 + s for s in range(n_splits)]


def permutations(n_repetitions: int, seeds) -> np.ndarray:
    """The halvings: row s is ``default_rng(seeds[s]).permutation(n_repetitions)``, the order in
    which reverse_pred's ``get_splithalves`` with that generator shuffles the repetitions."""
    return np.stack([np.random.default_rng(seed).permutation(n_repetitions) for seed in seeds])


def ours(features, rates, regression, sizes, perms):
    from brainscore_memorability.metrics import explained_variance_details
    return explained_variance_details(features, rates, regression=regression, n_components=sizes["components"],
                                      alpha=sizes["alpha"], n_folds=N_FOLDS, permutations=perms,
                                      reliability_correlation="spearman")


def reverse_pred_ev(features, rates, regression, seeds) -> np.ndarray:
    """reverse_pred's % EV per neuron, averaged over one repetition of its loop per seed."""
    import reverse_pred.prediction_utils as prediction_utils
    from reverse_pred.model_to_monkey import compute_model_to_monkey
    original = prediction_utils.get_splithalves
    calls = itertools.count()

    def seeded(var, ax=1, rng=None):  # two calls per repetition: model, then neural reliability
        return original(var, ax=ax, rng=np.random.default_rng(seeds[next(calls) // 2]))

    prediction_utils.get_splithalves = seeded
    try:
        with tempfile.TemporaryDirectory() as out, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn's PLS convergence warnings
            compute_model_to_monkey(features, rates, out, reps=len(seeds), model_type=regression)
            return np.load(Path(out) / "forward_ev.npy")
    finally:
        prediction_utils.get_splithalves = original


def per_neuron_loop(features, rates, regression, sizes, perms, neurons):
    """% EV of each neuron in ``neurons``, fitted one neuron at a time as in the Kar lab's demo.

    Returns (EV per neuron, seconds spent predicting the mean responses, seconds spent on the
    halvings), so that the time can be scaled to more neurons and halvings.
    """
    from reverse_pred.regression_metrics import get_train_test_indices
    from scipy import stats
    from sklearn.cross_decomposition import PLSRegression
    from sklearn.linear_model import Ridge
    n_images = len(features)
    folds = [get_train_test_indices(n_images, nrfolds=N_FOLDS, foldnumber=i, seed=0) for i in range(N_FOLDS)]

    def predict(target):
        prediction = np.empty(n_images)
        for train, test in folds:
            model = (PLSRegression(n_components=sizes["components"]) if regression == "pls"
                     else Ridge(alpha=sizes["alpha"]))
            prediction[test] = model.fit(features[train], target[train]).predict(features[test]).ravel()
        return prediction

    def spearman_brown(r):
        return 2 * r / (1 + r)

    first = (rates.shape[2] + 1) // 2
    evs, mean_seconds, halving_seconds = [], 0.0, 0.0
    for neuron in neurons:
        started = time.perf_counter()
        response = np.nanmean(rates[:, neuron], axis=1)
        r = stats.pearsonr(predict(response), response)[0]
        mean_seconds += time.perf_counter() - started
        started = time.perf_counter()
        per_split = []
        for perm in perms:
            half1 = np.nanmean(rates[:, neuron, perm[:first]], axis=1)
            half2 = np.nanmean(rates[:, neuron, perm[first:]], axis=1)
            neural = spearman_brown(stats.spearmanr(half1, half2)[0])
            model = spearman_brown(stats.pearsonr(predict(half1), predict(half2))[0])
            per_split.append(100 * r ** 2 / (neural * model))
        evs.append(np.mean(per_split))
        halving_seconds += time.perf_counter() - started
    return np.array(evs), mean_seconds, halving_seconds


def run(quick: bool = False) -> list[dict]:
    sizes = QUICK if quick else FULL
    warm_up = dict(QUICK, images=30, neurons=2, features=25, splits=1, components=2)
    features, rates = generate(warm_up)  # imports and first-call set-up, untimed
    for regression in ("pls", "ridge"):
        ours(features, rates, regression, warm_up, permutations(warm_up["repetitions"], [0]))
        per_neuron_loop(features, rates, regression, warm_up, permutations(warm_up["repetitions"], [0]), [0])
    reverse_pred_ev(features, rates, "ridge", [0])
    features, rates = generate(sizes)
    seeds = halving_seeds(sizes["splits"])
    perms = permutations(sizes["repetitions"], seeds)
    shape = f"{sizes['images']} images x {sizes['neurons']} neurons x {sizes['repetitions']} reps x {sizes['features']} features"
    rows = []
    for regression in ("pls", "ridge"):
        name = f"% EV {'PLS-' + str(sizes['components']) if regression == 'pls' else 'ridge'} ({shape})"
        goal = f">= {GOAL}x faster, EV within {AGREEMENT} % points"
        mine = measure(ours, features, rates, regression, sizes, perms)
        details = mine.value
        rows.append(row(name, "brainscore_memorability", mine.seconds, mine.peak_mib,
                        timed_on=f"all {sizes['neurons']} neurons, {sizes['splits']} halvings"))

        k = sizes["reverse_pred_splits"]
        theirs = measure(reverse_pred_ev, features, rates, regression, seeds[:k])
        mine_k = np.nanmean(details.explained_variance_per_split[:, :k], axis=1)
        seconds = theirs.seconds * sizes["splits"] / k
        difference = float(np.nanmax(np.abs(theirs.value - mine_k)))
        speedup = seconds / mine.seconds
        rows.append(row(name, f"reverse_pred {version('reverse-pred')} (compute_model_to_monkey)", theirs.seconds, theirs.peak_mib,
                        seconds=seconds, timed_on=f"{k} of {sizes['splits']} halvings, scaled x{sizes['splits'] / k:g}",
                        speedup=speedup, memory_ratio=ratio(mine.peak_mib, theirs.peak_mib), difference=difference,
                        difference_unit="% EV", goal=goal, goal_met=speedup >= GOAL and difference <= AGREEMENT))

        neurons = np.arange(sizes["loop_neurons"])
        k = sizes["loop_splits"]
        loop = measure(per_neuron_loop, features, rates, regression, sizes, perms[:k], neurons)
        evs, mean_seconds, halving_seconds = loop.value
        scale = sizes["neurons"] / len(neurons)
        seconds = scale * (mean_seconds + halving_seconds * sizes["splits"] / k)
        if regression == "pls":  # the loop's estimator is PLS1: compare with this package on one neuron
            mine_alone = np.array([np.nanmean(ours(features, rates[:, [n]], regression, sizes, perms[:k])
                                              .explained_variance_per_split) for n in neurons])
            note = ("loop fits each neuron alone (PLS1), this package all jointly (PLS2, as reverse_pred); "
                    "difference: vs this package fitting the timed neurons alone")
        else:
            mine_alone = np.nanmean(details.explained_variance_per_split[neurons, :k], axis=1)
            note = "ridge: per-neuron and joint fits are the same estimator"
        difference = float(np.nanmax(np.abs(evs - mine_alone)))
        speedup = seconds / mine.seconds
        rows.append(row(name, "per-neuron scikit-learn loop (Kar-lab demo style)", loop.seconds, loop.peak_mib,
                        seconds=seconds, timed_on=f"{len(neurons)} of {sizes['neurons']} neurons x {k} of "
                        f"{sizes['splits']} halvings, scaled linearly", speedup=speedup,
                        memory_ratio=ratio(mine.peak_mib, loop.peak_mib), difference=difference, difference_unit="% EV",
                        goal=goal, goal_met=speedup >= GOAL and difference <= AGREEMENT, note=note))
    return rows
