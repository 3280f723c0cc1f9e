"""From finished pieces to the report: tables, figures, the claims beside the planted truth, and
the shell commands that reproduce each table's numbers.

:func:`analyse` is the last stage of :func:`.pipeline.run`. Every CSV column it writes is
explained in :data:`COLUMNS` (the report prints the sentence under each table), and every
comparison is labelled with the exact models it compares.
"""
from __future__ import annotations

import json
import shlex
from pathlib import Path

import pandas as pd

from brainscore_memorability.errors import DataError

PHASES = ("early", "late")
OBJECTIVES = ("imagenet", "lamem", "joint")

# the brainscore score / partial-corr flag of each metric option (the CLI's names for the metric's
# arguments), so that a report's command reproduces its numbers
METRIC_FLAGS = {"regression": "--regression", "n_components": "--components", "n_folds": "--folds",
                "n_splits": "--halvings", "reliability_correlation": "--reliability-correlation", "fit": "--fit"}

COLUMNS = {
    "simulated": "True when the row comes from the simulated sample (never real data)",
    "model": "the model identifier, memnet-<objective>-<architecture>",
    "model_identifier": "the Brain-Score identifier with its weights tag (which weights were scored)",
    "objective": "what the network was trained for: imagenet (categorization), lamem (memorability) or joint",
    "architecture": "the network architecture",
    "condition": "the training objective being compared",
    "phase": "early (70-100 ms) or late (180-210 ms) window of the IT response",
    "benchmark": "the benchmark identifier (its window)",
    "neuroid_id": "the IT site",
    "explained_variance": "the site's noise-corrected % explained variance (Kar lab definition)",
    "r": "Pearson r of the site's cross-validated prediction with its repetition-averaged response",
    "neural_reliability": "the site's split-half reliability (Spearman-Brown corrected)",
    "model_reliability": "the reliability of the model's prediction across the same split halves",
    "median_ev": "median over sites of the noise-corrected % explained variance",
    "mean_ev": "mean over sites of the noise-corrected % explained variance",
    "n_neurons": "number of sites with a finite value",
    "score": "the benchmark's Score: median % EV / 100, clipped to [0, 1]",
    "error": "bootstrap standard error of the Score's median over sites",
    "ann_it_cka": "linear CKA between the model's IT-layer features and the IT responses of the window",
    "value": "the value being compared (named in the figure's axis)",
    "layer": "the layer (module name)",
    "layer_index": "the layer's position among the architecture's CKA layers, input first",
    "n_layers": "the architecture's number of CKA layers",
    "cka": "linear CKA between the same layer of the ImageNet- and the LaMem-trained network on the IT images",
    "relative_depth": "layer_index / (n_layers - 1): 0 = first CKA layer, 1 = last",
    "mean": "mean CKA over architectures at this relative depth (interpolated)",
    "sem": "standard error of that mean over architectures",
    "n_architectures": "number of architectures averaged",
    "role": "which control: lamem (the LaMem-trained network) or imagenet-heldout (the held-out ImageNet-trained one)",
    "control": "the control network, whose unique variance beyond the target is measured",
    "target": "the ImageNet-trained network T that each control is measured beyond",
    "unique_control": "the control's unique % variance beyond T, noise-corrected by the split-half reliability of "
                      "the residuals (Figure 2B/D's measure)",
    "partial_r_control": "partial correlation of the response and the control's prediction given T's (uncorrected)",
    "partial_r_target": "partial correlation of the response and T's prediction given the control's (uncorrected)",
    "ev_target": "T's own % explained variance",
    "ev_control": "the control's own % explained variance",
    "started_from": "random initial weights, or the categorization network of the same architecture (fine-tuned)",
    "epoch": "training epochs completed (passes over the training set), counted from 0",
    "step": "optimizer steps trained",
    "train_loss": "mean training loss of the last epoch",
    "train_loss_imagenet": "mean cross-entropy of the last epoch",
    "train_loss_lamem": "mean squared error on centred memorability scores of the last epoch",
    "imagenet_val_top1": "categorization top-1 accuracy on the world's validation images, %",
    "imagenet_val_top5": "categorization top-5 accuracy on the world's validation images, %",
    "chance_top1": "top-1 accuracy of guessing, % (100 / number of classes)",
    "lamem_val_rho": "Spearman rho of predicted and split scores on the LaMem-layout validation images",
    "lamem_test_rho": "Spearman rho of predicted and split scores on the LaMem-layout test images",
    "it_planted_rho": "Spearman rho of predicted memorability and the planted memorability on the IT images "
                      "(held out from all training)",
    "component": "a planted component of the simulated IT responses",
    "early_share": "median over sites of the share of the early window's explainable variance this component carries",
    "late_share": "the same in the late window",
    "claim": "the claim tested",
    "expected": "what the comparison must show given the planted world: its CI above 0 ('> 0'), not above 0 "
                "('not > 0': no advantage), or not below 0 ('>= 0')",
    "planted": "the planted truth behind that expectation",
    "holds": "whether the recovered comparison shows what is expected",
    "difference": "B - A: mean (paired t) or median (Wilcoxon) difference over the paired units",
    "ci_low": "lower end of the bootstrap confidence interval of the difference",
    "ci_high": "upper end of that interval",
    "label": "the comparison, B - A, naming both models and the phase",
    "n": "number of paired units (sites or architectures)",
    "mean_a": "mean of A", "mean_b": "mean of B", "median_a": "median of A", "median_b": "median of B",
    "confidence": "the confidence level of the interval", "test": "t (paired t-test) or wilcoxon (signed-rank)",
    "statistic": "the test statistic", "p_value": "two-sided p value",
    "effect_size": "Cohen's d_z (t) or the rank-biserial correlation (Wilcoxon)",
    "effect_size_name": "which effect size",
}


