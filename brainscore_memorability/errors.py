"""The package's error types: every error we raise names the input at fault and what to do."""


class MemorabilityError(Exception):
    """Base class of every error raised by brainscore_memorability."""


class UnknownIdentifierError(MemorabilityError, KeyError):
    """An identifier that no registry (ours or brainscore_vision's) knows."""

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
