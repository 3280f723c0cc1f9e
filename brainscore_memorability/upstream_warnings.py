"""The known warnings that brainscore_core, brainscore_vision, brainio, torchvision and xarray raise
on every ordinary use of this package, and nothing a user can act on (:data:`UPSTREAM_WARNINGS`).

The ``brainscore`` commands ignore them (:func:`quiet_upstream_warnings`); importing the package
ignores them while it imports brainscore_vision (:func:`ignored`, filters restored afterwards). Each is
matched by category, message and the upstream module raising it, so warnings of this package and
unlisted upstream ones still show; ``python -W default ...`` (any ``-W`` option) shows them all.
"""
from __future__ import annotations

import contextlib
import sys
import warnings

UPSTREAM = r"(brainscore_core|brainscore_vision|brainio|torchvision|xarray|importlib_metadata)(\.|$)"
UPSTREAM_WARNINGS = (  # (category, message regex)
    # brainscore_core.metrics.Score subclasses xarray's DataArray without __slots__ (at import)
    (FutureWarning, r"xarray subclass .* should explicitly define __slots__"),
    # xarray<2022.6 (brainscore-vision's pin) discovering its backends with a newer importlib_metadata
    (DeprecationWarning, r"SelectableGroups dict interface is deprecated"),
    # xarray<2022.6 concatenating (a time course's windows) under pandas 2
    (FutureWarning, r"unique with argument that is not not a Series"),
    # torchvision's weights API as called by brainscore_vision's model helpers
    (UserWarning, r"The parameter 'pretrained' is deprecated"),
    (UserWarning, r"Arguments other than a weight enum or `None` for 'weights' are deprecated"),
)


def quiet_upstream_warnings() -> None:
    """Ignore :data:`UPSTREAM_WARNINGS` for the rest of the process, unless ``-W`` options were given."""
    if sys.warnoptions:
        return
    for category, message in UPSTREAM_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category, module=UPSTREAM)


@contextlib.contextmanager
def ignored():
    """:func:`quiet_upstream_warnings` within the block only (the warning filters are restored after)."""
    with warnings.catch_warnings():
        quiet_upstream_warnings()
        yield
