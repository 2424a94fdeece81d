"""End to end: MO-ASHA tunes a real scikit-learn model and the local profile jointly; the costs
the scheduler sees follow each profile's price, the per-trial cap ends a trial, and Syne Tune's
StoppingCriterion(max_cost=...) ends the run."""

from pathlib import Path

import pytest
from syne_tune import StoppingCriterion, Tuner
from syne_tune.config_space import choice, loguniform
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME
from syne_tune.experiments import load_experiment

from syne_mohb.backends.cost import COST_CAP_REACHED
from syne_mohb.backends.local import LocalProfileBackend
from syne_mohb.hardware import INSTANCE_TYPE, local_profiles
from syne_mohb.scheduler import MOASHA

DIGITS = str(Path(__file__).resolve().parents[1] / "examples" / "train_digits_hw.py")


class RecordingMOASHA(MOASHA):
    """MO-ASHA that keeps a copy of every result it is given (to check what it saw)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen, self.completed, self.errors = [], [], []

    def on_trial_result(self, trial, result):
        self.seen.append((trial.trial_id, dict(trial.config), dict(result)))
        return super().on_trial_result(trial, result)

    def on_trial_complete(self, trial, result):
        self.completed.append(trial.trial_id)
        super().on_trial_complete(trial, result)

    def on_trial_error(self, trial):
        self.errors.append(trial.trial_id)
        super().on_trial_error(trial)


@pytest.mark.slow
def test_local_profiles_cost_cap_and_max_cost(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    prices = {"local-cpu-1": 5.4, "local-cpu-2": 21.6}  # $0.0015 / $0.006 per second
    # the 2-core trial reaches the cap after 5 s (start-up can take several seconds on a busy
    # machine: a trial capped before its first report is checked below too); the total budget
    # is reached after the first cap
    cap, max_cost = 0.03, 0.05
    config_space = {
        "lr": loguniform(1e-3, 1e-1),
        "hidden": choice([8, 16, 32]),
        "epochs": 100_000,  # far longer than the cap allows, even on an idle machine
        INSTANCE_TYPE: local_profiles(prices),
    }
    # the prices travel with local_profiles(...): backend and policy read them from the space
    backend = LocalProfileBackend(DIGITS, config_space=config_space, max_cost_per_trial=cap)
    # the second initial point's learning rate is below the searched range on purpose (a slow
    # learner): evaluated as given, with a warning
    with pytest.warns(UserWarning, match=r"\['lr'\] = 0.0001 is outside its domain"):
        scheduler = RecordingMOASHA(
            config_space, metrics=["accuracy", ST_WORKER_COST], mode=["max", "min"],
            time_attr="epoch", max_t=100_000, grace_period=90_000, reduction_factor=3,
            random_seed=3,
            # the only rung is at epoch 90,000, far beyond what the cap allows: no rung
            # decision can stop trial 0 (or anything else) before its cost cap ends it,
            # whatever the machine's speed
            points_to_evaluate=[{"lr": 0.02, "hidden": 32, INSTANCE_TYPE: "local-cpu-2"},
                                {"lr": 0.0001, "hidden": 8, INSTANCE_TYPE: "local-cpu-1"}],
        )
    safety = 150.0  # only a guard against a hang; the cost criterion must end the run
    tuner = Tuner(backend, scheduler,
                  StoppingCriterion(max_cost=max_cost, max_wallclock_time=safety),
                  n_workers=2, sleep_time=0.5, print_update_interval=1000,
                  results_update_interval=1000, tuner_name="hw-e2e")
    tuner.run()

    assert {t: s.price_per_hour for t, s in scheduler.hardware.specs.items()} == prices
    # 1. every result reached the scheduler with time and cost at its profile's price
    #    (the cheap 1-core trial surely reports; the 2-core one may hit its cap while the
    #    process still starts up on a busy machine)
    assert scheduler.seen
    used = {config[INSTANCE_TYPE] for _, config, _ in scheduler.seen}
    assert "local-cpu-1" in used and used <= set(prices)
    for _, config, result in scheduler.seen:
        expected = result[ST_WORKER_TIME] * prices[config[INSTANCE_TYPE]] / 3600
        assert result[ST_WORKER_COST] == pytest.approx(expected, rel=1e-9)
    per_trial = {}
    for tid, _, result in scheduler.seen:
        per_trial.setdefault(tid, []).append(result)
    for results in per_trial.values():
        costs = [r[ST_WORKER_COST] for r in results]
        assert costs == sorted(costs)

    # 2. the per-trial cap ended the 2-core trial; nothing past the cap reached the scheduler
    assert 0 in backend.cost_capped_trials
    for tid, spent in backend.cost_capped_trials.items():
        assert spent > cap
        results = per_trial.get(tid, [])
        assert all(r[ST_WORKER_COST] <= cap for r in results[:-1])
        if results and results[-1][COST_CAP_REACHED] == 1:
            assert results[-1][ST_WORKER_COST] > cap
        if results:  # a capped trial with results ends as completed, not as an error
            assert tid in scheduler.completed and tid not in scheduler.errors
        else:  # capped before its first report: the scheduler hears of an error
            assert tid in scheduler.errors
    assert all(r[COST_CAP_REACHED] == 0 for tid, rs in per_trial.items()
               if tid not in backend.cost_capped_trials for r in rs)

    # 3. the total budget ended the run (Syne Tune's StoppingCriterion reads st_worker_cost)
    status = tuner.tuning_status
    assert status.cost > max_cost
    assert status.wallclock_time < safety

    # results stored on disk carry the cost columns
    df = load_experiment(tuner.name).results
    assert {ST_WORKER_COST, ST_WORKER_TIME, COST_CAP_REACHED} <= set(df.columns)
