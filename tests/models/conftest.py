"""Tiny images, a stimulus set over them, and an isolated weights home for the model zoo tests."""
import os

import numpy as np
import pandas as pd
import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def weights_home(tmp_path, monkeypatch):
    """A fresh, empty $BRAINSCORE_MEMORABILITY_HOME; no weights environment variables before the
    test, and none that the test set (e.g. through ``--weights``) after it."""
    def weights_variables():
        return [name for name in os.environ if name.startswith("BRAINSCORE_MEMORABILITY_WEIGHTS_")]
    home = tmp_path / "bsm-home"
    monkeypatch.setenv("BRAINSCORE_MEMORABILITY_HOME", str(home))
    for name in weights_variables():
        monkeypatch.delenv(name)
    yield home
    for name in weights_variables():
        del os.environ[name]


@pytest.fixture(scope="session")
def tiny_images(tmp_path_factory):
    """Three 40 x 48 RGB noise images of different brightness (PNG, JPEG, PNG)."""
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    paths = []
    for i, (brightness, suffix) in enumerate([(0.2, "png"), (0.5, "jpg"), (0.8, "png")]):
        pixels = np.clip(brightness * 255 + rng.normal(0, 40, (40, 48, 3)), 0, 255).astype(np.uint8)
        paths.append(folder / f"image{i}.{suffix}")
        Image.fromarray(pixels).save(paths[-1])
    return paths


@pytest.fixture(scope="session")
def tiny_stimuli(tiny_images):
    from brainscore_vision import StimulusSet
    stimuli = StimulusSet(pd.DataFrame({"stimulus_id": [f"tiny{i}" for i in range(len(tiny_images))]}))
    stimuli.stimulus_paths = {f"tiny{i}": str(path) for i, path in enumerate(tiny_images)}
    stimuli.identifier = "bsm-tests-tiny-images"
    return stimuli


@pytest.fixture
def exported_weights(tmp_path):
    """``export(arch, objective, seed, **metadata)``: a safetensors file as ``brainscore export``
    writes it (MemNet state dict + metadata), from a network initialised with ``seed``."""
    import torch
    from safetensors.torch import save_file

    from brainscore_memorability.models.architectures import build_network

    def export(arch="resnet18", objective="lamem", seed=1, name=None, **metadata):
        torch.manual_seed(seed)
        network = build_network(arch, objective)
        path = tmp_path / (name or f"{objective}-{arch}-seed{seed}.safetensors")
        save_file({k: v.contiguous() for k, v in network.state_dict().items()}, str(path),
                  metadata={"arch": arch, "objective": objective, **{k: str(v) for k, v in metadata.items()}})
        return path, network.eval()
    return export
