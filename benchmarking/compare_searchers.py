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
        --benchmarks mlp,linear --seeds 20 --tasks-per-benchmark 4 --processes 2 \
        --output benchmarking/_results/searcher_joint

Each run also writes ``<table>.provenance.json`` (command, date, seeds, time). The docs page
``docs/benchmarks/searcher.md`` is assembled from the documented runs' tables (cached; see
``SECTIONS``) by

    python benchmarking/compare_searchers.py --page

Methods of ``methods.TRANSFER_METHODS`` get the benchmark's other tasks as related tasks
(leave-one-task-out) from ``runner.run_one``, in every worker process.
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

import compare_methods  # noqa: E402
from docs_page import BenchmarkPage, add_docs_argument, markdown_table  # noqa: E402
from syne_mohb.experiments import runner  # noqa: E402
from syne_mohb.experiments.analysis import load_run  # noqa: E402
from syne_mohb.experiments.methods import check_method  # noqa: E402
from syne_mohb.experiments.metrics import (  # noqa: E402
    hypervolume_curve,
    normalizer_from_blackbox,
    paired_ratio,
    run_measures,
    seed_draws,
)

BASELINE = "asha-p3"

RATIO_COLS = ["tuning $ (peer/ours)", "tuning time (peer/ours)", "HV at half budget (ours/peer)",
              "HV at end (ours/peer)"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ours", help="comma-separated methods to compare")
    ap.add_argument("--against", help="comma-separated peers")
    ap.add_argument("--benchmarks", default="mlp")
    ap.add_argument("--tasks", help="comma-separated task names (default: all)")
    ap.add_argument("--tasks-per-benchmark", type=int, default=None)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget-factor", type=float, default=8.0)
    ap.add_argument("--simulator", choices=runner.SIMULATORS, default="ours",
                    help="'stock': Syne Tune's own UserBlackboxBackend (compare_methods.py "
                         "--simulator stock)")
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--output", default="benchmarking/_results/searcher_joint")
    ap.add_argument("--table", default="compare_searchers.csv")
    ap.add_argument("--page", action="store_true",
                    help="write docs/benchmarks/searcher.md from the documented runs' tables "
                         "(SECTIONS) instead of running a comparison")
    ap.add_argument("--figure-task", default="mlp/german",
                    help="--page: benchmark/task of the figures (from the first section's runs)")
    ap.add_argument("--no-figures", action="store_true")
    add_docs_argument(ap)
    args = ap.parse_args(argv)
    if args.page and not args.no_figures:
        benchmark, _, task = args.figure_task.partition("/")
        try:
            runner.get_benchmark(benchmark).check_task(task)
        except ValueError as e:
            ap.error(f"--figure-task {args.figure_task!r} (benchmark/task, e.g. mlp/german): "
                     f"{e}")
    if args.page:
        page = searcher_page(args, None if argv is None else [__file__, *argv])
        print("\n\n".join(page.parts))
        if not args.no_docs:
            measured = [o for _, o, _ in SECTIONS if (Path(o) / "compare_searchers.csv").exists()]
            if not measured and page.path.exists():  # "Not run" everywhere: keep the page
                print(f"compare_searchers.py: nothing measured (no compare_searchers.csv under "
                      f"the sections' folders): {page.path} is kept; run the commands it lists "
                      f"first, or pass --no-docs to only print the page", file=sys.stderr)
                return 1
            page.write()
        return 0
    if not args.ours or not args.against:
        ap.error("--ours and --against are required (or --page)")
    t0 = time.perf_counter()
    ours = [m for m in args.ours.split(",") if m]
    peers = [m for m in args.against.split(",") if m]
    for flag, names in (("--ours", ours), ("--against", peers)):
        for m in names:
            try:
                check_method(m)
            except ValueError as e:
                ap.error(f"{flag}: {e}")
    if args.tasks_per_benchmark is not None and args.tasks_per_benchmark < 1:
        ap.error(f"--tasks-per-benchmark must be >= 1, got {args.tasks_per_benchmark} "
                 f"(leave it out for all tasks)")
    cm_args = ["--methods", ",".join(ours + peers), "--benchmarks", args.benchmarks,
               "--seeds", str(args.seeds), "--budget-factor", str(args.budget_factor),
               "--processes", str(args.processes), "--bootstrap", str(args.bootstrap),
               "--output", args.output,
               "--table", "compare_methods_" + args.table, "--simulator", args.simulator]
    if args.tasks:
        cm_args += ["--tasks", args.tasks]
    if args.tasks_per_benchmark:
        cm_args += ["--tasks-per-benchmark", str(args.tasks_per_benchmark)]
    status = compare_methods.main(cm_args)
    if status != 0:  # failed runs or Ctrl-C (compare_methods said so): no table over them
        return status

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
                       "seeds": args.seeds,
                       "ours: hardware logic": compare_methods.hardware_logic(o),
                       "ours: searcher": compare_methods.searcher_of(o),
                       "peer: hardware logic": compare_methods.hardware_logic(p),
                       "peer: searcher": compare_methods.searcher_of(p)}
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
    tasks_of = {}
    for b in [x for x in args.benchmarks.split(",") if x]:
        ts = args.tasks.split(",") if args.tasks else runner.get_benchmark(b).tasks
        tasks_of[b] = ts[: args.tasks_per_benchmark] if args.tasks_per_benchmark else ts
    # the runs' other work on the machine, as compare_methods.py measured it
    runs = compare_methods.read_provenance(args.output, "compare_methods_" + args.table) or {}
    compare_methods.write_provenance(args.output, args.table, argv, script=__file__,
                                     seeds=args.seeds, tasks=tasks_of, ours=ours, peers=peers,
                                     budget_factor=args.budget_factor,
                                     simulator=args.simulator,
                                     other_work_cores=runs.get("other_work_cores"),
                                     total_s=round(time.perf_counter() - t0, 1))
    print(f"table: {out / args.table}")
    return status


