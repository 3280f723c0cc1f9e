"""Data-parallel training: two gloo processes under torchrun (``brainscore train``'s entry,
``-m brainscore_memorability train``) equal one process with the same global batch, and gradient
accumulation equals one big batch.

BatchNorm normalises with the statistics of each process's (micro-)batch, which differ from the
global batch's; these tests therefore use ``batchnorm: frozen`` (running statistics, as in
fine-tuning). On CUDA ``batchnorm: sync`` gives global statistics; SyncBatchNorm has no CPU kernel.
"""
import os
import subprocess
import sys

import torch

from brainscore_memorability_training import checkpoint
from brainscore_memorability_training.loop import train

# measured: max |difference| 6e-7 (parameters of order 0.01-1): float sums in another order
TOLERANCE = dict(rtol=1e-4, atol=1e-5)
SETTINGS = dict(objective="joint", batchnorm="frozen", batch_size=8, max_steps=3, lr=0.05,
                weighting="uncertainty", schedule="cosine")


def assert_same_weights(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    worst = max((a[k].double() - b[k].double()).abs().max().item() for k in a if a[k].is_floating_point())
    for key in a:
        torch.testing.assert_close(a[key], b[key], **TOLERANCE, msg=lambda m: f"{key}: {m}")
    return worst


def test_two_gloo_processes_equal_one_process(tiny_config, tmp_path):
    one = train(tiny_config(**SETTINGS, out_dir=str(tmp_path / "one")))
    config = tiny_config(**SETTINGS, out_dir=str(tmp_path / "two"))
    options = [f"--{k.replace('_', '-')}={v}" for k, v in config.to_dict().items()
               if v is not None and not isinstance(v, bool) and k != "source"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           "-m", "brainscore_memorability", "train", "--no-progress", *options],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    two = checkpoint.load(config.out_dir)
    assert two["step"] == 3 and len(two["rng"]) == 2
    expected = {k: v.cpu() for k, v in one.network.state_dict().items()}
    print("max |one - two processes|:", assert_same_weights(expected, two["network"]))
    one_saved = checkpoint.load(one.checkpoint)
    torch.testing.assert_close(one_saved["objective"]["log_variance"], two["objective"]["log_variance"], **TOLERANCE)
    assert (tmp_path / "two" / "metrics.csv").exists()  # rank 0 logged


def test_accumulation_equals_one_batch(tiny_config, tmp_path):
    one = train(tiny_config(**SETTINGS, out_dir=str(tmp_path / "one")))
    two = train(tiny_config(**SETTINGS, accumulation=2, out_dir=str(tmp_path / "two")))
    print("max |one - accumulated|:", assert_same_weights(one.network.state_dict(), two.network.state_dict()))
