"""training.checkpoint with the loop: a stopped and resumed run equals an uninterrupted one, a torn
checkpoint write keeps the last good checkpoint, checkpoints hold plain data only."""
import shutil
from pathlib import Path

import pytest
import torch

from brainscore_memorability.errors import MemorabilityError
from brainscore_memorability_training import checkpoint
from brainscore_memorability_training.loop import train


def weights(network):
    return {k: v.detach().clone() for k, v in network.state_dict().items()}


class Stop(Exception):
    pass


def test_stop_and_resume_equals_an_uninterrupted_run(tiny_config, tmp_path, monkeypatch):
    """Joint objective, mixed batches, uncertainty weights, SGD momentum, warm-up + cosine over 6
    steps: the run is killed right after its step-4 checkpoint (mid-epoch: epochs have 8 steps) and
    resumed. Weights, uncertainty weights,
    optimizer state and logged metrics must equal the uninterrupted run's exactly (same CPU, same
    thread count: the arithmetic is the same sequence of operations)."""
    settings = dict(objective="joint", max_steps=6, lr=1e-3, batch_size=8, lamem_fraction=0.5,
                    schedule="cosine", warmup_steps=2, checkpoint_every=4)
    whole = train(tiny_config(**settings, out_dir=str(tmp_path / "whole")))

    config = tiny_config(**settings, out_dir=str(tmp_path / "stopped"))
    save = checkpoint.save

    def save_then_die(path, state):
        save(path, state)
        if state["step"] == 4:
            raise Stop
    monkeypatch.setattr(checkpoint, "save", save_then_die)
    with pytest.raises(Stop):
        train(config)
    monkeypatch.setattr(checkpoint, "save", save)
    assert checkpoint.load(config.out_dir)["step"] == 4
    resumed = train(config, resume=True)

    expected, got = weights(whole.network), weights(resumed.network)
    assert expected.keys() == got.keys()
    assert all(torch.equal(expected[k], got[k]) for k in expected)
    final_whole, final_resumed = checkpoint.load(whole.checkpoint), checkpoint.load(resumed.checkpoint)
    assert torch.equal(final_whole["objective"]["log_variance"], final_resumed["objective"]["log_variance"])
    momentum = [torch.equal(a["momentum_buffer"], b["momentum_buffer"]) for a, b in zip(
        final_whole["optimizer"]["state"].values(), final_resumed["optimizer"]["state"].values())]
    assert momentum and all(momentum)
    drop = ("seconds",)
    assert [{k: v for k, v in r.items() if k not in drop} for r in whole.history] == \
        [{k: float(v) if k not in ("epoch", "step") else int(v) for k, v in r.items() if k not in drop}
         for r in resumed.history]


def test_resume_refuses_other_settings(tiny_config):
    train(tiny_config(max_steps=1))
    with pytest.raises(MemorabilityError, match=r"lr: 0\.01 -> 0\.5"):
        train(tiny_config(max_steps=2, lr=0.5), resume=True)


def test_a_write_killed_midway_keeps_the_last_good_checkpoint(tiny_config, monkeypatch):
    config = tiny_config(max_steps=2, checkpoint_every=1)
    real_save = torch.save

    def torn_save(state, path):
        if state["step"] == 2:
            with open(path, "wb") as f:
                f.write(b"PK\x03\x04 half a file")
            raise KeyboardInterrupt  # killed while writing
        real_save(state, path)
    monkeypatch.setattr(torch, "save", torn_save)
    with pytest.raises(KeyboardInterrupt):
        train(config)
    saved = checkpoint.load(config.out_dir)
    assert saved["step"] == 1
    assert [p.name for p in Path(config.out_dir).iterdir() if p.name.startswith(".")] == []  # no temp left


def test_checkpoint_holds_no_pickled_objects(tiny_config):
    result = train(tiny_config(max_steps=1))
    state = torch.load(result.checkpoint, weights_only=True)  # refuses anything but plain data
    assert state["config"]["arch"] == "resnet18" and state["step"] == 1
    shutil.rmtree(result.checkpoint.parent)
