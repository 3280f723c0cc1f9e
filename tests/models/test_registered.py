"""Every model this package registers builds (random initialisation, flagged in its identifier),
with its committed layers and CKA layers present and the heads of its objective."""
import pytest

from brainscore_memorability import registry
from brainscore_memorability.models import identifiers, zoo

MEMNETS = [e.identifier for e in registry.registrations("model")
           if e.identifier not in (identifiers.RESMEM,)]


def test_registrations_cover_the_zoo():
    expected = set(identifiers.memnet_identifiers()) | set(identifiers.ALIASES) | {
        identifiers.RESMEM, identifiers.RESMEM_IMAGENET}
    assert expected <= {e.identifier for e in registry.registrations("model")}
    assert registry.lookup("model", "memnet_joint_resnet50").identifier == "memnet-joint-resnet50"


@pytest.mark.parametrize("identifier", MEMNETS)
def test_every_registered_model_builds(identifier):
    network = zoo.build(identifier, weights="random")
    assert network.model_identifier == f"{identifiers.canonical(identifier)}@random-seed0"
    objective, _ = identifiers.parse(identifier)
    assert network.network.heads == {"imagenet": ("imagenet",), "lamem": ("lamem",),
                                     "joint": ("imagenet", "lamem")}[objective]
    modules = dict(network.network.named_modules())
    assert set(network.regions) == {"V1", "V2", "V4", "IT"}
    missing = [layer for layer in [*network.regions.values(), *network.cka_layers] if layer not in modules]
    assert not missing, f"{identifier}: layers {missing} are not modules of the network"
    assert len(set(network.cka_layers)) == len(network.cka_layers)
