"""``brainscore export``: the training package's ``export`` command (:mod:`brainscore_memorability_training.cli`)."""
from brainscore_memorability_training.cli import EXPORT_HELP as HELP
from brainscore_memorability_training.cli import add_export_arguments as add_arguments
from brainscore_memorability_training.cli import run_export as run

__all__ = ["HELP", "add_arguments", "run"]
