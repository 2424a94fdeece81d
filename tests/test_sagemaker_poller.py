"""State machine of the SageMaker backend's poller (syne_mohb/backends/sagemaker/poller.py)
against the fake cluster, one polling round at a time.

The jobs are *scripted* (tests/moto_cluster.py, ``FakeCluster.script``): created on the moto
server like any job, but no container runs; the test moves each job through its statuses,
times and billed seconds and ships its log lines, so every round sees exactly what the test
set up. Prices are $3.60 per instance-hour: $0.001 per second and instance.
"""
from __future__ import annotations

import json
import math
import time

import pytest
from syne_tune.backend.trial_status import Status
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME

from syne_mohb.backends.sagemaker.records import Attempt
from syne_mohb.hardware import dollar_cost

PRICE = {"ml.m5.large": 3.6}  # $0.001 per second
PER_SECOND = 0.001


def bill(seconds: float) -> float:
    """Dollars of ``seconds`` billed seconds on one ml.m5.large (as SageMaker bills them)."""
    return dollar_cost(seconds, PRICE["ml.m5.large"], 1)


def metric(epoch: int, t: float) -> str:
    """A ``Reporter`` line of ``epoch`` time-stamped at epoch second ``t``."""
    return "[tune-metric]: " + json.dumps({"epoch": epoch, "st_worker_timestamp": t})


def one_round(backend, trial_id: int = 0) -> tuple[str, list[dict]]:
    """One ``fetch_status_results`` (one polling round): the trial's status, its new results."""
    statuses, new = backend.fetch_status_results([trial_id])
    return statuses[trial_id][1], [r for _, r in new]


@pytest.fixture()
def scripted(sm, make_backend):
    """(cluster, backend factory) with scripted jobs on one ml.m5.large at $3.60/h."""
    _, cluster, _ = sm
    cluster.behaviour = lambda name, hp: {"scripted": True}

    def _make(**kw):
        args = dict(instance_type="ml.m5.large", prices=PRICE, max_poll_threads=1,
                    install_signal_handlers=False)
        args.update(kw)
        return make_backend(**args)

    return cluster, _make


def test_in_progress_to_completed_delivers_each_result_once_and_bills_at_the_end(scripted):
    cluster, make = scripted
    b = make()
    b.start_trial({"learning_rate": 0.1})
    job = b.job_names(0)[0]
    # Starting: no training start, no log stream yet
    assert one_round(b) == (Status.in_progress, [])
    assert b.trial_cost(0) == 0.0 and b.trial_record(0)["jobs"][0]["status"] == "InProgress"

    t0 = float(int(time.time() - 100.0))
    cluster.script(job, secondary="Training", started=t0)
    cluster.script_log(job, ["container starting", metric(1, t0 + 10), metric(2, t0 + 20)])
    st, res = one_round(b)
    assert st == Status.in_progress
    assert [r["epoch"] for r in res] == [1, 2]
    assert [r[ST_WORKER_TIME] for r in res] == [10.0, 20.0]
    assert [r[ST_WORKER_COST] for r in res] == pytest.approx([10 * PER_SECOND, 20 * PER_SECOND])
    assert one_round(b) == (Status.in_progress, [])  # nothing new: nothing delivered twice
    # running: billed on demand up to now
    assert b.trial_cost(0) == pytest.approx((time.time() - t0) * PER_SECOND, rel=0.05)

    # the last line, and the end: 40 s trained and billed
    cluster.script_log(job, [metric(3, t0 + 30), "uploading"])
    cluster.script(job, status="Completed", ended=t0 + 40, training_seconds=40,
                   billable_seconds=40)
    # the end is read with the last lines; the trial reports it (and the results read after
    # the end) only once a further read brings nothing
    assert one_round(b) == (Status.in_progress, [])
    st, res = one_round(b)
    assert st == Status.completed
    assert [r["epoch"] for r in res] == [3] and res[0][ST_WORKER_TIME] == 30.0
    assert res[0][ST_WORKER_COST] == bill(40)  # the last result carries the whole bill
    assert one_round(b) == (Status.completed, [])
    record = b.trial_record(0)
    assert record["cost"] == bill(40) == b.total_cost()
    assert record["jobs"][0]["billable_seconds"] == 40
    assert [line.strip() for line in b.stdout(0)] == [
        "container starting", metric(1, t0 + 10), metric(2, t0 + 20), metric(3, t0 + 30),
        "uploading"]


