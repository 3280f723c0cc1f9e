"""Metrics: numpy in, numpy out (images x neurons x repetitions), with Brain-Score wrappers at the edge."""

# --- CKA and partial correlation (issue 4) ---
from brainscore_memorability.metrics.cka import cka, cka_matrix, minibatch_cka  # noqa: E402
from brainscore_memorability.metrics.partial_correlation import partial_correlation  # noqa: E402
from brainscore_memorability.registry import register as _register  # noqa: E402


def _cka_metric(**defaults):
    """Factory of a Brain-Score CKA metric with these defaults (load_metric kwargs override them)."""
    def factory(**kwargs):
        from brainscore_memorability.metrics.cka import CKAMetric
        return CKAMetric(**{**defaults, **kwargs})
    return factory


_register("metric", "cka-rbf", "CKA, RBF kernel, bandwidth = rbf_threshold x median distance (Kornblith et al. 2019)",
          _cka_metric(kernel="rbf"))
_register("metric", "cka-minibatch", "linear debiased CKA over batches of 256 images (Nguyen et al. 2021)",
          _cka_metric(debiased=True, batch_size=256))
