"""`brainscore partial-corr` end to end on the planted world of conftest.py (early IT rates are a
linear function of all 48 pixels): the pixel model beyond a red-channel-only control, and beyond an
exact copy of itself."""
import csv
import json

import numpy as np
import pytest

from brainscore_memorability.cli import main


@pytest.fixture
def three_models(isolated_registry, pixel_model_class):
    class RedChannelModel(pixel_model_class):
        """The pixel model's red channel only (16 of its 48 features)."""
        identifier = "bsm-red-model"

        def look_at(self, stimuli, number_of_trials=1):
            return super().look_at(stimuli, number_of_trials).isel(neuroid=slice(0, None, 3))

    class CopyModel(pixel_model_class):
        identifier = "bsm-pixel-copy"  # rows name the loaded model's own identifier

    isolated_registry.register("model", "bsm-pixel-model", "pixels", pixel_model_class)
    isolated_registry.register("model", "bsm-pixel-copy", "the same pixels", CopyModel)
    isolated_registry.register("model", "bsm-red-model", "red pixels", RedChannelModel)


def test_unique_variance_beyond_each_control(planted_files, three_models, tmp_path, capsys):
    summary, sites = tmp_path / "summary.csv", tmp_path / "sites.json"
    assert main(["partial-corr", "--model", "bsm-pixel-model", "--control", "bsm-red-model",
                 "--control", "bsm-pixel-copy", "--benchmark", "Kar2019-IT-early", "--data", str(planted_files["nc"]),
                 "--partition", "--output", str(summary), "--neurons", str(sites)]) == 0
    printed = capsys.readouterr().out
    assert "bsm-pixel-model beyond bsm-red-model on Kar2019-IT-early: unique variance" in printed
    assert "vs beyond bsm-red-model: difference" in printed
    rows = {row["control"]: row for row in csv.DictReader(summary.open())}
    red, copy = rows["bsm-red-model"], rows["bsm-pixel-copy"]
    # the green and blue pixels drive the early response beyond the red ones; a copy adds nothing
    assert float(red["unique_variance"]) > 30 and float(red["partial_r"]) > 0.5
    assert float(red["partition_unique"]) > 10
    assert float(copy["unique_variance"]) == 0 and float(copy["partial_r"]) == 0
    assert float(copy["partition_unique"]) == pytest.approx(0, abs=1)
    assert float(red["ev_model"]) == float(copy["ev_model"]) > float(red["ev_control"])
    assert red["vs_control"] == "" and copy["vs_control"] == "bsm-red-model"
    assert float(copy["difference"]) < -30 and float(copy["p_value"]) < 0.01  # 9 sites: exact Wilcoxon minimum 2/2**9
    assert int(red["n_sites"]) == 9  # 4 + 5 planted sites
    per_site = json.loads(sites.read_text())
    assert len(per_site) == 18 and {r["control"] for r in per_site} == {"bsm-red-model", "bsm-pixel-copy"}
    medians = np.median([r["unique_variance"] for r in per_site if r["control"] == "bsm-red-model"])
    assert medians == pytest.approx(float(red["unique_variance"]))


def test_late_window_has_nothing_to_explain(planted_files, three_models, capsys):
    assert main(["partial-corr", "--model", "bsm-pixel-model", "--control", "bsm-red-model",
                 "--benchmark", "Kar2019-IT-late", "--data", str(planted_files["nc"])]) == 0
    unique = float(capsys.readouterr().out.split("unique variance ")[1].split(" ")[0])
    assert abs(unique) < 10


@pytest.mark.parametrize("arguments, code, message", [
    (["--benchmark", "MajajHong2015public.IT-pls"], 1, "not one of this package's single-window temporal IT"),
    (["--benchmark", "Kar2019-IT-early", "--output", "x.txt"], 1, "--output 'x.txt' must end in .json or .csv"),
    (["--benchmark", "Kar2019-IT-erly"], 2, "Did you mean: Kar2019-IT-early"),
])
def test_bad_arguments(three_models, capsys, arguments, code, message):
    assert main(["partial-corr", "--model", "bsm-pixel-model", "--control", "bsm-red-model"] + arguments) == code
    assert message in capsys.readouterr().err


