"""Regression tests of issue 17, items 8 (journaled cost cap), 10 (global random state on
resume), 11 (stop criterion across a resume) and 12 (re-recorded epochs marked and counted
once). Real local runs of a short training script (tests/durable_helpers/train_quick.py)."""
from __future__ import annotations

import json
import random
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import pytest
from syne_tune import StoppingCriterion
from syne_tune.backend import LocalBackend
from syne_tune.config_space import uniform
from syne_tune.constants import ST_RESULTS_DATAFRAME_FILENAME

from syne_mohb import MOASHA
from syne_mohb.durable import ST_RERUN, DurableTuner, read_journal, restore, resume
from syne_mohb.durable.journal import JOURNAL_FILENAME

HELPERS = Path(__file__).resolve().parent / "durable_helpers"
FLAKY = str(HELPERS / "train_quick.py")  # starts fast: no syne_tune import


def _tuner(backend, scheduler, name: str, max_trials: int, workers: int = 1) -> DurableTuner:
    return DurableTuner(backend, scheduler, StoppingCriterion(max_num_trials_started=max_trials),
                        n_workers=workers, sleep_time=0.05, tuner_name=name,
                        suffix_tuner_name=False, print_update_interval=3600,
                        wait_trial_completion_when_stopping=True)


def _started(run_dir) -> list[dict]:
    return [e for e in read_journal(run_dir) if e["e"] == "start"]


def _cut_journal_after(run_dir: Path, pred) -> int:
    """Keep the journal up to and including the first entry matching ``pred`` (what a kill -9
    right after writing it leaves); returns the number of entries kept."""
    path = Path(run_dir) / JOURNAL_FILENAME
    lines = path.read_text().splitlines(keepends=True)
    for i, line in enumerate(lines):
        if pred(json.loads(line)):
            path.write_text("".join(lines[:i + 1]))
            return i + 1
    raise AssertionError("no journal entry matches")


def _forget_exit(run_dir: Path, trial_id: int) -> None:
    """Remove the trial's exit record (what a process that died before its end leaves)."""
    record = Path(run_dir) / str(trial_id) / "exit.json"
    assert json.loads(record.read_text())["returncode"] == 0
    record.unlink()


# -------------------------------------------------------------------------- item 10
@pytest.mark.slow
def test_resume_with_a_scheduler_drawing_from_numpys_global_generator(tmp_path, monkeypatch):
    """Syne Tune's MOASHA samples configurations from numpy's global generator (its
    random_seed has no effect), which the runner seeds globally: replay on resume must draw the
    same configurations, and the resumed run must go on as an uninterrupted one would."""
    from syne_tune.optimizer.schedulers.multiobjective.moasha import MOASHA as SyneTuneMOASHA

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    space = {"x": uniform(0, 1), "fail": 0, "epochs": 2}

    def tuner(name: str, max_trials: int) -> DurableTuner:
        np.random.seed(5)
        random.seed(5)
        sched = SyneTuneMOASHA(space, metrics=["loss", "st_worker_time"], time_attr="epoch",
                               max_t=2, random_seed=5)
        return _tuner(LocalBackend(entry_point=FLAKY), sched, name, max_trials)

    short = tuner("short", 1)
    short.run()  # 2 trials
    np.random.seed(123)  # whatever ran in between moved the global generator
    random.seed(123)
    resume(short.tuner_path, stop_criterion=StoppingCriterion(max_num_trials_started=2))
    full = tuner("full", 2)
    full.run()  # 3 trials, uninterrupted
    got = [e["config"]["x"] for e in _started(short.tuner_path)]
    want = [e["config"]["x"] for e in _started(full.tuner_path)]
    assert len(want) == 3 and got == want


