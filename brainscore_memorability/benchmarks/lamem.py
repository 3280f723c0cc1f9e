"""``LaMem-memorability``: how well a linear read-out of a model's IT layer predicts human memorability.

For each LaMem split k (all 5 by default; Khosla et al., ICCV 2015):

1. record the candidate's IT layer (``start_recording('IT', [(70, 170)])``, Brain-Score's standard
   IT window; a static model answers with its IT layer) for the split's training images (all
   45,000, or ``max_train_images`` drawn with ``default_rng(train_seed)``, recorded in the Score),
   images shown whole as the model's preprocessing sees them (LaMem has no viewing angle);
2. fit a ridge read-out (sklearn ``Ridge(alpha)``: intercept, features centred, not scaled) from the
   features to the training images' scores of split k. The penalty is chosen on the training
   images only: ``alpha = 10**j * trace(K_c) / n`` (K_c the centred Gram matrix of the training
   features, so the grid follows the features' scale), j = -4..4, by 5-fold cross-validation
   (:func:`brainscore_memorability.metrics.folds`, seed ``train_seed``), keeping the alpha whose
   cross-validated predictions have the highest Spearman rho with the scores (ties: the larger);
3. predict split k's 10,000 test images (recorded ``chunk_size`` at a time) and compute Spearman
   rho_k between predictions and split k's test scores.

score_k = clip(rho_k / 0.68, 0, 1), 0.68 being LaMem's human consistency (Spearman rho between two
halves of the participants, Khosla et al. 2015). The Score's value is the mean of score_k over the
splits, ``error`` their standard deviation (ddof 1; NaN for one split), ``raw`` the mean rho_k and
``ceiling`` 0.68. Splits are never merged: every rho belongs to one split's (training, test)
images and scores. ``attrs['splits']`` is a table with, per split: rho, score, alpha, n_train,
n_train_total, n_test and ``head_rho``: for a model with a memorability head (this package's
LaMem-trained and joint networks, ResMem) the Spearman rho of the head's own predictions on the
same test images (NaN for models without one); ``attrs['head_rho']`` is its mean.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from brainscore_core.benchmarks import BenchmarkBase
from brainscore_core.metrics import Score

from brainscore_memorability.data import lamem as lamem_data
from brainscore_memorability.data.lamem import BIBTEX
from brainscore_memorability.errors import MemorabilityError

IDENTIFIER = "LaMem-memorability"
HUMAN_CONSISTENCY = 0.68  # Khosla et al. 2015: Spearman rho between two halves of the participants
REGION, TIME_BINS = "IT", [(70, 170)]
ALPHA_EXPONENTS = np.arange(-4, 5)  # alpha = 10**j * trace(K_c) / n
INNER_FOLDS = 5


@dataclass(frozen=True)
class Readout:
    """A fitted ridge read-out: ``predict(features) = (features - feature_mean) @ weights + score_mean``."""
    weights: np.ndarray  # (features,)
    feature_mean: np.ndarray  # (features,)
    score_mean: float
    alpha: float
    alphas: np.ndarray  # the grid searched
    cv_rho: np.ndarray  # cross-validated Spearman rho of each alpha on the training images

    def predict(self, features: np.ndarray) -> np.ndarray:
        return (np.asarray(features, dtype=float) - self.feature_mean) @ self.weights + self.score_mean


def ridge_readout(features: np.ndarray, scores: np.ndarray, n_folds: int = INNER_FOLDS, seed: int = 0,
                  exponents=ALPHA_EXPONENTS) -> Readout:
    """Ridge from features (images x features) to scores (images,), alpha by CV on these images only
    (module docstring, step 2)."""
    from brainscore_memorability.metrics import cross_validated_predictions, folds
    from brainscore_memorability.metrics.cka import gram_preserving
    from brainscore_memorability.metrics.reliability import correlate
    features, scores = np.asarray(features, dtype=float), np.asarray(scores, dtype=float)
    if features.ndim != 2 or len(features) != len(scores) or not np.isfinite(features).all():
        raise MemorabilityError(f"read-out needs finite features, images x features, one per score; got "
                                f"{features.shape} for {scores.shape} scores")
    feature_mean = features.mean(axis=0)
    centred = features - feature_mean
    # ridge depends on the features only through their dot products: fit on an images x images factor
    factor = gram_preserving(centred)
    gram = factor @ factor.T
    alphas = 10.0 ** np.asarray(exponents, dtype=float) * max(np.trace(gram) / len(gram), np.finfo(float).tiny)
    inner = folds(len(scores), n_folds=n_folds, seed=seed, scheme="sklearn")
    predictions = np.stack([cross_validated_predictions(factor, scores[:, None], inner, regression="ridge", alpha=a)[:, 0]
                            for a in alphas], axis=1)
    cv_rho = correlate(predictions, np.repeat(scores[:, None], len(alphas), axis=1), "spearman")
    best = len(alphas) - 1 - int(np.nanargmax(np.nan_to_num(cv_rho, nan=-np.inf)[::-1]))
    dual = np.linalg.solve(gram + alphas[best] * np.eye(len(gram)), scores - scores.mean())
    return Readout(centred.T @ dual, feature_mean, float(scores.mean()), float(alphas[best]), alphas, cv_rho)


def spearman(a, b) -> float:
    """Spearman rho between two vectors (NaN where undefined, as :func:`..metrics.correlate`)."""
    from brainscore_memorability.metrics.reliability import correlate
    return float(correlate(np.asarray(a, float)[:, None], np.asarray(b, float)[:, None], "spearman")[0])


def build(data=None, splits=None, max_train_images: int | None = None, train_seed: int = 0,
          chunk_size: int = 1000) -> "LamemBenchmark":
    """The benchmark on the LaMem folder ``data`` (default: env var / config, :mod:`..data.lamem`)
    for ``splits`` (default all 5), with at most ``max_train_images`` training images per split."""
    return LamemBenchmark(data, splits, max_train_images, train_seed, chunk_size)


class LamemBenchmark(BenchmarkBase):
    """Human memorability from a linear read-out of the model's IT layer (module docstring)."""

    def __init__(self, data=None, splits=None, max_train_images: int | None = None, train_seed: int = 0,
                 chunk_size: int = 1000):
        super().__init__(identifier=IDENTIFIER, ceiling=Score(HUMAN_CONSISTENCY), version=1, parent="behavior",
                         bibtex=BIBTEX)
        self.splits = tuple(splits or lamem_data.SPLITS)
        unknown = [k for k in self.splits if k not in lamem_data.SPLITS]
        if unknown:
            raise MemorabilityError(f"LaMem has splits {lamem_data.SPLITS}, not {unknown}")
        if max_train_images is not None and max_train_images < 2:
            raise MemorabilityError(f"the training-image cap must be at least 2, not {max_train_images}")
        self._data, self.max_train_images, self.train_seed = data, max_train_images, train_seed
        self.chunk_size = chunk_size

    @functools.cached_property
    def root(self):
        """The LaMem folder (found on first use, so loading the benchmark reads nothing)."""
        return lamem_data.locate(self._data)

    def __call__(self, candidate) -> Score:
        rows = [self.score_split(candidate, split) for split in self.splits]
        return lamem_score(pd.DataFrame(rows), self.max_train_images, self.train_seed)

    def score_split(self, candidate, split: int) -> dict:
        """One split's row of ``attrs['splits']`` (module docstring)."""
        train_all = lamem_data.read_table(self.root, "train", split)
        train = lamem_data.cap(train_all, self.max_train_images, self.train_seed)
        test = lamem_data.read_table(self.root, "test", split)
        readout = ridge_readout(self.features(candidate, train), train["memorability"].to_numpy(), seed=self.train_seed)
        predictions = np.concatenate([readout.predict(self.features(candidate, test.iloc[start:start + self.chunk_size]))
                                      for start in range(0, len(test), self.chunk_size)])
        return {"split": split, "rho": spearman(predictions, test["memorability"]),
                "alpha": readout.alpha, "n_train": len(train), "n_train_total": len(train_all),
                "n_test": len(test), "head_rho": head_rho(candidate, lamem_data.image_paths(self.root, test),
                                                          test["memorability"].to_numpy())}

    def features(self, candidate, table: pd.DataFrame) -> np.ndarray:
        """The candidate's IT features for the rows of ``table``: images (in row order) x features."""
        from brainscore_memorability.benchmarks.temporal_it import model_features
        stimulus_set = lamem_data.stimulus_set(self.root, table)
        candidate.start_recording(REGION, time_bins=TIME_BINS)
        activations = candidate.look_at(stimulus_set, number_of_trials=1)
        return model_features(activations, list(table["stimulus_id"]), TIME_BINS, 0)


