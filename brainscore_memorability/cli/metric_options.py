"""The metric options shared by ``brainscore score`` and ``brainscore partial-corr``, as flags.

One table (:data:`FLAGS`) maps each flag to the keyword of
:func:`brainscore_memorability.metrics.explained_variance_details` it sets; a flag left out keeps
the metric's default, and every Score records the options it ran with in ``attrs['metric_options']``.
:func:`as_flags` renders options back into these flags (for exact reproduce commands).
"""
from __future__ import annotations

from dataclasses import dataclass

from brainscore_memorability.errors import MemorabilityError


@dataclass(frozen=True)
class Flag:
    flag: str
    option: str  # the keyword of explained_variance_details
    type: type
    choices: tuple | None
    help: str


FLAGS = (
    Flag("--regression", "regression", str, ("pls", "ridge"), "regression from model features to each site"),
    Flag("--components", "n_components", int, None, "PLS components"),
    Flag("--folds", "n_folds", int, None, "cross-validation folds over images"),
    Flag("--halvings", "n_splits", int, None, "random split halvings of the repetitions (reliabilities)"),
    Flag("--reliability-correlation", "reliability_correlation", str, ("spearman", "pearson"),
         "correlation of the two halves in the neural split-half reliability"),
    Flag("--fit", "fit", str, ("per-site", "joint"),
         "PLS fitted to each site on its own (per-site) or to all sites at once (joint)"),
)


def add_arguments(parser) -> None:
    """Add every flag of :data:`FLAGS` (default: the metric's own, recorded in the output)."""
    group = parser.add_argument_group("metric options (default: the metric's own; see README)")
    for flag in FLAGS:
        group.add_argument(flag.flag, dest=flag.option, type=flag.type, choices=flag.choices,
                           metavar=None if flag.choices else "N", help=flag.help)


def from_args(args) -> dict:
    """{keyword: value} of the flags given on the command line; a flag the installed metric does
    not take (e.g. ``--fit`` before per-site PLS) is a MemorabilityError."""
    from brainscore_memorability.adapters import accepts
    from brainscore_memorability.metrics.explained_variance import explained_variance_details
    options = {flag.option: getattr(args, flag.option) for flag in FLAGS if getattr(args, flag.option, None) is not None}
    for flag in FLAGS:
        if flag.option in options and not accepts(explained_variance_details, flag.option):
            raise MemorabilityError(f"{flag.flag}: this version's metric (explained_variance_details) has no "
                                    f"'{flag.option}' option; leave {flag.flag} out")
        if flag.type is int and flag.option in options and options[flag.option] < 1:
            raise MemorabilityError(f"{flag.flag} must be a positive whole number, not {options[flag.option]}")
    return options


def as_flags(options: dict) -> list[str]:
    """The command-line flags of ``options`` ({keyword: value}); keywords without a flag are an error."""
    by_option = {flag.option: flag.flag for flag in FLAGS}
    unknown = set(options) - set(by_option)
    if unknown:
        raise MemorabilityError(f"metric option(s) {sorted(unknown)} have no command-line flag "
                                f"(flags: {', '.join(by_option.values())})")
    return [part for option, flag in by_option.items() if option in options for part in (flag, str(options[option]))]
