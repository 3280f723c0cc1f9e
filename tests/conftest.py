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


@pytest.fixture
def isolated_registry(monkeypatch):
    """Registrations made inside the test are forgotten afterwards (ours and brainscore_vision's)."""
    import brainscore_vision

    from brainscore_memorability import registry
    monkeypatch.setattr(registry, "_TABLE", dict(registry._TABLE))
    for name in ("model_registry", "benchmark_registry", "metric_registry", "data_registry",
                 "stimulus_set_registry"):
        monkeypatch.setattr(brainscore_vision, name, dict(getattr(brainscore_vision, name)))
    return registry


@pytest.fixture
def toy_model_and_benchmark(isolated_registry):
    """Registers 'bsm-test-model' (a model with value 0.25) and 'bsm-test-benchmark' (scores a model
    by its value; raw = value / 2, ceiling 0.5): enough to test the plumbing around scoring."""
    from brainscore_core.benchmarks import BenchmarkBase
    from brainscore_core.metrics import Score

    class ValueModel:
        identifier, value = "bsm-test-model", 0.25

    class ValueBenchmark(BenchmarkBase):
        def __init__(self):
            super().__init__(identifier="bsm-test-benchmark", ceiling=Score(0.5), version=1, parent="IT")

        def __call__(self, candidate):
            score = Score(candidate.value)
            score.attrs.update(ceiling=self.ceiling, raw=Score(candidate.value / 2))
            return score

    isolated_registry.register("model", "bsm-test-model", "a toy model", ValueModel)
    isolated_registry.register("benchmark", "bsm-test-benchmark", "a toy benchmark", ValueBenchmark)
    return isolated_registry


def write_bad_images(folder: Path) -> dict[str, Path]:
    """Three image files that do not decode: a truncated JPEG, a text file named .jpg, and a PNG
    whose header declares 100000 x 100000 pixels (a decompression bomb). Returns name -> path."""
    import io
    import struct
    import zlib

    import numpy as np
    from PIL import Image
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buffer, "JPEG")
    files = {"truncated": folder / "truncated.jpg", "text": folder / "text.jpg", "bomb": folder / "bomb.png"}
    files["truncated"].write_bytes(buffer.getvalue()[:len(buffer.getvalue()) // 2])
    files["text"].write_text("this is not an image\n")
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)  # 8-bit RGB
    chunk = b"IHDR" + header
    files["bomb"].write_bytes(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk
                              + struct.pack(">I", zlib.crc32(chunk)) + b"\x00\x00\x00\x00IEND\xaeB`\x82")
    return files


@pytest.fixture
def bad_images(tmp_path) -> dict[str, Path]:
    """:func:`write_bad_images` in ``tmp_path/bad_images``."""
    return write_bad_images(tmp_path / "bad_images")
