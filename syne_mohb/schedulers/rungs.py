"""Rungs of MO-ASHA: the rung rule, a rung's incrementally ranked results, a bracket's rungs.

See :mod:`syne_mohb.schedulers.moasha` for the algorithm. Ranks are maintained incrementally: a
newcomer ``x`` gets rank ``1 + max(rank of points dominating x)``; points not dominated by ``x``
keep their rank; a point ``q`` dominated by ``x`` gets ``max(old rank, rank(x) + 1 + rank of q
among the points dominated by x)``. A decision thus costs O(n m) vector operations plus a sort
of the (usually small) set dominated by the newcomer, instead of a full non-dominated sort.
"""
from __future__ import annotations

import math

import numpy as np

from syne_mohb.pareto import crowding_order, epsilon_net_order, front_order

__all__ = ["Bracket", "PausedRows", "Rung", "continue_threshold"]


def continue_threshold(n: int, reduction_factor: float) -> int:
    """Largest 0-based position ``p`` in a rung of ``n`` results with ``p / n <= 1 / rf``.

    Evaluated with the same floating-point expression as Syne Tune's ASHA so that
    single-objective decisions agree bit for bit.
    """
    bound = 1.0 / reduction_factor
    p = min(int(math.floor(n / reduction_factor)), n - 1)
    while p + 1 <= n - 1 and (p + 1) / n <= bound:
        p += 1
    while p >= 0 and p / n > bound:
        p -= 1
    return p


