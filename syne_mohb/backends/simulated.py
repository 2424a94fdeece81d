"""The one simulated trial backend: a discrete-event replay of tabulated offline evaluations.

:class:`SimulatedBackend` is a Syne Tune ``TrialBackend`` (its documented abstract methods only:
``_schedule``, ``_pause_trial``, ``_resume_trial``, ``_stop_trial``, ``_all_trial_results``,
``busy_trial_ids``, ...) over one task of a ``BlackboxTabular``; :class:`SimulatedClock` is the
``TunerCallback`` that moves its clock. Together they replace Syne Tune 0.16's simulator
(``SimulatorBackend`` + ``SimulatorCallback``), which advances the clock by the *real* time spent
in the tuner (so two runs with one seed differ, and a trial of millisecond epochs finishes inside
one step), delays events by fixed offsets, restarts the reported runtime after a resume, and
draws trial seeds from numpy's global generator.

Algorithm (discrete-event simulation):

* A job start at simulated time ``t`` (a new trial, or a resume from the pause level ``p``)
  looks its configuration up in the table (one dictionary lookup; configuration identity is
  :func:`syne_mohb.configspace.config_key`), draws the recorded seed of the trial once from
  ``random_seed`` (or uses the fixed ``seed``), and pushes one event per remaining fidelity
  ``f > p`` at ``t + u + b + (T(f) - T(p))``: ``T`` is the table's cumulative
  ``elapsed_time_attr``, ``u`` / ``b`` the job's unbilled provisioning and billed download
  (:class:`~syne_mohb.hardware.startup.JobStartup`; both 0 without ``startup``), plus a
  completion event at the last one.
* When every worker is busy the tuner "sleeps": :class:`SimulatedClock` jumps the clock to the
  next pending event, and the events up to then are delivered on the tuner's next fetch. Stop
  and pause decisions take effect at the current time; the trial's later events are dropped.
  Real time never moves the clock, so a run is a pure function of its seeds.
* Cost comes from the shared ledger (:class:`~syne_mohb.backends.cost.TrialCostLedger`) on the
  simulated clock: each job is one billed segment from ``t + u`` to its end, priced at the
  table's own rate (``cost / runtime`` of the configuration, so instance counts and prices are
  the benchmark's). ``st_worker_cost`` is the ledger's cost at the result's time,
  ``st_worker_time`` the time the trial has held a worker (start-up included); the table's
  ``runtime`` / ``cost`` objectives stay the model's own training, cumulative across resumes,
  also when a resume changes the configuration (e.g. its instance type): each segment adds
  the time and cost of its own configuration's table, and the ledger bills each segment at its
  own configuration's rate.
  The per-trial cost cap is :class:`~syne_mohb.backends.cost.CostCapMixin`, as on every backend.
* A configuration whose row holds NaN in every objective at every fidelity (at the trial's
  recorded seed) failed to train there (e.g. out of memory on that type): its job, a start or a
  resume, fails once its start-up is over (Syne Tune status ``Failed``, no result, a line in
  :meth:`stderr` naming the type), billed its download at the type's rate read off the table's
  other rows. A row with NaN only after some fidelity (an early stop, as
  :func:`~syne_mohb.blackboxes.converter.from_experiments` writes) replays as before.
* Capacity outages (``capacity_outages={type: [(start, end), ...]}``, seconds of the simulated
  clock): a job of that type started during an outage gets no instance, whatever the
  configuration (SageMaker's ``CapacityError``). It fails after its provisioning wait, billed
  nothing and leaving no warm instance; :meth:`failure_kind` says ``"capacity"``, which
  :class:`~syne_mohb.hardware.feedback.HardwareFeedback` tells MO-ASHA's hardware policy.

Each event costs ``O(log E)`` for ``E`` pending events; a job start ``O(F log E)`` for ``F``
fidelities.

Warm pools (``startup.keep_alive_s > 0``): a job that ends (completes, is stopped or paused)
leaves its instance warm for ``keep_alive_s``; the next job on that instance type started
within that time reuses it and waits the warm start-up instead.
"""
from __future__ import annotations

