"""Layer activations streamed into one preallocated array per layer.

Brain-Score's ``PytorchWrapper`` fills arrays batch by batch too, but then packages every layer
as a ``NeuroidAssembly`` with per-neuroid Python coordinates and concatenates the layers: its
peak memory is about twice the activations plus the coordinates (4.3 GB for the 2.0 GB of a
ResNet-50's four region layers on 330 images), and packaging 1.5 M neuroids takes ~5 s.
:func:`layer_activations` keeps one float32 copy (images x features per layer; each batch's
output is copied out inside its forward hook) plus one batch's forward pass, for uses that need
plain arrays (e.g. layer-by-layer CKA, which reduces each layer to its Gram matrix).
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
    activations: dict[str, np.ndarray] = {}
    rows = slice(0, 0)  # the images of the current batch

    def copy_out(layer: str, output: torch.Tensor) -> None:
        """Write a batch's layer output into the layer's array at once, so it is not kept alive."""
        values = output.reshape(rows.stop - rows.start, -1)
        if layer not in activations:
            activations[layer] = np.empty((len(paths), values.shape[1]), dtype=np.float32)
        activations[layer][rows] = values.cpu().numpy()

    handles = [module.register_forward_hook(lambda _module, _inputs, output, layer=layer: copy_out(layer, output))
               for layer, module in modules.items()]
    was_training = network.training
    network.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(paths), batch_size):
                rows = slice(start, min(start + batch_size, len(paths)))
                network(torch.as_tensor(np.asarray(preprocess(list(paths[rows])))))
    finally:
        for handle in handles:
            handle.remove()
        network.train(was_training)
    return {layer: activations[layer] for layer in layers}
