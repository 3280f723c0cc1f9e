"""The training commands, shared by ``brainscore train|export`` and ``python -m brainscore_memorability_training``.

Each command has ``add_<name>_arguments(parser)`` and ``run_<name>(args) -> int``; errors are
:class:`~brainscore_memorability.errors.MemorabilityError` (the caller prints them as one line).
Under ``torchrun`` every process runs the command; only rank 0 prints.
"""
from __future__ import annotations

import argparse
import os

from brainscore_memorability_training.config import add_config_arguments, config_from_args

TRAIN_HELP = "train a LaMem, ImageNet or joint network (one process, or every process under torchrun)"
EXPORT_HELP = "write a run's weights (safetensors + sha256) and register them for the model zoo"
SLURM_HELP = "submit a training run to SLURM (submitit)"


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = TRAIN_HELP + ". Options override the values of --config."
    add_config_arguments(parser)
    parser.add_argument("--resume", action="store_true",
                        help="continue from OUT_DIR/last.pt if it exists (exactly where it stopped)")


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", help="a run's out_dir or its last.pt")
    parser.add_argument("--id", required=True, dest="identifier", help="model identifier, e.g. memnet-joint-resnet50")
    parser.add_argument("--out", help="safetensors file or folder (default: beside the checkpoint)")
    parser.add_argument("--no-register", dest="register", action="store_false",
                        help="only write the files; do not add them to the model zoo's manifest")


def add_slurm_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--gpus-per-node", type=int, default=1)
    parser.add_argument("--partition")
    parser.add_argument("--account")
    parser.add_argument("--timeout-min", type=int, default=24 * 60)


def run_train(args) -> int:
    from brainscore_memorability_training.loop import train
    config = config_from_args(args)
    result = train(config, resume=args.resume)
    if result.history and os.environ.get("RANK", "0") == "0":
        print(f"final metrics (epoch {result.history[-1]['epoch']}, step {result.history[-1]['step']}; "
              f"every epoch in {os.path.join(config.out_dir, 'metrics.csv')}):")
        print(metrics_table(result.history[-1]))
    return 0


def metrics_table(row: dict) -> str:
    """One metrics.csv row as a two-column text table (numbers to 4 significant digits)."""
    shown = {key: value for key, value in row.items() if key not in ("epoch", "step")}
    width = max(map(len, shown), default=0)
    return "\n".join(f"  {key.ljust(width)}  {value:.4g}" if isinstance(value, float) else f"  {key.ljust(width)}  {value}"
                     for key, value in shown.items())


def run_export(args) -> int:
    from brainscore_memorability_training.export import export
    path, digest = export(args.checkpoint, args.identifier, args.out, args.register)
    print(f"wrote {path}\nsha256 {digest}")
    if args.register:
        from brainscore_memorability.models.weights import user_manifest_path
        print(f"registered it as the weights of '{args.identifier}' in the model zoo's manifest "
              f"{user_manifest_path()}: `brainscore score --model {args.identifier} ...` now uses it")
    else:
        print(f"not registered (--no-register): pass it with `--weights {path}`")
    return 0


def run_slurm(args) -> int:
    from brainscore_memorability_training.slurm import submit
    job = submit(config_from_args(args), args.nodes, args.gpus_per_node, args.partition,
                 args.timeout_min, account=args.account)
    print(f"submitted job {job.job_id}")
    return 0
