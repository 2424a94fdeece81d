"""``syne-mohb report`` defects a user reproduced: a hyperparameter named like a metric or the
fidelity, objectives the run did not tune, simulated runs of other budgets and repeated seeds
pooled, an objective without any value, a truncated ``metadata.json`` not named.

The runs are small hand-made folders in the layouts of a local run
(``test_report_tables.write_local_run``) and of ``syne-mohb bench``
(``test_report_groups._toy_run``).
"""
import json
import logging

import numpy as np
import pandas as pd
import pytest
from test_report_groups import _toy_run
from test_report_tables import write_local_run

import syne_mohb
from syne_mohb.cli import main
from syne_mohb.experiments.analysis import find_runs, group_labels, group_runs, load_run
from syne_mohb.experiments.report import load_runs, make_report


def _run_folder(folder, df, meta):
    folder.mkdir(parents=True)
    df.to_csv(folder / "results.csv.zip", index=False)
    (folder / "metadata.json").write_text(json.dumps(meta))
    return folder


# ------------------------------------------------------------------ 1: name clashes
def _sklearn_run(root):
    """A run of a script whose hyperparameters ``loss`` and ``epoch`` are named like its metric
    ``loss`` and its fidelity ``epoch``."""
    rows = []
    for trial, (hp_loss, losses) in enumerate([("hinge", [0.4, 0.2, 0.1]),
                                               ("log_loss", [0.3, 0.25]),
                                               ("modified_huber", [0.5])]):
        for epoch, loss in enumerate(losses, start=1):
            rows.append({"trial_id": trial, "epoch": epoch, "loss": loss,
                         "st_worker_time": epoch * (trial + 1.0),
                         "st_tuner_time": float(len(rows) + 1), "config_loss": hp_loss,
                         "config_epoch": 3, "config_alpha": 10.0 ** -trial})
    meta = {"entrypoint": "train.py", "metric_names": ["loss", "st_worker_time"],
            "metric_mode": ["min", "min"], "scheduler_name": "MOASHA",
            "scheduler_kwargs": {"time_attr": "epoch"}}
    return _run_folder(root / "r", pd.DataFrame(rows), meta)


def test_hyperparameter_named_like_a_metric_or_the_fidelity_keeps_its_prefix(tmp_path, capsys):
    """It stopped with pandas' "The column label 'loss' is not unique"; a hyperparameter
    ``epoch`` gave the Pareto CSV two ``epoch`` columns."""
    run = _sklearn_run(tmp_path / "mix")
    assert main(["report", str(tmp_path / "mix"), "--output", str(tmp_path / "rep")]) == 0
    assert "not unique" not in capsys.readouterr().err
    csv = pd.read_csv(tmp_path / "rep" / "r__pareto.csv")
    assert list(csv.columns) == ["trial_id", "epoch", "config_loss", "config_epoch", "alpha",
                                 "loss", "st_worker_time"]
    # the objective column holds the metric, the prefixed one the hyperparameter
    assert csv["loss"].dtype == float and set(csv["config_loss"]) <= {"hinge", "log_loss",
                                                                      "modified_huber"}
    assert (csv["config_epoch"] == 3).all() and csv["epoch"].min() == 1
    front = syne_mohb.pareto_set(run)  # the same table as the run's Pareto set
    assert list(front.columns) == list(csv.columns)
    pd.testing.assert_frame_equal(front.reset_index(drop=True), csv, check_dtype=False)


# ------------------------------------------------------------------ 2: recorded objectives
ROWS = pd.DataFrame({  # (accuracy, runtime, cost): trial 1 is on the 3-D front only (runtime)
    "trial_id": [0, 1, 2], "epoch": 1, "st_tuner_time": [1.0, 2.0, 3.0],
    "accuracy": [0.9, 0.8, 0.7], "runtime": [1.0, 0.5, 2.0], "cost": [1.0, 2.0, 3.0],
    "st_worker_time": [1.0, 0.5, 2.0], "config_x": [1, 2, 3]})


