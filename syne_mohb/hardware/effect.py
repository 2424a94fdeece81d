"""Does the instance type change what is learnt? The hardware policy's test on a run's results.

With the same seed and code a configuration reaches the same accuracy on any instance type, and
the type is then a pure (time, cost) decision; when batch size or precision follow the device it
is not. :class:`~syne_mohb.hardware.policy.HardwarePolicy` runs this test on its own results and
turns *joint* (the type searched with the hyperparameters) when it rejects.

A **result record** is the tuple ``(instance type, resource, trial id, metric values, elapsed
seconds, log price per hour)``, one per result the policy observed.

Algorithm (Kruskal & Wallis 1952, with a Bonferroni correction over repeated tests):

1. :func:`learning_metrics`: the metrics that measure neither time nor money. A metric is a time
   or cost metric when its logarithm follows the elapsed seconds, or seconds x price (least
   squares: R^2 >= 0.9 and a coefficient above 0.5 on log seconds), or when it grows in
   proportion to the units trained within trials (:func:`accumulates`), whatever seconds are
   reported.
2. :func:`hardware_changes`: for every learning metric, the results of the same configuration at
   the same resource on different types are compared as deviations from their group's mean
   (with at least 10 such groups); otherwise the out-of-bag residuals of a hyperparameter-only
   tree model on the *control trials* (types drawn independently of the configuration) are
   (:func:`oob_residuals`). Deviations are averaged per (trial, type), since a trial's results
   share its seed, and the types with at least 5 such units are compared by Kruskal-Wallis. The
   test rejects when ``p`` is below the level and the largest median deviation is above 5% of
   the metric's spread.

Costs: ``O(n log n)`` for :func:`accumulates` and the grouping, one least-squares fit per metric,
and an extra-trees fit (48 trees) on the control trials when the pairs are too few; the caller
bounds ``n`` (the policy passes at most its last 2,000 records).
"""
from __future__ import annotations

import math
from collections import defaultdict
from typing import Callable, Mapping, Sequence

import numpy as np

__all__ = ["accumulates", "hardware_changes", "learning_metrics", "oob_residuals"]

#: ``(instance type, resource, trial id, metric values, elapsed seconds, log price per hour)``
Record = tuple[str, float, int, Sequence[float], float, float]


def learning_metrics(records: Sequence[Record], metrics: Sequence[str],
                     hardware_metrics: Sequence[str] | None = None) -> list[int]:
    """Indices of ``metrics`` that measure neither time nor money (step 1 of the module's
    algorithm); ``hardware_metrics``, when given, names the time and cost metrics instead."""
    if hardware_metrics is not None:
        return [i for i, m in enumerate(metrics) if m not in hardware_metrics]
    log_t = np.log(np.maximum([r[4] for r in records], 1e-12))
    log_p = np.array([r[5] for r in records])
    resource = np.array([r[1] for r in records], dtype=float)
    trial = np.array([r[2] for r in records])
    out = []
    for i in range(len(metrics)):
        v = np.array([r[3][i] for r in records], dtype=float)
        ok = np.isfinite(v) & (v > 0) & np.isfinite(log_t)
        if ok.sum() >= 10:
            r2, coef = _fit(np.log(v[ok]), np.c_[log_t[ok], log_p[ok]])
            if r2 >= 0.9 and coef[1] > 0.5:
                continue  # follows seconds (or seconds x price): a time or cost metric
        if accumulates(v, resource, trial):
            continue  # summed over the units trained, as seconds and dollars are
        out.append(i)
    return out


