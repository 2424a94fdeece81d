"""Failure policy of durable runs: a failure budget proportional to the trials started."""
from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["FailurePolicy", "FailureBudgetExceeded"]


class FailureBudgetExceeded(RuntimeError):
    """Raised at the end of a run stopped because too many trials failed (reasons listed)."""


@dataclass(frozen=True)
class FailurePolicy:
    """How many failed trials a run tolerates before it stops.

    The run goes on while ``failed <= max(min_failures, floor(max_failure_fraction * started))``
    (Syne Tune's default, ``max_failures=1``, aborts a whole run at the second failed trial).
    Every failure is recorded in the journal with its reason (the tail of the trial's stderr,
    or the backend's failure reason), whatever the policy.

    :param max_failure_fraction: fraction of the trials started that may fail (0..1)
    :param min_failures: failures always tolerated, however few trials were started
    """

    max_failure_fraction: float = 0.25
    min_failures: int = 3

    def __post_init__(self):
        f = self.max_failure_fraction
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0.0 <= f <= 1.0:
            raise ValueError(f"max_failure_fraction must be a number in [0, 1], got {f!r}")
        m = self.min_failures
        if isinstance(m, bool) or not isinstance(m, int) or m < 0:
            raise ValueError(f"min_failures must be an int >= 0, got {m!r}")

    def budget(self, num_started: int) -> int:
        """Failures tolerated after ``num_started`` trials were started."""
        return max(self.min_failures, int(math.floor(self.max_failure_fraction * num_started)))

    def exceeded(self, num_failed: int, num_started: int) -> bool:
        return num_failed > self.budget(num_started)

    def breach(self, num_failed: int, num_started: int,
               reasons: dict[int, str]) -> FailureBudgetExceeded:
        """The error that ends a run over budget, listing every failed trial's reason."""
        lines = "\n".join(f"  trial {tid}: {r}" for tid, r in sorted(reasons.items()))
        return FailureBudgetExceeded(
            f"{num_failed} of {num_started} trials failed, more than the failure budget "
            f"{self.budget(num_started)} of {self}; reasons:\n{lines}")
