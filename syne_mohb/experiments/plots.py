"""PNG plots (matplotlib, Agg backend): Pareto fronts by instance type, hypervolume curves.

Replaces Syne Tune 0.16's ``ExperimentResult.plot_hypervolume`` (which only accepts "max"
modes, feeds unnegated values to a minimising hypervolume and plots an unsorted x-axis).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from syne_mohb.experiments.analysis import Run
from syne_mohb.experiments.metrics import Normalizer, curves_over_seeds, recorded_log_flags
from syne_mohb.pareto import pareto_mask

__all__ = ["axis_log", "plot_pareto", "pareto_figure", "plot_hypervolume", "run_title"]


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def run_title(run: Run) -> str:
    """A title naming what the run is: ``benchmark / task: method (seed-k)`` for a simulated
    run, else ``<run folder>: <scheduler>, <n> trials, <m> results`` (a local or SageMaker run
    has no benchmark or task)."""
    info = run.info
    if info.get("benchmark") and info.get("task"):
        return f"{info['benchmark']} / {info['task']}: {run.label} ({run.path.name})"
    n = run.results["trial_id"].nunique() if "trial_id" in run.results.columns else 0
    return f"{run.path.name}: {run.label}, {n} trials, {len(run.results)} results"


def axis_log(values: np.ndarray, mode: str, flag: bool | None) -> bool:
    """Whether an objective's axis is drawn on a log scale: its values are positive and span
    at least a factor of 10, and it is flagged log (``flag``: the recorded ``metric_log``,
    :func:`syne_mohb.experiments.metrics.recorded_log_flags`) or, with no flag recorded (a run
    that simulated no benchmark), it is minimised. Display only: the hypervolume uses the
    flags, linear where none is recorded."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if flag is False or (flag is None and mode != "min"):
        return False
    return bool(len(v) > 0 and v.min() > 0 and v.max() / v.min() >= 10)


