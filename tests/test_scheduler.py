import logging
from datetime import datetime

import numpy as np
import pytest
from syne_tune.config_space import choice, loguniform, randint, uniform
from syne_tune.backend.trial_status import Trial
from syne_tune.optimizer.baselines import ASHA
from syne_tune.optimizer.scheduler import SchedulerDecision

from _reference import brute_force_position, brute_force_ranks
from syne_mohb.schedulers import MOASHA, DelegatingScheduler, Rung, continue_threshold

SPACE = {"x": uniform(0, 1), "n": randint(1, 10), "opt": choice(["a", "b"])}


def _trial(trial_id, config=None):
    # trials never suggested, with no config: tests of rung decisions fed with them use the
    # random searcher (the default model-based searcher needs every hyperparameter)
    return Trial(trial_id=trial_id, config=config or {}, creation_time=datetime.now())


def test_rung_decisions_match_brute_force_reference():
    rng = np.random.RandomState(0)
    disagreements = total = 0
    for _ in range(120):
        m, n = rng.randint(2, 4), rng.randint(2, 45)
        Y = rng.randint(0, 5, size=(n, m)).astype(float)
        if rng.rand() < 0.3:
            Y[rng.rand(n) < 0.2, rng.randint(m)] = np.inf  # NaN metrics
        for tie_break in ("epsnet", "crowding"):
            exact, bounded = Rung(1, m, tie_break), Rung(1, m, tie_break)
            for i in range(n):
                ref = brute_force_position(Y[: i + 1], tie_break=tie_break)
                assert exact.add(i, Y[i]) == ref
                np.testing.assert_array_equal(exact.ranks, brute_force_ranks(Y[: i + 1]))
                bound = continue_threshold(i + 1, 3)
                disagreements += ((bounded.add(i, Y[i], max_position=bound) <= bound)
                                  != (ref <= bound))
                total += 1
    assert total > 3000
    assert disagreements == 0


def test_newcomer_dominating_every_recorded_result_continues():
    # Syne Tune 0.16's MOASHA stops such a trial about half of the time
    rng = np.random.RandomState(1)
    for seed in range(20):
        sched = MOASHA(SPACE, metrics=["acc", "time"], mode=["max", "min"], time_attr="epoch",
                       max_t=27, random_seed=seed, searcher="random")
        n = rng.randint(3, 60)
        for tid in range(n):
            decision = sched.on_trial_result(
                _trial(tid), {"epoch": 1, "acc": rng.uniform(0.1, 0.9), "time": rng.uniform(1, 10)}
            )
        decision = sched.on_trial_result(_trial(n), {"epoch": 1, "acc": 0.95, "time": 0.5})
        assert decision == SchedulerDecision.CONTINUE


def test_dominated_newcomer_stops():
    sched = MOASHA(SPACE, metrics=["acc", "time"], mode=["max", "min"], time_attr="epoch", max_t=27,
                   searcher="random")
    for tid in range(9):
        sched.on_trial_result(_trial(tid), {"epoch": 1, "acc": 0.5 + 0.01 * tid,
                                            "time": 1.0 - 0.01 * tid})
    assert (sched.on_trial_result(_trial(99), {"epoch": 1, "acc": 0.1, "time": 5.0})
            == SchedulerDecision.STOP)


def _async_events(rng, num_trials, max_t):
    """Interleaved (trial, epoch, value) events of trials with random learning curves."""
    curves = {t: np.sort(rng.rand(max_t))[::-1] + rng.rand() for t in range(num_trials)}
    progress = {t: 0 for t in range(num_trials)}
    return curves, progress


@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("rf,grace,max_t", [(3, 1, 27), (2, 2, 40), (4, 1, 64)])
def test_single_metric_decisions_identical_to_syne_tune_asha(mode, rf, grace, max_t):
    rng = np.random.RandomState(rf * 100 + max_t)
    ours = MOASHA(SPACE, metrics=["loss"], mode=mode, time_attr="epoch", max_t=max_t,
                  searcher="random", grace_period=grace, reduction_factor=rf, random_seed=0)
    theirs = ASHA(SPACE, metric="loss", do_minimize=(mode == "min"), time_attr="epoch", max_t=max_t,
                  grace_period=grace, reduction_factor=rf, random_seed=0)
    running = list(range(60))
    epoch = {t: 0 for t in running}
    for t in running:
        ours.on_trial_add(_trial(t))
        theirs.on_trial_add(_trial(t))
    decisions = 0
    while running:
        t = running[rng.randint(len(running))]
        epoch[t] += 1
        result = {"epoch": epoch[t], "loss": float(rng.rand())}  # distinct with probability 1
        a = ours.on_trial_result(_trial(t), result)
        b = theirs.on_trial_result(_trial(t), result)
        assert a == b, f"trial {t} epoch {epoch[t]}: ours {a}, Syne Tune ASHA {b}"
        decisions += 1
        if a == SchedulerDecision.STOP:
            running.remove(t)
    assert decisions > 150


