"""Every command that writes --output (or --plot, --neurons) refuses an unwritable path before any
work, in one line."""
import pytest

from brainscore_memorability.cli import main


@pytest.mark.parametrize("command, option", [
    (["cka", "--model", "alexnet", "--model-b", "resnet18", "--stimuli", "images/", "--output", "OUT.csv"], "--output"),
    (["cka", "--model", "alexnet", "--model-b", "resnet18", "--stimuli", "images/", "--output", "ok.csv",
      "--plot", "OUT.png"], "--plot"),
    (["partial-corr", "--model", "memnet-joint", "--control", "memnet-lamem", "--benchmark", "Kar2019-IT-early",
      "--output", "OUT.csv"], "--output"),
    (["partial-corr", "--model", "memnet-joint", "--control", "memnet-lamem", "--benchmark", "Kar2019-IT-early",
      "--neurons", "OUT.csv"], "--neurons"),
    (["score", "--model", "alexnet", "--benchmark", "Kar2019-IT-early", "--output", "OUT.json"], "--output"),
])
def test_an_unwritable_output_is_refused_before_any_work(command, option, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("x")
    bad = tmp_path / "a_file" / "out"
    argv = [str(bad) + arg[3:] if arg.startswith("OUT") else arg for arg in command]
    assert main(argv) == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and f"cannot write {option} '{bad}" in error[0] and "is a file, not a folder" in error[0]
