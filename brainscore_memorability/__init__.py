"""brainscore-memorability: memorability-trained networks and early/late IT benchmarks for Brain-Score.

Importing this package registers its models, benchmarks, metrics and data with brainscore_vision
(see :mod:`brainscore_memorability.registry`) and does nothing else: no network, no downloads,
no file writes. Heavy work (torch, data) happens on first use of an identifier.
"""
from brainscore_memorability import registry as _registry

__version__ = "0.1.0"

from brainscore_memorability import upstream_warnings as _upstream_warnings  # noqa: E402

with _upstream_warnings.ignored():  # the first import of brainscore_vision (see that module)
    _registry.install_loader_hook()

# each subpackage's __init__ registers its identifiers (cheaply: factories import lazily)
from brainscore_memorability import benchmarks, data, metrics, models  # noqa: E402,F401
from brainscore_memorability.models import load_model  # noqa: E402,F401  (builds nothing until called)
