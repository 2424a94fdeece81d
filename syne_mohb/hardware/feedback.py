"""A tuner callback that tells the hardware policy what only the backend knows, and stops the
trials whose first unit the policy calls late.

Two facts decide where the next trial should run and reach the scheduler through no Syne Tune
hook:

* **Why a trial failed.** Syne Tune tells a scheduler that a trial failed (``on_trial_error``)
  but not why. A SageMaker job can fail because no instance of its type could be had now, or
  because the account's quota for the type is used up: that says nothing about the
  configuration, and recording it as one that cannot train on the type (as an out-of-memory
  failure is recorded) would keep a configuration, and after a few such failures similar ones,
  off the type for good. A Ray trial whose node died, or whose node type no alive node provides,
  is the same. The backend says which failures those are (``failure_kind(trial_id)``:
  :meth:`syne_mohb.backends.SageMakerBackend.failure_kind`, ``RayBackend.failure_kind``); the
  policy then lets the type cool down and trains the configuration again on another type
  (:meth:`~syne_mohb.hardware.policy.HardwarePolicy.note_failure`).
* **Which warm pools are idle.** With warm pools (``JobStartup(keep_alive_s=...)``) the policy
  weighs a type whose pool holds an idle instance at the warm start-up. Its own record follows
  the rule "every ended job leaves its instance", which SageMaker keeps only within the
  account's warm-pool quota (0 instances unless raised) and for jobs that asked for a keep-alive
  period. The backend reads each job's ``WarmPoolStatus`` (``idle_warm_pools()``, e.g.
  :meth:`syne_mohb.backends.SageMakerBackend.idle_warm_pools`); the policy then weighs the
  pools that exist (:meth:`~syne_mohb.hardware.policy.HardwarePolicy.note_warm_pools`).

:class:`HardwareFeedback` asks the backend at every poll, in ``on_fetch_status_results``, which
Syne Tune's ``Tuner`` calls before it hands results and failures to the scheduler, and tells
the scheduler's hardware policy (found through wrapping schedulers, :func:`policy_of`).

**Late first units.** With ``HardwarePolicy(late_factor=...)``, the callback also notes when
each trial's job started (``on_start_trial``) and, at every poll, gives the policy the seconds
its running first units have taken so far
(:meth:`~syne_mohb.hardware.policy.HardwarePolicy.late_trials`);
where the backend says how long a job waited before its training started
(``startup_seconds(trial_id)``: SageMaker's provisioning, a Ray trial's wait for a node, the
simulated start-up), those seconds are left out and a job still waiting is not judged, so a
slow provisioning is never taken for a late unit; after a durable run's resume, the trials in
flight with no result yet are judged from their journaled start
(``DurableTuner.recovered_starts``);
the trials the policy calls late are stopped through the backend's ``stop_trial`` (Syne Tune's
``Tuner`` asks a scheduler to decide only on a trial that reported, so a scheduler cannot stop
one that has not). The ``Tuner`` then reports each to the scheduler as ended without its
decision, and the policy trains its configuration again on another type. The clock: a
simulated backend's (``now`` of :class:`~syne_mohb.backends.SimulatedBackend`, the
``time_keeper`` of Syne Tune's simulator), else the wall clock.

>>> from syne_mohb import HardwareFeedback
>>> tuner = Tuner(..., callbacks=[StoreResultsCallback(), HardwareFeedback()])

A backend without these methods or a scheduler without a hardware policy: it does nothing. A
backend error is logged once per kind and the policy keeps its own record.
Costs: O(trials fetched) per poll, plus the backend's ``idle_warm_pools`` (O(jobs)).
"""
from __future__ import annotations

import logging
import math
import time
from typing import Any

from syne_tune.backend.trial_status import Status
from syne_tune.tuner_callback import TunerCallback

logger = logging.getLogger(__name__)

__all__ = ["HardwareFeedback", "policy_of"]


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


