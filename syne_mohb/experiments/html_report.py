"""Interactive, self-contained HTML report: explore the Pareto front of accuracy, time and dollars.

:func:`make_html_report` reads every run below a results folder (one Syne Tune run folder --
local, SageMaker, Ray or simulated -- or a ``syne-mohb bench`` grid) and writes one HTML file
that opens offline: plotly.js (from the ``plotly`` Python package, ``report`` extra) and the data
are embedded, the page fetches nothing.

What the page shows, per group of comparable runs (same benchmark and task, or same entry point,
objectives and search space: :func:`syne_mohb.experiments.analysis.group_runs`; a selector
switches between them and the page says what each holds) and per selection of runs (all runs of
the group, or one run):

* the Pareto front in every 2-D projection of the objectives (e.g. accuracy vs dollars, accuracy
  vs time, time vs dollars): one point per trained model (a configuration at a fidelity), colour
  = instance type, models dominated in *all* objectives faded, the Pareto set outlined, the 2-D
  front of the projection as a step line; hovering shows trial, epoch, hyperparameters and
  objectives, clicking selects a model in all projections and in the table;
* a sortable table of the Pareto set (identical models reached by several trials listed once,
  as :func:`syne_mohb.experiments.analysis.pareto_table` does);
* per instance type (only where the runs have an instance dimension): trials, models, models
  on the Pareto set, best value of the first objective, the cheapest model at that value,
  dollars spent;
* hardware recommendations (only where the runs have an instance dimension): each model of the
  group's Pareto set on each instance type, predicted time and dollars with an interval, marked
  *predicted*, next to what the runs measured
  (:func:`syne_mohb.experiments.recommendations.recommendations_for_runs`);
* time and dollars to the target accuracy (where a group holds the baseline): per method the
  runs that reached the target, the means, and the ratios against the baseline and a peer
  with their 95% bootstrap intervals, and the medians over a benchmark's tasks -- the numbers
  of the text report, from one computation; a training script's runs in several groups
  (e.g. ASHA with accuracy alone, MO-ASHA with dollars and time) are compared as one pool,
  shown in each of its groups
  (:func:`syne_mohb.experiments.report.comparison_tables`);
* hypervolume against tuning time and tuning dollars per method, mean and spread over seeds
  (one standard deviation, min-max for fewer than 3 seeds), with the normalisation of
  :mod:`syne_mohb.experiments.metrics` (the same numbers as the PNG report; the bounds are
  shown in the objectives' own units);
* the runs' metadata (method, scheduler and its arguments, objectives and modes, budget,
  workers, trials, results, dates, search space).

Everything numeric is computed here in Python with the project's own code (Pareto masks from
:func:`syne_mohb.pareto.pareto_mask`, hypervolume curves from
:func:`syne_mohb.experiments.metrics.curves_over_seeds`); the page's JavaScript
(``html_report.js``) only draws and links. Scatter plots switch to WebGL above
:data:`WEBGL_MIN_POINTS` points so that 10,000 results stay responsive.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import math
import os
import secrets
import warnings
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from syne_mohb.experiments.analysis import (Run, default_instances, describe_group,
                                            group_labels, group_runs, moved_from,
                                            script_pools, summarize)
from syne_mohb.hardware.catalog import SEGMENT_INSTANCE_TYPE
from syne_mohb.experiments.final_metadata import recorded_end_kwargs
from syne_mohb.experiments.metrics import (TARGET_MEASURES, curves_over_seeds, normalizer_for,
                                           recorded_log_flags)
from syne_mohb.experiments.plots import _UNITS, _axis_label, axis_log, log_ticks, objective_name
from syne_mohb.pareto import pareto_mask

__all__ = ["make_html_report", "report_data", "WEBGL_MIN_POINTS"]

logger = logging.getLogger(__name__)

#: selections with more points than this are drawn with WebGL (``scattergl``), smaller ones as SVG
WEBGL_MIN_POINTS = 2000

_TIME_KEYS = ("runtime", "time", "elapsed", "seconds")
_DOLLAR_KEYS = ("cost", "dollar", "price")


class _Encoder:
    """Compact JSON columns: floats to 6 significant digits, NaN/inf as null, repeated strings
    dictionary-encoded."""

    @staticmethod
    def floats(values) -> list[float | None]:
        arr = np.asarray(values, dtype=float)
        return [float(f"{v:.6g}") if math.isfinite(v) else None for v in arr.tolist()]

    @staticmethod
    def column(values: pd.Series) -> dict[str, Any]:
        s = pd.Series(values).reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            arr = s.to_numpy(dtype=float)
            if (np.all(np.isnan(arr) | (arr == np.round(arr)))
                    and np.nanmax(np.abs(arr), initial=0) < 2**53):
                return {"values": [None if math.isnan(v) else int(v) for v in arr.tolist()]}
            return {"values": _Encoder.floats(arr)}
        obj = s.astype(object).where(s.notna(), None)
        levels = sorted({str(v) for v in obj if v is not None})
        index = {v: i for i, v in enumerate(levels)}
        return {"levels": levels, "codes": [None if v is None else index[str(v)] for v in obj]}


def _role(name: str, mode: str) -> str | None:
    low = name.lower()
    if mode == "min" and any(k in low for k in _DOLLAR_KEYS):
        return "dollars"
    if mode == "min" and any(k in low for k in _TIME_KEYS):
        return "time"
    return None


def _objective_info(run: Run, Y: np.ndarray) -> list[dict[str, Any]]:
    # log axes by the rule of the PNG plots (the recorded metric_log flags)
    flags = recorded_log_flags([run])
    log = [axis_log(Y[:, j], m, f) if len(Y) else False
           for j, (m, f) in enumerate(zip(run.modes, flags))]
    shown = [objective_name(o) for o in run.objectives]
    if len(set(shown)) < len(shown):  # e.g. cost and st_worker_cost: keep the columns' names
        shown = list(run.objectives)
    out = []
    for j, (name, mode) in enumerate(zip(run.objectives, run.modes)):
        role = _role(name, mode)
        unit = _UNITS.get(name) or {"dollars": "$", "time": "s"}.get(role or "")
        out.append({
            "name": shown[j], "column": name, "mode": mode, "role": role, "unit": unit,
            "label": _axis_label(name, mode, unit, shown[j]),
            "log": bool(log[j]),
            # log axes: ticks and labels by the rule of the PNG plots (one notation per axis)
            "ticks": _log_axis_ticks(Y[:, j]) if log[j] else None,
            "prefix": "$" if role == "dollars" else "", "suffix": " s" if role == "time" else "",
        })
    return out


def _log_axis_ticks(values: np.ndarray) -> dict[str, list] | None:
    v = values[np.isfinite(values) & (values > 0)]
    if not len(v):
        return None
    ticks, labels = log_ticks(float(v.min()), float(v.max()))
    if len(ticks) < 2:
        return None
    # sparser sets, for a plot too narrow for these labels (the page picks the first that fits)
    sparser, seen = [], {tuple(ticks)}
    for k in range(len(ticks) - 1, 1, -1):
        t, lab = log_ticks(float(v.min()), float(v.max()), max_ticks=k)
        if len(t) >= 2 and tuple(t) not in seen:
            seen.add(tuple(t))
            sparser.append({"values": t, "labels": lab})
    return {"values": ticks, "labels": labels, "sparser": sparser}


def _fidelity_column(run: Run) -> str | None:
    df = run.results
    candidates = [run.info.get("fidelity_attr"),
                  (run.metadata.get("scheduler_kwargs") or {}).get("time_attr"),
                  "epoch", "st_worker_iter"]
    for c in candidates:
        if c and c in df.columns:
            return str(c)
    return None


def _iso(ts: Any) -> str | None:
    try:
        return _dt.datetime.fromtimestamp(float(ts), tz=_dt.timezone.utc).isoformat(
            timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _search_space(meta: dict[str, Any]) -> list[dict[str, str]]:
    raw = meta.get("config_space")
    try:
        space = json.loads(raw) if isinstance(raw, str) else (raw or {})
    except ValueError:
        return []
    out = []
    for name, spec in space.items():
        if isinstance(spec, dict) and "domain_cls" in spec:
            kw = spec.get("domain_kwargs") or {}
            if "categories" in kw:
                desc = "choice of " + ", ".join(str(c) for c in kw["categories"])
            else:
                desc = ", ".join(f"{k}={v}" for k, v in kw.items())
            out.append({"name": name, "domain": f"{spec['domain_cls']}({desc})"})
        else:
            out.append({"name": name, "domain": f"constant {spec}"})
    return out


def _short(value: Any, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _run_metadata(run: Run, root: Path, n_rows: int, n_dropped: int) -> dict[str, Any]:
    meta, info, df = run.metadata, run.info, run.results
    # the scheduler's state at the end (restarts, the policy's choices) where it was recorded
    # (syne_mohb.experiments.final_metadata), else at the start
    kwargs = recorded_end_kwargs(meta) or meta.get("scheduler_kwargs") or {}
    spent = run.dollars_spent()
    try:
        rel = str(run.path.resolve().relative_to(root.resolve())) or "."
    except ValueError:
        rel = str(run.path)
    return {
        "label": f"{run.label} / {run.path.name}" if run.path.name != run.label else run.label,
        "method": run.label,
        "seed": info.get("seed"),
        "path": rel,
        "scheduler": meta.get("scheduler_name"),
        "scheduler_kwargs": ", ".join(f"{k}={_short(v)}" for k, v in kwargs.items()
                                      if k not in ("metrics", "mode", "metric", "config_space")),
        "objectives": ", ".join(f"{o} ({m})" for o, m in zip(run.objectives, run.modes)),
        "backend": meta.get("backend"),
        "simulated": bool(info.get("simulated", False)),
        "budget_s": info.get("budget_s"),
        "n_workers": info.get("n_workers"),
        "max_trials": info.get("max_trials"),
        "trials": int(df["trial_id"].nunique()) if len(df) else 0,
        "results": int(len(df)),
        "plotted": int(n_rows),
        "dropped": int(n_dropped),
        "tuning_time_s": float(df["st_tuner_time"].max()) if len(df) else None,
        "dollars_spent": float(spent[-1]) if len(spent) and np.isfinite(spent[-1]) else None,
        "created": _iso(meta.get("st_tuner_creation_timestamp")),
        "started": _iso(meta.get("st_tuner_start_timestamp")),
        "search_space": _search_space(meta),
    }


def _unique_front(front: np.ndarray, keys: pd.DataFrame, order_values: np.ndarray,
                  mode: str) -> list[int]:
    """Front rows with identical models (same configuration, fidelity and objectives, any
    trial) listed once, best first in the first objective (the rule of ``pareto_table``)."""
    idx = np.flatnonzero(front)
    if len(idx) == 0:
        return []
    dup = keys.iloc[idx].astype(str).duplicated(keep="first").to_numpy()
    idx = idx[~dup]
    v = order_values[idx]
    order = np.argsort(v if mode == "min" else -v, kind="stable")
    return [int(i) for i in idx[order]]


def _front2d(Y: np.ndarray, modes: Sequence[str], rows: np.ndarray, a: int, b: int) -> list[int]:
    """Rows on the 2-D front of objectives (y=a, x=b), sorted by x."""
    if len(rows) == 0:
        return []
    sub = Y[rows][:, [a, b]]
    m = pareto_mask(sub, [modes[a], modes[b]])
    sel = rows[m]
    order = np.lexsort((Y[sel, a], Y[sel, b]))
    return [int(i) for i in sel[order]]


def _instance_summary(Y: np.ndarray, rows: np.ndarray, table_rows: list[int],
                      objectives: list[dict[str, Any]], inst_codes: np.ndarray,
                      inst_levels: list[str], spent: list[dict[str, float] | None],
                      run_of: np.ndarray, trial: np.ndarray) -> list[dict[str, Any]]:
    """Per instance type: trials, models, models on the Pareto set, best first objective, the
    cheapest model (dollars objective, else time objective) at that value, dollars spent."""
    mode_q = objectives[0]["mode"]
    cheap = next((j for j, o in enumerate(objectives) if o["role"] == "dollars"), None)
    if cheap is None:
        cheap = next((j for j, o in enumerate(objectives) if o["role"] == "time"), None)
    on_front = np.zeros(len(Y), dtype=bool)
    on_front[table_rows] = True
    out = []
    for k, name in enumerate(inst_levels or ["all models"]):
        r = rows[inst_codes[rows] == k]
        if len(r) == 0:
            continue
        vals = Y[r, 0]
        best = vals.max() if mode_q == "max" else vals.min()
        at_best = r[vals == best]
        pick = at_best[np.argmin(Y[at_best, cheap])] if cheap is not None else at_best[0]
        key = name if inst_levels else ""
        dollars = [s.get(key, 0.0) for s in spent if s is not None]
        out.append({
            "instance": name,
            "trials": len({(int(run_of[i]), int(trial[i])) for i in r}),
            "models": int(len(r)),
            "front": int(on_front[r].sum()),
            "best": float(best),
            "cheapest_row": int(pick),
            "dollars_spent": float(sum(dollars)) if dollars else None,
        })
    return out


def _method_summary(runs: list[Run], simulated: bool) -> list[dict[str, Any]]:
    """One row per method; simulated runs, named by their registered method, also say what
    chooses the instance type and what proposes the hyperparameters."""
    from syne_mohb.experiments.methods import METHODS, hardware_logic, searcher_of

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nanmean over runs without dollars
        tab = summarize(runs)
    defaults = default_instances(runs)  # the runs' own default instance, per method
    out = []
    for rec in tab.to_dict("records"):
        row = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
               for k, v in rec.items()}
        if simulated and row.get("method") in METHODS:
            row["hardware_logic"] = hardware_logic(row["method"], defaults.get(row["method"]))
            row["searcher"] = searcher_of(row["method"])
        out.append(row)
    return out


def _raw(z: float, mode: str, log: bool) -> float | None:
    """A normalisation bound back in the objective's own units (undoing the negation of a
    "max" objective and the log10): the value mapped to 0 (best) or 1 (worst)."""
    v = -float(z) if mode == "max" else float(z)
    v = 10.0 ** v if log else v
    return v if math.isfinite(v) else None


def _hypervolume(methods: dict[str, list[Run]], num_points: int) -> dict[str, Any] | None:
    runs = [r for lst in methods.values() for r in lst if len(r.results)]
    if not runs:
        return None
    norm = normalizer_for(runs)
    out: dict[str, Any] = {}
    for axis in ("time", "dollars"):
        if axis == "time":
            x_max = max(float(r.results["st_tuner_time"].max()) for r in runs)
        else:
            spent = [r.dollars_spent() for r in runs]
            if all(np.all(~np.isfinite(s) | (s == 0)) for s in spent):
                continue
            x_max = max(float(np.nanmax(s)) for s in spent)
        if not x_max > 0:
            continue
        curves = []
        for method, lst in methods.items():
            lst = [r for r in lst if len(r.results)]
            if not lst:
                continue
            grid, c = curves_over_seeds(lst, norm, axis=axis, num_points=num_points, x_max=x_max)
            mean = c.mean(axis=0)
            if len(lst) >= 3:
                lo, hi, band = mean - c.std(axis=0), mean + c.std(axis=0), "mean +- 1 std"
            else:
                lo, hi, band = (c.min(axis=0), c.max(axis=0),
                                "min-max" if len(lst) > 1 else "single run")
            curves.append({"method": method, "seeds": len(lst), "band": band,
                           "x": _Encoder.floats(grid), "mean": _Encoder.floats(mean),
                           "lo": _Encoder.floats(lo), "hi": _Encoder.floats(hi),
                           "final": _Encoder.floats(c[:, -1])})
        out[axis] = {
            "x_label": ("tuning time (seconds since the tuning job started)" if axis == "time"
                        else "tuning dollars (sum of all trials' training dollars so far)"),
            "curves": curves,
        }
    out["normalisation"] = {
        "objectives": [{"name": objective_name(o), "column": o, "mode": m, "log10": bool(lg),
                        "unit": (_UNITS.get(o)
                                 or {"dollars": "$", "time": "s"}.get(_role(o, m) or "")),
                        "lower": float(lo), "upper": float(up),
                        "best": _raw(lo, m, lg), "worst": _raw(up, m, lg)}
                       for o, m, lg, lo, up in zip(norm.objectives, norm.modes, norm.log,
                                                   norm.lower, norm.upper)],
        "reference_point": [float(v) for v in norm.ref_point],
        "bounds_from": ("the benchmark's offline-evaluation table"
                        if runs[0].info.get("simulated") and runs[0].info.get("benchmark")
                        else "the union of these runs' results"),
    }
    return out


def _recommendations(runs: list[Run], objectives: list[str], labels: list[str]
                     ) -> dict[str, Any]:
    """The group's hardware recommendations
    (:func:`syne_mohb.experiments.recommendations.recommendations_for_runs`: one model on all
    its runs, the Pareto set over their union) as page rows; ``page_row`` is the model's own
    result among the plotted rows (``None`` if not plotted). ``{"error": reason}`` where they
    cannot be made (e.g. no ``st_worker_time``)."""
    from syne_mohb.experiments.recommendations import recommendations_for_runs

    try:
        rec = recommendations_for_runs(runs, labels=labels if len(runs) > 1 else None)
    except Exception as e:  # never lose the page to this section
        return {"error": str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}"}
    # plotted rows: each run's rows with a value for every objective, runs one after another
    # (as _group_data concatenates them)
    page_of, start = [], 0
    for r in runs:
        ok = np.all(np.isfinite(r.results[objectives].to_numpy(dtype=float)), axis=1)
        page_of.append(np.where(ok, start + np.cumsum(ok) - 1, -1))
        start += int(ok.sum())
    fid, inst = rec.attrs["fidelity"], rec.attrs["instance_attr"]

    def num(v: Any) -> float | None:
        try:
            x = float(v)
        except (TypeError, ValueError):
            return None
        return float(f"{x:.6g}") if math.isfinite(x) else None

    rows = []
    for rec_row in rec.to_dict("records"):
        page = int(page_of[int(rec_row["_run"])][int(rec_row["_row"])])
        mt = rec_row["measured_trial"]
        rows.append({
            "model": int(rec_row["model"]), "run": int(rec_row["_run"]),
            "page_row": page if page >= 0 else None,
            "trial": _plain_value(rec_row["trial_id"]), "fidelity": _plain_value(rec_row[fid]),
            "trained_on": rec_row["trained_on"], "instance": str(rec_row[inst]),
            "kind": rec_row["kind"],
            "seconds": [num(rec_row[c]) for c in ("predicted_seconds", "predicted_seconds_low",
                                                  "predicted_seconds_high")],
            "dollars": [num(rec_row[c]) for c in ("predicted_dollars", "predicted_dollars_low",
                                                  "predicted_dollars_high")],
            "measured_seconds": num(rec_row["measured_seconds"]),
            "measured_dollars": num(rec_row["measured_dollars"]),
            "measured_trial": None if mt is None or pd.isna(mt) else _plain_value(mt),
            "measured_run": rec_row.get("measured_run") if isinstance(
                rec_row.get("measured_run"), str) else None,
            "objectives": [num(rec_row[o]) for o in objectives],
            "price": num(rec_row["price_per_hour"]), "note": rec_row["note"] or "",
        })
    return {"level": rec.attrs["level"], "fidelity": fid, "models": rec.attrs["models"],
            "types": rec.attrs["types"], "rows": rows}


def _plain_value(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _group_data(group_label: str, description: str, methods: dict[str, list[Run]], root: Path,
                num_points: int, simulated: bool = False) -> dict[str, Any]:
    runs = [r for lst in methods.values() for r in lst]
    first = runs[0]
    objectives_list = list(first.objectives)
    frames, run_meta, dropped_total, spent_kept, inst_spent = [], [], 0, [], []
    inst_col = first.instance_column
    for k, r in enumerate(runs):
        df = r.results
        ok = np.all(np.isfinite(df[objectives_list].to_numpy(dtype=float)), axis=1)
        spent = r.dollars_spent()
        # dollars of every row (also of rows left out for missing objectives) per instance type
        inc = pd.Series(np.diff(np.concatenate([[0.0], np.nan_to_num(spent, nan=0.0)])))
        if np.all(np.isnan(spent)):
            inst_spent.append(None)
        else:
            by = (df[inst_col].astype(str) if inst_col and inst_col in df.columns
                  else pd.Series([""] * len(df)))
            inst_spent.append(inc.groupby(by.to_numpy()).sum().to_dict())
        d = df.loc[ok].copy()
        d["_run"] = k
        frames.append(d)
        spent_kept.append(spent[ok])
        dropped_total += int((~ok).sum())
        run_meta.append(_run_metadata(r, root, int(ok.sum()), int((~ok).sum())))
    df = pd.concat(frames, ignore_index=True)
    if len(df) == 0:
        names = ", ".join(str(r.path) for r in runs)
        raise ValueError(f"no result of {names} has a value for every objective "
                         f"({', '.join(objectives_list)}): nothing to plot")
    Y = df[objectives_list].to_numpy(dtype=float)
    objectives = _objective_info(first, Y)
    modes = list(first.modes)
    if inst_col and inst_col in df.columns:
        inst_values = df[inst_col].astype(str)
        inst_levels = sorted(inst_values.unique())
        inst_codes = inst_values.map({v: i for i, v in enumerate(inst_levels)}).to_numpy()
    else:
        inst_col, inst_levels = None, []
        inst_codes = np.zeros(len(df), dtype=int)
    fid = _fidelity_column(first)
    cfg_cols = sorted({c for r in runs for c in r.results.columns if c.startswith("config_")}
                      - {inst_col})
    run_of = df["_run"].to_numpy()
    trial = df["trial_id"].to_numpy()
    keys = df[[c for c in [fid, inst_col, *cfg_cols] if c] + objectives_list]
    pairs = [[a, b] for a in range(len(objectives_list))
             for b in range(a + 1, len(objectives_list))]
    if not pairs:
        pairs = [[0, 0]]

    starts = np.concatenate([[0], np.cumsum([int((run_of == k).sum()) for k in range(len(runs))])])
    selections = []
    spans = [(None, 0, len(df))] if len(runs) == 1 else [(None, 0, len(df))] + [
        (k, int(starts[k]), int(starts[k + 1])) for k in range(len(runs))]
    for k, lo, hi in spans:
        rows = np.arange(lo, hi)
        front = np.zeros(len(df), dtype=bool)
        if len(rows):
            front[rows] = pareto_mask(Y[rows], modes)
        table = _unique_front(front, keys, Y[:, 0], modes[0])
        label = (run_meta[k]["label"] if k is not None else
                 (run_meta[0]["label"] if len(runs) == 1
                  else f"all {len(runs)} runs (Pareto set over all)"))
        selections.append({
            "label": label, "run": k, "start": lo, "end": hi,
            "front": [int(i) for i in np.flatnonzero(front)],
            "table": table,
            "front2d": [_front2d(Y, modes, rows, a, b) for a, b in pairs],
            # None without an instance dimension (a local run): the page has no such section
            "instances": None if inst_col is None else _instance_summary(
                Y, rows, table, objectives, inst_codes, inst_levels,
                [inst_spent[j] for j in (range(len(runs)) if k is None else [k])], run_of, trial),
        })
    return {
        "label": group_label,
        "description": description,
        "moved": _moved(df, inst_col, fid),
        "objectives": objectives,
        "pairs": pairs,
        "fidelity": fid,
        "instance_attr": first.instance_attr if inst_col else None,
        "instance_types": inst_levels,
        "hp": [c[len("config_"):] for c in cfg_cols],
        "columns": {
            "trial": _Encoder.column(df["trial_id"]),
            "epoch": _Encoder.column(df[fid]) if fid else None,
            "inst": {"values": [int(c) for c in inst_codes]},
            "run": {"values": [int(v) for v in run_of]},
            "obj": [{"values": _Encoder.floats(Y[:, j])} for j in range(len(objectives_list))],
            "hp": [_Encoder.column(df[c]) if c in df.columns else {"values": [None] * len(df)}
                   for c in cfg_cols],
            "t": {"values": _Encoder.floats(df["st_tuner_time"])},
            "spent": {"values": _Encoder.floats(np.concatenate(spent_kept))},
        },
        "n": int(len(df)),
        "dropped": dropped_total,
        "runs": run_meta,
        "selections": selections,
        "methods": _method_summary(runs, simulated),
        "hypervolume": _hypervolume(methods, num_points),
        # None without an instance dimension: the page has no such section
        "recommendations": None if inst_col is None else _recommendations(
            runs, objectives_list, [m["label"] for m in run_meta]),
    }


def _moved(df: pd.DataFrame, inst_col: str | None, fid: str | None) -> dict[str, str]:
    """``{row: types}`` for the rows of trials that moved to another instance type: the types
    the trial ran on before the row's segment (:func:`~syne_mohb.experiments.analysis.moved_from`;
    the row's time and dollars are cumulative over them). Rows of trials that never moved (all
    of them in most runs) are left out; the cost is :func:`moved_from`'s on each run."""
    if inst_col is None or SEGMENT_INSTANCE_TYPE not in df.columns:
        return {}
    out: dict[str, str] = {}
    for _, d in df.groupby("_run", sort=False):  # trial ids are a run's own
        for i, text in zip(d.index, moved_from(d, list(d.index), inst_col, fid)):
            if text is not None:
                out[str(int(i))] = text
    return out


