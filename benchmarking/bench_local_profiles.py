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

Writes ``docs/benchmarks/local-profiles.md`` (``--docs-dir``, ``--no-docs``).
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
sys.path.insert(0, str(ROOT / "benchmarking"))
from docs_page import BenchmarkPage, add_docs_argument, markdown_table  # noqa: E402

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
    add_docs_argument(p)
    args = p.parse_args(argv)
    page = BenchmarkPage("local-profiles", "Local hardware profiles: 1 core vs 2 cores",
                         seeds="one trial per workload and profile", docs_dir=args.docs_dir,
                         argv=None if argv is None else [__file__, *argv])
    bad = [k for k in args.profiles if not 1 <= k <= n_cpus]
    if bad:
        p.error(f"--profiles: this machine has {n_cpus} usable cores, got {bad}")
    if not args.timeout > 0:
        p.error(f"--timeout must be > 0 seconds, got {args.timeout}")
    if not args.price_per_core_hour >= 0:
        p.error(f"--price_per_core_hour must be >= 0, got {args.price_per_core_hour}")
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
    if args.no_docs:
        return
    table = [{"workload": w, "profile": name, "price": f"{price:.3f}", "epochs": n,
              "epoch": f"{epoch:.3f}", "trial": f"{total:.2f}", "cost": f"{cost:.6f}",
              "per_epoch": f"{cost / n:.7f}", "speedup": f"{speedup:.2f}x"}
             for w, name, price, n, epoch, total, cost, speedup in rows]
    findings = []
    for workload in args.workloads:
        mine = [r for r in rows if r[0] == workload]
        if len(mine) < 2:
            continue
        one, most = mine[0], mine[-1]
        cheaper = "less" if most[6] / most[3] < one[6] / one[3] else "more"
        findings.append(f"* `{workload}`: {most[1]} runs an epoch {most[7]:.2f}x as fast as "
                        f"{one[1]} ({most[4]:.3f} s vs {one[4]:.3f} s) and costs {cheaper} per "
                        f"epoch (${most[6] / most[3]:.7f} vs ${one[6] / one[3]:.7f}); the whole "
                        f"trial, process start-up included, is billed {most[5]:.2f} s vs "
                        f"{one[5]:.2f} s.")
    page.add(
        "`syne_mohb.backends.local.LocalProfileBackend` makes the hardware dimension real on one "
        "machine: a trial on the profile `local-cpu-k` runs pinned to k cores "
        "(`sched_setaffinity` in a small exec-launcher) with its thread pools "
        "(`OMP/MKL/OPENBLAS/NUMEXPR/VECLIB/NUMBA_NUM_THREADS`, `LOKY_MAX_CPU_COUNT`) set to k, "
        "and idle worker threads sleep (`OMP_WAIT_POLICY=PASSIVE`). This script runs real training "
        "scripts through it, one trial at a time:",
        "* `hgb`: scikit-learn histogram gradient boosting (OpenMP), 30k x 40 synthetic rows, 5 "
        "trees per epoch;\n* `mlp-wide`: scikit-learn MLP 2x512 on digits (BLAS);\n"
        "* `mlp-tiny`: MLP 1x16 on digits.",
        f"{n_cpus} usable cores; prices "
        + ", ".join(f"`{k}` ${v:.3f}/h" for k, v in prices.items())
        + (f"; extra environment {extra_env}" if extra_env else "")
        + f"; 1-minute load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after. "
        "Median epoch time is the script's own `train_seconds`; the trial's billed time is "
        "`st_worker_time` (process start-up included); dollars are `st_worker_cost`.",
        markdown_table(table, ["workload", "profile", "price", "epochs", "epoch", "trial", "cost",
                               "per_epoch", "speedup"],
                       ["workload", "profile", "$/h", "epochs", "median epoch s",
                        "trial s (billed)", "trial $", "$ per epoch", "epoch speed-up"]),
        "\n".join(findings),
        "Per-epoch times of 5-500 ms on a shared virtual machine move between runs, and other "
        "processes on the same cores slow the multi-core profiles most (threads wait for each "
        "other at every barrier): compare rows of one run, not across runs. Whether more cores pay "
        "off depends on the model and on the machine, which is what the hardware dimension lets a "
        "multi-objective search find out rather than assume.")
    page.write()


if __name__ == "__main__":
    main()
