"""Reading back runs whose trials changed instance type between segments (promotion with the
hardware policy): every reader labels a result by the type that trained its segment
(``segment_instance_type``), not by the trial's type at its last (re)start."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import syne_mohb
from syne_mohb.blackboxes import from_experiments
from syne_mohb.experiments.analysis import with_segment_types
from syne_mohb.experiments.recommendations import _segments

PRICE = {"local-cpu-1": 0.05, "local-cpu-2": 0.10}


def _run(tmp_path):
    """Trial 1 trained on local-cpu-2 only; its epoch-7 line was printed by that segment and
    read after the policy had moved the trial to local-cpu-1 (as seen in a real local run):
    the row's config says cpu-1, its segment cpu-2. Trial 3 really moved: epoch 1 on cpu-1,
    epoch 3 on cpu-2."""
    out = tmp_path / "run"
    out.mkdir()
    rows = []

    def add(trial, epoch, acc, secs, seg, cfg, lr, t):
        rows.append(dict(trial_id=trial, epoch=epoch, accuracy=acc, st_worker_time=secs,
                         st_worker_cost=secs * PRICE[seg] / 3600, segment_instance_type=seg,
                         config_lr=lr, config_epochs=9, config_instance_type=cfg,
                         st_tuner_time=t))

    add(0, 1, .90, 1.00, "local-cpu-1", "local-cpu-1", .01, 1.0)
    add(0, 2, .92, 1.10, "local-cpu-1", "local-cpu-1", .01, 1.1)
    add(1, 1, .95, 1.45, "local-cpu-2", "local-cpu-2", .02, 1.5)
    add(1, 7, .97, 1.52, "local-cpu-2", "local-cpu-1", .02, 4.0)
    add(2, 1, .93, 0.99, "local-cpu-2", "local-cpu-2", .03, 2.0)
    add(3, 1, .80, 1.00, "local-cpu-1", "local-cpu-1", .04, 2.5)
    add(3, 3, .85, 3.00, "local-cpu-2", "local-cpu-2", .04, 5.0)
    pd.DataFrame(rows).to_csv(out / "results.csv.zip", index=False)
    (out / "metadata.json").write_text(json.dumps({
        "metric_names": ["accuracy", "st_worker_cost", "st_worker_time"],
        "metric_mode": ["max", "min", "min"], "entrypoint": "train.py",
        "scheduler_kwargs": {"time_attr": "epoch"}}))
    return out


def test_a_result_is_labelled_by_the_type_that_trained_it(tmp_path):
    run = _run(tmp_path)
    front = syne_mohb.pareto_set(run)
    top = front[(front.trial_id == 1) & (front.epoch == 7)]
    assert list(top.instance_type) == ["local-cpu-2"]  # was local-cpu-1
    rec = syne_mohb.hardware_recommendations(run)
    mine = rec[(rec.trial_id == 1) & (rec.epoch == 7)].set_index("instance_type")
    assert set(mine.trained_on) == {"local-cpu-2"}
    assert mine.loc["local-cpu-2", "kind"] == "measured"  # was "predicted"
    assert mine.loc["local-cpu-2", "measured_seconds"] == 1.52
    bb = from_experiments([str(run)], objectives=["accuracy"], metric_mode=["max"],
                          task_names=["t"])["t"]
    empty = np.isnan(bb.objectives_evaluations).all(axis=(1, 2, 3))
    assert not empty.any(), bb.hyperparameters[empty]  # no configuration no trial trained


def test_the_fit_skips_the_first_result_after_a_move(tmp_path):
    # each result on the type that trained it, as every reader prepares the results
    df = with_segment_types(pd.read_csv(_run(tmp_path) / "results.csv.zip"), "instance_type")
    segs = _segments([df], [df.to_dict("records")], "config_instance_type", "st_worker_time",
                     "epoch")
    of_trial_3 = [(inst, d_r) for (_, trial, _), _, inst, d_r, _, _ in segs if trial == 3]
    # epoch 3 on cpu-2 follows epoch 1 on cpu-1: the difference (2 epochs, 2 s) spans both
    assert of_trial_3 == [("local-cpu-1", 1.0)]
    of_trial_1 = [(inst, d_r) for (_, trial, _), _, inst, d_r, _, _ in segs if trial == 1]
    assert of_trial_1 == [("local-cpu-2", 1.0), ("local-cpu-2", 6.0)]


def test_a_moved_model_names_the_types_it_ran_on_before(tmp_path):
    """Trial 3 trained epoch 1 on cpu-1, then moved to cpu-2 (epochs 3 and 9): its models past
    the move are listed under cpu-2 with ``moved_from`` = cpu-1 (their seconds and dollars are
    cumulative over both); a run in which no model on the set moved has no such column."""
    df = pd.read_csv(_run(tmp_path) / "results.csv.zip")
    df = pd.concat([df, pd.DataFrame([dict(
        trial_id=3, epoch=9, accuracy=.99, st_worker_time=5.0, st_worker_cost=5.0 * .1 / 3600,
        segment_instance_type="local-cpu-2", config_lr=.04, config_epochs=9,
        config_instance_type="local-cpu-2", st_tuner_time=7.0)])], ignore_index=True)
    objectives = dict(metrics=["accuracy", "st_worker_time"], mode=["max", "min"])
    front = syne_mohb.pareto_set(df, **objectives)
    assert list(front.columns[:4]) == ["trial_id", "epoch", "instance_type", "moved_from"]
    moved = front.set_index(["trial_id", "epoch"])["moved_from"]
    assert moved[(3, 9)] == "local-cpu-1"
    # trial 1's epoch-7 line was read after a move, but trial 1 only ever trained on cpu-2
    assert moved.drop((3, 9)).isna().all()
    assert "moved_from" not in syne_mohb.pareto_set(df[df.trial_id != 3], **objectives)
    rec = syne_mohb.hardware_recommendations(df, **objectives)
    assert set(rec.loc[rec.trial_id == 3, "moved_from"]) == {"local-cpu-1"}
    assert rec.loc[rec.trial_id != 3, "moved_from"].isna().all()


def test_measured_dollars_come_from_the_cost_objective_without_st_worker_cost(tmp_path):
    """A run on Syne Tune's own simulator reports no st_worker_cost: the measured rows of the
    recommendations read the cost objective, as the dollars spent do (they showed '-')."""
    df = pd.read_csv(_run(tmp_path) / "results.csv.zip")
    df = df.rename(columns={"st_worker_cost": "cost"})
    rec = syne_mohb.hardware_recommendations(df, metrics=["accuracy", "cost"],
                                             mode=["max", "min"])
    measured = rec[rec.kind == "measured"]
    assert len(measured) and measured.measured_dollars.notna().all()
    row = measured[(measured.trial_id == 0) & (measured.epoch == 2)].iloc[0]
    assert row.measured_dollars == pytest.approx(df[(df.trial_id == 0) & (df.epoch == 2)]
                                                 .cost.iloc[0])
