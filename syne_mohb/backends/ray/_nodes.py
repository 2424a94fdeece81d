"""Node types of a Ray cluster: what a trial on each type requests, and whether a node has it.

A *node type* is the hardware dimension of a trial on a Ray cluster: the config's
``instance_type`` names one. It declares the Ray resources one trial on it requests
(``num_cpus``, ``num_gpus``, an ``accelerator_type``, custom resource labels, memory) and a
price per hour set by the user (on-prem clusters have internal prices or energy costs). A
node *provides* a type when each requested resource is among the node's total resources with
at least the requested amount (Ray places the trial's actor on such a node). Pure Python: this
module needs no Ray import, the resource dicts come from ``ray.nodes()``.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

__all__ = ["NodeType", "node_types_from", "provides", "describe_nodes",
           "UnsatisfiableNodeTypeError", "UnknownNodeTypeError"]

ACCELERATOR_PREFIX = "accelerator_type:"
"""Ray's resource name prefix for an accelerator type (``accelerator_type:A100``)."""
ACCELERATOR_DEMAND = 0.001
"""Amount of ``accelerator_type:<type>`` Ray requests for ``accelerator_type=<type>``."""
_RESERVED = {"CPU", "GPU", "memory", "object_store_memory"}


class UnknownNodeTypeError(ValueError):
    """The config space names a node type the backend was not given."""


class UnsatisfiableNodeTypeError(ValueError):
    """No node of the cluster provides the resources a node type requests."""


def _check_amount(name: str, value: Any, allow_zero: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value < 0 or (not allow_zero and value == 0):
        low = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {low}, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class NodeType:
    """Resources one trial on this node type requests, and its price per hour.

    :param price_per_hour: dollars (or any unit) per hour of one trial on this type; the
        backend's ``st_worker_cost`` is seconds x price / 3600
    :param num_cpus: logical CPUs requested (Ray ``num_cpus``)
    :param num_gpus: GPUs requested (Ray ``num_gpus``); the script sees them through
        ``CUDA_VISIBLE_DEVICES``, set by Ray
    :param accelerator_type: e.g. ``"A100"``, ``"T4"`` (Ray ``accelerator_type``: the node
        must carry the resource ``accelerator_type:<type>``)
    :param resources: custom resource labels, e.g. ``{"big_node": 1}`` (nodes declare them with
        ``ray start --resources='{"big_node": 4}'``)
    :param memory_gib: memory reserved for the trial (Ray ``memory``, logical, in GiB)
    """

    price_per_hour: float
    num_cpus: float = 1.0
    num_gpus: float = 0.0
    accelerator_type: str | None = None
    resources: Mapping[str, float] = field(default_factory=dict)
    memory_gib: float | None = None

    def __post_init__(self):
        _check_amount("price_per_hour", self.price_per_hour)
        _check_amount("num_cpus", self.num_cpus)
        _check_amount("num_gpus", self.num_gpus)
        if self.memory_gib is not None:
            _check_amount("memory_gib", self.memory_gib, allow_zero=False)
        if self.accelerator_type is not None and (
                not isinstance(self.accelerator_type, str) or not self.accelerator_type.strip()):
            raise ValueError(f"accelerator_type must be a non-empty string or None, got "
                             f"{self.accelerator_type!r}")
        if not isinstance(self.resources, Mapping):
            raise ValueError(f"resources must be a dict of resource name -> amount, got "
                             f"{type(self.resources).__name__}")
        clean = {}
        for key, amount in self.resources.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"resources: names must be non-empty strings, got {key!r}")
            if key in _RESERVED or key.startswith(ACCELERATOR_PREFIX):
                raise ValueError(
                    f"resources[{key!r}]: use num_cpus / num_gpus / memory_gib / "
                    f"accelerator_type for Ray's predefined resources")
            clean[key] = _check_amount(f"resources[{key!r}]", amount, allow_zero=False)
        object.__setattr__(self, "resources", clean)
        if self.num_cpus == 0 and self.num_gpus == 0 and not clean:
            raise ValueError("a node type must request something (num_cpus, num_gpus or a "
                             "custom resource): a trial requesting nothing could run anywhere")

    def hardware_spec(self) -> dict[str, Any]:
        """What the hardware policy's runtime model knows of this type: its resources and price
        (``HardwarePolicy(specs=node_types)`` reads them, so a type is declared once). A Ray
        accelerator name such as ``"A100-80G"`` maps to the longest known model it starts with
        (:data:`~syne_mohb.hardware.accelerators.GPU_RELATIVE_SPEED`)."""
        from syne_mohb.hardware.accelerators import GPU_RELATIVE_SPEED

        gpu = self.accelerator_type
        if gpu is not None:
            gpu = max((k for k in GPU_RELATIVE_SPEED if gpu.upper().startswith(k.upper())),
                      key=len, default=gpu)
        gpus = float(self.num_gpus)
        return {"vcpus": float(self.num_cpus), "memory_gib": self.memory_gib,
                "gpus": int(gpus) if gpus.is_integer() else gpus, "gpu_model": gpu,
                "price_per_hour": float(self.price_per_hour)}

    def request(self) -> dict[str, float]:
        """The trial's resource demand in Ray's resource names (as ``ray.nodes()`` lists them)."""
        req: dict[str, float] = {}
        if self.num_cpus:
            req["CPU"] = float(self.num_cpus)
        if self.num_gpus:
            req["GPU"] = float(self.num_gpus)
        if self.memory_gib is not None:
            req["memory"] = float(self.memory_gib) * 2**30
        if self.accelerator_type is not None:
            req[ACCELERATOR_PREFIX + self.accelerator_type] = ACCELERATOR_DEMAND
        req.update(self.resources)
        return req

    def actor_options(self) -> dict[str, Any]:
        """Keyword arguments of Ray's ``.options(...)`` that request exactly these resources."""
        opts: dict[str, Any] = {"num_cpus": float(self.num_cpus), "num_gpus": float(self.num_gpus)}
        if self.resources:
            opts["resources"] = dict(self.resources)
        if self.accelerator_type is not None:
            opts["accelerator_type"] = self.accelerator_type
        if self.memory_gib is not None:
            opts["memory"] = int(self.memory_gib * 2**30)
        return opts


