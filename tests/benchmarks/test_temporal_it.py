"""Temporal-window IT benchmarks on a planted world (see conftest): the signal is found where it was put."""
import numpy as np
import pytest

import brainscore_vision
from brainscore_memorability import adapters
from brainscore_memorability.benchmarks import temporal_it
from brainscore_memorability.data import kar2019, sources
from brainscore_memorability.errors import DataError, MemorabilityError

N_SITES = 9  # conftest: 4 magneto + 5 nano


@pytest.fixture(scope="module")
def early_and_late(planted_files, pixel_model_class):
    """The two phase benchmarks on the planted NetCDF and their Scores for the pixel model."""
    scores = {}
    for phase in ("early", "late"):
        model = pixel_model_class()
        benchmark = temporal_it.build("Kar2019", [temporal_it.PHASES[phase]], data=planted_files["nc"])
        scores[phase] = (benchmark(model), model, benchmark)
    return scores


def test_planted_signal_is_recovered_early_and_not_late(early_and_late):
    early, late = early_and_late["early"][0], early_and_late["late"][0]
    assert float(early) > 0.6 and float(late) < 0.1
    assert (early.attrs["explained_variance"].values > 50).all()
    assert np.abs(np.median(late.attrs["explained_variance"].values)) < 10
    # the late failure is not noise: the late response is as reliable as the early one
    for score in (early, late):
        assert (score.attrs["ceiling"].attrs["raw"].values > 0.9).all()
    assert early.attrs["n_sites"] == late.attrs["n_sites"] == N_SITES


def test_the_window_is_requested_from_the_model(early_and_late):
    assert early_and_late["early"][1].recordings == [("IT", [(70, 100)])]
    assert early_and_late["late"][1].recordings == [("IT", [(180, 210)])]
    assert [early_and_late[p][2].identifier for p in ("early", "late")] == ["Kar2019-IT-early", "Kar2019-IT-late"]


def test_score_is_brainscore_compatible_and_relates_to_ev(planted_files, pixel_model):
    """With one halving, EV_n / 100 = r_n |r_n| / (rho_n rho'_n) exactly; value, raw, ceiling are medians."""
    score = temporal_it.build("Kar2019", [(70, 100)], data=planted_files["nc"], n_splits=1)(pixel_model)
    ev = score.attrs["explained_variance"].values
    r = score.attrs["raw"].attrs["raw"].values
    ceiling = score.attrs["ceiling"].attrs["raw"].values  # neural reliability rho_n
    model = score.attrs["model_reliability"].values
    np.testing.assert_allclose(ev / 100, r * np.abs(r) / (ceiling * model), rtol=1e-12)
    assert float(score) == pytest.approx(np.clip(np.median(ev) / 100, 0, 1), abs=1e-12)
    assert score.attrs["explained_variance_median"] == pytest.approx(np.median(ev), abs=1e-12)
    assert float(score.attrs["raw"]) == pytest.approx(np.median(r), abs=1e-12)
    assert float(score.attrs["ceiling"]) == pytest.approx(np.median(ceiling), abs=1e-12)
    assert 0 < float(score.attrs["error"]) < 0.1
    assert list(score.attrs["explained_variance"]["neuroid_id"].values)[:2] == ["magneto_0000", "magneto_0001"]
    # error: the bootstrap s.e. over sites of the median (adapters), in the value's unit
    assert float(score.attrs["error"]) == pytest.approx(adapters.bootstrap_median_error(ev / 100), abs=1e-15)
    assert score.attrs["metric_options"]["n_splits"] == 1 and score.attrs["metric_options"]["n_components"] == 20


@pytest.mark.parametrize("options", [{}, {"reliability_correlation": "spearman", "n_splits": 3, "seed": 5}])
def test_benchmark_ceiling_is_the_scores_ceiling(planted_files, pixel_model_class, options):
    """Point 4: one ceiling, with the metric's options and the min_reliability sites."""
    neural = None  # the sites' neural reliabilities, from the first (all-sites) pass
    for min_reliability in (None, "median"):
        if min_reliability == "median":  # a threshold that leaves about half of the sites out
            min_reliability = float(np.median(neural))
        benchmark = temporal_it.build("Kar2019", [(70, 100)], data=planted_files["nc"],
                                      min_reliability=min_reliability, **options)
        score = benchmark(pixel_model_class())
        assert float(benchmark.ceiling) == pytest.approx(float(score.attrs["ceiling"]), abs=1e-12)
        neural = score.attrs["ceiling"].attrs["raw"].values
        used = np.ones(N_SITES, bool) if min_reliability is None else neural >= min_reliability
        assert float(benchmark.ceiling) == pytest.approx(np.median(neural[used]), abs=1e-12)
        assert score.attrs["n_sites"] == used.sum()
        assert score.attrs["metric_options"]["min_reliability"] == min_reliability
    assert 0 < used.sum() < N_SITES  # the threshold left some sites out


