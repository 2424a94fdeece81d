"""The poller of the SageMaker backend: job status and log state machine, one round per
``fetch_status_results``.

A round (:meth:`JobPoller._poll`):

1. statuses of the jobs not ended yet (and of ended jobs whose warm pool is still kept). From
   ``search_min_jobs`` such jobs on, one ``Search`` lists the run's running jobs, and a job it
   lists ``InProgress`` takes that record; every other job gets a ``DescribeTrainingJob``:
   one ``Search`` does not list as running (it may have ended), one asked to stop, and one not
   described for ``max_status_age_s`` (``Search``'s index lags behind). A job's status only
   moves forward: ``InProgress`` -> ``Stopping`` -> ``Completed`` / ``Failed`` / ``Stopped``;
   a stale ``InProgress`` after an end is ignored;
2. resumes whose previous job has ended are launched;
3. new log lines of every job whose logs are not read to the end, from the stored CloudWatch
   tokens (no line is read twice, none lost when a call fails: it is retried next round).
   After a job ended, its streams are listed once more and read until a read brings nothing
   (CloudWatch ingestion lags behind the job's end); only then are its logs *done* and the
   trial reports the job's end (until then it stays ``in_progress``).

Metric lines become results with ``st_worker_time`` and ``st_worker_cost``
(:mod:`syne_mohb.backends.sagemaker.cost`) and ``segment_instance_type``, the instance type of
the job that wrote them. Results read after their job ended are held back
until its logs are done; the last of them then carries the job's whole bill.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import datetime
from typing import Any, Iterable, Mapping

from syne_tune.backend.trial_status import Status, TrialResult
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME, ST_WORKER_TIMESTAMP

from syne_mohb.backends.cost import SEGMENT_INSTANCE_TYPE
from syne_mohb.backends.sagemaker.jobs import TAG_RUN_ID
from syne_mohb.backends.sagemaker.logs import LogEvent, list_streams, parse_metric_line, \
    read_new_events
from syne_mohb.backends.sagemaker.records import (
    RUNNING,
    SM_TO_TRIAL,
    TERMINAL,
    Attempt,
    TrialRecord,
    epoch_seconds,
)
from syne_mohb.backends.sagemaker.retry import error_message, is_capacity_error
from syne_mohb.durable.protocol import NO_METRICS_REASON

logger = logging.getLogger(__name__)


class JobPoller:
    """Mixin of :class:`~syne_mohb.backends.sagemaker.SageMakerBackend`: polling rounds (see
    the module docstring), the trial status they imply, and the results they read."""

    # -- what the Tuner sees ------------------------------------------------------------------
    def _all_trial_results(self, trial_ids: list[int]) -> list[TrialResult]:
        with self._lock:
            self._poll()
            out = [self._trial_result(tid) for tid in trial_ids]
            for tr in out:
                self._cap_results(tr)
            return out

    def _cap_results(self, tr: TrialResult):
        """The cost cap (:class:`~syne_mohb.backends.cost.CostCapMixin`'s rule) on one trial's
        results. What a job spent after its last report counts ("over budget between two
        reports") only while nothing of it is still to come: the results of a job that ended
        are held back until its logs are read to the end, and the last of them then carries
        the job's whole bill. A trial whose job ended by itself gets the rule's first part
        once all its results are there (the first result over the cap is the last one kept,
        flagged); there is nothing left to stop."""
        tid = tr.trial_id
        rec = self._records[tid]
        held = any(a.terminal and not a.logs_done for a in rec.attempts)
        last = rec.attempts[-1] if rec.attempts else None
        ended_by_itself = (last is not None and last.terminal and last.logs_done
                           and rec.local_status is None and rec.pending_config is None)
        self._apply_cost_cap(tr, (lambda: 0.0) if held else (lambda: self.trial_cost(tid)),
                             ended=ended_by_itself)

    def _trial_result(self, trial_id: int) -> TrialResult:
        rec = self._records[trial_id]
        end = rec.attempts[-1].training_end if rec.attempts else None
        held = self._held.get(trial_id)
        return self._trial_dict[trial_id].add_results(
            metrics=rec.metrics[:held[1]] if held is not None else list(rec.metrics),
            status=self._trial_status(rec),
            training_end_time=datetime.fromtimestamp(end) if end is not None else None,
        )

    def _trial_status(self, rec: TrialRecord) -> str:
        """The Syne Tune status of a trial: the scheduler's decision if it made one, else that
        of its last job, ``in_progress`` until the logs of an ended job are read to the end."""
        if rec.local_status is not None:
            return rec.local_status
        if rec.pending_config is not None or not rec.attempts:
            return Status.in_progress
        a = rec.attempts[-1]
        if not a.created:
            return Status.failed if a.status == "Failed" else Status.in_progress
        if a.terminal and not a.logs_done:
            return Status.in_progress  # report the end once its last log lines are read
        if rec.failure is not None:
            return Status.failed
        return SM_TO_TRIAL.get(a.status, Status.in_progress)

    # -- one round -----------------------------------------------------------------------------
    def _poll(self):
        """One polling round: statuses of all unfinished jobs, then their new log lines."""
        self._round += 1
        live = [a for rec in self._records.values() for a in rec.attempts
                if a.created and (not a.terminal or self._pool_pending(a))]
        self._refresh_statuses(live)
        # launch resumes whose previous job has ended
        for rec in self._records.values():
            if rec.pending_config is not None and self.is_cost_capped(rec.trial_id):
                rec.pending_config = None  # e.g. re-attached after a crash: it stays ended
            if rec.pending_config is not None and rec.local_status is None and \
                    self._attempt_finished(rec.attempts[-1]):
                self._launch(rec, rec.pending_config)
        todo = [(rec, i) for rec in self._records.values()
                for i, a in enumerate(rec.attempts) if a.created and not a.logs_done]
        outcomes = self._parallel(self._fetch_logs, todo)
        for (rec, i), (events, listed, err) in zip(todo, outcomes):
            self._ingest(rec, i, events)
            a = rec.attempts[i]
            if err is not None:
                logger.warning("job %s: reading logs failed (%s); will retry next round",
                               a.job_name, error_message(err))
                continue
            if a.terminal:
                # every stream was read to its end after the job ended; one more round if that
                # read still brought lines (CloudWatch ingestion may lag behind the job's end)
                if listed:
                    a.streams_listed_after_end = True
                if a.streams_listed_after_end and not events:
                    a.logs_done = True
                    self._release_held(rec, i)
                    if a.status == "Completed" and not rec.metrics and rec.local_status is None \
                            and rec.pending_config is None and i == len(rec.attempts) - 1:
                        # Syne Tune ends the whole run on a completed trial without results
                        rec.failure = f"job {a.job_name}: {NO_METRICS_REASON}"
                        logger.warning("trial %d failed: %s", rec.trial_id, rec.failure)

    def wait_for_jobs(self, timeout_s: float = 600.0, poll_s: float = 10.0) -> list[str]:
        """Poll until every job of this backend has ended (e.g. after :meth:`stop_all`, to get
        final billed costs); returns the names of jobs still not ended at ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                live = [a for rec in self._records.values() for a in rec.attempts
                        if a.created and not a.terminal]
                self._refresh_statuses(live)
                live = [a.job_name for a in live if not a.terminal]
            if not live or time.monotonic() >= deadline:
                return live
            time.sleep(poll_s)

    # -- statuses ------------------------------------------------------------------------------
    def _refresh_statuses(self, attempts: list[Attempt]):
        if not attempts:
            return
        remaining = {a.job_name: a for a in attempts}
        if len(attempts) >= self.search_min_jobs:
            try:
                now = time.monotonic()
                for job in self._search_running_jobs():
                    a = remaining.get(job.get("TrainingJobName"))
                    # Search's index lags behind: a job it still shows running is described
                    # anyway when its last Describe is older than max_status_age_s
                    if a is not None and not a.stop_requested \
                            and job.get("TrainingJobStatus") == RUNNING \
                            and now - a.described_at < self.max_status_age_s:
                        self._apply_description(a, job)
                        del remaining[a.job_name]
            except Exception as e:  # noqa: BLE001 -- fall back to one Describe per job
                logger.warning("Search failed (%s); describing jobs one by one", error_message(e))

        def describe(a: Attempt):
            try:
                return self._call("DescribeTrainingJob", self.sagemaker.describe_training_job,
                                  TrainingJobName=a.job_name)
            except Exception as e:  # noqa: BLE001 -- keep the old status, retry next round
                return e

        todo = list(remaining.values())
        for a, desc in zip(todo, self._parallel(describe, todo)):
            if isinstance(desc, Exception):
                logger.warning("job %s: DescribeTrainingJob failed (%s); will retry next round",
                               a.job_name, error_message(desc))
            else:
                a.described_at = time.monotonic()
                self._apply_description(a, desc)

    def _search_running_jobs(self) -> Iterable[dict[str, Any]]:
        # the status filter comes first; filters are ANDed
        expression = {"Filters": [
            {"Name": "TrainingJobStatus", "Operator": "Equals", "Value": RUNNING},
            {"Name": f"Tags.{TAG_RUN_ID}", "Operator": "Equals", "Value": self.run_id},
        ]}
        kwargs: dict[str, Any] = {"Resource": "TrainingJob", "SearchExpression": expression,
                                  "MaxResults": 100}
        while True:
            page = self._call("Search", self.sagemaker.search, **kwargs)
            for item in page.get("Results", []):
                if "TrainingJob" in item:
                    yield item["TrainingJob"]
            token = page.get("NextToken")
            if not token:
                return
            kwargs["NextToken"] = token

    def _apply_description(self, a: Attempt, d: Mapping[str, Any]):
        """Take a job's ``DescribeTrainingJob`` (or ``Search``) record over: status, times,
        billed seconds, warm pool; then settle the job's cost segment on the ledger."""
        was_terminal = a.terminal
        status = d.get("TrainingJobStatus", a.status)
        if was_terminal and status not in TERMINAL:
            return  # never go back from a terminal state (stale Search results)
        a.status = status
        a.secondary_status = d.get("SecondaryStatus", a.secondary_status)
        a.failure_reason = d.get("FailureReason", a.failure_reason)
        a.training_start = epoch_seconds(d.get("TrainingStartTime")) or a.training_start
        a.training_end = epoch_seconds(d.get("TrainingEndTime")) or a.training_end
        if d.get("TrainingTimeInSeconds") is not None:
            a.training_seconds = float(d["TrainingTimeInSeconds"])
        if d.get("BillableTimeInSeconds") is not None:
            a.billable_seconds = float(d["BillableTimeInSeconds"])
        a.creation_time = epoch_seconds(d.get("CreationTime")) or a.creation_time
        self._apply_warm_pool(a, d.get("WarmPoolStatus"))
        self._sync_job_cost(a)
        if a.terminal and not was_terminal:
            a.streams_listed_after_end = False
            if a.status == "Failed":
                kind = "capacity" if is_capacity_error(a.failure_reason) else "failure"
                logger.warning("job %s failed (%s): %s", a.job_name, kind, a.failure_reason)

    # -- logs ----------------------------------------------------------------------------------
    def _fetch_logs(self, item: tuple[TrialRecord, int]):
        """(events, listed streams this round, error) of one job; runs in the poll threads."""
        rec, i = item
        a = rec.attempts[i]
        listed = False
        try:
            if (a.terminal and not a.streams_listed_after_end) or not a.cursor.tokens \
                    or self._round % self.stream_refresh_rounds == 0:
                list_streams(self.logs, a.cursor, self._call)
                listed = a.terminal
        except Exception as e:  # noqa: BLE001 -- retried next round
            return [], False, e
        events, err = read_new_events(self.logs, a.cursor, self._call)
        return events, listed, err

    def _ingest(self, rec: TrialRecord, attempt_index: int, events: list[LogEvent]):
        """Parse new log lines of one job; every metric gets the trial's time and cost so far
        (:meth:`~syne_mohb.backends.sagemaker.cost.JobCost._result_time_cost`).

        Results read after the job ended are held back until its logs are read to the end;
        the last of them then carries the job's whole bill (time after the last report, e.g.
        the upload, is billed too), so that the trial's last result equals its bill. A result
        read while the job still ran keeps its on-demand estimate: it was already handed to
        the scheduler.
        """
        if not events:
            return
        a = rec.attempts[attempt_index]
        held = self._held.get(rec.trial_id)
        if held is not None and held[0] != attempt_index:
            self._release_held(rec)  # an earlier job's results come first, and are final
        for ev in events:
            rec.stdout.append(ev.message.rstrip("\n"))
            metric = parse_metric_line(ev.message)
            if metric is None:
                continue
            event_ts = ev.timestamp_ms / 1000.0
            t = metric.get(ST_WORKER_TIMESTAMP)
            if not isinstance(t, (int, float)) or not math.isfinite(t):
                t = event_ts
                metric[ST_WORKER_TIMESTAMP] = event_ts
            script_time = metric.get(ST_WORKER_TIME)
            fallback = script_time if isinstance(script_time, (int, float)) else None
            metric[ST_WORKER_TIME], metric[ST_WORKER_COST] = \
                self._result_time_cost(rec, attempt_index, t, fallback)
            # the job's instance type: a resume may have moved the trial to another one
            metric[SEGMENT_INSTANCE_TYPE] = a.instance_type
            if a.terminal and rec.trial_id not in self._held:
                self._held[rec.trial_id] = (attempt_index, len(rec.metrics))
            rec.metrics.append(metric)

    def _release_held(self, rec: TrialRecord, attempt_index: int | None = None):
        """Hand over the results held back for an ended job (only for ``attempt_index`` if
        given); the last of them gets the trial's billed cost up to the end of that job."""
        held = self._held.get(rec.trial_id)
        if held is None or (attempt_index is not None and held[0] != attempt_index):
            return
        del self._held[rec.trial_id]
        i, start = held
        if len(rec.metrics) > start:
            bill = self._billed_up_to(rec, i)
            rec.metrics[-1][ST_WORKER_COST] = bill
            rec.last_cost = bill
