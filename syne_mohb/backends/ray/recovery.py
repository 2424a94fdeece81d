"""Durable runs on Ray: what a resumed driver re-attaches to, restarts, or cannot recover.

``DurableTuner`` finds this through :meth:`RayBackend.durable_recovery`. :meth:`prepare`
makes the backend's actors *detached* (they outlive the driver, Ray's default fate-sharing
would kill them with it), with the orphan watchdog of ``orphan_timeout_s``.

On resume, for each trial of the journal (:meth:`RayRecovery.recover`):

* its attempts are read back from ``<trial>/attempts.jsonl`` and its results from
  ``<trial>/std.out`` (every line the earlier drivers received; lines after the journaled
  count are delivered to the scheduler on the first poll);
* the cost ledger gets each attempt's segment (process start on the node to its end; an
  attempt whose end was not recorded is billed to its last result);
* a trial in flight whose actor is still alive (looked up by name, including an actor
  created just before the crash and not yet recorded) is **re-attached**: reading continues
  after the lines already in its ``std.out`` / ``std.err`` (counted from the attempt's
  marker line), so lines the script printed while no driver ran are delivered, once;
* a trial in flight whose actor is gone (its node died, the orphan timeout passed, the
  cluster was restarted, ``address=None`` started a local cluster that died with the driver)
  is **restarted** as a new attempt reading its checkpoint folder; lines its lost actor had
  not handed over are lost;
* actors of trials that had ended for the scheduler (stopped, paused, completed, failed) are
  killed; a trial the cost cap had ended is not restarted.

The journaled trials (ids, configs, statuses, results already delivered, cost caps) are
registered with Syne Tune's bookkeeping before, by ``BackendRecovery.restore_trials``. The
work on the backend is done by its recovery methods (:mod:`syne_mohb.backends.ray.reattach`:
``restore_trial``, ``reattach_trial``, ``restart_trial``, ``end_trial``); this module decides
which applies to each trial and journals it.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from syne_tune.backend.trial_status import Status

from syne_mohb.durable.protocol import BackendRecovery

if TYPE_CHECKING:  # pragma: no cover
    from syne_mohb.backends.ray.backend import RayBackend

logger = logging.getLogger(__name__)

__all__ = ["RayRecovery"]


class RayRecovery(BackendRecovery):
    """Recovery of :class:`~syne_mohb.backends.ray.RayBackend` trials (see the module doc):
    decides, per journaled trial, what the backend's recovery methods
    (:class:`~syne_mohb.backends.ray.reattach.Reattach`) do, and journals it."""

    def prepare(self, backend: RayBackend) -> None:
        backend.detached = True

    def resume_problem(self, backend: RayBackend) -> str | None:
        """The run's cluster does not answer (checked by connecting, before a resume writes
        anything): say how to give the address of a running one."""
        from syne_mohb.backends.ray.cluster import RayClusterUnreachableError

        try:
            backend.connect()
        except RayClusterUnreachableError as e:
            return (f"{e}. To resume on a cluster started again (at another address, say): "
                    f"syne-mohb resume RUN_DIR --address HOST:PORT, or syne_mohb.durable."
                    f"resume(run_dir, address='HOST:PORT'); nothing was started")
        return None

    def launch_info(self, backend: RayBackend, trial_id: int) -> dict[str, Any]:
        atts = backend.attempts(trial_id)
        return {} if not atts else {"actor": atts[-1]["actor_name"],
                                    "node_type": atts[-1]["node_type"]}

    def recover(self, tuner, replay, journal) -> list[int]:
        backend: RayBackend = tuner.trial_backend
        backend.connect()
        note = getattr(tuner, "note_relaunch", None)
        running: list[int] = []
        for tid, tr in replay.trials.items():
            in_flight = tr.status == Status.in_progress
            capped = backend.is_cost_capped(tid)
            end_as = tr.status if not in_flight else ("cost capped" if capped else None)
            found = backend.restore_trial(tid, tr.config, created=tr.created, end_as=end_as)
            if found.killed_actor is not None:
                journal.append("actor_killed", trial_id=tid, actor=found.killed_actor,
                               why=f"trial is {found.end}")
            if not in_flight:
                backend.end_trial(tid, tr.status)
                continue
            running.append(tid)
            if capped:
                # ended by its cost cap just before the crash: the first poll delivers its
                # results up to the cap and reports it completed
                backend.end_trial(tid, Status.completed)
                journal.append("cost_capped_kept_ended", trial_id=tid)
                continue
            if found.running:
                info = backend.reattach_trial(tid)
                journal.append("reattached", trial_id=tid, **info)
                logger.info("trial %d: re-attached to actor %s", tid, info["actor"])
                continue
            if found.end in (Status.completed, Status.failed):
                # it ended while the driver was going down; the scheduler learns it now
                backend.end_trial(tid, found.end)
                continue
            backend.restart_trial(tid, tr.config)
            entry = journal.append("relaunched", trial_id=tid, after=found.last_actor,
                                   **self.launch_info(backend, tid))
            if note is not None and isinstance(entry, dict):
                note(tid, entry["t"])
            logger.info("trial %d: actor gone, restarted from its checkpoint", tid)
        return running
