"""The training loop: ``train(config)`` from Python, ``brainscore train`` from a shell.

One optimizer step = ``accumulation`` micro-batches on each of ``world`` processes, together
``batch_size`` images drawn by :class:`brainscore_memorability_training.sampling.JointSampler`. After every epoch (and at
the last step) the network is evaluated: Spearman rho between predicted and true scores on the
LaMem val and test parts of the chosen split, top-1 and top-5 accuracy (%) on ImageNet val.
Rank 0 writes ``metrics.csv`` (one row per evaluation), TensorBoard events under ``tensorboard/``
and the checkpoint ``last.pt`` (every ``checkpoint_every`` steps and after every evaluation).

Reproducibility: the initial weights follow ``seed``; the images of each step and their
augmentations follow (seed, step) only; dropout draws from a per-rank generator whose state is
checkpointed. ``resume=True`` restores the step, weights, optimizer, scheduler, gradient scaler,
and random state, so a resumed run continues exactly as an uninterrupted one.
"""
from __future__ import annotations

import contextlib
import csv
import io
import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from torch import nn

from brainscore_memorability.atomic import write_text
from brainscore_memorability.errors import MemorabilityError
from brainscore_memorability.models.architectures import IMAGENET_CLASSES, build_network, get_architecture
from brainscore_memorability_training import checkpoint, distributed
from brainscore_memorability_training.config import TrainConfig
from brainscore_memorability_training.objectives import Objective
from brainscore_memorability_training.sampling import JointSampler

# config keys that change which images a step sees or what it computes (epochs and max_steps set the
# length the learning-rate schedule spans): a resumed run must match
TRAJECTORY_KEYS = ("arch", "objective", "pretrained_imagenet", "init_weights", "lamem_split", "image_size", "crop_scale",
                   "epochs", "max_steps", "mixing", "lamem_fraction", "weighting", "imagenet_weight", "lamem_weight",
                   "batch_size",
                   "accumulation", "optimizer", "lr", "momentum", "weight_decay", "schedule",
                   "warmup_steps", "step_epochs", "step_gamma", "batchnorm", "seed")


@dataclass
class TrainResult:
    network: nn.Module            # the trained MemNet (unwrapped, on its training device)
    history: list[dict]           # the metrics.csv rows of this run, oldest first
    checkpoint: Path | None       # the last checkpoint written (rank 0), if any
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (image, reason) with skip_bad_images


class TaskData(torch.utils.data.Dataset):
    """Items (task, index, seed) -> (image, task code 0/1, target as float) over the train sets."""

    CODES = {"imagenet": 0, "lamem": 1}

    def __init__(self, datasets: dict):
        self.datasets = datasets

    def __getitem__(self, item):
        task, index, seed = item
        image, target = self.datasets[task][(index, seed)]
        return image, self.CODES[task], float(target)


class Trainee(nn.Module):
    """Network and objective as one module, so that DDP averages the gradients of both."""

    def __init__(self, network: nn.Module, objective: Objective):
        super().__init__()
        self.network, self.objective = network, objective

    def forward(self, images, task, target):
        return self.objective(self.network(images), task, target)


def load_data(config: TrainConfig, mean, std) -> tuple[dict, dict]:
    """(train datasets by task, evaluation datasets by name) for the config's objective."""
    from brainscore_memorability_training.images import build_transform
    from brainscore_memorability_training.imagenet import imagenet_dataset
    from brainscore_memorability_training.lamem import lamem_dataset
    train_tf = build_transform(config.image_size, mean, std, train=True, crop_scale=config.crop_scale)
    eval_tf = build_transform(config.image_size, mean, std, train=False)
    skip = config.skip_bad_images
    train, evaluate = {}, {}
    if config.objective in ("imagenet", "joint"):
        train["imagenet"] = imagenet_dataset(config.imagenet_root, "train", train_tf, skip)
        evaluate["imagenet_val"] = imagenet_dataset(config.imagenet_root, "val", eval_tf, skip)
        if evaluate["imagenet_val"].classes != train["imagenet"].classes:
            raise MemorabilityError(f"{config.imagenet_root}: train/ and val/ have different class folders")
    if config.objective in ("lamem", "joint"):
        train["lamem"] = lamem_dataset(config.lamem_root, "train", config.lamem_split, train_tf, skip)
        for part in ("val", "test"):
            evaluate[f"lamem_{part}"] = lamem_dataset(config.lamem_root, part, config.lamem_split, eval_tf, skip)
    return train, evaluate


