"""Bad images: a missing or corrupt file stops training with an error naming it, or, with
``skip_bad_images``, is dropped and listed in skipped_images.txt."""
import shutil

import pytest

from brainscore_memorability.errors import DataError
from brainscore_memorability_training.imagenet import imagenet_dataset
from brainscore_memorability_training.images import find_bad_images
from brainscore_memorability_training.loop import train


@pytest.fixture
def damaged_lamem(tiny_lamem, tmp_path):
    """The tiny LaMem with one training image truncated and another deleted."""
    root = tmp_path / "lamem"
    shutil.copytree(tiny_lamem, root)
    corrupt, missing = root / "images" / "00000003.jpg", root / "images" / "00000005.jpg"
    corrupt.write_bytes(corrupt.read_bytes()[:40])
    missing.unlink()
    return root, corrupt, missing


def test_bad_images_are_found_with_reasons(damaged_lamem):
    root, corrupt, missing = damaged_lamem
    bad = dict(find_bad_images(sorted((root / "images").iterdir()) + [missing]))
    assert set(bad) == {str(corrupt), str(missing)}
    assert "missing" in bad[str(missing)] and "cannot be read" in bad[str(corrupt)]


def test_a_bad_image_stops_training_naming_the_file(damaged_lamem, tiny_config):
    root, corrupt, missing = damaged_lamem
    with pytest.raises(DataError, match=r"0000000[35]\.jpg .*--skip-bad-images"):
        train(tiny_config(lamem_root=str(root), max_steps=4))  # 4 steps read all 32 training images


def test_skip_bad_images_drops_and_reports_them(damaged_lamem, tiny_config):
    root, corrupt, missing = damaged_lamem
    result = train(tiny_config(lamem_root=str(root), max_steps=1, skip_bad_images=True))
    assert sorted(path for path, _ in result.skipped) == [str(corrupt), str(missing)]
    report = (result.checkpoint.parent / "skipped_images.txt").read_text().splitlines()
    assert [line.split("\t")[0] for line in report] == [str(corrupt), str(missing)]
    assert result.history[-1]["step"] == 1


def test_imagefolder_errors_name_the_folder(tiny_imagenet, tmp_path):
    with pytest.raises(DataError, match=f"{tmp_path}/val not found"):
        imagenet_dataset(tmp_path, "val", transform=None)
    (tmp_path / "train" / "n0").mkdir(parents=True)
    with pytest.raises(DataError, match="train"):
        imagenet_dataset(tmp_path, "train", transform=None)  # a class folder without images
    data = imagenet_dataset(tiny_imagenet, "val", transform=None)
    assert len(data) == 8 and data.classes == [f"n{k:08d}" for k in range(4)] and data.targets[-1] == 3
