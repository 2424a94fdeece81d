"""The evaluation core: every number that compares tuning runs is computed here, once.

Used by :mod:`~syne_mohb.experiments.analysis` (summary tables), :mod:`~.report` (CSV/PNG),
:mod:`~.html_report`, :mod:`~.plots`, ``syne-mohb demo`` and the benchmark scripts
(``benchmarking/compare_methods.py``, ...). A *run* is an
:class:`~syne_mohb.experiments.analysis.Run` (or anything with its ``results``, ``objectives``,
``modes`` and ``info``): one row per trained model (a configuration at a fidelity), in tuning
time order (``st_tuner_time``).

**Normalisation** (:class:`Normalizer`). Objectives are compared on common bounds for all
methods and seeds: an objective flagged *log* is log10-scaled, every objective is turned into
minimisation form (a "max" objective is negated), then mapped to [0, 1] with the bounds; the
hypervolume reference point is 1.1 in every objective. The log flags are explicit, never guessed
from names: a run simulated on a benchmark takes them from the benchmark's metadata
(``metric_log``, :func:`syne_mohb.blackboxes.repository.metric_log`; the shipped benchmarks
log-scale runtime, cost and measured epoch time, not accuracy or error), a run may record its
own (``metadata.json["syne_mohb"]["metric_log"]``), and an objective without a flag is on a
linear scale (:data:`DEFAULT_LOG`). Bounds come from the benchmark's whole table
(:func:`normalizer_from_blackbox`), from the runs compared (:func:`normalizer_from_runs`) or
from given best/worst reference points (:meth:`Normalizer.from_reference_points`).

**Curves and measures.** Dollars spent by a tuning job (:func:`dollars_spent`); hypervolume of
the models trained so far against tuning time or dollars (:func:`hypervolume_curve`,
:func:`curves_over_seeds`); tuning time and dollars until a target (:func:`time_to_target`);
the found model's own training dollars and seconds at a target accuracy (:func:`found_model`);
both together, with the whole budget for a run that misses the target (:func:`run_measures`);
every run's measures at the baseline's target (:func:`target_measures`) and each method's
ratios against the baseline (:func:`target_ratios`), the one comparison that ``syne-mohb demo``
and ``syne-mohb report`` print; the best draw of a whole table at the target
(:func:`best_possible`); and the paired-seed bootstrap ratio of a method against a baseline
(:func:`paired_ratio`, O(B T S) for B resamples, T tasks, S seeds).
"""
from __future__ import annotations

import logging
import warnings
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from syne_mohb.pareto import hypervolume, normalize_modes, to_minimization

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_LOG",
    "Normalizer",
    "best_possible",
    "best_value",
    "cost_column",
    "curves_over_seeds",
    "dollars_spent",
    "exhaustive_once",
    "final_hypervolume",
    "found_model",
    "found_model_bounds",
    "hypervolume_curve",
    "hypervolume_curve_xy",
    "log_flags",
    "normalizer_for",
    "normalizer_from_blackbox",
    "normalizer_from_runs",
    "paired_ratio",
    "recorded_log_flags",
    "RATIO_STATISTIC",
    "TARGET_MEASURES",
    "run_budget",
    "run_log_flags",
    "run_measures",
    "seed_draws",
    "table_hypervolume",
    "target_measures",
    "target_ratios",
    "time_to_target",
]

#: scale of an objective without a recorded log flag: linear
DEFAULT_LOG = False

#: hypervolume reference point, in every normalised objective
REF = 1.1


# ------------------------------------------------------------------ log flags
def log_flags(objectives: Sequence[str], metric_log: Mapping[str, bool] | Sequence[bool] | None
              ) -> list[bool]:
    """One log flag per objective: from ``metric_log`` (a mapping ``{objective: flag}``, or one
    flag per objective in order), :data:`DEFAULT_LOG` for objectives it does not name.

    :raises ValueError: ``metric_log`` is a sequence of the wrong length, or holds a non-bool,
        or is neither a mapping nor a sequence (e.g. one string)
    """
    objectives = list(objectives)
    if metric_log is None:
        return [DEFAULT_LOG] * len(objectives)
    if isinstance(metric_log, Mapping):
        values = [metric_log.get(o, DEFAULT_LOG) for o in objectives]
    elif isinstance(metric_log, (str, bytes)) or not hasattr(metric_log, "__iter__"):
        raise ValueError(f"metric_log must be a dict {{objective: true/false}} or one flag per "
                         f"objective {objectives}, got {metric_log!r}")
    else:
        values = list(metric_log)
        if len(values) != len(objectives):
            raise ValueError(f"metric_log must have one flag per objective {objectives}, got "
                             f"{values}")
    bad = [v for v in values if not isinstance(v, (bool, np.bool_))]
    if bad:
        raise ValueError(f"metric_log flags must be true/false, got {bad}")
    return [bool(v) for v in values]


