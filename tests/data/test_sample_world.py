"""The simulated sample world: layouts the rest of the package reads, determinism, planted structure."""
import dataclasses
import json
import zipfile

import numpy as np
import pytest
from scipy import stats

from brainscore_memorability import adapters
from brainscore_memorability.data import packaging, sample_world
from brainscore_memorability.errors import DataError

TINY = sample_world.WorldConfig(seed=3, image_size=32, n_categories=4, lamem_images=(40, 10, 10),
                                imagefolder_images=(6, 2), it_images_per_category=30,
                                neurons_per_animal=10, repetitions=6)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return sample_world.build(tmp_path_factory.mktemp("sample") / "world", TINY)


def _assembly(world):
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuronRecordingAssembly
    return NeuronRecordingAssembly.from_files(world.assembly, stimulus_set_identifier=sample_world.IT_IDENTIFIER,
                                              stimulus_set=None)


def test_every_output_says_it_is_simulated(world):
    for folder in (world.root, world.lamem_root, world.imagefolder_root):
        assert "SIMULATED" in (folder / "SIMULATED_DATA.txt").read_text()
    assert "SIMULATED" in json.loads((world.root / "world.json").read_text())["notice"]
    assembly = _assembly(world)
    assert assembly.attrs["simulated"] == "yes" and "SIMULATED" in assembly.attrs["notice"]
    assert sample_world.IT_IDENTIFIER.startswith("SIMULATED")


def test_lamem_layout_is_what_training_reads(world):
    from brainscore_memorability_training.lamem import read_split
    rows = {part: read_split(world.lamem_root / "splits" / f"{part}_1.txt") for part in ("train", "val", "test")}
    assert [len(rows[p]) for p in ("train", "val", "test")] == list(TINY.lamem_images)
    names = [name for part in rows.values() for name, _ in part]
    assert len(set(names)) == sum(TINY.lamem_images)  # parts are disjoint
    assert all((world.lamem_root / "images" / name).is_file() for name in names)
    assert all(len(name) == len("00000001.jpg") for name in names)


def test_lamem_scores_are_the_known_function_plus_rater_noise(world):
    """Re-derive each LaMem image's properties from the seed and recompute memorability."""
    rng = np.random.default_rng(np.random.SeedSequence(TINY.seed).spawn(5)[0])
    n = sum(TINY.lamem_images)
    props = sample_world.draw_properties(rng, rng.integers(0, TINY.n_categories, n), TINY.n_categories)
    expected = sample_world.memorability(props["saturation"], props["clutter"], props["size"])
    from brainscore_memorability_training.lamem import read_split
    scores = np.array([s for part in ("train", "val", "test")
                       for _, s in read_split(world.lamem_root / "splits" / f"{part}_1.txt")])
    residual = scores - expected
    assert abs(residual.mean()) < 0.03 and 0.06 < residual.std() < 0.095  # rater_noise = 0.078


def test_memorability_formula_edges():
    assert sample_world.memorability(0.5, 0.5, 0.5) == pytest.approx(0.40 + 0.55 / 2)
    low, high = sample_world.memorability([0, 1], [1, 0], [0, 1])
    assert low == pytest.approx(0.40 + 0.55 / (1 + np.exp(4.25))) and high == pytest.approx(0.40 + 0.55 / (1 + np.exp(-4.25)))


def test_imagefolder_layout(world):
    from torchvision.datasets import ImageFolder
    for part, per_category in zip(("train", "val"), TINY.imagefolder_images):
        found = ImageFolder(world.imagefolder_root / part)
        assert found.classes == sorted(TINY.categories)
        assert np.bincount(found.targets).tolist() == [per_category] * TINY.n_categories


def test_assembly_has_the_brainscore_format(world):
    assembly = packaging.validate_assembly(_assembly(world), str(world.assembly))
    n_images = TINY.n_categories * TINY.it_images_per_category
    assert assembly.shape == (n_images * TINY.repetitions, 2 * TINY.neurons_per_animal, 18)
    assert assembly["time_bin_start"].values.tolist() == list(range(70, 250, 10))
    assert (assembly["time_bin_end"] - assembly["time_bin_start"]).values.tolist() == [10] * 18
    assert sorted(set(assembly["animal"].values)) == sorted(TINY.animals)
    assert set(assembly["region"].values) == {"IT"}
    assert np.isfinite(assembly.values).all() and (assembly.values >= 0).all()


