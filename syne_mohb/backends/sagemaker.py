"""SageMaker trial backend on plain boto3: one training job per trial (and per resume), on the
instance type the trial's config chose.

Each trial attempt is a ``CreateTrainingJob`` call whose ``ResourceConfig.InstanceType`` is the
config's ``instance_type``. The user's script folder is packed once per run, uploaded to S3 and
run in script mode by the framework container the user names. Metrics are the
``[tune-metric]: {...}`` lines of Syne Tune's ``Reporter``, read incrementally from the job's
CloudWatch log streams; status comes from ``Search`` (one call for all running jobs of the run)
and ``DescribeTrainingJob`` (for jobs that changed). Every result gets ``st_worker_time``
(training seconds of the trial, summed over its attempts) and ``st_worker_cost`` (dollars:
seconds x catalog price x instance count) before the scheduler sees it. While a job runs its
results carry the on-demand estimate (the bill, and managed-spot savings, are known only once it
ended); results read after the job ended are costed from its billed seconds, and the job's last
result carries its whole bill, so that a trial's last result equals ``trial_record(...)["cost"]``
(see :meth:`SageMakerBackend._ingest`). An optional per-trial cost cap
(``max_cost_per_trial``, :class:`~syne_mohb.backends.cost.CostCapMixin`) stops trials that spend
more. Pause and stop call ``StopTrainingJob``;
a resumed trial is a new job reading the trial's S3 checkpoint prefix, launched once the
previous job has ended (so its last checkpoint is uploaded).

With ``keep_alive_seconds`` every job asks for a SageMaker managed warm pool
(``ResourceConfig.KeepAlivePeriodInSeconds``): after a job ends its instances stay provisioned
that long, and the next job of the run with the same instance type and count (a resume, or the
next trial) starts on them without waiting for new instances. The backend reports per job
whether it reused a pool (``WarmPoolStatus`` ``InUse``, or an earlier job's ``ReusedByJob``), its
start-up (``CreationTime`` -> ``TrainingStartTime``: not billed, not in ``st_worker_time``) and
the pool's retained billable seconds, which SageMaker bills on top of the jobs
(:meth:`SageMakerBackend.warm_pool_report`); :meth:`SageMakerBackend.stop_all` releases the
pools still kept at the end of tuning.

Throttling, 5xx and connection errors are retried with exponential backoff and full jitter
(:mod:`syne_mohb.backends._sagemaker_retry`); capacity and quota errors fail only the trial that
hit them. Every job carries tags (run id, trial id, attempt) so that a restarted driver can find
the jobs of its run (:meth:`SageMakerBackend.find_run_jobs`) instead of starting duplicates.

Design after the SageMaker backend of Syne Tune <= 0.13 (Salinas et al., "Syne Tune: A Library
for Large Scale Hyperparameter Tuning and Reproducible Research", AutoML 2022), rewritten on
boto3 without the ``sagemaker`` SDK.
"""

from __future__ import annotations

import atexit
import logging
import math
import numbers
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from syne_tune.backend.trial_backend import BUSY_STATUS, TrialBackend
from syne_tune.backend.trial_status import Status, TrialResult
from syne_tune.constants import (
    ST_CHECKPOINT_DIR,
    ST_WORKER_COST,
    ST_WORKER_TIME,
    ST_WORKER_TIMESTAMP,
)

from syne_mohb.backends._sagemaker_jobs import (
    CHECKPOINT_LOCAL_PATH,
    HP_MAX_ITEMS,
    KEEP_ALIVE_MAX_SECONDS,
    TAG_ATTEMPT,
    TAG_RUN_ID,
    TAG_TRIAL_ID,
    RUN_ID_PATTERN,
    encode_hyperparameters,
    job_name,
    job_tags,
    make_run_id,
    pack_source_dir,
    parse_s3_uri,
    s3_join,
    validate_user_tags,
)
from syne_mohb.backends._sagemaker_logs import (
    LogEvent,
    list_streams,
    parse_metric_line,
    read_new_events,
)
from syne_mohb.backends._sagemaker_records import (
    RUNNING,
    SM_TO_TRIAL,
    TERMINAL,
    Attempt,
    TrialRecord,
    epoch_seconds,
)
from syne_mohb.backends.cost import CostCapMixin
from syne_mohb.backends._sagemaker_retry import (
    RetryingCaller,
    RetryPolicy,
    error_code,
    error_message,
    is_auth_error,
    is_capacity_error,
)
from syne_mohb.hardware import (
    INSTANCE_TYPE,
    InstanceCatalog,
    PriceTable,
    dollar_cost,
    instance_names_in,
    load_catalog,
)

logger = logging.getLogger(__name__)

INSTANCE_COUNT = "instance_count"
"""Optional config key: number of instances of the trial's job (else the backend's default)."""


@dataclass(frozen=True)
class ReattachedTrial:
    """What :meth:`SageMakerBackend.reattach_trial` found and did for one trial.

    ``action`` is what the trial needs next:

    * ``"ended"``: the trial had ended for the scheduler; its jobs still running were stopped
      (``stopped_jobs``) and no log line of it is read again;
    * ``"reattached"``: its last job is followed again (status and new log lines);
    * ``"resume"``: its last job was stopped; a new job continuing from the trial's checkpoint
      is launched by the next polling round;
    * ``"launch"``: no job of it was ever created; call :meth:`SageMakerBackend.launch_job`.
    """

    trial_id: int
    jobs: tuple[str, ...]
    """Names of the trial's jobs found on SageMaker, first attempt first."""
    last_job_status: str | None
    """SageMaker status of the last job (``None`` without jobs)."""
    stopped_jobs: tuple[str, ...]
    """Jobs ``StopTrainingJob`` was called on because the trial had ended for the scheduler."""
    action: Literal["ended", "reattached", "resume", "launch"]

