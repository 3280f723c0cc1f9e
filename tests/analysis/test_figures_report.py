"""Figures (PNG + PDF, simulated notice, reproducible bytes) and the Markdown report with CSV tables."""
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from brainscore_memorability.analysis import figures, report
from brainscore_memorability.analysis.statistics import paired_comparison

NOTICE = "SIMULATED SAMPLE: not real data"


@pytest.fixture
def captured(monkeypatch):
    """Record each figure handed to figures.save (and still write it)."""
    seen = []
    original = figures.save

    def save(figure, stem):
        seen.append(figure)
        return original(figure, stem)

    monkeypatch.setattr(figures, "save", save)
    return seen


def _comparison():
    rng = np.random.default_rng(0)
    a = rng.normal(10, 3, 30)
    return a, a + rng.normal(2, 1, 30), paired_comparison(a, a + rng.normal(2, 1, 30), label="lamem - imagenet")


def test_paired_scatter_writes_png_and_pdf_with_notice(tmp_path, captured):
    a, b, comparison = _comparison()
    panels = [figures.Panel("early", a, b, "ImageNet % EV", "LaMem % EV", comparison),
              figures.Panel("late", b, a, "ImageNet % EV", "LaMem % EV")]
    written = figures.paired_scatter(panels, tmp_path / "fig2", "Figure 2A/C", notice=NOTICE)
    assert [p.name for p in written] == ["fig2.png", "fig2.pdf"]
    with Image.open(written[0]) as image:
        assert image.size[0] > 600 and image.size[1] > 300
    assert written[1].read_bytes().startswith(b"%PDF")
    banner, title = figures.texts(captured[0])[:2]
    assert banner.get_text() == NOTICE and banner.get_color() == figures.NOTICE_COLOUR
    assert title.get_text() == "Figure 2A/C"
    texts = [t.get_text() for axis in captured[0].axes for t in axis.texts]
    assert any("d_z" in t and f"n = {comparison.n}" in t for t in texts)
    again = figures.paired_scatter(panels, tmp_path / "again", "Figure 2A/C", notice=NOTICE)
    assert again[1].read_bytes() == written[1].read_bytes()  # no creation date: reruns identical


def test_depth_profile_and_paired_conditions(tmp_path, captured):
    per_layer = pd.DataFrame({"architecture": ["x"] * 3 + ["y"] * 3, "relative_depth": [0, 0.5, 1] * 2,
                              "cka": [1, 0.8, 0.3, 1, 0.7, 0.2]})
    summary = pd.DataFrame({"relative_depth": [0, 0.5, 1], "mean": [1, 0.75, 0.25], "sem": [0, 0.05, 0.05],
                            "n_architectures": 2})
    assert figures.depth_profile(per_layer, summary, tmp_path / "fig1b", "Figure 1B")[0].is_file()
    assert [t.get_text() for t in figures.texts(captured[-1])][0] == "Figure 1B"  # no notice for real data
    rows = [{"phase": phase, "architecture": arch, "condition": condition, "value": v}
            for phase in ("early", "late") for arch, v in (("a", 0.3), ("b", 0.4), ("c", 0.5))
            for condition in ("imagenet", "lamem")]
    comparisons = {"early": paired_comparison([0.3, 0.4, 0.5], [0.35, 0.42, 0.6])}
    written = figures.paired_conditions(pd.DataFrame(rows), ("imagenet", "lamem"), comparisons, tmp_path / "fig1c",
                                        "Figure 1C", "CKA with IT", notice=NOTICE)
    assert all(p.is_file() for p in written) and len(captured[-1].axes) == 2


