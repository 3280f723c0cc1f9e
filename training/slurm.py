"""Submit a training run to a SLURM cluster with submitit: one task per GPU, torchrun's variables
set from SLURM's, so :func:`brainscore_memorability_training.loop.train` runs unchanged. Requeued (preempted or timed-out)
jobs resume from the run's last checkpoint."""
from __future__ import annotations

import os
from pathlib import Path

from brainscore_memorability_training.config import TrainConfig


class TrainJob:
    """A picklable callable submitit runs on every task of the job."""

    def __init__(self, config: dict):
        self.config = config  # a plain dict: what the job pickles is data, not code state

    def __call__(self):
        import submitit

        from brainscore_memorability_training.loop import train
        env = submitit.JobEnvironment()
        os.environ.update(RANK=str(env.global_rank), WORLD_SIZE=str(env.num_tasks),
                          LOCAL_RANK=str(env.local_rank), MASTER_ADDR=env.hostnames[0],
                          MASTER_PORT=os.environ.get("MASTER_PORT", "29500"))
        train(TrainConfig(**self.config), resume=True)
        return self.config["out_dir"]

    def checkpoint(self):  # submitit calls this on preemption/timeout: requeue the same job
        import submitit
        return submitit.helpers.DelayedSubmission(TrainJob(self.config))


def submit(config: TrainConfig, nodes: int = 1, gpus_per_node: int = 1, partition: str | None = None,
           timeout_min: int = 24 * 60, folder: str | Path | None = None, cluster: str | None = None,
           **slurm_options):
    """Submit ``config`` as a SLURM job of ``nodes`` x ``gpus_per_node`` processes; returns the
    submitit Job. ``cluster='debug'`` runs it in this process (for testing)."""
    import submitit
    folder = Path(folder) if folder else Path(config.out_dir) / "slurm"
    executor = submitit.AutoExecutor(folder=str(folder), cluster=cluster)
    options = {f"slurm_{k}": v for k, v in slurm_options.items() if v is not None}
    if partition:
        options["slurm_partition"] = partition
    executor.update_parameters(name=f"train-{config.objective}-{config.arch}", nodes=nodes,
                               tasks_per_node=gpus_per_node, gpus_per_node=gpus_per_node,
                               cpus_per_task=max(1, config.workers), timeout_min=timeout_min, **options)
    return executor.submit(TrainJob(config.to_dict()))