def start_from(network: nn.Module, path: str | Path) -> None:
    """Load the trunk (every ``backbone.*`` tensor, all required) and each head of the same shape
    from the weights file ``path`` into ``network``; a head the file lacks or sizes otherwise starts
    at zero (e.g. the memorability head of a net fine-tuned from a classifier: it first predicts
    the centre, so its first steps do not push large errors into the trained trunk)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file
    try:
        saved = load_file(str(path))
    except (OSError, SafetensorError) as error:
        raise MemorabilityError(f"init_weights {path}: cannot read it as safetensors ({error})") from None
    own = network.state_dict()
    trunk = [key for key in own if key.startswith("backbone.")]
    unfit = [key for key in trunk if key not in saved or saved[key].shape != own[key].shape]
    if unfit:
        raise MemorabilityError(f"init_weights {path} does not hold this {type(network.backbone).__name__} trunk "
                                f"(first mismatch: {unfit[0]}); export a run of the same architecture")
    loaded = {key: value for key, value in saved.items() if key in own and value.shape == own[key].shape}
    network.load_state_dict(loaded, strict=False)
    with torch.no_grad():
        for key in own.keys() - loaded.keys():  # the heads the file does not hold
            network.get_parameter(key).zero_()


def lr_factor(config: TrainConfig, total_steps: int, steps_per_epoch: int):
    """Step -> multiplier of ``config.lr``: linear warm-up, then cosine to 0, steps, or constant."""
    warmup = config.warmup_steps

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        if config.schedule == "cosine":
            return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total_steps - warmup)))
        if config.schedule == "step":
            return config.step_gamma ** (step // (config.step_epochs * steps_per_epoch))
        return 1.0
    return factor


def fit_warmup(config: TrainConfig, total_steps: int, note: bool = True) -> TrainConfig:
    """``config`` with a warm-up that ends before the run does.

    A warm-up of at least ``total_steps`` optimizer steps (e.g. a full recipe's warm-up in a short
    ``--max-steps`` run) would never reach ``lr`` and leave no steps for the schedule: it is shortened
    to a tenth of the run (a common short-run choice; Goyal et al. 2017 warm up 5 of 90 epochs), with
    a printed note when ``note``. The shortened value is what the checkpoint records.
    """
    if config.warmup_steps < total_steps or config.warmup_steps == 0:
        return config
    shortened = total_steps // 10
    if note:
        print(f"note: warm-up of {config.warmup_steps} steps is not shorter than this run's {total_steps} "
              f"optimizer steps; shortened to {shortened} (a tenth of the run). Give --warmup-steps below "
              f"{total_steps} to choose another.")
    return replace(config, warmup_steps=shortened)


def build_optimizer(config: TrainConfig, network: nn.Module, objective: Objective):
    groups = [{"params": list(network.parameters()), "weight_decay": config.weight_decay}]
    if list(objective.parameters()):  # the uncertainty weights are not decayed
        groups.append({"params": list(objective.parameters()), "weight_decay": 0.0})
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum)
    return torch.optim.AdamW(groups, lr=config.lr)


def set_train_mode(network: nn.Module, config: TrainConfig) -> None:
    network.train()
    if config.batchnorm == "frozen":  # use and keep the running statistics
        for module in network.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()


@torch.inference_mode()
def evaluate(network: nn.Module, datasets: dict, config: TrainConfig, context, autocast) -> dict:
    """Metrics on each evaluation set, computed on this process's shard and gathered.

    ``lamem_<part>_rho``: Spearman rho (predicted vs. true score); ``imagenet_val_top1/top5``: %.
    """
    from scipy.stats import spearmanr
    network.eval()
    batch = max(1, config.batch_size // (context.world * config.accumulation))
    metrics = {}
    for name, dataset in datasets.items():
        shard = torch.utils.data.Subset(dataset, range(context.rank, len(dataset), context.world))
        loader = torch.utils.data.DataLoader(shard, batch_size=batch, num_workers=config.workers,
                                             pin_memory=context.device.type == "cuda")
        rows = []
        for images, targets in loader:
            images = images.to(context.device, non_blocking=True, memory_format=_memory_format(config))
            with autocast():
                outputs = network(images)
            if name.startswith("lamem"):
                rows.extend(zip(outputs["lamem"].float().cpu().tolist(), targets.tolist()))
            else:
                logits = outputs["imagenet"].float()
                top5 = logits.topk(min(5, logits.shape[1]), dim=1).indices.cpu()
                hits = top5 == targets[:, None]
                rows.extend(zip(hits[:, 0].tolist(), hits.any(dim=1).tolist()))
        rows = distributed.gather(rows, context)
        if name.startswith("lamem"):
            predicted, true = zip(*rows)
            metrics[f"{name}_rho"] = float(spearmanr(predicted, true).statistic)
        else:
            metrics[f"{name}_top1"] = 100.0 * sum(r[0] for r in rows) / len(rows)
            metrics[f"{name}_top5"] = 100.0 * sum(r[1] for r in rows) / len(rows)
    return metrics


def _memory_format(config: TrainConfig):
    return torch.channels_last if config.channels_last else torch.contiguous_format


def _autocast(config: TrainConfig, device: torch.device):
    if config.amp and device.type == "cuda":
        dtype = torch.bfloat16 if config.amp_dtype == "bfloat16" else torch.float16
        return lambda: torch.autocast("cuda", dtype=dtype)
    return contextlib.nullcontext


def _check_resumable(saved: dict, config: TrainConfig, path: Path) -> None:
    current = config.to_dict()
    defaults = TrainConfig.__dataclass_fields__  # a key added later: the run used its default
    differ = [k for k in TRAJECTORY_KEYS if saved.get(k, defaults[k].default) != current[k]]
    if differ:
        details = ", ".join(f"{k}: {saved.get(k)!r} -> {current[k]!r}" for k in differ)
        raise MemorabilityError(f"cannot resume {path}: the run was started with other settings ({details}); "
                                f"use the same settings or a new out_dir")


class MetricsLog:
    """``metrics.csv`` (rewritten atomically at each row) and TensorBoard, on rank 0 only."""

    def __init__(self, out_dir: Path, columns: list[str], start_step: int, enabled: bool):
        self.path, self.columns, self.enabled = out_dir / "metrics.csv", columns, enabled
        self.rows: list[dict] = []
        self.writer = None
        if not enabled:
            return
        if start_step and self.path.exists():  # drop rows written after the checkpoint we resume
            with open(self.path, newline="", encoding="utf-8") as f:
                self.rows = [r for r in csv.DictReader(f) if int(r["step"]) <= start_step]
        from torch.utils.tensorboard import SummaryWriter
        self.writer = SummaryWriter(str(out_dir / "tensorboard"), purge_step=start_step or None)

    def scalar(self, tag: str, value: float, step: int) -> None:
        if self.writer:
            self.writer.add_scalar(tag, value, step)

    def row(self, values: dict) -> None:
        self.rows.append(values)
        if not self.enabled:
            return
        for key, value in values.items():
            if key not in ("epoch", "step"):
                self.scalar(f"epoch/{key}", value, values["step"])
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        write_text(self.path, text.getvalue())
        self.writer.flush()

    def close(self) -> None:
        if self.writer:
            self.writer.close()


def train(config: TrainConfig, resume: bool = False) -> TrainResult:
    """Train the network ``config`` describes; with ``resume``, continue from ``out_dir/last.pt``
    when it exists (a fresh start otherwise). Works in one process or under torchrun."""
    context = distributed.setup(config.device)
    try:
        return _train(config, context, resume)
    finally:
        distributed.teardown()


def _train(config: TrainConfig, context, resume: bool) -> TrainResult:
    out_dir = Path(config.out_dir)
    spec = get_architecture(config.arch)
    train_sets, eval_sets = load_data(config, spec.mean, spec.std)
    skipped = [s for d in (*train_sets.values(), *eval_sets.values()) for s in d.skipped]
    centre = (sum(train_sets["lamem"].targets) / len(train_sets["lamem"])) if "lamem" in train_sets else 0.0

    classes = len(train_sets["imagenet"].classes) if "imagenet" in train_sets else IMAGENET_CLASSES
    torch.manual_seed(config.seed)  # the same initial weights on every process
    network = build_network(config.arch, config.objective, config.pretrained_imagenet, imagenet_classes=classes)
    if config.init_weights:
        start_from(network, config.init_weights)
    if config.batchnorm == "sync" and context.world > 1:
        network = nn.SyncBatchNorm.convert_sync_batchnorm(network)
    network.to(context.device, memory_format=_memory_format(config))
    objective = Objective(config.objective, centre, config.weighting, config.imagenet_weight,
                          config.lamem_weight).to(context.device)
    trainee = Trainee(torch.compile(network) if config.compile else network, objective)
    if context.world > 1:
        unused = config.objective == "joint" and config.mixing == "alternate"
        trainee = nn.parallel.DistributedDataParallel(
            trainee, device_ids=[context.device.index] if context.device.type == "cuda" else None,
            find_unused_parameters=unused)

    sampler = JointSampler({t: len(d) for t, d in train_sets.items()}, config.batch_size, config.seed,
                           config.mixing, config.lamem_fraction, context.rank, context.world,
                           config.accumulation)
    per_epoch = sampler.steps_per_epoch
    total_steps = config.max_steps if config.max_steps is not None else config.epochs * per_epoch
    config = fit_warmup(config, total_steps, note=context.main)
    optimizer = build_optimizer(config, network, objective)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor(config, total_steps, per_epoch))
    use_scaler = config.amp and context.device.type == "cuda" and config.amp_dtype == "float16"
    scaler = torch.amp.GradScaler("cuda", enabled=use_scaler)
    autocast = _autocast(config, context.device)

    step = 0
    running = None  # per-epoch sums and counts of the training losses
    torch.manual_seed(config.seed * 1000 + 1 + context.rank)  # dropout: a stream per process
    saved_path = out_dir / checkpoint.FILENAME
    if resume and saved_path.exists():
        state = checkpoint.load(saved_path)
        _check_resumable(state["config"], config, saved_path)
        if state["sampler"] != sampler.state_dict():
            raise MemorabilityError(f"cannot resume {saved_path}: the datasets changed "
                                    f"({state['sampler']['sizes']} -> {sampler.state_dict()['sizes']})")
        network.load_state_dict(state["network"])
        objective.load_state_dict(state["objective"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        rng = state["rng"]
        if len(rng) == context.world:
            checkpoint.set_rng_state(rng[context.rank])
        elif context.main:  # the data order is still exact (it depends on seed and step alone)
            print(f"warning: {saved_path} was written by {len(rng)} process(es), this run has {context.world}: "
                  f"random augmentation/dropout state is not restored, so the resumed run is not bit-identical")
        step = state["step"]
        running = state["running"]
        if context.main:
            print(f"resuming {saved_path} at step {step} of {total_steps}")

    columns = ["epoch", "step", "lr", "train_loss", *[f"train_loss_{t}" for t in sampler.tasks],
               *[f"{n}_rho" for n in eval_sets if n.startswith("lamem")],
               *[f"{n}_{k}" for n in eval_sets if n.startswith("imagenet") for k in ("top1", "top5")],
               "seconds"]
    log = MetricsLog(out_dir, columns, step, context.main)
    if context.main and skipped:
        write_text(out_dir / "skipped_images.txt", "".join(f"{p}\t{r}\n" for p, r in skipped))
        print(f"skipped {len(skipped)} unreadable image(s), listed in {out_dir / 'skipped_images.txt'}")
    dataset = TaskData(train_sets)
    last_checkpoint = saved_path if step and context.main else None  # a resumed run's, until the next

    def save_checkpoint() -> None:
        nonlocal last_checkpoint
        rngs = distributed.gather([checkpoint.rng_state()], context)
        if context.main:
            last_checkpoint = checkpoint.save(saved_path, {
                "config": config.to_dict(), "step": step, "sampler": sampler.state_dict(),
                "network": network.state_dict(), "objective": objective.state_dict(),
                "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "scaler": scaler.state_dict(), "rng": rngs, "centre": centre,
                "running": running})

    progress = None
    if context.main and config.progress:
        from tqdm.auto import tqdm
        progress = tqdm(total=total_steps, initial=step, unit="step", dynamic_ncols=True,
                        desc=f"{config.objective}-{config.arch}")
    try:
        while step < total_steps:
            epoch = step // per_epoch
            stop = min((epoch + 1) * per_epoch, total_steps)
            loader = torch.utils.data.DataLoader(
                dataset, batch_sampler=sampler.batches(step, stop), num_workers=config.workers,
                pin_memory=context.device.type == "cuda", generator=torch.Generator())
            if step % per_epoch == 0 or running is None:
                running = {"sums": {t: 0.0 for t in ("total", *sampler.tasks)},
                           "counts": {t: 0 for t in ("total", *sampler.tasks)}}
            sums, counts = running["sums"], running["counts"]
            started = time.perf_counter()
            set_train_mode(network, config)
            micro, step_loss = 0, 0.0  # step_loss: mean loss over the step's micro-batches
            for images, task, target in loader:
                images = images.to(context.device, non_blocking=True, memory_format=_memory_format(config))
                task, target = task.to(context.device), target.to(context.device)
                last = micro == config.accumulation - 1
                sync = contextlib.nullcontext() if last or context.world == 1 else trainee.no_sync()
                with sync:
                    with autocast():
                        loss, parts = trainee(images, task, target)
                    scaler.scale(loss / config.accumulation).backward()
                step_loss = step_loss + loss.detach() / config.accumulation
                for name, value in (("total", loss.detach()), *parts.items()):
                    sums[name] += value.item()
                    counts[name] += 1
                micro += 1
                if not last:
                    continue
                micro = 0
                scaler.step(optimizer)
                scaler.update()
                optimizer.zero_grad(set_to_none=True)
                scheduler.step()
                step += 1
                if step % config.log_every == 0:
                    log.scalar("train/loss", float(step_loss), step)
                    log.scalar("train/lr", scheduler.get_last_lr()[0], step)
                if progress:
                    progress.update(1)
                    progress.set_postfix(epoch=epoch, loss=f"{float(step_loss):.4f}")
                step_loss = 0.0
                if step % config.checkpoint_every == 0 and step != stop:
                    save_checkpoint()
            row = {"epoch": epoch, "step": step, "lr": scheduler.get_last_lr()[0],
                   "train_loss": distributed.mean(sums["total"] / max(1, counts["total"]), context)}
            for name in sampler.tasks:
                row[f"train_loss_{name}"] = distributed.mean(sums[name] / max(1, counts[name]), context)
            row.update(evaluate(network, eval_sets, config, context, autocast))
            row["seconds"] = time.perf_counter() - started
            log.row(row)
            save_checkpoint()
    finally:
        if progress:
            progress.close()
        log.close()
    return TrainResult(network, log.rows, last_checkpoint, skipped)
