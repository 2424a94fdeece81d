"""DurableTuner: a Syne Tune ``Tuner`` whose run survives a crash of its driver.

The tuner plugs into Syne Tune's public extension points (:mod:`syne_mohb.durable.hooks`: a
scheduler wrapper, a ``TunerCallback``, a wrapped stop criterion and output logger); this module
holds the run loop and what those hooks journal. Resuming is :mod:`syne_mohb.durable.resume`,
rebuilding from the journal :mod:`syne_mohb.durable.replay`.

Syne Tune private members used (``syne-tune==0.16.*``):

* ``Tuner._process_new_results`` is overridden, to add the trials a resume recovered to the
  loop's set of running trials before the first poll (then it calls Syne Tune's). That set is a
  local variable of ``Tuner.run()``; this method's argument is the only place it can be
  reached, and no public hook runs with it. Its return value (every result of the poll) is
  compared with what the scheduler got (``on_trial_result`` callbacks) to keep the results a
  recovered trial printed while no driver ran that the loop drops after a STOP or PAUSE.
"""
from __future__ import annotations

import bisect
import logging
import os
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import dill
import numpy as np
from syne_tune import Tuner
from syne_tune.backend.trial_status import Status, Trial
from syne_tune.constants import ST_TUNER_TIME, ST_WORKER_TIMESTAMP
from syne_tune.optimizer.scheduler import TrialSuggestion

from syne_mohb.durable.hooks import RunCallback, RunLogger, RunScheduler, RunStop
from syne_mohb.durable.interrupt import interrupted, is_reported
from syne_mohb.durable.journal import Journal
from syne_mohb.durable.policy import FailurePolicy
from syne_mohb.durable.protocol import NO_METRICS_REASON, BackendRecovery
from syne_mohb.durable.recovery import recovery_for
from syne_mohb.durable.scheduler_proxy import JournaledScheduler
from syne_mohb.hardware.feedback import HardwareFeedback, policy_of

logger = logging.getLogger(__name__)

__all__ = ["DurableTuner", "SPEC_FILENAME", "ST_RERUN"]

SPEC_FILENAME = "durable.dill"
SPEC_VERSION = 2  # of the pickled run spec; 1: before the durable split (issue 11)
ST_RERUN = "st_rerun"
"""Result column of durable runs: the attempt of the trial that produced the result, 0 for its
first launch, k after the k-th relaunch by a resume. A trial restarted without a checkpoint
reports its first epochs again with ``st_rerun`` > 0; analysis counts each (trial, epoch) once
(:func:`syne_mohb.experiments.analysis.unique_results`)."""


