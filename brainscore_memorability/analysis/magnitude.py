"""Population response magnitude and memorability (Jaegle et al. 2019, eLife 8:e47596).

Jaegle et al. found that the magnitude of the IT population response to an image (the L2 norm
of the vector of the sites' mean rates) correlates with the image's memorability. Here, for the
images of one IT benchmark:

* magnitude of a representation (images x units: a model layer's activations, or the IT sites'
  repetition-averaged rates in the window, spikes/s): the L2 norm of each image's vector, not
  centred or normalised (:func:`response_magnitude`);
* the correlation: Spearman rho over images between magnitude and memorability, with a BCa
  bootstrap confidence interval over images (pairs resampled together;
  :func:`brainscore_memorability.analysis.statistics.bootstrap_ci`, seeded);
* per model layer at relative depth layer_index / (n_layers - 1), and for IT;
* across objectives: for each architecture, the rho at the model's committed IT layer, compared
  LaMem- vs ImageNet-trained and joint vs ImageNet-trained, paired over architectures
  (:func:`brainscore_memorability.analysis.study.condition_comparisons`).

Memorability comes from human scores (a CSV) or, where the images have none, from a memorability
model's predictions (Jaegle et al. used MemNet's; here ResMem's or one of this package's heads).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from brainscore_memorability.analysis.statistics import bootstrap_ci
from brainscore_memorability.errors import DataError

COLUMNS = ("model", "layer", "layer_index", "n_layers", "relative_depth", "rho", "ci_low", "ci_high", "n_images")
IT_MODEL = "IT"  # the ``model`` value of the IT row


def response_magnitude(responses: np.ndarray) -> np.ndarray:
    """L2 norm of each image's response vector: responses images x units -> (images,).

    A NaN entry (an IT image x site without a valid trial) is replaced by that unit's mean over
    images first; a unit without any finite value is dropped.
    """
    responses = np.asarray(responses, dtype=float)
    if responses.ndim != 2:
        raise DataError(f"responses must be images x units, got shape {responses.shape}")
    usable = np.isfinite(responses).any(axis=0)
    responses = responses[:, usable]
    with np.errstate(invalid="ignore"):
        filled = np.where(np.isfinite(responses), responses, np.nanmean(responses, axis=0))
    return np.sqrt(np.sum(filled ** 2, axis=1))


def spearman_along(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman rho of ``a`` and ``b`` along ``axis`` (average ranks; vectorised over other axes)."""
    from scipy.stats import rankdata
    a, b = rankdata(a, axis=axis), rankdata(b, axis=axis)
    a = a - a.mean(axis=axis, keepdims=True)
    b = b - b.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sum(a * b, axis=axis) / np.sqrt(np.sum(a * a, axis=axis) * np.sum(b * b, axis=axis))


