"""The scheduler's state at the end of a run in its metadata.json
(syne_mohb.experiments.final_metadata): Syne Tune writes the file at the start, when no trial
has been restarted on another type and the hardware policy has chosen nothing yet."""
from __future__ import annotations

import json

from syne_tune import StoppingCriterion

from syne_mohb import MOASHA, SchedulerEndMetadata
from syne_mohb.backends.simulated import SimulatedBackend


def test_restarts_and_policy_choices_are_recorded_at_the_end(tmp_path):
    from syne_mohb.blackboxes import repository
    from syne_mohb.experiments.analysis import load_run
    from syne_mohb.experiments.html_report import _run_metadata
    from syne_mohb.experiments.simulation import run_replay

    bb = repository.load("cnn")["mnist"]
    sched = MOASHA(dict(bb.configuration_space), metrics=["accuracy", "runtime", "cost"],
                   mode=["max", "min", "min"], time_attr="epoch", max_t=10, random_seed=0)
    run_replay(SimulatedBackend(bb, random_seed=0), sched,
               StoppingCriterion(max_wallclock_time=20.0), n_workers=4, results_root=tmp_path,
               tuner_name="run", callbacks=[SchedulerEndMetadata()])
    meta = json.loads((tmp_path / "run" / "metadata.json").read_text())
    start, end = meta["scheduler_kwargs"], meta["scheduler_end"]["scheduler_kwargs"]
    assert start["restarts"] == {} and sum(start["hardware"]["choices"].values()) == 0
    restarts = sched.metadata()["scheduler_kwargs"]["restarts"]
    assert len(restarts) > 0
    assert end["restarts"] == {str(k): v for k, v in restarts.items()}
    assert end["hardware"]["choices"] == sched.hardware.metadata()["choices"]
    assert sum(end["hardware"]["choices"].values()) > 0
    # the HTML report shows the state at the end
    run = load_run(tmp_path / "run")
    shown = _run_metadata(run, tmp_path, len(run.results), 0)["scheduler_kwargs"]
    assert "restarts={'" in shown


def test_benchmark_runs_record_the_end_state(tmp_path):
    from syne_mohb.experiments.runner import RunSpec, run_one

    path = run_one(RunSpec(method="moasha", benchmark="cnn", task="mnist", seed=0,
                           out_dir=str(tmp_path), budget=10.0))["path"]
    meta = json.loads((tmp_path / path / "metadata.json").read_text())
    assert meta["syne_mohb"]["finished"]
    hardware = meta["scheduler_end"]["scheduler_kwargs"]["hardware"]
    assert hardware["observations"] > 0


def test_the_text_report_prints_the_end_state_of_each_method(tmp_path, capsys):
    from syne_mohb.cli import main
    from syne_mohb.experiments.runner import RunSpec, run_one

    metas = []
    for seed in (0, 1):
        path = run_one(RunSpec(method="moasha", benchmark="cnn", task="mnist", seed=seed,
                               out_dir=str(tmp_path), budget=10.0))["path"]
        metas.append(json.loads((tmp_path / path / "metadata.json").read_text()))
    late_path = run_one(RunSpec(method="moasha-late", benchmark="cnn", task="mnist", seed=0,
                                out_dir=str(tmp_path), budget=10.0))["path"]
    late_end = json.loads((tmp_path / late_path / "metadata.json").read_text())[
        "scheduler_end"]["scheduler_kwargs"]["hardware"]
    assert late_end["late_factor"] == 3.0 and late_end["late_stops"] > 0
    ends = [m["scheduler_end"]["scheduler_kwargs"] for m in metas]
    chosen: dict[str, int] = {}
    for end in ends:
        for k, v in end["hardware"]["choices"].items():
            chosen[k] = chosen.get(k, 0) + v
    assert main(["report", str(tmp_path), "--output", str(tmp_path / "report")]) == 0
    out = capsys.readouterr().out
    assert "The schedulers' state at the end" in out
    import pandas as pd

    table = pd.read_csv(tmp_path / "report" / "scheduler_end.csv")
    row = table[table["method"] == "moasha"].iloc[0]
    assert row["runs"] == 2
    assert row["restarts"] == sum(len(e["restarts"]) for e in ends)
    assert row["moves"] == sum(e["hardware"]["moves"] for e in ends)
    assert row["joint"] == f"{sum(e['hardware']['joint'] for e in ends)} of 2"
    assert row["failures"] == "0 (0 retried)"  # the shipped tables record no failure
    assert pd.isna(row["late"])  # no late_factor: no late stops to count
    late_row = table[table["method"] == "moasha-late"].iloc[0]
    assert late_row["late"] == late_end["late_stops"]
    most = min(chosen, key=lambda k: (-chosen[k], k))
    assert row["choices"].startswith(f"{most}: {chosen[most]} (")
    assert f"{most}: {chosen[most]} (" in out


def test_a_failure_to_record_is_logged_not_raised(tmp_path, caplog):
    from syne_mohb.experiments.final_metadata import record_scheduler_end

    class Broken:
        def metadata(self):
            raise RuntimeError("no metadata today")

    assert record_scheduler_end(tmp_path, Broken()) is False
    assert "could not record the scheduler's final state" in caplog.text
