"""Start-up of a training job: provisioning (not billed) and download (billed), warm pools.

On SageMaker every trial start and every resume is a new training job. Before the training
script runs, the job waits for an instance ("Starting": provisioning, not billed) and then
downloads the image and the input data ("Downloading": billed, as ``BillableTimeInSeconds``
counts from there). A managed warm pool (``KeepAlivePeriodInSeconds``) keeps the instance of a
finished job for a matching next job on the same instance type, which then skips most of the
provisioning and the image download.

:class:`JobStartup` holds those delays per instance family for the simulated backend. **The
defaults are modelled, not measured**: no public source states SageMaker start-up times per
instance type (AWS's warm-pool guide only says that a cold start has "typical startup times"
and that warm pools reduce the time spent provisioning). They are orders of magnitude that users
commonly observe (one to a few minutes), larger for accelerated instances (bigger images,
scarcer capacity); replace them with the ``Starting`` / ``Downloading`` durations of your own
jobs (``DescribeTrainingJob``'s ``SecondaryStatusTransitions``).
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from syne_mohb.hardware.catalog import _is_real

__all__ = ["JobStartup", "WarmPools", "WeighedPools", "instance_group", "startup_text"]

#: instance families with accelerators (GPU or Trainium/Inferentia)
_ACCELERATED_PREFIXES = ("g", "p", "trn", "inf", "dl")


def instance_group(instance_type: str) -> str:
    """``"accelerated"`` for GPU / Trainium families (ml.g5, ml.p3, ml.trn1, ...), else
    ``"cpu"``."""
    parts = str(instance_type).split(".")
    family = parts[1] if len(parts) >= 3 and parts[0] == "ml" else parts[0]
    return "accelerated" if family.startswith(_ACCELERATED_PREFIXES) else "cpu"


@dataclass(frozen=True)
class JobStartup:
    """Per-job start-up delays (seconds) by instance group, and warm-pool reuse.

    :param provisioning_s: unbilled wait for an instance, by group ("cpu", "accelerated")
    :param download_s: billed download of image and data, by group
    :param keep_alive_s: warm-pool keep-alive period (0: no warm pools)
    :param warm_provisioning_s: unbilled wait of a job that reuses a warm instance
    :param warm_download_s: billed download of a job that reuses a warm instance (the image is
        cached on the instance)
    """

    provisioning_s: dict[str, float] = field(
        default_factory=lambda: {"cpu": 90.0, "accelerated": 150.0})
    download_s: dict[str, float] = field(
        default_factory=lambda: {"cpu": 20.0, "accelerated": 60.0})
    keep_alive_s: float = 0.0
    warm_provisioning_s: float = 15.0
    warm_download_s: float = 5.0

    def __post_init__(self):
        for name in ("provisioning_s", "download_s"):
            table = getattr(self, name)
            if not isinstance(table, dict):
                raise ValueError(f"{name} must be a dict of seconds by instance group, e.g. "
                                 f"{{'cpu': 90.0, 'accelerated': 150.0}}, got {table!r}")
            missing = {"cpu", "accelerated"} - set(table)
            if missing:
                raise ValueError(f"{name} needs an entry for {sorted(missing)}, got {table}")
            bad = {k: v for k, v in table.items() if not _seconds(v)}
            if bad:
                raise ValueError(f"{name} values must be seconds >= 0, got {bad}")
        for name in ("keep_alive_s", "warm_provisioning_s", "warm_download_s"):
            if not _seconds(getattr(self, name)):
                raise ValueError(f"{name} must be seconds >= 0, got {getattr(self, name)!r}")

    def delays(self, instance_type: str, warm: bool) -> tuple[float, float]:
        """``(unbilled seconds, billed seconds)`` before the script of a job starts."""
        if warm:
            return self.warm_provisioning_s, self.warm_download_s
        group = instance_group(instance_type)
        return self.provisioning_s[group], self.download_s[group]

    def cold_total(self, instance_type: str) -> float:
        unbilled, billed = self.delays(instance_type, warm=False)
        return unbilled + billed

    def describe(self) -> str:
        """One phrase for labels and messages: the warm-pool keep-alive, and every delay when
        they are not the defaults."""
        pools = (f"warm pools kept {self.keep_alive_s:g} s" if self.keep_alive_s
                 else "no warm pools")
        delays = ""
        if self != JobStartup(keep_alive_s=self.keep_alive_s):
            delays = (f", provisioning {self.provisioning_s} s, download {self.download_s} s, "
                      f"warm {self.warm_provisioning_s:g} s + {self.warm_download_s:g} s")
        return f"SageMaker job start-up ({pools}{delays})"


class WarmPools:
    """Idle instances that managed warm pools keep, per instance type (modelled): a job that
    ends (completes, is stopped, paused or fails) leaves its instance idle for ``keep_alive_s``
    seconds; the next job on that type started within that time takes it. The one rule of the
    simulated backend (which starts jobs) and of the hardware policy (which weighs a type's
    start-up by it, on what MO-ASHA tells it). Each call is ``O(idle instances of the type)``.

    :param keep_alive_s: ``JobStartup.keep_alive_s`` (0: no pools; nothing is kept)
    """

    def __init__(self, keep_alive_s: float, ends: dict[str, list[float]] | None = None):
        self.keep_alive_s = float(keep_alive_s)
        self._ends: dict[str, list[float]] = defaultdict(list, ends or {})

    def release(self, instance: str, at: float) -> None:
        """A job on ``instance`` ended at ``at``: its instance waits idle."""
        if self.keep_alive_s > 0:
            self._ends[str(instance)].append(float(at))

    def _live(self, instance: str, now: float) -> list[float]:
        pool = self._ends[str(instance)]
        pool[:] = [end for end in pool if end + self.keep_alive_s >= now]  # expired: gone
        return pool

    def warm(self, instance: str, now: float) -> bool:
        """Whether a job started on ``instance`` at ``now`` would find an idle instance."""
        return self.keep_alive_s > 0 and any(end <= now for end in self._live(instance, now))

    def take(self, instance: str, now: float) -> bool:
        """A job starts on ``instance`` at ``now``: it takes the first idle instance there, if
        any (True)."""
        if self.keep_alive_s <= 0:
            return False
        pool = self._live(instance, now)
        for k, end in enumerate(pool):
            if end <= now:
                del pool[k]
                return True
        return False


class WeighedPools:
    """The warm pools a hardware policy weighs a type's start-up by: modelled from the jobs it is
    told ended (:class:`WarmPools`, the simulated backend's rule), until the backend reports the
    idle pools it really has (:meth:`tell`: SageMaker keeps a pool only within the account's
    warm-pool quota); from the first report on, those, less the ones that jobs started since
    have taken. Each call is ``O(idle instances of the type)``.

    :param keep_alive_s: the jobs' ``JobStartup.keep_alive_s`` (0: nothing is ever warm)
    """

    def __init__(self, keep_alive_s: float):
        self.modelled = WarmPools(keep_alive_s)
        self._ended: set[tuple[int, int]] = set()  # (trial, segment) whose job ended
        self.told: dict[str, int] | None = None  # the backend's last report, {type: pools}
        self._taken: dict[str, int] = {}  # pools taken per type since that report

    def end(self, job: tuple[int, int]) -> bool:
        """The job ``(trial, segment)`` ended: True the first time it is told (a trial stopped
        at its last epoch is then reported complete: one job, told twice)."""
        if job in self._ended:
            return False
        self._ended.add(job)
        return True

    def release(self, instance: str, at: float) -> None:
        """An ended job's instance on ``instance`` waits idle from ``at`` (modelled)."""
        self.modelled.release(instance, at)

    def tell(self, idle: dict[str, int]) -> None:
        """The backend's idle pools now, ``{type: pools > 0}``. A report equal to the last one
        changes nothing: a report lags behind the jobs placed since, so it does not give the
        pools they took back."""
        if idle != self.told:
            self.told = dict(idle)
            self._taken = {}

    def idle(self, instance: str) -> int | None:
        """Idle pools of ``instance`` by the last report, less those taken since; None without
        a report."""
        if self.told is None:
            return None
        return self.told.get(instance, 0) - self._taken.get(instance, 0)

    def warm(self, instance: str, now: float) -> bool:
        """Whether a job started on ``instance`` at ``now`` finds an idle instance: by the
        backend's last report where there is one, else by the modelled pools."""
        if self.told is not None:
            return self.idle(instance) > 0
        return self.modelled.warm(instance, now)

    def take(self, instance: str, now: float) -> None:
        """A job starts on ``instance`` at ``now``: it takes one of the type's idle instances,
        if any (in the modelled pools and in the last report's)."""
        self.modelled.take(instance, now)
        if (self.idle(instance) or 0) > 0:
            self._taken[instance] = self._taken.get(instance, 0) + 1


def startup_text(stored: Any) -> str:
    """A run's stored job start-up (``asdict(JobStartup)``, None: none) as labels and messages
    name it (:meth:`JobStartup.describe`; a record that is not one, as JSON)."""
    if stored is None:
        return "no start-up"
    try:
        return JobStartup(**stored).describe()
    except (TypeError, ValueError):
        return f"start-up {json.dumps(stored, sort_keys=True, default=str)}"


def _seconds(value: Any) -> bool:
    """Whether ``value`` is a number of seconds >= 0 (not a bool, not NaN)."""
    return _is_real(value) and value >= 0
