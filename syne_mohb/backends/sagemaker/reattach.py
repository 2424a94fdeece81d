"""Re-attach: a restarted driver takes the jobs of its run over instead of starting duplicates.

Every job carries tags (run id, trial id, attempt), so :meth:`Reattach.find_run_jobs` finds the
jobs of a run on SageMaker; :meth:`Reattach.reattach_trial` rebuilds a trial from its jobs
(their logs are read again from the start) and says what the trial needs next
(:class:`ReattachedTrial`). :meth:`Reattach.state_dict` / :meth:`Reattach.load_state_dict`
save and restore the backend's own view (jobs, log positions, results) as JSON. After either,
a job of this run that already exists on SageMaker is adopted by name before a new one is
created, so no job is ever created twice. Crash recovery of durable runs builds on these
(:mod:`syne_mohb.backends.sagemaker.recovery`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Literal, Mapping

from syne_tune.backend.trial_status import Status

from syne_mohb.backends.sagemaker.jobs import TAG_ATTEMPT, TAG_RUN_ID, TAG_TRIAL_ID
from syne_mohb.backends.sagemaker.records import Attempt, TrialRecord


@dataclass(frozen=True)
class ReattachedTrial:
    """What :meth:`~Reattach.reattach_trial` found and did for one trial.

    ``action`` is what the trial needs next:

    * ``"ended"``: the trial had ended for the scheduler; its jobs still running were stopped
      (``stopped_jobs``) and no log line of it is read again;
    * ``"reattached"``: its last job is followed again (status and new log lines);
    * ``"resume"``: its last job was stopped; a new job continuing from the trial's checkpoint
      is launched by the next polling round;
    * ``"launch"``: no job of it was ever created; call :meth:`~Reattach.launch_job`.
    """

    trial_id: int
    jobs: tuple[str, ...]
    """Names of the trial's jobs found on SageMaker, first attempt first."""
    last_job_status: str | None
    """SageMaker status of the last job (``None`` without jobs)."""
    stopped_jobs: tuple[str, ...]
    """Jobs ``StopTrainingJob`` was called on because the trial had ended for the scheduler."""
    action: Literal["ended", "reattached", "resume", "launch"]


