"""Where the linear algebra of the metrics runs: numpy (default) or torch on a given device.

The metric cores are written once against a small namespace: ``xp = namespace(device)`` is the
``numpy`` module for ``device=None`` and the ``torch`` module otherwise, and they call only what
both provide with the same meaning (``xp.where``, ``xp.sqrt``, ``xp.isfinite``, ``xp.linalg.eigh``,
``xp.linalg.inv``, ``xp.linalg.solve``, ``@``, ``.T``, ``.sum(0)``, ``.mean(0)``), plus the helpers
below for what differs (array creation, clipping, copies back to numpy). Everything is float64.
torch is imported only when a device is given.
"""
from __future__ import annotations

import numpy as np


def namespace(device=None):
    """``numpy`` for ``device=None``, else ``torch`` (device: 'cpu', 'cuda', 'cuda:1', a torch.device)."""
    if device is None:
        return np
    import torch
    return torch


def namespace_of(values):
    """``numpy`` for a numpy array, ``torch`` for a tensor."""
    if isinstance(values, np.ndarray):
        return np
    import torch
    return torch


def asarray(values, device=None):
    """values as a float64 numpy array (device None) or torch tensor on ``device``."""
    if device is None:
        return np.asarray(values, dtype=float)
    import torch
    return torch.as_tensor(np.asarray(values, dtype=float) if isinstance(values, np.ndarray) else values,
                           dtype=torch.float64, device=device)


def indices(values, device=None):
    """Integer index array (numpy) or int64 tensor on ``device``."""
    if device is None:
        return np.asarray(values, dtype=int)
    import torch
    return torch.as_tensor(np.asarray(values, dtype=np.int64), device=device)


def to_numpy(values) -> np.ndarray:
    """A numpy copy (or view) of an array or tensor on any device."""
    if isinstance(values, np.ndarray):
        return values
    return values.detach().cpu().numpy()


def zeros(shape, like):
    """Zeros of ``shape`` with the dtype and device of ``like``."""
    if isinstance(like, np.ndarray):
        return np.zeros(shape, dtype=like.dtype)
    import torch
    return torch.zeros(shape, dtype=like.dtype, device=like.device)


def eye(n: int, like):
    """n x n identity with the dtype and device of ``like``."""
    if isinstance(like, np.ndarray):
        return np.eye(n, dtype=like.dtype)
    import torch
    return torch.eye(n, dtype=like.dtype, device=like.device)


def max_over(values, axis: int):
    """Maximum along ``axis`` (numpy's ``max(axis)``, torch's ``amax(dim)``)."""
    if isinstance(values, np.ndarray):
        return values.max(axis=axis)
    return values.amax(dim=axis)


def clip_min(values, minimum: float):
    """Elementwise max(values, minimum)."""
    if isinstance(values, np.ndarray):
        return np.maximum(values, minimum)
    return values.clamp(min=minimum)


def on_device(values: np.ndarray, device):
    """``values`` as they are (device None) or as a torch tensor of the same dtype on ``device``."""
    if device is None:
        return values
    import torch
    return torch.as_tensor(values).to(device)


def float64(values):
    """``values`` in float64, numpy or torch (no copy when they already are)."""
    return values.astype(np.float64, copy=False) if isinstance(values, np.ndarray) else values.double()


def median(values) -> float:
    """The median of all entries (the mean of the two middle ones for an even count, as numpy's)."""
    if isinstance(values, np.ndarray):
        return float(np.median(values))
    import torch
    return float(torch.quantile(values.reshape(-1), 0.5))
