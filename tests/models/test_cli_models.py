"""`brainscore predict-memorability` and `brainscore score --weights` (cli/predict_memorability.py,
cli/score.py) on tiny images and a toy benchmark."""
import csv

import numpy as np
import pytest

from brainscore_memorability.cli import main
from brainscore_memorability.models import weights, zoo


def test_predict_memorability_prints_and_writes_a_score_per_image(exported_weights, tiny_images, tmp_path, capsys):
    path, _ = exported_weights("resnet18", "joint", seed=4, lamem_centre=0.75)
    output = tmp_path / "scores.csv"
    argv = ["predict-memorability", "--model", "memnet-joint-resnet18", "--weights", str(path),
            "--output", str(output), *map(str, tiny_images)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    printed = captured.out.strip().splitlines()
    assert [line.split()[1] for line in printed] == [str(p) for p in tiny_images]
    assert captured.err == f"wrote {output} ({len(tiny_images)} images: image,memorability)\n"  # says what it wrote
    expected = zoo.predict_memorability("memnet-joint-resnet18", tiny_images, weights=path)
    rows = list(csv.DictReader(output.open()))
    assert [row["image"] for row in rows] == [str(p) for p in tiny_images]
    np.testing.assert_allclose([float(row["memorability"]) for row in rows], expected, atol=1e-6)
    np.testing.assert_allclose([float(line.split()[0]) for line in printed], expected, atol=1e-4)


@pytest.mark.parametrize("model, code, message", [
    ("memnet-imagenet-resnet18", 1, "no memorability head"),
    ("memnet-lamem-resnet81", 2, "unknown model identifier"),
])
def test_predict_memorability_errors(model, code, message, tiny_images, capsys):
    assert main(["predict-memorability", "--model", model, "--weights", "random", str(tiny_images[0])]) == code
    assert message in capsys.readouterr().err


def test_predict_memorability_without_weights_says_how_to_train(tiny_images, capsys):
    assert main(["predict-memorability", "--model", "memnet-lamem", str(tiny_images[0])]) == 1
    assert "brainscore export RUN_DIR --id memnet-lamem-resnet50" in capsys.readouterr().err


@pytest.fixture
def identity_benchmark(isolated_registry):
    """'bsm-test-identity': builds no data; scores 0.5 and remembers the model identifier it saw."""
    from brainscore_core.benchmarks import BenchmarkBase
    from brainscore_core.metrics import Score
    seen = []

    class IdentityBenchmark(BenchmarkBase):
        def __init__(self):
            super().__init__(identifier="bsm-test-identity", ceiling=Score(1.0), version=1, parent="IT")

        def __call__(self, candidate):
            seen.append(candidate.identifier)
            score = Score(0.5)
            score.attrs.update(ceiling=self.ceiling, raw=Score(0.5))
            return score

    isolated_registry.register("benchmark", "bsm-test-identity", "records the model identifier", IdentityBenchmark)
    return seen


def test_score_weights_option_loads_that_file(identity_benchmark, exported_weights, capsys):
    path, _ = exported_weights("resnet18", "lamem", seed=6)
    argv = ["score", "--model", "memnet-lamem-resnet18", "--benchmark", "bsm-test-identity", "--weights", str(path)]
    assert main(argv) == 0
    assert identity_benchmark == [f"memnet-lamem-resnet18@sha256-{weights.sha256_of(path)[:12]}"]
    assert main(argv[:-1] + ["random"]) == 0
    assert identity_benchmark[-1] == "memnet-lamem-resnet18@random-seed0"


def test_score_weights_option_refuses_other_models(identity_benchmark, capsys):
    assert main(["score", "--model", "alexnet", "--benchmark", "bsm-test-identity", "--weights", "random"]) == 1
    assert "only be chosen for this package's models" in capsys.readouterr().err
