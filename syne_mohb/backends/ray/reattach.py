"""What a resumed driver asks of the Ray backend, one journaled trial at a time
(:class:`~syne_mohb.backends.ray.recovery.RayRecovery` decides which, and journals it):

* :meth:`Reattach.restore_trial`: read the trial's attempts and results back, end its last
  attempt if it does not go on (its actor is gone, or the trial had ended for the scheduler:
  its actor is killed), rebuild its cost segments;
* then one of :meth:`Reattach.reattach_trial` (read on from the live actor),
  :meth:`Reattach.restart_trial` (a new attempt from the checkpoint) or
  :meth:`Reattach.end_trial` (the first poll reports it ended).

The trial itself (id, config, status, results already delivered) is registered with Syne
Tune's bookkeeping before, by ``BackendRecovery.restore_trials``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from syne_tune.backend.trial_status import Status
from syne_tune.report import retrieve

from syne_mohb.backends.ray.attempts import Attempt, lines_after_marker, read_attempts

__all__ = ["Reattach", "RestoredTrial"]


@dataclass(frozen=True)
class RestoredTrial:
    """What :meth:`Reattach.restore_trial` found of one trial."""

    running: bool
    """Its last attempt goes on: not ended, and its actor is alive (re-attachable)."""
    last_actor: str | None
    """Actor name of its last attempt (None: it has none)."""
    end: str | None
    """How its last attempt ended (None: running, or no attempt)."""
    killed_actor: str | None = None
    """Actor that :meth:`Reattach.restore_trial` killed because the trial does not go on."""


class Reattach:
    """Mixin of :class:`~syne_mohb.backends.ray.RayBackend`: restoring journaled trials on
    resume. Uses the backend's attempts, actors, results, statuses and cost ledger."""

    def restore_trial(self, trial_id: int, config: Mapping[str, Any], created: float,
                      end_as: str | None = None) -> RestoredTrial:
        """Read back the attempts of ``trial_id`` (``attempts.jsonl``, plus the actors created
        just before a crash and not yet recorded, found by name) and its results (``std.out``).

        Its last attempt, if it has not ended, ends now as ``end_as`` (its actor is killed),
        or, with ``end_as=None``, as ``lost`` if its actor is gone; an attempt ended here is
        billed up to its last result. Rebuilds the trial's cost segments. ``created`` (seconds
        since the epoch) is the scheduling time given to unrecorded attempts.
        """
        self.connect()
        path = self.trial_path(trial_id)
        path.mkdir(parents=True, exist_ok=True)
        atts = read_attempts(path)
        # an actor created just before the crash, before its attempt was recorded
        while (h := self._lookup_actor(self.actor_name(trial_id, len(atts)))) is not None:
            att = Attempt(index=len(atts), actor_name=self.actor_name(trial_id, len(atts)),
                          node_type=self.node_type_of(config)[0], scheduled_at=created)
            att.handle = h
            atts.append(att)
        self._attempts[trial_id] = atts
        self._metrics[trial_id] = retrieve(self.stdout(trial_id))
        cur = atts[-1] if atts else None
        live = None
        if cur is not None and not cur.ended:
            live = cur.handle or self._lookup_actor(cur.actor_name)
        killed = None
        if cur is not None and not cur.ended and (live is None or end_as is not None):
            # this attempt ends now; it is billed up to its last result
            cur.ended = True
            cur.end = end_as or "lost"
            cur.reason = None if live is not None else "actor gone when the run was resumed"
            if live is not None:
                cur.handle = live
                self._kill_actor(cur)
                killed, live = cur.actor_name, None
            self._write_attempt(trial_id, cur, "ended")
        elif live is not None:
            cur.handle = live
        self._restore_cost(trial_id, dict(config))
        return RestoredTrial(running=live is not None,
                             last_actor=cur.actor_name if cur is not None else None,
                             end=cur.end if cur is not None else None, killed_actor=killed)

    def reattach_trial(self, trial_id: int) -> dict[str, Any]:
        """Read on from the live actor of the last attempt of ``trial_id`` (restored by
        :meth:`restore_trial` as running), after the lines already in its ``std.out`` /
        ``std.err`` (counted from the attempt's marker line): lines the script printed while
        no driver ran are delivered, once. Returns the facts a journal records: ``actor``,
        ``node_id``, ``lines_already_read``."""
        cur = self._current(trial_id)
        if cur is None or cur.ended or cur.handle is None:
            raise ValueError(f"trial_id {trial_id}: no running attempt with a live actor to "
                             f"re-attach to (call restore_trial first)")
        cur.out_count = lines_after_marker(self.stdout(trial_id), trial_id, cur.index)
        cur.err_count = lines_after_marker(self.stderr(trial_id), trial_id, cur.index)
        self._status[trial_id] = Status.in_progress
        return {"actor": cur.actor_name, "node_id": cur.node_id,
                "lines_already_read": cur.out_count}

    def restart_trial(self, trial_id: int, config: dict[str, Any]) -> None:
        """Start a new attempt of ``trial_id`` (a new actor reading its checkpoint folder),
        with cost accounting and the cost cap as for any start."""
        self._status[trial_id] = Status.in_progress
        self._schedule(trial_id, config)

    def end_trial(self, trial_id: int, status: str) -> None:
        """Hold ``trial_id`` as ended with ``status`` (the first poll reports it so, with its
        results); its attempts are not touched."""
        if status == Status.in_progress:
            raise ValueError(f"status must be an end status, got {status!r}")
        self._status[trial_id] = status