def test_report_uses_the_objectives_the_run_recorded(tmp_path):
    """A run that tuned accuracy and cost was reported with accuracy, runtime and cost (more
    Pareto rows than ``pareto_set``) because it also reports a ``runtime`` column."""
    run = _run_folder(tmp_path / "runs" / "run1", ROWS, {
        "entrypoint": "simulated", "scheduler_name": "MOASHA",
        "metric_names": ["accuracy", "cost"], "metric_mode": ["max", "min"]})
    loaded = load_run(run)
    assert (loaded.objectives, loaded.modes) == (["accuracy", "cost"], ["max", "min"])
    rep = make_report(tmp_path / "runs", out_dir=tmp_path / "rep")
    table = rep["pareto"]["run1 (MOASHA)"]
    assert list(table["trial_id"]) == [0] == list(syne_mohb.pareto_set(run)["trial_id"])
    assert "runtime" not in table.columns
    assert "objectives accuracy (max), cost (min)," in rep["groups"][0][1]


def test_objectives_of_simulated_runs_and_of_runs_that_record_none(tmp_path):
    """A simulated run keeps the objectives of its ``syne_mohb`` entry (asha-default's
    scheduler records accuracy only); the accuracy/runtime/cost convention is for runs that
    record no objectives."""
    sim = _toy_run(tmp_path / "bench", "asha-default", 0, [0.5, 0.9])
    meta = json.loads((sim / "metadata.json").read_text())
    meta.update({"metric_names": ["accuracy"], "metric_mode": "max"})
    (sim / "metadata.json").write_text(json.dumps(meta))
    assert load_run(sim).objectives == ["accuracy", "runtime", "cost"]
    bare = _run_folder(tmp_path / "bare", ROWS, {})
    loaded = load_run(bare)
    assert (loaded.objectives, loaded.modes) == (["accuracy", "runtime", "cost"],
                                                 ["max", "min", "min"])


# ------------------------------------------------------------------ 3: run parameters
def _seeds_of(groups):
    return {label: {m: [r.info["seed"] for r in lst] for m, lst in groups[key].items()}
            for key, label in group_labels(groups).items()}


def test_runs_with_other_budgets_are_other_groups(tmp_path, capsys):
    """Two bench outputs with budgets 10 s and 5 s were pooled into one group (seed 0 counted
    twice, one tuning time for both)."""
    root = tmp_path / "combo"
    for seed in (0, 1):
        _toy_run(root / "A", "asha-default", seed, [0.5, 0.9, 0.7], budget=10.0)
        _toy_run(root / "A", "late", seed, [0.5, 0.6, 0.7, 0.9], budget=10.0)
    _toy_run(root / "B", "asha-default", 0, [0.5, 0.9], budget=5.0)
    _toy_run(root / "B", "late", 0, [0.5, 0.9], budget=5.0)
    seeds = _seeds_of(group_runs(find_runs(root)))
    assert seeds == {"toy / t [budget 10 s]": {"asha-default": [0, 1], "late": [0, 1]},
                     "toy / t [budget 5 s]": {"asha-default": [0], "late": [0]}}
    assert main(["report", str(root), "--output", str(tmp_path / "rep")]) == 0
    out = capsys.readouterr().out
    assert "toy / t [budget 5 s]: benchmark toy, task t, objectives accuracy (max), " \
           "runtime (min), cost (min), budget 5 s; asha-default (1 seed); late (1 seed)" in out
    per_run = pd.read_csv(tmp_path / "rep" / "time_to_target.csv")
    assert not per_run.duplicated(["group", "method", "seed"]).any()
    summary = pd.read_csv(tmp_path / "rep" / "summary.csv").set_index(["group", "method"])
    assert summary.loc[("toy / t [budget 5 s]", "late"), "tuning_time_s"] == 2.0
    assert summary.loc[("toy / t [budget 10 s]", "late"), "tuning_time_s"] == 4.0
    # each group's Pareto table is printed under its own name
    assert "Pareto set toy/t/late/seed-0 [budget 5 s] (" in out
    assert "Pareto set toy/t/late/seed-0 [budget 10 s] (" in out


