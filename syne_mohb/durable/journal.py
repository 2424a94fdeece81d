"""Append-only run journal: one JSON object per line, flushed (and fsynced) per entry.

The journal is the durable record of a tuning run: every result is appended *before* the
scheduler sees it, together with every scheduler call (suggestions, decisions, completions,
failures) and the backend's launch information (process ids, job names). A crash can only
cut the file after a complete line or in the middle of the last one; :func:`read_journal`
drops such a torn tail, and :meth:`Journal.open` truncates it before appending.
"""
from __future__ import annotations

import fcntl
import json
import math
import os
import time
from pathlib import Path
from typing import Any

from syne_mohb.configspace import plain

__all__ = ["JOURNAL_FILENAME", "LOCK_FILENAME", "Journal", "RunLockedError", "read_journal"]

JOURNAL_FILENAME = "journal.jsonl"
LOCK_FILENAME = "journal.lock"

# entries that carry data nothing else can reproduce: fsynced; the others are only flushed
# (they are re-derived by replay, and a later fsync persists them as well)
DURABLE_EVENTS = frozenset({"run", "session", "start", "resume_trial", "launched", "result",
                            "failed", "relaunched", "cost_capped", "trial_state", "end",
                            "interrupted", "tick", "kept_result", "warm_pools"})


def _encode(x: Any) -> Any:
    """JSON form of a value already made plain (:func:`syne_mohb.configspace.plain`): keys as
    strings, and NaN / inf, which JSON lacks, as ``{"__float__": "nan"}`` (read back by
    :func:`_decode`)."""
    if isinstance(x, dict):
        return {str(k): _encode(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_encode(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return {"__float__": repr(x)}
    return x


def _decode(x: Any) -> Any:
    if isinstance(x, dict):
        if len(x) == 1 and "__float__" in x:
            return float(x["__float__"])
        return {k: _decode(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_decode(v) for v in x]
    return x


class RunLockedError(RuntimeError):
    """Another process holds the run's lock (its driver is still alive, or a resume runs)."""


class Journal:
    """Writer of a run's journal (``<run_dir>/journal.jsonl``), holding the run's lock.

    :param run_dir: folder of the run
    :param fsync: ``os.fsync`` after each data-carrying entry (results, launches, failures);
        switch off only for simulations, where a crash loses nothing that replay cannot redo
    """

    def __init__(self, run_dir: str | Path, fsync: bool = True):
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / JOURNAL_FILENAME
        self.fsync = bool(fsync)
        self._file = None
        self._lock_file = None
        self.last_write = 0.0
        self.seq = 0

    def open(self) -> "Journal":
        """Take the run's lock, drop a torn last line, and open for appending."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        lock = open(self.run_dir / LOCK_FILENAME, "a+")
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip()
            lock.close()
            raise RunLockedError(
                f"run {str(self.run_dir)!r} is locked by another process ({holder or 'unknown'}): "
                f"its driver is still running, or a resume is in progress"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}\n")
        lock.flush()
        self._lock_file = lock
        entries, good_bytes = _scan(self.path)
        if self.path.exists() and self.path.stat().st_size != good_bytes:
            with open(self.path, "r+b") as f:
                f.truncate(good_bytes)
        self.seq = len(entries)
        self._file = open(self.path, "a", encoding="utf-8")
        return self

    def append(self, event: str, **payload: Any) -> dict:
        """Write one entry ``{"e": event, "seq": n, "t": unix time, **payload}``."""
        if self._file is None:
            raise RuntimeError("journal is not open")
        entry = {"e": event, "seq": self.seq, "t": time.time(), **_encode(plain(payload))}
        self._file.write(json.dumps(entry, separators=(",", ":")) + "\n")
        self._file.flush()
        if self.fsync and event in DURABLE_EVENTS:
            os.fsync(self._file.fileno())
        self.seq += 1
        self.last_write = time.monotonic()
        return entry

    def close(self):
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
        if self._lock_file is not None:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def __getstate__(self):
        raise TypeError("a Journal holds an open file and a lock; it is not picklable")


def _scan(path: Path) -> tuple[list[dict], int]:
    if not path.exists():
        return [], 0
    entries, good = [], 0
    with open(path, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break  # torn tail of a crashed write
            try:
                entries.append(_decode(json.loads(raw)))
            except ValueError:
                break
            good += len(raw)
    return entries, good


def read_journal(run_dir: str | Path) -> list[dict]:
    """All complete entries of a run's journal, in order (a torn last line is ignored)."""
    path = Path(run_dir) / JOURNAL_FILENAME
    if not path.exists():
        raise ValueError(f"run_dir {str(run_dir)!r} has no {JOURNAL_FILENAME}: not a durable run")
    return _scan(path)[0]
