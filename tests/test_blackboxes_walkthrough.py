"""A user's walk through the offline benchmarks and the simulation API: bad names, bad
configurations, bad budgets and odd experiment folders get a one-line error naming what is
wrong (not a traceback from deep inside pandas or Syne Tune), and small odd tables replay."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from syne_tune import StoppingCriterion
from syne_tune.config_space import choice, randint

from syne_mohb import blackboxes
from syne_mohb.backends.simulated import SimulatedBackend

M5, C5 = "ml.m5.xlarge", "ml.c5.2xlarge"


# ------------------------------------------------------------------ names and tasks
def test_a_misspelt_name_lists_every_shipped_name_and_the_close_one(tmp_path, monkeypatch):
    """The list named the base tables only (not mlp-x, ...), "" and "." were taken for the
    package's data folder (the error named that folder), a task typo raised a bare KeyError."""
    with pytest.raises(ValueError, match=r"unknown blackbox 'MLP'.*'mlp-x'.*did you mean 'mlp'"):
        blackboxes.load("MLP")
    with pytest.raises(ValueError, match=r"did you mean 'mlp-x'"):
        blackboxes.metadata("mlp-X")
    with pytest.raises(ValueError, match=r"^unknown blackbox ''"):
        blackboxes.load("")
    monkeypatch.chdir(tmp_path)  # "." is the current folder, not the package's data folder
    with pytest.raises(blackboxes.BlackboxFolderError, match=r"^\. is not a blackbox folder"):
        blackboxes.load(".")
    with pytest.raises(ValueError, match=r"task 'digit' is not in blackbox 'mlp'; tasks: \["):
        blackboxes.evaluations_frame("mlp", "digit")
    with pytest.raises(ValueError, match=r"task 'digits' is not in blackbox 'cnn'"):
        blackboxes.make_backend("cnn", "digits")


def test_transfer_objectives_given_as_one_name_empty_or_twice():
    """One name was split into its letters; [] gave evaluations with no objective."""
    one = blackboxes.to_transfer_evaluations("mlp", objectives="accuracy")
    assert all(ev.objectives_names == ["accuracy"] for ev in one.values())
    for bad in ([], ["cost", "cost"]):
        with pytest.raises(ValueError, match="objectives must name at least one objective"):
            blackboxes.to_transfer_evaluations("mlp", objectives=bad)


# ------------------------------------------------------------------ the simulated backend
def _first_config():
    return blackboxes.load("mlp")["digits"].hyperparameters.iloc[0].to_dict()


@pytest.mark.parametrize("key, value, message", [
    ("learning_rate", 0.000303, r"config\['learning_rate'\] = 0.000303 is not in the "
                                r"blackbox's table \(its values of 'learning_rate': "
                                r"\[0.0003, 0.001, 0.003\]\)"),
    ("num_units", "16", r"config\['num_units'\] = '16' is not in the.*\[16, 32, 64, 128\]"),
    ("epochs", 0, r"config\['epochs'\] = 0 \(max_resource_attr\) must be a number >= the "
                  r"table's first epoch 1"),
    ("epochs", "3", r"config\['epochs'\] = '3' \(max_resource_attr\)"),
    ("epochs", None, r"config\['epochs'\] = None \(max_resource_attr\)"),
])
def test_a_configuration_off_the_table_names_the_value(key, value, message):
    """Values between grid points said only 'not in the table'; a max_resource_attr value
    that is no number failed in a comparison inside the backend (TypeError), and 0 ran a
    trial that reported nothing."""
    backend = blackboxes.make_backend("mlp", "digits", random_seed=0, max_resource_attr="epochs")
    config = dict(_first_config(), **{key: value})
    with pytest.raises(ValueError, match=message):
        backend.start_trial(config)