def test_failed_jobs_report_failed_with_their_reason_and_bill(scripted):
    cluster, make = scripted
    b = make()
    b.start_trial({"learning_rate": 0.1})  # fails in training
    b.start_trial({"learning_rate": 0.2})  # fails while provisioning: no capacity
    algo, capacity = b.job_names(0)[0], b.job_names(1)[0]
    t0 = float(int(time.time() - 50.0))
    cluster.script(algo, secondary="Training", started=t0)
    cluster.script_log(algo, [metric(1, t0 + 5)])
    st, res = one_round(b, 0)
    assert st == Status.in_progress and len(res) == 1
    cluster.script(algo, status="Failed", ended=t0 + 8, training_seconds=8, billable_seconds=8,
                   reason="AlgorithmError: ExecuteUserScriptError: boom")
    cluster.script(capacity, status="Failed", reason="CapacityError: Unable to provision "
                   "requested ML compute capacity.")
    # streams are listed again after the end; the read brings nothing new: logs are done
    assert one_round(b, 0) == (Status.failed, [])
    assert one_round(b, 1)[0] == Status.failed
    assert any("boom" in line for line in b.stderr(0))
    jobs = {t: b.trial_record(t)["jobs"][0] for t in (0, 1)}
    assert not jobs[0]["capacity_error"] and jobs[1]["capacity_error"]
    assert b.trial_cost(0) == bill(8)
    assert b.trial_cost(1) == 0.0  # never trained: nothing billed
    assert b.busy_trial_ids() == []


def test_stopping_then_stopped_and_a_status_never_goes_back(scripted):
    cluster, make = scripted
    b = make()
    b.start_trial({"learning_rate": 0.1})
    job = b.job_names(0)[0]
    t0 = float(int(time.time() - 30.0))
    cluster.script(job, secondary="Training", started=t0)
    cluster.script_log(job, [metric(1, t0 + 5)])
    assert one_round(b)[0] == Status.in_progress
    cluster.script(job, status="Stopping")  # stopped from outside (console, max run time)
    assert one_round(b) == (Status.stopping, [])
    assert b.busy_trial_ids() == [(0, Status.stopping)]
    cluster.script(job, status="Stopped", ended=t0 + 12, training_seconds=12,
                   billable_seconds=12)
    assert one_round(b)[0] == Status.stopped  # its logs were read to the end: no new line
    assert b.trial_cost(0) == bill(12)
    # a stale "InProgress" (Search's index lags behind) never revives an ended job
    a = b._records[0].attempts[0]
    b._apply_description(a, {"TrainingJobStatus": "InProgress", "TrainingTimeInSeconds": 99})
    assert a.status == "Stopped" and a.training_seconds == 12
    assert one_round(b)[0] == Status.stopped and b.trial_cost(0) == bill(12)


def test_log_lines_across_rounds_streams_and_failed_reads_arrive_once(sm, scripted):
    server, _, _ = sm
    cluster, make = scripted
    b = make(stream_refresh_rounds=2)
    b.start_trial({"learning_rate": 0.1})
    job = b.job_names(0)[0]
    t0 = float(int(time.time() - 200.0))
    cluster.script(job, secondary="Training", started=t0)
    cluster.script_log(job, [metric(1, t0 + 1), metric(2, t0 + 2)], stream_start=1000)
    seen = one_round(b)[1]
    # every GetLogEvents of the next round fails, after all retries: the round goes on,
    # and what was shipped meanwhile comes with the next round, once
    cluster.script_log(job, [metric(3, t0 + 3)], stream_start=1000)
    server.plan.add("GetLogEvents", times=b.retry_policy.max_attempts)
    seen += one_round(b)[1]
    assert [r["epoch"] for r in seen] == [1, 2]
    assert b.retry_stats.get("GetLogEvents:gave-up") == 1
    seen += one_round(b)[1]
    # a spot restart: the container starts again and logs to a new stream, found when the
    # streams are listed again (every stream_refresh_rounds rounds)
    cluster.script_log(job, [metric(4, t0 + 4)], stream_start=1000)
    cluster.script_log(job, [metric(5, t0 + 5), metric(6, t0 + 6)], stream_start=2000)
    for _ in range(3):
        seen += one_round(b)[1]
    assert [r["epoch"] for r in seen] == [1, 2, 3, 4, 5, 6]
    # lines shipped at the very end are read before the trial completes
    cluster.script_log(job, [metric(7, t0 + 7)], stream_start=2000)
    cluster.script(job, status="Completed", ended=t0 + 10, training_seconds=10,
                   billable_seconds=10)
    st = Status.in_progress
    for _ in range(3):
        st, res = one_round(b)
        seen += res
    assert st == Status.completed
    assert [r["epoch"] for r in seen] == [1, 2, 3, 4, 5, 6, 7]
    assert [r[ST_WORKER_TIME] for r in seen] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    assert sum(1 for line in b.stdout(0) if "tune-metric" in line) == 7