def test_stimulus_set_loads_and_matches_the_zip(world):
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet
    stimuli = StimulusSet.from_files(world.stimuli_csv, world.it_images)
    assert len(stimuli) == TINY.n_categories * TINY.it_images_per_category
    assert stimuli["simulated"].all()
    assert np.bincount(stimuli["object_name"].map(TINY.categories.index)).tolist() == [TINY.it_images_per_category] * 4
    with zipfile.ZipFile(world.stimuli_zip) as archive:
        assert sorted(archive.namelist()) == sorted(stimuli["filename"])
    truth = world.truth()
    assert stimuli["stimulus_id"].tolist() == truth["stimulus_id"].tolist()
    np.testing.assert_allclose(stimuli["memorability"], truth["memorability"])


def test_build_is_deterministic_and_reused(world, tmp_path):
    again = sample_world.build(tmp_path / "again", TINY)
    for relative in ("lamem/splits/train_1.txt", "lamem/images/00000007.jpg", "it/images/sim00011.jpg",
                     "imagefolder/val/square/sim_val_00003.jpg", world.stimuli_csv.relative_to(world.root)):
        assert (again.root / relative).read_bytes() == (world.root / relative).read_bytes()
    np.testing.assert_array_equal(_assembly(again).values, _assembly(world).values)
    before = world.assembly.stat().st_mtime_ns
    assert sample_world.build(world.root, TINY).root == world.root  # reused, not rebuilt
    assert world.assembly.stat().st_mtime_ns == before


def test_existing_folder_with_another_config_is_refused(world, tmp_path):
    with pytest.raises(DataError, match="another config"):
        sample_world.build(world.root, sample_world.WorldConfig(seed=4))
    (tmp_path / "notes").mkdir()
    with pytest.raises(DataError, match="not a sample world"):
        sample_world.build(tmp_path / "notes")


def test_bad_configs_are_refused():
    with pytest.raises(DataError, match="repetitions"):
        sample_world.WorldConfig(repetitions=1)
    with pytest.raises(DataError, match="n_categories"):
        sample_world.WorldConfig(n_categories=20)


def test_time_profiles_put_memorability_early_only():
    profiles = sample_world.time_profiles()
    early = slice(0, 3)  # 70-100 ms
    late = slice(11, 14)  # 180-210 ms
    assert (profiles["memorability"][early] == 1).all() and (profiles["memorability"][late] == 0).all()
    assert (profiles["category"][late] == 1).all() and (profiles["category"][early] < 0.71).all()


def _window_means(world, window):
    rates, ids = adapters.trial_rates(_assembly(world), world.truth()["stimulus_id"])
    starts = np.arange(70, 250, 10)
    inside = (starts >= window[0]) & (starts + 10 <= window[1])
    return rates[..., inside].mean(axis=(2, 3))  # images x neurons


def test_planted_components_are_in_the_recorded_rates(world):
    """Repetition-averaged window rates regressed on the three planted drivers recover the weights."""
    truth = world.truth()
    for window, expected in (((70, 100), (0.6 + 0.4 * np.mean([0, 10, 20]) / 75, 1.0, 0.5)),
                             ((180, 210), (1.0, 0.0, 0.5))):
        responses = _window_means(world, window)
        for n in range(responses.shape[1]):
            design = np.column_stack([np.ones(len(responses))] +
                                     [truth[f"{c}_driver"][:, n] for c in sample_world.COMPONENTS])
            coefficients = np.linalg.lstsq(design, responses[:, n] / truth["gain"][n], rcond=None)[0][1:]
            # noise of the fitted coefficient: s.d. noise/sqrt(reps x bins x images) ~ 0.1 at most here
            np.testing.assert_allclose(coefficients, expected, atol=0.35)
        components = sample_world.window_components(truth, window)
        assert np.abs(components["memorability"]).max() > 0.5 if window[0] < 100 else \
            np.abs(components["memorability"]).max() == 0


def test_memorability_is_independent_of_category(world):
    truth = world.truth()
    groups = [truth["memorability"][truth["category"] == c] for c in range(TINY.n_categories)]
    assert stats.f_oneway(*groups).pvalue > 0.001
    early = _window_means(world, (70, 100))
    late = _window_means(world, (180, 210))
    r_early = [stats.pearsonr(truth["memorability"], early[:, n])[0] * np.sign(truth["memorability_loading"][n])
               for n in range(early.shape[1])]
    r_late = [stats.pearsonr(truth["memorability"], late[:, n])[0] * np.sign(truth["memorability_loading"][n])
              for n in range(late.shape[1])]
    assert np.median(r_early) > 0.3 and abs(np.median(r_late)) < 0.15


