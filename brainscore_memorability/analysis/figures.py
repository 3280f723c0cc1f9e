"""The study's figures (matplotlib), each written as PNG and PDF, atomically.

Every function takes the tables the analyses produce (:mod:`.study`; columns named in each
docstring) and a ``notice``: when given (the simulated sample), it is printed in red across the
top of the figure so that no copy of it can pass for real data. Figures are built on
``matplotlib.figure.Figure`` (no pyplot, no global backend change) and written without a creation
date, so a rerun writes the same bytes.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from brainscore_memorability import atomic
from brainscore_memorability.analysis.statistics import PairedComparison

FORMATS = ("png", "pdf")
COLOURS = {"imagenet": "#4c72b0", "lamem": "#dd8452", "joint": "#55a868", "early": "#c44e52", "late": "#8172b2"}
NOTICE_COLOUR = "#b00020"
MARKERS = ("o", "s", "^", "D", "v", "P", "X")


@dataclass(frozen=True)
class Panel:
    """One scatter panel: ``y`` against ``x`` (one point per neuron), with its paired comparison."""
    title: str
    x: np.ndarray
    y: np.ndarray
    xlabel: str
    ylabel: str
    comparison: PairedComparison | None = None


def save(figure, stem) -> list[Path]:
    """Write ``figure`` to ``<stem>.png`` (150 dpi) and ``<stem>.pdf``; returns both paths."""
    stem = Path(stem)
    written = []
    for suffix in FORMATS:
        path = stem.with_name(f"{stem.name}.{suffix}")
        metadata = {"CreationDate": None} if suffix == "pdf" else {"Software": None}
        with atomic.atomic_path(path) as tmp:
            figure.savefig(tmp, format=suffix, dpi=150, metadata=metadata, bbox_inches="tight")
        written.append(path)
    return written


def describe(comparison: PairedComparison) -> str:
    """A two-line summary of a paired comparison for a figure or the report."""
    test = "paired t" if comparison.test == "t" else "Wilcoxon"
    summary = "mean" if comparison.test == "t" else "median"
    effect = "d_z" if comparison.effect_size_name == "cohen_dz" else "r_rb"
    return (f"{test}: stat = {comparison.statistic:.2f}, p = {comparison.p_value:.2g}, {effect} = "
            f"{comparison.effect_size:.2f}, n = {comparison.n}\n{summary} diff = {comparison.difference:.3g} "
            f"[{comparison.ci_low:.3g}, {comparison.ci_high:.3g}] ({comparison.confidence:.0%} bootstrap CI)")


def _figure(n_panels: int, title: str, notice: str | None, width: float = 4.2, height: float = 4.2,
            sharey: bool = False):
    """A figure with ``n_panels`` axes in a row under ``title``; with a ``notice``, a red banner in
    its own strip above the title (a subfigure: constrained layout keeps the two apart)."""
    from matplotlib.figure import Figure
    banner = 0.9 if notice else 0.0
    figure = Figure(figsize=(width * n_panels, height + 0.5 + banner), layout="constrained")
    body = figure
    if notice:
        top, body = figure.subfigures(2, 1, height_ratios=[banner, height + 0.5])
        top.suptitle(textwrap.fill(notice, 40 * n_panels + 30), fontsize=9, color=NOTICE_COLOUR, fontweight="bold")
    body.suptitle(title, fontsize=10)
    axes = body.subplots(1, n_panels, squeeze=False, sharey=sharey)[0]
    return figure, axes


def panels(n_panels: int, title: str, notice: str | None = None, width: float = 4.2, height: float = 4.2):
    """(Figure, axes) with ``n_panels`` axes in a row, the title and the notice (in red) on top."""
    return _figure(n_panels, title, notice, width, height)


def texts(figure) -> list:
    """Every title and banner of ``figure`` (its subfigures' suptitles and its axes' titles), for
    checks that none overlaps another."""
    found = []
    for part in [figure, *getattr(figure, "subfigs", [])]:
        if getattr(part, "_suptitle", None) is not None:
            found.append(part._suptitle)
    return found + [axis.title for axis in figure.axes]


def paired_scatter(panels: list[Panel], stem, title: str, notice: str | None = None) -> list[Path]:
    """Per-neuron scatter panels (e.g. % EV of the LaMem- vs the ImageNet-trained network, early and
    late) with the identity line and each panel's paired comparison written under it."""
    figure, axes = _figure(len(panels), title, notice)
    finite = np.concatenate([np.concatenate([p.x, p.y]) for p in panels])
    finite = finite[np.isfinite(finite)]
    low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    pad = 0.05 * (high - low or 1.0)
    limits = (low - pad, high + pad)
    for axis, panel in zip(axes, panels):
        axis.scatter(panel.x, panel.y, s=12, alpha=0.7, color="#333333", edgecolors="none")
        axis.plot(limits, limits, color="#999999", linewidth=1, linestyle="--")
        axis.set(xlim=limits, ylim=limits, xlabel=textwrap.fill(panel.xlabel, 40), ylabel=textwrap.fill(panel.ylabel, 40),
                 title=panel.title, aspect="equal")
        if panel.comparison is not None:
            axis.text(0.0, -0.3, describe(panel.comparison), transform=axis.transAxes, fontsize=7, va="top")
    return save(figure, stem)