# -------------------------------------------------------------------------- item 11
@pytest.mark.slow
def test_resume_starts_no_more_trials_than_an_uninterrupted_run(tmp_path, monkeypatch, capsys):
    """A resumed run finds both workers free in its first iteration; Syne Tune's loop would
    fill both before it looks at max_num_trials_started again (one trial too many)."""
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    space = {"x": uniform(0, 1), "fail": 0, "epochs": 2}
    sched = MOASHA(space, metrics=["loss"], mode="min", time_attr="epoch", max_t=2,
                   random_seed=0)
    t = _tuner(LocalBackend(entry_point=FLAKY), sched, "stop", max_trials=1, workers=2)
    t.run()
    assert len(_started(t.tuner_path)) == 2  # "more than 1 started" stops it
    meta = json.loads((t.tuner_path / "metadata.json").read_text())
    assert meta["scheduler_end"]["scheduler_name"] == "MOASHA"  # the state at the end too
    # a copy cut at the first result has both trials in flight: one worker cannot take them
    cut = tmp_path / "stop-cut"
    shutil.copytree(t.tuner_path, cut)
    _cut_journal_after(cut, lambda e: e["e"] == "result")
    with pytest.raises(ValueError, match="n_workers=1 is less than the 2 trials in flight"):
        restore(cut, n_workers=1)
    # extend the finished run by one trial: an uninterrupted run with max 2 starts 3
    resume(t.tuner_path, stop_criterion=StoppingCriterion(max_num_trials_started=2))
    started = _started(t.tuner_path)
    assert [e["trial_id"] for e in started] == [0, 1, 2]
    results = pd.read_csv(t.tuner_path / ST_RESULTS_DATAFRAME_FILENAME)
    assert sorted(results.trial_id.unique()) == [0, 1, 2]
    # the stop criterion ended the suggestions, not an exhausted search space: not announced
    out = capsys.readouterr().out
    assert "Tuning finished" in out
    assert "ran out of candidates" not in out and "space exhausted" not in out


# -------------------------------------------------------------------------- item 12
@pytest.mark.slow
def test_rerun_epochs_are_marked_and_counted_once(tmp_path, monkeypatch):
    """A trial in flight at the crash, without a checkpoint, starts over and reports its
    first epochs again: the rows are kept with st_rerun = 1, analysis counts them once."""
    from syne_mohb.experiments.analysis import load_run, pareto_table, unique_results

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    space = {"x": 0.5, "fail": 0, "epochs": 3}
    # the only rung (epoch 10) is never reached: every result is CONTINUE, the trial ends
    # by itself
    sched = MOASHA(space, metrics=["loss"], mode="min", time_attr="epoch", max_t=20,
                   grace_period=10, random_seed=0)
    t = _tuner(LocalBackend(entry_point=FLAKY), sched, "rerun", max_trials=0)
    t.run()
    # the driver dies right after the first result was journaled; the trial is in flight
    _cut_journal_after(t.tuner_path, lambda e: e["e"] == "decision")
    # and its process dies before its end (no exit code 0 recorded): it is restarted (one that
    # ran to its end is not: test_durable_everyday.py)
    _forget_exit(t.tuner_path, 0)
    resume(t.tuner_path)
    entries = read_journal(t.tuner_path)
    assert [e["trial_id"] for e in entries if e["e"] == "relaunched"] == [0]
    df = pd.read_csv(t.tuner_path / ST_RESULTS_DATAFRAME_FILENAME)
    # epochs 1 (journaled), 2, 3 (printed while the driver was down) of the first attempt,
    # then 1, 2, 3 again from the restart
    assert list(zip(df.epoch, df[ST_RERUN])) == [(1, 0), (2, 0), (3, 0), (1, 1), (2, 1), (3, 1)]
    once = unique_results(df, resource_attr="epoch")
    assert list(zip(once.epoch, once[ST_RERUN])) == [(1, 0), (2, 0), (3, 0)]
    run = load_run(t.tuner_path)  # what report and the Pareto table read
    assert sorted(run.results.epoch) == [1, 2, 3]
    assert not run.results.duplicated(["trial_id", "epoch"]).any()
    assert len(pareto_table(run)) == 1