def test_spot_bill_reconciles_results_and_a_resumed_job_adds_to_it(scripted):
    cluster, make = scripted
    b = make(use_spot_instances=True)
    b.start_trial({"learning_rate": 0.1})
    first = b.job_names(0)[0]
    t0 = float(int(time.time() - 300.0))
    cluster.script(first, secondary="Training", started=t0)
    cluster.script_log(first, [metric(1, t0 + 10), metric(2, t0 + 20)])
    during = one_round(b)[1]
    assert [r[ST_WORKER_COST] for r in during] == pytest.approx([0.010, 0.020])  # on demand
    # the scheduler pauses the trial: StopTrainingJob; the job stops after one more line;
    # 40 s trained, 10 s billed (managed spot)
    b.pause_trial(0)
    assert first in cluster.stop_calls
    cluster.script_log(first, [metric(3, t0 + 30)])
    cluster.script(first, status="Stopped", ended=t0 + 40, training_seconds=40,
                   billable_seconds=10)
    first_bill = bill(10)
    b.resume_trial(0)  # deferred until the job has ended: launched by the next round
    for _ in range(3):
        one_round(b)
    rec = b._records[0]
    # read after the end: pro rata of the bill (30 of 40 s), then the last one is the bill
    assert rec.metrics[2]["epoch"] == 3 and rec.metrics[2][ST_WORKER_COST] == first_bill
    assert b.trial_record(0)["jobs"][0]["cost"] == first_bill
    second = b.job_names(0)[1]
    assert len(b.job_names(0)) == 2  # launched once, not once per round
    t1 = float(int(time.time() - 100.0))
    cluster.script(second, secondary="Training", started=t1)
    cluster.script_log(second, [metric(4, t1 + 5)])
    _, res = one_round(b)
    # the second job's results add the first job's bill and training seconds
    assert [r["epoch"] for r in res] == [4]
    assert res[0][ST_WORKER_TIME] == 40.0 + 5.0
    assert math.isclose(res[0][ST_WORKER_COST], first_bill + 5 * PER_SECOND)
    cluster.script(second, status="Completed", ended=t1 + 8, training_seconds=8,
                   billable_seconds=2)
    for _ in range(2):
        one_round(b)
    assert b.trial_cost(0) == first_bill + bill(2)
    assert b.total_cost() == b.trial_cost(0)
    # the cost survives the backend's JSON state: the ledger is rebuilt from the jobs
    other = make(run_id=b.run_id)
    other.load_state_dict(json.loads(json.dumps(b.state_dict())))
    assert other.trial_cost(0) == b.trial_cost(0)
    assert [other.job_cost(a) for a in other._records[0].attempts] == \
        [b.job_cost(a) for a in b._records[0].attempts]


def test_reattached_trial_reads_its_jobs_from_the_start(scripted):
    cluster, make = scripted
    b = make()
    b.start_trial({"learning_rate": 0.1})
    job = b.job_names(0)[0]
    t0 = float(int(time.time() - 60.0))
    cluster.script(job, secondary="Training", started=t0)
    cluster.script_log(job, [metric(1, t0 + 3), metric(2, t0 + 6)])
    assert len(one_round(b)[1]) == 2
    # a new driver: it knows the trial from its journal only
    other = make(run_id=b.run_id)
    other._trial_dict[0] = b._trial_dict[0]
    other._last_metric_seen_index[0] = 0
    found = other.reattach_trial(0, {"learning_rate": 0.1}, Status.in_progress,
                                 other.find_run_jobs())
    assert found.action == "reattached" and found.jobs == (job,)
    st, res = one_round(other)
    assert st == Status.in_progress and [r["epoch"] for r in res] == [1, 2]
    assert [r[ST_WORKER_COST] for r in res] == pytest.approx([0.003, 0.006])
    assert isinstance(other._records[0].attempts[0], Attempt)
    cluster.script(job, status="Completed", ended=t0 + 9, training_seconds=9,
                   billable_seconds=9)
    for _ in range(2):
        st, _ = one_round(other)
    assert st == Status.completed and other.trial_cost(0) == bill(9)


