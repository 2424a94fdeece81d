"""Durable runs as a user meets them (issue 23): a trial that ran to completion while the driver
was down is kept, not restarted, with every line it printed (item 20); the banner names the
user's scheduler (item 21); Ctrl-C prints one line saying how to resume (item 16). Real driver
and training processes (tests/durable_helpers/quick_driver.py on train_quick.py)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from syne_tune import StoppingCriterion
from syne_tune.constants import ST_RESULTS_DATAFRAME_FILENAME

from syne_mohb.durable import ST_RERUN, read_journal, resume

HELPERS = Path(__file__).resolve().parent / "durable_helpers"
DRIVER = str(HELPERS / "quick_driver.py")
PY = sys.executable
TAG = "[tune-metric]: "
sys.path.insert(0, str(HELPERS))


def _wait_for(pred, timeout: float = 60.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def _entries(run_dir: Path) -> list[dict]:
    try:
        return read_journal(run_dir)
    except ValueError:
        return []


def _run_processes(run_dir: Path) -> list:
    import psutil

    out = []
    for p in psutil.process_iter(["pid", "cmdline"]):
        try:
            if any(str(run_dir) in a for a in (p.info.get("cmdline") or [])):
                out.append(p)
        except psutil.Error:
            pass
    return out


def _printed(run_dir: Path, trial_id: int) -> list[dict]:
    path = run_dir / str(trial_id) / "std.out"
    lines = path.read_text().splitlines() if path.exists() else []
    return [json.loads(line[len(TAG):]) for line in lines if line.startswith(TAG)]


# -------------------------------------------------------------------------- item 20
@pytest.mark.slow
def test_trial_that_completed_while_the_driver_was_down_is_kept_not_restarted(tmp_path, capsys):
    """The driver dies right after it launched trial 1 (no checkpoint); the trial's process runs
    all 9 epochs as an orphan. The resume must not start it again, and must keep all 9 results
    although the resumed MO-ASHA stops trial 1 at a rung on the first of them."""
    run_dir = tmp_path / "orphan"
    proc = subprocess.run([PY, DRIVER, "start", str(tmp_path), "orphan", "0.05", "1"],
                          capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    # the orphan prints its 9 epochs and ends while no driver runs
    assert _wait_for(lambda: len(_printed(run_dir, 1)) == 9 and not _run_processes(run_dir)), \
        "the orphan did not end"
    assert [e["trial_id"] for e in read_journal(run_dir) if e["e"] == "result"] == [0] * 9

    resume(run_dir)
    entries = read_journal(run_dir)
    assert not [e for e in entries if e["e"] == "relaunched"]  # not started again
    assert json.loads((run_dir / "1" / "exit.json").read_text())["returncode"] == 0
    assert [e["trial_id"] for e in entries if e["e"] == "completed_while_down"] == [1]
    assert len(_printed(run_dir, 1)) == 9  # it ran once
    df = pd.read_csv(run_dir / ST_RESULTS_DATAFRAME_FILENAME)
    one = df[df.trial_id == 1]
    # the resumed scheduler stopped it at a rung (what Syne Tune's loop drops the rest after) ...
    stop = one[one.st_decision == "STOP"]
    assert len(stop) == 1 and int(stop.epoch.iloc[0]) < 9
    # ... and every epoch it trained is recorded once, the later ones without a decision
    assert sorted(one.epoch) == list(range(1, 10)) and (one[ST_RERUN] == 0).all()
    assert one[one.epoch > stop.epoch.iloc[0]].st_decision.isna().all()
    assert [e["result"]["epoch"] for e in entries if e["e"] == "kept_result"] == \
        list(range(int(stop.epoch.iloc[0]) + 1, 10))
    assert entries[-1]["e"] == "end"
    # a second resume rebuilds the same rows from the journal (kept results included)
    from syne_mohb.durable import restore

    again = restore(run_dir)
    rows = pd.DataFrame(again.restored.result_rows())
    assert sorted(rows[rows.trial_id == 1].epoch) == list(range(1, 10))
    assert again.trial_backend._last_metric_seen_index[1] == 9  # read position: all 9 lines


@pytest.mark.slow
def test_pausing_a_trial_that_completed_while_the_driver_was_down_kills_nothing(tmp_path):
    """Under promotion the resumed MO-ASHA *pauses* the orphan at its first rung. Syne Tune's
    LocalBackend kills a paused trial's process tree through ``psutil.Process(pid)``; the
    stand-in for its ended process once had ``pid = None``, which psutil takes as the calling
    process: the resume SIGKILLed itself, every time (found by a user's kill -9 and resume)."""
    run_dir = tmp_path / "orphan"
    env = dict(os.environ, QUICK_DRIVER_TYPE="promotion")
    proc = subprocess.run([PY, DRIVER, "start", str(tmp_path), "orphan", "0.05", "1"],
                          capture_output=True, timeout=120, env=env)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    assert _wait_for(lambda: len(_printed(run_dir, 1)) == 9 and not _run_processes(run_dir)), \
        "the orphan did not end"
    # in its own process: the defect killed the process that resumed
    proc = subprocess.run([PY, DRIVER, "resume", str(run_dir)], capture_output=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    entries = read_journal(run_dir)
    assert [e["trial_id"] for e in entries if e["e"] == "completed_while_down"] == [1]
    assert any(e["e"] == "decision" and e.get("trial_id") == 1 and e.get("decision") == "PAUSE"
               for e in entries), [e for e in entries if e["e"] == "decision"]
    assert entries[-1]["e"] == "end"
    df = pd.read_csv(run_dir / ST_RESULTS_DATAFRAME_FILENAME)
    assert sorted(df[df.trial_id == 1].epoch) == list(range(1, 10))  # every line it printed


# -------------------------------------------------------------------------- item 21
def test_banner_names_the_users_scheduler_on_start_and_on_resume(tmp_path, monkeypatch, capsys):
    from sim_driver import make_tuner

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    tuner = make_tuner(str(tmp_path), "banner", seed=1, max_trials=2)
    tuner.run()
    out = capsys.readouterr().out
    assert "Scheduler: " in out and "RunScheduler" not in out
    line = next(x for x in out.splitlines() if "Scheduler: " in x)
    assert "MOASHA" in line
    resume(tuner.tuner_path, stop_criterion=StoppingCriterion(max_num_trials_started=3))
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "Scheduler: " in x)
    assert "MOASHA" in line and "RunScheduler" not in out


# -------------------------------------------------------------------------- item 16
def _interrupt_after_result(cmd: list[str], run_dir: Path, session: int) -> subprocess.Popen:
    """Start ``cmd``, wait for a result journaled in its session, send SIGINT (Ctrl-C) to it."""
    # as from a terminal: SIGINT at its default (pytest-xdist workers and background jobs of a
    # shell ignore it, and a child inherits that)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))

    def results_in_session() -> int:
        entries = _entries(run_dir)
        starts = [i for i, e in enumerate(entries) if e["e"] == "session"]
        if len(starts) <= session:
            return 0
        return sum(e["e"] == "result" for e in entries[starts[session]:])

    assert _wait_for(lambda: results_in_session() >= 1 or proc.poll() is not None, 90)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    os.kill(proc.pid, signal.SIGINT)
    return proc


@pytest.mark.slow
def test_ctrl_c_prints_one_line_and_the_run_resumes(tmp_path):
    run_dir = tmp_path / "ctrlc"
    hint = f"syne-mohb: run interrupted; resume it with: syne-mohb resume {run_dir}"
    sessions = [
        [PY, DRIVER, "start", str(tmp_path), "ctrlc", "0.3"],  # DurableTuner.run()
        [PY, "-m", "syne_mohb.cli", "resume", str(run_dir)],  # the command it names
    ]
    for session, cmd in enumerate(sessions):
        proc = _interrupt_after_result(cmd, run_dir, session)
        out, err = (b.decode() for b in proc.communicate(timeout=60))
        assert proc.returncode in (-signal.SIGINT, 130), err[-2000:]
        assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]
        assert [line for line in err.splitlines() if "interrupted" in line] == [hint]
        assert err.rstrip().splitlines()[-1] == hint
        assert "Happy training" not in out and "OPTIMIZATION COMPLETE" not in out
        # the banner names the user's scheduler (item 21), in a resumed session too
        banner = [line for line in out.splitlines() if "Scheduler: " in line]
        assert len(banner) == 1 and "MOASHA" in banner[0] and "RunScheduler" not in out
        assert read_journal(run_dir)[-1]["e"] == "interrupted"
        assert _wait_for(lambda: not _run_processes(run_dir), 10)  # no trial left running
    tuner = resume(run_dir)  # and the run finishes
    entries = read_journal(run_dir)
    assert entries[-1]["e"] == "end" and [e["e"] for e in entries].count("session") == 3
    assert tuner.tuning_status.num_trials_started == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_trial_command_dies_with_its_exit_recorder(tmp_path):
    """A trial stopped right after its launch can have its exit recorder killed before the
    backend saw the recorder's child; the child must not live on re-parented (CI found one
    left over at the end of a run)."""
    import psutil

    from syne_mohb.backends.local_recovery import EXIT_RECORDER

    ckpt = tmp_path / "0" / "checkpoints"
    ckpt.mkdir(parents=True)
    recorder = subprocess.Popen([PY, "-S", EXIT_RECORDER, "--trial-dir-of", "--ckpt", "--",
                                 PY, "-S", "-c", "import time; time.sleep(120)",
                                 "--ckpt", str(ckpt)])
    assert _wait_for(lambda: len(psutil.Process(recorder.pid).children()) == 1, 30)
    child = psutil.Process(recorder.pid).children()[0]
    assert _wait_for(lambda: "time.sleep(120)" in " ".join(child.cmdline()), 30)  # exec'd
    recorder.kill()  # the recorder alone, as when it dies before the backend lists children
    recorder.wait()
    gone, alive = psutil.wait_procs([child], timeout=30)
    assert alive == [] and gone[0].pid == child.pid
    assert not (tmp_path / "0" / "exit.json").exists()  # killed: no exit code to record
