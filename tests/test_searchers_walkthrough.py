"""A user's walk through the searchers and the non-MOASHA schedulers, used directly and
through Syne Tune's own API: bad input gets a one-line ``ValueError`` naming the parameter,
pending suggestions keep their results, and the identity of configurations stays cheap."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from syne_tune.backend.trial_status import Trial
from syne_tune.config_space import (
    choice,
    finrange,
    logfinrange,
    loguniform,
    lograndint,
    ordinal,
    randint,
    uniform,
)
from syne_tune.optimizer.schedulers.transfer_learning.transfer_learning_task_evaluation import (
    TransferLearningTaskEvaluations,
)

from syne_mohb.configspace import config_key
from syne_mohb.schedulers import FIFOScheduler, TrialCap, syne_tune_moasha
from syne_mohb.searchers import ModelBasedSearcher
from syne_mohb.searchers._config_encoding import ConfigEncoder
from syne_mohb.searchers.random import RandomSearcher
from syne_mohb.searchers.transfer import ParetoTransferSearcher

SPACE = {"x": uniform(0.0, 1.0), "y": choice(["a", "b"]), "epochs": 5}


def _trial(trial_id: int, config: dict) -> Trial:
    return Trial(trial_id=trial_id, config=config, creation_time=datetime(2026, 1, 1))


def _related_task(seed: int = 0, n: int = 12) -> TransferLearningTaskEvaluations:
    rs = np.random.RandomState(seed)
    frame = pd.DataFrame({"x": rs.uniform(0, 1, n), "y": rs.choice(["a", "b"], n)})
    values = np.stack([frame["x"].to_numpy(), 1 - frame["x"].to_numpy()], axis=1)
    return TransferLearningTaskEvaluations(
        configuration_space=SPACE, hyperparameters=frame, objectives_names=["f", "g"],
        objectives_evaluations=values[:, None, None, :])


def _transfer_searcher(**kwargs) -> ParetoTransferSearcher:
    return ParetoTransferSearcher(SPACE, {"t": _related_task()}, ["f", "g"], "min",
                                  random_seed=0, num_trees=2, num_candidates=20, **kwargs)


def test_encoder_key_is_config_key_without_indexing_categories_per_call(monkeypatch):
    """``config_key`` with a space indexes a categorical's categories at every call: a choice
    among 100,000 values made each refit of the model-based searcher take over a minute."""
    space = {"c": choice(["p", "q", "r"]), "n": choice([1.0, 2.5, 3.0]), "lr": loguniform(1e-4, 1),
             "i": randint(1, 5), "f": finrange(0, 1, 5), "lf": logfinrange(1, 100, 3),
             "li": lograndint(1, 100), "o": ordinal([1, 2, 3]), "k": 7}
    encoder = ConfigEncoder(space)
    configs = encoder.sample(30, np.random.RandomState(0))
    expected = [config_key(c, space) for c in configs]
    import syne_mohb.configspace as configspace

    original = configspace.category_index

    def indexed_once(categories, value):
        assert isinstance(categories, dict), "a categorical's categories indexed at this call"
        return original(categories, value)

    monkeypatch.setattr(configspace, "category_index", indexed_once)
    assert [encoder.key(c) for c in configs] == expected
    big = ConfigEncoder({"c": choice(list(range(100_000))), "x": uniform(0, 1)})
    assert big.key({"c": 99_999, "x": 0.5}) == json_key([99_999, uniform(0, 1).match_string(0.5)])


def json_key(values) -> str:
    import json

    return json.dumps(values)


@pytest.mark.parametrize("make", ["model", "transfer"])
def test_told_configs_and_metrics_are_checked_with_the_trial_named(make):
    searcher = ModelBasedSearcher(SPACE, ["f", "g"], random_seed=0) if make == "model" \
        else _transfer_searcher()
    good = {"x": 0.5, "y": "a", "epochs": 5}
    cases = [
        ({"x": 0.5}, [1, 2], None, r"trial 1: config lacks hyperparameters \['y'\]"),
        ({"x": 0.5, "y": "zz"}, [1, 2], None, r"trial 1: config\['y'\] = 'zz' is not a value"),
        ({"x": "abc", "y": "a"}, [1, 2], None, r"trial 1: config\['x'\] = 'abc' is not a value"),
        ({"x": None, "y": "a"}, [1, 2], None, r"trial 1: config\['x'\] = None"),
        ({"x": float("nan"), "y": "a"}, [1, 2], None, r"trial 1: config\['x'\] = nan"),
        (["x", "y"], [1, 2], None, "trial 1: config must be a dict"),
        (good, ["abc", 2], None, "trial 1: metrics must be numbers"),
        (good, {"f": 1, "g": 2}, None, "trial 1: metrics must be numbers"),
        (good, 1.0, None, r"trial 1: got 1 metric values \[1.0\], expected one per metric"),
        (good, [1, 2], "abc", "trial 1: resource must be a finite number >= 0.*got 'abc'"),
        (good, [1, 2], -1, "trial 1: resource must be a finite number >= 0.*got -1"),
    ]
    for config, metrics, resource, match in cases:
        with pytest.raises(ValueError, match=match):
            searcher.on_trial_result(1, config, metrics, resource=resource)
    with pytest.raises(ValueError, match="no metrics given"):
        searcher.on_trial_result(1, good)
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        searcher.on_trial_result(1, good, [1, 2], resourse=3)
    searcher.on_trial_result(1, good, [1.0, float("nan")], resource=1)  # NaN counts as worst
    assert searcher.suggest() is not None


def test_searchers_take_syne_tune_asha_calls():
    """Syne Tune's ASHA calls ``on_trial_result(trial_id, config, metric=, resource_level=)``."""
    from syne_tune.optimizer.schedulers.asha import AsynchronousSuccessiveHalving

    space = {"x": uniform(0, 1)}
    for searcher in (RandomSearcher(space, random_seed=0),
                     ModelBasedSearcher(space, ["loss"], random_seed=0, num_initial=2)):
        asha = AsynchronousSuccessiveHalving(space, "loss", searcher=searcher, time_attr="epoch",
                                             max_t=3)
        for trial_id in range(4):
            trial = _trial(trial_id, asha.suggest().config)
            asha.on_trial_add(trial)
            asha.on_trial_result(trial, {"loss": trial.config["x"], "epoch": 1})
    assert sorted(searcher._trials[0]["history"]) == [1.0]  # resource_level taken as resource