def metric_flags(options: dict) -> list[str]:
    """The command-line flags of ``brainscore score``/``partial-corr`` for metric ``options``."""
    unknown = sorted(set(options) - set(METRIC_FLAGS))
    if unknown:
        raise DataError(f"metric options {unknown} have no command-line flag; known: {sorted(METRIC_FLAGS)}")
    return [part for key, value in options.items() for part in (METRIC_FLAGS[key], str(value))]


def columns(*frames: pd.DataFrame) -> dict[str, str]:
    """The sentence of each column of ``frames`` (KeyError for a column nobody explained)."""
    names = dict.fromkeys(c for frame in frames for c in ["simulated", *frame.columns])
    return {name: COLUMNS[name] for name in names}


class Commands:
    """Shell commands that reproduce a run's numbers with the package's own CLI."""

    def __init__(self, config, data: str | None, weights: dict):
        self.config, self.data, self.weights = config, data, weights

    def _environment(self, models) -> list[str]:
        from brainscore_memorability.models.weights import env_variable
        return [f"{env_variable(m)}={shlex.quote(self.weights[m])}" for m in models if self.weights.get(m)]

    def _data(self) -> list[str]:
        return ["--data", shlex.quote(self.data)] if self.data else []

    def score(self, model: str, phase: str) -> str:
        return " ".join(["brainscore score --model", model, *self._weights(model), "--benchmark",
                         self.config.benchmarks[phase], *self._data(), *metric_flags(self.config.metric_options)])

    def unique(self, model: str, control: str, phase: str) -> str:
        return " ".join([*self._environment([model, control]), "brainscore partial-corr --model", model,
                         "--control", control, "--benchmark", self.config.benchmarks[phase], *self._data(),
                         *metric_flags(self.config.metric_options), "--neurons", f"unique_{model}_{phase}.csv"])

    def cka(self, architecture: str) -> str:
        a, b = (f"memnet-{o}-{architecture}" for o in ("imagenet", "lamem"))
        images = (["--stimuli", shlex.quote(str(Path(self.data).parent / "images"))] if self.config.simulated
                  else ["--benchmark", self.config.benchmarks["early"], *self._data()])
        return " ".join([*self._environment([a, b]), "brainscore cka --model", a, "--model-b", b, *images,
                         "--output", f"cka_{architecture}.csv"])

    def _weights(self, model: str) -> list[str]:
        return ["--weights", shlex.quote(self.weights[model])] if self.weights.get(model) else []

    def reverse(self, model: str, phase: str, options: dict) -> str:
        return " ".join(["brainscore score --model", model, *self._weights(model), "--benchmark",
                         self.config.benchmarks[phase] + "-reverse", *self._data(), *metric_flags(options)])

    def lamem(self, model: str, root: str, options: dict) -> str:
        """``options``: LaMem-memorability's (splits: one split or all; max_train_images; train_seed)."""
        splits = options.get("splits")
        flags = ([f"--lamem-split {splits[0]}"] if splits and len(splits) == 1 else []) + [
            f"{flag} {options[key]}" for key, flag in (("max_train_images", "--lamem-max-train"),
                                                       ("train_seed", "--lamem-seed")) if options.get(key) is not None]
        return " ".join(["brainscore score --model", model, *self._weights(model), "--benchmark LaMem-memorability "
                         "--data", shlex.quote(str(root)), *flags])

    def magnitude(self, models: list[str], n_resamples: int | None) -> str:
        bootstrap = [f"--bootstrap {n_resamples}"] if n_resamples else []
        return " ".join([*self._environment(models), "brainscore magnitude --model", *models, "--benchmark",
                         self.config.benchmarks["early"], *self._data(), *bootstrap,
                         "--output magnitude.csv --plot magnitude.png"])

    @staticmethod
    def train(record: dict) -> str:
        """``python -m brainscore_memorability_training train`` with a train piece's settings."""
        options = {"arch": record["arguments"]["arch"], "objective": record["arguments"]["objective"],
                   **record["arguments"]["overrides"],
                   **{k: v for k, v in record["paths"].items() if k in ("lamem_root", "imagenet_root", "init_weights")}}
        flags = []
        for key, value in options.items():
            flag = "--" + key.replace("_", "-")
            if isinstance(value, bool):
                flags.append(flag if value else f"--no-{key.replace('_', '-')}")
            else:
                flags += [flag, shlex.quote(str(value))]
        return " ".join(["python -m brainscore_memorability_training train", *flags,
                         "--out-dir", f"runs/{record['arguments']['identifier']}"])


