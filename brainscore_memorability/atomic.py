"""Atomic file writes: results, caches and checkpoints are either whole or absent, never torn.

A write goes to a temporary beside its target, ``.<target name>.<8 random characters>.tmp`` (a
file, or a folder for :func:`scratch_dir`), which is then renamed onto the target in one step.

* **Permissions.** Temporaries get the user's umask (``0666 & ~umask`` for files, ``0777 & ~umask``
  for folders), as ``open`` and ``mkdir`` give, not mkstemp's 0600 / mkdtemp's 0700, so lab-mates
  can read results in a shared folder when the umask allows it.
* **Stale temporaries.** The writer holds an exclusive lock on its temporary while it works (a
  POSIX record lock on a file, which does not collide with the ``flock`` HDF5/NetCDF writers take;
  ``flock`` on a folder).
  Before writing a target, temporaries of *that target* (names of the form above only) that no
  process holds and that are older than :data:`GRACE_S` are removed: what a killed writer (SIGKILL,
  SLURM preemption) left behind does not pile up. Where locks are unsupported (some network
  file systems), a temporary counts as stale only after :data:`UNLOCKABLE_STALE_S`. A POSIX lock
  ends when the writing library closes its own handle of the file, just before the rename.
"""
import contextlib
import fcntl
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

GRACE_S = 60  # a temporary younger than this is never removed (its writer may be about to lock it)
UNLOCKABLE_STALE_S = 24 * 3600  # where flock fails: a temporary this old is stale


def umask() -> int:
    """The process's umask (read without changing it where /proc allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def temporary_pattern(target: str | Path) -> re.Pattern:
    """Names of the temporaries this module makes for ``target`` (and the suffix-less scratch
    folders of earlier versions)."""
    return re.compile(rf"\.{re.escape(Path(target).name)}\.[a-z0-9_]{{8}}(\.tmp)?")


def remove_stale(target: str | Path) -> list[Path]:
    """Remove the stale temporaries of ``target`` (see module docstring); returns what was removed."""
    target = Path(target)
    pattern, removed = temporary_pattern(target), []
    try:
        candidates = [p for p in target.parent.iterdir() if pattern.fullmatch(p.name)]
    except FileNotFoundError:
        return removed
    for candidate in candidates:
        if _is_stale(candidate):
            if candidate.is_dir() and not candidate.is_symlink():
                shutil.rmtree(candidate, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    candidate.unlink()
            removed.append(candidate)
    return removed


def _is_stale(path: Path) -> bool:
    try:
        age = time.time() - path.lstat().st_mtime
        if age < GRACE_S or path.is_symlink():
            return False
        directory = path.is_dir()
        fd = os.open(path, os.O_RDONLY if directory else os.O_RDWR)
    except OSError:
        return False
    try:
        _lock(fd, directory)
        return True  # nobody holds it: its writer is gone
    except (BlockingIOError, PermissionError):
        return False  # a live writer holds it
    except OSError:  # locks unsupported here
        return age > UNLOCKABLE_STALE_S
    finally:
        os.close(fd)


def _lock(fd: int, directory: bool) -> None:
    if directory:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _hold(fd: int, directory: bool = False) -> None:
    with contextlib.suppress(OSError):  # unsupported: the age rule of remove_stale applies
        _lock(fd, directory)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success move it onto ``path`` in one rename.

    If the block raises, the temporary file is removed and ``path`` keeps its previous content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        _hold(fd)
        os.fchmod(fd, 0o666 & ~umask())
        yield Path(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)


@contextlib.contextmanager
def scratch_dir(target):
    """Yield a new empty folder beside ``target`` to build it in (then rename the folder, or move
    its files, into place); whatever is left of the folder is removed afterwards."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target)
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    fd = os.open(folder, os.O_RDONLY)
    try:
        _hold(fd, directory=True)
        os.chmod(folder, 0o777 & ~umask())
        yield folder
    finally:
        os.close(fd)
        shutil.rmtree(folder, ignore_errors=True)


def check_writable(path, what: str = "output") -> Path:
    """Fail now, before any long work, if ``path`` cannot be written (its folder is read-only, a
    file stands where a folder must be, or ``path`` is a folder): a :class:`MemorabilityError`
    naming it. Creates the missing parent folders."""
    from brainscore_memorability.errors import MemorabilityError
    path = Path(path)
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "is a folder", str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        os.remove(probe)
    except OSError as error:
        raise MemorabilityError(f"cannot write {what} '{path}' ({error.strerror or error}); "
                                f"choose a writable path") from None
    return path


def write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
