"""Metrics: numpy in, numpy out (images x neurons x repetitions), with Brain-Score wrappers at the edge.

Public API (one implementation each, shared by every analysis):
* :mod:`.reliability`: split_half_reliability, split_half_means, halving_permutations,
  spearman_brown, correlate;
* :mod:`.regression`: folds, cross_validated_predictions;
* :mod:`.explained_variance`: explained_variance, explained_variance_details, ExplainedVariance;
* :mod:`.brainscore_metric` (imported lazily: needs brainscore_core): ExplainedVarianceMetric,
  brainscore_standard_score, rates_from_assembly, features_for.
"""
from brainscore_memorability.metrics.explained_variance import (
    ExplainedVariance, explained_variance, explained_variance_details)
from brainscore_memorability.metrics.regression import cross_validated_predictions, folds
from brainscore_memorability.metrics.reliability import (
    correlate, halving_permutations, spearman_brown, split_half_means, split_half_reliability)
from brainscore_memorability.registry import register


def _kar_ev_metric(regression: str):
    def factory(**options):
        from brainscore_memorability.metrics.brainscore_metric import ExplainedVarianceMetric
        return ExplainedVarianceMetric(regression=regression, **options)
    return factory


register("metric", "kar-ev-pls", "Kar-lab noise-corrected % EV per neuroid, PLS (20 comps, 10 folds)",
         _kar_ev_metric("pls"))
register("metric", "kar-ev-ridge", "Kar-lab noise-corrected % EV per neuroid, ridge (alpha 0.1, 10 folds)",
         _kar_ev_metric("ridge"))
