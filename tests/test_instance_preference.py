"""InstanceTypePreference: dominated instance types are learnt from first results."""
from __future__ import annotations

import numpy as np
import pytest
from syne_tune.config_space import choice, loguniform

from syne_mohb.searchers.hardware import InstanceTypePreference
from syne_mohb.searchers.random import RandomSearcher

TYPES = ["cpu.small", "cpu.big", "gpu"]
SPACE = {"width": choice([16, 64, 256]), "lr": loguniform(1e-4, 1e-1),
         "instance_type": choice(TYPES)}
# (time factor, price per second): cpu.big is faster and pricier than cpu.small (a trade-off);
# gpu is slower and pricier than cpu.small (dominated)
HW = {"cpu.small": (1.0, 1.0), "cpu.big": (0.5, 3.0), "gpu": (2.0, 10.0)}


def _result(config, rng):
    work = config["width"] / 16.0
    factor, price = HW[config["instance_type"]]
    runtime = work * factor * np.exp(0.1 * rng.randn())
    accuracy = 0.5 + 0.1 * np.log(config["width"]) + 0.02 * rng.randn()
    return [accuracy, runtime, runtime * price]


def test_dominated_type_gets_only_the_exploration_share():
    rng = np.random.RandomState(0)
    pref = InstanceTypePreference(SPACE, ["max", "min", "min"], exploration=0.1)
    searcher = RandomSearcher(SPACE, random_seed=0)
    assert np.allclose(pref.probabilities(), 1 / 3)  # nothing observed: uniform
    for tid in range(60):
        config = searcher.suggest()
        pref.observe(tid, config, _result(config, rng))
        pref.observe(tid, config, [0.0, 1e9, 1e9])  # a later result of the trial: ignored
    probs = dict(zip(TYPES, pref.probabilities()))
    assert pref.dominated == ["gpu"]
    assert probs["gpu"] == pytest.approx(0.1 / 3)
    assert probs["cpu.small"] == pytest.approx(0.45 + 0.1 / 3)
    assert probs["cpu.big"] == pytest.approx(0.45 + 0.1 / 3)


def test_equal_types_are_all_kept():
    rng = np.random.RandomState(1)
    hw = {t: (1.0, 1.0) for t in TYPES}
    pref = InstanceTypePreference(SPACE, ["max", "min", "min"])
    searcher = RandomSearcher(SPACE, random_seed=1)
    for tid in range(80):
        c = searcher.suggest()
        rt = c["width"] * hw[c["instance_type"]][0] * np.exp(0.1 * rng.randn())
        pref.observe(tid, c, [0.9 + 0.01 * rng.randn(), rt, rt])
    assert pref.dominated == []
    assert np.allclose(pref.probabilities(), 1 / 3)


def test_random_searcher_samples_dominated_types_rarely():
    rng = np.random.RandomState(2)
    searcher = RandomSearcher(SPACE, random_seed=2, repeats="always",
                              instance_attr="instance_type", modes=["max", "min", "min"])
    for tid in range(60):
        config = searcher.suggest()
        searcher.on_trial_result(tid, config, _result(config, rng))
    later = [searcher.suggest()["instance_type"] for _ in range(300)]
    share = later.count("gpu") / len(later)
    assert searcher.instance_preference.dominated == ["gpu"]
    assert share < 0.1  # expected 1/30: only the exploration share
    assert {"cpu.small", "cpu.big"} <= set(later)


def test_bad_arguments_name_the_parameter():
    with pytest.raises(ValueError, match="config_space\\['instance'\\] must be a categorical"):
        InstanceTypePreference(SPACE, ["max", "min", "min"], instance_attr="instance")
    with pytest.raises(ValueError, match="exploration must be in"):
        InstanceTypePreference(SPACE, ["max", "min", "min"], exploration=1.5)
    with pytest.raises(ValueError, match="modes is needed with instance_attr"):
        RandomSearcher(SPACE, instance_attr="instance_type")


def test_moasha_finds_the_hardware_dimension_by_its_declared_name_only():
    """The hardware policy replaced this sampler as MO-ASHA's default; the dimension is
    declared by ``instance_attr``, never guessed from an ``ml.`` prefix."""
    from syne_mohb.scheduler import MOASHA

    space = {"lr": loguniform(1e-4, 1e-1), "hw": choice(["ml.m5.xlarge", "ml.p3.2xlarge"])}
    sched = MOASHA(space, metrics=["error", "cost"], mode="min", time_attr="epoch", max_t=9)
    assert sched.hardware is None and "hw" in sched.searcher.config_space
    declared = MOASHA(space, metrics=["error", "cost"], mode="min", time_attr="epoch", max_t=9,
                      instance_attr="hw")
    assert declared.hardware is not None and "hw" not in declared.searcher.config_space
    assert type(declared.searcher).__name__ == "ModelBasedSearcher"  # the default searcher
    assert declared.searcher.context_attr == "hw"  # the policy's choice is a context input
    fixed = MOASHA({"lr": loguniform(1e-4, 1e-1), "instance_type": "ml.m5.xlarge"},
                   metrics=["error", "cost"], mode="min", time_attr="epoch", max_t=9)
    assert fixed.hardware is None