def test_promotion_pauses_at_rungs_and_resumes_the_best():
    sched = MOASHA({"x": uniform(0, 1)}, metrics=["err", "cost"], mode="min", time_attr="epoch",
                   max_t=9, grace_period=1, reduction_factor=3, type="promotion", random_seed=0)
    values = {0: (0.5, 0.5), 1: (0.9, 0.9), 2: (0.1, 0.1)}  # trial 2 dominates the others
    for tid, (e, c) in values.items():
        sug = sched.suggest()
        assert sug.spawn_new_trial_id
        trial = _trial(tid, sug.config)
        sched.on_trial_add(trial)
        assert (sched.on_trial_result(trial, {"epoch": 1, "err": e, "cost": c})
                == SchedulerDecision.PAUSE)
    assert sched.paused_trials() == [0, 1, 2]
    # 3 results in rung 1: top floor(3/3) = 1 -> the dominating trial 2 is promoted
    sug = sched.suggest()
    assert not sug.spawn_new_trial_id and sug.checkpoint_trial_id == 2
    assert sched.paused_trials() == [0, 1]
    # nothing else is promotable yet: a new configuration is started
    assert sched.suggest().spawn_new_trial_id
    # the resumed trial continues between rungs and pauses at the next rung (epoch 3)
    t2 = _trial(2)
    assert (sched.on_trial_result(t2, {"epoch": 2, "err": 0.1, "cost": 0.2})
            == SchedulerDecision.CONTINUE)
    assert (sched.on_trial_result(t2, {"epoch": 3, "err": 0.05, "cost": 0.3})
            == SchedulerDecision.PAUSE)
    # re-reported lower epochs (a restart without checkpoint) do not pause it again
    assert (sched.on_trial_result(t2, {"epoch": 1, "err": 0.5, "cost": 0.1})
            == SchedulerDecision.CONTINUE)
    # reaching max_t ends the trial
    assert (sched.on_trial_result(t2, {"epoch": 9, "err": 0.01, "cost": 1.0})
            == SchedulerDecision.STOP)
    # failed paused trials are never resumed
    sched.on_trial_error(_trial(0))
    assert 0 not in sched.paused_trials()


def _run_sequence(seed, type_="stopping"):
    sched = MOASHA(SPACE, metrics=["err", "cost"], mode=["min", "min"], time_attr="epoch", max_t=27,
                   brackets=3, type=type_, random_seed=seed)
    rng = np.random.RandomState(123)
    log = []
    for step in range(80):
        sug = sched.suggest()
        tid = step
        trial = _trial(tid, sug.config if sug.spawn_new_trial_id else {})
        if sug.spawn_new_trial_id:
            sched.on_trial_add(trial)
        else:
            tid = sug.checkpoint_trial_id
            trial = _trial(tid)
        log.append((tid, tuple(sorted(sug.config.items())) if sug.config else None))
        for epoch in (1, 3, 9):
            d = sched.on_trial_result(trial, {"epoch": epoch, "err": rng.rand(),
                                              "cost": rng.rand()})
            log.append(d)
            if d != SchedulerDecision.CONTINUE:
                break
    return log, dict(sched._trial_bracket)


