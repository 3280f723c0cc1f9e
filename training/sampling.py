"""Which images each optimizer step trains on, for one task or for LaMem and ImageNet jointly.

Each task has an endless, seeded stream of images: successive passes over its dataset, each pass
one ``torch.utils.data.DistributedSampler`` permutation (``set_epoch(pass)``), sharded over the
processes. A step's global batch of ``batch_size`` images takes the next images of the streams:

* ``mixing: mixed`` (default) -- every batch holds ``round(lamem_fraction * batch_size)`` LaMem
  images and the rest ImageNet images, so both losses are estimated at every step.
* ``mixing: alternate`` -- whole batches from one task; a ``lamem_fraction`` share of the steps,
  spread evenly (step s is a LaMem step when floor((s+1)f) > floor(s f)).

LaMem (45,000 training images) is about 28 times smaller than ImageNet (1.28 M), so with
``lamem_fraction`` 0.5 it is oversampled: its stream runs through many passes per ImageNet pass,
each reshuffled. An epoch is one pass over ImageNet (joint, imagenet) or over LaMem (lamem).

Everything follows from (seed, step): the sampler state a checkpoint needs is the step, and the
images a step trains on do not depend on the number of processes (for datasets whose size is a
multiple of it) nor on resuming. Each image also carries an augmentation seed (seed, pass, index).
"""
from __future__ import annotations

import math

from torch.utils.data import DistributedSampler

from brainscore_memorability.errors import MemorabilityError

TASKS = ("imagenet", "lamem")


class TaskStream:
    """The endless stream of (index, augmentation seed) of one dataset, for process ``rank``."""

    def __init__(self, size: int, seed: int, rank: int = 0, world: int = 1):
        self.size, self.seed, self.rank, self.world = size, seed, rank, world
        self.pass_length = math.ceil(size / world)  # DistributedSampler pads the last pass
        self._cached: tuple[int, list[int]] | None = None

    def _pass(self, number: int) -> list[int]:
        if self._cached is None or self._cached[0] != number:
            sampler = DistributedSampler(range(self.size), num_replicas=self.world, rank=self.rank,
                                         shuffle=True, seed=self.seed)
            sampler.set_epoch(number)
            self._cached = (number, list(sampler))
        return self._cached[1]

    def take(self, position: int, count: int) -> list[tuple[int, int]]:
        """``count`` items from ``position`` of this process's stream."""
        items = []
        for p in range(position, position + count):
            number, offset = divmod(p, self.pass_length)
            index = self._pass(number)[offset]
            items.append((index, ((self.seed * 1_000_003 + number) * self.size + index) % 2 ** 63))
        return items


class JointSampler:
    """Micro-batches of (task, index, augmentation seed) for this process, step by step.

    ``sizes``: task -> dataset size (tasks of the objective only). ``batch_size`` is global:
    summed over ``world`` processes and ``accumulation`` micro-batches, and each task's share of
    it must divide by ``world * accumulation`` so that every micro-batch of every process holds the
    same number of images of each task (then averaging the processes' gradients gives the gradient
    of the global batch).
    """

    def __init__(self, sizes: dict[str, int], batch_size: int, seed: int, mixing: str = "mixed",
                 lamem_fraction: float = 0.5, rank: int = 0, world: int = 1, accumulation: int = 1):
        self.tasks = tuple(t for t in TASKS if t in sizes)
        self.batch_size, self.mixing, self.fraction = batch_size, mixing, lamem_fraction
        self.parts = world * accumulation
        self.accumulation = accumulation
        joint = len(self.tasks) == 2
        if joint and mixing == "mixed":
            n_lamem = round(lamem_fraction * batch_size)
            self.per_step = {"imagenet": batch_size - n_lamem, "lamem": n_lamem}
        else:
            self.per_step = {t: batch_size for t in self.tasks}
        for task, count in self.per_step.items():
            if count == 0 or count % self.parts:
                raise MemorabilityError(
                    f"{count} {task} images per step do not split into {world} process(es) x "
                    f"{accumulation} accumulation step(s): choose batch_size (and lamem_fraction) so "
                    f"that each task's share is a positive multiple of {self.parts}")
        self.streams = {t: TaskStream(sizes[t], seed + i, rank, world) for i, t in enumerate(TASKS)
                        if t in sizes}
        primary = self.tasks[0]  # imagenet when present
        per_step = self.per_step[primary] * (1 - lamem_fraction if joint and mixing == "alternate" else 1)
        self.steps_per_epoch = max(1, int(sizes[primary] // per_step))

    def _lamem_steps_before(self, step: int) -> int:
        return math.floor(step * self.fraction)

    def counts(self, step: int) -> dict[str, int]:
        """task -> global images of that task at ``step``."""
        if len(self.tasks) == 2 and self.mixing == "alternate":
            task = "lamem" if self._lamem_steps_before(step + 1) > self._lamem_steps_before(step) else "imagenet"
            return {task: self.batch_size}
        return dict(self.per_step)

    def _position(self, task: str, step: int) -> int:
        """Global images of ``task`` consumed before ``step``."""
        if len(self.tasks) == 2 and self.mixing == "alternate":
            lamem = self._lamem_steps_before(step)
            return self.batch_size * (lamem if task == "lamem" else step - lamem)
        return self.per_step[task] * step

    def micro_batches(self, step: int) -> list[list[tuple[str, int, int]]]:
        """This process's ``accumulation`` micro-batches of ``step``: lists of (task, index, seed)."""
        world = self.parts // self.accumulation
        micro = [[] for _ in range(self.accumulation)]
        for task, count in self.counts(step).items():
            local = count // world
            items = self.streams[task].take(self._position(task, step) // world, local)
            chunk = local // self.accumulation
            for k in range(self.accumulation):
                micro[k].extend((task, index, seed) for index, seed in items[k * chunk:(k + 1) * chunk])
        return micro

    def batches(self, start: int, stop: int):
        """Micro-batches of steps ``start`` to ``stop - 1``, in order (a DataLoader ``batch_sampler``)."""
        for step in range(start, stop):
            yield from self.micro_batches(step)

    def state_dict(self) -> dict:
        """What determines the sample order, to check a resumed run against."""
        return {"tasks": list(self.tasks), "batch_size": self.batch_size, "mixing": self.mixing,
                "lamem_fraction": self.fraction,
                "seeds": {t: s.seed for t, s in self.streams.items()},
                "sizes": {t: s.size for t, s in self.streams.items()}}
