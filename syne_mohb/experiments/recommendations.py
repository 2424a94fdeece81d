"""Hardware recommendations for the models of a run's Pareto set: :func:`hardware_recommendations`.

>>> import syne_mohb
>>> syne_mohb.hardware_recommendations(tuner)       # or a run folder, or a results DataFrame
   model  trial_id  epoch  ...  instance_type       kind  predicted_seconds  ...  measured_seconds
0      1        16     27  ...  ml.m5.xlarge    measured              41.2  ...              39.8
1      1        16     27  ...  ml.g5.xlarge   predicted              12.9  ...               NaN

What a user takes home from a tuning run: for every model on the run's Pareto set (a
configuration's hyperparameters at a fidelity, :func:`~syne_mohb.experiments.results.pareto_set`;
listed once when it is on the set with several instance types), the time and
dollars of training it to that fidelity on every instance type, *predicted* with an interval, next
to what the run *measured* where it trained that configuration on that type to that fidelity.

How:

1. a :class:`~syne_mohb.hardware.model.RuntimeCostModel` (configuration x hardware interactions,
   catalog specs as features so that a type never run gets a prior; its regressor
   ``estimator``, by default the two-term model, overhead + work / throughput under extra
   trees, whose predictions came closest to the shipped tables' truth,
   ``benchmarking/bench_recommendations.py``) is fitted on every result of
   the run: per trial, its first result is a segment from resource 0 and 0 seconds, every later
   result the difference to the previous one (of ``time_attr``, ``st_worker_time`` by default, and
   of the fidelity), the instance type of each segment being the type that trained it (the
   row's ``segment_instance_type`` where recorded, else its ``config_<instance_attr>``; rows
   without one are skipped; the first result after a trial moved to another type is not one
   type's measurement and is skipped too); a first segment less the type's start-up
   (:func:`_startup_seconds`: what a training spends before its first unit, e.g. 1 s for a
   local profile's process, minutes for a SageMaker instance, about 0 in a simulation); at
   most :data:`MAX_FIT_SEGMENTS` segments (a seeded random subset) enter the fit;
2. for each front model and each type: the median and the central ``level`` interval of the
   predicted seconds to train it to its fidelity (``start-up + resource x seconds per unit``,
   lognormal: the model's standard deviation, which includes its prior for types with few or
   no results, plus in quadrature how far the run's own measured totals fall from the model's
   medians, :func:`_residual_sd`, :func:`_total_seconds`; the start-ups in the table's
   ``attrs["startup_seconds"]``); dollars = seconds x $/hour / 3600 (the price from
   ``prices``, else the catalog, else the rate the run billed for the type, ``price_source``
   ``"billed"``, :func:`_billed_prices`; NaN with a note when none has one);
3. measured: the run's own ``time_attr`` and ``st_worker_cost`` at that fidelity of a trial that
   trained the same hyperparameters on that type only (the front model's own trial first, else
   the first such trial); ``kind`` is ``"measured"`` there, ``"failed"`` where a trial of the
   configuration failed on the type (what the run's hardware policy recorded in its metadata,
   e.g. out of memory: not a recommendation) and ``"predicted"`` elsewhere (the
   predicted columns are filled on every row, so the two can be compared).

Cost: one fit (``O(T n log n)``, :mod:`syne_mohb.hardware.model`) and one prediction for the
front's configurations on every type: with the extra trees 0.1 s for a 300-result run, 0.8 s
for 10,200 results; with the default two-term model 0.2 s for 300 results (its least-squares
fit adds ``O(i n p)``); sklearn already imported, 2-core machine.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME

from syne_mohb.hardware.catalog import instance_type_names
from syne_mohb.hardware.model import check_estimator

__all__ = ["MAX_FIT_SEGMENTS", "format_dollars", "format_seconds", "hardware_recommendations",
           "recommendation_lines", "recommendations_for_runs"]

#: the model is fitted on at most this many segments (results) of the run, a seeded random subset
MAX_FIT_SEGMENTS = 5000

#: the runtime model's regressor of the recommendations (a prediction, no exploration): on the
#: predicted rows of the shipped tables' runs, closer to the truth than the extra trees on 4
#: of 7 (0.66x-0.86x their error), behind on 2 (1.08x, 1.13x); ``"auto"`` is closest on
#: ``cnn`` only (``benchmarking/bench_recommendations.py``)
DEFAULT_ESTIMATOR = "two_term"

#: columns of the table (besides the model's hyperparameters and objectives)
PREDICTED = ["predicted_seconds", "predicted_seconds_low", "predicted_seconds_high",
             "predicted_dollars", "predicted_dollars_low", "predicted_dollars_high"]
MEASURED = ["measured_seconds", "measured_dollars", "measured_trial"]
_RESERVED = {"model", "run", "trial_id", "trained_on", "moved_from", "kind", "price_per_hour",
             "price_source", "note", "measured_run", *PREDICTED, *MEASURED}


# ------------------------------------------------------------------------------ input checks
def _check_str(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string (a column name), got {value!r}")
    return value


def _check_level(level: Any) -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ValueError(f"level must be a number in (0, 1) (e.g. 0.8 for the central 80% "
                         f"interval), got {level!r}")
    return float(level)


def _check_types(instance_types: Any) -> list[str]:
    return [] if instance_types is None else instance_type_names(instance_types,
                                                                 "instance_types")


def _check_prices(prices: Any) -> dict[str, float]:
    if prices is None:
        return {}
    if not isinstance(prices, Mapping):
        raise ValueError(f"prices must be a dict {{instance type: $ per hour}}, got "
                         f"{type(prices).__name__}")
    for name, p in prices.items():
        if (isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating))
                or not math.isfinite(p) or p < 0):
            raise ValueError(f"prices[{name!r}] must be a finite number >= 0 ($ per hour), "
                             f"got {p!r}")
    return {str(k): float(v) for k, v in prices.items()}


def _check_catalog(catalog: Any):
    if catalog is None:
        from syne_mohb.hardware.catalog import load_catalog

        return load_catalog()
    if not (hasattr(catalog, "get") and hasattr(catalog, "__contains__")
            and hasattr(catalog, "closest")):
        raise ValueError(f"catalog must be an instance catalog (syne_mohb.load_catalog()), got "
                         f"{type(catalog).__name__}")
    return catalog


# ------------------------------------------------------------------------------ the run
def _space_from_metadata(meta: Mapping[str, Any]) -> dict[str, Any] | None:
    raw = meta.get("config_space") if isinstance(meta, Mapping) else None
    if raw is None:
        return None
    try:
        from syne_tune.config_space import config_space_from_json_dict

        return dict(config_space_from_json_dict(json.loads(raw) if isinstance(raw, str) else raw))
    except Exception:  # an old or foreign serialisation: the space is then read from the data
        return None


def _space_types(space: Mapping[str, Any] | None, instance_attr: str) -> list[str]:
    if not space or instance_attr not in space:
        return []
    dom = space[instance_attr]
    if isinstance(dom, str):
        return [dom]
    return [str(c) for c in getattr(dom, "categories", None) or []]


def _resolve(results, metrics, mode):
    """``(results frame, metadata, objectives, modes, fidelity, config space)`` of what
    :func:`~syne_mohb.experiments.results.pareto_set` accepts, after its own checks (the same
    one-line errors). A ``Tuner``'s metadata holds its scheduler's state now, as a finished
    run's ``metadata.json`` holds it under ``scheduler_end`` (the recorded failures)."""
    from syne_mohb.experiments.analysis import load_run, unique_results
    from syne_mohb.experiments.results import (
        _check_metrics,
        _fidelity_of,
        _modes,
        _results_of_tuner,
        _scheduler_objectives,
        pareto_set,
        recorded_modes,
        results_columns,
        run_objectives,
    )

    pareto_set(results, metrics, mode)  # validates every kind of input, one line each
    metrics = _check_metrics(metrics)
    if isinstance(results, pd.DataFrame):
        fidelity = "epoch" if "epoch" in results.columns else None
        df = unique_results(results, fidelity)
        return df, {}, metrics, _modes(mode, metrics), fidelity, None
    if isinstance(results, (str, Path)):
        path = Path(results).expanduser()
        meta_file = path / "metadata.json"
        meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
        recorded = run_objectives(meta)
        names = metrics or recorded[0]
        if mode is None:
            mode = recorded_modes(names, recorded, f"the run {path}", results_columns(path))
        run = load_run(path, objectives=names, modes=_modes(mode, names))
        return (run.results, meta, names, run.modes, run.info.get("fidelity_attr"),
                _space_from_metadata(meta))
    scheduler = getattr(results, "scheduler", None)
    if scheduler is not None and hasattr(results, "tuner_path"):  # a Tuner
        names = metrics or list(scheduler.metric_names())
        modes = _modes(mode if mode is not None else recorded_modes(
            names, _scheduler_objectives(scheduler), "the Tuner's scheduler"), names)
        from syne_mohb.experiments.final_metadata import SCHEDULER_END, end_metadata

        meta = {**(getattr(results, "metadata", None) or {}),
                SCHEDULER_END: end_metadata(scheduler)}
        fidelity = _fidelity_of(meta, scheduler)
        df = _results_of_tuner(results)
        space = getattr(scheduler, "config_space", None)
        return (unique_results(df, fidelity if fidelity in df.columns else None), meta, names,
                modes, fidelity, dict(space) if isinstance(space, Mapping) else
                _space_from_metadata(meta))
    frame, meta = results.results, results.metadata  # load_experiment's (pareto_set checked)
    recorded = run_objectives(meta)
    names = metrics or recorded[0]
    modes = _modes(mode if mode is not None else
                   recorded_modes(names, recorded, "the experiment"), names)
    fidelity = _fidelity_of(meta)
    return (unique_results(frame, fidelity if fidelity in frame.columns else None), meta, names,
            modes, fidelity, _space_from_metadata(meta))


