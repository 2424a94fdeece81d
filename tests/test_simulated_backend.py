"""The one simulated backend (syne_mohb.backends.simulated) on a hand-made table with known
values."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from syne_tune import StoppingCriterion, Tuner
from syne_tune.backend.trial_status import Status
from syne_tune.blackbox_repository.blackbox_tabular import BlackboxTabular
from syne_tune.config_space import choice, randint

from syne_mohb.backends.cost import COST_CAP_REACHED
from syne_mohb.backends.simulated import SimulatedBackend, SimulatedClock
from syne_mohb.hardware.startup import JobStartup

# two configurations x two recorded seeds x three epochs; runtime is cumulative,
# cost = runtime x rate
RUNTIME = np.array([[[10.0, 20.0, 30.0], [11.0, 22.0, 33.0]],   # config a (cpu, $0.36/h)
                    [[2.0, 4.0, 6.0], [3.0, 6.0, 9.0]]])       # config b (gpu, $3.60/h)
RATE = np.array([0.36, 3.6]) / 3600.0  # dollars per second
ACC = np.array([[[0.5, 0.6, 0.7], [0.55, 0.65, 0.75]], [[0.4, 0.8, 0.9], [0.45, 0.85, 0.95]]])


def _blackbox() -> BlackboxTabular:
    cost = RUNTIME * RATE[:, None, None]
    ev = np.stack([ACC, RUNTIME, cost], axis=-1)
    ev = np.concatenate([ev, ev])  # rows 2, 3: the other learning rate, same values
    return BlackboxTabular(
        hyperparameters=pd.DataFrame({"instance_type": ["ml.m5.xlarge", "ml.g4dn.xlarge"] * 2,
                                      "lr": [0.1, 0.01, 0.01, 0.1]}),
        configuration_space={"instance_type": choice(["ml.m5.xlarge", "ml.g4dn.xlarge"]),
                             "lr": choice([0.1, 0.01])},
        fidelity_space={"epoch": randint(1, 3)},
        objectives_evaluations=ev,
        fidelity_values=np.array([1, 2, 3]),
        objectives_names=["accuracy", "runtime", "cost"],
    )


A = {"instance_type": "ml.m5.xlarge", "lr": 0.1}
B = {"instance_type": "ml.g4dn.xlarge", "lr": 0.01}


def _fetch(backend, ids):
    _, results = backend.fetch_status_results(ids)
    return [r for _, r in results]


def _advance_until_results(backend, ids):
    for _ in range(100):
        got = _fetch(backend, ids)
        if got:
            return got
        backend.advance()
    raise AssertionError("no result")


def test_results_arrive_at_start_plus_cumulative_runtime_with_ledger_cost():
    be = SimulatedBackend(_blackbox(), seed=1)
    be.start_trial(A)
    be.start_trial(B)
    assert sorted(t for t, _ in be.busy_trial_ids()) == [0, 1]
    seen = []
    while be.busy_trial_ids():
        be.advance()
        seen += _fetch(be, [0, 1])
    by_trial = {0: [], 1: []}
    for r in seen:
        by_trial[0 if r["accuracy"] in ACC[0, 1] else 1].append(r)
    for tid, row in ((0, 0), (1, 1)):
        rs = by_trial[tid]
        assert [r["epoch"] for r in rs] == [1, 2, 3]
        np.testing.assert_allclose([r["st_tuner_time"] for r in rs], RUNTIME[row, 1])
        np.testing.assert_allclose([r["runtime"] for r in rs], RUNTIME[row, 1])
        np.testing.assert_allclose([r["st_worker_time"] for r in rs], RUNTIME[row, 1])
        np.testing.assert_allclose([r["st_worker_cost"] for r in rs], RUNTIME[row, 1] * RATE[row])
        np.testing.assert_allclose([r["cost"] for r in rs], RUNTIME[row, 1] * RATE[row])
    assert be.ledger.cost(0) == pytest.approx(33.0 * RATE[0])
    assert be.now == pytest.approx(33.0)


def test_pause_and_resume_keep_runtime_and_cost_cumulative():
    be = SimulatedBackend(_blackbox(), seed=0)
    be.start_trial(A)
    first = _advance_until_results(be, [0])
    assert [r["epoch"] for r in first] == [1] and be.now == 10.0
    be.pause_trial(0, first[-1])
    assert be.busy_trial_ids() == []
    be.now = 100.0  # the trial waits paused; the next job starts later
    be.resume_trial(0)
    rest = []
    while be.busy_trial_ids():
        be.advance()
        rest += _fetch(be, [0])
    assert [r["epoch"] for r in rest] == [2, 3]  # continues from its checkpoint
    np.testing.assert_allclose([r["st_tuner_time"] for r in rest], [110.0, 120.0])
    np.testing.assert_allclose([r["runtime"] for r in rest], [20.0, 30.0])  # the model's own
    np.testing.assert_allclose([r["st_worker_time"] for r in rest], [20.0, 30.0])
    np.testing.assert_allclose([r["st_worker_cost"] for r in rest],
                               np.array([20.0, 30.0]) * RATE[0])
    # without checkpoints the resumed job starts again at epoch 1 and pays again
    be2 = SimulatedBackend(_blackbox(), seed=0, support_checkpointing=False)
    be2.start_trial(A)
    r1 = _advance_until_results(be2, [0])
    be2.pause_trial(0, r1[-1])
    be2.resume_trial(0)
    again = _advance_until_results(be2, [0])
    assert again[0]["epoch"] == 1 and again[0]["st_worker_cost"] == pytest.approx(20.0 * RATE[0])


def test_stop_drops_later_events_and_frees_the_worker():
    be = SimulatedBackend(_blackbox(), seed=0)
    be.start_trial(A)
    _advance_until_results(be, [0])
    be.stop_trial(0)
    assert be.busy_trial_ids() == [] and be.next_event_time() is None
    assert be._trial_dict[0].status == Status.stopped
    assert be.ledger.cost(0, at=1e9) == pytest.approx(10.0 * RATE[0])  # billed to the stop


def test_seed_draws_are_seeded_and_ignore_the_global_generator():
    def seeds(random_seed, global_seed):
        np.random.seed(global_seed)
        be = SimulatedBackend(_blackbox(), random_seed=random_seed)
        for _ in range(12):
            be.start_trial(A)
        return [be.recorded_seed(t) for t in range(12)]

    assert seeds(5, 0) == seeds(5, 1)
    assert len(set(seeds(5, 0))) == 2  # both recorded seeds are replayed
    assert seeds(5, 0) != seeds(6, 0)


def test_max_resource_attr_and_cost_cap():
    be = SimulatedBackend(_blackbox(), seed=0, max_resource_attr="epochs")
    be.start_trial({**A, "epochs": 2})
    got = []
    while be.busy_trial_ids():
        be.advance()
        got += _fetch(be, [0])
    assert [r["epoch"] for r in got] == [1, 2]

    cap = 15.0 * RATE[0]  # between epoch 1 ($10 x rate) and epoch 2 ($20 x rate)
    be = SimulatedBackend(_blackbox(), seed=0, max_cost_per_trial=cap)
    be.start_trial(A)
    got = []
    for _ in range(10):
        be.advance()
        got += _fetch(be, [0])
    assert [r[COST_CAP_REACHED] for r in got] == [0, 1]  # the capping result is kept
    assert be.is_cost_capped(0) and be._trial_dict[0].status == Status.completed
    assert be.busy_trial_ids() == []


def test_startup_delays_move_the_clock_and_bill_the_download():
    st = JobStartup(keep_alive_s=50.0)
    be = SimulatedBackend(_blackbox(), seed=0, startup=st)
    be.start_trial(A)
    unbilled, billed = st.delays("ml.m5.xlarge", warm=False)
    r = _advance_until_results(be, [0])[0]
    assert r["st_tuner_time"] == pytest.approx(unbilled + billed + 10.0)
    assert r["st_worker_cost"] == pytest.approx((billed + 10.0) * RATE[0])
    assert r["runtime"] == 10.0 and r["cost"] == pytest.approx(10.0 * RATE[0])
    while be.busy_trial_ids():
        be.advance()
        _fetch(be, [0])
    be.start_trial(A)  # same instance type within keep_alive_s: a warm start
    assert be.warm_reuses == 1 and be.jobs_started == 2


def test_bad_inputs_name_the_problem():
    with pytest.raises(ValueError, match="elapsed_time_attr='time'"):
        SimulatedBackend(_blackbox(), elapsed_time_attr="time")
    with pytest.raises(ValueError, match="seed=2 but the blackbox has 2 recorded seeds"):
        SimulatedBackend(_blackbox(), seed=2)
    with pytest.raises(ValueError, match=r"random_seed must be an integer in \[0, 2\*\*32\)"):
        SimulatedBackend(_blackbox(), random_seed="a")  # was numpy's cast error
    with pytest.raises(ValueError, match="max_resource_attr must be a configuration key"):
        SimulatedBackend(_blackbox(), max_resource_attr=3)  # was accepted
    be = SimulatedBackend(_blackbox())
    with pytest.raises(ValueError, match="not in the blackbox's table"):
        be.start_trial({"instance_type": "ml.m5.xlarge", "lr": 0.5})
    with pytest.raises(ValueError, match="not in the blackbox's table"):
        be.start_trial({"instance_type": "ml.m5.xlarge", "lr": "0.1"})  # a string is not 0.1
    with pytest.raises(ValueError, match=r"lacks hyperparameters \['lr'\]"):
        be.start_trial({"instance_type": "ml.m5.xlarge"})
    assert be.durable_recovery().reexecute is True


def test_tuner_run_counts_the_budget_in_simulated_seconds(tmp_path, monkeypatch):
    from syne_tune.optimizer.baselines import RandomSearch

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    bb = _blackbox()
    sch = RandomSearch(dict(bb.configuration_space), metrics=["accuracy"], do_minimize=False,
                       random_seed=0)
    clock = SimulatedClock()
    stop = StoppingCriterion(max_wallclock_time=50.0)
    tuner = Tuner(trial_backend=SimulatedBackend(bb, random_seed=0), scheduler=sch,
                  stop_criterion=stop, n_workers=2, sleep_time=0, callbacks=[clock],
                  results_update_interval=1e9, print_update_interval=1e9, save_tuner=False)
    tuner.run()
    df = clock.dataframe()
    assert len(df) > 2 and df["st_tuner_time"].max() <= 50.0  # nothing after the budget
    assert tuner.stop_criterion is stop  # restored after the run
    with pytest.raises(TypeError, match="SimulatedClock drives a SimulatedBackend"):
        from syne_tune.backend import LocalBackend

        Tuner(trial_backend=LocalBackend(entry_point=__file__), scheduler=sch,
              stop_criterion=stop, n_workers=1, sleep_time=0,
              callbacks=[SimulatedClock()], save_tuner=False).run()


def test_durable_runs_refuse_syne_tunes_own_simulator():
    from syne_tune.blackbox_repository.simulated_tabular_backend import UserBlackboxBackend

    from syne_mohb.durable.recovery import recovery_for

    assert recovery_for(SimulatedBackend(_blackbox())).reexecute is True
    with pytest.raises(ValueError, match="use syne_mohb.backends.simulated.SimulatedBackend"):
        recovery_for(UserBlackboxBackend(blackbox=_blackbox(), elapsed_time_attr="runtime"))


def test_simulated_tuning_example_runs(tmp_path, monkeypatch, capsys):
    import importlib.util
    from pathlib import Path

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    path = Path(__file__).resolve().parents[1] / "examples" / "simulated_tuning.py"
    spec = importlib.util.spec_from_file_location("simulated_tuning", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    example.main(["--benchmark", "linear", "--task", "digits", "--budget", "600"])
    out = capsys.readouterr().out
    assert "warm starts; tuning cost $" in out and "Pareto set of" in out


def test_a_resume_with_a_new_config_replays_that_config_and_stays_cumulative():
    be = SimulatedBackend(_blackbox(), seed=0)
    be.start_trial(A)  # one epoch on A: 10 s at $0.36/h
    first = _advance_until_results(be, [0])
    be.pause_trial(0, first[-1])
    be.resume_trial(0, new_config=B)  # e.g. promoted onto another instance type
    nxt = []
    while len(nxt) < 2:
        nxt += _advance_until_results(be, [0])
    # B's accuracy at the same recorded seed, B's own epoch times (2 s each) added to A's 10 s
    assert [r["epoch"] for r in nxt] == [2, 3]
    assert [r["accuracy"] for r in nxt] == [ACC[1, 0, 1], ACC[1, 0, 2]]
    assert [r["runtime"] for r in nxt] == pytest.approx([12.0, 14.0])  # never goes down
    a_cost, b_cost = 10.0 * RATE[0], 4.0 * RATE[1]  # each segment at its own type's price
    assert nxt[-1]["cost"] == pytest.approx(a_cost + b_cost)
    assert nxt[-1]["st_worker_cost"] == pytest.approx(a_cost + b_cost)
    assert be.ledger.cost(0, at=be.now) == pytest.approx(nxt[-1]["cost"])


def test_a_configuration_whose_last_fidelity_is_nan_is_billed_at_its_rate():
    bb = _blackbox()
    ev = np.array(bb.objectives_evaluations, dtype=float)
    ev[1, :, 2, :] = np.nan  # config B stopped early: NaN at the last fidelity (from_experiments)
    nan_bb = BlackboxTabular(hyperparameters=bb.hyperparameters,
                             configuration_space=bb.configuration_space,
                             fidelity_space=bb.fidelity_space, objectives_evaluations=ev,
                             fidelity_values=np.array([1, 2, 3]),
                             objectives_names=list(bb.objectives_names))
    be = SimulatedBackend(nan_bb, seed=0)
    be.start_trial(B)
    got = _advance_until_results(be, [0])
    assert got[0]["st_worker_cost"] == pytest.approx(2.0 * RATE[1])  # not $0 per hour
    # NaN after an early stop is not a failed job (only a row NaN at every fidelity is)
    for _ in range(10):
        status, more = be.fetch_status_results([0])
        got += [r for _, r in more]
        be.advance()
    assert status[0][1] == Status.completed and len(got) == 3