def _overlaps(figure) -> list[tuple[str, str]]:
    """Pairs of titles/banners of ``figure`` whose drawn boxes intersect."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # lay out (constrained layout) before measuring
    renderer = canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in figures.texts(figure) if t.get_text()]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]


@pytest.mark.parametrize("n_panels", [1, 2, 4])
def test_the_simulated_banner_never_overlaps_a_title(tmp_path, captured, n_panels):
    a, b, comparison = _comparison()
    long_notice = NOTICE + " " + "every number below was generated from a seed; " * 4
    panels = [figures.Panel(f"panel {k}: a long title naming two models", a, b, "x", "y", comparison)
              for k in range(n_panels)]
    figures.paired_scatter(panels, tmp_path / "f", "A suptitle that is long enough to wrap maybe", notice=long_notice)
    texts = [t.get_text() for t in figures.texts(captured[-1])]
    assert texts[0] == textwrap_fill(long_notice, n_panels) and len(texts) == 2 + n_panels
    assert _overlaps(captured[-1]) == []


def textwrap_fill(notice, n_panels):
    import textwrap
    return textwrap.fill(notice, 40 * n_panels + 30)


def test_conditions_figure_has_a_legend_and_one_y_scale(tmp_path, captured):
    rows = [{"phase": phase, "architecture": arch, "condition": condition, "value": v * (3 if phase == "late" else 1)}
            for phase in ("early", "late") for arch, v in (("a", 10.0), ("b", 20.0), ("c", 30.0))
            for condition in ("imagenet", "lamem")]
    rows.append({"phase": "early", "architecture": "a", "condition": "joint", "value": 15.0})  # one joint network
    figures.paired_conditions(pd.DataFrame(rows), ("imagenet", "lamem", "joint"), {}, tmp_path / "ev", "EV", "% EV",
                              notice=NOTICE)
    early, late = captured[-1].axes
    assert early.get_ylim() == late.get_ylim() and late.get_ylim()[1] >= 90  # shared: early's axis reaches late's 90
    labels = [t.get_text() for t in late.get_legend().get_texts()]
    assert labels[:3] == ["a", "b", "c"] and "mean, lamem-trained" in labels
    assert [t.get_text() for t in early.get_xticklabels()] == ["imagenet", "lamem", "joint"]
    assert _overlaps(captured[-1]) == []


def test_report_links_figures_tables_and_statistics(tmp_path):
    a, b, comparison = _comparison()
    table = report.write_table(pd.DataFrame({"neuroid_id": ["n1", "n2"], "explained_variance": [1.5, np.nan]}),
                               tmp_path / "tables" / "ev.csv", simulated=True)
    read = pd.read_csv(table)
    assert read.columns.tolist() == ["simulated", "neuroid_id", "explained_variance"] and read["simulated"].all()
    pngs = figures.paired_scatter([figures.Panel("early", a, b, "x", "y", comparison)], tmp_path / "figures" / "f",
                                  "F", notice=NOTICE)
    section = report.Section("Per-neuron % EV", "LaMem vs ImageNet.", figures=[pngs[0]], tables=[table],
                             comparisons=[comparison])
    path = report.write_report(tmp_path / "report.md", "Study", [section], notice=NOTICE,
                               details={"config": "sample"})
    text = path.read_text()
    assert text.splitlines()[2] == f"> **{NOTICE}**"
    assert "](figures/f.png)" in text and "](figures/f.pdf)" in text and "](tables/ev.csv)" in text
    assert "| lamem - imagenet | 30 |" in text and f"{comparison.p_value:.2g}" in text
    assert "## 1. Per-neuron % EV" in text and "- config: sample" in text


def test_every_report_column_has_a_sentence_and_unknown_ones_fail():
    from brainscore_memorability.analysis import writeup
    frame = pd.DataFrame({"model": ["m"], "unique_control": [1.0], "partial_r_target": [0.1]})
    explained = writeup.columns(frame)
    assert list(explained) == ["simulated", "model", "unique_control", "partial_r_target"]
    assert all(len(sentence.split()) >= 3 for sentence in explained.values())
    with pytest.raises(KeyError):
        writeup.columns(pd.DataFrame({"mystery_column": [1]}))


def test_commands_reproduce_with_the_runs_options():
    from brainscore_memorability.analysis import pipeline, writeup
    commands = writeup.Commands(pipeline.CONFIGS["sample"], "/w/it/assy.nc",
                                {"memnet-lamem-resnet18": "/p/l.safetensors", "memnet-imagenet-resnet18": "/p/i.safetensors"})
    assert commands.score("memnet-lamem-resnet18", "early") == (
        "brainscore score --model memnet-lamem-resnet18 --weights /p/l.safetensors --benchmark Kar2019-IT-early "
        "--data /w/it/assy.nc --components 10 --halvings 4")
    unique = commands.unique("memnet-lamem-resnet18", "memnet-imagenet-resnet18", "late")
    assert unique.startswith("BRAINSCORE_MEMORABILITY_WEIGHTS_MEMNET_LAMEM_RESNET18=/p/l.safetensors "
                             "BRAINSCORE_MEMORABILITY_WEIGHTS_MEMNET_IMAGENET_RESNET18=/p/i.safetensors brainscore partial-corr")
    assert "--control memnet-imagenet-resnet18 --benchmark Kar2019-IT-late" in unique
    record = {"arguments": {"identifier": "memnet-lamem-resnet18", "arch": "resnet18", "objective": "lamem",
                            "overrides": {"lr": 0.001, "amp": False, "progress": True}},
              "paths": {"lamem_root": "/w/lamem", "init_weights": "/p/i.safetensors", "it_stimuli": "/w/it/s.csv"}}
    assert writeup.Commands.train(record) == (
        "python -m brainscore_memorability_training train --arch resnet18 --objective lamem --lr 0.001 --no-amp "
        "--progress --lamem-root /w/lamem --init-weights /p/i.safetensors --out-dir runs/memnet-lamem-resnet18")


def test_claims_hold_by_their_confidence_interval():
    from brainscore_memorability.analysis import study
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, 60)
    up, flat = paired_comparison(a, a + 1 + rng.normal(0, 0.1, 60)), paired_comparison(a, a + rng.normal(0, 0.1, 60))
    assert study.Claim("x", up, "> 0", "planted").holds and not study.Claim("x", flat, "> 0", "p").holds
    assert study.Claim("x", flat, "CI covers 0", "p").holds and not study.Claim("x", up, "CI covers 0", "p").holds
    down = paired_comparison(a, a - 1 + rng.normal(0, 0.1, 60))
    assert study.Claim("x", flat, ">= 0", "p").holds and not study.Claim("x", down, ">= 0", "p").holds
    assert all(study.Claim("x", c, "not > 0", "p").holds for c in (flat, down)) and not study.Claim("x", up, "not > 0", "p").holds