import dataclasses
import heapq
import itertools
import logging
import math
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import numpy as np
from syne_tune import StoppingCriterion
from syne_tune.backend.trial_backend import TrialBackend
from syne_tune.backend.trial_status import Status, TrialResult
from syne_tune.constants import ST_TUNER_TIME, ST_WORKER_COST, ST_WORKER_TIME, ST_WORKER_TIMESTAMP
from syne_tune.results_callback import StoreResultsCallback

from syne_mohb.backends.cost import SEGMENT_INSTANCE_TYPE, CostCapMixin, TrialCostLedger
from syne_mohb.configspace import check_random_seed, config_key, plain
from syne_mohb.hardware.catalog import INSTANCE_TYPE
from syne_mohb.hardware.startup import WarmPools

logger = logging.getLogger(__name__)

__all__ = ["SimulatedBackend", "SimulatedClock", "simulated_stop_criterion"]

_RESULT, _END, _FAIL = 0, 1, 2


class SimulatedBackend(CostCapMixin, TrialBackend):
    """Deterministic discrete-event replay of one task of a tabulated blackbox (module docstring).

    Run it with ``Tuner(..., sleep_time=0, callbacks=[SimulatedClock()])``; then
    ``StoppingCriterion(max_wallclock_time=...)`` counts simulated seconds and
    ``StoppingCriterion(max_cost=...)`` simulated dollars.

    :param blackbox: a ``BlackboxTabular`` (one task), objectives of shape
        ``[configs, seeds, fidelities, objectives]``
    :param elapsed_time_attr: cumulative time objective (seconds) that drives the clock
    :param cost_attr: cumulative dollar objective that gives each configuration's rate (None:
        no cost, ``st_worker_cost`` is 0)
    :param seed: replay this recorded seed for every trial (default: one drawn per trial)
    :param random_seed: seed of the per-trial seed draws
    :param support_checkpointing: a resumed trial continues from its pause level (else it
        starts again from the first fidelity)
    :param startup: per-job start-up (:class:`~syne_mohb.hardware.startup.JobStartup`), None:
        jobs start at once
    :param instance_attr: hyperparameter naming the instance type (for ``startup``)
    :param max_resource_attr: config entry giving the largest fidelity a trial runs to (as
        Syne Tune's ``max_resource_attr``; a number >= the table's first fidelity); None, or a
        config without the entry: the table's last fidelity
    :param max_cost_per_trial: per-trial cost cap in dollars (None: no cap)
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
        instance_attr: str = INSTANCE_TYPE,
        max_resource_attr: str | None = None,
        max_cost_per_trial: float | None = None,
        capacity_outages: Any = None,
    ):
        super().__init__()
        names = list(blackbox.objectives_names)
        for attr, pname in ((elapsed_time_attr, "elapsed_time_attr"), (cost_attr, "cost_attr")):
            if attr is not None and attr not in names:
                raise ValueError(f"{pname}={attr!r} is not an objective of the blackbox {names}")
        evals = np.asarray(blackbox.objectives_evaluations, dtype=float)
        if evals.ndim != 4:
            raise ValueError(
                f"blackbox objectives must have shape [configs, seeds, fidelities, objectives], "
                f"got {evals.shape}"
            )
        if seed is not None and not (isinstance(seed, (int, np.integer))
                                     and 0 <= seed < evals.shape[1]):
            raise ValueError(f"seed={seed!r} but the blackbox has {evals.shape[1]} recorded seeds")
        check_random_seed(random_seed)
        for value, pname in ((max_resource_attr, "max_resource_attr"),
                             (instance_attr, "instance_attr")):
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(f"{pname} must be a configuration key (a string) or None, got "
                                 f"{value!r}")
        if startup is not None and not (hasattr(startup, "delays")
                                        and hasattr(startup, "keep_alive_s")):
            raise ValueError(f"startup must be a syne_mohb.hardware.startup.JobStartup or None, "
                             f"got {startup!r}")
        self._init_cost_cap(max_cost_per_trial)
        self.capacity_outages = _check_outages(capacity_outages)
        self.blackbox = blackbox
        self.elapsed_time_attr = elapsed_time_attr
        self.cost_attr = cost_attr
        self.seed = None if seed is None else int(seed)
        self.support_checkpointing = support_checkpointing
        self.startup = startup
        self.instance_attr = instance_attr
        self.max_resource_attr = max_resource_attr
        self._evals = evals
        self._names = names
        self._i_time = names.index(elapsed_time_attr)
        self._i_cost = names.index(cost_attr) if cost_attr is not None else None
        self._fidelities = [plain(v) for v in np.asarray(blackbox.fidelity_values)]
        self._fidelity_name = blackbox.fidelity_name()
        self._hp_cols = list(blackbox.configuration_space.keys())
        hp = blackbox.hyperparameters[self._hp_cols]
        self._row_of = {
            config_key(dict(zip(self._hp_cols, values))): pos
            for pos, values in enumerate(hp.itertuples(index=False, name=None))
        }
        self._rng = np.random.RandomState(random_seed)
        self.now = 0.0
        self.ledger = TrialCostLedger(clock=self._clock)
        self._heap: list[tuple[float, int, int, int, int, Any]] = []
        self._seq = itertools.count()
        self._attempt: dict[int, int] = defaultdict(int)  # trial -> attempt; stale events skip
        self._running: set[int] = set()
        self._seed_of: dict[int, int] = {}  # trial -> recorded seed it replays
        self._paused_at: dict[int, Any] = {}  # trial -> fidelity of its pause
        self._pause_values: dict[int, dict] = {}  # trial -> the result it paused at
        self._started_at: dict[int, float] = {}  # trial -> start of its current job
        self._held: dict[int, float] = defaultdict(float)  # worker seconds of ended jobs
        self._warm = WarmPools(startup.keep_alive_s if startup is not None else 0.0)
        self.warm_reuses = 0
        self.jobs_started = 0

    # ------------------------------------------------------------------ clock
    def _clock(self) -> float:
        return self.now

    def next_event_time(self) -> float | None:
        """Time of the earliest pending event, or None."""
        heap = self._heap
        while heap and heap[0][3] != self._attempt[heap[0][2]]:
            heapq.heappop(heap)  # event of a job that was stopped or paused
        return heap[0][0] if heap else None

    def advance(self) -> float:
        """Move the clock to the next pending event (by 1 microsecond if there is none)."""
        nxt = self.next_event_time()
        self.now = self.now + 1e-6 if nxt is None else max(self.now, nxt)
        return self.now

    def _deliver_until_now(self) -> None:
        heap, now = self._heap, self.now
        while heap and heap[0][0] <= now:
            t, _, tid, attempt, kind, payload = heapq.heappop(heap)
            if attempt != self._attempt[tid]:
                continue
            tr = self._trial_dict[tid]
            if kind == _RESULT:
                result = dict(payload)
                result[ST_TUNER_TIME] = t
                result[ST_WORKER_TIMESTAMP] = t
                result[ST_WORKER_TIME] = self._held[tid] + (t - self._started_at[tid])
                result[ST_WORKER_COST] = self.ledger.cost(tid, at=t)
                tr.metrics.append(result)
            else:
                self._end_job(tid, t)
                tr.status = Status.completed if kind == _END else Status.failed
                tr.training_end_time = datetime.now()

    # ------------------------------------------------------------------ table
    def _row(self, config: dict[str, Any]) -> int:
        missing = [k for k in self._hp_cols if k not in config]
        if missing:
            raise ValueError(f"config {config} lacks hyperparameters {missing}")
        try:
            return self._row_of[config_key({k: config[k] for k in self._hp_cols})]
        except KeyError:
            pass
        hp = self.blackbox.hyperparameters
        for k in self._hp_cols:  # the error path only: name the value that is off the table
            values = set(plain(v) for v in hp[k].unique())
            if plain(config[k]) not in values:
                raise ValueError(
                    f"config[{k!r}] = {config[k]!r} is not in the blackbox's table (its "
                    f"values of {k!r}: {_sorted(values)[:20]}); values must come from its "
                    f"configuration space") from None
        raise ValueError(
            f"configuration {config} is not in the blackbox's table: each value is, their "
            f"combination is not (the table holds {len(self._row_of)} configurations; one "
            f"converted by from_experiments holds only those that ran, see "
            f"docs/how-to/convert-experiments.md)") from None

    def _table(self, trial_id: int, config: dict[str, Any]) -> np.ndarray:
        """``(fidelities, objectives)`` rows of the configuration (as scheduled now: a resume
        may change it) at the trial's recorded seed, drawn once at its first start."""
        seed = self._seed_of.get(trial_id)
        if seed is None:
            seed = self.seed if self.seed is not None else int(
                self._rng.randint(0, self._evals.shape[1]))
            self._seed_of[trial_id] = seed
        return self._evals[self._row(config), seed]

    def failed_cost(self) -> float:
        """Dollars billed so far to the trials that failed (their start-up: no result of theirs
        carries it)."""
        return sum(self.ledger.cost(t, at=self.now) for t, tr in self._trial_dict.items()
                   if tr.status == Status.failed)

    def recorded_seed(self, trial_id: int) -> int:
        """The recorded seed of the table that ``trial_id`` replays (drawn at its first start)."""
        if trial_id not in self._seed_of:
            raise KeyError(f"trial {trial_id} has not started on this backend")
        return self._seed_of[trial_id]

    def _rate_per_hour(self, table: np.ndarray, instance: Any = None) -> float:
        """The configuration's $/hour: cost / runtime at its last fidelity where both are
        finite (a table converted from experiments has NaN after an early stop)."""
        if self._i_cost is None:
            return 0.0
        runtime, cost = table[:, self._i_time], table[:, self._i_cost]
        ok = np.flatnonzero(np.isfinite(runtime) & np.isfinite(cost) & (runtime > 0) & (cost >= 0))
        if not len(ok):
            return 0.0 if instance is None else self._type_rate(instance)
        return float(cost[ok[-1]]) / float(runtime[ok[-1]]) * 3600.0

    def _type_rate(self, instance: Any) -> float:
        """$/hour of ``instance`` read off the table's other rows (the median over its rows of
        seed 0 with a rate): what a job that failed there, and so recorded none, is billed."""
        rates = self.__dict__.setdefault("_type_rates", {})
        if instance not in rates:
            hp = self.blackbox.hyperparameters
            col = hp[self.instance_attr].astype(str).to_numpy() if self.instance_attr in hp \
                else np.zeros(0, dtype=str)
            found = [self._rate_per_hour(self._evals[r, 0])
                     for r in np.flatnonzero(col == str(instance))[:200]]
            found = [x for x in found if x > 0]
            rates[instance] = float(np.median(found)) if found else 0.0
        return rates[instance]

    # ------------------------------------------------------------------ jobs
    def _schedule(self, trial_id: int, config: dict[str, Any]):
        if self.max_resource_attr is not None and self.max_resource_attr in config:
            cap = config[self.max_resource_attr]
            if isinstance(cap, bool) or not isinstance(cap, (int, float, np.number)) \
                    or not cap >= self._fidelities[0]:
                raise ValueError(
                    f"config[{self.max_resource_attr!r}] = {cap!r} (max_resource_attr) must be "
                    f"a number >= the table's first {self._fidelity_name} "
                    f"{self._fidelities[0]!r}")
        self._deliver_until_now()  # jobs that ended by now free their warm instances
        if self.is_cost_capped(trial_id):
            return  # a capped trial is never launched again; it reports completed
        if trial_id not in self._trial_dict:  # a new trial (TrialBackend.start_trial adds it after)
            self._trial_dict[trial_id] = TrialResult(
                trial_id=trial_id, config=config, creation_time=datetime.now(),
                status=Status.in_progress, metrics=[],
            )
        table = self._table(trial_id, config)
        last = len(self._fidelities)
        if self.max_resource_attr is not None and self.max_resource_attr in config:
            cap = config[self.max_resource_attr]
            last = sum(1 for f in self._fidelities if f <= cap)
        first, offset = 0, 0.0
        carry = None  # cumulative objectives continue from the pause: base - table offset
        paused = self._paused_at.pop(trial_id, None)
        if paused is not None and self.support_checkpointing:
            first = sum(1 for f in self._fidelities if f <= paused)
            if first:
                offset = float(table[first - 1, self._i_time])
                carry = self._carry(trial_id, table[first - 1])
        outage = self._in_outage(config.get(self.instance_attr))
        unbilled, billed = (self._no_capacity(trial_id, config) if outage
                            else self._job_startup(config))
        start = self.now
        self._attempt[trial_id] += 1
        attempt = self._attempt[trial_id]
        self._started_at[trial_id] = start
        self.__dict__.setdefault("_unbilled", {})[trial_id] = unbilled
        self.ledger.start(trial_id, self._rate_per_hour(table, config.get(self.instance_attr)),
                          1, at=start + unbilled)
        self._running.add(trial_id)
        begin = start + unbilled + billed
        if outage or (first < last and np.isnan(table).all()):
            # no instance (an outage), or nothing recorded at all: the training failed there
            # (e.g. out of memory); a row with NaN only after some epoch (an early stop,
            # from_experiments) replays as before
            heapq.heappush(self._heap, (begin, next(self._seq), trial_id, attempt, _FAIL, None))
            return
        t_end, previous = begin, 0.0
        push, seq = heapq.heappush, self._seq
        instance = config.get(self.instance_attr)
        for f, values in zip(self._fidelities[first:last], table[first:last].tolist()):
            elapsed = values[self._i_time] - offset
            if not elapsed > previous:  # NaN or non-increasing time: keep events ordered
                elapsed = previous + 1e-9
            previous = elapsed
            result = dict(zip(self._names, values))
            if carry is not None:
                for i, shift in carry:
                    result[self._names[i]] = values[i] + shift
            result[self._fidelity_name] = f
            if instance is not None:
                result[SEGMENT_INSTANCE_TYPE] = instance  # the type this segment ran on
            t_end = begin + elapsed
            push(self._heap, (t_end, next(seq), trial_id, attempt, _RESULT, result))
        push(self._heap, (t_end, next(seq), trial_id, attempt, _END, None))

    def _carry(self, trial_id: int, row: np.ndarray) -> list[tuple[int, float]]:
        """``(objective index, shift)`` that keeps the cumulative objectives (time and cost)
        of a resumed trial cumulative: the value reported at the pause minus the resumed
        configuration's own value there. With the same configuration the shift is 0; on another
        instance type each segment adds its own type's time and cost."""
        last = self._pause_values.pop(trial_id, {})
        out = []
        for i in (self._i_time, self._i_cost):
            if i is None:
                continue
            reported = last.get(self._names[i])
            if reported is not None and math.isfinite(reported) and math.isfinite(row[i]):
                out.append((i, float(reported) - float(row[i])))
        return out

    #: a backend pickled before outages existed (a durable run) loads without any
    capacity_outages: dict[str, list[tuple[float, float]]] = {}

    def _in_outage(self, instance: Any) -> bool:
        return any(a <= self.now < b for a, b in self.capacity_outages.get(str(instance), ()))

    def _no_capacity(self, trial_id: int, config: dict[str, Any]) -> tuple[float, float]:
        """(unbilled, billed) seconds of a job of ``trial_id`` that starts during an outage of
        its type (:meth:`_job_startup`'s counterpart): it fails once its cold provisioning
        wait is over, billed nothing (no instance ran), and takes or leaves no warm one."""
        self.jobs_started += 1
        self.__dict__.setdefault("_capacity_failed", set()).add(trial_id)
        if self.startup is None:
            return 0.0, 0.0
        return self.startup.delays(str(config.get(self.instance_attr)), False)[0], 0.0

    def startup_seconds(self, trial_id: int) -> float | None:
        """Seconds the current job of ``trial_id`` waited for its instance (the unbilled
        provisioning of ``startup``; 0 without it), as SageMaker's ``CreationTime`` to
        ``TrainingStartTime``; None while it still waits or runs no job. Read by
        :class:`~syne_mohb.hardware.feedback.HardwareFeedback` (late first units)."""
        if trial_id not in self._running:
            return None
        unbilled = self.__dict__.get("_unbilled", {}).get(trial_id, 0.0)
        return unbilled if self.now >= self._started_at[trial_id] + unbilled else None

    def failure_kind(self, trial_id: int) -> str | None:
        """``"capacity"`` for a trial whose job started during an outage of its type (see the
        module docstring), else None."""
        tr = self._trial_dict.get(trial_id)
        if tr is None or tr.status != Status.failed:
            return None
        return "capacity" if trial_id in self.__dict__.get("_capacity_failed", ()) else None

    def _job_startup(self, config: dict[str, Any]) -> tuple[float, float]:
        """(unbilled, billed) start-up seconds of a job starting now; takes a warm instance."""
        self.jobs_started += 1
        if self.startup is None:
            return 0.0, 0.0
        instance = str(config.get(self.instance_attr))
        warm = self._warm_pools().take(instance, self.now)
        self.warm_reuses += int(warm)
        return self.startup.delays(instance, warm)

    def _warm_pools(self) -> WarmPools:
        """The idle instances of ended jobs (a backend pickled before they were a
        :class:`WarmPools` kept them as end times per type)."""
        if not isinstance(self._warm, WarmPools):
            self._warm = WarmPools(getattr(self.startup, "keep_alive_s", 0.0), self._warm)
        return self._warm

    def _end_job(self, trial_id: int, at: float) -> None:
        if trial_id not in self._running:
            return
        self._running.discard(trial_id)
        self._attempt[trial_id] += 1  # drops the job's pending events
        self.ledger.end(trial_id, at=at)
        self._held[trial_id] += at - self._started_at[trial_id]
        if self.startup is not None and trial_id not in self.__dict__.get("_capacity_failed",
                                                                          ()):
            instance = str(self._trial_dict[trial_id].config.get(self.instance_attr))
            self._warm_pools().release(instance, at)

    def _pause_trial(self, trial_id: int, result: dict | None):
        self._deliver_until_now()
        metrics = self._trial_dict[trial_id].metrics
        source = result if result is not None else (metrics[-1] if metrics else None)
        if source is not None and self._fidelity_name in source:
            self._paused_at[trial_id] = source[self._fidelity_name]
            self._pause_values[trial_id] = source
        self._end_job(trial_id, self.now)
        self._trial_dict[trial_id].status = Status.paused

    def _resume_trial(self, trial_id: int):
        pass  # TrialBackend.resume_trial calls _schedule next

    def _stop_trial(self, trial_id: int, result: dict | None):
        self._end_job(trial_id, self.now)
        self._trial_dict[trial_id].status = Status.stopped

    def _all_trial_results(self, trial_ids: list[int]) -> list[TrialResult]:
        self._deliver_until_now()
        out = []
        for tid in trial_ids:
            tr = self._trial_dict[tid]
            if self.max_cost_per_trial is not None or self.cost_capped_trials:
                self._apply_cost_cap(tr, lambda tid=tid: self.ledger.cost(tid, at=self.now))
            out.append(tr)
        return out

    def busy_trial_ids(self) -> list[tuple[int, str]]:
        return [(tid, Status.in_progress) for tid in self._running]

    def stop_all(self):
        for tid in list(self._running):
            self.stop_trial(tid)

    # ------------------------------------------------------------------ no files
    def stdout(self, trial_id: int) -> list[str]:
        return []

    def stderr(self, trial_id: int) -> list[str]:
        tr = self._trial_dict.get(trial_id)
        if tr is None or tr.status != Status.failed:
            return []
        if self.failure_kind(trial_id) == "capacity":
            return [f"CapacityError: no {tr.config.get(self.instance_attr)} instance could be "
                    f"provisioned (a simulated capacity outage)"]
        return [f"the table records no result of this configuration on "
                f"{tr.config.get(self.instance_attr)} (NaN in every objective: it failed to "
                f"train there, e.g. out of memory)"]

    def copy_checkpoint(self, src_trial_id: int, tgt_trial_id: int):
        raise NotImplementedError("a simulated trial has no checkpoint to copy")

    def delete_checkpoint(self, trial_id: int):
        pass  # nothing is written

    def entrypoint_path(self) -> Path:
        return Path(__file__)

    def set_entrypoint(self, entry_point: str):
        raise NotImplementedError("a simulated backend has no entry point")

    def durable_recovery(self):
        """A simulation is recovered by running it again (it is deterministic), checked
        against the journal (:mod:`syne_mohb.durable.protocol`)."""
        from syne_mohb.durable.protocol import BackendRecovery

        recovery = BackendRecovery()
        recovery.reexecute = True
        return recovery

    def __str__(self) -> str:
        return f"SimulatedBackend({getattr(self.blackbox, 'name', '') or 'blackbox'})"