def test_a_combination_that_did_not_run_is_named_as_such():
    """A table converted from experiments holds only the configurations that ran: every value
    is in the table, their combination is not."""
    hp = pd.DataFrame({"x": [1, 2], "instance_type": [M5, C5]})
    bb = _tabular(hp, np.ones((2, 1, 1, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"each value is, their combination is not \(the "
                                         r"table holds 2 configurations"):
        SimulatedBackend(bb).start_trial({"x": 1, "instance_type": C5})


def test_startup_must_be_a_job_startup():
    with pytest.raises(ValueError, match="startup must be a syne_mohb.hardware.startup"):
        blackboxes.make_backend("mlp", "digits", startup="ml.m5.xlarge")


def _tabular(hp, ev):
    from syne_tune.blackbox_repository.blackbox_tabular import BlackboxTabular

    space = {c: choice(sorted(hp[c].unique().tolist())) for c in hp.columns}
    n_fid = ev.shape[2]
    return BlackboxTabular(hyperparameters=hp, configuration_space=space,
                           fidelity_space={"epoch": randint(1, n_fid)},
                           objectives_evaluations=ev, fidelity_values=np.arange(1, n_fid + 1),
                           objectives_names=["accuracy", "runtime", "cost"])


def test_a_single_fidelity_table_replays_one_result_per_trial():
    hp = pd.DataFrame({"x": [1, 2], "instance_type": [M5, M5]})
    ev = np.array([[[[0.5, 1.0, 0.1]]], [[[0.7, 2.0, 0.2]]]], dtype=np.float32)
    backend = SimulatedBackend(_tabular(hp, ev), random_seed=0)
    trial = backend.start_trial({"x": 2, "instance_type": M5})
    backend.advance()
    status, results = backend.fetch_status_results([trial.trial_id])
    assert status[trial.trial_id][1] == "Completed"
    assert [(r["epoch"], round(r["accuracy"], 6), r["st_tuner_time"]) for _, r in results] \
        == [(1, 0.7, 2.0)]


# ------------------------------------------------------------------ run_replay budgets
@pytest.mark.parametrize("limit", [dict(max_wallclock_time=0), dict(max_wallclock_time=-1),
                                   dict(max_num_trials_started=0), dict(max_cost=0)])
def test_a_budget_of_zero_is_refused_before_the_replay(tmp_path, limit):
    """A zero budget wrote a run folder without results (its report then failed on missing
    columns); a negative one the same."""
    from syne_mohb.experiments import run_replay
    from syne_mohb import MOASHA

    space = dict(blackboxes.load("mlp")["digits"].configuration_space)
    scheduler = MOASHA(space, metrics=["accuracy", "runtime", "cost"],
                       mode=["max", "min", "min"], time_attr="epoch", max_t=20)
    (key, value), = limit.items()
    with pytest.raises(ValueError, match=rf"stop_criterion.{key}={value} would stop the replay "
                                         rf"before it starts: give a positive number"):
        run_replay(blackboxes.make_backend("mlp", "digits"), scheduler,
                   StoppingCriterion(**limit), results_root=tmp_path, tuner_name="zero")
    assert not (tmp_path / "zero").exists()


# ------------------------------------------------------------------ from_experiments
from test_blackboxes_converter import _experiment  # noqa: E402  (the same experiment folder)


def _rows(trial_id, units, n, **change):
    return [dict({"trial_id": trial_id, "epoch": e, "accuracy": 0.5 + 0.01 * e,
                  "st_worker_time": 1.0 * e, "st_worker_cost": 0.01 * e, "config_units": units,
                  "config_instance_type": M5}, **change) for e in range(1, n + 1)]


@pytest.mark.parametrize("rows, message", [
    ([], r"experiment 'A' has no results \(no row with a 'epoch'\)"),
    ([dict(r, epoch=r["epoch"] - 1) for r in _rows(0, 16, 2)],
     r"fidelity_attr='epoch' must hold integers >= 1 \(epochs\), got \[0\]"),
    ([dict(r, epoch=r["epoch"] * 0.5) for r in _rows(0, 16, 3)],
     r"must hold integers >= 1 \(epochs\), got \[0.5, 1.5\]"),
    (_rows(0, 16, 2, accuracy="high"),
     r"experiment 'A': column 'accuracy' holds values that are not numbers, e.g. \['high'\]"),
    (_rows(0, 16, 2) + _rows(1, np.nan, 2),
     r"experiment 'A': hyperparameters \['units'\] have no value in trials \[1\]"),
])
def test_odd_results_are_named(tmp_path, rows, message):
    """No rows raised 'cannot convert float NaN to integer', epoch 0 a KeyError, epochs 0.5 /
    1.5 were truncated to 0 / 1 (a KeyError), a text metric failed inside pandas and a
    hyperparameter without value raised a KeyError of a tuple."""
    if not rows:
        rows = pd.DataFrame(columns=list(_rows(0, 16, 1)[0]))
    folder = tmp_path / "A"
    folder.mkdir()
    pd.DataFrame(rows).to_csv(folder / "results.csv.zip", index=False)
    (folder / "metadata.json").write_text("{}")
    with pytest.raises(ValueError, match=message):
        blackboxes.from_experiments([folder], objectives=["accuracy"])


def test_from_experiments_arguments_are_checked_before_the_conversion(tmp_path):
    exp = _experiment(tmp_path / "runs" / "A", _rows(0, 16, 2))
    with pytest.raises(ValueError, match=r"got NoneType None"):
        blackboxes.from_experiments([None], objectives=["accuracy"])
    with pytest.raises(FileNotFoundError, match=r"lacks metadata.json; it holds experiment "
                                                r"folders \['A'\]: pass those"):
        blackboxes.from_experiments([tmp_path / "runs"], objectives=["accuracy"])
    with pytest.raises(ValueError, match=r"metric_log must have one true/false per objective, "
                                         r"got True"):
        blackboxes.from_experiments([exp], objectives=["accuracy"], metric_log=True)
    with pytest.raises(ValueError, match=r"out_dir=.* is a file: pass a folder"):
        blackboxes.from_experiments([exp], objectives=["accuracy"],
                                    out_dir=exp / "metadata.json")
    # a given space without the instance type was replaced silently by the values seen
    with pytest.raises(ValueError, match=r"config_space has hyperparameters \['units'\], the "
                                         r"experiments' configurations \['instance_type', "
                                         r"'units'\]"):
        blackboxes.from_experiments([exp], objectives=["accuracy"],
                                    config_space={"units": choice([16, 32])})


def test_a_single_result_converts_loads_back_and_replays(tmp_path):
    exp = _experiment(tmp_path / "A", _rows(0, 16, 1),
                      {"units": choice([16]), "instance_type": choice([M5])})
    blackboxes.from_experiments([exp], objectives=["accuracy"], metric_mode="max",
                                out_dir=tmp_path / "bb")
    backend = blackboxes.make_backend(str(tmp_path / "bb"), "A", random_seed=0)
    trial = backend.start_trial({"units": 16, "instance_type": M5})
    backend.advance()
    _, results = backend.fetch_status_results([trial.trial_id])
    assert [(r["epoch"], round(r["accuracy"], 6), r["runtime"]) for _, r in results] \
        == [(1, 0.51, 1.0)]
