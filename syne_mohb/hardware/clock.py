"""How long a trial has trained, and what it cost, read from its results: what the runtime
model and the prices learn from.

Every backend of the project, and Syne Tune's ``LocalBackend`` / ``SageMakerBackend`` through
its reporter, put the trial's cumulative training seconds in every result
(``st_worker_time``). Syne Tune's own simulator (``UserBlackboxBackend``,
``BlackboxRepositoryBackend``) does not: a result carries the table's elapsed-time column
under whatever name the table gives it, and the tuner's simulated clock (``st_tuner_time``).
:class:`TrainingClock` then finds the column itself:

*Algorithm.* For two consecutive results of a trial segment (a trial from its start or
a resume to its next pause), the tuner's clock advanced by ``dt``; a
key ``k`` whose value advanced by the same ``dk`` (relative tolerance ``tol``) is a match, any
other advance a mismatch (a pause between the results, say). The key with the most matches
is taken once it has ``min_matches`` and at most a quarter as many mismatches; keys named in
``exclude`` (the resource, e.g. "epoch", which would match when an epoch takes a second) and
Syne Tune's own ``st_*`` keys are never candidates. Until a key is found, :meth:`seconds`
returns None (the caller keeps such results and reads them again once :attr:`key` is set).

Dollars likewise: the project's backends report ``st_worker_cost``; Syne Tune's simulator
reports the table's cost column, if it has one. :class:`BillingMeter` finds it as the column
whose advance per second trained is constant on each instance type (within ``tol``, over
``min_pairs`` pairs of results) and differs between types (a time column advances one second
per second on every type). The policy then learns each type's rate from it: tables whose
prices are not the catalog's, or whose types the catalog does not know, are billed right.

Cost: ``O(m)`` per result for ``m`` numeric keys of a result, until the key is found; then
``O(1)``.
"""
from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, Iterable, Mapping

from syne_tune.constants import ST_TUNER_TIME

__all__ = ["BillingMeter", "TrainingClock", "time_column"]


class TrainingClock:
    """Cumulative training seconds of a trial from its results (see the module docstring).

    :param time_attr: the result key that holds them where the backend reports it
    :param exclude: keys that are never taken for them (the scheduler's resource attribute)
    :param min_matches: consecutive-result pairs that must agree with the tuner's clock
    :param tol: relative tolerance of an agreement
    """

    def __init__(self, time_attr: str, exclude: Iterable[str] = (), min_matches: int = 3,
                 tol: float = 1e-3):
        self.time_attr = time_attr
        self.exclude = set(exclude) | {time_attr, ST_TUNER_TIME}
        self.min_matches = int(min_matches)
        self.tol = float(tol)
        self.key: str | None = None  # the key found to advance with the tuner's clock
        self._prev: dict[tuple[int, int], tuple[float, dict[str, float]]] = {}
        self.own_seen = False  # whether a result carried ``time_attr``
        self._matches: dict[str, int] = defaultdict(int)
        self._mismatches: dict[str, int] = defaultdict(int)
        self._gave_up = False

    def seconds(self, trial_id: int, result: Mapping[str, Any], segment: int = 0
                ) -> float | None:
        """The trial's cumulative training seconds at ``result``, or None while unknown
        (``segment``: the trial's segment, counted by its resumes; two results are compared
        only within one, as a paused trial's clock stands still while the tuner's runs on)."""
        own = _number(result.get(self.time_attr))
        if own is not None:
            self.own_seen = True
            return own
        if self.searching:
            self._learn((trial_id, segment), result)
        return None if self.key is None else _number(result.get(self.key))

    @property
    def searching(self) -> bool:
        """Whether the key is still looked for (not found, not given up)."""
        return self.key is None and not self._gave_up

    def give_up(self) -> None:
        """Stop looking: :meth:`seconds` returns None for results without ``time_attr``."""
        self._gave_up = True
        self._prev.clear()

    def _learn(self, trial_id: tuple[int, int], result: Mapping[str, Any]) -> None:
        now = _number(result.get(ST_TUNER_TIME))
        if now is None:
            return
        values = _candidates(result, self.exclude)
        prev = self._prev.get(trial_id)
        self._prev[trial_id] = (now, values)
        if prev is None or not now > prev[0]:
            return
        dt = now - prev[0]
        for k, x in values.items():
            if k not in prev[1]:
                continue
            if abs((x - prev[1][k]) - dt) <= self.tol * dt:
                self._matches[k] += 1
            else:
                self._mismatches[k] += 1
        good = [k for k, n in self._matches.items()
                if n >= self.min_matches and 4 * self._mismatches[k] <= n]
        if good:
            self.key = max(good, key=lambda k: (self._matches[k], -self._mismatches[k], k))
            self._prev.clear()


