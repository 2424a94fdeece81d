"""Tests of ParetoTransferSearcher on a synthetic family of related tasks with known Pareto sets."""
from __future__ import annotations

import logging
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from syne_tune.backend.trial_status import Trial
from syne_tune.config_space import choice, loguniform, uniform
from syne_tune.optimizer.schedulers.transfer_learning.transfer_learning_task_evaluation import (
    TransferLearningTaskEvaluations,
)

from syne_mohb.searchers._config_encoding import ConfigEncoder
from syne_mohb.searchers._front_labels import online_labels
from syne_mohb.searchers.transfer import ParetoTransferSearcher


# ---------------------------------------------------------------------- synthetic tasks
# 2-objective tasks whose Pareto sets lie in a known sub-box of the config space
CONFIG_SPACE = {
    "x1": uniform(0.0, 1.0),
    "x2": uniform(0.0, 1.0),
    "lr": loguniform(1e-4, 1e-1),
    "instance_type": choice(["ml.c5.xlarge", "ml.g4dn.xlarge", "ml.p3.2xlarge"]),
    "epochs": 10,  # constant, not a hyperparameter
}
METRICS = ["accuracy", "cost"]
MODES = ["max", "min"]
GOOD_TYPE = "ml.g4dn.xlarge"


def distance(x2, instance_type, lo: float, width: float = 0.2):
    """Distance to the task's Pareto set {x2 in [lo, lo + width], instance_type == GOOD_TYPE}."""
    x2 = np.asarray(x2, dtype=float)
    d = np.maximum(lo - x2, 0.0) + np.maximum(x2 - (lo + width), 0.0)
    return d + 0.5 * (np.asarray(instance_type) != GOOD_TYPE)


def objectives(frame: pd.DataFrame, lo: float, scale: float) -> np.ndarray:
    """(accuracy, cost) with front exactly {distance == 0}: f1 = x1 + d, f2 = 1 - x1 + d."""
    d = distance(frame["x2"], frame["instance_type"], lo)
    f1 = frame["x1"].to_numpy() + d
    f2 = 1.0 - frame["x1"].to_numpy() + d
    # task-specific monotone transforms: scales differ between tasks, fronts do not
    return np.stack([np.exp(-f1) * scale, 3.0 * scale * (f2 + 0.1) ** 2], axis=1)


def sample_frame(n: int, rs: np.random.RandomState) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x1": rs.uniform(0, 1, n),
            "x2": rs.uniform(0, 1, n),
            "lr": np.exp(rs.uniform(np.log(1e-4), np.log(1e-1), n)),
            "instance_type": rs.choice(CONFIG_SPACE["instance_type"].categories, n),
        }
    )


def make_task(lo: float, scale: float, n: int, seed: int, num_fidelities: int = 3):
    rs = np.random.RandomState(seed)
    frame = sample_frame(n, rs)
    final = objectives(frame, lo, scale)  # (n, 2)
    evals = np.empty((n, 2, num_fidelities, 2))
    for f in range(num_fidelities):
        frac = (f + 1) / num_fidelities
        for s in range(2):
            noise = 1 + 0.01 * rs.randn(n, 2)
            evals[:, s, f, 0] = final[:, 0] * (0.5 + 0.5 * frac) * noise[:, 0]
            evals[:, s, f, 1] = final[:, 1] * frac * noise[:, 1]
    # a third of the configurations stopped early: NaN beyond their first fidelity
    stopped = rs.rand(n) < 0.3
    evals[stopped, :, 1:, :] = np.nan
    return TransferLearningTaskEvaluations(
        configuration_space=CONFIG_SPACE,
        hyperparameters=frame,
        objectives_names=["accuracy", "cost"],
        objectives_evaluations=evals,
    )


def related_tasks(n: int = 300) -> dict[str, TransferLearningTaskEvaluations]:
    """Four tasks whose Pareto sets lie in x2 in [0.55, 0.85], instance_type == GOOD_TYPE."""
    return {
        f"task{i}": make_task(lo=lo, scale=scale, n=n, seed=i)
        for i, (lo, scale) in enumerate([(0.55, 1.0), (0.6, 10.0), (0.65, 0.1), (0.6, 3.0)])
    }


def in_region(configs: list[dict], lo: float = 0.55, hi: float = 0.85) -> np.ndarray:
    return np.array(
        [(lo <= c["x2"] <= hi) and c["instance_type"] == GOOD_TYPE for c in configs]
    )


@pytest.fixture(scope="module")
def tasks():
    return related_tasks()


def make(tasks, **kwargs) -> ParetoTransferSearcher:
    kwargs.setdefault("random_seed", 0)
    return ParetoTransferSearcher(CONFIG_SPACE, tasks, METRICS, MODES, **kwargs)