def _log_ticks(axis, lo: float, hi: float) -> None:
    """Readable major ticks on a log axis from ``lo`` to ``hi`` (> 0): 1-2-5 steps up to two
    decades, 1-3 steps up to five, else decades; plain number labels; unlabelled minor ticks.

    (Matplotlib's default labels only the decades once the range exceeds one decade, which
    leaves two labels on a typical cost axis, and labels minor ticks in mathtext below one,
    which overlap.)
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    decades = np.log10(hi / lo) if hi > lo > 0 else 1.0
    subs = (1.0, 2.0, 5.0) if decades <= 2 else (1.0, 3.0) if decades <= 5 else (1.0,)
    axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.3g}"))
    axis.set_minor_locator(LogLocator(base=10, subs=np.arange(2, 10) * 1.0))
    axis.set_minor_formatter(NullFormatter())


def pareto_figure(run: Run, title: str | None = None):
    """The figure of :func:`plot_pareto` (a matplotlib ``Figure``; close it when done)."""
    plt = _plt()
    from matplotlib.lines import Line2D

    df = run.results
    objs, modes = run.objectives, run.modes
    others = list(range(1, len(objs))) or [0]
    fig, axes = plt.subplots(1, len(others), figsize=(max(6.4, 5.2 * len(others)), 5.0),
                             squeeze=False, layout="constrained")
    inst = run.instance_column
    groups = sorted(df[inst].astype(str).unique()) if inst else ["all"]
    cmap = plt.get_cmap("tab10")
    Y = df[objs].to_numpy(dtype=float)
    flags = recorded_log_flags([run])
    front = pareto_mask(Y, modes) if len(Y) else np.zeros(0, dtype=bool)
    for ax, j in zip(axes[0], others):
        for g_i, g in enumerate(groups):
            sel = (df[inst].astype(str) == g).to_numpy() if inst else np.ones(len(df), dtype=bool)
            ax.scatter(Y[sel & ~front, j], Y[sel & ~front, 0], s=8, alpha=0.35,
                       color=cmap(g_i % 10))
            ax.scatter(Y[sel & front, j], Y[sel & front, 0], s=30, color=cmap(g_i % 10),
                       edgecolors="black", linewidths=0.8)
        two = pareto_mask(Y[:, [0, j]], [modes[0], modes[j]]) if len(Y) else np.zeros(0, bool)
        pts = Y[two][:, [j, 0]]
        pts = pts[np.argsort(pts[:, 0])]
        if len(pts):
            ax.step(pts[:, 0], pts[:, 1], where="post", color="black", lw=1)
        if len(Y) and axis_log(Y[:, j], modes[j], flags[j]):
            ax.set_xscale("log")
            finite = Y[:, j][np.isfinite(Y[:, j])]
            _log_ticks(ax.xaxis, float(finite.min()), float(finite.max()))
        ax.set_xlabel(_axis_label(objs[j], modes[j]))
        ax.set_ylabel(_axis_label(objs[0], modes[0]))
        ax.grid(alpha=0.3)
    fidelity = run.info.get("fidelity_attr") or "fidelity"
    handles = [Line2D([], [], marker="o", ls="", color=cmap(g_i % 10), label=g)
               for g_i, g in enumerate(groups)] if inst else []
    handles += [
        Line2D([], [], marker="o", ls="", markersize=4, alpha=0.35,
               color="gray" if inst else cmap(0), label=f"a trial at one {fidelity}"),
        Line2D([], [], marker="o", ls="", color="lightgray" if inst else cmap(0),
               markeredgecolor="black", label="black edge: Pareto set (all objectives)"),
        Line2D([], [], color="black", lw=1, label="step line: 2-D front of this panel"),
    ]
    ncol = min(len(handles), 2 if len(others) == 1 else 4)
    fig.legend(handles=handles, loc="outside lower center", fontsize=7, ncol=ncol,
               title="colour: instance type" if inst else None, title_fontsize=7)
    fig.suptitle(title or run_title(run), fontsize=10)
    return fig


def plot_pareto(run: Run, path: str | Path, title: str | None = None) -> Path:
    """Scatter of every model the run trained (a trial at one fidelity), first objective against
    each other objective, coloured by instance type; the Pareto set (all objectives) is drawn
    with black edges and the 2-D front of each panel as a step line; the legend says so.
    Axes flagged log (:func:`axis_log`) are log-scaled with 1-2-5 ticks."""
    plt = _plt()
    fig = pareto_figure(run, title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_hypervolume(runs_by_method: dict[str, Sequence[Run]], normalizer: Normalizer,
                     path: str | Path, axis: str = "time", title: str | None = None,
                     num_points: int = 60) -> Path:
    """Hypervolume against tuning time or dollars spent: mean over seeds with a band of one
    standard deviation (min-max when fewer than 3 seeds), common normalisation."""
    plt = _plt()
    all_runs = [r for lst in runs_by_method.values() for r in lst]
    if axis == "time":
        x_max = max(float(r.results["st_tuner_time"].max()) for r in all_runs if len(r.results))
    else:
        x_max = max(float(r.dollars_spent()[-1]) for r in all_runs if len(r.results))
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, (method, runs) in enumerate(runs_by_method.items()):
        grid, curves = curves_over_seeds(runs, normalizer, axis=axis, num_points=num_points, x_max=x_max)
        mean = curves.mean(axis=0)
        if len(runs) >= 3:
            lo, hi = mean - curves.std(axis=0), mean + curves.std(axis=0)
        else:
            lo, hi = curves.min(axis=0), curves.max(axis=0)
        color = plt.get_cmap("tab10")(i % 10)
        ax.plot(grid, mean, label=f"{method} (n={len(runs)})", color=color)
        ax.fill_between(grid, lo, hi, color=color, alpha=0.2)
    ax.set_xlabel("tuning time (s)" if axis == "time" else "tuning cost ($)")
    ax.set_ylabel("hypervolume (normalised)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title(title or f"hypervolume vs {axis}", fontsize=10)
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.13, top=0.9)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


_UNITS = {"runtime": "training seconds", "cost": "training dollars", "st_worker_cost": "dollars",
          "st_worker_time": "seconds"}


def _axis_label(name: str, mode: str) -> str:
    unit = _UNITS.get(name)
    direction = "lower is better" if mode == "min" else "higher is better"
    return f"{name} ({unit}; {direction})" if unit else f"{name} ({direction})"
