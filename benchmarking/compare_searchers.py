"""Paired comparison of one searcher against others: ours / peer on the same seeds.

Runs ``benchmarking/compare_methods.py`` with the given arguments (its runs are cached under
``--output``; its table against the ASHA baselines is printed and written as usual), then, for
every ``--ours`` method and every peer of ``--against``, the median over tasks of

* ``mean(peer) / mean(ours)`` of the tuning dollars and the tuning time until the first result
  at ASHA-p3's target (its mean best accuracy - 0.005; a run that never reaches it counts with
  its whole budget and all it spent): > 1 = ours needs less;
* ``mean(ours) / mean(peer)`` of the hypervolume (accuracy, runtime, cost; the one
  normalisation of ``metrics.normalizer_from_blackbox``) at half the budget and at its end:
  > 1 = ours is ahead;

with a 95% paired bootstrap interval (seeds resampled, the same resample for both methods and
all tasks, :func:`syne_mohb.experiments.metrics.paired_ratio`). "ours leads at 95%" = the
interval's lower bound > 1.

    python benchmarking/compare_searchers.py --ours moasha-bo-hw \
        --against moasha-sampler,moasha-uniform,st-moasha-fixed \
        --benchmarks mlp,linear --seeds 20 --tasks-per-benchmark 4 --processes 1 \
        --output benchmarking/_results/searcher

Until ``runner.run_one`` hands related tasks to every method of ``methods.TRANSFER_METHODS``
(it tests for ``"moasha-transfer"`` only), this script does so for them in its own process
(``--processes 1`` only).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare_methods  # noqa: E402
from syne_mohb.experiments import methods as methods_module  # noqa: E402
from syne_mohb.experiments import runner  # noqa: E402
from syne_mohb.experiments.analysis import load_run  # noqa: E402
from syne_mohb.experiments.metrics import (  # noqa: E402
    hypervolume_curve,
    normalizer_from_blackbox,
    paired_ratio,
    run_measures,
    seed_draws,
)

BASELINE = "asha-p3"


def _install_transfer_shim() -> None:
    """Give ``ctx.transfer_evaluations`` to every method of ``TRANSFER_METHODS`` (in-process)."""
    transfer_methods = getattr(methods_module, "TRANSFER_METHODS", {"moasha-transfer"})
    original_run_one, original_make = runner.run_one, runner.make_scheduler
    current: dict = {}

    def run_one(spec, *args, **kwargs):
        current["spec"] = spec
        return original_run_one(spec, *args, **kwargs)

    def make_scheduler(name, ctx):
        spec = current.get("spec")
        if name in transfer_methods and ctx.transfer_evaluations is None and spec is not None:
            from syne_mohb import blackboxes

            ctx.transfer_evaluations = blackboxes.to_transfer_evaluations(
                spec.benchmark, exclude_task=spec.task, objectives=runner.OBJECTIVES)
        return original_make(name, ctx)

    runner.run_one, runner.make_scheduler = run_one, make_scheduler


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ours", required=True, help="comma-separated methods to compare")
    ap.add_argument("--against", required=True, help="comma-separated peers")
    ap.add_argument("--benchmarks", default="mlp")
    ap.add_argument("--tasks", help="comma-separated task names (default: all)")
    ap.add_argument("--tasks-per-benchmark", type=int, default=None)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget-factor", type=float, default=8.0)
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--output", default="benchmarking/_results/searcher")
    ap.add_argument("--table", default="compare_searchers.csv")
    args = ap.parse_args(argv)
    ours = [m for m in args.ours.split(",") if m]
    peers = [m for m in args.against.split(",") if m]
    if args.processes != 1:
        ap.error("--processes must be 1 (the transfer shim works in this process only)")
    _install_transfer_shim()
    cm_args = ["--methods", ",".join(ours + peers), "--benchmarks", args.benchmarks,
               "--seeds", str(args.seeds), "--budget-factor", str(args.budget_factor),
               "--processes", "1", "--bootstrap", str(args.bootstrap), "--output", args.output,
               "--table", "compare_methods_" + args.table]
    if args.tasks:
        cm_args += ["--tasks", args.tasks]
    if args.tasks_per_benchmark:
        cm_args += ["--tasks-per-benchmark", str(args.tasks_per_benchmark)]
    status = compare_methods.main(cm_args)

    draws = seed_draws(args.seeds, args.bootstrap)
    rows = []
    for b in [x for x in args.benchmarks.split(",") if x]:
        bench = runner.get_benchmark(b)
        tasks = args.tasks.split(",") if args.tasks else bench.tasks
        tasks = tasks[: args.tasks_per_benchmark] if args.tasks_per_benchmark else tasks
        per: dict[str, dict[str, pd.DataFrame]] = {}
        for task in tasks:
            budget = args.budget_factor * bench.full_runtime(task)
            norm = normalizer_from_blackbox(b, task, ["accuracy", "runtime", "cost"])

            def path(m, s):
                return runner.run_dir(runner.RunSpec(method=m, benchmark=b, task=task, seed=s,
                                                     out_dir=args.output, budget=budget))

            base = [load_run(path(BASELINE, s)) for s in range(args.seeds)]
            target = float(np.mean([r.results["accuracy"].max() for r in base])) - 0.005
            for m in ours + peers:
                recs = []
                for s in range(args.seeds):
                    run = load_run(path(m, s))
                    hv = hypervolume_curve(run, norm, np.array([budget / 2, budget]), axis="time")
                    recs.append({**run_measures(run, target, budget), "hv_half": hv[0],
                                 "hv_end": hv[1]})
                per.setdefault(m, {})[task] = pd.DataFrame(recs)
        for o in ours:
            for p in peers:
                row = {"benchmark": b, "ours": o, "peer": p, "tasks": len(tasks),
                       "seeds": args.seeds}
                for key, label, inverse in (("tune_dollars", "tuning $ (peer/ours)", True),
                                            ("tune_time", "tuning time (peer/ours)", True),
                                            ("hv_half", "HV at half budget (ours/peer)", False),
                                            ("hv_end", "HV at end (ours/peer)", False)):
                    pairs = [((per[p][t][key].to_numpy(), per[o][t][key].to_numpy()) if inverse
                              else (per[o][t][key].to_numpy(), per[p][t][key].to_numpy()))
                             for t in tasks]
                    point, lo, hi = paired_ratio(pairs, draws)
                    row[label] = f"{point:.3f} [{lo:.3f}, {hi:.3f}]"
                    row[key + "_lo"] = lo
                rows.append(row)
    table = pd.DataFrame(rows)
    shown = table[[c for c in table.columns if not c.endswith("_lo")]]
    with pd.option_context("display.width", 250, "display.max_columns", 20,
                           "display.max_colwidth", 40):
        print("\nPaired ratios, median over tasks [95% paired bootstrap]; > 1 = ours better")
        print(shown.to_string(index=False))
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / args.table, index=False)
    print(f"table: {out / args.table}")
    return status


if __name__ == "__main__":
    sys.exit(main())
