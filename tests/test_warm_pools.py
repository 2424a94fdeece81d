"""SageMaker managed warm pools on the fake cluster (tests/moto_cluster.py): a resume or the next
trial on the same instance type starts on the instances an earlier job kept, the backend reports
which jobs reused a pool and what the pools cost, and releases them at the end of tuning."""

from __future__ import annotations

import math
import time

import pytest
from syne_tune.backend.trial_status import Status

from syne_mohb.hardware import dollar_cost, load_catalog
from sagemaker_fixtures import poll_until

pytestmark = pytest.mark.slow

PRICES = load_catalog()


def rows_by_job(backend):
    return {r["job_name"]: r for r in backend.warm_pool_report()}


def test_resume_and_next_trial_reuse_warm_pools(sm, make_backend, monkeypatch):
    """Trial 0 is paused and resumed: the resumed job starts on the paused job's pool and
    continues from its checkpoint. Then trial 1 on the same type reuses the pool of trial 0's
    last job while trial 2 on another type starts cold. stop_all releases the pools left."""
    server, cluster, clients = sm
    cluster.startup_seconds = 0.4
    # epochs long enough for the pause after two results to land before the last one
    monkeypatch.setitem(cluster.epoch_seconds, "ml.m5.large", 0.2)
    backend = make_backend(keep_alive_seconds=120)
    backend.start_trial({"learning_rate": 0.01, "epochs": 5, "instance_type": "ml.m5.large"})
    poll_until(backend, [0], lambda st, res: len(res) >= 2)
    backend.pause_trial(0)
    backend.resume_trial(0)  # launched once the paused job has ended (and kept its pool)
    st, res = poll_until(backend, [0], lambda st, res: st[0] == Status.completed)
    assert st[0] == Status.completed
    job0, job1 = backend.job_names(0)
    d0 = clients["sagemaker"].describe_training_job(TrainingJobName=job0)
    assert d0["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 120
    assert d0["TrainingJobStatus"] == "Stopped"
    assert d0["WarmPoolStatus"]["Status"] == "Reused"
    assert d0["WarmPoolStatus"]["ReusedByJob"] == job1
    # the warm job read the checkpoint the stopped one uploaded: it goes on right after the
    # last epoch the stopped job checkpointed, which is its last reported epoch or, when the
    # pause landed between a checkpoint and its line, the one after (that line is lost, see
    # docs/concepts/durable.md); no epoch is trained twice
    first, second = ([m["epoch"] for m in cluster.lines_written[j]] for j in (job0, job1))
    assert len(first) >= 2 and first == list(range(1, len(first) + 1)), (first, second)
    resumed_at = second[0] if second else 6  # nothing left to train after epoch 5
    assert second == list(range(resumed_at, 6)) and resumed_at - first[-1] in (1, 2), (
        first, second)

    backend.start_trial({"learning_rate": 0.02, "epochs": 2, "instance_type": "ml.m5.large"})
    backend.start_trial({"learning_rate": 0.02, "epochs": 2, "instance_type": "ml.c5.xlarge"})
    st, _ = poll_until(backend, [1, 2], lambda st, res: set(st.values()) == {Status.completed})
    assert set(st.values()) == {Status.completed}
    (job2,), (job3,) = backend.job_names(1), backend.job_names(2)
    rows = rows_by_job(backend)
    reused = {name for name, r in rows.items() if r["reused_warm_pool"]}
    assert reused == {job1, job2}
    assert reused == {n for n, how in cluster.provisioning.items() if how == "warm"} & set(rows)
    assert rows[job1]["warm_pool_reused_by"] == job2  # the pool moved on to the next trial
    assert rows[job0]["warm_pool_status"] == rows[job1]["warm_pool_status"] == "Reused"
    # cold jobs waited for their instances; none of that is training time (the API's
    # timestamps have millisecond resolution)
    for name in (job0, job3):
        assert rows[name]["startup_seconds"] >= cluster.startup_seconds - 0.002
    for name in (job0, job1, job2, job3):
        rec = backend.trial_record({job0: 0, job1: 0, job2: 1, job3: 2}[name])
        job = next(j for j in rec["jobs"] if j["job_name"] == name)
        assert job["startup_seconds"] == rows[name]["startup_seconds"]
        assert job["reused_warm_pool"] == (name in reused)

    # the end of tuning ends the pools still kept: they are billed until then
    assert {rows[job2]["warm_pool_status"], rows[job3]["warm_pool_status"]} == {"Available"}
    # what HardwareFeedback tells the hardware policy: the idle pools, per type
    assert backend.idle_warm_pools() == {"ml.m5.large": 1, "ml.c5.xlarge": 1}
    backend.stop_all()
    assert backend.idle_warm_pools() == {}
    rows = rows_by_job(backend)
    for name in (job2, job3):
        d = clients["sagemaker"].describe_training_job(TrainingJobName=name)
        assert d["WarmPoolStatus"]["Status"] == rows[name]["warm_pool_status"] == "Terminated"
        billed = d["WarmPoolStatus"]["ResourceRetainedBillableTimeInSeconds"]
        assert rows[name]["warm_pool_billable_seconds"] == billed >= 1
    total = 0.0
    for name, r in rows.items():
        price = PRICES.price_per_hour(r["instance_type"])
        expected = dollar_cost(r["warm_pool_billable_seconds"] or 0, price, 1)
        assert math.isclose(r["warm_pool_cost"], expected)
        total += expected
    assert math.isclose(backend.warm_pool_cost(), total) and total > 0
    assert backend.release_warm_pools() == []  # nothing left to release


def test_no_quota_or_expired_pool_means_a_cold_start(sm, make_backend):
    """Without warm-pool quota nothing is retained; a pool kept past its keep-alive period is
    terminated (billed for the whole period) and the next job starts cold."""
    server, cluster, clients = sm
    cluster.warm_pool_quota = {"ml.m5.large": 0, "*": 8}
    backend = make_backend(keep_alive_seconds=1)
    backend.start_trial({"learning_rate": 0.01, "epochs": 1, "instance_type": "ml.m5.large"})
    backend.start_trial({"learning_rate": 0.01, "epochs": 1, "instance_type": "ml.c5.xlarge"})
    st, _ = poll_until(backend, [0, 1], lambda st, res: set(st.values()) == {Status.completed})
    assert set(st.values()) == {Status.completed}
    (no_quota,), (kept,) = backend.job_names(0), backend.job_names(1)
    assert "ml.m5.large" not in backend.idle_warm_pools()  # no quota: no pool kept
    # the kept pool expires after 1 s
    deadline = time.time() + 15
    while time.time() < deadline and rows_by_job(backend)[kept]["warm_pool_status"] != \
            "Terminated":
        backend.fetch_status_results([0, 1])
        time.sleep(0.1)
    backend.start_trial({"learning_rate": 0.01, "epochs": 1, "instance_type": "ml.c5.xlarge"})
    st, _ = poll_until(backend, [2], lambda st, res: st[2] == Status.completed)
    (late,) = backend.job_names(2)
    rows = rows_by_job(backend)
    assert rows[no_quota]["warm_pool_status"] == "Terminated"
    assert rows[no_quota]["warm_pool_billable_seconds"] == 0
    assert rows[kept]["warm_pool_status"] == "Terminated"
    assert rows[kept]["warm_pool_billable_seconds"] == 1  # the whole keep-alive period
    assert not any(r["reused_warm_pool"] for r in rows.values())
    assert cluster.provisioning[late] == "cold"


def test_keep_alive_validation(make_backend):
    with pytest.raises(ValueError, match="keep_alive_seconds must be an int in 1..21600"):
        make_backend(keep_alive_seconds=0)
    with pytest.raises(ValueError, match="keep_alive_seconds must be an int"):
        make_backend(keep_alive_seconds=30.0)
    with pytest.raises(ValueError, match="spot"):
        make_backend(keep_alive_seconds=60, use_spot_instances=True)


def test_without_warm_pool_quota_the_policy_expects_no_warm_start(sm, make_backend,
                                                                  monkeypatch, tmp_path):
    """The account's warm-pool quota is 0 (SageMaker's default): no job keeps its instances.
    MO-ASHA's policy, told by HardwareFeedback, weighs every start-up cold, where its own rule
    (every ended job leaves an instance) would have expected warm ones."""
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.config_space import choice
    from syne_tune.constants import ST_WORKER_COST
    from syne_tune.results_callback import StoreResultsCallback

    from syne_mohb.hardware import HardwareFeedback, HardwarePolicy
    from syne_mohb.hardware.startup import JobStartup
    from syne_mohb.scheduler import MOASHA

    server, cluster, clients = sm
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    cluster.warm_pool_quota = {"*": 0}
    space = {"learning_rate": choice([0.005, 0.01, 0.05]), "epochs": 2,
             "instance_type": choice(["ml.m5.large", "ml.c5.xlarge"])}
    backend = make_backend(keep_alive_seconds=600)
    policy = HardwarePolicy(random_seed=0, job_startup=JobStartup(keep_alive_s=600))
    expected_warm = []
    choose = policy.choose

    def spy(*args, **kwargs):  # what the policy expected of each type when it chose
        expected_warm.append(policy._warm_types().any())
        return choose(*args, **kwargs)

    monkeypatch.setattr(policy, "choose", spy)
    scheduler = MOASHA(space, metrics=["accuracy", ST_WORKER_COST], mode=["max", "min"],
                       time_attr="epoch", max_t=2, random_seed=0, hardware=policy)
    Tuner(trial_backend=backend, scheduler=scheduler,
          stop_criterion=StoppingCriterion(max_num_trials_started=4), n_workers=1,
          sleep_time=0.02, callbacks=[StoreResultsCallback(), HardwareFeedback()],
          tuner_name="sm-no-quota", wait_trial_completion_when_stopping=True,
          print_update_interval=3600, save_tuner=False).run()
    rows = backend.warm_pool_report()
    assert len(rows) >= 4 and not any(r["reused_warm_pool"] for r in rows)
    # none kept (the last job may end after the last poll: no status read yet)
    assert {r["warm_pool_status"] for r in rows} <= {"Terminated", None}
    assert len(expected_warm) >= 3 and not any(expected_warm)
    assert policy.told_warm_pools == {}
    # its own rule alone would have expected the ended jobs' instances to be warm
    now = policy._now()
    assert any(policy._pools.modelled.warm(t, now) for t in policy.instance_types)


def test_a_durable_run_journals_the_told_warm_pools_and_replays_them(sm, make_backend,
                                                                     monkeypatch, tmp_path):
    """A DurableTuner adds HardwareFeedback itself; the pools the backend reported idle are
    journaled when they change, and replaying the journal on a fresh scheduler (what a resume
    does) repeats every suggestion and decision, placements included."""
    from syne_tune import StoppingCriterion
    from syne_tune.config_space import choice
    from syne_tune.constants import ST_WORKER_COST

    from syne_mohb.durable import DurableTuner, read_journal
    from syne_mohb.durable.replay import Replay
    from syne_mohb.hardware import HardwareFeedback, HardwarePolicy
    from syne_mohb.hardware.startup import JobStartup
    from syne_mohb.scheduler import MOASHA

    server, cluster, clients = sm
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    space = {"learning_rate": choice([0.005, 0.01, 0.05]), "epochs": 2,
             "instance_type": choice(["ml.m5.large", "ml.c5.xlarge"])}

    def scheduler():
        # max_t above the script's 2 epochs: a trial that continues past rung 1 ends by itself
        # (completed) rather than by a STOP at its last epoch, so the poll that sees its job end
        # sees its pool idle before the next trial starts (after a STOP the next job could be
        # created on the pool before any poll saw it: a loaded machine failed so)
        return MOASHA(space, metrics=["accuracy", ST_WORKER_COST], mode=["max", "min"],
                      time_attr="epoch", max_t=3, random_seed=0,
                      hardware=HardwarePolicy(random_seed=0,
                                              job_startup=JobStartup(keep_alive_s=600)))

    tuner = DurableTuner(trial_backend=make_backend(keep_alive_seconds=600),
                         scheduler=scheduler(),
                         stop_criterion=StoppingCriterion(max_num_trials_started=3),
                         n_workers=1, sleep_time=0.05, tuner_name="dur-warm",
                         suffix_tuner_name=False, print_update_interval=3600,
                         wait_trial_completion_when_stopping=True)
    assert sum(isinstance(cb, HardwareFeedback) for cb in tuner.callbacks) == 1
    tuner.run()
    entries = read_journal(tmp_path / "dur-warm")
    told = [e["idle"] for e in entries if e["e"] == "warm_pools"]
    assert any(told), told  # a pool was idle at some poll, and the policy was told
    assert all(a != b for a, b in zip(told, told[1:]))  # journaled when it changed

    fresh = type("Fresh", (), {"scheduler": scheduler(), "trials_scheduler_stopped": set()})
    replay = Replay(fresh, entries, strict=True)  # raises on a different suggestion
    assert not replay.mismatches
    assert fresh.scheduler.hardware.told_warm_pools == told[-1]
