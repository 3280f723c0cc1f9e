"""``brainscore partial-corr``: a model's unique IT variance beyond one or more control models.

The study's control analysis (its Figure 2B/D): model B's noise-corrected partial-correlation % EV
of each IT site controlling for a LaMem-trained model, against the same controlling for a held-out
ImageNet-trained model. Every model is recorded through Brain-Score's interface
(``start_recording('IT', window)``, ``look_at(stimuli)``) on the benchmark's stimuli and fitted with
the benchmark's own regression, folds and split halvings (:mod:`..metrics.unique_variance`).
"""
from brainscore_memorability import atomic, registry, results
from brainscore_memorability.cli import loading, metric_options, terminal
from brainscore_memorability.errors import MemorabilityError

HELP = "a model's unique IT variance (partial correlation) beyond each control model, compared"


def add_arguments(parser):
    parser.add_argument("--model", required=True, help="model B, whose unique variance is measured")
    parser.add_argument("--weights", metavar="PATH|random[:SEED]", help="weights of model B (this package's models): "
                        "a file, or random[:SEED] for the untrained network (default: registered weights)")
    parser.add_argument("--control", required=True, action="append", metavar="MODEL",
                        help="control model A (repeat for several; the first is the reference of the comparisons)")
    parser.add_argument("--control-weights", action="append", metavar="PATH|random[:SEED]",
                        help="weights of each --control, in their order (repeat once per control; 'default' keeps "
                             "a control's registered weights); unseeded random networks of one architecture get "
                             "different seeds")
    parser.add_argument("--benchmark", required=True, help="one of this package's temporal IT benchmarks, "
                        "e.g. Kar2019-IT-early (`brainscore list benchmarks`)")
    parser.add_argument("--data", metavar="FILE.nc", help="the benchmark's data from this NetCDF "
                        "(from `brainscore package-data`) instead of the configured data")
    parser.add_argument("--partition", action="store_true",
                        help="also the variance-partitioning view, EV(A+B) - EV(A) (one more joint fit per control)")
    parser.add_argument("--test", choices=("t", "wilcoxon"), default="wilcoxon",
                        help="paired test across sites for comparing controls (default: wilcoxon)")
    parser.add_argument("--output", help="write one row per control to this .json or .csv file")
    parser.add_argument("--neurons", help="write one row per site and control to this .json or .csv file")
    metric_options.add_arguments(parser)


def load_temporal_benchmark(identifier: str, data=None, options=None):
    """One of our temporal IT benchmarks (``data``: another NetCDF; ``options``: metric options),
    with a single time window."""
    import brainscore_memorability  # noqa: F401  (registers our identifiers)
    import brainscore_vision

    from brainscore_memorability.benchmarks.temporal_it import TemporalITBenchmark, rebuild
    registry.resolve("benchmark", identifier)
    benchmark = None
    if registry.lookup("benchmark", identifier) is not None:  # brainscore-vision's own would download
        benchmark = (rebuild(identifier, data=data, **(options or {})) if data or options
                     else brainscore_vision.load_benchmark(identifier))
    if not isinstance(benchmark, TemporalITBenchmark) or len(benchmark.windows) != 1:
        raise MemorabilityError(f"'{identifier}' is not one of this package's single-window temporal IT "
                                f"benchmarks (e.g. Kar2019-IT-early); see `brainscore list benchmarks`")
    return benchmark


def record(model, benchmark):
    """A Brain-Score model's IT features in the benchmark's window: images (benchmark order) x features."""
    from brainscore_memorability.benchmarks.temporal_it import model_features
    terminal.stage(f"recording {model.identifier}")
    activations = benchmark.record(model)
    return model_features(activations, benchmark.rates[1], benchmark.windows, 0)


