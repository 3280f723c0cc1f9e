"""LaMem (Khosla et al., ICCV 2015) in its official layout, for the benchmark.

A LaMem folder holds ``images/*.jpg`` and ``splits/{train,val,test}_{1..5}.txt``, one
``<image file> <score>`` per line. A score belongs to (split, image): the 5 splits were scored by
different halves of the participants, so an image's score differs between split files; nothing
here merges splits into one image-to-score table. The split files are read by
:mod:`brainscore_memorability.lamem_format` (shared with training).

The folder is found, first match wins, at the path given (``--data DIR``), the environment
variable ``BRAINSCORE_MEMORABILITY_LAMEM``, or the config file's ``data: {LaMem: {path: DIR}}``
(:mod:`.sources`, as for Kar2019). LaMem's images are licensed for academic research and are
never downloaded by this package.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from brainscore_memorability.errors import DataError
from brainscore_memorability.lamem_format import PARTS, SPLITS, read_split, split_file  # noqa: F401

IDENTIFIER = "LaMem"  # the config file's data entry
ENVIRONMENT_VARIABLE = "BRAINSCORE_MEMORABILITY_LAMEM"
BIBTEX = """@inproceedings{khosla2015understanding,
  title={Understanding and Predicting Image Memorability at a Large Scale},
  author={Khosla, Aditya and Raju, Akhil S. and Torralba, Antonio and Oliva, Aude},
  booktitle={International Conference on Computer Vision (ICCV)},
  year={2015}
}"""


def locate(path=None) -> Path:
    """The LaMem folder from ``path``, $BRAINSCORE_MEMORABILITY_LAMEM or the config file (module
    docstring); DataError naming all three when none is given or the folder lacks ``splits/``."""
    from brainscore_memorability.data import sources
    path = path or os.getenv(ENVIRONMENT_VARIABLE) or (sources.config_entry(IDENTIFIER) or {}).get("path")
    if not path:
        raise DataError(f"no LaMem folder: pass --data DIR, set {ENVIRONMENT_VARIABLE}=DIR, or add "
                        f"data.{IDENTIFIER}.path to the config file (${sources.CONFIG_VARIABLE} or "
                        f"{sources.DEFAULT_CONFIG}); DIR holds images/ and splits/ as LaMem is distributed")
    root = Path(os.path.expanduser(str(path)))
    if not (root / "splits").is_dir():
        raise DataError(f"LaMem folder '{root}' has no splits/ folder: give the folder that holds images/ and splits/")
    return root


def read_table(root, part: str, split: int) -> pd.DataFrame:
    """One split file as a table: ``image`` (file name), ``stimulus_id`` (its stem), ``memorability``."""
    rows = read_split(split_file(root, part, split))
    names = [name for name, _ in rows]
    return pd.DataFrame({"image": names, "stimulus_id": [Path(name).stem for name in names],
                         "memorability": np.array([score for _, score in rows], dtype=float)})


def cap(table: pd.DataFrame, max_images: int | None, seed: int = 0) -> pd.DataFrame:
    """At most ``max_images`` rows drawn without replacement with ``default_rng(seed)`` (file order kept)."""
    if max_images is None or len(table) <= max_images:
        return table
    if max_images < 2:
        raise DataError(f"the training-image cap must be at least 2 images, not {max_images}")
    chosen = np.sort(np.random.default_rng(seed).choice(len(table), max_images, replace=False))
    return table.iloc[chosen].reset_index(drop=True)


def image_paths(root, table: pd.DataFrame) -> list[Path]:
    """``root/images/<image>`` for each row; DataError naming the missing ones."""
    paths = [Path(root) / "images" / name for name in table["image"]]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise DataError(f"LaMem folder '{root}': {len(missing)} image(s) of the split files are missing from "
                        f"images/, e.g. {missing[:3]}")
    return paths


def stimulus_set(root, table: pd.DataFrame):
    """A Brain-Score StimulusSet of the rows of ``table`` (stimulus_id = file stem), not cached by
    identifier (activations of 10,000s of images would fill the cache)."""
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet
    paths = image_paths(root, table)
    stimuli = StimulusSet(pd.DataFrame({"stimulus_id": list(table["stimulus_id"]), "filename": list(table["image"])}))
    stimuli.stimulus_paths = {sid: str(path) for sid, path in zip(table["stimulus_id"], paths)}
    stimuli.identifier = None
    return stimuli