def recorded_log_flags(runs: Sequence[Any]) -> list[bool | None]:
    """Per objective of ``runs[0]``: the log flag recorded for it, or None where none is.

    Recorded, in this order: the run's own ``info["metric_log"]`` (``metadata.json
    ["syne_mohb"]``), else the ``metric_log`` of the benchmark the run simulated
    (``info["benchmark"]``, a shipped name or a blackbox folder). A benchmark that cannot be
    read here records nothing (logged).

    :raises ValueError: the runs record different flags for an objective
    """
    if not runs:
        raise ValueError("runs is empty")
    objectives = list(runs[0].objectives)
    cache: dict[str, dict[str, bool]] = {}
    out: list[bool | None] = [None] * len(objectives)
    for k, run in enumerate(runs):
        info = getattr(run, "info", {}) or {}
        own = info.get("metric_log")
        if isinstance(own, Mapping):
            flags = dict(zip(own, log_flags(list(own), own)))
        elif own is not None:
            flags = dict(zip(objectives, log_flags(objectives, own)))
        elif info.get("benchmark"):
            bench = str(info["benchmark"])
            if bench not in cache:
                cache[bench] = _benchmark_flags(bench)
            flags = cache[bench]
        else:
            flags = {}
        got = [None if o not in flags else bool(flags[o]) for o in objectives]
        if k == 0:
            out = got
        elif got != out:
            raise ValueError(f"runs {runs[0].path} and {run.path} record different log flags "
                             f"for {objectives}: {out} and {got}")
    return out


_UNREADABLE_BENCHMARKS: set[str] = set()  # said once per process, not once per group or run


def _benchmark_flags(benchmark: str) -> dict[str, bool]:
    from syne_mohb.blackboxes.repository import recorded_metric_log

    try:
        return recorded_metric_log(benchmark)
    except ValueError as e:  # unknown name or broken folder (BlackboxFolderError)
        if benchmark not in _UNREADABLE_BENCHMARKS:
            _UNREADABLE_BENCHMARKS.add(benchmark)
            logger.warning(f"no log flags for benchmark {benchmark!r} ({e}); objectives of "
                           f"its runs that record none are compared on a linear scale (a "
                           f"moved benchmark folder: runs made since 2026-12-06 record them)")
        return {}


def run_log_flags(runs: Sequence[Any]) -> list[bool]:
    """The log flags the runs are normalised with: :func:`recorded_log_flags`, with
    :data:`DEFAULT_LOG` (linear) where nothing is recorded."""
    return [DEFAULT_LOG if f is None else f for f in recorded_log_flags(runs)]


# ------------------------------------------------------------------ normalisation
class Normalizer:
    """Maps objective values to [0, 1] minimisation form with fixed bounds (see module doc).

    :param objectives: objective names
    :param modes: "min"/"max" per objective (one string for all, a list, or a dict
        ``{objective: mode}``)
    :param lower: per objective, the transformed value mapped to 0 (log10 where ``log``,
        then negated for "max" objectives)
    :param upper: per objective, the transformed value mapped to 1
    :param log: per objective, whether it is log10-scaled (:func:`log_flags`: a list, a dict
        ``{objective: flag}`` or None for all linear)
    """

    def __init__(self, objectives: Sequence[str], modes: Sequence[str] | str, lower, upper,
                 log: Mapping[str, bool] | Sequence[bool] | None):
        self.objectives = list(objectives)
        self.modes = _modes(modes, self.objectives)
        self.lower = np.asarray(lower, dtype=float).reshape(-1)
        self.upper = np.asarray(upper, dtype=float).reshape(-1)
        self.log = np.asarray(log_flags(self.objectives, _flags_arg(log)), dtype=bool)
        for name, arr in (("lower", self.lower), ("upper", self.upper)):
            if len(arr) != len(self.objectives):
                raise ValueError(f"{name} must have one value per objective {self.objectives}, "
                                 f"got {arr.tolist()}")
        span = self.upper - self.lower
        self.span = np.where(span > 0, span, 1.0)
        self.ref_point = np.full(len(self.objectives), REF)

    @classmethod
    def _transform_raw(cls, Y: np.ndarray, objectives: Sequence[str], modes: Sequence[str],
                       log: np.ndarray) -> np.ndarray:
        """log10 where flagged, then minimisation form; NaN (a missing value) becomes +inf.

        :raises ValueError: a log-scaled objective holds a value <= 0
        """
        Y = np.array(Y, dtype=float)
        if log.any():
            sub = Y[:, log]
            bad = np.isfinite(sub) & (sub <= 0)
            if bad.any():
                logged = [o for o, flag in zip(objectives, log) if flag]
                names = [o for o, b in zip(logged, bad.any(axis=0)) if b]
                raise ValueError(f"objectives {names} are log-scaled (metric_log) but have "
                                 f"values <= 0 (e.g. {float(sub[bad][0])}); record metric_log "
                                 f"false for them")
            with np.errstate(divide="ignore", invalid="ignore"):
                Y[:, log] = np.log10(sub)
        Z = to_minimization(Y, modes)
        Z[np.isnan(Z)] = np.inf
        return Z

    def transform(self, Y) -> np.ndarray:
        """``Y`` (rows of objective values, raw units) in normalised minimisation form.

        ``Y``: one row per point with one value per objective, in the order of
        ``objectives``; a DataFrame holding every objective as a column is read by name.
        """
        Y = _values(Y, self.objectives)
        Z = self._transform_raw(Y, self.objectives, self.modes, self.log)
        return (Z - self.lower) / self.span

    @property
    def max_volume(self) -> float:
        return float(np.prod(self.ref_point))

    def hypervolume(self, Y) -> float:
        """Hypervolume of ``Y`` as a fraction of the reference box (in [0, 1]); a row with a
        value that is not finite (NaN, or an infinite metric) counts for nothing."""
        Z = _finite_rows(self.transform(Y))
        if len(Z) == 0:
            return 0.0
        return hypervolume(Z, self.ref_point, "min") / self.max_volume

    @classmethod
    def from_values(cls, objectives: Sequence[str], modes: Sequence[str] | str, Y,
                    log: Mapping[str, bool] | Sequence[bool] | None) -> "Normalizer":
        """Bounds = the best and worst finite transformed values of ``Y`` per objective.

        :param log: the log flags (:func:`log_flags`; None: all linear)
        """
        objectives = list(objectives)
        modes = _modes(modes, objectives)
        flags = np.asarray(log_flags(objectives, _flags_arg(log)), dtype=bool)
        Y = _values(Y, objectives)
        Z = cls._transform_raw(Y, objectives, modes, flags)
        Z = np.where(np.isfinite(Z), Z, np.nan)
        if len(Z) == 0:  # no value at all: NaN bounds, as for an objective without finite values
            Z = np.full((1, len(objectives)), np.nan)
        with warnings.catch_warnings():  # an objective without any finite value: NaN bounds
            warnings.simplefilter("ignore", RuntimeWarning)
            lower, upper = np.nanmin(Z, axis=0), np.nanmax(Z, axis=0)
        return cls(objectives, modes, lower, upper, flags)

    @classmethod
    def from_reference_points(cls, objectives: Sequence[str], modes: Sequence[str] | str,
                              best, worst, log: Mapping[str, bool] | Sequence[bool] | None
                              ) -> "Normalizer":
        """Normalise to given reference points: ``best`` maps to 0 and ``worst`` to 1 in every
        objective (both in raw units, e.g. the best and worst values of a table).

        :raises ValueError: ``best`` is worse than ``worst`` in some objective, or a value is
            not finite after the transform
        """
        objectives = list(objectives)
        modes = _modes(modes, objectives)
        flags = np.asarray(log_flags(objectives, _flags_arg(log)), dtype=bool)
        pts = np.vstack([np.asarray(best, dtype=float).reshape(-1),
                         np.asarray(worst, dtype=float).reshape(-1)])
        if pts.shape[1] != len(objectives):
            raise ValueError(f"best and worst must have one value per objective {objectives}")
        lower, upper = cls._transform_raw(pts, objectives, modes, flags)
        if not (np.all(np.isfinite(lower)) and np.all(np.isfinite(upper))):
            raise ValueError(f"best {pts[0].tolist()} and worst {pts[1].tolist()} must be finite")
        worse = [o for o, lo, up in zip(objectives, lower, upper) if lo > up]
        if worse:
            raise ValueError(f"best is worse than worst in objectives {worse} (modes {modes})")
        return cls(objectives, modes, lower, upper, flags)


