"""Layer x layer linear CKA: this package's :func:`..metrics.cka.cka_matrix` vs ``ckatorch``.

Workload (full): 16 layers of float32 activations of 1320 images, widths from 512 to 100,352
(geometric), every layer against every layer (256 pairs), biased linear CKA. This package computes
each layer's centred Gram matrix once; with ``ckatorch`` a user calls ``ckatorch.cka_base(x, y)``
per pair, which builds both Gram matrices each time. ckatorch is timed on the pairs
(i, i + 1 mod layers), which use every layer twice, as all 256 pairs use every layer 32 times, and
its time is scaled by layers / len(shifts) (exact for work that adds up per pair). With
``device`` both run there (ckatorch on tensors moved to it); peak memory is the process's
resident memory, so it does not count GPU memory.
"""
from __future__ import annotations

from importlib.metadata import version

import numpy as np

from brainscore_memorability.perf import measure, ratio, row

FULL = dict(images=1320, layers=16, min_width=512, max_width=100_352, peer_shifts=(1,))
QUICK = dict(images=60, layers=4, min_width=8, max_width=3000, peer_shifts=(1,))
GOAL = 30  # times faster, at no more peak memory (issue 14)
AGREEMENT = 1e-6  # CKA units


def generate(sizes: dict, seed: int = 0) -> dict[str, np.ndarray]:
    """Layer name -> images x width float32 activations; layer i mixes two 64-d latent spaces at
    angle i / (layers - 1) x 90 degrees plus noise, so CKA falls off with the distance between layers."""
    rng = np.random.default_rng(seed)
    n, count = sizes["images"], sizes["layers"]
    start, end = (rng.standard_normal((n, 64), dtype=np.float32) for _ in range(2))
    widths = np.geomspace(sizes["min_width"], sizes["max_width"], count).round().astype(int)
    layers = {}
    for i, width in enumerate(widths):
        angle = np.pi / 2 * i / max(1, count - 1)
        latent = np.cos(angle) * start + np.sin(angle) * end
        values = latent @ rng.standard_normal((64, width), dtype=np.float32)
        values += 4 * rng.standard_normal((n, width), dtype=np.float32)
        layers[f"layer{i:02d}_w{width}"] = values
    return layers


def ckatorch_pairs(layers: dict[str, np.ndarray], shifts, device=None) -> dict[tuple[int, int], float]:
    """CKA of the pairs (i, i + shift mod layers) by ``ckatorch.cka_base``, one call per pair."""
    import ckatorch
    import torch
    tensors = [torch.from_numpy(values).to(device or "cpu") for values in layers.values()]
    return {(i, (i + shift) % len(tensors)): float(ckatorch.cka_base(tensors[i], tensors[(i + shift) % len(tensors)]))
            for shift in shifts for i in range(len(tensors))}


def run(quick: bool = False, device=None) -> list[dict]:
    from brainscore_memorability.metrics.cka import cka_matrix
    sizes = QUICK if quick else FULL
    warm_up = generate(dict(images=8, layers=2, min_width=4, max_width=4))
    cka_matrix(warm_up, device=device), ckatorch_pairs(warm_up, (1,), device)  # imports, first-call set-up
    layers = generate(sizes)
    count = sizes["layers"]
    name = (f"CKA{' on ' + device if device else ''} {count} x {count} layers ({sizes['images']} images, widths "
            f"{sizes['min_width']}-{sizes['max_width']}, float32 in)")
    mine = measure(cka_matrix, layers, device=device)
    rows = [row(name, "brainscore_memorability (cka_matrix)", mine.seconds, mine.peak_mib,
                timed_on=f"all {count * count} pairs")]
    theirs = measure(ckatorch_pairs, layers, sizes["peer_shifts"], device)
    scale = count / len(sizes["peer_shifts"])
    seconds = theirs.seconds * scale
    difference = max(abs(mine.value.values[i, j] - value) for (i, j), value in theirs.value.items())
    speedup = seconds / mine.seconds
    memory = ratio(mine.peak_mib, theirs.peak_mib)
    rows.append(row(name, f"ckatorch {version('ckatorch')} (cka_base per pair)", theirs.seconds, theirs.peak_mib, seconds=seconds,
                    timed_on=f"{len(theirs.value)} of {count * count} pairs, scaled x{scale:g}",
                    speedup=speedup, memory_ratio=memory, difference=float(difference),
                    goal=f">= {GOAL}x faster, <= 1x peak memory, CKA within {AGREEMENT:g}",
                    goal_met=speedup >= GOAL and memory is not None and memory <= 1 and difference <= AGREEMENT))
    return rows
