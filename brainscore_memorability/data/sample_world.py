"""A small SIMULATED world with a known answer: images, memorability scores and an IT population.

Nothing here is real data. The package builds this world itself (no downloads) so that the whole
study (`brainscore reproduce --config sample`) runs on a laptop and its analyses can be checked
against structure planted on purpose.

Images (``image_size`` pixels square, JPEG) show one object on a grey grating background. Each
image has randomly drawn properties: the object's category (its shape, see ``SHAPES``, and a hue
band of its own), size, position, rotation, hue within the band and colour saturation, and the
background's luminance and grating ("clutter") contrast, orientation and frequency.

Memorability is a known function of three of them and does not depend on the category::

    z = 4 (saturation - 0.5) - 3 (clutter - 0.5) + 1.5 (size - 0.5)     (all three in [0, 1])
    memorability = 0.40 + 0.55 / (1 + exp(-z))                           (in 0.41 .. 0.94)

A LaMem split file holds that score plus rater noise (s.d. ``rater_noise``, 0.078: two halves of
such raters would agree with Spearman rho 0.68, LaMem's human consistency), as real LaMem scores
differ between splits.

The IT population (``animals`` x ``neurons_per_animal`` sites, ``repetitions`` trials, 10 ms bins
from 70 to 250 ms, spikes/s) has, per site n, image i and bin centre t (ms), the mean rate::

    base_n + gain_n * ( w_category     * p_category(t)     * category_n[i]
                      + w_memorability * p_memorability(t) * a_n * z(memorability[i])
                      + w_shared       * p_shared(t)       * b_n * z(luminance[i]) )

* category-driven: ``category_n[i]`` is site n's random tuning value for image i's category,
  z-scored over the IT images; present in every bin, rising from 0.6 at 75 ms to 1 from 150 ms;
* memorability-driven: the z-scored memorability of the image with loading ``a_n`` (random sign,
  magnitude 0.5-1.5); full from 70 to 110 ms, tapering (cosine) to exactly 0 at 140 ms: so it is
  in the early window (70-100 ms) and absent from the late one (180-210 ms);
* shared: the z-scored mean luminance of the rendered image, a low-level property every network
  represents, loading ``b_n`` (random sign, magnitude 0.5-1.5), constant over time.
  (Saturated colours are darker at the same HSV value, so luminance and memorability correlate
  weakly, about -0.2, as low-level confounds do in real image sets.)

Population response magnitude (Jaegle et al. 2019: the L2 norm of IT's response vector grows with
memorability): each component's drivers are centred over sites (weighted by ``base_n * gain_n``),
so that no component changes the population response magnitude to first order, and then
``magnitude_loading`` (0.1) times the z-scored memorability is added to every site's memorability
driver: the magnitude grows with memorability, with the memorability component only (so the null
world, memorability weight 0, has no magnitude effect). :func:`planted_magnitude` gives the planted
correlation (Spearman rho of the noise-free magnitude in a window and memorability).

Each trial and bin adds independent Gaussian noise (s.d. ``gain_n * noise_n``); rates are clipped at
0 spikes/s. The assembly is built and written with :mod:`brainscore_memorability.data.packaging`
(the package's one writer of the format) and every planted quantity goes to ``truth.npz``.

Layout written under ``root`` (all deterministic given the config and seed)::

    SIMULATED_DATA.txt          says what this is
    world.json                  the config, the formulas, file paths, shapes
    truth.npz                   planted per-image and per-site quantities (see :func:`load_truth`)
    lamem/images/*.jpg          LaMem layout (for training.lamem)
    lamem/splits/{train,val,test}_1.txt
    imagefolder/{train,val}/<category>/*.jpg   ImageFolder layout (for training.imagenet)
    it/images/<stimulus_id>.jpg                the IT stimuli (held out from both training sets)
    it/assy_<IT_IDENTIFIER>.nc, it/stimulus_<IT_IDENTIFIER>.{csv,zip}   Brain-Score files
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brainscore_memorability import atomic
from brainscore_memorability.errors import DataError
from brainscore_memorability.hashing import file_digest

NOTICE = ("SIMULATED SAMPLE: every image, memorability score and neural response here was generated "
          "by brainscore_memorability.data.sample_world from a random seed. It is not LaMem, not "
          "ImageNet and not macaque data; it only checks that the analyses recover planted structure.")
IT_IDENTIFIER = "SIMULATED.sample_IT"
SHAPES = ("disk", "square", "triangle", "cross", "star", "ring", "bar", "crescent")
TIME_BINS = tuple((start, start + 10) for start in range(70, 250, 10))  # ms after stimulus onset
COMPONENTS = ("category", "memorability", "shared")
_SUPERSAMPLE = 4


@dataclass(frozen=True)
class WorldConfig:
    """Sizes, seed and planted weights of the simulated world (defaults: the sample config)."""
    seed: int = 0
    image_size: int = 64  # pixels
    n_categories: int = 6  # the first n of SHAPES
    lamem_images: tuple[int, int, int] = (720, 120, 120)  # train, val, test
    imagefolder_images: tuple[int, int] = (120, 20)  # train, val, per category
    it_images_per_category: int = 40
    animals: tuple[str, ...] = ("simulated_monkey_a", "simulated_monkey_b")
    neurons_per_animal: int = 32
    repetitions: int = 10
    weights: tuple[float, float, float] = (1.0, 1.0, 0.5)  # category, memorability, shared
    noise: tuple[float, float] = (1.0, 3.0)  # per-site trial noise s.d. range, in units of gain
    # s.d. of LaMem split scores around the true memorability: 0.078 makes two half-rater groups
    # (s.d. 0.078 * sqrt 2 each) agree with Spearman rho 0.68 (measured over 200,000 simulated images),
    # LaMem's human consistency (Khosla et al. 2015), so LaMem-memorability scores do not saturate at 1
    rater_noise: float = 0.078
    # the population magnitude effect (Jaegle et al. 2019): see magnitude_drivers; 0 plants none
    magnitude_loading: float = 0.1

    def __post_init__(self):
        if not 2 <= self.n_categories <= len(SHAPES):
            raise DataError(f"n_categories must be 2..{len(SHAPES)}, not {self.n_categories}")
        if self.repetitions < 2:
            raise DataError(f"repetitions must be at least 2 (split-half reliability), not {self.repetitions}")
        if min(self.lamem_images + self.imagefolder_images) < 1 or self.it_images_per_category < 2 \
                or self.neurons_per_animal < 1 or self.image_size < 16:
            raise DataError(f"sample world config too small: {self}")

    @property
    def categories(self) -> tuple[str, ...]:
        return SHAPES[:self.n_categories]

    def digest(self) -> str:
        """Short hash of the config: a world folder is reused only for the same config."""
        return _digest(dataclasses.asdict(self))

    def images_digest(self) -> str:
        """Short hash of the fields that decide the images and LaMem scores (not the IT population):
        two worlds with the same images digest hold byte-identical images, so networks trained
        on one serve the other (the planted and the null world of ``brainscore reproduce``)."""
        return _digest({name: value for name, value in dataclasses.asdict(self).items() if name in IMAGE_FIELDS})


IMAGE_FIELDS = ("seed", "image_size", "n_categories", "lamem_images", "imagefolder_images",
                "it_images_per_category", "rater_noise")


def _digest(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SampleWorld:
    """Paths of a built world. ``assembly``/``stimuli_csv``/``stimuli_zip`` are Brain-Score files."""
    root: Path
    config: WorldConfig

    @property
    def lamem_root(self) -> Path:
        return self.root / "lamem"

    @property
    def imagefolder_root(self) -> Path:
        return self.root / "imagefolder"

    @property
    def it_images(self) -> Path:
        return self.root / "it" / "images"

    @property
    def assembly(self) -> Path:
        return self.root / "it" / f"assy_{IT_IDENTIFIER.replace('.', '_')}.nc"

    @property
    def stimuli_csv(self) -> Path:
        return self.root / "it" / f"stimulus_{IT_IDENTIFIER.replace('.', '_')}.csv"

    @property
    def stimuli_zip(self) -> Path:
        return self.root / "it" / f"stimulus_{IT_IDENTIFIER.replace('.', '_')}.zip"

    def truth(self) -> dict[str, np.ndarray]:
        return load_truth(self.root)

    def planted_shares(self, window: tuple[int, int]) -> dict[str, float]:
        """Each component's share of the explainable variance in ``window`` (see :func:`planted_shares`)."""
        return planted_shares(self.truth(), window, self.config.weights)

    def planted_magnitude(self, window: tuple[int, int]) -> float:
        """The planted magnitude-memorability correlation in ``window`` (see :func:`planted_magnitude`)."""
        return planted_magnitude(self.truth(), window)