def test_time_course_ceiling_is_the_mean_of_the_windows(planted_files, pixel_model):
    benchmark = temporal_it.build("Kar2019", [(70, 100), (180, 210)], data=planted_files["nc"],
                                  reliability_correlation="spearman", min_reliability=0.5)
    score = benchmark(pixel_model)
    windows = [float(w.attrs["ceiling"]) for w in score.attrs["windows"]]
    assert float(benchmark.ceiling) == pytest.approx(np.mean(windows), abs=1e-12) == float(score.attrs["ceiling"])


def test_time_course_in_10ms_windows(planted_files, pixel_model):
    windows = temporal_it.time_course(0, 250, 10)
    benchmark = temporal_it.build("Kar2019", windows, data=planted_files["nc"], min_reliability=0.5)
    score = benchmark(pixel_model)
    assert benchmark.identifier == "Kar2019-IT-0-250ms-by10ms"
    assert pixel_model.recordings == [("IT", windows)]
    course = dict(zip(score.attrs["time_course"]["time_bin_start"].values.tolist(), score.attrs["time_course"].values))
    assert all(course[t] > 0.5 for t in (70, 80, 90))
    assert all(course[t] < 0.15 for t in (180, 190, 200))
    n_sites = {s.attrs["window"][0]: s.attrs["n_sites"] for s in score.attrs["windows"]}
    assert all(n_sites[t] == N_SITES for t in (70, 80, 90, 180, 190, 200))
    assert all(n_sites[t] <= 1 for t in (0, 30, 120, 230))  # pure noise: no reliable site
    assert score.attrs["explained_variance"].dims == ("time_bin", "neuroid")
    assert float(score) == pytest.approx(np.nanmean(list(course.values())))


def test_window_rates_weight_bins_by_overlap(planted_files):
    """(65, 100) over 10 ms bins: half of 60-70, all of 70-80, 80-90, 90-100."""
    assembly = sources.load_packaged(planted_files["nc"])
    with pytest.warns(temporal_it.TimeBinWarning) as caught:
        rates, ids = temporal_it.window_rates(assembly, [(65, 100), (70, 80)])
    assert len(caught) == 1  # (70, 80) falls on bin edges: a bin labelled t covers [t, t + 10) ms
    assert "time window (65, 100) ms does not fall on the time bin edges" in str(caught[0].message)
    assert "60-70 ms (0.5 of it)" in str(caught[0].message)
    by_bin, same_ids = adapters.trial_rates(assembly)
    assert list(ids) == list(same_ids)
    expected = (0.5 * by_bin[..., 6] + by_bin[..., 7] + by_bin[..., 8] + by_bin[..., 9]) / 3.5
    np.testing.assert_allclose(rates[..., 0], expected, equal_nan=True)
    np.testing.assert_array_equal(rates[..., 1], by_bin[..., 7])
    with pytest.raises(DataError, match=r"time window \(240, 260\) ms is not covered .* \(0-250 ms in 25 bins\)"):
        temporal_it.window_rates(assembly, [(240, 260)])


def test_registered_benchmarks_load_through_brainscore_vision(planted_files, pixel_model, monkeypatch):
    monkeypatch.setenv(kar2019.ENVIRONMENT_VARIABLE, str(planted_files["nc"]))
    for identifier in ("Kar2019-IT-early", "Kar2019_IT_early"):
        benchmark = brainscore_vision.load_benchmark(identifier)
        assert benchmark.identifier == "Kar2019-IT-early" and benchmark.windows == [(70, 100)]
        assert benchmark.parent == "IT" and "Kar" in benchmark.bibtex
    assert 0.9 < float(benchmark.ceiling) <= 1  # median neural split-half reliability