def _sorted(values) -> list:
    """``values`` sorted (by their text where they do not compare, e.g. numbers and strings)."""
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def simulated_stop_criterion(
    criterion: Callable, backend: SimulatedBackend
) -> Callable:
    """``criterion`` with its ``max_wallclock_time`` counted on ``backend``'s simulated clock.

    A ``StoppingCriterion``'s wall-clock limit reads ``TuningStatus``, which counts real time;
    any other callable is returned unchanged."""
    if not isinstance(criterion, StoppingCriterion) or criterion.max_wallclock_time is None:
        return criterion
    limit = float(criterion.max_wallclock_time)
    rest = dataclasses.replace(criterion, max_wallclock_time=None)

    def stop(status) -> bool:
        return backend.now > limit or rest(status)

    stop.original = criterion  # type: ignore[attr-defined]
    return stop


class SimulatedClock(StoreResultsCallback):
    """``TunerCallback`` that drives a :class:`SimulatedBackend`'s clock.

    When the tuner waits (every worker busy) the clock jumps to the next pending event, so each
    loop of the ``Tuner`` handles the next event; the stop criterion's ``max_wallclock_time``
    counts simulated seconds. It also stores results (with simulated ``st_tuner_time``) as
    Syne Tune's ``StoreResultsCallback`` does."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._backend = self._tuner = self._criterion = None

    def on_tuning_start(self, tuner):
        backend = tuner.trial_backend
        if not isinstance(backend, SimulatedBackend):
            raise TypeError(
                f"SimulatedClock drives a SimulatedBackend, got {type(backend).__name__}"
            )
        if tuner.sleep_time != 0:
            logger.warning("SimulatedClock: setting the tuner's sleep_time to 0")
            tuner.sleep_time = 0
        super().on_tuning_start(tuner)
        self._backend = backend
        self._tuner = tuner
        self._criterion = tuner.stop_criterion
        tuner.stop_criterion = simulated_stop_criterion(tuner.stop_criterion, backend)

    def on_tuning_sleep(self, sleep_time: float):
        self._backend.advance()

    def on_tuning_end(self):
        super().on_tuning_end()
        if self._tuner is not None:
            self._tuner.stop_criterion = self._criterion
            self._tuner = None


def _check_outages(outages: Any) -> dict[str, list[tuple[float, float]]]:
    """``capacity_outages`` as ``{type: [(start, end), ...]}``, or a ``ValueError`` naming it."""
    if outages is None:
        return {}
    if not isinstance(outages, dict):
        raise ValueError(f"capacity_outages must be a dict instance type -> [(start, end), ...] "
                         f"in simulated seconds, got {type(outages).__name__}")
    out = {}
    for name, spans in outages.items():
        checked = []
        for span in spans:
            try:
                a, b = (float(x) for x in span)
            except (TypeError, ValueError):
                raise ValueError(f"capacity_outages[{name!r}]: each outage must be a pair "
                                 f"(start, end) of simulated seconds, got {span!r}") from None
            if not (math.isfinite(a) and math.isfinite(b) and 0 <= a < b):
                raise ValueError(f"capacity_outages[{name!r}]: an outage (start, end) needs "
                                 f"0 <= start < end, finite, got {span!r}")
            checked.append((a, b))
        out[str(name)] = checked
    return out
