"""training.lamem: split files parse to (image, score) rows; malformed rows name file and line;
scores belong to (split, image); the real split files have 45,000 / 3,741 / 10,000 rows."""
import pytest

from brainscore_memorability.errors import DataError
from brainscore_memorability_training.lamem import lamem_dataset, read_split, split_file


def test_read_split_returns_rows_in_file_order(tmp_path):
    path = tmp_path / "train_1.txt"
    path.write_text("00000001.jpg 0.75\n00000002.jpg\t0.5\n\n")
    assert read_split(path) == [("00000001.jpg", 0.75), ("00000002.jpg", 0.5)]


@pytest.mark.parametrize("content, line, fragment", [
    ("a.jpg 0.5\nb.jpg\n", 2, "expected '<image file> <score>'"),
    ("a.jpg 0.5 extra\n", 1, "expected '<image file> <score>'"),
    ("a.jpg 0.5\nb.jpg high\n", 2, "is not a number"),
    ("a.jpg nan\n", 1, "not finite"),
    ("a.jpg 0.5\nb.jpg 0.6\na.jpg 0.7\n", 3, "already listed on line 1"),
])
def test_malformed_row_names_file_and_line(tmp_path, content, line, fragment):
    path = tmp_path / "val_2.txt"
    path.write_text(content)
    with pytest.raises(DataError) as error:
        read_split(path)
    assert f"{path}, line {line}" in str(error.value) and fragment in str(error.value)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_split(tmp_path / "test_1.txt")
    (tmp_path / "test_1.txt").write_text("\n")
    with pytest.raises(DataError, match="no rows"):
        read_split(tmp_path / "test_1.txt")
    with pytest.raises(DataError, match="splits"):
        split_file(tmp_path, "train", 6)


def test_dataset_uses_the_scores_of_its_own_split(tmp_path):
    """The same image with different scores in splits 1 and 2: each dataset keeps its split's."""
    (tmp_path / "splits").mkdir()
    (tmp_path / "splits" / "train_1.txt").write_text("x.jpg 0.9\ny.jpg 0.5\n")
    (tmp_path / "splits" / "train_2.txt").write_text("x.jpg 0.6\n")
    one = lamem_dataset(tmp_path, "train", 1, transform=None)
    two = lamem_dataset(tmp_path, "train", 2, transform=None)
    assert one.targets == [0.9, 0.5] and two.targets == [0.6]
    assert one.paths[0] == tmp_path / "images" / "x.jpg"


def test_real_split_files_parse(shared_data):
    folder = shared_data / "lamem-splits"
    sizes, scores = {}, {}
    for split in range(1, 6):
        for part in ("train", "val", "test"):
            rows = read_split(folder / f"{part}_{split}.txt")
            sizes[part, split] = len(rows)
            scores[split] = {**scores.get(split, {}), **dict(rows)}
            assert all(0 <= score <= 1 for _, score in rows)
    assert {p: {sizes[p, s] for s in range(1, 6)} for p in ("train", "val", "test")} == \
        {"train": {45000}, "val": {3741}, "test": {10000}}
    assert all(len(scores[s]) == 58741 for s in scores)  # every image once per split
    differing = sum(scores[1][name] != scores[2][name] for name in scores[1])
    assert differing > 50000  # scores are per (split, image): most differ between splits
