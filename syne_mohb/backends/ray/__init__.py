"""Ray backend: trials as Ray actors on the node types of a (heterogeneous) Ray cluster.

>>> from syne_mohb.backends.ray import NodeType, RayBackend
>>> backend = RayBackend("train.py", address="head-node:6379", node_types={
...     "cpu-small": NodeType(price_per_hour=0.10, num_cpus=2),
...     "gpu-a100": NodeType(price_per_hour=2.50, num_cpus=8, num_gpus=1, accelerator_type="A100"),
... }, config_space=config_space)

Ray itself is imported only when a backend connects to its cluster, and ``import syne_mohb``
does not import this package (its names are exported lazily). See the README, section
"Ray backend".
"""
from syne_mohb.backends.ray._nodes import (
    NodeType,
    UnknownNodeTypeError,
    UnsatisfiableNodeTypeError,
)
from syne_mohb.backends.ray.backend import RayBackend, RayClusterUnreachableError

__all__ = [
    "NodeType",
    "RayBackend",
    "RayClusterUnreachableError",
    "UnknownNodeTypeError",
    "UnsatisfiableNodeTypeError",
]
