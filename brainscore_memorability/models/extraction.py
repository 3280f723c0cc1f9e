"""Layer activations streamed into one preallocated array per layer.

Brain-Score's ``PytorchWrapper`` fills arrays batch by batch too, but then packages every layer
as a ``NeuroidAssembly`` with per-neuroid Python coordinates and concatenates the layers, so its
peak memory is about twice the activations plus ~1 GB per 1.5 M neuroids, and packaging alone
takes seconds per million neuroids. :func:`layer_activations` keeps one float32 copy (images x
features per layer) and nothing else, for uses that need plain arrays (e.g. layer-by-layer CKA,
which reduces each layer to its Gram matrix).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from brainscore_memorability.errors import MemorabilityError


def layer_activations(network: nn.Module, paths: Sequence[str], layers: Sequence[str],
                      preprocess: Callable[[Sequence[str]], np.ndarray], batch_size: int = 64) -> dict[str, np.ndarray]:
    """layer -> images x features (float32, outputs flattened in C order, images in ``paths`` order).

    ``preprocess``: image paths -> batch x 3 x H x W array (e.g. brainscore-vision's
    ``load_preprocess_images`` with the model's size and normalisation, as ``PytorchWrapper`` uses);
    ``layers``: dotted module names of ``network`` (run in eval mode, without gradients).
    """
    modules = {}
    for layer in layers:
        try:
            modules[layer] = network.get_submodule(layer)
        except AttributeError:
            raise MemorabilityError(f"network has no layer '{layer}'; its layers include "
                                    f"{[name for name, _ in network.named_modules()][1:8]} ...") from None
    outputs: dict[str, torch.Tensor] = {}
    handles = [module.register_forward_hook(lambda _module, _inputs, output, layer=layer: outputs.__setitem__(layer, output))
               for layer, module in modules.items()]
    activations: dict[str, np.ndarray] = {}
    was_training = network.training
    network.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(paths), batch_size):
                batch = torch.as_tensor(np.asarray(preprocess(list(paths[start:start + batch_size]))))
                network(batch)
                for layer in layers:
                    values = outputs[layer].reshape(len(batch), -1)
                    if layer not in activations:
                        activations[layer] = np.empty((len(paths), values.shape[1]), dtype=np.float32)
                    activations[layer][start:start + len(batch)] = values.cpu().numpy()
                outputs.clear()
    finally:
        for handle in handles:
            handle.remove()
        network.train(was_training)
    return activations