def magnitude_correlation(magnitude, memorability, confidence: float = 0.95, n_resamples: int = 9999,
                          seed: int = 0) -> dict:
    """{'rho', 'ci_low', 'ci_high', 'n_images'}: Spearman rho of magnitude and memorability (both
    (images,), NaN images dropped) with its BCa bootstrap CI over images."""
    magnitude, memorability = np.asarray(magnitude, float), np.asarray(memorability, float)
    if magnitude.shape != memorability.shape or magnitude.ndim != 1:
        raise DataError(f"magnitude {magnitude.shape} and memorability {memorability.shape} must be (images,) each")
    keep = np.isfinite(magnitude) & np.isfinite(memorability)
    magnitude, memorability = magnitude[keep], memorability[keep]
    if keep.sum() < 4 or np.ptp(magnitude) == 0 or np.ptp(memorability) == 0:
        return {"rho": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_images": int(keep.sum())}

    def statistic(indices, axis=-1):  # resampled image indices -> rho of those images
        indices = np.asarray(indices).astype(int)
        return spearman_along(magnitude[indices], memorability[indices], axis=axis)

    low, high = bootstrap_ci(np.arange(len(magnitude)), statistic, confidence, n_resamples, seed)
    return {"rho": float(spearman_along(magnitude, memorability)), "ci_low": low, "ci_high": high,
            "n_images": int(keep.sum())}


def magnitude_table(layers: dict[str, np.ndarray], memorability, model: str, **options) -> pd.DataFrame:
    """One row per layer (in the given, shallow-to-deep, order) of ``model``: COLUMNS.

    ``layers``: layer -> images x units, images in the order of ``memorability`` (images,).
    ``options``: :func:`magnitude_correlation`'s (confidence, n_resamples, seed).
    """
    n_layers = len(layers)
    rows = [{"model": model, "layer": layer, "layer_index": index, "n_layers": n_layers,
             "relative_depth": index / max(n_layers - 1, 1),
             **magnitude_correlation(response_magnitude(values), memorability, **options)}
            for index, (layer, values) in enumerate(layers.items())]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def it_row(rates: np.ndarray, memorability, window, **options) -> pd.DataFrame:
    """The IT row of the table: rates images x sites x repetitions (spikes/s) in ``window`` (ms)."""
    from brainscore_memorability.metrics.reliability import nanmean_quiet
    correlation = magnitude_correlation(response_magnitude(nanmean_quiet(np.asarray(rates, float), axis=2)),
                                        memorability, **options)
    return pd.DataFrame([{"model": IT_MODEL, "layer": f"IT {window[0]}-{window[1]} ms", "layer_index": np.nan,
                          "n_layers": np.nan, "relative_depth": np.nan, **correlation}], columns=list(COLUMNS))


def objective_comparisons(table: pd.DataFrame, it_layers: dict[str, str], **options) -> list:
    """Paired comparisons over architectures of the rho at each model's IT layer: LaMem - ImageNet
    and joint - ImageNet (``it_layers``: model -> its committed IT layer; models must be
    ``memnet-<objective>-<arch>``), by :func:`..study.condition_comparisons`. A comparison with
    fewer than 3 architectures having both objectives is left out (the paired test needs 3)."""
    from brainscore_memorability.analysis.study import condition_comparisons
    from brainscore_memorability.models.identifiers import parse
    rows = []
    for model, layer in it_layers.items():
        objective, arch = parse(model)
        found = table[(table["model"] == model) & (table["layer"] == layer)]
        if len(found):
            rows.append({"phase": "rho at the IT layer", "architecture": arch, "condition": objective,
                         "value": float(found["rho"].iloc[0])})
    frame = pd.DataFrame(rows, columns=["phase", "architecture", "condition", "value"])
    comparisons = []
    for other in ("lamem", "joint"):
        both = set(frame.loc[frame["condition"] == "imagenet", "architecture"]) & set(
            frame.loc[frame["condition"] == other, "architecture"])
        if len(both) >= 3:
            pair = frame[frame["architecture"].isin(both) & frame["condition"].isin(["imagenet", other])]
            comparisons += list(condition_comparisons(pair, ("imagenet", other), **options).values())
    return comparisons


def depth_figure(table: pd.DataFrame, stem, title: str, notice: str | None = None) -> list:
    """Rho by relative depth, one line per model, and IT's rho as a horizontal line with its CI as
    a band (``table``: :func:`magnitude_table` rows plus the :func:`it_row`); PNG and PDF."""
    from brainscore_memorability.analysis.figures import panels, save
    figure, (axis,) = panels(1, title, notice, width=6.0, height=4.6)
    for model, rows in table[table["model"] != IT_MODEL].groupby("model", sort=True):
        rows = rows.sort_values("relative_depth")
        axis.plot(rows["relative_depth"], rows["rho"], marker="o", markersize=3, linewidth=1.2, label=model)
    for _, row in table[table["model"] == IT_MODEL].iterrows():
        axis.axhspan(row["ci_low"], row["ci_high"], color="black", alpha=0.12, linewidth=0)
        axis.axhline(row["rho"], color="black", linewidth=1.5, label=f"{row['layer']} (band: bootstrap CI)")
    axis.axhline(0, color="#999999", linewidth=0.8, linestyle="--")
    axis.set(xlabel="relative depth (layer index / last layer)", ylabel="Spearman rho, magnitude vs memorability",
             xlim=(0, 1))
    axis.legend(fontsize=7, frameon=False)
    return save(figure, stem)