# -------------------------------------------------------------------------- item 8
@pytest.mark.slow
def test_cost_capped_trial_is_journaled_and_not_restarted_by_a_resume(tmp_path, monkeypatch):
    """The driver dies right after the backend's cost cap ended a trial, before the scheduler
    heard of it: the resume must know the trial was capped (journal), keep it ended (no
    restart, no new spending) and hand its results up to the cap to the scheduler."""
    from syne_mohb.backends import LocalProfileBackend
    from syne_mohb.backends.cost import COST_CAP_REACHED

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    space = {"x": 0.5, "fail": 0, "epochs": 100}
    sched = MOASHA(space, metrics=["loss"], mode="min", time_attr="epoch", max_t=200,
                   grace_period=150, random_seed=0)
    # $36/h = $0.01/s: the cap ends the trial after ~1.5 s (it would run 5 s and more)
    backend = LocalProfileBackend(FLAKY, prices={"local-cpu-1": 36.0},
                                  default_instance="local-cpu-1", max_cost_per_trial=0.015)
    t = _tuner(backend, sched, "capped", max_trials=0)
    t.run()
    assert 0 in backend.cost_capped_trials
    entries = read_journal(t.tuner_path)
    capped = [e for e in entries if e["e"] == "cost_capped"]
    assert [(e["trial_id"], e["keep"]) for e in capped] == \
        [(0, backend.cost_cap_records()[0][0])]
    keep = capped[0]["keep"]
    _cut_journal_after(t.tuner_path, lambda e: e["e"] == "cost_capped")
    lines_before = (t.tuner_path / "0" / "std.out").read_text().count("[tune-metric]")
    resumed = resume(t.tuner_path)
    entries = read_journal(t.tuner_path)
    assert not [e for e in entries if e["e"] == "relaunched"]  # not restarted
    assert (t.tuner_path / "0" / "std.out").read_text().count("[tune-metric]") == lines_before
    assert resumed.trial_backend.cost_capped_trials.keys() == {0}
    df = pd.read_csv(t.tuner_path / ST_RESULTS_DATAFRAME_FILENAME)
    assert list(df.epoch) == list(range(1, keep + 1))  # its results up to the cap, once
    assert df[COST_CAP_REACHED].sum() <= 1
    assert entries[-1]["e"] == "end"


def test_unique_results_keeps_the_lowest_attempt_of_each_trial_and_epoch():
    from syne_mohb.experiments.analysis import unique_results

    df = pd.DataFrame({
        "trial_id": [0, 0, 1, 0, 0, 1, 1],
        "epoch": [1, 2, 1, 1, 2, np.nan, 1],
        ST_RERUN: [1, 1, 0, 0, 0, 0, 2],  # trial 0: attempt 1's rows come first here
        "loss": [0.9, 0.8, 0.7, 0.91, 0.81, 0.5, 0.71],
    }, index=[10, 11, 12, 13, 14, 15, 16])
    out = unique_results(df)
    assert list(out.index) == [12, 13, 14, 15]  # original order and index; NaN epoch kept
    assert list(out.loss) == [0.7, 0.91, 0.81, 0.5]
    assert unique_results(df.drop(columns=[ST_RERUN])) is not None
    assert len(unique_results(df.drop(columns=[ST_RERUN]))) == 7  # not a durable run
    assert len(unique_results(df.rename(columns={"epoch": "step"}), "step")) == 4
    assert len(unique_results(df.rename(columns={"epoch": "step"}))) == 7  # no epoch column


# -------------------------------------------------------------------------- issue 11 item 6
@pytest.mark.slow
def test_cost_ledger_is_journaled_and_continues_after_a_resume(tmp_path, monkeypatch):
    """The local cost ledger's segments come back from the journal (``trial_state``), not from
    the trial's log: the segment open at the crash keeps its journaled start and ends at the
    trial's last metric line; the restarted trial is billed on top of it."""
    from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME, ST_WORKER_TIMESTAMP

    from syne_mohb.backends import LocalProfileBackend

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    space = {"x": 0.5, "fail": 0, "epochs": 3}
    sched = MOASHA(space, metrics=["loss"], mode="min", time_attr="epoch", max_t=20,
                   grace_period=10, random_seed=0)
    price = 36.0  # $/h
    backend = LocalProfileBackend(FLAKY, prices={"local-cpu-1": price},
                                  default_instance="local-cpu-1")
    t = _tuner(backend, sched, "ledger", max_trials=0)
    t.run()
    # the driver dies right after the first result was journaled; the trial is in flight, and
    # its process dies before its end
    _cut_journal_after(t.tuner_path, lambda e: e["e"] == "decision")
    _forget_exit(t.tuner_path, 0)
    states = [e for e in read_journal(t.tuner_path) if e["e"] == "trial_state"]
    assert states and states[-1]["trial_id"] == 0
    (journaled,) = states[-1]["state"]["cost_segments"]
    assert journaled["end"] is None  # open when the driver died
    first_attempt = [r for r in _metric_lines(t.tuner_path / "0" / "std.out")]
    resumed = resume(t.tuner_path)
    segs = resumed.trial_backend.cost_ledger.state_dict()["trials"]["0"]
    assert len(segs) == 2  # the journaled one, and the restart's
    assert segs[0]["start"] == journaled["start"]
    assert segs[0]["end"] == max(r[ST_WORKER_TIMESTAMP] for r in first_attempt)
    assert segs[1]["start"] >= segs[0]["end"]
    df = pd.read_csv(t.tuner_path / ST_RESULTS_DATAFRAME_FILENAME)
    first = segs[0]["end"] - segs[0]["start"]
    rerun = df[df[ST_RERUN] == 1]
    assert len(rerun) == 3 and (rerun[ST_WORKER_TIME] > first).all()
    for time_, cost in zip(df[ST_WORKER_TIME], df[ST_WORKER_COST]):
        assert cost == pytest.approx(time_ * price / 3600)
    # the restarted trial's segment was journaled as well, closed when it completed
    last = [e for e in read_journal(t.tuner_path) if e["e"] == "trial_state"][-1]
    assert last["state"]["cost_segments"] == segs


