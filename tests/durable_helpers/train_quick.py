"""A training script that starts fast (no syne_tune import): one metric line per epoch in
``syne_tune.Reporter``'s format (``[tune-metric]: {json}`` with ``st_worker_timestamp``,
``st_worker_time``, ``st_worker_iter``), written by hand; no checkpoint, so a restarted trial
starts over from epoch 1. ``--fail 1`` raises at epoch 2; ``--silent_above X`` ends at once,
without an error and without reporting, when ``--x`` is above X (a script that returns early
for some configurations)."""
import argparse
import json
import time

parser = argparse.ArgumentParser()
parser.add_argument("--x", type=float, default=0.5)
parser.add_argument("--fail", type=int, default=0)
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--epoch_sleep", type=float, default=0.05)
parser.add_argument("--silent_above", type=float, default=2.0)
args, _ = parser.parse_known_args()
if args.x > args.silent_above:
    raise SystemExit(0)
t0 = time.time()
for it, epoch in enumerate(range(1, args.epochs + 1)):
    if args.fail and epoch == 2:
        raise RuntimeError(f"flaky failure at epoch 2 (x={args.x})")
    time.sleep(args.epoch_sleep)
    now = time.time()
    metrics = {"epoch": epoch, "loss": (args.x - 0.3) ** 2 + 1.0 / epoch,
               "st_worker_timestamp": now, "st_worker_time": now - t0, "st_worker_iter": it}
    print(f"[tune-metric]: {json.dumps(metrics)}", flush=True)
