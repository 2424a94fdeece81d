"""Regression tests of the correctness sweep (issue 17, items 1-6): each failed before its fix."""
from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from syne_tune.backend.trial_status import Trial
from syne_tune.config_space import choice, randint, uniform
from syne_tune.optimizer.scheduler import SchedulerDecision

from syne_mohb.configspace import config_key, enumerate_configs, space_size
from syne_mohb.scheduler import MOASHA
from syne_mohb.searchers._front_labels import online_labels, task_labels
from syne_mohb.searchers.random import RandomSearcher


def _trial(trial_id, config=None):
    return Trial(trial_id=trial_id, config=config or {}, creation_time=datetime.now())


# ----------------------------------------------------------------- 1. finite spaces enumerated
def test_random_searcher_suggests_every_config_of_a_finite_space_exactly_once():
    space = {"a": choice(list(range(40))), "b": randint(0, 24), "epochs": 5}
    assert space_size(space) == 1000
    searcher = RandomSearcher(space, random_seed=0)
    keys = []
    while (config := searcher.suggest()) is not None:
        keys.append(config_key(config))
    # before the fix: None after 964 suggestions (100 failed redraws)
    assert len(keys) == 1000 and len(set(keys)) == 1000
    assert set(keys) == {config_key(c) for c in enumerate_configs(space)}
    assert searcher.suggest() is None


def test_random_searcher_with_repeats_never_runs_out():
    space = {"a": choice([1, 2])}
    searcher = RandomSearcher(space, random_seed=0, repeats="always")
    draws = [searcher.suggest()["a"] for _ in range(50)]
    assert set(draws) == {1, 2}
    # when_exhausted: both values once (no repeat), then draws go on
    searcher = RandomSearcher(space, random_seed=0, repeats="when_exhausted")
    draws = [searcher.suggest()["a"] for _ in range(50)]
    assert sorted(draws[:2]) == [1, 2] and set(draws[2:]) == {1, 2}
    with pytest.raises(ValueError, match="repeats must be one of"):
        RandomSearcher(space, repeats="sometimes")


def test_config_key_identifies_numpy_and_python_values():
    assert config_key({"a": np.int64(3), "b": np.float32(0.5)}) == config_key({"b": 0.5, "a": 3})
    assert config_key({"a": 3.0}) == config_key({"a": 3})


# ----------------------------------------------------------------- 2. skipped rungs stay empty
def test_a_rung_the_trial_jumped_over_is_not_filled_later():
    sched = MOASHA({"x": uniform(0, 1)}, metrics=["loss"], mode="min", time_attr="epoch",
                   searcher="random", max_t=27, grace_period=1, reduction_factor=3)
    rungs = sched.brackets[0].rungs
    assert [r.level for r in rungs] == [1, 3, 9]
    for epoch in (1, 10, 11):
        sched.on_trial_result(_trial(0), {"epoch": epoch, "loss": 1.0 / epoch})
    assert 0 in rungs[0] and 0 in rungs[2]
    assert 0 not in rungs[1]  # before the fix: the epoch-11 result was recorded at rung 3
    # a result between two levels belongs to the lower one only if it is the first there
    sched.on_trial_result(_trial(1), {"epoch": 4, "loss": 0.5})
    assert 1 in rungs[1] and 1 not in rungs[0]


def test_skipped_rung_decision_is_not_taken_there():
    sched = MOASHA({"x": uniform(0, 1)}, metrics=["loss"], mode="min", time_attr="epoch",
                   searcher="random", max_t=27, grace_period=1, reduction_factor=3)
    # rung 3 holds three much better results: a late epoch-11 result of a slow trial must
    # not be compared with them (it would be stopped there)
    for tid in range(3):
        sched.on_trial_result(_trial(tid), {"epoch": 3, "loss": 0.01})
    assert sched.on_trial_result(_trial(9), {"epoch": 1, "loss": 0.5}) == SchedulerDecision.CONTINUE
    assert (sched.on_trial_result(_trial(9), {"epoch": 10, "loss": 0.4})
            == SchedulerDecision.CONTINUE)
    assert (sched.on_trial_result(_trial(9), {"epoch": 11, "loss": 0.3})
            == SchedulerDecision.CONTINUE)


# ----------------------------------------------------------------- 3. NaN resource
@pytest.mark.parametrize("bad", [float("nan"), "nan", None, "soon"])
def test_nan_or_non_numeric_time_attr_is_an_error_naming_trial_and_attribute(bad):
    sched = MOASHA({"x": uniform(0, 1)}, metrics=["loss"], time_attr="epoch", max_t=9)
    with pytest.raises(ValueError, match=r"trial 4 reported epoch=.*not a number"):
        sched.on_trial_result(_trial(4), {"epoch": bad, "loss": 0.1})
    assert not any(4 in rung for rung in sched.brackets[0].rungs)


def test_nan_metrics_warn_once_then_count(caplog):
    """Many diverged trials (a learning rate too high) reported NaN: one warning each flooded
    the log; now the first warns, then a count at 10, 100, ... trials."""
    import logging

    sched = MOASHA({"x": uniform(0, 1)}, metrics=["loss"], time_attr="epoch", max_t=9)
    with caplog.at_level(logging.WARNING, logger="syne_mohb.schedulers.moasha"):
        for tid in range(12):
            trial = _trial(tid, {"x": 0.5})
            sched.on_trial_result(trial, {"epoch": 1, "loss": float("nan")})
            sched.on_trial_result(trial, {"epoch": 2, "loss": float("nan")})
    lines = [r.getMessage() for r in caplog.records if "reported NaN" in r.getMessage()]
    assert len(lines) == 2, lines
    assert lines[0].startswith("trial 0 reported NaN for ['loss']: counted as the worst value")
    assert lines[1].endswith("10 trials have reported NaN so far")


