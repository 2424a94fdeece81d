"""DurableTuner: a Syne Tune ``Tuner`` whose run survives a crash of its driver; and resume."""
from __future__ import annotations

import bisect
import logging
import os
import random
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import dill
import numpy as np
from syne_tune import Tuner
from syne_tune.backend.trial_status import Status, Trial, TrialResult
from syne_tune.constants import (
    ST_DECISION,
    ST_STATUS,
    ST_TRIAL_ID,
    ST_TUNER_TIME,
    ST_WORKER_TIMESTAMP,
)
from syne_tune.optimizer.scheduler import SchedulerDecision
from syne_tune.results_callback import StoreResultsCallback
from syne_tune.tuning_status import TuningStatus

from syne_mohb.durable.journal import Journal, read_journal
from syne_mohb.durable.policy import FailureBudgetExceeded, FailurePolicy
from syne_mohb.durable.scheduler_proxy import JournaledScheduler, same_config, suggestion_to_json

logger = logging.getLogger(__name__)

__all__ = ["DurableTuner", "ReplayMismatchError", "SPEC_FILENAME", "ST_RERUN", "resume",
           "restore", "failures"]

SPEC_FILENAME = "durable.dill"
ST_RERUN = "st_rerun"
"""Result column of durable runs: the attempt of the trial that produced the result, 0 for its
first launch, k after the k-th relaunch by a resume. A trial restarted without a checkpoint
reports its first epochs again with ``st_rerun`` > 0; analysis counts each (trial, epoch) once
(:func:`syne_mohb.experiments.analysis.unique_results`)."""
SCHEDULER_EVENTS = ("suggest", "add", "result", "decision", "complete", "error", "remove")


class ReplayMismatchError(RuntimeError):
    """The rebuilt scheduler did not repeat a journaled suggestion or decision."""


