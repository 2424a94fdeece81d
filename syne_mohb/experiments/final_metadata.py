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
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from syne_tune.constants import ST_METADATA_FILENAME
from syne_tune.tuner_callback import TunerCallback

logger = logging.getLogger(__name__)

__all__ = ["SCHEDULER_END", "SchedulerEndMetadata", "end_metadata", "record_scheduler_end"]

SCHEDULER_END = "scheduler_end"


def end_metadata(scheduler: Any) -> dict[str, Any]:
    """``scheduler.metadata()`` as JSON holds it (keys as strings, anything else JSON cannot
    hold as its ``str``)."""
    return json.loads(json.dumps(scheduler.metadata(), default=str))


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
