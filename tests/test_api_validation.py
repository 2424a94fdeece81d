"""Bad arguments to the public API get a ValueError that names the parameter and says what is
expected (never a raw numpy / pathlib / TypeError from deep inside, nor a silent wrong result);
valid spellings next to them keep working."""
from __future__ import annotations

import logging

import numpy as np
import pytest
from syne_tune.config_space import choice, finrange, logfinrange, uniform

from syne_mohb import pareto
from syne_mohb.configspace import check_number, check_points_to_evaluate
from syne_mohb.hardware.policy import HardwarePolicy
from syne_mohb.schedulers import MOASHA

SPACE = {"x": uniform(0, 1), "opt": choice(["a", "b"])}
CPU, GPU = "ml.m5.xlarge", "ml.g4dn.xlarge"
HW_SPACE = {"width": choice([16, 64]), "lr": uniform(0.01, 1), "instance_type": choice([CPU, GPU])}
Y = np.array([[1.0, 4.0], [2.0, 3.0], [3.0, 1.0], [4.0, 4.0]])


# ----------------------------------------------------------------- 1. seed_objective
@pytest.mark.parametrize("bad", [0.5, 2, -1, True, "0"])
def test_seed_objective_must_be_an_index_of_a_metric(bad):
    with pytest.raises(ValueError, match=r"seed_objective must be an integer index .* 2 obj"):
        MOASHA(SPACE, ["a", "b"], "min", seed_objective=bad)


def test_pareto_orders_reject_a_seed_objective_out_of_range():
    for fn in (lambda s: pareto.rung_order(Y, seed_objective=s),
               lambda s: pareto.rung_order(Y, tie_break="crowding", seed_objective=s),
               lambda s: pareto.epsilon_net_order(Y, seed_objective=s)):
        with pytest.raises(ValueError, match="seed_objective must be an integer index"):
            fn(5)
        with pytest.raises(ValueError, match="seed_objective"):
            fn(0.5)
    assert pareto.rung_order(Y, seed_objective=np.int64(1)).tolist() \
        == pareto.rung_order(Y, seed_objective=1).tolist()


# ----------------------------------------------------------------- 2. rung levels
@pytest.mark.parametrize("name,bad", [
    ("max_t", "10"), ("max_t", None), ("max_t", float("inf")), ("max_t", float("nan")),
    ("max_t", True), ("grace_period", "1"), ("grace_period", float("nan")),
    ("grace_period", True), ("reduction_factor", "3"), ("reduction_factor", float("inf")),
    ("reduction_factor", float("nan")), ("reduction_factor", True),
])
def test_rung_levels_must_be_finite_numbers(name, bad):
    with pytest.raises(ValueError, match=rf"{name} must be a finite number"):
        MOASHA(SPACE, ["a", "b"], "min", **{name: bad})


@pytest.mark.parametrize("bad", [True, 2.0, "2", 0])
def test_brackets_must_be_an_integer(bad):
    with pytest.raises(ValueError, match="brackets must be an integer >= 1"):
        MOASHA(SPACE, ["a", "b"], "min", max_t=27, **{"brackets": bad})


def test_valid_rung_levels_are_kept_as_given():
    sched = MOASHA(SPACE, ["a"], "min", max_t=np.int64(27), grace_period=1.5,
                   reduction_factor=np.float64(3.0), searcher="random")
    assert [r.level for r in sched.brackets[0].rungs] == [1.5, 4.5, 13.5]
    assert sched.max_t == 27 and isinstance(sched.max_t, np.int64)
    with pytest.raises(ValueError, match="alpha must be a finite number > 0"):
        check_number("0.1", "alpha", above=0)


# ----------------------------------------------------------------- 3. metrics and mode
@pytest.mark.parametrize("call", [
    lambda: MOASHA(SPACE, ["a", "b"], mode=1),
    lambda: pareto.nondominated_rank(Y, 1),
    lambda: pareto.normalize_modes(None, 2),
])
def test_mode_that_is_no_string_nor_list_names_mode(call):
    with pytest.raises(ValueError, match="mode must be 'min', 'max' or a list of them"):
        call()


def test_moasha_takes_mode_as_a_dict_keyed_by_metric():
    sched = MOASHA(SPACE, ["accuracy", "time"], mode={"time": "min", "accuracy": "max"})
    assert sched.modes == ["max", "min"] and sched.metadata()["metric_mode"] == ["max", "min"]
    with pytest.raises(ValueError, match=r"mode must name every metric .*unknown \['acc'\].*"
                                         r"missing \['accuracy'\]"):
        MOASHA(SPACE, ["accuracy", "time"], mode={"acc": "max", "time": "min"})
    with pytest.raises(ValueError, match="mode must be 'min', 'max' or a list"):
        pareto.nondominated_rank(Y, {"a": "min", "b": "max"})  # no names to map it with


def test_metrics_must_be_a_list_of_names():
    with pytest.raises(ValueError, match=r"metrics must be a list of metric names, got a dict.*"
                                         r"mode=\['max', 'min'\]"):
        MOASHA(SPACE, metrics={"accuracy": "max", "time": "min"})
    with pytest.raises(ValueError, match=r"metrics must be a non-empty list of metric names "
                                         r"\(non-empty strings\), got 1"):
        MOASHA(SPACE, metrics=[1, 2], mode="min")
    with pytest.raises(ValueError, match="metrics must be a non-empty list"):
        MOASHA(SPACE, metrics=["a", ""], mode="min")
    assert MOASHA(SPACE, metrics=("a", "b"), mode="min").metrics == ["a", "b"]


