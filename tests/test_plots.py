"""Tick labels of the PNG plots' cost axes never overlap (issue 24, item 4).

A cost axis near $1e-4 spanning less than a factor of 10 is linear, and matplotlib's default
formatter wrote it "0.000100 0.000125 0.000150 ...", each label running into the next; a log cost
axis (3e-5 to 2e-3 dollars) keeps its 1-2-5 ticks apart. Checked with the plots module's own
``labels_overlap`` on the figure ``plot_pareto`` saves, one and two panels.
"""
import json
import re

import numpy as np
import pandas as pd
import pytest

from syne_mohb.experiments.analysis import load_run
from syne_mohb.experiments.plots import labels_overlap, linear_tick_formatter, pareto_figure


def _cost_run(root, lo, hi, objectives, n=60):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({
        "trial_id": np.arange(n), "epoch": 1, "st_tuner_time": np.arange(1.0, n + 1),
        "accuracy": rng.uniform(0.1, 0.98, n), "st_worker_time": np.geomspace(0.003, 1.5, n),
        "st_worker_cost": rng.permutation(np.geomspace(lo, hi, n))})
    folder = root / f"cost-{lo:g}-{hi:g}-{len(objectives)}"
    folder.mkdir(parents=True)
    df.to_csv(folder / "results.csv.zip", index=False)
    (folder / "metadata.json").write_text(json.dumps({
        "metric_names": objectives, "metric_mode": ["max"] + ["min"] * (len(objectives) - 1),
        "scheduler_name": "MOASHA"}))
    return load_run(folder)


def _shown(ax):
    lo, hi = sorted(ax.xaxis.get_view_interval())
    return [t for t in ax.xaxis.get_major_ticks()
            if lo <= t.get_loc() <= hi and t.label1.get_visible() and t.label1.get_text()]


@pytest.mark.parametrize("objectives", [["accuracy", "st_worker_cost"],
                                        ["accuracy", "st_worker_time", "st_worker_cost"]])
@pytest.mark.parametrize("lo,hi", [(1e-4, 3e-4), (1e-4, 5e-4), (1.5e-4, 3e-4), (5e-5, 2e-4),
                                   (3e-5, 2e-3), (2e-5, 1e-3), (1e-5, 3e-4)])
def test_cost_axis_labels_near_1e_4_do_not_overlap(tmp_path, lo, hi, objectives):
    import matplotlib.pyplot as plt

    fig = pareto_figure(_cost_run(tmp_path, lo, hi, objectives))
    try:
        fig.canvas.draw()
        ax = next(a for a in fig.axes if a.get_xlabel() == "cost ($; lower is better)")
        assert ax.get_xscale() == ("log" if hi / lo >= 10 else "linear")
        texts = [t.label1.get_text() for t in _shown(ax)]
        assert len(texts) >= 3, texts
        assert not labels_overlap(ax.xaxis, pad_px=2.0), texts
        assert all(re.fullmatch(r"[0-9.]+(e-?[0-9]+)?", t) for t in texts), texts
        for t in _shown(ax):  # every label names its tick's value
            assert float(t.label1.get_text()) == pytest.approx(t.get_loc(), rel=1e-2)
    finally:
        plt.close(fig)


def test_linear_formatter_writes_zero_negatives_and_one_notation():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        ax.set_xlim(-2e-4, 4e-4)
        fmt = linear_tick_formatter()
        ax.xaxis.set_major_formatter(fmt)
        locs = [-2e-4, 0.0, 2e-4, 4e-4]
        fmt.set_locs(locs)
        assert [fmt(v) for v in locs] == ["-2e-4", "0", "2e-4", "4e-4"]
        ax.set_xlim(0, 0.5)
        fmt.set_locs([0.0, 0.25, 0.5])
        assert [fmt(v) for v in (0.0, 0.25, 0.5)] == ["0", "0.25", "0.5"]
    finally:
        plt.close(fig)
