"""Instance types that have no capacity for now: a cool-down per type after a capacity failure.

A job can fail because the cloud has no instance of its type to give right now (SageMaker's
``CapacityError``, ``InsufficientInstanceCapacity``) or because the account's quota for the type
is used up (``ResourceLimitExceeded``). Such a failure says nothing about the configuration the
job was to train (an out-of-memory failure does: :mod:`~syne_mohb.hardware.feasibility`), only
that the type cannot be had for a while. :class:`Availability` keeps, per type, the time until
which new placements avoid it: ``cooldown_s`` after its first capacity failure, doubled at every
further one (exponential back-off, as AWS advises for capacity errors: capacity comes back
within minutes, a quota of 0 instances never, and a doubling cool-down stops paying for jobs
that cannot start after a few tries). The configuration itself is trained again elsewhere by
the hardware policy (:meth:`~syne_mohb.hardware.policy.HardwarePolicy.on_error`).

Costs: O(types) per mask, O(1) per failure.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

__all__ = ["Availability", "check_cooldown"]


def check_cooldown(value: Any) -> float:
    """``capacity_cooldown_s`` as a float, or a ``ValueError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"capacity_cooldown_s must be a finite number of seconds >= 0, got "
                         f"{value!r}")
    return float(value)


class Availability:
    """Per instance type, until when it is left out of new placements.

    :param types: the instance types, in the policy's order
    :param cooldown_s: seconds a type is left out after its first capacity failure (doubled at
        each further one); 0: never left out (the failed configuration is still retried)
    """

    def __init__(self, types: Sequence[str], cooldown_s: float):
        self.types = [str(t) for t in types]
        self.cooldown_s = check_cooldown(cooldown_s)
        self._index = {t: i for i, t in enumerate(self.types)}
        self._until = np.full(len(self.types), -math.inf)
        self._failures = np.zeros(len(self.types), dtype=int)

    def record(self, instance: Any, now: float) -> float:
        """A job on ``instance`` failed for lack of capacity at time ``now``: the type is left
        out until the returned time (``cooldown_s * 2^(k - 1)`` after ``now`` for its ``k``-th
        such failure)."""
        i = self._index[str(instance)]
        self._failures[i] += 1
        wait = self.cooldown_s * 2.0 ** min(int(self._failures[i]) - 1, 30)
        self._until[i] = max(self._until[i], float(now) + wait)
        return float(self._until[i])

    def unavailable(self, now: float) -> np.ndarray:
        """Boolean mask over the types: True where the type is cooling down at ``now``. Never
        True for every type: when every type is cooling down, none is left out (a placement is
        still made; the one whose cool-down ends first would be the next best guess, but no
        type is known to have capacity)."""
        mask = self._until > float(now)
        return np.zeros_like(mask) if mask.all() else mask

    def failures(self) -> dict[str, int]:
        """Capacity failures per type (types with none left out)."""
        return {t: int(n) for t, n in zip(self.types, self._failures) if n}
