"""Pareto sorting, rung orders and hypervolume: the numerical core of syne-mohb.

Every function takes an array ``Y`` of shape ``(n, m)`` (``n`` points, ``m`` objectives) and a
``mode``: one string (``"min"`` or ``"max"``) for all objectives or one string per objective.
Internally everything is converted to minimisation (:func:`to_minimization`), where a NaN becomes
``+inf``: a missing or broken metric value is the worst possible value in that objective.

Ranks and hypervolumes are computed with `moocore <https://multi-objective.github.io/moocore/>`_
(C implementation, LGPL-2.1-or-later): its ``pareto_rank`` is 20-400x faster than the numpy
peeling implementation kept here as :func:`nondominated_rank_numpy` (numbers in
``docs/benchmarks/pareto-speed.md``).

Definitions used throughout (minimisation):

* ``a`` *dominates* ``b`` iff ``a <= b`` in every objective and ``a < b`` in at least one.
  Duplicate points do not dominate each other.
* The *non-dominated rank* (front index) of a point is the length of the longest chain of
  points dominating one another that ends in it: 0 for the Pareto front, 1 for the front
  obtained after removing it, and so on (Deb et al., 2002, "A fast and elitist multiobjective
  genetic algorithm: NSGA-II").
* A *rung order* is a total order: by rank first, then inside each front by a tie-break that
  prefers well-spread points: the epsilon-net order of Salinas et al. (2021, "A multi-objective
  perspective on jointly tuning hardware and hyperparameters", following Schmucker et al. 2020)
  or NSGA-II crowding distance.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Sequence

import moocore
import numpy as np

__all__ = [
    "TIE_BREAKS",
    "to_minimization",
    "check_metrics",
    "check_seed_objective",
    "normalize_modes",
    "warn_if_maximised",
    "dominates",
    "nondominated_rank",
    "nondominated_rank_numpy",
    "pareto_mask",
    "pareto_front",
    "epsilon_net_order",
    "crowding_distance",
    "crowding_order",
    "front_order",
    "rung_order",
    "rung_positions",
    "hypervolume",
]

Mode = str | Sequence[str]
TIE_BREAKS = ("epsnet", "crowding")


def check_metrics(metrics: Any, name: str = "metrics") -> list[str]:
    """``metrics`` as a list of distinct, non-empty metric names.

    :raises ValueError: naming ``name``: one string, a dict (whose keys would be taken as the
        names and its values lost: modes go to ``mode=``), an empty list, a name that is not a
        non-empty string, a repeated name
    """
    if isinstance(metrics, Mapping):
        modes = f" and their modes as mode={list(metrics.values())!r}" if name == "metrics" else ""
        raise ValueError(f"{name} must be a list of metric names, got a dict {dict(metrics)!r}; "
                         f"pass the names as {name}={list(metrics)!r}{modes}")
    names = [] if isinstance(metrics, (str, bytes)) or not isinstance(metrics, Iterable) \
        else list(metrics)
    if not names:
        raise ValueError(f"{name} must be a non-empty list of metric names, got {metrics!r}")
    bad = [m for m in names if not isinstance(m, str) or not m]
    if bad:
        raise ValueError(f"{name} must be a non-empty list of metric names (non-empty "
                         f"strings), got {bad[0]!r} in {names!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"{name} must be distinct, got {names}")
    return names


def normalize_modes(mode: Mode | Mapping[str, str], num_objectives: int, name: str = "mode",
                    metrics: Sequence[str] | None = None) -> list[str]:
    """Return one validated mode ("min"/"max") per objective.

    ``mode`` is one string for all objectives, a list with one per objective or, where the
    caller gives the objectives' names ``metrics``, a dict ``{metric: mode}`` naming each.

    :raises ValueError: unknown mode string, a list of the wrong length, a dict that does not
        name every metric once, or neither a string nor a list (the message names ``name``,
        the caller's parameter).
    """
    if isinstance(mode, Mapping) and metrics is not None:
        unknown = sorted(map(str, set(mode) - set(metrics)))
        missing = [m for m in metrics if m not in mode]
        if unknown or missing:
            raise ValueError(f"{name} must name every metric {list(metrics)} once; "
                             f"{'unknown ' + str(unknown) if unknown else ''}"
                             f"{'; ' if unknown and missing else ''}"
                             f"{'missing ' + str(missing) if missing else ''}")
        mode = [mode[m] for m in metrics]
    if isinstance(mode, str):
        modes = [mode] * num_objectives
    elif isinstance(mode, Iterable) and not isinstance(mode, (bytes, Mapping)):
        modes = list(mode)
        if len(modes) != num_objectives:
            raise ValueError(
                f"{name} has {len(modes)} entries but there are {num_objectives} objectives; "
                f"pass one string for all objectives or one per objective"
            )
    else:
        raise ValueError(f"{name} must be 'min', 'max' or a list of them, one per objective"
                         f"{' (or a dict metric -> mode)' if metrics is not None else ''}, got "
                         f"{mode!r}")
    for mo in modes:
        if mo not in ("min", "max"):
            raise ValueError(f"{name} entries must be 'min' or 'max', got {mo!r}")
    return modes


def check_seed_objective(seed_objective: Any, num_objectives: int,
                         name: str = "seed_objective") -> int:
    """``seed_objective`` if it is an integer index of one of ``num_objectives`` objectives.

    :raises ValueError: naming ``name``, for a float, a bool or an index out of range
    """
    if isinstance(seed_objective, (bool, np.bool_)) \
            or not isinstance(seed_objective, (int, np.integer)) \
            or not 0 <= seed_objective < num_objectives:
        raise ValueError(f"{name} must be an integer index of one of the {num_objectives} "
                         f"objectives (0 to {num_objectives - 1}), got {seed_objective!r}")
    return int(seed_objective)


_MAXIMISED = ("acc", "auc", "f1", "precision", "recall", "score", "reward", "r2", "map", "ndcg",
              "bleu", "rouge", "iou", "dice", "hypervolume")


def warn_if_maximised(metrics: Sequence[str], who: str) -> None:
    """Warn (naming ``who``, the caller) when ``mode`` is left out, so that every metric is
    minimised, and a metric's name suggests maximisation."""
    names = [m for m in metrics if any(word in m.lower() for word in _MAXIMISED)]
    if names:
        logging.getLogger(__name__).warning(
            f"{who}: mode is not given, so every metric is minimised, including {names}, "
            f"whose names suggest a metric to maximise; pass mode=[...] with one 'min'/'max' "
            f"per metric (e.g. mode={['max' if m in names else 'min' for m in metrics]})")


def _as_2d(Y, name: str = "Y") -> np.ndarray:
    """``Y`` as a float array of shape ``(n, m)``; a 1-D array is ``n`` points of 1 objective.

    :raises ValueError: naming ``name``: not numeric, ragged, not 1-D or 2-D, or ``n > 0``
        points with no objective
    """
    try:
        Y = np.asarray(Y, dtype=float)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} must be a numeric array of shape (n, m) (n points, m "
                         f"objectives), got {type(Y).__name__}: {e}") from None
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    if Y.ndim != 2:
        raise ValueError(f"{name} must have shape (n, m), got an array of shape {Y.shape}")
    if Y.shape[1] == 0 and Y.shape[0] > 0:
        raise ValueError(f"{name} must have at least one objective (column), got shape "
                         f"{Y.shape}")
    return Y


