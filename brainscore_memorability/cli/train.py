"""``brainscore train``: the training package's ``train`` command (:mod:`brainscore_memorability_training.cli`).

Under torchrun: ``torchrun --nproc_per_node=N -m brainscore_memorability train ...``.
"""
from brainscore_memorability_training.cli import TRAIN_HELP as HELP
from brainscore_memorability_training.cli import add_train_arguments as add_arguments
from brainscore_memorability_training.cli import run_train as run

__all__ = ["HELP", "add_arguments", "run"]
