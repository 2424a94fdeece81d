"""Cost of the SageMaker backend's trials, from the shared ledger
(:class:`~syne_mohb.backends.cost.TrialCostLedger`, as for the local and Ray backends).

Each training job is one ledger segment of its trial, labelled with the job's name: it opens at
the job's ``TrainingStartTime`` (start-up before it is not billed) at the catalog price of its
instance type times its instance count, and once the job ended it is reconciled with what
SageMaker reports: its length becomes ``TrainingTimeInSeconds`` and its bill
``BillableTimeInSeconds`` (below the trained seconds with managed spot). Hence:

* while a job runs, a result at time ``t`` carries the on-demand estimate
  ``(t - TrainingStartTime) x price x count`` plus the bills of the trial's earlier jobs;
* a result read after its job ended is costed pro rata of the bill, and the last result of the
  job carries the whole bill (:meth:`~syne_mohb.backends.sagemaker.poller.JobPoller._ingest`),
  so that a trial's last result equals ``trial_record(...)["cost"]``;
* ``st_worker_time`` sums the trained seconds of the trial's jobs and never decreases (container
  and service clocks may differ); without a ``TrainingStartTime`` yet, the script's own
  ``st_worker_time`` stands in.

Warm pools are billed separately, as SageMaker does (:mod:`~syne_mohb.backends.sagemaker.
warm_pools`): they are no trial's cost. The per-trial cost cap is
:class:`~syne_mohb.backends.cost.CostCapMixin`'s, applied to these costs.
"""

from __future__ import annotations

import time
from typing import Any, Mapping

from syne_mohb.backends.cost import TrialCostLedger
from syne_mohb.backends.sagemaker.launch import INSTANCE_COUNT
from syne_mohb.backends.sagemaker.records import Attempt, TrialRecord
from syne_mohb.backends.sagemaker.retry import is_capacity_error
from syne_mohb.hardware import INSTANCE_TYPE, PriceTable, dollar_cost, instance_names_in
from syne_mohb.hardware.cost import check_instance_count_domain


