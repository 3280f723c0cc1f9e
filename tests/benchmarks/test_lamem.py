"""LaMem-memorability: the ridge read-out against sklearn, the real split files, the sample world's
planted memorability, the Score's rules (per split, never merged) and the CLI."""
import numpy as np
import pandas as pd
import pytest

import brainscore_vision
from brainscore_memorability.benchmarks import lamem
from brainscore_memorability.data import lamem as lamem_data
from brainscore_memorability.data import sample_world
from brainscore_memorability.errors import DataError, MemorabilityError


class RowModel:
    """A BrainModel answering each stimulus_id with ``rows(stimulus_ids, stimuli) -> images x features``."""
    identifier = "bsm-row-model"

    def __init__(self, rows):
        self.rows, self.recorded = rows, []

    def visual_degrees(self):
        return 8

    def start_recording(self, region, time_bins):
        self.recorded.append((region, [tuple(b) for b in time_bins]))

    def look_at(self, stimuli, number_of_trials=1):
        from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
        ids = list(stimuli["stimulus_id"])
        values = self.rows(ids, stimuli)
        return NeuroidAssembly(values, dims=("presentation", "neuroid"),
                               coords={"stimulus_id": ("presentation", ids), "repetition": ("presentation", [0] * len(ids)),
                                       "neuroid_id": ("neuroid", [f"f{i}" for i in range(values.shape[1])]),
                                       "layer": ("neuroid", ["IT"] * values.shape[1])})


def image_statistics(ids, stimuli):
    """Colour saturation, object area and background contrast of each image (pixel statistics)."""
    from PIL import Image
    rows = []
    for stimulus_id in ids:
        rgb = np.asarray(Image.open(stimuli.get_stimulus(stimulus_id)).convert("RGB"), dtype=float) / 255
        value, low = rgb.max(axis=2), rgb.min(axis=2)
        saturation = (value - low) / np.maximum(value, 1e-6)
        obj = value > 0.8  # objects are drawn at HSV value 0.92, the grey background at most 0.65
        background = value[~obj] if (~obj).any() else value.ravel()
        rows.append([obj.mean(), np.sqrt(obj.mean()), np.percentile(saturation, 99), saturation[obj].mean() if obj.any() else 0,
                     background.std(), np.abs(np.diff(value, axis=1))[~obj[:, 1:]].mean()])
    return np.array(rows)


# ---------------------------------------------------------------- the read-out
def test_readout_equals_sklearn_ridge_with_the_alpha_sklearn_selects():
    from scipy.stats import spearmanr
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold
    rng = np.random.default_rng(0)
    features = rng.normal(size=(150, 40)) * rng.uniform(0.1, 3, 40)
    scores = features[:, :5].sum(axis=1) + 2 * rng.normal(size=150)
    readout = lamem.ridge_readout(features, scores, seed=3)
    # reference: sklearn's grid search over the same alphas, folds and criterion (Spearman rho of
    # the pooled cross-validated predictions == correlation over all folds: refit on each fold)
    folds = list(KFold(5, shuffle=True, random_state=3).split(features))
    pooled = []
    for alpha in readout.alphas:
        prediction = np.empty(len(scores))
        for train, test in folds:
            prediction[test] = Ridge(alpha=alpha).fit(features[train], scores[train]).predict(features[test])
        pooled.append(spearmanr(prediction, scores)[0])
    np.testing.assert_allclose(readout.cv_rho, pooled, atol=1e-10)
    assert readout.alpha == readout.alphas[int(np.argmax(pooled))]
    reference = Ridge(alpha=readout.alpha).fit(features, scores)
    test = rng.normal(size=(20, 40))
    np.testing.assert_allclose(readout.predict(test), reference.predict(test), atol=1e-9)


def test_readout_with_more_features_than_images_uses_the_gram_factor():
    from sklearn.linear_model import Ridge
    rng = np.random.default_rng(1)
    features = rng.normal(size=(40, 300))
    scores = features[:, 0] + 0.1 * rng.normal(size=40)
    readout = lamem.ridge_readout(features, scores)
    test = rng.normal(size=(5, 300))
    np.testing.assert_allclose(readout.predict(test), Ridge(alpha=readout.alpha).fit(features, scores).predict(test),
                               atol=1e-8)


