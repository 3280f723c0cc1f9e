"""`brainscore score` on bad input: one line, exit 1, naming the file and the fix, and before any
activations are extracted (a model that is never asked to look at anything proves it)."""
import os

import pytest
import xarray as xr

from brainscore_memorability.cli import main


@pytest.fixture
def watched_model(isolated_registry, pixel_model_class):
    """A registered pixel model that counts the images it is shown."""
    class Watched(pixel_model_class):
        shown = 0

        def look_at(self, stimuli, number_of_trials=1):
            Watched.shown += len(stimuli)
            return super().look_at(stimuli, number_of_trials)
    isolated_registry.register("model", "bsm-watched-model", "a pixel model that counts", Watched)
    return Watched


def score(nc, *options, benchmark="Kar2019-IT-early"):
    return main(["score", "--model", "bsm-watched-model", "--benchmark", benchmark, "--data", str(nc), *options])


def one_line(capsys) -> str:
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1, error
    return error[0]


def rewritten(planted_files, tmp_path, name, change):
    """A copy of the packaged set whose NetCDF is ``change(dataset)``."""
    folder = tmp_path / name
    folder.mkdir()
    source = planted_files["nc"]
    for path in os.listdir(os.path.dirname(source)):
        if not path.startswith("."):
            os.symlink(os.path.join(os.path.dirname(source), path), folder / path)
    nc = folder / "bad.nc"
    with xr.open_dataset(source) as dataset:
        change(dataset.load()).to_netcdf(nc)
    return nc


def test_two_data_variables_are_one_line(planted_files, watched_model, tmp_path, capsys):
    nc = rewritten(planted_files, tmp_path, "two", lambda d: d.assign(extra=d["data"] * 2))
    assert score(nc) == 1
    assert f"{nc}: holds 2 data variables ['data', 'extra']; an assembly NetCDF holds exactly one" in one_line(capsys)
    assert watched_model.shown == 0


def test_a_netcdf_without_stimulus_id_is_one_line(planted_files, watched_model, tmp_path, capsys):
    def drop(dataset):
        dataset = dataset.drop_vars("stimulus_id")
        dataset["data"].encoding.pop("coordinates", None)  # else xarray writes every coordinate as a variable
        return dataset
    nc = rewritten(planted_files, tmp_path, "nostim", drop)
    assert score(nc) == 1
    assert f"{nc}: lacks the coordinate(s) ['stimulus_id']" in one_line(capsys)
    assert watched_model.shown == 0


def test_an_unwritable_output_fails_before_scoring(planted_files, watched_model, tmp_path, capsys):
    """PermissionError / FileExistsError came after the whole score."""
    (tmp_path / "a_file").write_text("x")
    output = tmp_path / "a_file" / "score.json"
    assert score(planted_files["nc"], "--output", str(output)) == 1
    assert one_line(capsys) == (f"brainscore score: cannot write --output '{output}': '{tmp_path / 'a_file'}' is a "
                                f"file, not a folder; choose a writable path")
    assert watched_model.shown == 0


def test_a_window_outside_the_recorded_bins_fails_before_extraction(planted_files, watched_model, capsys):
    assert score(planted_files["nc"], "--window", "300", "400") == 1
    assert "time window (300, 400) ms is not covered by the recorded time bins (0-250 ms" in one_line(capsys)
    assert watched_model.shown == 0


def test_a_window_of_four_numbers_is_bad_usage(planted_files, watched_model, capsys):
    """--window 70 100 10 5 exited 1; bad usage exits 2, as documented."""
    assert score(planted_files["nc"], "--window", "70", "100", "10", "5") == 2
    assert one_line(capsys) == "brainscore score: --window takes START END or START END STEP (ms), not 70 100 10 5"


def test_majajhong_offline_says_what_and_how(tmp_path, monkeypatch):
    """Brain-Score's S3 unreachable: a 155-line traceback; now one DataError naming the data and the fix."""
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError
    from brainscore_core.supported_data_standards.brainio import fetch

    from brainscore_memorability.data import majajhong2015
    from brainscore_memorability.errors import DataError
    url = "https://brainscore-storage.s3.amazonaws.com/brainio-brainscore/assy_dicarlo_MajajHong2015_temporal_public.nc"

    def offline(self):  # what brainio raises without a network (measured on this machine)
        raise Exception([NoCredentialsError(), EndpointConnectionError(endpoint_url=url)])
    monkeypatch.setattr(fetch.BotoFetcher, "download_boto", offline)
    monkeypatch.setenv("BRAINIO_HOME", str(tmp_path / "brainio"))
    monkeypatch.setattr(fetch, "_local_data_path", None)
    with pytest.raises(DataError) as error:
        majajhong2015.load_assembly()
    message = str(error.value)
    assert "could not download 'MajajHong2015.temporal.public' from Brain-Score's S3" in message
    assert url in message and "--data FILE.nc" in message and "$BRAINIO_HOME" in message


@pytest.fixture
def watched_model_upstream_visible(pixel_model_class):
    """The watched model registered for real (not in an isolated copy of brainscore_vision's
    registries, which would swallow the registrations of the upstream plugins this test imports)
    and removed afterwards."""
    import brainscore_vision

    from brainscore_memorability import registry

    class Watched(pixel_model_class):
        shown = 0

        def look_at(self, stimuli, number_of_trials=1):
            Watched.shown += len(stimuli)
            return super().look_at(stimuli, number_of_trials)
    registry.register("model", "bsm-watched-upstream", "a pixel model that counts", Watched)
    yield Watched
    for name in ("bsm-watched-upstream", "bsm_watched_upstream"):
        registry._TABLE.pop(("model", name), None)
        brainscore_vision.model_registry.pop(name, None)


def test_an_upstream_benchmark_offline_is_one_line(watched_model_upstream_visible, tmp_path, monkeypatch, capsys):
    """brainscore_vision's own benchmarks fetch from Brain-Score's S3 too."""
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError
    from brainscore_core.supported_data_standards.brainio import fetch

    def offline(self):
        raise Exception([NoCredentialsError(), EndpointConnectionError(endpoint_url="https://brainscore-storage.s3")])
    monkeypatch.setattr(fetch.BotoFetcher, "download_boto", offline)
    monkeypatch.setenv("BRAINIO_HOME", str(tmp_path / "brainio"))
    monkeypatch.setattr(fetch, "_local_data_path", None)
    assert main(["score", "--model", "bsm-watched-upstream", "--benchmark", "MajajHong2015public.IT-pls"]) == 1
    error = one_line(capsys)
    assert error.startswith("brainscore score: could not download Brain-Score data from Brain-Score's S3 (")
    assert f"$BRAINIO_HOME (here {tmp_path / 'brainio'}" in error and watched_model_upstream_visible.shown == 0