@pytest.mark.parametrize("type_", ["stopping", "promotion"])
def test_reproducible_configs_brackets_and_decisions(type_):
    a, ba = _run_sequence(7, type_)
    b, bb = _run_sequence(7, type_)
    c, bc = _run_sequence(8, type_)
    assert a == b and ba == bb
    assert a != c
    assert len(set(ba.values())) > 1  # several brackets are used


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="mode has 1 entries"):
        MOASHA(SPACE, metrics=["a", "b"], mode=["min"])
    with pytest.raises(ValueError, match="'min' or 'max'"):
        MOASHA(SPACE, metrics=["a"], mode="minimize")
    with pytest.raises(ValueError, match="reduction_factor"):
        MOASHA(SPACE, metrics=["a"], reduction_factor=1)
    with pytest.raises(ValueError, match=r"grace_period \(10\) must be <= max_t \(5\)"):
        MOASHA(SPACE, metrics=["a"], grace_period=10, max_t=5)
    with pytest.raises(ValueError, match="type must be one of"):
        MOASHA(SPACE, metrics=["a"], type="asynchronous")
    with pytest.raises(ValueError, match="rung_sort"):
        MOASHA(SPACE, metrics=["a"], rung_sort="random")
    with pytest.raises(ValueError, match="metrics must be a non-empty list"):
        MOASHA(SPACE, metrics="a")
    with pytest.raises(ValueError, match="brackets=9 is too many"):
        MOASHA(SPACE, metrics=["a"], max_t=27, brackets=9)
    sched = MOASHA(SPACE, metrics=["acc", "time"], mode=["max", "min"], time_attr="epoch", max_t=9)
    with pytest.raises(ValueError, match=r"trial 5 reported a result without \['time'\]"):
        sched.on_trial_result(_trial(5), {"epoch": 1, "acc": 0.3})
    with pytest.raises(ValueError, match=r"trial 6 reported a result without \['epoch'\]"):
        sched.on_trial_result(_trial(6), {"acc": 0.3, "time": 1.0})


def test_nan_metric_is_worst_and_logged_once(caplog):
    sched = MOASHA(SPACE, metrics=["acc", "time"], mode=["max", "min"], time_attr="epoch", max_t=27,
                   searcher="random")
    for tid in range(6):
        sched.on_trial_result(_trial(tid), {"epoch": 1, "acc": 0.5, "time": 1.0 + tid})
    with caplog.at_level(logging.WARNING, logger="syne_mohb.schedulers.moasha"):
        d1 = sched.on_trial_result(_trial(7), {"epoch": 1, "acc": float("nan"), "time": 100.0})
        sched.on_trial_result(_trial(7), {"epoch": 3, "acc": float("nan"), "time": 200.0})
    assert d1 == SchedulerDecision.STOP
    assert sum("NaN" in r.message for r in caplog.records) == 1
    # a NaN accuracy with the best time keeps the point on the front (its time is the best):
    # at rung 1 it is compared with 6 results of equal accuracy, one NaN (worse) and so it
    # continues, while the same NaN with the worst time is dominated and stops
    assert sched.on_trial_result(_trial(8), {"epoch": 1, "acc": float("nan"), "time": 0.1}) == (
        SchedulerDecision.CONTINUE)
    assert sched.on_trial_result(_trial(9), {"epoch": 1, "acc": float("nan"), "time": 500.0}) == (
        SchedulerDecision.STOP)


def test_metric_names_mode_and_metadata():
    sched = MOASHA({"lr": loguniform(1e-4, 1)}, metrics=["acc", "time"], mode=["max", "min"])
    assert sched.metric_names() == ["acc", "time"]
    assert sched.metric_mode() == ["max", "min"]
    md = sched.metadata()
    assert md["metric_names"] == ["acc", "time"] and md["metric_mode"] == ["max", "min"]
    import json
    json.dumps(md)  # serialisable as the Tuner writes it


def test_random_searcher_seeded_no_repeats_and_partial_points():
    from syne_mohb.searchers import RandomSearcher

    space = {"lr": loguniform(1e-3, 1), "h": choice([1, 2]), "e": 5}
    s = RandomSearcher(space, points_to_evaluate=[{"lr": 0.02}], random_seed=0)
    first = s.suggest()
    assert first["lr"] == 0.02 and first["h"] in (1, 2) and first["e"] == 5
    a = [RandomSearcher(space, random_seed=4).suggest() for _ in range(2)]
    assert a[0] == a[1]
    finite = RandomSearcher({"h": choice([1, 2, 3])}, random_seed=0)
    seen = [finite.suggest() for _ in range(3)]
    assert sorted(c["h"] for c in seen) == [1, 2, 3] and finite.suggest() is None
    with pytest.raises(ValueError, match=r"keys \['x'\] that are not in the config space"):
        RandomSearcher(space, points_to_evaluate=[{"x": 1}]).suggest()


