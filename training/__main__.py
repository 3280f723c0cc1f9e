"""``python -m brainscore_memorability_training train|export|slurm ...`` (also ``torchrun --nproc_per_node=N -m brainscore_memorability_training train``).

Exit codes: 0 success, 1 a failure the message explains, 2 bad usage.
"""
from __future__ import annotations

import argparse
import os
import sys

from brainscore_memorability_errors import MemorabilityError, UnknownIdentifierError, UsageError
from brainscore_memorability_training.config import add_config_arguments, config_from_args


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m brainscore_memorability_training",
                                     description="Train memorability (LaMem), categorization (ImageNet) "
                                                 "and joint networks; export their weights for the model zoo.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train = commands.add_parser("train", help="train a network (one process, or under torchrun)",
                                description="Options override the values of --config.")
    add_config_arguments(train)
    train.add_argument("--resume", action="store_true",
                       help="continue from OUT_DIR/last.pt if it exists (exactly where it stopped)")
    export = commands.add_parser("export", help="write a checkpoint's weights for the model zoo")
    export.add_argument("checkpoint", help="a run's out_dir or its last.pt")
    export.add_argument("--id", required=True, dest="identifier", help="model identifier, e.g. memnet-joint-resnet50")
    export.add_argument("--out", help="safetensors file or folder (default: beside the checkpoint)")
    export.add_argument("--no-register", dest="register", action="store_false",
                        help="only write the files; do not add them to the model zoo's manifest")
    slurm = commands.add_parser("slurm", help="submit a training run to SLURM (submitit)")
    add_config_arguments(slurm)
    slurm.add_argument("--nodes", type=int, default=1)
    slurm.add_argument("--gpus-per-node", type=int, default=1)
    slurm.add_argument("--partition")
    slurm.add_argument("--account")
    slurm.add_argument("--timeout-min", type=int, default=24 * 60)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "train":
            from brainscore_memorability_training.loop import train
            result = train(config_from_args(args), resume=args.resume)
            if result.history and os.environ.get("RANK", "0") == "0":
                print(result.history[-1])
        elif args.command == "export":
            from brainscore_memorability_training.export import export
            path, digest = export(args.checkpoint, args.identifier, args.out, args.register)
            print(f"{path}\nsha256 {digest}")
        else:
            from brainscore_memorability_training.slurm import submit
            job = submit(config_from_args(args), args.nodes, args.gpus_per_node, args.partition,
                         args.timeout_min, account=args.account)
            print(f"submitted job {job.job_id}")
    except MemorabilityError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2 if isinstance(error, (UnknownIdentifierError, UsageError)) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
