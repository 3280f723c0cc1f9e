"""brainscore_memorability.atomic: files and folders honour the umask, temporaries a killed writer
left behind are removed at the next write of the same target (and only those), unwritable outputs
fail before any work."""
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from brainscore_memorability import atomic
from brainscore_memorability.errors import MemorabilityError


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_files_and_folders_honour_the_umask(tmp_path, umask_022):
    """mkstemp gives 0600 and mkdtemp 0700; under umask 022 results must be 0644 and 0755."""
    atomic.write_text(tmp_path / "result.json", "{}")
    assert mode(tmp_path / "result.json") == 0o644
    with atomic.scratch_dir(tmp_path / "piece") as scratch:
        assert mode(scratch) == 0o755
        (scratch / "a.csv").write_text("x")
        os.rename(scratch, tmp_path / "piece")
    assert mode(tmp_path / "piece") == 0o755 and (tmp_path / "piece" / "a.csv").read_text() == "x"
    os.umask(0o077)
    atomic.write_text(tmp_path / "private.json", "{}")
    assert mode(tmp_path / "private.json") == 0o600


def test_umask_is_read_without_changing_it(umask_022):
    assert atomic.umask() == 0o022 and atomic.umask() == 0o022


def age(path, seconds=3600):
    past = time.time() - seconds
    os.utime(path, (past, past), follow_symlinks=False)


KILLED_WRITER = textwrap.dedent("""
    import os, signal, sys, time
    from brainscore_memorability import atomic
    target, kind = sys.argv[1], sys.argv[2]
    with (atomic.atomic_path(target) if kind == "file" else atomic.scratch_dir(target)) as tmp:
        (tmp / "part.bin" if kind == "dir" else tmp).write_bytes(b"x" * 1000)
        print(tmp.parent if kind == "file" else tmp, flush=True)  # the temporary folder
        if sys.argv[3] == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(60)
""")


def start_writer(target, kind, action):
    process = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target), kind, action],
                               stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    return process, process.stdout.readline().strip()


@pytest.mark.parametrize("kind", ["file", "dir"])
def test_a_killed_writers_temporary_is_removed_at_the_next_write(tmp_path, kind):
    target = tmp_path / ("last.pt" if kind == "file" else "train__resnet18")
    process, temporary = start_writer(target, kind, "kill")
    assert process.wait() == -signal.SIGKILL
    assert os.path.exists(temporary)  # what SIGKILL leaves: before this fix it stayed forever
    earlier = tmp_path / ".last.pt.k2j4h5g6.tmp"  # a temporary file of earlier versions (mkstemp beside it)
    earlier.write_text("torn")
    age(earlier)
    unrelated = [tmp_path / ".other.pt.abcdefgh.tmp", tmp_path / "last.pt.backup", tmp_path / ".last.pt.notours"]
    for path in unrelated:
        path.write_text("keep")
        age(path)
    age(temporary)
    atomic.write_text(tmp_path / "last.pt", "new") if kind == "file" else atomic.remove_stale(target)
    assert not os.path.exists(temporary) and (kind == "dir" or not earlier.exists())
    assert all(path.read_text() == "keep" for path in unrelated)  # only this target's temporaries


def test_a_live_writers_temporary_is_kept(tmp_path):
    target = tmp_path / "last.pt"
    process, temporary = start_writer(target, "file", "sleep")
    try:
        age(temporary)
        assert atomic.remove_stale(target) == []
        atomic.write_text(target, "other writer")
        assert os.path.exists(temporary)
    finally:
        process.kill()
        process.wait()
    assert atomic.remove_stale(target) == [target.parent / os.path.basename(temporary)]
    assert not os.path.exists(temporary)


def test_a_fresh_unlocked_temporary_is_kept_for_the_grace_period(tmp_path):
    (tmp_path / ".last.pt.abcdefgh.tmp").write_text("just created")  # a writer may be about to lock it
    assert atomic.remove_stale(tmp_path / "last.pt") == []


def test_unwritable_outputs_fail_before_any_work(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(MemorabilityError, match=rf"cannot write --output '{tmp_path}/file/score.json': '{tmp_path}/file' "
                                                r"is a file, not a folder; choose a writable path"):
        atomic.check_writable(tmp_path / "file" / "score.json", "--output")
    with pytest.raises(MemorabilityError, match="it is a folder"):
        atomic.check_writable(tmp_path, "--output")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
        with pytest.raises(MemorabilityError, match="Permission denied"):
            atomic.check_writable(locked / "score.json", "--output")
    assert atomic.check_writable(tmp_path / "new" / "score.json") == tmp_path / "new" / "score.json"
    assert list((tmp_path / "new").iterdir()) == []  # the probe is gone