#: the documented comparisons of the searcher page: (heading, output folder, prose); each
#: folder holds compare_searchers.csv (paired ratios) and compare_methods_compare_searchers.csv
#: (every method against the ASHA baselines), made by the command in its provenance file
SECTIONS = [
    ("The searcher proposes the instance type too (no hardware policy)",
     "benchmarking/_results/searcher_joint",
     "`moasha-bo-hw`: the model-based searcher with the instance type in its space, against "
     "MO-ASHA with the previous default (`moasha-sampler`: random with replacement + a "
     "per-type instance preference), uniform random search (`moasha-uniform`) and Syne Tune "
     "0.16's MOASHA with its rank bug patched (`st-moasha-fixed`). *Developed on* (defaults "
     "chosen there, 5 seeds): `mlp/{digits,vehicle}` and `linear/{breast_cancer,digits}`; "
     "*untouched* until the first version of this table: `hgb`, `cnn`, "
     "`mlp/{german,spambase}`, `linear/{vehicle,pima}`."),
    ("With the hardware policy", "benchmarking/_results/searcher_policy",
     "`moasha` (MO-ASHA's default: the model-based searcher proposes the hyperparameters, the "
     "instance type arrives as a context and `HardwarePolicy` picks it) against "
     "`moasha-random` (random hyperparameters + the same policy: the default until "
     "2026-12-05) and the default before the policy (`moasha-sampler`). Caveat: the policy "
     "switches to uniformly drawn types (\"joint\") once a Kruskal-Wallis test finds an "
     "instance-type effect on accuracy; the model-based searcher repeats its favourite "
     "configurations, which gives that test paired groups sooner, and from then on its trials "
     "get uniformly drawn types (the searcher does not own the type)."),
    ("With the hardware policy, on the interaction families",
     "benchmarking/_results/searcher_x",
     "`moasha` against `moasha-random` and the patched Syne Tune MOASHA on the `-x` families "
     "(GPU efficiency growing with model size, per-core scaling and per-step overheads that "
     "differ by configuration), on our simulator, the first 3 tasks of each (the tasks of "
     "the hardware-decision page's `-x` tables)."),
    ("With the hardware policy, on Syne Tune's own simulator",
     "benchmarking/_results/searcher_stock",
     "The same comparison on every task of every shipped benchmark, the interaction families "
     "(`-x`) included, replayed by Syne Tune's `UserBlackboxBackend` (`--simulator stock`), "
     "as the independent benchmarks are: its results carry no `st_worker_time` / "
     "`st_worker_cost`, so the policy reads seconds and dollars off the table's columns "
     "(`syne_mohb/hardware/clock.py`) and a resumed trial keeps its type. On `cnn` a run "
     "trains about 11 trials in its budget (11 s, in which the tuner polls the simulator "
     "twice, every 5 s: see the hardware-decision page): with `num_initial=10` the model "
     "proposes at most one or two of them, so there `moasha` is close to a random search "
     "without repeats."),
    ("Full fidelity: plain multi-objective BO and the model-based peers",
     "benchmarking/_results/searcher_full",
     "`mo-bo`: the searcher under a FIFO scheduler (every trial to `max_t`); `moasha-bo-hw` "
     "adds the rungs. Peers: Syne Tune 0.16's MOREA as shipped (`st-morea`) and with its rank "
     "bug patched (`st-morea-fixed`), Optuna's MOTPE and NSGA-II, multi-objective random "
     "search (`mo-random`). Syne Tune's EHVI (`st-ehvi`) and NePS's MO-BO (`neps-mobo`): on "
     "their own page, [Against Syne Tune's EHVI and NePS's MO-BO](ehvi.md) (torch and "
     "botorch, the `neps` extra; seconds per suggestion)."),
    ("With related tasks", "benchmarking/_results/searcher_related",
     "`moasha-bo-hw-transfer`: the other tasks of the benchmark as a prior (leave-one-task-"
     "out), against `moasha-transfer` (`ParetoTransferSearcher`) and against itself without "
     "the prior (`moasha-bo-hw`). With related tasks the searcher keeps 10% uniformly random "
     "suggestions (`exploration=None`)."),
]
HP_ONLY = ("benchmarking/_results/hp_only", "hp_only.csv")


