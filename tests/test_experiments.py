"""Analysis (Pareto set, hypervolume, dollars, time to target), replay backend, runner."""
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from syne_mohb.experiments.analysis import load_run, pareto_table
from syne_mohb.experiments.metrics import Normalizer, hypervolume_curve, time_to_target
from syne_mohb.experiments.methods import make_scheduler, method_names, MethodContext


def _write_run(path, rows, meta=None):
    path.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(path / "results.csv.zip", index=False)
    (path / "metadata.json").write_text(json.dumps(meta or {
        "metric_names": ["accuracy", "cost"], "metric_mode": ["max", "min"]}))
    return path


@pytest.fixture
def toy_run(tmp_path):
    # two trials; cost and worker cost are cumulative per trial
    rows = [
        dict(trial_id=0, epoch=1, st_tuner_time=1.0, accuracy=0.80, cost=1.0, st_worker_cost=1.0,
             config_instance_type="a"),
        dict(trial_id=1, epoch=1, st_tuner_time=2.0, accuracy=0.70, cost=0.5, st_worker_cost=0.5,
             config_instance_type="b"),
        dict(trial_id=0, epoch=2, st_tuner_time=3.0, accuracy=0.90, cost=2.0, st_worker_cost=2.0,
             config_instance_type="a"),
        dict(trial_id=1, epoch=2, st_tuner_time=4.0, accuracy=0.85, cost=3.0, st_worker_cost=3.0,
             config_instance_type="b"),
    ]
    return load_run(_write_run(tmp_path / "run", rows))


def test_load_run_reads_objectives_and_modes_from_metadata(toy_run):
    assert toy_run.objectives == ["accuracy", "cost"]
    assert toy_run.modes == ["max", "min"]


def test_pareto_table_mixed_modes(toy_run):
    tab = pareto_table(toy_run)
    # (0.85, 3.0) is dominated by (0.90, 2.0); the other three are on the front
    assert sorted(zip(tab["accuracy"], tab["cost"])) == [(0.7, 0.5), (0.8, 1.0), (0.9, 2.0)]
    assert list(tab["accuracy"]) == [0.9, 0.8, 0.7]  # best first for a "max" objective
    assert set(tab["instance_type"]) == {"a", "b"}


def test_dollars_spent_sums_cumulative_costs_per_trial(toy_run):
    # increments: 1.0, 0.5, +1.0 (trial 0: 1->2), +2.5 (trial 1: 0.5->3)
    np.testing.assert_allclose(toy_run.dollars_spent(), [1.0, 1.5, 2.5, 5.0])


def test_hypervolume_hand_computed_mixed_modes(toy_run):
    # accuracy in [0.5, 1.0] (max), cost in [0, 4] (min), no log scaling; ref = 1.1, 1.1
    norm = Normalizer(["accuracy", "cost"], ["max", "min"], lower=[-1.0, 0.0], upper=[-0.5, 4.0],
                      log=[False, False])
    Z = norm.transform([[0.9, 2.0]])
    np.testing.assert_allclose(Z, [[0.2, 0.5]])
    # front after t=1: (0.8, 1) -> z = (0.4, 0.25): box (1.1-0.4)*(1.1-0.25) = 0.595
    # after t=2: add (0.7, 0.5) -> z = (0.6, 0.125): union = 0.595 + (1.1-0.6)*(0.25-0.125)
    # after t=3: add (0.9, 2.0) -> z = (0.2, 0.5): adds (0.4-0.2)*(1.1-0.5)
    vol = 1.1 * 1.1
    expected = np.array([0.0, 0.595, 0.595 + 0.0625, 0.595 + 0.0625 + 0.12,
                         0.595 + 0.0625 + 0.12]) / vol
    curve = hypervolume_curve(toy_run, norm, np.array([0.5, 1.0, 2.0, 3.0, 4.0]), axis="time")
    np.testing.assert_allclose(curve, expected)
    # against dollars: 1.0 -> first row, 2.5 -> three rows
    dcurve = hypervolume_curve(toy_run, norm, np.array([1.0, 2.5]), axis="dollars")
    np.testing.assert_allclose(dcurve, expected[[1, 3]])


def test_time_to_target(toy_run):
    assert time_to_target(toy_run, "accuracy", 0.85) == (3.0, 2.5)
    assert time_to_target(toy_run, "accuracy", 0.95) == (float("inf"), float("inf"))