class JobCost:
    """Mixin of :class:`~syne_mohb.backends.sagemaker.SageMakerBackend`: prices, the cost
    ledger (``cost_ledger``) kept in step with the jobs' descriptions, costs of results, jobs
    and trials, and the trial report."""

    def _init_job_cost(self, price_table: PriceTable) -> None:
        self._price_table = price_table
        self.cost_ledger = TrialCostLedger(time.time)

    # -- prices and validation ---------------------------------------------------------------
    def _price_of(self, name: str, trial_id: int | None = None) -> float:
        try:
            return self._price_table.price_per_hour(name)
        except ValueError as e:
            if trial_id is None:
                raise
            raise type(e)(f"trial {trial_id}: instance_type {name!r}: {e}") from None

    def validate_config_space(self, config_space: Mapping[str, Any]) -> list[str]:
        """Check before tuning that every instance type the space can choose has a price and
        that ``instance_count`` (if present) only takes ints >= 1; returns the instance type
        names.

        Raises ``ValueError`` (``UnknownInstanceTypeError`` listing the closest known names,
        ``MissingPriceError``) naming the offending value.
        """
        names = instance_names_in(config_space, INSTANCE_TYPE)
        if not names:
            if self.default_instance_type is None:
                raise ValueError(
                    f"config_space has no {INSTANCE_TYPE!r} and the backend was created "
                    f"without instance_type=...: no trial would know where to run"
                )
            names = [self.default_instance_type]
        for n in names:
            self._price_of(n)
        check_instance_count_domain(config_space, INSTANCE_COUNT)
        return names

    # -- the ledger, in step with the jobs ---------------------------------------------------
    def _sync_job_cost(self, a: Attempt) -> None:
        """Open, close and reconcile the ledger segment of job ``a`` from its description."""
        ledger, tid, label = self.cost_ledger, a.trial_id, a.job_name
        if not ledger.has_segment(tid, label):
            start = a.training_start
            if start is None and a.terminal and a.training_seconds is not None \
                    and a.training_end is not None:
                start = a.training_end - a.training_seconds
            if start is None:
                return  # not trained yet: nothing is billed
            ledger.start(tid, a.price_per_hour, a.instance_count, at=start, label=label,
                         instance=a.instance_type)
        if a.training_end is not None:
            ledger.end(tid, at=a.training_end, label=label)
        if a.terminal:
            ledger.reconcile(tid, label, seconds=a.training_seconds,
                             billed_seconds=a.billable_seconds)

    def _rebuild_cost_ledger(self, trial_ids=None) -> None:
        """Segments of the trials ``trial_ids`` (default: all) from their jobs' records, e.g.
        after :meth:`load_state_dict` or a re-attach (the records are the source of truth)."""
        for tid in self._records if trial_ids is None else trial_ids:
            self.cost_ledger.discard(tid)
            for a in self._records[tid].attempts:
                self._sync_job_cost(a)

    # -- costs -------------------------------------------------------------------------------
    def _result_time_cost(self, rec: TrialRecord, i: int, t: float,
                          fallback: float | None) -> tuple[float, float]:
        """``(st_worker_time, st_worker_cost)`` of a result of job ``i`` of ``rec`` at time
        ``t`` (``fallback``: the script's own seconds, used before the job's training start is
        known); both include the trial's earlier jobs whole."""
        ledger, tid, a = self.cost_ledger, rec.trial_id, rec.attempts[i]
        earlier = [p.job_name for p in rec.attempts[:i]]
        base_seconds = sum(ledger.elapsed(tid, label=name) for name in earlier)
        base_cost = sum(ledger.cost(tid, label=name) for name in earlier)
        on_ledger = ledger.has_segment(tid, a.job_name)
        if on_ledger and a.training_start is not None:
            seconds = ledger.elapsed(tid, at=t, label=a.job_name)
        else:
            seconds = max(0.0, float(fallback or 0.0))
        rec.last_time = max(rec.last_time, base_seconds + seconds)  # never decreasing
        seconds = max(0.0, rec.last_time - base_seconds)
        if on_ledger:
            job_cost = ledger.cost_of_seconds(tid, seconds, label=a.job_name)
        else:
            job_cost = dollar_cost(seconds, a.price_per_hour, a.instance_count)
        rec.last_cost = base_cost + job_cost
        return rec.last_time, rec.last_cost

    def _billed_up_to(self, rec: TrialRecord, i: int) -> float:
        """Dollars of the jobs ``0..i`` of ``rec`` (bills of ended jobs)."""
        return sum(self.job_cost(a) for a in rec.attempts[:i + 1])

    def job_cost(self, a: Attempt) -> float:
        """Dollars of job ``a`` so far: its bill once it ended, else the on-demand estimate."""
        return self.cost_ledger.cost(a.trial_id, label=a.job_name)

    def trial_cost(self, trial_id: int) -> float:
        """Dollars of the jobs of ``trial_id`` so far: billed seconds of ended jobs, the
        on-demand estimate of a running one up to now."""
        if trial_id not in self._records:
            raise KeyError(f"trial_id {trial_id} is not a trial of this backend")
        return self.cost_ledger.cost(trial_id)

    def total_cost(self) -> float:
        """Dollars of all jobs of this backend so far (billed seconds for ended jobs); warm
        pools are billed on top (:meth:`warm_pool_cost`)."""
        return sum(self.cost_ledger.cost(tid) for tid in self._records)

    # -- reporting ---------------------------------------------------------------------------
    def job_names(self, trial_id: int) -> list[str]:
        """Names of the jobs of a trial, first attempt first (including uncreated ones)."""
        return [a.job_name for a in self._records[trial_id].attempts]

    def trial_record(self, trial_id: int) -> dict[str, Any]:
        """Status, failure reasons, jobs (instance, status, billed seconds, cost) of a trial."""
        rec = self._records[trial_id]
        return {
            "trial_id": trial_id,
            "status": self._trial_status(rec),
            "reasons": self.stderr(trial_id),
            "cost": self.trial_cost(trial_id),
            "jobs": [
                {
                    "job_name": a.job_name,
                    "attempt": a.attempt,
                    "created": a.created,
                    "instance_type": a.instance_type,
                    "instance_count": a.instance_count,
                    "status": a.status,
                    "secondary_status": a.secondary_status,
                    "failure_reason": a.failure_reason,
                    "capacity_error": is_capacity_error(a.failure_reason),
                    "training_seconds": a.training_seconds,
                    "billable_seconds": a.billable_seconds,
                    "cost": self.job_cost(a),
                    "startup_seconds": a.startup_seconds,
                    "reused_warm_pool": a.reused_warm_pool,
                    "warm_pool_status": a.warm_pool_status,
                    "warm_pool_reused_by": a.warm_pool_reused_by,
                    "warm_pool_billable_seconds": a.warm_pool_billable_seconds,
                    "warm_pool_cost": self._warm_pool_cost(a),
                }
                for a in rec.attempts
            ],
        }

    def startup_seconds(self, trial_id: int) -> float | None:
        """Seconds the current job of ``trial_id`` waited before its training started
        (``CreationTime`` to ``TrainingStartTime``: waiting for and provisioning instances, not
        billed); None while it has not started training (or before any poll described it).
        :class:`~syne_mohb.hardware.feedback.HardwareFeedback` subtracts it from a first unit's
        elapsed seconds, so that a slow provisioning is not taken for a late unit. Both times
        are SageMaker's, so a local clock that is off does not shift it."""
        rec = self._records.get(trial_id)
        if rec is None or not rec.attempts:
            return None
        return rec.attempts[-1].startup_seconds

    def failure_kind(self, trial_id: int) -> str | None:
        """Why ``trial_id`` failed, for the hardware policy
        (:class:`~syne_mohb.hardware.feedback.HardwareFeedback`): ``"capacity"`` when its last
        job failed, or could not be created, for lack of capacity of its instance type or of an
        account quota (the configuration is not to blame); None otherwise (a failure of the
        training, or a trial that has not failed)."""
        rec = self._records.get(trial_id)
        if rec is None or not rec.attempts or rec.attempts[-1].status != "Failed":
            return None
        return "capacity" if is_capacity_error(rec.attempts[-1].failure_reason) else None
