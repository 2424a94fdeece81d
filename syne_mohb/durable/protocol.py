"""What a trial backend provides so that a :class:`~syne_mohb.durable.DurableTuner` run survives
the death of its driver.

A backend opts in with one method, ``durable_recovery() -> BackendRecovery``. The durable tuner
calls the returned object's methods and never tests the backend's type:

* :meth:`BackendRecovery.prepare` once, when the tuner is constructed (e.g. detach Ray actors);
* :meth:`BackendRecovery.launch_info` after every trial start; what it returns (a pid, a job
  name) is journaled with the launch and handed back on resume;
* :meth:`BackendRecovery.trial_states` after every launch and every loop iteration: each
  trial's state that changed (e.g. its cost-ledger segments) is journaled (``trial_state``)
  and handed back on resume as ``replay.trials[trial_id].backend_state``;
* :meth:`BackendRecovery.restore_trials` on restore, once the journal was replayed: register
  the journaled trials with the backend (Syne Tune's trial bookkeeping, cost caps);
* :meth:`BackendRecovery.recover` on resume, after the journal has rebuilt the scheduler: bring
  the backend to the journaled state (re-attach, restart or end each trial in flight) and
  return the ids of the trials still in flight;
* ``reexecute = True`` instead says that the backend is deterministic (a simulation): the run is
  recovered by executing it again from its construction and random states, checked against
  the journal, and neither ``restore_trials`` nor ``recover`` is called.

Backends we cannot add a method to (Syne Tune's own ``LocalBackend``) get theirs from
:func:`syne_mohb.durable.recovery.recovery_for`.

Syne Tune private members used (by :meth:`BackendRecovery.restore_trials`, for every backend):
``TrialBackend._trial_dict`` and ``TrialBackend._last_metric_seen_index``. Syne Tune 0.16's
``TrialBackend`` has no public way to hold a trial that exists already (``start_trial``
launches one): the journaled trials, their configs, statuses and the number of results
already delivered (journaled, or dropped by the loop after a STOP or PAUSE in the same poll:
``JournaledTrial.read_position``) are written there directly.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import TYPE_CHECKING, Any, Mapping

from syne_tune.backend.trial_status import TrialResult

if TYPE_CHECKING:  # pragma: no cover
    from syne_mohb.durable.replay import JournaledTrial

logger = logging.getLogger(__name__)

__all__ = ["BackendRecovery", "NO_METRICS_REASON", "missing_path_problem"]

#: Why a trial whose training script exited without an error and without reporting any metric
#: failed (Syne Tune's ``Tuner`` would end the whole run on it: "trial N completed and no
#: metrics got observed"); the backends and ``DurableTuner`` say it in these words.
NO_METRICS_REASON = (
    "the training script ended without an error and without reporting any metric: check that "
    "it reports every epoch with syne_tune.Reporter (and does not return early for some "
    "configurations)")


def missing_path_problem(what: str, path: str, is_there=os.path.isfile) -> str | None:
    """The :meth:`BackendRecovery.resume_problem` of a run whose ``what`` (e.g. "training
    script") at ``path`` is gone, or None if ``is_there(path)``."""
    if is_there(path):
        return None
    if os.path.isabs(path):
        return (f"the run's {what} {path} is not there: put it back at that path and resume "
                f"again; nothing was started")
    return (f"the run's {what} {path} (relative to {os.getcwd()}) is not there: put it back at "
            f"that path (or resume from the folder the run was started in) and resume again; "
            f"nothing was started")


class BackendRecovery:
    """Base class of the per-backend recovery strategies (see the module docstring)."""

    reexecute: bool = False

    def prepare(self, backend) -> None:
        """Called once when the ``DurableTuner`` is constructed."""

    def resume_problem(self, backend) -> str | None:
        """Why the run cannot be resumed as it is (e.g. its training script is gone), checked
        before a resume writes or starts anything; None (default) when nothing is known."""
        return None

    def launch_info(self, backend, trial_id: int) -> dict[str, Any]:
        """JSON-serialisable facts about the launch of ``trial_id`` that recovery needs."""
        return {}

    def trial_states(self, backend) -> Mapping[int, Any]:
        """JSON-serialisable state of each trial that a resume must give back to the backend
        (default: none). Compared with the last journaled state of the trial; journaled when
        it differs."""
        return {}

    def registered_status(self, trial: JournaledTrial) -> str:
        """Status under which :meth:`restore_trials` registers ``trial`` (default: its
        journaled status)."""
        return trial.status

    def restore_trials(self, backend, trials: Mapping[int, JournaledTrial]) -> None:
        """Register the journaled ``trials`` with ``backend``: trial ids, configs, statuses
        (:meth:`registered_status`), the read position of each (``read_position``: the results
        already delivered, also those the loop dropped after a PAUSE, which a trial resumed
        later must not deliver again), and the trials its cost cap had ended
        (``restore_cost_cap``, if the backend has a cost cap)."""
        backend.trial_ids = list(range(len(trials)))
        for tid, tr in trials.items():
            backend._trial_dict[tid] = TrialResult(
                trial_id=tid, config=tr.config, creation_time=datetime.fromtimestamp(tr.created),
                status=self.registered_status(tr), metrics=[])
            backend._last_metric_seen_index[tid] = tr.read_position
        capped = {tid: tr.cost_cap for tid, tr in trials.items() if tr.cost_cap is not None}
        restore_cap = getattr(backend, "restore_cost_cap", None)
        if capped and restore_cap is None:
            logger.warning("the journal lists cost-capped trials %s, but %s has no cost cap",
                           sorted(capped), type(backend).__name__)
            return
        for tid, (keep, cost) in capped.items():
            restore_cap(tid, keep, cost)

    def recover(self, tuner, replay, journal) -> list[int]:
        """Restore the backend's trials on resume; returns the trial ids still in flight."""
        raise NotImplementedError(f"{type(self).__name__} does not implement recover()")
