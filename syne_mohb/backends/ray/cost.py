"""Cost of Ray trials, from the shared cost ledger (:class:`~syne_mohb.backends.cost.
TrialCostLedger`, through :class:`~syne_mohb.backends.cost.CostAccountingMixin`).

A trial is billed from the moment its training process started on the node (reported by the
actor) to its end, at its node type's price, summed over its attempts. The mixin opens an
attempt's segment when it is scheduled; :class:`QueueAwareLedger` holds it until the actor
reports the start, so time spent waiting in Ray's queue for a free node is not billed.
``st_worker_time`` and ``st_worker_cost`` are in every result before the scheduler sees it,
and the per-trial cap ends trials that spend more than ``max_cost_per_trial``.

A resumed driver rebuilds a trial's segments from its recorded attempts
(:meth:`RayCost._restore_cost`).
"""
from __future__ import annotations

import logging
import math
from typing import Any

from syne_tune.constants import ST_WORKER_TIMESTAMP

from syne_mohb.backends.cost import TrialCostLedger

logger = logging.getLogger(__name__)

__all__ = ["QueueAwareLedger", "RayCost"]


class QueueAwareLedger(TrialCostLedger):
    """Cost ledger whose open segment starts when the trial's process started on its node.

    :meth:`hold` marks the segment just opened (at scheduling) as not started: until
    :meth:`release` gives the start time reported by the node, it contributes nothing (its start
    is +inf), so time spent waiting for a free node is not billed."""

    def hold(self, trial_id: int) -> None:
        """The open segment of ``trial_id`` has not started yet (bills nothing)."""
        segs = self._segments.get(trial_id)
        if segs and segs[-1].end is None:
            segs[-1].start = math.inf

    def release(self, trial_id: int, at: float) -> None:
        """The held segment of ``trial_id`` started at ``at`` (no-op if none is held)."""
        segs = self._segments.get(trial_id)
        if segs and math.isinf(segs[-1].start):
            segs[-1].start = float(at)
            if segs[-1].end is not None:
                segs[-1].end = max(segs[-1].end, segs[-1].start)

    def segments(self, trial_id: int) -> list[tuple[float, float | None]]:
        """``(start, end)`` of each run of ``trial_id`` (``end`` None while it runs)."""
        return [(s.start, s.end) for s in self._segments.get(trial_id, [])]


class RayCost:
    """Mixin of :class:`~syne_mohb.backends.ray.RayBackend`, before ``CostAccountingMixin``:
    the node type of a launch, the config the script gets, the ledger of a resumed trial."""

    def _schedule(self, trial_id: int, config: dict[str, Any]):
        if self.is_cost_capped(trial_id):
            return super()._schedule(trial_id, config)  # the mixin keeps it ended
        # unknown type: raise before the mixin opens a cost segment; the mixin may drop the
        # instance key from the config the script gets, so the type is remembered here
        self._launch_type[trial_id] = self.node_type_of(config)[0]
        super()._schedule(trial_id, config)  # mixin: cost segment, then _launch

    def _config_for_launch(self, config: dict[str, Any]) -> dict[str, Any]:
        if self._pass_instance_type:
            return config
        return {k: v for k, v in config.items() if k != self._instance_key}

    def _restore_cost(self, trial_id: int, config: dict[str, Any]) -> None:
        """Segments of ``trial_id`` from its attempts (a resumed driver): each attempt that
        started is billed from its start to its recorded end, or, if its end was not recorded,
        to its last result, at the price of *its* node type (a resume may have moved the trial
        to another type: ``config`` is only the last one); one not started yet is held. No-op
        if the ledger has the trial."""
        ledger = self.cost_ledger
        atts = self._attempts.get(trial_id) or []
        if trial_id in ledger or not atts:
            return
        prices: dict[str, float] = {}
        for att in atts:
            nt = self.node_types.get(att.node_type)
            if nt is None:  # cost is best effort, results are not
                logger.warning("trial %d: cost of earlier sessions unknown (attempt %d ran on "
                               "node type %r, which this backend does not declare)",
                               trial_id, att.index, att.node_type)
                return
            prices[att.node_type] = nt.price_per_hour
        stamps = [m.get(ST_WORKER_TIMESTAMP) for m in self._metrics.get(trial_id, [])]
        stamps = [s for s in stamps if isinstance(s, (int, float))]
        for i, att in enumerate(atts):
            price = prices[att.node_type]
            if att.started_at is None:
                if not att.ended:
                    ledger.start(trial_id, price, 1, at=att.scheduled_at,
                                 instance=att.node_type)
                    ledger.hold(trial_id)
                continue
            ledger.start(trial_id, price, 1, at=att.started_at, instance=att.node_type)
            if att.ended:
                end = att.ended_at
                if end is None:
                    nxt = atts[i + 1].scheduled_at if i + 1 < len(atts) else float("inf")
                    inside = [s for s in stamps if att.started_at <= s < nxt]
                    end = max(inside) if inside else att.started_at
                ledger.end(trial_id, at=end)
