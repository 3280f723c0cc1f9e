"""Training losses: ImageNet cross-entropy, LaMem regression, and their joint combination.

* ``imagenet``: cross-entropy of the 1000-way logits.
* ``lamem``: mean squared error between the predicted score and the score minus ``centre`` (the
  mean training score), so the head learns deviations from the mean (scores are ~0.4-1).
* ``joint``: ``fixed`` -- ``w_i * CE + w_l * MSE``; ``uncertainty`` -- Kendall, Gal & Cipolla (CVPR
  2018, eqs. 7 and 10) with learned ``s = log sigma^2`` per task:
  ``exp(-s_i) * CE + s_i / 2 + exp(-s_l) / 2 * MSE + s_l / 2``.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class Objective(nn.Module):
    """``forward(outputs, task, target) -> (loss, {task: its loss})``.

    ``outputs``: the network's dict (``imagenet``: n x 1000 logits, ``lamem``: n scores) for a
    batch mixing tasks; ``task``: n ints (0 ImageNet, 1 LaMem); ``target``: n floats (class index
    for ImageNet images, raw memorability score for LaMem images). Each task's loss is the mean over
    its images in the batch; a task without images in the batch contributes nothing.
    """

    def __init__(self, objective: str, centre: float = 0.0, weighting: str = "fixed",
                 imagenet_weight: float = 1.0, lamem_weight: float = 1.0):
        super().__init__()
        self.objective, self.centre, self.weighting = objective, centre, weighting
        joint = objective == "joint"
        self.weights = {"imagenet": imagenet_weight if joint else 1.0,
                        "lamem": lamem_weight if joint else 1.0}
        if joint and weighting == "uncertainty":
            self.log_variance = nn.Parameter(torch.zeros(2))  # s_imagenet, s_lamem

    def task_losses(self, outputs, task, target) -> dict[str, torch.Tensor]:
        losses = {}
        is_lamem = task == 1
        if "imagenet" in outputs and (~is_lamem).any():
            losses["imagenet"] = F.cross_entropy(outputs["imagenet"][~is_lamem].float(),
                                                 target[~is_lamem].long())
        if "lamem" in outputs and is_lamem.any():
            losses["lamem"] = F.mse_loss(outputs["lamem"][is_lamem].float(),
                                         target[is_lamem].float() - self.centre)
        return losses

    def forward(self, outputs, task, target):
        losses = self.task_losses(outputs, task, target)
        if hasattr(self, "log_variance"):
            s_i, s_l = self.log_variance[0], self.log_variance[1]
            terms = {"imagenet": lambda loss: torch.exp(-s_i) * loss + s_i / 2,
                     "lamem": lambda loss: torch.exp(-s_l) / 2 * loss + s_l / 2}
            total = sum(terms[name](loss) for name, loss in losses.items())
            # keep both parameters in the graph (DDP expects a gradient for every parameter)
            total = total + 0 * self.log_variance.sum()
        else:
            total = sum(self.weights[name] * loss for name, loss in losses.items())
        return total, {name: loss.detach() for name, loss in losses.items()}
