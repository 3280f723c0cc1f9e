"""Atomic file writes: results, caches and checkpoints are either whole or absent, never torn.

A write happens in a temporary folder beside its target, ``.<target name>.<8 random characters>.tmp``
(for a file: as ``<that folder>/<target name>``, so writers see the right suffix), which is then
renamed onto the target in one step.

* **Permissions.** What is written gets the user's umask (``0666 & ~umask`` for files, ``0777 &
  ~umask`` for folders), as ``open`` and ``mkdir`` give, not mkdtemp's 0700, so lab-mates can read
  results in a shared folder when the umask allows it.
* **Stale temporaries.** The writer holds an exclusive ``flock`` on its temporary folder while it
  works (on the folder, so that it never collides with the file locks HDF5/NetCDF writers take).
  Before writing a target, temporaries of *that target* (names of the form above only, and the
  temporary files of earlier versions, ``.<target name>.<8 characters>.tmp``) that no process holds
  and that are older than :data:`GRACE_S` are removed: what a killed writer (SIGKILL, SLURM
  preemption) left behind does not pile up. Where ``flock`` is unsupported (some network file
  systems), a temporary counts as stale only after :data:`UNLOCKABLE_STALE_S`.
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
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True  # nobody holds it: its writer is gone
    except BlockingIOError:
        return False  # a live writer holds it
    except OSError:  # flock unsupported here
        return age > UNLOCKABLE_STALE_S
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path (an empty file) for ``path``; on success move it onto ``path`` in one rename.

    If the block raises, the temporary is removed and ``path`` keeps its previous content.
    """
    path = Path(path)
    with scratch_dir(path) as folder:
        tmp = folder / path.name
        tmp.touch()
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)


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
        with contextlib.suppress(OSError):  # unsupported: the age rule of remove_stale applies
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
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
            raise MemorabilityError("it is a folder")
        folder = next(p for p in path.absolute().parents if p.exists())  # the nearest existing ancestor
        if not folder.is_dir():
            raise MemorabilityError(f"'{folder}' is a file, not a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        os.remove(probe)
    except (OSError, MemorabilityError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise MemorabilityError(f"cannot write {what} '{path}': {reason}; choose a writable path") from None
    return path


def write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
