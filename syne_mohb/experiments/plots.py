"""PNG plots (matplotlib, Agg backend): Pareto fronts by instance type, hypervolume curves.

Replaces Syne Tune 0.16's ``ExperimentResult.plot_hypervolume`` (which only accepts "max"
modes, feeds unnegated values to a minimising hypervolume and plots an unsorted x-axis).
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Sequence

import numpy as np

from syne_mohb.experiments.analysis import Run
from syne_mohb.experiments.metrics import Normalizer, curves_over_seeds, recorded_log_flags
from syne_mohb.pareto import normalize_modes, pareto_mask

__all__ = ["axis_log", "labels_overlap", "linear_tick_formatter", "log_tick_formatter", "log_ticks",
           "objective_name", "pareto_figure", "plot_hypervolume", "plot_pareto", "run_title",
           "scientific_labels", "tick_label"]


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
        from syne_mohb.blackboxes.repository import label

        return f"{label(info['benchmark'])} / {info['task']}: {run.label} ({run.path.name})"
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


#: log-axis tick labels are plain decimals when every labelled tick lies in [low, high)
PLAIN_RANGE = (1e-3, 1e5)
#: major ticks of a log axis per decade, densest first: 1-2-5, 1-3, decades
_LOG_SUBS = ((1.0, 2.0, 5.0), (1.0, 3.0), (1.0,))


def scientific_labels(values) -> bool:
    """Whether the tick labels of a log axis showing ``values`` are written ``3e-7`` (some
    value lies outside :data:`PLAIN_RANGE`) rather than as plain decimals ``0.003`` -- one
    notation for the whole axis, never a mix."""
    v = np.asarray([x for x in values if np.isfinite(x) and x > 0], dtype=float)
    return bool(len(v) and (v.min() < PLAIN_RANGE[0] or v.max() >= PLAIN_RANGE[1]))


def tick_label(x: float, scientific: bool) -> str:
    """``x`` (> 0) to 3 significant digits: ``0.003`` / ``300``, or ``3e-7`` / ``3e2`` when
    ``scientific``."""
    if not (np.isfinite(x) and x > 0):
        return ""
    x = float(f"{x:.3g}")
    if not scientific:
        return np.format_float_positional(x, trim="-")
    exp = int(np.floor(np.log10(x)))
    mantissa = float(f"{x / 10 ** exp:.3g}")
    if mantissa >= 10:
        mantissa, exp = mantissa / 10, exp + 1
    return f"{mantissa:g}e{exp}"


def log_ticks(lo: float, hi: float, max_ticks: int = 6) -> tuple[list[float], list[str]]:
    """Major ticks of a log axis from ``lo`` to ``hi`` (> 0) for a plot whose size is not known
    here (the HTML report): 1-2-5 steps, else 1-3, else decades, else every k-th decade,
    whichever first gives at most ``max_ticks``; labels in one notation
    (:func:`scientific_labels`, :func:`tick_label`). ``([], [])`` for an empty range.

    :raises ValueError: ``max_ticks`` is not a positive int
    """
    if isinstance(max_ticks, bool) or not isinstance(max_ticks, (int, np.integer)) \
            or max_ticks < 1:
        raise ValueError(f"max_ticks must be a positive int, got {max_ticks!r}")
    if not (np.isfinite(lo) and np.isfinite(hi) and hi >= lo > 0):
        return [], []
    first, last = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))

    def within(subs):
        vals = [float(f"{m * 10.0 ** e:.6g}") for e in range(first, last + 1) for m in subs]
        return [v for v in vals if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)]

    values = []
    for subs in _LOG_SUBS:
        values = within(subs)
        if len(values) <= max_ticks:
            break
    else:
        values = values[::int(np.ceil(len(values) / max_ticks))]
    sci = scientific_labels(values)
    return values, [tick_label(v, sci) for v in values]


def log_tick_formatter():
    """A matplotlib ``Formatter`` writing :func:`tick_label`, the notation decided per axis
    from the ticks in view (:func:`scientific_labels`)."""
    from matplotlib.ticker import Formatter

    class _Formatter(Formatter):
        scientific = False

        def set_locs(self, locs):
            super().set_locs(locs)
            lo, hi = sorted(self.axis.get_view_interval()) if self.axis is not None else (0, np.inf)
            self.scientific = scientific_labels([v for v in locs if lo <= v <= hi])

        def __call__(self, x, pos=None):
            return tick_label(x, self.scientific)

    return _Formatter()


def _set_log_ticks(axis, subs: tuple[float, ...], numticks: int | str = "auto") -> None:
    from matplotlib.ticker import LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=subs, numticks=numticks))
    axis.set_major_formatter(log_tick_formatter())
    axis.set_minor_locator(LogLocator(base=10, subs=np.arange(2, 10) * 1.0, numticks=100))
    axis.set_minor_formatter(NullFormatter())


def _log_start(lo: float, hi: float) -> int:
    """Index into :data:`_LOG_SUBS`: 1-2-5 steps up to two decades, 1-3 up to five, else
    decades."""
    decades = np.log10(hi / lo) if hi > lo > 0 else 1.0
    return 0 if decades <= 2 else 1 if decades <= 5 else 2


def labels_overlap(axis, pad_px: float = 3.0) -> bool:
    """Whether two labelled major ticks of a drawn axis overlap (or come closer than
    ``pad_px``)."""
    lo, hi = sorted(axis.get_view_interval())
    boxes = []
    for tick in axis.get_major_ticks():
        label = tick.label1
        if lo <= tick.get_loc() <= hi and label.get_visible() and label.get_text():
            box = label.get_window_extent()
            boxes.append((box.x0, box.x1) if axis.axis_name == "x" else (box.y0, box.y1))
    boxes.sort()
    return any(a[1] + pad_px > b[0] for a, b in zip(boxes, boxes[1:]))


def _log_tick_options(axis, lo: float, hi: float) -> list:
    """Readable major ticks on a log axis from ``lo`` to ``hi`` (> 0), densest first, as the
    choices :func:`_fit_ticks` tries: 1-2-5 steps up to two decades, 1-3 steps up to five, else
    decades, thinned (1-3, then decades, then every k-th decade); labels in one notation
    (:func:`log_tick_formatter`); unlabelled minor ticks.

    (Matplotlib's default labels only the decades once the range exceeds one decade, which
    leaves two labels on a typical cost axis, and labels minor ticks in mathtext below one,
    which overlap.)
    """
    options = [(subs, "auto") for subs in _LOG_SUBS[_log_start(lo, hi):]] + \
        [((1.0,), n) for n in (6, 4, 3, 2)]
    return [lambda subs=subs, n=n: _set_log_ticks(axis, subs, n) for subs, n in options]


def linear_tick_formatter():
    """A matplotlib ``Formatter`` for a linear axis: :func:`tick_label` (3 significant digits,
    ``1.5e-4`` when a tick in view lies outside :data:`PLAIN_RANGE`, one notation per axis),
    ``0`` for zero and a minus sign for negative values; no offset text."""
    from matplotlib.ticker import Formatter

    class _Formatter(Formatter):
        scientific = False

        def set_locs(self, locs):
            super().set_locs(locs)
            lo, hi = (sorted(self.axis.get_view_interval()) if self.axis is not None
                      else (-np.inf, np.inf))
            tiny = 1e-12 * max(abs(lo), abs(hi))
            self.scientific = scientific_labels([abs(v) for v in locs
                                                 if lo <= v <= hi and abs(v) > tiny])

        def __call__(self, x, pos=None):
            lo, hi = sorted(self.axis.get_view_interval()) if self.axis is not None else (0.0, 0.0)
            if abs(x) <= 1e-12 * max(abs(lo), abs(hi), 1e-300):
                return "0"
            return ("-" if x < 0 else "") + tick_label(abs(x), self.scientific)

    return _Formatter()


def _linear_tick_options(axis) -> list:
    """Readable major ticks on a linear axis, densest first, as the choices :func:`_fit_ticks`
    tries: matplotlib's 1-2-5 steps, fewer and fewer of them, labelled by
    :func:`linear_tick_formatter`.

    (Matplotlib's default formatter writes a cost axis from 1e-4 to 5e-4 dollars as "0.00010",
    "0.00015", ..., which run into each other.)"""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_formatter(linear_tick_formatter())
    return [lambda nbins=nbins: axis.set_major_locator(MaxNLocator(nbins=nbins,
                                                                   steps=[1, 2, 5, 10]))
            for nbins in ("auto", 8, 6, 5, 4, 3, 2)]


def _fit_ticks(fig, choices: list[tuple[object, list]]) -> None:
    """Thin the ticks of several axes of one figure until no axis's labels overlap at the
    figure's final size and layout.

    :param choices: ``[(axis, [set ticks, ...])]``, each axis's tick setters densest first
        (:func:`_log_tick_options`, :func:`_linear_tick_options`)

    Every axis starts at its densest choice; after each layout (one
    ``draw_without_rendering``: the labels' extents, no pixels) every axis whose labels overlap
    (:func:`labels_overlap`) moves to its next choice, until none does or none has one left.
    All axes are checked at the same, final layout, since thinning one axis's labels moves the
    others. Cost: one layout per round, at most the longest list of choices (7) rounds; one
    round where the densest ticks fit.
    """
    at = [0] * len(choices)
    for _, options in choices:
        options[0]()
    while choices:
        fig.draw_without_rendering()
        moved = False
        for i, (axis, options) in enumerate(choices):
            if at[i] + 1 < len(options) and labels_overlap(axis):
                at[i] += 1
                options[at[i]]()
                moved = True
        if not moved:
            return


def pareto_figure(run: Run, title: str | None = None):
    """The figure of :func:`plot_pareto` (a matplotlib ``Figure``; close it when done).

    :raises ValueError: no result of the run has a value for every objective (nothing to plot;
        the message names the run and its objectives), an objective is not a column of its
        results, or its modes are not one "min"/"max" per objective
    """
    df = run.results
    objs = list(run.objectives)
    modes = normalize_modes(run.modes, len(objs), "run.modes")
    missing = [o for o in objs if o not in df.columns]
    if missing:
        raise ValueError(f"objectives {missing} of {run.path} are not columns of its results "
                         f"(columns: {list(df.columns)}): nothing to plot")
    complete = np.isfinite(df[objs].to_numpy(dtype=float)).all(axis=1)
    if len(df) and not complete.any():  # as the HTML report says it
        raise ValueError(f"no result of {run.path} has a value for every objective "
                         f"({', '.join(objs)}): nothing to plot")
    plt = _plt()
    from matplotlib.lines import Line2D

    others = list(range(1, len(objs))) or [0]
    fig, axes = plt.subplots(1, len(others), figsize=(max(6.4, 5.2 * len(others)), 5.0),
                             squeeze=False, layout="constrained")
    inst = run.instance_column
    groups = sorted(df[inst].astype(str).unique()) if inst else ["all"]
    cmap = plt.get_cmap("tab10")
    Y = df[objs].to_numpy(dtype=float)
    flags = recorded_log_flags([run])
    front = pareto_mask(Y, modes) if len(Y) else np.zeros(0, dtype=bool)
    log_axes, linear_axes = [], []
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
            log_axes.append((ax.xaxis, float(finite.min()), float(finite.max())))
        else:
            linear_axes.append(ax.xaxis)
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
    # at the final layout: labels that would overlap are thinned
    _fit_ticks(fig, [(axis, _log_tick_options(axis, lo, hi)) for axis, lo, hi in log_axes]
               + [(axis, _linear_tick_options(axis)) for axis in linear_axes])
    return fig


def plot_pareto(run: Run, path: str | Path, title: str | None = None) -> Path:
    """Scatter of every model the run trained (a trial at one fidelity), first objective against
    each other objective, coloured by instance type; the Pareto set (all objectives) is drawn
    with black edges and the 2-D front of each panel as a step line; the legend says so.
    Axes flagged log (:func:`axis_log`) are log-scaled with 1-2-5 ticks.

    :param path: the image file (its suffix picks the format; none: ``.png`` is added)
    :return: the file written
    :raises ValueError: no result of the run has a value for every objective (nothing written),
        or ``path`` is a folder
    """
    plt = _plt()
    path = _image_path(path)
    fig = pareto_figure(run, title)
    fig.set_layout_engine("none")  # keep the layout its ticks were fitted at: no second one
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_hypervolume(runs_by_method: dict[str, Sequence[Run]], normalizer: Normalizer,
                     path: str | Path, axis: str = "time", title: str | None = None,
                     num_points: int = 60) -> Path:
    """Hypervolume against tuning time or dollars spent: mean over seeds with a band of one
    standard deviation (min-max when fewer than 3 seeds), common normalisation. A method
    without runs is left out; a run without results counts as hypervolume 0.

    :param runs_by_method: ``{method: [runs, one per seed]}``
    :param path: the image file (its suffix picks the format; none: ``.png`` is added)
    :return: the file written
    :raises ValueError: ``runs_by_method`` is not such a dict or no run has results, ``axis``
        is not "time" or "dollars", ``axis="dollars"`` and no run records dollars (a
        ``st_worker_cost`` or ``cost`` column), or ``path`` is a folder
    """
    if not isinstance(runs_by_method, Mapping) or any(
            isinstance(v, Run) or not isinstance(v, Sequence) for v in runs_by_method.values()):
        raise ValueError("runs_by_method must be a dict {method: [runs, one per seed]}, got "
                         f"{type(runs_by_method).__name__}"
                         + (f" { {k: type(v).__name__ for k, v in runs_by_method.items()}}"
                            if isinstance(runs_by_method, Mapping) else ""))
    if axis not in ("time", "dollars"):
        raise ValueError(f"axis must be 'time' or 'dollars', got {axis!r}")
    runs_by_method = {m: list(lst) for m, lst in runs_by_method.items() if len(lst)}
    all_runs = [r for lst in runs_by_method.values() for r in lst if len(r.results)]
    if not all_runs:
        raise ValueError("no run in runs_by_method has results: nothing to plot")
    path = _image_path(path)
    if axis == "time":
        x_max = max(float(r.results["st_tuner_time"].max()) for r in all_runs)
    else:
        spent = np.array([float(r.dollars_spent()[-1]) for r in all_runs])
        if not np.isfinite(spent).any():
            raise ValueError("axis='dollars': no run records dollars (a st_worker_cost or cost "
                             "column); use axis='time'")
        x_max = float(np.nanmax(spent))
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, (method, runs) in enumerate(runs_by_method.items()):
        grid, curves = curves_over_seeds(runs, normalizer, axis=axis, num_points=num_points,
                                         x_max=x_max)
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _image_path(path: str | Path) -> Path:
    """The file a plot is written to: ``path``, with ``.png`` added where it has no suffix (as
    matplotlib does when it saves); ``ValueError`` for an existing folder."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"path {str(path)!r} is a folder: give the image file, e.g. "
                         f"{str(path / 'plot.png')!r}")
    return path if path.suffix else path.with_name(path.name + ".png")


#: units of objectives whose unit is known (local runs report Syne Tune's worker columns)
_UNITS = {"runtime": "s", "cost": "$", "st_worker_cost": "$", "st_worker_time": "s"}
#: objectives shown under a plainer name
_NAMES = {"st_worker_cost": "cost", "st_worker_time": "time"}


def objective_name(name: str) -> str:
    """The name an objective is shown under: ``st_worker_cost`` is "cost", ``st_worker_time``
    "time", any other its own name."""
    return _NAMES.get(name, name)


def _axis_label(name: str, mode: str, unit: str | None = None, shown: str | None = None) -> str:
    """``"cost ($; lower is better)"``: the shown name (given, else :func:`objective_name`),
    the unit (given, else known from the name) and the direction."""
    unit = unit or _UNITS.get(name)
    direction = "lower is better" if mode == "min" else "higher is better"
    shown = shown or objective_name(name)
    return f"{shown} ({unit}; {direction})" if unit else f"{shown} ({direction})"
