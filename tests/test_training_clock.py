"""The hardware policy learns where results carry no ``st_worker_time``: Syne Tune's own
simulator reports the table's elapsed-time column under the table's name and the tuner's
simulated clock; :class:`~syne_mohb.hardware.clock.TrainingClock` finds that column."""
from __future__ import annotations

import contextlib
import io
import logging
import os

import numpy as np
import pytest

from syne_mohb.hardware.clock import TrainingClock


def _results(trial_id, start, per_epoch, epochs, price=1.0):
    out, t = [], 0.0
    for e in range(1, epochs + 1):
        t += per_epoch
        out.append((trial_id, {"epoch": e, "elapsed": t, "cost": t * price / 3600,
                               "accuracy": 0.5 + 0.01 * e, "st_tuner_time": start + t}))
    return out


def test_own_time_attr_is_used_when_there():
    clock = TrainingClock("st_worker_time")
    assert clock.seconds(0, {"st_worker_time": 12.5, "st_tuner_time": 3.0}) == 12.5
    assert clock.key is None


def test_finds_the_column_that_advances_with_the_tuners_clock():
    clock = TrainingClock("st_worker_time", exclude=["epoch"])
    # epochs of exactly one second: "epoch" would match too, it is excluded
    stream = _results(0, 0.0, 1.0, 3) + _results(1, 0.5, 2.0, 3)
    got = [clock.seconds(t, r) for t, r in sorted(stream, key=lambda x: x[1]["st_tuner_time"])]
    assert clock.key == "elapsed"
    assert got[-1] == 6.0 and got[0] is None  # unknown until found
    assert clock.seconds(5, {"elapsed": 7.0, "st_tuner_time": 99.0}) == 7.0


def test_a_pause_between_results_does_not_hide_the_column():
    clock = TrainingClock("st_worker_time")
    stream = _results(0, 0.0, 2.0, 2)
    stream.append((0, {"elapsed": 6.0, "st_tuner_time": 50.0}))  # paused, resumed later
    stream += [(0, {"elapsed": 6.0 + 2 * k, "st_tuner_time": 50.0 + 2 * k}) for k in (1, 2, 3)]
    for t, r in stream:
        clock.seconds(t, r)
    assert clock.key == "elapsed"


def test_time_column_of_a_results_table():
    import pandas as pd

    from syne_mohb.hardware.clock import time_column

    rows = [dict(r, trial_id=t) for t, r in _results(0, 0.0, 1.0, 4) + _results(1, 2.0, 3.0, 4)]
    frame = pd.DataFrame(rows)
    assert time_column(frame, "st_worker_time", exclude=["epoch"]) == "elapsed"
    assert time_column(frame.assign(st_worker_time=1.0), "st_worker_time") == "st_worker_time"
    assert time_column(frame.drop(columns=["st_tuner_time"]), "st_worker_time") is None


def test_results_are_compared_within_a_segment_only():
    """A paused trial's clock stands still while the tuner's runs on: the pair of results
    around a pause is not evidence either way (promotion pauses most trials)."""
    stream, t = [], 0.0
    for segment in range(3):
        for _ in range(2):
            t += 2.0
            stream.append((segment, {"elapsed": t, "st_tuner_time": 100.0 * segment + t}))
    clock = TrainingClock("st_worker_time")
    for segment, r in stream:
        clock.seconds(0, r, segment)
    assert clock.key == "elapsed"
    blind = TrainingClock("st_worker_time")  # every pair compared: 3 matches, 2 mismatches
    for _, r in stream:
        blind.seconds(0, r)
    assert blind.key is None


def test_no_clock_no_key_and_giving_up():
    clock = TrainingClock("st_worker_time")
    for t, r in _results(0, 0.0, 1.5, 5):
        r.pop("st_tuner_time")
        assert clock.seconds(t, r) is None
    assert clock.key is None and clock.searching
    clock.give_up()
    assert not clock.searching


def _on_syne_tunes_simulator(tmp_path, monkeypatch, seed: int, **moasha_kw):
    """80 trials of default MOASHA on ``mlp-x``/digits on Syne Tune's ``UserBlackboxBackend``
    (no st_worker_time, no st_worker_cost): the scheduler and the results."""
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.backend.simulator_backend.simulator_callback import SimulatorCallback
    from syne_tune.blackbox_repository.simulated_tabular_backend import UserBlackboxBackend

    from syne_mohb import MOASHA
    from syne_mohb.experiments.runner import get_benchmark

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    bench = get_benchmark("mlp-x")
    bb = bench.blackbox("digits")
    np.random.seed(seed)
    sch = MOASHA(dict(bb.configuration_space), ["accuracy", "cost"], ["max", "min"],
                 time_attr=bench.fidelity_attr, max_t=bench.max_t, random_seed=seed,
                 **moasha_kw)
    tuner = Tuner(trial_backend=UserBlackboxBackend(blackbox=bb, elapsed_time_attr="runtime"),
                  scheduler=sch, stop_criterion=StoppingCriterion(max_num_trials_started=80),
                  n_workers=4, sleep_time=0, callbacks=[SimulatorCallback()], save_tuner=False)
    with contextlib.redirect_stdout(io.StringIO()):
        tuner.run()
    return sch, tuner.callbacks[0].dataframe()