def _modes(modes: Any, objectives: list[str]) -> list[str]:
    """One mode per objective from a string, a list or a dict ``{objective: mode}``."""
    if not isinstance(modes, (str, Mapping)) and hasattr(modes, "__iter__"):
        modes = list(modes)
    return normalize_modes(modes, len(objectives), "modes", metrics=objectives)


def _flags_arg(log: Any) -> Any:
    """``log`` for :func:`log_flags`: a mapping or None as it is, any other iterable as a list."""
    if log is None or isinstance(log, (Mapping, str, bytes)) or not hasattr(log, "__iter__"):
        return log
    return list(log)


def _values(Y: Any, objectives: list[str], name: str = "Y") -> np.ndarray:
    """``Y`` as a float array with one column per objective: a DataFrame with every objective
    as a column is read by name, anything else by position (one flat point is one row).

    :raises ValueError: naming ``name``: not numeric, or not one value per objective
    """
    if isinstance(Y, pd.DataFrame) and set(objectives) <= set(Y.columns):
        Y = Y[objectives]
    try:
        arr = np.asarray(Y, dtype=float)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} must be numeric, one value per objective {objectives}: "
                         f"{e}") from None
    if arr.ndim > 2 or (arr.ndim == 2 and arr.shape[1] != len(objectives)) \
            or (arr.ndim < 2 and arr.size % len(objectives)):
        raise ValueError(f"{name} must have one value per objective {objectives} in each row, "
                         f"got shape {arr.shape}")
    return arr.reshape(-1, len(objectives))


def _table_values(benchmark: str, task: str, objectives: Sequence[str]) -> np.ndarray:
    """Every value of a blackbox table (all configurations, seeds, fidelities), one row each."""
    from syne_mohb import blackboxes

    bb = blackboxes.load(benchmark)[task]
    names = list(bb.objectives_names)
    missing = [o for o in objectives if o not in names]
    if missing:
        raise ValueError(f"objectives {missing} are not objectives of {benchmark!r}: {names}")
    ev = np.asarray(bb.objectives_evaluations)
    return ev[..., [names.index(o) for o in objectives]].reshape(-1, len(objectives))


