"""MOASHA(searcher_kwargs=...): the searcher MO-ASHA builds by name, configured by the user."""
from __future__ import annotations

import logging

import pytest
from syne_tune.backend.trial_status import Trial
from syne_tune.config_space import choice

from syne_mohb.schedulers import MOASHA
from syne_mohb.searchers import ModelBasedSearcher, RandomSearcher

TYPES = choice(["ml.m5.xlarge", "ml.g4dn.xlarge"])
# 12 configurations of the hyperparameters; the policy chooses the instance type
SPACE = {"a": choice([0.0, 0.25, 0.5, 1.0]), "c": choice(["p", "q", "r"]), "epochs": 3,
         "instance_type": TYPES}
METRICS, MODES = ["accuracy", "runtime"], ["max", "min"]


def moasha(space=SPACE, **kwargs) -> MOASHA:
    return MOASHA(space, metrics=METRICS, mode=MODES, time_attr="epoch", max_t=3,
                  random_seed=0, **kwargs)


def hp_key(config) -> tuple:
    return tuple(sorted((k, v) for k, v in config.items() if k != "instance_type"))


def run_trials(scheduler: MOASHA, n: int) -> list[dict]:
    """``n`` suggestions, each trial reporting three epochs (or fewer when stopped)."""
    configs = []
    for trial_id in range(n):
        suggestion = scheduler.suggest()
        if suggestion is None:
            break
        trial = Trial(trial_id=trial_id, config=suggestion.config, creation_time=None)
        scheduler.on_trial_add(trial)
        configs.append(suggestion.config)
        for epoch in (1, 2, 3):
            result = {"epoch": epoch, "accuracy": 0.5 + 0.1 * suggestion.config["a"],
                      "runtime": 10.0 * epoch}
            if scheduler.on_trial_result(trial, result) != "CONTINUE":
                break
    return configs


def test_the_model_based_searcher_gets_the_arguments():
    scheduler = moasha(searcher_kwargs={"repeats": "when_exhausted", "num_initial": 3,
                                        "num_trees": 8})
    searcher = scheduler.searcher
    assert isinstance(searcher, ModelBasedSearcher)
    assert (searcher.repeats, searcher.num_initial, searcher.num_trees) == ("when_exhausted", 3, 8)
    # what MO-ASHA sets is still set: the space without the instance type, its max_t
    assert "instance_type" not in searcher.config_space and searcher.max_resource == 3
    # and it acts: no configuration twice before all 12 were tried
    keys = [hp_key(c) for c in run_trials(scheduler, 12)]
    assert len(set(keys)) == 12


def test_repeats_never_ends_the_run_once_the_space_is_used_up():
    scheduler = moasha(searcher_kwargs={"repeats": "never", "num_initial": 3, "num_trees": 8})
    configs = run_trials(scheduler, 20)
    assert len(configs) == 12 and len({hp_key(c) for c in configs}) == 12
    assert scheduler.suggest() is None  # Syne Tune ends a run on None


def test_the_random_searcher_gets_the_arguments():
    scheduler = moasha(searcher="random", searcher_kwargs={"repeats": "never"})
    assert isinstance(scheduler.searcher, RandomSearcher)
    assert scheduler.searcher.repeats == "never"
    configs = run_trials(scheduler, 20)
    assert len({hp_key(c) for c in configs}) == len(configs) == 12


def test_without_hyperparameters_only_the_random_searchers_arguments_apply(caplog):
    space = {"epochs": 3, "instance_type": TYPES}
    with caplog.at_level(logging.WARNING, logger="syne_mohb.searchers.default"):
        scheduler = moasha(space, searcher_kwargs={"repeats": "when_exhausted",
                                                   "num_initial": 3})
    assert isinstance(scheduler.searcher, RandomSearcher)
    assert scheduler.searcher.repeats == "when_exhausted"
    assert "['num_initial'] do not apply" in caplog.text


@pytest.mark.parametrize("kwargs, match", [
    (dict(searcher_kwargs={"repeats": "sometimes"}),
     r"^searcher_kwargs\['repeats'\]: repeats must be one of"),
    (dict(searcher_kwargs={"num_trees": 0}), r"^searcher_kwargs\['num_trees'\]: num_trees must"),
    (dict(searcher_kwargs={"repeat": "never"}),
     r"^searcher_kwargs\['repeat'\]: not an argument of ModelBasedSearcher "
     r"\(searcher='model-based'\) \(did you mean 'repeats'\?\); it takes .*repeats"),
    (dict(searcher="random", searcher_kwargs={"num_initial": 3}),
     r"^searcher_kwargs\['num_initial'\]: not an argument of RandomSearcher"),
    (dict(searcher_kwargs={"random_seed": 1}),
     r"^searcher_kwargs\['random_seed'\]: MO-ASHA sets the searcher's random_seed; give "
     r"MOASHA\(random_seed=\.\.\.\) instead"),
    (dict(searcher_kwargs={"max_resource": 9}), r"give MOASHA\(max_t=\.\.\.\) instead"),
    (dict(searcher_kwargs={"metrics": ["x"]}), r"give MOASHA\(metrics=\.\.\.\) instead"),
    (dict(searcher_kwargs="repeats=never"), r"^searcher_kwargs must be a dict"),
    (dict(searcher=RandomSearcher({"a": choice([0.0, 1.0]), "epochs": 3}),
          searcher_kwargs={"repeats": "never"}),
     r"^searcher_kwargs configures the searcher MO-ASHA builds.*give those arguments to that "
     r"searcher"),
])
def test_bad_searcher_kwargs_are_named_before_any_work(kwargs, match):
    with pytest.raises(ValueError, match=match):
        moasha(**kwargs)
