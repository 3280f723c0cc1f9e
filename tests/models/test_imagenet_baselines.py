"""Issue 12 point 8: the ImageNet baselines are torchvision's 90-epoch weights (IMAGENET1K_V1), pinned
by name per architecture, shown in `brainscore list` and in the Brain-Score identifier."""
from pathlib import Path

import pytest

from brainscore_memorability.cli import main
from brainscore_memorability.models import weights
from brainscore_memorability.models.catalogue import ARCHITECTURES

CONFIGS = Path(__file__).resolve().parents[2] / "training" / "configs"
TORCHVISION = [name for name, spec in ARCHITECTURES.items() if spec.source == "torchvision"]


@pytest.mark.parametrize("arch", TORCHVISION)
def test_each_architecture_pins_the_90_epoch_weights_by_name(arch):
    torchvision = pytest.importorskip("torchvision")
    spec = ARCHITECTURES[arch]
    enum = spec.weights_enum()
    assert enum is torchvision.models.get_model_weights(arch).IMAGENET1K_V1  # never the moving DEFAULT
    assert "references/classification" in enum.meta["recipe"]
    assert spec.imagenet_weights_tag() == f"torchvision-{enum.name}" == "torchvision-IMAGENET1K_V1"


def test_default_would_be_another_recipe_for_resnet50():
    """The reason to pin: torchvision's DEFAULT for ResNet-50 is the 600-epoch V2 recipe."""
    torchvision = pytest.importorskip("torchvision")
    assert torchvision.models.get_model_weights("resnet50").DEFAULT.name != "IMAGENET1K_V1"  # V2 in 0.29
    assert ARCHITECTURES["resnet50"].weights_enum().name == "IMAGENET1K_V1"


@pytest.mark.parametrize("arch", TORCHVISION)
def test_the_identifier_names_the_weights(arch, monkeypatch, tmp_path):
    monkeypatch.setenv(weights.HOME_ENV, str(tmp_path))  # no user manifest
    monkeypatch.delenv(weights.env_variable(f"memnet-imagenet-{arch}"), raising=False)
    resolved = weights.resolve(f"memnet-imagenet-{arch}", None, builtin=ARCHITECTURES[arch].imagenet_weights_tag())
    assert resolved.model_identifier == f"memnet-imagenet-{arch}@torchvision-IMAGENET1K_V1"


def test_brainscore_list_shows_the_weights(capsys):
    assert main(["list", "models"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:] if line.strip()}
    for arch in TORCHVISION:
        assert "torchvision IMAGENET1K_V1" in lines[f"memnet-imagenet-{arch}"]


@pytest.mark.parametrize("arch", [p.stem.split("-", 1)[1] for p in sorted(CONFIGS.glob("imagenet-*.yaml"))])
def test_training_configs_name_the_weights_they_reproduce(arch):
    import yaml
    path = CONFIGS / f"imagenet-{arch}.yaml"
    text = path.read_text()
    config = yaml.safe_load(text)
    comments = " ".join(line for line in text.splitlines() if line.startswith("#"))
    assert ARCHITECTURES[arch].imagenet_weights in comments and "may equally use" not in comments
    assert config["epochs"] == 90 and config["schedule"] == "step" and config["step_epochs"] == 30
