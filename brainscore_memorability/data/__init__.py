"""Data: time-resolved IT assemblies (Kar 2019, MajajHong 2015), packaging of raw arrays, the sample world."""
from brainscore_memorability.registry import register


def _kar2019_assembly():
    from brainscore_memorability.data import kar2019
    return kar2019.load_assembly()


def _kar2019_stimulus_set():
    from brainscore_memorability.data import kar2019
    return kar2019.load_stimulus_set()


register("data", "Kar2019.temporal", "Kar et al. 2019 IT rates, presentation x neuroid x time_bin "
         "(local NetCDF from `brainscore package-data`)", _kar2019_assembly)
register("stimulus_set", "Kar2019.temporal.stimuli", "Kar et al. 2019 images (1320) of the Kar2019.temporal rates",
         _kar2019_stimulus_set)
