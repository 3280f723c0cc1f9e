"""`brainscore submit --check` on a zip bomb: sizes and ratios come from the headers, before any
entry is read, and what is read is read with a limit (a 1 MB zip holding a 1 GiB __init__.py
passed all checks at 2.2 GB peak memory)."""
import tracemalloc
import zipfile

from brainscore_memorability import submission
from brainscore_memorability.cli import main

INIT = "from brainscore_vision import model_registry\nmodel_registry['bsm_toy_net'] = lambda: None\n"
FOLDERS = ["sub/", "sub/models/", "sub/models/bsm_toy_net/"]


def write(path, init: bytes):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for folder in FOLDERS:
            archive.writestr(folder, b"")
        archive.writestr("sub/models/bsm_toy_net/__init__.py", init)
        archive.writestr("sub/models/bsm_toy_net/test.py", b"def test(): pass\n")
    return path


def test_a_bomb_is_reported_without_being_unpacked(tmp_path, capsys):
    bomb = write(tmp_path / "bomb.zip", INIT.encode() + b" " * (256 << 20))  # 256 MiB unpacked
    assert bomb.stat().st_size < 1 << 20
    tracemalloc.start()
    violations = submission.check_zip(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 16 << 20, f"peak {peak / 2 ** 20:.0f} MiB"  # reading it whole took 256 MiB (2.2 GB at 1 GiB)
    [size] = [v for v in violations if v.rule == "size"]
    assert "'sub/models/bsm_toy_net/__init__.py' unpacks to 256.0 MB, more than 1024 kB" in size.message
    assert main(["submit", "--check", str(bomb)]) == 1
    captured = capsys.readouterr()
    assert "unpacks to 256.0 MB" in captured.out + captured.err


def test_a_highly_compressed_other_entry_is_reported(tmp_path):
    path = tmp_path / "ratio.zip"
    write(path, INIT.encode())
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sub/models/bsm_toy_net/data.bin", b"\0" * (8 << 20))
    [size] = [v for v in submission.check_zip(path) if v.rule == "size"]
    assert "'sub/models/bsm_toy_net/data.bin' is compressed" in size.message and "more than 100:1" in size.message


def test_an_ordinary_plugin_zip_still_passes(tmp_path):
    assert submission.check_zip(write(tmp_path / "ok.zip", INIT.encode())) == []