def test_a_repeated_seed_is_never_counted_twice(tmp_path):
    """Two bench outputs with the same parameters (a copy of a run) hold seed 0 twice: they
    are told apart by their output folder, not pooled as more seeds."""
    root = tmp_path / "runs"
    for out in ("A", "C"):
        _toy_run(root / out, "asha-default", 0, [0.5, 0.9])
        _toy_run(root / out, "late", 0, [0.5, 0.9])
    _toy_run(root / "A", "late", 1, [0.5, 0.9])
    seeds = _seeds_of(group_runs(find_runs(root)))
    assert seeds == {f"toy / t [runs in {root / 'A'}]": {"asha-default": [0], "late": [0, 1]},
                     f"toy / t [runs in {root / 'C'}]": {"asha-default": [0], "late": [0]}}
    # without a repeat, runs of one benchmark in two output folders are one group
    _toy_run(root / "D", "never", 0, [0.5])
    runs = [r for r in find_runs(root) if "C" not in r.path.parts]
    assert _seeds_of(group_runs(runs)) == {"toy / t": {"asha-default": [0], "late": [0, 1],
                                                       "never": [0]}}


# ------------------------------------------------------------------ 4: no value to plot
def test_an_objective_without_any_value_is_named_and_the_rest_written(tmp_path, capsys, caplog):
    """It stopped with matplotlib's "Data cannot be log-scaled because all values are <= 0"
    (naming no run) and left a half-written report."""
    run = write_local_run(tmp_path / "runs")
    df = pd.read_csv(run / "results.csv.zip")
    df["accuracy"] = np.nan
    df.to_csv(run / "results.csv.zip", index=False)
    with caplog.at_level(logging.WARNING):
        assert main(["report", str(run.parent), "--output", str(tmp_path / "rep")]) == 0
    assert "Traceback" not in capsys.readouterr().err
    message = (f"no result of {run} has a value for every objective (accuracy, elapsed_time, "
               f"st_worker_cost): nothing to plot")
    assert message in caplog.text
    written = sorted(p.name for p in (tmp_path / "rep").iterdir())
    assert "summary.csv" in written and f"{run.name}__pareto.csv" in written
    assert f"{run.name}__pareto.png" not in written
    rep = make_report(run.parent, out_dir=tmp_path / "rep2")
    assert rep["plots_skipped"] == [(run, message)]

    from syne_mohb.experiments.plots import plot_pareto

    with pytest.raises(ValueError, match="nothing to plot"):
        plot_pareto(load_run(run), tmp_path / "p.png")
    assert not (tmp_path / "p.png").exists()


# ------------------------------------------------------------------ 5: which file
def test_a_truncated_metadata_file_is_named(tmp_path, capsys):
    good = write_local_run(tmp_path / "runs", name="good")
    bad = write_local_run(tmp_path / "runs", name="bad")
    text = (bad / "metadata.json").read_text()
    (bad / "metadata.json").write_text(text[:100])
    runs, skipped = load_runs(tmp_path / "runs")
    assert [r.path for r in runs] == [good]
    assert skipped[0][0] == bad
    assert skipped[0][1].startswith("metadata.json is unreadable (JSONDecodeError: "), skipped
    assert main(["report", str(tmp_path / "runs"), "--output", str(tmp_path / "rep")]) == 0
    assert f"skipped {bad}: metadata.json is unreadable (JSONDecodeError" in capsys.readouterr().err
    with pytest.raises(ValueError, match=f"{bad / 'metadata.json'} is unreadable"):
        load_run(bad)
