"""Cost accounting for trial backends: elapsed time and dollars in every result, per-trial cap.

One ledger and one cap serve every backend (local profiles, Ray, SageMaker, and the simulated
backend); their API below is stable:

* :class:`TrialCostLedger`: per trial, time *segments* (one per start/resume, or one per
  SageMaker job, ``label``-ed), each at a price per hour and an instance count; answers the
  elapsed seconds and dollars of a trial up to a time or so far, reconciles a segment with the
  seconds the platform billed (:meth:`TrialCostLedger.reconcile`), and saves and restores itself
  as JSON (:meth:`TrialCostLedger.state_dict`, for the journal). Ray's ledger adds held
  segments (a trial waiting for a node is not billed).
* :class:`CostCapMixin`: the per-trial cost cap (``max_cost_per_trial``) of any
  ``TrialBackend`` whose results carry ``st_worker_cost``: ``_init_cost_cap`` in ``__init__``,
  ``_apply_cost_cap`` on each ``TrialResult``, ``is_cost_capped`` before a launch;
  :meth:`CostCapMixin.cost_cap_records` / :meth:`CostCapMixin.restore_cost_cap` are the
  journaled state. The SageMaker backend uses it directly, on the costs of its ledger.
* :class:`CostAccountingMixin` (local and Ray backends): both of the above wired into a
  process-based backend's hooks.

Syne Tune 0.16 computes no ``st_worker_cost``. :class:`CostAccountingMixin` adds, to every
result a backend returns (hence *before* the scheduler's ``on_trial_result``):

* ``st_worker_time``: seconds the trial has run so far, summed over all its runs
  (a paused and resumed trial keeps accumulating where it stopped);
* ``st_worker_cost``: dollars spent so far, ``sum over runs of seconds x $/hour / 3600 x count``
  with the price of the instance type in the config the run was launched with
  (``config["instance_type"]``: a trial resumed with a new config, e.g. moved to another type
  by MO-ASHA's promotion, bills each run at its own type's price);
* ``segment_instance_type`` (:data:`SEGMENT_INSTANCE_TYPE`): the instance type of the run that
  produced the result;
* ``cost_cap_reached``: 1 on the result at which the trial exceeded the per-trial cost cap
  (the trial is then ended and reported as completed), else 0.

Time is measured by the backend as wall-clock segments (closed at pause/stop/end); a result's
elapsed time is the length of all segments up to the worker time-stamp of that result
(``st_worker_timestamp``). Process start-up is therefore billed, as it is on a cloud
instance. Syne Tune's ``StoppingCriterion(max_cost=...)`` and ``TuningStatus.cost`` then work
unchanged. The instance count follows the one rule of
:func:`~syne_mohb.hardware.cost.check_instance_count`.
"""

from __future__ import annotations

import logging
import math
import numbers
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from syne_tune.backend.trial_status import Status, TrialResult
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME, ST_WORKER_TIMESTAMP

from syne_mohb.hardware.catalog import INSTANCE_TYPE, SEGMENT_INSTANCE_TYPE
from syne_mohb.hardware.cost import (
    PriceTable,
    check_instance_count,
    check_instance_count_domain,
    dollar_cost,
    seconds_to_dollars,
)

logger = logging.getLogger(__name__)

_STATE_VERSION = 1

COST_CAP_REACHED = "cost_cap_reached"
"""Result column: 1 on the result at which a trial exceeded its cost cap, else 0."""


@dataclass
class _Segment:
    start: float
    end: float | None
    price_per_hour: float
    instance_count: int
    label: str | None = None
    billed_seconds: float | None = None
    instance: str | None = None


def _check_seconds(value: Any, parameter: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"{parameter} must be a finite number of seconds >= 0, got {value!r}")
    return float(value)


