"""Multi-process training with ``torchrun``: process group, device, and gathering results.

``torchrun --nproc_per_node=N -m brainscore_memorability_training train ...`` sets ``RANK``, ``WORLD_SIZE`` and
``LOCAL_RANK``; :func:`setup` then joins the process group (NCCL on CUDA, gloo on CPU) and each
process uses GPU ``LOCAL_RANK``. Without those variables the run is one process.
Only rank 0 writes logs and checkpoints.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Context:
    rank: int
    world: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup(device: str | None = None) -> Context:
    """Join the process group when launched by torchrun; pick this process's device."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    kind = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if kind.startswith("cuda"):
        chosen = torch.device("cuda", local_rank if world > 1 else torch.device(kind).index or 0)
        torch.cuda.set_device(chosen)
    else:
        chosen = torch.device(kind)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if chosen.type == "cuda" else "gloo")
    return Context(rank, world, chosen)


def teardown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def gather(values: list, context: Context) -> list:
    """Concatenate each process's list of (picklable) values, in rank order, on every process."""
    if context.world == 1:
        return list(values)
    parts = [None] * context.world
    dist.all_gather_object(parts, values)
    return [value for part in parts for value in part]


def mean(value: float, context: Context) -> float:
    """The mean of a number over the processes."""
    if context.world == 1:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=context.device)
    dist.all_reduce(tensor)
    return tensor.item() / context.world
