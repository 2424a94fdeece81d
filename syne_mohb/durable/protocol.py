"""What a trial backend provides so that a :class:`~syne_mohb.durable.DurableTuner` run survives
the death of its driver.

A backend opts in with one method, ``durable_recovery() -> BackendRecovery``. The durable tuner
calls the returned object's methods and never tests the backend's type:

* :meth:`BackendRecovery.prepare` once, when the tuner is constructed (e.g. detach Ray actors);
* :meth:`BackendRecovery.launch_info` after every trial start; what it returns (a pid, a job
  name) is journaled with the launch and handed back on resume;
* :meth:`BackendRecovery.recover` on resume, after the journal has rebuilt the scheduler: bring
  the backend to the journaled state (re-attach, restart or end each trial in flight) and
  return the ids of the trials still in flight;
* ``reexecute = True`` instead says that the backend is deterministic (a simulation): the run is
  recovered by executing it again from its construction and random states, checked against the
  journal, and ``recover`` is not called.

Backends we cannot add a method to (Syne Tune's own ``LocalBackend``) get theirs from
:func:`syne_mohb.durable.recovery.recovery_for`.
"""
from __future__ import annotations

from typing import Any

__all__ = ["BackendRecovery"]


class BackendRecovery:
    """Base class of the per-backend recovery strategies (see the module docstring)."""

    reexecute: bool = False

    def prepare(self, backend) -> None:
        """Called once when the ``DurableTuner`` is constructed."""

    def launch_info(self, backend, trial_id: int) -> dict[str, Any]:
        """JSON-serialisable facts about the launch of ``trial_id`` that recovery needs."""
        return {}

    def recover(self, tuner, replay, journal) -> list[int]:
        """Restore the backend's trials on resume; returns the trial ids still in flight."""
        raise NotImplementedError(f"{type(self).__name__} does not implement recover()")
