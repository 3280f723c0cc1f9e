"""`brainscore reproduce`: per-piece caching (atomic, reused, invalidated), scale-out paths, the CLI,
and (slow) the whole simulated sample recovering its planted structure."""
import json
import os

import pandas as pd
import pytest

from brainscore_memorability.analysis import pipeline
from brainscore_memorability.cli import main
from brainscore_memorability.errors import MemorabilityError


@pytest.fixture
def counting_kind(monkeypatch):
    """A piece kind 'count' that writes its argument to value.txt and counts its runs."""
    calls = []

    def compute(scratch, value, fail=False):
        calls.append(value)
        (scratch / "value.txt").write_text(str(value))
        if fail:
            raise RuntimeError("piece failed")

    monkeypatch.setitem(pipeline.COMPUTE, "count", compute)
    return calls


def test_pieces_are_written_once_and_reused(tmp_path, counting_kind):
    piece = pipeline.Piece("count", "count__a", {"value": 1}, inputs={"weights": "abc"})
    folder = pipeline.run_piece(str(tmp_path), piece)
    assert (tmp_path / "count__a" / "value.txt").read_text() == "1"
    record = json.loads((tmp_path / "count__a" / "piece.json").read_text())
    assert record["fingerprint"] == piece.fingerprint() and record["inputs"] == {"weights": "abc"}
    assert pipeline.run_piece(str(tmp_path), piece) == folder and counting_kind == [1]  # reused
    pipeline.run_pieces(tmp_path, [piece], stage="test")
    assert counting_kind == [1]
    # other inputs (e.g. retrained weights) make the piece stale: recomputed and replaced
    changed = pipeline.Piece("count", "count__a", {"value": 2}, inputs={"weights": "def"})
    pipeline.run_pieces(tmp_path, [changed], stage="test")
    assert counting_kind == [1, 2] and (tmp_path / "count__a" / "value.txt").read_text() == "2"


def test_paths_are_passed_but_do_not_identify_a_piece(tmp_path, monkeypatch):
    """Where an input lies (a world folder) is not what it is (its digest, in ``inputs``): the same
    piece found through another path is reused."""
    seen = []
    monkeypatch.setitem(pipeline.COMPUTE, "where", lambda scratch, value, root: seen.append(root))
    first = pipeline.Piece("where", "where__a", {"value": 1}, inputs={"images": "d1"}, paths={"root": "/one"})
    moved = pipeline.Piece("where", "where__a", {"value": 1}, inputs={"images": "d1"}, paths={"root": "/two"})
    assert first.fingerprint() == moved.fingerprint()
    pipeline.run_pieces(tmp_path, [first], stage="test")
    pipeline.run_pieces(tmp_path, [moved], stage="test")
    assert seen == ["/one"]
    other = pipeline.Piece("where", "where__a", {"value": 1}, inputs={"images": "d2"}, paths={"root": "/one"})
    assert other.fingerprint() != first.fingerprint()


def test_the_null_world_has_the_planted_worlds_images_and_no_memorability():
    from brainscore_memorability.data.sample_world import WorldConfig
    planted, null = (WorldConfig(**pipeline.CONFIGS[name].world) for name in ("sample", "sample-null"))
    assert planted.images_digest() == null.images_digest() and planted.digest() != null.digest()
    assert planted.weights[1] > 0 and null.weights[1] == 0 and planted.weights[0::2] == null.weights[0::2]
    assert pipeline.CONFIGS["sample-null"].models() == pipeline.CONFIGS["sample"].models()


def test_every_metric_option_has_its_command_line_flag():
    from brainscore_memorability.analysis import writeup
    flags = writeup.metric_flags(pipeline.CONFIGS["sample"].metric_options)
    assert flags == ["--components", "10", "--halvings", "4"]
    with pytest.raises(Exception, match="no command-line flag"):
        writeup.metric_flags({"alpha": 1})


def test_a_failing_piece_leaves_no_folder_and_keeps_the_old_one(tmp_path, counting_kind):
    good = pipeline.Piece("count", "count__b", {"value": 1})
    pipeline.run_piece(str(tmp_path), good)
    with pytest.raises(RuntimeError, match="piece failed"):
        pipeline.run_piece(str(tmp_path), pipeline.Piece("count", "count__b", {"value": 2, "fail": True}))
    assert (tmp_path / "count__b" / "value.txt").read_text() == "1"
    assert pipeline.is_done(tmp_path, good)
    assert sorted(os.listdir(tmp_path)) == ["count__b"]  # no scratch folder left behind
    with pytest.raises(RuntimeError):
        pipeline.run_piece(str(tmp_path), pipeline.Piece("count", "count__c", {"value": 3, "fail": True}))
    assert not (tmp_path / "count__c").exists()


