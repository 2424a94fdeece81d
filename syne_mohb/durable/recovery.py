"""The crash recovery of a trial backend (:func:`recovery_for`), and the recoveries of the Syne
Tune backends that cannot provide their own.

A backend provides its recovery with ``durable_recovery()`` (a
:class:`~syne_mohb.durable.protocol.BackendRecovery`): ``LocalProfileBackend``
(:class:`~syne_mohb.backends.local_recovery.LocalRecovery`), ``SageMakerBackend``
(:class:`~syne_mohb.backends.sagemaker.recovery.SageMakerRecovery`), ``RayBackend``
(:class:`~syne_mohb.backends.ray.recovery.RayRecovery`), ``SimulatedBackend`` (re-execution).
Syne Tune's own classes cannot be given a method; :func:`recovery_for` adapts them:

* ``LocalBackend``: :class:`~syne_mohb.backends.local_recovery.LocalRecovery`, through
  :meth:`~syne_mohb.backends.local_recovery.LocalTrialControl.view` (the methods the recovery
  calls, for a backend that lacks them);
* ``SimulatorBackend`` (e.g. the blackbox backends): :class:`SimulatorRecovery`, deterministic
  re-execution from the run's construction and random states, checked against the journal.
"""
from __future__ import annotations

from syne_tune.backend import LocalBackend
from syne_tune.backend.simulator_backend.simulator_backend import SimulatorBackend
from syne_tune.backend.simulator_backend.time_keeper import SimulatedTimeKeeper

from syne_mohb.durable.protocol import BackendRecovery as _Recovery

__all__ = ["SimulatorRecovery", "recovery_for"]


class _DeterministicTimeKeeper(SimulatedTimeKeeper):
    """Simulated clock that does not add the tuner's own (real) compute time, which Syne Tune's
    ``SimulatedTimeKeeper`` does and which makes two runs with the same seed differ."""

    def real_time_since_last_recent_exit(self) -> float:
        self._assert_has_started()
        return 0.0


class SimulatorRecovery(_Recovery):
    reexecute = True

    def prepare(self, backend) -> None:
        if type(backend.time_keeper) is SimulatedTimeKeeper:
            # SimulatorBackend has no setter for its clock (Syne Tune private, unavoidable)
            backend._time_keeper = _DeterministicTimeKeeper()


def recovery_for(backend) -> _Recovery:
    """The crash recovery of a trial backend: its own (``durable_recovery()``), else the adapter
    of the Syne Tune class it is (module docstring); ``ValueError`` if it has none."""
    own = getattr(backend, "durable_recovery", None)
    if callable(own):
        return own()
    if isinstance(backend, SimulatorBackend):
        return SimulatorRecovery()
    if isinstance(backend, LocalBackend):
        from syne_mohb.backends.local_recovery import LocalRecovery

        return LocalRecovery()  # it reaches the backend through LocalTrialControl.view
    raise ValueError(
        f"trial_backend {type(backend).__name__} has no crash recovery; DurableTuner supports "
        f"backends with a durable_recovery() method (LocalProfileBackend, SageMakerBackend, "
        f"RayBackend, SimulatedBackend), Syne Tune's LocalBackend and SimulatorBackend"
    )