def searcher_page(args, argv):
    from hardware_tables import describe, emphasise, figures, images_dir, provenance_line

    used = [(Path(o), "compare_searchers.csv") for _, o, _ in SECTIONS] + [HP_ONLY]
    seeds = sorted({str(p["seeds"]) for o, t in used
                    if (p := compare_methods.read_provenance(o, t))})
    page = BenchmarkPage("searcher", "Model-based multi-objective searcher against the peers",
                         seeds=(", ".join(seeds) + " paired seeds (0..n-1), the same for every "
                                "method") if seeds else None,
                         docs_dir=args.docs_dir, argv=argv)
    page.add(
        "`syne_mohb.searchers.ModelBasedSearcher` (extra-trees surrogate of every objective, "
        "random Chebyshev scalarisations, Thompson sampling) against MO-ASHA's random "
        "searchers, Syne Tune 0.16's MOASHA and MOREA, Optuna's MOTPE and NSGA-II. Each "
        "section runs `compare_methods.py` (same tasks, budget of 8 median full trainings on "
        "ml.g4dn.xlarge, 4 simulated workers, target = ASHA-p3's mean best accuracy - 0.005) "
        "and pairs each of our methods with each peer on the same seeds: cells are the median "
        "over tasks of mean(peer) / mean(ours) for tuning dollars and time to the target (> 1: "
        "ours needs less; a run that never reaches the target counts with its whole budget "
        "and all it spent) and of mean(ours) / mean(peer) for the hypervolume (accuracy, "
        "runtime, cost) at half the budget and at its end, with 95% paired-bootstrap intervals "
        "over seeds. **bold**: the interval lies above 1 (ours ahead); *italic*: below 1 "
        "(ours behind). Every row names what chooses the instance type (hardware logic) and "
        "what proposes the hyperparameters (searcher), for ours and for the peer.")
    cols = ["benchmark", "tasks", "ours", "ours: hardware logic", "peer",
            "peer: hardware logic", "peer: searcher", *RATIO_COLS]
    for heading, output, prose in SECTIONS:
        out = Path(output)
        page.add(f"## {heading}", prose)
        if not (out / "compare_searchers.csv").exists():
            page.add(f"*Not run: `{out}/compare_searchers.csv` does not exist.*")
            continue
        page.add("Command:\n\n" + provenance_line(out, "compare_searchers.csv"))
        df = pd.read_csv(out / "compare_searchers.csv", dtype=str, keep_default_na=False)
        rows = []
        for r in df.to_dict("records"):
            row = {k: emphasise(v) if k in RATIO_COLS else v for k, v in r.items()}
            for side in ("ours", "peer"):
                row[f"{side}: hardware logic"] = compare_methods.hardware_logic(r[side])
                row[f"{side}: searcher"] = compare_methods.searcher_of(r[side])
            row["ours"], row["peer"] = f"`{r['ours']}`", f"`{r['peer']}`"
            rows.append(row)
        page.add(markdown_table(rows, cols))
        ours = sorted(set(df["ours"]))
        page.add("Searcher of ours: " + "; ".join(
            f"`{o}`: {compare_methods.searcher_of(o)}" for o in ours) + ".")
        absolute = out / "compare_methods_compare_searchers.csv"
        if absolute.exists():
            a = pd.read_csv(absolute, dtype=str, keep_default_na=False)
            a = a[(a["baseline"] == "asha-p3") & ~a["method"].isin(["asha-p3", "asha-default"])]
            page.add("Every method of this section against ASHA on ml.p3.2xlarge (the same "
                     "runs; median over tasks of mean(ASHA-p3) / mean(method), 95% bootstrap), "
                     "command:\n\n" + provenance_line(out, "compare_methods_compare_searchers.csv"),
                     markdown_table([describe(dict(r, tasks="")) for r in a.to_dict("records")],
                                    ["benchmark", "method", "hardware logic", "searcher",
                                     "tuning $ to target", "tuning time to target",
                                     "found model's $", "found model's time", "reached",
                                     "HV end", "HV mean"]))
    out, table = Path(HP_ONLY[0]), HP_ONLY[1]
    page.add("## Hyperparameters only (the paper's claim)",
             "Instance fixed to ml.g4dn.xlarge, objectives accuracy and runtime; `moasha-hp-bo` "
             "is `moasha-hp` with the model-based searcher. \"found model's time\": the "
             "fastest model at ASHA's target accuracy, mean(`asha-default`) / mean(method); "
             "the paper reports ~10% faster models (1.10x). `cnn` and the `-x` benchmarks: not "
             "in the documented command, not run.")
    if (out / table).exists():
        a = pd.read_csv(out / table, dtype=str, keep_default_na=False)
        a = a[(a["baseline"] == "asha-default") & ~a["method"].isin(["asha-p3", "asha-default"])]
        page.add("Command:\n\n" + provenance_line(out, table),
                 markdown_table([describe(dict(r, tasks="")) for r in a.to_dict("records")],
                                ["benchmark", "method", "hardware logic", "searcher",
                                 "found model's time", "found model's $", "tuning time to target",
                                 "reached", "HV end"]))
    else:
        page.add(f"*Not run: `{out / table}` does not exist.*")
    page.add("## Not run",
             "EHVI (`st-ehvi`) and NePS's MO-BO (`neps-mobo`) are not in these tables: "
             "[Against Syne Tune's EHVI and NePS's MO-BO](ehvi.md). A variant modelling "
             "accuracy plus a hardware-free size proxy instead of runtime and cost with the "
             "instance as a context: not built.")
    if not args.no_figures:
        benchmark, task = args.figure_task.split("/")
        out = Path(SECTIONS[0][1])
        prov = compare_methods.read_provenance(out, "compare_searchers.csv") or {}
        n_seeds = int(prov.get("seeds", 20))
        methods = [*prov.get("ours", ["moasha-bo-hw"]), *prov.get("peers", [])]
        page.add(f"## One task: `{benchmark}/{task}`",
                 f"From the runs of the first section ({SECTIONS[0][0].lower()}).")
        figures(page, out, benchmark, task, methods, n_seeds,
                images_dir(args), "searcher",
                prov.get("ours", ["moasha-bo-hw"])[0])
    return page


if __name__ == "__main__":
    sys.exit(main())