# ------------------------------------------------------------------------------ public API
def hardware_recommendations(
    results,
    metrics: Sequence[str] | str | None = None,
    mode=None,
    instance_attr: str = "instance_type",
    time_attr: str = ST_WORKER_TIME,
    instance_types: Sequence[str] | str | None = None,
    catalog: Any = None,
    prices: Mapping[str, float] | None = None,
    level: float = 0.8,
    estimator: str = DEFAULT_ESTIMATOR,
) -> pd.DataFrame:
    """Predicted (and, where the run trained it, measured) time and dollars of every model on
    the run's Pareto set on every instance type (see the module docstring).

    :param results: what :func:`~syne_mohb.experiments.results.pareto_set` accepts: a run
        folder, a finished ``Tuner``, what ``load_experiment`` returns, or a results DataFrame
        (with ``metrics`` and ``mode``)
    :param metrics: the objectives (default: the run's)
    :param mode: their modes (default: the run's)
    :param instance_attr: the instance-type entry of a configuration (column
        ``config_<instance_attr>``)
    :param time_attr: reported cumulative seconds a trial has trained (``st_worker_time``; where
        the results lack that default, as Syne Tune's own simulator's do, the column that
        advances with the tuner's clock, :func:`~syne_mohb.hardware.clock.time_column`)
    :param instance_types: types to add to the default ones (the types the run used and those of
        its search space, where its metadata records it), e.g. ``"ml.g5.xlarge"``; a type the
        run never used must be in the catalog
    :param catalog: instance catalog for specs and prices (default: :func:`syne_mohb.load_catalog`)
    :param prices: ``{type: $ per hour}``, over the catalog's prices
    :param level: central probability of the predicted interval (0.8: 10% to 90%)
    :param estimator: the runtime model's regressor
        (:data:`~syne_mohb.hardware.model.ESTIMATORS`; default :data:`DEFAULT_ESTIMATOR`);
        ``"auto"`` chooses one per call by cross-validation (about 2 s for a 300-result run,
        against 0.2 s; closer on the measured ``cnn`` table, not everywhere:
        ``docs/benchmarks/recommendations.md``)
    :return: one row per (front model, type), front models in the order of ``pareto_set`` and
        types in search-space order: ``model`` (1, 2, ...: position among the Pareto set's
        distinct models; the same hyperparameters at the same fidelity trained on several
        types are one model, listed at its first, best place, its other types' results being
        its measured rows),
        ``trial_id``, the fidelity (e.g. ``epoch``), ``trained_on`` (the type of the model's own
        result), ``moved_from`` (None, or the types the model's trial ran on before, in order:
        its measured time and dollars are cumulative over them too), its hyperparameters and
        objectives, ``<instance_attr>`` (the recommended type),
        ``kind`` (``"measured"`` / ``"failed"`` / ``"predicted"``), ``predicted_seconds`` and
        ``predicted_dollars`` with ``_low`` / ``_high`` (the ``level`` interval),
        ``measured_seconds``, ``measured_dollars``, ``measured_trial`` (the trial whose result
        it is), ``price_per_hour``,
        ``price_source`` (``"prices"`` / ``"catalog"`` / ``"billed"``), ``note``; ``attrs``
        hold ``level``,
        ``fidelity``, ``instance_attr`` and ``objectives``
    :raises ValueError: (one line, naming the parameter) what ``pareto_set`` refuses, a run
        without an instance dimension (nothing to recommend), a ``time_attr`` that is not
        reported, an unknown instance type (with the catalog's closest names), prices of types
        not recommended, a bad ``level`` or ``catalog``
    """
    instance_attr = _check_str("instance_attr", instance_attr)
    time_attr = _check_str("time_attr", time_attr)
    level = _check_level(level)
    estimator = check_estimator(estimator)
    extra = _check_types(instance_types)
    prices = _check_prices(prices)
    df, meta, names, modes, fidelity, space = _resolve(results, metrics, mode)
    table = _recommend([df], None, names, list(modes), fidelity, instance_attr, time_attr,
                       space, _space_types(space, instance_attr), extra, catalog, prices, level,
                       failed=[_recorded_failures(meta)], estimator=estimator)
    return table.drop(columns=["_run", "_row"])