def to_minimization(Y, mode: Mode = "min") -> np.ndarray:
    """Return a float copy of ``Y`` in which every objective is minimised.

    Columns in "max" mode are negated; NaN becomes ``+inf`` (the worst value).
    """
    Y = _as_2d(Y)
    modes = normalize_modes(mode, Y.shape[1])
    sign = np.array([1.0 if mo == "min" else -1.0 for mo in modes])
    out = Y * sign
    out[np.isnan(out)] = np.inf
    return out


def dominates(a, b) -> bool:
    """Whether point ``a`` dominates point ``b`` (both already in minimisation form).

    :raises ValueError: ``a`` and ``b`` have different shapes
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a and b must be two points with the same number of objectives, got "
                         f"shapes {a.shape} and {b.shape}")
    return bool(np.all(a <= b) and np.any(a < b))


def _finite(Ym: np.ndarray) -> np.ndarray:
    """Replace +-inf by finite stand-ins that keep every comparison unchanged.

    moocore mishandles infinite coordinates (measured: wrong ranks when two points share an
    infinite value), so +inf becomes (largest finite value of the column) + 1 and -inf the
    smallest minus 1.
    """
    if np.all(np.isfinite(Ym)):
        return Ym
    out = Ym.copy()
    for j in range(out.shape[1]):
        col = out[:, j]
        fin = col[np.isfinite(col)]
        hi = fin.max() + 1.0 if len(fin) else 1.0
        lo = fin.min() - 1.0 if len(fin) else -1.0
        col[col == np.inf] = hi
        col[col == -np.inf] = lo
    return out


def nondominated_rank(Y, mode: Mode = "min") -> np.ndarray:
    """Non-dominated rank (front index, 0 = Pareto front) of every row of ``Y``.

    Uses moocore's ``pareto_rank``: O(n log n) for 2 objectives (Jensen 2003); for 3 or more it
    peels one front at a time, O(n^2 log n) for 3 objectives and O(n^2 log^(m-2) n) beyond in
    the worst case (many fronts). Ties and duplicate points are handled: duplicates get the
    same rank.
    """
    Ym = to_minimization(Y, mode)
    if len(Ym) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(moocore.pareto_rank(_finite(Ym)), dtype=np.int64)


def nondominated_rank_numpy(Y, mode: Mode = "min", block: int = 2048) -> np.ndarray:
    """Reference numpy implementation of :func:`nondominated_rank` (front peeling).

    Counts, for every point, how many points dominate it (blocked O(n^2 m) comparisons), then
    peels fronts as in NSGA-II's fast non-dominated sort. Kept for cross-checking and for the
    comparison with moocore in ``benchmarking/bench_pareto.py``.
    """
    Ym = to_minimization(Y, mode)
    if isinstance(block, (bool, np.bool_)) or not isinstance(block, (int, np.integer)) \
            or block < 1:
        raise ValueError(f"block must be a positive int (rows compared at once), got {block!r}")
    n = len(Ym)
    # dominated_by[i] = indices dominating i, built block by block to bound memory
    dom_count = np.zeros(n, dtype=np.int64)
    dominated_sets: list[np.ndarray] = []
    for start in range(0, n, block):
        A = Ym[start:start + block]
        le = np.all(A[:, None, :] <= Ym[None, :, :], axis=2)
        lt = np.any(A[:, None, :] < Ym[None, :, :], axis=2)
        dom = le & lt  # dom[i, j]: A[i] dominates Ym[j]
        dom_count += dom.sum(axis=0)
        dominated_sets.extend(np.nonzero(row)[0] for row in dom)
    ranks = np.full(n, -1, dtype=np.int64)
    current = np.nonzero(dom_count == 0)[0]
    rank = 0
    while len(current):
        ranks[current] = rank
        if any(len(dominated_sets[i]) for i in current):
            dec = np.concatenate([dominated_sets[i] for i in current])
            np.subtract.at(dom_count, dec, 1)
            current = np.unique(dec[dom_count[dec] == 0])
        else:
            current = np.zeros(0, dtype=np.int64)
        rank += 1
    return ranks


def pareto_mask(Y, mode: Mode = "min") -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``Y`` (duplicates on the front all kept)."""
    Ym = to_minimization(Y, mode)
    if len(Ym) == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(moocore.is_nondominated(_finite(Ym), keep_weakly=True), dtype=bool)


