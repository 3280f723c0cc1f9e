"""Layer activations streamed into one preallocated images x features array, and the Brain-Score
activations model built on it.

brainscore-vision's ``PytorchWrapper`` fills one array per layer, then packages every layer as a
``NeuroidAssembly`` built from per-neuroid Python lists and concatenates the layers: its peak is
about twice the activations plus the coordinates, and packaging 1.5 M neuroids takes seconds.
:func:`stream` writes each batch's layer outputs, inside their forward hooks, straight into their
columns of one array (layers side by side, as the assembly holds them), runs the network in
``inference_mode`` and channels-last memory format, does not pad the last batch, preprocesses the
next batch while the network runs, and stops the forward pass once every requested layer is
recorded. :class:`StreamingWrapper` is a ``PytorchWrapper`` whose extractor packages that array
with vectorised coordinates into the same ``NeuroidAssembly`` (same values up to float32
round-off, same coordinates), under the same result_caching key.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence

import numpy as np
import torch
from brainscore_vision.model_helpers.activations.pytorch import PytorchWrapper
from torch import nn

from brainscore_memorability.errors import MemorabilityError

# names of the per-neuroid index coordinates by the number of dimensions of a layer's output per
# image, as brainscore-vision's ActivationsExtractorHelper._package names them (1-d: a fully
# connected layer, whose channel_x/channel_y are NaN)
INDEX_COORDINATES = {1: ("channel", "channel_x", "channel_y"), 2: ("channel", "embedding"),
                     3: ("channel", "channel_x", "channel_y"),
                     4: ("channel_temporal", "channel_x", "channel_y", "channel")}


class _Recorded(Exception):
    """Every requested layer of the batch is recorded: the rest of the forward pass is skipped."""


def stream(network: nn.Module, paths: Sequence[str], layers: Sequence[str],
           preprocess: Callable[[Sequence[str]], np.ndarray], batch_size: int = 64) -> tuple[np.ndarray, dict[str, tuple[int, ...]]]:
    """(values, shapes): ``values`` is images x features (the layers' dtype, float32 for float
    networks), the ``layers`` side by side in the order the network runs them (as PytorchWrapper
    orders them), each output flattened in C order (channel, then rows, then columns), images in
    ``paths`` order; ``shapes``: layer -> its output shape per image, in that order.

    ``preprocess``: image paths -> batch x 3 x H x W array (e.g. brainscore-vision's
    ``load_preprocess_images``); ``layers``: dotted module names of ``network``, each run once per
    forward pass. The network runs in eval mode without gradients on its own device; its 4-d weights
    are converted to channels-last memory format in place (values unchanged), or back to the
    contiguous format for a network whose forward pass ``view``s an activation, which channels-last
    tensors refuse (ResMem's AlexNet branch: its first image's RuntimeError). A layer's output is
    recorded as the module returns it (brainscore-vision's PytorchWrapper on the CPU records it
    after the rest of the forward pass, so differs where a later in-place operation modifies it).
    """
    modules = _modules(network, layers)
    parameter = next(network.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    dtype = parameter.dtype if parameter is not None else torch.float32
    network.to(memory_format=torch.channels_last)
    memory_format = [torch.channels_last]  # set to contiguous by a network that views activations
    target: dict = {}  # layer -> where the current batch's output goes (a tensor view of `values`)
    recorded: set[str] = set()
    stop = [False]  # the first image runs through the whole network, the batches only as far as needed

    def hook(layer: str, output: torch.Tensor) -> None:
        if layer in recorded:
            raise MemorabilityError(f"layer '{layer}' ran twice in one forward pass: record a module that "
                                    f"runs once (the stream keeps one output per layer and image)")
        recorded.add(layer)
        target[layer](output)
        if stop[0] and len(recorded) == len(modules):
            raise _Recorded

    def run(batch: np.ndarray) -> None:
        recorded.clear()
        images = torch.as_tensor(np.asarray(batch)).to(device=device, dtype=dtype)
        if images.ndim == 4:
            images = images.contiguous(memory_format=memory_format[0])
        try:
            network(images)
        except _Recorded:
            pass
        missing = [layer for layer in modules if layer not in recorded]
        if missing:
            raise MemorabilityError(f"layers {missing} did not run in the network's forward pass")

    handles = [module.register_forward_hook(lambda _m, _i, output, layer=layer: hook(layer, output))
               for layer, module in modules.items()]
    was_training = network.training
    network.eval()
    batches = [list(paths[start:start + batch_size]) for start in range(0, len(paths), batch_size)]
    try:
        with torch.inference_mode(), ThreadPoolExecutor(max_workers=1) as pool:
            upcoming = pool.submit(preprocess, batches[0]) if batches else None
            shapes: dict[str, tuple[int, ...]] = {}
            values = None
            start = 0
            for index, batch_paths in enumerate(batches):
                batch = np.asarray(upcoming.result())
                if index + 1 < len(batches):  # the next batch's images load while the network runs
                    upcoming = pool.submit(preprocess, batches[index + 1])
                if values is None:  # one image's forward pass gives every layer's width
                    for layer in modules:
                        target[layer] = lambda output, layer=layer: shapes.__setitem__(layer, tuple(output.shape[1:]))
                    try:
                        run(batch[:1])
                    except RuntimeError as error:
                        if "view size is not compatible" not in str(error):
                            raise
                        network.to(memory_format=torch.contiguous_format)
                        memory_format[0] = torch.contiguous_format
                        run(batch[:1])
                    stop[0] = True
                    widths = [int(np.prod(shape)) for shape in shapes.values()]
                    values = np.empty((len(paths), sum(widths)), dtype=torch.empty(0, dtype=dtype).numpy().dtype)
                    offsets = np.concatenate([[0], np.cumsum(widths)])
                rows = slice(start, start + len(batch_paths))
                for (layer, shape), begin, end in zip(shapes.items(), offsets[:-1], offsets[1:]):
                    view = torch.from_numpy(values[rows, begin:end]).view(len(batch_paths), *shape)
                    target[layer] = view.copy_
                run(batch)
                start = rows.stop
    finally:
        for handle in handles:
            handle.remove()
        network.train(was_training)
    if values is None:
        raise MemorabilityError("no images to extract activations from")
    return values, shapes


def layer_activations(network: nn.Module, paths: Sequence[str], layers: Sequence[str],
                      preprocess: Callable[[Sequence[str]], np.ndarray], batch_size: int = 64) -> dict[str, np.ndarray]:
    """layer -> images x features (column views of one :func:`stream` array), in the order the
    network runs the layers."""
    values, shapes = stream(network, paths, layers, preprocess, batch_size)
    widths = np.cumsum([0] + [int(np.prod(shape)) for shape in shapes.values()])
    return {layer: values[:, begin:end] for layer, begin, end in zip(shapes, widths[:-1], widths[1:])}


def _modules(network: nn.Module, layers: Sequence[str]) -> dict[str, nn.Module]:
    modules = {}
    for layer in layers:
        try:
            modules[layer] = network.get_submodule(layer)
        except AttributeError:
            raise MemorabilityError(f"network has no layer '{layer}'; its layers include "
                                    f"{[name for name, _ in network.named_modules()][1:8]} ...") from None
    return modules


def neuroid_coordinates(model_identifier: str, shapes: dict[str, tuple[int, ...]]) -> dict:
    """The neuroid coordinates brainscore-vision's extractor gives layers of these output shapes
    (neuroid_num, model, layer, the channel indices, neuroid_id ``model.layer.num``), as arrays;
    the strings as object arrays (one shared str for model and layer), which the assembly's
    MultiIndex would make of them anyway."""
    names = {INDEX_COORDINATES.get(len(shape)) for shape in shapes.values()}
    if len(names) > 1:
        raise MemorabilityError(f"layers {list(shapes)} have outputs of different dimensionality "
                                f"({[len(s) for s in shapes.values()]}); record them in separate calls")
    names = names.pop()
    columns: dict[str, list] = {"neuroid_num": [], "model": [], "layer": [], **{n: [] for n in names or ()},
                                "neuroid_id": []}
    for layer, shape in shapes.items():
        count = int(np.prod(shape))
        columns["neuroid_num"].append(np.arange(count))
        columns["model"].append(np.full(count, model_identifier, dtype=object))
        columns["layer"].append(np.full(count, layer, dtype=object))
        index = np.indices(shape).reshape(len(shape), count)
        for i, name in enumerate(names or ()):
            columns[name].append(index[i] if i < len(shape) else np.full(count, np.nan))
        prefix = f"{model_identifier}.{layer}."
        columns["neuroid_id"].append(np.fromiter((prefix + str(i) for i in range(count)), dtype=object, count=count))
    return {name: ("neuroid", np.concatenate(parts)) for name, parts in columns.items()}


class StreamingWrapper(PytorchWrapper):
    """brainscore-vision's ``PytorchWrapper`` extracting through :func:`stream`.

    Its extractor is brainscore-vision's ``ActivationsExtractorHelper`` (same class, so the same
    result_caching key: identifier, stimuli identifier, preprocessing resolution), with its
    ``_from_paths`` (run the images, package the assembly) replaced on the instance. Calls that
    need brainscore-vision's own path fall back to it: ``require_variance`` (microsaccades) and
    registered batch-activation hooks (e.g. brainscore-vision's PCA for layer selection).
    """

    def _build_extractor(self, identifier, preprocessing, get_activations, *args, **kwargs):
        extractor = super()._build_extractor(identifier, preprocessing, get_activations, *args, **kwargs)
        upstream = extractor._from_paths

        def from_paths(layers, stimuli_paths, require_variance: bool = False):
            if require_variance or extractor._batch_activations_hooks:
                return upstream(layers=layers, stimuli_paths=stimuli_paths, require_variance=require_variance)
            return self.package(layers, stimuli_paths, extractor)

        extractor._from_paths = from_paths
        return extractor

    def package(self, layers, stimuli_paths, extractor):
        """The presentation x neuroid ``NeuroidAssembly`` of ``layers`` for ``stimuli_paths``, as
        brainscore-vision's ``ActivationsExtractorHelper._from_paths`` builds it."""
        from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
        if len(layers) == 0:
            raise ValueError("No layers passed to retrieve activations from")
        values, shapes = stream(self._model, stimuli_paths, layers, extractor.preprocess, extractor._batch_size)
        paths = np.asarray(stimuli_paths)
        microsaccades = extractor._microsaccade_helper
        for path in paths:  # no microsaccades: one (0, 0) shift per image, as the helper records them
            microsaccades.microsaccades["pixels"][path] = [(0., 0.)]
            microsaccades.microsaccades["degrees"][path] = [(0., 0.)]
        coords = {"stimulus_path": ("presentation", paths), **microsaccades.build_microsaccade_coords(paths),
                  **neuroid_coordinates(extractor.identifier, shapes)}
        return NeuroidAssembly(values, coords=coords, dims=["presentation", "neuroid"])
