"""`brainscore cka` end to end on the planted world of conftest.py: layer x layer between two models
on an image folder, and layers vs IT (early rates are linear in the pixels, late ones are not)."""
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from brainscore_memorability.cli import main


class LayeredModel:
    """A ModelCommitment-like model: ``layers`` and an ``activations_model`` returning
    presentation x neuroid activations of the requested layers (functions of the pixels)."""
    identifier = "bsm-layered-model"
    layers = ["pixels", "red", "squared"]
    transforms = {"pixels": lambda p: p, "red": lambda p: p[:, 0::3], "squared": lambda p: (p - 0.5) ** 2}

    def __init__(self):
        self.activations_model = self.activations

    def visual_degrees(self):
        return 8

    def activations(self, stimuli, layers):
        from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
        pixels = np.stack([np.asarray(Image.open(stimuli.get_stimulus(s)), dtype=float).ravel() / 255
                           for s in stimuli["stimulus_id"]])
        values = np.hstack([self.transforms[layer](pixels) for layer in layers])
        widths = [self.transforms[layer](pixels).shape[1] for layer in layers]
        return NeuroidAssembly(values, dims=("presentation", "neuroid"), coords={
            "stimulus_id": ("presentation", list(stimuli["stimulus_id"])),
            "stimulus_path": ("presentation", [str(stimuli.get_stimulus(s)) for s in stimuli["stimulus_id"]]),
            "neuroid_id": ("neuroid", np.arange(values.shape[1])), "layer": ("neuroid", np.repeat(layers, widths))})


@pytest.fixture
def layered_models(isolated_registry):
    isolated_registry.register("model", "bsm-layered-a", "layers of pixels", LayeredModel)
    isolated_registry.register("model", "bsm-layered-b", "the same layers", LayeredModel)


def test_model_against_model_on_an_image_folder(planted_files, layered_models, tmp_path):
    output, plot = tmp_path / "cka.csv", tmp_path / "cka.png"
    assert main(["cka", "--model", "bsm-layered-a", "--model-b", "bsm-layered-b", "--stimuli",
                 str(planted_files["images"]), "--output", str(output), "--plot", str(plot)]) == 0
    table = pd.read_csv(output, index_col=0)
    assert list(table.index) == list(table.columns) == LayeredModel.layers
    assert table.index.name == "bsm-layered-model \\ bsm-layered-model"  # the loaded identifiers (weights tags)
    np.testing.assert_allclose(np.diag(table.values), 1, atol=1e-10)
    np.testing.assert_allclose(table.values, table.values.T, atol=1e-10)
    assert 0.2 < table.loc["pixels", "red"] < 0.9  # a third of the pixels
    assert Image.open(plot).size[0] > 300
    # all layers in one pass: the same matrix
    assert main(["cka", "--model", "bsm-layered-a", "--model-b", "bsm-layered-b", "--stimuli",
                 str(planted_files["images"]), "--layers-per-pass", "3", "--output", str(output)]) == 0
    np.testing.assert_allclose(pd.read_csv(output, index_col=0).values, table.values, atol=1e-12)


def test_model_layers_against_it(planted_files, layered_models, tmp_path, capsys):
    values = {}
    for phase in ("early", "late"):
        output = tmp_path / f"{phase}.csv"
        assert main(["cka", "--model", "bsm-layered-a", "--benchmark", f"Kar2019-IT-{phase}", "--data",
                     str(planted_files["nc"]), "--debiased", "--output", str(output)]) == 0
        table = pd.read_csv(output, index_col=0)
        assert list(table.columns) == [f"IT {'70-100' if phase == 'early' else '180-210'} ms"]
        values[phase] = table.iloc[:, 0]
    # early IT is a linear readout of the pixels: similar; late IT is unrelated to them
    assert values["early"]["pixels"] > 0.3 and abs(values["late"]["pixels"]) < 0.1
    assert values["early"]["pixels"] > values["early"]["squared"]


