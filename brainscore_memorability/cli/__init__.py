"""The ``brainscore`` command: parses arguments and delegates to one module per subcommand.

Each subcommand module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. Exit codes: 0 success, 1 a failure the message explains, 2 bad usage or an
unknown identifier.
"""
import argparse
import importlib
import os
import sys

from brainscore_memorability.errors import MemorabilityError, UnknownIdentifierError

# subcommand name -> module under brainscore_memorability.cli
COMMANDS = {
    "list": "list_identifiers",
    "score": "score",
    "predict-memorability": "predict_memorability",
    "package-data": "package_data",
    "submit": "submit",
    "partial-corr": "partial_corr",
    "cka": "cka",
    "reproduce": "reproduce",
    "magnitude": "magnitude",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="brainscore",
        description="Score Brain-Score models on early/late IT benchmarks, compare memorability- "
                    "and ImageNet-trained networks, and reproduce the study.")
    from brainscore_memorability import __version__
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"brainscore_memorability.cli.{module_name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv=None) -> int:
    # brainscore_vision pip-installs plugin requirements on every load unless told not to
    os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UnknownIdentifierError as error:
        print(f"brainscore {args.command}: {error}", file=sys.stderr)
        return 2
    except MemorabilityError as error:
        print(f"brainscore {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
