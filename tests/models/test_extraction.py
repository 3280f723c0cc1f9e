"""Streamed layer activations equal brainscore-vision's PytorchWrapper's, in the same layout."""
import functools

import numpy as np
import pytest
import torch
from PIL import Image

from brainscore_memorability.errors import MemorabilityError
from brainscore_memorability.models.extraction import layer_activations


@pytest.fixture
def images(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for i in range(5):
        path = tmp_path / f"{i}.png"
        Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(path)
        paths.append(str(path))
    return paths


def test_equals_pytorch_wrapper_layer_by_layer(images, monkeypatch):
    import torchvision
    from brainscore_vision.model_helpers.activations.pytorch import PytorchWrapper, load_preprocess_images
    monkeypatch.setenv("RESULTCACHING_DISABLE", "1")
    torch.manual_seed(0)
    network = torchvision.models.resnet18().eval()
    preprocess = functools.partial(load_preprocess_images, image_size=32)
    layers = ["layer1.1", "layer3.0.conv1", "avgpool"]
    # batch of 2 over 5 images: the last batch is short here, padded by PytorchWrapper
    ours = layer_activations(network, images, layers, preprocess, batch_size=2)
    wrapper = PytorchWrapper(model=network, preprocessing=preprocess, identifier="resnet18-test", batch_size=2)
    theirs = wrapper(images, layers=layers)
    assert [a.shape for a in ours.values()] == [(5, 64 * 8 * 8), (5, 256 * 2 * 2), (5, 512)]
    assert all(a.dtype == np.float32 for a in ours.values())
    side_by_side = np.concatenate(list(ours.values()), axis=1)
    # tolerance: float32 convolutions of batches of different sizes may round differently
    np.testing.assert_allclose(side_by_side, theirs.values, rtol=0, atol=1e-5)
    assert network.training is False


def test_unknown_layer_names_the_layer(images):
    network = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3))
    with pytest.raises(MemorabilityError, match="no layer 'features.3'"):
        layer_activations(network, images, ["features.3"], lambda paths: np.zeros((len(paths), 3, 8, 8), np.float32))
