"""One training run's settings: a flat dataclass, read from a YAML config and overridden by options.

Everything in it is a plain ``str``/``int``/``float``/``bool``/``None``, so a checkpoint stores it
as a dict (``dataclasses.asdict``) and never pickles Python objects.
"""
from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path

from brainscore_memorability_errors import MemorabilityError

CONFIG_DIR = Path(__file__).with_name("configs")


def option(default, help: str):
    """A config field with its command-line help."""
    return field(default=default, metadata={"help": help})


@dataclass
class TrainConfig:
    """Settings of one run. Sizes in images, rates per optimizer step, ``image_size`` in pixels."""
    arch: str = option("resnet50", "a key of brainscore_memorability.models.architectures")
    objective: str = option("lamem", "imagenet (cross-entropy) | lamem (MSE on centred scores) | joint")
    pretrained_imagenet: bool = option(False, "start from torchvision's ImageNet weights")
    init_weights: str | None = option(None, "start from this exported weights file (safetensors of the same "
                                      "architecture, e.g. a categorization run): its trunk, and every head of the same shape")
    source: str = option("", "where the recipe comes from (documentation only)")
    # data
    lamem_root: str | None = option(None, "folder with images/ and splits/{train,val,test}_{1..5}.txt")
    lamem_split: int = option(1, "which of LaMem's 5 official splits")
    imagenet_root: str | None = option(None, "folder with train/ and val/ in ImageFolder layout")
    image_size: int = option(224, "network input, pixels (square)")
    crop_scale: float = option(0.08, "smallest random crop, as a share of the image's area (torchvision's recipe: 0.08)")
    skip_bad_images: bool = option(False, "check every image first; drop and report unreadable ones")
    workers: int = option(4, "DataLoader worker processes per process")
    # joint batches (see training.sampling)
    mixing: str = option("mixed", "mixed: every batch holds both tasks | alternate: whole batches")
    lamem_fraction: float = option(0.5, "share of LaMem images (mixed) or LaMem steps (alternate)")
    # objective
    weighting: str = option("uncertainty", "joint: fixed | uncertainty (Kendall et al. 2018)")
    imagenet_weight: float = option(1.0, "fixed weighting: loss = wi * CE + wl * MSE")
    lamem_weight: float = option(1.0, "fixed weighting: wl (see imagenet_weight)")
    # optimisation
    epochs: int = option(90, "passes over ImageNet (imagenet, joint) or LaMem (lamem)")
    max_steps: int | None = option(None, "stop after this many optimizer steps (overrides epochs)")
    batch_size: int = option(256, "global: summed over processes and accumulation steps")
    accumulation: int = option(1, "micro-batches per optimizer step")
    optimizer: str = option("sgd", "sgd | adamw")
    lr: float = option(0.1, "peak learning rate")
    momentum: float = option(0.9, "SGD momentum")
    weight_decay: float = option(1e-4, "L2 weight decay of the network (not of the uncertainty weights)")
    schedule: str = option("cosine", "cosine | step | constant (after warm-up)")
    warmup_steps: int = option(0, "linear warm-up from 0, optimizer steps")
    step_epochs: int = option(30, "step schedule: multiply lr by step_gamma every ... epochs")
    step_gamma: float = option(0.1, "step schedule: the factor")
    # numerics and speed
    amp: bool = option(True, "mixed precision on CUDA (ignored on CPU)")
    amp_dtype: str = option("bfloat16", "bfloat16 | float16 (float16 uses a GradScaler)")
    channels_last: bool = option(True, "NHWC memory format (faster convolutions on recent GPUs)")
    compile: bool = option(False, "torch.compile the network")
    batchnorm: str = option("local", "local | sync (CUDA DDP) | frozen (eval-mode statistics)")
    seed: int = option(0, "seeds initial weights, sample order, augmentations and dropout")
    device: str | None = option(None, "default: cuda if available, else cpu")
    # output
    out_dir: str = option("runs/run", "folder for last.pt, metrics.csv and tensorboard/")
    checkpoint_every: int = option(1000, "optimizer steps between checkpoints (and at each epoch end)")
    log_every: int = option(50, "optimizer steps between TensorBoard loss points")
    progress: bool = option(True, "progress bar on rank 0")

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
        if self.init_weights and self.pretrained_imagenet:
            raise MemorabilityError("give init_weights or pretrained_imagenet, not both: both set the starting weights")
        if not 1 <= self.lamem_split <= 5:
            raise MemorabilityError(f"lamem_split is {self.lamem_split}: LaMem has splits 1 to 5")
        if not 0 < self.crop_scale <= 1:
            raise MemorabilityError(f"crop_scale is {self.crop_scale}: it must lie in (0, 1]")
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
            parser.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None,
                                help=f"{f.metadata['help']} (default {f.default})")
        else:
            parser.add_argument(flag, dest=f.name, type=kind, default=None, metavar=f.name.upper(),
                                help=f"{f.metadata['help']} (default {f.default})")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    overrides = {f.name: getattr(args, f.name) for f in fields(TrainConfig)}
    return load_config(args.config, **overrides)
