"""A real training script for the local backend whose wide networks misbehave on the 1-core
profile (`local-cpu-1`): ``width_script("oom")`` raises MemoryError there, ``"slow"`` takes 60 s
per epoch there; elsewhere every epoch takes 0.05 s. Used by tests/test_hardware_failures.py and
tests/test_late_units.py."""


def width_script(wide_on_one_core: str) -> str:
    """The script's source; ``wide_on_one_core``: "oom" or "slow"."""
    wide = {"oom": 'raise MemoryError(f"width {args.width} does not fit on {args.instance_type}")',
            "slow": "pass"}[wide_on_one_core]
    seconds = "60.0" if wide_on_one_core == "slow" else "0.05"
    return f'''
import argparse, time
from syne_tune import Reporter

p = argparse.ArgumentParser()
p.add_argument("--width", type=int)
p.add_argument("--instance_type")
p.add_argument("--epochs", type=int, default=2)
args, _ = p.parse_known_args()
wide_on_one_core = args.width >= 1024 and args.instance_type == "local-cpu-1"
if wide_on_one_core:
    {wide}
report = Reporter()
for epoch in range(1, args.epochs + 1):
    time.sleep({seconds} if wide_on_one_core else 0.05)
    report(epoch=epoch, accuracy=0.5 + args.width / 10000 + epoch / 100)
'''
