"""The ``TrialBackend`` surface of the Ray backend: Syne Tune's hooks, each delegating to the
mixin that does the work (:mod:`~syne_mohb.backends.ray.actors` creates and ends attempts,
:mod:`~syne_mohb.backends.ray.poller` collects results), and the busy trials.

It is the last base of :class:`~syne_mohb.backends.ray.RayBackend`, after
``CostAccountingMixin``, which wraps its ``_schedule``, ``_pause_trial``, ``_stop_trial`` and
``_all_trial_results`` (cost segments, ``st_worker_time`` / ``st_worker_cost``, the cost cap).
"""
from __future__ import annotations

from typing import Any

from syne_tune.backend.trial_backend import TrialBackend
from syne_tune.backend.trial_status import Status, TrialResult

__all__ = ["RayTrials"]


class RayTrials(TrialBackend):
    """The ``TrialBackend`` hooks the cost mixin wraps, and ``busy_trial_ids``."""

    def _schedule(self, trial_id: int, config: dict[str, Any]):
        self._launch(trial_id, config)

    def _all_trial_results(self, trial_ids: list[int]) -> list[TrialResult]:
        return self._collect(trial_ids)

    def _pause_trial(self, trial_id: int, result: dict | None):
        self._end_attempt(trial_id, Status.paused)

    def _stop_trial(self, trial_id: int, result: dict | None):
        self._end_attempt(trial_id, Status.stopped)

    def _resume_trial(self, trial_id: int):
        pass  # the next _schedule creates a new attempt reading the trial's checkpoint

    def busy_trial_ids(self) -> list[tuple[int, str]]:
        return [(tid, Status.in_progress) for tid, st in self._status.items()
                if st == Status.in_progress]