def normalizer_from_blackbox(benchmark: str, task: str, objectives: Sequence[str],
                             modes: Sequence[str] | None = None,
                             log: Mapping[str, bool] | Sequence[bool] | None = None) -> Normalizer:
    """Bounds from every value of a blackbox table (all configurations, seeds, fidelities):
    the table's best and worst value of each objective.

    :param modes: default: the benchmark's ``metric_mode``
    :param log: default: the benchmark's ``metric_log`` (linear where it has none)
    """
    from syne_mohb.blackboxes import metric_modes
    from syne_mohb.blackboxes.repository import metric_log

    objectives = list(objectives)
    if modes is None:
        modes = metric_modes(benchmark, objectives)
    if log is None:
        log = metric_log(benchmark, objectives)
    return Normalizer.from_values(objectives, modes, _table_values(benchmark, task, objectives),
                                  log)


def table_hypervolume(benchmark: str, task: str, normalizer: Normalizer) -> float:
    """Hypervolume (fraction of the reference box) of every entry of a blackbox table: the
    best front the table holds. ``normalizer.hypervolume(Y) / table_hypervolume(...)`` is a
    hypervolume as a fraction of the table's best."""
    return normalizer.hypervolume(_table_values(benchmark, task, normalizer.objectives))


def normalizer_from_runs(runs: Sequence[Any],
                         log: Mapping[str, bool] | Sequence[bool] | None = None) -> Normalizer:
    """Bounds from the union of the runs' results (same objectives in every run).

    :param log: default: :func:`run_log_flags` of the runs
    :raises ValueError: ``runs`` is empty, or the runs have different objectives or modes
    """
    if not runs:
        raise ValueError("runs is empty: pass at least one run to normalise")
    first = runs[0]
    for r in runs[1:]:
        if list(r.objectives) != list(first.objectives) or list(r.modes) != list(first.modes):
            raise ValueError(
                f"runs {first.path} and {r.path} have different objectives ({first.objectives} "
                f"{first.modes} and {r.objectives} {r.modes}): they cannot share one "
                f"normalisation; compare them in separate groups "
                f"(syne_mohb.experiments.analysis.group_runs)")
    Y = np.vstack([r.results[first.objectives].to_numpy(dtype=float) for r in runs])
    flags = run_log_flags(runs) if log is None else log
    return Normalizer.from_values(first.objectives, first.modes, Y, flags)


def normalizer_for(runs: Sequence[Any]) -> Normalizer:
    """The normalisation of a group of runs (one benchmark and task, or one folder): bounds
    from the blackbox table when the runs are simulations of a benchmark that can be read here,
    else from the runs; log flags from :func:`run_log_flags`."""
    if not runs:
        raise ValueError("runs is empty: pass at least one run to normalise")
    info = runs[0].info
    flags = run_log_flags(runs)
    if info.get("simulated") and info.get("benchmark"):
        try:
            return normalizer_from_blackbox(info["benchmark"], info["task"], runs[0].objectives,
                                            runs[0].modes, flags)
        except Exception as e:  # blackbox not available here: fall back to the runs themselves
            logger.info(f"bounds of {info['benchmark']}/{info['task']} from the runs: {e}")
    return normalizer_from_runs(runs, flags)


# ------------------------------------------------------------------ curves
def cost_column(columns) -> str | None:
    """The column of a results table holding each trial's cumulative dollars: the backends'
    ``st_worker_cost``, else the ``cost`` objective (a run on Syne Tune's own simulator
    reports no ``st_worker_cost``), else None."""
    return "st_worker_cost" if "st_worker_cost" in columns else (
        "cost" if "cost" in columns else None)


def dollars_spent(results: pd.DataFrame) -> np.ndarray:
    """Cumulative dollars spent by the tuning job at each row (rows in time order): the sum
    over trials of their cumulative ``st_worker_cost`` (else of the ``cost`` objective) so far;
    NaN everywhere when neither column exists.

    :raises ValueError: ``results`` is not a DataFrame, or has a cost column but no
        ``trial_id``
    """
    if not isinstance(results, pd.DataFrame):
        raise ValueError(f"results must be a pandas DataFrame (a run's results table), got "
                         f"{type(results).__name__}")
    col = cost_column(results.columns)
    if col is None:
        return np.full(len(results), np.nan)
    if "trial_id" not in results.columns:
        raise ValueError(f"results has a {col!r} column but no 'trial_id' column: the dollars of "
                         f"each trial cannot be told apart")
    c = results[col].astype(float).fillna(0.0)
    cm = c.groupby(results["trial_id"]).cummax()
    prev = cm.groupby(results["trial_id"]).shift(1).fillna(0.0)
    return np.cumsum((cm - prev).to_numpy(dtype=float))


def _finite_rows(Z: np.ndarray) -> np.ndarray:
    """``Z`` (transformed, minimisation form) with every row holding a value that is not
    finite moved beyond any reference point (+inf), where it counts for nothing: a NaN or +inf
    does anyway, but one -inf (e.g. a corrupt cost) made the hypervolume infinite and ended the
    curves there. O(rows x objectives)."""
    Z = np.asarray(Z, dtype=float)
    if Z.ndim != 2:
        return Z
    return np.where(np.isfinite(Z).all(axis=1, keepdims=True), Z, np.inf)