# ---------------------------------------------------------------- the Score
def test_score_is_the_mean_of_clipped_per_split_scores_and_the_error_their_spread():
    splits = pd.DataFrame({"split": [1, 2, 3], "rho": [0.34, 0.68, 0.9], "alpha": 1.0, "n_train": 10,
                           "n_train_total": 20, "n_test": 5, "head_rho": [np.nan, np.nan, np.nan]})
    score = lamem.lamem_score(splits, max_train_images=10, train_seed=0)
    assert float(score) == pytest.approx((0.5 + 1 + 1) / 3)
    assert float(score.attrs["error"]) == pytest.approx(np.std([0.5, 1, 1], ddof=1))
    assert float(score.attrs["raw"]) == pytest.approx(np.mean([0.34, 0.68, 0.9]))
    assert float(score.attrs["ceiling"]) == 0.68 and score.attrs["max_train_images"] == 10
    assert np.isnan(score.attrs["head_rho"])
    one = lamem.lamem_score(splits.iloc[:1].assign(rho=-0.2), None, 0)
    assert float(one) == 0 and np.isnan(float(one.attrs["error"]))


# ---------------------------------------------------------------- the real split files (../shared)
@pytest.fixture
def real_splits(shared_data):
    folder = shared_data / "lamem-splits"
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    return folder


def test_real_split_files_parse(real_splits, tmp_path):
    (tmp_path / "splits").symlink_to(real_splits)
    tables = {(part, k): lamem_data.read_table(tmp_path, part, k) for part in lamem_data.PARTS for k in lamem_data.SPLITS}
    for k in lamem_data.SPLITS:
        assert [len(tables[(part, k)]) for part in lamem_data.PARTS] == [45000, 3741, 10000]
        assert not set(tables[("train", k)]["stimulus_id"]) & set(tables[("test", k)]["stimulus_id"])
        assert tables[("test", k)]["memorability"].between(0, 1).all()
    # a score belongs to (split, image): the same image is scored differently in another split
    both = tables[("test", 1)].merge(tables[("train", 2)], on="stimulus_id")
    assert len(both) > 1000 and (both["memorability_x"] != both["memorability_y"]).mean() > 0.5


def test_real_split_files_feed_the_benchmark_split_by_split(real_splits, tmp_path):
    """Features = split 1's own scores + noise: split 1 is predicted well, split 2 (other raters'
    scores for partly the same images) less well, so nothing was merged across splits."""
    root = tmp_path / "lamem"
    (root / "images").mkdir(parents=True)
    (root / "splits").symlink_to(real_splits)
    split1 = pd.concat([lamem_data.read_table(root, part, 1) for part in lamem_data.PARTS])
    known = dict(zip(split1["stimulus_id"], split1["memorability"]))
    for part in ("train", "test"):
        for k in (1, 2):
            for name in lamem_data.read_table(root, part, k)["image"]:
                (root / "images" / name).touch()  # the model below never opens them
    rng = np.random.default_rng(0)

    def rows(ids, stimuli):
        truth = np.array([known.get(i, np.nan) for i in ids])
        truth = np.where(np.isfinite(truth), truth, rng.uniform(0.4, 1, len(ids)))  # images not in split 1
        return np.stack([truth + 0.05 * rng.normal(size=len(ids)), rng.normal(size=len(ids))], axis=1)

    model = RowModel(rows)
    score = lamem.build(root, splits=[1, 2], max_train_images=300, chunk_size=4000)(model)
    table = score.attrs["splits"]
    assert list(table["n_train"]) == [300, 300] and list(table["n_train_total"]) == [45000, 45000]
    assert list(table["n_test"]) == [10000, 10000]
    assert table["rho"][0] > 0.7 and table["rho"][1] < table["rho"][0] - 0.1
    assert model.recorded[0] == ("IT", [(70, 170)])


# ---------------------------------------------------------------- the sample world's planted memorability
@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return sample_world.build(tmp_path_factory.mktemp("world") / "sample")


def test_readout_recovers_the_sample_worlds_planted_memorability(world):
    score = lamem.build(world.lamem_root, splits=[1])(RowModel(image_statistics))
    rho = score.attrs["splits"]["rho"][0]
    # measured rho 0.803 (720 training, 120 test images of the default sample world; pixel statistics
    # that see saturation, object area and background contrast; the split's scores carry rater noise
    # s.d. 0.078, so even the true memorability reaches only about 0.9)
    assert rho > 0.75 and float(score) == pytest.approx(min(rho / 0.68, 1))
    capped = lamem.build(world.lamem_root, splits=[1], max_train_images=100, train_seed=1)(RowModel(image_statistics))
    assert capped.attrs["splits"]["n_train"][0] == 100 and capped.attrs["max_train_images"] == 100


