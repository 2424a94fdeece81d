"""End-to-end tests of the SageMaker backend against a real HTTP endpoint: a moto server on
127.0.0.1 and a fake cluster playing the SageMaker platform, whose containers run the real
SageMaker training toolkit (see tests/moto_cluster.py). Jobs run tests/sagemaker_code/sim_train.py
unless a test says otherwise."""

from __future__ import annotations

import json
import logging
import math
import signal
import threading
import time
from pathlib import Path

import pytest
from syne_tune import StoppingCriterion, Tuner
from syne_tune.backend.trial_status import Status
from syne_tune.config_space import choice, loguniform
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME
from syne_tune.optimizer.baselines import RandomSearch
from syne_tune.optimizer.scheduler import SchedulerDecision
from syne_tune.results_callback import StoreResultsCallback
from syne_tune.tuner_callback import TunerCallback

from sagemaker_fixtures import BUCKET, DUMMY_SECRET, TRAIN_SCRIPT
from syne_mohb.backends.sagemaker.jobs import TAG_ATTEMPT, TAG_RUN_ID, TAG_TRIAL_ID
from syne_mohb.hardware import load_catalog
from syne_mohb.scheduler import MOASHA
from sagemaker_fixtures import poll_until, resumed_from

pytestmark = pytest.mark.slow

PRICES = load_catalog()


class CollectResults(TunerCallback):
    """Every result exactly as the scheduler saw it."""

    def __init__(self):
        self.results: list[tuple[int, dict]] = []
        self.stopped_at: dict[int, int] = {}  # trial -> epoch of the scheduler's STOP

    def on_trial_result(self, trial, status, result, decision):
        self.results.append((trial.trial_id, dict(result)))
        if decision == SchedulerDecision.STOP:
            self.stopped_at[trial.trial_id] = result.get("epoch")


def describe(clients, name):
    return clients["sagemaker"].describe_training_job(TrainingJobName=name)


def tags_of(clients, arn):
    return {t["Key"]: t["Value"] for t in clients["sagemaker"].list_tags(ResourceArn=arn)["Tags"]}


