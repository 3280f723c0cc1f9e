"""brainscore_memorability/models/resmem.py: ResMem through the zoo equals the resmem package's own
pipeline. The slow tests load its 490 MB weights twice; they skip where resmem is not installed."""
import numpy as np
import pytest

from brainscore_memorability.errors import MemorabilityError
from brainscore_memorability.models import resmem as zoo_resmem
from brainscore_memorability.models import zoo


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(zoo_resmem, "installed_version", lambda: None)
    with pytest.raises(MemorabilityError, match=r'pip install -e "\.\[resmem\]"'):
        zoo.build("resmem")


@pytest.mark.slow
def test_resmem_scores_equal_the_packages_own_pipeline(tiny_images):
    resmem = pytest.importorskip("resmem")
    import torch
    from PIL import Image
    ours = zoo.predict_memorability("resmem", tiny_images, batch_size=2)
    network = resmem.ResMem(pretrained=True).eval()  # the package's README recipe, image by image
    with torch.no_grad():
        theirs = [network(resmem.transformer(Image.open(p).convert("RGB")).view(-1, 3, 227, 227)).item()
                  for p in tiny_images]
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert ((0 < ours) & (ours < 1)).all()


@pytest.mark.slow
def test_resmem_brain_model(tiny_stimuli):
    pytest.importorskip("resmem")
    model = zoo.brain_model("resmem", batch_size=3)
    assert model.identifier == f"resmem@resmem-{zoo_resmem.installed_version()}"
    assert model.visual_degrees() == 8
    modules = dict(model.zoo_network.network.named_modules())
    assert all(layer in modules for layer in [*zoo_resmem.REGIONS.values(), *zoo_resmem.CKA_LAYERS])
    model.start_recording("IT", time_bins=[(70, 170)])
    assembly = model.look_at(tiny_stimuli)
    assert set(assembly.dims) == {"presentation", "neuroid"} and assembly.sizes == {"presentation": 3, "neuroid": 4096}
    assert len(set(assembly["neuroid_id"].values)) == 4096
    random = zoo.build("resmem", weights="random")
    assert random.model_identifier == "resmem@random-seed0"
    trained = model.zoo_network.network.state_dict()["fc12.weight"]
    assert not np.allclose(random.network.state_dict()["fc12.weight"].numpy(), trained.numpy())
