"""The performance script runs at --quick sizes and fills its agreement columns with real values.

No timing assertions: speed claims are ratios from a full run on one machine (README), not tests.
"""
import json
import math

import pytest

from brainscore_memorability.perf.__main__ import main


def _rows(tmp_path, sections, *options):
    out = tmp_path / "perf.json"
    assert main(["--quick", "--only", sections, "--out", str(out), *options]) == 0
    report = json.loads(out.read_text())
    assert report["quick"] is True and set(report["sizes"]) == set(sections.split(","))
    assert report["machine"]["versions"]["reverse-pred"]
    return report["rows"]


def _peers(rows, section_start):
    peers = [r for r in rows if r["section"].startswith(section_start) and r["speedup"] is not None]
    for peer in peers:  # every compared row has a ratio, a time and a verdict
        assert math.isfinite(peer["speedup"]) and peer["seconds"] > 0 and isinstance(peer["goal_met"], bool)
    return peers


def test_quick_metrics_agree_with_their_peers(tmp_path, capsys):
    rows = _rows(tmp_path, "ev,cka")
    ev = _peers(rows, "% EV")
    # one halving: reverse_pred and the per-neuron loop, for ridge and per-site PLS; then
    # reverse_pred's defaults (ridge, its own random halvings)
    assert len(ev) == 5
    for peer in ev[:4]:
        # same folds and halvings: ridge and the loop's PLS1 (sklearn's is exact for one target)
        # agree up to round-off; reverse_pred's PLS2 (vs this package's fit='joint') stops sklearn's
        # power iteration early (a few 1e-2 % EV points)
        tolerance = 0.1 if "reverse_pred" in peer["implementation"] and "PLS" in peer["section"] else 1e-6
        assert peer["difference"] <= tolerance, peer
        assert ("SCALED" in peer["timed_on"]) == ("loop" in peer["implementation"])
    # different random halvings: a finite difference in standard errors (its size: the full run)
    assert "standard errors" in ev[4]["difference_unit"] and math.isfinite(ev[4]["difference"])
    assert "equal work" in ev[4]["timed_on"]
    cka = _peers(rows, "CKA")
    # float32 inputs: products in float32, sums in float64 (ckatorch: all float64); goal 1e-6
    assert len(cka) == 1 and cka[0]["difference"] <= 1e-7 and "4 of 16 pairs" in cka[0]["timed_on"]
    out = capsys.readouterr().out
    assert "| section | implementation |" in out and "ckatorch" in out


def test_ev_on_a_torch_device(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "perf.json"
    assert main(["--quick", "--only", "ev", "--device", "cpu", "--out", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert any(r["implementation"] == "brainscore_memorability on cpu" for r in rows)
    assert all(r["difference"] <= 1e-6 for r in rows if "loop" in r["implementation"])


def test_unknown_section_is_a_usage_error(tmp_path, capsys):
    assert main(["--quick", "--only", "ev,gpu", "--out", str(tmp_path / "x.json")]) == 2
    assert "gpu" in capsys.readouterr().err and not (tmp_path / "x.json").exists()


@pytest.mark.slow
def test_quick_activations_and_training(tmp_path):
    rows = _rows(tmp_path, "activations,training")
    layers, look_at = _peers(rows, "ResNet-50")
    # the same network and weights; channels-last and unpadded batches round differently
    assert "StreamingWrapper" in layers["implementation"] and "look_at" in look_at["section"]
    assert 0 <= layers["difference"] <= 1e-5 and 0 <= look_at["difference"] <= 1e-5
    assert layers["memory_ratio"] is not None
    training = [r for r in rows if r["section"].startswith("joint training")]
    assert len(training) == 2 and training[1]["speedup"] is not None


def test_device_option_refuses_sections_without_one(tmp_path, capsys, monkeypatch):
    from brainscore_memorability.perf import cka
    monkeypatch.setattr(cka, "run", lambda quick=False: [])  # a section without a device parameter
    assert main(["--quick", "--only", "cka", "--device", "cpu", "--out", str(tmp_path / "x.json")]) == 2
    assert "cka" in capsys.readouterr().err and not (tmp_path / "x.json").exists()


def test_cka_runs_on_a_torch_device(tmp_path):
    rows = [r for r in _rows(tmp_path, "cka", "--device", "cpu") if r["speedup"] is not None]
    assert len(rows) == 1 and rows[0]["difference"] <= 1e-7 and "cpu" in rows[0]["section"]
