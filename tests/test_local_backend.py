"""Cost accounting (ledger arithmetic, pause/resume) and LocalProfileBackend (pinning, checks)."""

import textwrap
import time
from pathlib import Path

import pytest
from syne_tune.backend.trial_status import Status
from syne_tune.config_space import choice, uniform
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME, ST_WORKER_TIMESTAMP

from syne_mohb.backends.cost import COST_CAP_REACHED, TrialCostLedger
from syne_mohb.backends.local import LocalProfileBackend
from syne_mohb.hardware import INSTANCE_TYPE, MissingPriceError, UnknownInstanceTypeError
from syne_mohb.hardware.profiles import available_cpus

ROOT = Path(__file__).resolve().parents[1]
DIGITS = str(ROOT / "examples" / "train_digits_hw.py")


class FakeClock:
    def __init__(self, t=1000.0):
        self.t = t

    def __call__(self):
        return self.t


def test_ledger_accumulates_over_pause_and_resume():
    clock = FakeClock()
    ledger = TrialCostLedger(clock)
    ledger.start(0, price_per_hour=3.6)  # $0.001 per second
    clock.t = 1010.0
    assert ledger.elapsed(0) == pytest.approx(10.0)
    assert ledger.cost(0) == pytest.approx(0.01)
    ledger.end(0)  # paused at 1010
    clock.t = 1100.0  # paused time is not billed
    assert ledger.elapsed(0) == pytest.approx(10.0) and not ledger.is_running(0)
    ledger.start(0, price_per_hour=7.2, instance_count=2)  # resumed elsewhere: $0.004 per second
    clock.t = 1105.0
    assert ledger.elapsed(0) == pytest.approx(15.0)
    assert ledger.cost(0) == pytest.approx(0.01 + 5 * 0.004)
    # a result time-stamped inside the first run sees only that run's time
    assert ledger.elapsed(0, at=1004.0) == pytest.approx(4.0)
    assert ledger.cost(0, at=1102.0) == pytest.approx(0.01 + 2 * 0.004)
    assert ledger.elapsed(0, at=990.0) == 0.0
    ledger.end(0)
    ledger.end(0)  # idempotent
    assert ledger.elapsed(0, at=5000.0) == pytest.approx(15.0)
    assert ledger.cost(7) == 0.0 and 7 not in ledger
    with pytest.raises(ValueError, match="price_per_hour"):
        ledger.start(1, price_per_hour=-1.0)


def test_configuration_time_errors(tmp_path):
    n = len(available_cpus())
    prices = {"local-cpu-1": 0.05}
    with pytest.raises(UnknownInstanceTypeError, match="local-cpu-1"):
        LocalProfileBackend(DIGITS, prices={f"local-cpu-{n + 1}": 1.0},
                            config_space={INSTANCE_TYPE: choice([f"local-cpu-{n + 1}"])})
    with pytest.raises(MissingPriceError, match="local-cpu-2"):
        LocalProfileBackend(DIGITS, prices=prices,
                            config_space={INSTANCE_TYPE: choice(["local-cpu-1", "local-cpu-2"])})
    with pytest.raises(UnknownInstanceTypeError, match="ml.m5.xlarge"):
        LocalProfileBackend(DIGITS, prices=prices, config_space={INSTANCE_TYPE: "ml.m5.xlrge"})
    with pytest.raises(ValueError, match="no 'instance_type' entry"):
        LocalProfileBackend(DIGITS, prices=prices, config_space={"lr": uniform(0, 1)})
    with pytest.raises(ValueError, match="entry_point"):
        LocalProfileBackend(str(tmp_path / "missing.py"), prices=prices)
    with pytest.raises(UnknownInstanceTypeError, match=r"prices\['local-cpu-1x'\]"):
        LocalProfileBackend(DIGITS, prices={**prices, "local-cpu-1x": 0.1})
    with pytest.raises(UnknownInstanceTypeError, match=rf"prices\['local-cpu-{n + 1}'\]"):
        LocalProfileBackend(DIGITS, prices={**prices, f"local-cpu-{n + 1}": 0.1})
    with pytest.raises(ValueError, match="max_cost_per_trial"):
        LocalProfileBackend(DIGITS, prices=prices, max_cost_per_trial=0)
    with pytest.raises(ValueError, match="extra_env"):
        LocalProfileBackend(DIGITS, prices=prices, extra_env={"A B": "1"})
    with pytest.raises(ValueError, match="must be an instance name or a choice"):
        LocalProfileBackend(DIGITS, prices=prices, config_space={INSTANCE_TYPE: uniform(0, 1)})
    be = LocalProfileBackend(DIGITS, prices=prices, default_instance="local-cpu-1",
                             config_space={"lr": uniform(0, 1)})
    assert be.instance_of({"lr": 0.1}) == "local-cpu-1"
    # catalog types are priced from the catalog and emulated on at most all local cores
    be = LocalProfileBackend(DIGITS, config_space={INSTANCE_TYPE: choice(["ml.m5.large"])})
    assert be.profile_of("ml.m5.large").cpus == min(2, n)


