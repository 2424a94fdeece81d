"""Late first units: a trial whose first unit runs far longer than the runtime model said.

Early in a run the runtime model has seen few configurations on few types, and it may place a
configuration on a type that is many times slower for it than for the configurations it has
seen there (on the ``cnn`` table a wide network on a CPU type takes up to 25x the seconds per
epoch of a GPU type, where narrow networks are as fast on a CPU). Such a unit holds its worker
until it ends, whatever the model learns meanwhile: on ``cnn`` 46% of the first quarter's worker
time went to types at least 2x slower than the configuration's fastest (uniform sampling: 26%).

:class:`LateUnits` keeps the first unit of every trial while it runs and calls it *late* when
its elapsed seconds exceed ``factor`` times both the model's mean prediction for the pair (the
model was wrong about it) and the median seconds per unit of the run's first units (it is slow
for this run, not just slower than a tiny prediction). A late trial is stopped (by the tuner
callback :class:`~syne_mohb.hardware.feedback.HardwareFeedback`, which owns the clock and the
backend; Syne Tune's ``Tuner`` asks a scheduler to decide only on a trial that reported); its
elapsed seconds enter the runtime model as a lower bound for one unit, and its configuration is
trained again from scratch on the type the policy chooses among the others
(:meth:`~syne_mohb.hardware.policy.HardwarePolicy.on_error`). A configuration is stopped this way
once: on its second type it runs to the end of its unit (it may be slow everywhere). Only first
units are judged: after a result the model knows the pair, and a survivor's later units move by
the policy's restarts or promotions.

Costs: :meth:`LateUnits.find` is one model prediction per running first unit past the median
test (``O(workers x T depth)``), at every poll of the tuner.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["LateUnits", "check_late_factor"]


def check_late_factor(value: Any) -> float | None:
    """``late_factor`` as a float > 1, None (off), or a ``ValueError`` naming it."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or value <= 1:
        raise ValueError(f"late_factor must be a finite number > 1 (how many times its predicted "
                         f"seconds a first unit may take before it is stopped) or None (never "
                         f"stop one), got {value!r}")
    return float(value)


class LateUnits:
    """The running first units of a policy's trials and which of them are late.

    :param factor: a first unit is late past ``factor`` times its predicted seconds and
        ``factor`` times the median seconds per unit of the run's first units
    :param min_units: first units that must have ended before any is judged (the median)
    """

    def __init__(self, factor: float, min_units: int = 4):
        self.factor = float(factor)
        self.min_units = int(min_units)
        self.running: dict[int, tuple[dict[str, Any], int]] = {}  # trial -> (config, type)
        self.unit_seconds: list[float] = []
        self.stopped_keys: set[str] = set()  # configurations stopped once already
        self.late: dict[int, float] = {}  # trial -> elapsed seconds, stopped, not yet retried
        self.avoid: dict[str, set[int]] = {}  # configuration key -> types it was late on
        self.stops = 0

    def start(self, trial_id: int, config: Mapping[str, Any], type_index: int) -> None:
        self.running[trial_id] = (dict(config), int(type_index))

    def ended(self, trial_id: int, seconds_per_unit: float | None = None) -> None:
        """The first unit of ``trial_id`` ended (a result, or its job ended); its seconds per
        unit, where known, join the median."""
        if self.running.pop(trial_id, None) is not None and seconds_per_unit is not None \
                and seconds_per_unit > 0 and math.isfinite(seconds_per_unit):
            self.unit_seconds.append(float(seconds_per_unit))

    def find(self, elapsed: Mapping[int, float], predicted: Callable[[dict, int], float],
             key: Callable[[Mapping[str, Any]], str]) -> list[int]:
        """Trials to stop now: ``elapsed`` maps running trials to the seconds since their job
        started; ``predicted(config, type)`` is the model's mean seconds for one unit (start-up
        included where the model measures it); ``key`` names a configuration. Each one
        returned is marked late (:attr:`late`) and its configuration stopped once."""
        if len(self.unit_seconds) < self.min_units:
            return []
        floor = self.factor * float(np.median(self.unit_seconds))
        out = []
        for trial_id, seconds in elapsed.items():
            entry = self.running.get(trial_id)
            if entry is None or not seconds > floor:
                continue
            config, t = entry
            if key(config) in self.stopped_keys \
                    or not seconds > self.factor * predicted(config, t):
                continue
            self.mark(trial_id, seconds, key)
            out.append(trial_id)
        return out

    def avoided(self, key: str, types: int) -> np.ndarray:
        """Mask over the ``types`` types: those the configuration ``key`` was late on."""
        mask = np.zeros(types, dtype=bool)
        mask[sorted(self.avoid.get(key, ()))] = True
        return mask

    def mark(self, trial_id: int, seconds: float,
             key: Callable[[Mapping[str, Any]], str]) -> None:
        """``trial_id``'s running first unit is late after ``seconds`` (what :meth:`find`
        decides; a durable run's resume replays it): its configuration is not stopped again
        and avoids the type it was late on."""
        config, t = self.running[trial_id]
        k = key(config)
        self.stopped_keys.add(k)
        self.late[trial_id] = float(seconds)
        self.avoid.setdefault(k, set()).add(t)
        self.stops += 1
