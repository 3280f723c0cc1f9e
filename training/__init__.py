"""Training of the memorability (LaMem), categorization (ImageNet) and joint networks.

From Python: ``train(load_config("joint-resnet50", lamem_root=..., imagenet_root=...))``; from a
shell: ``brainscore train --config joint-resnet50 ...`` (or ``python -m brainscore_memorability_training train``).
Never imported by the scoring side.
"""
from brainscore_memorability_training.config import TrainConfig, load_config


def train(config: TrainConfig, resume: bool = False):
    """:func:`brainscore_memorability_training.loop.train` (imported on use: torch loads only when training)."""
    from brainscore_memorability_training.loop import train as run
    return run(config, resume)


__all__ = ["TrainConfig", "load_config", "train"]