def head_rho(candidate, paths, scores: np.ndarray) -> float:
    """Spearman rho of the candidate's own memorability head on ``paths`` (NaN without a head)."""
    zoo_network = getattr(candidate, "zoo_network", None)
    if zoo_network is None or zoo_network.memorability is None:
        return np.nan
    from brainscore_memorability.models.zoo import head_predictions
    return spearman(head_predictions(zoo_network, paths), scores)


def lamem_score(splits: pd.DataFrame, max_train_images: int | None, train_seed: int) -> Score:
    """The benchmark's Score from the per-split table (columns of :meth:`LamemBenchmark.score_split`)."""
    splits = splits.assign(score=np.clip(splits["rho"] / HUMAN_CONSISTENCY, 0, 1))
    values = splits["score"].to_numpy(float)
    score = Score(float(np.nanmean(values)) if np.isfinite(values).any() else np.nan)
    finite = values[np.isfinite(values)]
    head = splits["head_rho"].to_numpy(float)
    score.attrs.update(
        raw=Score(float(np.nanmean(splits["rho"])) if np.isfinite(splits["rho"]).any() else np.nan),
        ceiling=Score(HUMAN_CONSISTENCY), error=Score(float(np.std(finite, ddof=1)) if len(finite) > 1 else np.nan),
        splits=splits, max_train_images=max_train_images, train_seed=train_seed,
        head_rho=float(np.nanmean(head)) if np.isfinite(head).any() else np.nan)
    return score
