"""Syne Tune 0.16's ``MOASHA`` as a peer: as shipped, or with its rank bug patched.

:func:`syne_tune_moasha` builds Syne Tune's own scheduler with :class:`STNonDominatedPriority`,
a fast bug-for-bug reimplementation of its ``NonDominatedPriority`` (tested equal to it on
random inputs), so that the peer can run thousands of trials. Used by the ``st-moasha`` and
``st-moasha-fixed`` methods (:mod:`syne_mohb.experiments.methods`).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from syne_tune.optimizer.scheduler import TrialScheduler

__all__ = ["STNonDominatedPriority", "syne_tune_moasha"]


def syne_tune_moasha(config_space: dict[str, Any], metrics: list[str], time_attr: str, max_t: int,
                     random_seed: int | None = None, patched: bool = False) -> TrialScheduler:
    """Syne Tune 0.16 ``MOASHA``, as shipped or with its rank bug patched (``patched=True``:
    the priority handed to ``Bracket`` is each result's position in ``nondominated_sort``'s
    order instead of the order itself). Everything else is left as shipped: one
    ``do_minimize`` for all metrics (so give it metrics to minimise, e.g. error instead of
    accuracy), its unnormalised, rank-flipped epsilon-net inside a front, its sampling with
    replacement from numpy's global generator. The priority is computed by
    :class:`STNonDominatedPriority`, which gives the same values as Syne Tune's
    ``NonDominatedPriority`` in O(n log n + k^2) instead of O(n^2 + k^3).

    :param metrics: the reported metrics, all minimised
    :param time_attr: the reported resource attribute (e.g. "epoch")
    :param max_t: the largest value of ``time_attr`` (a number >= 1: Syne Tune's grace period
        is 1)
    :raises ValueError: naming the parameter, for what Syne Tune would take silently (one
        string as ``metrics`` becomes a metric per letter) or assert on
    """
    from syne_tune.optimizer.schedulers.multiobjective.moasha import MOASHA as STMOASHA

    from syne_mohb.configspace import check_random_seed
    from syne_mohb.pareto import check_metrics

    if not isinstance(config_space, dict):
        raise ValueError(f"config_space must be a dict of name -> domain, got "
                         f"{type(config_space).__name__}")
    metrics = check_metrics(metrics)
    if not isinstance(time_attr, str) or not time_attr:
        raise ValueError(f"time_attr must be the name of the reported resource (e.g. 'epoch'), "
                         f"got {time_attr!r}")
    if isinstance(max_t, (bool, np.bool_)) or not isinstance(
            max_t, (int, float, np.integer, np.floating)) or not 1 <= max_t < np.inf:
        raise ValueError(f"max_t must be a number >= 1 (the largest {time_attr!r}), got {max_t!r}")
    random_seed = check_random_seed(random_seed)

    return STMOASHA(config_space, metrics=list(metrics), do_minimize=True, time_attr=time_attr,
                    max_t=max_t, random_seed=random_seed,
                    multiobjective_priority=STNonDominatedPriority(patched=patched))


class STNonDominatedPriority:
    """Syne Tune 0.16's ``NonDominatedPriority`` (``dim=0``) reimplemented fast, bug for bug.

    Syne Tune peels Pareto fronts (in index order), orders each front with
    ``compute_epsilon_net`` on the raw objective values (no normalisation, seed: the best point
    of objective 0, then the farthest point by Euclidean distance, ties to the lower index)
    but uses the returned *ranks* as if they were an order, and returns the concatenated order
    of indices, which ``Bracket`` then reads as per-result priorities. ``patched=False``
    returns that order (as shipped); ``patched=True`` returns the position of each result in
    it (the fix of the rank bug only).
    """

    def __init__(self, patched: bool = False):
        self.patched = patched

    def __call__(self, objectives: np.ndarray) -> np.ndarray:
        from syne_mohb.pareto import nondominated_rank

        X = np.asarray(objectives, dtype=float)
        ranks = nondominated_rank(X, "min")
        order: list[int] = []
        for r in range(int(ranks.max()) + 1 if len(ranks) else 0):
            front = np.flatnonzero(ranks == r)
            net_ranks = _st_epsilon_net_ranks(X[front])
            order.extend(front[net_ranks].tolist())  # Syne Tune's flip: ranks used as order
        order_arr = np.asarray(order, dtype=np.int64)
        if not self.patched:
            return order_arr
        positions = np.empty(len(order_arr), dtype=float)
        positions[order_arr] = np.arange(len(order_arr))
        return positions


def _st_epsilon_net_ranks(F: np.ndarray) -> np.ndarray:
    """``compute_epsilon_net(F, dim=0)`` of Syne Tune 0.16: the rank of each point in the
    greedy farthest-point order on raw values, with incremental distances (O(k^2))."""
    k = len(F)
    first = int(np.argmin(F[:, 0]))
    chosen = np.zeros(k, dtype=bool)
    chosen[first] = True
    order = [first]
    with np.errstate(invalid="ignore"):
        min_dist = np.linalg.norm(F - F[first], axis=1)
    while len(order) < k:
        cand = np.flatnonzero(~chosen)
        nxt = int(cand[np.argmax(min_dist[cand])])
        order.append(nxt)
        chosen[nxt] = True
        with np.errstate(invalid="ignore"):
            np.minimum(min_dist, np.linalg.norm(F - F[nxt], axis=1), out=min_dist)
    ranks = np.empty(k, dtype=np.int64)
    ranks[np.asarray(order)] = np.arange(k)
    return ranks
