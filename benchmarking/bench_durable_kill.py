"""Metric lines printed by training scripts vs results recorded, after kill -9 of the driver.

For each seed: a local MO-ASHA run (2 workers, examples/train_digits.py with 0.15 s per epoch,
5 trials) is killed with SIGKILL at a seeded random moment after its first result, resumed,
killed again, and resumed to the end. The same first kill is applied to Syne Tune's own
``Tuner`` continued with ``Tuner.load(path).run()`` (baseline). Prints, per run: lines the
training scripts printed, lines recorded exactly once in results.csv.zip, lines printed after
the scheduler's STOP decision for their trial (not recorded, by design, also without a crash),
lines lost or duplicated, and lines printed while no driver was running that were recovered.

    python benchmarking/bench_durable_kill.py --seeds 3
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "durable_helpers"))
DRIVER = str(ROOT / "tests" / "durable_helpers" / "local_driver.py")


def _results_in_journal(run_dir: Path) -> int:
    from syne_mohb.durable import read_journal

    try:
        return sum(e["e"] == "result" for e in read_journal(run_dir))
    except ValueError:
        return 0


def _results_csv_rows(run_dir: Path) -> int:
    f = run_dir / "results.csv.zip"
    if not f.exists():
        return 0
    import pandas as pd

    return len(pd.read_csv(f))


def _kill_after_progress(proc, progress, rng, timeout=120) -> bool:
    start = progress()
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None and progress() <= start:
        time.sleep(0.1)
    time.sleep(rng.uniform(0.0, 1.0))
    if proc.poll() is not None:
        return False
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return True


def durable(seed: int, root: Path) -> dict:
    from audit import audit

    rng = np.random.RandomState(seed)
    run_dir = root / f"durable{seed}"
    q = subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, DRIVER, "start", str(root), run_dir.name,
                             str(seed), "4"], stdout=q, stderr=q)
    kills = 0
    for _ in range(2):
        kills += _kill_after_progress(proc, lambda: _results_in_journal(run_dir), rng)
        proc.wait()
        proc = subprocess.Popen([sys.executable, DRIVER, "resume", str(run_dir)],
                                stdout=q, stderr=q)
    proc.wait()
    rep = audit(run_dir)
    rep["kills"] = kills
    return rep


def baseline(seed: int, root: Path) -> dict:
    from audit import printed_lines

    rng = np.random.RandomState(seed)
    run_dir = root / f"plain{seed}"
    q = subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, DRIVER, "plain", str(root), run_dir.name,
                             str(seed), "4"], stdout=q, stderr=q)
    killed = _kill_after_progress(
        proc, lambda: sum(1 for _ in run_dir.glob("*/std.out") if _.stat().st_size > 0), rng)
    if (run_dir / "tuner.dill").exists():
        subprocess.run([sys.executable, DRIVER, "plain-resume", str(run_dir)], stdout=q,
                       stderr=q)
        recovered = "Tuner.load"
    else:
        recovered = "no tuner.dill yet: nothing to load"
    printed = len(printed_lines(run_dir))
    return {"kills": int(killed), "printed": printed, "recorded": _results_csv_rows(run_dir),
            "resume": recovered}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print("seed | durable: kills printed recorded-once after-STOP lost/dup "
              "printed-while-down | Syne Tune Tuner.load: printed recorded")
        for seed in range(args.seeds):
            d = durable(seed, root)
            b = baseline(seed, root)
            print(f"{seed:4d} | {d['kills']:5d} {d['printed']:7d} {d['recorded_once']:13d} "
                  f"{d['after_stop_decision']:10d} {len(d['lost_or_duplicated']):8d} "
                  f"{d['printed_while_driver_down']:18d} | {b['printed']:7d} {b['recorded']:8d}"
                  f" ({b['resume']})")


if __name__ == "__main__":
    main()
