"""Rebuilding a durable run from its journal: replay on a fresh scheduler, or re-execution.

* :class:`Replay` (every backend but the simulations): the journaled scheduler calls are made
  again, in order, on the scheduler constructed afresh from the run's pickle, and each
  suggestion and decision it returns is checked against the journaled one
  (:class:`ReplayMismatchError`). What the journal says about each trial (config, status,
  results, launches, cost cap, backend state) is collected in a :class:`JournaledTrial`; the
  tuner (tuning status, result rows, stop-criterion counters) and the backend's bookkeeping
  are rebuilt from them, and :meth:`Replay.apply` hands the trials in flight to the backend's
  recovery.
* :class:`Reexecute` (deterministic backends, ``BackendRecovery.reexecute``): the run starts
  over from its construction and random states; :class:`_VerifyingJournal` checks each
  re-executed scheduler call against the journal and writes only past its end.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from syne_tune.backend.trial_status import Status, Trial
from syne_tune.constants import ST_DECISION, ST_STATUS, ST_TRIAL_ID
from syne_tune.optimizer.scheduler import SchedulerDecision
from syne_tune.results_callback import StoreResultsCallback
from syne_tune.tuning_status import TuningStatus

from syne_mohb.durable.journal import Journal
from syne_mohb.durable.scheduler_proxy import same_config, suggestion_to_json
from syne_mohb.hardware.feedback import policy_of

if TYPE_CHECKING:  # pragma: no cover
    from syne_mohb.durable.protocol import BackendRecovery
    from syne_mohb.durable.tuner import DurableTuner

logger = logging.getLogger(__name__)

__all__ = ["JournaledTrial", "Reexecute", "Replay", "ReplayMismatchError", "SCHEDULER_EVENTS"]

SCHEDULER_EVENTS = ("suggest", "add", "result", "decision", "complete", "error", "remove")
"""Journal events that record a call of the scheduler (what re-execution checks)."""
_TRIAL_EVENTS = frozenset({"resume_trial", "launched", "relaunched", "cost_capped", "trial_state",
                           "add", "remove", "complete", "error", "failed", "fetched"})


class ReplayMismatchError(RuntimeError):
    """The rebuilt scheduler did not repeat a journaled suggestion or decision."""


class JournaledTrial:
    """What the journal says about one trial (what a backend's recovery reads).

    ``status`` is the trial's status for the tuner at the crash, ``results`` the results the
    backend delivered and the tuner recorded (the scheduler received those with a decision;
    ``kept_result`` entries have none), ``launches`` the journaled ``launched`` /
    ``relaunched`` entries, ``cost_cap`` ``(results kept, dollars)`` if the backend's cost cap ended
    it, and ``backend_state`` the last state of it the backend's recovery asked to journal
    (:meth:`~syne_mohb.durable.protocol.BackendRecovery.trial_states`), or None.
    ``dropped`` counts the results the backend delivered that the loop dropped (they came
    after a STOP or PAUSE decided on an earlier result of the same poll, ``fetched`` entries)
    and that no ``kept_result`` entry holds: :attr:`read_position` passes them.
    """

    def __init__(self, trial_id: int, config: dict, created: float):
        self.trial_id = trial_id
        self.config = config
        self.created = created
        self.status = Status.in_progress
        self.results: list[dict] = []
        self.result_status: list[str | None] = []
        self.decisions: list[str | None] = []
        self.launches: list[dict] = []
        self.added = False
        self.failure_reason: str | None = None
        self.failure_kind: str | None = None  # "capacity" (HardwareFeedback), else None
        self.late: float | None = None  # seconds after which the policy called it late
        self.cost_cap: tuple[int, float] | None = None
        self.backend_state: Any = None
        self.dropped = 0
        self.poll_left = 0  # results of the last ``fetched`` poll not journaled yet

    @property
    def read_position(self) -> int:
        """Number of the trial's results the backend had delivered to the tuner (Syne Tune's
        read position, ``TrialBackend._last_metric_seen_index``): those journaled and those
        the loop dropped; a resume delivers the results after it."""
        return len(self.results) + self.dropped

    def count_result(self, decision: str | None) -> None:
        """A journaled result of the trial, given to the scheduler with ``decision`` (None: a
        ``kept_result``, one of the dropped results)."""
        if decision is None:
            self.dropped = max(0, self.dropped - 1)
            return
        self.poll_left = max(0, self.poll_left - 1)
        if decision in (SchedulerDecision.STOP, SchedulerDecision.PAUSE):
            # the loop drops the rest of this poll's results of the trial
            self.dropped += self.poll_left
            self.poll_left = 0

    def trial(self) -> Trial:
        return Trial(trial_id=self.trial_id, config=self.config,
                     creation_time=datetime.fromtimestamp(self.created))


def sessions_elapsed(entries: list[dict]) -> tuple[int, float]:
    """(number of sessions, driver seconds summed over them: last entry - session start)."""
    n, total, start, last = 0, 0.0, None, None
    for e in entries:
        if e["e"] == "session":
            if start is not None:
                total += last - start
            n += 1
            start = last = e["t"]
        elif start is not None:
            last = e["t"]
    if start is not None:
        total += last - start
    return n, total


def same_suggestion(a: dict | None, b: dict | None) -> bool:
    """Whether two journaled suggestions (``suggestion_to_json``) are the same."""
    if a is None or b is None:
        return a is None and b is None
    if a["kind"] != b["kind"]:
        return False
    if a["kind"] == "resume":
        return a["trial_id"] == b["trial_id"] and same_config(a.get("config"), b.get("config"))
    return same_config(a["config"], b["config"]) and \
        a.get("checkpoint_trial_id") == b.get("checkpoint_trial_id")


class Replay:
    """State rebuilt from a journal by replaying it on a fresh scheduler (``tuner.scheduler``)."""

    def __init__(self, tuner: DurableTuner, entries: list[dict], strict: bool = True):
        self.tuner = tuner
        self.strict = strict
        self.trials: dict[int, JournaledTrial] = {}
        self.pending_decisions: list[tuple[int, str]] = []
        self.mismatches: list[str] = []
        self.ended = False
        self.row_order: list[tuple[int, int]] = []  # (trial, result index) in journal order
        self.relaunch_times: dict[int, list[float]] = {}
        expected_decision: dict[int, str] = {}
        for e in entries:
            kind = e["e"]
            if kind in ("end", "interrupted", "session"):
                self.ended = kind == "end"
            elif kind == "suggest":
                got = suggestion_to_json(tuner.scheduler.suggest())
                if not same_suggestion(got, e["out"]):
                    self._mismatch(f"entry {e['seq']}: replayed suggestion {got} != journaled "
                                   f"{e['out']}")
            elif kind == "start":
                tid = e["trial_id"]
                if tid != len(self.trials):
                    raise ValueError(f"journal entry {e['seq']}: trial id {tid} out of order "
                                     f"({len(self.trials)} trials started before)")
                self.trials[tid] = JournaledTrial(tid, e["config"], e["t"])
            elif kind == "decision":
                tid = e["trial_id"]
                got = expected_decision.pop(tid, None)
                if got != e["decision"]:
                    self._mismatch(f"entry {e['seq']}: replayed decision {got} for trial {tid} "
                                   f"!= journaled {e['decision']}")
            elif kind == "result":
                tr = self.trials[e["trial_id"]]
                decision = tuner.scheduler.on_trial_result(tr.trial(), e["result"])
                tr.results.append(e["result"])
                tr.result_status.append(e.get("status"))
                tr.decisions.append(decision)
                self.row_order.append((tr.trial_id, len(tr.results) - 1))
                expected_decision[tr.trial_id] = decision
                tr.count_result(decision)
                self._apply_decision(tr, decision)
            elif kind == "kept_result":  # delivered by the backend, not given the scheduler
                tr = self.trials[e["trial_id"]]
                tr.results.append(e["result"])
                tr.result_status.append(e.get("status"))
                tr.decisions.append(None)
                tr.count_result(None)
                self.row_order.append((tr.trial_id, len(tr.results) - 1))
            elif kind == "warm_pools":  # the backend's idle pools, as the policy was told
                policy = policy_of(tuner.scheduler)
                if callable(getattr(policy, "note_warm_pools", None)):
                    policy.note_warm_pools(e["idle"])
            elif kind in _TRIAL_EVENTS:
                self._trial_event(kind, e, self.trials[e["trial_id"]])
            elif kind == "done":  # written by earlier versions; derived from the calls now
                for tid, st in e["statuses"].items():
                    self.trials[int(tid)].status = st
        # decisions computed but never journaled (crash inside on_trial_result)
        self.pending_decisions = sorted(expected_decision.items())
        self.sessions, self.elapsed = sessions_elapsed(entries)

    def _trial_event(self, kind: str, e: dict, tr: JournaledTrial) -> None:
        """The journal entries about one trial other than its start and its results."""
        scheduler = self.tuner.scheduler
        if kind == "resume_trial":
            if e.get("config") is not None:
                tr.config = e["config"]
            tr.status = Status.in_progress
        elif kind in ("launched", "relaunched"):
            tr.launches.append(e)
            if kind == "relaunched":
                self.relaunch_times.setdefault(tr.trial_id, []).append(e["t"])
        elif kind == "cost_capped":
            tr.cost_cap = (int(e["keep"]), float(e["cost"]))
        elif kind == "trial_state":
            tr.backend_state = e["state"]
        elif kind == "add":
            tr.added = True
            scheduler.on_trial_add(tr.trial())
        elif kind == "remove":
            scheduler.on_trial_remove(tr.trial())
        elif kind == "complete":
            scheduler.on_trial_complete(tr.trial(), tr.results[-1])
            tr.status = Status.completed
        elif kind == "error":
            if tr.failure_kind is not None:  # as HardwareFeedback told it in the recorded run
                policy = policy_of(scheduler)
                if policy is not None:
                    policy.note_failure(tr.trial_id, tr.failure_kind)
            if tr.late is not None:  # stopped as late by HardwareFeedback in the recorded run
                mark = getattr(policy_of(scheduler), "mark_late", None)
                if callable(mark):
                    mark(tr.trial_id, tr.late)
            scheduler.on_trial_error(tr.trial())
            if tr.status not in (Status.stopped, Status.failed):
                tr.status = Status.failed
        elif kind == "failed":
            tr.failure_reason = e.get("reason")
            tr.failure_kind = e.get("kind")
            tr.late = e.get("late")
            tr.status = e.get("status", Status.failed)
        elif kind == "fetched":  # the next ``results`` results of the trial came in one poll
            tr.poll_left = int(e["results"])

    def _mismatch(self, msg: str):
        self.mismatches.append(msg)
        if self.strict:
            raise ReplayMismatchError(
                msg + " -- the scheduler is not deterministic given its construction and the "
                      "journaled calls; resume(..., strict=False) continues anyway")
        logger.warning(msg)

    def _apply_decision(self, tr: JournaledTrial, decision: str):
        # as Syne Tune's Tuner: STOP ends a trial as stopped (completed if it had completed)
        if decision == SchedulerDecision.STOP:
            st = tr.result_status[-1]
            tr.status = Status.completed if st == Status.completed else Status.stopped
            self.tuner.trials_scheduler_stopped.add(tr.trial_id)
        elif decision == SchedulerDecision.PAUSE:
            tr.status = Status.paused

    @property
    def in_flight(self) -> list[int]:
        return [tid for tid, tr in self.trials.items() if tr.status == Status.in_progress]

    def result_rows(self) -> list[dict]:
        """Rows of ``results.csv.zip`` as ``StoreResultsCallback`` wrote them, journal order."""
        rows = []
        for tid, i in self.row_order:
            tr = self.trials[tid]
            row = dict(tr.results[i])
            row[ST_DECISION] = tr.decisions[i]
            row[ST_STATUS] = tr.result_status[i]
            row[ST_TRIAL_ID] = tid
            for key, value in tr.config.items():
                row[f"config_{key}"] = value
            rows.append(row)
        return rows

    def rebuild_tuner(self, recovery: BackendRecovery) -> None:
        """Backend bookkeeping, tuning status, result rows, stop-criterion counters."""
        tuner = self.tuner
        recovery.restore_trials(tuner.trial_backend, self.trials)
        status = TuningStatus(metric_names=tuner.scheduler.metric_names())
        for tid, tr in self.trials.items():
            seen = [r for r, d in zip(tr.results, tr.decisions) if d is not None]
            if seen:  # the last result the scheduler saw (as Syne Tune's loop records it)
                tuner.last_seen_result_per_trial[tid] = seen[-1]
            status.update({tid: (tr.trial(), tr.status)}, [(tid, r) for r in tr.results])
        rows = self.result_rows()
        for cb in tuner.callbacks:
            if isinstance(cb, StoreResultsCallback):
                cb.results = [dict(r) for r in rows]
        tuner.continue_from_journal(
            tuning_status=status, elapsed=self.elapsed, sessions=self.sessions,
            failure_reasons={t: tr.failure_reason for t, tr in self.trials.items()
                             if tr.failure_reason},
            relaunch_times=self.relaunch_times,
            cost_capped={t for t, tr in self.trials.items() if tr.cost_cap is not None},
            trial_states={t: tr.backend_state for t, tr in self.trials.items()
                          if tr.backend_state is not None})

    def apply(self, tuner: DurableTuner, journal: Journal):
        """Run once the journal is open: finish interrupted steps, recover trials in flight."""
        sched = tuner.scheduler  # the journaling proxy now
        for tid, decision in self.pending_decisions:
            tr = self.trials[tid]
            journal.append("decision", trial_id=tid, decision=decision, recovered=True)
            if decision in (SchedulerDecision.STOP, SchedulerDecision.PAUSE):
                sched.on_trial_remove(tr.trial())
        for tid, tr in self.trials.items():
            if not tr.added and tr.status == Status.in_progress:
                sched.on_trial_add(tr.trial())
        running = tuner.recovery.recover(tuner, self, journal)
        tuner.hand_over_recovered(running, started={
            tid: self.trials[tid].created for tid in running
            if tid in self.trials and not self.trials[tid].results})


class Reexecute:
    """Deterministic re-execution (simulated backends): the run starts over from its
    construction and random states, each scheduler call is checked against the journal, and
    journaling resumes where the journal ends."""

    def __init__(self, entries: list[dict], strict: bool = True):
        self.expected = [e for e in entries if e["e"] in SCHEDULER_EVENTS]
        self.strict = strict
        self.sessions, _ = sessions_elapsed(entries)
        self.ended = bool(entries) and any(e["e"] == "end" for e in entries[-3:])

    def apply(self, tuner: DurableTuner, journal: Journal):
        tuner.use_journal(_VerifyingJournal(journal, self.expected, self.strict))


class _VerifyingJournal:
    """Checks re-executed scheduler calls against the journal; writes only past its end."""

    def __init__(self, journal: Journal, expected: list[dict], strict: bool):
        self.journal = journal
        self.expected = expected
        self.cursor = 0
        self.strict = strict

    @property
    def last_write(self) -> float:
        return self.journal.last_write

    def append(self, event: str, **payload: Any):
        if self.cursor >= len(self.expected):
            return self.journal.append(event, **payload)
        if event not in SCHEDULER_EVENTS:
            return None  # already journaled by the interrupted session
        exp = self.expected[self.cursor]
        self.cursor += 1
        ok = exp["e"] == event and exp.get("trial_id") == payload.get("trial_id")
        if ok and event == "decision":
            ok = exp["decision"] == payload["decision"]
        if ok and event == "suggest":
            ok = same_suggestion(payload["out"], exp["out"])
        if not ok:
            msg = (f"re-execution diverged from the journal at entry {exp['seq']}: journaled "
                   f"{exp['e']} {exp.get('trial_id')}, re-executed {event} {payload}")
            if self.strict:
                raise ReplayMismatchError(msg)
            logger.warning(msg)
            self.cursor = len(self.expected)
        if self.cursor == len(self.expected):
            logger.info("re-execution caught up with the journal; journaling resumes")
        return None
