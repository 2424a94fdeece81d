"""PNG plots (matplotlib, Agg backend): Pareto fronts by instance type, hypervolume curves.

Replaces Syne Tune 0.16's ``ExperimentResult.plot_hypervolume`` (which only accepts "max"
modes, feeds unnegated values to a minimising hypervolume and plots an unsorted x-axis).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from syne_mohb.experiments.analysis import Normalizer, Run, curves_over_seeds
from syne_mohb.pareto import pareto_mask

__all__ = ["plot_pareto", "plot_hypervolume"]


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_pareto(run: Run, path: str | Path, title: str | None = None) -> Path:
    """Scatter of every model the run trained, first objective against each other objective,
    coloured by instance type; the Pareto set (all objectives) is drawn with black edges and the
    2-D front of each panel as a step line."""
    plt = _plt()
    df = run.results
    objs, modes = run.objectives, run.modes
    others = list(range(1, len(objs))) or [0]
    fig, axes = plt.subplots(1, len(others), figsize=(5.2 * len(others), 4.2), squeeze=False)
    inst = run.instance_column
    groups = sorted(df[inst].astype(str).unique()) if inst else ["all"]
    cmap = plt.get_cmap("tab10")
    Y = df[objs].to_numpy(dtype=float)
    front = pareto_mask(Y, modes) if len(Y) else np.zeros(0, dtype=bool)
    for ax, j in zip(axes[0], others):
        for g_i, g in enumerate(groups):
            sel = (df[inst].astype(str) == g).to_numpy() if inst else np.ones(len(df), dtype=bool)
            ax.scatter(Y[sel & ~front, j], Y[sel & ~front, 0], s=8, alpha=0.35, color=cmap(g_i % 10),
                       label=g)
            ax.scatter(Y[sel & front, j], Y[sel & front, 0], s=30, color=cmap(g_i % 10),
                       edgecolors="black", linewidths=0.8)
        two = pareto_mask(Y[:, [0, j]], [modes[0], modes[j]]) if len(Y) else np.zeros(0, bool)
        pts = Y[two][:, [j, 0]]
        pts = pts[np.argsort(pts[:, 0])]
        if len(pts):
            ax.step(pts[:, 0], pts[:, 1], where="post", color="black", lw=1)
        if ("runtime" in objs[j] or "cost" in objs[j]) and len(Y) and np.nanmin(Y[:, j]) > 0:
            ax.set_xscale("log")
        ax.set_xlabel(_axis_label(objs[j], modes[j]))
        ax.set_ylabel(_axis_label(objs[0], modes[0]))
        ax.grid(alpha=0.3)
    axes[0][0].legend(title="instance type" if inst else None, fontsize=7, markerscale=1.5)
    fig.suptitle(title or f"Pareto front: {run.label} ({run.path.name})", fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.13, top=0.88, wspace=0.25)
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
