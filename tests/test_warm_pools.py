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
    backend.stop_all()
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