class TrialCostLedger:
    """Wall-clock segments and prices of each trial; answers elapsed time and cost at a time.

    The one cost ledger of our backends (local, Ray, SageMaker and the simulated one). A
    *segment* is one run of a trial (a start or a resume; on SageMaker one training job, named
    by its ``label``) on ``instance_count`` instances at ``price_per_hour``:

    * ``elapsed(trial_id, at=t)`` is ``sum over segments of max(0, min(end, t) - start)``
      (open segments run to ``t``); without ``at`` ("so far") closed segments count whole and
      open ones run to ``clock()``;
    * ``cost(...)`` weighs each segment's seconds by its price and instance count
      (:func:`~syne_mohb.hardware.dollar_cost`);
    * :meth:`reconcile` sets what the platform reports at the end of a segment: its length
      (``seconds``) and the seconds it billed (``billed_seconds``, e.g. SageMaker's
      ``BillableTimeInSeconds``, below the trained seconds with managed spot). A reconciled
      segment costs exactly its billed seconds once it is over, and ``billed / seconds`` of the
      on-demand price for each second before (a result inside the segment is costed pro rata);
    * ``label=...`` restricts a query (and :meth:`end`) to one segment;
    * ``instance=...`` names the instance type of a segment (a trial resumed elsewhere has
      several), :meth:`instance_at` answers it for a time.

    :meth:`state_dict` / :meth:`load_state_dict` save and restore every segment as JSON.
    """

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._segments: dict[int, list[_Segment]] = {}

    def start(
        self, trial_id: int, price_per_hour: float, instance_count: int = 1,
        at: float | None = None, label: str | None = None, instance: str | None = None,
    ) -> None:
        """Open a segment of ``trial_id`` at ``at`` (default: now), closing its open one there.

        ``label`` names the segment for later queries (e.g. a job name), ``instance`` the
        instance type it runs on (:meth:`instance_at`); ``ValueError`` if the trial already
        has a segment of that label, or for a bad price or instance count."""
        dollar_cost(0.0, price_per_hour, instance_count)  # validates both
        if label is not None and self._find(trial_id, label) is not None:
            raise ValueError(f"label {label!r}: trial {trial_id} already has such a segment")
        self.end(trial_id, at)  # a trial runs at most one segment at a time
        at = self.clock() if at is None else at
        self._segments.setdefault(trial_id, []).append(
            _Segment(at, None, float(price_per_hour), int(instance_count), label,
                     instance=None if instance is None else str(instance))
        )

    def end(self, trial_id: int, at: float | None = None, label: str | None = None) -> None:
        """Close the open segment of ``trial_id`` (or the one named ``label``) at ``at``
        (default: now); no-op if it is not open."""
        segs = self._segments.get(trial_id)
        seg = self._find(trial_id, label) if label is not None else (segs[-1] if segs else None)
        if seg is not None and seg.end is None:
            at = self.clock() if at is None else at
            seg.end = max(at, seg.start)

    def reconcile(
        self, trial_id: int, label: str | None = None, *, seconds: float | None = None,
        billed_seconds: float | None = None,
    ) -> None:
        """Settle a segment (the one named ``label``, default: the last) with what the platform
        reported once it ended: its length ``seconds`` (the segment then ends at
        ``start + seconds``; default: as it was closed) and the seconds it billed
        (``billed_seconds``; ``None``: its length). Closes the segment; may be called again
        with newer figures. ``ValueError`` naming the parameter for a bad value or label."""
        segs = self._segments.get(trial_id)
        seg = self._find(trial_id, label) if label is not None else (segs[-1] if segs else None)
        if seg is None:
            raise ValueError(f"label {label!r}: trial {trial_id} has no such segment")
        if seconds is not None:
            seg.end = seg.start + _check_seconds(seconds, "seconds")
        elif seg.end is None:
            seg.end = max(self.clock(), seg.start)
        seg.billed_seconds = None if billed_seconds is None else \
            _check_seconds(billed_seconds, "billed_seconds")

    def discard(self, trial_id: int) -> None:
        """Forget every segment of ``trial_id`` (e.g. before it is rebuilt from the platform)."""
        self._segments.pop(trial_id, None)

    def cost_of_seconds(self, trial_id: int, seconds: float, label: str | None = None) -> float:
        """Dollars of the first ``seconds`` seconds of a segment (the one named ``label``,
        default: the last) at its price, count and billing (see :meth:`reconcile`): e.g. a
        result that reports how long its run has been going. ``0.0`` without such a segment."""
        _check_seconds(seconds, "seconds")
        segs = self._selected(trial_id, label)
        if label is None:
            segs = segs[-1:]
        return sum(self._cost(s, s.start + seconds, None) for s in segs)

    def instance_at(self, trial_id: int, at: float) -> str | None:
        """Instance type of the segment of ``trial_id`` running at time ``at``: the last one
        started at or before ``at`` (the first one for an earlier time; held segments, not
        started yet, only when no other one is); None without segments or type."""
        segs = self._segments.get(trial_id)
        if not segs:
            return None
        started = [s for s in segs if not math.isinf(s.start)] or segs
        seg = started[0]
        for s in started[1:]:
            if s.start <= at:
                seg = s
        return seg.instance

    def has_segment(self, trial_id: int, label: str) -> bool:
        """Whether ``trial_id`` has a segment named ``label``."""
        return self._find(trial_id, label) is not None

    def is_running(self, trial_id: int) -> bool:
        segs = self._segments.get(trial_id)
        return bool(segs) and segs[-1].end is None

    def __contains__(self, trial_id: int) -> bool:
        return trial_id in self._segments

    def trial_ids(self) -> list[int]:
        """Trials with at least one segment, in the order they first started."""
        return list(self._segments)

    def elapsed(self, trial_id: int, at: float | None = None, label: str | None = None) -> float:
        """Seconds ``trial_id`` has run up to time ``at`` (default: so far; see the class)."""
        now = self.clock() if at is None else None
        return sum(self._span(s, at, now) for s in self._selected(trial_id, label))

    def cost(self, trial_id: int, at: float | None = None, label: str | None = None) -> float:
        """Dollars ``trial_id`` has spent up to time ``at`` (default: so far; see the class)."""
        now = self.clock() if at is None else None
        return sum(self._cost(s, at, now) for s in self._selected(trial_id, label))

    def state_dict(self) -> dict[str, Any]:
        """JSON-serialisable segments of every trial (``json.dumps`` needs no options).

        ``{"version": 1, "trials": {"<trial_id>": [{"start", "end", "price_per_hour",
        "instance_count", "label", "billed_seconds", "instance"}, ...]}}`` (the last three may
        be absent on load); ``end`` is ``None`` for an open segment and ``start`` is
        ``None`` for a segment whose start is not known yet (held, e.g. a Ray trial waiting
        for a node: it contributes nothing until it starts). The clock is not part of it.
        """
        return {
            "version": _STATE_VERSION,
            "trials": {
                str(tid): [
                    {
                        "start": None if math.isinf(s.start) else s.start,
                        "end": s.end,
                        "price_per_hour": s.price_per_hour,
                        "instance_count": s.instance_count,
                        "label": s.label,
                        "billed_seconds": s.billed_seconds,
                        "instance": s.instance,
                    }
                    for s in segs
                ]
                for tid, segs in self._segments.items()
            },
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace every segment by those of :meth:`state_dict` output (``ValueError`` naming
        the field if ``state`` is malformed); the ledger keeps its clock."""
        if not isinstance(state, Mapping) or not isinstance(state.get("trials"), Mapping):
            raise ValueError(f"state must be a TrialCostLedger.state_dict(), got {state!r}")
        if state.get("version", _STATE_VERSION) != _STATE_VERSION:
            raise ValueError(f"state['version'] must be {_STATE_VERSION}, "
                             f"got {state.get('version')!r}")
        segments: dict[int, list[_Segment]] = {}
        for key, segs in state["trials"].items():
            out = []
            for i, d in enumerate(segs):
                where = f"state['trials'][{key!r}][{i}]"
                try:
                    start = math.inf if d["start"] is None else float(d["start"])
                    end = None if d["end"] is None else float(d["end"])
                    price, count = d["price_per_hour"], d["instance_count"]
                    label = d.get("label")
                    billed = d.get("billed_seconds")
                    billed = None if billed is None else _check_seconds(billed, "billed_seconds")
                    instance = d.get("instance")
                except (KeyError, TypeError, ValueError) as e:
                    raise ValueError(f"{where} is not a segment ({e!r}): {d!r}") from None
                try:
                    dollar_cost(0.0, price, count)  # validates both
                except ValueError as e:
                    raise ValueError(f"{where}: {e}") from None
                out.append(_Segment(start, end, float(price), int(count),
                                    None if label is None else str(label), billed,
                                    None if instance is None else str(instance)))
            segments[int(key)] = out
        self._segments = segments

    def _find(self, trial_id: int, label: str) -> _Segment | None:
        return next((s for s in self._segments.get(trial_id, []) if s.label == label), None)

    def _selected(self, trial_id: int, label: str | None) -> list[_Segment]:
        if label is None:
            return self._segments.get(trial_id, [])
        seg = self._find(trial_id, label)
        return [] if seg is None else [seg]

    @staticmethod
    def _span(seg: _Segment, at: float | None, now: float | None) -> float:
        """Seconds of ``seg`` up to ``at``; with ``at`` None ("so far"), a closed segment
        counts whole and an open one runs to ``now``."""
        if seg.end is None:
            end = now if at is None else at
        else:
            end = seg.end if at is None else min(seg.end, at)
        return end - seg.start if end > seg.start else 0.0  # also for a held start (+inf)

    def _cost(self, seg: _Segment, at: float | None, now: float | None) -> float:
        span = self._span(seg, at, now)
        seconds = span
        if seg.billed_seconds is not None and seg.end is not None:
            length = seg.end - seg.start
            if span >= length:
                seconds = seg.billed_seconds  # over: exactly its bill
            else:
                seconds = span * seg.billed_seconds / length if length > 0 else 0.0
        # price and count were checked when the segment was opened (start)
        return seconds_to_dollars(seconds, seg.price_per_hour, seg.instance_count)


class CostCapMixin:
    """Per-trial cost cap for a Syne Tune ``TrialBackend`` whose results carry ``st_worker_cost``.

    The backend calls :meth:`_init_cost_cap` in ``__init__``, :meth:`_apply_cost_cap` on each
    ``TrialResult`` once its results carry ``st_worker_cost`` (inside ``_all_trial_results``,
    hence before the scheduler sees them), and refuses to launch a trial for which
    :meth:`is_cost_capped` holds. The rule, for a running trial and cap ``c``:

    * the first result with ``st_worker_cost > c`` gets ``cost_cap_reached=1``, later results
      are dropped, the trial is stopped through ``_stop_trial``;
    * if no result exceeds ``c`` but the trial has spent more than ``c`` by now (between two
      reports), it is stopped and keeps all its results;
    * from then on the trial is reported ``completed`` (so the scheduler receives its results
      and ``on_trial_complete``), or ``stopped`` if it kept no result (the Tuner rejects a
      completed trial without results); a resume of it by the scheduler launches nothing.

    Every result gets ``cost_cap_reached`` (0 unless it is the capping one).
    """

    def _init_cost_cap(self, max_cost_per_trial: float | None) -> None:
        if max_cost_per_trial is not None and (
            isinstance(max_cost_per_trial, bool)
            or not isinstance(max_cost_per_trial, numbers.Real)
            or not math.isfinite(max_cost_per_trial) or max_cost_per_trial <= 0
        ):
            raise ValueError(
                f"max_cost_per_trial must be a positive number of dollars or None, "
                f"got {max_cost_per_trial!r}"
            )
        self.max_cost_per_trial = None if max_cost_per_trial is None else float(max_cost_per_trial)
        # trial_id -> number of results kept (the capping result included)
        self._capped_keep: dict[int, int] = {}
        self.cost_capped_trials: dict[int, float] = {}  # trial_id -> cost when it was capped
        self._cap_enabled = True

    def is_cost_capped(self, trial_id: int) -> bool:
        """Whether ``trial_id`` was ended by the cost cap (it is never launched again)."""
        return trial_id in self._capped_keep

    def cost_cap_records(self) -> dict[int, tuple[int, float]]:
        """``trial_id -> (results kept, dollars spent when capped)`` of every capped trial."""
        return {tid: (keep, self.cost_capped_trials[tid])
                for tid, keep in self._capped_keep.items()}

    def restore_cost_cap(self, trial_id: int, keep: int, cost: float) -> None:
        """Mark ``trial_id`` as capped with its first ``keep`` results kept (durable resume)."""
        if isinstance(keep, bool) or not isinstance(keep, numbers.Integral) or keep < 0:
            raise ValueError(f"keep must be an int >= 0, got {keep!r}")
        self._capped_keep[int(trial_id)] = int(keep)
        self.cost_capped_trials[int(trial_id)] = float(cost)

    def _cap_label(self, config: Mapping[str, Any]) -> str:
        """Where the trial ran, for the log line (the SageMaker backend's default type if the
        config has none)."""
        return str(config.get(INSTANCE_TYPE) or getattr(self, "default_instance_type", None)
                   or "?")

    def _apply_cost_cap(self, tr: TrialResult, cost_now: Callable[[], float],
                        ended: bool = False) -> None:
        """Apply the cap to one trial's results (see the class docstring); ``cost_now()`` is
        what the trial has spent by now, including time after its last result. ``ended``: the
        trial's process ended by itself and all its results are in (a backend that reads them
        after the end, e.g. from a finished job's logs): the first result over the cap is
        still its last kept one, flagged, while what it spent after its last report (its whole
        bill, by then) is no reason to cap it."""
        tid = tr.trial_id
        if tid in self._capped_keep:
            del tr.metrics[self._capped_keep[tid]:]
        for metric in tr.metrics:
            metric.setdefault(COST_CAP_REACHED, 0)
        cap = self.max_cost_per_trial
        running = tr.status in (Status.in_progress, Status.stopping)
        if tid in self._capped_keep:
            self._mark_capped(tr)
        elif cap is not None and self._cap_enabled and (running or ended):
            over = next((i for i, m in enumerate(tr.metrics)
                         if m.get(ST_WORKER_COST, 0.0) > cap), None)
            if over is not None:
                tr.metrics[over][COST_CAP_REACHED] = 1
                self._cap_trial(tr, keep=over + 1, cost=tr.metrics[over][ST_WORKER_COST])
            elif not ended:
                spent = cost_now()
                if spent > cap:
                    # over budget between two reports: end it now, keep what it reported
                    self._cap_trial(tr, keep=len(tr.metrics), cost=spent)

    def _cap_trial(self, tr: TrialResult, keep: int, cost: float) -> None:
        tid = tr.trial_id
        logger.warning(
            "trial %d on %s spent $%.6f > max_cost_per_trial=$%.6f: stopping it (%d result(s) "
            "kept)", tid, self._cap_label(tr.config), cost, self.max_cost_per_trial, keep,
        )
        self._capped_keep[tid] = keep
        self.cost_capped_trials[tid] = cost
        self._stop_trial(tid, None)
        del tr.metrics[keep:]
        self._mark_capped(tr)

    @staticmethod
    def _mark_capped(tr: TrialResult) -> None:
        # with results: "completed" so the scheduler gets them and on_trial_complete;
        # without any: "stopped" (the Tuner rejects a completed trial without results)
        tr.status = Status.completed if tr.metrics else Status.stopped


class CostAccountingMixin(CostCapMixin):
    """Adds elapsed time, dollar cost and a per-trial cost cap to a Syne Tune ``TrialBackend``.

    Put it *before* the backend class, ``class MyBackend(CostAccountingMixin, LocalBackend)``,
    and call :meth:`_init_cost_accounting` in ``__init__``. The backend keeps its own class
    (so ``isinstance`` checks on the backend still pass). It hooks
    ``_schedule`` (opens a time segment), ``_pause_trial`` / ``_stop_trial`` (close it) and
    ``_all_trial_results`` (annotates every result from the ledger, then applies the cap of
    :class:`CostCapMixin`).
    """

    def _init_cost_accounting(
        self,
        price_table: PriceTable,
        instance_key: str = INSTANCE_TYPE,
        default_instance: str | None = None,
        instance_count_key: str | None = None,
        max_cost_per_trial: float | None = None,
        config_space: Mapping | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(price_table, PriceTable):
            raise ValueError(f"price_table must be a PriceTable, got {type(price_table).__name__}")
        self._init_cost_cap(max_cost_per_trial)
        self._price_table = price_table
        self._instance_key = instance_key
        self._default_instance = default_instance
        self._instance_count_key = instance_count_key
        self.cost_ledger = TrialCostLedger(clock)
        if default_instance is not None:
            price_table.price_per_hour(default_instance)
        if config_space is not None:
            self.validate_config_space(config_space)

    # -- configuration-time checks -------------------------------------------------------
    def validate_config_space(self, config_space: Mapping) -> list[str]:
        """Check that every instance type ``config_space`` can choose has a price.

        Raises ``UnknownInstanceTypeError`` / ``MissingPriceError`` (``ValueError``s) naming
        the instance and the closest known names (and ``ValueError`` if the instance-count
        dimension, if any, can take a value that is not an int >= 1); returns the instance
        names.
        """
        names = self._price_table.validate_config_space(config_space, self._instance_key)
        if self._instance_count_key is not None:
            check_instance_count_domain(config_space, self._instance_count_key)
        if not names and self._default_instance is None:
            raise ValueError(
                f"config_space has no {self._instance_key!r} entry and no default_instance was "
                f"given: the backend cannot price the trials."
            )
        return names

    def instance_of(self, config: Mapping[str, Any]) -> str:
        """Instance type (or local profile) a trial with ``config`` runs on."""
        name = config.get(self._instance_key, self._default_instance)
        if name is None:
            raise ValueError(
                f"config {dict(config)} has no {self._instance_key!r} and the backend has no "
                f"default_instance"
            )
        return str(name)

    def price_per_hour_of(self, config: Mapping[str, Any]) -> float:
        """Dollars per hour of one instance of the type (or local profile) a trial with
        ``config`` runs on (:meth:`instance_of`); ``ValueError`` if it has no price."""
        return self._price_table.price_per_hour(self.instance_of(config))

    def instance_count_of(self, config: Mapping[str, Any]) -> int:
        """Number of instances a trial with ``config`` runs on: ``config[instance_count_key]``
        if the backend has such a key (``ValueError`` unless an int >= 1), else 1."""
        if self._instance_count_key is None:
            return 1
        return check_instance_count(config.get(self._instance_count_key, 1),
                                    f"config[{self._instance_count_key!r}]")

    # -- hooks into TrialBackend ------------------------------------------------------------
    def _schedule(self, trial_id: int, config: dict[str, Any]):
        if self.is_cost_capped(trial_id):
            # a capped trial that the scheduler paused and now resumes: it stays ended
            logger.info("trial %d already exceeded its cost cap; it is not restarted", trial_id)
            return
        # the config of this segment: a resume with a new config (e.g. MO-ASHA moving a
        # promoted trial to another instance type) is billed at the new type's price
        price = self.price_per_hour_of(config)
        count = self.instance_count_of(config)
        self.cost_ledger.start(trial_id, price, count, instance=self.instance_of(config))
        try:
            super()._schedule(trial_id, self._config_for_launch(config))
        except BaseException:
            self.cost_ledger.end(trial_id)
            raise

    def _config_for_launch(self, config: dict[str, Any]) -> dict[str, Any]:
        """Config handed to the backend's launcher (subclasses may drop keys)."""
        return config

    def _pause_trial(self, trial_id: int, result: dict | None):
        super()._pause_trial(trial_id, result)
        self.cost_ledger.end(trial_id)

    def _stop_trial(self, trial_id: int, result: dict | None):
        super()._stop_trial(trial_id, result)
        self.cost_ledger.end(trial_id)

    def _all_trial_results(self, trial_ids: list[int]) -> list[TrialResult]:
        results = super()._all_trial_results(trial_ids)
        now = self.cost_ledger.clock()
        for tr in results:
            self._account_trial(tr, now)
        return results

    def stop_all(self):
        # the run is over: trials are stopped by the tuner, not by their cost cap
        self._cap_enabled = False
        try:
            super().stop_all()
        finally:
            self._cap_enabled = True

    # -- accounting -------------------------------------------------------------------------
    def trial_cost(self, trial_id: int) -> float:
        """Dollars spent by ``trial_id`` so far (including time after its last result)."""
        return self.cost_ledger.cost(trial_id)

    def _account_trial(self, tr: TrialResult, now: float) -> None:
        tid = tr.trial_id
        if tid in self.cost_ledger:
            running = tr.status in (Status.in_progress, Status.stopping)
            if not running and self.cost_ledger.is_running(tid):
                end = tr.training_end_time.timestamp() if tr.training_end_time is not None \
                    else now
                self.cost_ledger.end(tid, min(end, now))
            if tid in self._capped_keep:
                del tr.metrics[self._capped_keep[tid]:]
            for metric in tr.metrics:
                at = metric.get(ST_WORKER_TIMESTAMP, now)
                metric[ST_WORKER_TIME] = self.cost_ledger.elapsed(tid, at)
                metric[ST_WORKER_COST] = self.cost_ledger.cost(tid, at)
                if SEGMENT_INSTANCE_TYPE not in metric:  # (Ray sets it per attempt)
                    instance = self.cost_ledger.instance_at(tid, at)
                    if instance is not None:
                        metric[SEGMENT_INSTANCE_TYPE] = instance
        # also for a trial without time segments (e.g. capped before a durable resume)
        self._apply_cost_cap(tr, lambda: self.cost_ledger.cost(tid, now))

    def _cap_label(self, config: Mapping[str, Any]) -> str:
        return self.instance_of(config)