class SageMakerBackend(CostCapMixin, TrialBackend):
    """Syne Tune trial backend running each trial as a SageMaker training job (boto3 only).

    The instance type of a trial is its config's ``instance_type`` (else ``instance_type``),
    the instance count its config's ``instance_count`` (else ``instance_count``). The config
    goes to the job as ``HyperParameters`` (JSON-encoded strings, see
    :func:`~syne_mohb.backends._sagemaker_jobs.encode_hyperparameters`) with
    ``st_checkpoint_dir=/opt/ml/checkpoints``, which SageMaker syncs with the trial's S3
    checkpoint prefix ``<s3_root>/<run_id>/checkpoints/<trial_id>/``.

    :param entry_point: training script (reports with ``syne_tune.Reporter``)
    :param image_uri: framework container image with the SageMaker training toolkit (script
        mode), e.g. a PyTorch training image of the region
    :param role_arn: IAM role the jobs run as (see README, section "SageMaker backend" for its permissions)
    :param s3_root: ``s3://bucket/prefix`` for code, checkpoints and outputs
    :param source_dir: folder packed and uploaded with the script (default: the script's folder)
    :param output_path: ``s3://`` URI for the jobs' model artifacts (default
        ``<s3_root>/<run_id>/output/``)
    :param instance_type: instance type for configs without ``instance_type``
    :param instance_count: instances per job for configs without ``instance_count``
    :param volume_size_gb: EBS volume per instance
    :param max_run_seconds: ``StoppingCondition.MaxRuntimeInSeconds`` of every job
    :param use_spot_instances: managed spot training (``EnableManagedSpotTraining``)
    :param max_wait_seconds: ``MaxWaitTimeInSeconds`` for spot jobs (default 2 x max run)
    :param inputs: input channels, channel name -> ``s3://`` URI
    :param environment: environment variables of the container (never logged)
    :param tags: extra tags of every job (keys ``syne-mohb:*`` / ``aws:*`` are reserved)
    :param subnets: VPC subnets (with ``security_group_ids``)
    :param security_group_ids: VPC security groups (with ``subnets``)
    :param job_name_prefix: start of job names (default: the script's file name)
    :param run_id: identifier of this tuning run in job names and tags (default: fresh)
    :param catalog: instance catalog for prices (default ``load_catalog(region=...)``)
    :param prices: $/hour overrides per instance type (take precedence over the catalog)
    :param region_name: AWS region (default: the session's)
    :param boto3_session: session to create clients from (default: a new ``boto3.Session()``)
    :param sagemaker_client: ready client (e.g. with an ``endpoint_url``); likewise
        ``logs_client`` and ``s3_client``
    :param retry_policy: backoff of retried calls (default :class:`RetryPolicy`)
    :param random_seed: seed of the backoff jitter
    :param max_poll_threads: threads reading jobs and logs in parallel in one polling round
    :param search_min_jobs: from this many running jobs on, statuses come from one ``Search``
    :param max_status_age_s: a job is described at least this often even if ``Search`` lists it
    :param stream_refresh_rounds: re-list a running job's log streams every this many rounds
    :param install_signal_handlers: on the first job, install SIGINT/SIGTERM handlers (main
        thread only) and an ``atexit`` hook that stop every job of this backend
    :param delete_checkpoints: see ``TrialBackend``
    :param keep_alive_seconds: keep each job's instances in a managed warm pool this many
        seconds after it ended (``KeepAlivePeriodInSeconds``, 1..21600; ``None``: no warm
        pools), so that a resume or the next trial on the same instance type and count starts
        on them; needs a warm-pool quota for the instance type (0 by default in an AWS
        account) and cannot be combined with ``use_spot_instances``
    :param max_cost_per_trial: dollars after which a trial's job is stopped and the trial
        reported completed with the results up to the capping one (``None``: no cap); the
        rule is :class:`~syne_mohb.backends.cost.CostCapMixin`'s, on the costs in the results
        (on-demand estimates while a job runs, so a spot job is capped conservatively)
    """

    def __init__(
        self,
        entry_point: str,
        image_uri: str,
        role_arn: str,
        s3_root: str,
        *,
        source_dir: str | None = None,
        output_path: str | None = None,
        instance_type: str | None = None,
        instance_count: int = 1,
        volume_size_gb: int = 30,
        max_run_seconds: int = 24 * 3600,
        use_spot_instances: bool = False,
        max_wait_seconds: int | None = None,
        inputs: Mapping[str, str] | None = None,
        environment: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        subnets: list[str] | None = None,
        security_group_ids: list[str] | None = None,
        job_name_prefix: str | None = None,
        run_id: str | None = None,
        catalog: InstanceCatalog | None = None,
        prices: Mapping[str, float] | None = None,
        region_name: str | None = None,
        boto3_session: boto3.Session | None = None,
        sagemaker_client: Any = None,
        logs_client: Any = None,
        s3_client: Any = None,
        retry_policy: RetryPolicy | None = None,
        random_seed: int | None = None,
        max_poll_threads: int = 8,
        search_min_jobs: int = 5,
        max_status_age_s: float = 60.0,
        stream_refresh_rounds: int = 10,
        install_signal_handlers: bool = True,
        delete_checkpoints: bool = False,
        max_cost_per_trial: float | None = None,
        keep_alive_seconds: int | None = None,
    ):
        super().__init__(delete_checkpoints=delete_checkpoints, pass_args_as_json=False)
        self._init_cost_cap(max_cost_per_trial)
        entry = Path(entry_point)
        if not entry.is_file():
            raise ValueError(f"entry_point {entry_point!r} is not an existing file")
        src = Path(source_dir) if source_dir is not None else entry.parent
        if not src.is_dir():
            raise ValueError(f"source_dir {source_dir!r} is not an existing folder")
        try:
            self._program = str(entry.resolve().relative_to(src.resolve()))
        except ValueError:
            raise ValueError(
                f"entry_point {entry_point!r} must lie inside source_dir {str(src)!r}"
            ) from None
        if not isinstance(image_uri, str) or not image_uri.strip():
            raise ValueError(f"image_uri must be a container image URI, got {image_uri!r}")
        if not isinstance(role_arn, str) or not role_arn.startswith("arn:"):
            raise ValueError(
                f"role_arn must be an IAM role ARN ('arn:aws:iam::...'), got {role_arn!r}"
            )
        self._bucket, self._prefix = parse_s3_uri(s3_root, "s3_root")
        for pname, val, lo in [
            ("instance_count", instance_count, 1),
            ("volume_size_gb", volume_size_gb, 1),
            ("max_run_seconds", max_run_seconds, 1),
            ("max_poll_threads", max_poll_threads, 1),
            ("search_min_jobs", search_min_jobs, 1),
            ("stream_refresh_rounds", stream_refresh_rounds, 1),
        ]:
            if isinstance(val, bool) or not isinstance(val, int) or val < lo:
                raise ValueError(f"{pname} must be an int >= {lo}, got {val!r}")
        if not isinstance(max_status_age_s, (int, float)) or not max_status_age_s > 0:
            raise ValueError(f"max_status_age_s must be a number > 0, got {max_status_age_s!r}")
        if max_wait_seconds is not None:
            if not use_spot_instances:
                raise ValueError("max_wait_seconds is only used with use_spot_instances=True")
            if not isinstance(max_wait_seconds, int) or max_wait_seconds < max_run_seconds:
                raise ValueError(
                    f"max_wait_seconds must be an int >= max_run_seconds ({max_run_seconds}), "
                    f"got {max_wait_seconds!r}"
                )
        if keep_alive_seconds is not None:
            if isinstance(keep_alive_seconds, bool) or not isinstance(keep_alive_seconds, int) \
                    or not 1 <= keep_alive_seconds <= KEEP_ALIVE_MAX_SECONDS:
                raise ValueError(
                    f"keep_alive_seconds must be an int in 1..{KEEP_ALIVE_MAX_SECONDS} (seconds "
                    f"a warm pool is kept) or None, got {keep_alive_seconds!r}"
                )
            if use_spot_instances:
                raise ValueError(
                    "keep_alive_seconds cannot be combined with use_spot_instances=True: "
                    "SageMaker managed warm pools do not work with spot instances"
                )
        if (subnets is None) != (security_group_ids is None):
            raise ValueError("subnets and security_group_ids must be given together (VpcConfig)")
        if output_path is not None:
            parse_s3_uri(output_path, "output_path")
        if inputs is not None:
            for ch, uri in inputs.items():
                parse_s3_uri(uri, f"inputs[{ch!r}]")
        if environment is not None and not all(
            isinstance(k, str) and isinstance(v, str) for k, v in environment.items()
        ):
            raise ValueError("environment must map str -> str")
        if run_id is not None and not RUN_ID_PATTERN.match(str(run_id)):
            raise ValueError(f"run_id must be 1-20 letters or digits, got {run_id!r}")

        self.entry_point = str(entry)
        self.source_dir = str(src)
        self.image_uri = image_uri
        self.role_arn = role_arn
        self.s3_root = f"s3://{self._bucket}/{self._prefix}".rstrip("/")
        self.output_path = output_path
        self.default_instance_type = instance_type
        self.default_instance_count = instance_count
        self.volume_size_gb = volume_size_gb
        self.max_run_seconds = max_run_seconds
        self.use_spot_instances = bool(use_spot_instances)
        self.max_wait_seconds = max_wait_seconds
        self.keep_alive_seconds = keep_alive_seconds
        self.inputs = dict(inputs or {})
        self._environment = dict(environment or {})
        self.user_tags = validate_user_tags(tags)
        self.subnets = list(subnets) if subnets is not None else None
        self.security_group_ids = list(security_group_ids) if security_group_ids else None
        self.job_name_prefix = job_name_prefix or entry.stem
        self.run_id = run_id or make_run_id()
        self.tuner_name: str | None = None
        self.retry_policy = retry_policy or RetryPolicy()
        self.random_seed = random_seed
        self.max_poll_threads = max_poll_threads
        self.search_min_jobs = search_min_jobs
        self.max_status_age_s = float(max_status_age_s)
        self.stream_refresh_rounds = stream_refresh_rounds
        self.install_signal_handlers = install_signal_handlers

        self._session = boto3_session
        self._clients = {"sagemaker": sagemaker_client, "logs": logs_client, "s3": s3_client}
        self._endpoints: dict[str, str | None] = {}
        self.region_name = region_name or self._guess_region()
        self._price_table = PriceTable(
            prices=prices,
            catalog=catalog if catalog is not None else load_catalog(region=self.region_name),
        )
        self._init_runtime()

        self._records: dict[int, TrialRecord] = {}
        # trial_id -> (attempt index, first index in rec.metrics) of results read after that
        # job ended, held back until its logs are read to the end (then the last one is billed)
        self._held: dict[int, tuple[int, int]] = {}
        self._code_uri: str | None = None
        self._round = 0
        self._check_existing_before_create = False
        self._environment_missing: list[str] = []

    def set_environment(self, environment: Mapping[str, str]):
        """Set the container environment (needed again after unpickling: values are not saved)."""
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in environment.items()):
            raise ValueError("environment must map str -> str")
        self._environment = dict(environment)
        self._environment_missing = []

    # -- runtime objects (not pickled: the Tuner dill-dumps itself with its backend) --------
    def _init_runtime(self):
        self._call = RetryingCaller(self.retry_policy, random_seed=self.random_seed)
        self._lock = threading.RLock()
        self._executor: ThreadPoolExecutor | None = None
        self._prev_handlers: dict[int, Any] = {}
        self._hooks_installed = False

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_endpoints"] = {
            name: getattr(getattr(c, "meta", None), "endpoint_url", None)
            for name, c in self._clients.items()
            if c is not None
        } or self._endpoints
        for key in ("_call", "_lock", "_executor", "_prev_handlers", "_hooks_installed",
                    "_session", "_clients"):
            state.pop(key, None)
        # environment values may be secrets: never written to the Tuner's pickle
        state["_environment"] = {}
        state["_environment_missing"] = sorted(self._environment)
        return state

    def __setstate__(self, state: dict[str, Any]):
        self.__dict__.update(state)
        self._session = None
        self._clients = {"sagemaker": None, "logs": None, "s3": None}
        self._init_runtime()

    def _guess_region(self) -> str:
        for c in self._clients.values():
            region = getattr(getattr(c, "meta", None), "region_name", None)
            if region:
                return region
        session = self._session or boto3.Session()
        if not session.region_name:
            raise ValueError("region_name is not set and the boto3 session has no default region")
        return session.region_name

    def _client(self, name: str):
        c = self._clients.get(name)
        if c is None:
            if self._session is None:
                self._session = boto3.Session(region_name=self.region_name)
            config = Config(
                retries={"mode": "standard", "total_max_attempts": 2},
                connect_timeout=10,
                read_timeout=60,
                s3={"addressing_style": "path"} if name == "s3" else None,
            )
            c = self._session.client(
                name, region_name=self.region_name, config=config,
                endpoint_url=self._endpoints.get(name),
            )
            self._clients[name] = c
        return c

    @property
    def sagemaker(self):
        return self._client("sagemaker")

    @property
    def logs(self):
        return self._client("logs")

    @property
    def s3(self):
        return self._client("s3")

    @property
    def retry_stats(self) -> dict[str, int]:
        """Retried errors per ``"<operation>:<code>"`` and give-ups (``"<op>:gave-up"``)."""
        return dict(self._call.stats)

    def _parallel(self, fn: Callable, items: list) -> list:
        if len(items) <= 1 or self.max_poll_threads == 1:
            return [fn(x) for x in items]
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.max_poll_threads, thread_name_prefix="sagemaker-poll"
            )
        return list(self._executor.map(fn, items))

    # -- validation -------------------------------------------------------------------------
    def _price_of(self, name: str, trial_id: int | None = None) -> float:
        try:
            return self._price_table.price_per_hour(name)
        except ValueError as e:
            if trial_id is None:
                raise
            raise type(e)(f"trial {trial_id}: instance_type {name!r}: {e}") from None

    def validate_config_space(self, config_space: Mapping[str, Any]) -> list[str]:
        """Check before tuning that every instance type the space can choose has a price and
        that ``instance_count`` (if present) is an int >= 1; returns the instance type names.

        Raises ``ValueError`` (``UnknownInstanceTypeError`` listing the closest known names,
        ``MissingPriceError``) naming the offending value.
        """
        names = instance_names_in(config_space, INSTANCE_TYPE)
        if not names:
            if self.default_instance_type is None:
                raise ValueError(
                    f"config_space has no {INSTANCE_TYPE!r} and the backend was created "
                    f"without instance_type=...: no trial would know where to run"
                )
            names = [self.default_instance_type]
        for n in names:
            self._price_of(n)
        if INSTANCE_COUNT in config_space:
            dom = config_space[INSTANCE_COUNT]
            values = getattr(dom, "categories", None)
            if values is None and hasattr(dom, "lower"):
                values = [dom.lower]
            if values is None:
                values = [dom]
            for v in values:
                if isinstance(v, bool) or not isinstance(v, numbers.Real) or v < 1 \
                        or int(v) != v:
                    raise ValueError(
                        f"config_space[{INSTANCE_COUNT!r}] must only take ints >= 1, got {v!r}"
                    )
        return names

    # -- TrialBackend interface -------------------------------------------------------------
    def set_path(self, results_root: str | None = None, tuner_name: str | None = None):
        if tuner_name:
            self.tuner_name = tuner_name

    def entrypoint_path(self) -> Path:
        return Path(self.entry_point)

    def set_entrypoint(self, entry_point: str):
        path = Path(entry_point)
        try:
            self._program = str(path.resolve().relative_to(Path(self.source_dir).resolve()))
        except ValueError:
            raise ValueError(
                f"entry_point {entry_point!r} must lie inside source_dir {self.source_dir!r}"
            ) from None
        self.entry_point = str(path)
        self._code_uri = None  # pack again with the new script

    def __str__(self) -> str:
        return f"SageMaker entry_point {Path(self.entry_point).name} run {self.run_id}"

    def _schedule(self, trial_id: int, config: dict[str, Any]):
        if self.is_cost_capped(trial_id):
            # a capped trial the scheduler resumes (or a recovery relaunches) stays ended
            logger.info("trial %d already exceeded its cost cap; no job is launched", trial_id)
            return
        with self._lock:
            rec = self._records.get(trial_id)
            if rec is None:
                rec = TrialRecord(trial_id=trial_id, config=dict(config))
                self._records[trial_id] = rec
            rec.config = dict(config)
            rec.local_status = None
            if rec.attempts and not self._attempt_finished(rec.attempts[-1]):
                # resume: wait until the previous job has ended and uploaded its checkpoint
                rec.pending_config = dict(config)
                logger.info(
                    "trial %d: resume deferred until job %s has ended",
                    trial_id, rec.attempts[-1].job_name,
                )
                return
            try:
                self._launch(rec, dict(config))
            except ValueError:
                if not rec.attempts:  # bad input: forget the trial, keep nothing half-made
                    del self._records[trial_id]
                raise

    @staticmethod
    def _attempt_finished(a: Attempt) -> bool:
        return a.terminal or not a.created

    def _launch(self, rec: TrialRecord, config: dict[str, Any]):
        trial_id = rec.trial_id
        instance_type = config.get(INSTANCE_TYPE, self.default_instance_type)
        if instance_type is None:
            raise ValueError(
                f"trial {trial_id}: the config has no {INSTANCE_TYPE!r} and the backend has no "
                f"default instance_type"
            )
        instance_type = str(instance_type)
        if self._environment_missing:
            raise ValueError(
                f"trial {trial_id}: the environment variables {self._environment_missing} were "
                f"not saved with the backend; call set_environment(...) before tuning on"
            )
        price = self._price_of(instance_type, trial_id)
        count = config.get(INSTANCE_COUNT, self.default_instance_count)
        if isinstance(count, bool) or not isinstance(count, numbers.Real) or count < 1 \
                or int(count) != count:
            raise ValueError(
                f"trial {trial_id}: {INSTANCE_COUNT} must be an int >= 1, got {count!r}"
            )
        attempt_no = len(rec.attempts)
        a = Attempt(
            job_name=job_name(self.job_name_prefix, self.run_id, trial_id, attempt_no),
            attempt=attempt_no,
            instance_type=instance_type,
            instance_count=int(count),
            price_per_hour=price,
        )
        request = self._create_request(rec, a, config)
        rec.attempts.append(a)
        rec.pending_config = None
        self._install_hooks()
        try:
            self._create_job(a, request)
        except Exception as e:  # noqa: BLE001 -- the trial fails, the run goes on
            if is_auth_error(e):
                raise RuntimeError(
                    f"trial {trial_id}: CreateTrainingJob was denied ({error_message(e)}); "
                    f"check the credentials and the IAM permissions listed in the README (SageMaker backend)"
                ) from None
            reason = error_message(e)
            kind = "capacity" if is_capacity_error(e) else "error"
            a.status, a.failure_reason, a.logs_done = "Failed", reason, True
            rec.reasons.append(f"job {a.job_name} could not be created ({kind}): {reason}")
            logger.warning("trial %d: job %s not created (%s): %s",
                           trial_id, a.job_name, kind, reason)
            return
        logger.info("trial %d: started job %s on %d x %s",
                    trial_id, a.job_name, a.instance_count, a.instance_type)

    def _create_request(self, rec: TrialRecord, a: Attempt, config: dict) -> dict[str, Any]:
        hps = encode_hyperparameters(config, rec.trial_id)
        extra = encode_hyperparameters(
            {
                ST_CHECKPOINT_DIR: CHECKPOINT_LOCAL_PATH,
                "sagemaker_program": self._program,
                "sagemaker_submit_directory": self._ensure_code_uploaded(),
                "sagemaker_region": self.region_name,
                "sagemaker_container_log_level": 20,
                "sagemaker_job_name": a.job_name,
            },
            rec.trial_id,
        )
        clash = sorted(set(hps) & set(extra))
        if clash:
            raise ValueError(
                f"trial {rec.trial_id}: config keys {clash} are reserved by the backend"
            )
        hps.update(extra)
        if len(hps) > HP_MAX_ITEMS:
            raise ValueError(
                f"trial {rec.trial_id}: {len(hps)} hyperparameters with the backend's "
                f"{len(extra)}; SageMaker accepts at most {HP_MAX_ITEMS}"
            )
        stopping = {"MaxRuntimeInSeconds": self.max_run_seconds}
        if self.use_spot_instances:
            stopping["MaxWaitTimeInSeconds"] = self.max_wait_seconds or 2 * self.max_run_seconds
        request: dict[str, Any] = {
            "TrainingJobName": a.job_name,
            "HyperParameters": hps,
            "AlgorithmSpecification": {
                "TrainingImage": self.image_uri,
                "TrainingInputMode": "File",
            },
            "RoleArn": self.role_arn,
            "OutputDataConfig": {"S3OutputPath": self.output_path or self._s3_uri("output") + "/"},
            "ResourceConfig": {
                "InstanceType": a.instance_type,
                "InstanceCount": a.instance_count,
                "VolumeSizeInGB": self.volume_size_gb,
            },
            "StoppingCondition": stopping,
            "CheckpointConfig": {
                "S3Uri": self.checkpoint_uri(rec.trial_id),
                "LocalPath": CHECKPOINT_LOCAL_PATH,
            },
            "EnableManagedSpotTraining": self.use_spot_instances,
            "Tags": job_tags(self.run_id, rec.trial_id, a.attempt, self.tuner_name,
                             self.user_tags),
        }
        if self.keep_alive_seconds:
            request["ResourceConfig"]["KeepAlivePeriodInSeconds"] = self.keep_alive_seconds
        if self.inputs:
            request["InputDataConfig"] = [
                {
                    "ChannelName": ch,
                    "DataSource": {"S3DataSource": {
                        "S3DataType": "S3Prefix", "S3Uri": uri,
                        "S3DataDistributionType": "FullyReplicated",
                    }},
                }
                for ch, uri in self.inputs.items()
            ]
        if self._environment:
            request["Environment"] = dict(self._environment)
        if self.subnets is not None:
            request["VpcConfig"] = {"Subnets": self.subnets,
                                    "SecurityGroupIds": self.security_group_ids}
        return request

    def _create_job(self, a: Attempt, request: dict[str, Any]):
        if self._check_existing_before_create and self._adopt_existing(a):
            return
        try:
            self._call("CreateTrainingJob", self.sagemaker.create_training_job, **request)
        except ClientError as e:
            # a retried create whose first call went through: adopt the job if it is ours
            if error_code(e) in ("ResourceInUse", "ValidationException") and \
                    "exist" in error_message(e).lower() and self._adopt_existing(a):
                return
            raise
        a.created = True
        a.status = RUNNING  # a created job is InProgress (secondary status "Starting")

    def _adopt_existing(self, a: Attempt) -> bool:
        """If a job named ``a.job_name`` exists with this run's tags, take it over."""
        try:
            desc = self._call("DescribeTrainingJob", self.sagemaker.describe_training_job,
                              TrainingJobName=a.job_name)
        except ClientError as e:
            if error_code(e) == "ValidationException":
                return False  # no such job
            raise
        tags = self._job_tags(desc["TrainingJobArn"])
        if tags.get(TAG_RUN_ID) != self.run_id or tags.get(TAG_ATTEMPT) != str(a.attempt):
            raise RuntimeError(
                f"a training job named {a.job_name!r} exists but does not belong to run "
                f"{self.run_id} (tags {tags}); choose another run_id or job_name_prefix"
            )
        a.created = True
        self._apply_description(a, desc)
        logger.info("re-attached to existing job %s", a.job_name)
        return True

    def _job_tags(self, arn: str) -> dict[str, str]:
        tags: dict[str, str] = {}
        kwargs: dict[str, Any] = {"ResourceArn": arn}
        while True:
            page = self._call("ListTags", self.sagemaker.list_tags, **kwargs)
            tags.update({t["Key"]: t["Value"] for t in page.get("Tags", [])})
            token = page.get("NextToken")
            if not token:
                return tags
            kwargs["NextToken"] = token

    def _stop_job(self, a: Attempt) -> bool:
        """``StopTrainingJob`` (idempotent); False if the call failed after retries."""
        if not a.created or a.terminal:
            return True
        try:
            self._call("StopTrainingJob", self.sagemaker.stop_training_job,
                       TrainingJobName=a.job_name)
        except ClientError as e:
            # ValidationException: the job already ended (or is already stopping)
            if error_code(e) != "ValidationException":
                logger.error("could not stop job %s: %s", a.job_name, error_message(e))
                return False
        except Exception as e:  # noqa: BLE001 -- connection errors after all retries
            logger.error("could not stop job %s: %s", a.job_name, error_message(e))
            return False
        a.stop_requested = True
        return True

    def _pause_trial(self, trial_id: int, result: dict | None):
        with self._lock:
            rec = self._records[trial_id]
            rec.local_status = Status.paused
            rec.pending_config = None
            if rec.attempts:
                self._stop_job(rec.attempts[-1])

    def _resume_trial(self, trial_id: int):
        with self._lock:
            self._records[trial_id].local_status = None

    def _stop_trial(self, trial_id: int, result: dict | None):
        with self._lock:
            rec = self._records[trial_id]
            rec.local_status = Status.stopped
            rec.pending_config = None
            if rec.attempts:
                a = rec.attempts[-1]
                self._stop_job(a)
                a.logs_done = True  # results after a stop decision are never shown
            self._release_held(rec)

    def busy_trial_ids(self) -> list[tuple[int, str]]:
        with self._lock:
            out = []
            for rec in self._records.values():
                status = self._trial_status(rec)
                if status in BUSY_STATUS:
                    out.append((rec.trial_id, status))
            return out

    def stdout(self, trial_id: int) -> list[str]:
        rec = self._records.get(trial_id)
        return [] if rec is None else [line + "\n" for line in rec.stdout]

    def stderr(self, trial_id: int) -> list[str]:
        rec = self._records.get(trial_id)
        if rec is None:
            return []
        lines = list(rec.reasons)
        for a in rec.attempts:
            if a.failure_reason and not any(a.failure_reason in r for r in lines):
                lines.append(f"job {a.job_name}: {a.failure_reason}")
        return [line + "\n" for line in lines]

    # -- checkpoints ------------------------------------------------------------------------
    def _s3_uri(self, *parts: str) -> str:
        return "s3://" + s3_join(self._bucket, self._prefix, self.run_id, *parts)

    def checkpoint_uri(self, trial_id: int) -> str:
        """S3 prefix the trial's jobs sync ``/opt/ml/checkpoints`` with."""
        return self._s3_uri("checkpoints", str(int(trial_id))) + "/"

    def _checkpoint_key_prefix(self, trial_id: int) -> str:
        return s3_join(self._prefix, self.run_id, "checkpoints", str(int(trial_id))) + "/"

    def _list_keys(self, prefix: str) -> list[str]:
        keys = []
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix}
        while True:
            page = self._call("ListObjectsV2", self.s3.list_objects_v2, **kwargs)
            keys += [o["Key"] for o in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return keys
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def copy_checkpoint(self, src_trial_id: int, tgt_trial_id: int):
        src = self._checkpoint_key_prefix(src_trial_id)
        tgt = self._checkpoint_key_prefix(tgt_trial_id)
        for key in self._list_keys(src):
            self._call("CopyObject", self.s3.copy_object, Bucket=self._bucket,
                       Key=tgt + key[len(src):], CopySource={"Bucket": self._bucket, "Key": key})

    def delete_checkpoint(self, trial_id: int):
        keys = self._list_keys(self._checkpoint_key_prefix(trial_id))
        for i in range(0, len(keys), 1000):
            self._call("DeleteObjects", self.s3.delete_objects, Bucket=self._bucket,
                       Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})

    def _ensure_code_uploaded(self) -> str:
        if self._code_uri is None:
            body = pack_source_dir(Path(self.source_dir))
            key = s3_join(self._prefix, self.run_id, "code", "sourcedir.tar.gz")
            self._call("PutObject", self.s3.put_object, Bucket=self._bucket, Key=key, Body=body)
            self._code_uri = f"s3://{self._bucket}/{key}"
            logger.info("uploaded %s (%d bytes) to %s", self.source_dir, len(body), self._code_uri)
        return self._code_uri

    # -- polling ----------------------------------------------------------------------------
    def _all_trial_results(self, trial_ids: list[int]) -> list[TrialResult]:
        with self._lock:
            self._poll()
            out = [self._trial_result(tid) for tid in trial_ids]
            now = time.time()
            for tr in out:
                self._apply_cost_cap(tr, lambda tid=tr.trial_id: self.trial_cost(tid, now))
            return out

    def _trial_result(self, trial_id: int) -> TrialResult:
        rec = self._records[trial_id]
        end = rec.attempts[-1].training_end if rec.attempts else None
        held = self._held.get(trial_id)
        return self._trial_dict[trial_id].add_results(
            metrics=rec.metrics[:held[1]] if held is not None else list(rec.metrics),
            status=self._trial_status(rec),
            training_end_time=datetime.fromtimestamp(end) if end is not None else None,
        )

    def _trial_status(self, rec: TrialRecord) -> str:
        if rec.local_status is not None:
            return rec.local_status
        if rec.pending_config is not None or not rec.attempts:
            return Status.in_progress
        a = rec.attempts[-1]
        if not a.created:
            return Status.failed if a.status == "Failed" else Status.in_progress
        if a.terminal and not a.logs_done:
            return Status.in_progress  # report the end once its last log lines are read
        return SM_TO_TRIAL.get(a.status, Status.in_progress)

    def _poll(self):
        """One polling round: statuses of all unfinished jobs, then their new log lines."""
        self._round += 1
        live = [a for rec in self._records.values() for a in rec.attempts
                if a.created and (not a.terminal or self._pool_pending(a))]
        self._refresh_statuses(live)
        # launch resumes whose previous job has ended
        for rec in self._records.values():
            if rec.pending_config is not None and self.is_cost_capped(rec.trial_id):
                rec.pending_config = None  # e.g. re-attached after a crash: it stays ended
            if rec.pending_config is not None and rec.local_status is None and \
                    self._attempt_finished(rec.attempts[-1]):
                self._launch(rec, rec.pending_config)
        todo = [(rec, i) for rec in self._records.values()
                for i, a in enumerate(rec.attempts) if a.created and not a.logs_done]
        outcomes = self._parallel(self._fetch_logs, todo)
        for (rec, i), (events, listed, err) in zip(todo, outcomes):
            self._ingest(rec, i, events)
            a = rec.attempts[i]
            if err is not None:
                logger.warning("job %s: reading logs failed (%s); will retry next round",
                               a.job_name, error_message(err))
                continue
            if a.terminal:
                # every stream was read to its end after the job ended; one more round if that
                # read still brought lines (CloudWatch ingestion may lag behind the job's end)
                if listed:
                    a.streams_listed_after_end = True
                if a.streams_listed_after_end and not events:
                    a.logs_done = True
                    self._release_held(rec, i)

    def _refresh_statuses(self, attempts: list[Attempt]):
        if not attempts:
            return
        remaining = {a.job_name: a for a in attempts}
        if len(attempts) >= self.search_min_jobs:
            try:
                now = time.monotonic()
                for job in self._search_running_jobs():
                    a = remaining.get(job.get("TrainingJobName"))
                    # Search's index lags behind: a job it still shows running is described
                    # anyway when its last Describe is older than max_status_age_s
                    if a is not None and not a.stop_requested \
                            and job.get("TrainingJobStatus") == RUNNING \
                            and now - a.described_at < self.max_status_age_s:
                        self._apply_description(a, job)
                        del remaining[a.job_name]
            except Exception as e:  # noqa: BLE001 -- fall back to one Describe per job
                logger.warning("Search failed (%s); describing jobs one by one", error_message(e))

        def describe(a: Attempt):
            try:
                return self._call("DescribeTrainingJob", self.sagemaker.describe_training_job,
                                  TrainingJobName=a.job_name)
            except Exception as e:  # noqa: BLE001 -- keep the old status, retry next round
                return e

        todo = list(remaining.values())
        for a, desc in zip(todo, self._parallel(describe, todo)):
            if isinstance(desc, Exception):
                logger.warning("job %s: DescribeTrainingJob failed (%s); will retry next round",
                               a.job_name, error_message(desc))
            else:
                a.described_at = time.monotonic()
                self._apply_description(a, desc)

    def _search_running_jobs(self) -> Iterable[dict[str, Any]]:
        # the status filter comes first; filters are ANDed
        expression = {"Filters": [
            {"Name": "TrainingJobStatus", "Operator": "Equals", "Value": RUNNING},
            {"Name": f"Tags.{TAG_RUN_ID}", "Operator": "Equals", "Value": self.run_id},
        ]}
        kwargs: dict[str, Any] = {"Resource": "TrainingJob", "SearchExpression": expression,
                                  "MaxResults": 100}
        while True:
            page = self._call("Search", self.sagemaker.search, **kwargs)
            for item in page.get("Results", []):
                if "TrainingJob" in item:
                    yield item["TrainingJob"]
            token = page.get("NextToken")
            if not token:
                return
            kwargs["NextToken"] = token

    def _apply_description(self, a: Attempt, d: Mapping[str, Any]):
        was_terminal = a.terminal
        status = d.get("TrainingJobStatus", a.status)
        if was_terminal and status not in TERMINAL:
            return  # never go back from a terminal state (stale Search results)
        a.status = status
        a.secondary_status = d.get("SecondaryStatus", a.secondary_status)
        a.failure_reason = d.get("FailureReason", a.failure_reason)
        a.training_start = epoch_seconds(d.get("TrainingStartTime")) or a.training_start
        a.training_end = epoch_seconds(d.get("TrainingEndTime")) or a.training_end
        if d.get("TrainingTimeInSeconds") is not None:
            a.training_seconds = float(d["TrainingTimeInSeconds"])
        if d.get("BillableTimeInSeconds") is not None:
            a.billable_seconds = float(d["BillableTimeInSeconds"])
        a.creation_time = epoch_seconds(d.get("CreationTime")) or a.creation_time
        self._apply_warm_pool(a, d.get("WarmPoolStatus"))
        if a.terminal and not was_terminal:
            a.streams_listed_after_end = False
            if a.status == "Failed":
                kind = "capacity" if is_capacity_error(a.failure_reason) else "failure"
                logger.warning("job %s failed (%s): %s", a.job_name, kind, a.failure_reason)

    def _pool_pending(self, a: Attempt) -> bool:
        """An ended job whose warm pool is still kept: described on, until the pool was
        reused (by which job) or terminated (its final retained billable seconds)."""
        return bool(self.keep_alive_seconds) and a.terminal and a.warm_pool_status in (
            None, "Available", "InUse")

    def _apply_warm_pool(self, a: Attempt, wp: Mapping[str, Any] | None):
        if not wp:
            return
        a.warm_pool_status = wp.get("Status", a.warm_pool_status)
        if wp.get("ResourceRetainedBillableTimeInSeconds") is not None:
            a.warm_pool_billable_seconds = float(wp["ResourceRetainedBillableTimeInSeconds"])
        if a.warm_pool_status == "InUse":
            a.reused_warm_pool = True
        reused_by = wp.get("ReusedByJob")
        if reused_by and reused_by != a.warm_pool_reused_by:
            a.warm_pool_reused_by = reused_by
            for rec in self._records.values():
                for other in rec.attempts:
                    if other.job_name == reused_by:
                        other.reused_warm_pool = True
            logger.info("job %s reused the warm pool of job %s", reused_by, a.job_name)

    def _fetch_logs(self, item: tuple[TrialRecord, int]):
        """(events, listed streams this round, error) of one job; runs in the poll threads."""
        rec, i = item
        a = rec.attempts[i]
        listed = False
        try:
            if (a.terminal and not a.streams_listed_after_end) or not a.cursor.tokens \
                    or self._round % self.stream_refresh_rounds == 0:
                list_streams(self.logs, a.cursor, self._call)
                listed = a.terminal
        except Exception as e:  # noqa: BLE001 -- retried next round
            return [], False, e
        events, err = read_new_events(self.logs, a.cursor, self._call)
        return events, listed, err

    def _ingest(self, rec: TrialRecord, attempt_index: int, events: list[LogEvent]):
        """Parse new log lines of one job; every metric gets the trial's time and cost so far.

        ``st_worker_time`` = training seconds of the trial's earlier jobs + seconds of this job
        up to the result's time stamp (never decreasing: container and service clocks may
        differ). ``st_worker_cost`` = billed dollars of the earlier jobs + this job's dollars
        up to that time: on demand while the job runs (its bill is not known yet), scaled by
        billed / trained seconds once it ended (managed-spot savings). Results read after the
        job ended are held back until its logs are read to the end; the last of them then
        carries the job's whole bill (time after the last report, e.g. the upload, is billed
        too), so that the trial's last result equals its bill. A result read while the job
        still ran keeps its on-demand estimate: it was already handed to the scheduler.
        """
        if not events:
            return
        a = rec.attempts[attempt_index]
        held = self._held.get(rec.trial_id)
        if held is not None and held[0] != attempt_index:
            self._release_held(rec)  # an earlier job's results come first, and are final
        prev = rec.attempts[:attempt_index]
        base_seconds = sum(p.total_seconds() for p in prev)
        base_cost = sum(p.total_cost() for p in prev)
        billed_fraction = a._billing_ratio()  # 1 while running, billable / trained once ended
        for ev in events:
            rec.stdout.append(ev.message.rstrip("\n"))
            metric = parse_metric_line(ev.message)
            if metric is None:
                continue
            event_ts = ev.timestamp_ms / 1000.0
            t = metric.get(ST_WORKER_TIMESTAMP)
            if not isinstance(t, (int, float)) or not math.isfinite(t):
                t = event_ts
                metric[ST_WORKER_TIMESTAMP] = event_ts
            script_time = metric.get(ST_WORKER_TIME)
            fallback = script_time if isinstance(script_time, (int, float)) else None
            rec.last_time = max(rec.last_time, base_seconds + a.seconds_at(t, fallback))
            seconds = max(0.0, rec.last_time - base_seconds)
            rec.last_cost = base_cost + dollar_cost(seconds * billed_fraction,
                                                    a.price_per_hour, a.instance_count)
            metric[ST_WORKER_TIME] = rec.last_time
            metric[ST_WORKER_COST] = rec.last_cost
            if a.terminal and rec.trial_id not in self._held:
                self._held[rec.trial_id] = (attempt_index, len(rec.metrics))
            rec.metrics.append(metric)

    def _release_held(self, rec: TrialRecord, attempt_index: int | None = None):
        """Hand over the results held back for an ended job (only for ``attempt_index`` if
        given); the last of them gets the trial's billed cost up to the end of that job."""
        held = self._held.get(rec.trial_id)
        if held is None or (attempt_index is not None and held[0] != attempt_index):
            return
        del self._held[rec.trial_id]
        i, start = held
        if len(rec.metrics) > start:
            bill = sum(p.total_cost() for p in rec.attempts[:i + 1])
            rec.metrics[-1][ST_WORKER_COST] = bill
            rec.last_cost = bill

    # -- safety -----------------------------------------------------------------------------
    def _install_hooks(self):
        if self._hooks_installed or not self.install_signal_handlers:
            return
        self._hooks_installed = True
        atexit.register(self._atexit)
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._prev_handlers[sig] = signal.getsignal(sig)
                signal.signal(sig, self._on_signal)
            except (ValueError, OSError):  # pragma: no cover -- not allowed here
                self._prev_handlers.pop(sig, None)

    def _on_signal(self, signum: int, frame):
        logger.warning("signal %d: stopping the SageMaker jobs of run %s", signum, self.run_id)
        self.stop_all_jobs()
        prev = self._prev_handlers.get(signum)
        if callable(prev):
            prev(signum, frame)
        elif prev == signal.SIG_IGN:
            return
        elif signum == signal.SIGINT:
            raise KeyboardInterrupt
        else:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    def _atexit(self):
        try:
            left = self.stop_all_jobs()
            if left:
                logger.error("jobs possibly still running after exit: %s", ", ".join(left))
        except Exception as e:  # noqa: BLE001 -- at exit, report and go on
            logger.error("stopping jobs at exit failed: %s", error_message(e))

    def close(self):
        """Remove the signal handlers and the ``atexit`` hook, shut the poll threads down.
        Does not stop jobs (call :meth:`stop_all` for that)."""
        if self._hooks_installed:
            atexit.unregister(self._atexit)
            if threading.current_thread() is threading.main_thread():
                for sig, prev in self._prev_handlers.items():
                    if signal.getsignal(sig) == self._on_signal:
                        signal.signal(sig, prev)
            self._prev_handlers.clear()
            self._hooks_installed = False
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def stop_all_jobs(self) -> list[str]:
        """Call ``StopTrainingJob`` on every job of this backend that has not ended, cancel
        deferred resumes; returns the names of jobs that could not be stopped."""
        failed = []
        for rec in list(self._records.values()):
            rec.pending_config = None
            for a in rec.attempts:
                if a.created and not a.terminal and not self._stop_job(a):
                    failed.append(a.job_name)
        return failed

    def stop_all(self):
        """Stop every running job and mark unfinished trials stopped (end of tuning)."""
        with self._lock:
            for rec in self._records.values():
                if self._trial_status(rec) in BUSY_STATUS:
                    rec.local_status = Status.stopped
                    if rec.attempts:
                        rec.attempts[-1].logs_done = True
            failed = self.stop_all_jobs()
        if failed:
            logger.error("could not stop jobs %s; stop them in the SageMaker console",
                         ", ".join(failed))
        if self.keep_alive_seconds:
            self.release_warm_pools()
        if self.delete_checkpoints:
            for trial_id in list(self._records):
                self.delete_checkpoint(trial_id)

    def wait_for_jobs(self, timeout_s: float = 600.0, poll_s: float = 10.0) -> list[str]:
        """Poll until every job of this backend has ended (e.g. after :meth:`stop_all`, to get
        final billed costs); returns the names of jobs still not ended at ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                live = [a for rec in self._records.values() for a in rec.attempts
                        if a.created and not a.terminal]
                self._refresh_statuses(live)
                live = [a.job_name for a in live if not a.terminal]
            if not live or time.monotonic() >= deadline:
                return live
            time.sleep(poll_s)

    # -- reporting --------------------------------------------------------------------------
    def job_names(self, trial_id: int) -> list[str]:
        """Names of the jobs of a trial, first attempt first (including uncreated ones)."""
        return [a.job_name for a in self._records[trial_id].attempts]

    def trial_record(self, trial_id: int) -> dict[str, Any]:
        """Status, failure reasons, jobs (instance, status, billed seconds, cost) of a trial."""
        rec = self._records[trial_id]
        return {
            "trial_id": trial_id,
            "status": self._trial_status(rec),
            "reasons": self.stderr(trial_id),
            "cost": sum(a.total_cost() for a in rec.attempts),
            "jobs": [
                {
                    "job_name": a.job_name,
                    "attempt": a.attempt,
                    "created": a.created,
                    "instance_type": a.instance_type,
                    "instance_count": a.instance_count,
                    "status": a.status,
                    "secondary_status": a.secondary_status,
                    "failure_reason": a.failure_reason,
                    "capacity_error": is_capacity_error(a.failure_reason),
                    "training_seconds": a.training_seconds,
                    "billable_seconds": a.billable_seconds,
                    "cost": a.total_cost(),
                    "startup_seconds": a.startup_seconds,
                    "reused_warm_pool": a.reused_warm_pool,
                    "warm_pool_status": a.warm_pool_status,
                    "warm_pool_reused_by": a.warm_pool_reused_by,
                    "warm_pool_billable_seconds": a.warm_pool_billable_seconds,
                    "warm_pool_cost": self._warm_pool_cost(a),
                }
                for a in rec.attempts
            ],
        }

    @staticmethod
    def _warm_pool_cost(a: Attempt) -> float:
        return dollar_cost(a.warm_pool_billable_seconds or 0.0, a.price_per_hour,
                           a.instance_count)

    def warm_pool_report(self) -> list[dict[str, Any]]:
        """One row per created job, in launch order: ``trial_id``, ``attempt``, ``job_name``,
        ``instance_type``, ``reused_warm_pool`` (it started on instances an earlier job kept),
        ``startup_seconds`` (``CreationTime`` -> ``TrainingStartTime``: waiting for instances,
        not billed), ``warm_pool_status``, ``warm_pool_reused_by``,
        ``warm_pool_billable_seconds`` and ``warm_pool_cost`` (the time its instances were
        kept after it ended: billed by SageMaker on top of the job, ``seconds x price x
        count``; not part of any trial's ``st_worker_cost``)."""
        with self._lock:
            rows = [
                {
                    "trial_id": rec.trial_id,
                    "attempt": a.attempt,
                    "job_name": a.job_name,
                    "instance_type": a.instance_type,
                    "reused_warm_pool": a.reused_warm_pool,
                    "startup_seconds": a.startup_seconds,
                    "warm_pool_status": a.warm_pool_status,
                    "warm_pool_reused_by": a.warm_pool_reused_by,
                    "warm_pool_billable_seconds": a.warm_pool_billable_seconds,
                    "warm_pool_cost": self._warm_pool_cost(a),
                    "creation_time": a.creation_time,
                }
                for rec in self._records.values() for a in rec.attempts if a.created
            ]
        return sorted(rows, key=lambda r: (r["creation_time"] or 0.0, r["job_name"]))

    def warm_pool_cost(self) -> float:
        """Dollars SageMaker bills for the warm pools of this backend's jobs so far."""
        with self._lock:
            return sum(self._warm_pool_cost(a) for rec in self._records.values()
                       for a in rec.attempts)

    def release_warm_pools(self) -> list[str]:
        """End the warm pools this backend's jobs still keep (``UpdateTrainingJob`` with
        ``KeepAlivePeriodInSeconds=0``), so that they are no longer billed; returns the job
        names whose pools were released. :meth:`stop_all` calls it at the end of tuning."""
        released = []
        with self._lock:
            kept = [a for rec in self._records.values() for a in rec.attempts
                    if a.created and a.terminal and self._pool_pending(a)]
            self._refresh_statuses(kept)
            for a in kept:
                if a.warm_pool_status != "Available":
                    continue
                try:
                    self._call("UpdateTrainingJob", self.sagemaker.update_training_job,
                               TrainingJobName=a.job_name,
                               ResourceConfig={"KeepAlivePeriodInSeconds": 0})
                except Exception as e:  # noqa: BLE001 -- report, the pool expires by itself
                    logger.warning("could not release the warm pool of job %s (%s); it ends "
                                   "after its keep-alive period", a.job_name, error_message(e))
                    continue
                released.append(a.job_name)
            self._refresh_statuses([a for a in kept if a.job_name in released])
        return released

    def total_cost(self) -> float:
        """Dollars of all jobs of this backend so far (billed seconds for ended jobs)."""
        now = time.time()
        return sum(a.total_cost(now) for rec in self._records.values() for a in rec.attempts)

    def trial_cost(self, trial_id: int, now: float | None = None) -> float:
        """Dollars of the jobs of ``trial_id`` so far: billed seconds of ended jobs, the
        on-demand estimate of a running one up to ``now`` (default: the current time)."""
        rec = self._records[trial_id]
        now = time.time() if now is None else now
        return sum(a.total_cost(now) for a in rec.attempts)

    # -- durable runs -----------------------------------------------------------------------
    def find_run_jobs(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Training jobs of a run found on SageMaker (``ListTrainingJobs`` with the run id in
        the name, confirmed by the run-id tag): dicts with ``job_name``, ``trial_id``,
        ``attempt``, ``status``; sorted by trial and attempt."""
        run_id = run_id or self.run_id
        found = []
        kwargs: dict[str, Any] = {"NameContains": run_id, "MaxResults": 100}
        while True:
            page = self._call("ListTrainingJobs", self.sagemaker.list_training_jobs, **kwargs)
            for s in page.get("TrainingJobSummaries", []):
                tags = self._job_tags(s["TrainingJobArn"])
                if tags.get(TAG_RUN_ID) != run_id:
                    continue
                found.append({
                    "job_name": s["TrainingJobName"],
                    "trial_id": int(tags.get(TAG_TRIAL_ID, -1)),
                    "attempt": int(tags.get(TAG_ATTEMPT, -1)),
                    "status": s.get("TrainingJobStatus"),
                })
            token = page.get("NextToken")
            if not token or token == kwargs.get("NextToken"):
                break
            kwargs["NextToken"] = token
        return sorted(found, key=lambda j: (j["trial_id"], j["attempt"]))

    def describe_job(self, job_name: str) -> dict[str, Any]:
        """``DescribeTrainingJob`` of ``job_name`` as boto3 returns it (status, times,
        ``ResourceConfig``, ...); throttling, 5xx and connection errors are retried."""
        return self._call("DescribeTrainingJob", self.sagemaker.describe_training_job,
                          TrainingJobName=job_name)

    def reattach_trial(
        self,
        trial_id: int,
        config: Mapping[str, Any],
        status: str,
        jobs: Iterable[Mapping[str, Any]] = (),
    ) -> ReattachedTrial:
        """Take a trial of this run over from an earlier driver, from its jobs on SageMaker.

        Each job is described (instance type and count, status, times; price from this
        backend's price table) and becomes one attempt of the trial, whose logs are read again
        from the start. The trial's record replaces any this backend held, and from now on an
        existing job of this run is adopted by name before a new one is created (as after
        :meth:`load_state_dict`). Reset the backend first (``load_state_dict`` with no trials)
        to drop the state of trials that are not re-attached.

        :param trial_id: the trial's id
        :param config: the trial's (latest) config
        :param status: the trial's Syne Tune status for the scheduler. ``in_progress``: the
            trial is followed again (see :class:`ReattachedTrial` for what it needs next).
            Anything else: the trial had ended for the scheduler, its running jobs are
            stopped, its logs are not read again, and it reports ``paused`` / ``stopped`` if
            that was its status, else the status of its last job.
        :param jobs: the trial's jobs as :meth:`find_run_jobs` lists them (``job_name`` and
            ``attempt`` are used), in any order
        :return: the jobs found, the jobs stopped, and what the trial needs next
        """
        with self._lock:
            rec = TrialRecord(trial_id=trial_id, config=dict(config))
            for j in sorted(jobs, key=lambda j: j["attempt"]):
                desc = self.describe_job(j["job_name"])
                rc = desc.get("ResourceConfig", {})
                itype = rc.get("InstanceType") or self.default_instance_type
                a = Attempt(job_name=j["job_name"], attempt=j["attempt"], instance_type=itype,
                            instance_count=int(rc.get("InstanceCount", 1)),
                            price_per_hour=self._price_of(itype), created=True)
                self._apply_description(a, desc)
                rec.attempts.append(a)
            stopped: list[str] = []
            action: Literal["ended", "reattached", "resume", "launch"]
            if status != Status.in_progress:
                # finished for the scheduler: its logs are not needed; its jobs must end
                for a in rec.attempts:
                    a.logs_done = True
                    if not a.terminal:
                        self._stop_job(a)
                        stopped.append(a.job_name)
                if status in (Status.paused, Status.stopped):
                    rec.local_status = status
                action = "ended"
            elif not rec.attempts:
                action = "launch"  # the driver died before CreateTrainingJob
            elif rec.attempts[-1].status == "Stopped":
                # stopped by the dying driver's handler or by hand: continue from checkpoint
                rec.pending_config = dict(config)
                action = "resume"
            else:
                action = "reattached"
            self._records[trial_id] = rec
            self._held.pop(trial_id, None)
            self._check_existing_before_create = True
            return ReattachedTrial(
                trial_id=trial_id,
                jobs=tuple(a.job_name for a in rec.attempts),
                last_job_status=rec.attempts[-1].status if rec.attempts else None,
                stopped_jobs=tuple(stopped),
                action=action,
            )

    def launch_job(self, trial_id: int, config: Mapping[str, Any]) -> None:
        """Launch the next job of a trial this backend already holds, e.g. one that
        :meth:`reattach_trial` found without any job (action ``"launch"``), with ``config``.

        Unlike Syne Tune's ``start_trial`` / ``resume_trial`` this touches no trial
        bookkeeping of the ``TrialBackend``. After :meth:`reattach_trial` or
        :meth:`load_state_dict`, a job of the same name and run that already exists on
        SageMaker is adopted instead of created twice. If the trial's last job is still
        running, the launch waits for it to end (as a resume does).
        """
        self._schedule(trial_id, dict(config))

    def state_dict(self) -> dict[str, Any]:
        """JSON-serializable state (run id, code URI, per-trial jobs, log tokens, metrics)."""
        with self._lock:
            return {
                "run_id": self.run_id,
                "code_uri": self._code_uri,
                "trials": {str(tid): rec.to_dict() for tid, rec in self._records.items()},
                "held": {str(tid): list(h) for tid, h in self._held.items()},
                "cost_capped": {str(tid): list(kc) for tid, kc in self.cost_cap_records().items()},
            }

    def load_state_dict(self, state: Mapping[str, Any]):
        """Restore :meth:`state_dict` output (same ``run_id``); jobs are then re-attached by
        name before any new one is created, so a restarted driver never duplicates a job."""
        with self._lock:
            self.run_id = state["run_id"]
            self._code_uri = state.get("code_uri")
            self._records = {int(k): TrialRecord.from_dict(v)
                             for k, v in state.get("trials", {}).items()}
            self._held = {int(k): (int(h[0]), int(h[1])) for k, h in state.get("held", {}).items()
                          if int(k) in self._records}
            for k, (keep, cost) in state.get("cost_capped", {}).items():
                self.restore_cost_cap(int(k), int(keep), float(cost))
            self._check_existing_before_create = True