def test_moasha_run_over_instance_types_runs_real_script(sm, make_backend, monkeypatch, tmp_path,
                                                         caplog):
    """MO-ASHA on (accuracy, cost) over 2 instance types; the fake cluster runs the uploaded
    examples/sagemaker_train.py through the real toolkit. Every trial ran on its instance type,
    every result carries metrics and cost, nothing is left running, no secret is logged or
    saved."""
    server, cluster, clients = sm
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    caplog.set_level(logging.DEBUG, logger="syne_mohb")
    space = {
        "learning_rate": loguniform(1e-3, 0.3),
        "batch_size": choice([32, 128]),
        "epochs": 4,
        "instance_type": choice(["ml.m5.large", "ml.c5.xlarge"]),
    }
    backend = make_backend(entry_point=str(TRAIN_SCRIPT))
    assert backend.validate_config_space(space) == ["ml.m5.large", "ml.c5.xlarge"]
    scheduler = MOASHA(space, metrics=["accuracy", ST_WORKER_COST], mode=["max", "min"],
                       time_attr="epoch", max_t=4, grace_period=1, reduction_factor=2,
                       random_seed=3, points_to_evaluate=[
                           {"learning_rate": 0.02, "batch_size": 32, "epochs": 4,
                            "instance_type": "ml.m5.large"},
                           {"learning_rate": 0.05, "batch_size": 128, "epochs": 4,
                            "instance_type": "ml.c5.xlarge"}])
    collect = CollectResults()
    # 4 trials in one wave (each starts a Python process importing scikit-learn + syne-tune)
    tuner = Tuner(trial_backend=backend, scheduler=scheduler,
                  stop_criterion=StoppingCriterion(max_num_trials_started=3), n_workers=4,
                  sleep_time=0.05, callbacks=[StoreResultsCallback(), collect],
                  tuner_name="sm-moasha", wait_trial_completion_when_stopping=True,
                  print_update_interval=3600)
    tuner.run()

    trial_ids = sorted({tid for tid, _ in collect.results})
    assert len(trial_ids) >= 4
    used = set()
    for tid in trial_ids:
        config = backend._trial_dict[tid].config
        for name in backend.job_names(tid):
            d = describe(clients, name)
            # the job ran on the trial's instance type, with the trial's config
            assert d["ResourceConfig"]["InstanceType"] == config["instance_type"]
            assert json.loads(d["HyperParameters"]["learning_rate"]) == config["learning_rate"]
            assert d["HyperParameters"]["sagemaker_program"] == '"sagemaker_train.py"'
            assert tags_of(clients, d["TrainingJobArn"])[TAG_RUN_ID] == backend.run_id
        used.add(config["instance_type"])
        price = PRICES.price_per_hour(config["instance_type"])
        res = [r for t, r in collect.results if t == tid]
        assert [r["epoch"] for r in res] == list(range(1, len(res) + 1))
        bill = backend.trial_record(tid)["cost"]
        for r in res:
            assert 0.0 <= r["accuracy"] <= 1.0
            assert r[ST_WORKER_TIME] > 0 and r[ST_WORKER_COST] > 0
            # on-demand while the job runs: cost = training seconds x price / 3600 (x 1
            # instance); a line read after its job ended is billed pro rata of SageMaker's
            # BillableTimeInSeconds (whole seconds), the job's last line the whole bill
            # (syne_mohb/backends/sagemaker/cost.py)
            on_demand = r[ST_WORKER_TIME] * price / 3600
            assert math.isclose(r[ST_WORKER_COST], on_demand, rel_tol=1e-9) \
                or r[ST_WORKER_COST] <= bill * (1 + 1e-9), (tid, r, bill)
        costs = [r[ST_WORKER_COST] for r in res]
        assert costs == sorted(costs)
        if (backend.trial_record(tid)["status"] == Status.completed
                and collect.stopped_at.get(tid, 4) >= 4):
            # the script's 4 epochs, none lost (a job the scheduler stopped, e.g. to train its
            # configuration again on another type, may finish before the stop reaches it: the
            # tuner takes no result after its STOP)
            assert len(res) == 4
    assert used == {"ml.m5.large", "ml.c5.xlarge"}
    # the real script learned something on digits
    assert max(r["accuracy"] for _, r in collect.results) > 0.8
    assert tuner.tuning_status.cost > 0
    assert backend.wait_for_jobs(timeout_s=20, poll_s=0.05) == []
    # no credential in our logs, in results or in the Tuner's pickle
    assert DUMMY_SECRET not in caplog.text
    assert DUMMY_SECRET not in json.dumps([r for _, r in collect.results])
    dill_file = Path(tuner.tuner_path) / "tuner.dill"
    assert dill_file.exists() and DUMMY_SECRET.encode() not in dill_file.read_bytes()