def _recorded_failures(meta: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The trials that failed on a type, as the run's hardware policy recorded them at the
    end (``metadata.json``'s ``scheduler_end``: ``{"trial_id", "instance_type", "config"}``
    each); ``[]`` where the run recorded none."""
    from syne_mohb.experiments.final_metadata import recorded_end_kwargs

    hardware = recorded_end_kwargs(meta).get("hardware")
    failed = hardware.get("failed") if isinstance(hardware, Mapping) else None
    return [f for f in failed or [] if isinstance(f, Mapping)
            and isinstance(f.get("config"), Mapping) and f.get("instance_type") is not None]


def recommendations_for_runs(runs: Sequence[Any], labels: Sequence[str] | None = None,
                             catalog: Any = None, prices: Mapping[str, float] | None = None,
                             level: float = 0.8, time_attr: str = ST_WORKER_TIME,
                             estimator: str | None = None) -> pd.DataFrame:
    """:func:`hardware_recommendations` for a group of comparable runs
    (:class:`~syne_mohb.experiments.analysis.Run`, as the reports group them): one model fitted
    on all their results, the Pareto set over their union (each model listed once), a
    ``run`` and a ``measured_run`` column (``labels``, default the runs' folder names) when
    there are several runs; internal columns ``_run`` (index of the run) and ``_row`` (row of
    the model's own result in that run's ``results``)."""
    runs = list(runs)
    if not runs:
        raise ValueError("runs is empty: nothing to recommend")
    first = runs[0]
    attr = next((r.instance_attr for r in runs if r.instance_column), first.instance_attr)
    if not attr:
        raise ValueError("the runs have no instance dimension: nothing to recommend")
    # the types of the spaces that tune the instance first (in their order), then fixed ones
    spaces = sorted((_space_from_metadata(r.metadata) for r in runs),
                    key=lambda sp: not (sp and hasattr(sp.get(attr), "categories")))
    space = spaces[0]
    types: list[str] = []
    for sp in spaces:
        types += [t for t in _space_types(sp, attr) if t not in types]
    fids = [r.info.get("fidelity_attr") for r in runs]
    fidelity = fids[0] if fids[0] and all(f == fids[0] for f in fids) else None
    if labels is None and len(runs) > 1:
        labels = [str(r.path) for r in runs]
    return _recommend([r.results for r in runs], labels, list(first.objectives),
                      list(first.modes), fidelity, attr, time_attr, space, types, [],
                      catalog, _check_prices(prices), _check_level(level),
                      failed=[_recorded_failures(r.metadata) for r in runs],
                      estimator=check_estimator(DEFAULT_ESTIMATOR if estimator is None
                                                else estimator))


# ------------------------------------------------------------------------------ the core
class _Configs:
    """Configurations of the results rows as the model's space sees them: the run's search
    space (without the instance type) where its metadata records one that fits the data, else a
    space read from the data (numbers with few values as ordered choices, others as ranges,
    anything else as categories)."""

    def __init__(self, frames: list[pd.DataFrame], space: Mapping[str, Any] | None,
                 inst_col: str):
        from syne_tune.config_space import Domain

        cols: list[str] = []
        for f in frames:
            cols += [c for c in f.columns if c.startswith("config_") and c != inst_col
                     and c not in cols]
        self.columns = cols
        both = pd.concat([f[[c for c in cols if c in f.columns]] for f in frames],
                         ignore_index=True).reindex(columns=cols)
        self.space: dict[str, Any] = {}
        self._convert: dict[str, Any] = {}
        hp = {k: v for k, v in (space or {}).items()
              if isinstance(v, Domain) and f"config_{k}" != inst_col}
        if hp and self._fits(hp, both):
            self.space = hp
            self._convert = {f"config_{k}": _plain for k in hp}
        else:
            self._from_data(both)

    @staticmethod
    def _fits(hp: Mapping[str, Any], both: pd.DataFrame) -> bool:
        from syne_mohb.searchers._config_encoding import ConfigEncoder

        if any(f"config_{k}" not in both.columns for k in hp):
            return False
        sub = both[[f"config_{k}" for k in hp]].drop_duplicates()
        if sub.isna().any().any():
            return False
        configs = [{k: _plain(row[f"config_{k}"]) for k in hp} for _, row in sub.iterrows()]
        try:
            ConfigEncoder(dict(hp)).encode_configs(configs)
        except (ValueError, TypeError, KeyError):
            return False
        return True

    def _from_data(self, both: pd.DataFrame) -> None:
        from syne_tune.config_space import choice, loguniform, uniform

        for c in self.columns:
            v = both[c]
            num = pd.to_numeric(v, errors="coerce")
            name = c[len("config_"):]
            if v.notna().all() and num.notna().all() and not pd.api.types.is_bool_dtype(v):
                values = sorted(set(num.tolist()))
                if len(values) < 2:
                    continue
                if len(values) <= 32:
                    self.space[name] = choice([_plain(x) for x in values])
                elif values[0] > 0 and values[-1] / values[0] >= 100:
                    self.space[name] = loguniform(float(values[0]), float(values[-1]))
                else:
                    self.space[name] = uniform(float(values[0]), float(values[-1]))
                self._convert[c] = lambda x: _plain(pd.to_numeric(x))
            else:
                levels = sorted({str(x) for x in v.tolist()})
                if len(levels) < 2:
                    continue
                self.space[name] = choice(levels)
                self._convert[c] = str

    def of(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return {c[len("config_"):]: conv(row.get(c)) for c, conv in self._convert.items()}

    def key(self, row: Mapping[str, Any]) -> str:
        """Identity of the hyperparameters of a results row (every ``config_`` column but the
        instance type)."""
        from syne_mohb.configspace import config_key

        return config_key({c: _key_value(row.get(c)) for c in self.columns})


def _keys_by_trial(configs: _Configs, recs: list[dict]) -> list[str]:
    """:meth:`_Configs.key` of every row, computed once per trial (a trial's rows share its
    hyperparameters)."""
    seen: dict[Any, str] = {}
    out = []
    for r in recs:
        t = r.get("trial_id")
        if t not in seen:
            seen[t] = configs.key(r)
        out.append(seen[t])
    return out


def _plain(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def _key_value(x: Any) -> Any:
    x = _plain(x)
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


def _number(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan


def _recommend(frames: list[pd.DataFrame], labels: Sequence[str] | None, objectives: list[str],
               modes: list[str], fidelity: str | None, instance_attr: str, time_attr: str,
               space: Mapping[str, Any] | None, space_types: list[str], extra: list[str],
               catalog: Any, prices: dict[str, float], level: float,
               failed: Sequence[Sequence[Mapping[str, Any]]] | None = None,
               estimator: str = "extra_trees") -> pd.DataFrame:
    from syne_mohb.experiments.analysis import Run, pareto_table, with_segment_types
    from syne_mohb.experiments.metrics import cost_column
    from syne_mohb.experiments.results import _unique_columns
    from syne_mohb.hardware.cost import seconds_to_dollars
    from syne_mohb.hardware.model import RuntimeCostModel, hardware_specs
    from scipy.stats import norm

    # each result labelled by the type that trained its segment (a moved trial's later ones)
    frames = [with_segment_types(f, instance_attr) for f in frames]
    inst_col = f"config_{instance_attr}"
    has_inst = [f for f in frames if inst_col in f.columns and f[inst_col].notna().any()]
    if not has_inst:
        raise ValueError(f"results: the run has no instance dimension (column {inst_col!r} is "
                         f"missing or empty; instance_attr={instance_attr!r}): nothing to "
                         f"recommend")
    if time_attr == ST_WORKER_TIME and not any(time_attr in f.columns for f in frames):
        # Syne Tune's own simulator: the table's elapsed-time column, found by the tuner's clock
        from syne_mohb.hardware.clock import time_column

        found = {time_column(f, time_attr, exclude=[fidelity] if fidelity else [])
                 for f in frames} - {None}
        time_attr = found.pop() if len(found) == 1 else time_attr
    if not any(time_attr in f.columns for f in frames):
        raise ValueError(f"time_attr: {time_attr!r} is not a column of the results (the "
                         f"cumulative seconds a trial trained; every backend of syne-mohb "
                         f"reports {ST_WORKER_TIME})")
    catalog = _check_catalog(catalog)

    # the rows: per run, in time order, each (trial, fidelity) once; a fidelity of its own
    # (the k-th result of the trial) where the run has none
    fid = fidelity if fidelity and all(fidelity in f.columns for f in frames) else None
    prepared = []
    for k, f in enumerate(frames):
        f = f.reset_index(drop=True)
        if "st_tuner_time" in f.columns:
            f = f.iloc[np.argsort(pd.to_numeric(f["st_tuner_time"], errors="coerce")
                                  .to_numpy(), kind="stable")]
        f = f.copy()
        f["_row"] = f.index.to_numpy()
        f["_run"] = k
        if fid is None:
            f["result"] = f.groupby("trial_id").cumcount() + 1
        prepared.append(f.reset_index(drop=True))
    fid_col = fid or "result"
    both = pd.concat(prepared, ignore_index=True)
    configs = _Configs(prepared, space, inst_col)
    records = [f.to_dict("records") for f in prepared]
    keys = [_keys_by_trial(configs, recs) for recs in records]
    both["_key"] = [k for run_keys in keys for k in run_keys]  # rows in the same order
    # (hyperparameters, type) -> the trial that failed there (a run's recorded failures)
    failed_at = {}
    for k, run_failures in enumerate(failed or []):
        for f in run_failures:
            row = {f"config_{name}": value for name, value in f["config"].items()}
            who = f["trial_id"] if labels is None else f"{labels[k]} trial {f['trial_id']}"
            failed_at.setdefault((configs.key(row), str(f["instance_type"])), who)

    # types: the search space's, those the run used, those asked for
    used = [str(t) for t in pd.unique(both[inst_col].dropna())] if inst_col in both else []
    known = list(dict.fromkeys([*space_types, *used]))
    unknown = [t for t in extra if t not in known and t not in catalog
               and not re.fullmatch(r"local-cpu-\d+", t)]
    if unknown:
        close = catalog.closest(unknown[0], 3)
        raise ValueError(f"instance_types: unknown instance type {unknown[0]!r}: neither used by "
                         f"the run nor in the catalog (nor local-cpu-<cores>)"
                         f"{' (closest known: ' + ', '.join(close) + ')' if close else ''}")
    types = list(dict.fromkeys([*known, *extra]))
    stray = sorted(set(prices) - set(types))
    if stray:
        raise ValueError(f"prices names instance types {stray} that are not recommended here "
                         f"{types}; add them with instance_types=[...]")
    # measured: per (hyperparameters, fidelity, type), the trials that trained only on that type
    measured = _measured_index(prepared, records, keys, inst_col, fid_col)
    specs = hardware_specs(types, catalog, prices=prices)
    # a type neither priced nor in the catalog (a local profile, a Ray node type) that the run
    # billed: its price is the rate the run was billed at
    # the trials' cumulative dollars, read as the dollars spent are
    cost_col = cost_column(both.columns) or ST_WORKER_COST
    billed = _billed_prices([t for t, s in specs.items() if s.price_per_hour is None],
                            records, measured, time_attr, cost_col)
    if billed:
        specs = hardware_specs(types, catalog, prices={**billed, **prices})

    # fit: per trial, the first result from 0, then differences
    model = RuntimeCostModel(configs.space, specs, estimator=estimator, random_seed=0)
    segments = _segments(prepared, records, inst_col, time_attr, fid_col)
    if not segments:
        raise ValueError(f"time_attr: no result reports a positive, growing {time_attr!r} with "
                         f"an instance type: nothing to fit")
    startup = _startup_seconds(segments)  # from every segment, before the fit's subset
    if len(segments) > MAX_FIT_SEGMENTS:
        keep = np.random.RandomState(0).choice(len(segments), MAX_FIT_SEGMENTS, replace=False)
        segments = [segments[i] for i in sorted(keep)]
    for key, row, inst, d_r, d_t, fresh in segments:
        # a training's first segment holds its start-up: the rest is the per-unit speed
        model.observe(key, configs.of(row), inst, d_r,
                      d_t - startup.get(inst, startup[None]) if fresh else d_t)
    model.fit(force=True)
    seen = model.observations_per_type()

    # the Pareto set over the union (pareto_table's rule, a trial id per (run, trial))
    ok = np.ones(len(both), dtype=bool)
    for m in objectives:
        ok &= np.isfinite(pd.to_numeric(both[m], errors="coerce").to_numpy(dtype=float))
    gid = both.groupby(["_run", "trial_id"], sort=False, dropna=False).ngroup()
    if not ok.any():
        raise ValueError(f"results: no result has a value for every objective "
                         f"({', '.join(objectives)}): no Pareto set, nothing to recommend")
    union = both.loc[ok].copy()
    union["_gid"] = gid[ok]
    run = Run(path=Path("."), results=union.assign(trial_id=union["_gid"]).drop(columns="_gid"),
              metadata={}, objectives=objectives, modes=modes, instance_attr=instance_attr,
              info={"fidelity_attr": fid_col})
    front = _unique_columns(pareto_table(run))
    # index of each front model's own result row in `both`
    by_key = {(int(g), _key_value(v)): i for i, g, v in
              zip(union.index, union["_gid"], union[fid_col])}
    own = [by_key[(int(g), _key_value(v))] for g, v in zip(front["trial_id"], front[fid_col])]
    # one model per (hyperparameters, fidelity): the same model trained on several types is on
    # the front once per type, and its recommendations would repeat word for word; the first
    # (best in the first objective) stays, the others are its measured rows
    first_of: dict[tuple, int] = {}
    for m, i in enumerate(own):
        first_of.setdefault((both.loc[i, "_key"], _key_value(both.loc[i, fid_col])), m)
    distinct = sorted(first_of.values())
    front = front.iloc[distinct].reset_index(drop=True)
    own = [own[m] for m in distinct]

    front_rows = [both.loc[i] for i in own]
    front_cfgs = [configs.of(r) for r in front_rows]
    resid = _residual_sd(model, records, keys, configs, measured, time_attr, fid_col, level,
                         startup)
    med, lo, hi = _predict(model, front_cfgs, types, level, 0.0)  # per unit, the model's own
    start = np.array([startup.get(t, startup[None]) for t in types])
    z = float(norm.ppf(0.5 + level / 2))
    hp_cols = [c for c in front.columns
               if c not in {"trial_id", fid_col, instance_attr, "moved_from", *objectives}]
    out = []
    for m, (i, row) in enumerate(zip(own, front_rows)):
        resource = _number(row[fid_col])
        resource = resource if resource > 0 else 1.0
        key = row["_key"]
        run_k, trial = int(row["_run"]), row["trial_id"]
        base = {"model": m + 1, "_run": run_k, "_row": int(row["_row"])}
        if labels is not None:
            base["run"] = labels[run_k]
        base["trial_id"] = _plain(trial)
        base[fid_col] = _plain(row[fid_col])
        base["trained_on"] = None if pd.isna(row.get(inst_col)) else str(row[inst_col])
        fr = front.iloc[m]
        base["moved_from"] = fr.get("moved_from")
        for c in hp_cols:
            base[f"config_{c}" if c in _RESERVED else c] = _plain(fr[c])
        for o in objectives:
            base[o] = _plain(fr[o])
        for j, t in enumerate(types):
            spec = specs[t]
            price = spec.price_per_hour
            secs = _total_seconds(start[j], resource, med[m, j], lo[m, j], hi[m, j], z * resid)
            notes = []
            if price is None:
                dollars = [math.nan] * 3
                notes.append(f"no price for {t}: pass prices={{{t!r}: $ per hour}}")
            else:
                dollars = [seconds_to_dollars(s, price, 1) for s in secs]
            if not seen.get(t):
                notes.append("not run here: predicted from its specs (vCPUs, GPUs)" if spec.vcpus
                             is not None else "not run here and no specs known: the run's "
                             "average, wide interval")
            if base["moved_from"] and t == base["trained_on"]:
                notes.append(f"its trial ran on {base['moved_from']} before {t}: what it "
                             f"measured spans both, no measurement of {t} alone")
            hit = _pick(measured.get((key, _key_value(row[fid_col]), t)), run_k, trial)
            rec = dict(base)
            rec[instance_attr] = t
            rec["kind"] = "measured" if hit is not None else "predicted"
            if hit is None and (key, t) in failed_at:
                rec["kind"] = "failed"
                notes.insert(0, f"failed on {t} in this run (trial {failed_at[(key, t)]}, "
                                f"e.g. out of memory): not recommended; the prediction assumes "
                                f"it fits")
            rec.update(zip(PREDICTED, [*secs, *dollars]))
            if hit is not None:
                mrow = records[hit[0]][hit[2]]
                rec["measured_seconds"] = _number(mrow.get(time_attr))
                rec["measured_dollars"] = _number(mrow.get(cost_col))
                rec["measured_trial"] = _plain(hit[1])
                if labels is not None:
                    rec["measured_run"] = labels[hit[0]]
                if math.isnan(rec["measured_dollars"]):
                    notes.append(f"no {cost_col} reported")
            else:
                rec["measured_seconds"] = rec["measured_dollars"] = math.nan
                rec["measured_trial"] = None
            rec["price_per_hour"] = math.nan if price is None else float(price)
            rec["price_source"] = ("prices" if t in prices else "billed" if t in billed else
                                   "catalog" if price is not None else None)
            if t in billed:
                notes.append(f"price ${price:.4g}/h as the run billed it ({cost_col})")
            rec["note"] = "; ".join(notes)
            out.append(rec)
    columns = ["model", "_run", "_row", *(["run"] if labels is not None else []), "trial_id",
               fid_col, "trained_on", "moved_from",
               *[f"config_{c}" if c in _RESERVED else c for c in hp_cols], *objectives,
               instance_attr, "kind", *PREDICTED, *MEASURED,
               *(["measured_run"] if labels is not None else []), "price_per_hour", "price_source",
               "note"]
    table = pd.DataFrame(out, columns=columns)
    ids = [r["measured_trial"] for r in out]
    if all(v is None or isinstance(v, (int, np.integer)) for v in ids):
        table["measured_trial"] = pd.array(ids, dtype="Int64")
    else:
        table["measured_trial"] = pd.Series(ids, dtype=object)
    table.attrs.update({"level": level, "residual_sd": resid, "fidelity": fid_col,
                        "startup_seconds": {t: float(v) for t, v in zip(types, start)},
                        "instance_attr": instance_attr,
                        "objectives": list(objectives), "types": types,
                        "models": len(front)})
    return table


def _total_seconds(start: float, resource: float, med: float, lo: float, hi: float,
                   spread: float) -> list[float]:
    """Median and interval of the seconds to train to ``resource``: ``start`` + ``resource`` x
    the seconds per unit (``med``, model interval ``lo``..``hi``); each side's log half-width
    widened in quadrature by ``spread`` (z x :func:`_residual_sd`, on the log of the total, as
    the residuals are measured). Without a start-up this is the lognormal interval of the
    model's and the residuals' deviations added in quadrature."""
    total = start + resource * med
    down = math.log(total) - math.log(start + resource * lo)
    up = math.log(start + resource * hi) - math.log(total)
    return [float(total), float(total * math.exp(-math.hypot(down, spread))),
            float(total * math.exp(math.hypot(up, spread)))]


def _startup_seconds(segments: list[tuple]) -> dict[Any, float]:
    """Seconds a training spends before its first unit on each type, ``{type: seconds, None:
    over all types}`` (:func:`~syne_mohb.hardware.model.startup_seconds`), from the run's own
    segments (:func:`_segments`): for every trial with later segments on the type of its first
    one, its first segment's seconds minus its resource times the median seconds per unit of
    the later ones. O(segments)."""
    from syne_mohb.hardware.model import startup_seconds

    first: dict[tuple, tuple] = {}
    later: dict[tuple, list[float]] = {}
    for key, _, inst, d_r, d_t, fresh in segments:
        trial = key[:2]
        if fresh:
            first[trial] = (inst, d_r, d_t)
            later.pop(trial, None)  # a restart from 0: its own first segment
        elif trial in first and first[trial][0] == inst:
            later.setdefault(trial, []).append(d_t / d_r)
    excess: dict[Any, list[float]] = {}
    for trial, speeds in later.items():
        inst, d_r, d_t = first[trial]
        excess.setdefault(inst, []).append(d_t - d_r * float(np.median(speeds)))
    return startup_seconds(excess)


def _residual_sd(model, records: list[list[dict]], keys: list[list[str]], configs: _Configs,
                 measured: dict, time_attr: str, fid_col: str, level: float,
                 startup: Mapping[Any, float] | None = None) -> float:
    """How far the run's own measured totals fall from the model's medians, as a standard
    deviation on the log scale: ``q / z`` where ``q`` is the ``level`` quantile of ``|r|``,
    ``r = log(measured seconds) - log(start-up + resource x predicted seconds per unit)``
    (``startup``: :func:`_startup_seconds`) over every result
    of a trial that ran on one type up to it, and ``z`` the normal quantile of the interval.
    The tree ensemble's spread alone says how much its trees disagree, not how far one training's
    time falls from the median (a smooth model of many configurations misses each by a few
    percent): without this term the "80% interval" held 2% of the run's own measurements on a
    10,000-result run; with it, the interval holds about ``level`` of them (by construction, on
    the data it was fitted on)."""
    from scipy.stats import norm

    rows = [(k, i, key[2]) for key, hits in measured.items() for k, _, i in hits]
    if not rows:
        return 0.0
    recs = [records[k][i] for k, i, _ in rows]
    secs = np.array([_number(r.get(time_attr)) for r in recs])
    res = np.array([_number(r.get(fid_col)) for r in recs])
    keys = [keys[k][i] for k, i, _ in rows]
    uniq = {key: n for n, key in enumerate(dict.fromkeys(keys))}
    first = {}
    for key, r in zip(keys, recs):
        first.setdefault(key, r)
    mu, _ = model.predict_log([configs.of(first[k]) for k in uniq], model.types)
    t_idx = np.array([model.type_index(t) for _, _, t in rows])
    startup = startup or {None: 0.0}
    start = np.array([startup.get(t, startup[None]) for _, _, t in rows])
    with np.errstate(invalid="ignore", divide="ignore"):
        pred = np.log(start + np.exp(mu[[uniq[k] for k in keys], t_idx])
                      * np.where(res > 0, res, np.nan))
    r = np.log(np.where(secs > 0, secs, np.nan)) - pred
    r = np.abs(r[np.isfinite(r)])
    if not len(r):
        return 0.0
    return float(np.quantile(r, level) / norm.ppf(0.5 + level / 2))


def _predict(model, cfgs: list[dict], types: list[str], level: float, resid: float):
    """Median and central ``level`` interval of the seconds per unit (lognormal, the model's
    standard deviation and ``resid`` added in quadrature), each ``(configs, types)``."""
    from scipy.stats import norm

    if not cfgs:
        return (np.zeros((0, len(types))),) * 3
    mu, sd = model.predict_log(cfgs, types)
    z = float(norm.ppf(0.5 + level / 2))
    total = np.sqrt(sd ** 2 + resid ** 2)
    return np.exp(mu), np.exp(mu - z * total), np.exp(mu + z * total)


def _segments(frames: list[pd.DataFrame], records: list[list[dict]], inst_col: str,
              time_attr: str, fid_col: str):
    """``(key, row, type, resource, seconds, fresh)`` per result: per trial, the first result
    from 0, then the differences (a value that went down, e.g. a restart without a checkpoint,
    counts from 0; ``fresh`` marks a segment counted from 0, which holds the training's
    start-up); ``inst_col`` holds the type that trained each result's segment
    (:func:`~syne_mohb.experiments.analysis.with_segment_types`)."""
    out = []
    for k, f in enumerate(frames):
        if time_attr not in f.columns or inst_col not in f.columns:
            continue
        t_all = pd.to_numeric(f[time_attr], errors="coerce").to_numpy(dtype=float)
        r_all = pd.to_numeric(f[fid_col], errors="coerce").to_numpy(dtype=float)
        insts = f[inst_col].to_numpy()
        recs = records[k]
        for trial, idx in f.groupby("trial_id", sort=False).indices.items():
            last_t = last_r = 0.0
            last_inst = None
            for i in idx:
                t, r = t_all[i], r_all[i]
                if not (math.isfinite(t) and math.isfinite(r)):
                    continue
                fresh = last_t == 0.0 or t < last_t
                d_t = t - last_t if t >= last_t else t
                d_r = r - last_r if r > last_r else r
                last_t, last_r = t, r
                inst = insts[i]
                if inst is None or (isinstance(inst, float) and math.isnan(inst)):
                    continue
                moved = last_inst is not None and str(inst) != last_inst
                last_inst = str(inst)
                if moved:
                    # the first result after a move: the difference spans the old type's last
                    # units (a paused process may train on before it stops) and the new
                    # type's first ones, and is neither type's measurement (as the policy's
                    # model compares results only within one segment)
                    continue
                if d_t > 0 and d_r > 0:
                    out.append(((k, _plain(trial), int(i)), recs[i], str(inst), d_r, d_t,
                                fresh))
    return out


def _measured_index(frames: list[pd.DataFrame], records: list[list[dict]], keys: list[list[str]],
                    inst_col: str, fid_col: str):
    """``{(hyperparameters, fidelity, type): [(run, trial, row), ...]}`` for results of trials
    that ran on that one type up to that result."""
    out: dict[tuple, list] = {}
    for k, f in enumerate(frames):
        if inst_col not in f.columns:
            continue
        recs = records[k]
        for trial, idx in f.groupby("trial_id", sort=False).indices.items():
            types = set()
            for i in idx:
                inst = recs[i].get(inst_col)
                if inst is None or (isinstance(inst, float) and math.isnan(inst)):
                    types.add(None)
                else:
                    types.add(str(inst))
                if len(types) != 1 or None in types:
                    break  # moved to another type (or unknown): no later result counts
                key = (keys[k][i], _key_value(recs[i][fid_col]), str(inst))
                out.setdefault(key, []).append((k, _plain(trial), int(i)))
    return out


def _billed_prices(types: list[str], records: list[list[dict]], measured: dict,
                   time_attr: str, cost_col: str = ST_WORKER_COST) -> dict[str, float]:
    """``{type: $ per hour}`` billed by the run for ``types``: the median over its trials that
    ran on that one type of ``3600 x dollars / seconds`` (``cost_col``) at their last such result
    (each trial once; a start-up billed before the first second shifts a trial's rate, the
    median of several does not follow one outlier). Types the run did not bill are left out."""
    wanted = set(types)
    last: dict[tuple, tuple[float, float]] = {}  # (type, run, trial) -> ($, seconds)
    for (_, _, t), hits in measured.items():
        if t not in wanted:
            continue
        for k, trial, i in hits:
            rec = records[k][i]
            secs, dollars = _number(rec.get(time_attr)), _number(rec.get(cost_col))
            if secs > 0 and dollars >= 0 and math.isfinite(dollars):
                prev = last.get((t, k, trial))
                if prev is None or secs > prev[1]:
                    last[(t, k, trial)] = (dollars, secs)
    rates: dict[str, list[float]] = {}
    for (t, _, _), (dollars, secs) in last.items():
        rates.setdefault(t, []).append(3600.0 * dollars / secs)
    return {t: float(np.median(r)) for t, r in rates.items()}


def _pick(hits, run_k: int, trial) -> tuple | None:
    """The front model's own trial where it qualifies, else the first such trial."""
    if not hits:
        return None
    for h in hits:
        if h[0] == run_k and h[1] == _plain(trial):
            return h
    return min(hits, key=lambda h: (h[0], str(h[1]) if not isinstance(h[1], (int, float))
                                    else h[1]))


# ------------------------------------------------------------------------------ printing
def format_seconds(s: float) -> str:
    """``"0.84 s"``, ``"14 min"``, ``"2.5 h"``, ``"3.1 days"``; ``"?"`` for NaN."""
    if s is None or not math.isfinite(s):
        return "?"
    if s < 60:
        return f"{s:.2g} s" if s < 10 else f"{s:.0f} s"
    if s < 3600:
        m = s / 60
        return f"{m:.1f} min" if m < 10 else f"{m:.0f} min"
    if s < 2 * 86400:
        h = s / 3600
        return f"{h:.1f} h" if h < 10 else f"{h:.0f} h"
    return f"{s / 86400:.1f} days"


def format_dollars(d: float) -> str:
    """``"$0.21"``, ``"$0.000086"``, ``"$1,234"``; ``"$?"`` for NaN."""
    if d is None or not math.isfinite(d):
        return "$?"
    if d >= 100:
        return f"${d:,.0f}"
    if d >= 0.01 or d == 0:
        return f"${d:.2f}"
    decimals = -int(math.floor(math.log10(d))) + 1
    return f"${d:.{decimals}f}"


def recommendation_lines(table: pd.DataFrame, rows: int = 15) -> list[str]:
    """A compact, printable view of :func:`hardware_recommendations`' table: one line per
    (model, type), whole models only, at most ``rows`` lines (at least one model), then
    ``"N of M shown"``:

    ``model 1 (trial 12, epoch 9, accuracy 0.93) on ml.g5.xlarge: 14 min, $0.21 (predicted,
    80% interval 9.1 min to 20 min, $0.14 to $0.30)``
    """
    if not len(table):
        return ["no model on the Pareto set"]
    level = table.attrs.get("level", 0.8)
    fid = table.attrs.get("fidelity") or "epoch"
    inst = table.attrs.get("instance_attr") or "instance_type"
    objectives = table.attrs.get("objectives") or []
    per_model = table.groupby("model", sort=False).size()
    n_types = int(per_model.max())
    keep = per_model.index[: max(1, int(rows) // max(n_types, 1))]
    shown = table[table["model"].isin(keep)]
    lines = []
    for _, r in shown.iterrows():
        who = f"trial {r['trial_id']}"
        if "run" in table.columns:
            who = f"{r['run']} trial {r['trial_id']}"
        if fid in table.columns:
            who += f", {fid} {r[fid]}"
        if objectives and objectives[0] in table.columns:
            v = r[objectives[0]]
            who += f", {objectives[0]} {v:.4g}" if isinstance(v, (int, float)) else ""
        interval = (f"{level:.0%} interval {format_seconds(r['predicted_seconds_low'])} to "
                    f"{format_seconds(r['predicted_seconds_high'])}, "
                    f"{format_dollars(r['predicted_dollars_low'])} to "
                    f"{format_dollars(r['predicted_dollars_high'])}")
        if r["kind"] == "measured":
            where = (f"{r['measured_run']} trial" if isinstance(r.get("measured_run"), str)
                     else "trial")
            text = (f"{format_seconds(r['measured_seconds'])}, "
                    f"{format_dollars(r['measured_dollars'])} (measured in {where} "
                    f"{r['measured_trial']}; predicted {format_seconds(r['predicted_seconds'])}, "
                    f"{format_dollars(r['predicted_dollars'])}, {interval})")
        elif r["kind"] == "failed":
            text = (f"failed there in this run (if it fitted: "
                    f"{format_seconds(r['predicted_seconds'])}, "
                    f"{format_dollars(r['predicted_dollars'])}, predicted)")
        else:
            text = (f"{format_seconds(r['predicted_seconds'])}, "
                    f"{format_dollars(r['predicted_dollars'])} (predicted, {interval})")
        note = f" [{r['note']}]" if isinstance(r.get("note"), str) and r["note"] else ""
        lines.append(f"model {r['model']} ({who}) on {r[inst]}: {text}{note}")
    lines.append(f"{len(shown)} of {len(table)} rows shown ({len(keep)} of {len(per_model)} "
                 f"models x {n_types} instance types)")
    return lines