# ----------------------------------------------------------------- 4. HardwarePolicy
@pytest.mark.parametrize("kwargs,match", [
    ({"random_seed": -1}, "random_seed must be an integer"),
    ({"random_seed": 2.5}, "random_seed must be an integer"),
    ({"hardware_metrics": "time"}, "hardware_metrics must be a non-empty list of metric names"),
    ({"hardware_metrics": [3]}, "hardware_metrics must be a non-empty list"),
    ({"adapt_across_rungs": "no"}, "adapt_across_rungs must be True or False"),
    ({"finish_fast": "yes"}, "finish_fast must be True or False"),
    ({"specs": {CPU: 3}}, r"specs\['ml.m5.xlarge'\] must be a dict"),
    ({"specs": [CPU]}, "specs must be a dict"),
    ({"alpha": "0.1"}, "alpha must be a finite number > 0"),
    ({"alpha": 1.5}, r"alpha must be in \(0, 1\)"),
    ({"switch_margin": "0.1"}, "switch_margin must be a number >= 0"),
    ({"control_share": "0.1"}, "control_share must be a finite number >= 0"),
])
def test_hardware_policy_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HardwarePolicy(**kwargs)


def test_hardware_policy_keeps_valid_spellings():
    policy = HardwarePolicy(hardware_metrics=("seconds",), adapt_across_rungs=np.bool_(False),
                            specs={CPU: {"vcpus": 4}})
    assert policy.hardware_metrics == ["seconds"] and policy.adapt_across_rungs is False
    assert HardwarePolicy(hardware_metrics=[]).hardware_metrics == []


# ----------------------------------------------------------------- 5. one policy, one scheduler
def test_a_hardware_policy_serves_one_scheduler():
    policy = HardwarePolicy()
    MOASHA(HW_SPACE, ["acc", "seconds"], ["max", "min"], max_t=9, hardware=policy, random_seed=0)
    with pytest.raises(ValueError, match=r"already serves a scheduler.*new HardwarePolicy"):
        MOASHA(HW_SPACE, ["acc", "seconds"], ["max", "min"], max_t=9, hardware=policy,
               random_seed=1)


# ----------------------------------------------------------------- 6. ask/tell schedulers
def test_ask_tell_schedulers_name_bad_arguments():
    pytest.importorskip("optuna")
    from syne_mohb.schedulers import FIFOScheduler, OptunaAskTellScheduler

    space = {"x": uniform(0, 1)}
    for cls in (FIFOScheduler, OptunaAskTellScheduler):
        with pytest.raises(ValueError, match="random_seed must be an integer"):
            cls(space, ["a"], "min", random_seed=-1)
        with pytest.raises(ValueError, match="mode must be 'min', 'max' or a list"):
            cls(space, ["a"], None)
        with pytest.raises(ValueError, match="config_space must be a dict"):
            cls([uniform(0, 1)], ["a"], "min")
        assert cls(space, ["acc", "t"], {"t": "min", "acc": "max"}).modes == ["max", "min"]
    with pytest.raises(ValueError, match="population_size must be an integer >= 2, got '4'"):
        OptunaAskTellScheduler(space, ["a"], "min", population_size="4")


def test_optuna_scheduler_leaves_optunas_verbosity_and_maps_finite_ranges():
    optuna = pytest.importorskip("optuna")
    from syne_mohb.schedulers import OptunaAskTellScheduler

    before = optuna.logging.get_verbosity()
    try:
        optuna.logging.set_verbosity(optuna.logging.INFO)
        sched = OptunaAskTellScheduler(
            {"lr": finrange(0.1, 0.5, 5), "units": logfinrange(1, 100, 3, cast_int=True)},
            ["loss"], "min", random_seed=0)
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(before)
    dists = sched._distributions
    assert dists["lr"].choices == tuple(finrange(0.1, 0.5, 5).values)
    assert dists["units"].choices == (1, 10, 100)
    config = sched.suggest().config
    assert config["lr"] in finrange(0.1, 0.5, 5).values and config["units"] in (1, 10, 100)


# ----------------------------------------------------------------- 7. points_to_evaluate
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_points_to_evaluate_reject_a_nan_number(value):
    with pytest.raises(ValueError, match=r"points_to_evaluate\[0\]\['x'\] = (nan|inf) is not "
                                         r"a value of its domain"):
        check_points_to_evaluate([{"x": value}], SPACE)
    with pytest.raises(ValueError, match=r"points_to_evaluate\[0\]\['x'\]"):
        MOASHA(SPACE, ["a"], "min", points_to_evaluate=[{"x": value}])


# ----------------------------------------------------------------- 8. blackboxes
def test_metric_modes_takes_one_name():
    from syne_mohb import blackboxes

    assert blackboxes.metric_modes("mlp", "accuracy") == \
        blackboxes.metric_modes("mlp", ["accuracy"]) == ["max"]


def test_moasha_with_a_dict_mode_does_not_warn(caplog):
    with caplog.at_level(logging.WARNING, logger="syne_mohb.pareto"):
        MOASHA(SPACE, ["accuracy", "time"], mode={"accuracy": "max", "time": "min"})
    assert caplog.text == ""  # the modes are given: no warning about maximised metrics
