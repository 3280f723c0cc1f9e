"""training.objectives against the formulas written out by hand."""
import math

import pytest
import torch
from torch.nn import functional as F

from brainscore_memorability_training.objectives import Objective


@pytest.fixture
def batch():
    torch.manual_seed(0)
    outputs = {"imagenet": torch.randn(6, 1000), "lamem": torch.randn(6)}
    task = torch.tensor([0, 0, 1, 0, 1, 1])
    target = torch.tensor([3.0, 999.0, 0.8, 0.0, 0.6, 0.9])
    return outputs, task, target


def test_task_losses_use_only_their_images_and_centre_scores(batch):
    outputs, task, target = batch
    _, parts = Objective("joint", centre=0.7, weighting="fixed")(outputs, task, target)
    ce = -sum(torch.log_softmax(outputs["imagenet"][i], 0)[c] for i, c in ((0, 3), (1, 999), (3, 0))) / 3
    mse = sum((outputs["lamem"][i] - (s - 0.7)) ** 2 for i, s in ((2, 0.8), (4, 0.6), (5, 0.9))) / 3
    assert parts["imagenet"].item() == pytest.approx(ce.item(), rel=1e-5)
    assert parts["lamem"].item() == pytest.approx(mse.item(), rel=1e-5)


def test_fixed_weighting_is_the_weighted_sum(batch):
    total, parts = Objective("joint", 0.7, "fixed", imagenet_weight=0.3, lamem_weight=2.0)(*batch)
    assert total.item() == pytest.approx(0.3 * parts["imagenet"].item() + 2.0 * parts["lamem"].item(), rel=1e-6)


def test_uncertainty_weighting_follows_kendall_2018(batch):
    objective = Objective("joint", 0.7, "uncertainty")
    with torch.no_grad():
        objective.log_variance.copy_(torch.tensor([0.4, -1.2]))
    total, parts = objective(*batch)
    ce, mse = parts["imagenet"].item(), parts["lamem"].item()
    # 1/sigma_i^2 CE + log sigma_i + 1/(2 sigma_l^2) MSE + log sigma_l, with s = log sigma^2
    expected = math.exp(-0.4) * ce + 0.2 + math.exp(1.2) / 2 * mse - 0.6
    assert total.item() == pytest.approx(expected, rel=1e-6)
    total.backward()
    assert objective.log_variance.grad[0].item() == pytest.approx(-math.exp(-0.4) * ce + 0.5, rel=1e-5)


def test_single_task_objectives_and_batches_without_a_task(batch):
    outputs, task, target = batch
    total, parts = Objective("imagenet", imagenet_weight=5.0)({"imagenet": outputs["imagenet"]}, task, target)
    assert set(parts) == {"imagenet"} and total.item() == pytest.approx(parts["imagenet"].item())
    only_lamem = torch.ones(6, dtype=torch.long)
    total, parts = Objective("joint", 0.5, "fixed")(outputs, only_lamem, torch.full((6,), 0.5))
    assert set(parts) == {"lamem"}
    assert total.item() == pytest.approx(F.mse_loss(outputs["lamem"], torch.zeros(6)).item(), rel=1e-6)
