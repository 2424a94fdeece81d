"""The Syne Tune peers of the comparison behave exactly like Syne Tune 0.16's code."""
from __future__ import annotations

import numpy as np
import pytest
from syne_tune.optimizer.schedulers.multiobjective.multiobjective_priority import (
    NonDominatedPriority,
)

from syne_mohb.schedulers import STNonDominatedPriority


@pytest.mark.parametrize("patched", [False, True])
def test_fast_priority_equals_syne_tunes(patched):
    rng = np.random.RandomState(0)
    for _ in range(150):
        n, m = rng.randint(1, 40), rng.randint(2, 4)
        X = rng.rand(n, m) if rng.rand() < 0.5 else rng.randint(0, 4, size=(n, m)).astype(float)
        X[:, 1] *= 100.0  # unnormalised scales, as runtime in seconds next to an error
        order = np.asarray(NonDominatedPriority()(X))
        expected = order.astype(float)
        if patched:
            expected = np.empty(n)
            expected[order] = np.arange(n)
        np.testing.assert_array_equal(STNonDominatedPriority(patched=patched)(X), expected)


def test_patched_priority_ranks_a_dominating_newcomer_first():
    # the shipped priority is an order of indices: the newcomer (last row) dominating every
    # other result gets priority 0 only when it happens to be index 0 of the order
    X = np.array([[0.5, 5.0], [0.4, 6.0], [0.6, 4.0], [0.1, 1.0]])
    assert STNonDominatedPriority(patched=True)(X)[-1] == 0
    assert STNonDominatedPriority(patched=False)(X)[-1] != 0


def test_optuna_peer_keeps_log_scales():
    """A log-uniform float or integer reaches Optuna as a log distribution (NSGA-II and MOTPE
    sample and mutate on that scale)."""
    pytest.importorskip("optuna")
    from syne_tune.config_space import choice, lograndint, loguniform, randint, uniform

    from syne_mohb.schedulers import OptunaAskTellScheduler

    sched = OptunaAskTellScheduler(
        {"lr": loguniform(1e-5, 1e-1), "wd": uniform(0.0, 0.1), "units": lograndint(8, 512),
         "layers": randint(1, 4), "act": choice(["relu", "tanh"]), "epochs": 3},
        ["loss", "cost"], "min", random_seed=0)
    logs = {k: getattr(d, "log", None) for k, d in sched._distributions.items()}
    assert logs == {"lr": True, "wd": False, "units": True, "layers": False, "act": None}
