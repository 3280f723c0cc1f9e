"""training.sampling: how many images of each task a step takes, sharding over processes, and
that the images of a step follow from (seed, step) alone."""
from collections import Counter

import pytest

from brainscore_memorability.errors import MemorabilityError
from brainscore_memorability_training.sampling import JointSampler, TaskStream


def flat(micro_batches):
    return [item for batch in micro_batches for item in batch]


def test_mixed_batches_hold_both_tasks_and_oversample_lamem():
    sampler = JointSampler({"imagenet": 1000, "lamem": 40}, batch_size=16, seed=0, lamem_fraction=0.25)
    assert sampler.per_step == {"imagenet": 12, "lamem": 4}
    assert sampler.steps_per_epoch == 1000 // 12  # an epoch is one pass over ImageNet
    items = [flat(sampler.micro_batches(s)) for s in range(sampler.steps_per_epoch)]
    assert all(Counter(t for t, _, _ in batch) == {"imagenet": 12, "lamem": 4} for batch in items)
    lamem = [i for batch in items for t, i, _ in batch if t == "lamem"]
    assert len(lamem) == 4 * 83
    # 332 LaMem draws = 8 full reshuffled passes over its 40 images (+ 12): each image 8 or 9 times
    assert set(Counter(lamem).values()) <= {8, 9} and len(set(lamem)) == 40
    first, second = lamem[:40], lamem[40:80]
    assert sorted(first) == sorted(second) == list(range(40)) and first != second


def test_alternate_spreads_lamem_steps_evenly():
    sampler = JointSampler({"imagenet": 1000, "lamem": 40}, batch_size=8, seed=0, mixing="alternate",
                           lamem_fraction=0.25)
    kinds = [next(iter(sampler.counts(s))) for s in range(12)]
    assert kinds == ["imagenet", "imagenet", "imagenet", "lamem"] * 3
    assert all(len(flat(sampler.micro_batches(s))) == 8 for s in range(12))
    # positions continue where the task's previous step stopped: steps 3 and 7 take LaMem 0-7, 8-15
    stream = TaskStream(40, seed=1)
    assert [i for _, i, _ in flat(sampler.micro_batches(7))] == [i for i, _ in stream.take(8, 8)]
    assert sampler.steps_per_epoch == int(1000 // (8 * 0.75))


def test_two_processes_split_each_global_batch():
    sizes = {"imagenet": 64, "lamem": 32}
    one = JointSampler(sizes, batch_size=8, seed=3)
    ranks = [JointSampler(sizes, batch_size=8, seed=3, rank=r, world=2) for r in range(2)]
    for step in range(20):  # crosses several LaMem passes
        together = sorted(flat(one.micro_batches(step)))
        apart = [flat(r.micro_batches(step)) for r in ranks]
        assert sorted(apart[0] + apart[1]) == together
        assert Counter(t for t, _, _ in apart[0]) == Counter(t for t, _, _ in apart[1])


def test_accumulation_splits_the_step_into_equal_micro_batches():
    sizes = {"imagenet": 64, "lamem": 32}
    one = JointSampler(sizes, batch_size=8, seed=3)
    accumulated = JointSampler(sizes, batch_size=8, seed=3, accumulation=2)
    micro = accumulated.micro_batches(5)
    assert len(micro) == 2 and all(Counter(t for t, _, _ in m) == {"imagenet": 2, "lamem": 2} for m in micro)
    assert sorted(flat(micro)) == sorted(flat(one.micro_batches(5)))


def test_order_follows_seed_and_step_only():
    sizes = {"lamem": 30}
    a, b = JointSampler(sizes, 6, seed=1), JointSampler(sizes, 6, seed=1)
    assert list(a.batches(0, 10))[7:] == list(b.batches(7, 10))  # resuming at step 7
    assert flat(JointSampler(sizes, 6, seed=2).micro_batches(0)) != flat(a.micro_batches(0))
    # augmentation seeds differ between passes over the same image
    seeds = {}
    for _, index, seed in flat(a.batches(0, 10)):
        seeds.setdefault(index, set()).add(seed)
    assert all(len(s) == 2 for s in seeds.values())  # 60 draws = 2 passes over 30 images


def test_shares_that_do_not_split_evenly_are_refused():
    with pytest.raises(MemorabilityError, match="multiple of 4"):
        JointSampler({"imagenet": 100, "lamem": 10}, batch_size=10, seed=0, world=2, accumulation=2)
    with pytest.raises(MemorabilityError, match="lamem images per step"):
        JointSampler({"imagenet": 100, "lamem": 10}, batch_size=8, seed=0, lamem_fraction=0.05)
