"""What the ``brainscore`` commands show on the terminal besides their results: one progress bar
per stage and a line on stderr announcing each stage (upstream warning noise:
:mod:`brainscore_memorability.upstream_warnings`)."""
from __future__ import annotations

import contextlib
import sys

# upstream progress bars that repeat a stage already shown (brainscore_vision's activations core)
HIDDEN_BARS = {"layer packaging"}


def one_bar_per_stage() -> None:
    """Hide brainscore_vision's bars named in :data:`HIDDEN_BARS` (its ``activations`` bar stays:
    one per extraction, unless :func:`hidden_bars` hides it under a bar of ours)."""
    from brainscore_vision.model_helpers.activations import core
    if getattr(core.tqdm, "_brainscore_memorability", False):
        return
    upstream = core.tqdm

    def tqdm(*args, **kwargs):
        if kwargs.get("desc") in HIDDEN_BARS:
            kwargs["disable"] = True
        return upstream(*args, **kwargs)

    tqdm._brainscore_memorability = True
    core.tqdm = tqdm


@contextlib.contextmanager
def hidden_bars(*descriptions: str):
    """Within the block, also hide brainscore_vision's bars with these descriptions (a bar of ours
    covers that stage)."""
    one_bar_per_stage()
    added = set(descriptions) - HIDDEN_BARS
    HIDDEN_BARS.update(added)
    try:
        yield
    finally:
        HIDDEN_BARS.difference_update(added)


def stage(text: str) -> None:
    """One line on stderr announcing the next stage of a command (its progress bar, if any, follows)."""
    print(text if text.startswith("note:") else f"{text} ...", file=sys.stderr, flush=True)


def wrote(path, what: str = "") -> None:
    """The line saying that a command wrote ``path`` (on stderr, so stdout holds the results only)."""
    print(f"wrote {path}" + (f" ({what})" if what else ""), file=sys.stderr, flush=True)


@contextlib.contextmanager
def bar(total: int, description: str):
    """A tqdm bar on stderr for a stage of ``total`` steps (hidden when stderr is not a terminal)."""
    from tqdm.auto import tqdm
    with tqdm(total=total, desc=description, file=sys.stderr, disable=None, dynamic_ncols=True) as progress:
        yield progress
