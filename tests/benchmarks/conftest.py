"""A planted world for the benchmark tests: images, a pixel-reading BrainModel, and IT rates whose
early window (70-100 ms) is a linear function of the pixels and whose late window (180-210 ms) is
a reliable response unrelated to them, packaged as Brain-Score files by `package`."""
import h5py
import numpy as np
import pytest
from PIL import Image

N_IMAGES, SIDE, N_BINS, BIN_MS = 60, 4, 25, 10  # 4x4 RGB images -> 48 pixel features; 0-250 ms
EARLY, LATE = (70, 100), (180, 210)
NEURONS = {"magneto": (4, 8), "nano": (5, 10)}  # animal: (neurons, repetitions)


class PixelModel:
    """A BrainModel whose IT features are the image's pixels (0-1), the same in every time bin."""
    identifier = "bsm-pixel-model"

    def __init__(self):
        self.recordings = []

    def visual_degrees(self):
        return 8

    def start_task(self, task, fitting_stimuli=None):
        pass

    def start_recording(self, region, time_bins):
        self.time_bins = [tuple(map(int, b)) for b in time_bins]
        self.recordings.append((region, self.time_bins))

    def look_at(self, stimuli, number_of_trials=1):
        from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
        pixels = np.stack([np.asarray(Image.open(stimuli.get_stimulus(s)), dtype=float).ravel() / 255
                           for s in stimuli["stimulus_id"]])
        starts, ends = zip(*self.time_bins)
        return NeuroidAssembly(
            np.repeat(pixels[:, :, None], len(self.time_bins), axis=2), dims=("presentation", "neuroid", "time_bin"),
            coords={"stimulus_id": ("presentation", list(stimuli["stimulus_id"])),
                    "stimulus_path": ("presentation", [str(stimuli.get_stimulus(s)) for s in stimuli["stimulus_id"]]),
                    "neuroid_id": ("neuroid", [f"px{i}" for i in range(pixels.shape[1])]),
                    "layer": ("neuroid", ["pixels"] * pixels.shape[1]),
                    "time_bin_start": ("time_bin", list(starts)), "time_bin_end": ("time_bin", list(ends))})


def planted_rates(pixels, rng):
    """Rates per animal, images x neurons x repetitions x time bins (spikes/s)."""
    rates = {}
    for animal, (neurons, repetitions) in NEURONS.items():
        early = pixels @ rng.normal(size=(pixels.shape[1], neurons))  # linear in the pixels
        late = rng.normal(size=(len(pixels), neurons)) * early.std(0)  # reliable, unrelated to pixels
        mean = np.zeros((len(pixels), neurons, N_BINS))
        for (start, end), signal in ((EARLY, early), (LATE, late)):
            mean[:, :, start // BIN_MS:end // BIN_MS] = signal[:, :, None]
        noise = rng.normal(size=(len(pixels), neurons, repetitions, N_BINS)) * early.std(0)[None, :, None, None]
        rates[animal] = 20 + 10 * (mean[:, :, None, :] + noise)
    return rates


@pytest.fixture(scope="session")
def planted_files(tmp_path_factory):
    """{'h5', 'images', 'nc'}: the lab-style HDF5, the image folder and the packaged NetCDF."""
    from brainscore_memorability.data import packaging
    root = tmp_path_factory.mktemp("planted")
    rng = np.random.default_rng(2019)
    pixels = rng.integers(0, 256, size=(N_IMAGES, SIDE, SIDE, 3), dtype=np.uint8)
    (root / "images").mkdir()
    for i, image in enumerate(pixels):
        Image.fromarray(image).save(root / "images" / f"img{i:03d}.png")
    with h5py.File(root / "rates.h5", "w") as file:
        for animal, rates in planted_rates(pixels.reshape(N_IMAGES, -1) / 255, rng).items():
            file[f"{animal}/rates"] = rates
        file["time_bin_start"] = np.arange(0, N_BINS * BIN_MS, BIN_MS)
        file["time_bin_end"] = np.arange(BIN_MS, (N_BINS + 1) * BIN_MS, BIN_MS)
    written = packaging.package([str(root / "rates.h5")], root / "packaged", "Planted2019.temporal",
                                images=root / "images")
    return {"h5": root / "rates.h5", "images": root / "images", "nc": written["assembly"]["path"], "root": root}


@pytest.fixture(scope="session")
def pixel_model_class():
    return PixelModel


@pytest.fixture
def pixel_model():
    return PixelModel()
