"""Crash recovery of durable runs on SageMaker (:meth:`SageMakerBackend.durable_recovery
<syne_mohb.backends.sagemaker.SageMakerBackend.durable_recovery>`).

Every launch journals the job's name (:meth:`SageMakerRecovery.launch_info`). On resume
(:meth:`SageMakerRecovery.recover`) the run's jobs are listed by name and run-id tag
(:meth:`~syne_mohb.backends.sagemaker.reattach.Reattach.find_run_jobs`) and every journaled
trial is re-attached to its jobs (:meth:`~syne_mohb.backends.sagemaker.reattach.Reattach.
reattach_trial`): logs are read again from the start (only lines beyond the journaled count are
new results), so jobs that ended while the driver was down contribute their logged results;
jobs of trials the scheduler had already stopped or paused are stopped; a trial whose last job
was stopped resumes from its checkpoint, unless the cost cap had ended it; a trial whose job
was never created is launched (an existing job of the same name is adopted, never duplicated);
jobs of the run that no journaled trial owns are stopped (never orphaned). Costs follow from the
jobs' descriptions, so the cost ledger needs no journaled state.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from typing import Any

from syne_tune.backend.trial_status import Status

from syne_mohb.durable.protocol import BackendRecovery, missing_path_problem

logger = logging.getLogger(__name__)

__all__ = ["SageMakerRecovery"]


class SageMakerRecovery(BackendRecovery):
    """Recovery of :class:`~syne_mohb.backends.sagemaker.SageMakerBackend` (see the module)."""

    def resume_problem(self, backend) -> str | None:
        """The run's code is gone (its jobs could not be launched), or its container
        environment was not given again (its values are not saved: they may be secrets)."""
        for what, path, is_there in (("training script", backend.entry_point, os.path.isfile),
                                     ("source_dir", backend.source_dir, os.path.isdir)):
            problem = missing_path_problem(what, path, is_there)
            if problem:
                return problem
        missing = getattr(backend, "_environment_missing", None)
        if missing:
            env = ", ".join(f"{name!r}: ..." for name in missing)
            return (f"the run's jobs need their container environment variables {missing}, "
                    f"which are not saved with the run (they may be secrets): resume it from "
                    f"Python with syne_mohb.durable.resume(RUN_DIR, environment={{{env}}}); "
                    f"nothing was started")
        return None

    def launch_info(self, backend, trial_id: int) -> dict[str, Any]:
        """The name of the trial's latest job (``{}`` if it has none)."""
        names = backend.job_names(trial_id)
        return {"job_name": names[-1]} if names else {}

    def recover(self, tuner, replay, journal) -> list[int]:
        """Re-attach, resume, launch or end each journaled trial; returns those in flight."""
        backend = tuner.trial_backend
        by_trial: dict[int, list[dict]] = defaultdict(list)
        for j in backend.find_run_jobs():
            by_trial[j["trial_id"]].append(j)
        # drop any state the pickled backend held: it then holds exactly the journaled trials,
        # and adopts existing jobs by name before it creates one
        backend.load_state_dict({"run_id": backend.run_id, "code_uri": None, "trials": {}})
        relaunch, running = [], []
        for tid, tr in replay.trials.items():
            found = backend.reattach_trial(tid, tr.config, tr.status, by_trial.pop(tid, []))
            for name in found.stopped_jobs:
                journal.append("job_stopped", trial_id=tid, job_name=name,
                               why=f"trial is {tr.status}")
            if tr.status != Status.in_progress:
                continue
            running.append(tid)
            if found.action == "launch":
                relaunch.append(tid)  # the crash came before CreateTrainingJob
            elif found.action == "resume" and backend.is_cost_capped(tid):
                # its job was stopped by the cost cap: the backend launches nothing, reads its
                # logs up to the cap and reports it completed
                journal.append("cost_capped_kept_ended", trial_id=tid, after=found.jobs[-1])
            elif found.action == "resume":
                entry = journal.append("relaunched", trial_id=tid, after=found.jobs[-1])
                tuner.note_relaunch(tid, entry["t"])
            else:
                journal.append("reattached", trial_id=tid, jobs=list(found.jobs),
                               status=found.last_job_status)
        for tid, js in sorted(by_trial.items()):
            for j in js:  # jobs of this run no journaled trial owns: never leave them running
                if j["status"] in ("InProgress", "Stopping"):
                    backend.stop_job_by_name(j["job_name"])  # logs an error if it failed
                    journal.append("job_stopped", trial_id=tid, job_name=j["job_name"],
                                   why="not in the journal")
        for tid in relaunch:
            backend.launch_job(tid, replay.trials[tid].config)
            entry = journal.append("relaunched", trial_id=tid, **self.launch_info(backend, tid))
            tuner.note_relaunch(tid, entry["t"])
        return running
