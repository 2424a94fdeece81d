"""Trial backends: local hardware profiles, SageMaker training jobs, Ray clusters, cost accounting.

``RayBackend`` and ``NodeType`` (:mod:`syne_mohb.backends.ray`) are exported lazily: Ray is
imported only when a Ray backend connects to its cluster."""
from syne_mohb.backends._sagemaker_retry import RetryPolicy
from syne_mohb.backends.cost import COST_CAP_REACHED, CostAccountingMixin, TrialCostLedger
from syne_mohb.backends.local import LocalProfileBackend
from syne_mohb.backends.sagemaker import SageMakerBackend

__all__ = [
    "COST_CAP_REACHED",
    "CostAccountingMixin",
    "LocalProfileBackend",
    "NodeType",
    "RayBackend",
    "RetryPolicy",
    "SageMakerBackend",
    "TrialCostLedger",
]

_LAZY = {"RayBackend": "syne_mohb.backends.ray", "NodeType": "syne_mohb.backends.ray"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
