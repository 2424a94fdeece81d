"""examples/train_digits.py with a pause after every report (``--epoch_sleep`` seconds), so
that trials are in flight long enough for a kill to catch them."""
import runpy
import sys
import time
from pathlib import Path

import syne_tune

sleep = 0.0
if "--epoch_sleep" in sys.argv:
    i = sys.argv.index("--epoch_sleep")
    sleep = float(sys.argv[i + 1])
    del sys.argv[i:i + 2]

_call = syne_tune.Reporter.__call__


def _slow_call(self, **kwargs):
    _call(self, **kwargs)
    time.sleep(sleep)


syne_tune.Reporter.__call__ = _slow_call
script = Path(__file__).resolve().parents[2] / "examples" / "train_digits.py"
sys.argv[0] = str(script)
runpy.run_path(str(script), run_name="__main__")
