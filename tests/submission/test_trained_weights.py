"""From a trained network to a leaderboard plugin: ``brainscore submit --model ID --weights FILE
--weights-url URL`` records the URL and FILE's sha256 in the plugin, which on Brain-Score's side
downloads the file, checks it and loads it through this package.

The whole path runs on the simulated sample world: train a tiny LaMem network, export it, submit it
with a file:// URL (``--ci``: the local file stands in for the download), then, as Brain-Score would,
unpack the zip into a private brainscore_vision, run the plugin's tests (a real download through the
URL) and score the model; the score equals the exported file's own score.
"""
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from brainscore_memorability import submission
from brainscore_memorability.cli import main
from brainscore_memorability.data import sample_world
from brainscore_memorability.models import weights

IDENTIFIER = "memnet_lamem_resnet18"
# small enough for seconds of CPU training; 48 IT images keep 10 folds of PLS-20 fittable
WORLD = sample_world.WorldConfig(seed=5, image_size=32, n_categories=4, lamem_images=(48, 16, 16),
                                 imagefolder_images=(4, 2), it_images_per_category=12, neurons_per_animal=6,
                                 repetitions=4)


@pytest.fixture
def weights_file(tmp_path):
    """A safetensors file of memnet-lamem-resnet18 (untrained, as `brainscore export` writes them)."""
    from safetensors.torch import save_file

    from brainscore_memorability.models import zoo
    network = zoo.build("memnet-lamem-resnet18", "random:3").network
    path = tmp_path / "published" / "memnet-lamem-resnet18.safetensors"
    path.parent.mkdir()
    save_file({k: v.contiguous() for k, v in network.state_dict().items()}, str(path),
              metadata={"arch": "resnet18", "objective": "lamem"})
    return path


def test_published_weights_are_downloaded_once_and_checked(weights_file, tmp_path, monkeypatch):
    monkeypatch.setenv(weights.HOME_ENV, str(tmp_path / "home"))
    digest = weights.sha256_of(weights_file)
    got = weights.published("memnet_lamem_resnet18", weights_file.as_uri(), digest, "w.safetensors")
    assert got.path == (tmp_path / "home" / "weights" / "w.safetensors").resolve() and got.sha256 == digest
    weights_file.write_bytes(b"changed")  # the cached download is used, not the URL again
    assert weights.published("memnet_lamem_resnet18", weights_file.as_uri(), digest, "w.safetensors").sha256 == digest
    with pytest.raises(weights.ChecksumError, match="sha256"):  # a file that is not the one submitted
        weights.published("memnet_lamem_resnet18", weights_file.as_uri(), digest, "other.safetensors")
    with pytest.raises(weights.WeightsError, match="could not download"):
        weights.published("memnet_lamem_resnet18", (tmp_path / "nowhere.safetensors").as_uri(), digest)


def test_submit_records_url_and_sha256_and_refuses_bad_input(weights_file, tmp_path, capsys):
    url = "https://example.org/weights/memnet-lamem-resnet18.safetensors"
    out = tmp_path / "m.zip"
    assert main(["submit", "--model", IDENTIFIER, "--weights", str(weights_file), "--weights-url", url,
                 "--output", str(out), "--allow-unpublished"]) == 0
    printed = capsys.readouterr().out
    digest = weights.sha256_of(weights_file)
    assert f"weights: {url} (sha256 {digest})" in printed and submission.check_zip(out) == []
    with zipfile.ZipFile(out) as archive:
        model_py = archive.read(f"{IDENTIFIER}/models/{IDENTIFIER}/model.py").decode()
        test_py = archive.read(f"{IDENTIFIER}/models/{IDENTIFIER}/test.py").decode()
    assert f"'url': '{url}'" in model_py and f"'sha256': '{digest}'" in model_py
    assert f"@sha256-{digest[:12]}" in test_py
    for arguments, message in (
            (["--weights", str(weights_file)], "go together"),
            (["--weights", str(weights_file), "--weights-url", "ftp://host/w.safetensors"], "https://"),
            (["--weights", str(tmp_path / "missing.safetensors"), "--weights-url", url], "does not exist")):
        assert main(["submit", "--model", IDENTIFIER, *arguments, "--output", str(tmp_path / "x.zip"),
                     "--allow-unpublished"]) == 1
        assert message in capsys.readouterr().err
    # a joint network's file submitted as the LaMem-trained model: refused here, not on Brain-Score's servers
    assert main(["submit", "--model", "memnet_joint_resnet18", "--weights", str(weights_file), "--weights-url", url,
                 "--output", str(tmp_path / "x.zip"), "--allow-unpublished"]) == 1
    assert "holds a lamem-trained resnet18" in capsys.readouterr().err and not (tmp_path / "x.zip").exists()


