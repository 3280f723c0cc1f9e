"""``brainscore magnitude``: IT and model-layer response magnitude against image memorability.

For the images of one temporal IT benchmark (e.g. Kar2019-IT-early), the Spearman correlation
across images between memorability and the population response magnitude (L2 norm of the
response vector) of each layer of each ``--model`` and of the IT sites in the benchmark's window
(:mod:`brainscore_memorability.analysis.magnitude`, after Jaegle et al. 2019). Memorability:
``--memorability SCORES.csv`` (columns stimulus_id, memorability), or the predictions of
``--memorability-model`` (resmem, or a memnet-lamem-*/memnet-joint-* head), or else the stimulus
set's own ``memorability`` column (the simulated sample has one). Writes the table (CSV), the
figure (PNG and PDF) and, when the models include ImageNet- and LaMem- or joint-trained versions
of at least 3 architectures, their paired comparison (CSV beside the table).
"""
from pathlib import Path

from brainscore_memorability import atomic
from brainscore_memorability.errors import DataError, MemorabilityError

HELP = "correlate IT's and each model layer's response magnitude with image memorability (Jaegle et al. 2019)"


def add_arguments(parser):
    parser.add_argument("--model", nargs="+", required=True, help="one or more models (one line each in the figure)")
    parser.add_argument("--benchmark", required=True, help="one of this package's temporal IT benchmarks "
                        "(e.g. Kar2019-IT-early): its images, and its IT rates in its window")
    parser.add_argument("--data", metavar="FILE.nc", help="the benchmark's data from this NetCDF")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--memorability", metavar="SCORES.csv", help="human memorability: a CSV with columns "
                        "stimulus_id and memorability, one row per image of the benchmark")
    source.add_argument("--memorability-model", metavar="MODEL", help="predict memorability with this model's "
                        "memorability head (resmem, memnet-lamem-*, memnet-joint-*), as Jaegle et al. used MemNet's")
    parser.add_argument("--layers", nargs="+", help="layers to record (default: each model's CKA layers)")
    parser.add_argument("--layers-per-pass", type=int, default=1, help="layers recorded per pass over the images "
                        "(default 1: least memory; more: fewer forward passes), as in `brainscore cka`")
    parser.add_argument("--bootstrap", type=int, default=9999, help="bootstrap resamples of the CIs (default 9999)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    parser.add_argument("--output", required=True, help="the table (.csv): one row per model layer, and IT")
    parser.add_argument("--plot", help="the figure: PNG path (a PDF is written beside it)")


def run(args) -> int:
    import pandas as pd
    from rich.console import Console

    from brainscore_memorability.analysis import magnitude
    from brainscore_memorability.cli import loading
    from brainscore_memorability.cli.cka import layer_representations
    from brainscore_memorability.cli.partial_corr import load_temporal_benchmark
    if not args.output.endswith(".csv"):
        raise MemorabilityError(f"--output '{args.output}' must end in .csv")
    if args.plot and not args.plot.endswith(".png"):
        raise MemorabilityError(f"--plot '{args.plot}' must end in .png")
    console = Console(stderr=True)
    benchmark = load_temporal_benchmark(args.benchmark, args.data)
    rates, stimulus_ids = benchmark.rates
    stimuli = benchmark.assembly.stimulus_set
    with console.status("memorability of the images"):
        memorability = memorability_scores(stimuli, stimulus_ids, args.memorability, args.memorability_model)
    options = {"n_resamples": args.bootstrap, "seed": args.seed}
    tables = [magnitude.it_row(rates[..., 0], memorability, benchmark.windows[0], **options)]
    it_layers = {}
    built = loading.load_models([loading.ModelSpec(model, None) for model in args.model])  # all before recording
    for model, brain_model in zip(args.model, built):
        layers = layer_representations(brain_model, stimuli, args.layers, benchmark.visual_degrees, args.layers_per_pass)
        tables.append(magnitude.magnitude_table({layer: in_order(values, stimulus_ids) for layer, values in layers.items()},
                                                memorability, model, **options))
        it_layers[model] = committed_it_layer(model)
    table = pd.concat(tables, ignore_index=True)
    write_csv(table, args.output)
    console.print(f"wrote {args.output}")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    comparisons = comparisons_for(table, it_layers, args.seed)
    if comparisons:
        path = Path(args.output).with_name(Path(args.output).stem + "_comparisons.csv")
        write_csv(pd.DataFrame([c.row() for c in comparisons]), path)
        console.print(f"wrote {path}")
        print(pd.DataFrame([c.row() for c in comparisons])[["label", "n", "difference", "ci_low", "ci_high",
                                                             "p_value"]].to_string(index=False))
    if args.plot:
        notice = "SIMULATED DATA" if benchmark.assembly.attrs.get("simulated") == "yes" else None
        written = magnitude.depth_figure(table, Path(args.plot).with_suffix(""), f"Response magnitude vs memorability, "
                                         f"{args.benchmark}", notice=notice)
        console.print("wrote " + ", ".join(str(p) for p in written))
    return 0


def memorability_scores(stimuli, stimulus_ids, csv=None, model=None):
    """Memorability per image in ``stimulus_ids`` order (numpy, images,), from the CSV, the model's
    predictions or the stimulus set's ``memorability`` column (module docstring)."""
    import numpy as np
    import pandas as pd
    if model:
        from brainscore_memorability.models import predict_memorability
        from brainscore_memorability.registry import resolve
        resolve("model", model)
        return predict_memorability(model, [stimuli.get_stimulus(s) for s in stimulus_ids])
    if csv:
        try:
            table = pd.read_csv(csv)
        except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
            raise DataError(f"--memorability '{csv}' cannot be read as CSV: {error}") from None
        if not {"stimulus_id", "memorability"} <= set(table.columns):
            raise DataError(f"--memorability '{csv}' needs columns stimulus_id and memorability, has {list(table.columns)}")
        source = f"--memorability '{csv}'"
    elif "memorability" in stimuli.columns:
        table, source = stimuli, "the stimulus set's memorability column"
    else:
        raise DataError("the benchmark's images have no memorability scores: give --memorability SCORES.csv "
                        "or --memorability-model resmem")
    scores = pd.Series(pd.to_numeric(table["memorability"], errors="coerce").to_numpy(),
                       index=table["stimulus_id"].astype(str)).groupby(level=0).first()
    missing = pd.Index([str(s) for s in stimulus_ids]).difference(scores.dropna().index)
    if len(missing):
        raise DataError(f"{source}: no numeric memorability for {len(missing)} of the benchmark's images, "
                        f"e.g. {list(missing[:3])}")
    return scores.loc[[str(s) for s in stimulus_ids]].to_numpy(dtype=np.float64)


def in_order(representation, stimulus_ids):
    """A presentation x feature array with a ``stimulus_id`` coord as images (``stimulus_ids``
    order, repeated presentations averaged) x features."""
    import pandas as pd
    frame = pd.DataFrame(representation.values).groupby(representation["stimulus_id"].values).mean()
    return frame.loc[list(stimulus_ids)].to_numpy()


def committed_it_layer(model: str) -> str | None:
    """The layer this package's zoo commits to IT for ``model`` (None for other models)."""
    from brainscore_memorability.models.catalogue import ARCHITECTURES
    from brainscore_memorability.models.identifiers import parse
    try:
        return ARCHITECTURES[parse(model)[1]].regions["IT"]
    except MemorabilityError:
        return None


def comparisons_for(table, it_layers: dict, seed: int) -> list:
    """The paired LaMem/joint vs ImageNet comparisons where the models allow them (else [])."""
    from brainscore_memorability.analysis.magnitude import objective_comparisons
    ours = {model: layer for model, layer in it_layers.items() if layer is not None}
    return objective_comparisons(table, ours, seed=seed) if ours else []


def write_csv(table, path) -> None:
    with atomic.atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)
