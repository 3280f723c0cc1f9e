"""Tiny generated datasets in LaMem's and ImageFolder's layouts (16 x 16 RGB JPEG/PNG images)."""
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from brainscore_memorability_training.config import TrainConfig


def _image(path: Path, brightness: float, rng) -> None:
    """A 16 x 16 image whose mean brightness is ``brightness`` (0-1) plus noise."""
    pixels = np.clip(brightness * 255 + rng.normal(0, 20, (16, 16, 3)), 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)


def make_lamem(root: Path, sizes=(32, 8, 8), seed=0) -> Path:
    """LaMem layout with split 1 only; score = brightness (so it is learnable), per split file."""
    rng = np.random.default_rng(seed)
    number = 0
    for part, size in zip(("train", "val", "test"), sizes):
        lines = []
        for _ in range(size):
            name, score = f"{number:08d}.jpg", rng.uniform(0.4, 1.0)
            _image(root / "images" / name, score, rng)
            lines.append(f"{name} {score:.6f}\n")
            number += 1
        (root / "splits").mkdir(parents=True, exist_ok=True)
        (root / "splits" / f"{part}_1.txt").write_text("".join(lines))
    return root


def make_imagefolder(root: Path, classes=4, per_class=(8, 2), seed=1) -> Path:
    """ImageFolder layout: class k has brightness (k + 0.5) / classes."""
    rng = np.random.default_rng(seed)
    for part, count in zip(("train", "val"), per_class):
        for k in range(classes):
            for i in range(count):
                _image(root / part / f"n{k:08d}" / f"{i}.png", (k + 0.5) / classes, rng)
    return root


@pytest.fixture(scope="session")
def tiny_lamem(tmp_path_factory) -> Path:
    return make_lamem(tmp_path_factory.mktemp("lamem"))


@pytest.fixture(scope="session")
def tiny_imagenet(tmp_path_factory) -> Path:
    return make_imagefolder(tmp_path_factory.mktemp("imagenet"))


@pytest.fixture
def tiny_config(tiny_lamem, tiny_imagenet, tmp_path):
    """A config for resnet18 on 16 x 16 images, 8 images per step, on the CPU: override as needed."""
    def make(**overrides) -> TrainConfig:
        values = dict(arch="resnet18", objective="lamem", lamem_root=str(tiny_lamem),
                      imagenet_root=str(tiny_imagenet), image_size=16, batch_size=8, epochs=1,
                      lr=0.01, weight_decay=0.0, schedule="constant", workers=0, device="cpu",
                      out_dir=str(tmp_path / "run"), progress=False, checkpoint_every=1000, log_every=1)
        values.update(overrides)
        return TrainConfig(**values)
    return make
