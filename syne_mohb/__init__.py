"""syne-mohb: multi-objective, hardware-aware hyperparameter tuning on Syne Tune.

Public API (everything else is private):

* :class:`MOASHA` -- multi-objective asynchronous successive halving (stopping / promotion)
* :class:`RandomSearcher` -- seeded random search without repeats
* :mod:`syne_mohb.pareto` -- non-dominated ranks, rung orders, Pareto sets, hypervolume
"""
from syne_mohb import pareto
from syne_mohb.scheduler import MOASHA
from syne_mohb.searchers.random import RandomSearcher

__version__ = "0.1.0"

__all__ = ["MOASHA", "RandomSearcher", "pareto", "__version__"]
