"""Checking and building a command's models before any work starts.

:func:`resolve_all` reports every unknown identifier of a command at once. :func:`load_models`
builds every model first (weights found, checked and loaded), so a missing or broken file stops a
command before anything is extracted, and gives distinct seeds to untrained controls of one
architecture (:func:`distinct_random_seeds`).
"""
from __future__ import annotations

from dataclasses import dataclass

from brainscore_memorability import registry
from brainscore_memorability.errors import MemorabilityError, UnknownIdentifierError


class UnknownIdentifiersError(UnknownIdentifierError):
    """Several unknown identifiers, each with its close matches (exit code 2, like one)."""

    def __init__(self, errors: list[UnknownIdentifierError]):
        self.errors = errors
        self.kind, self.identifier, self.close_matches = errors[0].kind, errors[0].identifier, errors[0].close_matches
        Exception.__init__(self, f"{len(errors)} unknown identifiers:\n" + "\n".join(f"  {e}" for e in errors))


def resolve_all(identifiers: list[tuple[str, str]]) -> None:
    """Raise one error naming every unknown ``(kind, identifier)`` of the list (none: return)."""
    errors = []
    for kind, identifier in identifiers:
        try:
            registry.resolve(kind, identifier)
        except UnknownIdentifierError as error:
            errors.append(error)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise UnknownIdentifiersError(errors)


@dataclass(frozen=True)
class ModelSpec:
    """A model of a command: identifier, weights (None: registered; a path; random[:SEED]) and the
    options that gave them, for messages."""
    identifier: str
    weights: str | None
    option: str = "--model"
    weights_option: str = "--weights"


def distinct_random_seeds(specs: list[ModelSpec]) -> tuple[list[ModelSpec], list[str]]:
    """``specs`` with every unseeded ``random`` given its own seed among the untrained networks of its
    architecture (the lowest seeds no other spec of that architecture names), so that two untrained
    controls are two independent draws unless the user gives them the same ``random:SEED``.
    Returns (specs, a note per changed spec)."""
    from brainscore_memorability.models import identifiers, weights
    def arch(spec):
        try:
            return identifiers.parse(identifiers.canonical(spec.identifier))[1]
        except UnknownIdentifierError:
            return identifiers.canonical(spec.identifier)  # resmem: its own architecture
    unseeded = [i for i, s in enumerate(specs) if s.weights is not None and str(s.weights) == weights.RANDOM]
    result, notes = list(specs), []
    for index in unseeded:
        same = [s for i, s in enumerate(specs) if i != index and arch(s) == arch(specs[index])
                and s.weights is not None and weights.random_seed(s.weights) is not None]
        if not same:
            continue
        taken = {weights.random_seed(s.weights) for s in same if str(s.weights) != weights.RANDOM}
        taken |= {weights.random_seed(result[i].weights) for i in unseeded if i < index}
        seed = min(set(range(len(specs) + len(taken) + 1)) - taken)
        result[index] = ModelSpec(specs[index].identifier, f"{weights.RANDOM}:{seed}", specs[index].option,
                                  specs[index].weights_option)
        if seed != weights.RANDOM_SEED:
            notes.append(f"note: {specs[index].option} {specs[index].identifier}: untrained network with seed {seed} "
                         f"(another untrained {arch(specs[index])} here has seed {weights.RANDOM_SEED}); give "
                         f"{specs[index].weights_option} random:SEED to choose")
    return result, notes


def load_models(specs: list[ModelSpec]) -> list:
    """The Brain-Score model of every spec (ours with their weights, others through brainscore_vision),
    all built before the caller extracts anything. Errors name the option that gave the model."""
    import brainscore_vision

    from brainscore_memorability.models import load_model
    resolve_all([("model", spec.identifier) for spec in specs])
    models = []
    for spec in specs:
        try:
            models.append(brainscore_vision.load_model(spec.identifier) if spec.weights is None
                          else load_model(spec.identifier, weights=spec.weights))
        except UnknownIdentifierError:
            raise
        except MemorabilityError as error:
            raise MemorabilityError(f"{spec.option} {spec.identifier}: {error} (for this model the weights "
                                    f"option is {spec.weights_option})") from None
    return models