class Reattach:
    """Mixin of :class:`~syne_mohb.backends.sagemaker.SageMakerBackend`: finding a run's jobs,
    re-attaching trials to them, and the backend's JSON state."""

    def find_run_jobs(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Training jobs of a run found on SageMaker (``ListTrainingJobs`` with the run id in
        the name, confirmed by the run-id tag): dicts with ``job_name``, ``trial_id``,
        ``attempt``, ``status``; sorted by trial and attempt."""
        run_id = run_id or self.run_id
        found = []
        kwargs: dict[str, Any] = {"NameContains": run_id, "MaxResults": 100}
        while True:
            page = self._call("ListTrainingJobs", self.sagemaker.list_training_jobs, **kwargs)
            for s in page.get("TrainingJobSummaries", []):
                tags = self._job_tags(s["TrainingJobArn"])
                if tags.get(TAG_RUN_ID) != run_id:
                    continue
                found.append({
                    "job_name": s["TrainingJobName"],
                    "trial_id": int(tags.get(TAG_TRIAL_ID, -1)),
                    "attempt": int(tags.get(TAG_ATTEMPT, -1)),
                    "status": s.get("TrainingJobStatus"),
                })
            token = page.get("NextToken")
            if not token or token == kwargs.get("NextToken"):
                break
            kwargs["NextToken"] = token
        return sorted(found, key=lambda j: (j["trial_id"], j["attempt"]))

    def describe_job(self, job_name: str) -> dict[str, Any]:
        """``DescribeTrainingJob`` of ``job_name`` as boto3 returns it (status, times,
        ``ResourceConfig``, ...); throttling, 5xx and connection errors are retried."""
        return self._call("DescribeTrainingJob", self.sagemaker.describe_training_job,
                          TrainingJobName=job_name)

    def reattach_trial(
        self,
        trial_id: int,
        config: Mapping[str, Any],
        status: str,
        jobs: Iterable[Mapping[str, Any]] = (),
    ) -> ReattachedTrial:
        """Take a trial of this run over from an earlier driver, from its jobs on SageMaker.

        Each job is described (instance type and count, status, times; price from this
        backend's price table) and becomes one attempt of the trial, whose logs are read again
        from the start. The trial's record replaces any this backend held, and from now on an
        existing job of this run is adopted by name before a new one is created (as after
        :meth:`load_state_dict`). Reset the backend first (``load_state_dict`` with no trials)
        to drop the state of trials that are not re-attached.

        :param trial_id: the trial's id
        :param config: the trial's (latest) config
        :param status: the trial's Syne Tune status for the scheduler. ``in_progress``: the
            trial is followed again (see :class:`ReattachedTrial` for what it needs next).
            Anything else: the trial had ended for the scheduler, its running jobs are
            stopped, its logs are not read again, and it reports ``paused`` / ``stopped`` if
            that was its status, else the status of its last job.
        :param jobs: the trial's jobs as :meth:`find_run_jobs` lists them (``job_name`` and
            ``attempt`` are used), in any order
        :return: the jobs found, the jobs stopped, and what the trial needs next
        """
        with self._lock:
            rec = TrialRecord(trial_id=trial_id, config=dict(config))
            self.cost_ledger.discard(trial_id)
            for j in sorted(jobs, key=lambda j: j["attempt"]):
                desc = self.describe_job(j["job_name"])
                rc = desc.get("ResourceConfig", {})
                itype = rc.get("InstanceType") or self.default_instance_type
                a = Attempt(job_name=j["job_name"], attempt=j["attempt"], instance_type=itype,
                            instance_count=int(rc.get("InstanceCount", 1)),
                            price_per_hour=self._price_of(itype), created=True,
                            trial_id=trial_id)
                self._apply_description(a, desc)
                rec.attempts.append(a)
            stopped: list[str] = []
            action: Literal["ended", "reattached", "resume", "launch"]
            if status != Status.in_progress:
                # finished for the scheduler: its logs are not needed; its jobs must end
                for a in rec.attempts:
                    a.logs_done = True
                    if not a.terminal:
                        self._stop_job(a)
                        stopped.append(a.job_name)
                if status in (Status.paused, Status.stopped):
                    rec.local_status = status
                action = "ended"
            elif not rec.attempts:
                action = "launch"  # the driver died before CreateTrainingJob
            elif rec.attempts[-1].status == "Stopped":
                # stopped by the dying driver's handler or by hand: continue from checkpoint
                rec.pending_config = dict(config)
                action = "resume"
            else:
                action = "reattached"
            self._records[trial_id] = rec
            self._held.pop(trial_id, None)
            self._check_existing_before_create = True
            return ReattachedTrial(
                trial_id=trial_id,
                jobs=tuple(a.job_name for a in rec.attempts),
                last_job_status=rec.attempts[-1].status if rec.attempts else None,
                stopped_jobs=tuple(stopped),
                action=action,
            )

    def launch_job(self, trial_id: int, config: Mapping[str, Any]) -> None:
        """Launch the next job of a trial this backend already holds, e.g. one that
        :meth:`reattach_trial` found without any job (action ``"launch"``), with ``config``.

        Unlike Syne Tune's ``start_trial`` / ``resume_trial`` this touches no trial
        bookkeeping of the ``TrialBackend``. After :meth:`reattach_trial` or
        :meth:`load_state_dict`, a job of the same name and run that already exists on
        SageMaker is adopted instead of created twice. If the trial's last job is still
        running, the launch waits for it to end (as a resume does).
        """
        self._schedule(trial_id, dict(config))

    def state_dict(self) -> dict[str, Any]:
        """JSON-serializable state (run id, code URI, per-trial jobs, log tokens, metrics,
        capped trials). The cost ledger is not part of it: it follows from the jobs."""
        with self._lock:
            return {
                "run_id": self.run_id,
                "code_uri": self._code_uri,
                "trials": {str(tid): rec.to_dict() for tid, rec in self._records.items()},
                "held": {str(tid): list(h) for tid, h in self._held.items()},
                "cost_capped": {str(tid): list(kc) for tid, kc in self.cost_cap_records().items()},
            }

    def load_state_dict(self, state: Mapping[str, Any]):
        """Restore :meth:`state_dict` output (same ``run_id``); jobs are then re-attached by
        name before any new one is created, so a restarted driver never duplicates a job."""
        with self._lock:
            self.run_id = state["run_id"]
            self._code_uri = state.get("code_uri")
            self._records = {int(k): TrialRecord.from_dict(v)
                             for k, v in state.get("trials", {}).items()}
            self._held = {int(k): (int(h[0]), int(h[1])) for k, h in state.get("held", {}).items()
                          if int(k) in self._records}
            for k, (keep, cost) in state.get("cost_capped", {}).items():
                self.restore_cost_cap(int(k), int(keep), float(cost))
            self.cost_ledger.load_state_dict({"trials": {}})
            self._rebuild_cost_ledger()
            self._check_existing_before_create = True
