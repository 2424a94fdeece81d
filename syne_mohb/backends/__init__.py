"""Trial backends: local hardware profiles, SageMaker training jobs, cost accounting."""
from syne_mohb.backends._sagemaker_retry import RetryPolicy
from syne_mohb.backends.cost import COST_CAP_REACHED, CostAccountingMixin, TrialCostLedger
from syne_mohb.backends.local import LocalProfileBackend
from syne_mohb.backends.sagemaker import SageMakerBackend

__all__ = [
    "COST_CAP_REACHED",
    "CostAccountingMixin",
    "LocalProfileBackend",
    "RetryPolicy",
    "SageMakerBackend",
    "TrialCostLedger",
]
