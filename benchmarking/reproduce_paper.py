"""Reproduce the claims of Salinas et al. (2021) on the shipped hardware benchmarks.

Paper: "A multi-objective perspective on jointly tuning hardware and hyperparameters": tuning
the instance type together with the hyperparameters, MO-ASHA reaches the accuracy of
single-objective ASHA on a default instance with >= 5.8x less tuning time and >= 8.8x fewer
tuning dollars; with the instance fixed (hyperparameters only) it finds models ~10% faster at
equal accuracy. Our targets: >= 6x, >= 9x, >= 10%.

Definitions (all runs of a task share the budget, 4 workers, simulated):

* target (per task and seed) = best accuracy reached by ``asha-default`` (single-objective ASHA,
  instance fixed to the default, ml.g4dn.xlarge) minus 0.5 accuracy points;
* time reduction = tuning time ASHA needed to reach the target / tuning time our method needed
  (dollar reduction: same with tuning dollars); a method that never reaches the target within
  the budget counts as "not reached" (its reduction is 0);
* HP-only: instance fixed to the default for both; among the models reaching the target, the
  smallest training runtime found by ``moasha-hp`` (MO-ASHA on accuracy and runtime) vs by
  ``asha-default``: improvement = 1 - ours / ASHA.

Per benchmark the table shows the geometric mean over tasks x seeds, the min-max range and the
number of (task, seed) pairs. Runs are written under ``--output`` (Syne Tune format) and kept:
rerunning only runs what is missing.

    python benchmarking/reproduce_paper.py            # all benchmarks, 3 tasks x 3 seeds
    python benchmarking/reproduce_paper.py --quick    # 1 task x 2 seeds per benchmark

The run writes ``docs/benchmarks/paper-claims.md`` (``--docs-dir`` elsewhere, ``--no-docs`` not).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare_methods import hardware_logic, searcher_of  # noqa: E402
from docs_page import BenchmarkPage, add_docs_argument, command_line, markdown_table  # noqa: E402
from script_args import check_each, interrupted, output_folder  # noqa: E402

from syne_mohb.experiments.analysis import load_run  # noqa: E402
from syne_mohb.experiments.metrics import best_value, time_to_target  # noqa: E402
from syne_mohb.experiments.runner import (  # noqa: E402
    benchmark_names,
    get_benchmark,
    grid,
    run_dir,
    run_many,
)

OURS = ["moasha", "moasha-transfer"]
BASELINE = "asha-default"
HP_ONLY = "moasha-hp"


def _geo(values: list[float]) -> str:
    v = np.asarray(values, dtype=float)
    if len(v) == 0:
        return "-"
    if np.any(v <= 0):
        pos = v[v > 0]
        g = np.exp(np.mean(np.log(pos))) if len(pos) else 0.0
        return f"{g:.2f}x [{v.min():.2f}, {v.max():.2f}] ({np.sum(v <= 0)} not reached)"
    return f"{np.exp(np.mean(np.log(v))):.2f}x [{v.min():.2f}, {v.max():.2f}]"


def min_runtime_at(run, target: float) -> float:
    df = run.results
    ok = df[df["accuracy"] >= target]
    return float(ok["runtime"].min()) if len(ok) else float("inf")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="1 task x 2 seeds per benchmark (instead of --tasks-per-benchmark and "
                         "--seeds)")
    ap.add_argument("--benchmarks", help="comma-separated (default: all shipped)")
    ap.add_argument("--tasks-per-benchmark", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--output", default="benchmarking/_results/reproduce_paper")
    ap.add_argument("--no-transfer", action="store_true", help="skip moasha-transfer (slower)")
    add_docs_argument(ap)
    args = ap.parse_args(argv)
    for name, value in (("--tasks-per-benchmark", args.tasks_per_benchmark),
                        ("--seeds", args.seeds), ("--processes", args.processes)):
        if value < 1:
            ap.error(f"{name} must be >= 1, got {value}")
    benchmarks = ([b for b in args.benchmarks.split(",") if b] if args.benchmarks
                  else benchmark_names())
    if not benchmarks:
        ap.error(f"--benchmarks names no benchmark, got {args.benchmarks!r}")
    check_each(ap, "--benchmarks", benchmarks, get_benchmark)
    output_folder(ap, "--output", args.output)
    n_tasks, n_seeds = (1, 2) if args.quick else (args.tasks_per_benchmark, args.seeds)
    ours = ["moasha"] if args.no_transfer else OURS
    methods = ours + [BASELINE, HP_ONLY]
    t0 = time.perf_counter()
    page = BenchmarkPage("paper-claims", "Reproduction of the paper's claims",
                         seeds=f"{n_seeds} seeds x {n_tasks} tasks per benchmark (first tasks)",
                         docs_dir=args.docs_dir,
                         argv=None if argv is None else [__file__, *argv])
    specs = []
    for b in benchmarks:
        bench = get_benchmark(b)
        specs += grid(methods, [b], {b: bench.tasks[:n_tasks]}, range(n_seeds), args.output)
    print(f"{len(specs)} simulated runs ({', '.join(methods)}) on {benchmarks}, "
          f"{n_tasks} task(s) x "
          f"{n_seeds} seed(s), {args.processes} processes -> {args.output}", flush=True)
    try:
        res = run_many(specs, processes=args.processes)
    except KeyboardInterrupt:
        return interrupted(ap.prog, args.output)
    failed = [r for r in res if "error" in r]
    for r in failed:
        print(f"FAILED {r['path']}: {r['error']}")

    rows, hp_rows, detail = [], [], []
    for b in benchmarks:
        bench = get_benchmark(b)
        per = {m: {"time": [], "dollars": []} for m in ours}
        hp = []
        for task in bench.tasks[:n_tasks]:
            for seed in range(n_seeds):
                def load(m):
                    s = next(x for x in specs if x.benchmark == b and x.task == task
                             and x.method == m and x.seed == seed)
                    return load_run(run_dir(s))
                try:
                    base = load(BASELINE)
                except Exception:
                    continue
                target = best_value(base, "accuracy") - 0.005
                tb, db = time_to_target(base, "accuracy", target)
                for m in ours:
                    try:
                        r = load(m)
                    except Exception:
                        continue
                    tm, dm = time_to_target(r, "accuracy", target)
                    rt = tb / tm if np.isfinite(tm) and tm > 0 else 0.0
                    rd = db / dm if np.isfinite(dm) and dm > 0 else 0.0
                    per[m]["time"].append(rt)
                    per[m]["dollars"].append(rd)
                    detail.append(dict(benchmark=b, task=task, seed=seed, method=m, target=target,
                                       asha_time=tb, ours_time=tm, asha_dollars=db, ours_dollars=dm,
                                       time_reduction=rt, dollar_reduction=rd))
                try:
                    r = load(HP_ONLY)
                    ra, ro = min_runtime_at(base, target), min_runtime_at(r, target)
                    hp.append(1 - ro / ra if np.isfinite(ro) else -np.inf)
                except Exception:
                    pass
        for m in ours:
            t, d = per[m]["time"], per[m]["dollars"]
            rows.append({
                "benchmark": b, "method": m, "hardware logic": hardware_logic(m),
                "searcher": searcher_of(m), "pairs": len(t),
                "time reduction": _geo(t), "dollar reduction": _geo(d),
                "time >= 6x": f"{np.mean(np.array(t) >= 6):.0%}" if t else "-",
                "dollars >= 9x": f"{np.mean(np.array(d) >= 9):.0%}" if d else "-",
            })
        if hp:
            h = np.array(hp)
            fin = h[np.isfinite(h)]
            hp_rows.append({
                "benchmark": b, "pairs": len(h),
                "runtime improvement at equal accuracy (mean)":
                    f"{fin.mean():+.1%}" if len(fin) else "-",
                "median": f"{np.median(fin):+.1%}" if len(fin) else "-",
                "range": f"[{fin.min():+.1%}, {fin.max():+.1%}]" if len(fin) else "-",
                "not reached": int(np.sum(~np.isfinite(h))),
            })
    out = Path(args.output)
    pd.DataFrame(detail).to_csv(out / "reproduce_paper_detail.csv", index=False)
    with pd.option_context("display.width", 220, "display.max_columns", 20):
        print("\nTuning time / dollars to reach single-objective ASHA's accuracy "
              "on the default instance "
              "(geometric mean [min, max] of ASHA / ours over tasks x seeds; "
              "paper: >= 5.8x, >= 8.8x; "
              "target >= 6x, >= 9x):")
        print(pd.DataFrame(rows).to_string(index=False))
        print("\nHyperparameters only (instance fixed), training runtime of the fastest model "
              "within "
              "0.5 points of ASHA's best accuracy, MO-ASHA vs ASHA (paper: +10%; target >= 10%):")
        print(pd.DataFrame(hp_rows).to_string(index=False))
    print(f"\nper-pair detail: {out / 'reproduce_paper_detail.csv'}; "
          f"took {time.perf_counter() - t0:.0f} s")
    print("command: " + command_line(None if argv is None else [__file__, *argv]))
    if not args.no_docs:
        write_page(page, rows, hp_rows, benchmarks, n_tasks, n_seeds, len(specs), failed)
    return 1 if failed else 0


def _geo_value(cell: str) -> float:
    try:
        return float(str(cell).split("x")[0])
    except ValueError:
        return float("nan")


def _percent(cell: str) -> float:
    try:
        return float(str(cell).rstrip("%"))
    except ValueError:
        return float("nan")


def write_page(page, rows, hp_rows, benchmarks, n_tasks, n_seeds, n_runs, failed) -> None:
    """paper-claims.md: both tables, and whether each target is met, read off them."""
    page.add(
        "Salinas, Perrone, Cruchant & Archambeau (2021), \"A multi-objective perspective on "
        "jointly tuning hardware and hyperparameters\": tuning the instance type with the "
        "hyperparameters, MO-ASHA reaches the accuracy of single-objective ASHA on a default "
        "instance with >= 5.8x less tuning time and >= 8.8x fewer tuning dollars; with the "
        "instance fixed it finds models ~10% faster at equal accuracy. Our targets: >= 6x, "
        ">= 9x, >= 10%.",
        f"Simulated on the shipped benchmarks {', '.join(f'`{b}`' for b in benchmarks)}: the "
        f"first {n_tasks} tasks of each x {n_seeds} seeds, 4 workers, the runner's default "
        f"budget ({n_runs} runs, {len(failed)} failed). Target per (task, seed) = the best "
        f"accuracy of `asha-default` (single-objective ASHA, instance fixed to ml.g4dn.xlarge) "
        f"minus 0.5 points. The `-x` benchmarks (modelled interactions) are not in this "
        f"command; the paired, bootstrapped comparison on them is on the tuning-effectiveness "
        f"and hardware-decision pages.",
        "## Tuning time and dollars to ASHA's accuracy",
        "Geometric mean [min, max] over tasks x seeds of ASHA / ours (\"not reached\": pairs "
        "where ours never reached the target within the budget; they enter the range as 0 and "
        "are left out of the mean); the last two columns: the share of pairs meeting the "
        "target.",
        markdown_table(rows, ["benchmark", "method", "hardware logic", "searcher", "pairs",
                              "time reduction", "dollar reduction", "time >= 6x",
                              "dollars >= 9x"]))
    hp_cols = ["benchmark", "pairs", "runtime improvement at equal accuracy (mean)", "median",
               "range", "not reached"]
    page.add("## Hyperparameters only (instance fixed to ml.g4dn.xlarge)",
             "Training runtime of the fastest model within 0.5 points of ASHA's best accuracy, "
             "`moasha-hp` (MO-ASHA on accuracy and runtime, random hyperparameters) against "
             "`asha-default`: improvement = 1 - ours / ASHA.",
             markdown_table(hp_rows, hp_cols))
    met_t = [f"`{r['benchmark']}` {r['method']}" for r in rows
             if _geo_value(r["time reduction"]) >= 6]
    met_d = [f"`{r['benchmark']}` {r['method']}" for r in rows
             if _geo_value(r["dollar reduction"]) >= 9]
    met_hp = [f"`{r['benchmark']}`" for r in hp_rows
              if _percent(r["runtime improvement at equal accuracy (mean)"]) >= 10]
    page.add("## Verdict (read off the tables above)",
             f"* >= 6x tuning time (geometric mean): met by {', '.join(met_t) or 'none'}.\n"
             f"* >= 9x tuning dollars (geometric mean): met by {', '.join(met_d) or 'none'}.\n"
             f"* >= 10% faster models, hyperparameters only (mean): met on "
             f"{', '.join(met_hp) or 'none'}.",
             "Where the targets are missed, the reasons measured elsewhere on this site: on "
             "`hgb` and `linear` the models are single-threaded or do not scale, so the instance "
             "type changes the cost and hardly the time; single-objective ASHA finds its best "
             "accuracy quickly on these small spaces and re-samples configurations under other "
             "recorded seeds, which sets a target that seed noise decides; and three objectives "
             "split MO-ASHA's rungs (fast-and-cheap but inaccurate models keep their slots). "
             "This script's per-seed targets and geometric means over single pairs are noisier "
             "than the paired comparison of the tuning-effectiveness page, which is the one to "
             "read.")
    page.write()


if __name__ == "__main__":
    sys.exit(main())
