"""Joint-objective training throughput: ``training.train`` vs a plain PyTorch loop.

This package: ``training.train`` with the ``joint-resnet50`` recipe (ImageNet + LaMem in every
batch, a quarter LaMem, learned uncertainty weighting, SGD, channels-last), from random weights.
Peer: a loop in the style of torchvision's reference ``train_one_epoch`` over the same network
(``build_network(arch, 'joint')``), the same image files and the same augmentation: two DataLoaders
(ImageNet ImageFolder, LaMem list) zipped, cross-entropy + MSE, SGD.

Images/s of optimizer steps only: for ``training.train`` the difference between a run of
``steps[1]`` and one of ``steps[0]`` steps (set-up, the one evaluation and the checkpoint cancel);
for the loop the steps after ``warmup`` steps: 10 timed steps each. Both run in channels-last
memory format (the recipe's default; the loop converts its network and batches), so neither gains
from the format alone. Generated 256 x 256 JPEG files; DataLoader workers 0 in both (2 CPU cores);
the full run uses ResNet-50 at 224 px, 16 images per step. With ``device`` both train there.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from brainscore_memorability.perf import measure, ratio, row

FULL = dict(arch="resnet50", image_size=224, batch_size=16, steps=(1, 11), warmup=1, classes=8)
QUICK = dict(arch="resnet18", image_size=32, batch_size=8, steps=(1, 3), warmup=1, classes=4)
GOAL = 1.0  # at least as fast as the plain loop (issue 14)
LAMEM_FRACTION = 0.25  # as the joint-resnet50 recipe


def write_data(root: Path, sizes: dict, seed: int = 0) -> tuple[Path, Path]:
    """LaMem layout (images/, splits/{train,val,test}_1.txt) and ImageFolder layout (train/, val/),
    with enough training images for every timed step to fall in the first epoch."""
    from PIL import Image
    rng = np.random.default_rng(seed)

    def image(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        small = Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8))
        small.resize((256, 256), Image.BICUBIC).save(path, quality=90)

    n_lamem = round(LAMEM_FRACTION * sizes["batch_size"])
    steps = sizes["steps"][1] + 1
    per_class = -(-steps * (sizes["batch_size"] - n_lamem) // sizes["classes"])
    lamem, imagenet = root / "lamem", root / "imagenet"
    number = 0
    for part, count in (("train", steps * n_lamem), ("val", 4), ("test", 4)):
        lines = []
        for _ in range(count):
            name = f"{number:08d}.jpg"
            image(lamem / "images" / name)
            lines.append(f"{name} {rng.uniform(0.4, 1.0):.4f}\n")
            number += 1
        (lamem / "splits").mkdir(parents=True, exist_ok=True)
        (lamem / "splits" / f"{part}_1.txt").write_text("".join(lines))
    for part, count in (("train", per_class), ("val", 1)):
        for k in range(sizes["classes"]):
            for i in range(count):
                image(imagenet / part / f"n{k:08d}" / f"{i}.jpg")
    return lamem, imagenet


def package_run(sizes: dict, lamem: Path, imagenet: Path, out: Path, steps: int, device=None) -> None:
    """``training.train`` for ``steps`` optimizer steps of the joint-resnet50 recipe."""
    from brainscore_memorability_training import train
    from brainscore_memorability_training.config import load_config
    config = load_config("joint-resnet50", arch=sizes["arch"], pretrained_imagenet=False,
                         lamem_root=str(lamem), imagenet_root=str(imagenet), image_size=sizes["image_size"],
                         batch_size=sizes["batch_size"], lamem_fraction=LAMEM_FRACTION, max_steps=steps,
                         warmup_steps=0, workers=0, device=device or "cpu", out_dir=str(out), progress=False,
                         checkpoint_every=10 ** 6, log_every=10 ** 6)
    train(config)


class _LamemList:
    """(image, score) of the lines '<file> <score>' of a LaMem split file, as a user would read it."""

    def __init__(self, root: Path, transform):
        lines = (root / "splits" / "train_1.txt").read_text().split("\n")
        self.items = [(root / "images" / name, float(score)) for name, score in
                      (line.split() for line in lines if line.strip())]
        self.transform = transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        from PIL import Image
        path, score = self.items[index]
        with Image.open(path) as image:
            return self.transform(image.convert("RGB")), score


def plain_loop(sizes: dict, lamem: Path, imagenet: Path, device=None) -> float:
    """Seconds of ``steps[1] - steps[0]`` steps of a plain joint loop, after ``warmup`` steps, in
    channels-last memory format."""
    import torch
    from torch.nn import functional as F
    from torch.utils.data import DataLoader
    from torchvision.datasets import ImageFolder

    from brainscore_memorability.models.architectures import build_network, get_architecture
    from brainscore_memorability_training.images import build_transform
    spec = get_architecture(sizes["arch"])
    transform = build_transform(sizes["image_size"], spec.mean, spec.std, train=True)
    n_lamem = round(LAMEM_FRACTION * sizes["batch_size"])
    imagenet_loader = DataLoader(ImageFolder(imagenet / "train", transform), batch_size=sizes["batch_size"] - n_lamem,
                                 shuffle=True, drop_last=True)
    lamem_data = _LamemList(lamem, transform)
    centre = float(np.mean([score for _, score in lamem_data.items]))
    lamem_loader = DataLoader(lamem_data, batch_size=n_lamem, shuffle=True, drop_last=True)
    device = torch.device(device or "cpu")
    model = build_network(sizes["arch"], "joint").to(device, memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    model.train()
    timed = sizes["steps"][1] - sizes["steps"][0]
    started = None
    for step, ((images, labels), (lamem_images, scores)) in enumerate(zip(imagenet_loader, lamem_loader)):
        if step == sizes["warmup"]:
            started = time.perf_counter()
        if step == sizes["warmup"] + timed:
            break
        batch = torch.cat([images, lamem_images]).to(device, memory_format=torch.channels_last)
        labels, scores = labels.to(device), scores.to(device)
        outputs = model(batch)
        n = len(images)
        loss = (F.cross_entropy(outputs["imagenet"][:n], labels)
                + F.mse_loss(outputs["lamem"][n:], scores.float() - centre))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - started


def run(quick: bool = False, device=None) -> list[dict]:
    sizes = QUICK if quick else FULL
    timed = sizes["steps"][1] - sizes["steps"][0]
    images = timed * sizes["batch_size"]
    with tempfile.TemporaryDirectory() as folder:
        lamem, imagenet = write_data(Path(folder), sizes)
        package_run(sizes, lamem, imagenet, Path(folder) / "warm-up", 1, device)  # imports, first-call set-up
        short = measure(package_run, sizes, lamem, imagenet, Path(folder) / "short", sizes["steps"][0], device)
        long = measure(package_run, sizes, lamem, imagenet, Path(folder) / "long", sizes["steps"][1], device)
        plain = measure(plain_loop, sizes, lamem, imagenet, device)
    mine_seconds = long.seconds - short.seconds
    name = (f"joint training steps{' on ' + device if device else ''} ({sizes['arch']}, {sizes['image_size']} px, {sizes['batch_size']} images/step, "
            f"{LAMEM_FRACTION:g} LaMem)")
    speedup = plain.value / mine_seconds
    return [row(name, f"training.train ({images / mine_seconds:.3g} images/s)", mine_seconds, long.peak_mib,
                timed_on=f"steps {sizes['steps'][0] + 1}-{sizes['steps'][1]} (run of {sizes['steps'][1]} "
                f"minus run of {sizes['steps'][0]})"),
            row(name, f"plain PyTorch loop, torchvision reference style ({images / plain.value:.3g} images/s)",
                plain.value, plain.peak_mib, timed_on=f"steps {sizes['warmup'] + 1}-{sizes['warmup'] + timed}",
                speedup=speedup, memory_ratio=ratio(long.peak_mib, plain.peak_mib), goal=f">= {GOAL:g}x",
                goal_met=speedup >= GOAL,
                note="both channels-last; peak memory: a whole training.train run (with its evaluation) vs the loop")]
