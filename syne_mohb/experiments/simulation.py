"""Fast, deterministic replay of offline evaluations on Syne Tune's simulator.

Syne Tune 0.16's simulator (``UserBlackboxBackend`` + ``SimulatorCallback``) has three properties
that make it slow and, for short trials, wrong (measured in ``benchmarking/bench_replay.py``):

* it advances the simulated clock by the *real* time spent outside the backend, and by
  ``tuner_sleep_time`` (5 s by default) whenever all workers are busy. When a trial's epochs take
  milliseconds (our tabulated benchmarks), a whole trial finishes inside one such step: the
  scheduler sees all of its results at once and its STOP comes after the trial already spent its
  full budget. Simulated times also vary from run to run with the machine's load;
* every stop or pause adds 2 ms (``+1e-3`` twice) and each result is delayed by 50 ms;
* each trial is looked up twice in the table through pandas indexing, and ``TuningStatus``
  recounts every trial at every loop iteration (quadratic in the number of trials).

This module keeps the Syne Tune interfaces (``Tuner``, ``TrialBackend``, ``TunerCallback``) and
fixes these in subclasses:

* :class:`ReplayBackend` -- a ``UserBlackboxBackend`` whose clock moves only by simulated
  time (no real-time leakage, no stop/pause offsets, zero delays), with a dictionary lookup of
  configurations into the numpy table, seeded per-trial seed draws, cumulative ``runtime`` /
  ``cost`` (also after a resume) plus ``st_worker_time`` / ``st_worker_cost``;
* :class:`EventClockCallback` -- a ``SimulatorCallback`` whose "sleep" jumps to the next event of
  the simulator's queue (discrete-event simulation) instead of advancing by a fixed step;
* :class:`FastTuningStatus` -- ``TuningStatus`` with incremental counters;
* :class:`ReplayTuner` -- a ``Tuner`` that does not call ``time.sleep(0)`` while waiting;
* :class:`QuietTunerLogger` -- no per-trial console output.

:func:`run_replay` wires them into a standard ``Tuner`` whose results (``results.csv.zip``,
``metadata.json``) are read back by ``syne_tune.experiments.load_experiment``.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from syne_tune import StoppingCriterion, Tuner
from syne_tune.backend.simulator_backend.simulator_backend import SimulatorConfig
from syne_tune.backend.simulator_backend.simulator_callback import SimulatorCallback
from syne_tune.backend.trial_status import Status
from syne_tune.blackbox_repository.simulated_tabular_backend import UserBlackboxBackend
from syne_tune.constants import ST_TUNER_TIME, ST_WORKER_COST, ST_WORKER_TIME
from syne_tune.tuner_logger import TunerLogger
from syne_tune.tuning_status import MetricsStatistics, TuningStatus

logger = logging.getLogger(__name__)

__all__ = [
    "ReplayBackend",
    "EventClockCallback",
    "FastTuningStatus",
    "QuietTunerLogger",
    "ReplayTuner",
    "run_replay",
]

# Reported "time since (re)start" used by the simulator to place events; kept separate from the
# blackbox's cumulative ``runtime`` so that objectives stay cumulative after a resume.
ELAPSED_ATTR = "st_sim_elapsed"


class ReplayBackend(UserBlackboxBackend):
    """Deterministic discrete-event replay of one task of a tabulated blackbox.

    Each trial's results are read from the blackbox's ``objectives_evaluations`` array (shape
    ``[configs, seeds, fidelities, objectives]``) at the row of its configuration, for one
    recorded seed drawn per trial from ``random_seed`` (or the fixed ``seed``). The simulated
    clock only moves to event times: a result for fidelity ``f`` is registered at the trial's
    start time plus its cumulative ``elapsed_time_attr`` value at ``f`` (minus the value at the
    resume level for a resumed trial, which continues from its checkpoint). Stop and pause
    decisions take effect at the time of the result that triggered them.

    Each result holds every objective of the table (``runtime`` and ``cost`` stay cumulative since
    the trial's first start), the fidelity, ``st_worker_time`` and ``st_worker_cost``
    (cumulative), so ``StoppingCriterion(max_cost=...)`` and ``TuningStatus.cost`` work.

    Use with :class:`EventClockCallback` (or :func:`run_replay`).

    :param blackbox: a ``BlackboxTabular`` (one task)
    :param elapsed_time_attr: cumulative time objective used for the clock
    :param cost_attr: cumulative dollar-cost objective reported as ``st_worker_cost``
        (None: no cost)
    :param seed: replay this recorded seed for every trial (default: one drawn per trial)
    :param random_seed: seed of the per-trial seed draws
    :param support_checkpointing: resumed trials continue from their pause level
    :param startup: per-job start-up (:class:`~syne_mohb.hardware.startup.JobStartup`): every
        start and every resume waits its provisioning (unbilled) and download (billed at the
        instance's price, read off the table as cost / runtime) before its first epoch, less
        when it reuses a warm-pool instance of the same type released at most
        ``keep_alive_s`` earlier. The delays move the clock and add to ``st_worker_time`` /
        ``st_worker_cost`` (the tuning job's time and dollars); the ``runtime`` / ``cost``
        objectives stay the model's own training. None: jobs start at once
    :param instance_attr: hyperparameter naming the instance type (for ``startup``)
    """

    def __init__(
        self,
        blackbox,
        elapsed_time_attr: str = "runtime",
        cost_attr: str | None = "cost",
        seed: int | None = None,
        random_seed: int | None = None,
        support_checkpointing: bool = True,
        startup: Any = None,
        instance_attr: str = "instance_type",
    ):
        names = list(blackbox.objectives_names)
        for attr, pname in ((elapsed_time_attr, "elapsed_time_attr"), (cost_attr, "cost_attr")):
            if attr is not None and attr not in names:
                raise ValueError(f"{pname}={attr!r} is not an objective of the blackbox {names}")
        evals = np.asarray(blackbox.objectives_evaluations, dtype=float)
        if seed is not None and not 0 <= seed < evals.shape[1]:
            raise ValueError(f"seed={seed} but the blackbox has {evals.shape[1]} recorded seeds")
        super().__init__(
            blackbox=blackbox,
            elapsed_time_attr=ELAPSED_ATTR,
            seed=seed,
            support_checkpointing=support_checkpointing,
            simulator_config=SimulatorConfig(0.0, 0.0, 0.0, 0.0, 0.0),
            tuner_sleep_time=0.0,
        )
        self.time_objective = elapsed_time_attr
        self.cost_attr = cost_attr
        self._evals = evals
        self._names = names
        self._i_time = names.index(elapsed_time_attr)
        self._i_cost = names.index(cost_attr) if cost_attr is not None else None
        self._fidelities = [
            int(v) if float(v).is_integer() else float(v) for v in np.asarray(blackbox.fidelity_values)
        ]
        self._fidelity_name = blackbox.fidelity_name()
        self._hp_cols = list(blackbox.configuration_space.keys())
        hp = blackbox.hyperparameters
        self._row_of: dict[tuple, int] = {}
        for pos, values in enumerate(hp[self._hp_cols].itertuples(index=False, name=None)):
            self._row_of[tuple(_plain(v) for v in values)] = pos
        self._rng = np.random.RandomState(random_seed)
        self.startup = startup
        self.instance_attr = instance_attr
        self._startup_spent: dict[int, tuple[float, float]] = defaultdict(lambda: (0.0, 0.0))
        self._job_end: dict[int, list] = {}  # trial -> [instance type, end time] of its job
        self._warm: dict[str, list] = defaultdict(list)  # type -> [end time, trial] released
        self._warm_pending: list[int] = []  # trials whose job may have ended by itself
        self.warm_reuses = 0
        self.jobs_started = 0

    @property
    def time_attr(self) -> str:
        return self._fidelity_name

    # ------------------------------------------------------------------ table lookup
    def _row(self, config: dict[str, Any]) -> int:
        try:
            return self._row_of[tuple(_plain(config[k]) for k in self._hp_cols)]
        except KeyError:
            missing = [k for k in self._hp_cols if k not in config]
            if missing:
                raise ValueError(f"config {config} lacks hyperparameters {missing}") from None
            raise ValueError(
                f"configuration {config} is not in the blackbox's table; values must come "
                f"from its configuration space"
            ) from None

    def _run_job_and_collect_results(self, trial_id: int, config: dict | None = None):
        if config is None:
            config = self._trial_dict[trial_id].config
        seed = self._seed
        if seed is None:
            seed = self._seed_for_trial.get(trial_id)
            if seed is None:
                seed = int(self._rng.randint(0, self._evals.shape[1]))
                self._seed_for_trial[trial_id] = seed
        table = self._evals[self._row(config), seed]  # (fidelities, objectives)
        paused = self._resource_paused_for_trial.get(trial_id)
        start = 0
        offset = 0.0
        if paused is not None and self._support_checkpointing:
            while start < len(self._fidelities) and self._fidelities[start] <= paused:
                start += 1
            if start:
                offset = float(table[start - 1, self._i_time])
        results = []
        previous = 0.0
        rows = table[start:].tolist()
        for f, row in zip(self._fidelities[start:], rows):
            result = dict(zip(self._names, row))
            result[self._fidelity_name] = f
            elapsed = row[self._i_time] - offset
            if not elapsed > previous:  # NaN or non-increasing time: keep events ordered
                elapsed = previous + 1e-9
            result[ELAPSED_ATTR] = elapsed
            previous = elapsed
            result[ST_WORKER_TIME] = row[self._i_time]
            if self._i_cost is not None:
                result[ST_WORKER_COST] = row[self._i_cost]
            results.append(result)
        return Status.completed, results

    # ------------------------------------------------------------------ clock
    def _advance_by_outside_time(self):
        # deterministic: real time spent in the tuner or scheduler does not move the clock
        pass

    def _stop_or_pause_trial(self, trial_id: int, status: str):
        from syne_tune.backend.simulator_backend.events import CompleteEvent, StopEvent

        now = self._time_keeper.time()
        if trial_id in self._job_end:
            self._job_end[trial_id][1] = min(self._job_end[trial_id][1], now)
            self._release(trial_id)
        self._simulator_state.push(StopEvent(trial_id=trial_id), event_time=now)
        self._process_events_until_now()
        self._simulator_state.push(CompleteEvent(trial_id=trial_id, status=status), event_time=now)
        self._process_events_until_now()
        self._time_keeper.mark_exit()

    @staticmethod
    def _debug_message(*args, **kwargs):
        # Syne Tune formats a debug string per event even when debug logging is off
        return None

    def _job_startup(self, trial_id: int, config: dict, time_event: float, results: list) -> float:
        """Seconds before the job's first epoch; updates the trial's start-up time and dollars."""
        self.jobs_started += 1
        if self.startup is None:
            return 0.0
        instance = str(config.get(self.instance_attr))
        keep = self.startup.keep_alive_s
        warm = False
        if keep > 0:
            still = []
            for tid in self._warm_pending:
                job = self._job_end.get(tid)
                if job is not None and job[1] <= time_event:
                    self._release(tid)
                elif job is not None:
                    still.append(tid)
            self._warm_pending = still
            pool = self._warm[instance]
            pool[:] = [e for e in pool if e[0] + keep >= time_event]  # expired pools gone
            for k, (end, _tid) in enumerate(pool):
                if end <= time_event:
                    del pool[k]
                    warm = True
                    break
        self.warm_reuses += int(warm)
        unbilled, billed = self.startup.delays(instance, warm)
        price_per_s = 0.0
        if self._i_cost is not None and results:
            last = results[-1]
            rt, cost = last.get(self.time_objective), last.get(self.cost_attr)
            if rt and rt > 0 and cost is not None and np.isfinite(cost):
                price_per_s = float(cost) / float(rt)
        seconds, dollars = self._startup_spent[trial_id]
        self._startup_spent[trial_id] = (seconds + unbilled + billed, dollars + billed * price_per_s)
        return unbilled + billed

    def _release(self, trial_id: int, end: float | None = None) -> None:
        job = self._job_end.pop(trial_id, None)
        if job is None or self.startup is None or self.startup.keep_alive_s <= 0:
            return
        self._warm[job[0]].append([job[1] if end is None else end, trial_id])

    def _process_start_event(self, trial_id: int, time_event: float, config: dict | None = None):
        from syne_tune.backend.simulator_backend.events import CompleteEvent, OnTrialResultEvent

        if config is None:
            config = self._trial_dict[trial_id].config
        status, results = self._run_job_and_collect_results(trial_id, config=config)
        if trial_id in self._job_end:  # the previous job of a resumed trial ended at its pause
            self._release(trial_id)
        delay = self._job_startup(trial_id, config, time_event, results)
        if self.startup is not None:
            seconds, dollars = self._startup_spent[trial_id]
            for result in results:
                result[ELAPSED_ATTR] += delay
                result[ST_WORKER_TIME] += seconds
                if ST_WORKER_COST in result:
                    result[ST_WORKER_COST] += dollars
        push = self._simulator_state.push
        time_final = time_event
        for result in results:
            t = time_event + result[ELAPSED_ATTR]
            push(OnTrialResultEvent(trial_id=trial_id, result=result), event_time=t)
            time_final = t if t > time_final else time_final
        push(CompleteEvent(trial_id=trial_id, status=status), event_time=time_final)
        self._busy_trial_ids.add(trial_id)
        if self.startup is not None and self.startup.keep_alive_s > 0:
            # provisional end (its natural completion); a stop or pause moves it earlier
            self._job_end[trial_id] = [str(config.get(self.instance_attr)), time_final]
            self._warm_pending.append(trial_id)

    def next_event_time(self) -> float | None:
        """Time of the earliest pending event of the simulator, or None."""
        heap = self._simulator_state.event_heap
        return heap[0][0] if heap else None


class EventClockCallback(SimulatorCallback):
    """``SimulatorCallback`` for :class:`ReplayBackend`: when the tuner waits (all workers
    busy), the clock jumps to the next pending event, so each loop of the ``Tuner`` handles the
    next event (discrete-event simulation). Also stores results like Syne Tune does."""

    def on_tuning_start(self, tuner):
        super().on_tuning_start(tuner)
        self._backend = tuner.trial_backend

    def on_tuning_sleep(self, sleep_time: float):
        nxt = self._backend.next_event_time() if hasattr(self._backend, "next_event_time") else None
        if nxt is None:
            self._time_keeper.advance(1e-6)
        else:
            self._time_keeper.advance_to(nxt)


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


class QuietTunerLogger(TunerLogger):
    """A ``TunerLogger`` that prints nothing except errors and warnings."""

    def __init__(self):
        super().__init__(use_colors=False, use_emojis=False)

    def _quiet(self, *args, **kwargs):
        return None

    print_experiment_header = _quiet
    print_tuning_start = _quiet
    print_tuning_status = _quiet
    print_config_space_exhausted = _quiet
    print_trial_started = _quiet
    print_trial_resumed = _quiet
    print_trial_completed = _quiet
    print_trial_result = _quiet
    print_trial_stopped_by_scheduler = _quiet
    print_trial_paused = _quiet
    print_searcher_out_of_candidates = _quiet
    print_tuning_complete = _quiet
    print_stopping_trials = _quiet
    print_tuning_finished = _quiet
    print_best_config_instructions = _quiet


def run_replay(
    backend: ReplayBackend,
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
    discarded.

    :param stop_criterion: a ``StoppingCriterion``; ``max_wallclock_time`` counts simulated
        seconds, ``max_cost`` simulated dollars
    :param results_root: folder of the run (default: ``$SYNETUNE_FOLDER`` or ``~/syne-tune``)
    """
    if not isinstance(n_workers, int) or n_workers < 1:
        raise ValueError(f"n_workers must be an integer >= 1, got {n_workers!r}")
    if results_root is not None:
        os.environ["SYNETUNE_FOLDER"] = str(Path(results_root).resolve())
    cbs = [EventClockCallback()] + list(callbacks or [])
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
        callbacks=cbs,
        metadata=metadata,
        save_tuner=False,
        output_logger=QuietTunerLogger(),
        max_failures=10**9,
    )
    tuner.tuning_status = FastTuningStatus(metric_names=scheduler.metric_names())
    with contextlib.redirect_stdout(io.StringIO()):
        tuner.run()
    return tuner


def _plain(v: Any) -> Any:
    """numpy scalars -> Python scalars so that dictionary keys hash alike."""
    if isinstance(v, np.generic):
        return v.item()
    return v
