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


def rebuild(benchmark_identifier: str, data=None, windows=None):
    """One of this package's registered benchmarks on other ``data`` (and/or ``windows``, where the
    benchmark has them): the CLI's ``--data``/``--window``."""
    if reverse.is_reverse(benchmark_identifier):
        return reverse.rebuild(benchmark_identifier, data=data, windows=windows)
    from brainscore_memorability.benchmarks.temporal_it import rebuild as rebuild_temporal
    return rebuild_temporal(benchmark_identifier, data=data, windows=windows)
