"""Metrics: numpy in, numpy out (images x neurons x repetitions), with Brain-Score wrappers at the edge.

Public API (one implementation each, shared by every analysis):
* :mod:`.reliability`: split_half_reliability, split_half_means, halving_permutations,
  spearman_brown, correlate;
* :mod:`.regression`: folds, cross_validated_predictions (per-site PLS1 by default, joint PLS2, ridge);
* :mod:`.backend`: numpy or torch (``device=``) for the regressions' linear algebra;
* :mod:`.explained_variance`: explained_variance, explained_variance_details, ExplainedVariance;
* :mod:`.brainscore_metric` (imported lazily): the Brain-Score metrics ExplainedVarianceMetric,
  UniqueVarianceMetric, CKAMetric (assemblies <-> arrays through :mod:`brainscore_memorability.adapters`)
  and brainscore_standard_score.
"""
from brainscore_memorability.metrics.explained_variance import (
    ExplainedVariance, explained_variance, explained_variance_details)
from brainscore_memorability.metrics.regression import cross_validated_predictions, folds
from brainscore_memorability.metrics.reliability import (
    correlate, halving_permutations, spearman_brown, split_half_means, split_half_reliability)
from brainscore_memorability.registry import register

# --- CKA, partial correlation and unique variance (issue 4) ---
from brainscore_memorability.metrics.cka import cka, cka_matrix, minibatch_cka  # noqa: E402
from brainscore_memorability.metrics.partial_correlation import partial_correlation  # noqa: E402
from brainscore_memorability.metrics.unique_variance import (  # noqa: E402
    UniqueVariance, unique_variance, unique_variance_against)


def _metric(module: str, name: str, **defaults):
    """Factory of a Brain-Score metric class with these defaults (load_metric kwargs override them)."""
    def factory(*args, **kwargs):
        import importlib
        return getattr(importlib.import_module(module), name)(*args, **{**defaults, **kwargs})
    return factory


_WRAPPERS = "brainscore_memorability.metrics.brainscore_metric"
register("metric", "kar-ev-pls", "Kar-lab noise-corrected % EV per neuroid, PLS1 per site (20 comps, 10 folds)",
         _metric(_WRAPPERS, "ExplainedVarianceMetric", regression="pls"))
register("metric", "kar-ev-ridge", "Kar-lab noise-corrected % EV per neuroid, ridge (alpha 0.1, 10 folds)",
         _metric(_WRAPPERS, "ExplainedVarianceMetric", regression="ridge"))

register("metric", "cka-rbf", "CKA, RBF kernel, bandwidth = rbf_threshold x median distance (Kornblith et al. 2019)",
         _metric(_WRAPPERS, "CKAMetric", kernel="rbf"))
register("metric", "cka-minibatch", "linear debiased CKA over batches of 256 images (Nguyen et al. 2021)",
         _metric(_WRAPPERS, "CKAMetric", debiased=True, batch_size=256))
register("metric", "unique-variance", "noise-corrected partial-correlation % EV beyond a control model "
         "(load_metric('unique-variance', control=features))", _metric(_WRAPPERS, "UniqueVarianceMetric"))
register("metric", "unique-variance-partition", "EV(control + model) - EV(control), cross-validated "
         "(load_metric(..., control=features))", _metric(_WRAPPERS, "UniqueVarianceMetric", view="partition"))
