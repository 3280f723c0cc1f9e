"""What Brain-Score's CI runs on a submitted plugin, run here: the plugin folder in the plugin tree of a
private copy of brainscore_vision, its generic plugin tests, then the plugin's test.py, -m "not slow".

Model plugins run with untrained weights (BRAINSCORE_MEMORABILITY_WEIGHTS_<ID>=random): no download."""
import re
import subprocess
import sys
from pathlib import Path

import brainscore_vision
import pytest

from brainscore_memorability import submission
from brainscore_memorability.models import weights


def passed(process) -> int:
    assert process.returncode == 0, process.stdout[-4000:] + process.stderr[-2000:]
    counts = [int(n) for n in re.findall(r"(\d+) passed", process.stdout)]
    return counts[-1] if counts else 0


def test_the_copy_is_what_the_ci_imports(tmp_path):
    library = submission.brainscore_vision_copy(tmp_path)
    where = subprocess.run([sys.executable, "-c", "import brainscore_vision; print(brainscore_vision.__file__)"],
                           cwd=tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": ""}, capture_output=True, text=True)
    assert where.stdout.strip() == str(library / "__init__.py")


def test_benchmark_plugin_passes_brainscore_ci(tmp_path):
    plugin = submission.build_plugin("benchmark", "Kar2019_IT_early")
    (plugin_tests,) = submission.run_brainscore_ci(plugin, tmp_path)  # no generic tests for benchmarks upstream
    assert passed(plugin_tests) == 1
    installed = Path(brainscore_vision.__file__).parent
    assert not (installed / "benchmarks" / plugin.name).exists()


@pytest.mark.slow  # about a minute on 2 cores: five generic tests each build the network and run it
def test_model_plugin_passes_brainscore_ci(tmp_path):
    models = submission.leaderboard_registrations("model")
    if not models:
        pytest.fail("no study model is registered: the model zoo registers memnet-<objective>-<arch>")
    # a small network of the study; every model plugin has the same files but for the identifier
    entry = next((e for e in models if e.identifier.endswith("-resnet18")), models[0])
    plugin = submission.build_plugin("model", entry.identifier)
    generic, plugin_tests = submission.run_brainscore_ci(
        plugin, tmp_path, env={weights.env_variable(entry.identifier): weights.RANDOM})
    # identifier, visual_degrees, start_task_or_recording, look_at_neural_V1, look_at_behavior_probabilities
    assert passed(generic) == 5 and f"[{plugin.identifier}]" in generic.stdout
    assert passed(plugin_tests) == 2


def test_cli_ci_option_writes_only_when_brainscore_ci_passes(tmp_path, capsys, monkeypatch):
    from brainscore_memorability.cli import main
    good = tmp_path / "good.zip"
    assert main(["submit", "--benchmark", "Kar2019_IT_late", "--ci", "--output", str(good), "--allow-unpublished"]) == 0
    assert "Brain-Score CI, test.py: 1 passed" in capsys.readouterr().out and good.exists()

    real = submission.build_plugin

    def failing_plugin(*args):
        plugin = real(*args)
        return submission.Plugin(plugin.kind, plugin.identifier, plugin.name,
                                 {**plugin.files, "test.py": "def test_broken():\n    assert 1 == 2\n"})
    monkeypatch.setattr(submission, "build_plugin", failing_plugin)
    bad = tmp_path / "bad.zip"
    assert main(["submit", "--benchmark", "Kar2019_IT_late", "--ci", "--output", str(bad), "--allow-unpublished"]) == 1
    err = capsys.readouterr().err
    assert "CI would fail" in err and "test_broken" in err and not bad.exists()
