"""Streamed activations equal brainscore-vision's PytorchWrapper's: the plain arrays, the zoo's
assemblies (look_at of every region over time bins, and every CKA layer), and the cache keys."""
import functools
import os

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from brainscore_memorability.errors import MemorabilityError
from brainscore_memorability.models import zoo
from brainscore_memorability.models.architectures import ARCHITECTURES
from brainscore_memorability.models.extraction import StreamingWrapper, layer_activations, stream

# float32 convolutions in another memory format (channels-last) or of batches of another size
# (PytorchWrapper pads the last batch) round differently: agreement to 1e-5 of the largest activation
TOLERANCE = 1e-5


def assert_close(ours, theirs):
    assert np.abs(ours - theirs).max() <= TOLERANCE * np.abs(theirs).max()


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
    layers = ["layer3.0.conv1", "layer1.1", "avgpool"]  # not in execution order: both order them as run
    wrapper = PytorchWrapper(model=network, preprocessing=preprocess, identifier="resnet18-test", batch_size=2)
    theirs = wrapper(images, layers=layers)
    # batch of 2 over 5 images: the last batch is short here, padded by PytorchWrapper
    ours = layer_activations(network, images, layers, preprocess, batch_size=2)
    assert list(ours) == ["layer1.1", "layer3.0.conv1", "avgpool"] == list(dict.fromkeys(theirs["layer"].values))
    assert [a.shape for a in ours.values()] == [(5, 64 * 8 * 8), (5, 256 * 2 * 2), (5, 512)]
    assert all(a.dtype == np.float32 for a in ours.values())
    side_by_side = np.concatenate(list(ours.values()), axis=1)
    assert_close(side_by_side, theirs.values)
    assert network.training is False


def test_stops_the_forward_pass_after_the_last_requested_layer(images):
    import torchvision
    from brainscore_vision.model_helpers.activations.pytorch import load_preprocess_images
    network = torchvision.models.resnet18()
    later = []
    network.layer4.register_forward_hook(lambda *_: later.append(1))
    values, shapes = stream(network, images, ["layer1.0"], functools.partial(load_preprocess_images, image_size=32))
    assert later == [1] and shapes  # the one image that measures the widths runs through == {"layer1.0": (64, 8, 8)} and values.shape == (5, 64 * 64)


def test_unknown_layer_names_the_layer(images):
    network = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3))
    with pytest.raises(MemorabilityError, match="no layer 'features.3'"):
        layer_activations(network, images, ["features.3"], lambda paths: np.zeros((len(paths), 3, 8, 8), np.float32))


def test_a_network_that_views_its_activations_runs_in_the_contiguous_format(images):
    """ResMem's AlexNet branch flattens with ``.view``, which a channels-last activation refuses:
    the stream falls back to the contiguous format and records the same values."""
    class Viewing(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3)
            self.fc = torch.nn.Linear(4 * 6 * 6, 2)

        def forward(self, x):
            return self.fc(self.conv(x).view(-1, 4 * 6 * 6))

    torch.manual_seed(0)
    network = Viewing()
    batch = np.random.default_rng(0).random((5, 3, 8, 8)).astype(np.float32)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        channels_last = torch.from_numpy(batch).contiguous(memory_format=torch.channels_last)
        network.to(memory_format=torch.channels_last)(channels_last)
    values = layer_activations(network, images, ["fc"], lambda paths: batch[[images.index(p) for p in paths]],
                               batch_size=2)["fc"]
    with torch.no_grad():
        expected = network(torch.from_numpy(batch)).numpy()
    np.testing.assert_allclose(values, expected, rtol=1e-6, atol=1e-6)


def test_a_layer_that_runs_twice_is_refused(images):
    class Twice(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 3, 1)

        def forward(self, x):
            return self.conv(self.conv(x))
    with pytest.raises(MemorabilityError, match="'conv' ran twice"):
        stream(Twice(), images, ["conv", "conv"], lambda paths: np.zeros((len(paths), 3, 8, 8), np.float32))


def pytorch_wrapper_model(zoo_model, batch_size):
    """brainscore-vision's own ModelCommitment over a PytorchWrapper on the zoo model's network."""
    from brainscore_vision.model_helpers.activations.pytorch import PytorchWrapper
    from brainscore_vision.model_helpers.brain_transformation import ModelCommitment
    ours = zoo_model.activations_model
    wrapper = PytorchWrapper(model=zoo_model.zoo_network.network, preprocessing=ours._extractor.preprocess,
                             identifier=ours.identifier, batch_size=batch_size)
    return ModelCommitment(identifier=zoo_model.identifier, activations_model=wrapper, layers=zoo_model.layers,
                           region_layer_map=dict(zoo_model.zoo_network.regions), visual_degrees=8)


