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

Syne Tune's own simulator (``SimulatorBackend``) is refused: its clock adds the real time the
tuner spends, so a re-execution cannot reproduce the journal; the project's one simulator,
:class:`~syne_mohb.backends.simulated.SimulatedBackend`, is deterministic and recovers by
re-execution.
"""
from __future__ import annotations

from syne_tune.backend import LocalBackend
from syne_tune.backend.simulator_backend.simulator_backend import SimulatorBackend

from syne_mohb.durable.protocol import BackendRecovery as _Recovery

__all__ = ["recovery_for"]


def recovery_for(backend) -> _Recovery:
    """The crash recovery of a trial backend: its own (``durable_recovery()``), else the adapter
    of the Syne Tune class it is (module docstring); ``ValueError`` if it has none."""
    own = getattr(backend, "durable_recovery", None)
    if callable(own):
        return own()
    if isinstance(backend, SimulatorBackend):
        raise ValueError(
            f"trial_backend {type(backend).__name__} is Syne Tune's simulator, whose clock adds "
            f"real time, so a durable run on it cannot be resumed reproducibly; use "
            f"syne_mohb.backends.simulated.SimulatedBackend (e.g. syne_mohb.blackboxes."
            f"make_backend) with callbacks=[SimulatedClock()]"
        )
    if isinstance(backend, LocalBackend):
        from syne_mohb.backends.local_recovery import LocalRecovery

        return LocalRecovery()  # it reaches the backend through LocalTrialControl.view
    raise ValueError(
        f"trial_backend {type(backend).__name__} has no crash recovery; DurableTuner supports "
        f"backends with a durable_recovery() method (LocalProfileBackend, SageMakerBackend, "
        f"RayBackend, SimulatedBackend) and Syne Tune's LocalBackend"
    )