def hardware_changes(records: Sequence[Record], metrics: Sequence[int], alpha: float,
                     key_of: Mapping[int, str], controls: set[int],
                     features: Callable[[int], np.ndarray]) -> tuple[int, float, int] | None:
    """Step 2 of the module's algorithm: the first metric of ``metrics`` (indices) that the
    instance type changes at level ``alpha``, as ``(index, p-value, trials compared)``; None
    when none does or the records cannot tell yet.

    :param key_of: a trial's configuration key (trials of one configuration share it)
    :param controls: the control trials, whose type was drawn independently of the configuration
    :param features: a trial's encoded hyperparameters, for the residuals of the control trials
    """
    from scipy.stats import kruskal

    groups: dict[tuple[str, float], list[int]] = defaultdict(list)
    for k, r in enumerate(records):
        groups[(key_of[r[2]], r[1])].append(k)
    paired = [g for g in groups.values() if len({records[k][0] for k in g}) >= 2]
    for i in metrics:
        v = np.array([r[3][i] for r in records], dtype=float)
        spread = float(np.nanstd(v)) if np.isfinite(v).any() else 0.0
        if not spread > 0:
            continue
        if len(paired) >= 10:  # the same configuration and resource on several types
            rows, dev = [], []
            for g in paired:
                g = [k for k in g if np.isfinite(v[k])]
                if len({records[k][0] for k in g}) >= 2:
                    rows += g
                    dev += (v[g] - v[g].mean()).tolist()
        else:  # the control trials: types drawn independently of the configuration
            rows = [k for k in range(len(records))
                    if records[k][2] in controls and np.isfinite(v[k])]
            if len(rows) < 30:
                continue
            X = np.array([np.r_[features(records[k][2]), math.log(max(records[k][1], 1e-12))]
                          for k in rows])
            dev = oob_residuals(X, v[rows]).tolist()
        # one unit per trial and type: a trial's results share its seed and are not
        # independent evidence
        units: dict[tuple[int, str], list[float]] = defaultdict(list)
        for k, d in zip(rows, dev):
            units[(records[k][2], records[k][0])].append(d)
        types = np.array([t for _, t in units])
        means = np.array([np.mean(d) for d in units.values()])
        samples = [means[types == t] for t in np.unique(types) if (types == t).sum() >= 5]
        if len(samples) < 2 or all(np.allclose(x, 0.0) for x in samples):
            continue
        try:
            p = kruskal(*samples).pvalue
        except ValueError:
            continue
        effect = max(abs(float(np.median(x))) for x in samples) / spread
        if p < alpha and effect > 0.05:
            return i, float(p), len(means)
    return None


def oob_residuals(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Out-of-bag residuals of ``y`` from an extra-trees model on ``X`` (48 trees, bootstrap)."""
    from sklearn.ensemble import ExtraTreesRegressor

    et = ExtraTreesRegressor(n_estimators=48, min_samples_leaf=3, bootstrap=True,
                             oob_score=True, random_state=0, n_jobs=1).fit(X, y)
    return y - et.oob_prediction_


def accumulates(v: np.ndarray, resource: np.ndarray, trial: np.ndarray,
                min_rows: int = 10) -> bool:
    """Whether ``log v`` grows like ``log resource`` within trials (the slope of the
    within-trial fit in [0.8, 1.25], its R^2 >= 0.95, on at least ``min_rows`` results of
    trials with several): a metric summed over the units trained, as seconds and dollars are,
    whatever the seconds reported (a simulator that rounds them, or none). A learning metric
    saturates (accuracy) or falls (loss). ``O(n log n)``."""
    ok = np.isfinite(v) & (v > 0) & np.isfinite(resource) & (resource > 0)
    y, x, g = np.log(v[ok]), np.log(resource[ok]), trial[ok]
    if len(y) < min_rows:
        return False
    _, inv, counts = np.unique(g, return_inverse=True, return_counts=True)
    keep = counts[inv] >= 2
    if keep.sum() < min_rows:
        return False
    y, x, inv = y[keep], x[keep], inv[keep]
    size = np.bincount(inv)
    size[size == 0] = 1
    y = y - (np.bincount(inv, weights=y) / size)[inv]
    x = x - (np.bincount(inv, weights=x) / size)[inv]
    sxx, syy = float(x @ x), float(y @ y)
    if not (sxx > 0 and syy > 0):
        return False
    slope = float(x @ y) / sxx
    r2 = 1.0 - float(((y - slope * x) ** 2).sum()) / syy
    return 0.8 <= slope <= 1.25 and r2 >= 0.95


def _fit(y: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
    """R^2 and coefficients (intercept first) of the least-squares fit of ``y`` on ``X``."""
    A = np.c_[np.ones(len(y)), X]
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    tot = float(np.sum((y - y.mean()) ** 2))
    return (1.0 - float(resid @ resid) / tot if tot > 0 else 0.0), coef
