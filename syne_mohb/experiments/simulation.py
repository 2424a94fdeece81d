"""Running a tuner on the simulated backend, fast: the tuner side of every simulated number.

The simulation itself is :class:`syne_mohb.backends.simulated.SimulatedBackend` with its clock
callback :class:`~syne_mohb.backends.simulated.SimulatedClock`. This module adds what makes long
replays cheap on the tuner's side, all through Syne Tune's public extension points except one
documented override:

* :class:`FastTuningStatus` -- ``TuningStatus`` with incremental counters (Syne Tune's recounts
  every trial at every loop iteration: quadratic in the number of trials);
* :class:`ReplayTuner` -- a ``Tuner`` that does not call ``time.sleep(0)`` while it waits;
* :class:`QuietTunerLogger` -- no per-trial console output.

:func:`run_replay` wires them into a standard ``Tuner`` whose results (``results.csv.zip``,
``metadata.json``) are read back by ``syne_tune.experiments.load_experiment``. Measured in
``benchmarking/bench_replay.py``.
"""
from __future__ import annotations

import contextlib
import io
import logging
import numbers
import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from syne_tune import StoppingCriterion, Tuner
from syne_tune.backend.trial_backend import TrialBackend
from syne_tune.backend.trial_status import Status
from syne_tune.optimizer.scheduler import TrialScheduler
from syne_tune.constants import ST_TUNER_TIME, ST_WORKER_COST, ST_WORKER_TIME
from syne_tune.tuner_logger import TunerLogger
from syne_tune.tuning_status import MetricsStatistics, TuningStatus

from syne_mohb.backends.simulated import SimulatedBackend, SimulatedClock

logger = logging.getLogger(__name__)

__all__ = [
    "FastTuningStatus",
    "QuietTunerLogger",
    "ReplayTuner",
    "run_replay",
]


class _LeanStatistics(MetricsStatistics):
    """``MetricsStatistics`` for numeric values only (min, max, sum, count, last)."""

    def add(self, metrics: dict[str, Any]):
        mins, maxs, sums = self.min_metrics, self.max_metrics, self.sum_metrics
        for k, v in metrics.items():
            if k in mins:
                if v < mins[k]:
                    mins[k] = v
                if v > maxs[k]:
                    maxs[k] = v
                sums[k] += v
            else:
                mins[k] = maxs[k] = sums[k] = v
                self.is_numeric[k] = True
                self.metric_names.append(k)
        self.last_metrics = metrics
        self.count += 1


class FastTuningStatus(TuningStatus):
    """``TuningStatus`` with O(1) counters (trials by status, total cost and worker time).

    Syne Tune's version recounts all trials for ``num_trials_failed`` (checked at every loop of
    the ``Tuner``) and ``cost``, which is quadratic over a long replay, and builds a row per
    trial at every update.
    """

    _STAT_KEYS = (ST_TUNER_TIME, ST_WORKER_TIME, ST_WORKER_COST)

    def __init__(self, metric_names: list[str]):
        super().__init__(metric_names)
        self.overall_metric_statistics = _LeanStatistics()
        self.trial_metric_statistics = defaultdict(_LeanStatistics)
        self._status_counts: dict[str, int] = defaultdict(int)
        self._cost_of: dict[int, float] = {}
        self._time_of: dict[int, float] = {}
        self._total_cost = 0.0
        self._total_time = 0.0
        self._metric_names_tracked = list(metric_names) + list(self._STAT_KEYS)

    def update(self, trial_status_dict, new_results):
        seen = self.last_trial_status_seen
        counts = self._status_counts
        for trial_id, (trial, status) in trial_status_dict.items():
            old = seen.get(trial_id)
            if old is not None:
                counts[old] -= 1
            counts[status] += 1
            seen[trial_id] = status
        overall = self.overall_metric_statistics
        first = self._metric_names_tracked[:1]
        for trial_id, result in new_results:
            small = {
                k: result[k]
                for k in self._metric_names_tracked
                if k in result and isinstance(result[k], (int, float))
            }
            overall.add(small)
            # per trial: only what the end-of-run summary reads (first metric)
            self.trial_metric_statistics[trial_id].add({k: small[k] for k in first if k in small})
            c = result.get(ST_WORKER_COST)
            if c is not None and c == c and c > self._cost_of.get(trial_id, 0.0):
                self._total_cost += c - self._cost_of.get(trial_id, 0.0)
                self._cost_of[trial_id] = c
            w = result.get(ST_WORKER_TIME)
            if w is not None and w == w and w > self._time_of.get(trial_id, 0.0):
                self._total_time += w - self._time_of.get(trial_id, 0.0)
                self._time_of[trial_id] = w

    def _num_trials(self, status):
        if isinstance(status, str):
            status = {status}
        return sum(self._status_counts.get(s, 0) for s in set(status))

    def mark_running_job_as_stopped(self):
        n = self._status_counts.pop(Status.in_progress, 0)
        self._status_counts[Status.stopped] += n
        for k, v in list(self.last_trial_status_seen.items()):
            if v == Status.in_progress:
                self.last_trial_status_seen[k] = Status.stopped

    @property
    def cost(self) -> float:
        return self._total_cost

    @property
    def user_time(self) -> float:
        return self._total_time

    def __str__(self) -> str:
        return (
            f"{self.num_trials_running} trials running, {self.num_trials_started} started, "
            f"{self.num_trials_completed} completed, ${self.cost:.4f} estimated cost\n"
        )