def test_metric_options_and_weights_tags_reach_the_output(planted_files, three_models, pixel_model_class,
                                                          isolated_registry, tmp_path):
    """Issue 12 point 9: the same flags as `brainscore score`; rows name the loaded models."""
    import importlib

    from brainscore_memorability import adapters
    from brainscore_memorability.benchmarks import temporal_it
    unique_variance = importlib.import_module("brainscore_memorability.metrics.unique_variance")

    class Tagged(pixel_model_class):
        identifier = "bsm-pixel-model@sha256-0123456789ab"
    isolated_registry.register("model", "bsm-tagged", "pixels, with a weights tag", Tagged)
    output = tmp_path / "summary.json"
    assert main(["partial-corr", "--model", "bsm-tagged", "--control", "bsm-red-model", "--benchmark",
                 "Kar2019-IT-early", "--data", str(planted_files["nc"]), "--regression", "ridge", "--halvings", "3",
                 "--reliability-correlation", "spearman", "--output", str(output)]) == 0
    [row] = json.loads(output.read_text())
    assert row["model"] == "bsm-pixel-model@sha256-0123456789ab" and row["control"] == "bsm-red-model"
    options = json.loads(row["metric_options"])
    assert (options["regression"], options["n_splits"], options["reliability_correlation"]) == ("ridge", 3, "spearman")
    benchmark = temporal_it.build("Kar2019", [(70, 100)], data=planted_files["nc"], regression="ridge", n_splits=3,
                                  reliability_correlation="spearman")
    rates, ids = benchmark.rates
    features = {name: temporal_it.model_features(benchmark.record(model()), ids, benchmark.windows, 0)
                for name, model in (("b", Tagged), ("a", isolated_registry.lookup("model", "bsm-red-model").factory))}
    explained_variance_details = importlib.import_module(
        "brainscore_memorability.metrics.explained_variance").explained_variance_details
    options = adapters.with_groups(explained_variance_details, dict(
        regression="ridge", n_splits=3, reliability_correlation="spearman"), benchmark.groups)
    expected = unique_variance.unique_variance(features["a"], features["b"], rates[..., 0], partition=False, **options)
    assert row["unique_variance"] == pytest.approx(float(np.nanmedian(expected.unique_b)), abs=1e-10)
    assert row["error"] == pytest.approx(100 * adapters.bootstrap_median_error(expected.unique_b / 100), abs=1e-10)


def test_weights_options_and_two_untrained_controls(planted_files, tmp_path, capsys):
    """A network beyond two untrained draws of its own architecture: the controls get seeds 0 and 1
    (named by their weights, as they share an identifier), and model B's weights are its own option."""
    summary = tmp_path / "summary.csv"
    assert main(["partial-corr", "--model", "memnet-lamem-alexnet", "--weights", "random:5",
                 "--control", "memnet-lamem-alexnet", "--control-weights", "random",
                 "--control", "memnet-lamem-alexnet", "--control-weights", "random",
                 "--benchmark", "Kar2019-IT-early", "--data", str(planted_files["nc"]), "--output", str(summary)]) == 0
    err = capsys.readouterr().err
    assert "note: --control memnet-lamem-alexnet: untrained network with seed 1" in err
    rows = list(csv.DictReader(summary.open()))
    assert [row["control"] for row in rows] == ["memnet-lamem-alexnet@random-seed0", "memnet-lamem-alexnet@random-seed1"]
    assert rows[0]["ev_model"] == rows[1]["ev_model"]  # model B (seed 5) recorded once, the same for both
    assert rows[0]["ev_control"] != rows[1]["ev_control"]  # two different untrained networks


@pytest.mark.parametrize("arguments, message", [
    (["--control-weights", "random", "--control-weights", "random"], "2 --control-weights for 1 --control"),
    (["--control-weights", "random:x"], "random:SEED"),
    (["--weights", "random", "--control-weights", "default"], "--control memnet-lamem-vgg16: no weights are known"),
])
def test_weights_problems_stop_before_recording(planted_files, capsys, arguments, message):
    assert main(["partial-corr", "--model", "memnet-lamem-alexnet", "--control", "memnet-lamem-vgg16", *arguments,
                 "--benchmark", "Kar2019-IT-early", "--data", str(planted_files["nc"])]) == 1
    err = capsys.readouterr().err
    assert message in err and "recording" not in err and "Traceback" not in err
