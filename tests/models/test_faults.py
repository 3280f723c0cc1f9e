"""The model zoo on bad input: undecodable images, a zero batch size, a misspelled model with
--weights, torchvision weights offline, weights changed after their check, manifest file names
that point outside the weights folder."""
import json
import urllib.error

import pytest
import torch
from safetensors.torch import load_file, save_file

from brainscore_memorability.cli import main
from brainscore_memorability.errors import MemorabilityError
from brainscore_memorability.models import weights, zoo
from brainscore_memorability.models.weights import ChecksumError, WeightsError


def one_line(capsys) -> str:
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1, error
    return error[0]


def test_predict_memorability_names_an_image_that_does_not_decode(bad_images, tiny_images, capsys):
    """A decompression bomb escaped the error handling (DecompressionBombError traceback)."""
    for name in ("bomb", "truncated", "text"):
        argv = ["predict-memorability", "--model", "memnet-lamem-resnet18", "--weights", "random",
                str(tiny_images[0]), str(bad_images[name])]
        assert main(argv) == 1
        assert f"image {bad_images[name]} " in one_line(capsys)


def test_a_zero_batch_size_is_bad_usage(tiny_images, capsys):
    with pytest.raises(SystemExit) as exit_code:
        main(["predict-memorability", "--model", "memnet-lamem-resnet18", "--batch-size", "0", str(tiny_images[0])])
    assert exit_code.value.code == 2
    assert "argument --batch-size: must be a whole number >= 1, not '0'" in capsys.readouterr().err
    with pytest.raises(MemorabilityError, match="batch_size is 0"):
        zoo.predict_memorability("memnet-lamem-resnet18", tiny_images, weights="random", batch_size=0)


@pytest.mark.parametrize("command", [["score", "--benchmark", "Kar2019-IT-early"], ["predict-memorability", "x.png"]])
def test_a_misspelled_model_with_weights_exits_2_with_suggestions(command, capsys):
    """It exited 1 ("weights can only be chosen for this package's models") without suggestions."""
    assert main([command[0], "--model", "memnet-lamem-resnt18", "--weights", "random", *command[1:]]) == 2
    assert "unknown model identifier 'memnet-lamem-resnt18'. Did you mean: memnet-lamem-resnet18" in one_line(capsys)


def test_torchvision_weights_offline_say_what_and_where(tiny_images, tmp_path, monkeypatch, capsys):
    """A 94-line traceback; now one line naming the URL and where to put the file."""
    import torch.hub

    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
    monkeypatch.setattr(torch.hub, "urlopen", offline)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    assert main(["predict-memorability", "--model", "memnet-imagenet-resnet18", str(tiny_images[0])]) == 1
    error = one_line(capsys)
    local = tmp_path / "torch" / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    assert "could not download torchvision's ImageNet weights of resnet18 from " \
           "https://download.pytorch.org/models/resnet18-f37072fd.pth" in error
    assert f"put it at {local}" in error and "--weights PATH" in error


def _file(path, value):
    save_file({"w": torch.full((4,), value)}, str(path))
    return path


def test_the_bytes_loaded_are_the_bytes_hashed(tmp_path):
    """The file was hashed, then read again: a file replaced in between was loaded unchecked."""
    path = _file(tmp_path / "w.safetensors", 1.0)
    resolved = weights.resolve("memnet-lamem-resnet18", path)
    _file(path, 2.0)  # replaced after the check
    with pytest.raises(ChecksumError, match=f"weights file {path} changed after its sha256 was checked"):
        weights.load_state_dict(resolved)
    resolved = weights.resolve("memnet-lamem-resnet18", path)
    state, _ = weights.load_state_dict(resolved)
    assert torch.equal(state["w"], torch.full((4,), 2.0))


@pytest.mark.parametrize("file", ["../../outside.safetensors", "/tmp/outside.safetensors", "..", "sub/w.safetensors"])
def test_a_manifest_file_name_cannot_leave_the_weights_folder(file, tmp_path, monkeypatch, weights_home):
    published = _file(tmp_path / "published.safetensors", 3.0)
    shipped = tmp_path / "shipped.json"
    entry = {"url": published.as_uri(), "sha256": weights.sha256_of(published), "file": file}
    shipped.write_text(json.dumps({"weights": {"memnet-lamem-alexnet": entry}}))
    monkeypatch.setattr(weights, "SHIPPED_MANIFEST", shipped)
    with pytest.raises(WeightsError, match=f"file name {file!r} must be a plain file name"):
        weights.resolve("memnet-lamem-alexnet")
    assert not (weights_home.parent / "outside.safetensors").exists()
    entry.pop("file")  # the URL's own name is checked the same way
    entry["url"] = published.parent.as_uri() + "/.."
    shipped.write_text(json.dumps({"weights": {"memnet-lamem-alexnet": entry}}))
    with pytest.raises(WeightsError, match="must be a plain file name"):
        weights.resolve("memnet-lamem-alexnet")


def test_safetensors_bytes_are_fixed_and_read_by_safetensors(tmp_path):
    """safetensors' own writer orders the metadata by hash map: the bytes varied between processes."""
    tensors = {"b": torch.arange(6, dtype=torch.float32).reshape(2, 3), "a": torch.tensor([True, False]),
               "c": torch.ones(2, dtype=torch.bfloat16), "scalar": torch.tensor(3, dtype=torch.int64)}
    metadata = {f"key{i}": str(i) for i in range(12)}
    data = weights.safetensors_bytes(tensors, metadata)
    assert data == weights.safetensors_bytes(dict(reversed(list(tensors.items()))), dict(reversed(list(metadata.items()))))
    (tmp_path / "x.safetensors").write_bytes(data)
    loaded = load_file(tmp_path / "x.safetensors")
    assert loaded.keys() == tensors.keys() and all(torch.equal(loaded[k], tensors[k]) for k in tensors)
    assert weights.safetensors_metadata(data) == metadata
    assert (8 + int.from_bytes(data[:8], "little")) % 8 == 0  # tensors start 8-byte aligned
