"""Job requests and their life cycle: a trial's start or resume becomes a ``CreateTrainingJob``
request on the instance type and count of its config; a job whose creation already went through
(a retried call, a restarted driver) is adopted by name and tags instead of created twice;
pause and stop call ``StopTrainingJob``.

A resume waits until the trial's previous job has ended (so that its last checkpoint is
uploaded); the poller launches it then. Capacity and quota errors fail only the trial that hit
them; a denied call (credentials, IAM) stops the run.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import ClientError
from syne_tune.backend.trial_status import Status
from syne_tune.constants import ST_CHECKPOINT_DIR

from syne_mohb.backends.sagemaker.jobs import (
    CHECKPOINT_LOCAL_PATH,
    HP_MAX_ITEMS,
    TAG_ATTEMPT,
    TAG_RUN_ID,
    encode_hyperparameters,
    job_name,
    job_tags,
)
from syne_mohb.backends.sagemaker.records import RUNNING, Attempt, TrialRecord
from syne_mohb.backends.sagemaker.retry import (
    error_code,
    error_message,
    is_auth_error,
    is_capacity_error,
)
from syne_mohb.hardware import INSTANCE_TYPE
from syne_mohb.hardware.cost import check_instance_count

logger = logging.getLogger(__name__)

INSTANCE_COUNT = "instance_count"
"""Optional config key: number of instances of the trial's job (else the backend's default)."""


class JobLauncher:
    """Mixin of :class:`~syne_mohb.backends.sagemaker.SageMakerBackend`: the ``TrialBackend``
    hooks that create and stop jobs (``_schedule``, ``_pause_trial``, ``_resume_trial``,
    ``_stop_trial``), the request, creation and adoption of a job."""

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
            except Exception:
                # bad input, no bucket, a denied upload: forget the trial, keep nothing half-made
                if not rec.attempts:
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
        count = check_instance_count(config.get(INSTANCE_COUNT, self.default_instance_count),
                                     f"trial {trial_id}: {INSTANCE_COUNT}")
        attempt_no = len(rec.attempts)
        a = Attempt(
            job_name=job_name(self.job_name_prefix, self.run_id, trial_id, attempt_no),
            attempt=attempt_no,
            instance_type=instance_type,
            instance_count=count,
            price_per_hour=price,
            trial_id=trial_id,
        )
        request = self._create_request(rec, a, config)
        rec.attempts.append(a)
        rec.pending_config = None
        if self.install_signal_handlers:
            self._safety.install()
        try:
            self._create_job(a, request)
        except Exception as e:  # noqa: BLE001 -- the trial fails, the run goes on
            if is_auth_error(e):
                raise RuntimeError(
                    f"trial {trial_id}: CreateTrainingJob was denied ({error_message(e)}); "
                    f"check the credentials and the IAM permissions listed in "
                    f"docs/reference/sagemaker-backend.md"
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
        """The ``CreateTrainingJob`` request of job ``a`` of trial ``rec`` with ``config``."""
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
        if not self.stop_job_by_name(a.job_name):
            return False
        a.stop_requested = True
        return True

    def stop_job_by_name(self, name: str) -> bool:
        """``StopTrainingJob`` of ``name`` with retries (a job that already ended or is
        stopping counts as stopped); False, with the error logged, if the call failed."""
        try:
            self._call("StopTrainingJob", self.sagemaker.stop_training_job,
                       TrainingJobName=name)
        except ClientError as e:
            # ValidationException: the job already ended (or is already stopping)
            if error_code(e) != "ValidationException":
                logger.error("could not stop job %s: %s", name, error_message(e))
                return False
        except Exception as e:  # noqa: BLE001 -- connection errors after all retries
            logger.error("could not stop job %s: %s", name, error_message(e))
            return False
        return True

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

    # -- TrialBackend hooks of the scheduler's decisions --------------------------------------
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