def _load(results: str | Path) -> tuple[list[Run], list[tuple[Path, str]]]:
    """The runs the PNG/CSV report reads (:func:`syne_mohb.experiments.report.load_runs`:
    unreadable, empty or interrupted runs left out with a reason), after one-line checks of
    the folder itself."""
    from syne_mohb.experiments.report import load_runs

    root = Path(results)
    if root.exists() and not root.is_dir():
        raise ValueError(f"results {root} is a file, not a folder of Syne Tune runs")
    if root.is_dir() and not os.access(root, os.R_OK | os.X_OK):
        raise PermissionError(f"results folder {root} is not readable (permission denied)")
    return load_runs(root)


def _ratio_cells(row: Any) -> dict[str, list[float | None]]:
    """``{measure: [point, low, high]}`` of a row of
    :func:`~syne_mohb.experiments.metrics.target_ratios` (null where not finite; no interval
    with fewer than 2 seeds, where the bootstrap is that seed's ratio twice)."""
    out = {}
    for key in TARGET_MEASURES:
        point, lo, hi = _Encoder.floats([row[key], row[f"{key}_low"], row[f"{key}_high"]])
        out[key] = [point, lo, hi] if row["seeds"] >= 2 else [point, None, None]
    return out


def _comparison(compared: dict[str, Any], label: str, methods: dict[str, list[Run]],
                asked: bool) -> dict[str, Any] | None:
    """A group's time / dollars comparison for the page, from
    :func:`~syne_mohb.experiments.report.comparison_tables`: the target, and per method the
    runs that reached it, the mean of each measure over its runs and its ratios against the
    baseline and the peer. Where the group cannot be compared: why (``missing``) if a baseline
    or peer was ``asked`` for, else None (e.g. one local run: the page has no such section)."""
    b, peer = compared["baseline"], compared["versus"]
    out: dict[str, Any] = {"baseline": b, "versus": peer}
    targets = compared["targets"]
    mine = targets[targets["group"] == label] if len(targets) else targets
    if not len(mine):
        if not asked:
            return None
        if b not in methods:
            out["missing"] = (f"no run of the baseline {b!r} in this group (its methods: "
                              f"{', '.join(methods)}); syne-mohb report --html --baseline "
                              f"METHOD names another")
        else:
            out["missing"] = "the runs do not all report accuracy, the measure of the target"
        return out
    out["target"] = _Encoder.floats([mine["target"].iloc[0]])[0]
    ratios = {}
    for which, name in (("baseline", "target_ratios"), ("peer", "versus_ratios")):
        tab = compared[name]
        if len(tab):
            for _, r in tab[tab["group"] == label].iterrows():
                ratios[(which, r["method"])] = _ratio_cells(r)
    rows = []
    for method, d in mine.groupby("method", sort=False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a measure NaN in every run
            means = {k: _Encoder.floats([np.nanmean(d[k].to_numpy(dtype=float))])[0]
                     for k in TARGET_MEASURES}
        rows.append({"method": method, "seeds": int(len(d)), "reached": int(d["reached"].sum()),
                     "means": means, "vs_baseline": ratios.get(("baseline", method)),
                     "vs_peer": ratios.get(("peer", method))})
    out["rows"] = rows
    out["peer_in_group"] = peer is not None and peer in methods
    bounds = compared["bounds"]
    own_bounds = bounds[bounds["group"] == label]
    if len(own_bounds):  # a simulated group: what the found model's dollars could reach
        r = own_bounds.iloc[0]
        out["bounds"] = dict(zip(("found_dollars", "cheapest_dollars", "best_possible",
                                  "exhaustive_once"),
                                 _Encoder.floats([r["found_dollars"], r["cheapest_dollars"],
                                                  r["best_possible"], r["exhaustive_once"]])))
    return out


def _over_tasks_rows(over: pd.DataFrame) -> list[dict[str, Any]]:
    """The medians over each benchmark's tasks
    (:func:`~syne_mohb.experiments.report.comparison_tables`' ``over_tasks``) for the page."""
    return [{"benchmark": r["group"], "peer": r["peer"], "method": r["method"],
             "tasks": int(r["tasks"]), "seeds": int(r["seeds"]), "reached": int(r["reached"]),
             "ratios": _ratio_cells(r)} for _, r in over.iterrows()]


def report_data(runs: Sequence[Run], root: str | Path = ".", num_points: int = 60,
                skipped: Sequence[tuple[Path, str]] = (), baseline: str | None = None,
                versus: str | None = None) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready data (see the module docstring).

    Runs are grouped by what makes them comparable (same benchmark and task, or same entry
    point, objectives and search space: :func:`~syne_mohb.experiments.analysis.group_runs`),
    as in the PNG report; the page says what each group holds. ``skipped``: ``(folder,
    reason)`` of run folders left out, listed on the page. ``baseline`` and ``versus``: the
    time / dollars comparison of :func:`~syne_mohb.experiments.report.make_report` (the
    method setting the target, default ``asha-default``; a peer every method is also paired
    with), with the same numbers.

    :raises ValueError: ``runs`` is empty, or ``baseline`` or ``versus`` is not a method of
        the runs
    """
    from syne_mohb.experiments.report import check_compared, comparison_tables

    if not runs:
        raise ValueError("runs is empty: nothing to report")
    root = Path(root)
    by_key = group_runs(runs)
    labels = group_labels(by_key)
    check_compared(by_key, baseline, versus, labels)
    compared = comparison_tables(by_key, labels, baseline, versus)
    pools = script_pools(by_key)
    groups = [_group_data(labels[key], describe_group(key, methods, root), methods, root,
                          num_points, simulated=key.source == "benchmark")
              for key, methods in by_key.items()]
    asked = baseline is not None or versus is not None
    for g, (key, methods) in zip(groups, by_key.items()):
        pool = pools.get(key)
        if pool is None:
            g["comparison"] = _comparison(compared, g["label"], methods, asked)
        else:  # the script's runs of every group, compared as one (the same in each group)
            g["comparison"] = _comparison(compared, pool.label, pool.methods, asked)
            if g["comparison"] is not None:
                g["comparison"]["pool"] = {"label": pool.label,
                                           "groups": [labels[k] for k in pool.members]}
    total = sum(len(r.results) for r in runs)
    return {
        "title": f"syne-mohb report: {root.resolve().name}",
        "source": str(root.resolve()),
        "generated": _dt.datetime.now(tz=_dt.timezone.utc).isoformat(timespec="seconds"),
        "num_runs": len(runs),
        "num_results": int(total),
        "webgl_min_points": WEBGL_MIN_POINTS,
        "skipped": [{"path": str(p), "reason": str(r)} for p, r in skipped],
        "groups": groups,
        "over_tasks": _over_tasks_rows(compared["over_tasks"]),
    }


def _plotly_js() -> tuple[str, str]:
    try:
        import plotly
        from plotly.offline import get_plotlyjs
    except ImportError:
        raise ImportError("the HTML report needs plotly: pip install 'syne-mohb[report]' "
                          "(or pip install plotly)") from None
    return get_plotlyjs(), plotly.__version__


def _asset(name: str) -> str:
    return resources.files("syne_mohb.experiments").joinpath(name).read_text(encoding="utf-8")


def _script_json(data: dict[str, Any]) -> str:
    text = json.dumps(data, separators=(",", ":"), allow_nan=False, default=str)
    # never let a string in the data close the <script> element
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_html(data: dict[str, Any]) -> str:
    """The page for :func:`report_data`'s output: plotly.js, CSS, data and the page's script
    inlined. plotly.js is embedded as text and compiled by the page's script after the header
    and tables have painted (compiling 4.8 MB of JavaScript is most of a cold load)."""
    js, version = _plotly_js()
    if "</script" in js.lower():  # cannot be embedded as it is (never seen in a plotly.js release)
        raise ValueError(f"plotly.js of plotly {version} contains '</script': cannot embed it")
    import html

    title = html.escape(data["title"])
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{title}</title>\n"
        f"<meta name=\"generator\" content=\"syne-mohb html_report, plotly.py "
        f"{html.escape(version)}\">\n"
        f"<style>\n{_asset('html_report.css')}\n</style>\n</head>\n<body>\n"
        f"<noscript>This report needs JavaScript (it is self-contained: nothing is "
        f"downloaded).</noscript>\n"
        f"<div id=\"app\"></div>\n"
        f"<script type=\"application/json\" id=\"report-data\">{_script_json(data)}</script>\n"
        # compiled by the page's script after the first paint (see html_report.js, ensurePlotly)
        f"<script type=\"text/plain\" id=\"plotly-js\">\n{js}\n</script>\n"
        f"<script>\n{_asset('html_report.js')}\n</script>\n</body>\n</html>\n"
    )


def make_html_report(results: str | Path, out: str | Path | None = None, num_points: int = 60,
                     on_skip: Callable[[Path, str], None] | None = None,
                     baseline: str | None = None, versus: str | None = None) -> Path:
    """Write the interactive report of every run below ``results`` to one self-contained HTML file.

    :param results: a run folder (``results.csv.zip`` + ``metadata.json``) or a folder of runs
        (e.g. a ``syne-mohb bench`` output)
    :param out: the HTML file (``*.html``) or a folder for ``report.html``
        (default: ``results/report/report.html``)
    :param num_points: grid points of the hypervolume curves
    :param on_skip: called with ``(folder, reason)`` for each run folder left out (default: a
        logged warning); the page lists them too
    :param baseline: the method whose mean best accuracy (minus 0.5 points) is the target of
        the time / dollars comparison (default: ``asha-default``, where a group has it)
    :param versus: a peer method every other method is also paired with at that target
    :return: path of the written file
    :raises FileNotFoundError: ``results`` does not exist or holds no readable run (run
        folders that cannot be read are left out with a logged warning and listed on the page)
    :raises ValueError: results without a value for every objective, ``out`` is below a file,
        or ``baseline`` or ``versus`` is not a method of the runs
    :raises ImportError: plotly is not installed (``report`` extra)
    """
    if not isinstance(num_points, int) or num_points < 2:
        raise ValueError(f"num_points must be an integer >= 2, got {num_points!r}")
    _plotly_js()  # fail before any work when plotly is missing
    from syne_mohb.experiments.report import check_output_folder

    runs, skipped = _load(results)
    for folder, reason in skipped:
        if on_skip is not None:
            on_skip(folder, reason)
        else:
            logger.warning(f"skipped {folder}: {reason}")
    if out is None:
        path = Path(results) / "report" / "report.html"
    else:
        path = Path(out)
        if path.suffix.lower() not in (".html", ".htm"):
            path = path / "report.html"
    check_output_folder(path.parent, "output")  # a file in the way: one line, before the work
    page = render_html(report_data(runs, root=results, num_points=num_points, skipped=skipped,
                                   baseline=baseline, versus=versus))
    path.parent.mkdir(parents=True, exist_ok=True)
    # written next to the page and renamed over it (a reader never sees half a page); opened
    # with open(), not mkstemp (mode 0600), so that the page gets the mode of the PNG and CSV
    # files: 0666 less the umask
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "x", encoding="utf-8") as f:
            f.write(page)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
