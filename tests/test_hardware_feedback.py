"""What the backend tells the hardware policy (HardwareFeedback): a trial that found no capacity
(or quota) for its instance type, whose type then cools down while the configuration is trained
again elsewhere and is not marked as failing on the type (syne_mohb.hardware.availability,
HardwarePolicy.note_failure / on_error); and the warm pools that really are idle
(HardwarePolicy.note_warm_pools)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from syne_tune.backend.trial_status import Status
from syne_tune.config_space import choice
from syne_tune.constants import ST_TUNER_TIME

from syne_mohb.hardware.availability import Availability
from syne_mohb.hardware.feedback import HardwareFeedback, policy_of
from syne_mohb.hardware.policy import HardwarePolicy
from syne_mohb.schedulers import MOASHA

SMALL, LARGE, GPU = "ml.m5.large", "ml.m5.4xlarge", "ml.g4dn.xlarge"
WIDTHS = [16, 32, 64, 128, 256, 512, 1024, 2048]


def _policy(**kwargs):
    policy = HardwarePolicy(random_seed=0, **kwargs)
    policy.bind({"width": choice(WIDTHS), "lr": choice([0.001, 0.01, 0.1]),
                 "instance_type": choice([SMALL, LARGE, GPU])}, ["accuracy", "seconds"])
    return policy


def _at(policy, t):
    """Move the policy's clock (the tuner's time its results carry) to ``t`` seconds."""
    policy._note_time({ST_TUNER_TIME: t})


def test_availability_doubles_the_cooldown_and_never_leaves_out_every_type():
    av = Availability([SMALL, LARGE, GPU], cooldown_s=100)
    assert av.record(GPU, now=0) == 100
    assert av.unavailable(50).tolist() == [False, False, True]
    assert av.unavailable(100).tolist() == [False, False, False]
    assert av.record(GPU, now=200) == 400  # the second failure: twice as long
    av.record(SMALL, now=200)
    av.record(LARGE, now=200)
    assert not av.unavailable(250).any()  # all cooling down: none is left out
    assert av.failures() == {SMALL: 1, LARGE: 1, GPU: 2}
    for bad in (-1, float("nan"), float("inf"), "600", True):
        with pytest.raises(ValueError, match="capacity_cooldown_s"):
            Availability([SMALL], bad)
    with pytest.raises(ValueError, match="capacity_cooldown_s"):
        HardwarePolicy(capacity_cooldown_s=-5)


def test_a_capacity_failure_cools_the_type_down_and_is_not_the_configurations():
    policy = _policy(capacity_cooldown_s=600)
    cfg = {"width": 2048, "lr": 0.01}
    _at(policy, 10.0)
    policy.choose(cfg)
    policy.on_trial_add(0, dict(cfg, instance_type=GPU))
    policy.note_failure(0, "capacity")
    retry = policy.on_error(0, dict(cfg, instance_type=GPU))
    assert retry in (SMALL, LARGE)
    # nothing recorded against the configuration: it may go back to the GPU later
    assert policy.feasibility.num_failures == 0
    assert policy.feasibility.failed_types(cfg) == []
    assert policy.metadata()["failures"] == 0
    assert policy.metadata()["capacity_failures"] == {GPU: 1}
    assert 0 not in policy._resumed_on  # the failed trial is not resumed
    # while it cools down, no new trial, control draw or restart goes to the GPU
    for _ in range(100):
        assert policy.choose({"width": int(np.random.choice(WIDTHS)), "lr": 0.1}) != GPU
    assert all(policy._uniform_choice({"width": 16, "lr": 0.1}, 0.5) != GPU
               for _ in range(30))
    # after the cool-down, the GPU is a choice again
    _at(policy, 10.0 + 601)
    picks = {policy.choose({"width": w, "lr": 0.1}) for w in WIDTHS for _ in range(20)}
    assert GPU in picks


def test_a_configuration_is_retried_after_capacity_failures_at_most_three_times():
    policy = _policy(capacity_cooldown_s=0)  # 0: no cool-down, the retries still happen
    cfg = {"width": 64, "lr": 0.01}
    instance = SMALL
    for trial in range(3):
        policy.on_trial_add(trial, dict(cfg, instance_type=instance),
                            restart_of=None if trial == 0 else trial - 1)
        policy.note_failure(trial, "capacity")
        instance = policy.on_error(trial, dict(cfg, instance_type=instance))
        assert instance is not None
    policy.on_trial_add(3, dict(cfg, instance_type=instance), restart_of=2)
    policy.note_failure(3, "capacity")
    assert policy.on_error(3, dict(cfg, instance_type=instance)) is None
    assert sum(policy.metadata()["capacity_failures"].values()) == 4
    assert policy.feasibility.num_failures == 0


def test_an_untold_failure_is_still_the_configurations_and_bad_kinds_are_named():
    policy = _policy()
    cfg = {"width": 2048, "lr": 0.01}
    policy.on_trial_add(0, dict(cfg, instance_type=SMALL))
    policy.note_failure(0, None)  # told: not a capacity error (e.g. out of memory)
    retry = policy.on_error(0, dict(cfg, instance_type=SMALL))
    assert retry in (LARGE, GPU)
    assert policy.feasibility.failed_types(cfg) == [SMALL]
    assert 0 not in policy._resumed_on
    with pytest.raises(ValueError, match="kind must be 'capacity' or None"):
        policy.note_failure(1, "oom")


def test_avoid_failures_false_ignores_capacity_failures_too():
    policy = _policy(avoid_failures=False)
    policy.on_trial_add(0, {"width": 16, "lr": 0.1, "instance_type": GPU})
    policy.note_failure(0, "capacity")
    assert policy.on_error(0, {"width": 16, "lr": 0.1, "instance_type": GPU}) is None
    assert policy.metadata()["capacity_failures"] == {}


class _Tuner:
    def __init__(self, backend, scheduler):
        self.trial_backend, self.scheduler = backend, scheduler


class _Trial:
    def __init__(self, trial_id):
        self.trial_id = trial_id


def test_failure_kinds_tells_the_policy_once_per_failed_trial_and_survives_errors(caplog):
    """The callback asks the backend about every failed trial it sees (once) and tells the
    scheduler's policy, through wrapping schedulers; a backend error is logged, not raised."""
    from syne_mohb.durable.scheduler_proxy import JournaledScheduler

    space = {"width": choice(WIDTHS), "instance_type": choice([SMALL, GPU])}
    sched = MOASHA(space, metrics=["accuracy", "seconds"], mode=["max", "min"],
                   time_attr="epoch", max_t=3, random_seed=0)
    wrapped = JournaledScheduler(sched, journal=None, status_of=None)
    assert policy_of(wrapped) is sched.hardware and policy_of(object()) is None
    asked = []

    class Backend:  # answers as SageMakerBackend.failure_kind does
        def failure_kind(self, trial_id):
            asked.append(trial_id)
            if trial_id == 3:
                raise RuntimeError("describe failed")
            return "capacity" if trial_id == 1 else None

    cb = HardwareFeedback()
    cb.on_tuning_start(_Tuner(Backend(), wrapped))
    statuses = {0: (_Trial(0), Status.completed), 1: (_Trial(1), Status.failed),
                2: (_Trial(2), Status.failed), 3: (_Trial(3), Status.failed)}
    cb.on_fetch_status_results(statuses, [])
    cb.on_fetch_status_results(statuses, [])  # seen already: not asked again
    assert sorted(asked) == [1, 2, 3]
    assert sched.hardware._failure_kinds == {1: "capacity"}
    assert "the backend's failure_kind(3,) failed" in caplog.text
    # pickled with the tuner without the backend or the scheduler
    import pickle

    state = pickle.loads(pickle.dumps(cb)).__dict__
    assert state["_backend"] is None and state["_policy"] is None
    # a backend that cannot say, or a scheduler without a policy: nothing happens
    quiet = HardwareFeedback()
    quiet.on_tuning_start(_Tuner(object(), sched))
    quiet.on_fetch_status_results(statuses, [])


