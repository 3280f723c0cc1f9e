"""End to end in-process: `brainscore package-data`, then `brainscore score ... --data FILE.nc [--window]`."""
import csv
import json

import pytest

from brainscore_memorability.cli import main


@pytest.fixture
def pixel_model_registered(isolated_registry, pixel_model_class):
    isolated_registry.register("model", "bsm-pixel-model", "a model whose IT features are the pixels", pixel_model_class)
    return "bsm-pixel-model"


def test_package_then_score_early_and_late(planted_files, pixel_model_registered, tmp_path, capsys):
    assert main(["package-data", str(planted_files["h5"]), "--images", str(planted_files["images"]),
                 "--output", str(tmp_path / "kar")]) == 0
    nc = tmp_path / "kar" / "assy_Kar2019_temporal.nc"
    assert f"--data {nc}" in capsys.readouterr().out
    scores = {}
    for phase in ("early", "late"):
        output = tmp_path / f"{phase}.json"
        assert main(["score", "--model", pixel_model_registered, "--benchmark", f"Kar2019-IT-{phase}",
                     "--data", str(nc), "--output", str(output)]) == 0
        [row] = json.loads(output.read_text())
        assert row["benchmark"] == f"Kar2019-IT-{phase}" and row["model"] == "bsm-pixel-model"
        scores[phase] = row
    assert scores["early"]["score"] > 0.6 and scores["late"]["score"] < 0.1
    assert 0.9 < scores["early"]["ceiling"] <= 1 and scores["early"]["raw"] > 0.8 and scores["early"]["error"] > 0
    table = capsys.readouterr().out.splitlines()[-2:]  # the late run's table
    assert table[0].split() == ["model", "benchmark", "score", "raw", "ceiling", "error"]
    assert table[1].split()[:3] == ["bsm-pixel-model", "Kar2019-IT-late", f"{scores['late']['score']:.4f}"]


def test_score_a_time_course_from_the_cli(planted_files, pixel_model_registered, tmp_path):
    output = tmp_path / "course.csv"
    assert main(["score", "--model", pixel_model_registered, "--benchmark", "Kar2019-IT-early",
                 "--data", str(planted_files["nc"]), "--window", "60", "110", "10", "--output", str(output)]) == 0
    rows = list(csv.DictReader(output.open()))
    assert [r["benchmark"] for r in rows] == ["Kar2019-IT-early@60-110ms/10ms"] + [
        f"Kar2019-IT-early@{t}-{t + 10}ms" for t in range(60, 110, 10)]
    by_window = {r["benchmark"]: float(r["score"]) for r in rows}
    assert by_window["Kar2019-IT-early@80-90ms"] > 0.5


def test_one_window_from_the_cli(planted_files, pixel_model_registered, capsys):
    assert main(["score", "--model", pixel_model_registered, "--benchmark", "Kar2019-IT-late",
                 "--data", str(planted_files["nc"]), "--window", "75", "95"]) == 0
    row = capsys.readouterr().out.splitlines()[1].split()
    assert row[1] == "Kar2019-IT-late@75-95ms" and float(row[2]) > 0.5  # the window, not the late phase


@pytest.mark.parametrize("arguments, code, message", [
    (["--benchmark", "MajajHong2015public.IT-pls", "--data", "x.nc"], 1, "not to 'MajajHong2015public.IT-pls'"),
    (["--benchmark", "Kar2019-IT-early", "--window", "70"], 2, "--window takes START END or START END STEP"),  # usage
    (["--benchmark", "Kar2019-IT-early", "--data", "/nonexistent/assy.nc"], 1, "data file '/nonexistent/assy.nc' does not exist"),
])
def test_bad_data_or_window_exit_with_a_reason(pixel_model_registered, capsys, arguments, code, message):
    assert main(["score", "--model", pixel_model_registered] + arguments) == code
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_zoo_model_with_random_weights_end_to_end(planted_files, tmp_path, monkeypatch):
    """A real Brain-Score ModelCommitment (random-weights AlexNet, static: its activations are
    repeated over the requested windows) through `brainscore score --data` (~30 s on 2 CPU cores)."""
    weights = pytest.importorskip("brainscore_memorability.models.weights")
    monkeypatch.setenv(weights.env_variable("memnet-lamem-alexnet"), "random")
    scores = {}
    for phase in ("early", "late"):
        output = tmp_path / f"{phase}.json"
        assert main(["score", "--model", "memnet-lamem-alexnet", "--benchmark", f"Kar2019-IT-{phase}",
                     "--data", str(planted_files["nc"]), "--output", str(output)]) == 0
        scores[phase] = json.loads(output.read_text())[0]["score"]
    # random conv features still carry the pixels linearly enough to find the early signal
    assert scores["early"] > 0.3 and scores["late"] < 0.1


