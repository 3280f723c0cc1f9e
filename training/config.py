"""One training run's settings: a flat dataclass, read from a YAML config and overridden by options.

Everything in it is a plain ``str``/``int``/``float``/``bool``/``None``, so a checkpoint stores it
as a dict (``dataclasses.asdict``) and never pickles Python objects.
"""
from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, fields
from pathlib import Path

from brainscore_memorability.errors import MemorabilityError

CONFIG_DIR = Path(__file__).with_name("configs")


@dataclass
class TrainConfig:
    """Settings of one run. Sizes in images, rates per optimizer step, ``image_size`` in pixels."""
    arch: str = "resnet50"                # a key of brainscore_memorability.models.architectures
    objective: str = "lamem"              # imagenet | lamem | joint
    pretrained_imagenet: bool = False     # start from torchvision's ImageNet weights
    source: str = ""                      # where the recipe comes from (documentation only)
    # data
    lamem_root: str | None = None         # folder with images/ and splits/{train,val,test}_{1..5}.txt
    lamem_split: int = 1                  # which of LaMem's 5 official splits
    imagenet_root: str | None = None      # folder with train/ and val/ in ImageFolder layout
    image_size: int = 224                 # network input, pixels (square)
    skip_bad_images: bool = False         # check every image first; drop and report unreadable ones
    workers: int = 4                      # DataLoader worker processes per process
    # joint batches (see training.sampling)
    mixing: str = "mixed"                 # mixed: every batch holds both tasks | alternate: whole batches
    lamem_fraction: float = 0.5           # share of LaMem images (mixed) or LaMem steps (alternate)
    # objective
    weighting: str = "uncertainty"        # joint: fixed | uncertainty (Kendall et al. 2018)
    imagenet_weight: float = 1.0          # fixed weighting: loss = wi * CE + wl * MSE
    lamem_weight: float = 1.0
    # optimisation
    epochs: int = 90
    max_steps: int | None = None          # stop after this many optimizer steps (overrides epochs)
    batch_size: int = 256                 # global: summed over processes and accumulation steps
    accumulation: int = 1                 # micro-batches per optimizer step
    optimizer: str = "sgd"                # sgd | adamw
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 1e-4
    schedule: str = "cosine"              # cosine | step | constant (after warm-up)
    warmup_steps: int = 0                 # linear warm-up from 0, optimizer steps
    step_epochs: int = 30                 # step schedule: multiply lr by step_gamma every ... epochs
    step_gamma: float = 0.1
    # numerics and speed
    amp: bool = True                      # mixed precision on CUDA (ignored on CPU)
    amp_dtype: str = "bfloat16"           # bfloat16 | float16 (float16 uses a GradScaler)
    channels_last: bool = True
    compile: bool = False                 # torch.compile the network
    batchnorm: str = "local"              # local | sync (CUDA DDP) | frozen (eval-mode statistics)
    seed: int = 0
    device: str | None = None             # default: cuda if available, else cpu
    # output
    out_dir: str = "runs/run"
    checkpoint_every: int = 1000          # optimizer steps between checkpoints (and at each epoch end)
    log_every: int = 50                   # optimizer steps between TensorBoard loss points
    progress: bool = True                 # progress bar on rank 0

    def __post_init__(self):
        checks = {
            "objective": (self.objective, ("imagenet", "lamem", "joint")),
            "mixing": (self.mixing, ("mixed", "alternate")),
            "weighting": (self.weighting, ("fixed", "uncertainty")),
            "optimizer": (self.optimizer, ("sgd", "adamw")),
            "schedule": (self.schedule, ("cosine", "step", "constant")),
            "amp_dtype": (self.amp_dtype, ("bfloat16", "float16")),
            "batchnorm": (self.batchnorm, ("local", "sync", "frozen")),
        }
        for name, (value, allowed) in checks.items():
            if value not in allowed:
                raise MemorabilityError(f"config '{name}' is {value!r}: choose one of {allowed}")
        if not 1 <= self.lamem_split <= 5:
            raise MemorabilityError(f"lamem_split is {self.lamem_split}: LaMem has splits 1 to 5")
        if not 0 < self.lamem_fraction < 1:
            raise MemorabilityError(f"lamem_fraction is {self.lamem_fraction}: it must lie in (0, 1)")
        if self.objective in ("lamem", "joint") and not self.lamem_root:
            raise MemorabilityError(f"objective '{self.objective}' needs lamem_root (--lamem-root DIR)")
        if self.objective in ("imagenet", "joint") and not self.imagenet_root:
            raise MemorabilityError(f"objective '{self.objective}' needs imagenet_root (--imagenet-root DIR)")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def load_config(path: str | Path | None = None, **overrides) -> TrainConfig:
    """A :class:`TrainConfig` from a YAML file (a path, or a name in training/configs) and overrides.

    Overrides whose value is ``None`` are ignored, so unset command-line options keep the file's value.
    """
    import yaml
    values: dict = {}
    if path is not None:
        file = Path(path)
        if not file.exists() and (CONFIG_DIR / f"{path}.yaml").exists():
            file = CONFIG_DIR / f"{path}.yaml"
        if not file.exists():
            names = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))
            raise MemorabilityError(f"config '{path}' not found: give a YAML file or one of {names}")
        values = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise MemorabilityError(f"unknown config keys {unknown} (in {path or 'overrides'}); "
                                f"known keys: {sorted(known)}")
    return TrainConfig(**values)


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """``--config`` plus one ``--field-name`` option per :class:`TrainConfig` field (default: unset)."""
    parser.add_argument("--config", help="YAML file, or a name in training/configs (e.g. joint-resnet50)")
    for f in fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        kind = type(f.default) if f.default is not None else (int if f.name == "max_steps" else str)
        if kind is bool:
            parser.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None)
        else:
            parser.add_argument(flag, dest=f.name, type=kind, default=None, metavar=f.name.upper())


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    overrides = {f.name: getattr(args, f.name) for f in fields(TrainConfig)}
    return load_config(args.config, **overrides)