# ---------------------------------------------------------------- image properties and memorability
def draw_properties(rng: np.random.Generator, categories: np.ndarray, n_categories: int) -> dict[str, np.ndarray]:
    """Random properties of one image per entry of ``categories`` (all in [0, 1] but ``category``,
    ``rotation`` in degrees and ``frequency`` in cycles per image), independent of each other but
    for the hue: each category has its own band, (category + U(-0.3, 0.3)) / n_categories, as
    real categories differ in colour statistics (it lets the sample's small networks learn to
    categorize within the CPU budget; memorability does not depend on hue)."""
    n = len(categories)
    categories = np.asarray(categories, dtype=int)
    return {"category": categories,
            "size": rng.uniform(0, 1, n), "x": rng.uniform(0, 1, n), "y": rng.uniform(0, 1, n),
            "rotation": rng.uniform(-20, 20, n), "hue": ((categories + rng.uniform(-0.3, 0.3, n)) / n_categories) % 1.0,
            "saturation": rng.uniform(0, 1, n), "background": rng.uniform(0, 1, n),
            "clutter": rng.uniform(0, 1, n), "orientation": rng.uniform(0, 1, n),
            "frequency": rng.uniform(3, 8, n)}


def memorability(saturation, clutter, size) -> np.ndarray:
    """The world's true memorability (0.41-0.94) from properties in [0, 1]; see module docstring."""
    z = 4.0 * (np.asarray(saturation) - 0.5) - 3.0 * (np.asarray(clutter) - 0.5) + 1.5 * (np.asarray(size) - 0.5)
    return 0.40 + 0.55 / (1.0 + np.exp(-z))