def test_suggestions_concentrate_in_known_pareto_region(tasks):
    n = 200
    searcher = make(tasks)
    suggested = [searcher.suggest() for _ in range(n)]
    frac = in_region(suggested).mean()
    # the same measurement for uniform random sampling of the config space
    random_frac = in_region(ConfigEncoder(CONFIG_SPACE).sample(n, np.random.RandomState(0))).mean()
    threshold = 0.35
    assert random_frac < threshold  # random sampling fails the threshold (true mass: 0.1)
    assert frac >= threshold, f"only {frac:.2f} of suggestions in the Pareto region"
    assert frac >= 3 * random_frac
    # constants of the config space are passed through, suggestions are never repeated
    assert all(c["epochs"] == 10 for c in suggested)
    keys = {ConfigEncoder(CONFIG_SPACE).key(c) for c in suggested}
    assert len(keys) == n


def test_exploration_one_is_uniform(tasks):
    searcher = make(tasks, exploration=1.0)
    frac = in_region([searcher.suggest() for _ in range(200)]).mean()
    assert frac < 0.2


def test_reproducible_given_seed_and_events(tasks):
    def run(seed):
        searcher = make(tasks, random_seed=seed, min_own_observations=3)
        out = []
        for i in range(12):
            config = searcher.suggest()
            out.append(config)
            # deterministic feedback that depends on the config only
            acc, cost = np.exp(-config["x1"]), 1.0 - config["x1"] + config["x2"]
            searcher.on_trial_result(i, config, [acc, cost], resource=1)
            if i % 2:
                searcher.on_trial_result(i, config, [acc * 1.1, cost * 2], resource=2)
        return out

    assert run(3) == run(3)
    assert run(3) != run(4)


def _contradicting_results(searcher, n: int, seed: int) -> None:
    """Own-task results whose Pareto set is x2 in [0.05, 0.25] on ml.c5.xlarge (not where the
    related tasks had theirs), multi-fidelity: a third of the trials stop after resource 1."""
    rs = np.random.RandomState(seed)
    configs = ConfigEncoder(CONFIG_SPACE).sample(n, rs)
    frame = pd.DataFrame(configs)
    d = (
        np.maximum(0.05 - frame.x2, 0)
        + np.maximum(frame.x2 - 0.25, 0)
        + 0.5 * (frame.instance_type != "ml.c5.xlarge")
    ).to_numpy()
    f1, f2 = frame.x1.to_numpy() + d, 1 - frame.x1.to_numpy() + d
    for i, config in enumerate(configs):
        for r in (1, 2, 3):
            searcher.on_trial_result(1000 + i, config, [np.exp(-f1[i]) * (0.5 + r / 6), f2[i] * r],
                                     resource=r)
            if r == 1 and i % 3 == 0:
                break


def _in_new_region(configs) -> np.ndarray:
    return np.array([0.05 <= c["x2"] <= 0.25 and c["instance_type"] == "ml.c5.xlarge"
                     for c in configs])


def test_online_update_follows_contradicting_evidence(tasks, caplog):
    searcher = make(tasks)
    before = [searcher.suggest() for _ in range(50)]
    _contradicting_results(searcher, n=80, seed=1)
    with caplog.at_level(logging.INFO, logger="syne_mohb.searchers.transfer"):
        after = [searcher.suggest() for _ in range(50)]
    assert _in_new_region(before).mean() <= 0.06
    assert _in_new_region(after).mean() >= 0.15
    assert in_region(after).mean() < in_region(before).mean() / 2
    # refit cost is logged with seconds
    assert any("own trials" in r.getMessage() and " s" in r.getMessage() for r in caplog.records)


def test_finite_space_enumerated_never_repeats_then_none():
    space = {
        "lr": choice([0.001, 0.01, 0.1]),
        "units": choice([16, 64]),
        "instance_type": choice(["ml.c5.xlarge", "ml.g4dn.xlarge"]),
    }
    configs = ConfigEncoder(space).enumerate()
    frame = pd.DataFrame(configs)
    rs = np.random.RandomState(0)
    evals = rs.rand(len(frame), 1, 1, 2)
    tasks = {"t": TransferLearningTaskEvaluations(space, frame, ["a", "b"], evals)}
    first = {"lr": 0.1, "units": 64, "instance_type": "ml.c5.xlarge"}
    searcher = ParetoTransferSearcher(
        space, tasks, ["a", "b"], "min", points_to_evaluate=[first, first], random_seed=1
    )
    out = [searcher.suggest() for _ in range(len(configs))]
    assert out[0] == first
    assert sorted(map(str, out)) == sorted(map(str, configs))
    assert searcher.suggest() is None