def pareto_front(Y, mode: Mode = "min") -> tuple[np.ndarray, np.ndarray]:
    """Return ``(indices, points)`` of the Pareto set of ``Y``, in the original units."""
    Y = _as_2d(Y)
    idx = np.nonzero(pareto_mask(Y, mode))[0]
    return idx, Y[idx]


def _normalize_front(F: np.ndarray) -> np.ndarray:
    """Scale each objective of a front to [0, 1] using the front's finite min and max.

    Constant objectives become 0; ``+inf`` and NaN (a missing metric) become 2 and ``-inf``
    becomes -1, so they stay at a fixed distance beyond the finite points.
    """
    F = np.where(np.isnan(F), np.inf, F)
    finite = np.isfinite(F)
    lo = np.min(np.where(finite, F, np.inf), axis=0)
    hi = np.max(np.where(finite, F, -np.inf), axis=0)
    no_finite = ~np.isfinite(lo)
    lo = np.where(no_finite, 0.0, lo)
    span = np.where(no_finite, 0.0, hi - lo)
    span = np.where(span > 0, span, 1.0)
    Z = (np.where(finite, F, 0.0) - lo) / span
    Z = np.where(F == np.inf, 2.0, Z)
    Z = np.where(F == -np.inf, -1.0, Z)
    return Z