def _metric_lines(path: Path) -> list[dict]:
    tag = "[tune-metric]: "
    return [json.loads(line[len(tag):]) for line in path.read_text().splitlines()
            if line.startswith(tag)]


def test_resume_of_a_run_from_another_version_is_one_clear_error(tmp_path):
    import dill

    from syne_mohb.durable import resume

    run = tmp_path / "run"
    run.mkdir()
    (run / "journal.jsonl").write_text("")
    with open(run / "durable.dill", "wb") as f:
        dill.dump({"version": 1, "tuner": None}, f)
    with pytest.raises(ValueError, match="does not hold a DurableTuner"):
        resume(run)
    sys.path.insert(0, str(HELPERS))
    from sim_driver import make_tuner

    tuner = make_tuner(str(tmp_path), "other", 0)
    with open(run / "durable.dill", "wb") as f:
        dill.dump({"version": 1, "tuner": tuner}, f)
    with pytest.raises(ValueError, match=r"run format 1, this one reads 2\); resume the run"):
        resume(run)
    (run / "durable.dill").write_bytes(b"\x80\x04\x95garbage")
    with pytest.raises(ValueError,
                       match="resume the run with the syne-mohb version that started it"):
        resume(run)


@pytest.mark.slow
def test_a_trial_that_ends_without_reporting_is_a_failed_trial_not_the_end_of_the_run(
        tmp_path, monkeypatch):
    """Syne Tune's loop raises "trial N completed and no metrics got observed" when a script
    exits 0 without reporting; under DurableTuner that ended the run with a traceback, and every
    resume ended the same way. It is now a failed trial under the failure policy, with a reason
    that says what to check."""
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    space = {"x": uniform(0, 1), "fail": 0, "epochs": 2, "silent_above": 0.5}
    sched = MOASHA(space, metrics=["loss"], mode="min", time_attr="epoch", max_t=2,
                   random_seed=0, points_to_evaluate=[{"x": 0.2}, {"x": 0.8}, {"x": 0.3}])
    tuner = _tuner(LocalBackend(entry_point=FLAKY), sched, "silent", 3)
    tuner.run()  # no exception
    entries = read_journal(tuner.run_dir)
    failed = [e for e in entries if e["e"] == "failed"]
    assert [e["trial_id"] for e in failed] == [1]
    assert "without reporting any metric" in failed[0]["reason"]
    assert entries[-1]["e"] == "end"
    df = pd.read_csv(Path(tuner.run_dir) / ST_RESULTS_DATAFRAME_FILENAME)
    assert {0, 2} <= set(df.trial_id) and 1 not in set(df.trial_id)  # the run went on
    assert tuner.tuning_status.num_trials_failed == 1


@pytest.mark.slow
def test_a_run_started_with_a_relative_script_resumes_from_another_folder(tmp_path, monkeypatch,
                                                                          capsys):
    """The README starts runs with a relative entry point; a resume from another folder ran
    ``python <that relative path>`` there and every trial failed. The path is made absolute when
    the durable tuner is built; a script that is gone by the resume is one clear error before
    anything starts (the CLI's, too)."""
    from syne_mohb.cli import main

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path / "runs"))
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(FLAKY, project / "train.py")
    monkeypatch.chdir(project)
    space = {"x": uniform(0, 1), "fail": 0, "epochs": 2}

    def start(name: str) -> Path:
        sched = MOASHA(space, metrics=["loss"], mode="min", time_attr="epoch", max_t=2,
                       random_seed=0)
        tuner = _tuner(LocalBackend(entry_point="train.py"), sched, name, 3)
        assert tuner.trial_backend.entry_point == str(project / "train.py")
        tuner.run()
        # what a kill -9 right after the second launch leaves
        _cut_journal_after(tuner.run_dir, lambda e: e["e"] == "launched" and e["trial_id"] == 1)
        for later in (2, 3):  # not launched yet at that moment
            shutil.rmtree(Path(tuner.run_dir) / str(later), ignore_errors=True)
        return Path(tuner.run_dir)

    moved, gone = start("moved"), start("gone")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    resume(moved)
    entries = read_journal(moved)
    assert entries[-1]["e"] == "end" and not [e for e in entries if e["e"] == "failed"]

    (project / "train.py").unlink()
    before = len(read_journal(gone))
    with pytest.raises(ValueError, match="training script .*train.py is not there"):
        resume(gone)
    assert main(["resume", str(gone)]) == 2
    assert "is not there: put it back" in capsys.readouterr().err
    assert len(read_journal(gone)) == before  # nothing was written or started


