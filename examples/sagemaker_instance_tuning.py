"""Tune hyperparameters *and* the instance type of SageMaker training jobs on (accuracy, cost,
time) with MO-ASHA, under a dollar budget. Runs on real AWS and costs money (the tests run it
against a moto server only).

Every trial is one SageMaker training job (one more per resume) on the instance type its
config chose; ``examples/sagemaker_train.py`` trains an SGD classifier on scikit-learn's digits
and reports accuracy per epoch; the backend adds ``st_worker_time`` and ``st_worker_cost``.
Tuning stops once the reported cost passes ``--max-cost`` dollars; afterwards the script waits
for every job to end and prints the billed total and the Pareto front. If more than
2 x ``--n-workers`` trials fail (e.g. no capacity), tuning stops: the Pareto front of what was
obtained is printed all the same, then one error line, and the script exits with 1.

Usage (arguments fall back to the environment variables in brackets)::

    python examples/sagemaker_instance_tuning.py \\
        --role-arn arn:aws:iam::111122223333:role/SageMakerTuning   [SAGEMAKER_ROLE_ARN] \\
        --bucket my-bucket                                         [SYNE_MOHB_BUCKET] \\
        --image-uri <PyTorch/SKLearn training image URI of the region> [SAGEMAKER_IMAGE_URI] \\
        --region us-east-1 --max-cost 2.0 --n-workers 4 [--spot] [--check-only]

``--check-only`` validates everything it can without calling AWS: the role ARN, the bucket
name (S3 naming rules), the image URI (an ECR image of ``--region``), the prices of ``--region``
and the search space; it needs the same arguments as a real run. In a region other than
us-east-1 (the shipped price snapshot) run ``syne_mohb.hardware.refresh_prices(REGION)`` once,
or give ``--prices ml.m5.large=0.115,ml.c5.xlarge=0.204``. An unknown ``--region`` or a type
in ``--prices`` the catalog does not know is a one-line error naming the closest known ones.
The role needs the permissions listed in docs/reference/sagemaker-backend.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
from syne_tune import StoppingCriterion, Tuner
from syne_tune.config_space import choice, loguniform
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME
from syne_tune.results_callback import StoreResultsCallback

from syne_mohb.backends.sagemaker import SageMakerBackend
from syne_mohb.backends.sagemaker.jobs import check_role_arn as backend_role_check
from syne_mohb.hardware import HardwareFeedback, instance_types, load_catalog
from syne_mohb.hardware.pricing import check_region
from syne_mohb.pareto import pareto_mask
from syne_mohb.scheduler import MOASHA

HERE = Path(__file__).resolve().parent
EPOCHS = 20
POLL_SECONDS = 15.0  # SageMaker jobs take minutes; poll gently (API rate limits)


ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z]{2}(-[a-z]+)+-\d)\.amazonaws\.com(\.cn)?"
    r"/(?P<repo>[a-z0-9]+([._/-][a-z0-9]+)*)(:(?P<tag>[\w][\w.-]{0,127})|@sha256:[0-9a-f]{64})?$"
)


def check_role_arn(value: str) -> str | None:
    """Why ``value`` is not an IAM role ARN (the backend's own check), or None."""
    try:
        backend_role_check(value, parameter="--role-arn")
    except ValueError as e:
        return str(e)
    return None


def check_bucket(value: str) -> str | None:
    """Why ``value`` is not a valid S3 bucket name (S3's naming rules), or None."""
    if value.startswith("s3://"):
        return f"--bucket takes the bucket name only, without s3://, got {value!r}"
    if not 3 <= len(value) <= 63:
        return (f"--bucket {value!r} has {len(value)} characters; S3 bucket names have 3 to 63 "
                f"characters")
    if not re.fullmatch(r"[a-z0-9.-]+", value):
        return (f"--bucket {value!r}: S3 bucket names use only lowercase letters, digits, dots "
                f"and hyphens")
    if not (value[0].isalnum() and value[-1].isalnum()):
        return f"--bucket {value!r}: S3 bucket names begin and end with a letter or digit"
    if ".." in value or re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value):
        return f"--bucket {value!r}: S3 bucket names have no '..' and are not IP addresses"
    return None


def check_image_uri(value: str, region: str) -> str | None:
    """Why ``value`` is not an ECR training image of ``region``, or None."""
    m = ECR_IMAGE.match(value.strip())
    if not m:
        return (f"--image-uri {value!r} is not an ECR image URI; expected "
                f"<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag], e.g. a PyTorch "
                f"or scikit-learn training image of {region}")
    if m.group("region") != region:
        return (f"--image-uri is in region {m.group('region')!r} but the jobs run in {region!r} "
                f"(--region); SageMaker pulls training images from the job's region")
    return None