class DurableTuner(Tuner):
    """Syne Tune ``Tuner`` that journals the run so that it can be resumed after a crash.

    Everything the scheduler is told goes first to ``<run_dir>/journal.jsonl`` (JSON lines,
    flushed, fsynced for data): each result before ``on_trial_result``, each suggestion,
    decision, completion and failure (with its reason), each trial start before the backend
    launches it, and what the backend's recovery needs (process id, job name, cost-ledger
    segments). At the start the freshly constructed tuner (scheduler, searcher, backend, stop
    criterion, random states) is dill-pickled to ``<run_dir>/durable.dill``, from which
    :func:`~syne_mohb.durable.resume` rebuilds the run (``docs/concepts/durable.md``).
    Arguments are those of ``Tuner`` except:

    :param failure_policy: replaces ``max_failures``; default ``FailurePolicy()`` (the run
        tolerates ``max(3, 25% of the trials started)`` failed trials)
    :param journal_fsync: fsync data entries (default); ``False`` only for simulations
    :param heartbeat_seconds: idle interval after which a ``tick`` entry is written, so that
        the wallclock of the stop criterion counts across an interruption to this precision

    ``start_jobs_without_delay=False`` is refused: with it, Syne Tune 0.16's loop can drop the
    trials it starts from its set of running trials (it rebinds a local set).

    Differences from Syne Tune's ``Tuner`` that a resume relies on:

    * the stop criterion is checked before *every* trial start (the scheduler suggests nothing
      once it holds), not once per loop iteration, so that a loop that finds several workers
      free (as the first one after a resume does) starts no more trials than one that finds
      them free one by one;
    * every result gets :data:`ST_RERUN` (the trial's attempt, see there);
    * how many results a trial delivered in one poll, when more than one, is journaled
      (``fetched``): the backend's read position passes them all, also those the loop drops
      after a STOP or PAUSE decided on an earlier one, and a resume restores that position
      (a paused trial resumed later does not deliver them again);
    * trials a backend's cost cap ended (``cost_cap_records()``) are journaled
      (``cost_capped``) as soon as the backend reports them, and restored on resume;
    * after a resume, the results a trial in flight had printed while no driver was running
      are all kept (``kept_result`` entries, rows of ``results.csv.zip`` with no
      ``st_decision``), also those after a STOP or PAUSE the resumed scheduler decided on an
      earlier one of them, which Syne Tune's loop would drop: they were trained and paid for;
    * Ctrl-C ends the run with one line saying how to resume it
      (:mod:`syne_mohb.durable.interrupt`), without Syne Tune's end-of-run printout.
    """

    def __init__(self, trial_backend, scheduler, stop_criterion, n_workers: int, *,
                 failure_policy: FailurePolicy | None = None, journal_fsync: bool = True,
                 heartbeat_seconds: float = 2.0, save_tuner: bool = False, **tuner_kwargs: Any):
        if "max_failures" in tuner_kwargs:
            raise ValueError("max_failures is replaced by failure_policy=FailurePolicy(...)")
        if tuner_kwargs.get("start_jobs_without_delay", True) is not True:
            raise ValueError("start_jobs_without_delay must be True for a DurableTuner (with "
                             "False, Syne Tune 0.16's loop can lose the trials it starts)")
        if failure_policy is not None and not isinstance(failure_policy, FailurePolicy):
            raise ValueError(f"failure_policy must be a FailurePolicy, got "
                             f"{type(failure_policy).__name__}")
        if not heartbeat_seconds > 0:
            raise ValueError(f"heartbeat_seconds must be > 0, got {heartbeat_seconds!r}")
        if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
            raise ValueError(f"n_workers must be an integer >= 1, got {n_workers!r}")
        if not callable(stop_criterion):
            raise ValueError(f"stop_criterion must be callable (e.g. syne_tune."
                             f"StoppingCriterion(max_wallclock_time=300)), got "
                             f"{type(stop_criterion).__name__}")
        recovery = recovery_for(trial_backend)  # raises for unknown backends
        recovery.prepare(trial_backend)
        super().__init__(trial_backend=trial_backend, scheduler=scheduler,
                         stop_criterion=stop_criterion, n_workers=n_workers,
                         max_failures=2**62, save_tuner=save_tuner, **tuner_kwargs)
        # why trials failed (a capacity error is not the configuration's), before the scheduler
        # hears of it; RunCallback last
        kinds = [] if any(isinstance(cb, HardwareFeedback) for cb in self.callbacks) \
            else [HardwareFeedback()]
        self.callbacks = list(self.callbacks) + kinds + [RunCallback(self)]
        self.output_logger = RunLogger(self.output_logger)
        self.failure_policy = failure_policy or FailurePolicy()
        self.journal_fsync = bool(journal_fsync)
        self.heartbeat_seconds = float(heartbeat_seconds)
        self.restored: Any = None  # set by resume.restore(): what the next run() recovers
        self._recovery: BackendRecovery | None = recovery
        self._journal: Journal | None = None
        self._session = 0
        self._time_offset = 0.0
        self._session_start = time.perf_counter()
        self._session_criterion = None  # the stop criterion while run() runs (for pickling)
        self._run_stop: RunStop | None = None
        self._fetched_status: dict[int, str] = {}
        self._failure_reasons: dict[int, str] = {}
        self._recovered: set[int] = set()  # in flight after a resume, not yet in the loop
        self.recovered_starts: dict[int, float] = {}  # of those, no result yet: unix start
        self._relaunch_times: dict[int, list[float]] = {}  # trial -> journal times of relaunches
        self._journaled_caps: set[int] = set()
        self._journaled_states: dict[int, Any] = {}
        self._expected_trial_id: int | None = None
        self._init_session_state()

    def _init_session_state(self) -> None:
        """What one session of :meth:`run` tracks (not carried over to a resume)."""
        self._session_wall_start = time.time()
        self._delivered: set[int] = set()  # id() of the results the scheduler got this poll
        self._fetched_trials: dict[int, Trial] = {}
        self._keep_before: dict[int, float] = {}  # recovered trial -> unix time of the resume

    # -- state -------------------------------------------------------------------------------
    @property
    def recovery(self) -> BackendRecovery:
        """The backend's crash recovery (:func:`~syne_mohb.durable.recovery.recovery_for`)."""
        if self._recovery is None:
            self._recovery = recovery_for(self.trial_backend)
        return self._recovery

    @property
    def run_dir(self) -> Path:
        return Path(self.tuner_path)

    @property
    def journal(self) -> Journal | None:
        return self._journal

    def __getstate__(self):
        # the journal, the run's wrappers and the recovery are runtime objects
        state = self.__dict__.copy()
        state["_journal"] = None
        state["_recovery"] = None
        state["_run_stop"] = None
        if isinstance(state.get("scheduler"), JournaledScheduler):
            state["scheduler"] = state["scheduler"].inner
        if isinstance(state.get("stop_criterion"), RunStop):
            state["stop_criterion"] = self._session_criterion
        return state

    def __str__(self) -> str:
        st = self.tuning_status
        counts = "" if st is None else (
            f": {st.num_trials_started} trials started, {st.overall_metric_statistics.count} "
            f"results, {st.num_trials_failed} failed")
        return f"durable run {self.name} in {self.run_dir}{counts}"

    def note_relaunch(self, trial_id: int, at: float) -> None:
        """Record that a recovery relaunched ``trial_id`` at time ``at`` (its journal entry's
        ``t``): results time-stamped after it belong to the next attempt (:data:`ST_RERUN`)."""
        bisect.insort(self._relaunch_times.setdefault(int(trial_id), []), float(at))

    def continue_from_journal(self, *, sessions: int, tuning_status=None, elapsed: float = 0.0,
                              failure_reasons: dict[int, str] | None = None,
                              relaunch_times: dict[int, list[float]] | None = None,
                              cost_capped: set[int] | None = None,
                              trial_states: dict[int, Any] | None = None) -> None:
        """Take over the counters of the sessions a journal recorded (called by restore)."""
        if tuning_status is not None:
            self.tuning_status = tuning_status
        self._session = sessions
        self._time_offset = elapsed
        self._failure_reasons.update(failure_reasons or {})
        for tid, times in (relaunch_times or {}).items():
            for t in times:
                self.note_relaunch(tid, t)
        self._journaled_caps = set(cost_capped or ())
        self._journaled_states = dict(trial_states or {})

    def hand_over_recovered(self, trial_ids, started: dict[int, float] | None = None) -> None:
        """Trials in flight after a resume: they join the loop's running trials at its first
        poll, and the loop runs at least once. What each printed before the resume (before its
        relaunch in this session, if it was relaunched) is kept whatever the scheduler decides
        on it (see the class docstring). ``started``: the unix time each one without a result
        started (its journaled start), kept in :attr:`recovered_starts` (its relaunch's in this
        session, if it was relaunched) for ``HardwareFeedback``, which judges their first
        units' lateness from then on."""
        self._recovered = set(trial_ids)
        now = time.time()
        self.recovered_starts = {}
        for tid in self._recovered:
            relaunched = [t for t in self._relaunch_times.get(tid, ())
                          if t >= self._session_wall_start]
            self._keep_before[tid] = min(relaunched) if relaunched else now
            if started and tid in started:
                self.recovered_starts[tid] = max(relaunched) if relaunched else started[tid]

    def use_journal(self, journal) -> None:
        """Write the rest of the session to ``journal`` (re-execution verifies before writing)."""
        self._journal = journal
        self.scheduler.journal = journal

    # -- main loop ------------------------------------------------------------------------
    def run(self):
        """Run (or continue, after :func:`~syne_mohb.durable.restore`) the tuning loop,
        journaling every step."""
        journal = Journal(self.run_dir, fsync=self.journal_fsync).open()
        inner, criterion = self.scheduler, self.stop_criterion
        try:
            if self.restored is None:
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
            # a backend with a settable address (Ray) records the one this session uses, so
            # that a later resume finds a cluster started again elsewhere without being told
            where = ({"address": self.trial_backend.address}
                     if hasattr(self.trial_backend, "set_address") else {})
            journal.append("session", index=self._session, pid=os.getpid(),
                           time_offset=self._time_offset, **where)
            self._journal = journal
            self._session_criterion = criterion
            self._init_session_state()
            self.scheduler = RunScheduler(inner, journal, self)
            self.output_logger.stop_reached = False
            self.output_logger.scheduler_name = type(inner).__name__  # the banner's, not ours
            if self.tuning_status is not None:
                self.tuning_status.start_time = self._session_start - self._time_offset
            if self.restored is not None:
                self.restored.apply(self, journal)
                self.restored = None
            try:
                super().run()
            except BaseException as e:
                self._journal_trial_states()  # as the backend's stop_all left them
                journal.append("interrupted", error=repr(e)[:2000])
                raise
            self._journal_trial_states()
            # here, not at the top: ``import syne_mohb`` stays light
            from syne_mohb.experiments.final_metadata import record_scheduler_end

            record_scheduler_end(self.tuner_path, inner)
            failed, started = self._failure_counts()
            if self.failure_policy.exceeded(failed, started):
                journal.append("end", reason="failure budget exceeded", failed=failed,
                               started=started)
                raise self.failure_policy.breach(failed, started, self._failure_reasons)
            journal.append("end", reason="stop criterion or search space exhausted")
        except KeyboardInterrupt as e:
            self.output_logger.end_quiet()
            if is_reported(e):
                raise
            raise interrupted(self.run_dir) from None
        finally:
            self.output_logger.end_quiet()
            self.scheduler = inner
            self.stop_criterion = criterion
            self._session_criterion = self._run_stop = None
            self._journal = None
            journal.close()

    def _write_spec(self):
        spec = {"version": SPEC_VERSION, "tuner": self,
                "numpy_random_state": np.random.get_state(),
                "python_random_state": random.getstate()}
        path = self.run_dir / SPEC_FILENAME
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            dill.dump(spec, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def _process_new_results(self, running_trials_ids: set[int]):
        # Syne Tune private member (see the module docstring): the one way into the loop's set
        if self._recovered:
            running_trials_ids.update(self._recovered)
            self._recovered = set()
        self._delivered.clear()
        done, new_results = super()._process_new_results(running_trials_ids)
        if self._keep_before and new_results:
            self._keep_printed_before_resume(new_results)
        return done, new_results

    def _keep_printed_before_resume(self, new_results: list) -> None:
        """Results of recovered trials that the loop did not give the scheduler (they came
        after a STOP or PAUSE decided in the same poll) but that were printed before the
        resume: journaled (``kept_result``) and recorded by the callbacks with no decision."""
        for tid, result in new_results:
            cutoff = self._keep_before.get(tid)
            ts = result.get(ST_WORKER_TIMESTAMP)
            if cutoff is None or id(result) in self._delivered or \
                    not isinstance(ts, (int, float)) or ts >= cutoff:
                continue
            status = self._fetched_status.get(tid)
            self._journal.append("kept_result", trial_id=tid, result=result, status=status)
            trial = self._fetched_trials[tid]
            for cb in self.callbacks:
                if not isinstance(cb, RunCallback):
                    cb.on_trial_result(trial=trial, status=status, result=result,
                                       decision=None)

    # -- stop criterion -------------------------------------------------------------------
    def _failure_counts(self) -> tuple[int, int]:
        st = self.tuning_status
        return (st.num_trials_failed, st.num_trials_started) if st is not None else (0, 0)

    def stop_reached(self) -> bool:
        """Whether the run's stop criterion holds or its failure budget is exceeded."""
        criterion = self._run_stop.criterion if self._run_stop is not None else \
            self.stop_criterion
        failed, started = self._failure_counts()
        return bool(criterion(self.tuning_status)) or \
            self.failure_policy.exceeded(failed, started)

    # -- what the hooks journal -------------------------------------------------------------
    def _tuner_time(self) -> float:
        return self._time_offset + time.perf_counter() - self._session_start

    def _attempt_of(self, trial_id: int, result: dict) -> int:
        times = self._relaunch_times.get(trial_id)
        if not times:
            return 0
        ts = result.get(ST_WORKER_TIMESTAMP)
        if not isinstance(ts, (int, float)):
            return len(times)
        return bisect.bisect_right(times, float(ts))

    def _heartbeat(self):
        j = self._journal
        if j is not None and time.monotonic() - j.last_write > self.heartbeat_seconds:
            j.append("tick")

    def _journal_start(self, suggestion: TrialSuggestion) -> None:
        """Journal a trial start (or resume) before the Tuner asks the backend to launch it."""
        if suggestion.spawn_new_trial_id:
            self._expected_trial_id = self.trial_backend.new_trial_id()
            self._journal.append("start", trial_id=self._expected_trial_id,
                                 config=suggestion.config,
                                 checkpoint_trial_id=suggestion.checkpoint_trial_id)
        else:
            self._journal.append("resume_trial", trial_id=suggestion.checkpoint_trial_id,
                                 config=suggestion.config)

    def _journal_launch(self, trial: Trial, new: bool) -> None:
        if new and trial.trial_id != self._expected_trial_id:
            raise RuntimeError(f"backend gave trial id {trial.trial_id}, expected "
                               f"{self._expected_trial_id}")
        info = self.recovery.launch_info(self.trial_backend, trial.trial_id)
        self._journal.append("launched", trial_id=trial.trial_id, **info)
        self._journal_trial_states()

    def _journal_trial_states(self) -> None:
        """Journal each trial state of the backend's recovery that changed since journaled."""
        if self._journal is None:
            return
        for tid, state in self.recovery.trial_states(self.trial_backend).items():
            if self._journaled_states.get(tid) != state:
                self._journal.append("trial_state", trial_id=tid, state=state)
                self._journaled_states[tid] = state

    def _on_fetch(self, trial_status_dict: dict, new_results: list) -> None:
        """What each poll of the backend returned, before the scheduler sees any of it."""
        self._journal_cost_caps()
        self._journal_warm_pools()
        now = self._tuner_time()
        for tid, result in new_results:
            result.setdefault(ST_TUNER_TIME, now)  # continuous across sessions
            result[ST_RERUN] = self._attempt_of(tid, result)
        reported = Counter(tid for tid, _ in new_results)
        if not self.recovery.reexecute:
            # the backend's read position (Syne Tune's) passes every result of this poll, also
            # those the loop drops after a STOP or PAUSE decided on an earlier one: how many a
            # trial got is journaled (when more than one), so that a resume reads on after them
            for tid, count in sorted(reported.items()):
                if count > 1:
                    self._journal.append("fetched", trial_id=tid, results=count)
        for tid, (trial, status) in list(trial_status_dict.items()):
            if status == Status.completed and tid not in reported \
                    and tid not in self.last_seen_result_per_trial:
                # the process exited 0 and never reported: Syne Tune's loop would raise
                # ("completed and no metrics got observed") and end the run, and every resume
                # with it; it is a failed trial (the loop reads this same dict next)
                trial_status_dict[tid] = (trial, Status.failed)
                self._record_failure(tid, Status.failed, silent=True)
        self._fetched_status.clear()  # the journaling scheduler reads it (status_of)
        self._fetched_status.update({tid: st for tid, (_, st) in trial_status_dict.items()})
        self._fetched_trials = {tid: trial for tid, (trial, _) in trial_status_dict.items()}
        for tid, (_, status) in trial_status_dict.items():
            if status == Status.failed or (status == Status.stopped
                                           and tid not in self.trials_scheduler_stopped):
                self._record_failure(tid, status)

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

    def _journal_warm_pools(self):
        """Journal the idle warm pools the backend reported to the hardware policy
        (``HardwareFeedback``, the callback before this one), when the report changed: the
        policy's choices follow it, and a resume replays it."""
        told = getattr(policy_of(self.scheduler), "told_warm_pools", None)
        if told is not None and self._journal is not None \
                and told != self.__dict__.get("_journaled_warm"):
            self._journal.append("warm_pools", idle=told)
            self._journaled_warm = told

    def _record_failure(self, trial_id: int, status: str, silent: bool = False):
        """Journal why ``trial_id`` failed (``silent``: it exited without an error and without
        reporting any metric)."""
        if trial_id in self._failure_reasons:
            return
        try:
            tail = "".join(self.trial_backend.stderr(trial_id)[-15:]).strip()
        except Exception as e:  # noqa: BLE001 -- a reason must not break the run
            tail = f"(stderr unavailable: {e!r})"
        if silent:
            reason = NO_METRICS_REASON
            reason += f"; stderr tail: {tail[-1500:]}" if tail else ""
        elif status == Status.stopped:
            reason = "stopped outside the scheduler (killed, timed out or stopped by hand)"
            reason += f"; stderr tail: {tail[-1500:]}" if tail else ""
        else:
            reason = tail[-3000:] or "no stderr output"
        late = None  # stopped by HardwareFeedback: the hardware policy called its unit late
        late_elapsed = getattr(policy_of(self.scheduler), "late_elapsed", None)
        if status == Status.stopped and not silent and callable(late_elapsed):
            late = late_elapsed(trial_id)
            if late is not None:
                reason = (f"stopped by the hardware policy: its first unit was late "
                          f"({late:.4g} s); its configuration is trained again on another type")
        self._failure_reasons[trial_id] = reason
        kind = None  # "capacity": the type could not be had (HardwareFeedback tells the policy)
        getter = getattr(self.trial_backend, "failure_kind", None)
        if callable(getter) and not silent and status == Status.failed:
            try:
                kind = getter(trial_id)
            except Exception:  # noqa: BLE001 -- a reason must not break the run
                kind = None
        if self._journal is not None:
            self._journal.append("failed", trial_id=trial_id, status=status, reason=reason,
                                 **({"kind": kind} if kind else {}),
                                 **({"late": late} if late is not None else {}))
