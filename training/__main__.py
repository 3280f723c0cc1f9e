"""``python -m brainscore_memorability_training train|export|slurm ...`` (the same commands as
``brainscore train|export``; also ``torchrun --nproc_per_node=N -m brainscore_memorability_training train``).

Exit codes: 0 success, 1 a failure the message explains, 2 bad usage or an unknown identifier.
"""
from __future__ import annotations

import argparse
import sys

from brainscore_memorability_errors import MemorabilityError, UnknownIdentifierError, UsageError
from brainscore_memorability_training import cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m brainscore_memorability_training",
                                     description="Train memorability (LaMem), categorization (ImageNet) "
                                                 "and joint networks; export their weights for the model zoo.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text, add, run in (("train", cli.TRAIN_HELP, cli.add_train_arguments, cli.run_train),
                                      ("export", cli.EXPORT_HELP, cli.add_export_arguments, cli.run_export),
                                      ("slurm", cli.SLURM_HELP, cli.add_slurm_arguments, cli.run_slurm)):
        command = commands.add_parser(name, help=help_text, description=help_text)
        add(command)
        command.set_defaults(run=run)
    return parser


def main(argv=None) -> int:
    from brainscore_memorability.upstream_warnings import quiet_upstream_warnings
    quiet_upstream_warnings()
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except MemorabilityError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2 if isinstance(error, (UnknownIdentifierError, UsageError)) else 1


if __name__ == "__main__":
    sys.exit(main())