def _shape_mask(shape: str, size: int, radius: float, centre, rotation: float):
    """An 'L' mask (255 inside the object) at ``size`` pixels; radius and centre in pixels."""
    from PIL import Image, ImageDraw
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    cx, cy = centre
    angle = math.radians(rotation)

    def polygon(radii, n, offset=0.0):
        points = []
        for k in range(n):
            theta = angle + offset + 2 * math.pi * k / n
            r = radii[k % len(radii)]
            points.append((cx + r * math.cos(theta), cy + r * math.sin(theta)))
        return points

    def box(r, dx=0.0):
        return (cx + dx - r, cy - r, cx + dx + r, cy + r)

    if shape == "disk":
        draw.ellipse(box(radius), fill=255)
    elif shape == "square":
        draw.polygon(polygon([radius], 4, math.pi / 4), fill=255)
    elif shape == "triangle":
        draw.polygon(polygon([radius], 3, -math.pi / 2), fill=255)
    elif shape == "star":
        draw.polygon(polygon([radius, 0.42 * radius], 10, -math.pi / 2), fill=255)
    elif shape == "ring":
        draw.ellipse(box(radius), fill=255)
        draw.ellipse(box(0.55 * radius), fill=0)
    elif shape == "crescent":
        draw.ellipse(box(radius), fill=255)
        draw.ellipse(box(0.85 * radius, dx=0.55 * radius), fill=0)
    elif shape in ("cross", "bar"):
        arms = [(1.0, 0.3)] if shape == "bar" else [(1.0, 0.3), (0.3, 1.0)]
        for half_w, half_h in arms:
            corners = [(-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h)]
            draw.polygon([(cx + radius * (u * math.cos(angle) - v * math.sin(angle)),
                           cy + radius * (u * math.sin(angle) + v * math.cos(angle))) for u, v in corners],
                         fill=255)
    else:
        raise DataError(f"unknown shape {shape!r}; known: {SHAPES}")
    return mask