def wait_for(backend, trial_id, pred, timeout=90.0):
    """Poll like the Tuner does until ``pred(status, all results)`` holds."""
    deadline = time.monotonic() + timeout
    results = []
    while True:
        status_dict, new = backend.fetch_status_results([trial_id])
        results += [r for _, r in new]
        status = status_dict[trial_id][1]
        if pred(status, results):
            return status, results
        if time.monotonic() > deadline:
            raise AssertionError(f"trial {trial_id} stuck: {status}, {results[-1:]}, "
                                 f"{backend.stderr(trial_id)[-5:]}")
        time.sleep(0.2)


@pytest.mark.slow
def test_profile_pins_cores_and_threads(tmp_path):
    release = tmp_path / "release"
    script = tmp_path / "probe.py"
    script.write_text(textwrap.dedent(f"""
        import os, time
        from syne_tune import Reporter
        Reporter()(cores=sorted(os.sched_getaffinity(0)),
                   omp=int(os.environ["OMP_NUM_THREADS"]),
                   openblas=int(os.environ["OPENBLAS_NUM_THREADS"]),
                   profile=os.environ["SYNE_MOHB_PROFILE"],
                   wait=os.environ["OMP_WAIT_POLICY"], extra=os.environ["MY_FLAG"])
        deadline = time.time() + 60
        while not os.path.exists({str(release)!r}) and time.time() < deadline:
            time.sleep(0.05)
    """))
    n = len(available_cpus())
    prices = {f"local-cpu-{k}": 0.01 * k for k in range(1, n + 1)}
    be = LocalProfileBackend(str(script), prices=prices, extra_env={"MY_FLAG": "on"},
                             config_space={INSTANCE_TYPE: choice(list(prices))})
    be.set_path(str(tmp_path / "run"))
    # n-core profile alone, then (with >= 2 cores) two 1-core trials side by side
    batches = [[n]] + ([[1, 1]] if n >= 2 else [[1]])
    for batch in batches:
        release.unlink(missing_ok=True)
        trials = [be.start_trial({INSTANCE_TYPE: f"local-cpu-{k}"}) for k in batch]
        seen = [wait_for(be, t.trial_id, lambda s, r: r)[1][0] for t in trials]
        release.touch()
        for t in trials:
            wait_for(be, t.trial_id, lambda s, r: s == Status.completed)
        for k, res in zip(batch, seen):
            assert len(res["cores"]) == k and (res["omp"], res["openblas"]) == (k, k)
            assert res["profile"] == f"local-cpu-{k}"
            assert (res["wait"], res["extra"]) == ("PASSIVE", "on")
            assert res[ST_WORKER_COST] == pytest.approx(res[ST_WORKER_TIME] * 0.01 * k / 3600)
            assert res[ST_WORKER_TIME] > 0 and res[COST_CAP_REACHED] == 0
        if batch == [1, 1]:  # concurrent trials get disjoint cores
            assert seen[0]["cores"] != seen[1]["cores"]