def test_a_durable_tuner_adds_the_callback_once():
    from syne_tune import StoppingCriterion

    from syne_mohb import DurableTuner, blackboxes
    from syne_mohb.backends.simulated import SimulatedBackend

    bb = blackboxes.load("cnn")["mnist"]
    space = dict(bb.configuration_space)
    sched = MOASHA(space, metrics=["accuracy", "runtime"], mode=["max", "min"],
                   time_attr="epoch", max_t=10, random_seed=0)
    for given in ([], [HardwareFeedback()]):
        tuner = DurableTuner(trial_backend=SimulatedBackend(bb, random_seed=0),
                             scheduler=sched, n_workers=1, callbacks=given,
                             stop_criterion=StoppingCriterion(max_num_trials_started=1))
        assert sum(isinstance(cb, HardwareFeedback) for cb in tuner.callbacks) == 1


def test_a_resumed_durable_run_replays_a_capacity_failure_as_one():
    """The journal's ``failed`` entry keeps the kind the backend gave; replaying it on a fresh
    scheduler tells the policy again, so the resumed run's policy is the recorded one."""
    from syne_mohb.durable.replay import Replay

    space = {"width": choice(WIDTHS), "instance_type": choice([SMALL, GPU])}

    class Tuner:
        scheduler = MOASHA(space, metrics=["accuracy", "seconds"], mode=["max", "min"],
                           time_attr="epoch", max_t=3, random_seed=0)

    config = {"width": 64, "instance_type": GPU}
    entries = [{"e": "start", "seq": 0, "trial_id": 0, "config": config, "t": 0.0},
               {"e": "add", "seq": 1, "trial_id": 0},
               {"e": "failed", "seq": 2, "trial_id": 0, "status": Status.failed,
                "reason": "CapacityError: Unable to provision", "kind": "capacity"},
               {"e": "error", "seq": 3, "trial_id": 0}]
    replay = Replay(Tuner, entries)
    policy = Tuner.scheduler.hardware
    assert replay.trials[0].failure_kind == "capacity"
    assert policy.metadata()["capacity_failures"] == {GPU: 1}
    assert policy.feasibility.failed_types({"width": 64}) == []


