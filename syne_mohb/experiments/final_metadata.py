"""The scheduler's state at the end of a run, kept in the run's ``metadata.json``.

Syne Tune writes ``metadata.json`` when the run starts, with the scheduler's
``metadata()`` of that moment: for MO-ASHA with the hardware policy, no restart yet, no choice,
the policy not joint. What a user asks of a finished run (which trials were trained again on
another type, how often the policy chose each type, whether it turned joint) is only known at
the end. :func:`record_scheduler_end` adds the scheduler's ``metadata()`` at the end under
``"scheduler_end"`` (atomically: temporary file, then rename); the HTML report shows it in place
of the start's. ``DurableTuner`` and the benchmark runner call it; with Syne Tune's own
``Tuner`` pass :class:`SchedulerEndMetadata` among the callbacks::

    tuner = Tuner(..., callbacks=[StoreResultsCallback(), SchedulerEndMetadata()])

:func:`end_state_table` summarises the recorded states of a group's runs per method, as
``syne-mohb report`` prints them and writes ``scheduler_end.csv``.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from syne_tune.constants import ST_METADATA_FILENAME
from syne_tune.tuner_callback import TunerCallback

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

__all__ = ["SCHEDULER_END", "SchedulerEndMetadata", "end_metadata", "end_state_table",
           "record_scheduler_end", "recorded_end_kwargs"]

SCHEDULER_END = "scheduler_end"


def end_metadata(scheduler: Any) -> dict[str, Any]:
    """``scheduler.metadata()`` as JSON holds it (keys as strings, anything else JSON cannot
    hold as its ``str``)."""
    return json.loads(json.dumps(scheduler.metadata(), default=str))


def recorded_end_kwargs(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """The scheduler's ``scheduler_kwargs`` at the end of a run, from its ``metadata.json``
    (:func:`record_scheduler_end`), or ``{}`` where the run did not record them."""
    return ((metadata or {}).get(SCHEDULER_END) or {}).get("scheduler_kwargs") or {}


def record_scheduler_end(run_dir: str | Path, scheduler: Any) -> bool:
    """Add ``scheduler.metadata()`` to ``run_dir/metadata.json`` under ``"scheduler_end"``;
    returns whether it was written (a failure is logged, never raised: the run's results
    matter more than this record)."""
    path = Path(run_dir) / ST_METADATA_FILENAME
    try:
        data = json.loads(path.read_text()) if path.exists() else {}
        data[SCHEDULER_END] = end_metadata(scheduler)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, path)
        return True
    except Exception as e:  # noqa: BLE001
        logger.warning("could not record the scheduler's final state in %s: %s", path, e)
        return False


class SchedulerEndMetadata(TunerCallback):
    """Records the scheduler's metadata at the end of tuning (:func:`record_scheduler_end`)."""

    def __init__(self):
        self._tuner = None

    def __getstate__(self):  # pickled with the tuner: not the tuner itself
        return {"_tuner": None}

    def on_tuning_start(self, tuner):
        self._tuner = tuner

    def on_tuning_end(self):
        if self._tuner is not None:
            record_scheduler_end(self._tuner.tuner_path, self._tuner.scheduler)


def end_state_table(methods: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """One row per method of ``{method: [runs]}`` (runs of :mod:`syne_mohb.experiments.analysis`)
    whose ``metadata.json`` holds the scheduler's state at the end: how many runs recorded it,
    trials trained again on another type (``restarts``), resumed segments moved to another type
    (``moves``), trials that failed on a type and of those, trained once more on another
    (``failures``: ``"count (retried)"``, where the policy recorded them), jobs that found no
    capacity for their type, per type (``capacity``: ``"type: count"``, told by
    :class:`~syne_mohb.hardware.feedback.HardwareFeedback`; not among ``failures``), trials
    stopped because their first unit was late (``late``, where the policy had a
    ``late_factor``), runs whose hardware policy turned joint, and how often the policy chose
    each type, summed over the runs (``"type: count (share)"``, most chosen first). Runs recorded
    before this state was kept, and schedulers without a hardware policy, leave their cells
    empty. O(runs x types)."""
    import pandas as pd

    rows = []
    for method, runs in methods.items():
        ends = [e for e in (recorded_end_kwargs(r.metadata) for r in runs) if e]
        if not ends:
            continue
        policies = [e["hardware"] for e in ends if isinstance(e.get("hardware"), dict)]
        choices, capacity = (_summed(policies, key) for key in ("choices", "capacity_failures"))
        total = sum(choices.values())
        rows.append({
            "method": method,
            "runs": len(ends),
            "restarts": sum(len(e.get("restarts") or {}) for e in ends),
            "moves": sum(int(p.get("moves") or 0) for p in policies) if policies else None,
            "failures": (f"{sum(int(p.get('failures') or 0) for p in policies)} "
                         f"({sum(int(p.get('retries') or 0) for p in policies)} retried)"
                         if any("failures" in p for p in policies) else None),
            "capacity": ", ".join(f"{k}: {v}" for k, v in sorted(capacity.items()))
                        if capacity else None,
            "late": (sum(int(p.get("late_stops") or 0) for p in policies)
                     if any(p.get("late_factor") is not None for p in policies) else None),
            "joint": f"{sum(bool(p.get('joint')) for p in policies)} of {len(policies)}"
                     if policies else None,
            "choices": ", ".join(f"{k}: {v} ({v / total:.0%})" for k, v in
                                 sorted(choices.items(), key=lambda kv: (-kv[1], kv[0])))
                       if total else None,
        })
    return pd.DataFrame(rows, columns=["method", "runs", "restarts", "moves", "failures",
                                       "capacity", "late", "joint", "choices"])


def _summed(policies: Sequence[Mapping[str, Any]], key: str) -> dict[str, int]:
    """``{type: count}`` of the policies' ``key`` entries, summed over the policies."""
    out: dict[str, int] = {}
    for pol in policies:
        for k, v in (pol.get(key) or {}).items():
            out[k] = out.get(k, 0) + int(v)
    return out