@pytest.mark.parametrize("tie_break", ["epsnet", "crowding"])
def test_promotion_candidate_equals_full_order(tie_break):
    rng = np.random.RandomState(5)
    for _ in range(40):
        n, m = rng.randint(3, 80), rng.randint(2, 4)
        rung = Rung(1, m, tie_break)
        for i, y in enumerate(rng.randint(0, 6, size=(n, m)).astype(float)):
            rung.add(i, y, max_position=-1)
        waiting = set(rng.choice(n, size=rng.randint(1, n), replace=False).tolist())
        k = n // 3
        top = rung.top(k)
        expected = next((rung.trial_ids[r] for r in top if rung.trial_ids[r] in waiting), None)
        assert rung.best_within_top(waiting, k) == expected


def test_dominating_newcomer_pushes_whole_chains_down():
    rng = np.random.RandomState(2)
    for _ in range(30):
        Y = rng.rand(300, 3)
        rung = Rung(1, 3)
        for i, y in enumerate(Y):
            rung.add(i, y, max_position=-1)
        new = Y.min(axis=0) * rng.uniform(0, 1.2, size=3)
        rung.add(300, new, max_position=-1)
        np.testing.assert_array_equal(rung.ranks, brute_force_ranks(np.vstack([Y, new])))


def test_old_import_path_is_the_same_class():
    # README, examples and other tests import MOASHA from syne_mohb.scheduler
    import syne_mohb
    from syne_mohb import scheduler as old

    assert old.MOASHA is MOASHA and syne_mohb.MOASHA is MOASHA
    assert old.Rung is Rung and old.continue_threshold is continue_threshold


class _Recorder:
    """A scheduler that records every call and answers with values the test can check."""

    random_seed = 17
    paused_trials = {3: "rung 1"}

    def __init__(self):
        self.calls = []

    def suggest(self):
        self.calls.append(("suggest",))
        return "a suggestion"

    def on_trial_add(self, trial):
        self.calls.append(("add", trial.trial_id))

    def on_trial_error(self, trial):
        self.calls.append(("error", trial.trial_id))

    def on_trial_result(self, trial, result):
        self.calls.append(("result", trial.trial_id, result["acc"]))
        return SchedulerDecision.PAUSE

    def on_trial_complete(self, trial, result):
        self.calls.append(("complete", trial.trial_id, result["acc"]))

    def on_trial_remove(self, trial):
        self.calls.append(("remove", trial.trial_id))

    def metric_names(self):
        return ["acc", "cost"]

    def metric_mode(self):
        return ["max", "min"]

    def metadata(self):
        return {"scheduler_name": "Recorder"}


def test_delegating_scheduler_forwards_every_call():
    inner = _Recorder()
    state = np.random.get_state()[1].copy()
    wrapper = DelegatingScheduler(inner)
    # the seed is the inner one, and none was drawn from numpy's global generator
    assert wrapper.random_seed == 17
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    t = _trial(5)
    assert wrapper.suggest() == "a suggestion"
    wrapper.on_trial_add(t)
    assert wrapper.on_trial_result(t, {"acc": 0.5}) == SchedulerDecision.PAUSE
    wrapper.on_trial_complete(t, {"acc": 0.7})
    wrapper.on_trial_error(t)
    wrapper.on_trial_remove(t)
    assert inner.calls == [("suggest",), ("add", 5), ("result", 5, 0.5), ("complete", 5, 0.7),
                           ("error", 5), ("remove", 5)]
    assert wrapper.metric_names() == ["acc", "cost"] and wrapper.metric_mode() == ["max", "min"]
    assert wrapper.metadata() == {"scheduler_name": "Recorder"}
    assert wrapper.paused_trials == {3: "rung 1"}  # any other attribute: the inner one's
    with pytest.raises(AttributeError):
        wrapper.no_such_attribute