@pytest.mark.slow
def test_a_memorability_head_reports_its_own_rho(world):
    from brainscore_memorability.models import load_model
    from brainscore_memorability.models.zoo import head_predictions
    model = load_model("memnet-lamem-alexnet", weights="random")
    test = lamem_data.read_table(world.lamem_root, "test", 1)
    paths = lamem_data.image_paths(world.lamem_root, test)
    expected = lamem.spearman(head_predictions(model.zoo_network, paths), test["memorability"])
    assert lamem.head_rho(model, paths, test["memorability"].to_numpy()) == pytest.approx(expected)
    assert np.isnan(lamem.head_rho(RowModel(image_statistics), paths, test["memorability"].to_numpy()))


@pytest.mark.slow
def test_resmem_head_rho_equals_resmems_own_predictions(world):
    resmem = pytest.importorskip("resmem")  # the pip package; not installed on most machines
    from PIL import Image

    from brainscore_memorability.models import load_model
    model = load_model("resmem")
    test = lamem_data.read_table(world.lamem_root, "test", 1).iloc[:24]  # ResNet-152 twice: 24 of the 120 images
    paths = lamem_data.image_paths(world.lamem_root, test)
    network = resmem.ResMem(pretrained=True).eval()
    import torch
    with torch.no_grad():
        own = [float(network(resmem.transformer(Image.open(p).convert("RGB")).view(-1, 3, 227, 227))) for p in paths]
    assert lamem.head_rho(model, paths, test["memorability"].to_numpy()) == pytest.approx(
        lamem.spearman(own, test["memorability"]), abs=1e-6)


# ---------------------------------------------------------------- registration, data location, errors
def test_registered_and_located_like_kar2019(world, monkeypatch, tmp_path):
    benchmark = brainscore_vision.load_benchmark("LaMem_memorability")  # reads nothing yet
    assert benchmark.identifier == "LaMem-memorability" and benchmark.splits == (1, 2, 3, 4, 5)
    monkeypatch.delenv(lamem_data.ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.setenv("BRAINSCORE_MEMORABILITY_CONFIG", str(tmp_path / "none.yaml"))
    with pytest.raises(DataError, match="no LaMem folder: pass --data DIR, set BRAINSCORE_MEMORABILITY_LAMEM"):
        lamem_data.locate()
    monkeypatch.setenv(lamem_data.ENVIRONMENT_VARIABLE, str(world.lamem_root))
    assert lamem_data.locate() == world.lamem_root
    monkeypatch.delenv(lamem_data.ENVIRONMENT_VARIABLE)
    (tmp_path / "config.yaml").write_text(f"data:\n  LaMem:\n    path: {world.lamem_root}\n", encoding="utf-8")
    monkeypatch.setenv("BRAINSCORE_MEMORABILITY_CONFIG", str(tmp_path / "config.yaml"))
    assert lamem_data.locate() == world.lamem_root
    with pytest.raises(DataError, match="has no splits/ folder"):
        lamem_data.locate(tmp_path)
    with pytest.raises(MemorabilityError, match=r"not \[6\]"):
        lamem.build(splits=[6])


def test_missing_split_and_images_are_named(world, tmp_path):
    with pytest.raises(DataError, match="train_2.txt not found"):
        lamem.build(world.lamem_root, splits=[2])(RowModel(image_statistics))
    (tmp_path / "splits").mkdir()
    (tmp_path / "splits" / "train_1.txt").write_text("00000001.jpg 0.5\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing from images/"):
        lamem_data.image_paths(tmp_path, lamem_data.read_table(tmp_path, "train", 1))


def test_cli_scores_one_split_with_capped_training(world, isolated_registry, capsys):
    from brainscore_memorability.cli import main
    isolated_registry.register("model", "bsm-row-model", "pixel statistics", lambda: RowModel(image_statistics))
    assert main(["score", "--model", "bsm-row-model", "--benchmark", "LaMem-memorability", "--data",
                 str(world.lamem_root), "--lamem-split", "1", "--lamem-max-train", "200"]) == 0
    out = capsys.readouterr().out
    assert "LaMem-memorability" in out and "head_rho" in out and " 200 " in out
    assert main(["score", "--model", "bsm-row-model", "--benchmark", "LaMem-memorability", "--data",
                 str(world.lamem_root)]) == 1
    assert "train_2.txt not found" in capsys.readouterr().err
    assert main(["score", "--model", "bsm-row-model", "--benchmark", "Kar2019-IT-early", "--lamem-split", "1"]) == 1
