"""A light training script for the SageMaker backend tests, run by the real SageMaker training
toolkit inside the fake cluster (tests/moto_cluster.py), like any user script.

It learns nothing: its accuracy is a deterministic curve in the learning rate and the epoch
(:func:`accuracy`), so that tests can check every reported value. What it does exercise is the
contract of a real job: arguments from the toolkit (``--epochs``, ``--learning_rate``,
``--st_checkpoint_dir``), a checkpoint written under the container's checkpoint folder before
each report and read back on resume, one ``[tune-metric]: {json}`` line per epoch on stdout (the
format of ``syne_tune.Reporter``, written by hand to keep the process start-up short), and an
algorithm error that makes the toolkit fail the job.

The fake cluster models the instance through two environment variables of the container:
``SIM_EPOCH_SECONDS`` (seconds per epoch on this instance type) and ``SIM_FAIL_AT_EPOCH``
(raise a CUDA-like error at that epoch).
"""

import argparse
import json
import math
import os
import sys
import time


def accuracy(learning_rate: float, epoch: int) -> float:
    """Deterministic learning curve: best near lr=0.01, saturating in the epoch."""
    quality = math.exp(-abs(math.log10(learning_rate) + 2.0))
    return round(0.5 + 0.45 * quality * (1.0 - math.exp(-0.7 * epoch)), 6)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, required=True)
    p.add_argument("--learning_rate", type=float, default=0.01)
    p.add_argument("--st_checkpoint_dir", type=str, default=None)
    args, _ = p.parse_known_args()
    per_epoch = float(os.environ.get("SIM_EPOCH_SECONDS", "0.05"))
    fail_at = int(os.environ.get("SIM_FAIL_AT_EPOCH", "0"))
    ckpt = os.path.join(args.st_checkpoint_dir, "checkpoint.json") \
        if args.st_checkpoint_dir else None
    start = 0
    if ckpt and os.path.exists(ckpt):
        with open(ckpt) as f:
            start = int(json.load(f)["epoch"])
    print(f"resuming from checkpoint epoch {start}", flush=True)
    t0 = time.perf_counter()
    for it, epoch in enumerate(range(start + 1, args.epochs + 1)):
        time.sleep(per_epoch)
        if epoch == fail_at:
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        if ckpt:
            os.makedirs(os.path.dirname(ckpt), exist_ok=True)
            with open(ckpt + ".tmp", "w") as f:
                json.dump({"epoch": epoch}, f)
            os.replace(ckpt + ".tmp", ckpt)
        metrics = {"epoch": epoch, "accuracy": accuracy(args.learning_rate, epoch),
                   "st_worker_timestamp": time.time(),
                   "st_worker_time": time.perf_counter() - t0, "st_worker_iter": it}
        sys.stdout.write(f"[tune-metric]: {json.dumps(metrics)}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
