"""Near-Pareto-front labels for offline and online evaluations.

Private helper of :mod:`syne_mohb.searchers.transfer`.

Multi-fidelity results are compared at a common fidelity: an evaluation whose highest fidelity
is ``L`` is compared with the evaluations that reached at least ``L``, each taken at its latest
fidelity ``<= L`` (runtime and cost accumulate over epochs, so values at different fidelities
are not comparable). Among those *comparable* evaluations its *front quantile* is the fraction
with a strictly better non-dominated rank; it is 0 on their Pareto front. It is labelled *near
the front* (label 1) when its front quantile is below ``gamma`` (so the comparable Pareto front
is always labelled 1, then further fronts until a fraction ``gamma`` is covered), else 0.

Counting only comparable evaluations matters twice: above the lowest rung of a successive-
halving run fewer than ``gamma`` of all trials survive, so dividing by all trials would label
every survivor 1, however poor (the model would learn "passed rung 0"); and a related task
whose configurations were stopped early (NaN at later fidelities, as
``syne_mohb.blackboxes.from_experiments`` writes them) would otherwise have its early-stopped
configurations look cheap and land on the front.

Ranks are invariant under any increasing per-objective transform, so the labels are the same
whether objectives are raw, per-task quantiles or Gaussian-copula transformed (Salinas, Shen &
Perrone 2020): tasks with different scales are comparable by construction.
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


def multi_fidelity_labels(
    histories: list[dict[float, np.ndarray]], modes: list[str], gamma: float
) -> np.ndarray:
    """Near-front labels of multi-fidelity evaluations, compared at a common fidelity.

    ``histories[i]`` maps fidelity (resource level) -> metric vector (raw units) of evaluation
    ``i``. See the module docstring for the rule. NaN metrics count as the worst value.
    O(L n log n) for ``L`` distinct highest fidelities (moocore's ranking per level).
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
        quantiles = front_quantiles(to_minimization(np.vstack(values), modes))
        for pos, j in enumerate(members):
            if top[j] == level:
                labels[j] = float(quantiles[pos] < gamma)
    return labels


def online_labels(
    histories: list[dict[float, np.ndarray]], modes: list[str], gamma: float
) -> np.ndarray:
    """Near-front labels of the current task's trials (see :func:`multi_fidelity_labels`)."""
    return multi_fidelity_labels(histories, modes, gamma)


def task_labels(
    evaluations: np.ndarray, modes: list[str], gamma: float
) -> tuple[np.ndarray, np.ndarray]:
    """Near-front labels of one related task's offline evaluations.

    :param evaluations: ``[num_evals, num_seeds, num_fidelities, num_objectives]``; seeds are
        averaged (NaN ignored), and a configuration has a value at a fidelity where all
        objectives are finite
    :return: ``(rows, labels)``: indices of the configurations with at least one such
        fidelity, and their labels, compared at a common fidelity
    """
    with warnings.catch_warnings():  # all seeds NaN -> "Mean of empty slice"
        warnings.simplefilter("ignore", category=RuntimeWarning)
        mean = np.nanmean(evaluations, axis=1)  # [n, F, m]
    valid = np.all(np.isfinite(mean), axis=2)  # [n, F]
    rows = np.flatnonzero(valid.any(axis=1))
    if valid[rows].all():  # complete table: everybody at the last fidelity
        Y = mean[rows, -1, :]
        return rows, (front_quantiles(to_minimization(Y, modes)) < gamma).astype(float)
    histories = [{float(f): mean[r, f, :] for f in np.flatnonzero(valid[r])} for r in rows]
    return rows, multi_fidelity_labels(histories, modes, gamma)