class HardwareFeedback(TunerCallback):
    """Tells the scheduler's hardware policy why failed trials failed and which warm pools are
    idle, from the backend, at every poll (module docstring)."""

    def __init__(self):
        self._backend: Any = None
        self._policy: Any = None
        self._told: set[int] = set()
        self._warned: set[str] = set()
        self._started: dict[int, float] = {}  # trial -> its job's start (no result yet)
        self._wall0 = time.monotonic()

    def __getstate__(self):  # pickled with the tuner: not the backend nor the scheduler
        state = dict(self.__dict__)
        state["_backend"] = state["_policy"] = None
        return state

    def on_tuning_start(self, tuner):
        self._backend = getattr(tuner, "trial_backend", None)
        self._policy = policy_of(getattr(tuner, "scheduler", None))
        self._started = {}
        self._wall0 = time.monotonic()
        # a resumed durable run: its trials in flight with no result yet, by unix start time
        # (DurableTuner.recovered_starts); on the wall clock only (a simulated run re-executes)
        resumed = getattr(tuner, "recovered_starts", None)
        if self._watches_late() and isinstance(resumed, dict) and resumed \
                and self._simulated_now() is None:
            now, wall = self._now(), time.time()
            for tid, t0 in resumed.items():
                if isinstance(t0, (int, float)) and math.isfinite(t0):
                    self._started[int(tid)] = now - max(0.0, wall - float(t0))

    def _simulated_now(self) -> float | None:
        """The simulated backend's clock, or None where the run's clock is the wall clock."""
        now = getattr(self._backend, "now", None)  # syne_mohb's SimulatedBackend
        if isinstance(now, (int, float)) and math.isfinite(now):
            return float(now)
        keeper = getattr(self._backend, "time_keeper", None)  # Syne Tune's simulator
        if keeper is not None and callable(getattr(keeper, "time", None)):
            return float(keeper.time())
        return None

    def _now(self) -> float:
        """Seconds on the run's clock: a simulated backend's, else the wall clock."""
        simulated = self._simulated_now()
        return simulated if simulated is not None else time.monotonic() - self._wall0

    def _watches_late(self) -> bool:
        return self._policy is not None and getattr(self._policy, "late_factor", None) \
            is not None and callable(getattr(self._policy, "late_trials", None))

    def on_start_trial(self, trial):
        if self._watches_late():
            self._started[trial.trial_id] = self._now()

    def _ask(self, method: str, *args: Any) -> Any:
        """``backend.method(*args)``, or None where the backend lacks it or it raised (logged
        once per method: a callback must not end a tuning run)."""
        call = getattr(self._backend, method, None)
        if not callable(call):
            return None
        try:
            return call(*args)
        except Exception as e:  # noqa: BLE001
            if method not in self._warned:
                self._warned.add(method)
                logger.warning("HardwareFeedback: the backend's %s%s failed (%s); the hardware "
                               "policy keeps its own record", method, args or "()", e)
            return None

    def _tell(self, method: str, *args: Any) -> None:
        """``policy.method(*args)``; an answer of the backend the policy refuses (a custom
        backend's malformed one) is logged once per method, not raised."""
        try:
            getattr(self._policy, method)(*args)
        except ValueError as e:
            if method not in self._warned:
                self._warned.add(method)
                logger.warning("HardwareFeedback: the hardware policy refused the backend's "
                               "answer (%s); it keeps its own record", e)

    def on_fetch_status_results(self, trial_status_dict: dict, new_results: list):
        if self._policy is None or self._backend is None:
            return
        if self._started:
            self._stop_late(trial_status_dict, new_results)
        for trial_id, (_, status) in trial_status_dict.items():
            if status != Status.failed or trial_id in self._told:
                continue
            self._told.add(trial_id)
            kind = self._ask("failure_kind", trial_id)
            if kind is not None:
                self._tell("note_failure", trial_id, kind)
        if callable(getattr(self._policy, "note_warm_pools", None)):
            idle = self._ask("idle_warm_pools")
            if idle is not None:
                self._tell("note_warm_pools", idle)

    def _stop_late(self, trial_status_dict: dict, new_results: list) -> None:
        """Stop the running trials whose first unit the policy calls late."""
        for trial_id, _ in new_results:  # a first unit that reported is no longer judged
            self._started.pop(trial_id, None)
        running = {tid for tid, (_, status) in trial_status_dict.items()
                   if status == Status.in_progress}
        for tid in [t for t in self._started if t in trial_status_dict and t not in running]:
            del self._started[tid]
        if not running:
            return
        now = self._now()
        knows_startup = callable(getattr(self._backend, "startup_seconds", None))
        elapsed = {}
        for tid, t0 in self._started.items():
            if tid not in running:
                continue
            waited = self._ask("startup_seconds", tid) if knows_startup else 0.0
            if waited is not None:  # None: its job still waits for its instance
                elapsed[tid] = max(0.0, now - t0 - float(waited))
        if not elapsed:
            return
        for trial_id in self._policy.late_trials(elapsed, training_only=knows_startup):
            self._started.pop(trial_id, None)
            self._ask("stop_trial", trial_id)