def hypervolume_curve_xy(x: np.ndarray, Y: np.ndarray, normalizer: Normalizer,
                         grid: np.ndarray) -> np.ndarray:
    """Hypervolume (fraction of the reference box) of the rows of ``Y`` with ``x <= g``, for
    each ``g`` of ``grid``; ``x``: the tuning seconds or dollars of each row, normally
    non-decreasing (rows in time order; others are sorted first, a row with a NaN ``x`` never
    counts). O(len(grid) x one hypervolume).

    :raises ValueError: ``grid`` is not 1-D, or ``x`` does not have one value per row of ``Y``
    """
    grid = np.asarray(grid, dtype=float)
    if grid.ndim != 1:
        raise ValueError(f"grid must be a 1-D array of x values, got shape {grid.shape}")
    Z = _finite_rows(normalizer.transform(Y))
    x = np.asarray(x, dtype=float).reshape(-1)
    if len(x) != len(Z):
        raise ValueError(f"x has {len(x)} values but Y has {len(Z)} rows: give one x per row")
    if np.any(np.diff(x) < 0) or np.isnan(x).any():  # rows out of order: count by x
        order = np.argsort(x, kind="stable")  # NaN last: past every grid point
        x, Z = x[order], Z[order]
    out = np.zeros(len(grid))
    ends = np.searchsorted(x, grid, side="right")
    last_end, last_hv = 0, 0.0
    for i, end in enumerate(ends):
        if end != last_end:
            last_hv = (hypervolume(Z[:end], normalizer.ref_point, "min") / normalizer.max_volume
                       if end else 0.0)
            last_end = end
        out[i] = last_hv
    return out


def _axis_values(run: Any, axis: str) -> np.ndarray:
    if axis not in ("time", "dollars"):
        raise ValueError(f"axis must be 'time' or 'dollars', got {axis!r}")
    if axis == "time":
        return run.results["st_tuner_time"].to_numpy(dtype=float)
    return dollars_spent(run.results)  # results are in time order: dollars are non-decreasing


def hypervolume_curve(run: Any, normalizer: Normalizer, grid: np.ndarray,
                      axis: str = "time") -> np.ndarray:
    """Hypervolume of the models a run trained up to each point of ``grid``.

    :param axis: "time" (simulated or real tuning seconds, ``st_tuner_time``) or "dollars"
        (cumulative dollars spent by the tuning job)
    """
    x = _axis_values(run, axis)
    return hypervolume_curve_xy(x, run.results[run.objectives].to_numpy(dtype=float),
                                normalizer, grid)