def depth_profile(per_layer: pd.DataFrame, summary: pd.DataFrame, stem, title: str,
                  notice: str | None = None) -> list[Path]:
    """Layer-by-layer CKA (y) by relative depth (x): one thin line per architecture (``per_layer``:
    architecture, relative_depth, cka) and the mean with a +-1 s.e.m. band (``summary``:
    relative_depth, mean, sem, n_architectures)."""
    figure, (axis,) = _figure(1, title, notice, width=5.5)
    for architecture, rows in per_layer.groupby("architecture", sort=True):
        rows = rows.sort_values("relative_depth")
        axis.plot(rows["relative_depth"], rows["cka"], linewidth=0.8, alpha=0.5, label=architecture)
    summary = summary.sort_values("relative_depth")
    axis.plot(summary["relative_depth"], summary["mean"], color="black", linewidth=2, label="mean")
    axis.fill_between(summary["relative_depth"], summary["mean"] - summary["sem"], summary["mean"] + summary["sem"],
                      color="black", alpha=0.15, linewidth=0, label="+-1 s.e.m.")
    axis.set(xlabel="relative depth (layer index / last layer)", ylabel="CKA, ImageNet- vs LaMem-trained",
             xlim=(0, 1), ylim=(min(0, float(per_layer["cka"].min())), 1.02))
    axis.legend(fontsize=7, frameon=False)
    return save(figure, stem)


def paired_conditions(table: pd.DataFrame, conditions: tuple[str, ...], comparisons: dict[str, PairedComparison],
                      stem, title: str, ylabel: str, notice: str | None = None) -> list[Path]:
    """One panel per phase, sharing one y scale: each architecture's value under each condition
    (``table``: phase, architecture, condition, value; a condition an architecture lacks is left
    out), joined by a line, the mean of each condition as a bar, the phase's comparison under it,
    and a legend naming the architectures and the means."""
    phases = list(dict.fromkeys(table["phase"]))
    figure, axes = _figure(len(phases), title, notice, width=3.8, sharey=True)
    architectures = sorted(table["architecture"].unique())
    for axis, phase in zip(axes, phases):
        wide = table[table["phase"] == phase].pivot(index="architecture", columns="condition", values="value")
        wide = wide.reindex(index=architectures, columns=list(conditions))
        for index, (architecture, values) in enumerate(wide.iterrows()):
            present = np.isfinite(values.to_numpy(float))
            axis.plot(np.arange(len(conditions))[present], values.to_numpy(float)[present], color="#777777",
                      linewidth=0.8, marker=MARKERS[index % len(MARKERS)], markersize=5, label=architecture)
        for position, condition in enumerate(conditions):
            axis.hlines(wide[condition].mean(), position - 0.25, position + 0.25, color=COLOURS.get(condition, "black"),
                        linewidth=3, label=f"mean, {condition}-trained")
        axis.set(xticks=range(len(conditions)), xticklabels=list(conditions), xlim=(-0.5, len(conditions) - 0.5),
                 title=f"{phase}", ylabel=ylabel if axis is axes[0] else "")
        if phase in comparisons:
            axis.text(0.0, -0.14, describe(comparisons[phase]), transform=axis.transAxes, fontsize=6.5, va="top")
    axes[-1].legend(fontsize=6.5, frameon=False, loc="center left", bbox_to_anchor=(1.02, 0.5))
    return save(figure, stem)
