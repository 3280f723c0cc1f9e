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
from brainscore_memorability.analysis.report import Section, write_table


def reverse_section(scores: dict, folder, simulated: bool, notice: str | None = None) -> Section:
    """Reverse predictivity per model and phase; ``scores``: (model, phase) -> Score of a
    ``*-reverse`` benchmark. Tables reverse_per_unit.csv and reverse_summary.csv, a box plot per phase."""
    folder = Path(folder)
    per_unit = pd.concat([pd.DataFrame({"model": model, "phase": phase, "unit_index": score.attrs["unit_index"],
                                        "explained_variance": score.attrs["explained_variance"].values})
                          for (model, phase), score in scores.items()], ignore_index=True)
    summary = pd.DataFrame([{"model": model, "phase": phase, "median_ev": score.attrs["explained_variance_median"],
                             "score": float(score), "fraction_unpredicted": score.attrs["fraction_unpredicted"],
                             "unpredicted_threshold": score.attrs["unpredicted_threshold"],
                             "n_units": score.attrs["n_units"], "n_units_total": score.attrs["n_units_total"],
                             "n_constant_units": score.attrs["n_constant_units"]}
                            for (model, phase), score in scores.items()])
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
    return Section("Reverse predictivity", text, figures=written[:1], tables=tables)


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
    return Section("Human memorability (LaMem)", text, figures=written[:1], tables=tables, comparisons=comparisons)


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
                   comparisons=list(comparisons))