def parse_prices(value: str | None) -> dict[str, float]:
    """``"ml.m5.large=0.115,ml.c5.xlarge=0.204"`` -> ``{name: $/hour}``."""
    out: dict[str, float] = {}
    for item in filter(None, (v.strip() for v in (value or "").split(","))):
        name, sep, price = item.partition("=")
        try:
            out[name.strip()] = float(price)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"--prices entries are TYPE=DOLLARS_PER_HOUR, got {item!r}") from None
        if not sep or not name.strip() or not out[name.strip()] > 0:
            raise argparse.ArgumentTypeError(
                f"--prices entries are TYPE=DOLLARS_PER_HOUR with a price > 0, got {item!r}")
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--role-arn", default=env("SAGEMAKER_ROLE_ARN"))
    p.add_argument("--bucket", default=env("SYNE_MOHB_BUCKET"))
    p.add_argument("--image-uri", default=env("SAGEMAKER_IMAGE_URI"))
    p.add_argument("--region", default=env("AWS_DEFAULT_REGION", "us-east-1"))
    p.add_argument("--prices", type=parse_prices, default={},
                   help="$/hour of instance types in --region, e.g. ml.m5.large=0.115,... "
                        "(else the catalog's prices: shipped for us-east-1, or refreshed with "
                        "syne_mohb.hardware.refresh_prices(region))")
    p.add_argument("--prefix", default="syne-mohb", help="S3 key prefix for code/checkpoints")
    p.add_argument("--max-cost", type=float, default=2.0, help="dollar budget of the run")
    p.add_argument("--max-price-per-hour", type=float, default=0.6,
                   help="only offer CPU instance types up to this $/hour")
    p.add_argument("--n-workers", type=int, default=4, help="training jobs at the same time")
    p.add_argument("--spot", action="store_true", help="managed spot training")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--check-only", action="store_true",
                   help="validate the arguments, prices and search space; call no AWS API")
    args = p.parse_args(argv)
    env_names = {"role_arn": "SAGEMAKER_ROLE_ARN", "bucket": "SYNE_MOHB_BUCKET",
                 "image_uri": "SAGEMAKER_IMAGE_URI"}
    missing = [n for n in env_names if not (getattr(args, n) or "").strip()]
    if missing:
        p.error("missing " + ", ".join(f"--{m.replace('_', '-')} (or ${env_names[m]})"
                                       for m in missing)
                + "; --check-only needs them too")
    try:  # first: the image URI must be of this region
        check_region(args.region, parameter="--region")
    except ValueError as e:
        p.error(str(e))
    for problem in (check_role_arn(args.role_arn), check_bucket(args.bucket),
                    check_image_uri(args.image_uri, args.region)):
        if problem:
            p.error(problem)
    if not args.max_cost > 0:
        p.error(f"--max-cost must be > 0, got {args.max_cost}")
    if args.n_workers < 1:
        p.error(f"--n-workers must be >= 1, got {args.n_workers}")
    args.image_uri = args.image_uri.strip()
    return args


def source_folder() -> Path:
    """The code shipped to the jobs: the training script and the requirements it needs."""
    folder = Path(tempfile.mkdtemp(prefix="syne-mohb-sm-"))
    shutil.copy(HERE / "sagemaker_train.py", folder / "sagemaker_train.py")
    (folder / "requirements.txt").write_text("syne-tune==0.16.*\nscikit-learn>=1.3\n")
    return folder


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    try:
        catalog = load_catalog(region=args.region)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.prices:
        try:  # a misspelt type is an error, not a new type in the search space
            catalog = catalog.with_prices(args.prices, args.region, date.today().isoformat(),
                                          parameter="--prices")
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    try:
        instance_type = instance_types(catalog=catalog, max_gpus=0, families=["m5", "c5"],
                                       max_price_per_hour=args.max_price_per_hour)
    except ValueError as e:  # no prices for the region, or a filter that is too tight
        hint = (" With this script: --prices TYPE=DOLLARS_PER_HOUR,..." if "no prices" in str(e)
                else f" With this script: raise --max-price-per-hour (now "
                     f"{args.max_price_per_hour:g}).")
        print(f"error: {e}{hint}", file=sys.stderr)
        return 2
    config_space = {
        "learning_rate": loguniform(1e-4, 1.0),
        "alpha": loguniform(1e-6, 1e-2),
        "batch_size": choice([16, 64, 256]),
        "epochs": EPOCHS,
        # hardware as a hyperparameter: CPU types the catalog can price
        "instance_type": instance_type,
    }
    src = source_folder()
    try:  # the code is uploaded when the first job is created; the folder goes in any case
        return tune(args, catalog, config_space, src)
    finally:
        shutil.rmtree(src, ignore_errors=True)


