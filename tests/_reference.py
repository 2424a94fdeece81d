"""Brute-force references used by the tests (deliberately simple, O(n^2) or worse)."""
from __future__ import annotations

import numpy as np

from syne_mohb.pareto import to_minimization


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


def _normalised_front(F) -> list[list[float]]:
    """Per objective (v - finite min) / (finite max - finite min), constant -> 0, +inf -> 2,
    -inf -> -1 (the documented convention), written with plain Python loops."""
    k, m = len(F), len(F[0])
    Z = [[0.0] * m for _ in range(k)]
    for j in range(m):
        finite = [F[i][j] for i in range(k) if np.isfinite(F[i][j])]
        lo = min(finite) if finite else 0.0
        span = (max(finite) - lo) if finite else 0.0
        span = span if span > 0 else 1.0
        for i in range(k):
            v = F[i][j]
            Z[i][j] = 2.0 if v == np.inf else -1.0 if v == -np.inf else (v - lo) / span
    return Z


def reference_epsilon_net_order(F, seed_objective=0) -> list[int]:
    """Greedy farthest-point order (Salinas et al. 2021): start at the best point of
    ``seed_objective`` (lowest index on ties), then repeatedly the point whose smallest squared
    distance to the chosen ones is largest (lowest index on ties)."""
    F = [list(map(float, row)) for row in F]
    k = len(F)
    Z = _normalised_front(F)
    first = min(range(k), key=lambda i: (F[i][seed_objective], i))
    order = [first]
    while len(order) < k:
        best, best_d = None, None
        for i in range(k):
            if i in order:
                continue
            d = min(sum((a - b) ** 2 for a, b in zip(Z[i], Z[c])) for c in order)
            if best_d is None or d > best_d:
                best, best_d = i, d
        order.append(best)
    return order


def reference_crowding_order(F) -> list[int]:
    """NSGA-II crowding distance (extremes infinite, neighbour gaps over the range, summed
    over objectives), decreasing, lowest index on ties."""
    F = [list(map(float, row)) for row in F]
    k, m = len(F), len(F[0])
    if k <= 2:
        return list(range(k))
    Z = _normalised_front(F)
    dist = [0.0] * k
    for j in range(m):
        order = sorted(range(k), key=lambda i: (Z[i][j], i))
        span = Z[order[-1]][j] - Z[order[0]][j]
        dist[order[0]] = dist[order[-1]] = float("inf")
        if span > 0:
            for a in range(1, k - 1):
                dist[order[a]] += (Z[order[a + 1]][j] - Z[order[a - 1]][j]) / span
    return sorted(range(k), key=lambda i: (-dist[i], i))


def brute_force_position(Y, mode="min", tie_break="epsnet", seed_objective=0) -> int:
    """Position of the last row of Y in the rung's total order (rank, then tie-break), with
    the tie-breaks re-implemented here independently of ``syne_mohb.pareto``."""
    Ym = to_minimization(Y, mode)
    ranks = brute_force_ranks(Ym)
    new = len(Ym) - 1
    r = ranks[new]
    before = int(np.sum(ranks < r))
    members = np.nonzero(ranks == r)[0]
    front = Ym[members]
    local = (reference_epsilon_net_order(front, seed_objective) if tie_break == "epsnet"
             else reference_crowding_order(front))
    order = members[local]
    return before + int(np.nonzero(order == new)[0][0])
