"""``brainscore cka``: CKA of every layer of one model against every layer of another, or against IT.

Layers are read through the model's Brain-Score activations extractor (``model.activations_model``
and ``model.layers`` of a ``ModelCommitment``, as this package's zoo and brainscore-vision's
models provide), ``--layers-per-pass`` layers per pass over the images (default one), each kept
only as an images x images factor of its Gram matrix (:func:`..metrics.cka.gram_preserving`), so
memory holds one pass's activations at a time and the matrices do not grow with layer width.
Against IT (``--benchmark`` without ``--model-b``) the right-hand side is the benchmark's
repetition-averaged rates in its time window (the study's ANN-IT similarity).
"""
from pathlib import Path

from brainscore_memorability import atomic
from brainscore_memorability.cli import loading, terminal
from brainscore_memorability.errors import MemorabilityError

HELP = "CKA of each layer of a model against each layer of another model, or against IT data"


def add_arguments(parser):
    parser.add_argument("--model", required=True, help="model A (rows of the matrix)")
    parser.add_argument("--weights", metavar="PATH|random[:SEED]", help="weights of model A (this package's "
                        "models): a file, or random[:SEED] for the untrained network (default: registered weights)")
    parser.add_argument("--model-b", help="model B (columns); without it, the columns are the IT sites of --benchmark")
    parser.add_argument("--weights-b", metavar="PATH|random[:SEED]", help="weights of model B, as --weights; two "
                        "unseeded random networks of one architecture get different seeds (0 and 1)")
    parser.add_argument("--benchmark", help="one of this package's temporal IT benchmarks (e.g. Kar2019-IT-early): "
                        "its IT data (without --model-b) and its stimuli (without --stimuli)")
    parser.add_argument("--data", metavar="FILE.nc", help="the benchmark's data from this NetCDF")
    parser.add_argument("--stimuli", metavar="CSV|DIR", help="images: a stimulus CSV (stimulus_id[, filename]) or an "
                        "image folder, shown to the models as they are")
    parser.add_argument("--layers", nargs="+", help="layers of model A (default: the model's CKA layers)")
    parser.add_argument("--layers-b", nargs="+", help="layers of model B (default: its CKA layers)")
    parser.add_argument("--kernel", choices=("linear", "rbf"), default="linear")
    parser.add_argument("--rbf-threshold", type=float, default=1.0, help="RBF bandwidth = this x median distance")
    parser.add_argument("--debiased", action="store_true", help="unbiased HSIC estimator (values may be negative)")
    parser.add_argument("--batch-size", type=int, help="minibatch CKA over batches of at least this many images "
                        "(linear kernel, debiased)")
    parser.add_argument("--layers-per-pass", type=int, default=1, help="layers recorded per pass over the images "
                        "(default 1: least memory; more: fewer forward passes)")
    parser.add_argument("--output", required=True, help="the matrix as CSV (layers of A x layers of B)")
    parser.add_argument("--plot", help="a heat map of the matrix (PNG)")


def run(args) -> int:
    _check_arguments(args)
    loading.resolve_all([("model", args.model)] + [("model", args.model_b)] * bool(args.model_b)
                        + [("benchmark", args.benchmark)] * bool(args.benchmark))
    specs = [loading.ModelSpec(args.model, args.weights)]
    if args.model_b:
        specs.append(loading.ModelSpec(args.model_b, args.weights_b, "--model-b", "--weights-b"))
    specs, notes = loading.distinct_random_seeds(specs)
    for note in notes:
        terminal.stage(note)
    terminal.stage("building " + " and ".join(spec.identifier for spec in specs))
    models = loading.load_models(specs)  # both built and their weights checked before any extraction
    benchmark = None
    if args.benchmark:
        from brainscore_memorability.cli.partial_corr import load_temporal_benchmark
        benchmark = load_temporal_benchmark(args.benchmark, args.data)
    stimuli, source_degrees = _stimuli(args.stimuli, benchmark)
    layers_a = layer_representations(models[0], stimuli, args.layers, source_degrees, args.layers_per_pass)
    if args.model_b:
        layers_b = layer_representations(models[1], stimuli, args.layers_b, source_degrees, args.layers_per_pass)
    else:
        layers_b = {f"IT {benchmark.windows[0][0]}-{benchmark.windows[0][1]} ms": _neural(benchmark)}
    from brainscore_memorability.metrics.cka import cka_matrix
    terminal.stage(f"CKA of {len(layers_a)} x {len(layers_b)} layer pairs")
    matrix = cka_matrix(layers_a, layers_b, kernel=args.kernel, debiased=args.debiased or bool(args.batch_size),
                        rbf_threshold=args.rbf_threshold, batch_size=args.batch_size)
    table = matrix.to_pandas()
    labels = [model.identifier for model in models]  # the loaded identifiers: weights tags included
    table.index.name = f"{labels[0]} \\ {labels[1] if args.model_b else args.benchmark}"
    with atomic.atomic_path(args.output) as tmp:
        table.to_csv(tmp)
    terminal.wrote(args.output, f"{table.shape[0]} x {table.shape[1]}")
    if args.plot:
        heat_map(table, args.plot, labels[0], labels[1] if args.model_b else args.benchmark, matrix.attrs)
        terminal.wrote(args.plot)
    print(table.round(4).to_string())
    return 0