def test_policy_learns_and_stays_per_configuration_under_syne_tunes_simulator(tmp_path,
                                                                              monkeypatch,
                                                                              caplog):
    """On Syne Tune's ``UserBlackboxBackend`` with (accuracy, cost) objectives, the policy
    learns from every result and does not take the cost objective for an effect of the
    hardware on what is learnt (it turned the search joint, i.e. uniform, before the clock
    existed)."""
    with caplog.at_level(logging.WARNING):
        sch, df = _on_syne_tunes_simulator(tmp_path, monkeypatch, seed=0)
    policy = sch.hardware
    assert policy._clock.key == "runtime"
    # one observation (segment) per trial: those of the results kept until the key was found
    # too
    assert policy.model.num_observations == df["trial_id"].nunique()
    assert not policy.joint
    assert "changes 'cost'" not in caplog.text
    assert policy.learning_metrics() == [0]  # cost is recognised as a cost metric


def test_promoted_trials_keep_their_type_on_syne_tunes_simulator(tmp_path, monkeypatch):
    """Syne Tune's simulator reads a moved trial's cumulative runtime and cost off the new
    type's row from the first epoch: without ``st_worker_time`` in the results the policy does
    not move a resumed trial (and still learns, segment by segment)."""
    sch, df = _on_syne_tunes_simulator(tmp_path, monkeypatch, seed=1, type="promotion")
    assert df.groupby("trial_id")["epoch"].max().max() > 1  # trials were promoted
    assert (df.groupby("trial_id")["config_instance_type"].nunique() == 1).all()
    policy = sch.hardware
    assert policy.moves == 0 and policy._clock.key == "runtime" and not policy.joint
    assert policy.model.num_observations >= df["trial_id"].nunique()


@pytest.mark.parametrize("bad", [None, "", 3])
def test_policy_time_attr_is_checked(bad):
    from syne_mohb.hardware import HardwarePolicy

    with pytest.raises(ValueError, match="time_attr"):
        HardwarePolicy(time_attr=bad)


def test_benchmark_runs_on_syne_tunes_simulator_are_their_own_runs(tmp_path):
    """``compare_methods.py --simulator stock``: a run on Syne Tune's ``UserBlackboxBackend``
    is analysed like any other (dollars from the table's ``cost``) and is not taken for, nor
    replaced by, a run of the same method on the project's simulator."""
    import json

    from syne_mohb.experiments.analysis import load_run
    from syne_mohb.experiments.runner import RunConflictError, RunSpec, run_one, run_state

    def spec(extra):
        return RunSpec(method="moasha", benchmark="mlp-x", task="digits", seed=1,
                       out_dir=str(tmp_path), budget=1500.0, extra=extra)

    before = os.environ.get("SYNETUNE_FOLDER")
    path = run_one(spec({"simulator": "stock"}))["path"]
    # a run in this process leaves $SYNETUNE_FOLDER as it was: a later Tuner of the process
    # wrote its results into the benchmark's folder
    assert os.environ.get("SYNETUNE_FOLDER") == before
    info = json.loads((tmp_path / path / "metadata.json").read_text())
    assert info["syne_mohb"]["simulator"] == "stock" and info["syne_mohb"]["finished"]
    run = load_run(path)
    assert len(run.results) > 0 and "st_worker_time" not in run.results.columns
    spent = run.dollars_spent()
    assert spent[-1] > 0 and np.all(np.diff(spent) >= 0)
    # the per-type recommendations read the seconds off the table's runtime column
    from syne_mohb.experiments.recommendations import hardware_recommendations

    rec = hardware_recommendations(path)
    measured = rec[rec["kind"] == "measured"]
    assert len(measured) >= 1 and (measured["measured_seconds"] > 0).all()
    # and the dollars off the table's cost, as the dollars spent are read
    assert (measured["measured_dollars"] > 0).all()
    assert not measured["note"].str.contains("reported").any()
    assert run_state(spec({})).status == "different"
    with pytest.raises(RunConflictError, match="simulator 'stock' there, 'ours' asked"):
        run_one(spec({}))
    with pytest.raises(ValueError, match="simulator 'stock' has no job start-up"):
        run_one(spec({"simulator": "stock", "startup": {}}), overwrite=True)


