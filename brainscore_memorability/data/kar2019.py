"""Kar et al. 2019 time-resolved IT rates (monkeys magneto and nano, 1320 images), our data plugin.

Brain-Score's ``dicarlo.Kar2019`` holds object solution times, not rates, so these come from a
NetCDF made by ``brainscore package-data`` from the lab's HDF5; found as described in
:mod:`brainscore_memorability.data.sources` (``--data``, ``$BRAINSCORE_MEMORABILITY_KAR2019``, or the
config file's ``data: {Kar2019.temporal: ...}``).
"""
from brainscore_memorability.data import sources

IDENTIFIER = "Kar2019.temporal"
ENVIRONMENT_VARIABLE = "BRAINSCORE_MEMORABILITY_KAR2019"
VISUAL_DEGREES = 8  # images shown at 8 degrees (Kar et al. 2019, Methods)
NUMBER_OF_TRIALS = 44  # as Brain-Score's Kar2019-ost benchmark
BIBTEX = """@article{Kar2019,
  author = {Kar, Kohitij and Kubilius, Jonas and Schmidt, Kailyn and Issa, Elias B. and DiCarlo, James J.},
  title = {Evidence that recurrent circuits are critical to the ventral stream's execution of core object recognition behavior},
  journal = {Nature Neuroscience}, volume = {22}, number = {6}, pages = {974--983}, year = {2019},
  doi = {10.1038/s41593-019-0392-5}}"""


def load_assembly(path=None):
    """NeuronRecordingAssembly presentation x neuroid x time_bin (spikes/s), ``.stimulus_set`` attached.

    :param path: a NetCDF from ``brainscore package-data``; default: the environment variable,
        then the config file.
    """
    return sources.load(IDENTIFIER, ENVIRONMENT_VARIABLE, path)


def load_stimulus_set(path=None):
    """The StimulusSet (csv + images) the Kar 2019 assembly was recorded with."""
    return load_assembly(path).stimulus_set