def test_pause_resume_continues_from_s3_checkpoint(sm, make_backend):
    server, cluster, clients = sm
    cluster.epoch_seconds = {"*": 0.08}
    backend = make_backend()
    config = {"learning_rate": 0.01, "epochs": 6, "instance_type": "ml.g4dn.xlarge"}
    backend.start_trial(config)
    st, first = poll_until(backend, [0], lambda st, res: len(res) >= 2)
    backend.pause_trial(0)
    # resume at once: the new job must wait until the stopped one has uploaded its checkpoint
    backend.resume_trial(0)
    st, rest = poll_until(backend, [0], lambda st, res: st[0] == Status.completed, timeout=30)
    assert st[0] == Status.completed
    job1, job2 = backend.job_names(0)
    d1, d2 = describe(clients, job1), describe(clients, job2)
    assert d1["TrainingJobStatus"] == "Stopped" and d2["TrainingJobStatus"] == "Completed"
    assert d2["CreationTime"] >= d1["TrainingEndTime"]
    assert d2["CheckpointConfig"]["S3Uri"] == d1["CheckpointConfig"]["S3Uri"] \
        == backend.checkpoint_uri(0)
    assert tags_of(clients, d2["TrainingJobArn"])[TAG_ATTEMPT] == "1"
    assert tags_of(clients, d2["TrainingJobArn"])[TAG_TRIAL_ID] == "0"

    results = [r for _, r in first + rest]
    written = cluster.lines_written[job1] + cluster.lines_written[job2]
    # the backend delivers every metric line the jobs wrote, once and in order
    assert [r["epoch"] for r in results] == [r["epoch"] for r in written]
    # the second job continued from the checkpoint of the first (the epoch it logs on start)
    start = resumed_from(clients, job2)
    assert [r["epoch"] for r in cluster.lines_written[job2]] == list(range(start + 1, 7))
    # the first wrote every epoch up to that checkpoint; the line of the last checkpointed epoch
    # can be lost only when the stop kills the toolkit that relays it (a race of a real stop)
    epochs1 = [r["epoch"] for r in cluster.lines_written[job1]]
    assert epochs1 == list(range(1, len(epochs1) + 1)) and start - len(epochs1) in (0, 1)
    # time and cost accumulate over both jobs
    first_of_job2 = results[len(cluster.lines_written[job1])]
    assert first_of_job2[ST_WORKER_TIME] >= d1["TrainingTimeInSeconds"]
    price = PRICES.price_per_hour("ml.g4dn.xlarge")
    assert first_of_job2[ST_WORKER_COST] >= d1["BillableTimeInSeconds"] * price / 3600
    for key in (ST_WORKER_TIME, ST_WORKER_COST):
        values = [r[key] for r in results]
        assert values == sorted(values)
    total = (d1["BillableTimeInSeconds"] + d2["BillableTimeInSeconds"]) * price / 3600
    assert math.isclose(backend.trial_record(0)["cost"], total)

    # copy_checkpoint / delete_checkpoint work on the trial prefixes
    s3 = clients["s3"]
    key0 = backend._checkpoint_key_prefix(0) + "checkpoint.json"
    assert json.loads(s3.get_object(Bucket=BUCKET, Key=key0)["Body"].read())["epoch"] == 6
    backend.copy_checkpoint(0, 7)
    key7 = backend._checkpoint_key_prefix(7) + "checkpoint.json"
    assert json.loads(s3.get_object(Bucket=BUCKET, Key=key7)["Body"].read())["epoch"] == 6
    backend.delete_checkpoint(7)
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=backend._checkpoint_key_prefix(7))
    assert "Contents" not in listing