def test_billing_meter_finds_the_cost_column():
    from syne_mohb.hardware.clock import BillingMeter

    meter = BillingMeter(exclude=["elapsed", "epoch"])
    price = {"a": 0.5, "b": 2.0}
    found = None
    for trial in range(4):
        inst = "ab"[trial % 2]
        for epoch in range(1, 5):
            secs = 3.0 * epoch
            result = {"epoch": epoch, "elapsed": secs, "seconds_copy": secs,
                      "cost": secs * price[inst] / 3600, "accuracy": 1 - 1 / (epoch + 1)}
            found = meter.dollars((trial, 0), result, secs, inst)
    assert meter.key == "cost"  # not the copy of the seconds: one second per second everywhere
    assert found == pytest.approx(12.0 * 2.0 / 3600)


def test_policy_bills_at_the_tables_prices_without_st_worker_cost():
    """Results with neither st_worker_time nor st_worker_cost, billed by the table at half the
    catalog's prices, for types of which only some are run: every type's price follows."""
    from syne_tune.config_space import choice

    from syne_mohb.hardware import HardwarePolicy

    types = ["ml.m5.xlarge", "ml.c5.2xlarge", "ml.g4dn.xlarge", "ml.p3.2xlarge"]
    policy = HardwarePolicy(random_seed=0)
    policy.bind({"width": choice([16, 64, 256]), "instance_type": choice(types)},
                ["accuracy", "cost"], resource_attr="epoch")
    catalog = policy._log_price.copy()
    clock = 0.0
    for tid in range(12):
        inst = types[tid % 2]  # the two CPU types only
        cfg = {"width": 64, "instance_type": inst}
        policy.on_trial_add(tid, cfg)
        for epoch in range(1, 4):
            secs = 2.0 * epoch
            clock += 2.0
            cost = secs * 0.5 * float(np.exp(catalog[types.index(inst)])) / 3600
            policy.on_result(tid, cfg, {"epoch": epoch, "runtime": secs, "cost": cost,
                                        "st_tuner_time": clock}, epoch, [0.5, cost])
    assert policy._clock.key == "runtime" and policy._meter.key == "cost"
    assert policy._log_price_now() == pytest.approx(catalog + np.log(0.5))


def test_a_hardware_dimension_under_another_name_is_pointed_out(caplog):
    from syne_tune.config_space import choice

    from syne_mohb import MOASHA

    space = {"lr": choice([0.1, 0.01]), "machine": choice(["ml.m5.xlarge", "ml.p3.2xlarge"])}
    with caplog.at_level(logging.WARNING):
        sch = MOASHA(space, ["accuracy", "cost"], ["max", "min"], time_attr="epoch", max_t=3)
    assert sch.hardware is None
    assert "config_space['machine'] holds instance types" in caplog.text
    assert "instance_attr='machine'" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        sch = MOASHA(space, ["accuracy", "cost"], ["max", "min"], time_attr="epoch", max_t=3,
                     instance_attr="machine")
    assert sch.hardware is not None and "holds instance types" not in caplog.text


def test_compare_methods_takes_one_budget_in_seconds_for_every_task(tmp_path, capsys):
    """``compare_methods.py --budget-seconds 300``: the independent benchmarks' setting (one
    budget for every task instead of a multiple of each task's training time); a budget that is
    not positive, or one given with ``--startup``, is refused with the option named."""
    import json
    import sys
    from pathlib import Path

    import pytest

    bench_dir = Path(__file__).resolve().parents[1] / "benchmarking"
    sys.path.insert(0, str(bench_dir))
    try:
        import compare_methods
    finally:
        sys.path.remove(str(bench_dir))
    for bad in (["--budget-seconds", "0"], ["--budget-seconds", "300", "--startup"]):
        with pytest.raises(SystemExit):
            compare_methods.main(bad + ["--output", str(tmp_path / "bad")])
        assert "--budget-seconds" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
    out = tmp_path / "runs"
    assert compare_methods.main(
        ["--benchmarks", "linear-x", "--tasks", "breast_cancer,digits", "--methods", "moasha",
         "--seeds", "1", "--processes", "1", "--bootstrap", "10", "--simulator", "stock",
         "--budget-seconds", "60", "--output", str(out)]) == 0
    budgets = {json.loads(p.read_text())["syne_mohb"]["budget_s"]
               for p in out.glob("linear-x/*/*/seed-0/metadata.json")}
    assert budgets == {60.0}
    assert len(list(out.glob("linear-x/*/*/seed-0/metadata.json"))) == 6  # 3 methods x 2 tasks
    # the same folder on the other simulator: every run conflicts with the cached one; no
    # table is made from runs of other settings, and the finished runs stay
    table = out / "compare_methods.csv"
    before = table.read_bytes()
    assert compare_methods.main(
        ["--benchmarks", "linear-x", "--tasks", "breast_cancer,digits", "--methods", "moasha",
         "--seeds", "1", "--processes", "1", "--bootstrap", "10", "--budget-seconds", "60",
         "--output", str(out)]) == 1
    captured = capsys.readouterr()
    assert "RunConflictError" in captured.out and "no tables: 6 of 6 runs failed" in captured.err
    assert table.read_bytes() == before
    assert len(list(out.glob("linear-x/*/*/seed-0/metadata.json"))) == 6
