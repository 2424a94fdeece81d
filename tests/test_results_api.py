"""``syne_mohb.pareto_set`` (issue 23 item 13): the Pareto set of a finished run as a DataFrame,
from the Tuner, its run folder, ``load_experiment`` or a results DataFrame, with the run's own
objectives and per-metric modes; bad input is one clear error naming the parameter."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from syne_tune import StoppingCriterion, Tuner

import syne_mohb
from syne_mohb import MOASHA
from syne_mohb.backends.simulated import SimulatedClock
from syne_mohb.blackboxes import load, make_backend
from syne_mohb.experiments.results import run_objectives

METRICS, MODES = ["accuracy", "cost"], ["max", "min"]


@pytest.fixture(scope="module")
def tuner(tmp_path_factory):
    """A finished simulated MO-ASHA run (accuracy max, cost min) over hyperparameters and
    instance types (12 trials)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SYNETUNE_FOLDER", str(tmp_path_factory.mktemp("runs")))
    space = dict(load("linear")["digits"].configuration_space)
    space["epoch"] = 10
    backend = make_backend("linear", "digits", max_resource_attr="epoch", random_seed=0)
    scheduler = MOASHA(space, metrics=METRICS, mode=MODES, time_attr="epoch", max_t=10,
                       grace_period=1, reduction_factor=3, random_seed=0)
    t = Tuner(backend, scheduler, StoppingCriterion(max_num_trials_started=11), n_workers=2,
              sleep_time=0, callbacks=[SimulatedClock()], tuner_name="pareto-set",
              print_update_interval=1e9, results_update_interval=1e9)
    t.run()
    yield t
    mp.undo()


def _brute_force_front(df: pd.DataFrame, metrics, modes) -> set:
    sign = np.array([1.0 if m == "min" else -1.0 for m in modes])
    Y = df[metrics].to_numpy(dtype=float) * sign
    keep = set()
    for i, y in enumerate(Y):
        dominated = np.any(np.all(Y <= y, axis=1) & np.any(Y < y, axis=1))
        if not dominated:
            keep.add((int(df.trial_id.iloc[i]), int(df.epoch.iloc[i])))
    return keep


def test_pareto_set_of_a_tuner_its_folder_and_its_results(tuner):
    results = pd.read_csv(tuner.tuner_path / "results.csv.zip")
    front = syne_mohb.pareto_set(tuner)
    # one row per non-dominated model (trial at an epoch), best accuracy first
    assert {(int(t), int(e)) for t, e in zip(front.trial_id, front.epoch)} == \
        _brute_force_front(results, METRICS, MODES)
    assert list(front.accuracy) == sorted(front.accuracy, reverse=True)
    assert {"trial_id", "epoch", "instance_type", "alpha", "accuracy", "cost"} <= \
        set(front.columns)
    assert "config_epoch" in front.columns  # the config's epoch, apart from the fidelity
    assert not front.columns.duplicated().any()
    # the same set from the run folder (modes from metadata.json), load_experiment, a DataFrame
    pd.testing.assert_frame_equal(syne_mohb.pareto_set(tuner.tuner_path), front)
    pd.testing.assert_frame_equal(syne_mohb.pareto_set(str(tuner.tuner_path)), front)
    from syne_tune.experiments import load_experiment

    pd.testing.assert_frame_equal(syne_mohb.pareto_set(load_experiment(tuner.name)), front)
    by_frame = syne_mohb.pareto_set(results, metrics=METRICS, mode=MODES)
    pd.testing.assert_frame_equal(by_frame, front)
    pd.testing.assert_frame_equal(
        syne_mohb.pareto_set(results, METRICS, {"cost": "min", "accuracy": "max"}), front)


def test_modes_are_per_metric(tuner):
    results = pd.read_csv(tuner.tuner_path / "results.csv.zip")
    both_min = syne_mohb.pareto_set(tuner.tuner_path, mode=["min", "min"])
    assert {(int(t), int(e)) for t, e in zip(both_min.trial_id, both_min.epoch)} == \
        _brute_force_front(results, METRICS, ["min", "min"])
    assert list(both_min.accuracy) == sorted(both_min.accuracy)  # worst accuracy first now
    one = syne_mohb.pareto_set(tuner, metrics="accuracy", mode="max")
    assert set(one.accuracy) == {results.accuracy.max()}


def test_a_subset_of_the_objectives_keeps_each_its_recorded_mode(tuner):
    """metrics=["cost", "accuracy"] without mode: each objective's mode is looked up by name
    (accuracy stays maximised) from the Tuner, its folder and load_experiment alike; before,
    load_experiment's minimised both and the Tuner's refused a mode list of another length."""
    from syne_tune.experiments import load_experiment

    results = pd.read_csv(tuner.tuner_path / "results.csv.zip")
    want = _brute_force_front(results, ["cost", "accuracy"], ["min", "max"])
    for source in (tuner, tuner.tuner_path, load_experiment(tuner.name)):
        front = syne_mohb.pareto_set(source, metrics=["cost", "accuracy"])
        assert {(int(t), int(e)) for t, e in zip(front.trial_id, front.epoch)} == want
        one = syne_mohb.pareto_set(source, metrics="accuracy")
        assert set(one.accuracy) == {results.accuracy.max()}
        with pytest.raises(ValueError, match=r"records no mode for \['runtime'\] \(it "
                                             r"optimised \['accuracy', 'cost'\]\)"):
            syne_mohb.pareto_set(source, metrics=["accuracy", "runtime"])
        rec = syne_mohb.hardware_recommendations(source, metrics=["cost", "accuracy"])
        assert rec.attrs["objectives"] == ["cost", "accuracy"] and len(rec)