def test_delegating_subclass_changes_only_what_it_overrides():
    class StopAll(DelegatingScheduler):
        own_attributes = ("inner", "stopped")

        def on_trial_result(self, trial, result):
            super().on_trial_result(trial, result)
            self.stopped = getattr(self, "stopped", 0) + 1
            return SchedulerDecision.STOP

    inner = _Recorder()
    wrapper = StopAll(inner)
    with pytest.raises(AttributeError):  # an own attribute is never read from the inner one
        wrapper.stopped
    assert wrapper.on_trial_result(_trial(1), {"acc": 0.1}) == SchedulerDecision.STOP
    assert wrapper.stopped == 1 and inner.calls == [("result", 1, 0.1)]
    assert wrapper.suggest() == "a suggestion" and inner.calls[-1] == ("suggest",)
    # a real scheduler behind it: MOASHA's rung decision passes through unchanged
    sch = MOASHA(SPACE, ["x"], "min", time_attr="epoch", max_t=9, random_seed=0,
                 searcher="random")
    assert DelegatingScheduler(sch).on_trial_result(_trial(0, {"x": 0.5}), {"x": 0.5, "epoch": 1}) \
        == SchedulerDecision.CONTINUE


def test_a_given_searcher_that_does_not_fit_the_scheduler_is_refused_at_construction():
    """A searcher built on part of the config space would hand its trials an unsampled domain
    (Syne Tune's postprocess_config copies the space, then overwrites what the searcher gave);
    one with other metrics, or the same in another order, would read the scheduler's values by
    position. Both fail at construction, naming what differs; related tasks' errors name the
    argument the user gave."""
    from syne_mohb.searchers import ModelBasedSearcher, RandomSearcher

    space = {"lr": loguniform(1e-4, 1e-1), "w": randint(1, 8), "epochs": 5}
    metrics, mode = ["accuracy", "cost"], ["max", "min"]
    part = RandomSearcher({"lr": space["lr"]}, random_seed=0)
    with pytest.raises(ValueError, match=r"config_space lacks the hyperparameters \['w'\]"):
        MOASHA(space, metrics=metrics, mode=mode, searcher=part)
    swapped = ModelBasedSearcher(space, metrics=["cost", "accuracy"], mode=["min", "max"])
    with pytest.raises(ValueError, match=r"metrics \['cost', 'accuracy'\] do not match the "
                                         r"scheduler's \['accuracy', 'cost'\]"):
        MOASHA(space, metrics=metrics, mode=mode, searcher=swapped)
    three = ModelBasedSearcher(space, metrics=["accuracy", "cost", "runtime"], mode="min")
    with pytest.raises(ValueError, match="do not match the scheduler's"):
        MOASHA(space, metrics=metrics, mode=mode, searcher=three)
    # other names in the same positions: a renaming (e.g. related tasks' names), accepted
    renamed = ModelBasedSearcher(space, metrics=["acc", "dollars"], mode=mode, random_seed=0)
    assert MOASHA(space, metrics=metrics, mode=mode, searcher=renamed).suggest().config
    fits = ModelBasedSearcher(space, metrics=metrics, mode=mode, random_seed=0)
    config = MOASHA(space, metrics=metrics, mode=mode, searcher=fits).suggest().config
    assert 1e-4 <= config["lr"] <= 1e-1 and 1 <= config["w"] <= 8 and config["epochs"] == 5
    with pytest.raises(ValueError, match=r"transfer_evaluations\['t'\] is a int, expected a "
                                         r"TransferLearningTaskEvaluations"):
        MOASHA(space, metrics=metrics, mode=mode, transfer_evaluations={"t": 3})


HW_SPACE = {"lr": loguniform(1e-3, 1.0), "w": randint(1, 8), "epochs": 9,
            "instance_type": choice(["ml.m5.xlarge", "ml.g5.xlarge"])}


@pytest.mark.parametrize("point, message", [
    ({"instance_type": "ml.p3.2xlarge"}, r"\['instance_type'\] = 'ml.p3.2xlarge' is not a value "
                                         r"of its domain choice"),
    ({"w": 3.5}, r"points_to_evaluate\[0\]\['w'\] = 3.5 is not a value of its domain randint"),
    ({"w": "3"}, r"\['w'\] = '3' is not a value"),
    ({"epochs": 5}, r"fixes 'epochs' to 9"),
    ({"lrr": 0.1}, r"keys \['lrr'\] that are not in the config space \(known: \['epochs', "
                   r"'instance_type', 'lr', 'w'\]\)"),
])
def test_moasha_names_a_bad_initial_point_at_construction(point, message):
    """Checked against the whole space, the instance type included (the hardware policy takes
    it out of the searcher's space): a type the space does not offer used to be accepted."""
    with pytest.raises(ValueError, match=message):
        MOASHA(HW_SPACE, metrics=["acc", "st_worker_time"], mode=["max", "min"],
               time_attr="epoch", max_t=9, points_to_evaluate=[{"lr": 0.1}, point][::-1])