def tune(args: argparse.Namespace, catalog, config_space: dict, src: Path) -> int:
    """Check (``--check-only``) or run the tuning with the code in ``src``; 1 if the run ended
    because too many trials failed (what was obtained is printed all the same)."""
    backend = SageMakerBackend(
        entry_point=str(src / "sagemaker_train.py"),
        source_dir=str(src),
        image_uri=args.image_uri,
        role_arn=args.role_arn,
        s3_root=f"s3://{args.bucket}/{args.prefix}",
        region_name=args.region,
        catalog=catalog,
        prices=args.prices or None,
        max_run_seconds=3600,
        use_spot_instances=args.spot,
        tags={"project": "syne-mohb-example"},
        random_seed=args.seed,
    )
    names = backend.validate_config_space(config_space)
    print(f"run {backend.run_id}: instance types {names}")
    if args.check_only:
        backend.close()
        print(f"check passed: role, bucket s3://{args.bucket}, image and prices of "
              f"{args.region} are valid; no AWS API was called")
        return 0

    metrics = ["accuracy", ST_WORKER_COST, ST_WORKER_TIME]
    modes = ["max", "min", "min"]
    scheduler = MOASHA(config_space, metrics=metrics, mode=modes, time_attr="epoch",
                       max_t=EPOCHS, grace_period=2, reduction_factor=3,
                       random_seed=args.seed)
    tuner = Tuner(
        trial_backend=backend,
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_cost=args.max_cost),
        n_workers=args.n_workers,
        sleep_time=POLL_SECONDS,
        max_failures=args.n_workers * 2,  # capacity errors fail trials, not the run
        # a trial that found no capacity for its type: the type cools down, the configuration
        # is trained again on another one (instead of being marked as failing on that type)
        callbacks=[StoreResultsCallback(), HardwareFeedback()],
        tuner_name=f"sm-instance-tuning-{backend.run_id}",
    )
    failed = interrupted = None
    try:
        tuner.run()
    except KeyboardInterrupt:  # Ctrl-C: the jobs are stopped; print what was obtained
        interrupted = f"interrupted: the results so far are in {tuner.tuner_path}"
    except ValueError:  # Syne Tune's "Trial - N failed" once max_failures is passed
        n_failed = tuner.tuning_status.num_trials_failed
        if n_failed <= tuner.max_failures:
            raise
        failed = (f"the run stopped after {n_failed} failed trials (more than "
                  f"max_failures={tuner.max_failures}); the failed trials' reasons are in "
                  f"the log above")
    finally:
        left = backend.wait_for_jobs(timeout_s=900, poll_s=POLL_SECONDS)
        if left:
            print(f"WARNING: jobs not ended yet: {left}", file=sys.stderr)
        billed = backend.total_cost()
        over = ("jobs still running when it was reached add to it" if billed > args.max_cost
                else "not reached")
        print(f"billed cost of all jobs: ${billed:.6f} (budget ${args.max_cost:g}; {over})")
        backend.close()

    print_pareto_front(tuner.tuning_status.get_dataframe(), modes)
    if interrupted:
        print(interrupted, file=sys.stderr)
        return 130
    if failed:
        print(f"error: {failed}", file=sys.stderr)
        return 1
    return 0


def print_pareto_front(df, modes: list[str]) -> None:
    """The trials' last results that no other trial beats on (accuracy, cost, time)."""
    cols = ["accuracy", "worker-cost", "worker-time"]
    last = df.groupby("trial_id").last() if not df.empty else df
    n_trials = len(last)
    if set(cols) <= set(last.columns):  # trials without a result (e.g. failed) left out
        last = last[last[cols].notna().all(axis=1)]
    if not set(cols) <= set(last.columns) or last.empty:
        print(f"no results: none of the {n_trials} trials reported a metric")
        return
    Y = last[cols].to_numpy(dtype=float)
    front = last[pareto_mask(Y, mode=modes)]
    print("Pareto front (accuracy max, cost min, time min):")
    print(front[["instance_type", "learning_rate", "batch_size"] + cols]
          .sort_values("worker-cost").to_string())
    print(f"trials with results: {len(last)} of {n_trials}, best last accuracy "
          f"{np.nanmax(last['accuracy']):.4f}")


if __name__ == "__main__":
    sys.exit(main())
