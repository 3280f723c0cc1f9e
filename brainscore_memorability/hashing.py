"""File hashes: the one place weights, data files and cached pieces are fingerprinted."""
import hashlib
from pathlib import Path


def file_digest(path: str | Path, algorithm: str = "sha256") -> str:
    """Hex digest (``algorithm``: any hashlib name, e.g. 'sha256', 'sha1') of the file at ``path``."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, algorithm).hexdigest()
