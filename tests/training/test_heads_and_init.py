"""The categorization head has one output per ImageFolder class; a run can start from another
run's exported weights (its trunk and every head of the same shape)."""
import pytest
import torch
from safetensors.torch import save_file

from brainscore_memorability.errors import MemorabilityError
from brainscore_memorability.models.architectures import build_network
from brainscore_memorability_training.loop import start_from


def _save(network, path):
    save_file({k: v.contiguous() for k, v in network.state_dict().items()}, str(path))
    return path


def test_head_size_follows_the_number_of_classes():
    assert build_network("resnet18", "imagenet").imagenet_head.out_features == 1000
    six = build_network("resnet18", "joint", imagenet_classes=6)
    assert six.imagenet_head.out_features == 6 and six(torch.zeros(2, 3, 32, 32))["imagenet"].shape == (2, 6)
    with pytest.raises(ValueError, match="at least 2 classes"):
        build_network("resnet18", "imagenet", imagenet_classes=1)


def test_a_run_starts_from_the_trunk_and_matching_heads(tmp_path):
    torch.manual_seed(0)
    classifier = build_network("resnet18", "imagenet", imagenet_classes=6)
    path = _save(classifier, tmp_path / "cls.safetensors")
    torch.manual_seed(1)
    joint = build_network("resnet18", "joint", imagenet_classes=6)
    start_from(joint, path)
    for key, value in classifier.state_dict().items():  # trunk and the 6-way head are copied
        torch.testing.assert_close(joint.state_dict()[key], value, rtol=0, atol=0)
    assert not joint.lamem_head.weight.any() and not joint.lamem_head.bias.any()  # new head: predicts the centre
    other = build_network("resnet18", "joint", imagenet_classes=10)  # a head of another size starts at zero
    start_from(other, path)
    assert not other.imagenet_head.weight.any()


def test_starting_from_another_architecture_says_so(tmp_path):
    path = _save(build_network("resnet18", "imagenet", imagenet_classes=6), tmp_path / "r18.safetensors")
    with pytest.raises(MemorabilityError, match="does not hold this ResNet trunk"):
        start_from(build_network("resnet50", "lamem"), path)
    (tmp_path / "junk.safetensors").write_bytes(b"not a file")
    with pytest.raises(MemorabilityError, match="cannot read it as safetensors"):
        start_from(build_network("resnet18", "lamem"), tmp_path / "junk.safetensors")