@pytest.mark.parametrize("arguments, message", [
    (["--model-b", "bsm-layered-b", "--output", "x.csv"], "give the images"),
    (["--stimuli", "/nonexistent", "--output", "x.csv"], "give --model-b (model vs model) or --benchmark"),
    (["--model-b", "bsm-layered-b", "--stimuli", "/nonexistent", "--output", "x.txt"], "must end in .csv"),
    (["--model-b", "bsm-layered-b", "--stimuli", "/nonexistent", "--output", "x.csv"], "--stimuli '/nonexistent' does not exist"),
    (["--model-b", "bsm-layered-b", "--stimuli", "{images}", "--batch-size", "3", "--output", "{tmp}/x.csv"], "batch_size >= 4"),
])
def test_bad_arguments_exit_1_with_a_reason(planted_files, layered_models, tmp_path, capsys, arguments, message):
    arguments = [a.format(images=planted_files["images"], tmp=tmp_path) for a in arguments]
    assert main(["cka", "--model", "bsm-layered-a"] + arguments) == 1
    assert message in capsys.readouterr().err


def test_weights_options_and_random_controls(planted_files, tmp_path, capsys):
    """Two untrained networks of one architecture are two draws (CKA < 1 on the diagonal) unless given
    the same seed (then the shared trunk gives exactly 1)."""
    output = tmp_path / "cka.csv"
    base = ["cka", "--model", "memnet-lamem-alexnet", "--model-b", "memnet-imagenet-alexnet", "--stimuli",
            str(planted_files["images"]), "--layers", "backbone.features.2", "backbone.features.12", "--layers-b", "backbone.features.2",
            "backbone.features.12", "--output", str(output)]
    assert main(base + ["--weights", "random", "--weights-b", "random"]) == 0
    err = capsys.readouterr().err
    assert "note: --model-b memnet-imagenet-alexnet: untrained network with seed 1" in err
    different = pd.read_csv(output, index_col=0)
    assert different.index.name == "memnet-lamem-alexnet@random-seed0 \\ memnet-imagenet-alexnet@random-seed1"
    assert np.diag(different.values).max() < 0.999
    assert main(base + ["--weights", "random:7", "--weights-b", "random:7"]) == 0
    same = pd.read_csv(output, index_col=0)
    np.testing.assert_allclose(np.diag(same.values), 1, atol=1e-6)
    print("diagonal, seeds 0/1:", np.diag(different.values).round(4), "; seeds 7/7:", np.diag(same.values))


def test_both_models_are_built_before_anything_is_extracted(planted_files, tmp_path, capsys):
    output = tmp_path / "cka.csv"
    assert main(["cka", "--model", "memnet-lamem-alexnet", "--weights", "random", "--model-b", "memnet-lamem-vgg16",
                 "--stimuli", str(planted_files["images"]), "--output", str(output)]) == 1
    err = capsys.readouterr().err
    assert "--model-b memnet-lamem-vgg16: no weights are known" in err and "--weights-b" in err
    assert "brainscore train --config lamem-vgg16" in err and "joint-alexnet" not in err
    assert "layers" not in err.split("building")[-1].split("\n", 1)[-1] and not output.exists()
    assert len(err.strip().splitlines()) == 2  # the stage line and the error: no traceback


def test_every_unknown_identifier_is_named_at_once(planted_files, tmp_path, capsys):
    assert main(["cka", "--model", "memnet-lamem-alexnat", "--model-b", "memnet-lamem-resnet1",
                 "--benchmark", "Kar2019-IT-erly", "--output", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "3 unknown identifiers" in err
    for name, match in (("memnet-lamem-alexnat", "memnet-lamem-alexnet"), ("memnet-lamem-resnet1", "memnet-lamem-resnet18"),
                        ("Kar2019-IT-erly", "Kar2019-IT-early")):
        assert f"'{name}'" in err and match in err