def test_injected_faults_are_survived_without_losing_results(sm, make_backend, monkeypatch,
                                                             tmp_path):
    """A failing job, a capacity failure, a quota error at creation, throttling of describe /
    search / logs, 5xx and connection resets: the run completes, only the affected trials fail
    (with their reasons), and every metric line the jobs wrote reaches the scheduler."""
    server, cluster, clients = sm
    plan = server.plan
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))

    def behaviour(name, hp):  # by trial id (job names end with -<trial>-<attempt>)
        return {1: {"fail_at_epoch": 2}, 2: {"capacity": True}}.get(int(name.split("-")[-2]), {})

    cluster.behaviour = behaviour
    rules = [
        plan.add("CreateTrainingJob", code="ResourceLimitExceeded", times=1,
                 message="The account-level service limit 'ml.p3.2xlarge for training job "
                         "usage' is 0 Instances", body_contains="ml.p3.2xlarge"),
        plan.add("CreateTrainingJob", kind="reset", skip=1),
        plan.add("DescribeTrainingJob", kind="reset", times=1),
        plan.add("DescribeTrainingJob", code="ThrottlingException", times=3, skip=1),
        plan.add("DescribeTrainingJob", code="RequestLimitExceeded", times=1),
        plan.add("Search", code="InternalServerError", status=500, times=1),
        plan.add("Search", code="ThrottledException", times=1, skip=2),
        plan.add("DescribeLogStreams", code="ThrottlingException", times=2, skip=1),
        plan.add("GetLogEvents", code="ThrottlingException", times=3, skip=3),
        plan.add("GetLogEvents", kind="reset", times=2, skip=4),
        plan.add("GetLogEvents", code="ServiceUnavailable", status=503, times=1, skip=6),
    ]
    space = {"learning_rate": choice([0.005, 0.01, 0.05]), "epochs": 3,
             "instance_type": choice(["ml.m5.large", "ml.c5.xlarge", "ml.p3.2xlarge"])}
    points = [
        {"learning_rate": 0.01, "instance_type": "ml.m5.large"},
        {"learning_rate": 0.05, "instance_type": "ml.c5.xlarge"},  # AlgorithmError at epoch 2
        {"learning_rate": 0.01, "instance_type": "ml.m5.large"},  # CapacityError at start
        {"learning_rate": 0.05, "instance_type": "ml.p3.2xlarge"},  # quota error on create
        {"learning_rate": 0.005, "instance_type": "ml.c5.xlarge"},
        {"learning_rate": 0.05, "instance_type": "ml.m5.large"},
    ]
    backend = make_backend(search_min_jobs=2)
    backend.validate_config_space(space)
    collect = CollectResults()
    tuner = Tuner(trial_backend=backend,
                  scheduler=RandomSearch(space, metrics=["accuracy"], do_minimize=False,
                                         random_seed=1, points_to_evaluate=points),
                  stop_criterion=StoppingCriterion(max_num_trials_started=len(points) - 1),
                  n_workers=4, sleep_time=0.02, max_failures=10,
                  callbacks=[StoreResultsCallback(), collect], tuner_name="sm-faults",
                  wait_trial_completion_when_stopping=True, print_update_interval=3600,
                  save_tuner=False)
    tuner.run()

    for rule in rules:  # every fault was injected
        assert rule.fired == rule.times, rule
    stats = backend.retry_stats
    for op in ("DescribeTrainingJob", "GetLogEvents", "DescribeLogStreams", "Search",
               "CreateTrainingJob"):
        assert any(k.startswith(op + ":") for k in stats), (op, stats)
    assert not any(k.endswith(":gave-up") for k in stats), stats

    records = {tid: backend.trial_record(tid) for tid in range(len(backend.trial_ids))}
    assert len(records) >= len(points)
    failed, capacity, quota = records[1], records[2], records[3]
    assert failed["status"] == Status.failed and "AlgorithmError" in failed["reasons"][0]
    # the reason is what the toolkit wrote to /opt/ml/output/failure (without the script's
    # stderr: the toolkit's plain script runner does not capture it); the traceback is in the log
    assert "ExecuteUserScriptError" in failed["reasons"][0]
    assert any("RuntimeError: CUDA error: an illegal memory access" in line
               for line in backend.stdout(1))
    assert capacity["status"] == Status.failed and capacity["jobs"][0]["capacity_error"]
    assert "CapacityError" in capacity["reasons"][0]
    assert quota["status"] == Status.failed and not quota["jobs"][0]["created"]
    assert "ResourceLimitExceeded" in quota["reasons"][0]
    assert quota["jobs"][0]["instance_type"] == "ml.p3.2xlarge"
    # what HardwareFeedback tells a hardware policy: the type's failures, not the script's
    assert [backend.failure_kind(t) for t in (1, 2, 3)] == [None, "capacity", "capacity"]
    assert backend.failure_kind(0) is None and backend.failure_kind(999) is None
    others = [rec for tid, rec in records.items() if tid not in (1, 2, 3)]
    assert len(others) >= 3 and all(rec["status"] == Status.completed for rec in others)
    assert tuner.tuning_status.num_trials_failed == 3

    # no result lost: the scheduler saw every metric line every job wrote, in order
    for tid, rec in records.items():
        seen = [r for t, r in collect.results if t == tid]
        written = [m for job in backend.job_names(tid) for m in cluster.lines_written.get(job, [])]
        assert [(r["epoch"], r["accuracy"]) for r in seen] == \
            [(m["epoch"], m["accuracy"]) for m in written], tid
        assert all(r[ST_WORKER_COST] > 0 for r in seen)
    assert [r["epoch"] for t, r in collect.results if t == 1] == [1]  # before its failure
    # batched status via Search was used, and the duplicate-free job list matches the trials
    assert "Search" in plan.requests
    jobs = backend.find_run_jobs()
    assert sorted((j["trial_id"], j["attempt"]) for j in jobs) == \
        sorted((tid, 0) for tid, rec in records.items() if rec["jobs"][0]["created"])
    assert backend.wait_for_jobs(timeout_s=20, poll_s=0.05) == []


