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
    parser.add_argument("--data", metavar="FILE.nc", help="our temporal IT benchmarks: score on this NetCDF "
                        "(from `brainscore package-data`) instead of the configured data")
    parser.add_argument("--window", nargs="+", type=int, metavar="MS", help="our temporal IT benchmarks: "
                        "START END for one window, START END STEP for a time course of STEP-ms windows (ms)")


def score(model_identifier: str, benchmark_identifier: str, data=None, windows=None):
    """Load both through brainscore_vision's loaders and score; returns the Brain-Score ``Score``.

    ``data`` (a NetCDF) and ``windows`` ([(start_ms, end_ms)]) rebuild one of our temporal IT
    benchmarks on that data and those windows.

    Unlike ``brainscore_vision.score`` this writes nothing (no pickle into site-packages).
    """
    import brainscore_memorability  # noqa: F401  (registers our identifiers)
    import brainscore_vision
    from brainscore_core.benchmarks import score_benchmark
    registry.resolve("model", model_identifier)
    registry.resolve("benchmark", benchmark_identifier)
    model = brainscore_vision.load_model(model_identifier)
    if data or windows:
        from brainscore_memorability.benchmarks import rebuild
        benchmark = rebuild(benchmark_identifier, data=data, windows=windows)
    else:
        benchmark = brainscore_vision.load_benchmark(benchmark_identifier)
    return score_benchmark(benchmark, model)


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
        result = score(args.model, args.benchmark, data=args.data, windows=windows)
    label = args.benchmark + (f"@{args.window[0]}-{args.window[1]}ms" if args.window else "") + (
        f"/{args.window[2]}ms" if args.window and len(args.window) == 3 else "")
    rows = [results.score_row(result, args.model, label)] + [  # one row per window of a time course
        results.score_row(w, args.model, f"{args.benchmark}@{w.attrs['window'][0]}-{w.attrs['window'][1]}ms")
        for w in result.attrs.get("windows", [])]
    print(results.format_table(rows))
    if args.output:
        console.print(f"wrote {results.write_rows(rows, args.output)}")
    return 0