def epsilon_net_order(F, seed_objective: int = 0, stop_at: int | None = None,
                      until_index: int | Sequence[int] | np.ndarray | None = None) -> np.ndarray:
    """Epsilon-net (greedy farthest-point) order of the points of one front.

    Algorithm (Salinas et al. 2021, Sec. 3, after Schmucker et al. 2020): normalise every
    objective to [0, 1] over the front; start with the point that is best on objective
    ``seed_objective``; then repeatedly append the point whose Euclidean distance to the
    points already chosen is largest. Earlier-chosen points cover the front more evenly. Ties
    (equal values or equal distances) go to the lower index, so duplicates come last.
    O(k^2 m) for a front of ``k`` points, ``O(k d m)`` when only ``d`` points are distinct:
    once every point left is at distance 0 from a chosen one (duplicates, e.g. a
    configuration drawn again), they follow in index order, appended at once. A NaN counts as
    ``+inf`` (the worst value).

    :param F: front in minimisation form, shape ``(k, m)``
    :param seed_objective: objective whose best point starts the net
    :param stop_at: if given (an int >= 0), stop once this many points are ordered (early exit)
    :param until_index: if given (a row of ``F``, or several), stop once that point (one of
        them) is ordered (early exit: its position is then the last of the returned order, or
        later in the duplicates' tail)
    :return: indices into ``F``, best first
    """
    F = _as_2d(F, "F")
    check_seed_objective(seed_objective, F.shape[1])
    if stop_at is not None and (isinstance(stop_at, (bool, np.bool_))
                                or not isinstance(stop_at, (int, np.integer)) or stop_at < 0):
        raise ValueError(f"stop_at must be None or an int >= 0 (how many points to order), "
                         f"got {stop_at!r}")
    until = None
    if until_index is not None:
        rows = np.atleast_1d(np.asarray(until_index))
        if rows.dtype.kind not in "iu" or rows.ndim != 1 or not len(rows) \
                or rows.min() < 0 or rows.max() >= len(F):
            raise ValueError(f"until_index must be None or rows of F (0..{len(F) - 1}), got "
                             f"{until_index!r}")
        until = np.zeros(len(F), dtype=bool)
        until[rows] = True
    F = np.where(np.isnan(F), np.inf, F)
    k = len(F)
    limit = k if stop_at is None else min(k, int(stop_at))
    if limit == 0:
        return np.zeros(0, dtype=np.int64)
    Z = _normalize_front(F)
    cols = [np.ascontiguousarray(Z[:, j]) for j in range(Z.shape[1])]
    first = int(np.argmin(F[:, seed_objective]))
    order = [first]
    min_dist = _squared_distances(cols, Z[first])
    min_dist[first] = -1.0
    while len(order) < limit and (until is None or not until[order[-1]]):
        nxt = int(np.argmax(min_dist))
        if min_dist[nxt] <= 0.0:
            # every point left is at distance 0 from a chosen one: each later step would pick
            # the lowest such index (np.minimum keeps their 0), so they follow in index order
            rest = np.flatnonzero(min_dist == 0.0)
            order.extend(rest[: limit - len(order)].tolist())
            break
        order.append(nxt)
        np.minimum(min_dist, _squared_distances(cols, Z[nxt]), out=min_dist)
        # chosen points stay at -1 (np.minimum keeps it): only the new one is marked
        min_dist[nxt] = -1.0
    return np.asarray(order, dtype=np.int64)