def assert_same_assembly(ours, theirs):
    """Same type, dims, index levels, coordinates (values; dtype kinds, str and object alike),
    values within TOLERANCE (relative to the largest)."""
    from brainscore_core.supported_data_standards.brainio.assemblies import walk_coords
    assert type(ours) is type(theirs) and ours.dims == theirs.dims and ours.shape == theirs.shape
    for dim in theirs.dims:
        assert list(ours.indexes[dim].names) == list(theirs.indexes[dim].names)
    theirs_coords = {name: (dims, values) for name, dims, values in walk_coords(theirs)}
    ours_coords = {name: (dims, values) for name, dims, values in walk_coords(ours)}
    assert list(ours_coords) == list(theirs_coords)
    for name, (dims, b) in theirs_coords.items():
        a = np.asarray(ours_coords[name][1])
        b = np.asarray(b)
        assert ours_coords[name][0] == dims and a.shape == b.shape, name
        assert a.dtype.kind == b.dtype.kind or {a.dtype.kind, b.dtype.kind} <= {"U", "O"}, name
        nan = pd.isnull(a) & pd.isnull(b) if a.dtype.kind == "f" else np.zeros(a.shape, bool)
        assert ((a == b) | nan).all(), name
    assert_close(ours.values, theirs.values)


@pytest.mark.parametrize("arch", ["alexnet", *(pytest.param(arch, marks=pytest.mark.slow)
                                               for arch in ("resnet18", "vgg16", "resnet50"))])
def test_zoo_model_equals_a_pytorch_wrapper_model(arch, tiny_stimuli, monkeypatch):
    """look_at of each region with two time bins, and many layers at once, as brainscore-vision's
    own ModelCommitment over a PytorchWrapper on the same network answers."""
    monkeypatch.setenv("RESULTCACHING_DISABLE", "1")
    ours = zoo.brain_model(f"memnet-joint-{arch}", weights="random", batch_size=2)  # 3 images: a short batch
    assert isinstance(ours.activations_model, StreamingWrapper)
    theirs = pytorch_wrapper_model(ours, batch_size=2)
    bins = [(70, 100), (180, 210)]
    for region in ARCHITECTURES[arch].regions:
        for model in (ours, theirs):
            model.start_recording(region, time_bins=bins)
        a, b = ours.look_at(tiny_stimuli), theirs.look_at(tiny_stimuli)
        assert "time_bin" in a.dims
        assert list(zip(a["time_bin_start"].values, a["time_bin_end"].values)) == bins
        assert_same_assembly(a, b)
    # every CKA layer at once (AlexNet's mix convolutional and fully connected ones); ResNets: the
    # regions' layers at once (all CKA layers of a ResNet take minutes to package by PytorchWrapper)
    layers = list(ARCHITECTURES[arch].cka_layers if arch == "alexnet" else ARCHITECTURES[arch].regions.values())
    assert_same_assembly(ours.activations_model(tiny_stimuli, layers=layers),
                         theirs.activations_model(tiny_stimuli, layers=layers))


def test_cache_keys_are_pytorch_wrappers(tiny_stimuli, monkeypatch):
    """Both write the same result_caching file, and each reads what the other wrote."""
    import uuid
    from pathlib import Path
    monkeypatch.delenv("RESULTCACHING_DISABLE", raising=False)
    stimuli = tiny_stimuli.copy()
    stimuli.stimulus_paths, stimuli.identifier = tiny_stimuli.stimulus_paths, f"bsm-tests-{uuid.uuid4().hex[:8]}"
    cache = Path(os.environ["RESULTCACHING_HOME"])  # tests/conftest.py: a temporary folder, read at import
    ours = zoo.brain_model("memnet-lamem-resnet18", weights="random", batch_size=4)
    theirs = pytorch_wrapper_model(ours, batch_size=4)
    layers = ["backbone.layer2.1", "backbone.layer4.1"]

    def cached_files():
        return sorted(str(p.relative_to(cache)) for p in cache.rglob(f"*{stimuli.identifier}*.pkl"))
    reference = theirs.activations_model(stimuli, layers=layers)
    files = cached_files()
    assert len(files) == 1 and "ActivationsExtractorHelper._from_paths_stored" in files[0]
    assert "identifier=memnet-lamem-resnet18@random-seed0" in files[0]
    os.remove(cache / files[0])
    mine = ours.activations_model(stimuli, layers=layers)
    assert cached_files() == files
    assert_same_assembly(mine, reference)
    # PytorchWrapper now reads the file ours wrote: zeroed weights do not show
    with torch.no_grad():
        for parameter in ours.zoo_network.network.parameters():
            parameter.zero_()
    assert_same_assembly(theirs.activations_model(stimuli, layers=layers), mine)