def compare_controls(model: str, controls: list[str], benchmark_identifier: str, data=None,
                     partition: bool = False, test: str = "wilcoxon", options=None, weights=None,
                     control_weights=None):
    """(summary rows, one per control; per-site rows) of B's unique variance beyond each control.

    Summary columns: model, control (the loaded identifiers, weights tag included), benchmark,
    unique_variance (median over sites, %), error (bootstrap s.e. over sites of that median, %),
    partial_r (median), ev_model and ev_control (median % EV alone), n_sites, metric_options
    (JSON: every option the metric ran with), [partition_unique (median EV(A+B) - EV(A), %)], and
    for every control after the first the paired comparison of the sites' unique variance with the
    first's (difference = this - first, its bootstrap CI, test, p_value, effect size).
    ``options``: metric options (keywords of ``explained_variance_details``). ``weights`` (model
    B's) and ``control_weights`` (one per control, None: registered) as ``--weights``; every model
    is built before any is recorded.
    """
    import json

    import numpy as np

    from brainscore_memorability import adapters
    from brainscore_memorability.analysis.statistics import paired_comparison
    from brainscore_memorability.metrics.explained_variance import explained_variance_details
    from brainscore_memorability.metrics.unique_variance import unique_variance_against
    loading.resolve_all([("model", name) for name in (model, *controls)] + [("benchmark", benchmark_identifier)])
    control_weights = list(control_weights or [None] * len(controls))
    if len(control_weights) != len(controls):
        raise MemorabilityError(f"{len(control_weights)} --control-weights for {len(controls)} --control models: "
                                f"give one per control, in their order ('default' for registered weights)")
    specs = [loading.ModelSpec(model, weights)] + [
        loading.ModelSpec(name, None if w in (None, "default") else w, "--control", "--control-weights")
        for name, w in zip(controls, control_weights)]
    specs, notes = loading.distinct_random_seeds(specs)
    for note in notes:
        terminal.stage(note)
    terminal.stage("building " + ", ".join(spec.identifier for spec in specs))
    built = loading.load_models(specs)  # every model built and its weights checked before any recording
    benchmark = load_temporal_benchmark(benchmark_identifier, data, options)
    rates = benchmark.rates[0][..., 0]
    terminal.one_bar_per_stage()
    recorded = [record(m, benchmark) for m in built]
    # rows name the loaded models, weights tags included (two untrained draws differ by their seeds)
    tagged = {model: built[0].identifier}
    controls = [m.identifier for m in built[1:]]
    tagged.update({control: control for control in controls})
    found = unique_variance_against(recorded[0], dict(zip(controls, recorded[1:])), rates, partition=partition,
                                    **adapters.with_groups(explained_variance_details, benchmark.metric_options,
                                                           benchmark.groups))
    recorded_options = json.dumps(benchmark.options, sort_keys=True, default=str)
    neuroid_ids = benchmark.assembly["neuroid_id"].values
    summary, sites = [], []
    for control, result in found.items():
        row = {"model": tagged[model], "control": tagged[control], "benchmark": benchmark_identifier,
               "unique_variance": float(np.nanmedian(result.unique_b)),
               "error": 100 * adapters.bootstrap_median_error(result.unique_b / 100),
               "partial_r": float(np.nanmedian(result.partial_r_b)),
               "ev_model": float(np.nanmedian(result.b.explained_variance)),
               "ev_control": float(np.nanmedian(result.a.explained_variance)),
               "n_sites": int(np.isfinite(result.unique_b).sum()), "metric_options": recorded_options}
        per_site = {"unique_variance": result.unique_b, "partial_r": result.partial_r_b,
                    "ev_model": result.b.explained_variance, "ev_control": result.a.explained_variance}
        if partition:
            row["partition_unique"] = float(np.nanmedian(result.partition_unique_b))
            per_site["partition_unique"] = result.partition_unique_b
        if control != controls[0]:
            comparison = paired_comparison(found[controls[0]].unique_b, result.unique_b, test=test,
                                           label=f"beyond {control} - beyond {controls[0]}")
            row.update(vs_control=tagged[controls[0]], difference=comparison.difference, ci_low=comparison.ci_low,
                       ci_high=comparison.ci_high, test=test, p_value=comparison.p_value,
                       effect_size=comparison.effect_size, effect_size_name=comparison.effect_size_name)
        summary.append(row)
        sites += [{"neuroid_id": str(neuroid), "model": tagged[model], "control": tagged[control],
                   **{key: float(values[i]) for key, values in per_site.items()}}
                  for i, neuroid in enumerate(neuroid_ids)]
    return summary, sites


def run(args) -> int:
    for option in ("output", "neurons"):
        path = getattr(args, option)
        if path and not path.endswith((".json", ".csv")):
            raise MemorabilityError(f"--{option} '{path}' must end in .json or .csv")
        if path:  # before any activations: an unwritable path must not cost them
            atomic.check_writable(path, f"--{option}")
    summary, sites = compare_controls(args.model, args.control, args.benchmark, data=args.data,
                                      partition=args.partition, test=args.test,
                                      options=metric_options.from_args(args), weights=args.weights,
                                      control_weights=args.control_weights)
    for row in summary:
        line = (f"{row['model']} beyond {row['control']} on {row['benchmark']}: unique variance "
                f"{row['unique_variance']:.2f} +- {row['error']:.2f} % (median over {row['n_sites']} sites), "
                f"partial r {row['partial_r']:.3f}; EV alone {row['ev_model']:.2f} % vs control {row['ev_control']:.2f} %")
        if "partition_unique" in row:
            line += f"; EV(A+B) - EV(A) {row['partition_unique']:.2f} %"
        print(line)
        if "difference" in row:
            print(f"  vs beyond {row['vs_control']}: difference {row['difference']:+.2f} % "
                  f"[{row['ci_low']:.2f}, {row['ci_high']:.2f}], {row['test']} p = {row['p_value']:.3g}, "
                  f"{row['effect_size_name']} = {row['effect_size']:.2f}")
    for option, rows in (("output", _same_columns(summary)), ("neurons", sites)):
        if getattr(args, option):
            terminal.wrote(results.write_rows(rows, getattr(args, option)))
    return 0


def _same_columns(rows: list[dict]) -> list[dict]:
    """Every row with every column (NaN/'' where a row lacks one), as CSV needs."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return [{key: row.get(key, float("nan") if key not in ("vs_control", "test", "effect_size_name") else "")
             for key in columns} for row in rows]
