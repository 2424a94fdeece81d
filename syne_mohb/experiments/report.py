"""Tables and plots for a folder of finished runs (simulated, local or SageMaker)."""
from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from syne_mohb.experiments.analysis import (
    Run,
    group_runs,
    load_run,
    pareto_table,
    run_folders,
    summarize,
)
from syne_mohb.experiments.metrics import best_value, normalizer_for, time_to_target
from syne_mohb.experiments.plots import plot_hypervolume, plot_pareto, run_title

__all__ = ["load_runs", "make_report", "target_comparison"]


def load_runs(results: str | Path) -> tuple[list[Run], list[tuple[Path, str]]]:
    """Every readable run folder (with ``results.csv.zip``) below ``results`` (included), and
    the folders left out with the reason: an empty or unreadable results file, no result rows,
    or a simulated run of :mod:`~syne_mohb.experiments.runner` that was interrupted (no end
    marker; ``syne-mohb bench`` runs it again).

    :raises FileNotFoundError: ``results`` does not exist, holds no results file, or no
        readable run (the message gives the reasons)
    """
    from syne_mohb.experiments.runner import is_finished_run

    root = Path(results)
    paths = run_folders(root)
    runs: list[Run] = []
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        try:
            run = load_run(path)
        except pd.errors.EmptyDataError:
            skipped.append((path, "results.csv.zip is empty (the run reported no result)"))
            continue
        except (zipfile.BadZipFile, EOFError) as e:
            skipped.append((path, f"results.csv.zip is not a valid zip file (truncated or "
                                  f"overwritten: {e})"))
            continue
        except (ValueError, OSError) as e:
            skipped.append((path, f"unreadable: {type(e).__name__}: {e}"))
            continue
        if len(run.results) == 0:
            skipped.append((path, "results.csv.zip holds no result"))
        elif run.info.get("simulated") and not is_finished_run(run.info):
            skipped.append((path, "interrupted simulated run (no end marker in metadata.json); "
                                  "syne-mohb bench runs it again"))
        else:
            runs.append(run)
    if not runs:
        reasons = "; ".join(f"{p}: {r}" for p, r in skipped[:3])
        raise FileNotFoundError(f"no readable run below {root} ({reasons}"
                                f"{' ...' if len(skipped) > 3 else ''})")
    return runs, skipped


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


def _group_names(bench: str, task: str, runs: list[Run]) -> tuple[str, str]:
    """(plot title prefix, file prefix) of a benchmark/task group; runs that are not
    simulations of a shipped benchmark are grouped by folder and have no task."""
    if runs[0].info.get("benchmark"):
        return f"{bench} / {task}", _slug(f"{bench}__{task}")
    if len(runs) == 1:
        return runs[0].path.name, _slug(runs[0].path.name)
    return f"{len(runs)} runs in {runs[0].path.parent}", _slug(runs[0].path.parent.name)


def _no_dollars(runs: list[Run]) -> bool:
    spent = [r.dollars_spent() for r in runs]
    return all(np.all(np.nan_to_num(d, nan=0.0) == 0) for d in spent)


def make_report(results: str | Path, out_dir: str | Path | None = None, baseline: str | None = None,
                max_pareto_rows: int = 15) -> dict[str, Any]:
    """Read every run below ``results``; write CSV tables and PNG plots to ``out_dir`` (default
    ``results/report``); return ``{"summary", "pareto", "targets", "plots", "out_dir",
    "skipped"}`` (``skipped``: ``(folder, reason)`` of the runs left out, see :func:`load_runs`).

    Simulated runs get one Pareto table and plot per method (first seed); other runs (local,
    SageMaker) one per run. The Pareto tables list the fidelity (e.g. ``epoch``) of each model.
    """
    runs, skipped = load_runs(results)
    out = Path(out_dir) if out_dir is not None else Path(results) / "report"
    out.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nanmean of runs without dollars
        summary = summarize(runs)
    summary.to_csv(out / "summary.csv", index=False)
    plots: list[Path] = []
    pareto: dict[str, pd.DataFrame] = {}
    targets = []
    for (bench, task), methods in group_runs(runs).items():
        all_runs = [r for lst in methods.values() for r in lst]
        norm = normalizer_for(all_runs)
        title, file_prefix = _group_names(bench, task, all_runs)
        prefix = out / file_prefix
        for axis in ("time", "dollars"):
            if axis == "dollars" and _no_dollars(all_runs):
                continue
            plots.append(plot_hypervolume(methods, norm, f"{prefix}__hypervolume_vs_{axis}.png",
                                          axis=axis, title=f"{title}: hypervolume vs {axis}"))
        simulated = bool(all_runs[0].info.get("benchmark"))
        for method, lst in methods.items():
            for r in lst[:1] if simulated else lst:
                tab = pareto_table(r, max_rows=max_pareto_rows)
                key = (f"{bench}/{task}/{method}/{r.path.name}" if simulated
                       else f"{r.path.name} ({method})")
                pareto[key] = tab
                stem = (f"{prefix}__{_slug(method)}__{r.path.name}" if simulated
                        else str(out / _slug(r.path.name)))
                tab.to_csv(f"{stem}__pareto.csv", index=False)
                plots.append(plot_pareto(r, f"{stem}__pareto.png", title=run_title(r)))
        b = baseline if baseline in methods else ("asha-default" if "asha-default" in methods else None)
        if b is not None and "accuracy" in all_runs[0].results.columns:
            t = target_comparison(methods, b)
            t.insert(0, "task", task)
            t.insert(0, "benchmark", bench)
            targets.append(t)
    targets_df = pd.concat(targets, ignore_index=True) if targets else pd.DataFrame()
    if len(targets_df):
        targets_df.to_csv(out / "time_to_target.csv", index=False)
    return {"summary": summary, "pareto": pareto, "targets": targets_df, "plots": plots,
            "out_dir": out, "skipped": skipped}
