"""brainscore_memorability/models/weights.py: where weights come from, sha256 checks, safe loading."""
import hashlib
import json

import pytest
import torch
from safetensors.torch import save_file

from brainscore_memorability.errors import UnknownIdentifierError
from brainscore_memorability.models import weights
from brainscore_memorability.models.weights import ChecksumError, WeightsError


def _file(path, value=0.0):
    save_file({"w": torch.full((4,), value)}, str(path))
    return path


def test_add_local_weights_writes_the_user_manifest_and_resolve_reads_it(tmp_path, weights_home):
    path = _file(tmp_path / "joint.safetensors")
    entry = weights.add_local_weights("memnet-joint", path)  # alias stored in canonical form
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert entry == {"path": str(path.resolve()), "sha256": digest, "arch": "resnet50", "objective": "joint"}
    manifest = json.loads((weights_home / "weights_manifest.json").read_text())
    assert manifest == {"weights": {"memnet-joint-resnet50": entry}}
    resolved = weights.resolve("memnet_joint_resnet50")  # leaderboard form
    assert (resolved.kind, resolved.path, resolved.sha256) == ("file", path.resolve(), digest)
    assert resolved.model_identifier == f"memnet-joint-resnet50@sha256-{digest[:12]}"
    # a second entry keeps the first
    weights.add_local_weights("memnet-lamem-alexnet", _file(tmp_path / "lamem.safetensors", 1.0))
    assert set(weights.read_manifest(weights_home / "weights_manifest.json")) == {
        "memnet-joint-resnet50", "memnet-lamem-alexnet"}


def test_different_weights_give_different_model_identifiers(tmp_path):
    first = weights.resolve("memnet-lamem-resnet18", _file(tmp_path / "a.safetensors", 0.0))
    second = weights.resolve("memnet-lamem-resnet18", _file(tmp_path / "b.safetensors", 1.0))
    random = weights.resolve("memnet-lamem-resnet18", "random")
    identifiers = {first.model_identifier, second.model_identifier, random.model_identifier}
    assert len(identifiers) == 3
    assert random.model_identifier == "memnet-lamem-resnet18@random-seed0"


def test_a_tampered_file_is_refused_against_the_manifest(tmp_path):
    path = _file(tmp_path / "joint.safetensors")
    weights.add_local_weights("memnet-joint-resnet50", path)
    _file(path, 2.0)  # same size, different content
    with pytest.raises(ChecksumError, match="refused") as error:
        weights.resolve("memnet-joint-resnet50")
    assert str(path.resolve()) in str(error.value)


def test_a_tampered_file_is_refused_against_its_sidecar(tmp_path):
    path = _file(tmp_path / "lamem.safetensors")
    (tmp_path / "lamem.safetensors.sha256").write_text(f"{weights.sha256_of(path)}  lamem.safetensors\n")
    assert weights.resolve("memnet-lamem-resnet18", path).kind == "file"
    with open(path, "ab") as f:
        f.write(b"\0")
    with pytest.raises(ChecksumError, match="sidecar"):
        weights.resolve("memnet-lamem-resnet18", path)
    with pytest.raises(ChecksumError):  # registering it is refused too
        weights.add_local_weights("memnet-lamem-resnet18", path)


def test_order_of_sources(tmp_path, monkeypatch):
    manifest_file = _file(tmp_path / "manifest.safetensors", 0.0)
    env_file = _file(tmp_path / "env.safetensors", 1.0)
    argument_file = _file(tmp_path / "argument.safetensors", 2.0)
    assert weights.resolve("memnet-imagenet-resnet18", builtin="torchvision-X").tag == "torchvision-X"
    weights.add_local_weights("memnet-imagenet-resnet18", manifest_file)
    assert weights.resolve("memnet-imagenet-resnet18", builtin="torchvision-X").path == manifest_file.resolve()
    monkeypatch.setenv("BRAINSCORE_MEMORABILITY_WEIGHTS_MEMNET_IMAGENET_RESNET18", str(env_file))
    assert weights.resolve("memnet-imagenet-resnet18").path == env_file.resolve()
    assert weights.resolve("memnet-imagenet-resnet18", argument_file).path == argument_file.resolve()
    assert weights.resolve("memnet-imagenet-resnet18", "random").kind == "random"


def test_use_weights_sets_the_environment_variable_after_checking(tmp_path, monkeypatch):
    path = _file(tmp_path / "w.safetensors")
    weights.use_weights("memnet-lamem", path)
    assert weights.env_variable("memnet-lamem") == "BRAINSCORE_MEMORABILITY_WEIGHTS_MEMNET_LAMEM_RESNET50"
    import os
    assert os.environ["BRAINSCORE_MEMORABILITY_WEIGHTS_MEMNET_LAMEM_RESNET50"] == str(path.resolve())
    monkeypatch.delenv("BRAINSCORE_MEMORABILITY_WEIGHTS_MEMNET_LAMEM_RESNET50")
    with pytest.raises(WeightsError, match="does not exist"):
        weights.use_weights("memnet-lamem", tmp_path / "absent.safetensors")
    with pytest.raises(WeightsError, match="only be chosen for this package's models"):
        weights.use_weights("alexnet", path)


