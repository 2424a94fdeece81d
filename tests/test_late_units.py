"""Late first units (syne_mohb.hardware.lateness, HardwarePolicy(late_factor=...)): a trial
whose first unit runs far longer than predicted is stopped by HardwareFeedback and its
configuration trained again on another type; the rules, a simulated run end to end, bad
inputs."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from syne_tune import StoppingCriterion
from syne_tune.backend.trial_status import Status
from syne_tune.blackbox_repository.blackbox_tabular import BlackboxTabular
from syne_tune.config_space import choice, randint

from syne_mohb.backends.simulated import SimulatedBackend
from syne_mohb.hardware.feedback import HardwareFeedback
from syne_mohb.hardware.lateness import LateUnits
from syne_mohb.hardware.policy import HardwarePolicy
from syne_mohb.schedulers import MOASHA
from width_script import width_script

CPU, GPU = "ml.m5.xlarge", "ml.g4dn.xlarge"


def test_a_first_unit_is_late_past_the_factor_times_its_prediction_and_the_median():
    late = LateUnits(3.0, min_units=2)
    cfg = {"width": 2048}
    late.start(7, cfg, 0)
    late.start(8, {"width": 2048}, 0)
    late.start(9, {"width": 512}, 1)
    key = lambda c: str(c["width"])  # noqa: E731
    fast = lambda c, t: 0.5  # noqa: E731
    assert late.find({7: 100.0}, fast, key) == []  # no first unit has ended: no median yet
    late.ended(1, 1.0)  # not a running first unit: nothing joins the median
    late.start(1, {"width": 16}, 0)
    late.start(2, {"width": 16}, 0)
    late.ended(1, 1.0)
    late.ended(2, 1.0)
    assert late.unit_seconds == [1.0, 1.0]
    assert late.find({7: 2.9}, fast, key) == []  # under 3x the median (1 s)
    assert late.find({7: 4.0, 9: 4.0}, lambda c, t: 2.0 if c["width"] == 512 else 0.5,
                     key) == [7]  # 9 is within 3x its own prediction (2 s)
    assert late.late == {7: 4.0} and late.avoid == {"2048": {0}} and late.stops == 1
    # a configuration is stopped once: on its next trial it runs to the end of its unit
    assert late.find({8: 50.0}, fast, key) == []


def _table():
    """Two widths x two types x 3 epochs: the narrow network takes 1 s per epoch on the CPU
    type (2 s on the GPU type), the wide one 40 s on the CPU type and 2 s on the GPU type."""
    hp = pd.DataFrame([(w, t) for w in (16, 2048) for t in (CPU, GPU)],
                      columns=["width", "instance_type"])
    secs = np.array([{(16, CPU): 1.0, (16, GPU): 2.0, (2048, CPU): 40.0, (2048, GPU): 2.0}[
        (w, t)] for w, t in zip(hp.width, hp.instance_type)])
    epochs = np.arange(1, 4, dtype=float)
    runtime = secs[:, None, None] * epochs[None, None, :] * np.ones((1, 2, 1))
    rate = np.array([{CPU: 0.269, GPU: 0.736}[t] for t in hp.instance_type]) / 3600
    acc = np.array([0.6 if w == 16 else 0.9 for w in hp.width])[:, None, None] \
        * (epochs / 3)[None, None, :] * np.ones((1, 2, 1))
    ev = np.stack([acc, runtime, runtime * rate[:, None, None]], axis=-1)
    return BlackboxTabular(
        hyperparameters=hp,
        configuration_space={"width": choice([16, 2048]), "instance_type": choice([CPU, GPU])},
        fidelity_space={"epoch": randint(1, 3)}, objectives_evaluations=ev,
        fidelity_values=np.array([1, 2, 3]), objectives_names=["accuracy", "runtime", "cost"])


def _run(tmp_path, late_factor, name):
    from syne_mohb.experiments.simulation import run_replay

    bb = _table()
    policy = HardwarePolicy(late_factor=late_factor, random_seed=0)
    sched = MOASHA(dict(bb.configuration_space), metrics=["accuracy", "runtime", "cost"],
                   mode=["max", "min", "min"], time_attr="epoch", max_t=3, grace_period=1,
                   random_seed=0, hardware=policy)
    backend = SimulatedBackend(bb, random_seed=0)
    run_replay(backend, sched, StoppingCriterion(max_wallclock_time=300.0), n_workers=2,
               results_root=tmp_path, tuner_name=name, callbacks=[HardwareFeedback()])
    return sched, backend


def test_a_late_first_unit_is_stopped_billed_learnt_and_trained_again_elsewhere(tmp_path):
    sched, backend = _run(tmp_path, 3.0, "late")
    trials = backend._trial_dict
    # the runtime model holds each late unit's seconds as one unit's (a lower bound)
    rows = sched.hardware.model._rows
    late = {k[1]: r for k, r in rows.items() if isinstance(k, tuple) and k[0] == "late"}
    assert sched.hardware.metadata()["late_stops"] == len(late) >= 1
    restarts = sched.metadata()["scheduler_kwargs"]["restarts"]
    for tid, row in late.items():
        # the wide network, stopped on the CPU type before its first 40-s epoch ended
        assert trials[tid].status == Status.stopped and not trials[tid].metrics
        assert trials[tid].config == {"width": 2048, "instance_type": CPU}
        assert row[2] == 1.0 and 3.0 < row[3] < 40.0
        billed = backend.ledger.cost(tid, at=backend.now)
        assert billed == pytest.approx(row[3] * 0.269 / 3600)
        # its configuration trained again on the other type, where it reported
        new = restarts[tid]
        assert trials[new].config == {"width": 2048, "instance_type": GPU}
        assert trials[new].metrics
    # without late_factor the same run stops nothing as late
    sched0, _ = _run(tmp_path, None, "default")
    assert sched0.hardware.metadata()["late_stops"] == 0
    assert not [k for k in sched0.hardware.model._rows if isinstance(k, tuple)
                and k[0] == "late"]


def test_without_the_callback_nothing_is_stopped_and_the_run_is_the_default_one(tmp_path):
    from syne_mohb.experiments.simulation import run_replay

    configs = []
    for late_factor in (None, 3.0):
        bb = _table()
        sched = MOASHA(dict(bb.configuration_space), metrics=["accuracy", "runtime", "cost"],
                       mode=["max", "min", "min"], time_attr="epoch", max_t=3,
                       random_seed=0, hardware=HardwarePolicy(late_factor=late_factor,
                                                              random_seed=0))
        backend = SimulatedBackend(bb, random_seed=0)
        run_replay(backend, sched, StoppingCriterion(max_wallclock_time=100.0), n_workers=2,
                   results_root=tmp_path, tuner_name=f"plain-{late_factor}")
        configs.append([tr.config for tr in backend._trial_dict.values()])
    assert configs[0] == configs[1]


@pytest.mark.parametrize("bad", [1, 0.5, -2, True, "3", math.nan, math.inf])
def test_bad_late_factor_is_named(bad):
    with pytest.raises(ValueError, match="late_factor must be a finite number > 1"):
        HardwarePolicy(late_factor=bad)


def test_late_trials_names_a_bad_elapsed_and_is_empty_when_off():
    space = {"width": choice([16, 2048]), "instance_type": choice([CPU, GPU])}
    on = HardwarePolicy(late_factor=3.0)
    on.bind(space, ["accuracy", "runtime"])
    with pytest.raises(ValueError, match="elapsed must be a dict trial_id -> seconds"):
        on.late_trials([(1, 2.0)])
    off = HardwarePolicy()
    off.bind(space, ["accuracy", "runtime"])
    assert off.late_trials({1: 1e9}) == []


SLOW_ON_ONE_CORE = width_script("slow")


@pytest.mark.slow
def test_a_real_local_trial_whose_first_epoch_is_late_is_stopped_and_trained_elsewhere(
        tmp_path, monkeypatch):
    """Real processes on the local backend (the wall clock): the wide network's first epoch on
    the 1-core profile would take 60 s where the narrow ones took about a second; the policy
    calls it late, HardwareFeedback kills its process, and its configuration trains on the
    2-core profile, where it reports."""
    from syne_tune import Tuner
    from syne_tune.constants import ST_WORKER_COST

    from syne_mohb.backends.local import LocalProfileBackend
    from syne_mohb.hardware import INSTANCE_TYPE, local_profiles

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    script = tmp_path / "train_slow.py"
    script.write_text(SLOW_ON_ONE_CORE)
    prices = {"local-cpu-1": 0.05, "local-cpu-2": 0.10}
    space = {"width": choice([16, 32, 2048]), "epochs": 2, INSTANCE_TYPE: local_profiles(prices)}
    backend = LocalProfileBackend(str(script), prices=prices, config_space=space)
    narrow = [{"width": w, INSTANCE_TYPE: "local-cpu-1"} for w in (16, 32, 16, 32)]
    sched = MOASHA(space, metrics=["accuracy", ST_WORKER_COST], mode=["max", "min"],
                   time_attr="epoch", max_t=2, random_seed=0,
                   hardware=HardwarePolicy(late_factor=3.0, random_seed=0),
                   points_to_evaluate=narrow + [{"width": 2048, INSTANCE_TYPE: "local-cpu-1"}])
    trials = backend._trial_dict

    def wide_trained_elsewhere(status) -> bool:  # or a guard against a hang
        done = [t for t in trials.values() if t.config.get("width") == 2048
                and t.config.get(INSTANCE_TYPE) == "local-cpu-2" and len(t.metrics) >= 2]
        return bool(done) or status.wallclock_time > 50

    tuner = Tuner(backend, sched, wide_trained_elsewhere, n_workers=2, sleep_time=0.1,
                  tuner_name="late", callbacks=[HardwareFeedback()])
    tuner.run()
    assert sched.hardware.metadata()["late_stops"] == 1
    late = 4  # the fifth trial: the wide network on the 1-core profile
    assert trials[late].config["width"] == 2048 and trials[late].status == Status.stopped
    assert not trials[late].metrics  # stopped well before its 60-s epoch
    assert tuner.tuning_status.wallclock_time < 50
    new = sched.metadata()["scheduler_kwargs"]["restarts"][late]
    assert trials[new].config[INSTANCE_TYPE] == "local-cpu-2"
    assert [r["epoch"] for r in trials[new].metrics] == [1, 2]


def test_sagemaker_start_up_is_not_lateness_and_a_slow_first_epoch_is(sm, make_backend,
                                                                      monkeypatch, tmp_path):
    """SageMaker on the moto server: every job waits 2.5 s for its instance (not billed, not
    in ``st_worker_time``), about 4x a narrow network's first unit (0.1 s epochs, ~0.6 s with
    the toolkit's start). HardwareFeedback judges a first unit by the seconds its job has been
    training (less the backend's ``startup_seconds``), so no narrow trial is stopped for its
    start-up (before, they were); the wide network, whose first epoch on ml.m5.large takes
    12 s, is stopped and trained on ml.c5.xlarge."""
    from syne_tune import Tuner
    from syne_tune.constants import ST_WORKER_COST

    server, cluster, clients = sm
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    cluster.startup_seconds = 2.5
    cluster.epoch_seconds = {"*": 0.1}

    cluster.behaviour = lambda name, hp: (
        {"env": {"SIM_EPOCH_SECONDS": "12"}}
        if str(hp.get("width")) == "2048" and hp.get("instance_type") == "ml.m5.large"
        else {})
    space = {"width": choice([16, 32, 2048]), "learning_rate": 0.01, "epochs": 2,
             "instance_type": choice(["ml.m5.large", "ml.c5.xlarge"])}
    backend = make_backend()
    narrow = [{"width": w, "instance_type": t} for w in (16, 32)
              for t in ("ml.m5.large", "ml.c5.xlarge")]
    sched = MOASHA(space, metrics=["accuracy", ST_WORKER_COST], mode=["max", "min"],
                   time_attr="epoch", max_t=2, random_seed=0,
                   hardware=HardwarePolicy(late_factor=3.0, random_seed=0),
                   points_to_evaluate=narrow + [{"width": 2048,
                                                 "instance_type": "ml.m5.large"}])
    trials = backend._trial_dict

    def done(status) -> bool:  # the late trial's configuration reported elsewhere, or a guard
        new = sched.metadata()["scheduler_kwargs"]["restarts"].get(4)
        return (new is not None and bool(trials[new].metrics)) or status.wallclock_time > 40

    tuner = Tuner(backend, sched, done, n_workers=5, sleep_time=0.1, tuner_name="sm-late",
                  callbacks=[HardwareFeedback()], print_update_interval=3600)
    tuner.run()
    # one late stop, the wide network's (trials still running when the tuner ends are
    # stopped too, with no result: they are not late stops)
    assert sched.hardware.metadata()["late_stops"] == 1
    late = 4  # the fifth trial: the wide network on ml.m5.large
    assert trials[late].status == Status.stopped and not trials[late].metrics
    assert list(sched.hardware._late.late) == [] and len(sched.hardware._late.avoid) == 1
    new = sched.metadata()["scheduler_kwargs"]["restarts"][late]
    assert trials[new].config["instance_type"] == "ml.c5.xlarge"
    assert trials[new].metrics[0]["epoch"] == 1  # it reports there (MO-ASHA may stop it)
    assert all(backend._records[t].attempts[0].startup_seconds >= 2.4 for t in trials
               if backend._records[t].attempts[0].startup_seconds is not None)


def test_backends_say_how_long_a_job_waited_before_its_training():
    """``startup_seconds(trial_id)``, which HardwareFeedback leaves out of a first unit's
    elapsed seconds: the simulated backend's unbilled provisioning (None while it lasts), a
    Ray attempt's wait for its node (None before its script started)."""
    from syne_mohb.backends.ray.attempts import Attempt, AttemptLog
    from syne_mohb.hardware.startup import JobStartup

    bb = _table()
    backend = SimulatedBackend(bb, random_seed=0, startup=JobStartup(
        provisioning_s={"cpu": 30.0, "accelerated": 50.0}, download_s={"cpu": 5.0,
                                                                       "accelerated": 5.0}))
    backend.start_trial({"width": 16, "instance_type": CPU})
    assert backend.startup_seconds(0) is None  # provisioning
    backend.now = 30.0
    assert backend.startup_seconds(0) == 30.0  # downloading, billed: its training started
    backend.now = 100.0
    backend.stop_trial(0)
    assert backend.startup_seconds(0) is None  # no job
    plain = SimulatedBackend(_table(), random_seed=0)
    plain.start_trial({"width": 16, "instance_type": GPU})
    assert plain.startup_seconds(0) == 0.0

    log = AttemptLog()
    log._attempts = {3: [Attempt(0, "a", "cpu-small", scheduled_at=100.0)]}
    assert log.startup_seconds(3) is None and log.startup_seconds(4) is None
    log._attempts[3][0].started_at = 112.5
    assert log.startup_seconds(3) == 12.5


def test_after_a_resume_the_trials_in_flight_are_judged_from_their_journaled_start():
    """A resumed durable run (``DurableTuner.recovered_starts``: unix start times of its trials
    in flight with no result): HardwareFeedback judges them from then on, on the wall clock,
    not from the resume; a simulated run (re-executed, its own clock) takes no such times."""
    import time

    seen = []

    class Policy:  # what HardwareFeedback asks of a policy with late stops
        late_factor = 3.0

        def late_trials(self, elapsed, training_only=False):
            seen.append((dict(elapsed), training_only))
            return [t for t, e in elapsed.items() if e > 100]

        def note_failure(self, trial_id, kind):
            pass

    class Backend:  # a real backend: no clock of its own, no start-up to report
        stopped = []

        def stop_trial(self, trial_id):
            self.stopped.append(trial_id)

    class Tuner:
        trial_backend = Backend()
        scheduler = Policy()
        recovered_starts = {3: time.time() - 500.0, 4: time.time() - 10.0}

    cb = HardwareFeedback()
    cb.on_tuning_start(Tuner())
    running = {t: (None, Status.in_progress) for t in (3, 4)}
    cb.on_fetch_status_results(running, [])
    (elapsed, training_only), = seen
    assert 500.0 <= elapsed[3] < 560.0 and 10.0 <= elapsed[4] < 70.0 and not training_only
    assert Tuner.trial_backend.stopped == [3]  # late since its start before the resume

    class Simulated(Backend):
        now = 50.0

    class SimTuner(Tuner):
        trial_backend = Simulated()

    sim = HardwareFeedback()
    sim.on_tuning_start(SimTuner())
    assert sim._started == {}


DURABLE_DRIVER = '''
import sys
from syne_tune import StoppingCriterion
from syne_tune.config_space import choice
from syne_mohb import MOASHA
from syne_mohb.backends.local import LocalProfileBackend
from syne_mohb.durable import DurableTuner
from syne_mohb.hardware import INSTANCE_TYPE, HardwarePolicy, local_profiles

script, name = sys.argv[1], sys.argv[2]
prices = {"local-cpu-1": 0.05, "local-cpu-2": 0.10}
space = {"width": choice([16, 32, 2048]), "epochs": 2, INSTANCE_TYPE: local_profiles(prices)}
narrow = [{"width": w, INSTANCE_TYPE: "local-cpu-1"} for w in (16, 32, 16, 32)]
sched = MOASHA(space, metrics=["accuracy", "st_worker_cost"], mode=["max", "min"],
               time_attr="epoch", max_t=2, random_seed=0,
               hardware=HardwarePolicy(late_factor=3.0, random_seed=0),
               points_to_evaluate=narrow + [{"width": 2048, INSTANCE_TYPE: "local-cpu-1"}])
DurableTuner(LocalProfileBackend(script, prices=prices, config_space=space), sched,
             StoppingCriterion(max_num_trials_started=30), n_workers=2, sleep_time=0.1,
             tuner_name=name, suffix_tuner_name=False, print_update_interval=3600).run()
'''


@pytest.mark.slow
def test_a_late_first_unit_in_flight_at_a_resume_is_still_stopped(tmp_path, monkeypatch):
    """A durable local run killed (-9) while the wide network's first epoch (60 s on the
    1-core profile) runs: the resume relaunches it, judges it from its relaunch (before, a trial
    in flight at a resume was never judged), stops it as late and trains its configuration on
    the 2-core profile."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from syne_mohb.durable import read_journal, resume

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    script = tmp_path / "train_slow.py"
    script.write_text(SLOW_ON_ONE_CORE)
    run_dir = tmp_path / "late-resume"
    proc = subprocess.Popen([sys.executable, "-c", DURABLE_DRIVER, str(script), "late-resume"],
                            env={**os.environ, "SYNETUNE_FOLDER": str(tmp_path)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60

    def started(trial_id: int) -> bool:
        try:
            return any(e["e"] == "launched" and e.get("trial_id") == trial_id
                       for e in read_journal(run_dir))
        except (FileNotFoundError, ValueError):
            return False

    while not started(4) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    assert started(4), proc.stderr.read().decode()[-2000:] if proc.poll() is not None else ""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()

    holder = {}

    def done(status) -> bool:  # the wide network reported on the 2-core profile, or a guard
        tuner = holder.get("tuner")
        sched = getattr(tuner, "scheduler", None) if tuner else None
        sched = getattr(sched, "inner", sched)
        if sched is not None:
            new = sched.metadata()["scheduler_kwargs"]["restarts"].get(4)
            if new is not None and tuner.trial_backend._trial_dict.get(new) is not None \
                    and tuner.trial_backend._trial_dict[new].metrics:
                return True
        return status.wallclock_time > 90

    import importlib

    from syne_mohb.hardware import INSTANCE_TYPE

    resume_module = importlib.import_module("syne_mohb.durable.resume")
    original = resume_module.restore

    def restore(*a, **kw):  # keep the tuner for the stop criterion
        holder["tuner"] = original(*a, **kw)
        return holder["tuner"]

    monkeypatch.setattr(resume_module, "restore", restore)
    t0 = time.time()
    tuner = resume(run_dir, stop_criterion=done)
    assert time.time() - t0 < 50  # not the 60-s epoch
    sched = getattr(tuner.scheduler, "inner", tuner.scheduler)
    assert sched.hardware.metadata()["late_stops"] == 1
    trials = tuner.trial_backend._trial_dict
    assert trials[4].config["width"] == 2048 and not trials[4].metrics
    new = sched.metadata()["scheduler_kwargs"]["restarts"][4]
    assert trials[new].config[INSTANCE_TYPE] == "local-cpu-2" and trials[new].metrics
    failed = [e for e in read_journal(run_dir) if e["e"] == "failed" and e["trial_id"] == 4]
    assert failed and failed[-1].get("late") is not None  # journaled as late
