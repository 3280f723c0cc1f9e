"""``brainscore score``: score any Brain-Score model on any benchmark, ours or brainscore-vision's."""
import shlex

from brainscore_memorability import atomic, results
from brainscore_memorability.cli import metric_options, terminal
from brainscore_memorability.cli.loading import resolve_all
from brainscore_memorability.errors import MemorabilityError, UsageError

HELP = "score a model on a benchmark and print (and optionally save) the result"


def add_arguments(parser):
    parser.add_argument("--model", required=True, help="model identifier (`brainscore list models --all`)")
    parser.add_argument("--benchmark", required=True, help="benchmark identifier (`brainscore list benchmarks --all`)")
    parser.add_argument("--output", help="write the result to this .json or .csv file (atomically)")
    parser.add_argument("--weights", metavar="PATH|random[:SEED]", help="our models (memnet-*, resmem): score with "
                        "this weights file, or random[:SEED] for the untrained network initialised from SEED "
                        "(default 0) (default: registered weights)")
    parser.add_argument("--data", metavar="FILE.nc|DIR", help="our temporal IT and reverse benchmarks: score on "
                        "this NetCDF (from `brainscore package-data`) instead of the configured data; "
                        "LaMem-memorability: the LaMem folder (images/ and splits/)")
    parser.add_argument("--window", nargs="+", type=int, metavar="MS", help="our temporal IT benchmarks: "
                        "START END for one window, START END STEP for a time course of STEP-ms windows (ms)")
    metric_options.add_arguments(parser)
    parser.add_argument("--lamem-split", type=int, choices=range(1, 6), metavar="K", help="LaMem-memorability: "
                        "score on LaMem split K only (default: all 5, averaged)")
    parser.add_argument("--lamem-max-train", type=int, metavar="N", help="LaMem-memorability: use at most N "
                        "training images per split, drawn with --lamem-seed (for machines without a GPU)")
    parser.add_argument("--lamem-seed", type=int, help="LaMem-memorability: seed of the training-image "
                        "draw and of the penalty's cross-validation folds (default 0)")



def command_line(model: str, benchmark: str, data=None, windows=None, weights=None, output=None,
                 **options) -> str:
    """The exact ``brainscore score ...`` command for these arguments and metric options
    (keywords of ``explained_variance_details``, e.g. n_components=10, n_splits=4), shell-quoted.
    ``windows``: (START, END) or (START, END, STEP) in ms."""
    parts = ["brainscore", "score", "--model", model, "--benchmark", benchmark]
    parts += ["--weights", str(weights)] if weights else []
    parts += ["--data", str(data)] if data else []
    parts += ["--window", *map(str, windows)] if windows else []
    parts += metric_options.as_flags(options)
    parts += ["--output", str(output)] if output else []
    return shlex.join(parts)


def score(model_identifier: str, benchmark_identifier: str, data=None, windows=None, options=None,
          **lamem_options):
    """Load both through brainscore_vision's loaders and score; returns the Brain-Score ``Score``,
    with the scored model's identifier (weights tag included) in ``attrs['model_identifier']``.

    ``data`` (a NetCDF, or the LaMem folder), ``windows`` ([(start_ms, end_ms)]) and metric
    ``options`` (keywords of ``explained_variance_details``) rebuild one of our benchmarks with them;
    ``lamem_options`` (splits, max_train_images, train_seed) rebuild LaMem-memorability.

    Unlike ``brainscore_vision.score`` this writes nothing (no pickle into site-packages).
    """
    return scored(*load(model_identifier, benchmark_identifier, data, windows, options, **lamem_options))


def load(model_identifier: str, benchmark_identifier: str, data=None, windows=None, options=None,
         **lamem_options):
    """(model, benchmark) as :func:`score` uses them. Our temporal IT benchmarks read and check their
    data here, so that a bad file or window stops before the model is built or shown anything."""
    import brainscore_memorability  # noqa: F401  (registers our identifiers)
    import brainscore_vision
    resolve_all([("model", model_identifier), ("benchmark", benchmark_identifier)])
    if data or windows or options or lamem_options:
        from brainscore_memorability.benchmarks import rebuild
        benchmark = rebuild(benchmark_identifier, data=data, windows=windows, metric_options=options,
                            **lamem_options)
    else:
        benchmark = brainscore_vision.load_benchmark(benchmark_identifier)
    getattr(benchmark, "rates", None)  # our benchmarks: the windowed rates (data and windows checked)
    return brainscore_vision.load_model(model_identifier), benchmark


def scored(model, benchmark):
    """The benchmark's Score of the model, naming the loaded model (weights tag included) in its attrs."""
    from brainscore_core.benchmarks import score_benchmark
    result = score_benchmark(benchmark, model)
    result.attrs["model_identifier"] = getattr(model, "identifier", None) or "unknown"
    return result


def lamem_options(args) -> dict:
    """The --lamem-* options that were given, as LaMem-memorability's build arguments."""
    options = {"splits": [args.lamem_split] if args.lamem_split else None, "max_train_images": args.lamem_max_train,
               "train_seed": args.lamem_seed}
    return {key: value for key, value in options.items() if value is not None}


def run(args) -> int:
    if args.output and not args.output.endswith((".json", ".csv")):
        raise MemorabilityError(f"--output '{args.output}' must end in .json or .csv")
    if args.window and len(args.window) not in (2, 3):
        raise UsageError(f"--window takes START END or START END STEP (ms), not {' '.join(map(str, args.window))}")
    if args.output:  # before scoring: a read-only folder must not cost a whole score
        atomic.check_writable(args.output, "--output")
    from brainscore_memorability.benchmarks.temporal_it import time_course
    windows = None if not args.window else [tuple(args.window)] if len(args.window) == 2 else time_course(*args.window)
    options = metric_options.from_args(args)
    resolve_all([("model", args.model), ("benchmark", args.benchmark)])
    if args.weights:  # the model factory reads them from the model's weights environment variable
        from brainscore_memorability.models.weights import use_weights
        use_weights(args.model, args.weights)
    model, benchmark = load(args.model, args.benchmark, data=args.data, windows=windows, options=options,
                              **lamem_options(args))
    terminal.one_bar_per_stage()
    terminal.stage(f"scoring {args.model} on {args.benchmark}: extracting activations, then fitting")
    result = scored(model, benchmark)
    model = result.attrs["model_identifier"]  # with its weights tag: a random control is not a trained model
    label = args.benchmark + (f"@{args.window[0]}-{args.window[1]}ms" if args.window else "") + (
        f"/{args.window[2]}ms" if args.window and len(args.window) == 3 else "")
    rows = [results.score_row(result, model, label)] + [  # one row per window of a time course
        results.score_row(w, model, f"{args.benchmark}@{w.attrs['window'][0]}-{w.attrs['window'][1]}ms")
        for w in result.attrs.get("windows", [])]
    print(results.format_table(rows))
    if "splits" in result.attrs:  # LaMem-memorability: one row per split (rho, head_rho, alpha, images)
        print(result.attrs["splits"].to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    if args.output:
        terminal.wrote(results.write_rows(rows, args.output))
    return 0