def brainscore_side(zip_path: Path, workdir: Path, home: Path, *command) -> subprocess.CompletedProcess:
    """Unpack the submitted plugin into a private brainscore_vision (as Brain-Score's pull request does)
    and run ``command`` there with an empty weights cache (so the plugin downloads its weights)."""
    library = workdir / "brainscore_vision"
    if not library.exists():
        submission.brainscore_vision_copy(workdir)
        with zipfile.ZipFile(zip_path) as archive:
            for name in archive.namelist():
                if not name.endswith("/"):
                    target = library / Path(name).relative_to(IDENTIFIER)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(name))
    env = {"PYTHONPATH": f"{workdir}:{submission.package_root()}", "BS_INSTALL_DEPENDENCIES": "no", weights.HOME_ENV: str(home),
           "PATH": "/usr/bin:/bin", "HOME": str(workdir)}
    return subprocess.run([sys.executable, *command], cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=900)


SCORE_THERE = """
import json, sys
import brainscore_vision
from brainscore_core.benchmarks import score_benchmark
model = brainscore_vision.load_model('{identifier}')  # the plugin, found in brainscore_vision/models/
import brainscore_memorability.benchmarks.temporal_it as temporal_it
score = score_benchmark(temporal_it.rebuild('Kar2019-IT-early', data=sys.argv[1]), model)
print(json.dumps({{"identifier": model.identifier, "score": float(score), "raw": float(score.attrs['raw'])}}))
"""


@pytest.mark.slow  # about 3 min on 2 cores: trains, runs Brain-Score's CI twice and scores
def test_trained_network_reaches_the_leaderboard_path(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(weights.HOME_ENV, str(tmp_path / "home-here"))
    world = sample_world.build(tmp_path / "world", WORLD)
    run_dir = tmp_path / "run"
    assert main(["train", "--arch", "resnet18", "--objective", "lamem", "--lamem-root", str(world.lamem_root),
                 "--image-size", "32", "--batch-size", "16", "--max-steps", "3", "--lr", "0.01",
                 "--workers", "0", "--device", "cpu", "--no-progress", "--out-dir", str(run_dir)]) == 0
    assert main(["export", str(run_dir), "--id", "memnet-lamem-resnet18", "--no-register"]) == 0
    exported = run_dir / "memnet-lamem-resnet18.safetensors"
    digest = weights.sha256_of(exported)
    published = tmp_path / "server" / "lamem-r18.safetensors"  # where the user uploads it
    published.parent.mkdir()
    published.write_bytes(exported.read_bytes())
    capsys.readouterr()

    zip_path = tmp_path / f"{IDENTIFIER}.zip"
    assert main(["submit", "--model", IDENTIFIER, "--weights", str(exported), "--weights-url", published.as_uri(),
                 "--ci", "--allow-unpublished", "--output", str(zip_path)]) == 0
    printed = capsys.readouterr().out
    assert "Brain-Score CI, generic_plugin_tests.py: 5 passed" in printed
    assert "Brain-Score CI, test.py: 3 passed" in printed  # incl. the published weights' test
    assert "file://" in printed and "WARNING: Brain-Score's servers cannot read" in printed

    # Brain-Score's side: its CI on the plugin, downloading the weights from the URL
    home = tmp_path / "home-there"
    plugin_dir = f"brainscore_vision/models/{IDENTIFIER}"
    tests = brainscore_side(zip_path, tmp_path / "bs", home, "-m", "pytest", "-m", "not slow", "-q",
                            f"{plugin_dir}/test.py")
    assert tests.returncode == 0 and "3 passed" in tests.stdout, tests.stdout[-3000:] + tests.stderr[-2000:]
    downloaded = next((home / "weights").iterdir())
    assert weights.sha256_of(downloaded) == digest
    # ... and its scoring run, through brainscore_vision.load_model and the plugin
    scored = brainscore_side(zip_path, tmp_path / "bs", home, "-c", SCORE_THERE.format(identifier=IDENTIFIER),
                             str(world.assembly))
    assert scored.returncode == 0, scored.stderr[-3000:]
    there = json.loads(scored.stdout.strip().splitlines()[-1])
    assert there["identifier"] == f"memnet-lamem-resnet18@sha256-{digest[:12]}"

    # the same number as scoring the exported file here
    from brainscore_memorability.benchmarks.temporal_it import rebuild
    from brainscore_memorability.models import load_model
    from brainscore_core.benchmarks import score_benchmark
    here = score_benchmark(rebuild("Kar2019-IT-early", data=str(world.assembly)),
                           load_model("memnet-lamem-resnet18", weights=exported))
    print(f"score there {there['score']:.6f}, here {float(here):.6f}; raw {there['raw']:.6f}")
    assert there["score"] == pytest.approx(float(here), abs=1e-6)
    assert there["raw"] == pytest.approx(float(here.attrs["raw"]), abs=1e-6) and 0 <= there["score"] <= 1

    # a file at the URL that is not the submitted one is refused on Brain-Score's side
    published.write_bytes(exported.read_bytes()[:-8] + b"tampered")
    refused = brainscore_side(zip_path, tmp_path / "bs", tmp_path / "home-fresh", "-c",
                              f"import brainscore_vision; brainscore_vision.load_model('{IDENTIFIER}')")
    assert refused.returncode != 0 and "ChecksumError" in refused.stderr and digest in refused.stderr
