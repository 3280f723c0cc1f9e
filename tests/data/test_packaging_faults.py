"""`brainscore package-data` on bad input: images that do not decode, rates with too few axes, and a
run killed midway, which must leave the earlier package exactly as it was."""
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from PIL import Image

from brainscore_memorability.cli import main

BINS = ["--time-bins", "0", "30", "10"]


def good_images(folder, count, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(folder / f"good{i}.png")
    return folder


def rates(images, seed=0):
    return np.random.default_rng(seed).gamma(2.0, 10.0, size=(images, 3, 4, 3))


def test_images_that_do_not_decode_are_named_and_nothing_is_written(tmp_path, bad_images, capsys):
    """A truncated JPEG, a text file named .jpg and a 100000 x 100000 PNG header were packaged (exit 0)."""
    folder = good_images(bad_images["text"].parent, 2)
    np.save(tmp_path / "r.npy", rates(5))
    assert main(["package-data", str(tmp_path / "r.npy"), "--images", str(folder), *BINS,
                 "--output", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1 and "3 of 5 image(s) cannot be used" in error
    for path in bad_images.values():
        assert f"image {path} " in error
    assert "decompression bomb" in error and "truncated" in error
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("shape", [(5,), (5, 3)])
def test_rates_with_one_or_two_axes_are_one_line(tmp_path, shape, capsys):
    """1-D and 2-D rates ended in an IndexError traceback."""
    folder = good_images(tmp_path / "images", 5)
    np.save(tmp_path / "r.npy", np.ones(shape))
    assert main(["package-data", str(tmp_path / "r.npy"), "--images", str(folder), *BINS,
                 "--output", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err.strip()
    assert error == (f"brainscore package-data: {tmp_path / 'r.npy'}:rates: rates have shape {shape}; expected "
                     f"images x neurons x repetitions x time bins (4 axes), or 3 axes with a single time bin")


KILLED_PACKAGER = textwrap.dedent("""
    import os, signal, sys
    import brainscore_core.supported_data_standards.brainio.packaging as brainio_packaging
    from brainscore_memorability.cli import main

    def killed(*args, **kwargs):  # the zip and CSV are written; killed while writing the NetCDF
        os.kill(os.getpid(), signal.SIGKILL)
    brainio_packaging.write_netcdf = killed
    main(sys.argv[1:])
""")


def package_outputs(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


def test_a_killed_run_leaves_the_earlier_package_untouched(tmp_path):
    """Files were written one by one: a kill left a new zip and CSV beside the old NetCDF."""
    folder = good_images(tmp_path / "images", 5)
    np.save(tmp_path / "old.npy", rates(5, seed=1))
    out = tmp_path / "out"
    assert main(["package-data", str(tmp_path / "old.npy"), "--images", str(folder), *BINS, "--output", str(out)]) == 0
    before = package_outputs(out)
    assert sorted(before) == ["assy_Kar2019_temporal.nc", "stimulus_Kar2019_temporal.csv", "stimulus_Kar2019_temporal.zip"]

    shutil.rmtree(folder)  # other images (same names) and rates: a new NetCDF and zip, the same CSV
    good_images(folder, 5, seed=7)
    np.save(tmp_path / "new.npy", rates(5, seed=2))
    killed = subprocess.run([sys.executable, "-c", KILLED_PACKAGER, "package-data", str(tmp_path / "new.npy"),
                             "--images", str(folder), *BINS, "--output", str(out)], cwd=os.getcwd())
    assert killed.returncode == -signal.SIGKILL
    assert package_outputs(out) == before  # the earlier set, byte for byte
    [staging] = [p for p in out.iterdir() if p.name.startswith(".")]
    assert staging.name.startswith(".assy_Kar2019_temporal.nc.") and staging.name.endswith(".tmp")

    past = time.time() - 3600
    os.utime(staging, (past, past))
    assert main(["package-data", str(tmp_path / "new.npy"), "--images", str(folder), *BINS, "--output", str(out)]) == 0
    after = package_outputs(out)
    assert sorted(after) == sorted(before)
    assert after["assy_Kar2019_temporal.nc"] != before["assy_Kar2019_temporal.nc"]
    assert after["stimulus_Kar2019_temporal.zip"] != before["stimulus_Kar2019_temporal.zip"]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # the killed run's staging is gone
