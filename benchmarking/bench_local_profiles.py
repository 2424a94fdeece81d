"""Measure local hardware profiles: epoch time, cost and speed-up of real training scripts.

Each workload runs once per profile (``local-cpu-1``, ``local-cpu-2``, ...) through
:class:`~syne_mohb.backends.local.LocalProfileBackend`, i.e. pinned to that many cores with the
thread pools sized to match, one trial at a time. Printed per workload and profile: median epoch
time (the script's own ``train_seconds``), whole-trial billed time (``st_worker_time``, process
start-up included), dollars (``st_worker_cost`` at the given $/hour) and the epoch speed-up
over one core.

Workloads: ``hgb`` (scikit-learn histogram gradient boosting, OpenMP threads, 30k x 40
synthetic rows), ``mlp-wide`` (scikit-learn MLP 2x512 on digits: BLAS-bound) and ``mlp-tiny``
(MLP 1x16 on digits: overhead-bound).

    .venv/bin/python benchmarking/bench_local_profiles.py [--profiles 1 2] [--workloads hgb ...]

Numbers depend on the machine *and its load*: other processes on the same cores slow the
multi-core profiles most (threads wait for each other at every barrier).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from syne_tune.backend.trial_status import Status
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME

from syne_mohb.backends.local import LocalProfileBackend
from syne_mohb.hardware import INSTANCE_TYPE
from syne_mohb.hardware.profiles import available_cpus

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = {
    "hgb": (ROOT / "benchmarking" / "train_hgb_hw.py",
            {"epochs": 4, "trees_per_epoch": 5, "n_samples": 30_000}),
    "mlp-wide": (ROOT / "examples" / "train_digits_hw.py",
                 {"epochs": 4, "hidden": 512, "layers": 2, "batch_size": 256}),
    "mlp-tiny": (ROOT / "examples" / "train_digits_hw.py",
                 {"epochs": 4, "hidden": 16, "layers": 1, "batch_size": 64}),
}


def run_trial(backend: LocalProfileBackend, config: dict, timeout: float) -> list[dict]:
    trial_id = backend.start_trial(config).trial_id
    deadline = time.monotonic() + timeout
    results: list[dict] = []
    while True:
        status_dict, new = backend.fetch_status_results([trial_id])
        results += [r for _, r in new]
        status = status_dict[trial_id][1]
        if status == Status.completed:
            return results
        if status == Status.failed:
            raise RuntimeError(f"trial failed: {''.join(backend.stderr(trial_id)[-10:])}")
        if time.monotonic() > deadline:
            backend.stop_trial(trial_id)
            raise RuntimeError(f"trial with {config} did not finish within {timeout} s")
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> None:
    n_cpus = len(available_cpus())
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--profiles", type=int, nargs="+", default=sorted({1, min(2, n_cpus)}),
                   help="core counts k of the local-cpu-k profiles to measure")
    p.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    p.add_argument("--price_per_core_hour", type=float, default=0.05,
                   help="user-set price: local-cpu-k costs k x this per hour")
    p.add_argument("--timeout", type=float, default=120.0, help="per-trial limit in seconds")
    p.add_argument("--env", nargs="*", default=[], metavar="K=V",
                   help="extra environment for the trials, e.g. OMP_WAIT_POLICY=ACTIVE")
    args = p.parse_args(argv)
    bad = [k for k in args.profiles if not 1 <= k <= n_cpus]
    if bad:
        p.error(f"--profiles: this machine has {n_cpus} usable cores, got {bad}")
    if any("=" not in kv for kv in args.env):
        p.error(f"--env: expected K=V items, got {args.env}")
    extra_env = dict(kv.split("=", 1) for kv in args.env)
    logging.basicConfig(level=logging.WARNING)
    load_before = os.getloadavg()[0]

    prices = {f"local-cpu-{k}": k * args.price_per_core_hour for k in args.profiles}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for workload in args.workloads:
            script, config = WORKLOADS[workload]
            backend = LocalProfileBackend(str(script), prices=prices, extra_env=extra_env,
                                          pass_instance_type=False)
            backend.set_path(str(Path(tmp) / workload))
            base = None
            for name in prices:
                results = run_trial(backend, {**config, INSTANCE_TYPE: name}, args.timeout)
                epoch = statistics.median(r["train_seconds"] for r in results)
                base = epoch if base is None else base
                rows.append((workload, name, prices[name], len(results), epoch,
                             results[-1][ST_WORKER_TIME], results[-1][ST_WORKER_COST],
                             base / epoch))
                print(f"  measured {workload} on {name}: {epoch:.3f} s/epoch", file=sys.stderr)

    print(f"machine: {n_cpus} usable cores, 1-min load average {load_before:.1f} before / "
          f"{os.getloadavg()[0]:.1f} after; prices: "
          + ", ".join(f"{k} ${v:.3f}/h" for k, v in prices.items())
          + (f"; extra env {extra_env}" if extra_env else ""))
    header = ("workload", "profile", "$/h", "epochs", "median epoch s", "trial s (billed)",
              "trial $", "$ per epoch", "epoch speed-up")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for workload, name, price, n, epoch, total, cost, speedup in rows:
        print(f"| {workload} | {name} | {price:.3f} | {n} | {epoch:.3f} | {total:.2f} | "
              f"{cost:.6f} | {cost / n:.7f} | {speedup:.2f}x |")


if __name__ == "__main__":
    main()
