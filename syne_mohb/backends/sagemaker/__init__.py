"""SageMaker trial backend on plain boto3: one training job per trial (and per resume), on the
instance type the trial's config chose.

Each trial attempt is a ``CreateTrainingJob`` call whose ``ResourceConfig.InstanceType`` is the
config's ``instance_type``. The user's script folder is packed once per run, uploaded to S3 and
run in script mode by the framework container the user names. Metrics are the
``[tune-metric]: {...}`` lines of Syne Tune's ``Reporter``, read incrementally from the job's
CloudWatch log streams; status comes from ``Search`` (one call for all running jobs of the run)
and ``DescribeTrainingJob`` (for jobs that changed). Every result gets ``st_worker_time`` and
``st_worker_cost`` from the shared cost ledger before the scheduler sees it; an optional
per-trial cost cap (``max_cost_per_trial``) stops trials that spend more. Pause and stop call
``StopTrainingJob``; a resumed trial is a new job reading the trial's S3 checkpoint prefix,
launched once the previous job has ended. With ``keep_alive_seconds`` jobs ask for managed warm
pools. Throttling, 5xx and connection errors are retried with exponential backoff and full
jitter; capacity and quota errors fail only the trial that hit them. Every job carries tags
(run id, trial id, attempt), so that a restarted driver finds the jobs of its run instead of
starting duplicates.

One module per concern (:class:`SageMakerBackend` is their composition, in ``backend``):

* ``jobs``: pure helpers of job requests (names, tags, hyperparameters, S3 URIs, code packing,
  settings checks);
* ``launch``: job requests, creation and adoption of existing jobs, pause / stop;
* ``poller``: the polling round, the job status and log state machine, results;
* ``logs``: incremental CloudWatch reading and metric-line parsing;
* ``cost``: prices, the cost ledger kept in step with the jobs (billed seconds), the report;
* ``warm_pools``: managed warm pools, their report, cost and release;
* ``checkpoints``: the code upload and the trials' S3 checkpoint prefixes;
* ``safety``: SIGINT / SIGTERM handlers and the ``atexit`` hook that stop the jobs;
* ``reattach``: finding a run's jobs, re-attaching trials, the backend's JSON state;
* ``recovery``: crash recovery of durable runs (``SageMakerBackend.durable_recovery()``);
* ``retry``: the retry policy (:class:`RetryPolicy`) and error classification;
* ``records``: what the backend knows of each job and trial; ``clients``: boto3 clients.

The names below are imported on first use, so that importing this package (and ``syne_mohb``)
does not import boto3.

Design after the SageMaker backend of Syne Tune <= 0.13 (Salinas et al., "Syne Tune: A Library
for Large Scale Hyperparameter Tuning and Reproducible Research", AutoML 2022), rewritten on
boto3 without the ``sagemaker`` SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syne_mohb._lazy import lazy_exports

if TYPE_CHECKING:  # pragma: no cover
    from syne_mohb.backends.sagemaker.backend import SageMakerBackend
    from syne_mohb.backends.sagemaker.launch import INSTANCE_COUNT
    from syne_mohb.backends.sagemaker.reattach import ReattachedTrial
    from syne_mohb.backends.sagemaker.recovery import SageMakerRecovery
    from syne_mohb.backends.sagemaker.retry import RetryPolicy

__all__ = ["INSTANCE_COUNT", "ReattachedTrial", "RetryPolicy", "SageMakerBackend",
           "SageMakerRecovery"]

__getattr__, __dir__ = lazy_exports(__name__, {
    "SageMakerBackend": ".backend",
    "INSTANCE_COUNT": ".launch",
    "ReattachedTrial": ".reattach",
    "SageMakerRecovery": ".recovery",
    "RetryPolicy": ".retry",
}, globals())
