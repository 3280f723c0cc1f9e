"""The package's error types: every error we raise names the input at fault and what to do.

Defined in the side-effect-free top-level module :mod:`brainscore_memorability_errors` (so that
the training package can raise them without importing brainscore_vision) and used from here.
"""
from brainscore_memorability_errors import (  # noqa: F401 (the package's names for them)
    DataError, MemorabilityError, UnknownIdentifierError, UsageError)