@pytest.mark.slow
def test_cli_resume_that_ends_over_the_failure_budget_prints_the_reasons_not_a_traceback(
        tmp_path, monkeypatch, capsys):
    from syne_mohb.cli import main

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    space = {"x": uniform(0, 1), "fail": 1, "epochs": 3}  # every trial raises at epoch 2
    # no rung before epoch 2: no trial is stopped before it fails, however loaded the machine
    sched = MOASHA(space, metrics=["loss"], mode="min", time_attr="epoch", max_t=3,
                   grace_period=2, random_seed=0)
    tuner = _tuner(LocalBackend(entry_point=FLAKY), sched, "failing", 6)
    with pytest.raises(RuntimeError, match="failure budget"):
        tuner.run()
    run_dir = Path(tuner.run_dir)
    # what a kill -9 right after the first launch leaves
    _cut_journal_after(run_dir, lambda e: e["e"] == "launched")
    for later in range(1, 10):
        shutil.rmtree(run_dir / str(later), ignore_errors=True)
    capsys.readouterr()
    assert main(["resume", str(run_dir)]) == 1
    err = capsys.readouterr().err
    assert "the run ended because too many trials failed" in err
    assert "flaky failure at epoch 2" in err  # each trial's reason (its own stderr)
    assert "cli.py" not in err and "FailureBudgetExceeded" not in err  # not ours


# -------------------------------------------------------------------------- read position
@pytest.mark.slow
def test_a_paused_trial_resumed_after_a_resume_does_not_deliver_its_dropped_results_again(
        tmp_path, monkeypatch):
    """Under promotion MO-ASHA pauses a trial on the first of several results of one poll:
    Syne Tune's read position passes them all and its loop drops the rest. A resume set the
    read position to the number of journaled results, so the trial, promoted after the resume,
    delivered the dropped results of its earlier attempt again (stale, out of order) before
    its new ones."""
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    # no sleep: each trial prints its 3 epochs at once, the first poll sees them together
    space = {"x": uniform(0, 1), "fail": 0, "epochs": 3, "epoch_sleep": 0.0}
    sched = MOASHA(space, metrics=["loss"], mode="min", time_attr="epoch", max_t=3,
                   grace_period=1, reduction_factor=3, random_seed=0, type="promotion",
                   points_to_evaluate=[{"x": 0.3}, {"x": 0.9}, {"x": 0.8}])
    t = _tuner(LocalBackend(entry_point=FLAKY), sched, "promoted", max_trials=2)
    t.run()  # 3 trials, each paused at the rung of epoch 1; the criterion holds before any
    # promotion
    entries = read_journal(t.tuner_path)
    assert not [e for e in entries if e["e"] == "resume_trial"]
    assert [e["result"]["epoch"] for e in entries
            if e["e"] == "result" and e["trial_id"] == 0] == [1]
    assert len(_metric_lines(t.tuner_path / "0" / "std.out")) == 3
    resume(t.tuner_path, stop_criterion=StoppingCriterion(max_num_trials_started=3))
    entries = read_journal(t.tuner_path)
    promoted = [e["t"] for e in entries if e["e"] == "resume_trial" and e["trial_id"] == 0]
    assert len(promoted) == 1  # the best of the rung goes on
    results = [e["result"] for e in entries if e["e"] == "result" and e["trial_id"] == 0]
    assert len(results) > 1
    # after its PAUSE, only what the promoted process printed
    assert all(r["st_worker_timestamp"] > promoted[0] for r in results[1:]), \
        [(r["epoch"], r["st_worker_timestamp"] - promoted[0]) for r in results]
    df = pd.read_csv(t.tuner_path / ST_RESULTS_DATAFRAME_FILENAME)
    assert not df[df.trial_id == 0].duplicated("st_worker_timestamp").any()
