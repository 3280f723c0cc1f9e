"""Reading images and their transforms, shared by the LaMem and ImageNet datasets.

Training transforms draw their randomness from a per-sample seed chosen by the sampler, so an
image's augmentation depends on (run seed, pass, image) only: not on worker processes, the number
of GPUs, or where a run was resumed.
"""
from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from brainscore_memorability.errors import DataError
from brainscore_memorability.images import find_bad_images, load_rgb

SKIP_HINT = "replace the file, or pass --skip-bad-images to drop unreadable images (they are reported)"


def load_image(path: str | Path) -> Image.Image:
    """The RGB image at ``path``; a :class:`DataError` naming the file if missing or unusable
    (see :mod:`brainscore_memorability.images`: truncated, not an image, a decompression bomb)."""
    return load_rgb(path, hint=": " + SKIP_HINT)


def build_transform(image_size: int, mean, std, train: bool, crop_scale: float = 0.08):
    """torchvision's ImageNet recipe at ``image_size``: random resized crop (area ``crop_scale``
    to 1 of the image; torchvision's 0.08 by default) + flip for training; resize to 256/224 of the
    size and centre crop for evaluation. Output: 3 x size x size floats."""
    from torchvision import transforms as T
    if train:
        steps = [T.RandomResizedCrop(image_size, scale=(crop_scale, 1.0), antialias=True), T.RandomHorizontalFlip()]
    else:
        steps = [T.Resize(round(image_size * 256 / 224), antialias=True), T.CenterCrop(image_size)]
    return T.Compose([*steps, T.ToTensor(), T.Normalize(mean, std)])


def apply_seeded(transform, image: Image.Image, seed: int | None) -> torch.Tensor:
    """``transform(image)``, its random draws taken from ``torch.manual_seed(seed)`` when a seed is
    given; the caller's random state is left as it was."""
    if seed is None:
        return transform(image)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return transform(image)


class ImageList(torch.utils.data.Dataset):
    """Images at ``paths`` with one target each; item ``i`` or ``(i, seed)`` -> (image, target).

    With ``skip_bad`` every image is decoded once up front and unreadable ones are dropped and
    listed in ``self.skipped`` as (path, reason); otherwise a bad image raises :class:`DataError`
    when it is first read.
    """

    def __init__(self, paths: list[Path], targets: list, transform, skip_bad: bool = False):
        self.skipped: list[tuple[str, str]] = []
        if skip_bad:
            self.skipped = find_bad_images(paths)
            bad = {p for p, _ in self.skipped}
            kept = [(p, t) for p, t in zip(paths, targets) if str(p) not in bad]
            paths, targets = [p for p, _ in kept], [t for _, t in kept]
        if not paths:
            raise DataError("no readable images left" + (f" (skipped {len(self.skipped)})" if self.skipped else ""))
        self.paths, self.targets, self.transform = paths, targets, transform

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, item):
        index, seed = item if isinstance(item, tuple) else (item, None)
        image = apply_seeded(self.transform, load_image(self.paths[index]), seed)
        return image, self.targets[index]