def curves_over_seeds(runs: Sequence[Any], normalizer: Normalizer, axis: str = "time",
                      num_points: int = 60, x_max: float | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Grid and hypervolume curves (one row per run) on a common grid from 0 to ``x_max``
    (default: the largest tuning time or dollars of the runs; 1 when no run has results).

    :raises ValueError: ``runs`` is empty, ``num_points`` is not a positive int, ``x_max`` is
        not a finite number, or ``axis="dollars"`` and no run records dollars (a
        ``st_worker_cost`` or ``cost`` column)
    """
    if not len(runs):
        raise ValueError("runs is empty: pass at least one run")
    if isinstance(num_points, (bool, np.bool_)) or not isinstance(num_points, (int, np.integer)) \
            or num_points < 1:
        raise ValueError(f"num_points must be a positive int, got {num_points!r}")
    if x_max is None:
        xs = [_axis_values(r, axis)[-1] for r in runs if len(r.results)]
        if xs and np.all(np.isnan(xs)):
            raise ValueError(f"axis={axis!r}: no run records {axis} (a st_worker_cost or cost "
                             f"column), e.g. {runs[0].path}; use axis='time'")
        x_max = float(np.nanmax(xs)) if xs else 1.0
    if not np.isfinite(float(x_max)):
        raise ValueError(f"x_max must be a finite number, got {x_max!r}")
    grid = np.linspace(0.0, x_max, num_points)
    return grid, np.vstack([hypervolume_curve(r, normalizer, grid, axis) for r in runs])


def final_hypervolume(run: Any, normalizer: Normalizer) -> float:
    """Hypervolume of every model the run trained."""
    return normalizer.hypervolume(run.results[run.objectives].to_numpy(dtype=float))


# ------------------------------------------------------------------ targets
def _column(run: Any, name: str, parameter: str) -> np.ndarray:
    """``run.results[name]`` as floats; ``ValueError`` naming ``parameter`` and the run's
    columns where it has no such column."""
    df = run.results
    if name not in df.columns:
        raise ValueError(f"{parameter}={name!r} is not a column of the results of "
                         f"{getattr(run, 'path', 'the run')} (columns: {list(df.columns)})")
    return df[name].to_numpy(dtype=float)


def _target(target: Any) -> float:
    if isinstance(target, (bool, np.bool_)) or not isinstance(target, (int, float, np.number)):
        raise ValueError(f"target must be a number (a value of the objective), got {target!r}")
    return float(target)


def time_to_target(run: Any, objective: str, target: float, mode: str = "max"
                   ) -> tuple[float, float]:
    """(tuning seconds, dollars spent) when the run first reported ``objective`` at least as
    good as ``target``; ``(inf, inf)`` if it never did (or ``target`` is NaN).

    :raises ValueError: ``objective`` is not a column of the run's results, ``target`` is not
        a number, or ``mode`` is not "min"/"max"
    """
    mode = normalize_modes(mode, 1, "mode")[0]
    target = _target(target)
    df = run.results
    v = _column(run, objective, "objective")
    hit = np.nonzero(v >= target if mode == "max" else v <= target)[0]
    if len(hit) == 0:
        return float("inf"), float("inf")
    i = int(hit[0])
    return float(df["st_tuner_time"].iloc[i]), float(dollars_spent(df)[i])


def best_value(run: Any, objective: str, mode: str = "max") -> float:
    """The best value of ``objective`` the run reported (NaN if none).

    :raises ValueError: ``objective`` is not a column of the run's results
    """
    mode = normalize_modes(mode, 1, "mode")[0]
    v = _column(run, objective, "objective")
    if len(v) == 0 or np.all(np.isnan(v)):
        return float("nan")
    return float(np.nanmax(v) if mode == "max" else np.nanmin(v))


def found_model(run: Any, target: float, objective: str = "accuracy", mode: str = "max",
                cost_attr: str = "cost", time_attr: str = "runtime") -> tuple[float, float]:
    """The found model's own training (dollars, seconds) at ``target``: the cheapest and the
    fastest model (configuration at a fidelity) the run trained with ``objective`` at least as
    good as ``target``; ``(nan, nan)`` if it trained none. A model without a recorded cost
    (time) is left out of the cheapest (fastest); NaN when none at the target has one.

    :raises ValueError: ``objective``, ``cost_attr`` or ``time_attr`` is not a column of the
        run's results, or ``target`` is not a number
    """
    mode = normalize_modes(mode, 1, "mode")[0]
    target = _target(target)
    v = _column(run, objective, "objective")
    cost = _column(run, cost_attr, "cost_attr")
    time = _column(run, time_attr, "time_attr")
    hit = v >= target if mode == "max" else v <= target
    if not hit.any():
        return float("nan"), float("nan")
    with warnings.catch_warnings():  # every model at the target lacks a cost (time): NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmin(cost[hit])), float(np.nanmin(time[hit]))


def run_budget(run: Any) -> float:
    """The tuning budget of a run, in seconds: the (simulated) budget it was given
    (``info["budget_s"]``, runs of :mod:`~syne_mohb.experiments.runner`), else the tuning time
    it used (its last ``st_tuner_time``: a local or SageMaker run ran until its stop
    criterion)."""
    budget = (getattr(run, "info", None) or {}).get("budget_s")
    try:
        budget = None if budget is None else float(budget)
    except (TypeError, ValueError):
        raise ValueError(f"run {getattr(run, 'path', '')} records budget_s={budget!r}, not a "
                         f"number of seconds") from None
    if budget is not None and np.isfinite(budget):
        return budget
    t = run.results["st_tuner_time"].to_numpy(dtype=float) if len(run.results) else np.zeros(0)
    return float(np.nanmax(t)) if len(t) else 0.0


def run_measures(run: Any, target: float, budget: float | None = None,
                 objective: str = "accuracy", mode: str = "max") -> dict[str, float]:
    """Measures (a) and (b) of one run at ``target``: (a) tuning seconds and tuning dollars
    until the first result at the target; **a run that never reaches it counts with its whole
    budget** (``budget``, default :func:`run_budget`) **and everything it spent** -- the one
    rule of ``syne-mohb demo`` and ``syne-mohb report``; (b) the found model's own training
    dollars and seconds (:func:`found_model`: of the table's ``cost`` / ``runtime`` per model
    in a simulated run, else of ``st_worker_cost`` / ``st_worker_time``, what a local,
    SageMaker or Ray backend billed the model's trial up to that result; NaN when not
    reached, or when the run reports neither pair).

    Needs the columns ``objective`` and ``st_tuner_time``.
    """
    tune_time, tune_dollars = time_to_target(run, objective, target, mode)
    reached = np.isfinite(tune_time)
    if not reached:
        spent = dollars_spent(run.results)
        tune_time = float(run_budget(run) if budget is None else budget)
        tune_dollars = float(spent[-1]) if len(spent) else 0.0
    columns = set(run.results.columns)
    # a table's own (cost, runtime) per model, else what the backend billed the trial so far
    for cost_attr, time_attr in (("cost", "runtime"), ("st_worker_cost", "st_worker_time")):
        if {cost_attr, time_attr} <= columns:
            model_dollars, model_time = found_model(run, target, objective, mode, cost_attr,
                                                    time_attr)
            break
    else:
        model_dollars, model_time = float("nan"), float("nan")
    return {
        "reached": float(reached),
        "tune_time": tune_time,
        "tune_dollars": tune_dollars,
        "model_dollars": model_dollars,
        "model_time": model_time,
    }


#: the measures of :func:`run_measures` compared by :func:`target_ratios`, with their names
TARGET_MEASURES = {
    "tune_dollars": "(a) tuning dollars to the target",
    "tune_time": "(a) tuning time to the target",
    "model_dollars": "(b) the found model's own training dollars",
    "model_time": "(b) the found model's own training time",
}

#: the statistic of :func:`target_ratios`, named the same wherever it is printed
RATIO_STATISTIC = ("ratio of the means over paired seeds (baseline / method; > 1: the method is "
                   "better)")


def _seed_of(run: Any, index: int) -> int:
    """A run's seed (:attr:`~syne_mohb.experiments.analysis.Run.seed`), else its index."""
    seed = getattr(run, "seed", None)
    if seed is None:
        seed = (getattr(run, "info", None) or {}).get("seed")
    return index if seed is None else seed


def target_measures(methods: Mapping[str, Sequence[Any]], baseline: str,
                    tolerance: float = 0.005, objective: str = "accuracy",
                    budget: float | None = None) -> tuple[float, pd.DataFrame]:
    """Every run's :func:`run_measures` at one target: the baseline's best ``objective``
    ("max"), averaged over its seeds, minus ``tolerance`` (0.005 = 0.5 points of accuracy).

    :param methods: ``{method: [runs in seed order]}``; must hold ``baseline``
    :param budget: the budget of a run that misses the target (default: each run's
        :func:`run_budget`)
    :return: ``(target, table)``: one row per run (``method``, ``seed_index``, ``seed``,
        ``reached`` and the measures of :func:`run_measures`)
    :raises ValueError: ``baseline`` is not a key of ``methods``
    """
    if baseline not in methods:
        raise ValueError(f"baseline {baseline!r} is not among the methods {sorted(methods)}")
    best = [best_value(r, objective, "max") for r in methods[baseline]]
    target = float(np.nanmean(best)) - tolerance if np.isfinite(best).any() else float("nan")
    rows = []
    for method, runs in methods.items():
        for k, run in enumerate(runs):
            m = run_measures(run, target, budget, objective, "max")
            rows.append({"method": method, "seed_index": k,
                         "seed": _seed_of(run, k),
                         "target": target, **m})
    return target, pd.DataFrame(rows)


def target_ratios(measures: pd.DataFrame | Sequence[pd.DataFrame], baseline: str,
                  draws: np.ndarray | None = None) -> pd.DataFrame:
    """For each method but the baseline: :data:`RATIO_STATISTIC` of each measure of
    :data:`TARGET_MEASURES` with its 95% bootstrap interval over the paired seeds
    (:func:`paired_ratio`; seeds paired by their position, ``seed_index``), and in how many
    seeds the method reached the target. Given one table per task (each at its own target),
    the median over the tasks of that ratio, the seeds resampled together across tasks (the
    statistic of ``benchmarking/compare_methods.py`` and of the independent benchmarks), over
    the seeds every task has; ``tasks`` counts the tasks, ``reached`` sums over them.

    :param measures: :func:`target_measures`' table, or a list of them (one per task)
    :param draws: :func:`seed_draws` (default: 1000 resamples of the paired seeds, seed 0)
    :raises ValueError: a table lacks the columns of :func:`target_measures`
    """
    tables = [measures] if isinstance(measures, pd.DataFrame) else list(measures)
    for tab in tables:
        missing = [c for c in ("method", "seed_index", "reached", *TARGET_MEASURES)
                   if c not in tab.columns]
        if missing:
            raise ValueError(f"measures must be target_measures()' table; it lacks the columns "
                             f"{missing}")
    bases = [tab[tab["method"] == baseline].set_index("seed_index") for tab in tables]
    methods = [m for m in dict.fromkeys(m for tab in tables for m in tab["method"])
               if m != baseline]
    rows = []
    for method in methods:
        own = [tab[tab["method"] == method].set_index("seed_index") for tab in tables]
        common = [k for k in own[0].index
                  if all(k in o.index and k in b.index for o, b in zip(own, bases))]
        if not common:
            continue
        d = (draws if draws is not None and draws.shape[1] == len(common)
             else seed_draws(len(common)))
        row: dict[str, Any] = {"method": method, "seeds": len(common),
                               "reached": int(sum(o.loc[common, "reached"].sum() for o in own))}
        if len(tables) > 1:
            row["tasks"] = len(tables)
        for key in TARGET_MEASURES:
            point, lo, hi = paired_ratio([(b.loc[common, key].to_numpy(dtype=float),
                                           o.loc[common, key].to_numpy(dtype=float))
                                          for b, o in zip(bases, own)], d)
            row[key] = point
            row[f"{key}_low"], row[f"{key}_high"] = lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


def best_possible(blackbox: Any, target: float) -> tuple[float, float]:
    """Cheapest cost and smallest runtime in an offline table with accuracy >= target (any
    configuration, epoch and seed): the bound of the found-model measure."""
    names = list(blackbox.objectives_names)
    ev = np.asarray(blackbox.objectives_evaluations, dtype=float)
    ok = ev[..., names.index("accuracy")] >= target
    if not ok.any():
        return np.nan, np.nan
    return (float(ev[..., names.index("cost")][ok].min()),
            float(ev[..., names.index("runtime")][ok].min()))


def exhaustive_once(blackbox: Any, target: float, num_draws: int = 2000,
                    random_seed: int = 0) -> float:
    """Expected cost of the cheapest model at ``target`` of an exhaustive search that trains
    every row of an offline table (every configuration on every instance type) once, to its
    last epoch, with one of the table's recorded seeds drawn at random: what a method that
    tries everything once finds. :func:`best_possible` is the cheapest draw of the whole
    table (the luckiest seed of every row), which no single training of each row reaches in
    expectation. Each epoch of a training is a model (as in :func:`found_model`). Monte Carlo
    over ``num_draws`` seed assignments; a draw where no row reaches the target is left out
    (NaN when none does). ``O(rows x seeds x epochs + num_draws x rows)``."""
    names = list(blackbox.objectives_names)
    ev = np.asarray(blackbox.objectives_evaluations, dtype=float)  # [row, seed, epoch, obj]
    acc, cost = ev[..., names.index("accuracy")], ev[..., names.index("cost")]
    with np.errstate(invalid="ignore"):
        per_seed = np.where(acc >= target, cost, np.inf).min(axis=2)  # [row, seed]
    if not np.isfinite(per_seed).any():
        return np.nan
    rows, seeds = per_seed.shape
    pick = np.random.RandomState(random_seed).randint(0, seeds, size=(num_draws, rows))
    cheapest = per_seed[np.arange(rows)[None, :], pick].min(axis=1)
    cheapest = cheapest[np.isfinite(cheapest)]
    return float(cheapest.mean()) if len(cheapest) else np.nan


def found_model_bounds(blackbox: Any, target: float, found_dollars: float) -> dict[str, float]:
    """How far a found model's dollars could fall in an offline table: ``found_dollars`` (e.g.
    the baseline's mean found model) over the cheapest model at ``target`` of the whole table
    (:func:`best_possible`: no method's found-model ratio against that baseline can exceed
    it), and over the expected cheapest model of training every row once
    (:func:`exhaustive_once`).

    :return: ``{"cheapest_dollars", "once_dollars", "best_possible", "exhaustive_once"}``: the
        two bounds in dollars and the two ratios; NaN where the table has no model at the
        target or ``found_dollars`` is not a positive number
    """
    cheapest, _ = best_possible(blackbox, target)
    once = exhaustive_once(blackbox, target) if np.isfinite(cheapest) else np.nan
    ok = np.isfinite(found_dollars) and found_dollars > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"cheapest_dollars": cheapest, "once_dollars": once,
                "best_possible": float(found_dollars / cheapest) if ok and cheapest > 0 else np.nan,
                "exhaustive_once": float(found_dollars / once) if ok and once > 0 else np.nan}