class Rung:
    """Results recorded at one resource level, with incrementally maintained ranks.

    Objective vectors are stored in minimisation form (NaN already mapped to ``+inf``) in
    arrival order; ``ranks[i]`` is the non-dominated rank of row ``i`` among all rows.
    """

    def __init__(self, level: float, num_objectives: int, tie_break: str = "epsnet",
                 seed_objective: int = 0):
        self.level = level
        self.tie_break = tie_break
        self.seed_objective = seed_objective
        self._Yt = np.empty((num_objectives, 16))  # column-major: fast per-objective scans
        self._ranks = np.empty(16, dtype=np.int64)
        self.n = 0
        self.trial_ids: list[int] = []
        self.row_of: dict[int, int] = {}

    @property
    def Y(self) -> np.ndarray:
        return self._Yt[:, : self.n].T

    @property
    def ranks(self) -> np.ndarray:
        return self._ranks[: self.n]

    def __contains__(self, trial_id: int) -> bool:
        return trial_id in self.row_of

    def __len__(self) -> int:
        return self.n

    def _grow(self):
        cap = 2 * len(self._ranks)
        Yt = np.empty((self._Yt.shape[0], cap))
        Yt[:, : self.n] = self._Yt[:, : self.n]
        R = np.empty(cap, dtype=np.int64)
        R[: self.n] = self._ranks[: self.n]
        self._Yt, self._ranks = Yt, R

    def add(self, trial_id: int, y: np.ndarray, max_position: int | None = None) -> int:
        """Record ``y`` (minimisation form) for ``trial_id`` and return its position.

        :param max_position: if given, only whether the position is ``<= max_position`` matters:
            the returned value is then exact when it is ``<= max_position`` and some value
            ``> max_position`` otherwise, which lets the tie-break stop early. ``-1`` skips the
            position computation (only ranks are updated).
        :return: 0-based position of the new result in the rung's total order
        """
        n_old = self.n
        R = self._ranks[:n_old]
        y = np.asarray(y, dtype=float)
        if n_old:
            Yt = self._Yt[:, :n_old]
            any_lt = Yt[0] < y[0]
            any_gt = Yt[0] > y[0]
            for j in range(1, len(y)):
                any_lt |= Yt[j] < y[j]
                any_gt |= Yt[j] > y[j]
            x_dominated = any_lt & ~any_gt  # old point dominates the newcomer
            x_dominates = any_gt & ~any_lt  # newcomer dominates old point
            above = R[x_dominated]
            r_new = int(above.max()) + 1 if len(above) else 0
            position = self._position(y, r_new, x_dominates, max_position)
            if x_dominates.any():
                self._push_down(Yt, R, x_dominates, r_new)
        else:
            r_new, position = 0, 0
        if self.n == len(self._ranks):
            self._grow()
        self._Yt[:, self.n] = y
        self._ranks[self.n] = r_new
        self.row_of[trial_id] = self.n
        self.trial_ids.append(trial_id)
        self.n += 1
        return position

    @staticmethod
    def _push_down(Yt: np.ndarray, R: np.ndarray, dominated: np.ndarray, r_new: int) -> None:
        """Update ranks in place after inserting a point of rank ``r_new`` dominating ``dominated``.

        A rank grows by at most one: a point ``q`` dominated by the newcomer has old rank
        ``>= r_new + (its rank among the dominated points)``. It grows iff a dominator's new rank
        equals ``q``'s old rank, i.e. iff ``q`` has old rank ``r_new`` or is dominated by a point
        of old rank ``rank(q) - 1`` that grew. So the growth spreads level by level from the
        dominated points of rank ``r_new``, comparing only adjacent levels.
        """
        frontier = np.flatnonzero(dominated & (R == r_new))
        level = r_new
        while len(frontier):
            candidates = np.flatnonzero(dominated & (R == level + 1))
            R[frontier] = level + 1
            if not len(candidates):
                break
            F = Yt[:, frontier]
            hit = np.zeros(len(candidates), dtype=bool)
            step = max(1, 2_000_000 // max(1, len(frontier) * Yt.shape[0]))
            for start in range(0, len(candidates), step):
                C = Yt[:, candidates[start:start + step]]
                le = np.all(F[:, :, None] <= C[:, None, :], axis=0)
                lt = np.any(F[:, :, None] < C[:, None, :], axis=0)
                hit[start:start + step] = np.any(le & lt, axis=0)
            frontier = candidates[hit]
            level += 1

    def _position(self, y, r_new, x_dominates, max_position) -> int:
        R = self._ranks[: self.n]
        before = int(np.count_nonzero(R < r_new))
        if max_position is not None and before > max_position:
            return before
        if max_position == -1:
            return before
        front = np.nonzero((R == r_new) & ~x_dominates)[0]
        if len(front) == 0:
            return before
        if max_position is not None and before + len(front) <= max_position:
            return before  # even the last place of the front is good enough
        F = np.vstack([self._Yt[:, front].T, y])
        new = len(front)
        if self.tie_break == "epsnet":
            stop = None if max_position is None else max_position - before + 1
            order = epsilon_net_order(F, self.seed_objective, stop_at=stop, until_index=new)
        else:
            order = crowding_order(F)
        hit = np.nonzero(order == new)[0]
        if len(hit) == 0:  # not reached before the early exit
            return before + len(order)
        return before + int(hit[0])

    def top(self, k: int) -> list[int]:
        """Rows of the ``k`` best results in the rung's total order, best first."""
        k = min(k, self.n)
        if k <= 0:
            return []
        R = self.ranks
        out: list[int] = []
        for r in np.unique(R):
            members = np.nonzero(R == r)[0]
            if len(out) + len(members) <= k and len(members) == 1:
                out.extend(members.tolist())
            else:
                order = front_order(self.Y[members], self.tie_break, self.seed_objective)
                out.extend(members[order][: k - len(out)].tolist())
            if len(out) >= k:
                break
        return out

    def best_within_top(self, trial_ids: set[int], k: int) -> int | None:
        """The best-placed of ``trial_ids`` if it is among the rung's ``k`` best, else None.

        Only the front of the best-ranked candidate is ordered: every point of a better front
        is placed before it and every point of a worse front after.
        """
        rows = np.array([self.row_of[t] for t in trial_ids], dtype=np.int64)
        row = self.best_row_within_top(rows, k)
        return None if row is None else self.trial_ids[row]

    def best_row_within_top(self, rows: np.ndarray, k: int) -> int | None:
        """:meth:`best_within_top` on rows of the rung (``rows``: a non-empty int array):
        the best-placed row if among the ``k`` best, else None. ``O(n)`` vector operations
        plus the epsilon-net of one front, cut at the ``k``-th place."""
        R = self.ranks
        r_best = int(R[rows].min())
        before = int(np.count_nonzero(R < r_best))
        if before >= k:
            return None
        front = np.flatnonzero(R == r_best)
        wanted = np.isin(front, rows)  # the front's paused points (at least one)
        limit = k - before
        if self.tie_break == "epsnet":  # ordered until the first paused point is placed
            order = epsilon_net_order(self.Y[front], self.seed_objective, stop_at=limit,
                                      until_index=np.flatnonzero(wanted))
        else:
            order = crowding_order(self.Y[front])[:limit]
        hit = np.flatnonzero(wanted[order])
        return int(front[order[hit[0]]]) if len(hit) else None


class PausedRows:
    """The rows of the trials paused at each rung (MO-ASHA's promotion type), kept next to the
    scheduler's ``paused`` map ``{trial: (bracket, rung)}``, which :meth:`pause` and
    :meth:`unpause` change too: finding the trial to resume (:meth:`promotable`) then costs
    ``O(rungs with paused trials x their size)`` vector operations, not ``O(paused)`` Python
    steps per suggestion (a long run pauses thousands of trials at rung 0)."""

    def __init__(self, brackets: list[Bracket], paused: dict[int, tuple[int, int]]):
        self.brackets = brackets
        self.rows: dict[tuple[int, int], set[int]] = {}
        for trial_id, key in paused.items():
            self.rows.setdefault(key, set()).add(self._row(trial_id, key))

    def _row(self, trial_id: int, key: tuple[int, int]) -> int:
        return self.brackets[key[0]].rungs[key[1]].row_of[trial_id]

    def pause(self, paused: dict, trial_id: int, key: tuple[int, int]) -> None:
        self.unpause(paused, trial_id)
        paused[trial_id] = key
        self.rows.setdefault(key, set()).add(self._row(trial_id, key))

    def unpause(self, paused: dict, trial_id: int) -> tuple[int, int] | None:
        key = paused.pop(trial_id, None)
        if key is not None:
            rows = self.rows[key]
            rows.discard(self._row(trial_id, key))
            if not rows:
                del self.rows[key]
        return key

    def promotable(self, reduction_factor: float) -> int | None:
        """The paused trial to resume: from the highest rung (then the first bracket) whose
        best paused trial is among its ``n / reduction_factor`` best; None if none is."""
        for b, i in sorted(self.rows, key=lambda bi: (-self.brackets[bi[0]].rungs[bi[1]].level,
                                                      bi[0])):
            rung = self.brackets[b].rungs[i]
            k = int(rung.n // reduction_factor)
            if k <= 0:
                continue
            rows = self.rows[(b, i)]
            row = rung.best_row_within_top(np.fromiter(rows, dtype=np.int64, count=len(rows)), k)
            if row is not None:
                return rung.trial_ids[row]
        return None


class Bracket:
    def __init__(self, levels: list[float], num_objectives: int, tie_break: str,
                 seed_objective: int):
        self.rungs = [Rung(level, num_objectives, tie_break, seed_objective) for level in levels]

    def rung_for(self, trial_id: int, t: float) -> int | None:
        """Index of the rung whose interval ``[level, next level)`` holds ``t``, if
        ``trial_id`` has no result there yet; None otherwise.

        A rung only takes a trial's first result at or beyond its level and *before* the next
        rung's level: a trial that jumps over a rung (reports epochs 1, 10, 11 with rungs
        1/3/9) is never recorded in the rung it skipped, where a later result would be compared
        with results at a third of its resource. (Syne Tune 0.16's ``Bracket`` fills the
        skipped rung with the epoch-11 result.)
        """
        for i in range(len(self.rungs) - 1, -1, -1):
            if t >= self.rungs[i].level:
                return None if trial_id in self.rungs[i] else i
        return None
