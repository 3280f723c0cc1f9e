"""ImageNet in torchvision's ImageFolder layout: ``train/<class>/*`` and ``val/<class>/*``.

Class indices follow ImageFolder (sorted folder names, i.e. the standard wnid order for ILSVRC-2012),
so they match torchvision's ImageNet weights. The network's ``imagenet_head`` has one output per
class folder (1000 for ILSVRC-2012; the simulated sample's ImageFolder has 6).
"""
from __future__ import annotations

from pathlib import Path

from brainscore_memorability.errors import DataError


def imagenet_dataset(root: str | Path, part: str, transform, skip_bad: bool = False):
    """The images of ``root/<part>`` (train or val); item -> (3 x size x size image, class index)."""
    from torchvision.datasets import ImageFolder

    from brainscore_memorability_training.images import ImageList
    folder = Path(root) / part
    if not folder.is_dir():
        raise DataError(f"ImageNet folder {folder} not found: expected {root}/train and {root}/val "
                        f"with one sub-folder per class (torchvision ImageFolder layout)")
    try:
        found = ImageFolder(folder, loader=lambda path: path)
    except (FileNotFoundError, RuntimeError) as error:
        raise DataError(f"ImageNet folder {folder}: {error}") from None
    if len(found.classes) < 2:
        raise DataError(f"{folder} has {len(found.classes)} class folder(s): a classifier needs at least 2")
    paths, labels = zip(*found.samples)
    dataset = ImageList([Path(p) for p in paths], list(labels), transform, skip_bad)
    dataset.classes = found.classes  # folder names, index order
    return dataset
