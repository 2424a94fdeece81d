"""A training script that starts fast (no syne_tune import): one metric line per epoch in
``syne_tune.Reporter``'s format (``[tune-metric]: {json}`` with ``st_worker_timestamp``,
``st_worker_time``, ``st_worker_iter``), written by hand; no checkpoint, so a restarted trial
starts over from epoch 1. ``--fail 1`` raises at epoch 2; ``--silent_above X`` ends at once,
without an error and without reporting, when ``--x`` is above X (a script that returns early
for some configurations). With ``--epoch_sleep 0`` (and no failure) every line is written in
one write, so that a poll of the backend sees them all or none, however loaded the machine."""
import argparse
import json
import sys
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
at_once = args.epoch_sleep == 0 and not args.fail
lines = []
for it, epoch in enumerate(range(1, args.epochs + 1)):
    if args.fail and epoch == 2:
        raise RuntimeError(f"flaky failure at epoch 2 (x={args.x})")
    time.sleep(args.epoch_sleep)
    now = time.time()
    metrics = {"epoch": epoch, "loss": (args.x - 0.3) ** 2 + 1.0 / epoch,
               "st_worker_timestamp": now, "st_worker_time": now - t0, "st_worker_iter": it}
    line = f"[tune-metric]: {json.dumps(metrics)}"
    if at_once:
        lines.append(line)
    else:
        print(line, flush=True)
if lines:
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    sys.stdout.flush()