@pytest.mark.slow
def test_pause_resume_keeps_accumulating(tmp_path):
    price = 3.6
    be = LocalProfileBackend(DIGITS, prices={"local-cpu-1": price},
                             config_space={INSTANCE_TYPE: "local-cpu-1"})
    be.set_path(str(tmp_path / "run"))
    config = {INSTANCE_TYPE: "local-cpu-1", "epochs": 100000, "hidden": 8}
    trial = be.start_trial(config)
    tid = trial.trial_id
    _, before = wait_for(be, tid, lambda s, r: len(r) >= 3)
    be.pause_trial(tid)
    paused_cost = be.trial_cost(tid)
    time.sleep(1.0)
    assert be.trial_cost(tid) == paused_cost  # a paused trial costs nothing
    be.resume_trial(tid)
    resumed_at = be.cost_ledger._segments[tid][1].start

    def second_run(results):  # results the old process printed before it was killed come first
        return [r for r in results if r[ST_WORKER_TIMESTAMP] >= resumed_at]

    _, after = wait_for(be, tid, lambda s, r: len(second_run(r)) >= 2)
    be.stop_trial(tid)
    after = second_run(after)
    # the script resumed from its checkpoint: epochs continue, time and cost accumulate
    assert after[0]["epoch"] > before[-1]["epoch"]
    times = [r[ST_WORKER_TIME] for r in before + after]
    assert times == sorted(times)
    assert after[0][ST_WORKER_TIME] > before[-1][ST_WORKER_TIME]
    # the resumed run is billed on top of the whole first run, not from zero
    first_run = be.cost_ledger.elapsed(tid, at=be.cost_ledger._segments[tid][0].end)
    assert after[0][ST_WORKER_TIME] > first_run
    for r in before + after:
        assert r[ST_WORKER_COST] == pytest.approx(r[ST_WORKER_TIME] * price / 3600)
    assert len(be.cost_ledger._segments[tid]) == 2


@pytest.mark.slow
def test_cost_cap_ends_trial_as_completed(tmp_path):
    be = LocalProfileBackend(DIGITS, prices={"local-cpu-1": 3.6},
                             config_space={INSTANCE_TYPE: "local-cpu-1"})
    be.set_path(str(tmp_path / "run"))
    tid = be.start_trial({INSTANCE_TYPE: "local-cpu-1", "epochs": 100000, "hidden": 8}).trial_id
    _, first = wait_for(be, tid, lambda s, r: len(r) >= 2)
    # the cap is set once results exist, so that start-up time cannot decide the outcome
    cap = first[-1][ST_WORKER_COST] + 1e-9
    be.max_cost_per_trial = cap
    status, results = wait_for(be, tid, lambda s, r: s == Status.completed)
    results = first + results
    assert tid in be.cost_capped_trials and be.cost_capped_trials[tid] > cap
    assert be.trial_subprocess[tid].wait(timeout=30) is not None  # the process was killed
    assert all(r[ST_WORKER_COST] <= cap and r[COST_CAP_REACHED] == 0 for r in results[:-1])
    last = results[-1]
    # capped at a report (marked) or between two reports (not marked, nothing past the cap)
    assert (last[COST_CAP_REACHED], last[ST_WORKER_COST] > cap) in [(1, True), (0, False)]
    time.sleep(0.5)
    status, more = be.fetch_status_results([tid])
    assert more == [] and status[tid][1] == Status.completed
    assert len(be._trial_dict[tid].metrics) == len(results)  # later output is dropped


