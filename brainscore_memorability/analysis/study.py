"""The study's six analyses as functions from computed results to tables and paired comparisons.

Inputs are what the pipeline computes per model and benchmark (:mod:`.pipeline`); these functions
only combine them, so they are tested on planted inputs without any network:

1. :func:`explained_variance_summary`: median % EV per model and phase;
2. :func:`cka_depth_summary`: ImageNet- vs LaMem-trained CKA by relative depth, mean and s.e.m.
   across architectures (Figure 1B);
3. :func:`condition_comparisons`: ANN-IT similarity, ImageNet- vs LaMem-trained, paired over
   architectures (Figure 1C);
4. and 6. :func:`model_comparison`: per-neuron % EV of one model against another, paired over
   neurons (Figure 2A/C: LaMem vs ImageNet; Figure 3B/C: joint vs ImageNet);
5. :func:`unique_variance_table`: the partial-correlation comparison (Figure 2B/D): for the
   ImageNet-trained network T, the unique contribution beyond T of the LaMem-trained network and of
   a held-out ImageNet-trained network, and T's own partial correlation controlling for each.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from brainscore_memorability.analysis.statistics import PairedComparison, paired_comparison
from brainscore_memorability.errors import MemorabilityError

PHASES = ("early", "late")
DEPTH_GRID = np.linspace(0, 1, 11)


def explained_variance_summary(per_neuron: pd.DataFrame) -> pd.DataFrame:
    """Per model and phase: median, mean and count of finite per-neuron % EV.

    ``per_neuron`` columns: model, phase, neuroid_id, explained_variance (%).
    """
    finite = per_neuron[np.isfinite(per_neuron["explained_variance"])]
    grouped = finite.groupby(["model", "phase"], sort=False)["explained_variance"]
    return grouped.agg(median_ev="median", mean_ev="mean", n_neurons="count").reset_index()


def paired_by(table: pd.DataFrame, key: str, column: str, value: str, a: str, b: str) -> tuple[np.ndarray, np.ndarray]:
    """Values of ``value`` for ``column == a`` and ``column == b``, aligned on ``key`` (NaN where absent)."""
    wide = table[table[column].isin([a, b])].pivot_table(index=key, columns=column, values=value, aggfunc="first")
    for name in (a, b):
        if name not in wide:
            raise MemorabilityError(f"no rows with {column} = '{name}' to compare (have {sorted(table[column].unique())})")
    return wide[a].to_numpy(float), wide[b].to_numpy(float)


def model_comparison(per_neuron: pd.DataFrame, model_a: str, model_b: str, phase: str, label: str = "",
                     value: str = "explained_variance", **options) -> tuple[np.ndarray, np.ndarray, PairedComparison]:
    """(values of A, values of B, comparison B - A) per neuron in ``phase``, paired on neuroid_id."""
    rows = per_neuron[per_neuron["phase"] == phase]
    a, b = paired_by(rows, "neuroid_id", "model", value, model_a, model_b)
    label = label or f"{model_b} - {model_a} ({phase})"
    return a, b, paired_comparison(a, b, label=label, **options)


def cka_depth_summary(per_layer: pd.DataFrame, grid: np.ndarray = DEPTH_GRID) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Relative depth of each layer and the across-architecture mean and s.e.m. on ``grid``.

    ``per_layer`` columns: architecture, layer_index (0 = first CKA layer), n_layers, cka. Relative
    depth = layer_index / (n_layers - 1); each architecture's CKA is linearly interpolated onto the
    grid, then mean and s.e.m. (sd ddof 1 / sqrt(n)) are taken over architectures (s.e.m. NaN for one).
    Returns (per_layer with relative_depth, summary: relative_depth, mean, sem, n_architectures).
    """
    per_layer = per_layer.copy()
    per_layer["relative_depth"] = per_layer["layer_index"] / (per_layer["n_layers"] - 1).clip(lower=1)
    curves = np.array([np.interp(grid, rows["relative_depth"], rows["cka"]) for _, rows in
                       per_layer.sort_values("relative_depth").groupby("architecture", sort=True)])
    n = len(curves)
    sem = curves.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(len(grid), np.nan)
    summary = pd.DataFrame({"relative_depth": grid, "mean": curves.mean(axis=0), "sem": sem, "n_architectures": n})
    return per_layer, summary