def test_suggest_skips_configs_reported_by_others(tasks):
    space = {"lr": choice([0.001, 0.01]),
             "instance_type": choice(["ml.c5.xlarge", "ml.g4dn.xlarge"])}
    configs = ConfigEncoder(space).enumerate()
    tl = {"t": TransferLearningTaskEvaluations(space, pd.DataFrame(configs), ["a"],
                                               np.ones((4, 1, 1, 1)))}
    searcher = ParetoTransferSearcher(space, tl, ["a"], "max", random_seed=0)
    for i, c in enumerate(configs[:3]):
        searcher.on_trial_complete(i, c, [0.5])
    assert searcher.suggest() == configs[3]
    assert searcher.suggest() is None


# ---------------------------------------------------------------------- errors
def test_mismatched_spaces_raise(tasks):
    ev = tasks["task0"]
    missing = TransferLearningTaskEvaluations(
        CONFIG_SPACE, ev.hyperparameters.drop(columns=["lr"]), ev.objectives_names,
        ev.objectives_evaluations
    )
    with pytest.raises(ValueError, match=r"'bad'.*column 'lr'"):
        make({"task1": tasks["task1"], "bad": missing})

    extra_space = dict(CONFIG_SPACE, momentum=choice([0.9]))
    extra = TransferLearningTaskEvaluations(
        extra_space, ev.hyperparameters.assign(momentum=0.9), ev.objectives_names,
        ev.objectives_evaluations
    )
    with pytest.raises(ValueError, match=r"'extra'.*column 'momentum'"):
        make({"extra": extra})

    other_types = ev.hyperparameters.assign(instance_type="ml.p4d.24xlarge")
    wrong = TransferLearningTaskEvaluations(CONFIG_SPACE, other_types, ev.objectives_names,
                                            ev.objectives_evaluations)
    with pytest.raises(ValueError, match=r"'wrong'.*'instance_type'.*ml.p4d.24xlarge"):
        make({"wrong": wrong})


def test_missing_objectives_and_empty_evaluations_raise(tasks):
    ev = tasks["task0"]
    with pytest.raises(ValueError,
                       match=r"'task0' lacks objectives \['runtime'\].*\['accuracy', 'cost'\]"):
        ParetoTransferSearcher(CONFIG_SPACE, tasks, ["accuracy", "runtime"], ["max", "min"])
    with pytest.raises(ValueError, match="transfer_learning_evaluations is empty"):
        ParetoTransferSearcher(CONFIG_SPACE, {}, METRICS, MODES)
    empty = TransferLearningTaskEvaluations(
        CONFIG_SPACE, ev.hyperparameters.iloc[:0], ev.objectives_names,
        ev.objectives_evaluations[:0]
    )
    with pytest.raises(ValueError, match="'void' has no evaluations"):
        make({"void": empty})
    all_nan = TransferLearningTaskEvaluations(
        CONFIG_SPACE, ev.hyperparameters, ev.objectives_names,
        np.full_like(ev.objectives_evaluations, np.nan)
    )
    with pytest.raises(ValueError, match="'nan' has no configuration with finite values"):
        make({"nan": all_nan})


def test_bad_arguments_raise(tasks):
    with pytest.raises(ValueError, match="exploration"):
        make(tasks, exploration=1.5)
    with pytest.raises(ValueError, match="temperature"):
        make(tasks, temperature=0)
    with pytest.raises(ValueError, match="mode"):
        ParetoTransferSearcher(CONFIG_SPACE, tasks, METRICS, ["max"])
    searcher = make(tasks)
    with pytest.raises(ValueError, match="trial 7.*expected one per metric"):
        searcher.on_trial_result(7, searcher.suggest(), [0.5])


# ---------------------------------------------------------------------- label helpers
def test_online_labels_compare_at_comparable_resource():
    # (accuracy max, cost min); cost grows with the resource, so raw values at different
    # resources are not comparable: trial 2 reached resource 3 and is best there
    histories = [
        {1.0: np.array([0.50, 1.0])},
        {1.0: np.array([0.60, 1.0])},
        {1.0: np.array([0.70, 1.0]), 3.0: np.array([0.90, 3.0])},
        {1.0: np.array([0.55, 1.0]), 3.0: np.array([0.80, 3.0])},
        {1.0: np.array([0.40, 1.0])},
    ]
    labels = online_labels(histories, ["max", "min"], gamma=0.3)
    # resource 3 (only trials 2 and 3 are comparable): trial 2 dominates trial 3, which has
    # 1/2 better: not near the front. Resource 1 (all trials, at their resource-1 values):
    # trial 1 has 1/5 better (trial 2), trials 0 and 4 have 3/5 and 4/5 better
    assert labels.tolist() == [0.0, 1.0, 1.0, 0.0, 0.0]
    # with only the resource-1 results trial 3 (0.55 at resource 1) is behind trials 1 and 2
    at_one = [{1.0: h[1.0]} for h in histories]
    assert online_labels(at_one, ["max", "min"], gamma=0.3).tolist() == [0.0, 1.0, 1.0, 0.0, 0.0]