def _check_arguments(args):
    if not args.output.endswith(".csv"):
        raise MemorabilityError(f"--output '{args.output}' must end in .csv")
    if args.plot and not args.plot.endswith(".png"):
        raise MemorabilityError(f"--plot '{args.plot}' must end in .png")
    if not args.model_b and not args.benchmark:
        raise MemorabilityError("give --model-b (model vs model) or --benchmark (model vs IT)")
    if not args.stimuli and not args.benchmark:
        raise MemorabilityError("give the images: --stimuli CSV|DIR or --benchmark (its stimuli)")
    if args.data and not args.benchmark:
        raise MemorabilityError("--data needs --benchmark")
    for option in ("output", "plot"):  # before any activations: an unwritable path must not cost them
        if getattr(args, option):
            atomic.check_writable(getattr(args, option), f"--{option}")
    if args.stimuli and not Path(args.stimuli).exists():
        raise MemorabilityError(f"--stimuli '{args.stimuli}' does not exist: give a stimulus CSV or an image folder")


def _stimuli(spec, benchmark):
    """(StimulusSet, the images' visual degrees or None) from --stimuli or the benchmark."""
    if spec is None:
        return benchmark.assembly.stimulus_set, benchmark.visual_degrees
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    from brainscore_memorability.data.packaging import read_stimuli
    path = Path(spec)
    table = read_stimuli(csv=None if path.is_dir() else path, images=path if path.is_dir() else None)
    stimulus_set = StimulusSet(table.drop(columns=["local_path"]))
    stimulus_set.stimulus_paths = {sid: str(p) for sid, p in zip(table["stimulus_id"], table["local_path"])}
    stimulus_set.identifier = None  # no activation cache keyed on a folder whose content may change
    return stimulus_set, None


def layer_representations(model, stimuli, layers=None, source_degrees=None, layers_per_pass: int = 1) -> dict:
    """layer -> images x features (stimulus_id-labelled, at most images columns) of a Brain-Score model,
    recording ``layers_per_pass`` layers per pass over the images (one progress bar over the layers)."""
    import xarray as xr

    from brainscore_memorability.adapters import stimulus_features
    from brainscore_memorability.metrics.cka import gram_preserving
    extractor = getattr(model, "activations_model", None)
    layers = layers or getattr(model, "layers", None)
    if extractor is None or not layers:
        raise MemorabilityError(f"model '{model.identifier}' exposes no layer activations (activations_model and "
                                f"layers of a ModelCommitment): layer-wise CKA needs them")
    if source_degrees is not None:
        from brainscore_vision.benchmark_helpers.screen import place_on_screen
        stimuli = place_on_screen(stimuli, target_visual_degrees=model.visual_degrees(),
                                  source_visual_degrees=source_degrees)
    representations = {}
    with terminal.bar(len(layers), f"{model.identifier}: layers") as progress, terminal.hidden_bars("activations"):
        for start in range(0, len(layers), layers_per_pass):
            chunk = layers[start:start + layers_per_pass]
            activations = extractor(stimuli, layers=chunk)
            layer_of_column = activations["layer"].values
            for layer in chunk:
                values, stimulus_ids = stimulus_features(activations.isel(neuroid=layer_of_column == layer),
                                                         what=f"layer {layer} of {model.identifier}")
                representations[layer] = xr.DataArray(gram_preserving(values), dims=("presentation", "feature"),
                                                      coords={"stimulus_id": ("presentation", stimulus_ids)})
            progress.update(len(chunk))
    return representations


def _neural(benchmark):
    """The benchmark's IT sites: repetition-averaged rates in its window, images x sites (stimulus_id-labelled)."""
    import numpy as np
    import xarray as xr

    from brainscore_memorability.metrics.reliability import nanmean_quiet
    rates, stimulus_ids = benchmark.rates
    return xr.DataArray(nanmean_quiet(rates[..., 0], axis=2), dims=("presentation", "neuroid"),
                        coords={"stimulus_id": ("presentation", np.asarray(stimulus_ids))})


def heat_map(table, path, label_a: str, label_b: str, attrs: dict) -> None:
    """The CKA matrix as a heat map (rows: layers of A, columns: layers of B), written atomically."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows, columns = table.shape
    figure, axes = plt.subplots(figsize=(2 + 0.5 * columns + 2, 1.5 + 0.35 * rows))
    image = axes.imshow(table.values, vmin=min(0, float(table.values.min())), vmax=1, cmap="viridis", aspect="auto")
    axes.set_xticks(range(columns), table.columns, rotation=90, fontsize=7)
    axes.set_yticks(range(rows), table.index, fontsize=7)
    axes.set_xlabel(label_b)
    axes.set_ylabel(label_a)
    estimator = "debiased" if attrs["debiased"] else "biased"
    axes.set_title(f"CKA ({attrs['kernel']} kernel, {estimator}, {attrs['n_images']} images)", fontsize=9)
    figure.colorbar(image, ax=axes, label="CKA")
    figure.tight_layout()
    with atomic.atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=150)
    plt.close(figure)
