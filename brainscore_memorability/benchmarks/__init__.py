"""Benchmarks: IT predictivity in a time window of the response (early 70-100 ms, late 180-210 ms).

Any other window or a whole time course: :func:`temporal_it.build` (Python) or
``brainscore score --benchmark Kar2019-IT-early --window START END [STEP]`` (CLI).
"""
from brainscore_memorability.benchmarks.temporal_it import DATASETS, PHASES, build, identifier
from brainscore_memorability.registry import register


def _factory(dataset: str, window: tuple[int, int]):
    return lambda: build(dataset, [window])


for _dataset in DATASETS:
    for _phase, _window in PHASES.items():
        register("benchmark", identifier(_dataset, [_window]),
                 f"{_dataset} IT sites, {_phase} response {_window[0]}-{_window[1]} ms, noise-corrected % EV "
                 f"(PLS 20 components, 10 folds)", _factory(_dataset, _window))


# --- reverse predictivity (issue 17): IT predicts the model's units ---
from brainscore_memorability.benchmarks import reverse  # noqa: E402


def _reverse_factory(dataset: str, window: tuple[int, int]):
    return lambda: reverse.build(dataset, window)


for _dataset in DATASETS:
    for _phase, _window in PHASES.items():
        register("benchmark", reverse.identifier(_dataset, _window),
                 f"{_dataset} {_phase} {_window[0]}-{_window[1]} ms, reverse: IT sites predict "
                 f"{reverse.DEFAULT_UNITS} seeded model IT units, median noise-corrected % EV",
                 _reverse_factory(_dataset, _window))


# --- human memorability (issue 17): LaMem splits, linear read-out of the IT layer ---
from brainscore_memorability.benchmarks import lamem  # noqa: E402

register("benchmark", lamem.IDENTIFIER, "LaMem human memorability: ridge read-out of the IT layer per split, "
         "Spearman rho / 0.68, mean over the 5 splits", lamem.build)


def rebuild(benchmark_identifier: str, data=None, windows=None, metric_options=None, **lamem_options):
    """One of this package's registered benchmarks on other ``data`` (and/or ``windows``, where the
    benchmark has them; ``metric_options`` (keywords of ``explained_variance_details``) for the
    temporal IT and reverse benchmarks; ``lamem_options`` for LaMem-memorability: splits, max_train_images,
    train_seed): the CLI's ``--data``/``--window``/metric flags/``--lamem-*``."""
    from brainscore_memorability.errors import MemorabilityError
    is_lamem = benchmark_identifier.replace("_", "-") == lamem.IDENTIFIER
    if is_lamem and windows:
        raise MemorabilityError(f"{lamem.IDENTIFIER} has no time windows (--window)")
    if lamem_options and not is_lamem:
        raise MemorabilityError(f"--lamem-* options apply to {lamem.IDENTIFIER}, not to '{benchmark_identifier}'")
    if metric_options and is_lamem:
        raise MemorabilityError(f"the metric options (--regression, --components, ...) apply to the IT benchmarks, "
                                f"not to {lamem.IDENTIFIER} (a ridge read-out with its penalty chosen by cross-validation)")
    if is_lamem:
        return lamem.build(data, **lamem_options)
    if reverse.is_reverse(benchmark_identifier):
        return reverse.rebuild(benchmark_identifier, data=data, windows=windows, **(metric_options or {}))
    from brainscore_memorability.benchmarks.temporal_it import rebuild as rebuild_temporal
    return rebuild_temporal(benchmark_identifier, data=data, windows=windows, **(metric_options or {}))