def test_missing_weights_say_how_to_train_or_fetch_them():
    with pytest.raises(WeightsError) as error:
        weights.resolve("memnet-joint-resnet50")
    message = str(error.value)
    for hint in ("brainscore train --config joint-resnet50 --lamem-root LAMEM --imagenet-root IMAGENET",
                 "brainscore export RUN_DIR --id memnet-joint-resnet50", "--weights PATH", "BRAINSCORE_MEMORABILITY_WEIGHTS_MEMNET_JOINT_"
                 "RESNET50", "--weights random"):
        assert hint in message
    with pytest.raises(UnknownIdentifierError):
        weights.add_local_weights("memnet-joint-resnet51", "x.safetensors")
    with pytest.raises(WeightsError) as error:  # no config joint-alexnet ships: the hint must not name one
        weights.resolve("memnet-joint-alexnet")
    assert "brainscore train --arch alexnet --objective joint --lamem-root" in str(error.value)
    assert "--config joint-alexnet" not in str(error.value)


def test_shipped_manifest_downloads_on_first_use_and_checks_the_download(tmp_path, monkeypatch, weights_home):
    published = _file(tmp_path / "published.safetensors", 3.0)
    digest = weights.sha256_of(published)
    shipped = tmp_path / "shipped.json"
    entry = {"url": published.as_uri(), "sha256": digest, "file": "lamem-alexnet-v1.safetensors"}
    shipped.write_text(json.dumps({"weights": {"memnet-lamem-alexnet": entry}}))
    monkeypatch.setattr(weights, "SHIPPED_MANIFEST", shipped)
    resolved = weights.resolve("memnet-lamem-alexnet")
    assert resolved.path == (weights_home / "weights" / "lamem-alexnet-v1.safetensors").resolve()
    assert torch.equal(weights.load_state_dict(resolved)[0]["w"], torch.full((4,), 3.0))
    published.unlink()  # second use: from the cache, no download
    assert weights.resolve("memnet-lamem-alexnet").sha256 == digest
    # a corrupted download (or cached file) is refused
    entry["sha256"] = "0" * 64
    shipped.write_text(json.dumps({"weights": {"memnet-lamem-alexnet": entry}}))
    with pytest.raises(ChecksumError):
        weights.resolve("memnet-lamem-alexnet")


def test_the_shipped_manifest_is_well_formed():
    for identifier, entry in weights.read_manifest(weights.SHIPPED_MANIFEST).items():
        assert identifier.startswith("memnet-") and len(entry["sha256"]) == 64 and "url" in entry


def test_malformed_manifest_names_the_file(weights_home):
    weights_home.mkdir(parents=True)
    (weights_home / "weights_manifest.json").write_text("{not json")
    with pytest.raises(WeightsError, match="weights_manifest.json is malformed"):
        weights.resolve("memnet-lamem-resnet18")


class _Payload:  # a pickled object that weights_only loading must refuse
    def __reduce__(self):
        return (print, ("unpickled!",))


def test_pytorch_files_are_read_with_weights_only(tmp_path):
    plain = tmp_path / "plain.pt"
    torch.save({"network": {"w": torch.ones(2)}, "step": 3}, plain)
    state, metadata = weights.load_state_dict(weights.resolve("memnet-lamem-resnet18", plain))
    assert torch.equal(state["w"], torch.ones(2)) and metadata == {}
    hostile = tmp_path / "hostile.pt"
    torch.save({"network": {"w": torch.ones(2)}, "payload": _Payload()}, hostile)
    with pytest.raises(WeightsError, match="cannot be read safely"):
        weights.load_state_dict(weights.resolve("memnet-lamem-resnet18", hostile))
    pickled = tmp_path / "weights.pkl"
    pickled.write_bytes(b"x")
    with pytest.raises(WeightsError, match="must end in"):
        weights.resolve("memnet-lamem-resnet18", pickled)


def test_concurrent_exports_keep_every_entry(tmp_path, weights_home):
    from concurrent.futures import ThreadPoolExecutor
    names = [f"memnet-{objective}-{arch}" for objective in ("lamem", "joint") for arch in ("alexnet", "resnet18", "vgg16")]
    files = [_file(tmp_path / f"{name}.safetensors", float(i)) for i, name in enumerate(names)]
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(weights.add_local_weights, names, files))
    assert set(weights.read_manifest(weights_home / "weights_manifest.json")) == set(names)