def test_planted_shares_are_each_components_share_of_the_explainable_variance(world):
    truth = world.truth()
    early, late = (world.planted_shares(window) for window in ((70, 100), (180, 210)))
    assert late["memorability"] == 0 and early["memorability"] > 0.1
    assert all(0 <= share <= 1 for share in [*early.values(), *late.values()])
    # by hand: per site, the variance of each planted contribution over that of their sum; median
    parts = sample_world.window_components(truth, (70, 100), TINY.weights)
    total = (parts["category"] + parts["memorability"] + parts["shared"]).var(axis=0)
    for name in sample_world.COMPONENTS:
        assert early[name] == pytest.approx(np.median(parts[name].var(axis=0) / total), rel=1e-12)
    null = sample_world.planted_shares(truth, (70, 100), (1.0, 0.0, 0.5))
    assert null["memorability"] == 0 and null["category"] > early["category"]


def test_categories_have_their_own_hue_band():
    rng = np.random.default_rng(0)
    props = sample_world.draw_properties(rng, np.repeat(np.arange(6), 50), 6)
    centre = (props["category"] + 0.0) / 6
    distance = np.abs((props["hue"] - centre + 0.5) % 1.0 - 0.5) * 6  # in units of band spacing
    assert distance.max() <= 0.3 and np.std(props["saturation"]) > 0.25  # saturation stays independent


def test_rater_noise_gives_lamems_human_consistency():
    """Two halves of the simulated raters (each half's mean has twice the variance of the split
    score's noise) agree with Spearman rho 0.68, LaMem's human consistency (Khosla et al. 2015)."""
    rng = np.random.default_rng(0)
    n = 100_000
    truth = sample_world.memorability(*rng.uniform(0, 1, (3, n)))
    noise = sample_world.WorldConfig().rater_noise * np.sqrt(2)
    halves = truth + noise * rng.standard_normal((2, n))
    assert stats.spearmanr(*halves).statistic == pytest.approx(0.68, abs=0.01)


def test_magnitude_drivers_move_the_population_magnitude_with_memorability_only():
    rng = np.random.default_rng(0)
    images, sites = 50, 12
    drivers = {name: rng.normal(size=(images, sites)) for name in sample_world.COMPONENTS}
    memorability = rng.uniform(0.4, 0.9, images)
    base, gain = rng.uniform(20, 40, sites), rng.uniform(4, 8, sites)
    centred = sample_world.magnitude_drivers(drivers, memorability, base, gain, 0.1)
    weighted = {name: driver @ (base * gain) / (base * gain).sum() for name, driver in centred.items()}
    np.testing.assert_allclose(weighted["category"], 0, atol=1e-12)
    np.testing.assert_allclose(weighted["shared"], 0, atol=1e-12)
    z = (memorability - memorability.mean()) / memorability.std()
    np.testing.assert_allclose(weighted["memorability"], 0.1 * z, atol=1e-12)
    # the site-to-site pattern of each driver is kept (only a per-image constant is removed)
    np.testing.assert_allclose(np.diff(centred["category"], axis=1), np.diff(drivers["category"], axis=1), atol=1e-12)


def test_planted_magnitude_effect_is_recovered_and_absent_from_the_null_world(world, tmp_path):
    """Jaegle et al. 2019 planted: IT's response magnitude grows with memorability; the null world
    (memorability weight 0) plants none. Recovered from the recorded trials with the magnitude analysis."""
    from brainscore_memorability.analysis.magnitude import it_row
    null = sample_world.build(tmp_path / "null", dataclasses.replace(TINY, weights=(1.0, 0.0, 0.5)))
    found = {}
    for name, built in (("planted", world), ("null", null)):
        rates, _ = adapters.trial_rates(_assembly(built), built.truth()["stimulus_id"])
        early = rates[..., :3].mean(axis=3)  # images x sites x repetitions, 70-100 ms
        found[name] = it_row(early, built.truth()["memorability"], (70, 100), n_resamples=2000).iloc[0]
        found[name + "_planted"] = built.planted_magnitude((70, 100))
    assert found["planted_planted"] > 0.4 and found["planted"]["ci_low"] > 0.2
    assert found["planted"]["ci_low"] <= found["planted_planted"] <= found["planted"]["ci_high"]
    assert abs(found["null_planted"]) < 0.15 and found["null"]["ci_low"] <= 0 <= found["null"]["ci_high"]