def render(properties: dict[str, np.ndarray], index: int, size: int):
    """The RGB PIL image of entry ``index`` of ``properties`` (see :func:`draw_properties`)."""
    import colorsys

    from PIL import Image
    p = {key: value[index] for key, value in properties.items()}
    coords = (np.arange(size) + 0.5) / size
    theta = math.pi * p["orientation"]
    phase = coords[None, :] * math.cos(theta) + coords[:, None] * math.sin(theta)
    grey = 0.15 + 0.35 * p["background"] + 0.15 * p["clutter"] * np.sin(2 * math.pi * p["frequency"] * phase)
    background = Image.fromarray(np.repeat((grey * 255).astype(np.uint8)[..., None], 3, axis=2))
    big = size * _SUPERSAMPLE  # the object's outline is drawn supersampled, then antialiased
    radius = big * (0.16 + 0.16 * p["size"])
    margin = radius * 1.05
    centre = (margin + (big - 2 * margin) * p["x"], margin + (big - 2 * margin) * p["y"])
    mask = _shape_mask(SHAPES[p["category"]], big, radius, centre, p["rotation"]).resize((size, size), Image.BOX)
    colour = tuple(int(round(255 * c)) for c in colorsys.hsv_to_rgb(p["hue"], p["saturation"], 0.92))
    return Image.composite(Image.new("RGB", (size, size), colour), background, mask)


