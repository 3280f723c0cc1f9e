"""Where Kar2019.temporal comes from: explicit path, environment variable, config file, URL with hash."""
import functools
import hashlib
import http.server
import shutil
import threading

import numpy as np
import pytest
from PIL import Image

import brainscore_vision
from brainscore_memorability.data import kar2019, packaging, sources
from brainscore_memorability.errors import DataError


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    """A tiny packaged dataset: {'assembly', 'stimuli_csv', 'stimuli_zip'} -> {'path', 'sha1', 'sha256'}."""
    root = tmp_path_factory.mktemp("packaged")
    (root / "images").mkdir()
    for i in range(4):
        Image.fromarray(np.full((4, 4, 3), 60 * i, dtype=np.uint8)).save(root / "images" / f"s{i}.png")
    np.save(root / "nano.npy", np.random.default_rng(0).gamma(2, 5, size=(4, 2, 3, 2)))
    return packaging.package([f"nano={root / 'nano.npy'}"], root / "out", "Kar2019.temporal",
                             images=root / "images", time_bins=[(70, 85), (85, 100)])


@pytest.fixture
def clean_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BRAINIO_HOME", str(tmp_path / "brainio"))
    monkeypatch.setenv(sources.CONFIG_VARIABLE, str(tmp_path / "absent.yaml"))
    monkeypatch.delenv(kar2019.ENVIRONMENT_VARIABLE, raising=False)
    return tmp_path


def test_without_any_location_the_error_says_every_way(clean_environment):
    with pytest.raises(DataError) as error:
        kar2019.load_assembly()
    for hint in ("--data FILE.nc", kar2019.ENVIRONMENT_VARIABLE, "data.Kar2019.temporal", "brainscore package-data"):
        assert hint in str(error.value)


def test_explicit_path_environment_variable_and_config_path(clean_environment, packaged, monkeypatch):
    nc = packaged["assembly"]["path"]
    assert kar2019.load_assembly(nc).sizes == {"presentation": 12, "neuroid": 2, "time_bin": 2}
    monkeypatch.setenv(kar2019.ENVIRONMENT_VARIABLE, nc)
    assert kar2019.load_assembly().attrs["source_file"] == nc
    monkeypatch.delenv(kar2019.ENVIRONMENT_VARIABLE)
    config = clean_environment / "config.yaml"
    relative = shutil.copytree(packaged["assembly"]["path"].rsplit("/", 1)[0], clean_environment / "data")
    config.write_text("data:\n  Kar2019.temporal:\n    path: data/assy_Kar2019_temporal.nc\n")  # relative to the config
    monkeypatch.setenv(sources.CONFIG_VARIABLE, str(config))
    assembly = brainscore_vision.load_dataset("Kar2019.temporal")  # through Brain-Score's own loader
    assert assembly.attrs["source_file"] == str(relative / "assy_Kar2019_temporal.nc")
    stimulus_set = brainscore_vision.load_stimulus_set("Kar2019.temporal.stimuli")
    assert sorted(stimulus_set["stimulus_id"]) == ["s0", "s1", "s2", "s3"]


def test_stimulus_files_must_match_the_netcdf(clean_environment, packaged):
    folder = shutil.copytree(packaged["assembly"]["path"].rsplit("/", 1)[0], clean_environment / "copy")
    csv = folder / "stimulus_Kar2019_temporal.csv"
    csv.write_text(csv.read_text() + "s9,s9.png\n")
    with pytest.raises(DataError, match=rf"{csv}: sha1 .* differs from .* recorded in .*assy_Kar2019_temporal.nc"):
        sources.load_packaged(folder / "assy_Kar2019_temporal.nc")
    csv.unlink()
    with pytest.raises(DataError, match=rf"its stimulus file '{csv}' does not exist"):
        sources.load_packaged(folder / "assy_Kar2019_temporal.nc")


@pytest.fixture
def http_server(packaged):
    """Serves the packaged folder on 127.0.0.1; yields its base URL."""
    folder = packaged["assembly"]["path"].rsplit("/", 1)[0]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=folder)
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def remote_config(path, base_url, packaged, wrong=None):
    lines = ["data:", "  Kar2019.temporal:"]
    for key, scheme_hash in (("assembly", "sha256"), ("stimuli_csv", "sha1"), ("stimuli_zip", "sha256")):
        name = packaged[key]["path"].rsplit("/", 1)[1]
        digest = "0" * len(packaged[key][scheme_hash]) if key == wrong else packaged[key][scheme_hash]
        lines.append(f"    {key}: {{url: '{base_url}/{name}', {scheme_hash}: '{digest}'}}")
    path.write_text("\n".join(lines) + "\n")


def test_remote_files_are_downloaded_once_into_brainio_home(clean_environment, packaged, http_server, monkeypatch):
    config = clean_environment / "remote.yaml"
    remote_config(config, http_server, packaged)
    monkeypatch.setenv(sources.CONFIG_VARIABLE, str(config))
    assembly = kar2019.load_assembly()
    cached = clean_environment / "brainio" / packaged["assembly"]["sha256"] / "assy_Kar2019_temporal.nc"
    assert assembly.attrs["source_file"] == str(cached)
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == packaged["assembly"]["sha256"]
    reference = sources.load_packaged(packaged["assembly"]["path"])
    np.testing.assert_array_equal(assembly.values, reference.values)
    # the cache is used without the network: a second load works after the server is gone
    monkeypatch.setattr(sources, "_download", lambda *args: pytest.fail("downloaded again"))
    assert kar2019.load_assembly().sizes == assembly.sizes


def test_file_url_and_wrong_hash(clean_environment, packaged, monkeypatch):
    folder = packaged["assembly"]["path"].rsplit("/", 1)[0]
    config = clean_environment / "file.yaml"
    remote_config(config, f"file://{folder}", packaged, wrong="stimuli_csv")
    monkeypatch.setenv(sources.CONFIG_VARIABLE, str(config))
    with pytest.raises(DataError) as error:
        kar2019.load_assembly()
    message = str(error.value)
    assert f"file://{folder}/stimulus_Kar2019_temporal.csv" in message
    assert f"sha1 is {packaged['stimuli_csv']['sha1']}, expected {'0' * 40}" in message
    assert not list((clean_environment / "brainio" / ("0" * 40)).iterdir())  # nothing bad left in the cache
    remote_config(config, f"file://{folder}", packaged)
    assert kar2019.load_assembly().sizes["neuroid"] == 2


def test_remote_needs_a_hash_and_unreachable_urls_say_so(clean_environment):
    with pytest.raises(DataError, match="give its sha256"):
        sources.fetch("http://127.0.0.1:9/x.nc")
    with pytest.raises(DataError, match=r"could not download 'http://127.0.0.1:9/x.nc'"):
        sources.fetch("http://127.0.0.1:9/x.nc", sha1="0" * 40)
    with pytest.raises(DataError, match="unsupported location"):
        sources.fetch("ftp://host/x.nc", sha1="0" * 40)
    with pytest.raises(DataError, match="quote it in the config file"):
        sources.fetch("http://127.0.0.1:9/x.nc", sha1=0)  # what YAML makes of an unquoted 000...0
