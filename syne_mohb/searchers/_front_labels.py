"""Near-Pareto-front labels for offline and online evaluations.

Private helper of :mod:`syne_mohb.searchers.transfer`.

A configuration's *front quantile* is the fraction of the evaluated configurations whose
non-dominated rank is strictly better than its own; it is 0 on the Pareto front. A
configuration is labelled *near the front* (label 1) when its front quantile is below ``gamma``
(so the whole Pareto front is always labelled 1, and then further fronts until a fraction
``gamma`` of the points is covered), else 0. Ranks are invariant under any increasing
per-objective transform, so the labels are the same whether objectives are raw, per-task
quantiles or Gaussian-copula transformed (Salinas, Shen & Perrone 2020): tasks with different
scales are comparable by construction.
"""
from __future__ import annotations

import warnings

import numpy as np

from syne_mohb.pareto import nondominated_rank, to_minimization


def front_quantiles(Y_min: np.ndarray) -> np.ndarray:
    """Front quantile (fraction of points with a strictly better non-dominated rank)."""
    n = len(Y_min)
    if n == 0:
        return np.zeros(0)
    ranks = nondominated_rank(Y_min, "min")
    counts = np.bincount(ranks)
    better = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return better[ranks] / n


def collapse_task_evaluations(evaluations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seed-average ``[num_evals, num_seeds, num_fidelities, num_objectives]`` evaluations and
    keep, per configuration, the values at the highest fidelity where all objectives are finite.

    :return: ``(rows, Y)``: indices of the configurations that have such a fidelity, and their
        values, shape ``(len(rows), num_objectives)``
    """
    with warnings.catch_warnings():  # all seeds NaN -> "Mean of empty slice"
        warnings.simplefilter("ignore", category=RuntimeWarning)
        mean = np.nanmean(evaluations, axis=1)  # [n, F, m]
    valid = np.all(np.isfinite(mean), axis=2)  # [n, F]
    has_any = valid.any(axis=1)
    num_fid = valid.shape[1]
    last = num_fid - 1 - np.argmax(valid[:, ::-1], axis=1)
    rows = np.nonzero(has_any)[0]
    Y = mean[rows, last[rows], :]
    return rows, Y


def task_labels(Y: np.ndarray, modes: list[str], gamma: float) -> np.ndarray:
    """0/1 near-front labels of the rows of ``Y`` (raw units, one mode per column)."""
    return (front_quantiles(to_minimization(Y, modes)) < gamma).astype(float)


def online_labels(
    histories: list[dict[float, np.ndarray]], modes: list[str], gamma: float
) -> np.ndarray:
    """Near-front labels of the current task's trials from multi-fidelity results.

    ``histories[i]`` maps resource level -> metric vector (raw units) of trial ``i``. A trial
    whose highest resource is ``L`` is compared with the trials that reached at least ``L``,
    each taken at its latest resource ``<= L`` (so runtime/cost accumulated over epochs and
    accuracies are compared at comparable budgets). Its front quantile is the number of those
    trials with a strictly better non-dominated rank divided by the number of all trials:
    trials that never reached ``L`` count as worse, which is what a successive-halving
    scheduler decided about them. NaN metrics count as the worst value.
    """
    n = len(histories)
    labels = np.zeros(n)
    if n == 0:
        return labels
    levels = [sorted(h) for h in histories]
    top = np.array([lv[-1] for lv in levels])
    for level in np.unique(top):
        members = [j for j in range(n) if top[j] >= level and levels[j][0] <= level]
        values = []
        for j in members:
            lv = levels[j]
            k = int(np.searchsorted(lv, level, side="right")) - 1
            values.append(histories[j][lv[k]])
        Y = to_minimization(np.vstack(values), modes)
        ranks = nondominated_rank(Y, "min")
        for pos, j in enumerate(members):
            if top[j] == level:
                better = int(np.sum(ranks < ranks[pos]))
                labels[j] = float(better / n < gamma)
    return labels


