"""Records of the SageMaker backend: one :class:`Attempt` per training job (what SageMaker
reported about it: status, times, billed seconds, warm pool, log position) and one
:class:`TrialRecord` per trial; both serialize to JSON for durable runs.

The records hold facts, no cost arithmetic: a job's dollars come from the backend's
:class:`~syne_mohb.backends.cost.TrialCostLedger` (:mod:`syne_mohb.backends.sagemaker.cost`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from syne_tune.backend.trial_status import Status

from syne_mohb.backends.sagemaker.logs import LogCursor

RUNNING = "InProgress"
STOPPING = "Stopping"
TERMINAL = frozenset({"Completed", "Failed", "Stopped"})
PENDING = "Pending"  # attempt recorded, job not created yet (or creation failed: see reason)
SM_TO_TRIAL = {
    RUNNING: Status.in_progress,
    STOPPING: Status.stopping,
    "Completed": Status.completed,
    "Failed": Status.failed,
    "Stopped": Status.stopped,
}


def epoch_seconds(value: Any) -> float | None:
    """A boto3 timestamp (datetime) or epoch seconds -> epoch seconds."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@dataclass
class Attempt:
    """One training job of a trial (attempt 0 = start, 1, 2, ... = resumes)."""

    job_name: str
    attempt: int
    instance_type: str
    instance_count: int
    price_per_hour: float
    created: bool = False
    status: str = PENDING
    secondary_status: str | None = None
    failure_reason: str | None = None
    training_start: float | None = None
    training_end: float | None = None
    training_seconds: float | None = None
    billable_seconds: float | None = None
    stop_requested: bool = False
    described_at: float = float("-inf")  # time.monotonic() of the last DescribeTrainingJob
    logs_done: bool = False
    streams_listed_after_end: bool = False
    # warm pools (DescribeTrainingJob's CreationTime and WarmPoolStatus)
    creation_time: float | None = None
    warm_pool_status: str | None = None  # InUse | Available | Reused | Terminated
    warm_pool_reused_by: str | None = None  # the job that took this job's warm pool over
    warm_pool_billable_seconds: float | None = None  # ResourceRetainedBillableTimeInSeconds
    reused_warm_pool: bool = False  # this job ran on instances kept by an earlier job
    cursor: LogCursor = None  # type: ignore[assignment]
    trial_id: int = -1  # the trial the job belongs to (set by its TrialRecord)

    def __post_init__(self):
        if self.cursor is None:
            self.cursor = LogCursor(self.job_name)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def startup_seconds(self) -> float | None:
        """Seconds from ``CreationTime`` to ``TrainingStartTime``: waiting for and provisioning
        instances (short on a reused warm pool). Not billed, not in ``st_worker_time``."""
        if self.creation_time is None or self.training_start is None:
            return None
        return max(0.0, self.training_start - self.creation_time)

    def to_dict(self) -> dict[str, Any]:
        skip = ("cursor", "described_at")  # monotonic time means nothing in another process
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in skip}
        d["cursor"] = self.cursor.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Attempt":
        d = dict(d)
        cursor = LogCursor.from_dict(d.pop("cursor"))
        return cls(cursor=cursor, **d)


@dataclass
class TrialRecord:
    """A trial as the backend follows it: its jobs (``attempts``, first job first), the
    results read from their logs so far, and the scheduler's decision (``local_status``)."""

    trial_id: int
    config: dict[str, Any]
    attempts: list[Attempt] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    local_status: str | None = None  # Status.paused / Status.stopped when the scheduler decided
    pending_config: dict[str, Any] | None = None  # resume waiting for the previous job to end
    reasons: list[str] = field(default_factory=list)
    # why the backend reports the trial failed although its last job completed
    failure: str | None = None
    stdout: deque = field(default_factory=lambda: deque(maxlen=5000))
    last_time: float = 0.0
    last_cost: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial_id": self.trial_id,
            "config": self.config,
            "attempts": [a.to_dict() for a in self.attempts],
            "metrics": self.metrics,
            "local_status": self.local_status,
            "pending_config": self.pending_config,
            "reasons": list(self.reasons),
            "failure": self.failure,
            "last_time": self.last_time,
            "last_cost": self.last_cost,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "TrialRecord":
        rec = cls(trial_id=int(d["trial_id"]), config=dict(d["config"]))
        rec.attempts = [Attempt.from_dict(a) for a in d.get("attempts", [])]
        for a in rec.attempts:
            a.trial_id = rec.trial_id
        rec.metrics = list(d.get("metrics", []))
        rec.local_status = d.get("local_status")
        rec.pending_config = d.get("pending_config")
        rec.reasons = list(d.get("reasons", []))
        rec.failure = d.get("failure")
        rec.last_time = float(d.get("last_time", 0.0))
        rec.last_cost = float(d.get("last_cost", 0.0))
        return rec
