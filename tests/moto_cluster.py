"""A moto server on 127.0.0.1 with fault injection, and a fake SageMaker "cluster" that plays the
training containers' part for the SageMaker backend tests.

moto 5.2 creates training jobs already ``Completed``, never changes their state and has no
``StopTrainingJob`` (HTTP 500). :class:`FakeCluster` patches moto's in-process objects (the
threaded server shares the test's process): a created job starts ``InProgress``; a thread per job
then either *simulates* training (writes ``[tune-metric]`` lines to CloudWatch Logs and
checkpoints to S3 through the HTTP endpoint) or *runs the real entry point* unpacked from the
job's ``sagemaker_submit_directory`` tarball, with the hyperparameters as ``--key value``
arguments (a list, no shell), its stdout shipped to CloudWatch and its checkpoint folder synced
with the job's ``CheckpointConfig`` S3 prefix, as SageMaker's training toolkit does. Jobs end
``Completed`` / ``Failed`` (with ``FailureReason``) / ``Stopped`` with ``TrainingTimeInSeconds``
and ``BillableTimeInSeconds``.

:class:`FaultPlan` injects faults at the HTTP layer (throttling errors, 5xx, connection resets,
capacity errors) into requests of the code under test; the cluster's own requests carry the
user-agent marker ``fake-cluster`` and are never faulted.
"""

from __future__ import annotations

import io
import json
import math
import os
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import boto3
from botocore.config import Config
from moto.core.responses import EmptyResult
from moto.core.utils import utcnow
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from werkzeug.serving import make_server

REGION = "us-east-1"
LOG_GROUP = "/aws/sagemaker/TrainingJobs"
CLUSTER_AGENT = "fake-cluster"
CAPACITY_REASON = ("CapacityError: Unable to provision requested ML compute capacity. "
                   "Please retry using a different ML instance type.")


def make_clients(endpoint_url: str, agent: str | None = None) -> dict[str, Any]:
    """sagemaker / logs / s3 clients against ``endpoint_url`` with botocore retries OFF, so that
    every injected fault reaches the caller's own retry logic. Credentials come from the env."""
    session = boto3.Session(region_name=REGION)
    cfg = Config(
        retries={"total_max_attempts": 1},
        user_agent_extra=agent,
        s3={"addressing_style": "path"},
        connect_timeout=5,
        read_timeout=15,
    )
    return {svc: session.client(svc, endpoint_url=endpoint_url, config=cfg)
            for svc in ("sagemaker", "logs", "s3")}


# ---------------------------------------------------------------------------------------------
# fault injection at the HTTP layer
@dataclass
class FaultRule:
    operation: str  # e.g. "DescribeTrainingJob" (from the X-Amz-Target header)
    kind: str  # "error" (JSON error response) | "reset" (connection closed, no response)
    times: int = 1
    skip: int = 0  # let this many matching requests through first
    code: str = "ThrottlingException"
    message: str = "Rate exceeded"
    status: int = 400
    body_contains: str | None = None
    seen: int = 0
    fired: int = 0


class FaultPlan:
    """Thread-safe list of :class:`FaultRule`; the first matching rule with shots left fires."""

    def __init__(self):
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self.requests: list[str] = []  # operations seen from the code under test

    def add(self, operation: str, kind: str = "error", **kw) -> FaultRule:
        rule = FaultRule(operation=operation, kind=kind, **kw)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self):
        with self._lock:
            self._rules.clear()
            self.requests.clear()

    def match(self, operation: str, body: bytes) -> FaultRule | None:
        with self._lock:
            self.requests.append(operation)
            for r in self._rules:
                if r.operation != operation or r.fired >= r.times:
                    continue
                if r.body_contains is not None and r.body_contains.encode() not in body:
                    continue
                r.seen += 1
                if r.seen <= r.skip:
                    continue
                r.fired += 1
                return r
        return None


class _FaultInjectingApp:
    def __init__(self, app, plan: FaultPlan):
        self.app = app
        self.plan = plan

    def __call__(self, environ, start_response):
        if CLUSTER_AGENT in environ.get("HTTP_USER_AGENT", ""):
            return self.app(environ, start_response)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        rule = self.plan.match(target.split(".")[-1], body)
        if rule is None:
            return self.app(environ, start_response)
        if rule.kind == "reset":
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            raise ConnectionResetError("fault injection: connection reset")
        payload = json.dumps({"__type": rule.code, "message": rule.message}).encode()
        start_response(f"{rule.status} Injected", [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", rule.code),
            ("Content-Length", str(len(payload))),
        ])
        return [payload]