# ------------------------------------------------------------------ paired comparison
def seed_draws(num_seeds: int, num_boot: int = 1000, random_seed: int = 0) -> np.ndarray:
    """Bootstrap resamples of seed indices, ``[num_boot, num_seeds]``, shared by all methods."""
    if num_seeds < 1 or num_boot < 1:
        raise ValueError(f"num_seeds and num_boot must be >= 1, got {num_seeds}, {num_boot}")
    return np.random.RandomState(random_seed).randint(0, num_seeds, size=(num_boot, num_seeds))


def _ratios_of_means(base: np.ndarray, other: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """mean(``base``) / mean(``other``) over each resample of the seeds (the rows of ``draws``:
    seed indices), NaN where either side has no value or the method's mean is not > 0."""
    b, o = np.nanmean(base[draws], axis=1), np.nanmean(other[draws], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(o > 0, b / o, np.nan)


def paired_ratio(per_task: list[tuple[np.ndarray, np.ndarray]],
                 draws: np.ndarray) -> tuple[float, float, float]:
    """Median over tasks of mean(baseline) / mean(method), and its 95% bootstrap interval.

    :param per_task: ``(baseline values per seed, method values per seed)`` per task, seeds
        aligned (value ``i`` of both comes from seed ``i``)
    :param draws: :func:`seed_draws` output
    :return: ``(point, low, high)``; NaN where no ratio is defined
    :raises ValueError: a task's two arrays do not both hold one value per seed of ``draws``
    """
    draws = np.asarray(draws)
    if draws.ndim != 2:
        raise ValueError(f"draws must be seed_draws(num_seeds, ...), shape (num_boot, "
                         f"num_seeds), got shape {draws.shape}")
    for i, (b, o) in enumerate(per_task):
        if not np.size(b) == np.size(o) == draws.shape[1]:
            raise ValueError(f"per_task[{i}] has {np.size(b)} baseline and {np.size(o)} method "
                             f"values but draws resamples {draws.shape[1]} seeds: give one value "
                             f"per seed on both sides, draws=seed_draws(num_seeds)")
    with warnings.catch_warnings():  # tasks (or resamples) without any finite ratio: NaN
        warnings.simplefilter("ignore", category=RuntimeWarning)
        if not per_task:
            point, boots = np.nan, np.array([np.nan])
        else:  # the seeds as they are (row 0), then every resample, of every task at once
            rows = np.vstack([np.arange(draws.shape[1])[None, :], draws])
            medians = np.nanmedian(np.stack([
                _ratios_of_means(np.asarray(b, dtype=float), np.asarray(o, dtype=float), rows)
                for b, o in per_task], axis=1), axis=1)
            point, boots = medians[0], medians[1:]
    if np.all(np.isnan(boots)):
        return float(point), np.nan, np.nan
    lo, hi = np.nanpercentile(boots, [2.5, 97.5])
    return float(point), float(lo), float(hi)