def condition_comparisons(table: pd.DataFrame, conditions: tuple[str, str], **options) -> dict[str, PairedComparison]:
    """Per phase, ``conditions[1]`` - ``conditions[0]`` paired over architectures.

    ``table`` columns: phase, architecture, condition, value (e.g. ANN-IT similarity).
    """
    comparisons = {}
    for phase, rows in table.groupby("phase", sort=False):
        a, b = paired_by(rows, "architecture", "condition", "value", *conditions)
        comparisons[phase] = paired_comparison(a, b, label=f"{conditions[1]} - {conditions[0]} ({phase})", **options)
    return comparisons


def unique_variance_table(target: str, features: dict[str, np.ndarray], rates: np.ndarray, neuroid_ids,
                          controls: dict[str, str], phase: str, **options) -> pd.DataFrame:
    """Per neuron: target T's partial correlation controlling for each control model, and each
    control's unique contribution beyond T, as partial r and noise-corrected % (issue-4 metric).

    :param features: model -> images x features (same images as ``rates``).
    :param rates: images x neurons x repetitions of the phase's window.
    :param controls: role (e.g. 'lamem', 'imagenet-heldout') -> model.
    Columns: phase, neuroid_id, role, control, target, partial_r_target (T | control),
    partial_r_control (control | T), unique_control (% , control beyond T), ev_target, ev_control.
    """
    from brainscore_memorability.metrics.unique_variance import unique_variance_against
    results = unique_variance_against(features[target], {role: features[model] for role, model in controls.items()},
                                      rates, **options)
    frames = [pd.DataFrame({"phase": phase, "neuroid_id": np.asarray(neuroid_ids), "role": role,
                            "control": controls[role], "target": target, **unique_columns(result)})
              for role, result in results.items()]
    return pd.concat(frames, ignore_index=True)


UNIQUE_MEASURE = "unique_control"  # the column Figure 2B/D compares (see unique_columns)


def unique_columns(result) -> dict[str, np.ndarray]:
    """The one place that picks the study's unique-variance numbers from the metric's result
    (:class:`brainscore_memorability.metrics.unique_variance.UniqueVariance` of target T = B and
    one control = A), per neuron:

    * ``unique_control``: the control's unique variance beyond T, %, noise-corrected by the split-half
      reliability of the residuals (``UniqueVariance.unique_a``; the measure of Figure 2B/D,
      :data:`UNIQUE_MEASURE`);
    * ``partial_r_control``: the uncorrected partial r of the response and the control's
      prediction given T's; ``partial_r_target``: T's given the control's;
    * ``ev_target``, ``ev_control``: each model's own % EV.
    """
    return {"unique_control": result.unique_a, "partial_r_control": result.partial_r_a,
            "partial_r_target": result.partial_r_b, "ev_target": result.b.explained_variance,
            "ev_control": result.a.explained_variance}


# what a claim's comparison (B - A) must show: its bootstrap CI above 0 (an advantage), not above 0
# (no advantage: covering 0 or below it), covering 0 (no difference), or not below 0
EXPECTATIONS = {"> 0": lambda c: c.ci_low > 0, "not > 0": lambda c: c.ci_low <= 0,
                "CI covers 0": lambda c: c.ci_low <= 0 <= c.ci_high, ">= 0": lambda c: c.ci_high >= 0}


@dataclass(frozen=True)
class Claim:
    """One of the study's claims tested in one phase: the ``comparison`` that measures it, what it
    should show given the world (``expected``, a key of :data:`EXPECTATIONS`) and why (``planted``)."""
    statement: str
    comparison: PairedComparison
    expected: str
    planted: str

    @property
    def holds(self) -> bool:
        return bool(EXPECTATIONS[self.expected](self.comparison))


def role_comparison(table: pd.DataFrame, phase: str, value: str, roles: tuple[str, str], label: str = "",
                    **options) -> tuple[np.ndarray, np.ndarray, PairedComparison]:
    """(values for role A, for role B, comparison B - A) per neuron of ``phase`` in a
    :func:`unique_variance_table`."""
    rows = table[table["phase"] == phase]
    a, b = paired_by(rows, "neuroid_id", "role", value, *roles)
    return a, b, paired_comparison(a, b, label=label or f"{value}: {roles[1]} - {roles[0]} ({phase})", **options)