def analyse(config, out: Path, results: dict, prepared) -> Path:
    """Analyses, figures, CSV tables and the report from finished pieces (see :mod:`.study`)."""
    from brainscore_memorability import __version__
    from brainscore_memorability.analysis import figures, report, study
    from brainscore_memorability.benchmarks.temporal_it import PHASES as WINDOWS
    from brainscore_memorability.data.sample_world import NOTICE
    notice = NOTICE if config.simulated else None
    tables, figure_dir = out / "tables", out / "figures"
    commands = Commands(config, prepared.data, prepared.weights)
    main, joint = config.main_architecture, config.joint_architecture
    target, lamem_main = f"memnet-imagenet-{main}", f"memnet-lamem-{main}"

    def table(frame: pd.DataFrame, name: str) -> Path:
        return report.write_table(frame, tables / f"{name}.csv", config.simulated)

    per_neuron = pd.concat([pd.read_csv(f / "per_neuron.csv") for f in results["score"]], ignore_index=True)
    summaries = pd.DataFrame([json.loads((f / "summary.json").read_text()) for f in results["score"]])
    for frame in (per_neuron, summaries):
        frame["objective"] = frame["model"].str.split("-", n=2).str[1]
        frame["architecture"] = frame["model"].str.split("-", n=2).str[2]
    sections, comparisons_rows, claims = [], [], []

    def keep(comparisons):
        comparisons = list(comparisons)
        comparisons_rows.extend(c.row() for c in comparisons)
        return comparisons

    # training (sample): did the networks learn?
    if results.get("training"):
        records = {model: json.loads((folder / "piece.json").read_text()) for model, folder in results["training"].items()}
        trained = pd.DataFrame([json.loads((folder / "training.json").read_text())
                                for folder in results["training"].values()])
        order = ["model", "objective", "architecture", "started_from", "step", "train_loss", "imagenet_val_top1",
                 "chance_top1", "lamem_test_rho", "it_planted_rho"]
        trained = trained[[c for c in order if c in trained]]
        sections.append(report.Section(
            "Training the sample's networks: categorization, memorability and joint",
            "Every network of the sample, trained with the package's training code on the simulated world's "
            "ImageFolder (categorization: one output per class, chance top-1 = 100 / classes) and LaMem-layout "
            "folder (memorability). Memorability and joint networks start from the categorization network of "
            "their architecture, as the study's start from ImageNet weights. `it_planted_rho` checks the "
            "memorability head on the IT images, which no network was trained on.",
            markdown=[report.markdown_table(trained)], tables=[table(trained, "training")],
            columns=columns(trained), commands=[commands.train(records[m]) for m in trained["model"]]))

    # every model's % EV, early and late
    frame = summaries.rename(columns={"objective": "condition", "median_ev": "value"})[
        ["phase", "architecture", "condition", "value"]]
    over_architectures = _try_conditions(study, frame[frame["condition"].isin(["imagenet", "lamem"])], config)
    models_text = ", ".join(config.models())
    ev_summary = study.explained_variance_summary(per_neuron)
    sections.append(report.Section(
        f"Median % EV of every model on early and late IT ({models_text})",
        "Median over IT sites of the noise-corrected % EV (Kar lab definition) per model and phase. The figure "
        "joins each architecture's ImageNet-, LaMem- and (where trained) jointly-trained version; both phases "
        "share one y scale. The test pairs each architecture's memnet-lamem-* with its memnet-imagenet-* "
        "(paired t over architectures)." + _missing_note(over_architectures, config),
        figures=figures.paired_conditions(frame, OBJECTIVES, over_architectures, figure_dir / "ev_by_model",
                                          "Median % EV by training objective", "median % EV over IT sites", notice)[:1],
        tables=[table(frame, "ev_by_model"), table(per_neuron, "ev_per_neuron"), table(ev_summary, "ev_summary"),
                table(summaries, "scores")],
        columns=columns(frame, per_neuron, ev_summary, summaries),
        comparisons=keep(over_architectures.values()),
        commands=[commands.score(m, phase) for m in config.models() for phase in PHASES]))

    # layer-by-layer CKA by relative depth (Figure 1B)
    per_layer, depth = study.cka_depth_summary(pd.concat([pd.read_csv(f / "per_layer.csv") for f in results["cka"]]))
    archs = ", ".join(config.architectures)
    sections.append(report.Section(
        f"CKA between memnet-imagenet-X and memnet-lamem-X layer by layer, X in {archs} (Figure 1B)",
        "Linear CKA between the same layer of the two versions of each architecture on the IT images; the "
        "line is the mean over architectures, the band +-1 s.e.m. A command's CSV holds every layer pair; these "
        "numbers are its diagonal.",
        figures=figures.depth_profile(per_layer, depth, figure_dir / "fig1b_cka_depth", "Figure 1B", notice)[:1],
        tables=[table(per_layer, "cka_per_layer"), table(depth, "cka_by_depth")], columns=columns(per_layer, depth),
        commands=[commands.cka(arch) for arch in config.architectures]))

    # ANN-IT similarity (Figure 1C)
    frame = summaries[summaries["objective"].isin(["imagenet", "lamem"])].rename(
        columns={"objective": "condition", "ann_it_cka": "value"})[["phase", "architecture", "condition", "value"]]
    comparisons = _try_conditions(study, frame, config)
    sections.append(report.Section(
        f"ANN-IT similarity, memnet-lamem-X vs memnet-imagenet-X, X in {archs} (Figure 1C)",
        "Linear CKA between each model's IT-layer features and the repetition-averaged IT responses of the "
        "window, paired t-test over architectures." + _missing_note(comparisons, config),
        figures=figures.paired_conditions(frame, ("imagenet", "lamem"), comparisons, figure_dir / "fig1c_ann_it",
                                          "Figure 1C", "CKA(model IT layer, IT)", notice)[:1],
        tables=[table(frame, "fig1c_ann_it")], columns=columns(frame), comparisons=keep(comparisons.values())))

    def scatter(pairs: list[tuple[str, str]], stem: str, title: str, text: str) -> tuple[report.Section, dict]:
        panels, found = [], {}
        for model_a, model_b in pairs:
            for phase in PHASES:
                a, b, comparison = study.model_comparison(per_neuron, model_a, model_b, phase,
                                                          label=f"% EV, {model_b} - {model_a} ({phase})")
                found[(model_b, model_a, phase)] = comparison
                panels.append(figures.Panel(phase if len(pairs) == 1 else f"{phase}: {model_b} vs {model_a}",
                                            a, b, f"{model_a} % EV", f"{model_b} % EV", comparison))
        return report.Section(title, text, figures=figures.paired_scatter(panels, figure_dir / stem, title.split(" (")[0],
                                                                         notice)[:1],
                              comparisons=keep(p.comparison for p in panels),
                              commands=[commands.score(m, phase) for pair in pairs for m in pair for phase in PHASES]), found

    # per-site scatter, LaMem vs ImageNet (Figure 2A/C)
    section, ev_lamem = scatter([(target, lamem_main)], "fig2ac_ev_lamem_vs_imagenet",
                                f"Per-site % EV, {lamem_main} vs {target} (Figure 2A/C)",
                                f"One point per IT site; {lamem_main} minus {target}, paired t over sites.")
    sections.append(section)

    # unique variance (Figure 2B/D)
    unique = pd.concat([pd.read_csv(f / "per_neuron.csv") for f in results["unique"]], ignore_index=True)
    roles = unique_roles(config)
    lamem, control = roles["lamem"], roles["imagenet-heldout"]
    panels, extra, unique_claims = [], [], {}
    measure = study.UNIQUE_MEASURE
    for phase in PHASES:
        x, y, comparison = study.role_comparison(
            unique, phase, measure, ("imagenet-heldout", "lamem"),
            label=f"unique % variance beyond {target}: {lamem} - {control} ({phase})")
        unique_claims[phase] = comparison
        panels.append(figures.Panel(phase, x, y, f"unique % variance of {control} beyond {target}",
                                    f"unique % variance of {lamem} beyond {target}", comparison))
        extra.append(study.role_comparison(
            unique, phase, "partial_r_control", ("imagenet-heldout", "lamem"),
            label=f"uncorrected partial r beyond {target}: {lamem} - {control} ({phase})")[2])
        rows = unique[(unique["phase"] == phase) & (unique["role"] == "lamem")]
        extra.append(study.paired_comparison(0.0, rows[measure].to_numpy(),
                                             label=f"unique % variance of {lamem} beyond {target} - 0 ({phase})"))
    sections.append(report.Section(
        f"Unique variance beyond {target}: {lamem} vs the held-out {control} (Figure 2B/D)",
        f"Per IT site, what each control network's cross-validated prediction explains of the response beyond "
        f"{target}'s: the noise-corrected unique % variance (the partial correlation of the response and the "
        f"control's prediction given {target}'s, noise-corrected by the split-half reliability of what it "
        f"correlates: each half of the response and the control's predictions from each half, with {target}'s "
        f"prediction regressed out, so that the value does not fall with trial noise). The figure pairs, site by "
        f"site, the LaMem-trained {lamem} with the held-out ImageNet-trained {control}: a network trained for the "
        f"same task as {target} sets the baseline that any second network reaches by fitting noise differently. "
        f"The table adds the uncorrected partial r and the LaMem network's unique variance against 0.",
        figures=figures.paired_scatter(panels, figure_dir / "fig2bd_unique_variance",
                                       f"Unique variance beyond {target}", notice)[:1],
        tables=[table(unique, "unique_variance_per_neuron")], columns=columns(unique),
        comparisons=keep([p.comparison for p in panels] + extra),
        commands=[commands.unique(m, target, phase) for m in (lamem, control) for phase in PHASES]))

    # joint vs each single objective (Figure 3B/C)
    joint_model = f"memnet-joint-{joint}"
    section, ev_joint = scatter(
        [(f"memnet-imagenet-{joint}", joint_model), (f"memnet-lamem-{joint}", joint_model)],
        "fig3bc_ev_joint", f"Per-site % EV, {joint_model} vs memnet-imagenet-{joint} and vs memnet-lamem-{joint} "
                           f"(Figure 3B/C)",
        f"One point per IT site; {joint_model} minus each single-objective network of its architecture, "
        f"paired t over sites.")
    sections.append(section)

    if config.simulated:  # the claims, recovered, beside the planted truth
        shares = {phase: prepared.world.planted_shares(WINDOWS[phase]) for phase in PHASES}
        planted = pd.DataFrame([{"component": name, "early_share": shares["early"][name],
                                 "late_share": shares["late"][name]} for name in shares["early"]])

        def memorability(phase, without=""):
            """> 0 where the world plants memorability in ``phase``; else no advantage (CI not above 0),
            with ``without``: why the difference may fall below 0 when nothing is planted."""
            share = shares[phase]["memorability"]
            planted_text = f"memorability carries {share:.0%} of the {phase} explainable variance"
            return ("> 0", planted_text) if share > 0 else ("not > 0", f"{planted_text}: no advantage; {without}")
        baseline = (f"{lamem} is fine-tuned from {target} (shares its trunk) while the held-out {control} is "
                    f"trained on its own and adds features of its own, so without memorability the difference "
                    f"lies at or below 0")
        for phase in PHASES:
            claims.append(study.Claim(f"{lamem} explains more unique {phase} variance beyond {target} than the "
                                      f"held-out {control}", unique_claims[phase], *memorability(phase, baseline)))
        late = study.model_comparison(per_neuron, lamem_main, target, "late",
                                      label=f"% EV, {target} - {lamem_main} (late)")[2]
        claims.append(study.Claim(f"{target} predicts the late phase at least as well as {lamem_main}", late, ">= 0",
                                  f"category carries {shares['late']['category']:.0%} of the late explainable "
                                  f"variance, memorability {shares['late']['memorability']:.0%}"))
        claims.append(study.Claim(f"{joint_model} explains more early variance than memnet-imagenet-{joint}",
                                  ev_joint[(joint_model, f"memnet-imagenet-{joint}", "early")],
                                  *memorability("early", f"{joint_model} gives up some categorization accuracy "
                                                         f"(section 2) for a memorability head, which only costs it "
                                                         f"where IT carries no memorability")))
        claims.append(study.Claim(f"{joint_model} explains more early variance than memnet-lamem-{joint}",
                                  ev_joint[(joint_model, f"memnet-lamem-{joint}", "early")], "> 0",
                                  f"category carries {shares['early']['category']:.0%} of the early explainable "
                                  f"variance"))
        claim_rows = pd.DataFrame([{"claim": c.statement, "difference": c.comparison.difference,
                                    "ci_low": c.comparison.ci_low, "ci_high": c.comparison.ci_high,
                                    "p_value": c.comparison.p_value, "effect_size": c.comparison.effect_size,
                                    "expected": c.expected, "planted": c.planted, "holds": c.holds} for c in claims])
        shown = pd.DataFrame({"claim": claim_rows["claim"],
                              "recovered: difference [95 % CI]": [f"{c.comparison.difference:.3g} [{c.comparison.ci_low:.3g}, "
                                                                  f"{c.comparison.ci_high:.3g}]" for c in claims],
                              "effect size": [f"{c.comparison.effect_size_name} = {c.comparison.effect_size:.2f}"
                                              for c in claims],
                              "planted truth": claim_rows["planted"], "expected": claim_rows["expected"],
                              "holds": ["yes" if c.holds else "**no**" for c in claims]})
        shown_planted = planted.assign(early_share=[f"{v:.0%}" for v in planted["early_share"]],
                                       late_share=[f"{v:.0%}" for v in planted["late_share"]])
        sections.insert(0, report.Section(
            "The planted world and what the pipeline recovers",
            "The simulated IT responses are a sum of planted components (see `sample_world/world.json`). First "
            "table: the share of each window's explainable (noise-free) variance each component carries, the "
            "median over sites. Second: each claim of the study as the pipeline measured it (difference B - A, "
            "unique % variance or % EV, with its bootstrap CI and effect size), what the planted world makes "
            "true, and whether the recovered number shows it. Sections below hold the figures and tests.",
            markdown=[report.markdown_table(shown_planted), report.markdown_table(shown)],
            tables=[table(planted, "planted_shares"), table(claim_rows, "claims")],
            columns=columns(planted, claim_rows)))

    sections.extend(extended_sections(config, out, results.get("extended"), prepared, commands, notice, keep))
    statistics = pd.DataFrame(comparisons_rows)
    statistics_table = table(statistics, "statistics")
    details = {"config": config.name, "package version": __version__, "models": ", ".join(config.models()),
               "benchmarks": ", ".join(config.benchmarks.values()), "metric options": config.metric_options or "defaults",
               "all paired statistics": f"[{statistics_table.name}]({statistics_table.relative_to(out).as_posix()}) "
                                        f"(columns: " + "; ".join(f"`{k}` {v}" for k, v in columns(statistics).items()) + ")"}
    title = "Memorability-trained networks and macaque IT" + (f": SIMULATED SAMPLE ({config.name})" if config.simulated else "")
    return report.write_report(out / "report.md", title, sections, notice=notice, details=details)


