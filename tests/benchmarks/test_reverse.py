"""Reverse predictivity benchmarks on the planted world of conftest: model units built from the IT
responses are predicted by IT, units built from noise are not; registration, Score contents."""
import numpy as np
import pytest

import brainscore_vision
from brainscore_memorability.benchmarks import reverse, temporal_it
from brainscore_memorability.data import kar2019
from brainscore_memorability.errors import MemorabilityError


class TableModel:
    """A BrainModel answering each stimulus_id with a fixed row of ``features`` (same in every bin)."""
    identifier = "bsm-table-model"

    def __init__(self, stimulus_ids, features):
        self.rows = dict(zip(stimulus_ids, features))

    def visual_degrees(self):
        return 8

    def start_recording(self, region, time_bins):
        self.time_bins = [tuple(map(int, b)) for b in time_bins]

    def look_at(self, stimuli, number_of_trials=1):
        from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
        values = np.stack([self.rows[s] for s in stimuli["stimulus_id"]])
        starts, ends = zip(*self.time_bins)
        return NeuroidAssembly(
            np.repeat(values[:, :, None], len(self.time_bins), axis=2), dims=("presentation", "neuroid", "time_bin"),
            coords={"stimulus_id": ("presentation", list(stimuli["stimulus_id"])),
                    "repetition": ("presentation", [0] * len(values)),  # two coords: no 1-level MultiIndex
                    "neuroid_id": ("neuroid", [f"u{i}" for i in range(values.shape[1])]),
                    "layer": ("neuroid", ["table"] * values.shape[1]),
                    "time_bin_start": ("time_bin", list(starts)), "time_bin_end": ("time_bin", list(ends))})


@pytest.fixture(scope="module")
def planted_units(planted_files):
    """A model whose first 20 units mix the IT sites' early mean rates and whose last 20 are noise."""
    forward = temporal_it.build("Kar2019", [temporal_it.PHASES["early"]], data=planted_files["nc"])
    rates, stimulus_ids = forward.rates
    rng = np.random.default_rng(7)
    it_units = np.nanmean(rates[..., 0], axis=2) @ rng.normal(size=(rates.shape[1], 20))
    noise_units = rng.normal(size=(len(stimulus_ids), 20))
    return TableModel(stimulus_ids, np.concatenate([it_units, noise_units], axis=1))


def test_units_built_from_it_score_high_and_noise_units_near_zero(planted_files, planted_units):
    benchmark = reverse.build("Kar2019", (70, 100), data=planted_files["nc"], regression="ridge")
    score = benchmark(planted_units)
    ev = score.attrs["explained_variance"].values
    # measured: IT-built units median 104.4 % (above 100: they are built from the mean over all
    # repetitions, trial noise included, which the prediction from that same mean shares, so the
    # halves' reliability over-corrects), noise units -0.5 %
    assert np.median(ev[:20]) > 80 and abs(np.median(ev[20:])) < 5
    assert score.attrs["n_units"] == score.attrs["n_units_total"] == 40
    assert score.attrs["fraction_unpredicted"] == pytest.approx(0.5, abs=0.1)
    assert float(score) == pytest.approx(np.clip(np.median(ev) / 100, 0, 1))
    assert benchmark.identifier == "Kar2019-IT-early-reverse"


def test_the_subsample_is_seeded_and_recorded(planted_files, planted_units):
    benchmark = reverse.build("Kar2019", (70, 100), data=planted_files["nc"], regression="ridge", n_units=10,
                              n_splits=2)
    first, second = benchmark(planted_units), benchmark(planted_units)
    assert first.attrs["n_units"] == 10 and first.attrs["n_units_total"] == 40
    np.testing.assert_array_equal(first.attrs["unit_index"], second.attrs["unit_index"])
    np.testing.assert_array_equal(first.attrs["unit_index"], reverse.subsample_units(40, 10, 0))
    assert float(first) == float(second)
    assert not np.array_equal(reverse.subsample_units(40, 10, 0), reverse.subsample_units(40, 10, 1))


def test_pixel_model_is_predicted_early_not_late(planted_files, pixel_model_class):
    """The early IT sites are 9 linear read-outs of the 48 pixels, the late ones unrelated
    (measured median EV: early 12.0 %, late -0.6 %)."""
    scores = {phase: reverse.build("Kar2019", window, data=planted_files["nc"], regression="ridge")(pixel_model_class())
              for phase, window in temporal_it.PHASES.items()}
    early, late = (np.median(scores[p].attrs["explained_variance"].values) for p in ("early", "late"))
    assert early > late + 5 and abs(late) < 5


def test_registered_and_loadable_through_brainscore_vision(planted_files, monkeypatch):
    monkeypatch.setenv(kar2019.ENVIRONMENT_VARIABLE, str(planted_files["nc"]))
    for identifier in ("Kar2019-IT-late-reverse", "Kar2019_IT_late_reverse"):
        benchmark = brainscore_vision.load_benchmark(identifier)
        assert benchmark.identifier == "Kar2019-IT-late-reverse" and benchmark.windows == [(180, 210)]
        assert benchmark.parent == "IT" and benchmark.n_units == 1000
    assert reverse.identifier("MajajHong2015public", (70, 100)) == "MajajHong2015public.IT-early-reverse"
    assert reverse.rebuild("Kar2019_IT_early_reverse", data=planted_files["nc"], windows=[(70, 170)]).windows == [(70, 170)]
    with pytest.raises(MemorabilityError, match="one --window"):
        reverse.rebuild("Kar2019-IT-early-reverse", windows=[(70, 80), (80, 90)])


def test_cli_scores_a_reverse_benchmark_on_data(planted_files, planted_units, isolated_registry, capsys):
    from brainscore_memorability.cli import main
    isolated_registry.register("model", "bsm-table-model", "planted units", lambda: planted_units)
    assert main(["score", "--model", "bsm-table-model", "--benchmark", "Kar2019-IT-early-reverse",
                 "--data", str(planted_files["nc"])]) == 0
    assert "Kar2019-IT-early-reverse" in capsys.readouterr().out