# ----------------------------------------------------------------- 4. online labels
def test_online_labels_compare_only_trials_that_reached_the_level():
    # 10 trials at epoch 1; 2 survive to epoch 3. The survivor that is worse on every
    # objective at epoch 3 must not be "near the front" (before: 1/10 better < gamma -> 1)
    histories = [{1.0: np.array([0.5 + 0.01 * i, 1.0])} for i in range(10)]
    histories[8][3.0] = np.array([0.95, 3.0])
    histories[9][3.0] = np.array([0.0, 1e9])
    labels = online_labels(histories, ["max", "min"], gamma=0.3)
    assert labels[8] == 1.0
    assert labels[9] == 0.0
    # trials 0..7 stopped at epoch 1 are ranked among all ten at epoch 1 (equal cost, so by
    # accuracy): trial 7 has 2/10 better (< 0.3), trial 6 has 3/10
    assert labels[:8].tolist() == [0.0] * 7 + [1.0]


# ----------------------------------------------------------------- 5. offline mixed fidelities
def _converted_experiment_with_early_stopped_trials(tmp_path):
    """A Syne Tune experiment folder (results + metadata) where trials 3-5 were stopped at
    epoch 1, converted with ``from_experiments`` as a user would."""
    from syne_mohb.blackboxes import from_experiments

    rows = []
    survivors = [(0.60, 10.0), (0.62, 10.2), (0.64, 10.4)]  # (epoch-1 accuracy, epoch time)
    stopped = [(0.30, 10.5), (0.35, 10.6), (0.40, 10.7)]
    for tid, (acc, dt) in enumerate(survivors):
        for epoch in range(1, 5):
            rows.append({"trial_id": tid, "epoch": epoch, "accuracy": acc + 0.1 * (epoch - 1),
                         "st_worker_time": dt * epoch, "config_alpha": float(tid + 1),
                         "config_instance_type": "ml.m5.xlarge"})
    for k, (acc, dt) in enumerate(stopped):
        tid = 3 + k
        rows.append({"trial_id": tid, "epoch": 1, "accuracy": acc, "st_worker_time": dt,
                     "config_alpha": float(tid + 1), "config_instance_type": "ml.m5.xlarge"})
    exp = tmp_path / "exp"
    exp.mkdir()
    pd.DataFrame(rows).to_csv(exp / "results.csv.zip", index=False)
    (exp / "metadata.json").write_text(json.dumps({"metric_names": ["accuracy"],
                                                   "metric_mode": "max"}))
    bbs = from_experiments([exp], objectives=["accuracy"], metric_mode=["max"], task_names=["t"])
    return bbs["t"]


def test_related_task_configs_stopped_early_are_not_taken_for_cheap_ones(tmp_path):
    bb = _converted_experiment_with_early_stopped_trials(tmp_path)
    ev = np.asarray(bb.objectives_evaluations, dtype=float)
    alphas = bb.hyperparameters["alpha"].to_numpy(dtype=float)
    rows, labels = task_labels(ev, ["max", "min", "min"], gamma=0.34)
    by_alpha = dict(zip(alphas[rows].tolist(), labels.tolist()))
    # before the fix: each config at its own highest fidelity, so the stopped ones (runtime
    # ~10 s against ~40 s) formed the cheap end of the front and were all labelled 1
    assert [by_alpha[a] for a in (4.0, 5.0, 6.0)] == [0.0, 0.0, 0.0]
    assert [by_alpha[a] for a in (1.0, 2.0, 3.0)] == [1.0, 1.0, 1.0]


def test_complete_tables_are_labelled_at_the_last_fidelity():
    ev = np.random.RandomState(0).rand(30, 2, 4, 2)
    rows, labels = task_labels(ev, ["min", "min"], gamma=0.2)
    assert rows.tolist() == list(range(30))
    Y = ev.mean(axis=1)[:, -1, :]
    histories = [{3.0: y} for y in Y]
    np.testing.assert_array_equal(labels, online_labels(histories, ["min", "min"], 0.2))


# ----------------------------------------------------------------- 6. modes validated
def test_baseline_schedulers_reject_unknown_modes():
    from syne_mohb.schedulers import FIFOScheduler, OptunaAskTellScheduler

    space = {"x": uniform(0, 1)}
    with pytest.raises(ValueError, match="mode entries must be 'min' or 'max'.*'minimize'"):
        FIFOScheduler(space, ["loss"], mode="minimize")
    with pytest.raises(ValueError, match="mode entries must be 'min' or 'max'"):
        OptunaAskTellScheduler(space, ["loss", "cost"], mode=["min", "maximise"])
    with pytest.raises(ValueError, match="mode has 1 entries but there are 2 objectives"):
        FIFOScheduler(space, ["loss", "cost"], mode=["min"])


def test_analysis_helpers_reject_unknown_modes():
    from syne_mohb.experiments.analysis import Run
    from syne_mohb.experiments.metrics import best_value, time_to_target

    run = Run(path=None, results=pd.DataFrame({"acc": [0.1, 0.9], "st_tuner_time": [1.0, 2.0]}),
              metadata={}, objectives=["acc"], modes=["max"])
    with pytest.raises(ValueError, match="'maximize'"):
        best_value(run, "acc", mode="maximize")
    with pytest.raises(ValueError, match="'maximize'"):
        time_to_target(run, "acc", 0.5, mode="maximize")