def unique_roles(config) -> dict[str, str]:
    """The controls of Figure 2B/D for the main architecture's ImageNet-trained network."""
    return {"lamem": f"memnet-lamem-{config.main_architecture}",
            "imagenet-heldout": f"memnet-imagenet-{config.heldout_architecture}"}


def _try_conditions(study, table: pd.DataFrame, config) -> dict:
    """Paired comparisons (lamem - imagenet) over architectures, or {} with fewer than 3 architectures."""
    if len(config.architectures) < 3:
        return {}
    return study.condition_comparisons(table, ("imagenet", "lamem"))


def _missing_note(comparisons: dict, config) -> str:
    if comparisons:
        return ""
    return (f" Not tested here: a paired test over architectures needs at least 3, this config has "
            f"{len(config.architectures)} ({', '.join(config.architectures)}).")


def extended_sections(config, out: Path, extended: dict | None, prepared, commands: Commands, notice, keep) -> list:
    """The extended study's sections (:mod:`.extended`) from the extended stage's pieces
    (``extended``: :meth:`.pipeline.Extended.folders`); an analysis that did not run gets a section
    saying why. ``keep`` collects the paired comparisons for the statistics table."""
    from brainscore_memorability.analysis import extended as ext
    from brainscore_memorability.analysis.report import Section
    from brainscore_memorability.benchmarks.lamem import lamem_score
    from brainscore_memorability.benchmarks.temporal_it import PHASES as WINDOWS
    from brainscore_memorability.cli.magnitude import committed_it_layer
    if not extended:
        return []
    folders, notes, options, models = extended["folders"], extended["notes"], extended["options"], extended["models"]
    scope = (f" Models: {', '.join(models)}" + (" (the main architecture's networks only, for the sample's time "
                                                 "budget; the paper config: every model)." if options["models"] == "main"
                                                 else "."))
    sections = []
    reverse_options = config.metric_options | {k: v for k, v in options["reverse"].items()
                                                if k not in ("n_units", "unit_seed", "unpredicted_threshold")}
    per_unit = pd.concat([pd.read_csv(f / "per_unit.csv") for f in folders["reverse"].values()], ignore_index=True)
    summary = pd.concat([pd.read_csv(f / "summary.csv") for f in folders["reverse"].values()], ignore_index=True)
    section = ext.reverse_section(per_unit, summary, out, config.simulated, notice)
    section.text += (f"\n\nComputed from the IT-layer features the score pieces saved.{scope} Metric options: "
                     f"{reverse_options or 'the defaults'}; units: {options['reverse'].get('n_units', 'up to 1000')}.")
    section.commands = [commands.reverse(m, phase, reverse_options) for m in models for phase in PHASES]
    sections.append(section)

    lamem_options = options["lamem"]
    if "lamem" in folders:
        scores = {}
        for model, folder in folders["lamem"].items():
            record = json.loads((folder / "score.json").read_text())
            scores[model] = lamem_score(pd.read_csv(folder / "splits.csv"), record["max_train_images"],
                                        record["train_seed"])
        section = ext.lamem_section(scores, out, config.simulated, notice)
        splits = lamem_options.get("splits")
        section.text += (f"\n\n{scope.strip()} Splits: {splits or 'all 5'}"
                         + (" (the sample world has one LaMem split; the paper config scores all 5)." if splits else ".")
                         + (" The simulated LaMem scores carry rater noise whose split-half consistency is 0.68, "
                            "as LaMem's." if config.simulated else ""))
        first = next(iter(folders["lamem"].values()))
        root = json.loads((first / "piece.json").read_text())["paths"]["root"]
        section.commands = [commands.lamem(m, root, lamem_options) for m in models]
        keep(section.comparisons)
        sections.append(section)
    else:
        sections.append(Section("Human memorability (LaMem)", notes["lamem"] + " Give the LaMem folder to score it."))

    if "magnitude" in folders:
        table = pd.concat([pd.read_csv(folders["magnitude"][key] / "table.csv") for key in ["IT", *models]],
                          ignore_index=True)
        it_layers = {m: committed_it_layer(m) for m in models}
        comparisons = ext.magnitude.objective_comparisons(table, {m: l for m, l in it_layers.items() if l})
        section = ext.magnitude_section(table, comparisons, out, config.benchmarks["early"], config.simulated, notice)
        section.text += scope
        if config.simulated:
            world = prepared.world
            effect = world.config.weights[1] * world.config.magnitude_loading
            markdown, path, sentences = ext.planted_magnitude_table(table, world.planted_magnitude(WINDOWS["early"]),
                                                                    effect, out)
            section.markdown.append(markdown)
            section.tables.append(path)
            section.columns.update(sentences)
        section.commands = [commands.magnitude(models, options["magnitude"].get("n_resamples"))]
        keep(section.comparisons)
        sections.append(section)
    else:
        sections.append(Section("IT response magnitude and memorability", notes["magnitude"]))
    return sections
