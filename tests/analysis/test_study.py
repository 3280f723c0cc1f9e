"""The six analyses on planted inputs: each recovers the structure put in, without any network."""
import numpy as np
import pandas as pd
import pytest

from brainscore_memorability.analysis import study
from brainscore_memorability.data import sample_world
from brainscore_memorability.errors import MemorabilityError

N_IMAGES, N_CATEGORIES, N_NEURONS, REPS = 240, 6, 40, 8


@pytest.fixture(scope="module")
def planted():
    """A simulated population (sample_world's generator) and three feature sets standing in for
    networks: 'imagenet' and 'imagenet-heldout' see category and luminance (in different bases),
    'lamem' sees memorability and luminance. Rates of the early and late windows."""
    rng = np.random.default_rng(11)
    categories = np.repeat(np.arange(N_CATEGORIES), N_IMAGES // N_CATEGORIES)
    memorability = rng.uniform(0.4, 0.95, N_IMAGES)
    luminance = rng.uniform(0.2, 0.6, N_IMAGES)
    population = sample_world.simulate_population(rng, categories, memorability, luminance, N_CATEGORIES,
                                                  N_NEURONS, REPS, noise=(1.0, 1.5))
    starts = np.array([start for start, _ in sample_world.TIME_BINS])
    rates = {phase: population["rates"][..., (starts >= lo) & (starts + 10 <= hi)].mean(axis=3)
             for phase, (lo, hi) in {"early": (70, 100), "late": (180, 210)}.items()}
    onehot = np.eye(N_CATEGORIES)[categories]

    def network(signals, width=30):
        mixing = rng.standard_normal((signals.shape[1], width))
        return signals @ mixing + 0.3 * rng.standard_normal((N_IMAGES, width))

    features = {"imagenet": network(np.column_stack([onehot, luminance * 5])),
                "imagenet-heldout": network(np.column_stack([onehot, luminance * 5])),
                "lamem": network(np.column_stack([(memorability - 0.65) * 8, luminance * 5]))}
    return rates, features


def test_unique_partial_correlation_recovers_the_planted_memorability_component(planted):
    rates, features = planted
    ids = [f"n{i}" for i in range(N_NEURONS)]
    controls = {"lamem": "lamem", "imagenet-heldout": "imagenet-heldout"}
    table = pd.concat([study.unique_variance_table("imagenet", features, rates[phase], ids, controls, phase,
                                                   n_splits=2, n_components=10) for phase in study.PHASES])
    assert set(table.columns) >= {"phase", "neuroid_id", "role", "partial_r_control", "unique_control"}
    median = table.groupby(["phase", "role"])["partial_r_control"].median()
    # planted: memorability in the early window only
    assert median["early", "lamem"] > 0.3
    assert abs(median["late", "lamem"]) < 0.1
    # the held-out ImageNet-like network is the baseline: with noisy fits it also adds something
    # beyond T (more where T already explains almost everything, late), but less than the
    # LaMem-like network adds early
    _, _, early = study.role_comparison(table, "early", "partial_r_control", ("imagenet-heldout", "lamem"))
    assert early.difference > 0.3 and early.ci_low > 0 and early.p_value < 1e-6
    lamem_late = table[(table["phase"] == "late") & (table["role"] == "lamem")]["partial_r_control"]
    assert abs(lamem_late.mean()) < 0.1
    # T's own partial correlation: controlling for the held-out ImageNet network leaves little
    t_given = table[table["phase"] == "late"].groupby("role")["partial_r_target"].median()
    assert t_given["lamem"] > t_given["imagenet-heldout"]


def _ev_table(values: dict) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"model": model, "phase": phase, "neuroid_id": [f"n{i}" for i in range(len(v))],
                                    "explained_variance": v}) for (model, phase), v in values.items()])


def test_model_comparison_pairs_neurons_by_id_and_summarises():
    rng = np.random.default_rng(0)
    base = rng.uniform(10, 40, 50)
    table = _ev_table({("imagenet", "early"): base, ("lamem", "early"): base + 5 + rng.normal(0, 1, 50),
                       ("imagenet", "late"): base, ("lamem", "late"): base + rng.normal(0, 1, 50)})
    shuffled = table.sample(frac=1, random_state=1)  # order must not matter: paired on neuroid_id
    a, b, early = study.model_comparison(shuffled, "imagenet", "lamem", "early")
    np.testing.assert_allclose(b - a, (table.iloc[50:100]["explained_variance"].to_numpy() - base)[np.argsort([f"n{i}" for i in range(50)])])
    assert early.difference == pytest.approx(5, abs=0.4) and early.ci_low > 4
    _, _, late = study.model_comparison(table, "imagenet", "lamem", "late")
    assert late.ci_low < 0 < late.ci_high
    summary = study.explained_variance_summary(table).set_index(["model", "phase"])
    assert summary.loc[("imagenet", "early"), "median_ev"] == pytest.approx(np.median(base))
    assert summary.loc[("imagenet", "early"), "n_neurons"] == 50
    with pytest.raises(MemorabilityError, match="joint"):
        study.model_comparison(table, "imagenet", "joint", "early")


def test_nan_neurons_are_counted_out():
    values = np.arange(10.0)
    with_nan = values.copy()
    with_nan[2] = np.nan
    table = _ev_table({("a", "early"): values, ("b", "early"): with_nan + 1})
    assert study.model_comparison(table, "a", "b", "early")[2].n == 9
    assert study.explained_variance_summary(table).set_index("model").loc["b", "n_neurons"] == 9


def test_cka_depth_summary_mean_and_sem_by_hand():
    # architecture x: 3 layers with CKA 1, 0.8, 0.2; y: 5 layers, linear 1 -> 0
    per_layer = pd.DataFrame({"architecture": ["x"] * 3 + ["y"] * 5, "layer_index": [0, 1, 2, 0, 1, 2, 3, 4],
                              "n_layers": [3] * 3 + [5] * 5, "cka": [1, 0.8, 0.2, 1, 0.75, 0.5, 0.25, 0]})
    per_layer, summary = study.cka_depth_summary(per_layer, grid=np.array([0, 0.5, 0.75, 1]))
    assert per_layer["relative_depth"].tolist() == [0, 0.5, 1, 0, 0.25, 0.5, 0.75, 1]
    x = np.array([1, 0.8, 0.5, 0.2])  # interpolated at 0, .5, .75, 1
    y = np.array([1, 0.5, 0.25, 0])
    np.testing.assert_allclose(summary["mean"], (x + y) / 2)
    np.testing.assert_allclose(summary["sem"], np.abs(x - y) / 2)  # sd(ddof 1) of 2 values / sqrt 2
    assert (summary["n_architectures"] == 2).all()
    _, single = study.cka_depth_summary(per_layer[per_layer["architecture"] == "x"])
    assert single["sem"].isna().all()


def test_condition_comparisons_pair_architectures():
    rows = []
    for phase, shift in (("early", 0.1), ("late", 0.0)):
        for k, arch in enumerate(["alexnet", "resnet18", "resnet50", "vgg16"]):
            rows += [{"phase": phase, "architecture": arch, "condition": "imagenet", "value": 0.3 + 0.05 * k},
                     {"phase": phase, "architecture": arch, "condition": "lamem", "value": 0.3 + 0.05 * k + shift + 0.01 * (k % 2)}]
    comparisons = study.condition_comparisons(pd.DataFrame(rows), ("imagenet", "lamem"))
    assert comparisons["early"].n == 4 and comparisons["early"].difference == pytest.approx(0.105)
    assert comparisons["early"].p_value < 1e-4 and comparisons["late"].difference == pytest.approx(0.005)