class FaultInjectingMotoServer(ThreadedMotoServer):
    """``ThreadedMotoServer`` whose WSGI app is wrapped by the fault injector."""

    def __init__(self, plan: FaultPlan):
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self.plan = plan

    def _server_entry(self) -> None:
        app = _FaultInjectingApp(DomainDispatcherApplication(create_backend_app), self.plan)
        self._server = make_server(self._ip_address, self._port, app, True,
                                   request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()

    @property
    def url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"


# ---------------------------------------------------------------------------------------------
# the fake cluster
def simulated_accuracy(hp: dict[str, Any], epoch: int) -> float:
    """Deterministic learning curve: best near lr=0.01, saturating in the epoch."""
    lr = float(hp.get("learning_rate", 0.01))
    quality = math.exp(-abs(math.log10(lr) + 2.0))
    return round(0.5 + 0.45 * quality * (1.0 - math.exp(-0.7 * epoch)), 6)


def _decode(hps: dict[str, str]) -> dict[str, Any]:
    out = {}
    for k, v in (hps or {}).items():
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    return out


def _split_s3(uri: str) -> tuple[str, str]:
    rest = uri[len("s3://"):]
    bucket, _, key = rest.partition("/")
    return bucket, key


class FakeCluster:
    """Plays SageMaker's container side for every training job created on the moto server.

    :param mode: ``"simulate"`` (a thread writes metric lines) or ``"subprocess"`` (run the
        uploaded entry point for real)
    :param epoch_seconds: simulated seconds per epoch by instance type (``"*"``: default)
    :param behaviour: ``(job_name, hyperparameters) -> dict`` with optional keys
        ``capacity`` (fail at start with a capacity error), ``fail_at_epoch`` (algorithm error),
        ``spot_fraction`` (billable / training seconds), ``training_seconds`` (reported
        ``TrainingTimeInSeconds`` instead of the measured one)
    """

    def __init__(self, endpoint_url: str, epoch_seconds: dict[str, float] | None = None,
                 startup_seconds: float = 0.05):
        self.endpoint_url = endpoint_url
        self.clients = make_clients(endpoint_url, agent=CLUSTER_AGENT)
        self.epoch_seconds = dict(epoch_seconds or {"*": 0.05})
        self.startup_seconds = startup_seconds
        self.mode = "simulate"
        self.behaviour: Callable[[str, dict], dict] = lambda name, hp: {}
        self.lines_written: dict[str, list[dict]] = {}
        self.jobs: dict[str, Any] = {}  # name -> moto FakeTrainingJob
        self.stop_calls: list[str] = []
        self.threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._saved: dict[str, Any] = {}

    # -- moto patches -----------------------------------------------------------------------
    def install(self):
        cluster = self
        orig_create = SageMakerModelBackend.create_training_job

        def create_training_job(backend_self, *args, **kwargs):
            job = orig_create(backend_self, *args, **kwargs)
            cluster._on_create(job)
            return job

        def stop_training_job(response_self):
            name = response_self._get_param("TrainingJobName")
            job = response_self.sagemaker_backend.training_jobs.get(name)
            if job is None:
                raise ValidationError(message=f"Could not find training job '{name}'.")
            if job.training_job_status != "InProgress":
                raise ValidationError(
                    message=f"The job status is {job.training_job_status}; "
                            f"only InProgress jobs can be stopped.")
            job.training_job_status = "Stopping"
            job.secondary_status = "Stopping"
            with cluster._lock:
                cluster.stop_calls.append(name)
            return EmptyResult()

        self._saved = {"create": orig_create,
                       "stop": SageMakerResponse.__dict__.get("stop_training_job")}
        SageMakerModelBackend.create_training_job = create_training_job
        SageMakerResponse.stop_training_job = stop_training_job
        s3 = self.clients["s3"]
        try:
            self.clients["logs"].create_log_group(logGroupName=LOG_GROUP)
        except self.clients["logs"].exceptions.ResourceAlreadyExistsException:
            pass
        return s3

    def uninstall(self, timeout: float = 10.0):
        for t in list(self.threads):
            t.join(timeout)
        SageMakerModelBackend.create_training_job = self._saved["create"]
        if self._saved.get("stop") is None:
            del SageMakerResponse.stop_training_job
        else:  # pragma: no cover
            SageMakerResponse.stop_training_job = self._saved["stop"]

    def _on_create(self, job):
        # the real service: a new job is InProgress/Starting, no training times yet
        job.training_job_status = "InProgress"
        job.secondary_status = "Starting"
        job.training_start_time = None
        job.training_end_time = None
        with self._lock:
            self.jobs[job.training_job_name] = job
            self.lines_written.setdefault(job.training_job_name, [])
        t = threading.Thread(target=self._run_job, args=(job,), daemon=True,
                             name=f"fake-job-{job.training_job_name}")
        self.threads.append(t)
        t.start()

    # -- the container ----------------------------------------------------------------------
    def _log(self, stream: str, messages: list[str]):
        now = int(time.time() * 1000)
        self.clients["logs"].put_log_events(
            logGroupName=LOG_GROUP, logStreamName=stream,
            logEvents=[{"timestamp": now, "message": m} for m in messages])

    def _finish(self, job, status: str, reason: str | None, started: float | None,
                spot_fraction: float, training_seconds: int | None = None):
        end = time.time()
        if started is not None:
            train = training_seconds or max(1, math.ceil(end - started))
            job.training_time_in_seconds = train
            job.billable_time_in_seconds = max(1, math.ceil(train * spot_fraction))
            job.training_end_time = utcnow()
        if reason:
            job.failure_reason = reason
        job.secondary_status = {"Completed": "Completed", "Failed": "Failed",
                                "Stopped": "Stopped"}[status]
        job.last_modified_time = utcnow()
        job.training_job_status = status

    def wait_until_ended(self, names: list[str], timeout: float = 20.0) -> dict[str, str]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            states = {n: self.jobs[n].training_job_status for n in names}
            if all(s in ("Completed", "Failed", "Stopped") for s in states.values()):
                return states
            time.sleep(0.05)
        return {n: self.jobs[n].training_job_status for n in names}

    def _run_job(self, job):
        name = job.training_job_name
        hp = _decode(job.hyper_parameters)
        beh = self.behaviour(name, hp) or {}
        spot = float(beh.get("spot_fraction", 1.0))
        itype = job.resource_config["InstanceType"]
        try:
            time.sleep(self.startup_seconds)
            if job.training_job_status == "Stopping":
                return self._finish(job, "Stopped", None, None, spot)
            if beh.get("capacity"):
                return self._finish(job, "Failed", CAPACITY_REASON, None, spot)
            started = time.time()
            job.training_start_time = utcnow()
            job.secondary_status = "Training"
            stream = f"{name}/algo-1-{int(started)}"
            self.clients["logs"].create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
            if self.mode == "subprocess":
                status, reason = self._run_subprocess(job, hp, stream)
            else:
                status, reason = self._simulate(job, hp, stream, beh, itype)
            self._finish(job, status, reason, started, spot, beh.get("training_seconds"))
        except Exception as e:  # pragma: no cover -- a broken fake must not hang the tests
            self._finish(job, "Failed", f"ClientError: fake cluster crashed: {e!r}", None, spot)
            raise

    def _read_checkpoint(self, ckpt_uri: str) -> int:
        bucket, prefix = _split_s3(ckpt_uri)
        try:
            obj = self.clients["s3"].get_object(Bucket=bucket, Key=prefix + "checkpoint.json")
        except self.clients["s3"].exceptions.NoSuchKey:
            return 0
        return int(json.loads(obj["Body"].read())["epoch"])

    def _simulate(self, job, hp, stream, beh, itype) -> tuple[str, str | None]:
        name = job.training_job_name
        ckpt_uri = job.checkpoint_config["S3Uri"]
        bucket, prefix = _split_s3(ckpt_uri)
        start_epoch = self._read_checkpoint(ckpt_uri)
        self._log(stream, [f"Invoking user script: epochs={hp.get('epochs')}",
                           f"resuming from checkpoint epoch {start_epoch}"])
        t0 = time.perf_counter()
        per_epoch = self.epoch_seconds.get(itype, self.epoch_seconds.get("*", 0.05))
        for it, epoch in enumerate(range(start_epoch + 1, int(hp["epochs"]) + 1)):
            time.sleep(per_epoch)
            if job.training_job_status == "Stopping":
                return "Stopped", None
            if beh.get("fail_at_epoch") == epoch:
                self._log(stream, ["Traceback (most recent call last):",
                                   "RuntimeError: CUDA error: an illegal memory access"])
                return "Failed", ("AlgorithmError: ExecuteUserScriptError: "
                                  "RuntimeError: CUDA error: an illegal memory access")
            metrics = {
                "epoch": epoch,
                "accuracy": simulated_accuracy(hp, epoch),
                "st_worker_timestamp": time.time(),
                "st_worker_time": time.perf_counter() - t0,
                "st_worker_iter": it,
            }
            self._log(stream, [f"[tune-metric]: {json.dumps(metrics)}"])
            with self._lock:
                self.lines_written[name].append(metrics)
            self.clients["s3"].put_object(Bucket=bucket, Key=prefix + "checkpoint.json",
                                          Body=json.dumps({"epoch": epoch}).encode())
        return "Completed", None

    # -- subprocess mode: unpack the code, run the real script -------------------------------
    def _run_subprocess(self, job, hp, stream) -> tuple[str, str | None]:
        name = job.training_job_name
        s3 = self.clients["s3"]
        with tempfile.TemporaryDirectory(prefix="fake-sm-") as tmp:
            code_dir, ckpt_dir = Path(tmp, "code"), Path(tmp, "checkpoints")
            code_dir.mkdir()
            ckpt_dir.mkdir()
            bucket, key = _split_s3(hp["sagemaker_submit_directory"])
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
                tar.extractall(code_dir, filter="data")
            cbucket, cprefix = _split_s3(job.checkpoint_config["S3Uri"])
            for obj in s3.list_objects_v2(Bucket=cbucket, Prefix=cprefix).get("Contents", []):
                target = ckpt_dir / obj["Key"][len(cprefix):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(s3.get_object(Bucket=cbucket, Key=obj["Key"])["Body"].read())
            program = code_dir / hp["sagemaker_program"]
            if not program.is_file():
                return "Failed", f"AlgorithmError: can't open file {hp['sagemaker_program']!r}"
            args = [sys.executable, str(program)]
            for k, v in hp.items():
                if k.startswith("sagemaker_"):
                    continue
                if k == "st_checkpoint_dir":
                    v = str(ckpt_dir)  # the container's /opt/ml/checkpoints
                args += [f"--{k}", v if isinstance(v, str) else json.dumps(v)]
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update({"PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"})
            proc = subprocess.Popen(args, cwd=code_dir, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, env=env)
            stopper = threading.Thread(target=self._watch_stop, args=(job, proc), daemon=True)
            stopper.start()
            tail = []
            for line in proc.stdout:
                line = line.rstrip("\n")
                tail = (tail + [line])[-5:]
                self._log(stream, [line])
                if line.startswith("[tune-metric]: "):
                    with self._lock:
                        self.lines_written[name].append(json.loads(line[len("[tune-metric]: "):]))
                    self._sync_checkpoints(ckpt_dir, cbucket, cprefix)
            code = proc.wait()
            self._sync_checkpoints(ckpt_dir, cbucket, cprefix)
            if job.training_job_status == "Stopping":
                return "Stopped", None
            if code != 0:
                return "Failed", f"AlgorithmError: exit code {code}: {' | '.join(tail)}"
            return "Completed", None

    def _sync_checkpoints(self, ckpt_dir: Path, bucket: str, prefix: str):
        for f in sorted(ckpt_dir.rglob("*")):
            if f.is_file():
                self.clients["s3"].put_object(
                    Bucket=bucket, Key=prefix + str(f.relative_to(ckpt_dir)), Body=f.read_bytes())

    @staticmethod
    def _watch_stop(job, proc):
        while proc.poll() is None:
            if job.training_job_status == "Stopping":
                proc.terminate()  # SageMaker sends SIGTERM to the container on stop
                return
            time.sleep(0.02)
