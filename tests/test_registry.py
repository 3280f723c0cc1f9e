"""The registry hook: our identifiers load through brainscore_vision's own loaders; theirs still do."""
import brainscore_vision
import pytest

import brainscore_memorability  # noqa: F401  (installs the hook)
from brainscore_memorability.errors import UnknownIdentifierError


def test_every_kind_loads_through_brainscore_vision(isolated_registry):
    objects = {kind: object() for kind in isolated_registry.KINDS}
    for kind, obj in objects.items():
        isolated_registry.register(kind, f"bsm-test-{kind}", "test entry", lambda obj=obj: obj)
    assert brainscore_vision.load_model("bsm-test-model") is objects["model"]
    assert brainscore_vision.load_benchmark("bsm-test-benchmark") is objects["benchmark"]
    assert brainscore_vision.load_metric("bsm-test-metric") is objects["metric"]
    assert brainscore_vision.load_dataset("bsm-test-data") is objects["data"]
    assert brainscore_vision.load_stimulus_set("bsm-test-stimulus_set") is objects["stimulus_set"]


def test_leaderboard_form_answers_too(isolated_registry):
    marker = object()
    entry = isolated_registry.register("model", "bsm-test-joint-net", "test entry", lambda: marker)
    assert entry.leaderboard_identifier == "bsm_test_joint_net"
    assert brainscore_vision.load_model("bsm_test_joint_net") is marker
    assert isolated_registry.lookup("model", "bsm_test_joint_net") is entry
    # listed once, under the canonical form
    assert [e.identifier for e in isolated_registry.registrations("model") if "joint-net" in e.identifier] \
        == ["bsm-test-joint-net"]


def test_conflicting_registration_is_refused(isolated_registry):
    isolated_registry.register("model", "bsm-test-a-b", "first", object)
    with pytest.raises(ValueError, match="already registered as 'bsm-test-a-b'"):
        isolated_registry.register("model", "bsm_test_a_b", "second", object)


def test_upstream_identifiers_keep_upstream_behaviour():
    metric = brainscore_vision.load_metric("pls")  # brainscore_vision's own plugin, found by its folder scan
    assert type(metric).__module__.startswith("brainscore_vision.metrics")
    with pytest.raises(AssertionError, match="No registrations found for bsm-no-such-metric"):
        brainscore_vision.load_metric("bsm-no-such-metric")


def test_brainscore_vision_score_works_for_our_identifiers(toy_model_and_benchmark, monkeypatch):
    from brainscore_core.plugin_management import conda_score
    saved = []  # upstream pickles every score into site-packages: record instead of writing
    monkeypatch.setattr(conda_score.CondaScore, "save_score", staticmethod(lambda *args: saved.append(args)))
    score = brainscore_vision.score("bsm-test-model", "bsm-test-benchmark")
    assert float(score) == 0.25
    assert score.attrs["model_identifier"] == "bsm-test-model"
    assert len(saved) == 1


def test_hook_is_installed_once():
    before = brainscore_vision.import_plugin
    brainscore_memorability.registry.install_loader_hook()
    assert brainscore_vision.import_plugin is before
    assert not getattr(before.__wrapped__, "_brainscore_memorability_hook", False)


def test_resolve_names_close_matches():
    with pytest.raises(UnknownIdentifierError) as error:
        brainscore_memorability.registry.resolve("model", "alexnett")
    assert "alexnett" in str(error.value) and "alexnet" in error.value.close_matches
    brainscore_memorability.registry.resolve("model", "alexnet")  # upstream identifier: no error
