"""LaMem (Khosla et al., ICCV 2015) in its official layout: ``images/*.jpg`` and
``splits/{train,val,test}_{1..5}.txt``, one ``<image file> <score>`` per line.

A score belongs to (split, image): the 5 splits were scored by different halves of the
participants, so an image's score differs between split files. Datasets here read one split file
and never merge splits into one image-to-score table (:mod:`brainscore_memorability.lamem_format`).
"""
from __future__ import annotations

from pathlib import Path

# the split-file reader is the library's (the benchmark reads the same files)
from brainscore_memorability.lamem_format import read_split, split_file  # noqa: F401


def lamem_dataset(root: str | Path, part: str, split: int, transform, skip_bad: bool = False):
    """The images of ``part`` (train/val/test) of LaMem ``split`` with that split's scores.

    Item -> (3 x size x size image, score). Images are read from ``root/images``.
    """
    from brainscore_memorability_training.images import ImageList
    rows = read_split(split_file(root, part, split))
    images = Path(root) / "images"
    return ImageList([images / name for name, _ in rows], [score for _, score in rows], transform, skip_bad)
