"""A tuner callback that tells the hardware policy why trials failed, from the backend.

Syne Tune tells a scheduler that a trial failed (``on_trial_error(trial)``) but not why; the
backend knows. A SageMaker job can fail because no instance of its type could be had now, or
because the account's quota for the type is used up: that says nothing about the configuration,
and recording it as one that cannot train on the type (as an out-of-memory failure is recorded)
would keep a configuration, and after a few such failures similar ones, off a type for good.
:class:`FailureKinds` asks the backend (``failure_kind(trial_id)``, e.g.
:meth:`syne_mohb.backends.SageMakerBackend.failure_kind`) about every trial it sees failed, in
``on_fetch_status_results``, which Syne Tune's ``Tuner`` calls before it tells the scheduler;
and tells the hardware policy (:meth:`~syne_mohb.hardware.policy.HardwarePolicy.note_failure`),
which then lets the type cool down and trains the configuration again on another type.

>>> from syne_mohb import FailureKinds
>>> tuner = Tuner(..., callbacks=[StoreResultsCallback(), FailureKinds()])

A backend without ``failure_kind`` or a scheduler without a hardware policy: it does nothing.
Costs: O(trials fetched) per loop of the tuner.
"""
from __future__ import annotations

import logging
from typing import Any

from syne_tune.backend.trial_status import Status
from syne_tune.tuner_callback import TunerCallback

logger = logging.getLogger(__name__)

__all__ = ["FailureKinds", "policy_of"]


def policy_of(scheduler: Any) -> Any | None:
    """The object that takes ``note_failure`` in ``scheduler``: the scheduler itself, or its
    ``hardware`` policy (MO-ASHA), looking through delegating schedulers (``inner``, e.g. a
    durable run's journaled scheduler); None if there is none."""
    for _ in range(8):  # a chain of wrappers, never a cycle
        if scheduler is None:
            return None
        if callable(getattr(scheduler, "note_failure", None)):
            return scheduler
        hardware = getattr(scheduler, "hardware", None)
        if callable(getattr(hardware, "note_failure", None)):
            return hardware
        scheduler = getattr(scheduler, "inner", None)
    return None


class FailureKinds(TunerCallback):
    """Tells the scheduler's hardware policy why each failed trial failed (module docstring)."""

    def __init__(self):
        self._backend: Any = None
        self._policy: Any = None
        self._told: set[int] = set()

    def __getstate__(self):  # pickled with the tuner: not the backend nor the scheduler
        state = dict(self.__dict__)
        state["_backend"] = state["_policy"] = None
        return state

    def on_tuning_start(self, tuner):
        backend = getattr(tuner, "trial_backend", None)
        self._backend = backend if callable(getattr(backend, "failure_kind", None)) else None
        self._policy = policy_of(getattr(tuner, "scheduler", None))

    def on_fetch_status_results(self, trial_status_dict: dict, new_results: list):
        if self._backend is None or self._policy is None:
            return
        for trial_id, (_, status) in trial_status_dict.items():
            if status != Status.failed or trial_id in self._told:
                continue
            self._told.add(trial_id)
            try:
                kind = self._backend.failure_kind(trial_id)
            except Exception as e:  # noqa: BLE001 -- a callback must not end a tuning run
                logger.warning("FailureKinds: could not ask the backend why trial %s failed "
                               "(%s); it is treated as a failure of its configuration",
                               trial_id, e)
                continue
            if kind is not None:
                self._policy.note_failure(trial_id, kind)
