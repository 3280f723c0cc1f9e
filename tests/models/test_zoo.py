"""brainscore_memorability/models/zoo.py: zoo networks as Brain-Score models, weights, memorability."""
import numpy as np
import pytest
import torch
from PIL import Image

import brainscore_memorability
from brainscore_memorability.models import identifiers, zoo
from brainscore_memorability.models.architectures import ARCHITECTURES
from brainscore_memorability.models.weights import WeightsError


def test_registration_and_catalogue_do_not_import_torch():
    import subprocess
    import sys
    code = ("import sys, brainscore_memorability, brainscore_memorability.models.catalogue as c; "
            "assert 'memnet-joint-resnet152' in brainscore_memorability.registry.registrations().__repr__(); "
            "print('torch' in sys.modules, len(c.ARCHITECTURES))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["False", str(len(identifiers.ARCHS))], result.stderr


def test_identifiers():
    assert identifiers.ARCHS == tuple(ARCHITECTURES)
    assert identifiers.parse("memnet-joint") == ("joint", "resnet50")
    assert identifiers.parse("memnet_lamem_vgg16") == ("lamem", "vgg16")
    assert identifiers.canonical("resmem-imagenet") == "memnet-imagenet-resnet152"


@pytest.mark.parametrize("arch", ["resnet18", "alexnet"])
def test_brain_model_meets_brainscore_generic_requirements(arch, tiny_stimuli):
    """What Brain-Score checks on submission: identifier, visual_degrees, start_recording/look_at."""
    model = zoo.brain_model(f"memnet-joint-{arch}", weights="random", batch_size=4)  # padded batch: small
    assert model.identifier == f"memnet-joint-{arch}@random-seed0"
    assert 0 < model.visual_degrees() < 9000 and model.visual_degrees() == 8
    assert model.layers == list(ARCHITECTURES[arch].cka_layers)
    for region in ("IT", "V4"):
        model.start_recording(region, time_bins=[(70, 170)])
        assembly = model.look_at(tiny_stimuli, number_of_trials=1)
        assert set(assembly.dims) == {"presentation", "neuroid"}
        assert list(assembly["stimulus_id"].values) == ["tiny0", "tiny1", "tiny2"]
        neuroids = assembly["neuroid_id"].values
        assert len(set(neuroids)) == len(neuroids) == assembly.sizes["neuroid"] > 0
        layer = ARCHITECTURES[arch].regions[region]
        assert set(assembly["layer"].values) == {layer}  # the shipped map, no layer search
        assert np.isfinite(assembly.values).all() and assembly.values.std() > 0


def test_region_map_is_committed_without_search():
    model = brainscore_memorability.load_model("memnet-lamem-resnet18", weights="random")
    assert model.identifier == "memnet-lamem-resnet18@random-seed0"
    assert model.layer_model._layer_model.region_layer_map == ARCHITECTURES["resnet18"].regions


def test_random_weights_are_reproducible_and_flagged():
    first, second = (zoo.build("memnet-lamem-resnet18", "random") for _ in range(2))
    assert first.model_identifier == "memnet-lamem-resnet18@random-seed0"
    for a, b in zip(first.network.state_dict().values(), second.network.state_dict().values()):
        assert torch.equal(a, b)


def test_random_seeds_give_different_networks():
    seeded = {seed: zoo.build("memnet-lamem-alexnet", seed) for seed in ("random:0", "random:1", "random:1")}
    zero, one = seeded["random:0"], seeded["random:1"]
    assert zero.model_identifier == "memnet-lamem-alexnet@random-seed0"  # the same network as plain "random"
    assert one.model_identifier == "memnet-lamem-alexnet@random-seed1"
    plain = zoo.build("memnet-lamem-alexnet", "random").network.state_dict()
    again = zoo.build("memnet-lamem-alexnet", "random:1").network.state_dict()
    for key, value in zero.network.state_dict().items():
        if value.is_floating_point() and value.numel() > 1 and "bias" not in key:
            assert torch.equal(value, plain[key])
            assert not torch.equal(value, one.network.state_dict()[key]), key  # another seed, other weights
            assert torch.equal(one.network.state_dict()[key], again[key])  # the same seed, the same weights
    with pytest.raises(WeightsError, match="random:SEED"):
        zoo.build("memnet-lamem-alexnet", "random:x")


def test_weights_path_is_loaded_and_changes_the_identifier(exported_weights, tiny_images):
    path, reference = exported_weights("resnet18", "lamem", seed=1, lamem_centre=0.7, image_size=64)
    network = zoo.build("memnet-lamem-resnet18", weights=path)
    assert network.model_identifier.startswith("memnet-lamem-resnet18@sha256-")
    assert network.image_size == 64  # preprocessing follows the weights' training size
    for key, value in reference.state_dict().items():
        assert torch.equal(network.network.state_dict()[key], value)
    # memorability = the head's output + the training centre, on torchvision's evaluation crop
    scores = zoo.predict_memorability("memnet-lamem-resnet18", tiny_images, weights=path, batch_size=2)
    from torchvision import transforms as T
    crop = T.Compose([T.Resize(73), T.CenterCrop(64), T.ToTensor(),
                      T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    batch = torch.stack([crop(Image.open(p).convert("RGB")) for p in tiny_images])
    with torch.no_grad():
        expected = reference(batch)["lamem"].numpy() + 0.7
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-6)
    assert scores.shape == (3,) and np.ptp(scores) > 0
    other, _ = exported_weights("resnet18", "lamem", seed=2)
    assert zoo.build("memnet-lamem-resnet18", weights=other).model_identifier != network.model_identifier


def test_environment_variable_reaches_brainscore_vision_loader(exported_weights, monkeypatch):
    import brainscore_vision
    path, _ = exported_weights("resnet18", "joint", seed=3)
    monkeypatch.setenv("BRAINSCORE_MEMORABILITY_WEIGHTS_MEMNET_JOINT_RESNET18", str(path))
    model = brainscore_vision.load_model("memnet_joint_resnet18")
    assert model.identifier.startswith("memnet-joint-resnet18@sha256-")


def test_weights_for_another_network_are_refused(exported_weights):
    path, _ = exported_weights("resnet18", "lamem")
    with pytest.raises(WeightsError, match="lamem-trained resnet18, not the joint-trained resnet18"):
        zoo.build("memnet-joint-resnet18", weights=path)
    unlabelled = path.with_name("unlabelled.pt")
    torch.save({"network": {"fc.weight": torch.zeros(1)}}, unlabelled)
    with pytest.raises(WeightsError, match="does not fit 'memnet-lamem-resnet18'"):
        zoo.build("memnet-lamem-resnet18", weights=unlabelled)


def test_imagenet_models_use_torchvision_weights_api(monkeypatch, tmp_path):
    """No network here: put a state dict where torchvision caches its official file, and check it is
    the one loaded (backbone and ImageNet head) under the weights' name."""
    import torchvision
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    enum = torchvision.models.ResNet18_Weights.IMAGENET1K_V1
    assert ARCHITECTURES["resnet18"].weights_enum() is enum
    torch.manual_seed(5)
    official = torchvision.models.resnet18().state_dict()
    cached = tmp_path / "torch" / "hub" / "checkpoints" / enum.url.rsplit("/", 1)[1]
    cached.parent.mkdir(parents=True)
    torch.save(official, cached)
    network = zoo.build("memnet-imagenet-resnet18")
    assert network.model_identifier == "memnet-imagenet-resnet18@torchvision-IMAGENET1K_V1"
    state = network.network.state_dict()
    assert torch.equal(state["backbone.layer4.1.conv2.weight"], official["layer4.1.conv2.weight"])
    assert torch.equal(state["imagenet_head.weight"], official["fc.weight"])
    assert network.memorability is None
    with pytest.raises(WeightsError, match="no memorability head"):
        zoo.predict_memorability("memnet-imagenet-resnet18", [])


def test_resmem_counterpart_uses_the_original_resnet152_weights():
    assert ARCHITECTURES["resnet152"].imagenet_weights_tag() == "torchvision-IMAGENET1K_V1"
    assert ARCHITECTURES["resnet50"].imagenet_weights_tag() == "torchvision-IMAGENET1K_V1"  # pinned, not DEFAULT (V2)


def test_unreadable_image_is_named(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    from brainscore_memorability.errors import DataError
    with pytest.raises(DataError, match="bad.jpg"):
        zoo.predict_memorability("memnet-lamem-resnet18", [bad], weights="random")


def test_a_head_trained_on_another_imagefolder_loads_with_its_own_size(tmp_path):
    """Weights whose categorization head has 6 classes (the simulated sample's ImageFolder)."""
    import torch
    from safetensors.torch import save_file

    from brainscore_memorability.models import zoo
    from brainscore_memorability.models.architectures import build_network
    network = build_network("resnet18", "joint", imagenet_classes=6)
    path = tmp_path / "joint6.safetensors"
    save_file({k: v.contiguous() for k, v in network.state_dict().items()}, str(path),
              metadata={"arch": "resnet18", "objective": "joint"})
    built = zoo.build("memnet-joint-resnet18", weights=path)
    assert built.network.imagenet_head.out_features == 6
    torch.testing.assert_close(built.network.imagenet_head.weight, network.imagenet_head.weight)
