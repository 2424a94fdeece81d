"""pytest fixtures of the SageMaker backend tests: a moto server on 127.0.0.1 (session-scoped),
the fake cluster playing the platform (its containers run the real SageMaker training toolkit),
dummy credentials, and a backend factory whose jobs run tests/sagemaker_code/sim_train.py.

The fixtures are registered once for the whole session in ``tests/conftest.py`` (tests/ is on
sys.path under pytest).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from syne_mohb.backends.sagemaker.retry import RetryPolicy
from syne_mohb.backends.sagemaker import SageMakerBackend
from moto_cluster import LOG_GROUP, FakeCluster, FaultInjectingMotoServer, FaultPlan, make_clients

__all__ = ["aws_credentials", "moto_server", "cluster", "test_clients", "sm", "make_backend",
           "DUMMY_SECRET", "DUMMY_KEY_ID", "BUCKET", "ROLE", "IMAGE", "TRAIN_SCRIPT", "SIM_SCRIPT"]

DUMMY_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
DUMMY_SECRET = "dummy-secret-KEY-never-in-logs-7f3a9c"
BUCKET = "syne-mohb-test"
ROLE = "arn:aws:iam::123456789012:role/SageMakerTuning"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-cpu-py311"
TRAIN_SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "sagemaker_train.py"
# the light script of most tests (learning curve in closed form, checkpoint, algorithm errors)
SIM_SCRIPT = Path(__file__).resolve().parent / "sagemaker_code" / "sim_train.py"


@pytest.fixture(scope="session")
def aws_credentials():
    """Dummy credentials and region in the environment (and no shared config files)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("AWS_ACCESS_KEY_ID", DUMMY_KEY_ID)
    mp.setenv("AWS_SECRET_ACCESS_KEY", DUMMY_SECRET)
    mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
    mp.setenv("AWS_CONFIG_FILE", "/dev/null")
    mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    for var in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        mp.delenv(var, raising=False)
    yield
    mp.undo()


@pytest.fixture(scope="session")
def moto_server(aws_credentials):
    """A fault-injecting ``ThreadedMotoServer`` on 127.0.0.1 (free port)."""
    plan = FaultPlan()
    server = FaultInjectingMotoServer(plan)
    server.start()
    # werkzeug logs every request at INFO: keep the test output readable
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cluster(moto_server):
    fake = FakeCluster(moto_server.url)
    fake.install()
    fake.clients["s3"].create_bucket(Bucket=BUCKET)
    yield fake
    fake.uninstall()


@pytest.fixture(scope="session")
def test_clients(moto_server):
    """Clients of the code under test (botocore retries off; created once: models load slowly)."""
    return make_clients(moto_server.url)


@pytest.fixture()
def sm(cluster, moto_server, test_clients):
    """Per test: no faults, default cluster behaviour, no warm pool left from an earlier test;
    yields (server, cluster, clients)."""
    moto_server.plan.clear()
    cluster.behaviour = lambda name, hp: {}
    cluster.epoch_seconds = {"*": 0.05}
    cluster.startup_seconds, cluster.warm_startup_seconds = 0.05, 0.01
    cluster.warm_pool_quota = {"*": 64}
    yield moto_server, cluster, test_clients
    moto_server.plan.clear()
    for t in list(cluster.threads):
        t.join(30)
    cluster.threads.clear()
    cluster.release_warm_pools()


@pytest.fixture()
def make_backend(sm):
    """Factory of backends talking to the moto server; closes them after the test."""
    server, _, clients = sm
    made = []

    def _make(**kwargs) -> SageMakerBackend:
        args = dict(
            entry_point=str(SIM_SCRIPT),
            image_uri=IMAGE,
            role_arn=ROLE,
            s3_root=f"s3://{BUCKET}/tuning",
            sagemaker_client=clients["sagemaker"],
            logs_client=clients["logs"],
            s3_client=clients["s3"],
            retry_policy=RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=0.1),
            random_seed=0,
            max_poll_threads=4,
        )
        args.update(kwargs)
        backend = SageMakerBackend(**args)
        made.append(backend)
        return backend

    yield _make
    for b in made:
        b.stop_all_jobs()
        b.close()


def poll_until(backend, trial_ids, done, timeout=30.0):
    """fetch_status_results until ``done(statuses, all_results)`` or ``timeout`` seconds;
    returns (statuses, results)."""
    results: list[tuple[int, dict]] = []
    deadline = time.time() + timeout
    while True:
        statuses, new = backend.fetch_status_results(trial_ids)
        results += new
        st = {tid: s for tid, (_, s) in statuses.items()}
        if done(st, results) or time.time() > deadline:
            return st, results
        time.sleep(0.03)


def resumed_from(clients, job: str) -> int:
    """The checkpoint epoch a job of ``sim_train.py`` says it resumed from, read from its logs."""
    logs = clients["logs"]
    streams = [s["logStreamName"] for s in logs.describe_log_streams(
        logGroupName=LOG_GROUP, logStreamNamePrefix=job + "/")["logStreams"]
        if s["logStreamName"].startswith(job + "/")]
    messages = [e["message"] for name in streams for e in logs.get_log_events(
        logGroupName=LOG_GROUP, logStreamName=name, startFromHead=True)["events"]]
    found = [int(m.rsplit(" ", 1)[1]) for m in messages
             if m.startswith("resuming from checkpoint epoch ")]
    assert len(found) == 1, (job, streams, found)
    return found[0]