def test_stop_all_and_sigint_leave_no_job_running(sm, make_backend):
    server, cluster, clients = sm
    cluster.epoch_seconds = {"*": 0.1}
    # a slow stop: trial 2's job stays "Stopping" 2 s after its container ended
    cluster.behaviour = lambda name, hp: {"stop_delay": 2.0} if name.endswith("-2-0") else {}
    backend = make_backend()
    for lr in (0.01, 0.02, 0.05):
        backend.start_trial({"learning_rate": lr, "epochs": 200, "instance_type": "ml.m5.large"})
    poll_until(backend, [0, 1, 2], lambda st, res: {t for t, _ in res} == {0, 1, 2})
    # stopping survives throttling and a connection reset too
    server.plan.add("StopTrainingJob", code="ThrottlingException", times=1)
    server.plan.add("StopTrainingJob", kind="reset", times=1, skip=1)
    backend.stop_all()
    names = [n for t in range(3) for n in backend.job_names(t)]
    slow = backend.job_names(2)[0]
    assert describe(clients, slow)["TrainingJobStatus"] == "Stopping"
    assert slow in backend.wait_for_jobs(timeout_s=0, poll_s=0.05)  # not ended yet
    assert set(cluster.wait_until_ended(names).values()) == {"Stopped"}
    assert backend.wait_for_jobs(timeout_s=10, poll_s=0.05) == []
    st, _ = poll_until(backend, [0, 1, 2], lambda st, res: True)
    assert set(st.values()) == {Status.stopped}

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers need the main thread")
    backend.close()
    # a known starting point: pytest-xdist workers may ignore SIGINT, and a backend hands an
    # ignored signal on as ignored (no KeyboardInterrupt)
    original = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        before = signal.getsignal(signal.SIGINT)
        b2 = make_backend()
        for lr in (0.01, 0.02):
            b2.start_trial({"learning_rate": lr, "epochs": 200, "instance_type": "ml.c5.xlarge"})
        poll_until(b2, [0, 1], lambda st, res: {t for t, _ in res} == {0, 1})
        assert signal.getsignal(signal.SIGINT) == b2._safety.on_signal
        with pytest.raises(KeyboardInterrupt):  # Ctrl-C: jobs stopped, then the usual interrupt
            signal.raise_signal(signal.SIGINT)
        names = [n for t in range(2) for n in b2.job_names(t)]
        assert set(names) <= set(cluster.stop_calls)
        assert set(cluster.wait_until_ended(names).values()) == {"Stopped"}
        b2.close()
        assert signal.getsignal(signal.SIGINT) == before
    finally:
        signal.signal(signal.SIGINT, original)


