"""Paired statistics across neurons (or architectures): a test, an effect size and a bootstrap CI.

Every comparison of the study pairs two values per unit (per neuron: % EV of model B and of model A;
per architecture: ANN-IT similarity of its LaMem- and its ImageNet-trained version). For the
differences ``d = b - a`` over the units where both are finite:

* test ``"t"``: paired t-test (scipy ``ttest_rel``), effect size Cohen's d_z = mean(d) / sd(d)
  (ddof 1; equals t / sqrt(n)); the summary is the mean difference;
* test ``"wilcoxon"``: Wilcoxon signed-rank test (scipy's default method, zero differences
  dropped, continuity correction as pingouin uses), effect size the
  matched-pairs rank-biserial correlation (W+ - W-) / (W+ + W-) in [-1, 1]; the summary is the median
  difference;
* the summary's confidence interval: bias-corrected and accelerated (BCa) bootstrap over units
  (scipy ``bootstrap``, seeded), resampling the pairs together.

Checked against pingouin 0.5.5 (``ttest``, ``wilcoxon``, ``compute_bootci``) in
tests/analysis/test_statistics.py.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from brainscore_memorability.errors import DataError

TESTS = ("t", "wilcoxon")
MIN_UNITS = 3


@dataclass(frozen=True)
class PairedComparison:
    """The outcome of :func:`paired_comparison`; ``difference`` is b - a (mean for "t", median for
    "wilcoxon"), ``ci_low``/``ci_high`` its bootstrap confidence interval."""
    label: str
    n: int
    mean_a: float
    mean_b: float
    median_a: float
    median_b: float
    difference: float
    ci_low: float
    ci_high: float
    confidence: float
    test: str
    statistic: float
    p_value: float
    effect_size: float
    effect_size_name: str

    def row(self) -> dict:
        """As one flat CSV row."""
        return asdict(self)


def paired_values(a, b, label: str = "") -> tuple[np.ndarray, np.ndarray]:
    """``a`` and ``b`` as 1-d float arrays over the units where both are finite.

    Either may be a scalar (a one-sample comparison against it). Raises :class:`DataError` naming
    ``label`` when the shapes differ or fewer than 3 pairs remain.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim == 0 or b.ndim == 0:
        a, b = np.broadcast_arrays(a, b)
    a, b = a.reshape(-1), b.reshape(-1)
    if a.shape != b.shape:
        raise DataError(f"{label or 'paired comparison'}: {a.size} values against {b.size}; "
                        f"pair the same units (neurons) in the same order")
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < MIN_UNITS:
        raise DataError(f"{label or 'paired comparison'}: only {int(keep.sum())} unit(s) with finite values in "
                        f"both (of {a.size}); a paired test needs at least {MIN_UNITS}")
    return a[keep], b[keep]


def paired_comparison(a, b, label: str = "", test: str = "t", confidence: float = 0.95,
                      n_resamples: int = 9999, seed: int = 0) -> PairedComparison:
    """Compare ``b`` with ``a`` paired over units (see module docstring); NaN pairs are dropped."""
    if test not in TESTS:
        raise ValueError(f"test must be one of {TESTS}, not {test!r}")
    a, b = paired_values(a, b, label)
    d = b - a
    summary = np.mean if test == "t" else np.median
    if test == "t":
        statistic, p_value, effect, effect_name = _t_test(d)
    else:
        statistic, p_value, effect, effect_name = _wilcoxon(d)
    ci_low, ci_high = bootstrap_ci(d, summary, confidence, n_resamples, seed)
    return PairedComparison(
        label=label, n=d.size, mean_a=float(a.mean()), mean_b=float(b.mean()), median_a=float(np.median(a)),
        median_b=float(np.median(b)), difference=float(summary(d)), ci_low=ci_low, ci_high=ci_high,
        confidence=confidence, test=test, statistic=statistic, p_value=p_value, effect_size=effect,
        effect_size_name=effect_name)


def _t_test(d: np.ndarray) -> tuple[float, float, float, str]:
    sd = d.std(ddof=1)
    if sd == 0:  # every difference equal: t is 0 (no difference) or infinite
        mean = float(d.mean())
        return (0.0, 1.0, 0.0, "cohen_dz") if mean == 0 else (np.copysign(np.inf, mean), 0.0,
                                                              np.copysign(np.inf, mean), "cohen_dz")
    result = stats.ttest_1samp(d, 0.0)
    return float(result.statistic), float(result.pvalue), float(d.mean() / sd), "cohen_dz"


def _wilcoxon(d: np.ndarray) -> tuple[float, float, float, str]:
    nonzero = d[d != 0]
    if nonzero.size == 0:
        return 0.0, 1.0, 0.0, "rank_biserial"
    ranks = stats.rankdata(np.abs(nonzero))
    positive, negative = ranks[nonzero > 0].sum(), ranks[nonzero < 0].sum()
    result = stats.wilcoxon(nonzero, correction=True)
    return float(result.statistic), float(result.pvalue), float((positive - negative) / ranks.sum()), "rank_biserial"


def bootstrap_ci(values, statistic=np.mean, confidence: float = 0.95, n_resamples: int = 9999,
                 seed: int = 0) -> tuple[float, float]:
    """BCa bootstrap confidence interval of ``statistic`` over ``values`` (1-d, finite), seeded.

    Constant values give the degenerate interval (value, value) rather than NaN.
    """
    values = np.asarray(values, dtype=float)
    if np.ptp(values) == 0:
        value = float(statistic(values))
        return value, value
    result = stats.bootstrap((values,), statistic, confidence_level=confidence, n_resamples=n_resamples,
                             method="BCa", random_state=np.random.default_rng(seed), vectorized=True)
    return float(result.confidence_interval.low), float(result.confidence_interval.high)