def test_slurm_path_submits_an_array_through_submitit(tmp_path, counting_kind, monkeypatch):
    import submitit
    made, real_executor = [], submitit.AutoExecutor

    def debug_executor(folder, **kwargs):  # submitit's in-process 'debug' cluster instead of SLURM
        made.append(folder)
        return real_executor(folder=folder, cluster="debug")

    monkeypatch.setattr(submitit, "AutoExecutor", debug_executor)
    pieces = [pipeline.Piece("count", f"count__{v}", {"value": v}) for v in range(3)]
    pipeline.run_pieces(tmp_path, pieces, jobs=2, slurm=True, stage="slurm")
    assert sorted(counting_kind) == [0, 1, 2] and made == [tmp_path / "slurm" / "%j"]
    assert all(pipeline.is_done(tmp_path, p) for p in pieces)


def test_configs_name_the_study_models():
    paper = pipeline.CONFIGS["paper"]
    assert len(paper.models()) == 11 and "memnet-joint-resnet50" in paper.models()
    assert paper.benchmarks == {"early": "Kar2019-IT-early", "late": "Kar2019-IT-late"}
    assert not paper.simulated and pipeline.CONFIGS["sample"].simulated
    sample = pipeline.CONFIGS["sample"]
    assert set(pipeline.unique_roles(sample).values()) <= set(sample.models())


def test_cli_usage_errors(tmp_path, capsys):
    assert main(["reproduce", "--out", str(tmp_path), "--jobs", "0"]) == 1
    assert "--jobs must be at least 1" in capsys.readouterr().err
    assert main(["reproduce", "--config", "sample", "--out", str(tmp_path), "--data", "x.nc"]) == 1
    assert "--data applies to the paper config" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["reproduce", "--config", "nonsense", "--out", str(tmp_path)])
    assert exit_info.value.code == 2