def _jpeg(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def _render_all(properties, size: int, paths: list[Path]) -> np.ndarray:
    """Render and write every image; returns each written image's mean luminance (0-1)."""
    from PIL import Image
    luminance = np.empty(len(paths))
    for index, path in enumerate(paths):
        data = _jpeg(render(properties, index, size))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        with Image.open(io.BytesIO(data)) as written:
            luminance[index] = np.asarray(written.convert("L"), dtype=float).mean() / 255
    return luminance


# ---------------------------------------------------------------- the IT population
def time_profiles(time_bins=TIME_BINS) -> dict[str, np.ndarray]:
    """Weight over time (one value per bin, at the bin centre) of each planted component."""
    centre = np.array([(start + end) / 2 for start, end in time_bins], dtype=float)
    taper = np.clip((centre - 110) / 30, 0, 1)  # 0 until 110 ms, 1 from 140 ms
    return {"category": 0.6 + 0.4 * np.clip((centre - 75) / 75, 0, 1),
            "memorability": 0.5 * (1 + np.cos(math.pi * taper)),
            "shared": np.ones_like(centre)}


def _zscore(values: np.ndarray, axis=0) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return (values - values.mean(axis=axis, keepdims=True)) / values.std(axis=axis, keepdims=True)


def simulate_population(rng: np.random.Generator, categories: np.ndarray, memorability_scores: np.ndarray,
                        luminance: np.ndarray, n_categories: int, n_neurons: int, repetitions: int,
                        weights=(1.0, 1.0, 0.5), noise=(1.0, 3.0), magnitude_loading: float | None = None
                        ) -> dict[str, np.ndarray]:
    """Trial rates (images x neurons x repetitions x time bins, spikes/s) and every planted quantity.

    Returns ``rates``, ``mean_rates`` (noise-free, images x neurons x time bins), per-component
    drivers ``<component>_driver`` (images x neurons, unit variance over images before
    :func:`magnitude_drivers`), and per-site ``tuning`` (categories x neurons),
    ``memorability_loading``, ``shared_loading``, ``base``, ``gain``, ``noise``.
    ``magnitude_loading``: see :func:`magnitude_drivers` (None: drivers as drawn).
    """
    tuning = rng.standard_normal((n_categories, n_neurons))
    loading = {name: rng.choice([-1.0, 1.0], n_neurons) * rng.uniform(0.5, 1.5, n_neurons)
               for name in ("memorability", "shared")}
    base, gain = rng.uniform(20, 40, n_neurons), rng.uniform(4, 8, n_neurons)
    noise_sd = rng.uniform(*noise, n_neurons)
    drivers = {"category": _zscore(tuning[categories]),
               "memorability": _zscore(memorability_scores)[:, None] * loading["memorability"],
               "shared": _zscore(luminance)[:, None] * loading["shared"]}
    if magnitude_loading is not None:
        drivers = magnitude_drivers(drivers, memorability_scores, base, gain, magnitude_loading)
    profiles = time_profiles()
    signal = sum(weight * drivers[name][..., None] * profiles[name]
                 for name, weight in zip(COMPONENTS, weights))  # images x neurons x time bins
    mean_rates = base[:, None] + gain[:, None] * signal
    trial_noise = rng.standard_normal((len(categories), n_neurons, repetitions, len(profiles["shared"])))
    rates = mean_rates[:, :, None, :] + (gain * noise_sd)[None, :, None, None] * trial_noise
    return {"rates": np.maximum(rates, 0.0), "mean_rates": mean_rates, "tuning": tuning,
            "memorability_loading": loading["memorability"], "shared_loading": loading["shared"],
            "base": base, "gain": gain, "noise": noise_sd,
            **{f"{name}_driver": driver for name, driver in drivers.items()}}


def magnitude_drivers(drivers: dict[str, np.ndarray], memorability_scores: np.ndarray, base: np.ndarray,
                      gain: np.ndarray, magnitude_loading: float) -> dict[str, np.ndarray]:
    """Drivers (images x neurons) with a planted population magnitude effect: each centred over sites,
    per image, with weights ``base * gain`` (the first-order term of the squared L2 norm of
    ``base + gain * signal`` is then 0: no component moves the magnitude), then
    ``magnitude_loading * z(memorability)`` added to every site's memorability driver."""
    weight = base * gain
    centred = {name: driver - (driver @ weight / weight.sum())[:, None] for name, driver in drivers.items()}
    centred["memorability"] = centred["memorability"] + magnitude_loading * _zscore(memorability_scores)[:, None]
    return centred


def planted_magnitude(truth: dict[str, np.ndarray], window: tuple[int, int]) -> float:
    """The planted magnitude effect in ``window`` (ms): Spearman rho over the IT images between the L2
    norm of the noise-free mean rates (averaged over the window's bins) and the true memorability."""
    from scipy.stats import spearmanr
    starts = np.array([start for start, _ in TIME_BINS])
    inside = (starts >= window[0]) & (starts + 10 <= window[1])
    if not inside.any():
        raise DataError(f"window {window} ms holds no 10 ms bin of the sample (70-250 ms)")
    magnitude = np.linalg.norm(truth["mean_rates"][..., inside].mean(axis=-1), axis=1)
    return float(spearmanr(magnitude, truth["memorability"]).statistic)


def window_components(truth: dict[str, np.ndarray], window: tuple[int, int], weights=(1.0, 1.0, 0.5)
                      ) -> dict[str, np.ndarray]:
    """Each planted component's noise-free contribution averaged over the bins in ``window`` (ms):
    images x neurons, in units of each site's gain. Zero everywhere for a component absent there."""
    starts = np.array([start for start, _ in TIME_BINS])
    inside = (starts >= window[0]) & (starts + 10 <= window[1])
    if not inside.any():
        raise DataError(f"window {window} ms holds no 10 ms bin of the sample (70-250 ms)")
    profiles = time_profiles()
    return {name: weight * profiles[name][inside].mean() * truth[f"{name}_driver"]
            for name, weight in zip(COMPONENTS, weights)}


def planted_shares(truth: dict[str, np.ndarray], window: tuple[int, int], weights=(1.0, 1.0, 0.5)
                   ) -> dict[str, float]:
    """The planted truth of ``window`` (ms): for each component, the share of the explainable
    variance it carries, i.e. per site var_images(component) / var_images(noise-free rate), the
    median over sites (0-1). The components are drawn independently but not exactly orthogonal in a
    finite image set (luminance correlates weakly with memorability), so shares need not sum to 1."""
    components = window_components(truth, window, weights)
    total = sum(components.values()).var(axis=0)
    return {name: float(np.median(values.var(axis=0) / total)) for name, values in components.items()}


# ---------------------------------------------------------------- building and loading the world
def build(root, config: WorldConfig = WorldConfig()) -> SampleWorld:
    """Build the simulated world under ``root`` (or reuse it if already built with ``config``).

    The folder appears whole or not at all (built beside it, then renamed into place). A folder
    that exists with another config is an error: delete it or use another folder.
    """
    root = Path(root)
    if root.exists():
        _check_existing(root, config)
        return SampleWorld(root, config)
    with atomic.scratch_dir(root) as scratch:
        _write_world(scratch, config)
        try:
            os.rename(scratch, root)
        except OSError:  # another process finished the same world first
            _check_existing(root, config)
    return SampleWorld(root, config)


def load_truth(root) -> dict[str, np.ndarray]:
    """The planted quantities of the world at ``root`` (arrays; see :func:`simulate_population`),
    plus per-image ``stimulus_id``, ``category``, ``memorability``, ``luminance`` of the IT images."""
    path = Path(root) / "truth.npz"
    if not path.is_file():
        raise DataError(f"{path} not found: '{root}' is not a sample world; build one with "
                        f"brainscore_memorability.data.sample_world.build(root)")
    with np.load(path, allow_pickle=False) as arrays:
        return {key: arrays[key] for key in arrays.files}


def _check_existing(root: Path, config: WorldConfig) -> None:
    description = root / "world.json"
    if not description.is_file():
        raise DataError(f"'{root}' exists but is not a sample world (no world.json): choose an empty folder")
    found = json.loads(description.read_text(encoding="utf-8")).get("config_digest")
    if found != config.digest():
        raise DataError(f"'{root}' holds a sample world built with another config ({found}, wanted "
                        f"{config.digest()}): delete the folder or choose another one")


def _write_world(root: Path, config: WorldConfig) -> None:
    from brainscore_memorability.data import packaging
    rngs = dict(zip(("lamem", "imagefolder", "it", "population", "raters"),
                    (np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(5))))
    k = config.n_categories
    (root / "SIMULATED_DATA.txt").write_text(NOTICE + "\n", encoding="utf-8")

    # LaMem layout: scores of split 1 = true memorability + rater noise, clipped to [0, 1]
    n_lamem = sum(config.lamem_images)
    lamem = draw_properties(rngs["lamem"], rngs["lamem"].integers(0, k, n_lamem), k)
    names = [f"{i + 1:08d}.jpg" for i in range(n_lamem)]
    _render_all(lamem, config.image_size, [root / "lamem" / "images" / name for name in names])
    truth_lamem = memorability(lamem["saturation"], lamem["clutter"], lamem["size"])
    scores = np.clip(truth_lamem + config.rater_noise * rngs["raters"].standard_normal(n_lamem), 0, 1)
    (root / "lamem" / "splits").mkdir(parents=True)
    bounds = np.cumsum((0,) + tuple(config.lamem_images))
    for part, start, stop in zip(("train", "val", "test"), bounds[:-1], bounds[1:]):
        lines = "".join(f"{names[i]} {scores[i]:.6f}\n" for i in range(start, stop))
        (root / "lamem" / "splits" / f"{part}_1.txt").write_text(lines, encoding="utf-8")
    (root / "lamem" / "SIMULATED_DATA.txt").write_text(NOTICE + "\n", encoding="utf-8")

    # ImageFolder layout: train/<category>/*.jpg, val/<category>/*.jpg
    for part, per_category in zip(("train", "val"), config.imagefolder_images):
        labels = np.repeat(np.arange(k), per_category)
        props = draw_properties(rngs["imagefolder"], labels, k)
        _render_all(props, config.image_size, [
            root / "imagefolder" / part / config.categories[c] / f"sim_{part}_{i:05d}.jpg"
            for i, c in enumerate(labels)])
    (root / "imagefolder" / "SIMULATED_DATA.txt").write_text(NOTICE + "\n", encoding="utf-8")

    # IT stimuli (balanced categories, shuffled) and the simulated population
    labels = rngs["it"].permutation(np.repeat(np.arange(k), config.it_images_per_category))
    it = draw_properties(rngs["it"], labels, k)
    stimulus_ids = [f"sim{i:05d}" for i in range(len(labels))]
    luminance = _render_all(it, config.image_size, [root / "it" / "images" / f"{s}.jpg" for s in stimulus_ids])
    it_memorability = memorability(it["saturation"], it["clutter"], it["size"])
    n_neurons = config.neurons_per_animal * len(config.animals)
    population = simulate_population(rngs["population"], labels, it_memorability, luminance, k, n_neurons,
                                     config.repetitions, config.weights, config.noise, config.magnitude_loading)
    import pandas as pd
    table = pd.DataFrame({"stimulus_id": stimulus_ids, "filename": [f"{s}.jpg" for s in stimulus_ids],
                          "object_name": [config.categories[c] for c in labels],
                          "memorability": it_memorability, "luminance": luminance,
                          **{key: it[key] for key in ("size", "saturation", "clutter", "hue", "background")},
                          "simulated": True})
    world = SampleWorld(root, config)
    per_animal = config.neurons_per_animal
    recordings = [packaging.Recording(animal, population["rates"][:, a * per_animal:(a + 1) * per_animal],
                                      f"simulated {animal}") for a, animal in enumerate(config.animals)]
    assembly = packaging.build_assembly(recordings, stimulus_ids, TIME_BINS)
    world.stimuli_csv.write_text(table.to_csv(index=False), encoding="utf-8")
    with zipfile.ZipFile(world.stimuli_zip, "w") as archive:
        for name in table["filename"]:
            archive.write(world.it_images / name, arcname=name)
    assembly.attrs.update(identifier=IT_IDENTIFIER, stimulus_set_identifier=IT_IDENTIFIER, units="spikes/s",
                          stimuli_csv_sha1=file_digest(world.stimuli_csv, "sha1"), stimuli_zip_sha1=file_digest(world.stimuli_zip, "sha1"),
                          simulated="yes", notice=NOTICE)
    packaging.write_assembly(assembly, world.assembly)
    np.savez_compressed(root / "truth.npz", stimulus_id=np.array(stimulus_ids), category=labels,
                        memorability=it_memorability, luminance=luminance,
                        **{key: value for key, value in population.items() if key != "rates"})
    description = {
        "notice": NOTICE, "config": dataclasses.asdict(config), "config_digest": config.digest(),
        "categories": list(config.categories), "components": list(COMPONENTS),
        "memorability": "0.40 + 0.55 / (1 + exp(-(4 (saturation - 0.5) - 3 (clutter - 0.5) + 1.5 (size - 0.5))))",
        "time_bins_ms": [list(b) for b in TIME_BINS],
        "time_profiles": {name: values.round(6).tolist() for name, values in time_profiles().items()},
        "files": {"lamem_root": "lamem", "imagefolder_root": "imagefolder", "it_images": "it/images",
                  "assembly": str(world.assembly.relative_to(root)),
                  "stimuli_csv": str(world.stimuli_csv.relative_to(root)),
                  "stimuli_zip": str(world.stimuli_zip.relative_to(root))},
        "it_identifier": IT_IDENTIFIER,
    }
    (root / "world.json").write_text(json.dumps(description, indent=2) + "\n", encoding="utf-8")
