"""SageMaker managed warm pools of the backend's jobs (``keep_alive_seconds``).

After a job with ``ResourceConfig.KeepAlivePeriodInSeconds`` ended, SageMaker keeps its instances
provisioned that long; the next job of the run with the same instance type and count (a resume,
or the next trial) starts on them (``WarmPoolStatus`` ``InUse``, and the earlier job's
``ReusedByJob``). An ended job is described on until its pool was reused or terminated, which
gives the pool's retained billable seconds (``ResourceRetainedBillableTimeInSeconds``).

SageMaker bills that time on top of the jobs, at the job's price times its instance count: it
is reported here (:meth:`WarmPools.warm_pool_report`, :meth:`WarmPools.warm_pool_cost`), never
in a trial's ``st_worker_cost``. :meth:`WarmPools.release_warm_pools` ends the pools still kept
(``stop_all`` calls it at the end of tuning).
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

from syne_mohb.backends.sagemaker.records import Attempt
from syne_mohb.backends.sagemaker.retry import error_message
from syne_mohb.hardware import dollar_cost

logger = logging.getLogger(__name__)


class WarmPools:
    """Mixin of :class:`~syne_mohb.backends.sagemaker.SageMakerBackend`: warm-pool state of
    its jobs, their report and cost, and their release."""

    def _pool_pending(self, a: Attempt) -> bool:
        """An ended job whose warm pool is still kept: described on, until the pool was
        reused (by which job) or terminated (its final retained billable seconds)."""
        return bool(self.keep_alive_seconds) and a.terminal and a.warm_pool_status in (
            None, "Available", "InUse")

    def _apply_warm_pool(self, a: Attempt, wp: Mapping[str, Any] | None):
        """Take a job's ``WarmPoolStatus`` over (and mark the job that reused its pool)."""
        if not wp:
            return
        a.warm_pool_status = wp.get("Status", a.warm_pool_status)
        if wp.get("ResourceRetainedBillableTimeInSeconds") is not None:
            a.warm_pool_billable_seconds = float(wp["ResourceRetainedBillableTimeInSeconds"])
        if a.warm_pool_status == "InUse":
            a.reused_warm_pool = True
        reused_by = wp.get("ReusedByJob")
        if reused_by and reused_by != a.warm_pool_reused_by:
            a.warm_pool_reused_by = reused_by
            for rec in self._records.values():
                for other in rec.attempts:
                    if other.job_name == reused_by:
                        other.reused_warm_pool = True
            logger.info("job %s reused the warm pool of job %s", reused_by, a.job_name)

    @staticmethod
    def _warm_pool_cost(a: Attempt) -> float:
        return dollar_cost(a.warm_pool_billable_seconds or 0.0, a.price_per_hour,
                           a.instance_count)

    def warm_pool_report(self) -> list[dict[str, Any]]:
        """One row per created job, in launch order: ``trial_id``, ``attempt``, ``job_name``,
        ``instance_type``, ``reused_warm_pool`` (it started on instances an earlier job kept),
        ``startup_seconds`` (``CreationTime`` -> ``TrainingStartTime``: waiting for instances,
        not billed), ``warm_pool_status``, ``warm_pool_reused_by``,
        ``warm_pool_billable_seconds`` and ``warm_pool_cost`` (the time its instances were
        kept after it ended: billed by SageMaker on top of the job, ``seconds x price x
        count``; not part of any trial's ``st_worker_cost``)."""
        with self._lock:
            rows = [
                {
                    "trial_id": rec.trial_id,
                    "attempt": a.attempt,
                    "job_name": a.job_name,
                    "instance_type": a.instance_type,
                    "reused_warm_pool": a.reused_warm_pool,
                    "startup_seconds": a.startup_seconds,
                    "warm_pool_status": a.warm_pool_status,
                    "warm_pool_reused_by": a.warm_pool_reused_by,
                    "warm_pool_billable_seconds": a.warm_pool_billable_seconds,
                    "warm_pool_cost": self._warm_pool_cost(a),
                    "creation_time": a.creation_time,
                }
                for rec in self._records.values() for a in rec.attempts if a.created
            ]
        return sorted(rows, key=lambda r: (r["creation_time"] or 0.0, r["job_name"]))

    def idle_warm_pools(self) -> dict[str, int]:
        """``{instance type: pools}`` of the ended jobs whose warm pool is idle now (their last
        ``WarmPoolStatus`` was ``Available``: kept and not reused yet), as of the last poll; {}
        without ``keep_alive_seconds`` or where the account's warm-pool quota kept none. What
        :class:`~syne_mohb.hardware.feedback.HardwareFeedback` tells the hardware policy."""
        idle: dict[str, int] = {}
        if not self.keep_alive_seconds:
            return idle
        with self._lock:
            for rec in self._records.values():
                for a in rec.attempts:
                    if a.created and a.terminal and a.warm_pool_status == "Available":
                        idle[a.instance_type] = idle.get(a.instance_type, 0) + 1
        return idle

    def warm_pool_cost(self) -> float:
        """Dollars SageMaker bills for the warm pools of this backend's jobs so far."""
        with self._lock:
            return sum(self._warm_pool_cost(a) for rec in self._records.values()
                       for a in rec.attempts)

    def release_warm_pools(self) -> list[str]:
        """End the warm pools this backend's jobs still keep (``UpdateTrainingJob`` with
        ``KeepAlivePeriodInSeconds=0``), so that they are no longer billed; returns the job
        names whose pools were released. :meth:`stop_all` calls it at the end of tuning."""
        released = []
        with self._lock:
            kept = [a for rec in self._records.values() for a in rec.attempts
                    if a.created and a.terminal and self._pool_pending(a)]
            self._refresh_statuses(kept)
            for a in kept:
                if a.warm_pool_status != "Available":
                    continue
                try:
                    self._call("UpdateTrainingJob", self.sagemaker.update_training_job,
                               TrainingJobName=a.job_name,
                               ResourceConfig={"KeepAlivePeriodInSeconds": 0})
                except Exception as e:  # noqa: BLE001 -- report, the pool expires by itself
                    logger.warning("could not release the warm pool of job %s (%s); it ends "
                                   "after its keep-alive period", a.job_name, error_message(e))
                    continue
                released.append(a.job_name)
            self._refresh_statuses([a for a in kept if a.job_name in released])
        return released
