"""Compare tuning methods side by side on the shipped hardware benchmarks, with paired seeds.

Every method runs on the same tasks, seeds, budget and 4 simulated workers (one simulated
backend: :func:`syne_mohb.experiments.runner.run_one`). Per task the *target* is the mean over
seeds of the best accuracy of a baseline (single-objective ASHA on a fixed instance) minus 0.5
accuracy points, i.e. its mean best error + 0.005. Measures, per method and task:

(a) tuning time and tuning dollars until the method's first result at the target; the ratio
    is ``mean over seeds (baseline) / mean over seeds (method)`` (> 1: the method is faster /
    cheaper); a run that never reaches the target counts with the whole budget (time) and all
    it spent (dollars), and the number of such runs is shown;
(b) the *found model's* own training dollars and time at the target: the cheapest (fastest)
    model, configuration at an epoch, that the run trained with accuracy >= target; ratio
    ``baseline's cheapest model / method's``, next to the best possible ratio (the cheapest draw
    of the whole table at the target, any seed) and the exhaustive-once ratio (the expected
    cheapest model of training every row of the table once at a random recorded seed,
    :func:`syne_mohb.experiments.metrics.exhaustive_once`);
(c) hypervolume (accuracy, runtime, cost; one normalisation: bounds from the task's table,
    log flags from the benchmark's ``metric_log``,
    :func:`syne_mohb.experiments.metrics.normalizer_from_blackbox`) of the models trained by
    the end of the budget, and its mean over the time axis (area under the curve / budget).

Every measure comes from :mod:`syne_mohb.experiments.metrics`.

The table holds the median over tasks of each ratio with a 95% bootstrap interval (seeds
resampled with replacement, the same resample for every method: paired). Runs are cached under
``--output`` and reused by their parameters (method name, seed, budget, ...); rerunning
computes only what is missing. A reused run made by other code (its ``code_version``, the
fingerprint of the ``syne_mohb`` package, differs: e.g. a method's default changed since) is
named in a warning and counted in the provenance (``reused_from_other_code``); give a fresh
``--output`` to measure this code. Next to each table,
``<table>.provenance.json`` records the exact command, date, machine, seeds, time and the
cores other processes kept busy during the runs (runs on Syne Tune's simulator depend on it:
its clock takes the real time spent outside it; ``run_many`` warns of a busy machine): the
docs pages built from the tables (``benchmarking/hardware_tables.py``) name it.

    python benchmarking/compare_methods.py --benchmarks mlp,hgb,linear --seeds 10 \
        --tasks-per-benchmark 4
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from dataclasses import asdict
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from docs_page import command_line, machine  # noqa: E402
from script_args import interrupted, output_folder  # noqa: E402

from syne_mohb.experiments.analysis import load_run  # noqa: E402
from syne_mohb.experiments.metrics import (  # noqa: E402
    best_possible,
    exhaustive_once,
    hypervolume_curve,
    normalizer_from_blackbox,
    paired_ratio,
    run_measures,
    seed_draws,
)
from syne_mohb.hardware.startup import JobStartup  # noqa: E402
# what chooses each method's instance type and what proposes its hyperparameters: every table
# says both, to compare like with like (the registry holds them, next to the methods)
from syne_mohb.experiments.methods import hardware_logic, searcher_of  # noqa: E402,F401
from syne_mohb.experiments.methods import check_method, check_method_on  # noqa: E402
from syne_mohb.experiments.runner import (  # noqa: E402
    SIMULATORS, canonical_benchmark, check_stock_replay, code_version, get_benchmark, grid,
    OtherWork, check_replay_seed, other_code_runs, parse_outage, run_dir, run_many,
    with_outage)

PEERS = ["st-moasha", "st-moasha-fixed", "mo-random", "mo-random-repeats", "asha-instance",
         "nsga2"]
BASELINES = ["asha-default", "asha-p3"]
OURS = ["moasha", "moasha-promotion", "moasha-transfer", "moasha-uniform"]


def provenance_path(output: str | Path, table: str) -> Path:
    """Where a table's provenance (command, date, seeds, time) is written: next to the table."""
    return Path(output) / (Path(table).stem + ".provenance.json")


def write_provenance(output: str | Path, table: str, argv, script: str | None = None,
                     **facts) -> Path:
    """Record how ``<output>/<table>`` was made: the exact command, the date (UTC), the machine
    and ``facts`` (seeds, tasks, methods, seconds); read by the docs pages built from it."""
    cmd = command_line(None if argv is None else [script or __file__, *argv])
    record = {"table": str(Path(output) / table), "command": cmd,
              "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": machine(), **facts}
    path = provenance_path(output, table)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, default=str) + "\n")
    return path


