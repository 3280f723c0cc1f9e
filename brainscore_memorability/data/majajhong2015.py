"""MajajHong 2015 public time-resolved IT sites, from brainscore_vision's own data plugin.

``MajajHong2015.temporal.public`` (HvM public images, 8 degrees) is downloaded by brainscore_vision
from Brain-Score's S3 into ``$BRAINIO_HOME`` on first use. Its V4 and IT sites share one assembly;
the benchmarks keep the IT ones in this package's format (presentation x neuroid x time_bin).
"""
from brainscore_memorability.data import packaging, sources
from brainscore_memorability.errors import DataError

IDENTIFIER = "MajajHong2015.temporal.public"
VISUAL_DEGREES = 8  # as brainscore_vision's MajajHong2015 benchmarks
NUMBER_OF_TRIALS = 50
BIBTEX = """@article{Majaj2015,
  author = {Majaj, Najib J. and Hong, Ha and Solomon, Ethan A. and DiCarlo, James J.},
  title = {Simple Learned Weighted Sums of Inferior Temporal Neuronal Firing Rates Accurately Predict Human Core Object Recognition Performance},
  journal = {Journal of Neuroscience}, volume = {35}, number = {39}, pages = {13402--13418}, year = {2015},
  doi = {10.1523/JNEUROSCI.5181-14.2015}}"""


def load_assembly(path=None):
    """The IT sites of ``MajajHong2015.temporal.public`` (network on first use: Brain-Score's S3),
    or of ``path``, a NetCDF in this package's format (e.g. a local copy repackaged)."""
    if path is not None:
        return packaging.select_region(sources.load_packaged(path), "IT")
    import brainscore_vision
    try:
        assembly = brainscore_vision.load_dataset(IDENTIFIER)
    except Exception as error:  # noqa: BLE001 (boto, HTTP and socket errors alike; brainio wraps them in Exception)
        message = sources.download_failure(error, f"'{IDENTIFIER}'")
        if message is None:
            raise
        raise DataError(message + ", or score on a local NetCDF in this package's format with --data FILE.nc") from None
    return packaging.select_region(assembly, "IT")
