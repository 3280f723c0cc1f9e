"""The LaMem file format (Khosla et al., ICCV 2015): ``splits/{train,val,test}_{1..5}.txt``, one
``<image file> <score>`` per line. One reader shared by the benchmark side
(:mod:`brainscore_memorability.data.lamem`) and by training (which does not import the benchmark
side). A score belongs to (split, image); nothing here merges splits.
"""
from __future__ import annotations

import math
from pathlib import Path

from brainscore_memorability.errors import DataError

PARTS = ("train", "val", "test")
SPLITS = (1, 2, 3, 4, 5)


def read_split(path: str | Path) -> list[tuple[str, float]]:
    """The (image file, memorability score) rows of one split file, in file order.

    Raises :class:`DataError` naming the file (and line) if it is missing, empty, has a row that is
    not two whitespace-separated fields, a score that is not a finite number, or a repeated image.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"LaMem split file {path} not found: expected splits/{{train,val,test}}_{{1..5}}.txt")
    rows, seen = [], {}
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            fields = line.split()
            where = f"{path}, line {number}"
            if len(fields) != 2:
                raise DataError(f"{where}: expected '<image file> <score>', got {line.strip()!r}")
            name, text = fields
            try:
                score = float(text)
            except ValueError:
                raise DataError(f"{where}: score {text!r} is not a number") from None
            if not math.isfinite(score):
                raise DataError(f"{where}: score {text!r} is not finite")
            if name in seen:
                raise DataError(f"{where}: image {name} already listed on line {seen[name]}")
            seen[name] = number
            rows.append((name, score))
    if not rows:
        raise DataError(f"LaMem split file {path} has no rows")
    return rows


def split_file(root: str | Path, part: str, split: int) -> Path:
    """``root/splits/<part>_<split>.txt``; ``part`` in train/val/test, ``split`` in 1-5."""
    if part not in PARTS or split not in SPLITS:
        raise DataError(f"LaMem has parts {PARTS} and splits {SPLITS}, not {part!r} {split!r}")
    return Path(root) / "splits" / f"{part}_{split}.txt"
