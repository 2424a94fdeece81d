"""A Syne Tune ``TrialScheduler`` wrapper that journals every call before/after delegating."""
from __future__ import annotations

from typing import Any, Callable

from syne_tune.backend.trial_status import Trial
from syne_tune.optimizer.scheduler import TrialScheduler, TrialSuggestion

from syne_mohb.configspace import config_key
from syne_mohb.durable.journal import Journal
from syne_mohb.schedulers.delegating import DelegatingScheduler

__all__ = ["JournaledScheduler", "suggestion_to_json", "same_config"]


def suggestion_to_json(s: TrialSuggestion | None) -> dict | None:
    if s is None:
        return None
    if s.spawn_new_trial_id:
        return {"kind": "start", "config": s.config, "checkpoint_trial_id": s.checkpoint_trial_id}
    return {"kind": "resume", "trial_id": s.checkpoint_trial_id, "config": s.config}


def same_config(a: dict | None, b: dict | None) -> bool:
    """Equality of configs as the journal identifies them (:func:`syne_mohb.configspace.
    config_key`: numpy and Python scalars alike, floats exact after the JSON round trip)."""
    if a is None or b is None:
        return a is None and b is None
    return config_key(a) == config_key(b)


class JournaledScheduler(DelegatingScheduler):
    """Delegates to ``inner`` and writes each call to the journal, in the order of the calls.

    ``on_trial_result`` writes the result *before* the scheduler sees it and the decision
    after; ``suggest`` writes what was suggested. Replaying these entries in order on a fresh
    copy of the scheduler reproduces its state (rungs, paused trials, searcher, random state).
    Everything not journaled (``metric_names``, ``metadata``, attributes such as
    ``MOASHA.paused_trials``) is forwarded by :class:`DelegatingScheduler`.
    """

    own_attributes = ("inner", "journal", "status_of")

    def __init__(self, inner: TrialScheduler, journal: Journal,
                 status_of: Callable[[int], str | None] = lambda tid: None):
        super().__init__(inner)
        self.journal = journal
        self.status_of = status_of

    def suggest(self) -> TrialSuggestion | None:
        s = self.inner.suggest()
        self.journal.append("suggest", out=suggestion_to_json(s))
        return s

    def on_trial_add(self, trial: Trial):
        self.journal.append("add", trial_id=trial.trial_id)
        self.inner.on_trial_add(trial)

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> str:
        self.journal.append("result", trial_id=trial.trial_id, result=result,
                            status=self.status_of(trial.trial_id))
        decision = self.inner.on_trial_result(trial, result)
        self.journal.append("decision", trial_id=trial.trial_id, decision=decision)
        return decision

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]):
        self.journal.append("complete", trial_id=trial.trial_id)
        self.inner.on_trial_complete(trial, result)

    def on_trial_error(self, trial: Trial):
        self.journal.append("error", trial_id=trial.trial_id)
        self.inner.on_trial_error(trial)

    def on_trial_remove(self, trial: Trial):
        self.journal.append("remove", trial_id=trial.trial_id)
        self.inner.on_trial_remove(trial)