# ---------------------------------------------------------------------- with MO-ASHA
def test_drives_moasha_with_resource(tasks):
    from syne_mohb.scheduler import MOASHA

    searcher = make(tasks, min_own_observations=3)
    scheduler = MOASHA(CONFIG_SPACE, METRICS, MODES, time_attr="epoch", max_t=9, searcher=searcher,
                       random_seed=0)
    for trial_id in range(15):
        config = scheduler.suggest().config
        trial = Trial(trial_id, config, datetime.now())
        scheduler.on_trial_add(trial)
        d = 0.5 * (config["instance_type"] != GOOD_TYPE)
        for epoch in range(1, 10):
            result = {"epoch": epoch, "accuracy": 1 - d - 0.3 / epoch, "cost": epoch * (1 + d)}
            if scheduler.on_trial_result(trial, result) == "STOP":
                break
    histories = [t["history"] for t in searcher._trials.values()]
    assert len(histories) == 15
    assert max(max(h) for h in histories) == 9.0  # resource levels came from MO-ASHA
    assert searcher._own_model is not None


# ------------------------------------------------------------------- shipped blackbox, end to end
@pytest.mark.slow
def test_end_to_end_on_shipped_blackbox(tmp_path, monkeypatch):
    from syne_tune import StoppingCriterion, Tuner
    from syne_mohb.backends.simulated import SimulatedClock

    from syne_mohb import blackboxes
    from syne_mohb.pareto import pareto_mask
    from syne_mohb.scheduler import MOASHA

    if "linear" not in blackboxes.names():
        pytest.skip("shipped blackbox 'linear' not available")
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    metrics = ["accuracy", "runtime", "cost"]
    modes = blackboxes.metric_modes("linear", metrics)
    related = blackboxes.to_transfer_evaluations("linear", exclude_task="digits",
                                                 objectives=metrics)
    # instance types on the related tasks' final-epoch Pareto fronts
    front_types = set()
    for ev in related.values():
        Y = np.asarray(ev.objectives_evaluations).mean(axis=1)[:, -1, :]
        front_types |= set(ev.hyperparameters["instance_type"][pareto_mask(Y, modes)])
    config_space = blackboxes.load("linear")["digits"].configuration_space
    assert len(front_types) < len(config_space["instance_type"].categories)

    searcher = ParetoTransferSearcher(config_space, related, metrics, modes, random_seed=0)
    scheduler = MOASHA(config_space, metrics, modes, time_attr="epoch", max_t=20,
                       searcher=searcher, random_seed=0)
    callback = SimulatedClock()
    tuner = Tuner(
        trial_backend=blackboxes.make_backend("linear", "digits", seed=0),
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_num_trials_started=40),
        n_workers=4,
        sleep_time=0,
        callbacks=[callback],
        save_tuner=False,
    )
    tuner.run()
    df = callback.dataframe()
    configs = df.drop_duplicates("trial_id")
    hp = [f"config_{k}" for k in searcher._encoder.hp_names]
    assert not configs.duplicated(subset=hp).any()  # never repeated
    share = configs["config_instance_type"].isin(front_types).mean()
    random_share = len(front_types) / len(config_space["instance_type"].categories)
    assert share >= random_share + 0.15, (share, random_share)  # random: 0.5 +- 0.08


@pytest.mark.parametrize("repeats", ["when_exhausted", "always"])
def test_repeats_go_on_after_the_space_is_used(repeats):
    space = {"lr": choice([0.001, 0.01, 0.1]),
             "instance_type": choice(["ml.c5.xlarge", "ml.g4dn.xlarge"])}
    configs = ConfigEncoder(space).enumerate()
    evals = np.random.RandomState(0).rand(len(configs), 1, 1, 2)
    tasks = {"t": TransferLearningTaskEvaluations(space, pd.DataFrame(configs), ["a", "b"], evals)}
    searcher = ParetoTransferSearcher(space, tasks, ["a", "b"], "min", random_seed=1,
                                      repeats=repeats)
    out = [searcher.suggest() for _ in range(3 * len(configs))]
    assert all(c is not None for c in out)
    if repeats == "when_exhausted":  # every configuration once before any repeat
        assert sorted(map(str, out[: len(configs)])) == sorted(map(str, configs))
    else:
        assert len({str(c) for c in out}) < len(out)
    with pytest.raises(ValueError, match="repeats must be one of"):
        ParetoTransferSearcher(space, tasks, ["a", "b"], "min", repeats="twice")