class ReplayTuner(Tuner):
    """``Tuner`` whose wait does not call ``time.sleep(0)``.

    With ``sleep_time=0`` Syne Tune still calls ``time.sleep(0)`` whenever all workers are busy;
    on a loaded machine each call yields the CPU for about 1-2 ms (measured: 9 of 15 s of a
    2,000-trial replay). Simulated time is advanced by the callbacks as usual.
    """

    def _sleep(self):
        if self.sleep_time > 0:
            super()._sleep()
            return
        for callback in self.callbacks:
            callback.on_tuning_sleep(0.0)


class _SummaryGate:
    """Discards stdout from the moment Syne Tune's ``Tuner.run`` starts its end-of-run printout
    (``print_tuning_complete``, then a bare ``print`` of the best metric) until the first
    ``on_tuning_end`` callback, so that the user's callbacks (``ParetoSummary``, ...) print
    during and at the end of the run as they do with a plain ``Tuner``."""

    def __init__(self):
        self._saved = None

    def open(self) -> None:
        if self._saved is None:
            self._saved = sys.stdout
            sys.stdout = io.StringIO()

    def close(self) -> None:
        if self._saved is not None:
            sys.stdout, self._saved = self._saved, None


class _ReplayClock(SimulatedClock):
    """The simulated clock (the run's first callback, its results store) that also closes the
    summary gate when the run ends, before the other callbacks' ``on_tuning_end``."""

    def __init__(self, gate: _SummaryGate):
        super().__init__()
        self.gate = gate

    def on_tuning_end(self):
        self.gate.close()
        super().on_tuning_end()


class QuietTunerLogger(TunerLogger):
    """A ``TunerLogger`` that prints nothing except errors and warnings (with a gate, Syne
    Tune's end-of-run summary is discarded too). A replayed trial that fails is a fact of the
    table (a configuration that could not train on a type), not an error of the run: it is
    not printed either (the run's metadata counts them: ``num_trials_failed``)."""

    def __init__(self, gate: _SummaryGate | None = None):
        super().__init__(use_colors=False, use_emojis=False)
        self._gate = gate

    def _quiet(self, *args, **kwargs):
        return None

    def print_tuning_complete(self, *args, **kwargs):
        if getattr(self, "_gate", None) is not None:
            self._gate.open()

    print_experiment_header = _quiet
    print_tuning_start = _quiet
    print_tuning_status = _quiet
    print_config_space_exhausted = _quiet
    print_trial_started = _quiet
    print_trial_resumed = _quiet
    print_trial_completed = _quiet
    print_trial_failed = _quiet
    print_trial_result = _quiet
    print_trial_stopped_by_scheduler = _quiet
    print_trial_paused = _quiet
    print_searcher_out_of_candidates = _quiet
    print_stopping_trials = _quiet
    print_tuning_finished = _quiet
    print_best_config_instructions = _quiet


