"""The `brainscore` command: help, list, score, and the unknown-identifier path."""
import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from brainscore_memorability import registry
from brainscore_memorability.cli import main


def test_console_script_help():
    script = shutil.which("brainscore", path=str(Path(sys.executable).parent)) or shutil.which("brainscore")
    assert script, "the `brainscore` console script is not installed (pip install -e .)"
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    for command in ("list", "score"):
        assert command in result.stdout


def test_list_prints_every_registration_with_its_description(toy_model_and_benchmark, capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for entry in registry.registrations():
        line = next(line for line in out.splitlines() if line.split()[:1] == [entry.identifier])
        assert entry.description in line
    assert "resnet50_tutorial" not in out.split()  # brainscore-vision's own only with --all


def test_list_all_adds_brainscore_vision_identifiers(capsys):
    assert main(["list", "models", "--all"]) == 0
    identifiers = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:] if line.strip()]
    assert "alexnet" in identifiers and "resnet50_tutorial" in identifiers


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_score_prints_table_and_writes_result(toy_model_and_benchmark, tmp_path, capsys, suffix):
    output = tmp_path / "results" / f"score{suffix}"
    assert main(["score", "--model", "bsm-test-model", "--benchmark", "bsm-test-benchmark",
                 "--output", str(output)]) == 0
    header, values = capsys.readouterr().out.splitlines()[:2]
    assert header.split() == ["model", "benchmark", "score", "raw", "ceiling", "error"]
    assert values.split()[:5] == ["bsm-test-model", "bsm-test-benchmark", "0.2500", "0.1250", "0.5000"]
    rows = json.loads(output.read_text()) if suffix == ".json" else list(csv.DictReader(output.open()))
    assert float(rows[0]["score"]) == 0.25 and float(rows[0]["ceiling"]) == 0.5
    assert [p.name for p in output.parent.iterdir()] == [output.name]  # no temporary files left


def test_unknown_identifier_exits_2_names_it_and_writes_nothing(toy_model_and_benchmark, tmp_path, capsys):
    output = tmp_path / "score.json"
    code = main(["score", "--model", "bsm-test-modle", "--benchmark", "bsm-test-benchmark", "--output", str(output)])
    assert code == 2
    err = capsys.readouterr().err
    assert "unknown model identifier 'bsm-test-modle'" in err and "bsm-test-model" in err
    assert not output.exists()


def test_unknown_benchmark_exits_2(toy_model_and_benchmark, capsys):
    assert main(["score", "--model", "bsm-test-model", "--benchmark", "Kar2019-IT-erly"]) == 2
    assert "unknown benchmark identifier 'Kar2019-IT-erly'" in capsys.readouterr().err


def test_bad_output_suffix_is_refused_before_scoring(toy_model_and_benchmark, tmp_path, capsys):
    assert main(["score", "--model", "bsm-test-model", "--benchmark", "bsm-test-benchmark",
                 "--output", str(tmp_path / "score.txt")]) == 1
    assert "must end in .json or .csv" in capsys.readouterr().err


def test_score_disables_plugin_pip_installs_unless_user_chose(toy_model_and_benchmark, monkeypatch):
    monkeypatch.delenv("BS_INSTALL_DEPENDENCIES")
    main(["score", "--model", "bsm-test-model", "--benchmark", "bsm-test-benchmark"])
    assert os.environ["BS_INSTALL_DEPENDENCIES"] == "no"
    monkeypatch.setenv("BS_INSTALL_DEPENDENCIES", "yes")
    main(["score", "--model", "bsm-test-model", "--benchmark", "bsm-test-benchmark"])
    assert os.environ["BS_INSTALL_DEPENDENCIES"] == "yes"


def test_import_writes_nothing_and_opens_no_network(tmp_path):
    code = ("import socket, builtins\n"
            "def refuse(*a, **k): raise RuntimeError('network used at import')\n"
            "socket.socket.connect = refuse\n"
            "real_open = builtins.open\n"
            "def guarded(file, mode='r', *a, **k):\n"
            "    if any(m in mode for m in 'wax+'): raise RuntimeError(f'write at import: {file}')\n"
            "    return real_open(file, mode, *a, **k)\n"
            "builtins.open = guarded\n"
            "import brainscore_memorability\n"
            "import sys; assert 'torch' not in sys.modules, 'torch imported at import time'\n")
    env = dict(os.environ, HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_every_unknown_identifier_is_reported_at_once(toy_model_and_benchmark, capsys):
    assert main(["score", "--model", "bsm-test-modle", "--benchmark", "bsm-test-benchmrk"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("brainscore score: 2 unknown identifiers:")
    assert "unknown model identifier 'bsm-test-modle'" in err and "unknown benchmark identifier 'bsm-test-benchmrk'" in err
    assert "bsm-test-model" in err and "bsm-test-benchmark" in err  # each with its close match


def run_module(*arguments, options=()):
    """``python [options] -m brainscore_memorability ARGS`` on this copy of the package, without PYTHONWARNINGS."""
    root = str(Path(__file__).resolve().parents[2])
    env = {key: value for key, value in os.environ.items() if key != "PYTHONWARNINGS"}
    return subprocess.run([sys.executable, *options, "-m", "brainscore_memorability", *arguments], cwd=root,
                          env={**env, "PYTHONPATH": root}, capture_output=True, text=True, timeout=300)


def test_ordinary_commands_show_no_upstream_warnings():
    for arguments in (["list", "models"], ["submit", "--list"], ["train", "--help"]):
        done = run_module(*arguments)
        assert done.returncode == 0 and done.stderr == "", (arguments, done.stderr[-2000:])
    # -W shows them again: the filter hides known upstream warnings, it does not break warnings
    shown = run_module("list", "models", options=["-W", "default"])
    assert "FutureWarning: xarray subclass Score should explicitly define __slots__" in shown.stderr


def test_the_upstream_filter_keeps_this_packages_warnings(recwarn):
    import warnings

    from brainscore_memorability.upstream_warnings import ignored
    with ignored():
        warnings.warn_explicit("xarray subclass Score should explicitly define __slots__", FutureWarning,
                               "x.py", 1, module="brainscore_core.metrics")
        warnings.warn_explicit("xarray subclass Score should explicitly define __slots__", FutureWarning,
                               "x.py", 1, module="brainscore_memorability.metrics")
        warnings.warn("ours", UserWarning)
    assert sorted(str(w.message)[:6] for w in recwarn) == ["ours", "xarray"]  # only the upstream one is hidden


def test_train_and_export_are_brainscore_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "train " in out and "export " in out
