"""``NePSAskTellScheduler``: NePS's multi-objective Bayesian optimisation as a Syne Tune
scheduler (the ``neps-mobo`` peer of :mod:`syne_mohb.experiments.methods`).

NePS (``neural-pipeline-search``, AutoML Freiburg) runs its own evaluation loop; its
``AskAndTell`` wrapper lets another loop drive it. ``neps.algorithms.bayesian_optimization``
with several objectives fits one GP per objective and maximises
qLogNoisyExpectedHypervolumeImprovement (BoTorch), with the trials still running as pending
points. NePS minimises every objective: a metric in mode "max" is told negated. A failed trial
(an error, or a metric missing or NaN) is forgotten: NePS 0.17's multi-objective GP fails on a
failed trial's report. NePS draws its initial design from torch's global generator (it passes
no seed): the scheduler seeds torch and numpy with ``random_seed`` when it is built, as Syne
Tune's unseeded samplers are seeded by the comparison runner.

Requires the ``neps`` extra (torch, botorch, gpytorch): ``pip install 'syne-mohb[neps]'``.
"""
from __future__ import annotations

from typing import Any

from syne_tune.config_space import Categorical, Domain, Float, Integer, is_log_space

from syne_mohb.schedulers.ask_tell import AskTellScheduler

__all__ = ["NePSAskTellScheduler"]


def _neps():
    from syne_mohb._lazy import require

    return require("neps", "NePSAskTellScheduler (method neps-mobo)")


def neps_search_space(config_space: dict[str, Any]):
    """NePS's classic ``SearchSpace`` for a Syne Tune config space: Float and Integer
    domains keep their bounds and log scale, Categorical (and Ordinal) become unordered
    choices, anything else a constant. O(number of entries)."""
    _neps()
    from neps.space import SearchSpace
    from neps.space.parameters import HPOCategorical, HPOConstant, HPOFloat, HPOInteger

    elements = {}
    for name, domain in config_space.items():
        if isinstance(domain, Categorical):
            elements[name] = HPOCategorical(choices=list(domain.categories))
        elif isinstance(domain, Integer):
            elements[name] = HPOInteger(lower=int(domain.lower), upper=int(domain.upper),
                                        log=is_log_space(domain))
        elif isinstance(domain, Float):
            elements[name] = HPOFloat(lower=float(domain.lower), upper=float(domain.upper),
                                      log=is_log_space(domain))
        elif isinstance(domain, Domain):
            raise ValueError(f"hyperparameter {name!r}: domain {type(domain).__name__} has no "
                             f"NePS equivalent (use choice, randint/lograndint or "
                             f"uniform/loguniform)")
        else:
            elements[name] = HPOConstant(value=domain)
    return SearchSpace(elements)


class NePSAskTellScheduler(AskTellScheduler):
    """NePS 0.17's ``bayesian_optimization`` (several objectives: qLogNEHVI) through
    ``neps.AskAndTell``; trials run to the end.

    Cost of a suggestion: after the initial design (one point per hyperparameter), one GP fit
    per objective on all n finished trials (O(n^3)) and a multi-start optimisation of
    qLogNEHVI, whose baseline is the n observed points (pruned to the likely non-dominated
    ones): seconds per suggestion at a few hundred results on a CPU.

    :param config_space: Syne Tune config space (Categorical, Integer, Float domains; constants)
    :param metrics: metric names
    :param mode: "min"/"max" per metric
    :param random_seed: seeds torch and numpy's global generators (NePS takes no seed)
    :param initial_design_size: random configurations before the GP ("ndim": one per
        hyperparameter, NePS's default)
    """

    def __init__(self, config_space: dict[str, Any], metrics: list[str], mode: str | list[str],
                 random_seed: int | None = None, initial_design_size: int | str = "ndim"):
        super().__init__(config_space, metrics, mode, random_seed=random_seed)
        neps = _neps()
        import numpy as np
        import torch

        torch.manual_seed(self.random_seed)
        np.random.seed(self.random_seed % 2**32)
        self._space = neps_search_space(config_space)
        self._optimizer = neps.AskAndTell(neps.algorithms.bayesian_optimization(
            self._space, initial_design_size=initial_design_size))
        self._sign = [1.0 if m == "min" else -1.0 for m in self.modes]

    def _ask(self) -> tuple[Any, dict[str, Any]]:
        trial = self._optimizer.ask()
        return trial.metadata.id, trial.config

    def _tell(self, handle: Any, values: list[float] | None) -> None:
        if values is None:
            # NePS 0.17's multi-objective GP cannot take a failed trial (it stacks the
            # failure's scalar NaN with the others' objective lists: "TypeError: not a
            # sequence"): the optimiser forgets the configuration instead, as Optuna's
            # samplers skip failed trials
            self._optimizer.trials.pop(handle, None)
        else:
            self._optimizer.tell(handle, {"objective_to_minimize": [
                s * v for s, v in zip(self._sign, values)]})

    def metadata(self) -> dict[str, Any]:
        metadata = super().metadata()
        metadata["optimizer"] = "neps.algorithms.bayesian_optimization (qLogNEHVI)"
        return metadata