class BillingMeter:
    """Cumulative dollars of a trial from results without ``st_worker_cost`` (see the module
    docstring).

    :param exclude: keys never taken for them (the resource, the seconds' key)
    :param min_pairs: pairs of results per type before a type's rate counts
    :param tol: relative spread of a type's rates that still counts as constant
    """

    def __init__(self, exclude: Iterable[str] = (), min_pairs: int = 3, tol: float = 0.01,
                 max_pairs: int = 20):
        self.exclude = set(exclude) | {ST_TUNER_TIME}
        self.min_pairs = int(min_pairs)
        self.tol = float(tol)
        self.max_pairs = int(max_pairs)
        self.key: str | None = None
        self._prev: dict[Any, tuple[float, str, dict[str, float]]] = {}
        self._rates: dict[str, dict[str, list[float]]] = defaultdict(_list_table)  # picklable

    def dollars(self, segment_key: Any, result: Mapping[str, Any], seconds: float | None,
                instance: str) -> float | None:
        """The trial's cumulative dollars at ``result`` (``seconds``: its cumulative seconds;
        ``segment_key``: its trial and segment), or None while unknown."""
        if self.key is not None:
            return _number(result.get(self.key))
        if seconds is None:
            return None
        values = _candidates(result, self.exclude)
        prev = self._prev.get(segment_key)
        self._prev[segment_key] = (seconds, instance, values)
        if prev is not None and seconds > prev[0] and prev[1] == instance:
            dt = seconds - prev[0]
            for k, x in values.items():
                if k in prev[2]:
                    rates = self._rates[k][instance]
                    if len(rates) < self.max_pairs:
                        rates.append((x - prev[2][k]) / dt)
            self._decide()
        return None if self.key is None else _number(result.get(self.key))

    def _decide(self) -> None:
        best, best_n = None, 0
        for k, per_type in self._rates.items():
            steady, broken = [], False
            for rates in per_type.values():
                if len(rates) < self.min_pairs:
                    continue
                lo, hi = min(rates), max(rates)
                if not (lo > 0 and hi <= lo * (1.0 + self.tol)):
                    broken = True
                    break
                steady.append(sum(rates) / len(rates))
            if broken or len(steady) < 2 or max(steady) < 1.05 * min(steady):
                continue
            n = sum(len(r) for r in per_type.values())
            if n > best_n:
                best, best_n = k, n
        if best is not None:
            self.key = best
            self._prev.clear()
            self._rates.clear()


def _list_table() -> defaultdict:
    """An empty ``{key: [values]}`` table (a module function, not a lambda, so that a policy
    holding a :class:`BillingMeter` pickles)."""
    return defaultdict(list)


def time_column(frame, time_attr: str, exclude: Iterable[str] = ()) -> str | None:
    """The column of a results table (Syne Tune's: ``trial_id``, ``st_tuner_time``, ...) that
    holds the trials' cumulative training seconds: ``time_attr`` if it is one, else the column
    a :class:`TrainingClock` finds over the rows in the tuner's time order (None if none).
    ``O(rows x columns)``."""
    if time_attr in frame.columns:
        return time_attr
    if ST_TUNER_TIME not in frame.columns or "trial_id" not in frame.columns:
        return None
    numeric = [c for c in frame.columns
               if c != "trial_id" and str(frame[c].dtype) not in ("object", "bool", "string")]
    clock = TrainingClock(time_attr, exclude=exclude)
    rows = frame.sort_values(ST_TUNER_TIME, kind="stable")[["trial_id", *numeric]]
    for rec in rows.to_dict("records"):
        clock.seconds(int(rec.pop("trial_id")), rec)
        if clock.key is not None:
            return clock.key
    return None


def _candidates(result: Mapping[str, Any], exclude: set) -> dict[str, float]:
    """The result's finite numbers that may hold seconds or dollars: not ``exclude``, not
    Syne Tune's own ``st_*`` keys."""
    return {k: x for k, v in result.items()
            if isinstance(k, str) and k not in exclude and not k.startswith("st_")
            and (x := _number(v)) is not None}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None