def test_an_initial_point_is_matched_to_its_category_within_rounding():
    from syne_mohb.configspace import check_points_to_evaluate

    space = {"lr": choice([0.001, 0.003]), "b": choice([16, 128])}
    given = [{"lr": 0.0010000000000000002, "b": np.int64(16)}]
    assert check_points_to_evaluate(given, space) == [{"lr": 0.001, "b": 16}]
    assert given[0]["lr"] == 0.0010000000000000002  # the caller's points are not changed
    with pytest.raises(ValueError, match=r"\['lr'\] = 0.002 is not a value of its domain"):
        check_points_to_evaluate([{"lr": 0.002}], space)


def test_an_initial_point_outside_a_range_warns_and_is_evaluated():
    with pytest.warns(UserWarning, match=r"points_to_evaluate\[0\]\['lr'\] = 5.0 is outside "
                                         r"its domain"):
        s = MOASHA(HW_SPACE, metrics=["acc", "st_worker_time"], mode=["max", "min"],
                   time_attr="epoch", max_t=9, random_seed=0,
                   points_to_evaluate=[{"lr": 5.0, "w": 2, "instance_type": "ml.g5.xlarge"}])
    trial = Trial(trial_id=0, config=s.suggest().config, creation_time=datetime.now())
    assert trial.config["lr"] == 5.0 and trial.config["instance_type"] == "ml.g5.xlarge"


def test_moasha_refuses_points_its_own_searcher_would_ignore_and_a_bad_seed():
    from syne_mohb.searchers.random import RandomSearcher

    space = {"lr": loguniform(1e-3, 1.0)}
    with pytest.raises(ValueError, match="points_to_evaluate is for the default searcher"):
        MOASHA(space, metrics=["acc"], mode="max", searcher=RandomSearcher(space),
               points_to_evaluate=[{"lr": 0.1}])
    for seed in ("a", -1, 1.5, True):
        with pytest.raises(ValueError, match=r"random_seed must be an integer in \[0, 2\*\*32\)"):
            MOASHA(space, metrics=["acc"], mode="max", random_seed=seed)


def test_the_paused_index_resumes_what_a_scan_of_every_paused_trial_would():
    """Promotion keeps each rung's paused rows (``PausedRows``) instead of grouping every
    paused trial at each suggestion: the trial resumed is the one the scan picks (each rung's
    best waiting trial within its top n / rf, highest rung first), also after a pickle made
    before the index existed (rebuilt on first use) and with repeated values (duplicates)."""
    import pickle

    rng = np.random.RandomState(3)
    sched = MOASHA({"x": uniform(0, 1)}, metrics=["err", "cost"], mode="min", time_attr="epoch",
                   max_t=27, reduction_factor=3, type="promotion", random_seed=0)
    epoch, configs, resumed = {}, {}, 0
    for step in range(300):
        if step == 150:  # as if pickled by a version without the index
            del sched.__dict__["_paused_rows"]
            sched = pickle.loads(pickle.dumps(sched))
        paused = dict(sched._paused)
        expected = None
        for b, i in sorted(set(paused.values()),
                           key=lambda bi: (-sched.brackets[bi[0]].rungs[bi[1]].level, bi[0])):
            rung = sched.brackets[b].rungs[i]
            waiting = {t for t, key in paused.items() if key == (b, i)}
            k = rung.n // 3
            expected = rung.best_within_top(waiting, k) if k > 0 else None
            if expected is not None:
                break
        sug = sched.suggest()
        if sug.spawn_new_trial_id:
            assert expected is None
            tid = max(epoch, default=-1) + 1
            configs[tid] = sug.config
            sched.on_trial_add(_trial(tid, sug.config))
            epoch[tid] = 0
        else:
            tid = sug.checkpoint_trial_id
            assert tid == expected and tid not in sched.paused_trials()
            resumed += 1
        while True:
            epoch[tid] += 1
            y = rng.randint(0, 4, size=2) / 4.0  # few distinct values: many duplicates
            d = sched.on_trial_result(_trial(tid, configs[tid]),
                                      {"epoch": epoch[tid], "err": y[0], "cost": y[1]})
            if d != SchedulerDecision.CONTINUE:
                break
    assert resumed > 30 and len(sched.paused_trials()) > 100
