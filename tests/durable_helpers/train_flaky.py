"""Training script that fails at epoch 2 when ``--fail 1`` (a real traceback on stderr)."""
import argparse
import time

from syne_tune import Reporter

parser = argparse.ArgumentParser()
parser.add_argument("--x", type=float, default=0.5)
parser.add_argument("--fail", type=int, default=0)
parser.add_argument("--epochs", type=int, default=3)
args, _ = parser.parse_known_args()
report = Reporter()
for epoch in range(1, args.epochs + 1):
    if args.fail and epoch == 2:
        raise RuntimeError(f"flaky failure at epoch 2 (x={args.x})")
    time.sleep(0.05)
    report(epoch=epoch, loss=(args.x - 0.3) ** 2 + 1.0 / epoch)
