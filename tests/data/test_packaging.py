"""brainscore_memorability.data.packaging and `brainscore package-data`: lab arrays -> Brain-Score files."""
import h5py
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from brainscore_memorability import adapters
from brainscore_memorability.cli import main
from brainscore_memorability.data import packaging, sources
from brainscore_memorability.errors import DataError

IMAGES, BINS = 5, [(0, 10), (10, 20), (20, 30)]


@pytest.fixture
def images(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(IMAGES):
        Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(folder / f"im{i}.png")
    return folder


def rates(neurons=3, repetitions=4, images=IMAGES, bins=len(BINS), seed=0):
    return np.random.default_rng(seed).gamma(2.0, 10.0, size=(images, neurons, repetitions, bins))


def write_h5(path, **datasets):
    with h5py.File(path, "w") as file:
        for name, value in datasets.items():
            file[name] = value
    return path


def test_kar_lab_layout_round_trips_exactly(tmp_path, images):
    """Per-monkey groups, different repetition counts (NaN-padded), metadata in the file, NaN trials kept."""
    nano, magneto = rates(3, 4, seed=1), rates(2, 3, seed=2)
    nano[1, 0, 2, :] = np.nan  # one missing trial
    ids = np.array([f"im{i}" for i in range(IMAGES)], dtype="S")
    write_h5(tmp_path / "r.h5", **{"nano/rates": nano, "magneto/rates": magneto, "stimulus_id": ids,
                                   "magneto/neuroid_id": np.array([b"m_a", b"m_b"]),
                                   "time_bin_start": [0, 10, 20], "time_bin_end": [10, 20, 30]})
    written = packaging.package([str(tmp_path / "r.h5")], tmp_path / "out", "Test.temporal", images=images)
    assert written["shape"] == {"presentation": IMAGES * 4, "neuroid": 5, "time_bin": 3}
    assembly = sources.load_packaged(written["assembly"]["path"])
    assert list(assembly["neuroid_id"].values) == ["m_a", "m_b", "nano_0000", "nano_0001", "nano_0002"]
    assert list(assembly["animal"].values) == ["magneto"] * 2 + ["nano"] * 3
    assert list(assembly["time_bin_start"].values) == [0, 10, 20] and list(assembly["time_bin_end"].values) == [10, 20, 30]
    back, stimulus_ids = adapters.trial_rates(assembly)
    assert list(stimulus_ids) == [f"im{i}" for i in range(IMAGES)]
    np.testing.assert_array_equal(back[:, 2:, :4], nano)  # NaN where NaN, values exact
    np.testing.assert_array_equal(back[:, :2, :3], magneto)
    assert np.isnan(back[:, :2, 3]).all()  # magneto's 4th repetition does not exist
    stimulus_set = assembly.stimulus_set
    assert sorted(stimulus_set["stimulus_id"]) == sorted(stimulus_ids)
    for sid in stimulus_ids:  # the images are the very files given, unpacked under BRAINIO_HOME
        assert stimulus_set.get_stimulus(sid).read_bytes() == (images / f"{sid}.png").read_bytes()
    assert str(sources.brainio_home()) in str(stimulus_set.get_stimulus("im0"))
    assert stimulus_set.identifier == f"Test.temporal.{written['stimuli_zip']['sha1'][:8]}"


def test_npy_with_csv_and_time_bins_option(tmp_path, images):
    """One .npy per monkey (ANIMAL=FILE), image order from a CSV with extra metadata, bins from the CLI."""
    order = [3, 1, 4, 0, 2]
    pd.DataFrame({"stimulus_id": [f"im{i}" for i in order], "object_name": list("abcde")}).to_csv(
        tmp_path / "stimuli.csv", index=False)
    np.save(tmp_path / "a.npy", rates(2, seed=3))
    np.save(tmp_path / "b.npy", rates(1, seed=4))
    code = main(["package-data", f"nano={tmp_path / 'a.npy'}", f"magneto={tmp_path / 'b.npy'}",
                 "--stimuli", str(tmp_path / "stimuli.csv"), "--images", str(images),
                 "--time-bins", "0", "30", "10", "--identifier", "Csv.temporal", "--output", str(tmp_path / "out")])
    assert code == 0
    assembly = sources.load_packaged(tmp_path / "out" / "assy_Csv_temporal.nc")
    back, stimulus_ids = adapters.trial_rates(assembly)
    assert list(stimulus_ids) == [f"im{i}" for i in order]
    np.testing.assert_array_equal(back[:, assembly["animal"].values == "nano"], rates(2, seed=3))
    assert list(assembly.stimulus_set.set_index("stimulus_id").loc[stimulus_ids, "object_name"]) == list("abcde")
    assert list(assembly.sel(stimulus_id="im4")["object_name"].values) == ["c"] * 4  # merged into the assembly


def test_cli_prints_hashes_that_match_the_files(tmp_path, images, capsys):
    import hashlib
    write_h5(tmp_path / "r.h5", rates=rates())
    assert main(["package-data", str(tmp_path / "r.h5"), "--images", str(images), "--time-bins", "0", "30", "10",
                 "--output", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    nc = tmp_path / "out" / "assy_Kar2019_temporal.nc"
    assert hashlib.sha256(nc.read_bytes()).hexdigest() in out and "15 presentations x 3 neuroids" not in out
    assert "20 presentations x 3 neuroids (r) x 3 time bins" in out


# ------------------------------------------------------------------ every validation error names file and problem
def h5_case(tmp_path, **datasets):
    datasets.setdefault("time_bin_start", [0, 10, 20])
    datasets.setdefault("time_bin_end", [10, 20, 30])
    return write_h5(tmp_path / "bad.h5", **datasets)


def with_nan_cell(values):
    values = values.copy()
    values[2, 1, :, 0] = np.nan
    return values


@pytest.mark.parametrize("datasets, message", [
    ({"rates": rates(images=4)}, "5 images but the rates in {path}:rates have 4 images (axis 0)"),
    ({"rates": rates()[..., :2]}, "3 time bins (axis 3 has 2)"),
    ({"rates": rates(repetitions=1)}, "two repetitions"),
    ({"rates": rates()[:, :, :, 0, None][..., 0]}, "expected images x neurons x repetitions x time bins"),
    ({"rates": np.where(np.arange(3) == 1, np.inf, rates())}, "infinite rate values"),
    ({"rates": with_nan_cell(rates())}, "no finite repetition (all NaN), first at image 2, neuron 1, time bin 0"),
    ({"rates": rates(), "stimulus_id": np.array([b"im0", b"im1", b"im1", b"im3", b"im4"])}, "duplicate stimulus_id"),
    ({"rates": rates(), "stimulus_id": np.array([b"im0", b"im1", b"im2", b"im3"])}, "4 stimulus_ids for 5 images"),
    ({"rates": rates(), "stimulus_id": np.array([b"im0", b"im1", b"im2", b"im3", b"im9"])},
     "0 image files named 'im9.<suffix>'"),
    ({"rates": rates(), "neuroid_id": np.array([b"a", b"b", b"a"])}, "duplicate neuroid_id"),
    ({"rates": rates(), "time_bin_start": [0, 10, 15], "time_bin_end": [10, 20, 30]}, "increase without overlap"),
    ({"rates": rates(), "time_bin_start": [0, 10, 20], "time_bin_end": [10, 20, 20]}, "ends before it starts"),
    ({"rates": rates(), "time_bin_start": [0, 10, 20.5], "time_bin_end": [10, 20, 30]}, "whole milliseconds"),
    ({"spikes": rates()}, "no rates found"),
])
def test_bad_rates_file_names_file_and_problem(tmp_path, images, datasets, message):
    path = h5_case(tmp_path, **datasets)
    with pytest.raises(DataError) as error:
        packaging.package([str(path)], tmp_path / "out", "Bad.temporal", images=images)
    assert str(path) in str(error.value) and message.format(path=path) in str(error.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.nc"))  # nothing half-written


def test_bad_images_name_the_folder_or_csv(tmp_path, images):
    path = h5_case(tmp_path, rates=rates())
    (images / "im4.png").unlink()
    with pytest.raises(DataError, match=rf"{images}: 4 images but the rates in {path}:rates have 5 images"):
        packaging.package([str(path)], tmp_path / "out", "Bad.temporal", images=images)
    pd.DataFrame({"stimulus_id": [f"im{i}" for i in range(5)]}).to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(DataError, match=r"s.csv: 0 image files named 'im4.<suffix>'"):
        packaging.package([str(path)], tmp_path / "out", "Bad.temporal", stimuli_csv=tmp_path / "s.csv", images=images)


def test_file_ids_match_images_by_name_and_must_agree_with_a_csv(tmp_path, images):
    order = [b"im2", b"im0", b"im4", b"im1", b"im3"]
    path = h5_case(tmp_path, rates=rates(), stimulus_id=np.array(order))
    written = packaging.package([str(path)], tmp_path / "out", "Ids.temporal", images=images)
    _, stimulus_ids = adapters.trial_rates(sources.load_packaged(written["assembly"]["path"]))
    assert list(stimulus_ids) == [i.decode() for i in order]  # the file's order, images found by name
    pd.DataFrame({"stimulus_id": [f"im{i}" for i in range(5)]}).to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(DataError, match=rf"{path}:rates: its stimulus_id order differs from .*s.csv's at position 0 "
                                        r"\('im2' vs 'im0'\)"):
        packaging.package([str(path)], tmp_path / "out", "Ids.temporal", stimuli_csv=tmp_path / "s.csv", images=images)


def test_cli_reports_validation_error_with_exit_1(tmp_path, images, capsys):
    path = h5_case(tmp_path, rates=rates(images=4))
    assert main(["package-data", str(path), "--images", str(images), "--output", str(tmp_path / "out")]) == 1
    assert f"the rates in {path}:rates have 4 images (axis 0)" in capsys.readouterr().err


def test_missing_time_bins_and_conflicting_ones_are_errors(tmp_path, images):
    path = write_h5(tmp_path / "r.h5", rates=rates())
    with pytest.raises(DataError, match="no time_bin_start/time_bin_end in the file; give the time bins"):
        packaging.package([str(path)], tmp_path / "out", "X.t", images=images)
    path = h5_case(tmp_path, rates=rates())
    with pytest.raises(DataError, match="differ from the ones given"):
        packaging.package([str(path)], tmp_path / "out", "X.t", images=images, time_bins=[(0, 5), (5, 10), (10, 15)])


def test_validate_assembly_rejects_duplicate_presentations():
    assembly = packaging.build_assembly([packaging.Recording("nano", rates(), "arrays")],
                                        [f"im{i}" for i in range(IMAGES)], BINS)
    packaging.validate_assembly(assembly, "ok")
    doubled = type(assembly)(np.concatenate([assembly.values, assembly.values[:1]]),
                             dims=assembly.dims,
                             coords={"stimulus_id": ("presentation", list(assembly["stimulus_id"].values) + ["im0"]),
                                     "repetition": ("presentation", list(assembly["repetition"].values) + [0]),
                                     "neuroid_id": ("neuroid", assembly["neuroid_id"].values),
                                     "region": ("neuroid", assembly["region"].values),
                                     "time_bin_start": ("time_bin", [0, 10, 20]), "time_bin_end": ("time_bin", [10, 20, 30])})
    with pytest.raises(DataError, match=r"doubled.nc: duplicate \(stimulus_id, repetition\) presentations"):
        packaging.validate_assembly(doubled, "doubled.nc")


def test_help_says_what_a_time_bin_covers(capsys):
    """Issue 12 point 7: a bin labelled t covers [t, t+step) ms."""
    with pytest.raises(SystemExit):
        main(["package-data", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "a bin labelled t covers [t, t+STEP) ms: time_bin_start t, time_bin_end t+STEP" in help_text


def test_packaged_bins_start_at_their_label(tmp_path):
    """--time-bins 0 30 10 -> bins [0, 10), [10, 20), [20, 30): time_bin_start is the label."""
    from brainscore_memorability.benchmarks.temporal_it import time_course
    rng = np.random.default_rng(7)
    np.save(tmp_path / "rates.npy", rng.normal(size=(3, 2, 2, 3)))
    (tmp_path / "images").mkdir()
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (4, 4, 3), dtype=np.uint8)).save(tmp_path / "images" / f"i{i}.png")
    written = packaging.package([f"m={tmp_path / 'rates.npy'}"], tmp_path / "out", "Bins.test",
                                images=tmp_path / "images", time_bins=time_course(0, 30, 10))
    assembly = sources.load_packaged(written["assembly"]["path"])
    assert assembly["time_bin_start"].values.tolist() == [0, 10, 20]
    assert assembly["time_bin_end"].values.tolist() == [10, 20, 30]