def test_restarted_driver_reattaches_instead_of_duplicating(sm, make_backend):
    server, cluster, clients = sm
    a = make_backend()
    saved = json.loads(json.dumps(a.state_dict()))  # persisted before the job was created
    a.start_trial({"learning_rate": 0.01, "epochs": 3, "instance_type": "ml.m5.large"})
    creates = server.plan.requests.count("CreateTrainingJob")
    # "crash": a new driver with the same run id restores the saved state and starts again
    b = make_backend(run_id=a.run_id)
    b.load_state_dict(saved)
    assert [(j["trial_id"], j["attempt"]) for j in b.find_run_jobs()] == [(0, 0)]
    b.start_trial({"learning_rate": 0.01, "epochs": 3, "instance_type": "ml.m5.large"})
    assert server.plan.requests.count("CreateTrainingJob") == creates  # no duplicate job
    st, res = poll_until(b, [0], lambda st, res: st[0] == Status.completed)
    assert [r["epoch"] for _, r in res] == [1, 2, 3]
    # and the state it keeps is JSON: log tokens included
    state = json.loads(json.dumps(b.state_dict()))
    assert state["trials"]["0"]["attempts"][0]["cursor"]["tokens"]


def test_log_reader_pages_and_keeps_its_place_across_failures(sm):
    """12,000 lines (two CloudWatch pages); a give-up on the 2nd page returns the first page's
    events and the next call continues there: every line exactly once."""
    from syne_mohb.backends.sagemaker.logs import LOG_GROUP, LogCursor, list_streams, \
        read_new_events
    from syne_mohb.backends.sagemaker.retry import RetryingCaller, RetryPolicy

    server, cluster, clients = sm
    logs = cluster.clients["logs"]
    job = f"paging-{time.time_ns()}"
    stream = f"{job}/algo-1-1700000000"
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=f"{job}/algo-2-1700000000")
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=f"{job}0/algo-1-1700000000")
    now = int(time.time() * 1000)
    for chunk in range(2):
        logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=stream, logEvents=[
            {"timestamp": now + chunk, "message": f"line {chunk * 6000 + i}"} for i in range(6000)])
    cursor = LogCursor(job)
    call = RetryingCaller(RetryPolicy(max_attempts=1))  # no retries: the fault reaches the reader
    list_streams(clients["logs"], cursor, call)
    assert list(cursor.tokens) == [stream]  # algo-1 of this job only
    server.plan.add("GetLogEvents", code="ThrottlingException", skip=1)
    first, err = read_new_events(clients["logs"], cursor, call)
    assert err is not None and len(first) == 10000
    rest, err = read_new_events(clients["logs"], cursor, call)
    assert err is None and len(rest) == 2000
    again, err = read_new_events(clients["logs"], cursor, call)
    assert err is None and again == []
    assert [e.message for e in first + rest] == [f"line {i}" for i in range(12000)]


