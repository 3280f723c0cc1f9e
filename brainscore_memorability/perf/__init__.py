"""Side-by-side performance of this package against the tools users would otherwise use.

``python -m brainscore_memorability.perf [--quick] [--only ev,cka,activations,training] [--device cuda] --out perf.json``
measures, on generated inputs, each section's implementations in one process on one machine, and
prints a Markdown table (also written, with the machine and the sizes, as JSON):

* ``ev`` (:mod:`.ev`): noise-corrected % EV, this package vs ``reverse_pred`` and vs a per-neuron
  scikit-learn loop in the style of the Kar lab's demo;
* ``cka`` (:mod:`.cka`): layer x layer linear CKA, this package vs ``ckatorch``;
* ``activations`` (:mod:`.activations`): ResNet-50 activations at 4 layers, the zoo's Brain-Score
  model vs brainscore-vision's ``PytorchWrapper`` around torchvision's ResNet-50, and ``look_at``
  of IT vs brainscore-vision's ``ModelCommitment`` over a ``PytorchWrapper``;
* ``training`` (:mod:`.train_step`): joint-objective training steps, ``training.train`` vs a plain
  PyTorch loop in the style of torchvision's reference script, both channels-last.

``--device`` runs each section there (this package and its peers); a section whose ``run`` has no
``device`` parameter is refused.

Speeds are ratios measured in the same run (never absolute times in tests). A peer that would run
too long is timed on a subset (neurons, halvings, layer pairs) and scaled linearly; its row says so.
Peak memory is the process's peak resident set size during the call above its size before it
(Linux: the peak is reset through ``/proc/self/clear_refs``), so it counts numpy and torch alike.
"""
from __future__ import annotations

import ctypes
import functools
import gc
import re
import time
from dataclasses import dataclass
from pathlib import Path

SECTIONS = ("ev", "cka", "activations", "training")


@dataclass
class Measured:
    """A call's result, wall-clock seconds and peak memory above the memory before it (MiB)."""
    value: object
    seconds: float
    peak_mib: float


def _status_mib(field: str) -> float:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    return int(match.group(1)) / 1024


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


@functools.cache
def _libc():
    """glibc (for ``malloc_trim``), None elsewhere."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 (glibc only)
        return libc
    except (OSError, AttributeError):
        return None


def measure(function, *args, **kwargs) -> Measured:
    """Run ``function(*args, **kwargs)`` once; its seconds and peak resident memory (MiB, NaN where
    the kernel does not let the peak be reset). Memory freed before the call is handed back to the
    system first, so that the call cannot reuse it unseen."""
    gc.collect()
    if _libc() is not None:
        _libc().malloc_trim(0)
    resettable = _reset_peak()
    before = _status_mib("VmRSS")
    started = time.perf_counter()
    value = function(*args, **kwargs)
    seconds = time.perf_counter() - started
    peak = max(0.0, _status_mib("VmHWM") - before) if resettable else float("nan")
    return Measured(value, seconds, peak)


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, None where the denominator is not positive (e.g. no memory measured)."""
    return numerator / denominator if denominator > 0 else None


def row(section: str, implementation: str, measured_seconds: float, peak_mib: float, *,
        seconds: float | None = None, timed_on: str = "full workload", speedup: float | None = None,
        memory_ratio: float | None = None, difference: float | None = None, difference_unit: str = "",
        goal: str = "", goal_met: bool | None = None, note: str = "") -> dict:
    """One table row. ``seconds``: the whole workload's time (extrapolated from ``measured_seconds``
    when ``timed_on`` names a subset); ``speedup``: a peer's seconds / this package's seconds;
    ``memory_ratio``: this package's peak / the peer's; ``difference``: the largest absolute
    difference of their results (``difference_unit``)."""
    def number(value):  # plain JSON numbers: numpy scalars to float, NaN to None
        return None if value is None or value != value else float(value)
    return dict(section=section, implementation=implementation,
                seconds=number(measured_seconds if seconds is None else seconds),
                measured_seconds=number(measured_seconds), timed_on=timed_on, peak_mib=number(peak_mib),
                speedup=number(speedup), memory_ratio=number(memory_ratio), difference=number(difference),
                difference_unit=difference_unit, goal=goal, goal_met=None if goal_met is None else bool(goal_met),
                note=note)


COLUMNS = (("section", "section"), ("implementation", "implementation"), ("seconds", "time (s)"),
           ("timed_on", "timed on"), ("peak_mib", "peak MiB"), ("speedup", "this package faster by"),
           ("memory_ratio", "memory: package/peer"), ("difference", "largest difference"),
           ("goal", "goal"), ("goal_met", "met"), ("note", "note"))


def markdown_table(rows: list[dict]) -> str:
    """The rows as a Markdown table (numbers to 3 significant digits)."""
    def cell(key, value, current):
        if value is None:
            return ""
        if key == "goal_met":
            return "yes" if value else "**no**"
        if key == "speedup":
            return f"{value:.3g}x"
        if key == "difference":
            return f"{value:.2g} {current['difference_unit']}".strip()
        if isinstance(value, float):
            return f"{value:.3g}"
        return str(value).replace("|", "/")
    lines = ["| " + " | ".join(title for _, title in COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(key, r[key], r) for key, _ in COLUMNS) + " |" for r in rows]
    return "\n".join(lines)
