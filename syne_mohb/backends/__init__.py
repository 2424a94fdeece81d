"""Trial backends: local hardware profiles, SageMaker training jobs, Ray clusters, cost accounting.

``SageMakerBackend`` and ``RetryPolicy`` (:mod:`syne_mohb.backends.sagemaker`) are exported
lazily, so that importing this package does not import boto3; likewise ``RayBackend`` and
``NodeType`` (:mod:`syne_mohb.backends.ray`): Ray is imported only when a Ray backend connects to
its cluster."""
from syne_mohb._lazy import lazy_exports
from syne_mohb.backends.cost import (
    COST_CAP_REACHED,
    CostAccountingMixin,
    CostCapMixin,
    TrialCostLedger,
)
from syne_mohb.backends.local import LocalProfileBackend

__all__ = [
    "COST_CAP_REACHED",
    "CostAccountingMixin",
    "CostCapMixin",
    "LocalProfileBackend",
    "NodeType",
    "RayBackend",
    "RetryPolicy",
    "SageMakerBackend",
    "TrialCostLedger",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "RayBackend": "syne_mohb.backends.ray",
    "NodeType": "syne_mohb.backends.ray",
    "SageMakerBackend": "syne_mohb.backends.sagemaker",
    "RetryPolicy": "syne_mohb.backends.sagemaker",
}, globals())
