"""Report sections for the extended study: reverse predictivity, LaMem memorability, response magnitude.

Each function takes results already computed (the Scores of the registered benchmarks, the table of
:mod:`.magnitude`), writes its CSV tables and figures into a report folder (``tables/`` and
``figures/``, as :mod:`.report` lays it out) and returns one :class:`.report.Section`, so that the
reproduce pipeline only has to compute the results and append the sections. Nothing here runs a
model or reads data.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from brainscore_memorability.analysis import figures, magnitude
from brainscore_memorability.analysis.report import Section, markdown_table, write_table

# the sentence of each column of this module's tables that the reproduce report's COLUMNS lacks
# (or means otherwise there: ci_low/ci_high are the CI of rho here)
COLUMNS = {
    "unit_index": "the model unit's column in the IT layer's features (the seeded subsample)",
    "fraction_unpredicted": "fraction of the scored units whose reverse % EV is below unpredicted_threshold",
    "unpredicted_threshold": "% EV below which IT is said not to predict a unit (this package's convention)",
    "n_units": "units scored (the seeded subsample)", "n_units_total": "units in the model's IT layer",
    "n_constant_units": "units without variance over the images (EV undefined, left out)",
    "split": "the LaMem split (1-5); splits are never merged",
    "rho": "Spearman rho (LaMem: read-out predictions vs the split's test scores; magnitude: response magnitude vs "
           "memorability over the IT images)",
    "alpha": "the ridge penalty chosen by cross-validation on the split's training images",
    "n_train": "training images used (after the cap)", "n_train_total": "training images in the split",
    "n_test": "test images of the split",
    "head_rho": "Spearman rho of the model's own memorability head on the test images (empty without a head)",
    "ci_low": "lower end of the 95 % bootstrap CI (BCa, over images) of rho",
    "ci_high": "upper end of that interval", "n_images": "images with a finite magnitude and memorability",
    "planted_rho": "the planted correlation: Spearman rho of the noise-free IT magnitude and the true memorability",
    "magnitude_effect": "the planted magnitude loading times the memorability weight (0: nothing planted)",
}


def column_sentences(*frames: pd.DataFrame) -> dict[str, str]:
    """The sentence of each column of ``frames`` (this module's COLUMNS, then the report's)."""
    from brainscore_memorability.analysis.writeup import COLUMNS as REPORT_COLUMNS
    names = dict.fromkeys(c for frame in frames for c in ["simulated", *frame.columns])
    return {name: COLUMNS.get(name) or REPORT_COLUMNS[name] for name in names}


def reverse_tables(scores: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per_unit, summary) of reverse-predictivity Scores; ``scores``: (model, phase) -> Score of a
    ``*-reverse`` benchmark. per_unit: one row per model, phase and unit; summary: one per model and phase."""
    per_unit = pd.concat([pd.DataFrame({"model": model, "phase": phase, "unit_index": score.attrs["unit_index"],
                                        "explained_variance": score.attrs["explained_variance"].values})
                          for (model, phase), score in scores.items()], ignore_index=True)
    summary = pd.DataFrame([{"model": model, "phase": phase, "median_ev": score.attrs["explained_variance_median"],
                             "score": float(score), "fraction_unpredicted": score.attrs["fraction_unpredicted"],
                             "unpredicted_threshold": score.attrs["unpredicted_threshold"],
                             "n_units": score.attrs["n_units"], "n_units_total": score.attrs["n_units_total"],
                             "n_constant_units": score.attrs["n_constant_units"]}
                            for (model, phase), score in scores.items()])
    return per_unit, summary


def reverse_section(per_unit: pd.DataFrame, summary: pd.DataFrame, folder, simulated: bool,
                    notice: str | None = None) -> Section:
    """Reverse predictivity per model and phase from :func:`reverse_tables`' tables. Tables
    reverse_per_unit.csv and reverse_summary.csv, a box plot per phase."""
    folder = Path(folder)
    tables = [write_table(per_unit, folder / "tables" / "reverse_per_unit.csv", simulated),
              write_table(summary, folder / "tables" / "reverse_summary.csv", simulated)]
    phases = list(dict.fromkeys(per_unit["phase"]))
    figure, axes = figures.panels(len(phases), "Reverse predictivity: IT predicts the model's units", notice)
    for axis, phase in zip(axes, phases):
        rows = per_unit[(per_unit["phase"] == phase) & np.isfinite(per_unit["explained_variance"])]
        models = list(dict.fromkeys(rows["model"]))
        axis.boxplot([rows.loc[rows["model"] == m, "explained_variance"] for m in models], showfliers=False)
        axis.set_xticks(range(1, len(models) + 1), models, rotation=30, ha="right", fontsize=7)
        axis.set(title=phase, ylabel="noise-corrected % EV per model unit")
    written = figures.save(figure, folder / "figures" / "reverse_predictivity")
    threshold = summary["unpredicted_threshold"].iloc[0]
    text = ("Each model's IT-layer units (a seeded subsample) predicted from the IT sites' rates in the window "
            "(reverse predictivity, Muzellec & Kar; reverse-pred's noise correction). Medians and the fraction of "
            f"units IT does not predict (EV < {threshold:g} %):\n\n" + summary.to_markdown(index=False, floatfmt=".3g"))
    return Section("Reverse predictivity", text, figures=written[:1], tables=tables,
                   columns=column_sentences(per_unit, summary) | {
                       "explained_variance": "the model unit's noise-corrected % EV predicted from the IT sites",
                       "median_ev": "median over the scored units of that % EV",
                       "score": "the reverse benchmark's Score: median % EV over units / 100, clipped to [0, 1]"})