def _warm_policy():
    from syne_mohb.hardware.startup import JobStartup

    policy = HardwarePolicy(random_seed=0, job_startup=JobStartup(keep_alive_s=600))
    policy.bind({"width": choice(WIDTHS), "instance_type": choice([SMALL, LARGE, GPU])},
                ["accuracy", "seconds"])
    return policy


def test_told_warm_pools_replace_the_modelled_ones_and_are_taken_by_new_jobs():
    policy = _warm_policy()
    _at(policy, 100.0)
    policy.on_trial_add(0, {"width": 16, "instance_type": SMALL})
    policy.on_job_end(0, {"width": 16, "instance_type": SMALL})
    assert policy._warm_types().tolist() == [True, False, False]  # the modelled rule
    # the backend kept no pool (no quota): nothing is warm, whatever the rule says
    policy.note_warm_pools({})
    assert not policy._warm_types().any()
    # two idle pools on the GPU type, one on a type the policy does not choose from
    policy.note_warm_pools({GPU: 2, "ml.p3.2xlarge": 1})
    assert policy._warm_types().tolist() == [False, False, True]
    policy.on_trial_add(1, {"width": 16, "instance_type": GPU})
    assert policy._warm_types().tolist() == [False, False, True]
    policy.on_trial_add(2, {"width": 32, "instance_type": GPU})
    assert not policy._warm_types().any()  # both taken
    policy.note_warm_pools({GPU: 2})  # the same report: it lags behind the jobs just placed
    assert not policy._warm_types().any()
    policy.note_warm_pools({GPU: 1})  # a new report: what the backend says now
    assert policy._warm_types().tolist() == [False, False, True]
    assert policy.told_warm_pools == {GPU: 1}
    for bad in ({GPU: -1}, {GPU: 1.5}, [GPU]):
        with pytest.raises(ValueError, match="idle"):
            policy.note_warm_pools(bad)


def test_feedback_tells_the_backends_idle_pools_at_every_poll():
    space = {"width": choice(WIDTHS), "instance_type": choice([SMALL, GPU])}
    from syne_mohb.hardware.startup import JobStartup

    sched = MOASHA(space, metrics=["accuracy", "seconds"], mode=["max", "min"],
                   time_attr="epoch", max_t=3, random_seed=0,
                   hardware=HardwarePolicy(random_seed=0,
                                           job_startup=JobStartup(keep_alive_s=60)))
    pools = [{GPU: 1}, {}]

    class Backend:
        def idle_warm_pools(self):
            return pools.pop(0)

    cb = HardwareFeedback()
    cb.on_tuning_start(_Tuner(Backend(), sched))
    cb.on_fetch_status_results({}, [])
    assert sched.hardware.told_warm_pools == {GPU: 1}
    cb.on_fetch_status_results({}, [])
    assert sched.hardware.told_warm_pools == {}
    pools.append({GPU: -2})  # a custom backend's malformed answer: logged, not raised
    cb.on_fetch_status_results({}, [])
    assert sched.hardware.told_warm_pools == {}


def test_a_resumed_durable_run_replays_the_warm_pools_its_policy_was_told():
    from syne_mohb.durable.replay import Replay
    from syne_mohb.hardware.startup import JobStartup

    space = {"width": choice(WIDTHS), "instance_type": choice([SMALL, GPU])}

    class Tuner:
        scheduler = MOASHA(space, metrics=["accuracy", "seconds"], mode=["max", "min"],
                           time_attr="epoch", max_t=3, random_seed=0,
                           hardware=HardwarePolicy(random_seed=0,
                                                   job_startup=JobStartup(keep_alive_s=60)))

    Replay(Tuner, [{"e": "warm_pools", "seq": 0, "idle": {GPU: 1}}])
    assert Tuner.scheduler.hardware.told_warm_pools == {GPU: 1}
    assert Tuner.scheduler.hardware._warm_types().tolist() == [False, True]