def read_provenance(output: str | Path, table: str) -> dict | None:
    path = provenance_path(output, table)
    return json.loads(path.read_text()) if path.exists() else None


def hv_measures(run, normalizer, budget: float) -> dict[str, float]:
    grid_t = np.linspace(0.0, budget, 41)
    hv = hypervolume_curve(run, normalizer, grid_t, axis="time")
    return {"hv_final": float(hv[-1]), "hv_auc": float(hv.mean()), "hv_half": float(hv[20])}


def _fmt(point: float, lo: float, hi: float) -> str:
    if not np.isfinite(point):
        return "-"
    return f"{point:.2f}x [{lo:.2f}, {hi:.2f}]"


def _tasks_of(bench, args: argparse.Namespace) -> list[str]:
    """The tasks of ``bench`` to run: ``--tasks`` (default all), the first
    ``--tasks-per-benchmark`` of them."""
    tasks = args.tasks.split(",") if args.tasks else bench.tasks
    return tasks[: args.tasks_per_benchmark] if args.tasks_per_benchmark else tasks


def _baselines_offered(benchmark: str) -> None:
    """The baselines (and the target: ASHA-p3's accuracy) need their instance types."""
    bench = get_benchmark(benchmark)
    try:
        for m in BASELINES:
            check_method_on(m, bench.label, bench.instance_types, bench.tasks)
    except ValueError as e:
        raise ValueError(f"{e.args[0].split(';')[0]}: this script's baselines are "
                         f"{' and '.join(BASELINES)} (ASHA-p3's accuracy is its target), so a "
                         f"table must offer their instance types; compare methods on other "
                         f"tables with syne-mohb bench (baseline: ASHA on the table's default "
                         f"type)") from None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--benchmarks", default="mlp",
                    help="comma-separated shipped benchmarks or blackbox folders (tables with "
                         "accuracy, runtime and cost of every configuration on every instance "
                         "type, ml.p3.2xlarge among them for the ASHA-p3 baseline)")
    ap.add_argument("--tasks", help="comma-separated task names (default: all of each benchmark)")
    ap.add_argument("--tasks-per-benchmark", type=int, default=None,
                    help="first N tasks of each benchmark (default: all)")
    ap.add_argument("--methods", help="comma-separated methods (default: ours + peers + baselines)")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget-factor", type=float, default=8.0,
                    help="simulated budget = this many median full trainings on the default "
                         "instance (per task)")
    ap.add_argument("--budget-seconds", type=float, default=None,
                    help="simulated budget in seconds, the same for every task (instead of "
                         "--budget-factor; e.g. 300, as the independent benchmarks run)")
    ap.add_argument("--startup", action="store_true",
                    help="simulate SageMaker job start-up (syne_mohb.hardware.startup.JobStartup "
                         "defaults) at every start and resume; the budget then also counts "
                         "--budget-factor cold start-ups, and the hardware policy of our "
                         "methods weighs a restart's start-up (HardwarePolicy(job_startup=...))")
    ap.add_argument("--keep-alive", type=float, default=0.0,
                    help="warm-pool keep-alive seconds with --startup (default: no warm pools)")
    ap.add_argument("--outage", default=None, metavar="TYPE:FROM:TO",
                    help="a capacity outage of an instance type from FROM to TO, fractions of "
                         "each task's budget (e.g. ml.g4dn.xlarge:0.1:0.4): every job of the "
                         "type started then fails for lack of capacity (SimulatedBackend's "
                         "capacity_outages), and the runs tell the failures' kind to the "
                         "hardware policy (HardwareFeedback)")
    ap.add_argument("--replay-seed", type=int, default=None, metavar="K",
                    help="every trial replays the tables' recorded seed K, as a training "
                         "script with a fixed seed: a repeat of a configuration reproduces its "
                         "results (default: each trial draws one of the recorded seeds, as a "
                         "script that varies its seed); needs --simulator ours")
    ap.add_argument("--simulator", choices=SIMULATORS, default="ours",
                    help="'stock': Syne Tune's own UserBlackboxBackend, as users of Syne Tune "
                         "simulate (results without st_worker_time / st_worker_cost); no "
                         "--startup")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--output", default="benchmarking/_results/compare")
    ap.add_argument("--table", default="compare_methods.csv",
                    help="file name of the table written under --output")
    ap.add_argument("--versus", default=None,
                    help="peer of the paired ours/peer table (target: ASHA-p3's accuracy), one "
                         "of --methods (default: st-moasha-fixed, when among them)")
    args = ap.parse_args(argv)
    for name, value in (("--seeds", args.seeds), ("--processes", args.processes),
                        ("--bootstrap", args.bootstrap)):
        if value < 1:
            ap.error(f"{name} must be >= 1, got {value}")
    if not args.budget_factor > 0:
        ap.error(f"--budget-factor must be > 0, got {args.budget_factor}")
    if args.budget_seconds is not None and not args.budget_seconds > 0:
        ap.error(f"--budget-seconds must be > 0, got {args.budget_seconds}")
    if args.budget_seconds is not None and args.startup:
        ap.error("--budget-seconds and --startup: give the budget with --budget-factor (it then "
                 "counts the cold start-ups too)")
    if args.simulator == "stock" and args.startup:
        ap.error("--startup needs --simulator ours (Syne Tune's simulator has no job start-up)")
    if args.tasks_per_benchmark is not None and args.tasks_per_benchmark < 1:
        ap.error(f"--tasks-per-benchmark must be >= 1, got {args.tasks_per_benchmark} "
                 f"(leave it out for all tasks)")
    if args.keep_alive < 0:
        ap.error(f"--keep-alive must be >= 0, got {args.keep_alive}")
    outage = None
    if args.outage is not None:
        try:
            outage = parse_outage(args.outage)
        except ValueError as e:
            ap.error(str(e))
        if args.simulator == "stock":
            ap.error("--outage needs --simulator ours (Syne Tune's simulator has no outages)")
    if args.replay_seed is not None:
        if args.simulator == "stock":
            ap.error("--replay-seed needs --simulator ours (Syne Tune's simulator draws its own "
                     "seeds)")
        if args.replay_seed < 0:
            ap.error(f"--replay-seed must be a recorded seed's index >= 0, got {args.replay_seed}")
    if Path(args.table).name != args.table:
        ap.error(f"--table must be a file name (it is written under --output), got "
                 f"{args.table!r}")
    # a shipped name, or a blackbox folder (as its absolute path, the name its runs record)
    benchmarks = list(dict.fromkeys(canonical_benchmark(b) for b in args.benchmarks.split(",")
                                    if b))
    if not benchmarks:
        ap.error(f"--benchmarks names no benchmark, got {args.benchmarks!r}")
    methods = [m for m in args.methods.split(",") if m] if args.methods else OURS + PEERS
    methods = [m for m in methods if m not in BASELINES]
    # names first, before any run: one line naming the parameter, the bad name and the valid ones
    checks = [("--methods", check_method, m) for m in methods]
    if args.versus is not None:
        checks += [("--versus", check_method, args.versus)]
    checks += [("--benchmarks", get_benchmark, b) for b in benchmarks]
    # every method and baseline can run there (e.g. asha-p3 needs ml.p3.2xlarge in the table)
    checks += [("--benchmarks", _baselines_offered, b) for b in benchmarks]
    if args.simulator == "stock":  # a table with missing epochs would hang it
        # (an unknown task is left to the --tasks check below, which names it)
        checks += [("--simulator stock", lambda b: check_stock_replay(
            (bench := get_benchmark(b)), [t for t in _tasks_of(bench, args) if t in bench.tasks]),
            b) for b in benchmarks]
    checks += [("--methods", lambda bm: check_method_on(
        bm[1], (bench := get_benchmark(bm[0])).label, bench.instance_types, bench.tasks),
        (b, m)) for b in benchmarks for m in methods]
    checks += [("--tasks", lambda bt: get_benchmark(bt[0]).check_task(bt[1]), (b, t))
               for b in benchmarks for t in (args.tasks.split(",") if args.tasks else [])]
    for name, check, value in checks:
        try:
            check(value)
        except ValueError as e:
            ap.error(f"{name}: {e}")
        if name == "--versus" and value not in methods:
            ap.error(f"--versus {value!r} is not among --methods (without the baselines "
                     f"{', '.join(BASELINES)}): add it there for the paired table")
    args.versus = args.versus or "st-moasha-fixed"
    output_folder(ap, "--output", args.output)
    t0 = time.perf_counter()
    specs, budgets = [], {}
    for b in benchmarks:
        bench = get_benchmark(b)
        tasks = _tasks_of(bench, args)
        for task in tasks:
            startup = JobStartup(keep_alive_s=args.keep_alive) if args.startup else None
            if args.budget_seconds is None:
                budget = bench.default_budget(task, factor=args.budget_factor, startup=startup)
            else:  # the same seconds of training for every task, the start-ups on top
                budget = args.budget_seconds + (0.0 if startup is None else args.budget_factor
                                                * startup.cold_total(bench.default_instance))
            extra = {} if startup is None else {"startup": asdict(startup)}
            if args.replay_seed is not None:
                extra["replay_seed"] = args.replay_seed
            if args.simulator == "stock":
                extra = {"simulator": "stock"}
            budgets[(b, task)] = budget
            task_specs = grid(methods + BASELINES, [b], {b: [task]}, range(args.seeds),
                              args.output, budget=budget, extra=extra)
            try:
                if outage is not None:
                    task_specs = with_outage(task_specs, outage)
                check_replay_seed(task_specs)
            except ValueError as e:
                ap.error(str(e))
            specs += task_specs
    print(f"{len(specs)} simulated runs: {len(methods) + len(BASELINES)} methods x "
          f"{len(budgets)} tasks x {args.seeds} seeds -> {args.output}", flush=True)
    try:
        other = OtherWork()  # measured by run_many, which warns of a busy machine
        res = run_many(specs, processes=args.processes, other_work=other)
    except KeyboardInterrupt:
        return interrupted(ap.prog, args.output)
    failed = [r for r in res if "error" in r]
    # one line per failing run, up to 5, then how many more (a conflict fails every run alike)
    for r in failed[:5]:
        print(f"FAILED {r['path']}: {r['error']}")
    if len(failed) > 5:
        print(f"FAILED {len(failed) - 5} more runs (each error is logged above)")
    if failed:
        # a failed run's folder may hold another run (e.g. one with other parameters, which
        # RunConflictError names): a table over it would mix settings; the finished runs stay
        print(f"no tables: {len(failed)} of {len(res)} runs failed (see FAILED above). Fix "
              f"them (e.g. a run made with other parameters: another --output) and run the "
              f"same command again; the {len(res) - len(failed)} finished runs are kept and "
              f"reused.", file=sys.stderr)
        return 1
    other_code = other_code_runs(res)  # run_many has warned, naming one
    sim_s = time.perf_counter() - t0

    rows, versus_rows = [], []
    draws = seed_draws(args.seeds, args.bootstrap)
    spec_of = {(x.benchmark, x.task, x.method, x.seed): x for x in specs}
    for b in benchmarks:
        bench = get_benchmark(b)
        tasks = [t for (bb_, t) in budgets if bb_ == b]
        # per baseline: measures[baseline][method][task] = DataFrame over seeds
        measures: dict[str, dict[str, dict[str, pd.DataFrame]]] = {n: {} for n in BASELINES}
        best: dict[str, dict[str, tuple[float, float]]] = {n: {} for n in BASELINES}
        once: dict[str, dict[str, float]] = {n: {} for n in BASELINES}
        for task in tasks:
            budget = budgets[(b, task)]
            bbox = bench.blackbox(task)
            # modes and log flags: the benchmark's metadata (metric_mode, metric_log)
            norm = normalizer_from_blackbox(b, task, ["accuracy", "runtime", "cost"])
            # every run is read and its hypervolume computed once, for both baselines
            runs = {(m, seed): load_run(run_dir(spec_of[(b, task, m, seed)]))
                    for m in BASELINES + methods for seed in range(args.seeds)}
            hv = {key: hv_measures(r, norm, budget) for key, r in runs.items()}
            for base_name in BASELINES:
                target = float(np.mean([runs[(base_name, s)].results["accuracy"].max()
                                        for s in range(args.seeds)])) - 0.005
                best[base_name][task] = best_possible(bbox, target)
                once[base_name][task] = exhaustive_once(bbox, target)
                for m in [base_name] + methods:
                    recs = [{**run_measures(runs[(m, s)], target, budget), **hv[(m, s)]}
                            for s in range(args.seeds)]
                    measures[base_name].setdefault(m, {})[task] = pd.DataFrame(recs)
        for base_name in BASELINES:
            per_method = measures[base_name]
            base = per_method[base_name]
            for m in [base_name] + methods:
                row = {"benchmark": bench.label, "baseline": base_name, "method": m,
                       "hardware logic": hardware_logic(m, bench.default_instance),
                       "searcher": searcher_of(m)}
                for key, label in (("tune_dollars", "tuning $ to target"),
                                   ("tune_time", "tuning time to target"),
                                   ("model_dollars", "found model's $"),
                                   ("model_time", "found model's time")):
                    pairs = [(base[t][key].to_numpy(), per_method[m][t][key].to_numpy())
                             for t in tasks]
                    row[label] = _fmt(*paired_ratio(pairs, draws))
                reached = sum(int(per_method[m][t]["reached"].sum()) for t in tasks)
                row["reached"] = f"{reached}/{len(tasks) * args.seeds}"
                row["HV end"] = format(
                    np.median([per_method[m][t]['hv_final'].mean() for t in tasks]), ".3f")
                row["HV mean"] = format(
                    np.median([per_method[m][t]['hv_auc'].mean() for t in tasks]), ".3f")
                rows.append(row)
            found = {t: np.nanmean(base[t]["model_dollars"]) for t in tasks}
            possible = np.nanmedian([found[t] / best[base_name][t][0] for t in tasks])
            rows.append({"benchmark": bench.label, "baseline": base_name,
                         "method": "(best possible)", "found model's $": f"{possible:.2f}x"})
            with np.errstate(invalid="ignore", divide="ignore"):
                tried = np.nanmedian([found[t] / once[base_name][t] for t in tasks])
            rows.append({"benchmark": bench.label, "baseline": base_name,
                         "method": "(exhaustive once)", "found model's $": f"{tried:.2f}x"})
        if args.versus in methods and "asha-p3" in measures:
            per_method = measures["asha-p3"]
            peer = per_method[args.versus]
            for m in methods:
                if m == args.versus:
                    continue
                row = {"benchmark": bench.label, "method": m,
                       "hardware logic": hardware_logic(m, bench.default_instance),
                       "searcher": searcher_of(m), "peer": args.versus}
                for key, label, invert in (
                        ("tune_dollars", "tuning $ to target", False),
                        ("tune_time", "tuning time to target", False),
                        ("model_dollars", "found model's $", False),
                        ("hv_half", "HV at half budget", True),
                        ("hv_final", "HV end", True)):
                    pairs = [(peer[t][key].to_numpy(), per_method[m][t][key].to_numpy())
                             if not invert else
                             (per_method[m][t][key].to_numpy(), peer[t][key].to_numpy())
                             for t in tasks]
                    row[label] = _fmt(*paired_ratio(pairs, draws))
                versus_rows.append(row)
    table = pd.DataFrame(rows).fillna("")
    with pd.option_context("display.width", 250, "display.max_columns", 20,
                           "display.max_colwidth", 40):
        print("\nMedian over tasks of mean(baseline) / mean(method) over paired seeds "
              "[95% bootstrap interval]; > 1 = better than the baseline")
        print(table.to_string(index=False))
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / args.table, index=False)
    if versus_rows:
        versus = pd.DataFrame(versus_rows).fillna("")
        with pd.option_context("display.width", 250, "display.max_columns", 20,
                               "display.max_colwidth", 45):
            print(f"\nOurs / {args.versus}, paired seeds, target = ASHA-p3's accuracy: median over "
                  f"tasks of mean(peer) / mean(method) for $ and time, mean(method) / mean(peer) "
                  f"for hypervolume [95% paired bootstrap]; > 1 = the method is better")
            print(versus.to_string(index=False))
        versus.to_csv(out / ("versus_" + args.table), index=False)
        md = out / ("versus_" + Path(args.table).stem + ".md")
        cols = list(versus.columns)
        lines = [f"`python benchmarking/compare_methods.py "
                 f"{' '.join(sys.argv[1:] if argv is None else argv)}`"
                 f" ({args.seeds} paired seeds; {time.strftime('%Y-%m-%d')})", "",
                 "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for _, r in versus.iterrows()]
        md.write_text("\n".join(lines) + "\n")
    write_provenance(args.output, args.table, argv, seeds=args.seeds,
                     tasks={b: [t for (bb_, t) in budgets if bb_ == b] for b in benchmarks},
                     methods=methods, baselines=BASELINES, budget_factor=args.budget_factor,
                     budget_seconds=args.budget_seconds,
                     startup=args.startup, keep_alive=args.keep_alive, outage=args.outage,
                     simulator=args.simulator, runs=len(specs),
                     failed=len(failed), code_version=code_version(),
                     reused_from_other_code=len(other_code), simulation_s=round(sim_s, 1),
                     total_s=round(time.perf_counter() - t0, 1),
                     other_work_cores=None if other.cores is None else round(other.cores, 2))
    if versus_rows:
        write_provenance(args.output, "versus_" + args.table, argv, seeds=args.seeds,
                         peer=args.versus, runs=len(specs),
                         total_s=round(time.perf_counter() - t0, 1))
    print(f"\nsimulations {sim_s:.0f} s, total {time.perf_counter() - t0:.0f} s; table: "
          f"{out / args.table}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
