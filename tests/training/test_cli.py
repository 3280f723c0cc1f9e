"""``brainscore train|export`` and ``python -m brainscore_memorability_training``: configs, option
overrides, train then export, exit codes, the warm-up note; SLURM submission through submitit's
in-process debug executor."""
import json
import os
import subprocess
import sys

import pytest
import yaml

from brainscore_memorability.errors import MemorabilityError
from brainscore_memorability_training.config import CONFIG_DIR, load_config

ARCHS = ("alexnet", "vgg16", "resnet18", "resnet50", "resnet101")


def run(*args, module="brainscore_memorability_training", **kwargs):
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                          timeout=300, **kwargs)


def test_one_config_per_model_of_the_study():
    names = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))
    assert names == sorted([f"{o}-{a}" for o in ("imagenet", "lamem") for a in ARCHS] + ["joint-resnet50"])
    for name in names:
        objective, arch = name.split("-")
        raw = yaml.safe_load((CONFIG_DIR / f"{name}.yaml").read_text())
        assert raw["source"] and raw["arch"] == arch and raw["objective"] == objective
        config = load_config(name, lamem_root="L", imagenet_root="I", lr=0.5)
        assert config.arch == arch and config.lr == 0.5  # options override the file


def test_config_errors_name_the_problem():
    with pytest.raises(MemorabilityError, match="joint-resnet50"):
        load_config("joint-resnet5")
    with pytest.raises(MemorabilityError, match=r"unknown config keys \['learning_rate'\]"):
        load_config(None, learning_rate=1.0)
    with pytest.raises(MemorabilityError, match="needs lamem_root"):
        load_config("lamem-resnet18")
    with pytest.raises(MemorabilityError, match="splits 1 to 5"):
        load_config("lamem-resnet18", lamem_root="L", lamem_split=6)


@pytest.mark.parametrize("module", ["brainscore_memorability", "brainscore_memorability_training"])
def test_train_then_export_from_the_command_line(tiny_lamem, tmp_path, module):
    """``brainscore train|export`` (module brainscore_memorability) and the training package's CLI."""
    import csv
    out = tmp_path / "run"
    done = run("train", "--config", "lamem-resnet18", "--lamem-root", str(tiny_lamem), "--no-pretrained-imagenet",
               "--image-size", "16", "--batch-size", "8", "--max-steps", "2", "--warmup-steps", "0",
               "--workers", "0", "--device", "cpu", "--out-dir", str(out), "--no-progress", module=module)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "last.pt").exists() and (out / "metrics.csv").exists()
    last = list(csv.DictReader((out / "metrics.csv").open()))[-1]
    assert "final metrics (epoch 0, step 2;" in done.stdout and "{" not in done.stdout  # a table, not a dict
    table = dict(line.split() for line in done.stdout.splitlines()[1:])
    assert set(table) == set(last) - {"epoch", "step"}
    assert float(table["lamem_val_rho"]) == pytest.approx(float(last["lamem_val_rho"]), rel=1e-3, abs=1e-4)
    home = tmp_path / "home"
    done = run("export", str(out), "--id", "memnet-lamem-resnet18", module=module,
               env={**os.environ, "BRAINSCORE_MEMORABILITY_HOME": str(home)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "memnet-lamem-resnet18.safetensors").exists()
    digest = (out / "memnet-lamem-resnet18.safetensors.sha256").read_text().split()[0]
    assert digest in done.stdout
    manifest = home / "weights_manifest.json"
    assert f"registered it as the weights of 'memnet-lamem-resnet18' in the model zoo's manifest {manifest}" \
        in done.stdout
    assert json.loads(manifest.read_text())["weights"]["memnet-lamem-resnet18"]["sha256"] == digest
    done = run("export", str(out), "--id", "memnet-lamem-resnet18", "--no-register", module=module)
    assert done.returncode == 0 and "not registered (--no-register)" in done.stdout
    assert run("export", str(out), "--id", "memnet-lamem-resnet19", module=module).returncode == 2  # unknown id
    failed = run("export", str(tmp_path / "nowhere"), "--id", "memnet-lamem-resnet18", module=module)
    assert failed.returncode == 1 and "checkpoint" in failed.stderr and "not found" in failed.stderr
    assert "Traceback" not in failed.stderr and len(failed.stderr.strip().splitlines()) == 1


def test_warmup_longer_than_the_run_is_shortened_with_a_note(tiny_config, capsys):
    from brainscore_memorability_training.loop import fit_warmup, lr_factor, train
    config = tiny_config(max_steps=20, warmup_steps=500, schedule="cosine")
    fitted = fit_warmup(config, 20)
    assert fitted.warmup_steps == 2 and "shortened to 2" in capsys.readouterr().out
    factors = [lr_factor(fitted, 20, 20)(step) for step in range(20)]
    assert factors[:2] == [0.5, 1.0] and factors[2] == 1.0 and factors[-1] < 0.01  # peak reached, then decay
    assert fit_warmup(tiny_config(max_steps=20, warmup_steps=19), 20).warmup_steps == 19  # shorter: kept
    result = train(tiny_config(max_steps=3, warmup_steps=100))
    assert "warm-up of 100 steps is not shorter than this run's 3" in capsys.readouterr().out
    from brainscore_memorability_training import checkpoint
    assert checkpoint.load(result.checkpoint)["config"]["warmup_steps"] == 0  # what the run used


def test_slurm_submission_runs_the_training(tiny_config, tmp_path):
    from brainscore_memorability_training.slurm import submit
    config = tiny_config(max_steps=1, out_dir=str(tmp_path / "run"))
    job = submit(config, cluster="debug", folder=tmp_path / "slurm")
    assert job.result() == config.out_dir
    assert (tmp_path / "run" / "last.pt").exists()


def test_training_does_not_import_the_benchmark_side():
    import re
    sources = {p.name: p.read_text() for p in CONFIG_DIR.parent.glob("*.py")}
    pattern = re.compile(r"^\s*(from|import)\s+brainscore_memorability\.(benchmarks|metrics|analysis|data)\b", re.M)
    assert len(sources) >= 12 and not {name for name, text in sources.items() if pattern.search(text)}