# ---------------------------------------------------------------- issue 12 point 9: one number, one command
METRIC_FLAGS = ["--regression", "pls", "--components", "5", "--folds", "5", "--halvings", "3",
                "--reliability-correlation", "spearman"]


@pytest.fixture
def tagged_model_registered(isolated_registry, pixel_model_class):
    class TaggedPixels(pixel_model_class):
        identifier = "bsm-pixel-model@random-seed0"  # what a zoo model's identifier looks like
    isolated_registry.register("model", "bsm-pixel-model", "pixels, with a weights tag", TaggedPixels)
    return TaggedPixels


def test_score_takes_the_metric_options_and_records_them(planted_files, tagged_model_registered, tmp_path):
    from brainscore_memorability.benchmarks import temporal_it
    output = tmp_path / "early.json"
    assert main(["score", "--model", "bsm-pixel-model", "--benchmark", "Kar2019-IT-early",
                 "--data", str(planted_files["nc"]), *METRIC_FLAGS, "--output", str(output)]) == 0
    [row] = json.loads(output.read_text())
    assert row["model"] == "bsm-pixel-model@random-seed0"  # the weights tag names the model
    options = json.loads(row["metric_options"])
    assert {k: options[k] for k in ("regression", "n_components", "n_folds", "n_splits", "reliability_correlation")} == {
        "regression": "pls", "n_components": 5, "n_folds": 5, "n_splits": 3, "reliability_correlation": "spearman"}
    expected = temporal_it.build("Kar2019", [(70, 100)], data=planted_files["nc"], regression="pls", n_components=5,
                                 n_folds=5, n_splits=3, reliability_correlation="spearman")(tagged_model_registered())
    assert row["score"] == pytest.approx(float(expected), abs=1e-12)  # the CLI's number is the Python one
    default = tmp_path / "default.json"
    assert main(["score", "--model", "bsm-pixel-model", "--benchmark", "Kar2019-IT-early",
                 "--data", str(planted_files["nc"]), "--output", str(default)]) == 0
    assert json.loads(default.read_text())[0]["score"] != pytest.approx(row["score"], abs=1e-6)


def test_command_line_renders_the_exact_command():
    from brainscore_memorability.cli import build_parser, metric_options
    from brainscore_memorability.cli.score import command_line
    line = command_line("memnet-lamem-alexnet", "Kar2019-IT-early", data="/data/my assy.nc", windows=(70, 170),
                        weights="random", n_components=10, n_splits=4, regression="ridge")
    assert line == ("brainscore score --model memnet-lamem-alexnet --benchmark Kar2019-IT-early --weights random "
                    "--data '/data/my assy.nc' --window 70 170 --regression ridge --components 10 --halvings 4")
    import shlex
    args = build_parser().parse_args(shlex.split(line)[1:])
    assert metric_options.from_args(args) == {"regression": "ridge", "n_components": 10, "n_splits": 4}


@pytest.mark.parametrize("arguments, message", [
    (["--benchmark", "MajajHong2015public.IT-pls", "--components", "5"], "not to 'MajajHong2015public.IT-pls'"),
    (["--benchmark", "Kar2019-IT-early", "--components", "0"], "--components must be a positive whole number"),
])
def test_bad_metric_options_exit_1(pixel_model_registered, capsys, arguments, message):
    assert main(["score", "--model", pixel_model_registered] + arguments) == 1
    assert message in capsys.readouterr().err


def test_fit_flag_reaches_the_metric_or_says_it_cannot(planted_files, pixel_model_registered, capsys, tmp_path):
    from brainscore_memorability.adapters import accepts
    from brainscore_memorability.metrics.explained_variance import explained_variance_details
    output = tmp_path / "joint.json"
    code = main(["score", "--model", pixel_model_registered, "--benchmark", "Kar2019-IT-early",
                 "--data", str(planted_files["nc"]), "--fit", "joint", "--output", str(output)])
    if accepts(explained_variance_details, "fit"):  # per-site PLS (issue 12 point 1) is in
        assert code == 0 and json.loads(json.loads(output.read_text())[0]["metric_options"])["fit"] == "joint"
    else:
        assert code == 1 and "--fit: this version's metric" in capsys.readouterr().err
