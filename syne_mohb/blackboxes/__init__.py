"""Hardware-aware offline evaluations (blackboxes) in Syne Tune's blackbox-repository format.

Shipped benchmarks (``names()``) were generated from real training runs on this machine; the
runtime and cost on each cloud instance type are modelled (``runtime_model.py``). See
``docs/concepts/measured-and-modelled.md``.

>>> from syne_mohb.blackboxes import load, make_backend
>>> bbs = load("mlp")                       # {task: BlackboxTabular}
>>> backend = make_backend("mlp", "digits")  # SimulatedBackend (syne_mohb.backends.simulated)
"""

from .evaluations import (
    evaluations_frame,
    make_backend,
    metric_modes,
    to_transfer_evaluations,
)
from .converter import from_experiments
from .repository import BlackboxFolderError, load, metadata, names
from .runtime_model import InstanceSpec, RuntimeModel

__all__ = [
    "BlackboxFolderError",
    "InstanceSpec",
    "RuntimeModel",
    "evaluations_frame",
    "from_experiments",
    "load",
    "make_backend",
    "metadata",
    "metric_modes",
    "names",
    "to_transfer_evaluations",
]