def test_model_answering_other_time_bins_is_refused(planted_files, pixel_model):
    class Stubborn(type(pixel_model)):
        def start_recording(self, region, time_bins):
            super().start_recording(region, [(0, 50), (50, 100)])

    benchmark = temporal_it.build("Kar2019", [(70, 100), (180, 210)], data=planted_files["nc"])
    with pytest.raises(MemorabilityError, match=r"answered time bins \[\(0, 50\), \(50, 100\)\], not the requested window \(70, 100\)"):
        benchmark(Stubborn())


def test_bad_windows_and_identifiers():
    with pytest.raises(MemorabilityError, match=r"time window \(100, 70\)"):
        temporal_it.validate_windows([(100, 70)])
    with pytest.raises(MemorabilityError, match="not to 'MajajHong2015public.IT-pls'"):
        temporal_it.rebuild("MajajHong2015public.IT-pls", windows=[(70, 100)])
    assert temporal_it.identifier("MajajHong2015public", [(70, 170)]) == "MajajHong2015public.IT-70-170ms"
    assert temporal_it.time_course(70, 100, 10) == [(70, 80), (80, 90), (90, 100)]


# ---------------------------------------------------------------- MajajHong2015.temporal.public, format only
@pytest.fixture
def majajhong_like(planted_files):
    """The planted rates re-binned into 20 ms bins, with V4 sites added and MajajHong's coords
    (image_id, object_name, arr): the shape of brainscore_vision's MajajHong2015.temporal.public."""
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuronRecordingAssembly
    planted = sources.load_packaged(planted_files["nc"])
    values = planted.values[..., :24].reshape(planted.sizes["presentation"], planted.sizes["neuroid"], 12, 2).mean(-1)
    values = np.concatenate([values, values[:, :3] * 0.5], axis=1)  # + 3 'V4' sites
    n_it = planted.sizes["neuroid"]
    assembly = NeuronRecordingAssembly(
        values, dims=("presentation", "neuroid", "time_bin"),
        coords={"image_id": ("presentation", planted["stimulus_id"].values),
                "stimulus_id": ("presentation", planted["stimulus_id"].values),
                "repetition": ("presentation", planted["repetition"].values),
                "object_name": ("presentation", ["obj"] * planted.sizes["presentation"]),
                "neuroid_id": ("neuroid", [f"Chabo_L_{i}" for i in range(n_it + 3)]),
                "animal": ("neuroid", ["Chabo"] * (n_it + 3)), "arr": ("neuroid", ["A"] * (n_it + 3)),
                "region": ("neuroid", ["IT"] * n_it + ["V4"] * 3),
                "time_bin_start": ("time_bin", list(range(0, 240, 20))),
                "time_bin_end": ("time_bin", list(range(20, 260, 20)))})
    assembly.attrs.update(stimulus_set=planted.stimulus_set, identifier="MajajHong2015.temporal.public")
    return assembly, n_it


def test_majajhong_windows_on_a_small_assembly_in_its_format(majajhong_like, pixel_model, monkeypatch):
    assembly, n_it = majajhong_like
    requested = []
    monkeypatch.setattr(brainscore_vision, "load_dataset", lambda identifier: requested.append(identifier) or assembly)
    benchmark = brainscore_vision.load_benchmark("MajajHong2015public.IT-early")
    assert benchmark.assembly.sizes["neuroid"] == n_it and set(benchmark.assembly["region"].values) == {"IT"}
    with pytest.warns(temporal_it.TimeBinWarning, match=r"\(70, 100\) ms .* bin\(s\) 60-80 ms \(0.5 of it\)"):
        rates, _ = benchmark.rates  # 70-100 ms over 20 ms bins: half of 60-80, all of 80-100
    by_bin, _ = adapters.trial_rates(assembly.isel(neuroid=slice(0, n_it)))
    np.testing.assert_allclose(rates[..., 0], (0.5 * by_bin[..., 3] + by_bin[..., 4]) / 1.5)
    early = benchmark(pixel_model)
    late = brainscore_vision.load_benchmark("MajajHong2015public.IT-late")(type(pixel_model)())
    assert early.attrs["n_sites"] == n_it and float(early) > 0.5 and float(late) < 0.1
    assert requested == ["MajajHong2015.temporal.public"] * 2  # brainscore_vision's own data plugin
