"""``syne-mohb report`` on a local run (issue 17, item 17) and on folders with empty results
(item 13): epoch column, titles, legend, log-axis ticks, skipped folders.

The local run folder is written in the layout Syne Tune 0.16's ``Tuner`` gives a
``LocalBackend`` run of our MO-ASHA (columns and metadata keys as recorded from
``examples/moasha_local_digits.py``; the metadata is the scheduler's own ``metadata()``), with
fixed values so that the expected Pareto set is known.
"""
import json
import re

import numpy as np
import pandas as pd
import pytest
from syne_tune.config_space import choice, loguniform

from syne_mohb import MOASHA
from syne_mohb.cli import main
from syne_mohb.experiments.analysis import load_run, pareto_table
from syne_mohb.experiments.report import make_report


def pareto_figure(run):
    """The figure ``plot_pareto`` saves (captured at ``savefig``, so that the test reads what
    the PNG shows)."""
    from matplotlib.figure import Figure

    from syne_mohb.experiments.plots import plot_pareto

    captured = []
    real = Figure.savefig

    def capture(fig, *args, **kwargs):
        captured.append(fig)
        return real(fig, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Figure, "savefig", capture)
        plot_pareto(run, run.path / "pareto-test.png")
    return captured[0]


def run_title(run):
    from syne_mohb.experiments.plots import run_title

    return run_title(run)


def load_runs(folder):
    from syne_mohb.experiments.report import load_runs

    return load_runs(folder)


METRICS = ["accuracy", "elapsed_time", "st_worker_cost"]
MODES = ["max", "min", "min"]
# trial -> (seconds per epoch, $/hour, accuracy per epoch, lr, hidden); every config says epochs=9
TRIALS = {
    0: (0.01, 1.0, [0.5, 0.6, 0.7], 1e-3, 16),
    1: (0.05, 0.8, [0.8, 0.9], 1e-2, 64),
    2: (0.2, 0.5, [0.85, 0.93, 0.95], 3e-2, 128),
    3: (0.1, 0.6, [0.3], 1e-4, 8),
}


def write_local_run(root, name="moasha-local-2026-01-01-00-00-00-000", with_cost=True,
                    entrypoint="train_digits", epochs=9, metrics=None):
    """A local run; ``metrics`` (default: METRICS, without st_worker_cost if not ``with_cost``)
    are the scheduler's, every column of METRICS and st_worker_time is reported."""
    space = {"lr": loguniform(1e-4, 1e-1), "hidden": choice([8, 16, 64, 128]), "epochs": epochs}
    metrics = metrics or (METRICS if with_cost else METRICS[:2])
    modes = ["max" if m == "accuracy" else "min" for m in metrics]
    scheduler = MOASHA(space, metrics=metrics, mode=modes, time_attr="epoch",
                       max_t=9, grace_period=1, reduction_factor=3, random_seed=0)
    meta = {"st_tuner_creation_timestamp": 1.7e9, "entrypoint": entrypoint,
            "backend": "LocalBackend", **scheduler.metadata(), "st_tuner_start_timestamp": 1.7e9}
    rows, clock = [], 1.0
    for trial, (per_epoch, price, accs, lr, hidden) in TRIALS.items():
        for epoch, acc in enumerate(accs, start=1):
            clock += 0.3
            row = {"epoch": epoch, "accuracy": acc, "elapsed_time": epoch * per_epoch,
                   "st_worker_timestamp": 1.7e9 + clock, "st_worker_time": epoch * per_epoch,
                   "st_worker_iter": epoch - 1,
                   "st_decision": "CONTINUE" if epoch < len(accs) else "STOP",
                   "st_status": "InProgress", "trial_id": trial, "config_lr": lr,
                   "config_hidden": hidden, "config_epochs": epochs, "st_tuner_time": clock}
            if with_cost:
                row["st_worker_cost"] = epoch * per_epoch * price / 3600
            rows.append(row)
    folder = root / name
    folder.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(folder / "results.csv.zip", index=False)
    (folder / "metadata.json").write_text(json.dumps(meta))
    return folder


@pytest.fixture()
def local_run(tmp_path):
    return write_local_run(tmp_path / "syne-tune")