@pytest.mark.parametrize("seed", ["a", -1, 2**40, 1.5, True])
def test_searchers_name_a_bad_random_seed(seed):
    for build in (lambda: RandomSearcher(SPACE, random_seed=seed),
                  lambda: ModelBasedSearcher(SPACE, ["f"], random_seed=seed),
                  lambda: ParetoTransferSearcher(SPACE, {}, ["f"], random_seed=seed),
                  lambda: syne_tune_moasha(SPACE, ["f"], "epoch", 5, random_seed=seed)):
        with pytest.raises(ValueError, match="random_seed must be an integer"):
            build()


@pytest.mark.parametrize("kwargs, match", [
    ({"temperature": "a"}, "temperature must be a number > 0"),
    ({"temperature": None}, "temperature must be a number > 0"),
    ({"refit_growth": None}, "refit_growth must be a number >= 0"),
    ({"transfer_strength": "x"}, "transfer_strength must be a number >= 0"),
    ({"num_candidates": None}, "num_candidates must be a positive integer"),
    ({"num_candidates": "a"}, "num_candidates must be a positive integer"),
    ({"exploration": None}, r"exploration must be in \[0.0, 1.0\]"),
    ({"gamma": "0.1"}, r"gamma must be in \(0.0, 1.0\)"),
])
def test_transfer_searcher_names_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ParetoTransferSearcher(SPACE, {"t": _related_task()}, ["f", "g"], **kwargs)


def test_transfer_searcher_names_bad_space_and_metrics():
    with pytest.raises(ValueError, match="config_space must be a dict"):
        ParetoTransferSearcher([1], {"t": _related_task()}, ["f", "g"])
    with pytest.raises(ValueError, match="metrics must be a non-empty list of metric names"):
        ParetoTransferSearcher(SPACE, {"t": _related_task()}, "f")
    with pytest.raises(ValueError, match="metrics must be a list of metric names, got a dict"):
        ModelBasedSearcher(SPACE, {"f": "min"})
    with pytest.raises(ValueError, match="use RandomSearcher"):
        ModelBasedSearcher({"a": 1}, ["f"])


def test_random_searcher_modes_must_be_a_list_with_instance_attr():
    space = {"x": uniform(0, 1), "instance_type": choice(["ml.c5.xlarge", "ml.g4dn.xlarge"])}
    with pytest.raises(ValueError, match="modes must be a list with one 'min'/'max' per metric"):
        RandomSearcher(space, instance_attr="instance_type", modes="min")


def test_fifo_scheduler_rejects_a_searcher_that_does_not_fit():
    with pytest.raises(ValueError, match="searcher must be a BaseSearcher"):
        FIFOScheduler(SPACE, ["f"], searcher="random")
    with pytest.raises(ValueError, match=r"metrics \['g', 'f'\] do not match"):
        FIFOScheduler(SPACE, ["f", "g"], searcher=ModelBasedSearcher(SPACE, ["g", "f"]))
    with pytest.raises(ValueError, match=r"lacks the hyperparameters \['x', 'y'\]"):
        FIFOScheduler(SPACE, ["f"], searcher=ModelBasedSearcher({"z": uniform(0, 1)}, ["f"]))
    fifo = FIFOScheduler(SPACE, ["f", "g"], searcher=ModelBasedSearcher(SPACE, ["f", "g"]))
    assert fifo.suggest().config["epochs"] == 5


