"""Report sections of the extended study from planted Scores: tables, figures, comparisons."""
import numpy as np
import pandas as pd
import pytest

from brainscore_memorability.analysis import extended, report
from brainscore_memorability.benchmarks.lamem import lamem_score
from brainscore_memorability.benchmarks.reverse import reverse_score
from brainscore_memorability.metrics.explained_variance import ExplainedVariance

ARCHS = ("alexnet", "vgg16", "resnet18")


def reverse_scores():
    rng = np.random.default_rng(0)
    scores = {}
    for model, level in (("memnet-imagenet-alexnet", 30.0), ("memnet-lamem-alexnet", 60.0)):
        for phase in ("early", "late"):
            ev = level + 10 * rng.normal(size=50)
            ones = np.ones((50, 1))
            details = ExplainedVariance(ev, np.sqrt(np.clip(ev, 0, None) / 100), np.ones(50), np.ones(50), ev[:, None],
                                        ones, ones, np.zeros((5, 50)))
            scores[(model, phase)] = reverse_score(details, np.arange(50), 200, (70, 100), 0)
    return scores


def lamem_scores():
    scores = {}
    for i, arch in enumerate(ARCHS):
        for objective, rho in (("lamem", 0.40), ("joint", 0.50)):
            splits = pd.DataFrame({"split": [1, 2], "rho": [rho + 0.01 * i, rho + 0.02 * i * (objective == "joint")],
                                   "alpha": 1.0, "n_train": 100, "n_train_total": 45000, "n_test": 10000,
                                   "head_rho": [0.3, 0.31]})
            scores[f"memnet-{objective}-{arch}"] = lamem_score(splits, 100, 0)
    return scores


def test_reverse_section_writes_tables_and_figure(tmp_path):
    section = extended.reverse_section(*extended.reverse_tables(reverse_scores()), tmp_path, simulated=True,
                                       notice="SIMULATED")
    summary = pd.read_csv(tmp_path / "tables" / "reverse_summary.csv")
    assert list(summary["model"]) == ["memnet-imagenet-alexnet"] * 2 + ["memnet-lamem-alexnet"] * 2
    assert summary["simulated"].all() and (summary["n_units_total"] == 200).all()
    assert summary["median_ev"][2] > summary["median_ev"][0] + 20
    assert len(pd.read_csv(tmp_path / "tables" / "reverse_per_unit.csv")) == 200
    assert section.figures[0].is_file() and "EV < 50 %" in section.text


def test_lamem_section_compares_joint_with_lamem_over_architectures(tmp_path):
    section = extended.lamem_section(lamem_scores(), tmp_path, simulated=False)
    table = pd.read_csv(tmp_path / "tables" / "lamem_splits.csv")
    assert len(table) == 12 and set(table["split"]) == {1, 2}
    (comparison,) = section.comparisons
    assert comparison.n == 3 and comparison.difference == pytest.approx(0.1 + 0.01 * np.mean([0, 1, 2]))
    path = report.write_report(tmp_path / "report.md", "t", [section])
    assert "joint - lamem" in path.read_text()


def test_magnitude_section(tmp_path):
    table = pd.DataFrame([
        {"model": "IT", "layer": "IT 70-100 ms", "rho": 0.3, "ci_low": 0.2, "ci_high": 0.4},
        {"model": "m", "layer": "l0", "relative_depth": 0.0, "rho": 0.1, "ci_low": 0.0, "ci_high": 0.2},
        {"model": "m", "layer": "l1", "relative_depth": 1.0, "rho": 0.2, "ci_low": 0.1, "ci_high": 0.3}])
    section = extended.magnitude_section(table, [], tmp_path, "Kar2019-IT-early", simulated=True)
    assert "IT 70-100 ms: rho = 0.300 [0.200, 0.400]" in section.text
    assert (tmp_path / "figures" / "magnitude.png").is_file() and (tmp_path / "tables" / "magnitude.csv").is_file()