def test_bad_input_is_one_line_naming_the_parameter(tuner, tmp_path):
    results = pd.read_csv(tuner.tuner_path / "results.csv.zip")
    cases = [
        (lambda: syne_mohb.pareto_set(results), r"pass metrics=\[\.\.\.\] and mode="),
        (lambda: syne_mohb.pareto_set(results, ["acc"], "max"), r"metrics \['acc'\] are not"),
        (lambda: syne_mohb.pareto_set(results, METRICS, {"accuracy": "max"}),
         r"mode must name every metric .*missing \['cost'\]"),
        (lambda: syne_mohb.pareto_set(results, METRICS, ["max"]), "mode has 1 entries"),
        (lambda: syne_mohb.pareto_set(results, METRICS, "up"), "mode entries must be"),
        (lambda: syne_mohb.pareto_set(tmp_path / "nope"), "run folder .* does not exist"),
        (lambda: syne_mohb.pareto_set(tmp_path), "holds no results.csv.zip"),
        (lambda: syne_mohb.pareto_set(42), "results must be a run folder, a Tuner"),
        (lambda: syne_mohb.pareto_set(tuner, metrics=[]), "metrics must be a non-empty"),
        # a misspelt metric of a run folder: named as such (not "pass mode=..."), with the fix
        (lambda: syne_mohb.pareto_set(tuner.tuner_path, metrics=["acc", "cost"]),
         r"metrics: \['acc'\] are not columns .*closest names: accuracy"),
        (lambda: syne_mohb.hardware_recommendations(tuner.tuner_path, metrics=["acc", "cost"]),
         r"metrics: \['acc'\] are not columns"),
    ]
    for call, match in cases:
        with pytest.raises(ValueError, match=match) as info:
            call()
        assert "\n" not in str(info.value)


def test_objectives_and_modes_from_the_metadata_of_every_scheduler_kind(tmp_path):
    assert run_objectives({"metric_names": ["a", "b"], "metric_mode": ["max", "min"]}) == \
        (["a", "b"], ["max", "min"])
    # Syne Tune's schedulers record their arguments: one metric / do_minimize
    assert run_objectives({"scheduler_kwargs": {"metric": "loss", "do_minimize": True}}) == \
        (["loss"], "min")
    assert run_objectives({"scheduler_kwargs": {"metrics": ["a", "b"], "mode": "max"}}) == \
        (["a", "b"], "max")
    assert run_objectives({"syne_mohb": {"objectives": ["accuracy"],
                                         "objective_modes": ["max"]}}) == (["accuracy"], ["max"])
    assert run_objectives({"scheduler_name": "X"}) is None
    # a folder whose metadata names no objectives: one line asking for them
    (tmp_path / "results.csv.zip").write_bytes(b"")
    pd.DataFrame({"trial_id": [0], "loss": [1.0], "st_tuner_time": [1.0]}).to_csv(
        tmp_path / "results.csv.zip", index=False)
    (tmp_path / "metadata.json").write_text(json.dumps({"scheduler_name": "X"}))
    with pytest.raises(ValueError, match="names no objectives: pass metrics"):
        syne_mohb.pareto_set(tmp_path)
    out = syne_mohb.pareto_set(tmp_path, metrics=["loss"], mode="min")
    assert list(out.trial_id) == [0]


def test_import_syne_mohb_stays_light():
    code = ("import sys, syne_mohb\n"
            "heavy = {'boto3', 'botocore', 'ray', 'plotly', 'torch', 'optuna', "
            "'syne_mohb.experiments'} & set(sys.modules)\n"
            "assert not heavy, heavy\n"
            "assert callable(syne_mohb.pareto_set) and 'pareto_set' in dir(syne_mohb)\n"
            "assert not {'boto3', 'ray', 'plotly', 'torch'} & set(sys.modules)\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_defaults_of_moasha_are_public_at_the_top_level():
    """What the README and the docs tell users to configure (``MOASHA(hardware=
    HardwarePolicy(...))``, ``MOASHA(searcher=ModelBasedSearcher(...))``) imports from
    ``syne_mohb`` itself, as the same classes as in their subpackages, and is listed in
    ``__all__``."""
    from syne_mohb.hardware.policy import HardwarePolicy
    from syne_mohb.searchers.model_based import ModelBasedSearcher

    assert syne_mohb.HardwarePolicy is HardwarePolicy
    assert syne_mohb.ModelBasedSearcher is ModelBasedSearcher
    assert {"HardwarePolicy", "ModelBasedSearcher"} <= set(syne_mohb.__all__)
    from syne_tune.config_space import choice

    types = ["ml.m5.xlarge", "ml.g4dn.xlarge"]
    space = {"x": choice([1, 2]), "instance_type": choice(types)}
    scheduler = MOASHA(space, metrics=["accuracy", "cost"], mode=["max", "min"], max_t=3,
                       hardware=syne_mohb.HardwarePolicy(), random_seed=0,
                       searcher=syne_mohb.ModelBasedSearcher(
                           {"x": space["x"]}, metrics=["accuracy", "cost"],
                           mode=["max", "min"], random_seed=0))
    config = scheduler.suggest().config
    assert config["x"] in (1, 2) and config["instance_type"] in types


def test_the_pareto_set_of_a_run_without_results_is_empty():
    """A tuner stopped before any result (its results frame has no columns): an empty set with
    the documented columns, not "metrics are not columns"."""
    import pandas as pd

    front = syne_mohb.pareto_set(pd.DataFrame(), metrics=["accuracy", "cost"],
                                 mode=["max", "min"])
    assert front.empty and list(front.columns) == ["trial_id", "accuracy", "cost"]