def test_cost_cap_keeps_the_results_of_a_job_that_ended_between_two_polls(scripted):
    """A job that reports 4 results and ends between two polls: its results are read after
    its end (held back until its logs are read to the end); the cap keeps those up to and
    including the first one over it, flagged, and the trial completes. The job's bill, known
    at once, must not cut them off as "over budget between two reports"."""
    from syne_mohb.backends.cost import COST_CAP_REACHED

    cluster, make = scripted
    b = make(max_cost_per_trial=0.025)
    b.start_trial({"learning_rate": 0.1})
    job = b.job_names(0)[0]
    t0 = float(int(time.time() - 1.0))  # a poll while it trains: under the cap
    cluster.script(job, secondary="Training", started=t0)
    assert one_round(b) == (Status.in_progress, [])
    cluster.script_log(job, [metric(e, t0 + 10 * e) for e in (1, 2, 3, 4)])
    cluster.script(job, status="Completed", ended=t0 + 45, training_seconds=45,
                   billable_seconds=45)
    seen, st = [], Status.in_progress
    for _ in range(3):
        st, res = one_round(b)
        seen += res
    assert st == Status.completed
    assert [r["epoch"] for r in seen] == [1, 2, 3]
    assert [r[COST_CAP_REACHED] for r in seen] == [0, 0, 1]
    assert [r[ST_WORKER_COST] for r in seen] == pytest.approx([0.01, 0.02, 0.03])
    assert b.cost_cap_records() == {0: (3, pytest.approx(0.03))}
    assert job not in cluster.stop_calls  # it had ended: nothing to stop
    assert b.trial_cost(0) == bill(45)
    assert one_round(b) == (Status.completed, [])


def test_cost_cap_still_stops_a_running_job_over_budget_between_two_reports(scripted):
    cluster, make = scripted
    b = make(max_cost_per_trial=0.02)
    b.start_trial({"learning_rate": 0.1})
    job = b.job_names(0)[0]
    t0 = float(int(time.time() - 100.0))  # running for 100 s: $0.10 on demand by now
    cluster.script(job, secondary="Training", started=t0)
    cluster.script_log(job, [metric(1, t0 + 10)])
    st, res = one_round(b)
    assert st == Status.completed and [r["epoch"] for r in res] == [1]
    assert job in cluster.stop_calls and b.is_cost_capped(0)


def test_a_job_that_completed_without_reporting_fails_its_trial(scripted):
    """Syne Tune's Tuner ends the whole run on a completed trial without results: the backend
    reports it failed, with the reason, once the job's logs are read to the end."""
    cluster, make = scripted
    b = make()
    b.start_trial({"learning_rate": 0.1})  # reports nothing
    b.start_trial({"learning_rate": 0.2})  # reports
    silent, fine = b.job_names(0)[0], b.job_names(1)[0]
    t0 = float(int(time.time() - 50.0))
    for job in (silent, fine):
        cluster.script(job, secondary="Training", started=t0)
    cluster.script_log(silent, ["loading data", "done"])
    cluster.script_log(fine, [metric(1, t0 + 2)])
    for job in (silent, fine):
        cluster.script(job, status="Completed", ended=t0 + 5, training_seconds=5,
                       billable_seconds=5)
    statuses = {}
    for _ in range(3):
        st, _ = b.fetch_status_results([0, 1])
        statuses = {tid: s for tid, (_, s) in st.items()}
    assert statuses == {0: Status.failed, 1: Status.completed}
    reason = b.stderr(0)[-1]
    assert "without reporting any metric" in reason and "syne_tune.Reporter" in reason
    record = b.trial_record(0)
    assert record["status"] == Status.failed and record["jobs"][0]["status"] == "Completed"
    assert b.trial_cost(0) == bill(5)  # billed all the same
    # the judgement survives the backend's JSON state
    other = make(run_id=b.run_id)
    other.load_state_dict(json.loads(json.dumps(b.state_dict())))
    assert other.trial_record(0)["status"] == Status.failed
    assert other.trial_record(1)["status"] == Status.completed
