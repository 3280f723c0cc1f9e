"""`brainscore magnitude` end to end on the planted world of conftest.py: memorability planted as
the images' mean brightness, which the pixel layer's magnitude tracks and a noise layer's does not."""
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from brainscore_memorability.cli import main


class BrightnessModel:
    """A ModelCommitment-like model with a pixel layer (magnitude ~ brightness) and a noise layer."""
    identifier = "bsm-brightness-model"
    layers = ["pixels", "noise"]

    def __init__(self):
        self.activations_model = self.activations

    def visual_degrees(self):
        return 8

    def activations(self, stimuli, layers):
        from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
        ids = list(stimuli["stimulus_id"])
        pixels = np.stack([np.asarray(Image.open(stimuli.get_stimulus(s)), dtype=float).ravel() / 255 for s in ids])
        noise = np.abs(np.random.default_rng(0).normal(size=pixels.shape))
        values = np.hstack([{"pixels": pixels, "noise": noise}[layer] for layer in layers])
        return NeuroidAssembly(values, dims=("presentation", "neuroid"), coords={
            "stimulus_id": ("presentation", ids), "stimulus_path": ("presentation", [str(stimuli.get_stimulus(s)) for s in ids]),
            "neuroid_id": ("neuroid", np.arange(values.shape[1])), "layer": ("neuroid", np.repeat(layers, pixels.shape[1]))})


@pytest.fixture
def planted_memorability(planted_files, tmp_path):
    """stimulus_id, memorability = the image's mean brightness (CSV)."""
    from brainscore_memorability.data import sources
    stimuli = sources.load_packaged(planted_files["nc"]).stimulus_set
    ids = list(stimuli["stimulus_id"])
    brightness = [np.asarray(Image.open(stimuli.get_stimulus(s)), dtype=float).mean() for s in ids]
    path = tmp_path / "memorability.csv"
    pd.DataFrame({"stimulus_id": ids, "memorability": brightness}).to_csv(path, index=False)
    return path


def test_table_and_figure(planted_files, planted_memorability, isolated_registry, tmp_path, capsys):
    isolated_registry.register("model", "bsm-brightness-model", "pixels and noise", BrightnessModel)
    output, plot = tmp_path / "magnitude.csv", tmp_path / "magnitude.png"
    assert main(["magnitude", "--model", "bsm-brightness-model", "--benchmark", "Kar2019-IT-early", "--data",
                 str(planted_files["nc"]), "--memorability", str(planted_memorability), "--bootstrap", "500",
                 "--output", str(output), "--plot", str(plot)]) == 0
    table = pd.read_csv(output)
    assert list(table["model"]) == ["IT", "bsm-brightness-model", "bsm-brightness-model"]
    assert list(table["layer"]) == ["IT 70-100 ms", "pixels", "noise"]
    pixels, noise = table.iloc[1], table.iloc[2]
    assert pixels["rho"] > 0.8 and pixels["ci_low"] > 0.6 and noise["ci_low"] < 0 < noise["ci_high"]
    assert list(table["relative_depth"][1:]) == [0, 1] and (table["n_images"] == 60).all()
    assert plot.is_file() and plot.with_suffix(".pdf").is_file()
    assert "pixels" in capsys.readouterr().out


def test_bad_memorability_sources_are_one_line_errors(planted_files, isolated_registry, tmp_path, capsys):
    isolated_registry.register("model", "bsm-brightness-model", "pixels and noise", BrightnessModel)
    base = ["magnitude", "--model", "bsm-brightness-model", "--benchmark", "Kar2019-IT-early", "--data",
            str(planted_files["nc"]), "--output", str(tmp_path / "m.csv")]
    assert main(base) == 1
    assert "no memorability scores: give --memorability SCORES.csv" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("stimulus_id,score\nimg000,1\n", encoding="utf-8")
    assert main(base + ["--memorability", str(bad)]) == 1
    assert "needs columns stimulus_id and memorability" in capsys.readouterr().err
    short = tmp_path / "short.csv"
    short.write_text("stimulus_id,memorability\nimg000,0.5\n", encoding="utf-8")
    assert main(base + ["--memorability", str(short)]) == 1
    assert "no numeric memorability for 59 of the benchmark's images" in capsys.readouterr().err
    assert not (tmp_path / "m.csv").exists()