def test_load_run_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_run(tmp_path / "nope")
    p = _write_run(tmp_path / "r", [dict(trial_id=0, st_tuner_time=1.0, loss=1.0)],
                   {"metric_names": ["accuracy"], "metric_mode": "max"})
    with pytest.raises(ValueError, match=r"objectives \['accuracy'\] are not columns"):
        load_run(p)


def test_unknown_method_lists_valid_names():
    ctx = MethodContext(config_space={}, fidelity_attr="epoch", max_t=3, random_seed=0)
    with pytest.raises(ValueError) as e:
        make_scheduler("moasah", ctx)
    assert "did you mean 'moasha'" in str(e.value)
    for name in method_names():
        assert name in str(e.value)


def test_unknown_benchmark_and_task_list_valid_names():
    from syne_mohb.experiments.runner import benchmark_names, get_benchmark

    with pytest.raises(ValueError, match="valid benchmarks: " + ", ".join(benchmark_names())):
        get_benchmark("imagenet")
    bench = get_benchmark(benchmark_names()[0])
    with pytest.raises(ValueError, match="valid tasks"):
        bench.check_task("not-a-task")


def _replay(seed):
    from syne_tune import StoppingCriterion

    from syne_mohb import blackboxes
    from syne_mohb.backends.simulated import SimulatedBackend
    from syne_mohb.experiments.simulation import run_replay
    from syne_mohb.scheduler import MOASHA

    name = blackboxes.names()[0]
    bb = next(iter(blackboxes.load(name).values()))
    cs = dict(bb.configuration_space)
    sch = MOASHA(cs, ["accuracy", "cost"], ["max", "min"], time_attr=bb.fidelity_name(),
                 max_t=int(max(bb.fidelity_values)), random_seed=seed)
    tuner = run_replay(SimulatedBackend(bb, random_seed=seed), sch,
                       StoppingCriterion(max_num_trials_started=30), n_workers=4,
                       results_root=None, tuner_name=f"t{seed}")
    return bb, tuner.callbacks[0].dataframe()