def test_a_simulated_outage_fails_the_jobs_of_its_type_for_lack_of_capacity():
    """SimulatedBackend(capacity_outages=...): a job of the type started during the outage
    fails after its cold provisioning wait, billed nothing and leaving no warm instance, with
    the failure kind "capacity"; one started after it trains."""
    from syne_mohb.backends.simulated import SimulatedBackend
    from syne_mohb.hardware.startup import JobStartup

    from test_hardware_failures import _table_with_failures

    startup = JobStartup(provisioning_s={"cpu": 10.0, "accelerated": 10.0},
                         download_s={"cpu": 5.0, "accelerated": 5.0}, keep_alive_s=100.0)
    be = SimulatedBackend(_table_with_failures(set()), seed=0, startup=startup,
                          capacity_outages={GPU: [(0.0, 50.0)]})
    be.start_trial({"width": 16, "instance_type": GPU})
    be.start_trial({"width": 16, "instance_type": SMALL})
    for _ in range(10):
        status, _ = be.fetch_status_results([0, 1])
        be.advance()
    assert status[0][1] == Status.failed and status[1][1] == Status.completed
    assert be.failure_kind(0) == "capacity" and be.failure_kind(1) is None
    assert "CapacityError" in be.stderr(0)[0]
    assert be.ledger.cost(0, at=be.now) == 0.0  # no instance ran
    assert be.jobs_started == 2
    be.now = 60.0  # after the outage: a job of the type trains, cold (no instance was left)
    be.start_trial({"width": 16, "instance_type": GPU})
    for _ in range(10):
        status, results = be.fetch_status_results([2])
        be.advance()
    assert status[2][1] == Status.completed and be.failure_kind(2) is None
    assert be.warm_reuses == 0
    for bad, match in (({GPU: [(5.0, 1.0)]}, "0 <= start < end"), ({GPU: [5.0]}, "pair"),
                       ([GPU], "dict")):
        with pytest.raises(ValueError, match=match):
            SimulatedBackend(_table_with_failures(set()), capacity_outages=bad)


def test_a_simulated_run_with_an_outage_tells_the_policy_and_the_blind_one_not(tmp_path):
    """runner.run_one with ``extra["outages"]``: HardwareFeedback tells MO-ASHA's policy the
    kind, so the outage's failures cool the type down instead of marking configurations;
    ``moasha-kind-blind`` (failure_kinds=False) records them against the configurations."""
    import json

    from syne_mohb.experiments.final_metadata import SCHEDULER_END
    from syne_mohb.experiments.runner import RunSpec, get_benchmark, run_one
    from syne_mohb.hardware.startup import JobStartup
    from dataclasses import asdict

    startup = asdict(JobStartup())
    budget = get_benchmark("cnn").default_budget("mnist", startup=JobStartup())
    outages = {"ml.m5.xlarge": [[0.1 * budget, 0.4 * budget]]}
    ends = {}
    for method in ("moasha", "moasha-kind-blind"):
        out = run_one(RunSpec(method=method, benchmark="cnn", task="mnist", seed=0,
                              out_dir=str(tmp_path), max_trials=50,
                              extra={"startup": startup, "outages": outages}))
        meta = json.loads((tmp_path / "cnn" / "mnist" / method / "seed-0" /
                           "metadata.json").read_text())
        assert meta["syne_mohb"]["outages"] == outages and meta["syne_mohb"]["num_trials_failed"]
        # the policy's metadata at the end of the run
        ends[method] = _find(meta[SCHEDULER_END], "capacity_failures")
        assert out["path"]
    told, blind = ends["moasha"], ends["moasha-kind-blind"]
    assert set(told["capacity_failures"]) == {"ml.m5.xlarge"} and told["failures"] == 0
    assert blind["capacity_failures"] == {} and blind["failures"] > 0
    # the report's end-state table says which type found no capacity, and how often
    from syne_mohb.experiments.analysis import load_run
    from syne_mohb.experiments.final_metadata import end_state_table

    table = end_state_table({m: [load_run(tmp_path / "cnn" / "mnist" / m / "seed-0")]
                             for m in ("moasha", "moasha-kind-blind")}).set_index("method")
    count = sum(told["capacity_failures"].values())
    assert table.loc["moasha", "capacity"] == f"ml.m5.xlarge: {count}"
    assert table.loc["moasha", "failures"].startswith("0 ")
    assert pd.isna(table.loc["moasha-kind-blind", "capacity"])


def _find(tree, key):
    """The first dict in a JSON tree that holds ``key``."""
    if isinstance(tree, dict):
        if key in tree:
            return tree
        tree = list(tree.values())
    if isinstance(tree, list):
        for item in tree:
            found = _find(item, key)
            if found is not None:
                return found
    return None