def test_paper_config_without_data_says_where_to_put_it(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BRAINSCORE_MEMORABILITY_KAR2019", raising=False)
    monkeypatch.setenv("BRAINSCORE_MEMORABILITY_CONFIG", str(tmp_path / "absent.yaml"))
    with pytest.raises(MemorabilityError, match="--data FILE.nc"):
        pipeline._benchmark("Kar2019", "early", None).assembly


def test_paper_config_stops_early_when_weights_are_missing(tmp_path, capsys, monkeypatch):
    """Before any piece runs, a model without weights stops the run with the zoo's instructions."""
    monkeypatch.setenv("BRAINSCORE_MEMORABILITY_HOME", str(tmp_path / "home"))
    assert main(["reproduce", "--config", "paper", "--out", str(tmp_path / "out")]) == 1
    assert "memnet-lamem-alexnet" in capsys.readouterr().err
    assert not (tmp_path / "out" / "pieces").exists()


def _statistics(out):
    return pd.read_csv(out / "tables" / "statistics.csv").set_index("label")


@pytest.mark.slow
def test_planted_and_null_worlds_end_to_end(tmp_path, capsys):
    """The whole sample on the planted world, then on the null world sharing its trained networks
    (minutes): networks that learn, every claim recovered, nothing found where nothing is planted."""
    out, null = tmp_path / "sample", tmp_path / "null"
    assert main(["reproduce", "--config", "sample", "--out", str(out)]) == 0
    report = (out / "report.md").read_text()
    assert "SIMULATED SAMPLE" in report and (out / "SIMULATED_DATA.txt").is_file()
    for stem in ("ev_by_model", "fig1b_cka_depth", "fig1c_ann_it", "fig2ac_ev_lamem_vs_imagenet",
                 "fig2bd_unique_variance", "fig3bc_ev_joint"):
        assert (out / "figures" / f"{stem}.png").is_file() and (out / "figures" / f"{stem}.pdf").is_file()
    for csv in (out / "tables").glob("*.csv"):
        assert pd.read_csv(csv)["simulated"].all()
    # the networks learn (issue 13, goal 1)
    training = pd.read_csv(out / "tables" / "training.csv").set_index("model")
    categorization = training[training["objective"].isin(["imagenet", "joint"])]
    memorability = training[training["objective"].isin(["lamem", "joint"])]
    assert (categorization["imagenet_val_top1"] >= 80).all() and (categorization["chance_top1"] < 17).all()
    assert (memorability["lamem_test_rho"] >= 0.6).all() and (memorability["it_planted_rho"] >= 0.6).all()
    # every claim planted is recovered
    claims = pd.read_csv(out / "tables" / "claims.csv")
    assert len(claims) == 5 and claims["holds"].all(), claims[["claim", "difference", "ci_low", "ci_high"]]
    shares = pd.read_csv(out / "tables" / "planted_shares.csv").set_index("component")
    assert shares.loc["memorability", "early_share"] > 0.1 and shares.loc["memorability", "late_share"] == 0
    # the extended analyses (issue 17): reverse predictivity, LaMem, IT magnitude grows with memorability
    for stem in ("reverse_predictivity", "lamem_memorability", "magnitude"):
        assert (out / "figures" / f"{stem}.png").is_file()
    reverse = pd.read_csv(out / "tables" / "reverse_summary.csv")
    assert len(reverse) == 6 and reverse["median_ev"].notna().all()
    assert len(pd.read_csv(out / "tables" / "lamem_splits.csv")) == 3
    magnitude = pd.read_csv(out / "tables" / "magnitude_planted.csv").iloc[0]
    assert magnitude["expected"] == "> 0" and magnitude["holds"] and magnitude["planted_rho"] > 0.4
    assert magnitude["ci_low"] <= magnitude["planted_rho"] <= magnitude["ci_high"]
    # a rerun reuses every piece
    pieces = {p.name: p.stat().st_mtime_ns for p in (out / "pieces").iterdir()}
    capsys.readouterr()
    assert main(["reproduce", "--config", "sample", "--out", str(out)]) == 0
    assert "reusing" in capsys.readouterr().out and not any(out.glob("pieces/.*"))
    assert {p.name: p.stat().st_mtime_ns for p in (out / "pieces").iterdir()} == pieces

    # the null world: the same images and networks (reused, not retrained), no memorability in IT
    assert main(["reproduce", "--config", "sample-null", "--out", str(null), "--pieces", str(out / "pieces")]) == 0
    trained = {name: time for name, time in pieces.items() if name.startswith("train__")}
    assert {p.name: p.stat().st_mtime_ns for p in (out / "pieces").glob("train__*")} == trained
    null_shares = pd.read_csv(null / "tables" / "planted_shares.csv").set_index("component")
    assert (null_shares.loc["memorability", ["early_share", "late_share"]] == 0).all()
    null_claims = pd.read_csv(null / "tables" / "claims.csv").set_index("expected")
    assert null_claims["holds"].all(), null_claims[["claim", "difference", "ci_low", "ci_high"]]
    no_advantage = null_claims.loc[["not > 0"]]
    assert len(no_advantage) == 3  # LaMem beyond T early and late, joint vs ImageNet early
    assert (no_advantage["ci_low"] <= 0).all()  # no false discovery of a memorability advantage
    null_magnitude = pd.read_csv(null / "tables" / "magnitude_planted.csv").iloc[0]
    assert null_magnitude["expected"] == "CI covers 0" and null_magnitude["holds"]
    assert null_magnitude["ci_low"] <= 0 <= null_magnitude["ci_high"] and abs(null_magnitude["planted_rho"]) < 0.15
    extended = [p for p in (out / "pieces").iterdir() if p.name.startswith(("lamem__", "magnitude__"))]
    assert extended and all(p.stat().st_mtime_ns == pieces[p.name] for p in extended)  # shared with the planted run


@pytest.mark.slow
def test_paper_config_end_to_end_on_the_sample_worlds_data(tmp_path, monkeypatch, capsys):
    """--config paper, every architecture and objective it lists, on the sample world's images and IT
    data, with weights trained a few steps and provided as a user would (export + manifest)."""
    from brainscore_memorability.data import sample_world
    from brainscore_memorability_training import load_config, train
    from brainscore_memorability_training.export import export
    monkeypatch.setenv("BRAINSCORE_MEMORABILITY_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("BRAINSCORE_MEMORABILITY_LAMEM", raising=False)  # no LaMem folder: its section says so
    monkeypatch.setenv("BRAINSCORE_MEMORABILITY_CONFIG", str(tmp_path / "absent.yaml"))
    world = sample_world.build(tmp_path / "world", sample_world.WorldConfig(
        lamem_images=(32, 16, 16), imagefolder_images=(8, 4), it_images_per_category=20))
    paper = pipeline.CONFIGS["paper"]
    for model in paper.models():
        _, objective, arch = model.split("-", 2)
        run = tmp_path / "runs" / model
        result = train(load_config(None, arch=arch, objective=objective, lamem_root=str(world.lamem_root),
                                   imagenet_root=str(world.imagefolder_root), out_dir=str(run), image_size=64,
                                   max_steps=2, batch_size=8, optimizer="adamw", lr=1e-4, workers=0,
                                   device="cpu", amp=False, channels_last=False, progress=False))
        export(result.checkpoint, model)  # registers it in the user manifest, as a user does
    capsys.readouterr()
    assert main(["reproduce", "--config", "paper", "--out", str(tmp_path / "study"), "--data", str(world.assembly)]) == 0
    report = (tmp_path / "study" / "report.md").read_text()
    assert "SIMULATED" not in report.split("\n")[0]  # the paper config does not know the data are simulated
    scores = pd.read_csv(tmp_path / "study" / "tables" / "scores.csv")
    assert sorted(scores["model"].unique()) == sorted(paper.models()) and len(scores) == 2 * len(paper.models())
    assert scores["model_identifier"].str.contains("@sha256-").all()  # the exported weights, not torchvision's
    statistics = _statistics(tmp_path / "study")
    assert any(label.startswith("lamem - imagenet") for label in statistics.index)  # 5 architectures: paired
    assert (tmp_path / "study" / "figures" / "fig2bd_unique_variance.png").is_file()
    # the extended analyses for every model; LaMem-memorability not run without a LaMem folder
    assert len(pd.read_csv(tmp_path / "study" / "tables" / "reverse_summary.csv")) == 2 * len(paper.models())
    assert "LaMem-memorability was not run: no LaMem folder" in report
    assert (tmp_path / "study" / "figures" / "magnitude.png").is_file()
