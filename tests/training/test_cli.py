"""``python -m brainscore_memorability_training``: configs, option overrides, train then export, exit codes; SLURM submission
through submitit's in-process debug executor."""
import subprocess
import sys

import pytest
import yaml

from brainscore_memorability.errors import MemorabilityError
from brainscore_memorability_training.config import CONFIG_DIR, load_config

ARCHS = ("alexnet", "vgg16", "resnet18", "resnet50", "resnet101")


def run(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "brainscore_memorability_training", *args], capture_output=True, text=True,
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


def test_train_then_export_from_the_command_line(tiny_lamem, tmp_path):
    out = tmp_path / "run"
    done = run("train", "--config", "lamem-resnet18", "--lamem-root", str(tiny_lamem), "--no-pretrained-imagenet",
               "--image-size", "16", "--batch-size", "8", "--max-steps", "2", "--warmup-steps", "0",
               "--workers", "0", "--device", "cpu", "--out-dir", str(out), "--no-progress")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "'step': 2" in done.stdout and (out / "last.pt").exists() and (out / "metrics.csv").exists()
    done = run("export", str(out), "--id", "memnet-lamem-resnet18", "--no-register")
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "memnet-lamem-resnet18.safetensors").exists()
    assert (out / "memnet-lamem-resnet18.safetensors.sha256").read_text().split()[0] in done.stdout
    assert run("export", str(out), "--id", "memnet-lamem-resnet19").returncode == 2  # unknown identifier
    failed = run("export", str(tmp_path / "nowhere"), "--id", "memnet-lamem-resnet18")
    assert failed.returncode == 1 and "checkpoint" in failed.stderr and "not found" in failed.stderr


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
