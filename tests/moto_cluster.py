"""A moto server on 127.0.0.1 with fault injection, and a fake SageMaker "cluster" that plays the
platform's part for the SageMaker backend tests, with the real SageMaker training toolkit
(``sagemaker-training`` from PyPI) running every job's container.

moto 5.2 creates training jobs already ``Completed``, never changes their state, has no
``StopTrainingJob`` / ``UpdateTrainingJob`` and drops a job's ``Environment``.
:class:`FakeCluster` patches moto's in-process objects (the threaded server shares the test's
process): a created job starts ``InProgress``; a thread per job provisions it (``Starting``,
shorter on a reused warm pool), lays out the container's filesystem under a temporary base
directory (``input/config/hyperparameters.json``, ``resourceconfig.json``,
``inputdataconfig.json``, input channels, the trial's checkpoint prefix), and runs the
toolkit's entry point (``python -m sagemaker_training.cli.train``) with ``SAGEMAKER_BASE_DIR``
pointing at that directory and ``S3_ENDPOINT_URL`` at the moto server. The toolkit itself
downloads ``sagemaker_submit_directory``, installs a ``requirements.txt``, derives the
arguments of ``sagemaker_program`` and runs it, and writes ``output/failure`` on errors.

What stays an imitation, because it is the *platform's* job (not the toolkit's) or cannot be
had on this machine: provisioning (a sleep), CloudWatch log shipping (the container's stdout,
read by the cluster), the checkpoint sync (after every metric line and at the end, instead of
a file watcher), stop (SIGTERM to the container's processes, SIGKILL after a grace period),
billing (``TrainingTimeInSeconds`` / ``BillableTimeInSeconds`` from wall time), warm pools
(the SageMaker developer guide's matching rules, quota and keep-alive expiry), and four
environment variables that point the container at this machine: ``SAGEMAKER_BASE_DIR`` (the
container's ``/opt/ml``; job paths under ``/opt/ml`` are rewritten to it),
``S3_ENDPOINT_URL``, ``SM_STUDIO_LOCAL_MODE=true`` (skips the toolkit's wait for the ``algo-N``
host names to resolve: there is no container network here) and ``PIP_TARGET`` / ``PYTHONPATH``
(the container's own site folder, so that a ``requirements.txt`` never changes the test
environment; ``PIP_NO_INDEX`` keeps pip off the network).

Each container's first process is forked from one interpreter per session that has imported
the toolkit's third-party dependencies (boto3, paramiko, ...), like a warm image, and then runs
``sagemaker_training.cli.train`` as ``python -m`` would (the toolkit is imported fresh in every
container: it reads ``SAGEMAKER_BASE_DIR`` at import). ``FAKE_SM_FORK_SERVER=0`` starts a fresh
interpreter per container instead. Per-container overhead::

    .venv/bin/python tests/moto_cluster.py --measure 6

:class:`FaultPlan` injects faults at the HTTP layer (throttling errors, 5xx, connection resets,
capacity errors) into requests of the code under test; the cluster's own requests (and those of
the containers) carry the user-agent marker ``fake-cluster`` and are never faulted.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import io
import json
import math
import os
import signal
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
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.responses import SageMakerResponse
from werkzeug.serving import make_server

REGION = "us-east-1"
LOG_GROUP = "/aws/sagemaker/TrainingJobs"
CLUSTER_AGENT = "fake-cluster"
CONTAINER_ROOT = "/opt/ml"
TOOLKIT_MODULE = "sagemaker_training.cli.train"
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
def _split_s3(uri: str) -> tuple[str, str]:
    rest = uri[len("s3://"):]
    bucket, _, key = rest.partition("/")
    return bucket, key


def _decode(hps: dict[str, str] | None) -> dict[str, Any]:
    out = {}
    for k, v in (hps or {}).items():
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    return out


def container_path(path: str, base: Path) -> str:
    """The container's ``/opt/ml/...`` is ``base/...`` on this machine (the one path rewrite of
    the fake: a real container has ``/opt/ml`` mounted; here the toolkit is pointed at ``base``
    with ``SAGEMAKER_BASE_DIR``, and paths the job names under ``/opt/ml`` follow it)."""
    if path == CONTAINER_ROOT or path.startswith(CONTAINER_ROOT + "/"):
        return str(base / path[len(CONTAINER_ROOT):].lstrip("/"))
    return path


def toolkit_version() -> str:
    return importlib.metadata.version("sagemaker-training")


# ---------------------------------------------------------------------------------------------
# container processes: forked from a pre-started interpreter (a warm image)
_ZYGOTE = r"""
import json, os, runpy, signal, socket, sys
# the toolkit's third-party dependencies; the toolkit itself is imported fresh in each
# container (its environment module reads SAGEMAKER_BASE_DIR at import)
for name in ("boto3", "boto3.session", "boto3.resources.factory", "boto3.s3.transfer",
             "botocore.session", "s3transfer.manager", "paramiko", "invoke", "psutil",
             "retrying", "six", "inotify_simple", "yaml", "dateutil", "asyncio",
             "asyncio.subprocess", "multiprocessing", "concurrent.futures"):
    try:
        __import__(name)
    except ImportError:
        pass
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # containers are reaped automatically
sock = socket.socket(fileno=int(sys.argv[1]))
sys.stdout.flush()
while True:
    try:
        msg, fds, _, _ = socket.recv_fds(sock, 1 << 20, 2)
    except OSError:
        break
    if not msg:
        break
    req = json.loads(msg)
    pid = os.fork()
    if pid == 0:  # the container's first process
        code = 1
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            sock.close()
            os.setsid()
            out, status = fds
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(out, 1)
            os.dup2(out, 2)
            os.close(out)
            os.chdir(req["cwd"])
            os.environ.clear()
            os.environ.update(req["env"])
            extra = [p for p in req["env"].get("PYTHONPATH", "").split(os.pathsep) if p]
            sys.path[1:1] = extra
            sys.argv = ["train"]
            code = 0
            try:
                runpy.run_module(req["module"], run_name="__main__", alter_sys=True)
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            except BaseException:
                import traceback
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
            os.write(status, str(code).encode())
        finally:
            os._exit(code)
    for fd in fds:
        os.close(fd)
    sock.sendall(f"{pid}\n".encode())