def test_ask_tell_tells_each_result_to_its_own_suggestion():
    """Two suggestions asked before either trial is added, added in the other order: each
    result goes to the optimiser's trial of its own configuration."""
    pytest.importorskip("optuna")
    from syne_mohb.schedulers import OptunaAskTellScheduler

    scheduler = OptunaAskTellScheduler({"x": uniform(0, 1)}, ["f"], "min", random_seed=0)
    first, second = scheduler.suggest(), scheduler.suggest()
    trials = [_trial(0, second.config), _trial(1, first.config)]
    for trial in trials:
        scheduler.on_trial_add(trial)
    for trial in trials:
        scheduler.on_trial_complete(trial, {"f": 2 * trial.config["x"]})
    told = [(t.params["x"], t.values[0]) for t in scheduler.study.trials]
    assert all(value == pytest.approx(2 * x) for x, value in told)


def test_wrappers_and_syne_tune_peer_name_bad_arguments():
    with pytest.raises(ValueError, match="inner must be the scheduler to wrap"):
        TrialCap(None, 2)
    with pytest.raises(ValueError, match="metrics must be a non-empty list of metric names"):
        syne_tune_moasha(SPACE, "loss", "epoch", 5)  # not ['l', 'o', 's', 's']
    with pytest.raises(ValueError, match="max_t must be a number >= 1"):
        syne_tune_moasha(SPACE, ["loss"], "epoch", 0)
    with pytest.raises(ValueError, match="time_attr must be the name"):
        syne_tune_moasha(SPACE, ["loss"], None, 5)


def test_a_metric_that_is_not_a_number_names_the_trial_and_metric():
    """FIFO and ask/tell schedulers read a result's metrics as MOASHA does: None is NaN (the
    worst value), a string names the trial and the metric (it was numpy's bare "could not
    convert string to float")."""
    from syne_mohb.searchers.hardware import InstanceTypePreference

    space = {"x": uniform(0, 1)}
    fifo = FIFOScheduler(space, metrics=["loss", "time"], mode="min", random_seed=0)
    trial = Trial(trial_id=3, config={"x": 0.5}, creation_time=datetime.now())
    with pytest.raises(ValueError, match=r"trial 3 reported metric loss='abc', which is not a"):
        fifo.on_trial_result(trial, {"loss": "abc", "time": 1.0})
    assert fifo._values({"loss": None, "time": 1.0}, 3)[1] == 1.0
    pref = InstanceTypePreference({"instance_type": choice(["a", "b"])}, ["min", "min"])
    with pytest.raises(ValueError, match=r"trial 4: metrics must be numbers"):
        pref.observe(4, {"instance_type": "a"}, ["x", 1.0])


def test_moasha_without_a_rung_and_a_list_of_related_tasks_say_what_to_do():
    from syne_mohb import MOASHA

    with pytest.raises(ValueError, match=r"max_t=1 is not above grace_period=1: MO-ASHA has no "
                                         r"rung .* use FIFOScheduler"):
        MOASHA({"x": uniform(0, 1)}, metrics=["a", "b"], mode="min", max_t=1)
    from syne_mohb.searchers.transfer import ParetoTransferSearcher

    with pytest.raises(ValueError, match=r"transfer_learning_evaluations must be a dict, not a "
                                         r"list"):  # it said "is empty"
        ParetoTransferSearcher({"x": uniform(0, 1)}, [1], ["a", "b"], "min")


def test_a_searcher_with_other_modes_than_its_scheduler_is_refused():
    """A ModelBasedSearcher built to minimise what MO-ASHA maximises would look for the models
    the rungs stop: refused at construction, by MOASHA and by FIFOScheduler alike."""
    from syne_mohb import MOASHA

    space = {"x": uniform(0, 1)}
    searcher = ModelBasedSearcher(space, ["acc", "time"], mode="min", random_seed=0)
    with pytest.raises(ValueError, match=r"modes \['min', 'min'\] are not the scheduler's "
                                         r"\['max', 'min'\]"):
        MOASHA(space, ["acc", "time"], ["max", "min"], max_t=9, searcher=searcher)
    with pytest.raises(ValueError, match=r"build the searcher with mode=\['max', 'min'\]"):
        FIFOScheduler(space, ["acc", "time"], ["max", "min"], searcher=searcher)