def run_replay(
    backend: SimulatedBackend,
    scheduler,
    stop_criterion: StoppingCriterion,
    n_workers: int = 4,
    results_root: str | Path | None = None,
    tuner_name: str = "replay",
    metadata: dict[str, Any] | None = None,
    callbacks: list | None = None,
) -> Tuner:
    """Run ``scheduler`` on ``backend`` with a standard Syne Tune ``Tuner`` and return it.

    Results are written to ``results_root/tuner_name`` (``results.csv.zip``, ``metadata.json``)
    as Syne Tune writes them. The tuner's end-of-run summary (printed to stdout by Syne Tune) is
    discarded; ``callbacks`` print as they do with a plain ``Tuner``.

    :param stop_criterion: a ``StoppingCriterion`` with at least one limit (a replay of a finite
        space with a searcher that draws with replacement never runs out of trials), each
        ``max_*`` limit positive; ``max_wallclock_time`` counts simulated seconds, ``max_cost``
        simulated dollars
    :param results_root: folder of the run (default: ``$SYNETUNE_FOLDER`` or ``~/syne-tune``);
        the environment is as it was once the call returns
    """
    if not isinstance(backend, TrialBackend):
        raise ValueError(f"backend must be a Syne Tune TrialBackend (e.g. "
                         f"syne_mohb.blackboxes.make_backend(...)), got {type(backend).__name__}")
    if not isinstance(scheduler, TrialScheduler):
        raise ValueError(f"scheduler must be a Syne Tune TrialScheduler (e.g. "
                         f"syne_mohb.MOASHA(...)), got {type(scheduler).__name__}")
    if not callable(stop_criterion):
        raise ValueError(f"stop_criterion must be a StoppingCriterion (e.g. "
                         f"StoppingCriterion(max_wallclock_time=60)), got {stop_criterion!r}")
    if isinstance(stop_criterion, StoppingCriterion) and \
            all(v is None for v in vars(stop_criterion).values()):
        raise ValueError("stop_criterion sets no limit, so the replay would never end: give "
                         "one, e.g. StoppingCriterion(max_wallclock_time=60) (simulated "
                         "seconds) or max_num_trials_started=100")
    if isinstance(stop_criterion, StoppingCriterion):
        for key, value in vars(stop_criterion).items():
            if not key.startswith("max_") or key == "max_metric_value" or value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"stop_criterion.{key} must be a number, got {value!r}")
            if not value > 0:
                raise ValueError(f"stop_criterion.{key}={value!r} would stop the replay "
                                 f"before it starts: give a positive number (or None)")
    if not isinstance(n_workers, int) or n_workers < 1:
        raise ValueError(f"n_workers must be an integer >= 1, got {n_workers!r}")
    if not isinstance(tuner_name, str) or tuner_name.strip(".") == "" \
            or any(sep in tuner_name for sep in ("/", "\\")):
        raise ValueError(f"tuner_name must be a folder name (no path separators), got "
                         f"{tuner_name!r}")
    if results_root is not None:
        from syne_mohb.experiments.report import check_output_folder

        # before the run, not when its results are saved at the end
        check_output_folder(results_root, "results_root")
    with _synetune_folder(results_root):  # Syne Tune reads it when the Tuner is made
        gate = _SummaryGate()
        cbs = [_ReplayClock(gate)] + list(callbacks or [])
        tuner = _replay_tuner(backend, scheduler, stop_criterion, n_workers, tuner_name, cbs,
                              metadata, QuietTunerLogger(gate))
    try:
        tuner.run()
    finally:
        gate.close()
    return tuner


@contextlib.contextmanager
def _synetune_folder(results_root):
    """``SYNETUNE_FOLDER`` set to ``results_root`` (if given) inside, as it was after."""
    if results_root is None:
        yield
        return
    before = os.environ.get("SYNETUNE_FOLDER")
    os.environ["SYNETUNE_FOLDER"] = str(Path(results_root).resolve())
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SYNETUNE_FOLDER", None)
        else:
            os.environ["SYNETUNE_FOLDER"] = before


def _replay_tuner(backend, scheduler, stop_criterion, n_workers, tuner_name, callbacks,
                  metadata, output_logger) -> ReplayTuner:
    tuner = ReplayTuner(
        trial_backend=backend,
        scheduler=scheduler,
        stop_criterion=stop_criterion,
        n_workers=n_workers,
        sleep_time=0,
        results_update_interval=1e12,
        print_update_interval=1e12,
        tuner_name=tuner_name,
        suffix_tuner_name=False,
        callbacks=callbacks,
        metadata=metadata,
        save_tuner=False,
        output_logger=output_logger,
        max_failures=10**9,
    )
    tuner.tuning_status = FastTuningStatus(metric_names=scheduler.metric_names())
    return tuner