def test_pareto_table_lists_the_epoch_of_each_model(local_run):
    tab = pareto_table(load_run(local_run))
    assert list(tab.columns[:2]) == ["trial_id", "epoch"]
    # trial 0 at epoch 1 is the cheapest and fastest model: it is on the front at epoch 1,
    # although its configuration says epochs=9
    row = tab[(tab.trial_id == 0) & np.isclose(tab.elapsed_time, 0.01)]
    assert len(row) == 1 and row.epoch.iloc[0] == 1 and row.epochs.iloc[0] == 9
    # every (trial, epoch) of the front is its own row
    assert not tab.duplicated(["trial_id", "epoch"]).any()
    assert set(map(tuple, tab[["trial_id", "epoch"]].to_numpy())) == {
        (0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (2, 2), (2, 3)}


def test_report_command_on_a_local_run(local_run, tmp_path, capsys, monkeypatch):
    """Epoch column, titles naming the run (not "syne-tune / -"), one Pareto table per run,
    an empty results file beside it skipped with its reason."""
    import syne_mohb.experiments.report as report

    empty = local_run.parent / "empty-run"
    empty.mkdir()
    # what Syne Tune's Tuner writes for a run that got no result (e.g. --max-trials 0 before)
    pd.DataFrame().to_csv(empty / "results.csv.zip", index=False)
    titles = []
    real = report.plot_hypervolume

    def recording(*args, **kwargs):
        titles.append(kwargs["title"])
        return real(*args, **kwargs)

    monkeypatch.setattr(report, "plot_hypervolume", recording)
    assert main(["report", str(local_run.parent), "--output", str(tmp_path / "rep")]) == 0
    captured = capsys.readouterr()
    out = captured.out
    header = next(line for line in out.splitlines() if line.lstrip().startswith("trial_id"))
    assert header.split()[:2] == ["trial_id", "epoch"]
    assert f"Pareto set {local_run.name} (MOASHA) (all 7 shown; all in " in out
    assert " / -" not in out and "syne-tune__" not in out
    assert titles == [f"{local_run.name}: hypervolume vs time",
                      f"{local_run.name}: hypervolume vs dollars"]
    assert f"skipped {empty}: results.csv.zip is empty" in captured.err
    pngs = sorted(p.name for p in (tmp_path / "rep").glob("*.png"))
    assert pngs == [f"{local_run.name}__{k}.png" for k in
                    ("hypervolume_vs_dollars", "hypervolume_vs_time", "pareto")]


def test_run_title_names_the_run(local_run):
    run = load_run(local_run)
    assert run_title(run) == f"{local_run.name}: MOASHA, 4 trials, 9 results"
    assert pareto_figure(run)._suptitle.get_text() == run_title(run)


def test_legend_explains_marks_and_step_line(local_run):
    fig = pareto_figure(load_run(local_run))
    texts = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert any("a trial at one epoch" in t for t in texts)
    assert any("black edge" in t and "Pareto set" in t for t in texts)
    assert any("step line" in t for t in texts)


def _labelled_ticks(fig, ax):
    fig.canvas.draw()
    lo, hi = ax.get_xlim()
    ticks = ax.xaxis.get_major_ticks() + ax.xaxis.get_minor_ticks()
    return [t for t in ticks if t.label1.get_visible() and t.label1.get_text()
            and lo <= t.get_loc() <= hi]


def test_log_cost_axis_has_enough_non_overlapping_labels(local_run):
    run = load_run(local_run)
    cost = run.results["st_worker_cost"]
    assert 1.4 < np.log10(cost.max() / cost.min()) < 1.6  # the case that showed 2 labels
    fig = pareto_figure(run)
    ax = next(a for a in fig.axes if a.get_xlabel() == "cost ($; lower is better)")
    assert ax.get_xscale() == "log"
    ticks = _labelled_ticks(fig, ax)
    assert len(ticks) >= 4, [t.label1.get_text() for t in ticks]
    boxes = sorted((t.label1.get_window_extent().x0, t.label1.get_window_extent().x1)
                   for t in ticks)
    assert all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:])), boxes
    values = sorted(t.get_loc() for t in ticks)
    assert all(re.fullmatch(r"[0-9.e+-]+", t.label1.get_text()) for t in ticks)
    assert values[0] >= ax.get_xlim()[0]


def test_no_dollar_plot_without_cost(tmp_path):
    folder = write_local_run(tmp_path / "runs", with_cost=False)
    rep = make_report(folder.parent, out_dir=tmp_path / "rep")
    names = [p.name for p in rep["plots"]]
    assert any("hypervolume_vs_time" in n for n in names)
    assert not any("hypervolume_vs_dollars" in n for n in names)