def test_launcher_applies_the_trial_spec_and_execs(tmp_path):
    """The launcher finds <trial>/launch.json through --st_checkpoint_dir, pins the cores, sets
    the environment (values may hold spaces) and execs the command under its own pid."""
    import json
    import subprocess
    import sys

    from syne_mohb.backends import local_launch

    trial = tmp_path / "3"
    trial.mkdir()
    core = min(available_cpus())
    (trial / local_launch.SPEC_FILENAME).write_text(
        json.dumps({"cpus": [core], "env": {"MY_FLAG": "a b"}}))
    probe = ("import json, os; print(json.dumps([sorted(os.sched_getaffinity(0)), "
             "os.environ['MY_FLAG'], os.getpid()]))")
    launcher = [sys.executable, "-S", local_launch.__file__, "--trial-dir-of",
                "--st_checkpoint_dir", "--"]
    cmd = [sys.executable, "-c", probe, "--st_checkpoint_dir", str(trial / "checkpoints")]
    proc = subprocess.Popen(launcher + cmd, stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate(timeout=60)
    assert json.loads(out) == [[core], "a b", proc.pid]
    (trial / local_launch.SPEC_FILENAME).unlink()
    failed = subprocess.run(launcher + cmd, capture_output=True, text=True, timeout=60)
    assert failed.returncode != 0 and "launch spec" in failed.stderr
    no_dir = subprocess.run(launcher + cmd[:3], capture_output=True, text=True, timeout=60)
    assert no_dir.returncode != 0 and "--st_checkpoint_dir" in no_dir.stderr


def test_a_space_in_a_path_or_a_value_reaches_the_script_whole(tmp_path):
    """Syne Tune's LocalBackend splits its command line on spaces: the results folder, the
    entry point and a categorical value with a space used to reach the launcher in pieces, and
    every trial failed ("cannot read the launch spec"). The launcher now execs the trial's
    exact command from its spec."""
    import json
    import os

    from syne_mohb.backends import local_exit, local_launch

    root = tmp_path / "my runs"
    script = tmp_path / "my project" / "train probe.py"
    script.parent.mkdir()
    script.write_text(textwrap.dedent("""
        import argparse, os
        from syne_tune import Reporter
        p = argparse.ArgumentParser()
        p.add_argument("--act"); p.add_argument("--st_checkpoint_dir")
        p.add_argument("--instance_type")
        a = p.parse_args()
        Reporter()(act=a.act, ckpt=a.st_checkpoint_dir,
                   spec_var=os.environ.get("SYNE_MOHB_LAUNCH_SPEC", "unset"))
    """))
    space = {"act": choice(["relu", "leaky relu"]), INSTANCE_TYPE: choice(["local-cpu-1"])}
    be = LocalProfileBackend(str(script), prices={"local-cpu-1": 0.05}, config_space=space)
    be.set_path(str(root))
    trial = be.start_trial({"act": "leaky relu", INSTANCE_TYPE: "local-cpu-1"})
    status, res = wait_for(be, trial.trial_id, lambda s, r: s == Status.completed and r)
    assert status == Status.completed, "".join(be.stderr(trial.trial_id))
    assert res[0]["act"] == "leaky relu"
    assert res[0]["ckpt"] == str(be.checkpoint_trial_path(trial.trial_id))
    assert res[0]["spec_var"] == "unset"  # the launcher's variable does not reach the script
    spec = json.loads((be.trial_path(trial.trial_id) / "launch.json").read_text())
    assert spec["argv"][1:] == [str(script), "--act", "leaky relu", "--instance_type",
                                "local-cpu-1", "--st_checkpoint_dir",
                                str(be.checkpoint_trial_path(trial.trial_id))]
    assert local_launch.ENV_SPEC not in os.environ  # only set for the launch
    # the exit recorder (durable runs) reads the same variable, named there without an import
    assert f'os.environ.get("{local_launch.ENV_SPEC}")' in Path(local_exit.__file__).read_text()


def test_space_free_links_a_path_and_the_launcher_runs_under_the_link(tmp_path):
    """A Python or a package path with a space (a virtual environment under "~/ML Projects")
    runs the launcher through a space-free link; the launcher needs only the standard library,
    then execs the spec's command, whose paths keep their spaces."""
    import json
    import os
    import subprocess
    import sys

    from syne_mohb.backends import local_launch
    from syne_mohb.backends.local_paths import space_free

    assert space_free("/no/space/here") == "/no/space/here"
    spaced = tmp_path / "my env" / "python link"
    spaced.parent.mkdir()
    spaced.symlink_to(sys.executable)
    alias = space_free(str(spaced))
    assert " " not in alias and alias == space_free(str(spaced))  # the same link every time
    assert os.path.realpath(alias) == os.path.realpath(sys.executable)
    os.unlink(alias)  # e.g. the temporary folder was cleaned before a durable run resumed
    assert space_free(str(spaced)) == alias and os.path.realpath(alias) == os.path.realpath(
        sys.executable)
    trial = tmp_path / "run 1" / "0"
    trial.mkdir(parents=True)
    spec = trial / local_launch.SPEC_FILENAME
    spec.write_text(json.dumps({"env": {"MY_FLAG": "x y"}, "argv": [
        sys.executable, "-c", "import os, sys; print(os.environ['MY_FLAG'], sys.argv[1])",
        "a b"]}))
    out = subprocess.run(
        [alias, "-S", space_free(local_launch.__file__), "--trial-dir-of",
         "--st_checkpoint_dir", "--", "pieces", "of", "a", "split", "command"],
        env={**os.environ, local_launch.ENV_SPEC: str(spec)}, capture_output=True, text=True,
        timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "x y a b"


def test_trials_that_must_share_cores_are_named_once(caplog):
    """More running trials than the machine has cores for: the run goes on, and one warning
    says that the overlapping trials' times and dollars include the contention."""
    n = len(available_cpus())
    be = LocalProfileBackend(DIGITS, prices={f"local-cpu-{n}": 0.1})
    be.busy_trial_ids = lambda: [(0, Status.in_progress), (1, Status.in_progress)]
    with caplog.at_level("WARNING", logger="syne_mohb.backends.local"):
        be._pick_cores(0, n)
        assert not caplog.records  # alone on its cores
        be._pick_cores(1, 1)
        be._pick_cores(2, 1)
    warned = [r for r in caplog.records if "shares cores" in r.getMessage()]
    assert len(warned) == 1 and "fewer workers" in warned[0].getMessage()


@pytest.mark.slow
def test_a_script_that_ends_without_reporting_fails_its_trial_not_the_run(tmp_path, monkeypatch):
    """Under Syne Tune's own Tuner (the README's local quick start) such a script ended the
    whole run: "trial N completed and no metrics got observed"."""
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.results_callback import StoreResultsCallback

    from syne_mohb import MOASHA

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""
        import argparse
        from syne_tune import Reporter
        p = argparse.ArgumentParser()
        p.add_argument("--x", type=float)
        args, _ = p.parse_known_args()
        if args.x > 0.5:
            raise SystemExit(0)  # returns early for some configurations
        for epoch in (1, 2):
            Reporter()(epoch=epoch, loss=args.x)
    """))
    space = {"x": uniform(0, 1), INSTANCE_TYPE: "local-cpu-1"}
    be = LocalProfileBackend(str(script), prices={"local-cpu-1": 0.05}, config_space=space)
    sched = MOASHA(space, metrics=["loss"], mode="min", time_attr="epoch", max_t=2,
                   random_seed=0, points_to_evaluate=[{"x": 0.2}, {"x": 0.8}, {"x": 0.3}])
    tuner = Tuner(be, sched, StoppingCriterion(max_num_trials_started=3), n_workers=1,
                  sleep_time=0.1, max_failures=5, callbacks=[StoreResultsCallback()])
    tuner.run()  # was: ValueError: trial 1 completed and no metrics got observed
    assert tuner.tuning_status.num_trials_failed == 1
    assert "without reporting any metric" in "".join(be.stderr(1))
    df = tuner.callbacks[0].dataframe()
    assert {0, 2} <= set(df.trial_id) and 1 not in set(df.trial_id)
