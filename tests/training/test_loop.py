"""training.loop on tiny datasets, CPU: a few steps lower the loss; metrics, TensorBoard events and
a checkpoint are written."""
import csv

import pytest
import torch

from brainscore_memorability_training.loop import train


def full_set_losses(network, config):
    """Each task's loss over all training images at once (no augmentation, BatchNorm on the batch)."""
    from brainscore_memorability_training.images import build_transform
    from brainscore_memorability_training.loop import load_data
    from brainscore_memorability_training.objectives import Objective
    datasets, _ = load_data(config, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    transform = build_transform(config.image_size, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225), False)
    images, task, target = [], [], []
    for name, dataset in datasets.items():
        dataset.transform = transform
        for i in range(len(dataset)):
            image, value = dataset[i]
            images.append(image), task.append(int(name == "lamem")), target.append(float(value))
    centre = sum(datasets["lamem"].targets) / len(datasets["lamem"]) if "lamem" in datasets else 0.0
    network.train()
    with torch.no_grad():
        outputs = network(torch.stack(images))
    _, parts = Objective(config.objective, centre, "fixed")(outputs, torch.tensor(task), torch.tensor(target))
    return {name: value.item() for name, value in parts.items()}


def test_a_few_steps_lower_the_loss(tiny_config):
    """16 AdamW steps of 4 ImageNet + 4 LaMem images (resnet18, 16 x 16, joint objective): each
    task's loss over the whole training set falls to less than half (measured on 3 seeds: ImageNet
    CE 6.6-7.2 -> 0.02-0.12, LaMem MSE 0.30-0.74 -> 0.04-0.17)."""
    from brainscore_memorability.models.architectures import build_network
    config = tiny_config(objective="joint", epochs=2, optimizer="adamw", lr=3e-3, weighting="fixed")
    torch.manual_seed(config.seed)  # the loop's initial weights
    before = full_set_losses(build_network(config.arch, "joint"), config)
    result = train(config)
    after = full_set_losses(result.network, config)
    assert before.keys() == after.keys() == {"lamem", "imagenet"}
    assert all(after[task] < 0.5 * before[task] for task in before), (before, after)

    with open(f"{config.out_dir}/metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows] == [8, 16]  # an epoch: 32 ImageNet images, 4 per step
    assert float(rows[-1]["train_loss"]) == pytest.approx(result.history[-1]["train_loss"])
    assert -1 <= float(rows[-1]["lamem_val_rho"]) <= 1 and -1 <= float(rows[-1]["lamem_test_rho"]) <= 1
    assert 0 <= float(rows[-1]["imagenet_val_top1"]) <= float(rows[-1]["imagenet_val_top5"]) == 100  # 4 classes
    assert list((result.checkpoint.parent / "tensorboard").glob("events.out.tfevents.*"))


def test_results_do_not_depend_on_worker_processes(tiny_config, tmp_path):
    """Augmentations are seeded per image by the sampler, so loader workers change nothing."""
    runs = [train(tiny_config(max_steps=2, lr=1e-3, workers=workers, out_dir=str(tmp_path / str(workers))))
            for workers in (0, 2)]
    a, b = (r.network.state_dict() for r in runs)
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.slow
def test_torch_compile_trains_like_eager(tiny_config, tmp_path):
    """torch.compile (inductor, C++ on the CPU; ~1 min to compile) gives the eager run's weights up
    to the float differences of fused kernels (measured max |difference| 7e-9 after 2 steps)."""
    settings = dict(max_steps=2, lr=1e-3, batchnorm="frozen")
    eager = train(tiny_config(**settings, out_dir=str(tmp_path / "eager"))).network.state_dict()
    compiled = train(tiny_config(**settings, compile=True, out_dir=str(tmp_path / "compiled"))).network.state_dict()
    worst = max((eager[k] - compiled[k]).abs().max().item() for k in eager if eager[k].is_floating_point())
    print("max |eager - compiled|:", worst)
    assert worst < 1e-4


def test_learning_rate_schedules(tiny_config):
    from brainscore_memorability_training.loop import lr_factor
    cosine = lr_factor(tiny_config(schedule="cosine", warmup_steps=4), total_steps=104, steps_per_epoch=10)
    assert [cosine(s) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert cosine(4) == 1.0 and cosine(54) == pytest.approx(0.5) and cosine(104) == pytest.approx(0.0)
    step = lr_factor(tiny_config(schedule="step", step_epochs=3, step_gamma=0.1), 100, steps_per_epoch=10)
    assert [step(s) for s in (0, 29, 30, 59, 60)] == pytest.approx([1, 1, 0.1, 0.1, 0.01])


def test_alternating_joint_batches_train_both_heads(tiny_config):
    """mixing: alternate with a quarter of the steps LaMem (steps 0-2 ImageNet, 3 LaMem): both heads learn."""
    from brainscore_memorability.models.architectures import build_network
    config = tiny_config(objective="joint", mixing="alternate", lamem_fraction=0.25, max_steps=4, lr=1e-2)
    torch.manual_seed(config.seed)
    start = build_network("resnet18", "joint").state_dict()
    result = train(config)
    end = result.network.state_dict()
    for head in ("imagenet_head.weight", "lamem_head.weight"):
        assert not torch.equal(start[head], end[head])
    row = result.history[-1]
    assert row["step"] == 4 and row["train_loss_lamem"] > 0 and row["train_loss_imagenet"] > 0