def test_load_runs_skips_an_empty_results_file_and_says_why(local_run):
    empty = local_run.parent / "empty-run"
    empty.mkdir()
    pd.DataFrame().to_csv(empty / "results.csv.zip", index=False)
    runs, skipped = load_runs(local_run.parent)
    assert [r.path for r in runs] == [local_run]
    assert skipped == [(empty, "results.csv.zip is empty (the run reported no result)")]


def test_report_of_only_empty_results_is_a_one_line_error(local_run, capsys):
    header_only = pd.read_csv(local_run / "results.csv.zip").iloc[:0]
    header_only.to_csv(local_run / "results.csv.zip", index=False)
    assert main(["report", str(local_run.parent)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert f"no readable run below {local_run.parent}" in err and "holds no result" in err


def test_truncated_results_zip_is_skipped_with_its_reason(local_run, tmp_path):
    other = write_local_run(local_run.parent, name="other-run")
    data = (other / "results.csv.zip").read_bytes()
    (other / "results.csv.zip").write_bytes(data[: len(data) // 2])
    runs, skipped = load_runs(local_run.parent)
    assert [r.path for r in runs] == [local_run]
    assert skipped[0][0] == other and "not a valid zip file" in skipped[0][1]


# ------------------------------------------------------------------ issue 23, item 7
def _cost_run(root, lo, hi, n=60):
    """A local run whose worker cost spans ``lo`` to ``hi`` dollars (and time 0.003 to 1.5 s),
    with the three objectives of the demo's Pareto plot (two panels)."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({
        "trial_id": np.arange(n), "epoch": 1, "st_tuner_time": np.arange(1.0, n + 1),
        "accuracy": rng.uniform(0.1, 0.98, n), "st_worker_time": np.geomspace(0.003, 1.5, n),
        "st_worker_cost": np.geomspace(lo, hi, n), "config_lr": rng.uniform(0, 1, n)})
    folder = root / f"cost-{lo:g}-{hi:g}"
    folder.mkdir(parents=True)
    df.to_csv(folder / "results.csv.zip", index=False)
    (folder / "metadata.json").write_text(json.dumps({
        "metric_names": ["accuracy", "st_worker_time", "st_worker_cost"],
        "metric_mode": ["max", "min", "min"], "scheduler_name": "MOASHA"}))
    return load_run(folder)


@pytest.mark.parametrize("lo,hi", [(3e-7, 1.5e-3), (5e-5, 3e-3), (1e-4, 2e-3), (0.01, 2.0),
                                   (2.0, 3e6)])
def test_log_axis_labels_never_overlap_and_use_one_notation(tmp_path, lo, hi):
    """Item 7: the demo's cost axis read "0.00010.0003" and mixed 3e-07 with 0.001."""
    fig = pareto_figure(_cost_run(tmp_path, lo, hi))
    for ax in fig.axes[:2]:
        assert ax.get_xscale() == "log"
        ticks = _labelled_ticks(fig, ax)
        texts = [t.label1.get_text() for t in ticks]
        assert len(ticks) >= 3, texts
        boxes = sorted((t.label1.get_window_extent().x0, t.label1.get_window_extent().x1)
                       for t in ticks)
        assert all(a[1] < b[0] for a, b in zip(boxes, boxes[1:])), texts
        scientific = [bool(re.fullmatch(r"[0-9.]+e-?[0-9]+", t)) for t in texts]
        assert all(scientific) or not any(scientific), texts
        assert all(re.fullmatch(r"[0-9.]+(e-?[0-9]+)?", t) for t in texts), texts
        for t in ticks:  # every label names its tick's value
            assert float(t.label1.get_text()) == pytest.approx(t.get_loc(), rel=1e-2)


def test_local_run_axes_say_cost_and_time_with_units(tmp_path):
    """Item 7: local runs labelled their axes st_worker_cost / st_worker_time."""
    fig = pareto_figure(_cost_run(tmp_path, 1e-4, 1e-2))
    labels = [ax.get_xlabel() for ax in fig.axes[:2]] + [fig.axes[0].get_ylabel()]
    assert labels == ["time (s; lower is better)", "cost ($; lower is better)",
                      "accuracy (higher is better)"]
