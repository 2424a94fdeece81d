"""The NePS peer (method ``neps-mobo``): NePS's multi-objective BO driven through ask/tell.

Runs only where the ``neps`` extra is installed (torch, several GB: not in ``make test``'s
venv); without it, ``tests/test_extras.py`` pins the one-line error naming the extra."""
from __future__ import annotations

import datetime

import pytest
from syne_tune.backend.trial_status import Trial
from syne_tune.config_space import choice, finrange, loguniform, randint, uniform

pytest.importorskip("neps")

from syne_mohb.schedulers.neps_ask_tell import NePSAskTellScheduler, neps_search_space  # noqa: E402

SPACE = {"lr": loguniform(1e-4, 1e-1), "momentum": uniform(0.0, 0.9),
         "layers": randint(1, 4), "act": choice(["relu", "tanh"]), "epochs": 5}


def _trial(tid: int, config: dict) -> Trial:
    return Trial(trial_id=tid, config=config, creation_time=datetime.datetime.now())


def _objective(config: dict) -> tuple[float, float]:
    """Accuracy (max) and runtime (min) that trade off through the number of layers."""
    acc = 0.5 + 0.1 * config["layers"] - abs(config["lr"] - 0.01) - 0.1 * config["momentum"]
    return acc, 10.0 * config["layers"] + (config["act"] == "tanh")


def test_search_space_keeps_bounds_scales_choices_and_constants():
    from neps.space.parameters import HPOCategorical, HPOConstant, HPOFloat, HPOInteger

    space = neps_search_space(SPACE)
    assert isinstance(space["lr"], HPOFloat) and space["lr"].log
    assert (space["lr"].lower, space["lr"].upper) == (1e-4, 1e-1)
    assert isinstance(space["momentum"], HPOFloat) and not space["momentum"].log
    assert isinstance(space["layers"], HPOInteger) and (space["layers"].lower,
                                                        space["layers"].upper) == (1, 4)
    assert isinstance(space["act"], HPOCategorical) and space["act"].choices == ["relu", "tanh"]
    assert isinstance(space["epochs"], HPOConstant) and space["epochs"].value == 5
    with pytest.raises(ValueError, match=r"hyperparameter 'k': domain FiniteRange has no NePS"):
        neps_search_space({"k": finrange(0.0, 1.0, 5)})


def test_runs_past_its_initial_design_with_pending_trials_and_failures():
    sched = NePSAskTellScheduler(SPACE, ["accuracy", "runtime"], ["max", "min"], random_seed=3)
    running: list[tuple[int, dict]] = []
    tid = 0
    for step in range(12):  # 4 in flight at a time, as with 4 workers
        while len(running) < 4:
            config = sched.suggest().config
            assert 1e-4 <= config["lr"] <= 1e-1 and config["layers"] in {1, 2, 3, 4}
            assert config["act"] in {"relu", "tanh"} and config["epochs"] == 5
            sched.on_trial_add(_trial(tid, config))
            running.append((tid, config))
            tid += 1
        done_id, config = running.pop(0)
        if step == 2:
            sched.on_trial_error(_trial(done_id, config))
            continue
        acc, runtime = _objective(config)
        sched.on_trial_complete(_trial(done_id, config), {"accuracy": acc, "runtime": runtime})
    reports = [t.report for t in sched._optimizer.trials.values() if t.report is not None]
    # the errored trial is forgotten (NePS 0.17's multi-objective GP fails on a failed
    # report); of the 15 asked, the 11 others are told and the 3 still running are pending
    assert len(reports) == 11 and len(sched._optimizer.trials) == 14
    told = [r.objective_to_minimize for r in reports]
    # accuracy (mode max) is told negated: NePS minimises every objective
    assert all(v[0] < 0 < v[1] for v in told)
    assert sched.metadata()["metric_mode"] == ["max", "min"]


def test_same_seed_same_initial_design():
    a = NePSAskTellScheduler(SPACE, ["accuracy", "runtime"], ["max", "min"], random_seed=7)
    first = [a.suggest().config for _ in range(3)]
    b = NePSAskTellScheduler(SPACE, ["accuracy", "runtime"], ["max", "min"], random_seed=7)
    assert [b.suggest().config for _ in range(3)] == first