def _squared_distances(cols: list[np.ndarray], z: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances of every point (given column by column) to ``z``, summed
    over the objectives in order (the same sums as ``np.sum(.., axis=1)`` on few columns)."""
    out = (cols[0] - z[0]) ** 2
    for j in range(1, len(cols)):
        out += (cols[j] - z[j]) ** 2
    return out


def crowding_distance(F) -> np.ndarray:
    """NSGA-II crowding distance of every point of one front (Deb et al. 2002).

    For each objective the points are sorted; the two extremes get ``inf`` and every other
    point the gap between its neighbours divided by the objective's range; distances are
    summed over objectives. Objectives with zero range contribute nothing. O(m k log k).
    A NaN counts as ``+inf`` (the worst value).
    """
    F = _as_2d(F, "F")
    k, m = F.shape
    dist = np.zeros(k)
    if k <= 2:
        dist[:] = np.inf
        return dist
    Z = _normalize_front(F)
    for j in range(m):
        order = np.argsort(Z[:, j], kind="stable")
        col = Z[order, j]
        span = col[-1] - col[0]
        dist[order[0]] = np.inf
        dist[order[-1]] = np.inf
        if span > 0:
            dist[order[1:-1]] += (col[2:] - col[:-2]) / span
    return dist


def crowding_order(F) -> np.ndarray:
    """Indices of a front by decreasing crowding distance; ties go to the lower index."""
    d = crowding_distance(F)
    return np.lexsort((np.arange(len(d)), -d))


def front_order(F, tie_break: str = "epsnet", seed_objective: int = 0) -> np.ndarray:
    """Order of the points of one front under ``tie_break`` ("epsnet" or "crowding")."""
    if tie_break == "epsnet":
        return epsilon_net_order(F, seed_objective=seed_objective)
    if tie_break == "crowding":
        return crowding_order(F)
    raise ValueError(f"tie_break must be one of {TIE_BREAKS}, got {tie_break!r}")


def rung_order(
    Y, mode: Mode = "min", tie_break: str = "epsnet", seed_objective: int = 0
) -> np.ndarray:
    """Total order of the points of a rung, best first.

    Points are sorted by non-dominated rank; inside each front by :func:`front_order` applied
    to the front's points taken in index (arrival) order.
    """
    if tie_break not in TIE_BREAKS:
        raise ValueError(f"tie_break must be one of {TIE_BREAKS}, got {tie_break!r}")
    Ym = to_minimization(Y, mode)
    check_seed_objective(seed_objective, Ym.shape[1])
    ranks = nondominated_rank(Ym, "min")
    out = []
    for r in range(int(ranks.max()) + 1 if len(ranks) else 0):
        members = np.nonzero(ranks == r)[0]
        out.append(members[front_order(Ym[members], tie_break, seed_objective)])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def rung_positions(
    Y, mode: Mode = "min", tie_break: str = "epsnet", seed_objective: int = 0
) -> np.ndarray:
    """Position (0 = best) of every point in :func:`rung_order`."""
    order = rung_order(Y, mode, tie_break, seed_objective)
    pos = np.empty(len(order), dtype=np.int64)
    pos[order] = np.arange(len(order))
    return pos


def _is_1d(Y) -> bool:
    try:
        return np.ndim(Y) == 1
    except ValueError:  # ragged: _as_2d says so
        return False


def hypervolume(Y, ref_point, mode: Mode = "min") -> float:
    """Exact hypervolume dominated by ``Y`` and bounded by ``ref_point``.

    ``ref_point`` is in the same units and modes as ``Y`` (for a "max" objective it is a lower
    bound). Points that do not strictly improve on the reference point in every objective
    contribute nothing; an empty ``Y`` has hypervolume 0. A point at ``-inf`` in some
    objective (``+inf`` for a "max" one) that improves on the reference point in the others
    dominates an unbounded region: the hypervolume is ``inf``. Computed by moocore (exact:
    O(n log n) dimension sweeps for 2-3 objectives, HV4D+ in O(n^2) for 4; beyond,
    inclusion-exclusion for a few points, else the recursive algorithm of Fonseca et al. 2006
    with HV4D+ as its base, O(n^(m-2)); Guerreiro & Fonseca 2018).

    :raises ValueError: ``ref_point`` is not finite or does not have one entry per objective
    """
    try:
        ref = np.asarray(ref_point, dtype=float).ravel()
    except (TypeError, ValueError) as e:
        raise ValueError(f"ref_point must be a list of numbers, one per objective, got "
                         f"{ref_point!r}: {e}") from None
    one_d = np.ndim(Y) == 1 if isinstance(Y, np.ndarray) else _is_1d(Y)
    if one_d and np.size(Y) == 0:  # [] : no point, of any number of objectives
        Y = np.zeros((0, len(ref)))
    Ym = to_minimization(Y, mode)
    modes = normalize_modes(mode, Ym.shape[1])
    if ref.shape[0] != Ym.shape[1]:
        hint = (f"; Y is 1-D, read as {len(Ym)} points of 1 objective: pass one point of "
                f"{ref.shape[0]} objectives as [Y] (shape (1, {ref.shape[0]}))"
                if one_d else "")
        raise ValueError(
            f"ref_point has {ref.shape[0]} entries but Y has {Ym.shape[1]} objectives{hint}"
        )
    if not np.all(np.isfinite(ref)):
        raise ValueError(f"ref_point must be finite, got {ref.tolist()}")
    ref = ref * np.array([1.0 if mo == "min" else -1.0 for mo in modes])
    keep = np.all(Ym < ref, axis=1)
    if not np.any(keep):
        return 0.0
    if np.isneginf(Ym[keep]).any():  # an unbounded region (moocore crashes on it for 3-4)
        return float("inf")
    return float(moocore.hypervolume(Ym[keep], ref=ref))