"""


class ContainerProcess:
    """A container's first process forked by :class:`ContainerForkServer`: ``pid``,
    ``stdout`` (its output), ``poll()`` / ``wait()`` like ``subprocess.Popen``. One thread
    waits for the status the process writes on exit (none: it was killed)."""

    def __init__(self, pid: int, stdout_fd: int, status_fd: int):
        self.pid = pid
        self.stdout = os.fdopen(stdout_fd, "rb", buffering=0)
        self.returncode: int | None = None
        self._done = threading.Event()
        threading.Thread(target=self._wait_status, args=(status_fd,), daemon=True,
                         name=f"container-{pid}").start()

    def _wait_status(self, fd: int):
        with os.fdopen(fd, "rb", buffering=0) as f:
            data = f.read()
        # no status written: the process was killed (SIGTERM / SIGKILL on stop)
        self.returncode = int(data) if data.strip() else -signal.SIGKILL
        self._done.set()

    def poll(self) -> int | None:
        return self.returncode if self._done.is_set() else None

    def wait(self, timeout: float | None = None) -> int:
        if not self._done.wait(timeout):
            raise subprocess.TimeoutExpired("container", timeout)
        return self.returncode


class ContainerForkServer:
    """One interpreter started per session that has imported the toolkit's third-party
    dependencies (boto3, paramiko, ...: most of the toolkit's start-up on this machine) and
    forks a fresh process per container, which then runs the toolkit's entry point module
    exactly as ``python -m`` would. Like a warm container image: the per-job overhead is the
    toolkit's own work, not re-importing boto3."""

    def __init__(self, env: dict[str, str]):
        self._lock = threading.Lock()
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock = parent
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _ZYGOTE, str(child.fileno())], pass_fds=[child.fileno()],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        child.close()
        self._reader = parent.makefile("rb")

    def spawn(self, module: str, cwd: str, env: dict[str, str]) -> ContainerProcess:
        out_r, out_w = os.pipe()
        st_r, st_w = os.pipe()
        payload = json.dumps({"module": module, "cwd": cwd, "env": env}).encode()
        try:
            with self._lock:
                socket.send_fds(self._sock, [payload], [out_w, st_w])
                line = self._reader.readline()
        finally:
            os.close(out_w)
            os.close(st_w)
        if not line:
            os.close(out_r)
            os.close(st_r)
            raise RuntimeError("the container fork server died")
        return ContainerProcess(int(line), out_r, st_r)

    def close(self):
        try:
            self._reader.close()
            self._sock.shutdown(socket.SHUT_RDWR)  # EOF for the server: it exits
            self._sock.close()
        finally:
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self._proc.kill()


@dataclass
class WarmPool:
    """Instances retained after a job with ``KeepAlivePeriodInSeconds`` > 0 (one per job chain).

    ``job`` is the job whose ``WarmPoolStatus`` currently describes the pool; ``key`` the
    values a later job must match to reuse it (the matching rules of the SageMaker developer
    guide, "Matching training jobs").
    """

    key: tuple
    instance_type: str
    instance_count: int
    job: Any
    keep_alive: int
    available_since: float | None = None  # None while a job runs on it


