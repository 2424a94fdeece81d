"""Durable tuning runs: journal every step, resume after a crash or a kill.

>>> from syne_mohb.durable import DurableTuner, FailurePolicy, resume
>>> tuner = DurableTuner(trial_backend=..., scheduler=..., stop_criterion=..., n_workers=4)
>>> tuner.run()                      # killed? then:
>>> resume(tuner.tuner_path)         # or: syne-mohb resume RUN_DIR

See ``docs/concepts/durable.md`` for what is guaranteed.
"""
from syne_mohb.durable.journal import Journal, RunLockedError, read_journal
from syne_mohb.durable.policy import FailureBudgetExceeded, FailurePolicy
from syne_mohb.durable.protocol import BackendRecovery
from syne_mohb.durable.recovery import recovery_for
from syne_mohb.durable.replay import ReplayMismatchError
from syne_mohb.durable.resume import failures, restore, resume
from syne_mohb.durable.tuner import ST_RERUN, DurableTuner

__all__ = [
    "BackendRecovery",
    "DurableTuner",
    "FailureBudgetExceeded",
    "FailurePolicy",
    "Journal",
    "ReplayMismatchError",
    "RunLockedError",
    "ST_RERUN",
    "failures",
    "read_journal",
    "recovery_for",
    "restore",
    "resume",
]