def lamem_section(scores: dict, folder, simulated: bool, notice: str | None = None) -> Section:
    """Human memorability per model; ``scores``: model -> Score of LaMem-memorability. Table
    lamem_splits.csv (one row per model and split), a bar figure, and joint - LaMem-trained paired
    over architectures (mean rho over splits) where 3 or more architectures have both."""
    from brainscore_memorability.analysis.study import condition_comparisons
    from brainscore_memorability.errors import UnknownIdentifierError
    from brainscore_memorability.models.identifiers import parse
    folder = Path(folder)
    splits = pd.concat([score.attrs["splits"].assign(model=model) for model, score in scores.items()], ignore_index=True)
    tables = [write_table(splits, folder / "tables" / "lamem_splits.csv", simulated)]
    figure, (axis,) = figures.panels(1, "LaMem: linear read-out of the IT layer", notice, width=5.5)
    models = list(scores)
    axis.bar(range(len(models)), [float(scores[m]) for m in models],
             yerr=[np.nan_to_num(float(scores[m].attrs["error"])) for m in models], color="#777777")
    axis.set_xticks(range(len(models)), models, rotation=30, ha="right", fontsize=7)
    axis.set(ylabel="score = Spearman rho / 0.68 (mean over splits)", ylim=(0, 1))
    written = figures.save(figure, folder / "figures" / "lamem_memorability")
    rows = []
    for model, score in scores.items():
        try:
            objective, arch = parse(model)
        except UnknownIdentifierError:
            continue
        rows.append({"phase": "LaMem", "architecture": arch, "condition": objective, "value": float(score.attrs["raw"])})
    frame = pd.DataFrame(rows, columns=["phase", "architecture", "condition", "value"])
    both = set(frame.loc[frame["condition"] == "lamem", "architecture"]) & set(frame.loc[frame["condition"] == "joint",
                                                                                      "architecture"])
    comparisons = []
    if len(both) >= 3:
        pair = frame[frame["architecture"].isin(both) & frame["condition"].isin(["lamem", "joint"])]
        comparisons = list(condition_comparisons(pair, ("lamem", "joint")).values())
    text = ("Ridge read-out of each model's IT layer fitted on a LaMem split's training images (penalty by "
            "cross-validation on them), Spearman rho on its test images, score = rho / 0.68; splits are never "
            "merged. `head_rho`: the model's own memorability head on the same images.\n\n"
            + splits[["model", "split", "rho", "head_rho", "n_train", "n_test"]].to_markdown(index=False, floatfmt=".3g"))
    return Section("Human memorability (LaMem)", text, figures=written[:1], tables=tables, comparisons=comparisons,
                   columns=column_sentences(splits) | {"score": "the split's score: rho / 0.68, clipped to [0, 1]"})


def magnitude_section(table: pd.DataFrame, comparisons: list, folder, benchmark: str, simulated: bool,
                      notice: str | None = None) -> Section:
    """Response magnitude vs memorability (``table``: :mod:`.magnitude` rows with the IT row;
    ``comparisons``: :func:`.magnitude.objective_comparisons`)."""
    folder = Path(folder)
    tables = [write_table(table, folder / "tables" / "magnitude.csv", simulated)]
    written = magnitude.depth_figure(table, folder / "figures" / "magnitude", f"Response magnitude vs memorability, "
                                     f"{benchmark}", notice=notice)
    it = table[table["model"] == magnitude.IT_MODEL]
    it_text = "; ".join(f"{r.layer}: rho = {r.rho:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]" for r in it.itertuples())
    text = ("Spearman rho across images between memorability and the L2 norm of the population response "
            f"(Jaegle et al. 2019), per layer by relative depth and for IT ({it_text}; 95 % bootstrap CI).")
    return Section("IT response magnitude and memorability", text, figures=written[:1], tables=tables,
                   comparisons=list(comparisons), columns=column_sentences(table))


def planted_magnitude_table(table: pd.DataFrame, planted_rho: float, effect: float, folder
                            ) -> tuple[str, Path, dict]:
    """The simulated world's planted IT magnitude correlation beside the recovered one (the IT row
    of ``table``): (Markdown, magnitude_planted.csv, its column sentences). Expected: CI above 0
    where a magnitude effect is planted (``effect`` > 0), else a CI that covers 0."""
    it = table[table["model"] == magnitude.IT_MODEL].iloc[0]
    expected = "> 0" if effect > 0 else "CI covers 0"
    holds = bool(it["ci_low"] > 0) if effect > 0 else bool(it["ci_low"] <= 0 <= it["ci_high"])
    frame = pd.DataFrame([{"layer": it["layer"], "magnitude_effect": effect, "planted_rho": planted_rho,
                           "rho": it["rho"], "ci_low": it["ci_low"], "ci_high": it["ci_high"], "expected": expected,
                           "holds": holds}])
    path = write_table(frame, Path(folder) / "tables" / "magnitude_planted.csv", simulated=True)
    shown = pd.DataFrame({"IT window": [it["layer"]], "planted rho": [f"{planted_rho:.3f}"],
                          "recovered rho [95 % CI]": [f"{it['rho']:.3f} [{it['ci_low']:.3f}, {it['ci_high']:.3f}]"],
                          "expected": [expected], "holds": ["yes" if holds else "**no**"]})
    return markdown_table(shown), path, column_sentences(frame)
