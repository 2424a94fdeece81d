"""``FIFOScheduler``: every trial runs to its end, configurations from a searcher.

The multi-objective random-search baseline of the comparisons (``mo-random``,
``mo-random-repeats`` in :mod:`syne_mohb.experiments.methods`).
"""
from __future__ import annotations

from typing import Any

from syne_tune.backend.trial_status import Trial
from syne_tune.config_space import postprocess_config
from syne_tune.optimizer.scheduler import SchedulerDecision, TrialScheduler, TrialSuggestion

from syne_mohb.configspace import check_searcher_fits
from syne_mohb.schedulers.moasha import MultiObjectiveMetrics
from syne_mohb.schedulers.syne_tune_compat import check_syne_tune_searcher_modes
from syne_mohb.searchers.random import RandomSearcher

__all__ = ["FIFOScheduler"]


class FIFOScheduler(MultiObjectiveMetrics, TrialScheduler):
    """First-in-first-out scheduler: every trial runs to its end; configurations come from a
    searcher (any number of metrics). Used for multi-objective random search.

    :param config_space: Syne Tune config space
    :param metrics: metric names passed to the searcher, in order
    :param mode: "min"/"max" per metric (or one for all)
    :param searcher: a ``BaseSearcher`` (default: seeded :class:`RandomSearcher`) over the
        same hyperparameters, with the same metrics in the same order where it has metrics
    :param random_seed: seed of the default searcher
    """

    def __init__(self, config_space: dict[str, Any], metrics: list[str],
                 mode: str | list[str] = "min", searcher=None, random_seed: int | None = None):
        super().__init__(random_seed=random_seed)
        self._set_objectives(config_space, metrics, mode)
        if searcher is not None:
            if not callable(getattr(searcher, "suggest", None)):
                raise ValueError(
                    f"searcher must be a BaseSearcher (e.g. RandomSearcher(config_space, "
                    f"random_seed=0) or ModelBasedSearcher(config_space, metrics, mode)) or None, "
                    f"got {searcher!r}")
            check_searcher_fits(searcher, config_space, self.metrics, self.modes)
            check_syne_tune_searcher_modes(searcher, self.metrics, self.modes)
        self.searcher = searcher or RandomSearcher(config_space, random_seed=self.random_seed)

    def suggest(self) -> TrialSuggestion | None:
        config = self.searcher.suggest()
        if config is None:
            return None
        return TrialSuggestion.start_suggestion(postprocess_config(config, self.config_space))

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> str:
        self.searcher.on_trial_result(trial.trial_id, trial.config,
                                      self._values(result, trial.trial_id))
        return SchedulerDecision.CONTINUE

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]):
        self.searcher.on_trial_complete(trial.trial_id, trial.config,
                                        self._values(result, trial.trial_id))

    def on_trial_error(self, trial: Trial):
        self.searcher.on_trial_error(trial.trial_id)
