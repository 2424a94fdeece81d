"""syne-mohb: multi-objective, hardware-aware hyperparameter tuning on Syne Tune.

Public API (everything else is private):

* :class:`MOASHA` -- multi-objective asynchronous successive halving (stopping / promotion)
* :class:`HardwarePolicy` -- MO-ASHA's default choice of each trial's instance type, from a
  runtime/cost model learnt in the run (pass one to ``MOASHA(hardware=...)`` to configure it)
* :class:`ModelBasedSearcher` -- MO-ASHA's default searcher (random scalarisations, Thompson
  sampling of a tree ensemble; pass one to ``MOASHA(searcher=...)`` to configure it)
* :class:`RandomSearcher` -- seeded random search without repeats
* :class:`ParetoTransferSearcher` -- samples where related tasks' Pareto fronts lie
* :mod:`syne_mohb.pareto` -- non-dominated ranks, rung orders, Pareto sets, hypervolume
* hardware: :data:`INSTANCE_TYPE`, :func:`load_catalog`, :func:`instance_types`,
  :func:`local_profiles`, :func:`dollar_cost`, :func:`refresh_prices`
* backends: :class:`LocalProfileBackend`, :class:`SageMakerBackend` (lazy: boto3 is imported
  on first use), :class:`RayBackend` with :class:`NodeType` (lazy: Ray is imported when the
  backend connects)
* durable runs: :class:`DurableTuner`, :class:`FailurePolicy`, :func:`resume`
* results: :func:`pareto_set` (the Pareto set of a run as a DataFrame),
  :func:`hardware_recommendations` (each model of that set on each instance type: predicted time
  and dollars with intervals, next to what was measured), the tuner callbacks
  :class:`ParetoSummary` (prints it at the end of tuning) and :class:`ProgressReport` (a
  Pareto table and / or the HTML report every N seconds while it runs); lazy: pandas-heavy
  analysis is imported on first use
* what only the backend knows: the tuner callback :class:`HardwareFeedback` tells the hardware
  policy which failed trials found no capacity for their instance type (their type cools down
  instead of being marked as one their configuration cannot train on) and which warm pools
  are idle
"""
from syne_mohb import pareto
from syne_mohb._lazy import lazy_exports
from syne_mohb.backends.local import LocalProfileBackend
from syne_mohb.durable import DurableTuner, FailureBudgetExceeded, FailurePolicy, resume
from syne_mohb.hardware import (
    INSTANCE_TYPE,
    HardwareFeedback,
    HardwarePolicy,
    dollar_cost,
    instance_types,
    load_catalog,
    local_profiles,
    refresh_prices,
)
from syne_mohb.schedulers import MOASHA
from syne_mohb.searchers.model_based import ModelBasedSearcher
from syne_mohb.searchers.random import RandomSearcher
from syne_mohb.searchers.transfer import ParetoTransferSearcher

__version__ = "0.1.0"

__all__ = [
    "DurableTuner",
    "FailureBudgetExceeded",
    "HardwareFeedback",
    "FailurePolicy",
    "HardwarePolicy",
    "INSTANCE_TYPE",
    "LocalProfileBackend",
    "MOASHA",
    "ModelBasedSearcher",
    "NodeType",
    "ParetoSummary",
    "ParetoTransferSearcher",
    "ProgressReport",
    "RandomSearcher",
    "RayBackend",
    "SageMakerBackend",
    "SchedulerEndMetadata",
    "dollar_cost",
    "hardware_recommendations",
    "instance_types",
    "load_catalog",
    "local_profiles",
    "pareto",
    "pareto_set",
    "refresh_prices",
    "resume",
    "__version__",
]


# names imported on first use (``import syne_mohb`` imports neither Ray nor boto3, nor the
# analysis and plotting of ``syne_mohb.experiments``)
__getattr__, __dir__ = lazy_exports(__name__, {
    "RayBackend": "syne_mohb.backends.ray",
    "NodeType": "syne_mohb.backends.ray",
    "SageMakerBackend": "syne_mohb.backends.sagemaker",
    "pareto_set": "syne_mohb.experiments.results",
    "hardware_recommendations": "syne_mohb.experiments.recommendations",
    "ParetoSummary": "syne_mohb.experiments.callbacks",
    "ProgressReport": "syne_mohb.experiments.callbacks",
    "SchedulerEndMetadata": "syne_mohb.experiments.final_metadata",
}, globals())
