"""``brainscore score``: score any Brain-Score model on any benchmark, ours or brainscore-vision's."""
from brainscore_memorability import registry, results
from brainscore_memorability.errors import MemorabilityError

HELP = "score a model on a benchmark and print (and optionally save) the result"


def add_arguments(parser):
    parser.add_argument("--model", required=True, help="model identifier (`brainscore list models --all`)")
    parser.add_argument("--benchmark", required=True, help="benchmark identifier (`brainscore list benchmarks --all`)")
    parser.add_argument("--output", help="write the result to this .json or .csv file (atomically)")


def score(model_identifier: str, benchmark_identifier: str):
    """Load both through brainscore_vision's loaders and score; returns the Brain-Score ``Score``.

    Unlike ``brainscore_vision.score`` this writes nothing (no pickle into site-packages).
    """
    import brainscore_memorability  # noqa: F401  (registers our identifiers)
    import brainscore_vision
    from brainscore_core.benchmarks import score_benchmark
    registry.resolve("model", model_identifier)
    registry.resolve("benchmark", benchmark_identifier)
    model = brainscore_vision.load_model(model_identifier)
    benchmark = brainscore_vision.load_benchmark(benchmark_identifier)
    return score_benchmark(benchmark, model)


def run(args) -> int:
    from rich.console import Console
    if args.output and not args.output.endswith((".json", ".csv")):
        raise MemorabilityError(f"--output '{args.output}' must end in .json or .csv")
    console = Console(stderr=True)
    with console.status(f"scoring {args.model} on {args.benchmark} (extracting activations, fitting)"):
        result = score(args.model, args.benchmark)
    row = results.score_row(result, args.model, args.benchmark)
    print(results.format_table([row]))
    if args.output:
        console.print(f"wrote {results.write_rows([row], args.output)}")
    return 0