def node_types_from(node_types: Any) -> dict[str, NodeType]:
    """Validate the backend's ``node_types`` argument: name -> :class:`NodeType` or a dict of
    its keyword arguments (``{"price_per_hour": 0.5, "num_cpus": 4, "resources": {...}}``)."""
    if not isinstance(node_types, Mapping) or not node_types:
        raise ValueError(
            "node_types must be a non-empty dict of node type name -> NodeType (or a dict of "
            "NodeType arguments), e.g. {'cpu-small': NodeType(price_per_hour=0.1, num_cpus=1)}, "
            f"got {node_types!r}")
    out: dict[str, NodeType] = {}
    for name, spec in node_types.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"node_types: names must be non-empty strings, got {name!r}")
        if isinstance(spec, NodeType):
            out[name] = spec
        elif isinstance(spec, Mapping):
            try:
                out[name] = NodeType(**spec)
            except TypeError as e:
                raise ValueError(f"node_types[{name!r}]: {e}") from None
            except ValueError as e:
                raise ValueError(f"node_types[{name!r}]: {e}") from None
        else:
            raise ValueError(f"node_types[{name!r}] must be a NodeType or a dict, got "
                             f"{type(spec).__name__}")
    return out


def provides(node_resources: Mapping[str, float], request: Mapping[str, float]) -> bool:
    """Whether a node with total ``node_resources`` can ever run a trial requesting
    ``request`` (each requested amount <= the node's total; a small tolerance for floats)."""
    return all(node_resources.get(k, 0.0) + 1e-9 >= v for k, v in request.items() if v > 0)


def _fmt_amount(key: str, value: float) -> str:
    if key in ("memory", "object_store_memory"):
        return f"{value / 2**30:.3g} GiB"
    return f"{value:g}"


def format_resources(res: Mapping[str, float], keep_internal: bool = False) -> str:
    """``{CPU: 4, GPU: 1, big: 1}``, without Ray's per-node bookkeeping resources."""
    items = [(k, v) for k, v in sorted(res.items())
             if keep_internal or not (k.startswith("node:") or k == "object_store_memory")]
    return "{" + ", ".join(f"{k}: {_fmt_amount(k, v)}" for k, v in items) + "}"


def describe_nodes(nodes: Iterable[Mapping[str, Any]]) -> str:
    """One line per distinct set of resources among the alive nodes: ``2 nodes with {...}``."""
    groups: dict[str, int] = {}
    for n in nodes:
        if not n.get("Alive", n.get("alive", False)):
            continue
        res = {k: v for k, v in (n.get("Resources") or {}).items() if k != "memory"}
        key = format_resources(res)
        groups[key] = groups.get(key, 0) + 1
    if not groups:
        return "no alive node"
    return "; ".join(f"{c} node{'s' if c > 1 else ''} with {k}" for k, c in sorted(groups.items()))


def closest(name: str, names: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(str(name), list(names), n=3, cutoff=0.4)
