"""The reproduce pipeline's extended stage (reverse predictivity, LaMem-memorability, response
magnitude): pieces computed from a tiny simulated world and the score pieces' saved features,
reused on rerun, and their report sections; the paper config without LaMem data says so."""
import dataclasses

import numpy as np
import pandas as pd
import pytest

from brainscore_memorability.analysis import pipeline, report, writeup
from brainscore_memorability.data import sample_world

TINY = sample_world.WorldConfig(seed=1, image_size=32, n_categories=3, lamem_images=(24, 4, 10),
                                imagefolder_images=(2, 1), it_images_per_category=14, neurons_per_animal=8,
                                repetitions=6)
MODEL = "memnet-lamem-resnet18"


@pytest.fixture(scope="module")
def stage(tmp_path_factory):
    """The extended stage of a tiny world for one random-weights model, score pieces faked from
    features planted as mixtures of the IT mean rates (so IT predicts them)."""
    root = tmp_path_factory.mktemp("extended")
    world = sample_world.build(root / "world", TINY)
    config = dataclasses.replace(pipeline.SAMPLE, name="tiny", metric_options={"n_splits": 2, "n_folds": 3},
                                 extended={"models": [MODEL], "reverse": {"regression": "ridge"},
                                           "lamem": {"splits": [1]}, "magnitude": {"n_resamples": 200}})
    prepared = pipeline.Prepared(str(world.assembly), {MODEL: "random"}, world.config.images_digest(), world)
    pieces = root / "pieces"
    score_pieces = {}
    for phase in pipeline.PHASES:
        bench = pipeline._benchmark(config.dataset, phase, prepared.data)
        rates, stimulus_ids = bench.rates
        mean = np.nanmean(rates[..., 0], axis=2)
        mixed = mean @ np.random.default_rng(0).normal(size=(mean.shape[1], 40))
        piece = pipeline.Piece("score", f"score__tiny__{MODEL}__{phase}", {"phase": phase})
        folder = pieces / piece.name
        folder.mkdir(parents=True)
        np.save(folder / "features.npy", mixed.astype(np.float32))
        np.save(folder / "stimulus_ids.npy", np.asarray(stimulus_ids).astype(str))
        score_pieces[(MODEL, phase)] = piece
    data_inputs = {"data": "tiny-digest"}
    extended = pipeline.extended_pieces(config, pieces, score_pieces, {MODEL: "random-seed0"}, prepared, data_inputs)
    pipeline.run_pieces(pieces, extended.all(), stage="extended")
    return config, prepared, pieces, extended, root


def test_extended_pieces_compute_each_analysis(stage):
    config, prepared, pieces, extended, _ = stage
    assert sorted(extended.pieces) == ["lamem", "magnitude", "reverse"] and not extended.notes
    summary = pd.read_csv(pieces / f"reverse__tiny__{MODEL}__early" / "summary.csv")
    # units built from IT's own mean rates: IT predicts them (reverse % EV high)
    assert summary["median_ev"].iloc[0] > 60 and summary["n_units"].iloc[0] == 40
    assert summary["benchmark"].iloc[0] == "Kar2019-IT-early-reverse"
    splits = pd.read_csv(pieces / f"lamem__{MODEL}" / "splits.csv")
    assert list(splits["split"]) == [1] and splits["n_train"].iloc[0] == 24 and splits["n_test"].iloc[0] == 10
    assert np.isfinite(splits["head_rho"].iloc[0])  # the LaMem network's own head
    table = pd.read_csv(pieces / f"magnitude__{MODEL}" / "table.csv")
    layers = list(table["layer"])  # resnet18's CKA layers, maxpool to avgpool
    assert len(layers) == 10 and layers[0] == "backbone.maxpool" and layers[-1] == "backbone.avgpool"
    assert table["relative_depth"].tolist() == pytest.approx(np.linspace(0, 1, 10))
    it = pd.read_csv(pieces / "magnitude_it__tiny" / "table.csv")
    assert it["layer"].iloc[0] == "IT 70-100 ms" and it["n_images"].iloc[0] == 42


def test_extended_pieces_are_reused(stage, monkeypatch):
    config, prepared, pieces, extended, _ = stage
    monkeypatch.setitem(pipeline.COMPUTE, "reverse", lambda *a, **k: pytest.fail("recomputed"))
    monkeypatch.setitem(pipeline.COMPUTE, "lamem", lambda *a, **k: pytest.fail("recomputed"))
    pipeline.run_pieces(pieces, extended.all(), stage="extended")
    # another world's IT data (the null world) recomputes reverse predictivity, not LaMem or model layers
    other = pipeline.extended_pieces(config, pieces, {k: dataclasses.replace(p, inputs={"data": "other"})
                                                      for k, p in _score_pieces(extended).items()},
                                     {MODEL: "random-seed0"}, prepared, {"data": "other"})
    assert not pipeline.is_done(pieces, other.pieces["reverse"][(MODEL, "early")])
    assert pipeline.is_done(pieces, other.pieces["lamem"][MODEL])
    assert pipeline.is_done(pieces, other.pieces["magnitude"][MODEL])
    assert not pipeline.is_done(pieces, other.pieces["magnitude"]["IT"])


def _score_pieces(extended):
    return {key: pipeline.Piece("score", f"score__tiny__{key[0]}__{key[1]}", {"phase": key[1]})
            for key in extended.pieces["reverse"]}


def test_extended_sections_show_the_planted_magnitude(stage):
    config, prepared, pieces, extended, root = stage
    out = root / "report"
    commands = writeup.Commands(config, prepared.data, prepared.weights)
    kept = []
    sections = writeup.extended_sections(config, out, extended.folders(pieces), prepared, commands, "SIMULATED",
                                         kept.extend)
    assert [s.title for s in sections] == ["Reverse predictivity", "Human memorability (LaMem)",
                                           "IT response magnitude and memorability"]
    planted = pd.read_csv(out / "tables" / "magnitude_planted.csv")
    assert planted["planted_rho"].iloc[0] == pytest.approx(prepared.world.planted_magnitude((70, 100)))
    assert planted["magnitude_effect"].iloc[0] == pytest.approx(TINY.magnitude_loading)
    assert planted["expected"][0] == "> 0"
    for stem in ("reverse_predictivity", "lamem_memorability", "magnitude"):
        assert (out / "figures" / f"{stem}.png").is_file()
    text = report.write_report(out / "report.md", "t", sections).read_text()
    assert "Kar2019-IT-early-reverse" in text and "--regression ridge" in text and "--lamem-split 1" in text
    assert "planted rho" in text and "`head_rho`:" in text  # every column explained


def test_paper_config_without_lamem_data_says_so(tmp_path, monkeypatch):
    monkeypatch.delenv("BRAINSCORE_MEMORABILITY_LAMEM", raising=False)
    monkeypatch.setenv("BRAINSCORE_MEMORABILITY_CONFIG", str(tmp_path / "absent.yaml"))
    paper = pipeline.CONFIGS["paper"]
    root, why = pipeline.lamem_location(paper, pipeline.Prepared(None, {}, ""))
    assert root is None and why.startswith("LaMem-memorability was not run: no LaMem folder")
    assert pipeline.extended_models(paper) == paper.models()
    assert pipeline.extended_models(pipeline.SAMPLE) == [f"memnet-{o}-resnet18" for o in ("imagenet", "lamem", "joint")]
