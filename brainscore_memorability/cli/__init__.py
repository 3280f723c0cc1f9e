"""The ``brainscore`` command: parses arguments and delegates to one module per subcommand.

Each subcommand module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. Exit codes: 0 success, 1 a failure the message explains, 2 bad usage or an
unknown identifier.
"""
import argparse
import importlib
import os
import sys

from brainscore_memorability.errors import MemorabilityError, UnknownIdentifierError, UsageError

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
    "train": "train",
    "export": "export",
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
    from brainscore_memorability.upstream_warnings import quiet_upstream_warnings
    quiet_upstream_warnings()
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (UnknownIdentifierError, UsageError) as error:
        print(f"brainscore {args.command}: {error}", file=sys.stderr)
        return 2
    except MemorabilityError as error:
        print(f"brainscore {args.command}: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # a file that cannot be read or written: one line naming it, no traceback
        print(f"brainscore {args.command}: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # brainscore_vision's own data offline (its S3): one line saying how
        from brainscore_memorability.data.sources import download_failure
        message = download_failure(error)
        if message is None:
            raise
        print(f"brainscore {args.command}: {message}", file=sys.stderr)
        return 1


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (else a usage error, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, not {text!r}")
    return value


if __name__ == "__main__":
    sys.exit(main())
