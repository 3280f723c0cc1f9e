"""One source of truth: the checked-in plugin folders are exactly what the registry generates, and
every registry line in them names an identifier the package registers and `brainscore list` shows."""
import json
import re
from pathlib import Path

from brainscore_core.plugin_management.parse_plugin_changes import get_plugin_ids

from brainscore_memorability import registry, submission
from brainscore_memorability.cli import list_identifiers

REPO_ROOT = Path(__file__).resolve().parents[2]


def checked_in_folders() -> dict[str, dict[str, str]]:
    return {f"{plugin_type}/{folder.name}": submission.read_plugin_folder(folder)
            for plugin_type in submission.PLUGIN_TYPES.values()
            for folder in sorted((REPO_ROOT / plugin_type).iterdir())
            if folder.is_dir() and not folder.name.startswith((".", "_"))}


def test_checked_in_folders_equal_the_generated_ones():
    generated = {plugin.folder: plugin.files for plugin in submission.plugins()}
    on_disk = checked_in_folders()
    hint = "run `brainscore submit --sync-folders .` and commit models/ and benchmarks/"
    assert sorted(on_disk) == sorted(generated), hint
    for folder, files in generated.items():
        assert on_disk[folder] == files, f"{folder} differs from the registry; {hint}"


def test_every_registry_line_names_a_registered_identifier():
    for plugin_type, kind in (("models", "model"), ("benchmarks", "benchmark")):
        folders = [f.name for f in (REPO_ROOT / plugin_type).iterdir() if f.is_dir()]
        # read the way Brain-Score's CI reads them, and the way brain-score.org does
        ci_ids = get_plugin_ids(plugin_type, folders, str(REPO_ROOT))
        web_ids = [i for folder in folders for i in re.findall(
            kind + r"_registry\['(.+?)'\]", (REPO_ROOT / plugin_type / folder / "__init__.py").read_text())]
        assert sorted(ci_ids) == sorted(web_ids) and len(web_ids) == len(folders)
        for identifier in web_ids:
            entry = registry.lookup(kind, identifier)
            assert entry is not None, f"{plugin_type}: '{identifier}' is not registered by the package"
            assert entry.leaderboard_identifier == identifier and "-" not in identifier
            listed = [name for name, _ in list_identifiers.rows(plugin_type, include_upstream=False)]
            assert entry.identifier in listed


def test_every_leaderboard_identifier_has_a_plugin():
    board = {entry.leaderboard_identifier for entry in submission.leaderboard_registrations()}
    assert board == {plugin.identifier for plugin in submission.plugins()}
    assert {registry.leaderboard_identifier(b) for b in submission.LEADERBOARD_BENCHMARKS} <= board


def test_model_folders_carry_their_region_layer_map():
    for plugin in submission.plugins():
        if plugin.kind == "model":
            assert f"region_layer_map/{plugin.identifier}.json" in plugin.files
            assert '"IT"' in plugin.files[f"region_layer_map/{plugin.identifier}.json"]


def test_sync_writes_replaces_and_prunes_only_generated_folders(tmp_path):
    foreign = tmp_path / "models" / "someone_elses"
    foreign.mkdir(parents=True)
    (foreign / "__init__.py").write_text("model_registry['someone_elses'] = None\n")
    stale = submission.write_plugin_folder(submission.Plugin("model", "gone", "gone", {
        "__init__.py": submission.GENERATED_MARKER + "\n"}), tmp_path)
    written = submission.sync_plugin_folders(tmp_path)
    assert not stale.exists() and foreign.exists()
    assert {p.relative_to(tmp_path).as_posix() for p in written} == {p.folder for p in submission.plugins()}
    assert submission.read_plugin_folder(written[0]) == submission.plugins()[0].files


def test_region_layer_maps_name_layers_of_the_untrained_networks():
    from brainscore_memorability.models import zoo
    for plugin in submission.plugins():
        if plugin.kind == "model" and plugin.identifier.startswith("memnet_imagenet_"):  # one per architecture
            network = zoo.build(plugin.identifier, "random")
            layers = json.loads(plugin.files[f"region_layer_map/{plugin.identifier}.json"])
            assert set(layers) == {"V1", "V2", "V4", "IT"}
            modules = dict(network.network.named_modules())
            assert all(layer in modules for layer in layers.values()), (plugin.identifier, layers)
