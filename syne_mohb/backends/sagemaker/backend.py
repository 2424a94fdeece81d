"""The SageMaker trial backend: :class:`SageMakerBackend`, composed of the package's concerns
(see :mod:`syne_mohb.backends.sagemaker` for the layout and the whole design)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Mapping

import boto3
from syne_tune.backend.trial_backend import BUSY_STATUS, TrialBackend
from syne_tune.backend.trial_status import Status

from syne_mohb.backends.cost import CostCapMixin
from syne_mohb.backends.sagemaker.checkpoints import S3Storage
from syne_mohb.backends.sagemaker.clients import AwsAccess
from syne_mohb.backends.sagemaker.cost import JobCost
from syne_mohb.backends.sagemaker.jobs import (
    check_environment,
    check_int,
    check_job_settings,
    make_run_id,
    parse_s3_uri,
    validate_user_tags,
)
from syne_mohb.backends.sagemaker.launch import JobLauncher
from syne_mohb.backends.sagemaker.poller import JobPoller
from syne_mohb.backends.sagemaker.reattach import Reattach
from syne_mohb.backends.sagemaker.records import TrialRecord
from syne_mohb.backends.sagemaker.redaction import REDACTOR
from syne_mohb.backends.sagemaker.retry import RetryPolicy
from syne_mohb.backends.sagemaker.warm_pools import WarmPools
from syne_mohb.hardware import (
    InstanceCatalog,
    PriceTable,
    UnknownInstanceTypeError,
    load_catalog,
)
from syne_mohb.hardware.cost import check_instance_count

logger = logging.getLogger(__name__)


class SageMakerBackend(JobLauncher, JobPoller, JobCost, WarmPools, Reattach, S3Storage, AwsAccess,
                       CostCapMixin, TrialBackend):
    """Syne Tune trial backend running each trial as a SageMaker training job (boto3 only).

    The instance type of a trial is its config's ``instance_type`` (else ``instance_type``),
    the instance count its config's ``instance_count`` (else ``instance_count``). The config
    goes to the job as ``HyperParameters`` (JSON-encoded strings, see
    :func:`~syne_mohb.backends.sagemaker.jobs.encode_hyperparameters`) with
    ``st_checkpoint_dir=/opt/ml/checkpoints``, which SageMaker syncs with the trial's S3
    checkpoint prefix ``<s3_root>/<run_id>/checkpoints/<trial_id>/``.

    :param entry_point: training script (reports with ``syne_tune.Reporter``); a relative path
        is taken from the current folder and kept absolute (a durable run resumed from another
        folder ships the same code)
    :param image_uri: framework container image with the SageMaker training toolkit (script
        mode), e.g. a PyTorch training image of the region
    :param role_arn: IAM role the jobs run as, ``arn:aws:iam::<account>:role/<name>`` (its
        permissions: ``docs/reference/sagemaker-backend.md``, "IAM permissions")
    :param s3_root: ``s3://bucket/prefix`` for code, checkpoints and outputs (the bucket must
        exist: the first code upload raises ``ValueError`` naming ``s3_root`` otherwise)
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
    :param environment: environment variables of the container (never logged: while the
        backend is open, botocore's debug logs have them redacted, see
        :mod:`~syne_mohb.backends.sagemaker.redaction`)
    :param tags: extra tags of every job (keys ``syne-mohb:*`` / ``aws:*`` are reserved)
    :param subnets: VPC subnets (with ``security_group_ids``)
    :param security_group_ids: VPC security groups (with ``subnets``)
    :param job_name_prefix: start of job names (default: the script's file name)
    :param run_id: identifier of this tuning run in job names and tags (default: fresh)
    :param catalog: instance catalog for prices (default ``load_catalog(region=...)``)
    :param prices: $/hour overrides per instance type (take precedence over the catalog); each
        must be an instance type the catalog knows
    :param config_space: if given, checked now with :meth:`validate_config_space` (every
        instance type priced, ``instance_count`` ints >= 1); no AWS call
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
        config_space: Mapping[str, Any] | None = None,
    ):
        super().__init__(delete_checkpoints=delete_checkpoints, pass_args_as_json=False)
        self._init_cost_cap(max_cost_per_trial)
        entry = Path(entry_point)
        if not entry.is_file():
            raise ValueError(f"entry_point {entry_point!r} is not an existing file")
        src = Path(source_dir) if source_dir is not None else entry.parent
        if not src.is_dir():
            raise ValueError(f"source_dir {source_dir!r} is not an existing folder")
        # absolute: the code is packed again after unpickling (a resume may run elsewhere)
        entry, src = Path(os.path.abspath(entry)), Path(os.path.abspath(src))
        self._program = self._program_in(entry, src)
        self._bucket, self._prefix = parse_s3_uri(s3_root, "s3_root")
        self.default_instance_count = check_instance_count(instance_count, "instance_count")
        check_job_settings(
            image_uri=image_uri, role_arn=role_arn, volume_size_gb=volume_size_gb,
            max_run_seconds=max_run_seconds, use_spot_instances=use_spot_instances,
            max_wait_seconds=max_wait_seconds, keep_alive_seconds=keep_alive_seconds,
            subnets=subnets, security_group_ids=security_group_ids, output_path=output_path,
            inputs=inputs, environment=environment, run_id=run_id,
        )
        for pname, val in [("max_poll_threads", max_poll_threads),
                           ("search_min_jobs", search_min_jobs),
                           ("stream_refresh_rounds", stream_refresh_rounds)]:
            check_int(pname, val, 1)
        if not isinstance(max_status_age_s, (int, float)) or not max_status_age_s > 0:
            raise ValueError(f"max_status_age_s must be a number > 0, got {max_status_age_s!r}")

        self.entry_point = str(entry)
        self.source_dir = str(src)
        self.image_uri = image_uri
        self.role_arn = role_arn
        self.s3_root = f"s3://{self._bucket}/{self._prefix}".rstrip("/")
        self.output_path = output_path
        self.default_instance_type = instance_type
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

        self._init_clients(boto3_session, {"sagemaker": sagemaker_client, "logs": logs_client,
                                           "s3": s3_client})
        self.region_name = region_name or self._guess_region()
        self._init_job_cost(PriceTable(
            prices=prices,
            catalog=catalog if catalog is not None else load_catalog(region=self.region_name),
        ))
        for name in prices or {}:  # a typo would keep the catalog's price of the type meant
            try:
                self._price_table.catalog.get(name)
            except UnknownInstanceTypeError as e:
                raise UnknownInstanceTypeError(f"prices[{name!r}]: {e}") from None
        self._init_runtime()

        self._records: dict[int, TrialRecord] = {}
        # trial_id -> (attempt index, first index in rec.metrics) of results read after that
        # job ended, held back until its logs are read to the end (then the last one is billed)
        self._held: dict[int, tuple[int, int]] = {}
        self._code_uri: str | None = None
        self._round = 0
        self._check_existing_before_create = False
        self._environment_missing: list[str] = []
        if config_space is not None:
            self.validate_config_space(config_space)

    def set_environment(self, environment: Mapping[str, str]):
        """Set the container environment (needed again after unpickling: values are not saved)."""
        self._environment = check_environment(environment)
        self._environment_missing = []
        REDACTOR.protect(self, self._environment.values())

    @staticmethod
    def _program_in(entry: Path, source_dir: Path) -> str:
        try:
            return str(entry.resolve().relative_to(source_dir.resolve()))
        except ValueError:
            raise ValueError(
                f"entry_point {str(entry)!r} must lie inside source_dir {str(source_dir)!r}"
            ) from None

    # -- TrialBackend interface -------------------------------------------------------------
    def set_path(self, results_root: str | None = None, tuner_name: str | None = None):
        if tuner_name:
            self.tuner_name = tuner_name

    def entrypoint_path(self) -> Path:
        return Path(self.entry_point)

    def set_entrypoint(self, entry_point: str):
        path = Path(os.path.abspath(entry_point))
        self._program = self._program_in(path, Path(self.source_dir))
        self.entry_point = str(path)
        self._code_uri = None  # pack again with the new script

    def __str__(self) -> str:
        return f"SageMaker entry_point {Path(self.entry_point).name} run {self.run_id}"

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
        if rec.failure is not None:
            lines.append(rec.failure)
        return [line + "\n" for line in lines]

    def stop_all(self):
        """Stop every running job and mark unfinished trials stopped (end of tuning); release
        the warm pools still kept; delete checkpoints if ``delete_checkpoints``."""
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

    # -- durable runs -----------------------------------------------------------------------
    def durable_recovery(self):
        """Crash recovery of ``DurableTuner`` runs (:class:`~syne_mohb.backends.sagemaker.
        recovery.SageMakerRecovery`): the run's jobs re-attached by name and tags."""
        from syne_mohb.backends.sagemaker.recovery import SageMakerRecovery

        return SageMakerRecovery()