def test_replay_is_deterministic_and_matches_the_table(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    bb, a = _replay(3)
    _, b = _replay(3)
    cols = ["trial_id", "epoch", "accuracy", "cost", "st_tuner_time"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    # simulated clock: a result arrives at its trial's start + cumulative runtime
    # (exactly: stopping only, no pauses), so start = st_tuner_time - runtime is one value per
    # trial; the first 4 trials (4 workers) start at 0 and every later one starts when an
    # earlier trial's last result freed its worker
    start = (a["st_tuner_time"] - a["runtime"]).groupby(a["trial_id"])
    np.testing.assert_allclose(start.max() - start.min(), 0.0, atol=1e-9)
    starts = start.first().sort_index()
    ends = a.groupby("trial_id")["st_tuner_time"].max()
    np.testing.assert_allclose(starts.iloc[:4].to_numpy(), 0.0, atol=1e-9)
    for tid in starts.index[4:]:
        gaps = np.abs(ends[ends.index < tid].to_numpy() - starts[tid])
        assert gaps.min() < 1e-9, f"trial {tid} started at {starts[tid]}, not when a worker freed"
    # values are those of the table for the trial's config at that epoch (for some seed)
    row = a.iloc[len(a) // 2]
    cfg = {k: row[f"config_{k}"] for k in bb.configuration_space}
    vals = bb.objective_function(cfg, seed=0)  # any seed: check membership over seeds
    accs = {float(bb.objective_function(cfg, seed=s)[int(row["epoch"]) - 1][0])
            for s in range(bb.num_seeds)}
    assert vals.shape[0] == len(bb.fidelity_values)
    assert float(row["accuracy"]) in accs


@pytest.mark.slow
def test_tiny_bench_end_to_end(tmp_path):
    from syne_tune.experiments import load_experiment

    from syne_mohb.experiments.report import make_report
    from syne_mohb.experiments.runner import benchmark_names, get_benchmark, grid, run_many

    name = benchmark_names()[0]
    task = get_benchmark(name).tasks[0]
    specs = grid(["moasha", "asha-default"], [name], {name: [task]}, [0, 1], tmp_path,
                 max_trials=25)
    results = run_many(specs, processes=1, progress=False)
    assert not [r for r in results if "error" in r]
    exp = load_experiment("seed-1", local_path=str(tmp_path / name / task / "moasha"))
    assert exp.results is not None and exp.results["trial_id"].nunique() >= 20
    assert exp.metadata["syne_mohb"]["method"] == "moasha"
    rep = make_report(tmp_path)
    s = rep["summary"]
    assert set(s["method"]) == {"moasha", "asha-default"} and (s["seeds"] == 2).all()
    assert ((s["hypervolume"] > 0) & (s["hypervolume"] <= 1)).all()
    assert len(rep["targets"]) == 4
    pngs = [p for p in rep["plots"] if p.suffix == ".png"]
    assert len(pngs) == 4 and all(p.stat().st_size > 1000 for p in pngs)
    assert (rep["out_dir"] / "summary.csv").exists()
    # a second run of the same grid keeps the finished runs
    again = run_many(specs, processes=1, progress=False)
    assert all(r["skipped"] for r in again)


def test_run_replay_names_a_bad_folder_before_the_run(tmp_path):
    """A results_root that is a file used to fail only when the finished run was saved (its
    results lost); a tuner_name with a path separator nested folders."""
    from syne_tune import StoppingCriterion

    from syne_mohb import MOASHA
    from syne_mohb.blackboxes import load, make_backend
    from syne_mohb.experiments import run_replay

    space = dict(load("linear")["digits"].configuration_space)
    sched = MOASHA(space, metrics=["accuracy", "cost"], mode=["max", "min"],
                   time_attr="epoch", max_t=10, random_seed=0)
    afile = tmp_path / "afile"
    afile.write_text("")
    stop = StoppingCriterion(max_wallclock_time=1)
    with pytest.raises(ValueError, match="results_root .*afile is a file, not a folder"):
        run_replay(make_backend("linear", "digits", random_seed=0), sched, stop,
                   results_root=afile)
    for name in ("a/b", "", ".."):
        with pytest.raises(ValueError, match="tuner_name must be a folder name"):
            run_replay(make_backend("linear", "digits", random_seed=0), sched, stop,
                       results_root=tmp_path, tuner_name=name)


def test_run_replay_lets_callbacks_print_restores_the_environment_and_checks_its_inputs(
        tmp_path, monkeypatch, capsys):
    """A user's ParetoSummary printed nothing under run_replay (stdout was discarded for the
    whole run, not just Syne Tune's end-of-run summary); SYNETUNE_FOLDER stayed set to the
    last results_root, so a later run without one went there too; a criterion without a limit
    replayed forever."""
    from syne_tune import StoppingCriterion
    from syne_tune.results_callback import StoreResultsCallback

    from syne_mohb import MOASHA, ParetoSummary, blackboxes
    from syne_mohb.experiments import run_replay

    monkeypatch.delenv("SYNETUNE_FOLDER", raising=False)
    metrics = ["accuracy", "runtime", "cost"]
    space = dict(blackboxes.load("mlp")["digits"].configuration_space)

    def args():
        return (blackboxes.make_backend("mlp", "digits", random_seed=0),
                MOASHA(space, metrics=metrics, mode=["max", "min", "min"], time_attr="epoch",
                       max_t=20, random_seed=0))

    tuner = run_replay(*args(), StoppingCriterion(max_wallclock_time=0.5), n_workers=2,
                       results_root=tmp_path / "runs", tuner_name="a",
                       callbacks=[StoreResultsCallback(), ParetoSummary(max_rows=2)])
    out = capsys.readouterr().out
    assert "Pareto set of" in out and "Resource summary" not in out
    assert Path(tuner.tuner_path) == (tmp_path / "runs" / "a").resolve()
    assert "SYNETUNE_FOLDER" not in os.environ
    for bad, name in [(StoppingCriterion(), "sets no limit"), (None, "stop_criterion must")]:
        with pytest.raises(ValueError, match=name):
            run_replay(*args(), bad)
    with pytest.raises(ValueError, match="backend must be"):
        run_replay("mlp", args()[1], StoppingCriterion(max_wallclock_time=1))
    with pytest.raises(ValueError, match="scheduler must be"):
        run_replay(args()[0], None, StoppingCriterion(max_wallclock_time=1))
