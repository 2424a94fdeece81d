"""What the Ray backend knows of each attempt of a trial, and the record it keeps of them.

An *attempt* is one actor of one trial: its start or a resume (:class:`Attempt`). The driver
appends one JSON line per attempt event (``scheduled``, ``started``, ``ended``) to
``<trial>/attempts.jsonl`` (:data:`ATTEMPTS_FILENAME`): a resumed driver reads the last state
of each attempt back from it (:func:`read_attempts`). When it creates an attempt, the driver
writes a marker line (:data:`MARKER`) to the trial's ``std.out`` and ``std.err``; the lines
after it are the ones the attempt's actor has handed over (:func:`lines_after_marker`).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from syne_tune.backend.trial_status import Status

logger = logging.getLogger(__name__)

__all__ = ["ATTEMPTS_FILENAME", "MARKER", "Attempt", "AttemptLog", "lines_after_marker",
           "marker_line", "read_attempts"]

ATTEMPTS_FILENAME = "attempts.jsonl"
"""Per trial: one JSON line per attempt event (scheduled, started, ended), written by the driver."""
MARKER = "[syne-mohb]"
"""Start of the lines the driver itself writes to a trial's ``std.out`` / ``std.err``."""


@dataclass
class Attempt:
    """One actor of one trial (a start or a resume)."""

    index: int
    actor_name: str
    node_type: str
    scheduled_at: float
    started_at: float | None = None
    node_id: str | None = None
    pid: int | None = None
    out_count: int = 0  # lines of this attempt already in <trial>/std.out
    err_count: int = 0
    ended: bool = False
    ended_at: float | None = None
    end: str | None = None  # completed | failed | stopped | paused (or lost, cost capped,
    #                         requeued: its node died before it ran)
    reason: str | None = None
    # its node died, or no alive node provides its node type: not its configuration's failure
    # (``failure_kind`` says "capacity": the hardware policy lets the type cool down)
    node_failed: bool = False
    # runtime only (never pickled, never recorded)
    handle: Any = field(default=None, repr=False, compare=False)
    ref: Any = field(default=None, repr=False, compare=False)

    def record(self) -> dict[str, Any]:
        """The attempt as JSON-serialisable facts (no actor handle, no pending call)."""
        d = asdict(self)
        d.pop("handle")
        d.pop("ref")
        return d

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "Attempt":
        """The attempt a :meth:`record` (or a line of ``attempts.jsonl``) describes; other
        keys of ``record`` (the event, its time) are ignored."""
        fields = set(cls.__dataclass_fields__) - {"handle", "ref"}
        return cls(**{k: v for k, v in record.items() if k in fields})


def marker_line(trial_id: int, index: int, text: str) -> str:
    """The line the driver writes when it creates attempt ``index`` of ``trial_id``."""
    return f"{MARKER} trial {trial_id} attempt {index}: {text}\n"


def read_attempts(trial_path: Path) -> list[Attempt]:
    """Last recorded state of each attempt in ``<trial_path>/attempts.jsonl`` (``[]`` if the
    file does not exist; a line torn by a crash is skipped)."""
    by_index: dict[int, dict[str, Any]] = {}
    try:
        with open(Path(trial_path) / ATTEMPTS_FILENAME) as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line torn by the crash
                by_index[int(rec["index"])] = rec
    except FileNotFoundError:
        return []
    return [Attempt.from_record(by_index[i]) for i in sorted(by_index)]


def lines_after_marker(lines: list[str], trial_id: int, index: int) -> int:
    """Number of ``lines`` after the marker the driver wrote when it created attempt
    ``index`` of ``trial_id`` (0 if there is none)."""
    tag = f"{MARKER} trial {trial_id} attempt {index}:"
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith(tag):
            return len(lines) - i - 1
    return 0


class AttemptLog:
    """Mixin of :class:`~syne_mohb.backends.ray.RayBackend`: the attempts of each trial
    (``self._attempts``), their record in ``attempts.jsonl`` and their inspection. Uses the
    backend's ``trial_path``."""

    _attempts: dict[int, list[Attempt]]

    def _current(self, trial_id: int) -> Attempt | None:
        atts = self._attempts.get(trial_id)
        return atts[-1] if atts else None

    def _write_attempt(self, trial_id: int, att: Attempt, event: str) -> None:
        try:
            with open(self.trial_path(trial_id) / ATTEMPTS_FILENAME, "a") as f:
                f.write(json.dumps({"event": event, "t": time.time(), **att.record()}) + "\n")
        except OSError as e:  # bookkeeping only
            logger.warning("trial %d: could not write %s: %s", trial_id, ATTEMPTS_FILENAME, e)

    def startup_seconds(self, trial_id: int) -> float | None:
        """Seconds the current attempt of ``trial_id`` waited between being scheduled and its
        script starting on a node (a busy or starting node, the actor's creation); None while
        it has not started. :class:`~syne_mohb.hardware.feedback.HardwareFeedback` subtracts
        it from a first unit's elapsed seconds, so that waiting for a node is not taken for a
        late unit."""
        att = self._current(trial_id)
        if att is None or att.started_at is None:
            return None
        return max(0.0, float(att.started_at) - float(att.scheduled_at))

    def failure_kind(self, trial_id: int) -> str | None:
        """Why ``trial_id`` failed, for the hardware policy
        (:class:`~syne_mohb.hardware.feedback.HardwareFeedback`): ``"capacity"`` when its last
        attempt failed because its node died or no alive node provides its node type (the
        configuration is not to blame); None otherwise (the script failed, or the trial has
        not failed)."""
        attempts = self._attempts.get(trial_id) or []
        if not attempts or attempts[-1].end != Status.failed:
            return None
        return "capacity" if attempts[-1].node_failed else None

    def attempts(self, trial_id: int) -> list[dict[str, Any]]:
        """Attempts of ``trial_id``: actor name, node type, node id, pid, start/end times, how
        it ended and why."""
        return [a.record() for a in self._attempts.get(trial_id, [])]
