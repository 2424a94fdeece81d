"""How a :class:`~syne_mohb.durable.DurableTuner` plugs into Syne Tune's ``Tuner`` loop, through
its public extension points only:

* the scheduler is wrapped (:class:`RunScheduler`): every call journaled, a trial start journaled
  before the loop asks the backend to launch it, no suggestion once the run must stop;
* a ``TunerCallback`` (:class:`RunCallback`, the last one) annotates and journals what each poll
  of the backend returns, the launches, the heartbeat and the backend's trial states;
* the stop criterion is wrapped while a session runs (:class:`RunStop`: failure budget, trials
  recovered by a resume);
* the ``output_logger`` is wrapped (:class:`RunLogger`), so that a run ended by its stop
  criterion is not announced as an exhausted search space, the banner names the user's
  scheduler (not the wrapper), and a run ended by Ctrl-C is not announced as finished.
"""
from __future__ import annotations

import contextlib
import io
import sys
from typing import TYPE_CHECKING

from syne_tune.backend.trial_status import Trial
from syne_tune.optimizer.scheduler import TrialSuggestion
from syne_tune.tuner_callback import TunerCallback

from syne_mohb.durable.journal import Journal
from syne_mohb.durable.scheduler_proxy import JournaledScheduler

if TYPE_CHECKING:  # pragma: no cover
    from syne_mohb.durable.tuner import DurableTuner

__all__ = ["RunCallback", "RunLogger", "RunScheduler", "RunStop"]


class RunScheduler(JournaledScheduler):
    """The scheduler as Syne Tune's loop sees it during :meth:`DurableTuner.run`: every call
    journaled (:class:`JournaledScheduler`); no suggestion once the run must stop (the loop then
    ends as if the search space were exhausted, so the criterion is checked before every trial
    start); a suggested trial start journaled before the loop asks the backend to launch it
    (Syne Tune calls ``backend.start_trial`` / ``resume_trial`` right after ``suggest``)."""

    own_attributes = JournaledScheduler.own_attributes + ("tuner",)

    def __init__(self, inner, journal: Journal, tuner: DurableTuner):
        super().__init__(inner, journal, tuner._fetched_status.get)
        self.tuner = tuner

    def suggest(self) -> TrialSuggestion | None:
        if self.tuner.stop_reached():
            self.tuner.output_logger.stop_reached = True
            return None
        suggestion = super().suggest()
        if suggestion is not None:
            self.tuner._journal_start(suggestion)
        return suggestion


class RunStop:
    """Stop criterion of a session: the run's criterion (as a callback may have replaced it,
    e.g. :class:`~syne_mohb.backends.simulated.SimulatedClock`) or the failure budget; false
    while trials a resume recovered have not joined the loop yet (so that the loop runs and
    polls them)."""

    def __init__(self, tuner: DurableTuner, criterion):
        self.tuner = tuner
        self.criterion = criterion

    def __call__(self, tuning_status) -> bool:
        return not self.tuner._recovered and self.tuner.stop_reached()


class RunCallback(TunerCallback):
    """The durable tuner's hooks into Syne Tune's loop (public ``TunerCallback`` events).

    It is the last callback, so that its ``on_tuning_start`` wraps the stop criterion as the
    other callbacks left it."""

    def __init__(self, tuner: DurableTuner):
        self.tuner = tuner

    def on_tuning_start(self, tuner):
        tuner._run_stop = RunStop(tuner, tuner.stop_criterion)
        tuner.stop_criterion = tuner._run_stop

    def on_fetch_status_results(self, trial_status_dict, new_results):
        self.tuner._on_fetch(trial_status_dict, new_results)

    def on_trial_result(self, trial: Trial, status: str, result: dict, decision: str):
        self.tuner._delivered.add(id(result))  # what Syne Tune's loop gave the scheduler

    def on_start_trial(self, trial: Trial):
        self.tuner._journal_launch(trial, new=True)

    def on_resume_trial(self, trial: Trial):
        self.tuner._journal_launch(trial, new=False)

    def on_tuning_sleep(self, sleep_time: float):
        self.tuner._heartbeat()

    def on_loop_end(self):
        self.tuner._journal_trial_states()
        self.tuner._heartbeat()


class RunLogger:
    """The tuner's ``output_logger`` (Syne Tune's ``TunerLogger`` or the one given):

    * quiet about an exhausted search space when it was the stop criterion that ended the
      suggestions (``stop_reached``);
    * the banner's ``Scheduler:`` is ``scheduler_name`` (the user's scheduler, set by
      :meth:`DurableTuner.run`), not the journaling wrapper the loop sees;
    * when a ``KeyboardInterrupt`` ends the loop, Syne Tune's end-of-run printout (the
      "complete" banner, resource summary and best metric, "Happy training") is left out: from
      ``print_tuning_complete`` (the first thing Syne Tune's ``finally`` block prints) to
      ``print_tuning_finished`` (the last) stdout is discarded; :meth:`end_quiet` restores it
      (the tuner calls it in any case). The tuner then prints one line
      (:mod:`syne_mohb.durable.interrupt`).
    """

    # class defaults: loggers pickled by earlier versions lack the attributes
    scheduler_name: str | None = None
    _quiet = None

    def __init__(self, inner):
        self.inner = inner
        self.stop_reached = False

    def print_experiment_header(self, *args, **kwargs):
        if self.scheduler_name and "scheduler_name" in kwargs:
            kwargs["scheduler_name"] = self.scheduler_name
        self.inner.print_experiment_header(*args, **kwargs)

    def print_searcher_out_of_candidates(self):
        if not self.stop_reached:
            self.inner.print_searcher_out_of_candidates()

    def print_config_space_exhausted(self):
        if not self.stop_reached:
            self.inner.print_config_space_exhausted()

    def print_tuning_complete(self):
        if isinstance(sys.exc_info()[1], KeyboardInterrupt):  # in Syne Tune's finally block
            self._quiet = contextlib.redirect_stdout(io.StringIO())
            self._quiet.__enter__()
            return
        self.inner.print_tuning_complete()

    def print_tuning_finished(self, *args, **kwargs):
        if self._quiet is not None:
            self.end_quiet()
            return
        self.inner.print_tuning_finished(*args, **kwargs)

    def end_quiet(self) -> None:
        """Give stdout back (after an interrupted loop)."""
        quiet, self._quiet = self._quiet, None
        if quiet is not None:
            quiet.__exit__(None, None, None)

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_quiet", None)  # a redirection is not pickled
        return state

    def __getattr__(self, name: str):
        if name in ("inner", "stop_reached") or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.inner, name)
