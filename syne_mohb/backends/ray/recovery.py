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
"""
from __future__ import annotations

import json
import logging
from typing import Any

from syne_tune.backend.trial_status import Status
from syne_tune.report import retrieve

from syne_mohb.backends.ray.backend import ATTEMPTS_FILENAME, MARKER, RayBackend, _Attempt
from syne_mohb.durable.protocol import BackendRecovery

logger = logging.getLogger(__name__)

__all__ = ["RayRecovery"]


def _read_attempts(backend: RayBackend, trial_id: int) -> list[_Attempt]:
    """Last recorded state of each attempt of ``trial_id`` (``attempts.jsonl``)."""
    by_index: dict[int, dict[str, Any]] = {}
    try:
        with open(backend.trial_path(trial_id) / ATTEMPTS_FILENAME) as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line torn by the crash
                by_index[int(rec["index"])] = rec
    except FileNotFoundError:
        return []
    fields = set(_Attempt.__dataclass_fields__) - {"handle", "ref"}
    return [_Attempt(**{k: v for k, v in by_index[i].items() if k in fields})
            for i in sorted(by_index)]


def _lines_after_marker(lines: list[str], trial_id: int, index: int) -> int:
    """Lines after the marker the driver wrote when it created attempt ``index``."""
    tag = f"{MARKER} trial {trial_id} attempt {index}:"
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith(tag):
            return len(lines) - i - 1
    return 0


class RayRecovery(BackendRecovery):
    """Recovery of :class:`~syne_mohb.backends.ray.RayBackend` trials (see the module doc)."""

    def prepare(self, backend: RayBackend) -> None:
        backend.detached = True

    def launch_info(self, backend: RayBackend, trial_id: int) -> dict[str, Any]:
        att = backend._current(trial_id)
        return {} if att is None else {"actor": att.actor_name, "node_type": att.node_type}

    def recover(self, tuner, replay, journal) -> list[int]:
        backend: RayBackend = tuner.trial_backend
        backend.connect()
        note = getattr(tuner, "note_relaunch", None)
        running: list[int] = []
        for tid, tr in replay.trials.items():
            path = backend.trial_path(tid)
            path.mkdir(parents=True, exist_ok=True)
            atts = _read_attempts(backend, tid)
            # an actor created just before the crash, before its attempt was recorded
            while (h := backend._lookup_actor(_Attempt(
                    index=len(atts), actor_name=backend.actor_name(tid, len(atts)),
                    node_type="", scheduled_at=0.0))) is not None:
                nt_name = backend.node_type_of(tr.config)[0]
                att = _Attempt(index=len(atts), actor_name=backend.actor_name(tid, len(atts)),
                               node_type=nt_name, scheduled_at=tr.created)
                att.handle = h
                atts.append(att)
            backend._attempts[tid] = atts
            backend._metrics[tid] = retrieve(backend.stdout(tid))
            cur = atts[-1] if atts else None
            live = None
            if cur is not None and not cur.ended:
                live = cur.handle or backend._lookup_actor(cur)
            in_flight = tr.status == Status.in_progress
            capped = backend.is_cost_capped(tid)
            if cur is not None and not cur.ended and (live is None or not in_flight or capped):
                # this attempt ends now; it is billed up to its last result
                cur.ended = True
                cur.end = tr.status if not in_flight else ("cost capped" if capped else "lost")
                cur.reason = None if live is not None else "actor gone when the run was resumed"
                if live is not None:
                    cur.handle = live
                    backend._kill_actor(cur)
                    journal.append("actor_killed", trial_id=tid, actor=cur.actor_name,
                                   why=f"trial is {cur.end}")
                backend._write_attempt(tid, cur, "ended")
            self._restore_ledger(backend, tid, tr, atts)
            if not in_flight:
                backend._status[tid] = tr.status
                continue
            backend._trial_dict[tid].status = Status.in_progress
            running.append(tid)
            if capped:
                # ended by its cost cap just before the crash: the first poll delivers its
                # results up to the cap and reports it completed
                backend._status[tid] = Status.completed
                journal.append("cost_capped_kept_ended", trial_id=tid)
                continue
            if live is not None:
                cur.handle = live
                cur.out_count = _lines_after_marker(backend.stdout(tid), tid, cur.index)
                cur.err_count = _lines_after_marker(backend.stderr(tid), tid, cur.index)
                backend._status[tid] = Status.in_progress
                journal.append("reattached", trial_id=tid, actor=cur.actor_name,
                               node_id=cur.node_id, lines_already_read=cur.out_count)
                logger.info("trial %d: re-attached to actor %s", tid, cur.actor_name)
                continue
            if cur is not None and cur.end in (Status.completed, Status.failed):
                # it ended while the driver was going down; the scheduler learns it now
                backend._status[tid] = cur.end
                continue
            backend._status[tid] = Status.in_progress
            backend._schedule(tid, tr.config)
            entry = journal.append("relaunched", trial_id=tid,
                                   after=cur.actor_name if cur else None,
                                   **self.launch_info(backend, tid))
            if note is not None and isinstance(entry, dict):
                note(tid, entry["t"])
            logger.info("trial %d: actor gone, restarted from its checkpoint", tid)
        return running

    @staticmethod
    def _restore_ledger(backend: RayBackend, tid: int, tr, atts: list[_Attempt]) -> None:
        ledger = backend.cost_ledger
        if tid in ledger or not atts:
            return
        try:
            price = backend.price_per_hour_of(tr.config)
        except ValueError as e:  # cost is best effort, results are not
            logger.warning("trial %d: cost of earlier sessions unknown (%s)", tid, e)
            return
        stamps = [m.get("st_worker_timestamp") for m in backend._metrics.get(tid, [])]
        stamps = [s for s in stamps if isinstance(s, (int, float))]
        for i, att in enumerate(atts):
            if att.started_at is None:
                if not att.ended:
                    ledger.start(tid, price, 1, at=att.scheduled_at)
                    ledger.hold(tid)
                continue
            ledger.start(tid, price, 1, at=att.started_at)
            if att.ended:
                end = att.ended_at
                if end is None:
                    nxt = atts[i + 1].scheduled_at if i + 1 < len(atts) else float("inf")
                    inside = [s for s in stamps if att.started_at <= s < nxt]
                    end = max(inside) if inside else att.started_at
                ledger.end(tid, at=end)
