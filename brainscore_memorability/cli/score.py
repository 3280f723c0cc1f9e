"""``brainscore score``: score any Brain-Score model on any benchmark, ours or brainscore-vision's."""
from brainscore_memorability import registry, results
from brainscore_memorability.errors import MemorabilityError

HELP = "score a model on a benchmark and print (and optionally save) the result"


def add_arguments(parser):
    parser.add_argument("--model", required=True, help="model identifier (`brainscore list models --all`)")
    parser.add_argument("--benchmark", required=True, help="benchmark identifier (`brainscore list benchmarks --all`)")
    parser.add_argument("--output", help="write the result to this .json or .csv file (atomically)")
    parser.add_argument("--weights", metavar="PATH|random", help="our models (memnet-*, resmem): score with "
                        "this weights file, or 'random' for the untrained network (default: registered weights)")
    parser.add_argument("--data", metavar="FILE.nc|DIR", help="our temporal IT and reverse benchmarks: score on "
                        "this NetCDF (from `brainscore package-data`) instead of the configured data; "
                        "LaMem-memorability: the LaMem folder (images/ and splits/)")
    parser.add_argument("--window", nargs="+", type=int, metavar="MS", help="our temporal IT benchmarks: "
                        "START END for one window, START END STEP for a time course of STEP-ms windows (ms)")
    parser.add_argument("--lamem-split", type=int, choices=range(1, 6), metavar="K", help="LaMem-memorability: "
                        "score on LaMem split K only (default: all 5, averaged)")
    parser.add_argument("--lamem-max-train", type=int, metavar="N", help="LaMem-memorability: use at most N "
                        "training images per split, drawn with --lamem-seed (for machines without a GPU)")
    parser.add_argument("--lamem-seed", type=int, help="LaMem-memorability: seed of the training-image "
                        "draw and of the penalty's cross-validation folds (default 0)")


def score(model_identifier: str, benchmark_identifier: str, data=None, windows=None, **lamem_options):
    """Load both through brainscore_vision's loaders and score; returns the Brain-Score ``Score``.

    ``data`` (a NetCDF, or the LaMem folder) and ``windows`` ([(start_ms, end_ms)]) rebuild one of
    our benchmarks on that data and those windows; ``lamem_options`` (splits, max_train_images,
    train_seed) rebuild LaMem-memorability.

    Unlike ``brainscore_vision.score`` this writes nothing (no pickle into site-packages).
    """
    import brainscore_memorability  # noqa: F401  (registers our identifiers)
    import brainscore_vision
    from brainscore_core.benchmarks import score_benchmark
    registry.resolve("model", model_identifier)
    registry.resolve("benchmark", benchmark_identifier)
    model = brainscore_vision.load_model(model_identifier)
    if data or windows or lamem_options:
        from brainscore_memorability.benchmarks import rebuild
        benchmark = rebuild(benchmark_identifier, data=data, windows=windows, **lamem_options)
    else:
        benchmark = brainscore_vision.load_benchmark(benchmark_identifier)
    return score_benchmark(benchmark, model)


def lamem_options(args) -> dict:
    """The --lamem-* options that were given, as LaMem-memorability's build arguments."""
    options = {"splits": [args.lamem_split] if args.lamem_split else None, "max_train_images": args.lamem_max_train,
               "train_seed": args.lamem_seed}
    return {key: value for key, value in options.items() if value is not None}


def run(args) -> int:
    from rich.console import Console
    if args.output and not args.output.endswith((".json", ".csv")):
        raise MemorabilityError(f"--output '{args.output}' must end in .json or .csv")
    if args.window and len(args.window) not in (2, 3):
        raise MemorabilityError(f"--window takes START END or START END STEP (ms), not {args.window}")
    from brainscore_memorability.benchmarks.temporal_it import time_course
    windows = None if not args.window else [tuple(args.window)] if len(args.window) == 2 else time_course(*args.window)
    if args.weights:  # the model factory reads them from the model's weights environment variable
        from brainscore_memorability.models.weights import use_weights
        use_weights(args.model, args.weights)
    console = Console(stderr=True)
    with console.status(f"scoring {args.model} on {args.benchmark} (extracting activations, fitting)"):
        result = score(args.model, args.benchmark, data=args.data, windows=windows, **lamem_options(args))
    label = args.benchmark + (f"@{args.window[0]}-{args.window[1]}ms" if args.window else "") + (
        f"/{args.window[2]}ms" if args.window and len(args.window) == 3 else "")
    rows = [results.score_row(result, args.model, label)] + [  # one row per window of a time course
        results.score_row(w, args.model, f"{args.benchmark}@{w.attrs['window'][0]}-{w.attrs['window'][1]}ms")
        for w in result.attrs.get("windows", [])]
    print(results.format_table(rows))
    if "splits" in result.attrs:  # LaMem-memorability: one row per split (rho, head_rho, alpha, images)
        print(result.attrs["splits"].to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    if args.output:
        console.print(f"wrote {results.write_rows(rows, args.output)}")
    return 0