def test_managed_spot_job_is_costed_by_its_billable_seconds(sm, make_backend):
    server, cluster, clients = sm
    cluster.behaviour = lambda name, hp: {"spot_fraction": 0.3, "training_seconds": 100}
    backend = make_backend(use_spot_instances=True, max_run_seconds=600, max_wait_seconds=1200,
                           instance_type="ml.g5.xlarge", instance_count=2,
                           output_path=f"s3://{BUCKET}/models", tags={"team": "ml"},
                           subnets=["subnet-1"], security_group_ids=["sg-1"],
                           inputs={"train": f"s3://{BUCKET}/data/train"})
    backend.start_trial({"learning_rate": 0.01, "epochs": 3})
    st, res = poll_until(backend, [0], lambda st, res: st[0] == Status.completed)
    d = describe(clients, backend.job_names(0)[0])
    assert d["OutputDataConfig"]["S3OutputPath"] == f"s3://{BUCKET}/models"
    assert d["VpcConfig"] == {"Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}
    assert d["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == \
        f"s3://{BUCKET}/data/train"
    assert tags_of(clients, d["TrainingJobArn"])["team"] == "ml"
    assert d["EnableManagedSpotTraining"] is True
    assert d["StoppingCondition"] == {"MaxRuntimeInSeconds": 600, "MaxWaitTimeInSeconds": 1200}
    assert d["ResourceConfig"]["InstanceCount"] == 2
    assert (d["TrainingTimeInSeconds"], d["BillableTimeInSeconds"]) == (100, 30)
    price = PRICES.price_per_hour("ml.g5.xlarge")
    # the bill: billable seconds x price x 2 instances; no result ever above it
    bill = 30 * price / 3600 * 2
    assert math.isclose(backend.trial_record(0)["cost"], bill)
    assert math.isclose(backend.total_cost(), bill)
    assert [r["epoch"] for _, r in res] == [1, 2, 3]
    assert all(0 < r[ST_WORKER_COST] <= bill for _, r in res)


def test_a_capacity_error_cools_its_type_down_and_the_configuration_trains_elsewhere(
        sm, make_backend, monkeypatch, tmp_path):
    """No capacity for ml.c5.xlarge: the job fails while provisioning (the fake cluster's
    CapacityError); HardwareFeedback asks the backend and tells MO-ASHA's hardware policy, which
    trains the configuration again on ml.m5.large, places no new trial on ml.c5.xlarge while it
    cools down, and records nothing against the configuration."""
    from syne_mohb.hardware import HardwareFeedback, HardwarePolicy

    server, cluster, clients = sm
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    cluster.behaviour = lambda name, hp: {"capacity": "c5" in str(hp.get("instance_type"))}
    space = {"learning_rate": choice([0.005, 0.01, 0.05]), "epochs": 2,
             "instance_type": choice(["ml.m5.large", "ml.c5.xlarge"])}
    backend = make_backend()
    backend.validate_config_space(space)
    scheduler = MOASHA(space, metrics=["accuracy", ST_WORKER_COST], mode=["max", "min"],
                       time_attr="epoch", max_t=2, random_seed=0,
                       hardware=HardwarePolicy(random_seed=0, capacity_cooldown_s=3600),
                       points_to_evaluate=[{"learning_rate": 0.01,
                                            "instance_type": "ml.c5.xlarge"}])
    tuner = Tuner(trial_backend=backend, scheduler=scheduler,
                  stop_criterion=StoppingCriterion(max_num_trials_started=4), n_workers=1,
                  sleep_time=0.02, max_failures=3,
                  callbacks=[StoreResultsCallback(), HardwareFeedback()], tuner_name="sm-capacity",
                  wait_trial_completion_when_stopping=True, print_update_interval=3600,
                  save_tuner=False)
    tuner.run()

    assert backend.failure_kind(0) == "capacity"
    assert backend.trial_record(0)["jobs"][0]["capacity_error"]
    retry = scheduler.metadata()["scheduler_kwargs"]["restarts"][0]
    assert backend._trial_dict[retry].config == {"learning_rate": 0.01, "epochs": 2,
                                                 "instance_type": "ml.m5.large"}
    # it trained there and reported (MO-ASHA may stop it at its first rung)
    assert backend.trial_record(retry)["status"] in (Status.completed, Status.stopped)
    assert [m["epoch"] for m in backend._trial_dict[retry].metrics][:1] == [1]
    assert backend.failure_kind(retry) is None
    # every later trial kept off the type while it cools down; no trial failed but the first
    later = [tid for tid in backend._trial_dict if tid > 0]
    assert len(later) >= 3
    assert all(backend._trial_dict[t].config["instance_type"] == "ml.m5.large" for t in later)
    assert tuner.tuning_status.num_trials_failed == 1
    policy = scheduler.hardware
    assert policy.metadata()["capacity_failures"] == {"ml.c5.xlarge": 1}
    assert policy.feasibility.num_failures == 0
    assert backend.wait_for_jobs(timeout_s=20, poll_s=0.05) == []
