"""syne-mohb: multi-objective, hardware-aware hyperparameter tuning on Syne Tune.

Public API (everything else is private):

* :class:`MOASHA` -- multi-objective asynchronous successive halving (stopping / promotion)
* :class:`RandomSearcher` -- seeded random search without repeats
* :class:`ParetoTransferSearcher` -- samples where related tasks' Pareto fronts lie
* :mod:`syne_mohb.pareto` -- non-dominated ranks, rung orders, Pareto sets, hypervolume
* hardware: :data:`INSTANCE_TYPE`, :func:`load_catalog`, :func:`instance_types`,
  :func:`local_profiles`, :func:`dollar_cost`, :func:`refresh_prices`
* backends: :class:`LocalProfileBackend`, :class:`SageMakerBackend` (lazy: boto3 is imported
  on first use), :class:`RayBackend` with :class:`NodeType` (lazy: Ray is imported when the
  backend connects)
* durable runs: :class:`DurableTuner`, :class:`FailurePolicy`, :func:`resume`
"""
from syne_mohb import pareto
from syne_mohb._lazy import lazy_exports
from syne_mohb.backends.local import LocalProfileBackend
from syne_mohb.durable import DurableTuner, FailureBudgetExceeded, FailurePolicy, resume
from syne_mohb.hardware import (
    INSTANCE_TYPE,
    dollar_cost,
    instance_types,
    load_catalog,
    local_profiles,
    refresh_prices,
)
from syne_mohb.schedulers import MOASHA
from syne_mohb.searchers.random import RandomSearcher
from syne_mohb.searchers.transfer import ParetoTransferSearcher

__version__ = "0.1.0"

__all__ = [
    "DurableTuner",
    "FailureBudgetExceeded",
    "FailurePolicy",
    "INSTANCE_TYPE",
    "LocalProfileBackend",
    "MOASHA",
    "NodeType",
    "ParetoTransferSearcher",
    "RandomSearcher",
    "RayBackend",
    "SageMakerBackend",
    "dollar_cost",
    "instance_types",
    "load_catalog",
    "local_profiles",
    "pareto",
    "refresh_prices",
    "resume",
    "__version__",
]


# backend names imported on first use (``import syne_mohb`` imports neither Ray nor boto3)
__getattr__, __dir__ = lazy_exports(__name__, {
    "RayBackend": "syne_mohb.backends.ray",
    "NodeType": "syne_mohb.backends.ray",
    "SageMakerBackend": "syne_mohb.backends.sagemaker",
}, globals())
