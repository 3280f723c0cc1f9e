"""Test-wide setup: caches in a temporary folder, no plugin pip installs, ../shared data fixtures."""
import os
import tempfile
from pathlib import Path

import pytest

# set before brainscore / result_caching are imported: both read these once
_CACHE_ROOT = tempfile.mkdtemp(prefix="bsm-tests-")
os.environ.setdefault("RESULTCACHING_HOME", os.path.join(_CACHE_ROOT, "result_caching"))
os.environ.setdefault("BRAINIO_HOME", os.path.join(_CACHE_ROOT, "brainio"))
os.environ.setdefault("TORCH_HOME", os.path.join(_CACHE_ROOT, "torch"))
os.environ["BS_INSTALL_DEPENDENCIES"] = "no"
os.environ.setdefault("MPLBACKEND", "Agg")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("BRAINSCORE_MEMORABILITY_SHARED", REPO_ROOT.parent / "shared")) / "data"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data (real third-party files); skips the test cleanly where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} not present (only beside the development checkout)")
    return SHARED_DATA
