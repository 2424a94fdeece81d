"""``OptunaAskTellScheduler``: any Optuna sampler (default NSGA-II) as a Syne Tune scheduler.

The ``nsga2`` peer of the comparisons (:mod:`syne_mohb.experiments.methods`). Optuna is
imported when the scheduler is built.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from syne_tune.backend.trial_status import Trial
from syne_tune.config_space import Categorical, Domain, Float, Integer, postprocess_config
from syne_tune.optimizer.scheduler import SchedulerDecision, TrialScheduler, TrialSuggestion

from syne_mohb.pareto import normalize_modes
from syne_mohb.schedulers.moasha import MultiObjectiveMetrics

__all__ = ["OptunaAskTellScheduler"]


def _optuna():
    """Optuna, or a one-line error naming the extra to install."""
    from syne_mohb._lazy import require

    return require("optuna", "OptunaAskTellScheduler (methods nsga2, motpe)")


def _optuna_distribution(name: str, domain: Domain):
    optuna = _optuna()

    if isinstance(domain, Categorical):
        return optuna.distributions.CategoricalDistribution(list(domain.categories))
    if isinstance(domain, Integer):
        return optuna.distributions.IntDistribution(int(domain.lower), int(domain.upper),
                                                    log=bool(getattr(domain, "log_scale", False)))
    if isinstance(domain, Float):
        return optuna.distributions.FloatDistribution(float(domain.lower), float(domain.upper),
                                                      log=bool(getattr(domain, "log_scale", False)))
    raise ValueError(f"hyperparameter {name!r}: domain {type(domain).__name__} has no Optuna equivalent")


class OptunaAskTellScheduler(MultiObjectiveMetrics, TrialScheduler):
    """Any Optuna sampler (default: NSGA-II) as a Syne Tune scheduler, through ask/tell.

    ``suggest`` asks the study for a trial; the final result of a completed trial is told with
    one value per metric (Optuna handles per-metric directions). Trials run to the end (Optuna
    cannot prune multi-objective studies). Failed trials are told as FAIL.

    :param config_space: Syne Tune config space (Categorical, Integer, Float domains; constants)
    :param metrics: metric names
    :param mode: "min"/"max" per metric
    :param sampler: an Optuna sampler (default ``NSGAIISampler(population_size, seed)``)
    :param population_size: NSGA-II population size when ``sampler`` is None
    :param random_seed: seed of the default sampler
    """

    def __init__(self, config_space: dict[str, Any], metrics: list[str], mode: str | list[str],
                 sampler=None, population_size: int = 20, random_seed: int | None = None):
        super().__init__(random_seed=random_seed)
        optuna = _optuna()

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        if isinstance(metrics, str) or not metrics:
            raise ValueError(f"metrics must be a non-empty list, got {metrics!r}")
        self.config_space = config_space
        self.metrics = list(metrics)
        self.modes = normalize_modes(mode, len(self.metrics), "mode")
        if sampler is None:
            if population_size < 2:
                raise ValueError(f"population_size must be >= 2, got {population_size}")
            sampler = optuna.samplers.NSGAIISampler(population_size=population_size,
                                                    seed=self.random_seed)
        self.study = optuna.create_study(
            directions=["minimize" if m == "min" else "maximize" for m in self.modes],
            sampler=sampler,
        )
        self._distributions = {
            k: _optuna_distribution(k, v) for k, v in config_space.items() if isinstance(v, Domain)
        }
        self._optuna_trial: dict[int, Any] = {}
        self._pending: list[Any] = []

    def suggest(self) -> TrialSuggestion | None:
        otrial = self.study.ask(self._distributions)
        self._pending.append(otrial)
        config = dict(otrial.params)
        return TrialSuggestion.start_suggestion(postprocess_config(config, self.config_space))

    def on_trial_add(self, trial: Trial):
        if self._pending:
            self._optuna_trial[trial.trial_id] = self._pending.pop(0)

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> str:
        return SchedulerDecision.CONTINUE

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]):
        from optuna.trial import TrialState

        otrial = self._optuna_trial.pop(trial.trial_id, None)
        if otrial is None:
            return
        values = [float(result.get(m, np.nan)) for m in self.metrics]
        if any(np.isnan(values)):
            self.study.tell(otrial, state=TrialState.FAIL)
        else:
            self.study.tell(otrial, values)

    def on_trial_error(self, trial: Trial):
        from optuna.trial import TrialState

        otrial = self._optuna_trial.pop(trial.trial_id, None)
        if otrial is not None:
            self.study.tell(otrial, state=TrialState.FAIL)

    def metadata(self) -> dict[str, Any]:
        metadata = super().metadata()
        metadata["sampler"] = type(self.study.sampler).__name__
        return metadata
