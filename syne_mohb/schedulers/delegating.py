"""``DelegatingScheduler``: the base of every scheduler that wraps another one.

A wrapper (the journal of a durable run, a cap on the number of trials, ...) subclasses it and
overrides only the calls it changes; everything else reaches the wrapped scheduler unchanged,
including attributes the wrapper does not define (e.g. ``MOASHA.paused_trials``, read by
callbacks), so wrapping never hides part of the inner scheduler's interface.
"""
from __future__ import annotations

from typing import Any

from syne_tune.backend.trial_status import Trial
from syne_tune.optimizer.scheduler import TrialScheduler, TrialSuggestion

__all__ = ["DelegatingScheduler"]


class DelegatingScheduler(TrialScheduler):
    """A ``TrialScheduler`` that forwards every call to the scheduler ``inner``.

    Forwarded: ``suggest``, ``on_trial_add``, ``on_trial_error``, ``on_trial_result`` (its
    decision is returned), ``on_trial_complete``, ``on_trial_remove``, ``metric_names``,
    ``metric_mode``, ``metadata`` and, through ``__getattr__``, any other public attribute.
    ``random_seed`` is the inner scheduler's: ``TrialScheduler.__init__`` is not called, since
    without a seed it would draw one from numpy's global generator and so change the draws of
    the Syne Tune schedulers that use that generator.

    :param inner: the wrapped scheduler (a ``TrialScheduler``, or any object with its methods)
    """

    #: attribute names never looked up on ``inner`` (a subclass adds its own); reading one that
    #: is not set raises ``AttributeError`` instead of returning the inner scheduler's
    own_attributes: tuple[str, ...] = ("inner",)

    def __init__(self, inner: TrialScheduler):
        if not callable(getattr(inner, "suggest", None)):
            raise ValueError(f"inner must be the scheduler to wrap (a TrialScheduler, e.g. "
                             f"MOASHA(...)), got {inner!r}")
        self.inner = inner
        self.random_seed = getattr(inner, "random_seed", None)

    def suggest(self) -> TrialSuggestion | None:
        return self.inner.suggest()

    def on_trial_add(self, trial: Trial):
        self.inner.on_trial_add(trial)

    def on_trial_error(self, trial: Trial):
        self.inner.on_trial_error(trial)

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> str:
        return self.inner.on_trial_result(trial, result)

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]):
        self.inner.on_trial_complete(trial, result)

    def on_trial_remove(self, trial: Trial):
        self.inner.on_trial_remove(trial)

    def metric_names(self) -> list[str]:
        return self.inner.metric_names()

    def metric_mode(self):
        return self.inner.metric_mode()

    def metadata(self) -> dict[str, Any]:
        return self.inner.metadata()

    def __getattr__(self, name: str):
        # only called for names not found on the wrapper itself
        if name in type(self).own_attributes or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.inner, name)