class DurableTuner(Tuner):
    """Syne Tune ``Tuner`` that journals the run so that it can be resumed after a crash.

    Everything the scheduler is told goes first to ``<run_dir>/journal.jsonl`` (JSON lines,
    flushed, fsynced for data): each result before ``on_trial_result``, each suggestion,
    decision, completion and failure (with its reason), and the backend's launch information
    (process id, job name). At the start the freshly constructed tuner (scheduler, searcher,
    backend, stop criterion, random states) is dill-pickled to ``<run_dir>/durable.dill``.
    :func:`resume` rebuilds the scheduler by constructing it afresh from that pickle and
    replaying the journal's calls in order, checking that it repeats every journaled
    suggestion and decision; then the backend's recovery re-attaches or restarts the trials
    that were in flight (see the README, section "Durable tuning runs"). Arguments are those of ``Tuner`` except:

    :param failure_policy: replaces ``max_failures``; default ``FailurePolicy()`` (the run
        tolerates ``max(3, 25% of the trials started)`` failed trials)
    :param journal_fsync: fsync data entries (default); ``False`` only for simulations
    :param heartbeat_seconds: idle interval after which a ``tick`` entry is written, so that
        the wallclock of the stop criterion counts across an interruption to this precision

    With a simulator backend the simulated clock does not count the tuner's own compute time
    (Syne Tune's does), so that a run is reproducible and can be re-executed on resume.

    Differences from Syne Tune's ``Tuner`` that a resume relies on:

    * the stop criterion is checked before *every* trial start, not once per loop iteration,
      so that a loop that finds several workers free (as the first one after a resume does)
      starts no more trials than one that finds them free one by one;
    * every result gets :data:`ST_RERUN` (the trial's attempt, see there);
    * trials a backend's cost cap ended (``cost_cap_records()``) are journaled
      (``cost_capped``) as soon as the backend reports them, and restored on resume.
    """

    def __init__(self, trial_backend, scheduler, stop_criterion, n_workers: int, *,
                 failure_policy: FailurePolicy | None = None, journal_fsync: bool = True,
                 heartbeat_seconds: float = 2.0, save_tuner: bool = False, **tuner_kwargs: Any):
        if "max_failures" in tuner_kwargs:
            raise ValueError("max_failures is replaced by failure_policy=FailurePolicy(...)")
        if failure_policy is not None and not isinstance(failure_policy, FailurePolicy):
            raise ValueError(f"failure_policy must be a FailurePolicy, got "
                             f"{type(failure_policy).__name__}")
        if not heartbeat_seconds > 0:
            raise ValueError(f"heartbeat_seconds must be > 0, got {heartbeat_seconds!r}")
        from syne_mohb.durable.recovery import recovery_for

        recovery_for(trial_backend).prepare(trial_backend)  # raises for unknown backends
        super().__init__(trial_backend=trial_backend, scheduler=scheduler,
                         stop_criterion=stop_criterion, n_workers=n_workers,
                         max_failures=2**62, save_tuner=save_tuner, **tuner_kwargs)
        self.failure_policy = failure_policy or FailurePolicy()
        self.journal_fsync = bool(journal_fsync)
        self.heartbeat_seconds = float(heartbeat_seconds)
        self._journal: Journal | None = None
        self._restored: Any = None  # set by restore(): what the run must recover
        self._session = 0
        self._time_offset = 0.0
        self._session_start = time.perf_counter()
        self._fetched_status: dict[int, str] = {}
        self._failure_reasons: dict[int, str] = {}
        self._inject_running: set[int] = set()
        self._relaunch_times: dict[int, list[float]] = {}  # trial -> journal times of relaunches
        self._journaled_caps: set[int] = set()

    def note_relaunch(self, trial_id: int, at: float) -> None:
        """Record that a recovery relaunched ``trial_id`` at time ``at`` (its journal entry's
        ``t``): results time-stamped after it belong to the next attempt (:data:`ST_RERUN`)."""
        bisect.insort(self._relaunch_times.setdefault(int(trial_id), []), float(at))

    def _attempt_of(self, trial_id: int, result: dict) -> int:
        times = self._relaunch_times.get(trial_id)
        if not times:
            return 0
        ts = result.get(ST_WORKER_TIMESTAMP)
        if not isinstance(ts, (int, float)):
            return len(times)
        return bisect.bisect_right(times, float(ts))

    # -- pickling: the journal and the proxy are runtime objects ------------------------
    def __getstate__(self):
        state = self.__dict__.copy()
        state["_journal"] = None
        if isinstance(state.get("scheduler"), JournaledScheduler):
            state["scheduler"] = state["scheduler"].inner
        return state

    def __str__(self) -> str:
        st = self.tuning_status
        counts = "" if st is None else (
            f": {st.num_trials_started} trials started, {st.overall_metric_statistics.count} "
            f"results, {st.num_trials_failed} failed")
        return f"durable run {self.name} in {self.run_dir}{counts}"

    @property
    def run_dir(self) -> Path:
        return Path(self.tuner_path)

    @property
    def journal(self) -> Journal | None:
        return self._journal

    # -- main loop ------------------------------------------------------------------------
    def run(self):
        """Run (or continue, after :func:`restore`) the tuning loop, journaling every step."""
        journal = Journal(self.run_dir, fsync=self.journal_fsync).open()
        inner = self.scheduler
        try:
            if self._restored is None:
                if journal.seq > 0:
                    raise ValueError(
                        f"{self.run_dir} already holds a journal: continue that run with "
                        f"syne_mohb.durable.resume({str(self.run_dir)!r}) or pick a new tuner_name"
                    )
                self._write_spec()
                journal.append("run", name=self.name, backend=type(self.trial_backend).__name__,
                               scheduler=type(inner).__name__, n_workers=self.n_workers,
                               pid=os.getpid())
            self._session_start = time.perf_counter()
            journal.append("session", index=self._session, pid=os.getpid(),
                           time_offset=self._time_offset)
            self._journal = journal
            self.scheduler = JournaledScheduler(inner, journal, self._fetched_status.get)
            if self.tuning_status is not None:
                self.tuning_status.start_time = self._session_start - self._time_offset
            if self._restored is not None:
                self._restored.apply(self, journal)
                self._restored = None
            try:
                super().run()
            except BaseException as e:
                journal.append("interrupted", error=repr(e)[:2000])
                raise
            failed, started = self._failure_counts()
            if self.failure_policy.exceeded(failed, started):
                journal.append("end", reason="failure budget exceeded", failed=failed,
                               started=started)
                reasons = "\n".join(f"  trial {tid}: {r}" for tid, r in
                                    sorted(self._failure_reasons.items()))
                raise FailureBudgetExceeded(
                    f"{failed} of {started} trials failed, more than the failure budget "
                    f"{self.failure_policy.budget(started)} of {self.failure_policy}; reasons:\n"
                    f"{reasons}"
                )
            journal.append("end", reason="stop criterion or search space exhausted")
        finally:
            self.scheduler = inner
            self._journal = None
            journal.close()

    def _write_spec(self):
        spec = {"version": 1, "tuner": self,
                "numpy_random_state": np.random.get_state(),
                "python_random_state": random.getstate()}
        path = self.run_dir / SPEC_FILENAME
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            dill.dump(spec, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def _failure_counts(self) -> tuple[int, int]:
        st = self.tuning_status
        return (st.num_trials_failed, st.num_trials_started) if st is not None else (0, 0)

    def _stop_reached(self) -> bool:
        failed, started = self._failure_counts()
        return bool(self.stop_criterion(self.tuning_status)) or \
            self.failure_policy.exceeded(failed, started)

    def _stop_condition(self) -> bool:
        if self._inject_running:
            # recovered trials are handed to the loop in its first iteration: it must run once
            return False
        return self._stop_reached()

    def _schedule_new_tasks(self, running_trials_ids: set[int]):
        """Start trials on free workers like Syne Tune's ``Tuner``, but check the stop
        criterion before each start: Syne Tune checks it once per loop iteration and then fills
        every free worker, so a run that finds two workers free at once (the first iteration
        after a resume, or two trials ending in one poll) overshoots
        ``max_num_trials_started`` (or ``max_cost``) by more than the one trial an
        uninterrupted run starts before it sees the criterion."""
        if self._stop_reached():
            # e.g. in the forced first iteration after a resume: start nothing new
            return self._sleep()
        threshold = self.n_workers if self.asynchronous_scheduling else 1
        if self.start_jobs_without_delay:
            num_busy = len(running_trials_ids)
        else:
            busy = self.trial_backend.busy_trial_ids()
            num_busy = len(busy)
            if num_busy < len(running_trials_ids):
                # the backend knows better; keep the caller's set (Syne Tune rebinds a local)
                running_trials_ids.intersection_update(tid for tid, _ in busy)
        if num_busy >= threshold:
            return self._sleep()
        for i in range(self.n_workers - num_busy):
            if i > 0 and self._stop_reached():
                break
            trial = self._schedule_new_task()
            running_trials_ids.add(trial.trial_id)
            self.tuning_status.update(
                trial_status_dict={trial.trial_id: (trial, Status.in_progress)}, new_results=[])

    def _tuner_time(self) -> float:
        return self._time_offset + time.perf_counter() - self._session_start

    def _heartbeat(self):
        j = self._journal
        if j is not None and time.monotonic() - j.last_write > self.heartbeat_seconds:
            j.append("tick")

    def _sleep(self):
        super()._sleep()
        self._heartbeat()

    def _process_new_results(self, running_trials_ids: set[int]):
        if self._inject_running:
            # trials in flight at the crash, re-attached or restarted by the recovery
            running_trials_ids.update(self._inject_running)
            self._inject_running = set()
        trial_status_dict, new_results = self.trial_backend.fetch_status_results(
            trial_ids=list(running_trials_ids))
        self._journal_cost_caps()
        now = self._tuner_time()
        for tid, result in new_results:
            result.setdefault(ST_TUNER_TIME, now)  # continuous across sessions
            result[ST_RERUN] = self._attempt_of(tid, result)
        self._fetched_status.clear()
        self._fetched_status.update({tid: st for tid, (_, st) in trial_status_dict.items()})
        for tid, (_, status) in trial_status_dict.items():
            if status == Status.failed or (status == Status.stopped
                                           and tid not in self.trials_scheduler_stopped):
                self._record_failure(tid, status)
        for callback in self.callbacks:
            callback.on_fetch_status_results(trial_status_dict=trial_status_dict,
                                             new_results=new_results)
        done = self._update_running_trials(trial_status_dict, new_results)
        trial_status_dict.update(done)
        if done and self._journal is not None:
            self._journal.append("done", statuses={str(t): s for t, (_, s) in done.items()})
        self.tuning_status.update(trial_status_dict=trial_status_dict, new_results=new_results)
        self._heartbeat()
        return done, new_results

    def _journal_cost_caps(self):
        """Journal the trials the backend's cost cap ended since the last poll (before any of
        their results reach the scheduler), so that a resume neither restarts them nor
        forgets them."""
        records = getattr(self.trial_backend, "cost_cap_records", None)
        if records is None or self._journal is None:
            return
        for tid, (keep, cost) in sorted(records().items()):
            if tid not in self._journaled_caps:
                self._journal.append("cost_capped", trial_id=tid, keep=keep, cost=cost)
                self._journaled_caps.add(tid)

    def _record_failure(self, trial_id: int, status: str):
        if trial_id in self._failure_reasons:
            return
        try:
            tail = "".join(self.trial_backend.stderr(trial_id)[-15:]).strip()
        except Exception as e:  # noqa: BLE001 -- a reason must not break the run
            tail = f"(stderr unavailable: {e!r})"
        if status == Status.stopped:
            reason = "stopped outside the scheduler (killed, timed out or stopped by hand)"
            reason += f"; stderr tail: {tail[-1500:]}" if tail else ""
        else:
            reason = tail[-3000:] or "no stderr output"
        self._failure_reasons[trial_id] = reason
        if self._journal is not None:
            self._journal.append("failed", trial_id=trial_id, status=status, reason=reason)

    def _schedule_new_task(self):
        suggestion = self.scheduler.suggest()
        if suggestion is None:
            self.output_logger.print_searcher_out_of_candidates()
            raise StopIteration
        backend = self.trial_backend
        if suggestion.spawn_new_trial_id:
            trial_id = backend.new_trial_id()
            self._journal.append("start", trial_id=trial_id, config=suggestion.config,
                                 checkpoint_trial_id=suggestion.checkpoint_trial_id)
            trial = backend.start_trial(config=suggestion.config.copy(),
                                        checkpoint_trial_id=suggestion.checkpoint_trial_id)
            if trial.trial_id != trial_id:
                raise RuntimeError(f"backend gave trial id {trial.trial_id}, expected {trial_id}")
            self._journal_launch(trial_id)
            self.scheduler.on_trial_add(trial=trial)
            for callback in self.callbacks:
                callback.on_start_trial(trial)
            self.output_logger.print_trial_started(trial.trial_id, suggestion.config)
            return trial
        trial_id = suggestion.checkpoint_trial_id
        self._journal.append("resume_trial", trial_id=trial_id, config=suggestion.config)
        self.output_logger.print_trial_resumed(trial_id, suggestion.config)
        trial = backend.resume_trial(trial_id=trial_id, new_config=suggestion.config)
        self._journal_launch(trial_id)
        for callback in self.callbacks:
            callback.on_resume_trial(trial)
        return trial

    def _journal_launch(self, trial_id: int):
        from syne_mohb.durable.recovery import recovery_for

        info = recovery_for(self.trial_backend).launch_info(self.trial_backend, trial_id)
        self._journal.append("launched", trial_id=trial_id, **info)


# ------------------------------------------------------------------------------------------
# restore and replay
def _load_spec(run_dir: Path) -> dict:
    path = run_dir / SPEC_FILENAME
    if not path.exists():
        raise ValueError(f"run_dir {str(run_dir)!r} has no {SPEC_FILENAME}: it was not started "
                         f"by a DurableTuner (or crashed before its first step)")
    with open(path, "rb") as f:
        spec = dill.load(f)
    if not isinstance(spec, dict) or not isinstance(spec.get("tuner"), DurableTuner):
        raise ValueError(f"{path} does not hold a DurableTuner")
    return spec


def _sessions_elapsed(entries: list[dict]) -> tuple[int, float]:
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


class _Trial:
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

    def trial(self) -> Trial:
        return Trial(trial_id=self.trial_id, config=self.config,
                     creation_time=datetime.fromtimestamp(self.created))


class Replay:
    """State rebuilt from a journal by replaying it on a fresh scheduler (register strategy)."""

    def __init__(self, tuner: DurableTuner, entries: list[dict], strict: bool = True):
        self.tuner = tuner
        self.strict = strict
        self.trials: dict[int, _Trial] = {}
        self.pending_decisions: list[tuple[int, str]] = []
        self.mismatches: list[str] = []
        self.ended = False
        self.row_order: list[tuple[int, int]] = []  # (trial, result index) in journal order
        self.relaunch_times: dict[int, list[float]] = {}
        self.cost_caps: dict[int, tuple[int, float]] = {}  # trial -> (results kept, cost)
        scheduler = tuner.scheduler
        expected_decision: dict[int, str] = {}
        for e in entries:
            kind = e["e"]
            if kind in ("end", "interrupted", "session"):
                self.ended = kind == "end"
            if kind == "suggest":
                got = suggestion_to_json(scheduler.suggest())
                if not _same_suggestion(got, e["out"]):
                    self._mismatch(f"entry {e['seq']}: replayed suggestion {got} != journaled "
                                   f"{e['out']}")
            elif kind == "start":
                tid = e["trial_id"]
                if tid != len(self.trials):
                    raise ValueError(f"journal entry {e['seq']}: trial id {tid} out of order "
                                     f"({len(self.trials)} trials started before)")
                self.trials[tid] = _Trial(tid, e["config"], e["t"])
            elif kind == "resume_trial":
                tr = self.trials[e["trial_id"]]
                if e.get("config") is not None:
                    tr.config = e["config"]
                tr.status = Status.in_progress
            elif kind in ("launched", "relaunched"):
                self.trials[e["trial_id"]].launches.append(e)
                if kind == "relaunched":
                    self.relaunch_times.setdefault(e["trial_id"], []).append(e["t"])
            elif kind == "cost_capped":
                self.cost_caps[e["trial_id"]] = (int(e["keep"]), float(e["cost"]))
            elif kind == "add":
                tr = self.trials[e["trial_id"]]
                tr.added = True
                scheduler.on_trial_add(tr.trial())
            elif kind == "result":
                tr = self.trials[e["trial_id"]]
                decision = scheduler.on_trial_result(tr.trial(), e["result"])
                tr.results.append(e["result"])
                tr.result_status.append(e.get("status"))
                tr.decisions.append(decision)
                self.row_order.append((tr.trial_id, len(tr.results) - 1))
                expected_decision[tr.trial_id] = decision
                self._apply_decision(tr, decision)
            elif kind == "decision":
                tid = e["trial_id"]
                got = expected_decision.pop(tid, None)
                if got != e["decision"]:
                    self._mismatch(f"entry {e['seq']}: replayed decision {got} for trial {tid} "
                                   f"!= journaled {e['decision']}")
            elif kind == "remove":
                scheduler.on_trial_remove(self.trials[e["trial_id"]].trial())
            elif kind == "complete":
                tr = self.trials[e["trial_id"]]
                scheduler.on_trial_complete(tr.trial(), tr.results[-1])
                tr.status = Status.completed
            elif kind == "error":
                tr = self.trials[e["trial_id"]]
                scheduler.on_trial_error(tr.trial())
                if tr.status not in (Status.stopped, Status.failed):
                    tr.status = Status.failed
            elif kind == "failed":
                tr = self.trials[e["trial_id"]]
                tr.failure_reason = e.get("reason")
                tr.status = e.get("status", Status.failed)
            elif kind == "done":
                for tid, st in e["statuses"].items():
                    self.trials[int(tid)].status = st
        # decisions computed but never journaled (crash inside on_trial_result)
        self.pending_decisions = sorted(expected_decision.items())
        self.sessions, self.elapsed = _sessions_elapsed(entries)

    def _mismatch(self, msg: str):
        self.mismatches.append(msg)
        if self.strict:
            raise ReplayMismatchError(
                msg + " -- the scheduler is not deterministic given its construction and the "
                      "journaled calls; resume(..., strict=False) continues anyway")
        logger.warning(msg)

    def _apply_decision(self, tr: _Trial, decision: str):
        if decision == SchedulerDecision.STOP:
            st = tr.result_status[-1]
            tr.status = Status.completed if st == Status.completed else Status.stopped
            self.tuner.trials_scheduler_stopped.add(tr.trial_id)
        elif decision == SchedulerDecision.PAUSE:
            tr.status = Status.paused

    @property
    def in_flight(self) -> list[int]:
        return [tid for tid, tr in self.trials.items() if tr.status == Status.in_progress]

    def rebuild_tuner(self):
        """Backend bookkeeping, tuning status, results rows, stop-criterion counters."""
        tuner, backend = self.tuner, self.tuner.trial_backend
        backend.trial_ids = list(range(len(self.trials)))
        status = TuningStatus(metric_names=tuner.scheduler.metric_names())
        rows_cb = [cb for cb in tuner.callbacks if isinstance(cb, StoreResultsCallback)]
        for tid, tr in self.trials.items():
            backend._trial_dict[tid] = TrialResult(
                trial_id=tid, config=tr.config, creation_time=datetime.fromtimestamp(tr.created),
                status=tr.status, metrics=[])
            backend._last_metric_seen_index[tid] = len(tr.results)
            if tr.results:
                tuner.last_seen_result_per_trial[tid] = tr.results[-1]
            status.update({tid: (tr.trial(), tr.status)}, [(tid, r) for r in tr.results])
            if tr.failure_reason:
                tuner._failure_reasons[tid] = tr.failure_reason
        rows = []
        for tid, i in self.row_order:  # as StoreResultsCallback wrote them, in journal order
            tr = self.trials[tid]
            row = dict(tr.results[i])
            row[ST_DECISION] = tr.decisions[i]
            row[ST_STATUS] = tr.result_status[i]
            row[ST_TRIAL_ID] = tid
            for key, value in tr.config.items():
                row[f"config_{key}"] = value
            rows.append(row)
        for cb in rows_cb:
            cb.results = [dict(r) for r in rows]
        for tid, times in self.relaunch_times.items():
            for t in times:
                tuner.note_relaunch(tid, t)
        restore_cap = getattr(backend, "restore_cost_cap", None)
        if self.cost_caps and restore_cap is None:
            logger.warning("the journal lists cost-capped trials %s, but %s has no cost cap",
                           sorted(self.cost_caps), type(backend).__name__)
        for tid, (keep, cost) in self.cost_caps.items():
            if restore_cap is not None:
                restore_cap(tid, keep, cost)
        tuner._journaled_caps = set(self.cost_caps)
        tuner.tuning_status = status
        tuner._time_offset = self.elapsed
        tuner._session = self.sessions

    def apply(self, tuner: DurableTuner, journal: Journal):
        """Run once the journal is open: finish interrupted steps, recover trials in flight."""
        from syne_mohb.durable.recovery import recovery_for

        sched = tuner.scheduler  # the journaling proxy now
        for tid, decision in self.pending_decisions:
            tr = self.trials[tid]
            journal.append("decision", trial_id=tid, decision=decision, recovered=True)
            if decision in (SchedulerDecision.STOP, SchedulerDecision.PAUSE):
                sched.on_trial_remove(tr.trial())
        for tid, tr in self.trials.items():
            if not tr.added and tr.status == Status.in_progress:
                sched.on_trial_add(tr.trial())
        recovery = recovery_for(tuner.trial_backend)
        running = recovery.recover(tuner, self, journal)
        tuner._inject_running = set(running)


def _same_suggestion(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if a["kind"] != b["kind"]:
        return False
    if a["kind"] == "resume":
        return a["trial_id"] == b["trial_id"] and same_config(a.get("config"), b.get("config"))
    return same_config(a["config"], b["config"]) and \
        a.get("checkpoint_trial_id") == b.get("checkpoint_trial_id")


class Reexecute:
    """Deterministic re-execution (simulated backends): the run starts over from its
    construction and random states, each scheduler call is checked against the journal, and
    journaling resumes where the journal ends."""

    def __init__(self, entries: list[dict], strict: bool = True):
        self.expected = [e for e in entries if e["e"] in SCHEDULER_EVENTS]
        self.strict = strict
        self.sessions, _ = _sessions_elapsed(entries)
        self.ended = bool(entries) and any(e["e"] == "end" for e in entries[-3:])

    def apply(self, tuner: DurableTuner, journal: Journal):
        tuner._journal = _VerifyingJournal(journal, self.expected, self.strict)
        tuner.scheduler.journal = tuner._journal


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
            ok = _same_suggestion(suggestion_to_json_dict(payload["out"]), exp["out"])
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


def suggestion_to_json_dict(out: Any) -> Any:
    from syne_mohb.durable.journal import _plain, _restore

    return _restore(_plain(out))


# ------------------------------------------------------------------------------------------
def restore(run_dir: str | Path, *, strict: bool = True, stop_criterion: Callable | None = None,
            n_workers: int | None = None) -> DurableTuner:
    """Rebuild a durable run from its folder, ready for ``run()`` (nothing is started yet).

    :param run_dir: the run's folder (``tuner.tuner_path``)
    :param strict: raise :class:`ReplayMismatchError` if the rebuilt scheduler does not
        repeat a journaled suggestion or decision (else warn and trust the journal)
    :param stop_criterion: replace the run's stop criterion (e.g. to extend a finished run)
    :param n_workers: replace the number of workers
    """
    from syne_mohb.durable.recovery import recovery_for

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ValueError(f"run_dir {str(run_dir)!r} is not a folder")
    entries = read_journal(run_dir)
    spec = _load_spec(run_dir)
    tuner: DurableTuner = spec["tuner"]
    old_path = str(tuner.tuner_path)
    tuner.tuner_path = run_dir
    if tuner.trial_backend_path == old_path:
        tuner.trial_backend_path = str(run_dir)
        tuner.trial_backend.set_path(results_root=str(run_dir), tuner_name=tuner.name)
    if stop_criterion is not None:
        tuner.stop_criterion = stop_criterion
    if n_workers is not None:
        if not isinstance(n_workers, int) or n_workers < 1:
            raise ValueError(f"n_workers must be an int >= 1, got {n_workers!r}")
        tuner.n_workers = n_workers
    # numpy's and Python's global generators as at the run's start: Syne Tune's samplers
    # (ASHA, MOASHA, RandomSearcher) draw from numpy's, so replaying the journaled calls on the
    # fresh scheduler draws the same configurations and leaves the state where the run was
    np.random.set_state(spec["numpy_random_state"])
    random.setstate(spec["python_random_state"])
    if recovery_for(tuner.trial_backend).reexecute:
        tuner._restored = Reexecute(entries, strict)
        tuner._session = tuner._restored.sessions
    else:
        replay = Replay(tuner, entries, strict)
        replay.rebuild_tuner()
        tuner._restored = replay
    return tuner


def resume(run_dir: str | Path, *, strict: bool = True, stop_criterion: Callable | None = None,
           n_workers: int | None = None, environment: dict[str, str] | None = None,
           force: bool = False) -> DurableTuner:
    """Continue a durable run from its folder after a crash or a kill; returns the tuner.

    Rebuilds the scheduler from the journal (see :func:`restore`), recovers the trials that
    were in flight (local: leftover processes killed, lines they printed recovered, trials
    restarted from their checkpoints; SageMaker: jobs re-attached by name and tags, results
    of jobs that ended meanwhile harvested; simulation: deterministic re-execution), and runs
    until the (same) stop criterion, counting trials, wallclock and cost across the
    interruption. Results go to the same ``results.csv.zip``; trial ids are never reused.
    A run whose journal ends with a clean ``end`` is not run again unless ``force`` or a new
    ``stop_criterion`` is given.

    :param environment: container environment of a SageMaker backend (secrets are not saved)
    """
    tuner = restore(run_dir, strict=strict, stop_criterion=stop_criterion, n_workers=n_workers)
    if environment is not None:
        setter = getattr(tuner.trial_backend, "set_environment", None)
        if setter is None:
            raise ValueError(f"environment given, but {type(tuner.trial_backend).__name__} "
                             f"takes no environment")
        setter(environment)
    if tuner._restored.ended and stop_criterion is None and not force:
        logger.info("run %s had finished; nothing to resume (pass force=True or a new "
                    "stop_criterion to extend it)", run_dir)
        tuner._restored = None
        return tuner
    tuner.run()
    return tuner


def failures(run_dir: str | Path) -> list[dict]:
    """Failed trials of a run with their status and reason, from its journal."""
    return [{"trial_id": e["trial_id"], "status": e.get("status"), "reason": e.get("reason"),
             "time": e["t"]} for e in read_journal(run_dir) if e["e"] == "failed"]
