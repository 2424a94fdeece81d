"""ModelBasedSearcher: reproducibility, pending trials, input validation, full fidelity,
transfer."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from syne_tune.backend.trial_status import Trial
from syne_tune.config_space import choice, uniform
from syne_tune.optimizer.schedulers.transfer_learning.transfer_learning_task_evaluation import (
    TransferLearningTaskEvaluations,
)

from syne_mohb.schedulers import MOASHA
from syne_mohb.searchers.model_based import ModelBasedSearcher

GRID = [i / 9 for i in range(10)]
SPACE = {"a": choice(GRID), "b": choice(GRID), "c": choice(["p", "q", "r"]), "epochs": 3}
METRICS = ["loss", "cost"]


def objectives(config, resource: float = 3.0, scale: float = 1.0) -> list[float]:
    """Two minimised objectives whose Pareto set is {c == "q", b == 0} (10 of 300 configs);
    lower resources give noisier, shifted values of the same shape."""
    penalty = 0.5 * (config["c"] != "q") + 0.3 * config["b"]
    frac = resource / 3.0
    return [scale * (config["a"] + penalty + (1 - frac)),
            scale * ((1 - config["a"]) + penalty) * frac]


def on_front(config) -> bool:
    return config["c"] == "q" and config["b"] == 0


def make(space=SPACE, metrics=METRICS, **kwargs) -> ModelBasedSearcher:
    """A searcher with few trees (fast tests)."""
    return ModelBasedSearcher(space, metrics, **{"num_trees": 12, **kwargs})


def feed(searcher, trial_id: int, config, resources=(1.0, 3.0)) -> None:
    for r in resources:
        searcher.on_trial_result(trial_id, config, objectives(config, r), resource=r)


def run(searcher, n: int, resources=(1.0, 3.0)) -> list[dict]:
    configs = []
    for i in range(n):
        config = searcher.suggest()
        configs.append(config)
        feed(searcher, i, config, resources)
    return configs


def test_seeded_reproducibility():
    a = run(make(random_seed=3, num_initial=5), 20)
    b = run(make(random_seed=3, num_initial=5), 20)
    c = run(make(random_seed=4, num_initial=5), 20)
    assert a == b
    assert a != c


def test_model_finds_the_front_multi_fidelity():
    searcher = make(random_seed=0, num_initial=10, exploration=0.0)
    configs = run(searcher, 60)
    assert np.mean([on_front(c) for c in configs[30:]]) > 0.1  # uniform random: 10 / 300 = 3%
    assert np.mean([c["c"] == "q" for c in configs[30:]]) > 0.7  # random: 1/3
    # both ends of the front are proposed (random scalarisations cover it)
    a_values = {c["a"] for c in configs[30:] if on_front(c)}
    assert min(a_values) <= 0.34 and max(a_values) >= 0.66


def test_pending_configurations_are_not_proposed_again():
    searcher = make(random_seed=1, num_initial=5, exploration=0.0)
    run(searcher, 20)
    # 40 suggestions without any result: the acquisition keeps proposing its favourites
    # unless pending ones are excluded
    pending = [searcher.suggest() for _ in range(40)]
    keys = [tuple(sorted(c.items())) for c in pending]
    assert len(set(keys)) == len(keys)
    # once a pending configuration has a result it may be proposed again (noisy objectives)
    for i, config in enumerate(pending):
        feed(searcher, 100 + i, config)
    again = [tuple(sorted(searcher.suggest().items())) for _ in range(40)]
    assert set(again) & set(keys)


SMALL = {"a": choice([0.0, 0.5, 1.0, 0.25]), "b": 0.0, "c": choice(["p", "q", "r"]), "epochs": 3}


def test_when_exhausted_tries_every_configuration_before_a_repeat():
    searcher = make(SMALL, random_seed=5, num_initial=3, repeats="when_exhausted")
    keys = [tuple(sorted(c.items())) for c in run(searcher, 30)]
    assert len(set(keys[:12])) == 12  # the whole space (12 configurations) first, in any order
    assert len(set(keys[12:])) < 18  # then the model may propose any again
    # the default allows repeats from the start (same seed, same space)
    default = [tuple(sorted(c.items())) for c in run(make(SMALL, random_seed=5, num_initial=3), 12)]
    assert len(set(default)) < 12


def test_never_ends_the_run_once_the_space_is_used_up():
    searcher = make(SMALL, random_seed=6, num_initial=3, repeats="never")
    configs = run(searcher, 12)
    assert len({tuple(sorted(c.items())) for c in configs}) == 12
    assert searcher.suggest() is None  # Syne Tune ends a run on None


def test_when_exhausted_on_a_sampled_space_proposes_no_observed_configuration():
    space = {"a": uniform(0.0, 1.0), "c": choice(["p", "q", "r"]), "b": 0.0, "epochs": 3}
    searcher = make(space, random_seed=7, num_initial=5, num_candidates=50, refit_growth=0.0,
                    repeats="when_exhausted")
    keys = [tuple(sorted(c.items())) for c in run(searcher, 30)]
    assert len(set(keys)) == 30


def test_full_fidelity_one_rung_is_plain_mobo():
    # one resource level, no resource given (FIFO passes none): plain multi-objective BO
    searcher = make(random_seed=2, num_initial=10, exploration=0.0)
    configs = []
    for i in range(45):
        config = searcher.suggest()
        configs.append(config)
        searcher.on_trial_complete(i, config, objectives(config))
    assert searcher._num_results == 45
    assert np.mean([on_front(c) for c in configs[25:]]) > 0.15  # uniform random: 3%


def related_task(scale: float, seed: int) -> TransferLearningTaskEvaluations:
    rs = np.random.RandomState(seed)
    frame = pd.DataFrame({"a": rs.choice(GRID, 120), "b": rs.choice(GRID, 120),
                          "c": rs.choice(["p", "q", "r"], 120)})
    values = np.empty((120, 2, 3, 2))
    for i, row in frame.iterrows():
        for f in range(3):
            for s in range(2):
                values[i, s, f] = objectives(row, f + 1, scale) * (1 + 0.01 * rs.randn(2))
    return TransferLearningTaskEvaluations(configuration_space=SPACE, hyperparameters=frame,
                                           objectives_names=["cost", "loss"],
                                           objectives_evaluations=values[..., ::-1])


def test_transfer_prior_is_used_from_the_first_suggestion():
    related = {"t1": related_task(1.0, 0), "t2": related_task(50.0, 1)}
    searcher = make(random_seed=0, exploration=0.0,
                    transfer_evaluations=related)
    first = [searcher.suggest() for _ in range(15)]  # no own result yet
    # the related tasks' best category (its effect dominates; random: 1/3)
    assert np.mean([c["c"] == "q" for c in first]) > 0.8
    assert np.mean([c["b"] <= 0.34 for c in first]) > 0.5  # random: 0.4
    plain = make(random_seed=0, exploration=0.0)
    assert np.mean([plain.suggest()["c"] == "q" for _ in range(15)]) < 0.6


def test_suggestions_in_the_transfer_window_come_from_the_related_fronts():
    """With related tasks, a share ``transfer_share`` of the suggestions numbered in
    ``transfer_window`` is drawn from the related tasks' fronts: the transfer searcher's
    proposals on the related tasks alone, in its order; the others are the model's. Without
    related tasks the window does nothing."""
    from syne_mohb.searchers.transfer import ParetoTransferSearcher

    related = {"t1": related_task(1.0, 0), "t2": related_task(50.0, 1)}
    fronts = ParetoTransferSearcher(SPACE, related, metrics=METRICS, random_seed=7)
    drawn = [fronts.suggest() for _ in range(6)]
    every = make(random_seed=7, transfer_evaluations=related, transfer_share=1.0,
                 transfer_window=(3, 8))
    none = make(random_seed=7, transfer_evaluations=related, transfer_share=0.0)
    assert none._fronts is None
    a, b = run(every, 10), run(none, 10)
    assert a[:2] == b[:2]  # before the window: the model's (the share's coin has its own stream)
    assert a[2:8] == drawn
    assert np.mean([c["c"] == "q" for c in a[2:8]]) > 0.8  # near the related fronts
    assert make(random_seed=7, transfer_share=1.0)._fronts is None  # no related tasks
    # without repeats, a draw of a configuration already tried is left to the model
    fresh = make(random_seed=7, transfer_evaluations=related, transfer_share=0.5,
                 transfer_window=(1, 60), repeats="when_exhausted")
    keys = [fresh._encoder.key(c) for c in run(fresh, 60)]
    assert len(set(keys)) == 60


def test_hardware_context_outside_the_space_is_ignored_or_used():
    # the instance type chosen by a hardware policy arrives in the notified configs only
    space = {k: v for k, v in SPACE.items() if k != "c"}
    searcher = ModelBasedSearcher(space, METRICS, random_seed=0, num_initial=4,
                                  context_attr="c")
    for i in range(12):
        config = searcher.suggest()
        assert set(config) == set(space)
        notified = {**config, "c": ["p", "q", "r"][i % 3], "unrelated": "x"}
        feed(searcher, i, notified)
    assert searcher._contexts == ["p", "q", "r"]
    assert set(searcher.suggest()) == set(space)


def test_moasha_passes_resources_and_raw_metrics():
    searcher = ModelBasedSearcher(SPACE, ["loss", "accuracy"], mode=["min", "max"], random_seed=0)
    scheduler = MOASHA(SPACE, metrics=["loss", "accuracy"], mode=["min", "max"],
                       time_attr="epoch", max_t=3, searcher=searcher, random_seed=0)
    suggestion = scheduler.suggest()
    trial = Trial(trial_id=0, config=suggestion.config, creation_time=None)
    scheduler.on_trial_add(trial)
    scheduler.on_trial_result(trial, {"epoch": 1, "loss": 0.5, "accuracy": 0.7})
    assert searcher._trials[0]["history"][1.0].tolist() == [0.5, 0.7]


@pytest.mark.parametrize("kwargs, name", [
    ({"metrics": []}, "metrics"),
    ({"metrics": ["x", "x"]}, "metrics"),
    ({"mode": ["min"]}, "mode"),
    ({"mode": "maximize"}, "mode"),
    ({"num_trees": 0}, "num_trees"),
    ({"min_samples_leaf": 0}, "min_samples_leaf"),
    ({"exploration": 1.5}, "exploration"),
    ({"refit_growth": -1}, "refit_growth"),
    ({"rho": float("nan")}, "rho"),
    ({"acquisition_levels": "min"}, "acquisition_levels"),
    ({"max_resource": 0}, "max_resource"),
    ({"num_candidates": 2.5}, "num_candidates"),
    ({"transfer_evaluations": {}}, "transfer_evaluations"),
    ({"transfer_evaluations": {"t": object()}}, "transfer_evaluations"),
    ({"points_to_evaluate": [{"zz": 1}]}, "points_to_evaluate"),
    ({"repeats": "sometimes"}, "repeats"),
    ({"transfer_share": 1.5}, "transfer_share"),
    ({"transfer_share": "half"}, "transfer_share"),
    ({"transfer_window": (0, 3)}, "transfer_window"),
    ({"transfer_window": (5, 2)}, "transfer_window"),
    ({"transfer_window": 11}, "transfer_window"),
])
def test_bad_constructor_arguments_are_named(kwargs, name):
    args = {"config_space": SPACE, "metrics": METRICS, **kwargs}
    with pytest.raises(ValueError, match=name):
        ModelBasedSearcher(**args)


def test_bad_results_are_named():
    searcher = make(random_seed=0)
    config = searcher.suggest()
    with pytest.raises(ValueError, match="expected one per metric"):
        searcher.on_trial_result(0, config, [1.0])
    with pytest.raises(ValueError, match="resource"):
        searcher.on_trial_result(0, config, [1.0, 2.0], resource=float("nan"))
    with pytest.raises(ValueError, match="lacks hyperparameters"):
        searcher.on_trial_result(1, {"a": 0.0}, [1.0, 2.0])
    bad = related_task(1.0, 0)
    bad.objectives_names = ["cost", "other"]
    with pytest.raises(ValueError, match=r"transfer_evaluations\['t'\] lacks objectives"):
        make(transfer_evaluations={"t": bad})


def test_continuous_space_and_nan_metrics():
    space = {"x": uniform(0.0, 1.0), "y": uniform(0.0, 1.0)}
    searcher = ModelBasedSearcher(space, METRICS, random_seed=0, num_initial=4,
                                  num_candidates=200, pending_radius=0.05)
    for i in range(12):
        config = searcher.suggest()
        value = [config["x"], 1 - config["x"] + config["y"]]
        searcher.on_trial_result(i, config, value if i != 3 else [float("nan"), 1.0], resource=1)
    pending = [searcher.suggest() for _ in range(5)]
    X = np.array([[c["x"], c["y"]] for c in pending])
    d = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1)) / np.sqrt(2)
    assert d[np.triu_indices(5, 1)].min() >= 0.05


def test_moasha_builds_the_model_based_searcher_by_default(tmp_path):
    """MO-ASHA's default searcher (``searcher=None``, or ``"model-based"``): MO-ASHA builds it
    for its own space (the hyperparameters only when the hardware policy chooses the type),
    metrics, modes and ``max_t``, seeded from ``random_seed``: a seeded simulated run is
    reproducible, the type of every trial comes from the policy, and a name it does not know
    is refused with the valid ones. ``"random"`` builds the previous default, and so does a
    space that leaves the searcher no hyperparameter (only the type, which the policy owns)."""
    from syne_tune import StoppingCriterion

    from syne_mohb.backends.simulated import SimulatedBackend
    from syne_mohb.blackboxes import repository
    from syne_mohb.experiments.simulation import run_replay

    bb = repository.load("cnn")["mnist"]
    space = dict(bb.configuration_space)

    def one_run(name, **kw):
        sched = MOASHA(space, metrics=["accuracy", "runtime", "cost"], mode=["max", "min", "min"],
                       time_attr="epoch", max_t=10, random_seed=3, **kw)
        run_replay(SimulatedBackend(bb, random_seed=0), sched,
                   StoppingCriterion(max_wallclock_time=8.0), n_workers=4,
                   results_root=tmp_path, tuner_name=name)
        return sched, pd.read_csv(tmp_path / name / "results.csv.zip")

    sched, first = one_run("a")
    searcher = sched.searcher
    assert isinstance(searcher, ModelBasedSearcher)
    assert "instance_type" not in searcher.config_space and sched.hardware is not None
    assert searcher.metrics == ["accuracy", "runtime", "cost"]
    assert searcher.modes == ["max", "min", "min"] and searcher.max_resource == 10
    assert searcher._pred_own is not None  # the model was fitted on the run's results
    assert first["trial_id"].nunique() > searcher.num_initial
    assert sum(sched.hardware.metadata()["choices"].values()) >= first["trial_id"].nunique()
    _, second = one_run("b", searcher="model-based")  # the default, by its name
    cols = [c for c in first.columns if c.startswith("config_") or c in ("accuracy", "epoch")]
    pd.testing.assert_frame_equal(first[cols], second[cols])
    with pytest.raises(ValueError, match="'random', 'model-based'"):
        MOASHA(space, metrics=["accuracy"], mode="max", time_attr="epoch", max_t=10,
               searcher="bayesian")
    from syne_mohb.searchers import RandomSearcher

    kw = dict(metrics=["accuracy"], mode="max", time_attr="epoch", max_t=10)
    previous = MOASHA(space, searcher="random", **kw).searcher
    assert isinstance(previous, RandomSearcher) and previous.repeats == "always"
    only_type = MOASHA({"instance_type": space["instance_type"], "epochs": 10}, **kw)
    assert only_type.hardware is not None and isinstance(only_type.searcher, RandomSearcher)


def test_moasha_passes_related_tasks_to_its_searcher_and_its_policy():
    """``MOASHA(transfer_evaluations=...)``: the related tasks become the prior of the default
    searcher (its first suggestion already comes from the model: it differs from the random
    draw the same seed gives without them) and of the default policy's runtime model (prior
    rows from every related task's configurations); a searcher passed by the user must take
    them itself, and a wrong value is named."""
    from syne_mohb import blackboxes
    from syne_mohb.searchers import RandomSearcher

    metrics, modes = ["accuracy", "runtime", "cost"], ["max", "min", "min"]
    related = blackboxes.to_transfer_evaluations("cnn", exclude_task="mnist", objectives=metrics)
    space = dict(blackboxes.load("cnn")["mnist"].configuration_space)

    def make_moasha(**kw):
        return MOASHA(space, metrics=metrics, mode=modes, time_attr="epoch", max_t=10,
                      random_seed=5, **kw)

    with_prior, without = make_moasha(transfer_evaluations=related), make_moasha()
    assert with_prior.searcher._prior is not None and without.searcher._prior is None
    assert with_prior.searcher.config_space.keys() == without.searcher.config_space.keys()
    assert set(with_prior.hardware.prior_evaluations) == set(related)
    prior_rows = [r for r in with_prior.hardware.model._rows.values() if r[4] == 1]
    assert len(prior_rows) > 0 and not without.hardware.prior_evaluations
    firsts = [[m.searcher.suggest() for _ in range(4)] for m in (with_prior, without)]
    assert firsts[0] != firsts[1]
    again = make_moasha(transfer_evaluations=related)
    assert [again.searcher.suggest() for _ in range(4)] == firsts[0]  # seeded
    # suggestions 11-40 are half from the related fronts, over the hyperparameters and the
    # instance type, which is dropped: the policy places every configuration
    assert again.searcher._fronts is not None and again.searcher.transfer_window == (11, 40)
    later = [again.searcher.suggest() for _ in range(36)]
    assert all(c.keys() == again.searcher.config_space.keys() for c in later)
    # a run's metrics, named as the backends report them: the converted tables' names serve
    st_metrics = ["accuracy", "st_worker_time", "st_worker_cost"]
    named = MOASHA(space, metrics=st_metrics, mode=modes, time_attr="epoch", max_t=10,
                   random_seed=5, transfer_evaluations=related)
    assert named.searcher._prior is not None
    for kw in ({"searcher": "random"},
               {"searcher": RandomSearcher({k: v for k, v in space.items()
                                            if k != "instance_type"})},
               {}):
        value = related if kw else [related]
        with pytest.raises(ValueError, match="transfer_evaluations"):
            make_moasha(transfer_evaluations=value, **kw)
