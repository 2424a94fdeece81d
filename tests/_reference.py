"""Brute-force references used by the tests (deliberately simple, O(n^2) or worse)."""
from __future__ import annotations

import numpy as np

from syne_mohb.pareto import front_order, to_minimization


def brute_force_ranks(Y, mode="min") -> np.ndarray:
    """Front index by repeated peeling with explicit pairwise dominance checks."""
    Ym = to_minimization(Y, mode)
    n = len(Ym)
    # dom[i, j]: i dominates j (explicit pairwise comparison of all coordinates)
    dom = np.all(Ym[:, None, :] <= Ym[None, :, :], axis=2) & np.any(
        Ym[:, None, :] < Ym[None, :, :], axis=2
    )
    ranks = np.full(n, -1)
    remaining = np.ones(n, dtype=bool)
    r = 0
    while remaining.any():
        front = remaining & ~dom[remaining].any(axis=0)
        ranks[front] = r
        remaining &= ~front
        r += 1
    return ranks


def brute_force_position(Y, mode="min", tie_break="epsnet", seed_objective=0) -> int:
    """Position of the last row of Y in the rung's total order (rank, then tie-break)."""
    Ym = to_minimization(Y, mode)
    ranks = brute_force_ranks(Ym)
    new = len(Ym) - 1
    r = ranks[new]
    before = int(np.sum(ranks < r))
    members = np.nonzero(ranks == r)[0]
    order = members[front_order(Ym[members], tie_break, seed_objective)]
    return before + int(np.nonzero(order == new)[0][0])
