"""``AskTellScheduler``: the one bridge from a library's ask/tell optimiser to a Syne Tune
scheduler, shared by the peers :class:`~syne_mohb.schedulers.optuna_ask_tell.OptunaAskTellScheduler`
and :class:`~syne_mohb.schedulers.neps_ask_tell.NePSAskTellScheduler`.

``suggest`` asks the optimiser for a configuration; the trial runs to the end (these
optimisers are full-fidelity: they neither stop nor pause); its final result is told with one
value per metric, or as failed when a metric is missing or NaN, or the trial errored. A
subclass implements :meth:`AskTellScheduler._ask` and :meth:`AskTellScheduler._tell`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from syne_tune.backend.trial_status import Trial
from syne_tune.config_space import postprocess_config
from syne_tune.optimizer.scheduler import SchedulerDecision, TrialScheduler, TrialSuggestion

from syne_mohb.schedulers.moasha import MultiObjectiveMetrics

__all__ = ["AskTellScheduler"]


class AskTellScheduler(MultiObjectiveMetrics, TrialScheduler):
    """Base class: an ask/tell optimiser as a Syne Tune scheduler (trials run to the end).

    :param config_space: Syne Tune config space
    :param metrics: metric names (a non-empty list)
    :param mode: "min"/"max", one for all metrics, one per metric or a dict metric -> mode
    :param random_seed: the seed a subclass gives its optimiser
    """

    def __init__(self, config_space: dict[str, Any], metrics: list[str], mode: str | list[str],
                 random_seed: int | None = None):
        super().__init__(random_seed=random_seed)
        self._set_objectives(config_space, metrics, mode)
        self._handle: dict[int, Any] = {}
        self._pending: list[tuple[Any, dict[str, Any]]] = []  # (handle, config) not yet added

    def _ask(self) -> tuple[Any, dict[str, Any]]:
        """A new configuration from the optimiser: ``(handle, config)``; the handle is given
        back to :meth:`_tell`."""
        raise NotImplementedError

    def _tell(self, handle: Any, values: list[float] | None) -> None:
        """Report the final ``values`` (one per metric, in ``self.metrics`` order and in their
        own modes) of the configuration of ``handle``; ``None``: it failed."""
        raise NotImplementedError

    def suggest(self) -> TrialSuggestion | None:
        handle, config = self._ask()
        config = postprocess_config(dict(config), self.config_space)
        self._pending.append((handle, dict(config)))
        return TrialSuggestion.start_suggestion(config)

    def on_trial_add(self, trial: Trial):
        """Give the trial the optimiser's handle of the suggestion with its configuration (the
        oldest such; Syne Tune's ``Tuner`` adds each trial right after its suggestion, and
        a caller that asks several times first may add them in any order), else of the
        oldest suggestion not yet added."""
        if self._pending:
            index = next((i for i, (_, config) in enumerate(self._pending)
                          if _same_config(config, trial.config)), 0)
            self._handle[trial.trial_id] = self._pending.pop(index)[0]

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> str:
        return SchedulerDecision.CONTINUE

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]):
        handle = self._handle.pop(trial.trial_id, None)
        if handle is None:
            return
        values = self._values(result, trial.trial_id)
        self._tell(handle, None if any(np.isnan(values)) else values)

    def on_trial_error(self, trial: Trial):
        handle = self._handle.pop(trial.trial_id, None)
        if handle is not None:
            self._tell(handle, None)


def _same_config(a: dict[str, Any], b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # values whose == is not a truth value
        return False
