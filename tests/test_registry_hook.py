"""The registry hook against brainscore_vision changing under it: any arguments pass through,
identifiers brainscore_vision has are refused, ImportPlugin callers and load_model_bibtex get an
answer for ours, and BS_INSTALL_DEPENDENCIES=newenv says why ours cannot be scored that way."""
import brainscore_vision
import pytest
from brainscore_core.plugin_management import import_plugin as plugin_module

import brainscore_memorability  # noqa: F401  (installs the hook)
from brainscore_memorability import registry
from brainscore_memorability.errors import MemorabilityError


def test_any_arguments_pass_through_to_the_original(isolated_registry, monkeypatch):
    """The wrapper's fixed signature would break brainscore_vision's own loading on a new keyword."""
    calls = []

    def upstream(library_root, plugin_type, identifier, registry_prefix=None, *, new_keyword=None):
        calls.append((library_root, plugin_type, identifier, registry_prefix, new_keyword))
    monkeypatch.setattr(brainscore_vision, "import_plugin", upstream)
    registry.install_loader_hook()
    hooked = brainscore_vision.import_plugin
    assert hooked is not upstream and hooked.__wrapped__ is upstream
    hooked("brainscore_vision", "models", "alexnet", new_keyword=3)
    hooked("brainscore_vision", "data", "x", "stimulus_set")
    hooked(library_root="brainscore_vision", plugin_type="metrics", identifier="pls")
    assert calls == [("brainscore_vision", "models", "alexnet", None, 3), ("brainscore_vision", "data", "x", "stimulus_set", None),
                     ("brainscore_vision", "metrics", "pls", None, None)]
    isolated_registry.register("model", "bsm-test-pass", "test entry", object)
    assert hooked(identifier="bsm-test-pass", plugin_type="models", library_root="brainscore_vision") is None
    assert hooked("brainscore_vision", "models", "bsm_test_pass", new_keyword=1) is None
    assert len(calls) == 3  # ours never reach the folder scan


@pytest.mark.parametrize("kind, identifier", [("model", "alexnet"), ("metric", "pls"), ("benchmark", "MajajHong2015public.IT-pls")])
def test_an_identifier_brainscore_vision_has_is_refused(isolated_registry, kind, identifier):
    with pytest.raises(ValueError, match=f"{kind} '{identifier}' is already brainscore_vision's"):
        isolated_registry.register(kind, identifier, "would shadow theirs", object)
    assert isolated_registry.lookup(kind, identifier) is None


def test_import_plugin_callers_get_a_clear_answer_for_ours():
    with pytest.raises(registry.NotAPluginFolderError, match="'memnet-joint' is registered by the "
                                                             "brainscore-memorability package"):
        plugin_module.ImportPlugin("brainscore_vision", "models", "memnet-joint")
    assert plugin_module.ImportPlugin("brainscore_vision", "metrics", "pls").plugin_dirname == "regression_correlation"
    assert "Understanding and Predicting Image Memorability" in brainscore_vision.load_model_bibtex("memnet-joint")
    assert "khosla2015" in brainscore_vision.load_model_bibtex("memnet_joint_resnet50")


def test_newenv_says_our_identifiers_need_this_package(toy_model_and_benchmark, monkeypatch):
    monkeypatch.setenv("BS_INSTALL_DEPENDENCIES", "newenv")
    with pytest.raises(MemorabilityError, match=r"'bsm-test-model' and 'bsm-test-benchmark' come\(s\) from the "
                                                r"brainscore-memorability package: with BS_INSTALL_DEPENDENCIES=newenv"):
        brainscore_vision.score("bsm-test-model", "bsm-test-benchmark")
