"""Paired statistics across neurons, checked against pingouin 0.5.5 and scipy, plus edge cases."""
import numpy as np
import pingouin
import pytest

from brainscore_memorability.analysis.statistics import bootstrap_ci, paired_comparison, paired_values
from brainscore_memorability.errors import DataError


@pytest.fixture
def pairs():
    rng = np.random.default_rng(7)
    a = rng.normal(20, 5, 60)  # % EV of model A per neuron
    return a, a + rng.normal(1.5, 3, 60)  # model B: 1.5 points better on average


def test_t_test_and_effect_size_match_pingouin(pairs):
    a, b = pairs
    ours = paired_comparison(a, b, test="t")
    reference = pingouin.ttest(b, a, paired=True)
    assert ours.statistic == pytest.approx(reference["T"].iloc[0], rel=1e-10)
    assert ours.p_value == pytest.approx(reference["p-val"].iloc[0], rel=1e-8)
    # d_z: pingouin's one-sample Cohen d of the differences; identity d_z = t / sqrt(n)
    assert ours.effect_size == pytest.approx(pingouin.compute_effsize(b - a, np.zeros(1)), rel=1e-10)
    assert ours.effect_size == pytest.approx(ours.statistic / np.sqrt(60), rel=1e-10)
    assert ours.difference == pytest.approx(np.mean(b - a)) and ours.n == 60
    assert ours.mean_a == pytest.approx(a.mean()) and ours.median_b == pytest.approx(np.median(b))


def test_wilcoxon_and_rank_biserial_match_pingouin(pairs):
    a, b = pairs
    for n in (20, 60):  # exact and normal-approximation regimes of scipy
        ours = paired_comparison(a[:n], b[:n], test="wilcoxon")
        reference = pingouin.wilcoxon(b[:n], a[:n])
        assert ours.statistic == pytest.approx(reference["W-val"].iloc[0])
        assert ours.p_value == pytest.approx(reference["p-val"].iloc[0], rel=1e-8)
        assert ours.effect_size == pytest.approx(reference["RBC"].iloc[0], rel=1e-10)
        assert ours.difference == pytest.approx(np.median(b[:n] - a[:n]))


def test_bootstrap_ci_agrees_with_pingouin_and_covers_the_truth(pairs):
    a, b = pairs
    ours = paired_comparison(a, b)
    reference = pingouin.compute_bootci(b - a, func="mean", method="cper", n_boot=20000, seed=3, decimals=6)
    width = ours.ci_high - ours.ci_low
    # pingouin has no BCa: its bias-corrected percentile interval equals BCa up to the acceleration
    # (near 0 for a mean of symmetric data) and Monte Carlo noise: endpoints within 5 % of the width
    assert ours.ci_low == pytest.approx(reference[0], abs=0.05 * width)
    assert ours.ci_high == pytest.approx(reference[1], abs=0.05 * width)
    # and the BCa interval of a mean is close to the t interval for n = 60 (within 10 % of width)
    t_ci = pingouin.ttest(b, a, paired=True)["CI95%"].iloc[0]
    assert ours.ci_low == pytest.approx(t_ci[0], abs=0.1 * width) and ours.ci_high == pytest.approx(t_ci[1], abs=0.1 * width)
    assert paired_comparison(a, b, seed=0).ci_low == ours.ci_low  # seeded: reproducible


def test_coverage_of_the_bootstrap_interval_is_near_nominal():
    """Planted answer: 200 simulated studies with true mean difference 0.4; the 90 % interval holds it
    in 90 % of them (binomial s.d. 2 %, tolerance 6 %)."""
    rng = np.random.default_rng(0)
    hits = [lo <= 0.4 <= hi for lo, hi in
            (bootstrap_ci(rng.normal(0.4, 1, 40), confidence=0.9, n_resamples=999, seed=s) for s in range(200))]
    assert abs(np.mean(hits) - 0.9) < 0.06


def test_one_sample_against_a_scalar():
    values = np.array([0.1, 0.2, 0.15, 0.3, 0.05, 0.12])
    ours = paired_comparison(0, values)  # b - a = values
    reference = pingouin.ttest(values, 0)
    assert ours.statistic == pytest.approx(reference["T"].iloc[0])
    assert ours.p_value == pytest.approx(reference["p-val"].iloc[0])


def test_nan_pairs_are_dropped_together(pairs):
    a, b = pairs[0].copy(), pairs[1].copy()
    a[3], b[10] = np.nan, np.nan
    keep = np.ones(60, bool)
    keep[[3, 10]] = False
    ours = paired_comparison(a, b)
    assert ours.n == 58
    assert ours.statistic == pytest.approx(paired_comparison(a[keep], b[keep]).statistic)


def test_identical_and_constant_differences():
    a = np.arange(10.0)
    same = paired_comparison(a, a)
    assert (same.statistic, same.p_value, same.effect_size, same.ci_low, same.ci_high) == (0, 1, 0, 0, 0)
    shifted = paired_comparison(a, a + 2)
    assert shifted.statistic == np.inf and shifted.p_value == 0 and (shifted.ci_low, shifted.ci_high) == (2, 2)
    assert paired_comparison(a, a, test="wilcoxon").p_value == 1


def test_too_few_units_and_mismatched_pairs_are_clear_errors():
    with pytest.raises(DataError, match="EV early.*only 2 unit"):
        paired_values([1.0, 2.0, np.nan], [1.0, 3.0, 4.0], label="EV early")
    with pytest.raises(DataError, match="5 values against 4"):
        paired_values(np.ones(5), np.ones(4))
    with pytest.raises(ValueError, match="test must be"):
        paired_comparison(np.ones(5), np.ones(5), test="anova")


def test_row_is_flat():
    row = paired_comparison(np.arange(5.0), np.arange(5.0) ** 1.5, label="x").row()
    assert row["label"] == "x" and row["effect_size_name"] == "cohen_dz"
    assert all(np.isscalar(value) for value in row.values())
