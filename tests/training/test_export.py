"""training.export: the safetensors file holds the trained network, its sha256 is right, and the
model zoo then loads it for the identifier."""
import hashlib

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from brainscore_memorability.errors import MemorabilityError, UnknownIdentifierError
from brainscore_memorability_training.export import export
from brainscore_memorability_training.lamem import read_split, split_file
from brainscore_memorability_training.loop import train


@pytest.fixture(scope="module")
def trained(tiny_lamem, tmp_path_factory):
    from brainscore_memorability_training.config import TrainConfig
    config = TrainConfig(arch="resnet18", objective="lamem", lamem_root=str(tiny_lamem), image_size=16,
                         batch_size=8, max_steps=1, workers=0, device="cpu", progress=False,
                         out_dir=str(tmp_path_factory.mktemp("run")))
    return train(config)


def test_export_writes_weights_sha256_and_registers_them(trained, tiny_lamem, tmp_path, monkeypatch):
    monkeypatch.setenv("BRAINSCORE_MEMORABILITY_HOME", str(tmp_path / "home"))
    path, digest = export(trained.checkpoint, "memnet-lamem-resnet18", out=tmp_path)
    assert path == tmp_path / "memnet-lamem-resnet18.safetensors"
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (tmp_path / "memnet-lamem-resnet18.safetensors.sha256").read_text() == f"{digest}  {path.name}\n"
    tensors = load_file(path)
    expected = trained.network.state_dict()
    assert tensors.keys() == expected.keys() and all(torch.equal(tensors[k], expected[k]) for k in expected)
    with safe_open(str(path), framework="pt") as f:
        metadata = f.metadata()
    assert metadata["arch"] == "resnet18" and metadata["objective"] == "lamem" and metadata["step"] == "1"
    assert metadata["image_size"] == "16"
    train_scores = [score for _, score in read_split(split_file(tiny_lamem, "train", 1))]
    assert float(metadata["lamem_centre"]) == pytest.approx(sum(train_scores) / len(train_scores), abs=1e-12)

    from brainscore_memorability.models import weights, zoo
    assert weights.resolve("memnet-lamem-resnet18").path == path.resolve()
    loaded = zoo.build("memnet-lamem-resnet18")
    assert all(torch.equal(v, expected[k]) for k, v in loaded.network.state_dict().items())


def test_export_refuses_a_mismatched_identifier(trained, tmp_path):
    with pytest.raises(MemorabilityError, match="export it as memnet-lamem-resnet18"):
        export(trained.checkpoint, "memnet-joint-resnet50", out=tmp_path, register=False)
    with pytest.raises(UnknownIdentifierError):
        export(trained.checkpoint, "memnet-lamem-resnet19", out=tmp_path, register=False)
    assert not list(tmp_path.iterdir())
