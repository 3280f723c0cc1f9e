"""`brainscore reproduce`: the whole study as cached pieces, then analyses, figures and a report.

Stages (each piece is a folder under ``OUT/pieces/`` written atomically: computed in a scratch
folder, renamed into place with a ``piece.json`` that records what it was computed from; a rerun
reuses every piece whose record matches, so an interrupted run continues where it stopped):

0. sample config only: build the simulated world (:mod:`brainscore_memorability.data.sample_world`)
   and train its networks with the real ``training`` package (categorization = the ``imagenet``
   objective on the world's ImageFolder, memorability = ``lamem`` on its LaMem-layout folder, and
   ``joint``), exported as safetensors under ``OUT/weights/``;
1. ``score``: every model on the early and late benchmark: the benchmark's Score (per-neuron % EV)
   and the model's IT features the benchmark saw (kept for the partial correlations);
   ``cka``: each architecture's ImageNet- vs LaMem-trained version, layer by layer, on the IT images;
2. ``unique``: the partial-correlation comparison per phase (needs stage 1's features);
3. analyses (:mod:`.study`), figures (:mod:`.figures`), tables and ``report.md`` (:mod:`.report`).

Pieces of a stage run in this process, in ``--jobs N`` worker processes, or as a SLURM job array
through submitit (``--slurm``); each writes its own folder, and the stage merges them by reading.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from brainscore_memorability import atomic
from brainscore_memorability.errors import DataError, MemorabilityError
from brainscore_memorability.hashing import file_digest

PHASES = ("early", "late")


@dataclass(frozen=True)
class StudyConfig:
    """What one run of the study computes. Models are ``memnet-<objective>-<arch>``."""
    name: str
    architectures: tuple[str, ...]  # each trained on ImageNet and on LaMem
    joint_architecture: str  # also trained jointly (Figure 3)
    main_architecture: str  # per-neuron figures (2 and 3) and the partial-correlation target
    heldout_architecture: str  # the held-out ImageNet-trained control of Figure 2B/D
    dataset: str = "Kar2019"  # a temporal IT dataset of benchmarks.temporal_it; phases early and late
    simulated: bool = False
    metric_options: dict = field(default_factory=dict)  # passed to the EV / unique-variance metrics
    training: dict = field(default_factory=dict)  # sample: TrainConfig overrides for every network
    world: dict = field(default_factory=dict)  # sample: WorldConfig fields

    @property
    def benchmarks(self) -> dict[str, str]:
        """phase -> benchmark identifier, e.g. {'early': 'Kar2019-IT-early', 'late': 'Kar2019-IT-late'}."""
        from brainscore_memorability.benchmarks.temporal_it import PHASES as WINDOWS, identifier
        return {phase: identifier(self.dataset, [WINDOWS[phase]]) for phase in PHASES}

    def models(self) -> list[str]:
        names = [f"memnet-{objective}-{arch}" for arch in self.architectures for objective in ("imagenet", "lamem")]
        return names + [f"memnet-joint-{self.joint_architecture}"]


CONFIGS = {
    "paper": StudyConfig(
        name="paper", architectures=("alexnet", "vgg16", "resnet18", "resnet50", "resnet101"),
        joint_architecture="resnet50", main_architecture="resnet50", heldout_architecture="resnet101"),
    "sample": StudyConfig(
        name="sample", architectures=("resnet18", "resnet50"), joint_architecture="resnet18",
        main_architecture="resnet18", heldout_architecture="resnet50", simulated=True,
        metric_options={"n_components": 10, "n_splits": 4},
        training={"image_size": 32, "max_steps": 60, "batch_size": 32, "optimizer": "adamw", "lr": 2e-3,
                  "weight_decay": 1e-4, "schedule": "cosine", "warmup_steps": 5, "workers": 0,
                  "device": "cpu", "amp": False, "channels_last": False, "progress": False,
                  "checkpoint_every": 100000, "log_every": 100000, "seed": 0}),
}


# ---------------------------------------------------------------- pieces
@dataclass(frozen=True)
class Piece:
    """One cacheable unit: ``kind`` in train | score | cka | unique, the arguments of its compute
    function, and ``inputs`` that identify what it reads (weights and data hashes) without being
    passed: a piece is reused only while its kind, arguments and inputs are unchanged."""
    kind: str
    name: str  # folder name under OUT/pieces
    arguments: dict
    inputs: dict = field(default_factory=dict)

    def fingerprint(self) -> str:
        text = json.dumps([self.kind, self.arguments, self.inputs], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def piece_folder(out: Path, piece: Piece) -> Path:
    return out / "pieces" / piece.name


def is_done(out: Path, piece: Piece) -> bool:
    record = piece_folder(out, piece) / "piece.json"
    return record.is_file() and json.loads(record.read_text(encoding="utf-8")).get("fingerprint") == piece.fingerprint()


def run_piece(out: str, piece: Piece) -> str:
    """Compute ``piece`` into a scratch folder and rename it into place (atomic); returns its folder.

    Top-level and picklable: it is what worker processes and SLURM tasks run.
    """
    out = Path(out)
    folder = piece_folder(out, piece)
    if is_done(out, piece):
        return str(folder)
    with atomic.scratch_dir(folder) as scratch:  # also removes a killed run's scratch of this piece
        COMPUTE[piece.kind](scratch, **piece.arguments)
        record = {"kind": piece.kind, "arguments": piece.arguments, "inputs": piece.inputs,
                  "fingerprint": piece.fingerprint()}
        (scratch / "piece.json").write_text(json.dumps(record, indent=2, default=str))
        if folder.exists():  # a stale piece (other inputs): replace it
            shutil.rmtree(folder)
        os.rename(scratch, folder)
    return str(folder)


def run_pieces(out: Path, pieces: list[Piece], jobs: int = 1, slurm: bool = False, stage: str = "") -> None:
    """Run the pieces not yet done: in this process, ``jobs`` processes, or a submitit job array."""
    todo = [p for p in pieces if not is_done(out, p)]
    reused = len(pieces) - len(todo)
    if reused:
        print(f"[{stage}] reusing {reused} finished piece(s) from {out / 'pieces'}", flush=True)
    if not todo:
        return
    from tqdm import tqdm
    progress = tqdm(total=len(todo), desc=stage, unit="piece", dynamic_ncols=True)
    if slurm:
        import submitit
        executor = submitit.AutoExecutor(folder=out / "slurm" / "%j")
        executor.update_parameters(timeout_min=240, cpus_per_task=4, mem_gb=32, name=f"reproduce-{stage}",
                                   **({"slurm_array_parallelism": jobs} if jobs > 1 else {}))
        submitted = executor.map_array(run_piece, [str(out)] * len(todo), todo)
        for job in submitted:
            job.result()  # raises with the task's traceback if it failed
            progress.update()
    elif jobs > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            for future in as_completed([pool.submit(run_piece, str(out), p) for p in todo]):
                future.result()
                progress.update()
    else:
        for piece in todo:
            progress.set_postfix_str(piece.name)
            run_piece(str(out), piece)
            progress.update()
    progress.close()


# ---------------------------------------------------------------- what pieces compute
def _train(scratch: Path, identifier: str, arch: str, objective: str, lamem_root: str, imagenet_root: str,
           overrides: dict) -> None:
    """Train one sample network with ``training`` and export ``<identifier>.safetensors`` (not
    registered in the user's manifest: simulated weights must never shadow real ones)."""
    from brainscore_memorability_training import load_config, train
    from brainscore_memorability_training.export import export
    config = load_config(None, arch=arch, objective=objective, lamem_root=lamem_root, imagenet_root=imagenet_root,
                         out_dir=str(scratch / "run"), source="brainscore reproduce --config sample (simulated data)",
                         **overrides)
    result = train(config)
    export(result.checkpoint, identifier, out=scratch / f"{identifier}.safetensors", register=False)
    pd.DataFrame(result.history).to_csv(scratch / "training_metrics.csv", index=False)
    shutil.rmtree(scratch / "run")


class Recorder:
    """A Brain-Score model that keeps what its last ``look_at`` returned (the features a benchmark
    scored), delegating everything else to the wrapped model."""

    def __init__(self, model):
        self._model, self.activations = model, None

    def __getattr__(self, name):
        return getattr(self._model, name)

    def look_at(self, stimuli, number_of_trials=1):
        self.activations = self._model.look_at(stimuli, number_of_trials=number_of_trials)
        return self.activations


def _benchmark(dataset: str, phase: str, data: str | None, metric_options: dict | None = None):
    """The real temporal IT benchmark of ``phase`` on ``data`` (a NetCDF; None: configured location)."""
    from brainscore_memorability.benchmarks.temporal_it import PHASES as WINDOWS, build
    return build(dataset, [WINDOWS[phase]], data=data, **(metric_options or {}))


def _load_model(identifier: str, weights: str | None):
    from brainscore_memorability.models import load_model
    return load_model(identifier, weights=weights)


def _score(scratch: Path, model: str, weights: str | None, dataset: str, data: str | None, phase: str,
           metric_options: dict) -> None:
    """Score ``model`` with the real benchmark of ``phase``; keep per-neuron values and features."""
    from brainscore_memorability.benchmarks.temporal_it import model_features
    from brainscore_memorability.metrics.cka import cka
    bench = _benchmark(dataset, phase, data, metric_options)
    benchmark = bench.identifier
    recorder = Recorder(_load_model(model, weights))
    score = bench(recorder)
    rates, stimulus_ids = bench.rates
    features = model_features(recorder.activations, stimulus_ids, bench.windows, 0)
    np.save(scratch / "features.npy", features.astype(np.float32))
    np.save(scratch / "stimulus_ids.npy", np.asarray(stimulus_ids).astype(str))
    pd.DataFrame({"model": model, "phase": phase, "benchmark": benchmark,
                  "neuroid_id": score.attrs["explained_variance"]["neuroid_id"].values,
                  "explained_variance": score.attrs["explained_variance"].values,
                  "r": score.attrs["raw"].attrs["raw"].values,
                  "neural_reliability": score.attrs["ceiling"].attrs["raw"].values,
                  "model_reliability": score.attrs["model_reliability"].values}).to_csv(scratch / "per_neuron.csv", index=False)
    response = np.nanmean(rates[..., 0], axis=2)
    summary = {"model": model, "model_identifier": recorder.identifier, "phase": phase, "benchmark": benchmark,
               "score": float(score.values), "error": float(score.attrs["error"].values),
               "median_ev": float(score.attrs["explained_variance_median"]),
               "ann_it_cka": float(cka(features, response))}
    (scratch / "summary.json").write_text(json.dumps(summary, indent=2))


def _layer_features(model, stimulus_set, layer: str) -> np.ndarray:
    from brainscore_memorability.adapters import stimulus_features
    activations = model.activations_model(stimulus_set, layers=[layer])
    return stimulus_features(activations, stimulus_set["stimulus_id"])[0]


def _cka(scratch: Path, architecture: str, models: dict, dataset: str, data: str | None) -> None:
    """Linear CKA between the ImageNet- and LaMem-trained version of ``architecture``, layer by layer
    (the architecture's CKA layers, input to output), on the benchmark's images."""
    from brainscore_memorability.metrics.cka import cka
    stimulus_set = _benchmark(dataset, "early", data).assembly.stimulus_set
    loaded = {objective: _load_model(name, weights) for objective, (name, weights) in models.items()}
    layers = list(loaded["imagenet"].zoo_network.cka_layers)
    rows = [{"architecture": architecture, "layer": layer, "layer_index": index, "n_layers": len(layers),
             "cka": cka(_layer_features(loaded["imagenet"], stimulus_set, layer),
                        _layer_features(loaded["lamem"], stimulus_set, layer))}
            for index, layer in enumerate(layers)]
    pd.DataFrame(rows).to_csv(scratch / "per_layer.csv", index=False)


def _unique(scratch: Path, out: str, target: str, controls: dict, phase: str, score_pieces: dict,
            dataset: str, data: str | None, metric_options: dict) -> None:
    """The partial-correlation comparison of one phase from the score pieces' features."""
    from brainscore_memorability.analysis.study import unique_variance_table
    bench = _benchmark(dataset, phase, data)
    rates, stimulus_ids = bench.rates
    features = {}
    for model, folder in score_pieces.items():
        folder = Path(out) / "pieces" / folder
        if np.load(folder / "stimulus_ids.npy").tolist() != [str(s) for s in stimulus_ids]:
            raise DataError(f"{folder}: features were computed on other images than {bench.identifier}'s; "
                                f"delete that folder and rerun")
        features[model] = np.load(folder / "features.npy").astype(float)
    from brainscore_memorability.adapters import with_groups
    from brainscore_memorability.metrics.explained_variance import explained_variance_details
    table = unique_variance_table(target, features, rates[..., 0], bench.assembly["neuroid_id"].values, controls,
                                  phase, **with_groups(explained_variance_details, metric_options, bench.groups))
    table.to_csv(scratch / "per_neuron.csv", index=False)


COMPUTE = {"train": _train, "score": _score, "cka": _cka, "unique": _unique}


# ---------------------------------------------------------------- the run
def _weights_tag(model: str) -> str:
    """The tag of the weights the zoo resolves for ``model`` (sha256 prefix or built-in name), so a
    piece is recomputed when the user's configured weights change; fails early, with the zoo's
    instructions, when a model has no weights."""
    from brainscore_memorability.models import identifiers, weights
    from brainscore_memorability.models.catalogue import get_architecture
    objective, arch = identifiers.parse(model)
    builtin = get_architecture(arch).imagenet_weights_tag() if objective == "imagenet" else None
    return weights.resolve(model, None, builtin=builtin).tag


def prepare_sample(config: StudyConfig, out: Path, jobs: int, slurm: bool) -> tuple[str, dict]:
    """Build the simulated world and train its networks; returns (assembly path, model -> weights)."""
    from brainscore_memorability.data import sample_world
    world = sample_world.build(out / "sample_world", sample_world.WorldConfig(**config.world))
    (out / "SIMULATED_DATA.txt").write_text(sample_world.NOTICE + "\n", encoding="utf-8")
    pieces = []
    for model in config.models():
        _, objective, arch = model.split("-", 2)
        pieces.append(Piece("train", f"train__{model}", {
            "identifier": model, "arch": arch, "objective": objective, "lamem_root": str(world.lamem_root),
            "imagenet_root": str(world.imagefolder_root),
            "overrides": config.training},
            inputs={"world": world.config.digest()}))
    run_pieces(out, pieces, jobs, slurm, stage="train")
    weights = {p.arguments["identifier"]: str(piece_folder(out, p) / f"{p.arguments['identifier']}.safetensors")
               for p in pieces}
    return str(world.assembly), weights


def run(config: StudyConfig, out, data: str | None = None, jobs: int = 1, slurm: bool = False) -> Path:
    """Run the study ``config`` into ``out``; returns the report's path. ``data``: the IT NetCDF
    (paper config; default: the dataset's configured location). Reruns reuse finished pieces."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if config.simulated:
        if data is not None:
            raise MemorabilityError("--data applies to the paper config; the sample builds its own simulated data")
        data, weights = prepare_sample(config, out, jobs, slurm)
    else:
        weights = {model: None for model in config.models()}
    data_inputs = {"data": file_digest(data) if data else "configured location"}
    fingerprints = {model: file_digest(path) if path else _weights_tag(model) for model, path in weights.items()}

    score_pieces = {(model, phase): Piece(
        "score", f"score__{model}__{phase}",
        {"model": model, "weights": weights[model], "dataset": config.dataset, "data": data, "phase": phase,
         "metric_options": config.metric_options}, inputs={"weights": fingerprints[model], **data_inputs})
        for model in config.models() for phase in PHASES}
    cka_pieces = [Piece("cka", f"cka__{arch}", {
        "architecture": arch, "dataset": config.dataset, "data": data,
        "models": {objective: (f"memnet-{objective}-{arch}", weights[f"memnet-{objective}-{arch}"])
                   for objective in ("imagenet", "lamem")}},
        inputs={objective: fingerprints[f"memnet-{objective}-{arch}"] for objective in ("imagenet", "lamem")} | data_inputs)
        for arch in config.architectures]
    run_pieces(out, list(score_pieces.values()) + cka_pieces, jobs, slurm, stage="score")

    roles = unique_roles(config)
    target = f"memnet-imagenet-{config.main_architecture}"
    unique_pieces = [Piece("unique", f"unique__{target}__{phase}", {
        "out": str(out), "target": target, "controls": roles, "phase": phase, "dataset": config.dataset, "data": data,
        "metric_options": config.metric_options,
        "score_pieces": {m: score_pieces[(m, phase)].name for m in [target, *roles.values()]}},
        inputs={m: score_pieces[(m, phase)].fingerprint() for m in [target, *roles.values()]})
        for phase in PHASES]
    run_pieces(out, unique_pieces, jobs, slurm, stage="unique")

    results = {"score": [piece_folder(out, p) for p in score_pieces.values()],
               "cka": [piece_folder(out, p) for p in cka_pieces],
               "unique": [piece_folder(out, p) for p in unique_pieces]}
    return analyse(config, out, results)


def unique_roles(config: StudyConfig) -> dict[str, str]:
    """The controls of Figure 2B/D for the main architecture's ImageNet-trained network."""
    return {"lamem": f"memnet-lamem-{config.main_architecture}",
            "imagenet-heldout": f"memnet-imagenet-{config.heldout_architecture}"}


def analyse(config: StudyConfig, out: Path, results: dict) -> Path:
    """Analyses, figures, CSV tables and the report from finished pieces (see :mod:`.study`)."""
    from brainscore_memorability import __version__
    from brainscore_memorability.analysis import figures, report, study
    from brainscore_memorability.data.sample_world import NOTICE
    notice = NOTICE if config.simulated else None
    tables, figure_dir = out / "tables", out / "figures"

    def table(frame: pd.DataFrame, name: str) -> Path:
        return report.write_table(frame, tables / f"{name}.csv", config.simulated)

    per_neuron = pd.concat([pd.read_csv(f / "per_neuron.csv") for f in results["score"]], ignore_index=True)
    summaries = pd.DataFrame([json.loads((f / "summary.json").read_text()) for f in results["score"]])
    per_neuron["architecture"] = per_neuron["model"].str.split("-", n=2).str[2]
    per_neuron["objective"] = per_neuron["model"].str.split("-", n=2).str[1]
    summaries["architecture"] = summaries["model"].str.split("-", n=2).str[2]
    summaries["objective"] = summaries["model"].str.split("-", n=2).str[1]
    sections, comparisons_rows = [], []

    def keep(comparisons):
        comparisons = list(comparisons)
        comparisons_rows.extend(c.row() for c in comparisons)
        return comparisons

    def by_condition(title: str, text: str, value: str, stem: str, ylabel: str, tables: list) -> report.Section:
        """A section pairing each architecture's ImageNet- and LaMem-trained value of ``value``."""
        rows = summaries[summaries["objective"].isin(["imagenet", "lamem"])]
        frame = rows.rename(columns={"objective": "condition", value: "value"})[["phase", "architecture", "condition", "value"]]
        comparisons = _try_conditions(study, frame)
        return report.Section(
            title, text + _missing_note(comparisons, config),
            figures=figures.paired_conditions(frame, ("imagenet", "lamem"), comparisons, figure_dir / stem,
                                              title.split(" (")[0], ylabel, notice)[:1],
            tables=[table(frame, stem)] + tables, comparisons=keep(comparisons.values()))

    # 1. every model's % EV, early and late
    sections.append(by_condition(
        "% explained variance of every model, early and late IT",
        "Median over IT sites of the noise-corrected % EV (Kar lab definition) per model and phase; the "
        "figure pairs each architecture's ImageNet- and LaMem-trained versions, paired t-test over architectures.",
        "median_ev", "ev_by_model", "median % EV",
        [table(per_neuron, "ev_per_neuron"), table(study.explained_variance_summary(per_neuron), "ev_summary"),
         table(summaries, "scores")]))

    # 2. layer-by-layer CKA by relative depth (Figure 1B)
    per_layer, depth = study.cka_depth_summary(pd.concat([pd.read_csv(f / "per_layer.csv") for f in results["cka"]]))
    sections.append(report.Section(
        "CKA between ImageNet- and LaMem-trained networks by relative depth (Figure 1B)",
        "Linear CKA between the same layer of the two versions of each architecture on the IT images; the "
        "line is the mean over architectures, the band +-1 s.e.m.",
        figures=figures.depth_profile(per_layer, depth, figure_dir / "fig1b_cka_depth", "Figure 1B", notice)[:1],
        tables=[table(per_layer, "cka_per_layer"), table(depth, "cka_by_depth")]))

    # 3. ANN-IT similarity (Figure 1C)
    sections.append(by_condition(
        "ANN-IT representational similarity, ImageNet- vs LaMem-trained (Figure 1C)",
        "Linear CKA between each model's IT-layer features and the repetition-averaged IT responses of the "
        "window, paired t-test over architectures.", "ann_it_cka", "fig1c_ann_it", "CKA(model IT layer, IT)", []))

    def ev_scatter(title: str, stem: str, model_a: str, model_b: str) -> report.Section:
        panels = []
        for phase in PHASES:
            a, b, comparison = study.model_comparison(per_neuron, model_a, model_b, phase)
            panels.append(figures.Panel(phase, a, b, f"{model_a} % EV", f"{model_b} % EV", comparison))
        return report.Section(
            title, f"One point per IT site; {model_b} minus {model_a}, paired over sites.",
            figures=figures.paired_scatter(panels, figure_dir / stem, title.split(" (")[0], notice)[:1],
            comparisons=keep(p.comparison for p in panels))

    # 4. per-neuron scatter, LaMem vs ImageNet (Figure 2A/C)
    main, joint = config.main_architecture, config.joint_architecture
    sections.append(ev_scatter("Per-neuron % EV, LaMem- vs ImageNet-trained (Figure 2A/C)",
                               "fig2ac_ev_lamem_vs_imagenet", f"memnet-imagenet-{main}", f"memnet-lamem-{main}"))

    # 5. partial-correlation comparison (Figure 2B/D)
    unique = pd.concat([pd.read_csv(f / "per_neuron.csv") for f in results["unique"]], ignore_index=True)
    target = f"memnet-imagenet-{main}"
    roles = unique_roles(config)
    panels, extra = [], []
    for phase in PHASES:
        x, y, comparison = study.role_comparison(unique, phase, "partial_r_control", ("imagenet-heldout", "lamem"))
        panels.append(figures.Panel(phase, x, y, f"partial r of {roles['imagenet-heldout']} given {target}",
                                    f"partial r of {roles['lamem']} given {target}", comparison))
        extra.append(study.role_comparison(unique, phase, "partial_r_target", ("imagenet-heldout", "lamem"))[2])
        rows = unique[(unique["phase"] == phase) & (unique["role"] == "lamem")]
        extra.append(study.paired_comparison(0.0, rows["partial_r_control"].to_numpy(),
                                             label=f"partial r of {roles['lamem']} given {target} vs 0 ({phase})"))
    sections.append(report.Section(
        "Unique variance: partial correlations controlling for LaMem- vs held-out ImageNet-trained predictions "
        "(Figure 2B/D)",
        f"Per IT site, partial correlation between the response and one network's cross-validated prediction "
        f"controlling for another's. Figure: what the LaMem-trained network ({roles['lamem']}) explains beyond the "
        f"ImageNet-trained {target}, against what a held-out ImageNet-trained network "
        f"({roles['imagenet-heldout']}) explains beyond it. Table rows also give {target}'s own partial "
        f"correlation controlling for each (partial_r_target) and the LaMem network's unique partial r against 0.",
        figures=figures.paired_scatter(panels, figure_dir / "fig2bd_partial_correlation",
                                       "Unique partial correlation beyond the ImageNet-trained network", notice)[:1],
        tables=[table(unique, "partial_correlation_per_neuron")],
        comparisons=keep([p.comparison for p in panels] + extra)))

    # 6. joint vs ImageNet (Figure 3B/C)
    sections.append(ev_scatter("Joint vs ImageNet-trained % EV (Figure 3B/C)", "fig3bc_ev_joint_vs_imagenet",
                               f"memnet-imagenet-{joint}", f"memnet-joint-{joint}"))

    statistics_table = table(pd.DataFrame(comparisons_rows), "statistics")
    details = {"config": config.name, "package version": __version__, "models": ", ".join(config.models()),
               "benchmarks": ", ".join(config.benchmarks.values()), "metric options": config.metric_options or "defaults",
               "all paired statistics": f"[{statistics_table.name}]({statistics_table.relative_to(out).as_posix()})"}
    title = "Memorability-trained networks and macaque IT" + (": SIMULATED SAMPLE" if config.simulated else "")
    return report.write_report(out / "report.md", title, sections, notice=notice, details=details)


def _try_conditions(study, table: pd.DataFrame) -> dict:
    """Paired comparisons over architectures, or {} when there are too few architectures to pair."""
    try:
        return study.condition_comparisons(table, ("imagenet", "lamem"))
    except DataError:
        return {}


def _missing_note(comparisons: dict, config: StudyConfig) -> str:
    if comparisons:
        return ""
    return (f" Not tested here: a paired test over architectures needs at least 3, this config has "
            f"{len(config.architectures)}.")
