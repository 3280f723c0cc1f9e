"""The error types of brainscore-memorability, in a module with no side effects.

They live outside the ``brainscore_memorability`` package because importing that package
registers everything with brainscore_vision (and so imports it); the training package
(``brainscore_memorability_training``) raises these types without importing brainscore_vision.
Import them as ``brainscore_memorability.errors`` everywhere else.
Every error names the input at fault and what to do.
"""


class MemorabilityError(Exception):
    """Base class of every error raised by brainscore_memorability (the CLI: one line, exit 1)."""


class UsageError(MemorabilityError):
    """A command-line option used wrongly (the CLI: one line, exit 2, as argparse's own errors)."""


class UnknownIdentifierError(MemorabilityError, KeyError):
    """An identifier that no registry (ours or brainscore_vision's) knows (the CLI: exit 2)."""

    def __init__(self, kind: str, identifier: str, close_matches: list[str]):
        self.kind, self.identifier, self.close_matches = kind, identifier, close_matches
        hint = f" Did you mean: {', '.join(close_matches)}?" if close_matches else ""
        super().__init__(
            f"unknown {kind} identifier '{identifier}'.{hint} "
            f"Run `brainscore list {kind}s --all` to see every known {kind}.")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class DataError(MemorabilityError, ValueError):
    """Input data (a file, an array, an assembly) that is malformed; the message names it."""
