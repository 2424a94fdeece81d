"""``TrialCap``: a scheduler that starts at most a given number of new trials."""
from __future__ import annotations

import numbers
from typing import Any

from syne_tune.optimizer.scheduler import TrialScheduler, TrialSuggestion

from syne_mohb.schedulers.delegating import DelegatingScheduler

__all__ = ["TrialCap"]


class TrialCap(DelegatingScheduler):
    """``inner`` with at most ``max_trials`` new trials. Once they are started, a suggestion
    to resume a paused trial still passes, but the first one for a new trial is replaced by
    None, on which Syne Tune's ``Tuner`` starts nothing more and lets the running trials go on
    until they end or the budget is spent (a promotion scheduler's trials still paused then
    stay paused).

    ``StoppingCriterion(max_num_trials_started=N)`` would instead end the whole run as soon as
    N trials have started (measured: 5 started, 3 with a result for N = 4 and 4 workers; none
    with a result for N < 4), which is not what a cap on the number of trials means.

    :param inner: the scheduler whose new trials are capped
    :param max_trials: the cap, an int >= 1
    """

    own_attributes = DelegatingScheduler.own_attributes + ("max_trials", "num_started")

    def __init__(self, inner: TrialScheduler, max_trials: int):
        if isinstance(max_trials, bool) or not isinstance(max_trials, numbers.Integral) \
                or max_trials < 1:
            raise ValueError(f"max_trials must be an int >= 1, got {max_trials!r}")
        super().__init__(inner)
        self.max_trials = int(max_trials)
        self.num_started = 0

    def suggest(self) -> TrialSuggestion | None:
        suggestion = self.inner.suggest()
        if suggestion is not None and suggestion.spawn_new_trial_id:
            if self.num_started >= self.max_trials:
                return None
            self.num_started += 1
        return suggestion

    def metadata(self) -> dict[str, Any]:
        return {**self.inner.metadata(), "max_trials": self.max_trials}