class FakeCluster:
    """Plays SageMaker's platform side for every training job created on the moto server, and
    runs each job's container with the real SageMaker training toolkit.

    Per job: ``Starting`` (provisioning: ``startup_seconds``, or ``warm_startup_seconds`` on a
    reused warm pool), ``Downloading`` (``TrainingStartTime``: billing starts; the container's
    filesystem is laid out under a temporary base dir: ``input/config/*.json``, input channels,
    the checkpoint prefix), ``Training`` (one toolkit process per instance, its stdout shipped
    to CloudWatch Logs, the checkpoint folder synced to S3 after every metric line and at the
    end), ``Uploading`` (``model/`` as ``model.tar.gz``), then ``Completed`` / ``Failed``
    (``FailureReason`` from the toolkit's ``output/failure`` file) / ``Stopped``.

    :param epoch_seconds: seconds per epoch by instance type (``"*"``: default), handed to the
        container as ``SIM_EPOCH_SECONDS`` (read by tests/sagemaker_code/sim_train.py)
    :param startup_seconds: provisioning time of a cold job
    :param warm_startup_seconds: provisioning time of a job that reuses a warm pool
    :param stop_grace_seconds: SIGTERM to the container's processes on ``StopTrainingJob``,
        SIGKILL after this many seconds
    :param warm_pool_quota: warm-pool instances allowed per instance type (``"*"``: default);
        the real default quota is 0 (raise it in Service Quotas)

    ``behaviour``: ``(job_name, hyperparameters) -> dict`` with optional keys ``capacity``
    (fail while provisioning with a capacity error), ``fail_at_epoch`` (the script raises at
    that epoch: an algorithm error), ``spot_fraction`` (billable / training seconds),
    ``training_seconds`` (reported ``TrainingTimeInSeconds`` instead of the measured one),
    ``stop_delay`` (seconds a stopped job stays ``Stopping`` after its container ended),
    ``env`` (extra container environment variables), ``scripted`` (no container runs: the
    test moves the job with :meth:`script` and ships its log lines with :meth:`script_log`,
    as tests/test_sagemaker_poller.py does, one polling round at a time).
    """

    def __init__(self, endpoint_url: str, epoch_seconds: dict[str, float] | None = None,
                 startup_seconds: float = 0.05, warm_startup_seconds: float = 0.01,
                 stop_grace_seconds: float = 2.0,
                 warm_pool_quota: dict[str, int] | None = None):
        self.endpoint_url = endpoint_url
        self.clients = make_clients(endpoint_url, agent=CLUSTER_AGENT)
        self.epoch_seconds = dict(epoch_seconds or {"*": 0.05})
        self.startup_seconds = startup_seconds
        self.warm_startup_seconds = warm_startup_seconds
        self.stop_grace_seconds = stop_grace_seconds
        self.warm_pool_quota = dict(warm_pool_quota or {"*": 64})
        self.behaviour: Callable[[str, dict], dict] = lambda name, hp: {}
        self.lines_written: dict[str, list[dict]] = {}
        self.jobs: dict[str, Any] = {}  # name -> moto FakeTrainingJob
        self.stop_calls: list[str] = []
        self.threads: list[threading.Thread] = []
        self.provisioning: dict[str, str] = {}  # job name -> "cold" | "warm"
        self.container_seconds: dict[str, list[float]] = {}  # job -> wall s per toolkit run
        self.pools: list[WarmPool] = []
        self._lock = threading.RLock()
        self._saved: dict[str, Any] = {}
        self._ticker_stop = threading.Event()
        self._ticker: threading.Thread | None = None
        # containers forked from a warm interpreter (FAKE_SM_FORK_SERVER=0: one fresh
        # `python -m sagemaker_training.cli.train` per container instead)
        self.use_fork_server = os.environ.get("FAKE_SM_FORK_SERVER", "1") != "0" \
            and hasattr(socket, "send_fds") and hasattr(os, "fork")
        self.fork_server: ContainerForkServer | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="fake-sm-cluster-")
        self._aws_config = Path(self._tmp.name, "aws-config")
        # the containers' boto3 (the toolkit's S3 download) talks to the moto server path-style
        self._aws_config.write_text("[default]\nregion = us-east-1\ns3 =\n"
                                    "    addressing_style = path\n")

    # -- moto patches -----------------------------------------------------------------------
    def install(self):
        cluster = self
        orig_create = SageMakerResponse.create_training_job

        def create_training_job(response_self):
            result = orig_create(response_self)
            name = response_self._get_param("TrainingJobName")
            job = response_self.sagemaker_backend.training_jobs[name]
            # moto drops the container environment; the real service keeps and returns it
            job.environment = response_self._get_param("Environment") or None
            cluster._on_create(job)
            return result

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

        def update_training_job(response_self):
            name = response_self._get_param("TrainingJobName")
            job = response_self.sagemaker_backend.training_jobs.get(name)
            if job is None:
                raise ValidationError(message=f"Could not find training job '{name}'.")
            keep = (response_self._get_param("ResourceConfig") or {}).get(
                "KeepAlivePeriodInSeconds")
            if keep is None:
                raise ValidationError(message="Only ResourceConfig.KeepAlivePeriodInSeconds "
                                              "can be updated here.")
            cluster._update_keep_alive(job, int(keep))
            return ActionResult({"TrainingJobArn": job.arn})

        self._saved = {name: SageMakerResponse.__dict__.get(name) for name in
                       ("create_training_job", "stop_training_job", "update_training_job")}
        SageMakerResponse.create_training_job = create_training_job
        SageMakerResponse.stop_training_job = stop_training_job
        SageMakerResponse.update_training_job = update_training_job
        try:
            self.clients["logs"].create_log_group(logGroupName=LOG_GROUP)
        except self.clients["logs"].exceptions.ResourceAlreadyExistsException:
            pass
        self._ticker = threading.Thread(target=self._tick_warm_pools, daemon=True,
                                        name="fake-warm-pools")
        self._ticker.start()
        if self.use_fork_server:
            image_env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
            image_env.update(PYTHONUNBUFFERED="TRUE", PYTHONDONTWRITEBYTECODE="TRUE")
            self.fork_server = ContainerForkServer(image_env)
        return self.clients["s3"]

    def uninstall(self, timeout: float = 10.0):
        for t in list(self.threads):
            t.join(timeout)
        self._ticker_stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout)
        if self.fork_server is not None:
            self.fork_server.close()
            self.fork_server = None
        for name, orig in self._saved.items():
            if orig is None:
                delattr(SageMakerResponse, name)
            else:
                setattr(SageMakerResponse, name, orig)
        self._tmp.cleanup()

    def _on_create(self, job):
        # the real service: a new job is InProgress/Starting, no training times yet
        job.training_job_status = "InProgress"
        job.secondary_status = "Starting"
        job.training_start_time = None
        job.training_end_time = None
        with self._lock:
            self.jobs[job.training_job_name] = job
            self.lines_written.setdefault(job.training_job_name, [])
            if (self.behaviour(job.training_job_name, _decode(job.hyper_parameters))
                    or {}).get("scripted"):
                return  # the test moves it (script / script_log), no container runs
            pool = self._claim_warm_pool(job)
            self.provisioning[job.training_job_name] = "warm" if pool else "cold"
        t = threading.Thread(target=self._run_job, args=(job, pool), daemon=True,
                             name=f"fake-job-{job.training_job_name}")
        self.threads.append(t)
        t.start()

    # -- scripted jobs: the test plays the platform step by step -----------------------------
    def script(self, name: str, *, status: str | None = None, secondary: str | None = None,
               started: float | None = None, ended: float | None = None,
               training_seconds: int | None = None, billable_seconds: int | None = None,
               reason: str | None = None) -> None:
        """Move a scripted job (behaviour ``{"scripted": True}``: created, never run) as the
        platform would: ``status`` / ``secondary``, ``TrainingStartTime`` / ``TrainingEndTime``
        (epoch seconds), ``TrainingTimeInSeconds``, ``BillableTimeInSeconds``,
        ``FailureReason``. ``StopTrainingJob`` moves it to ``Stopping`` as for any job."""
        job = self.jobs[name]

        def stamp(t: float):
            return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).replace(tzinfo=None)

        if started is not None:
            job.training_start_time = stamp(started)
        if ended is not None:
            job.training_end_time = stamp(ended)
        if training_seconds is not None:
            job.training_time_in_seconds = training_seconds
        if billable_seconds is not None:
            job.billable_time_in_seconds = billable_seconds
        if reason is not None:
            job.failure_reason = reason
        if secondary is not None or status is not None:
            job.secondary_status = secondary or status
        job.last_modified_time = utcnow()
        if status is not None:
            job.training_job_status = status

    def script_log(self, name: str, messages: list[str], stream_start: int = 1000) -> str:
        """Ship ``messages`` to the scripted job's ``algo-1`` stream that started at epoch
        second ``stream_start`` (created on first use: another ``stream_start`` is another
        stream, as after a spot restart); returns the stream's name."""
        stream = f"{name}/algo-1-{stream_start}"
        try:
            self.clients["logs"].create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
        except self.clients["logs"].exceptions.ResourceAlreadyExistsException:
            pass
        self._log(stream, messages)
        return stream

    def wait_until_ended(self, names: list[str], timeout: float = 20.0) -> dict[str, str]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            states = {n: self.jobs[n].training_job_status for n in names}
            if all(s in ("Completed", "Failed", "Stopped") for s in states.values()):
                return states
            time.sleep(0.05)
        return {n: self.jobs[n].training_job_status for n in names}

    # -- warm pools -------------------------------------------------------------------------
    @staticmethod
    def _pool_key(job) -> tuple:
        rc, vpc = job.resource_config or {}, job.vpc_config or {}
        return (job.role_arn, rc.get("InstanceCount", 1), rc.get("InstanceType"),
                rc.get("VolumeKmsKeyId"), rc.get("VolumeSizeInGB"),
                tuple(sorted(vpc.get("SecurityGroupIds", []))),
                tuple(sorted(vpc.get("Subnets", []))),
                bool(job.enable_inter_container_traffic_encryption),
                bool(job.enable_network_isolation))

    @staticmethod
    def _keep_alive(job) -> int:
        return int((job.resource_config or {}).get("KeepAlivePeriodInSeconds") or 0)

    def _claim_warm_pool(self, job) -> WarmPool | None:
        """A new job that asks for a keep-alive period takes over a matching available pool:
        the previous job's pool becomes ``Reused`` (``ReusedByJob``), this one ``InUse``."""
        if self._keep_alive(job) <= 0 or job.enable_managed_spot_training:
            return None
        key = self._pool_key(job)
        now = time.time()
        for pool in self.pools:
            if pool.key != key or pool.available_since is None:
                continue
            prev = pool.job
            prev.warm_pool_status = {
                "Status": "Reused", "ReusedByJob": job.training_job_name,
                "ResourceRetainedBillableTimeInSeconds":
                    math.ceil(now - pool.available_since)}
            pool.job, pool.available_since = job, None
            pool.keep_alive = self._keep_alive(job)
            job.warm_pool_status = {"Status": "InUse"}
            return pool
        return None

    def _retain_warm_pool(self, job, pool: WarmPool | None, launched: bool):
        """At the end of a job with a keep-alive period: keep its instances (a pool it reused
        or a new one) ``Available``, if the cluster was launched and the quota allows."""
        keep = self._keep_alive(job)
        with self._lock:
            if pool is not None and (keep <= 0 or not launched):
                self.pools.remove(pool)
                pool = None
            if keep <= 0 or not launched or job.enable_managed_spot_training:
                if keep > 0:
                    job.warm_pool_status = {"Status": "Terminated",
                                            "ResourceRetainedBillableTimeInSeconds": 0}
                return
            if pool is None:
                rc = job.resource_config
                itype, count = rc["InstanceType"], int(rc.get("InstanceCount", 1))
                quota = self.warm_pool_quota.get(itype, self.warm_pool_quota.get("*", 0))
                used = sum(p.instance_count for p in self.pools if p.instance_type == itype)
                if used + count > quota:  # no warm pool quota left: nothing retained
                    job.warm_pool_status = {"Status": "Terminated",
                                            "ResourceRetainedBillableTimeInSeconds": 0}
                    return
                pool = WarmPool(key=self._pool_key(job), instance_type=itype,
                                instance_count=count, job=job, keep_alive=keep)
                self.pools.append(pool)
            pool.keep_alive = keep
            pool.available_since = time.time()
            job.warm_pool_status = {"Status": "Available",
                                    "ResourceRetainedBillableTimeInSeconds": 0}

    def _update_keep_alive(self, job, keep: int):
        with self._lock:
            pool = next((p for p in self.pools if p.job is job and p.available_since), None)
            if pool is None:
                raise ValidationError(message=f"The warm pool of job {job.training_job_name} "
                                              f"is not Available.")
            job.resource_config = dict(job.resource_config, KeepAlivePeriodInSeconds=keep)
            pool.keep_alive = keep
            if keep == 0:  # terminated by the user: billed until now
                self._terminate(pool, time.time())

    def _terminate(self, pool: WarmPool, now: float):
        billed = min(pool.keep_alive, now - pool.available_since) if pool.keep_alive else \
            now - pool.available_since
        pool.job.warm_pool_status = {"Status": "Terminated",
                                     "ResourceRetainedBillableTimeInSeconds": math.ceil(billed)}
        self.pools.remove(pool)

    def release_warm_pools(self):
        """Terminate every warm pool (between tests)."""
        now = time.time()
        with self._lock:
            for pool in list(self.pools):
                if pool.available_since is None:
                    pool.job.warm_pool_status = {"Status": "Terminated"}
                    self.pools.remove(pool)
                else:
                    self._terminate(pool, now)

    def _tick_warm_pools(self):
        while not self._ticker_stop.wait(0.05):
            now = time.time()
            with self._lock:
                for pool in list(self.pools):
                    if pool.available_since is None:
                        continue
                    if now - pool.available_since >= pool.keep_alive:
                        self._terminate(pool, now)
                    else:
                        pool.job.warm_pool_status["ResourceRetainedBillableTimeInSeconds"] = \
                            math.ceil(now - pool.available_since)

    # -- the job ----------------------------------------------------------------------------
    def _log(self, stream: str, messages: list[str]):
        messages = [m for m in messages if m]  # CloudWatch takes no empty events
        if not messages:
            return
        now = int(time.time() * 1000)
        self.clients["logs"].put_log_events(
            logGroupName=LOG_GROUP, logStreamName=stream,
            logEvents=[{"timestamp": now, "message": m} for m in messages])

    def _finish(self, job, status: str, reason: str | None, started: float | None,
                beh: dict, pool: WarmPool | None):
        end = time.time()
        if started is not None:
            train = beh.get("training_seconds") or max(1, math.ceil(end - started))
            job.training_time_in_seconds = train
            job.billable_time_in_seconds = max(
                1, math.ceil(train * float(beh.get("spot_fraction", 1.0))))
            job.training_end_time = utcnow()
        if reason:
            job.failure_reason = reason[:1024]
        # a warm pool survives completion, a stop after launch and algorithm/client errors
        launched = started is not None and (
            status != "Failed" or (reason or "").startswith(("AlgorithmError", "ClientError")))
        self._retain_warm_pool(job, pool, launched)
        job.secondary_status = status
        job.last_modified_time = utcnow()
        job.training_job_status = status

    def _run_job(self, job, pool: WarmPool | None):
        name = job.training_job_name
        hp = _decode(job.hyper_parameters)
        beh = self.behaviour(name, hp) or {}
        started = None
        try:
            time.sleep(self.warm_startup_seconds if pool else self.startup_seconds)
            if job.training_job_status == "Stopping":
                return self._finish(job, "Stopped", None, None, beh, pool)
            if beh.get("capacity"):
                return self._finish(job, "Failed", CAPACITY_REASON, None, beh, pool)
            started = time.time()
            job.training_start_time = utcnow()
            job.secondary_status = "Downloading"
            status, reason = self._run_containers(job, beh)
            if status == "Stopped" and beh.get("stop_delay"):
                time.sleep(float(beh["stop_delay"]))  # a slow stop: still "Stopping"
            self._finish(job, status, reason, started, beh, pool)
        except Exception as e:  # pragma: no cover -- a broken fake must not hang the tests
            self._finish(job, "Failed", f"InternalServerError: fake cluster crashed: {e!r}",
                         started, beh, pool)
            raise

    def _run_containers(self, job, beh: dict) -> tuple[str, str | None]:
        """One container (toolkit process) per instance, in parallel; the job fails with the
        first failing host's reason."""
        count = int(job.resource_config.get("InstanceCount", 1))
        hosts = [f"algo-{i + 1}" for i in range(count)]
        with tempfile.TemporaryDirectory(prefix=f"{job.training_job_name}-",
                                         dir=self._tmp.name) as tmp:
            results: list[tuple[str, str | None] | None] = [None] * count

            def run(i):
                results[i] = self._container(job, hosts, i, Path(tmp, hosts[i], "opt", "ml"),
                                             beh)

            workers = [threading.Thread(target=run, args=(i,), daemon=True)
                       for i in range(1, count)]
            for w in workers:
                w.start()
            run(0)
            for w in workers:
                w.join()
        if job.training_job_status == "Stopping":
            return "Stopped", None
        for res in results:
            if res is None or res[0] != "Completed":
                return res or ("Failed", "InternalServerError: a host did not report")
        return "Completed", None

    def _layout(self, job, hosts: list[str], index: int, base: Path) -> Path:
        """The container filesystem SageMaker prepares before the training image starts;
        returns the local checkpoint folder (already holding the trial's S3 checkpoint)."""
        config = base / "input" / "config"
        for d in (config, base / "model", base / "output" / "data", base / "code",
                  base / "site", base / "tmp"):
            d.mkdir(parents=True, exist_ok=True)
        hps = {}
        for k, v in (job.hyper_parameters or {}).items():
            try:
                decoded = json.loads(v)
            except ValueError:
                decoded = None
            hps[k] = json.dumps(container_path(decoded, base)) \
                if isinstance(decoded, str) else v
        (config / "hyperparameters.json").write_text(json.dumps(hps))
        itype = job.resource_config["InstanceType"]
        (config / "resourceconfig.json").write_text(json.dumps({
            "current_host": hosts[index], "current_instance_type": itype,
            "current_group_name": "homogeneousCluster", "hosts": hosts,
            "instance_groups": [{"instance_group_name": "homogeneousCluster",
                                 "instance_type": itype, "hosts": hosts}],
            "network_interface_name": "eth0"}))
        channels = {}
        for ch in job.input_data_config or []:
            src = ch["DataSource"]["S3DataSource"]
            channels[ch["ChannelName"]] = {
                "TrainingInputMode": ch.get("InputMode", job.algorithm_specification.get(
                    "TrainingInputMode", "File")),
                "S3DistributionType": src.get("S3DataDistributionType", "FullyReplicated"),
                "RecordWrapperType": ch.get("RecordWrapperType", "None")}
            if "ContentType" in ch:
                channels[ch["ChannelName"]]["ContentType"] = ch["ContentType"]
            self._download(src["S3Uri"], base / "input" / "data" / ch["ChannelName"])
        (config / "inputdataconfig.json").write_text(json.dumps(channels))
        ckpt = job.checkpoint_config or {}
        local = Path(container_path(ckpt.get("LocalPath") or CONTAINER_ROOT + "/checkpoints",
                                    base))
        local.mkdir(parents=True, exist_ok=True)
        if ckpt.get("S3Uri"):
            self._download(ckpt["S3Uri"], local)
        return local

    def _download(self, uri: str, target: Path):
        bucket, prefix = _split_s3(uri)
        s3 = self.clients["s3"]
        kwargs = {"Bucket": bucket, "Prefix": prefix}
        while True:
            page = s3.list_objects_v2(**kwargs)
            for obj in page.get("Contents", []):
                rel = obj["Key"][len(prefix):].lstrip("/")
                if not rel or rel.endswith("/"):
                    continue
                dest = target / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
            if not page.get("IsTruncated"):
                return
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def _environment(self, job, base: Path, beh: dict) -> dict[str, str]:
        """The container's environment: what SageMaker sets, the job's ``Environment``, and
        the few variables that point the fake container at this machine."""
        env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT")
               if k in os.environ}
        env.update({k: v for k, v in os.environ.items() if k in (
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")})
        itype = job.resource_config["InstanceType"]
        env.update({
            # set by SageMaker / the framework images
            "TRAINING_JOB_NAME": job.training_job_name,
            "TRAINING_JOB_ARN": job.arn,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "PYTHONUNBUFFERED": "TRUE",
            "PYTHONDONTWRITEBYTECODE": "TRUE",
            # the fake's own: /opt/ml is base, S3 is the moto server, no DNS for algo-N,
            # pip installs into the container's own site folder and never reaches an index
            "SAGEMAKER_BASE_DIR": str(base),
            "S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_CONFIG_FILE": str(self._aws_config),
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_SDK_UA_APP_ID": CLUSTER_AGENT,
            "SM_STUDIO_LOCAL_MODE": "true",
            "PYTHONPATH": str(base / "site"),
            "PIP_TARGET": str(base / "site"),
            "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_WARN_SCRIPT_LOCATION": "1",
            "TMPDIR": str(base / "tmp"),
            "OMP_NUM_THREADS": "1",
            # the instance model of the tests' script
            "SIM_EPOCH_SECONDS": str(self.epoch_seconds.get(
                itype, self.epoch_seconds.get("*", 0.05))),
        })
        if beh.get("fail_at_epoch"):
            env["SIM_FAIL_AT_EPOCH"] = str(int(beh["fail_at_epoch"]))
        env.update(job.environment or {})
        env.update(beh.get("env") or {})
        return env

    def _container(self, job, hosts: list[str], index: int, base: Path,
                   beh: dict) -> tuple[str, str | None]:
        name = job.training_job_name
        ckpt_dir = self._layout(job, hosts, index, base)
        ckpt_uri = (job.checkpoint_config or {}).get("S3Uri")
        cbucket, cprefix = _split_s3(ckpt_uri) if ckpt_uri else (None, None)
        synced: dict[str, tuple[int, int]] = {}
        stream = f"{name}/{hosts[index]}-{int(time.time())}"
        self.clients["logs"].create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
        if job.training_job_status == "Stopping":
            return "Stopped", None
        job.secondary_status = "Training"
        t0 = time.perf_counter()
        # the image's entry point: the toolkit's `train` (sagemaker_training.cli.train)
        env = self._environment(job, base, beh)
        if self.fork_server is not None:
            proc = self.fork_server.spawn(TOOLKIT_MODULE, str(base), env)
        else:
            proc = subprocess.Popen(
                [sys.executable, "-m", TOOLKIT_MODULE], cwd=str(base), env=env,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        stopper = threading.Thread(target=self._watch_stop, args=(job, proc), daemon=True)
        stopper.start()
        tail: list[str] = []
        pending = b""
        fd = proc.stdout.fileno()
        try:
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                pending += chunk
                *lines, pending = pending.split(b"\n")
                messages = [ln.decode("utf-8", "replace").rstrip("\r") for ln in lines]
                metrics = self._ship(stream, messages, index, name)
                tail = (tail + [m for m in messages if m.strip()])[-8:]
                if metrics and ckpt_uri:
                    self._sync_up(ckpt_dir, cbucket, cprefix, synced)
        finally:
            proc.stdout.close()  # the pipe, not left to the garbage collector (ResourceWarning)
        if pending:
            self._ship(stream, [pending.decode("utf-8", "replace")], index, name)
        code = proc.wait()
        with self._lock:
            self.container_seconds.setdefault(name, []).append(time.perf_counter() - t0)
        if ckpt_uri:
            self._sync_up(ckpt_dir, cbucket, cprefix, synced)  # SageMaker's final upload
        if job.training_job_status == "Stopping":
            return "Stopped", None
        failure = base / "output" / "failure"
        if code != 0 or failure.exists():
            text = failure.read_text().strip() if failure.exists() else \
                f"exit code {code}: " + " | ".join(tail)
            return "Failed", f"AlgorithmError: {text}"
        if index == 0:
            job.secondary_status = "Uploading"
            self._upload_model(job, base / "model")
        return "Completed", None

    def _ship(self, stream: str, messages: list[str], index: int, name: str) -> bool:
        """Ship container output lines to CloudWatch; True if one was a metric line."""
        self._log(stream, messages)
        found = False
        for m in messages:
            if m.startswith("[tune-metric]: "):
                found = True
                if index == 0:
                    with self._lock:
                        self.lines_written[name].append(json.loads(m[len("[tune-metric]: "):]))
        return found

    def _sync_up(self, ckpt_dir: Path, bucket: str, prefix: str,
                 synced: dict[str, tuple[int, int]]):
        for f in sorted(ckpt_dir.rglob("*")):
            if not f.is_file():
                continue
            st = f.stat()
            rel = str(f.relative_to(ckpt_dir))
            if synced.get(rel) == (st.st_size, st.st_mtime_ns):
                continue
            try:
                body = f.read_bytes()
            except FileNotFoundError:  # replaced meanwhile (a *.tmp renamed): next round
                continue
            self.clients["s3"].put_object(Bucket=bucket, Key=prefix + rel, Body=body)
            synced[rel] = (st.st_size, st.st_mtime_ns)

    def _upload_model(self, job, model_dir: Path):
        if not any(model_dir.iterdir()):
            return
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for f in sorted(model_dir.rglob("*")):
                tar.add(str(f), arcname=str(f.relative_to(model_dir)), recursive=False)
        bucket, key = _split_s3(job.model_artifacts["S3ModelArtifacts"])
        self.clients["s3"].put_object(Bucket=bucket, Key=key, Body=buf.getvalue())

    def _watch_stop(self, job, proc):
        """On ``StopTrainingJob`` SageMaker signals the container (SIGTERM), then kills it."""
        while proc.poll() is None:
            if job.training_job_status == "Stopping":
                self._signal(proc, signal.SIGTERM)
                try:
                    proc.wait(self.stop_grace_seconds)
                except subprocess.TimeoutExpired:
                    pass
                self._signal(proc, signal.SIGKILL)  # the rest of the container goes with it
                return
            time.sleep(0.02)

    @staticmethod
    def _signal(proc, sig):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _measure(n: int) -> None:  # pragma: no cover -- a benchmark, see the module docstring
    """Wall seconds of ``n`` one-epoch jobs' containers (toolkit start to exit), one after the
    other, with and without the fork server."""
    import statistics

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "dummy")
    os.environ["AWS_DEFAULT_REGION"] = REGION
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from syne_mohb.backends.sagemaker import SageMakerBackend

    server = FaultInjectingMotoServer(FaultPlan())
    server.start()
    script = Path(__file__).resolve().parent / "sagemaker_code" / "sim_train.py"
    try:
        for fork in ("1", "0"):
            os.environ["FAKE_SM_FORK_SERVER"] = fork
            cluster = FakeCluster(server.url, epoch_seconds={"*": 0.0})
            cluster.install()
            clients = make_clients(server.url)
            try:
                clients["s3"].create_bucket(Bucket="measure-bucket")
            except clients["s3"].exceptions.BucketAlreadyOwnedByYou:
                pass
            backend = SageMakerBackend(
                entry_point=str(script), image_uri="image",
                role_arn="arn:aws:iam::123456789012:role/r",
                s3_root="s3://measure-bucket/m", sagemaker_client=clients["sagemaker"],
                logs_client=clients["logs"], s3_client=clients["s3"],
                install_signal_handlers=False)
            for i in range(n):
                backend.start_trial({"epochs": 1, "instance_type": "ml.m5.large"})
                cluster.wait_until_ended(backend.job_names(i), timeout=120)
            secs = [v[0] for v in cluster.container_seconds.values()]
            print(f"fork server {'on ' if fork == '1' else 'off'}: {n} containers, wall s "
                  f"median {statistics.median(secs):.2f} (min {min(secs):.2f}, "
                  f"max {max(secs):.2f})")
            backend.close()
            cluster.uninstall()
    finally:
        server.stop()


if __name__ == "__main__":  # pragma: no cover
    import argparse

    parser = argparse.ArgumentParser(description="per-container overhead of the fake cluster")
    parser.add_argument("--measure", type=int, default=6, metavar="N")
    _measure(parser.parse_args().measure)
