"""Response magnitude vs memorability: a planted world recovers the planted correlation, shuffled
memorability gives CIs covering 0, the table, the comparison over architectures and the figure."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from brainscore_memorability.analysis import magnitude
from brainscore_memorability.errors import DataError


def planted_it(r: float, n_images=1500, n_sites=60, repetitions=6, seed=0):
    """IT rates whose population magnitude is exp(latent) (times a random unit-norm pattern per image)
    and memorability = r * latent + sqrt(1 - r**2) * noise: the planted Spearman rho of magnitude and
    memorability is that of a bivariate normal with Pearson r, (6 / pi) * arcsin(r / 2)."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n_images)
    memorability = r * latent + np.sqrt(1 - r ** 2) * rng.normal(size=n_images)
    pattern = np.abs(rng.normal(size=(n_images, n_sites)))
    pattern /= np.linalg.norm(pattern, axis=1, keepdims=True)
    mean = 30 * np.exp(0.5 * latent)[:, None] * pattern
    rates = mean[:, :, None] + rng.normal(size=(n_images, n_sites, repetitions))  # trial noise, s.d. 1 spike/s
    return rates, memorability, 6 / np.pi * np.arcsin(r / 2)


def test_magnitude_is_the_l2_norm_and_fills_missing_sites():
    responses = np.array([[3.0, 4.0], [0.0, 1.0], [np.nan, 2.0]])
    np.testing.assert_allclose(magnitude.response_magnitude(responses), [5.0, 1.0, np.sqrt(1.5 ** 2 + 4)])
    with pytest.raises(DataError, match="images x units"):
        magnitude.response_magnitude(np.zeros(3))


def test_spearman_matches_scipy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 50)), rng.normal(size=(3, 50))
    a[0, :5] = a[0, 0]  # ties
    np.testing.assert_allclose(magnitude.spearman_along(a, b), [stats.spearmanr(x, y)[0] for x, y in zip(a, b)],
                               atol=1e-12)


@pytest.mark.parametrize("r", [0.5, 0.0])
def test_planted_it_magnitude_recovers_the_planted_correlation(r):
    rates, memorability, planted = planted_it(r)
    row = magnitude.it_row(rates, memorability, (70, 100), n_resamples=2000).iloc[0]
    # planted 0.483 (r = 0.5) and 0; measured 0.454 [0.411, 0.494] and -0.028 [-0.075, 0.024]
    # (trial noise in the repetition means lowers the magnitude's rank agreement slightly)
    assert row["rho"] == pytest.approx(planted, abs=0.05)
    assert row["ci_low"] < planted < row["ci_high"]
    assert row["layer"] == "IT 70-100 ms" and row["n_images"] == 1500


def test_shuffled_memorability_gives_cis_that_cover_zero():
    rates, memorability, _ = planted_it(0.6, n_images=600)
    it = np.nanmean(rates, axis=2)
    covered = []
    for seed in range(10):
        shuffled = np.random.default_rng(seed).permutation(memorability)
        result = magnitude.magnitude_correlation(magnitude.response_magnitude(it), shuffled, n_resamples=2000)
        covered.append(result["ci_low"] < 0 < result["ci_high"])
    # a 95 % CI covers the true 0 in about 19 of 20 shuffles; measured: 10 of these 10
    assert sum(covered) >= 9
    unshuffled = magnitude.magnitude_correlation(magnitude.response_magnitude(it), memorability, n_resamples=2000)
    assert unshuffled["ci_low"] > 0.4


def test_table_rows_follow_the_layer_order_and_relative_depth():
    rates, memorability, _ = planted_it(0.5, n_images=300)
    it = np.nanmean(rates, axis=2)
    layers = {"conv1": np.random.default_rng(0).normal(size=(300, 8)), "fc": it, "out": it[:, :1] * 0 + 1}
    table = magnitude.magnitude_table(layers, memorability, "m", n_resamples=500)
    assert list(table["layer"]) == ["conv1", "fc", "out"] and list(table["relative_depth"]) == [0, 0.5, 1]
    assert table["rho"][1] > 0.3 and abs(table["rho"][0]) < 0.15
    assert np.isnan(table["rho"][2])  # constant magnitude: undefined, not 0


def test_objective_comparisons_pair_over_architectures():
    archs = ["alexnet", "vgg16", "resnet18", "resnet50"]
    rows, it_layers = [], {}
    for i, arch in enumerate(archs):
        for objective, rho in (("imagenet", 0.1), ("lamem", 0.3 + 0.003 * i ** 2), ("joint", 0.25 - 0.002 * i ** 2)):
            model = f"memnet-{objective}-{arch}"
            it_layers[model] = "it"
            rows.append({"model": model, "layer": "it", "rho": rho + 0.01 * i})
            rows.append({"model": model, "layer": "other", "rho": -1.0})
    comparisons = magnitude.objective_comparisons(pd.DataFrame(rows), it_layers, n_resamples=500)
    assert [c.n for c in comparisons] == [4, 4]
    assert comparisons[0].difference == pytest.approx(0.2105) and comparisons[1].difference == pytest.approx(0.143)
    assert "lamem - imagenet" in comparisons[0].label
    two = {m: l for m, l in it_layers.items() if "alexnet" in m or "vgg16" in m}
    assert magnitude.objective_comparisons(pd.DataFrame(rows), two) == []


def test_depth_figure_is_written(tmp_path):
    table = pd.DataFrame([
        {"model": "a", "layer": "l0", "relative_depth": 0.0, "rho": 0.1},
        {"model": "a", "layer": "l1", "relative_depth": 1.0, "rho": 0.3},
        {"model": "IT", "layer": "IT 70-100 ms", "relative_depth": np.nan, "rho": 0.2, "ci_low": 0.1, "ci_high": 0.3}])
    written = magnitude.depth_figure(table, tmp_path / "fig", "title", notice="SIMULATED")
    assert [p.suffix for p in written] == [".png", ".pdf"] and all(p.stat().st_size > 1000 for p in written)
