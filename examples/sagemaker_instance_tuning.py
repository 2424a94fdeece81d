"""Tune hyperparameters *and* the instance type of SageMaker training jobs on (accuracy, cost,
time) with MO-ASHA, under a dollar budget. Runs on real AWS and costs money; never run in tests.

Every trial is one SageMaker training job (one more per resume) on the instance type its
config chose; ``examples/sagemaker_train.py`` trains an SGD classifier on scikit-learn's digits
and reports accuracy per epoch; the backend adds ``st_worker_time`` and ``st_worker_cost``.
Tuning stops once the reported cost passes ``--max-cost`` dollars; afterwards the script waits
for every job to end and prints the billed total and the Pareto front.

Usage (arguments fall back to the environment variables in brackets)::

    python examples/sagemaker_instance_tuning.py \\
        --role-arn arn:aws:iam::111122223333:role/SageMakerTuning   [SAGEMAKER_ROLE_ARN] \\
        --bucket my-bucket                                         [SYNE_MOHB_BUCKET] \\
        --image-uri <PyTorch/SKLearn training image URI of the region> [SAGEMAKER_IMAGE_URI] \\
        --region us-east-1 --max-cost 2.0 --n-workers 4 [--spot] [--check-only]

``--check-only`` builds the backend and validates the search space without calling AWS.
The role needs the permissions listed in README, section "SageMaker backend".
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from syne_tune import StoppingCriterion, Tuner
from syne_tune.config_space import choice, loguniform
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME

from syne_mohb.backends.sagemaker import SageMakerBackend
from syne_mohb.hardware import instance_types, load_catalog
from syne_mohb.pareto import pareto_mask
from syne_mohb.scheduler import MOASHA

HERE = Path(__file__).resolve().parent
EPOCHS = 20


def parse_args() -> argparse.Namespace:
    env = os.environ.get
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--role-arn", default=env("SAGEMAKER_ROLE_ARN"))
    p.add_argument("--bucket", default=env("SYNE_MOHB_BUCKET"))
    p.add_argument("--image-uri", default=env("SAGEMAKER_IMAGE_URI"))
    p.add_argument("--region", default=env("AWS_DEFAULT_REGION", "us-east-1"))
    p.add_argument("--prefix", default="syne-mohb", help="S3 key prefix for code/checkpoints")
    p.add_argument("--max-cost", type=float, default=2.0, help="dollar budget of the run")
    p.add_argument("--max-price-per-hour", type=float, default=0.6,
                   help="only offer CPU instance types up to this $/hour")
    p.add_argument("--n-workers", type=int, default=4, help="training jobs at the same time")
    p.add_argument("--spot", action="store_true", help="managed spot training")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--check-only", action="store_true", help="validate, call no AWS API")
    args = p.parse_args()
    missing = [n for n in ("role_arn", "bucket", "image_uri") if not getattr(args, n)]
    if missing and not args.check_only:
        p.error("missing " + ", ".join("--" + m.replace("_", "-") for m in missing)
                + " (or their environment variables)")
    if args.max_cost <= 0:
        p.error(f"--max-cost must be > 0, got {args.max_cost}")
    if args.n_workers < 1:
        p.error(f"--n-workers must be >= 1, got {args.n_workers}")
    return args


def source_folder() -> Path:
    """The code shipped to the jobs: the training script and the requirements it needs."""
    folder = Path(tempfile.mkdtemp(prefix="syne-mohb-sm-"))
    shutil.copy(HERE / "sagemaker_train.py", folder / "sagemaker_train.py")
    (folder / "requirements.txt").write_text("syne-tune==0.16.*\nscikit-learn>=1.3\n")
    return folder


def main() -> None:
    args = parse_args()
    logging.basicConfig(level=logging.INFO)
    catalog = load_catalog(region=args.region)
    config_space = {
        "learning_rate": loguniform(1e-4, 1.0),
        "alpha": loguniform(1e-6, 1e-2),
        "batch_size": choice([16, 64, 256]),
        "epochs": EPOCHS,
        # hardware as a hyperparameter: CPU types the catalog can price
        "instance_type": instance_types(catalog=catalog, max_gpus=0, families=["m5", "c5"],
                                        max_price_per_hour=args.max_price_per_hour),
    }
    src = source_folder()
    backend = SageMakerBackend(
        entry_point=str(src / "sagemaker_train.py"),
        source_dir=str(src),
        image_uri=args.image_uri or "image-uri-not-set",
        role_arn=args.role_arn or "arn:aws:iam::000000000000:role/not-set",
        s3_root=f"s3://{args.bucket or 'bucket-not-set'}/{args.prefix}",
        region_name=args.region,
        catalog=catalog,
        max_run_seconds=3600,
        use_spot_instances=args.spot,
        tags={"project": "syne-mohb-example"},
        random_seed=args.seed,
    )
    names = backend.validate_config_space(config_space)
    print(f"run {backend.run_id}: instance types {names}")
    if args.check_only:
        return

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
        sleep_time=15.0,  # SageMaker jobs take minutes; poll gently (API rate limits)
        max_failures=args.n_workers * 2,  # capacity errors fail trials, not the run
        tuner_name=f"sm-instance-tuning-{backend.run_id}",
    )
    try:
        tuner.run()
    finally:
        left = backend.wait_for_jobs(timeout_s=900, poll_s=15)
        if left:
            print(f"WARNING: jobs not ended yet: {left}", file=sys.stderr)
        print(f"billed cost of all jobs: ${backend.total_cost():.4f} "
              f"(budget ${args.max_cost:.2f}; jobs still running when it was reached add to it)")
        backend.close()

    df = tuner.tuning_status.get_dataframe()
    if df.empty:
        return
    last = df.groupby("trial_id").last()
    cols = ["accuracy", "worker-cost", "worker-time"]
    have = [c for c in cols if c in last]
    if len(have) == 3:
        Y = last[have].to_numpy(dtype=float)
        front = last[pareto_mask(Y, mode=modes)]
        print("Pareto front (accuracy max, cost min, time min):")
        print(front[["instance_type", "learning_rate", "batch_size"] + have]
              .sort_values("worker-cost").to_string())
    else:  # pragma: no cover -- older result layouts
        print(last.to_string())
    print(f"trials: {len(last)}, best accuracy {np.nanmax(last['accuracy']):.4f}")


if __name__ == "__main__":
    main()
