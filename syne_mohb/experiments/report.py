"""Tables and plots for a folder of finished runs (simulated, local or SageMaker)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from syne_mohb.experiments.analysis import (
    Run,
    _normalizer_for,
    best_value,
    find_runs,
    group_runs,
    pareto_table,
    summarize,
    time_to_target,
)
from syne_mohb.experiments.plots import plot_hypervolume, plot_pareto

__all__ = ["make_report", "target_comparison"]


def _slug(s: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in s)


def target_comparison(methods: dict[str, list[Run]], baseline: str, objective: str = "accuracy",
                      tolerance: float = 0.005) -> pd.DataFrame:
    """Time and dollars each method needs to reach the baseline's best ``objective`` minus
    ``tolerance`` (0.005 = 0.5 percentage points of accuracy), seeds paired by order.

    The target of seed ``k`` is the best value the baseline's run ``k`` reached; the reduction
    factors are baseline / method (> 1: the method is faster / cheaper); ``inf`` times mean
    the target was not reached within the budget.
    """
    if baseline not in methods:
        raise ValueError(f"baseline {baseline!r} not among the runs' methods {sorted(methods)}")
    base = methods[baseline]
    rows = []
    for method, runs in methods.items():
        for k, (b, r) in enumerate(zip(base, runs)):
            target = best_value(b, objective, "max") - tolerance
            tb, db = time_to_target(b, objective, target)
            tm, dm = time_to_target(r, objective, target)
            rows.append({"method": method, "seed_index": k, "target": target, "time_s": tm,
                         "dollars": dm, "baseline_time_s": tb, "baseline_dollars": db,
                         "time_reduction": tb / tm if tm > 0 else np.inf,
                         "dollar_reduction": db / dm if dm > 0 else np.inf})
    return pd.DataFrame(rows)


def make_report(results: str | Path, out_dir: str | Path | None = None, baseline: str | None = None,
                max_pareto_rows: int = 15) -> dict[str, Any]:
    """Read every run below ``results``; write CSV tables and PNG plots to ``out_dir`` (default
    ``results/report``); return ``{"summary", "pareto", "targets", "plots", "out_dir"}``."""
    runs = find_runs(results)
    out = Path(out_dir) if out_dir is not None else Path(results) / "report"
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize(runs)
    summary.to_csv(out / "summary.csv", index=False)
    plots: list[Path] = []
    pareto: dict[str, pd.DataFrame] = {}
    targets = []
    for (bench, task), methods in group_runs(runs).items():
        all_runs = [r for lst in methods.values() for r in lst]
        norm = _normalizer_for(all_runs)
        prefix = out / _slug(f"{bench}__{task}")
        for axis in ("time", "dollars"):
            if axis == "dollars" and all(np.all(r.dollars_spent() == 0) for r in all_runs):
                continue
            plots.append(plot_hypervolume(methods, norm, f"{prefix}__hypervolume_vs_{axis}.png",
                                          axis=axis, title=f"{bench} / {task}: hypervolume vs {axis}"))
        for method, lst in methods.items():
            r = lst[0]
            tab = pareto_table(r, max_rows=max_pareto_rows)
            key = f"{bench}/{task}/{method}/{r.path.name}"
            pareto[key] = tab
            tab.to_csv(f"{prefix}__{_slug(method)}__{r.path.name}__pareto.csv", index=False)
            plots.append(plot_pareto(r, f"{prefix}__{_slug(method)}__{r.path.name}__pareto.png",
                                     title=f"{bench} / {task}: {method} ({r.path.name})"))
        b = baseline if baseline in methods else ("asha-default" if "asha-default" in methods else None)
        if b is not None and "accuracy" in all_runs[0].results.columns:
            t = target_comparison(methods, b)
            t.insert(0, "task", task)
            t.insert(0, "benchmark", bench)
            targets.append(t)
    targets_df = pd.concat(targets, ignore_index=True) if targets else pd.DataFrame()
    if len(targets_df):
        targets_df.to_csv(out / "time_to_target.csv", index=False)
    return {"summary": summary, "pareto": pareto, "targets": targets_df, "plots": plots, "out_dir": out}
