"""``syne-mohb`` command line: demo, bench, report, resume.

* ``syne-mohb demo``: hardware-aware tuning (MO-ASHA over hyperparameters and instance type) on a
  shipped benchmark, compared with single-objective ASHA on the default instance; prints the
  Pareto set and the plots' paths.
* ``syne-mohb bench --methods ... --benchmarks ... --seeds N``: simulated runs in parallel, then
  the report.
* ``syne-mohb report RESULTS``: tables and plots for finished runs (simulated, local, SageMaker).
* ``syne-mohb resume RUN_DIR``: resume an interrupted durable run.
"""
from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path
from typing import Sequence

__all__ = ["main"]


class CLIError(Exception):
    """A user error: printed without a traceback, exit status 2."""


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _fmt_table(df, floatfmt: str = "{:.4g}") -> str:
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 30):
        return df.to_string(index=False, float_format=lambda v: floatfmt.format(v))


def _check_names(methods: list[str], benchmarks: list[str]) -> None:
    from syne_mohb.experiments.methods import check_method
    from syne_mohb.experiments.runner import get_benchmark

    for m in methods:
        try:
            check_method(m)
        except ValueError as e:
            raise CLIError(str(e)) from None
    for b in benchmarks:
        try:
            get_benchmark(b)
        except ValueError as e:
            raise CLIError(str(e)) from None


def _check_flags(args: argparse.Namespace, ints: dict[str, int], budget: bool = True) -> None:
    """Reject out-of-range numeric flags with one line naming the flag (``ints``: flag ->
    lowest allowed value; a flag left unset (None) is not checked)."""
    for flag, lowest in ints.items():
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value is not None and value < lowest:
            raise CLIError(f"{flag} must be an integer >= {lowest}, got {value}")
    if budget and args.budget is not None and not (math.isfinite(args.budget) and args.budget > 0):
        raise CLIError(f"--budget must be a number of simulated seconds > 0, got {args.budget:g}")


def _demo_benchmark() -> tuple[str, str]:
    from syne_mohb.experiments.runner import benchmark_names, get_benchmark

    names = benchmark_names()
    if not names:
        raise CLIError("no benchmark is shipped in syne_mohb/blackboxes/data: nothing to replay")
    name = "mlp" if "mlp" in names else names[0]
    bench = get_benchmark(name)
    task = "digits" if "digits" in bench.tasks else bench.tasks[0]
    return name, task


def cmd_demo(args: argparse.Namespace) -> int:
    from syne_mohb.experiments.analysis import load_run, pareto_table
    from syne_mohb.experiments.report import make_report
    from syne_mohb.experiments.runner import get_benchmark, grid, run_many

    if args.benchmark:
        _check_names([], [args.benchmark])
        name, task = args.benchmark, args.task
        bench = get_benchmark(name)
        task = task or ("digits" if "digits" in bench.tasks else bench.tasks[0])
    else:
        name, task = _demo_benchmark()
        if args.task:
            task = args.task
    bench = get_benchmark(name)
    try:
        bench.check_task(task)
    except ValueError as e:
        raise CLIError(str(e)) from None
    method = args.method
    _check_names([method], [])
    _check_flags(args, {"--seed": 0, "--seeds": 1, "--rows": 1, "--processes": 1})
    out = Path(args.output)
    budget = args.budget if args.budget is not None else bench.default_budget(task)
    t0 = time.perf_counter()
    print(f"syne-mohb demo: tuning hyperparameters and instance type on benchmark {name!r}, task "
          f"{task!r} (offline evaluations, simulated), budget {budget:.3g} s of simulated tuning "
          f"time with 4 workers")
    seeds = list(range(args.seed, args.seed + args.seeds))
    specs = grid([method, "asha-default"], [name], {name: [task]}, seeds, out, budget=budget)
    results = run_many(specs, processes=min(2, args.processes), progress=not args.quiet, overwrite=True)
    errors = [r for r in results if "error" in r]
    if errors:
        raise CLIError("; ".join(f"{r['path']}: {r['error']}" for r in errors))
    ours = [load_run(out / name / task / method / f"seed-{s}") for s in seeds]
    base = [load_run(out / name / task / "asha-default" / f"seed-{s}") for s in seeds]
    table = pareto_table(ours[0], max_rows=args.rows)
    print(f"\nPareto set found by {method}, seed {seeds[0]} (accuracy max, runtime and cost min; "
          f"{len(table)} shown), runtime = training seconds on the instance, cost = training dollars:")
    print(_fmt_table(table))
    print(_demo_measures(bench, task, method, ours, base, budget))
    rep = make_report(out, out_dir=out / "report")
    print("\nPlots:")
    for p in rep["plots"]:
        print(f"  {p}")
    print(f"Results (Syne Tune format) under {out.resolve()}; demo took "
          f"{time.perf_counter() - t0:.1f} s")
    return 0


def _demo_measures(bench, task: str, method: str, ours: list, base: list, budget: float) -> str:
    """Measures (a) and (b) of ``syne_mohb.experiments.metrics`` against ASHA, with intervals."""
    import numpy as np

    from syne_mohb.experiments.metrics import best_possible, paired_ratio, run_measures, seed_draws

    best = float(np.mean([r.results["accuracy"].max() for r in base]))
    target = best - 0.005
    mo = [run_measures(r, target, budget) for r in ours]
    mb = [run_measures(r, target, budget) for r in base]
    draws = seed_draws(len(ours))
    lines = [f"\nSingle-objective ASHA on the default instance ({bench.default_instance}), "
             f"{len(base)} seeds: mean best accuracy {best:.4f}; target = that minus 0.5 points "
             f"= {target:.4f}. Ratios ASHA / {method} (> 1: {method} better), mean over the "
             f"paired seeds [95% bootstrap interval over seeds]:"]
    for key, what in (("tune_dollars", "(a) tuning dollars to the target"),
                      ("tune_time", "(a) tuning time to the target"),
                      ("model_dollars", "(b) the found model's own training dollars"),
                      ("model_time", "(b) the found model's own training time")):
        point, lo, hi = paired_ratio([(np.array([m[key] for m in mb]),
                                       np.array([m[key] for m in mo]))], draws)
        interval = f" [{lo:.2f}, {hi:.2f}]" if np.isfinite(lo) else ""
        lines.append(f"  {what:48s} {point:.2f}x{interval}")
    cheapest, _ = best_possible(bench.blackbox(task), target)
    found_all = np.array([m["model_dollars"] for m in mb], dtype=float)
    found = float(np.mean(found_all[np.isfinite(found_all)])) if np.isfinite(found_all).any() else np.nan
    if np.isfinite(cheapest) and cheapest > 0 and np.isfinite(found):
        lines.append(f"  {'(b) best possible (cheapest model in the table)':48s} {found / cheapest:.2f}x")
    reached = sum(int(m["reached"]) for m in mo)
    lines.append(f"  {method} reached the target in {reached} of {len(mo)} seeds "
                 f"(a run that did not counts with its whole budget)")
    return "\n".join(lines)


def cmd_bench(args: argparse.Namespace) -> int:
    from syne_mohb.experiments.report import make_report
    from syne_mohb.experiments.runner import benchmark_names, grid, run_many, run_state
    from syne_mohb.experiments.methods import method_names

    methods = _split(args.methods) or ["moasha", "asha-default"]
    benchmarks = _split(args.benchmarks) or benchmark_names()[:1]
    _check_names(methods, benchmarks)
    tasks = {b: _split(args.tasks) for b in benchmarks} if args.tasks else None
    _check_flags(args, {"--seeds": 1, "--workers": 1, "--max-trials": 1, "--processes": 1})
    try:
        specs = grid(methods, benchmarks, tasks, range(args.seeds), args.output, budget=args.budget,
                     n_workers=args.workers, max_trials=args.max_trials)
    except ValueError as e:
        raise CLIError(str(e)) from None
    out = Path(args.output)
    print(f"{len(specs)} runs: methods {methods} x benchmarks {benchmarks} x seeds 0..{args.seeds - 1}"
          f" -> {out.resolve()} (valid methods: {', '.join(method_names())})")
    # reuse decided from the stored parameters, not from the files alone (runner.run_state)
    states = [run_state(s) for s in specs]
    conflicts = [st for st in states if st.status == "different"]
    if conflicts and not args.overwrite:
        first = conflicts[0]
        raise CLIError(
            f"{len(conflicts)} of {len(specs)} runs below {out} were made with other parameters "
            f"(e.g. {first.path.relative_to(out)}: {first.reason}); rerun with --overwrite to "
            f"replace them, or choose another --output")
    reused = [st for st in states if st.status == "finished"]
    if reused:
        names = [str(st.path.relative_to(out)) for st in reused]
        print(f"reusing {len(reused)} finished runs with the same parameters (budget, workers, "
              f"max trials, default instance): {', '.join(names[:10])}"
              f"{f' and {len(names) - 10} more' if len(names) > 10 else ''}")
    for st in states:
        if st.status in ("unfinished", "different"):
            print(f"running again {st.path.relative_to(out)}: {st.reason}")
    todo = [spec for spec, st in zip(specs, states) if st.status != "finished"]
    results = run_many(todo, processes=args.processes, progress=not args.quiet,
                       overwrite=args.overwrite)
    failed = [r for r in results if "error" in r]
    for r in failed:
        print(f"FAILED {r['path']}: {r['error']}", file=sys.stderr)
    try:
        rep = make_report(args.output)
    except (FileNotFoundError, ValueError) as e:
        raise CLIError(f"no report: {e}") from None
    _print_report(rep)
    return 1 if failed else 0


def _print_report(rep) -> None:
    for path, reason in rep.get("skipped", []):
        print(f"skipped {path}: {reason}", file=sys.stderr)
    print("\nSummary (hypervolume: fraction of the reference box, common normalisation per "
          "benchmark/task; mean and std over seeds):")
    print(_fmt_table(rep["summary"]))
    for key, tab in rep["pareto"].items():
        print(f"\nPareto set {key}:")
        print(_fmt_table(tab))
    if len(rep["targets"]):
        t = rep["targets"]
        agg = t.groupby(["benchmark", "task", "method"]).agg(
            time_reduction=("time_reduction", "median"), dollar_reduction=("dollar_reduction", "median"),
            seeds=("seed_index", "count")).reset_index()
        print("\nTime / dollars to reach the baseline's best accuracy - 0.5 points "
              "(median over seeds of baseline/method):")
        print(_fmt_table(agg))
    print("\nPlots:")
    for p in rep["plots"]:
        print(f"  {p}")
    print(f"Tables: {rep['out_dir']}")


def _html_report(path: Path, output: str | None) -> int:
    from syne_mohb.experiments.html_report import make_html_report

    try:
        page = make_html_report(path, output, on_skip=lambda folder, reason: print(
            f"skipped {folder}: {reason}", file=sys.stderr))
    except (OSError, ValueError, ImportError) as e:
        raise CLIError(str(e)) from None
    print(f"HTML report ({page.stat().st_size / 1e6:.1f} MB, self-contained, opens offline): {page}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from syne_mohb.experiments.report import make_report

    path = Path(args.results)
    if not path.exists():
        raise CLIError(f"results folder {path} does not exist")
    if getattr(args, "html", False):
        return _html_report(path, args.output)
    try:
        rep = make_report(path, out_dir=args.output, baseline=args.baseline)
    except (FileNotFoundError, ValueError) as e:
        raise CLIError(str(e)) from None
    _print_report(rep)
    return 0


def _not_resumable(run_dir: Path) -> str | None:
    """Why ``run_dir`` cannot be resumed (one line), or None if it holds a durable run."""
    from syne_mohb.durable.journal import JOURNAL_FILENAME
    from syne_mohb.durable.tuner import SPEC_FILENAME

    start = ("only runs started with syne_mohb.durable.DurableTuner can be resumed: start the "
             "run with DurableTuner(...) in place of syne_tune.Tuner (README, section "
             "'Durable tuning runs')")
    if not run_dir.is_dir():
        return f"{run_dir} is not a folder; {start}"
    has_journal = (run_dir / JOURNAL_FILENAME).is_file()
    if has_journal and (run_dir / SPEC_FILENAME).is_file():
        return None
    if has_journal:
        return (f"{run_dir} has a {JOURNAL_FILENAME} but no {SPEC_FILENAME}: its DurableTuner "
                f"stopped before its first step, so there is nothing to resume; start it again")
    if (run_dir / "results.csv.zip").exists() or (run_dir / "metadata.json").exists():
        kind = f"a plain Syne Tune run folder (no {JOURNAL_FILENAME})"
    else:
        kind = f"not a tuning run folder (no {JOURNAL_FILENAME})"
    below = sorted({j.parent for pattern in (f"*/{JOURNAL_FILENAME}", f"*/*/{JOURNAL_FILENAME}")
                    for j in run_dir.glob(pattern)})
    hint = (f"; durable runs below it: {', '.join(str(b) for b in below[:3])}"
            f"{' ...' if len(below) > 3 else ''}" if below else "")
    return f"{run_dir} is {kind}; {start}{hint}"


def cmd_resume(args: argparse.Namespace) -> int:
    run_dir = Path(args.run_dir)
    if not run_dir.exists():
        raise CLIError(f"run folder {run_dir} does not exist")
    try:
        from syne_mohb.durable import ReplayMismatchError, RunLockedError, resume
    except ImportError as e:
        raise CLIError(f"resuming needs syne_mohb.durable, which is not available in this "
                       f"installation ({e})") from None
    reason = _not_resumable(run_dir)
    if reason:
        raise CLIError(reason)
    try:
        tuner = resume(str(run_dir))
    except (RunLockedError, ReplayMismatchError) as e:
        raise CLIError(str(e)) from None
    results = Path(getattr(tuner, "tuner_path", run_dir)) / "results.csv.zip"
    status = getattr(tuner, "tuning_status", None)
    if status is None:  # resume() does not run a run whose journal ended cleanly
        print(f"run {run_dir} had finished: nothing to resume; results in {results}")
    else:
        print(f"run {run_dir} resumed and ended: {status.num_trials_started} trials started in "
              f"all; results in {results}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from syne_mohb.experiments.methods import method_names

    p = argparse.ArgumentParser(prog="syne-mohb", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", metavar="{demo,bench,report,resume}")

    d = sub.add_parser("demo", help="hardware-aware tuning on a shipped benchmark (under a minute)")
    d.add_argument("--benchmark", help="shipped benchmark (default: mlp if shipped, else the first)")
    d.add_argument("--task", help="task of the benchmark (default: digits or the first)")
    d.add_argument("--output", default="syne-mohb-demo", help="results folder (default: %(default)s)")
    d.add_argument("--budget", type=float, help="simulated tuning seconds (default: 25 full trainings)")
    d.add_argument("--seed", type=int, default=0, help="first seed")
    d.add_argument("--seeds", type=int, default=5,
                   help="paired seeds of each method (default: %(default)s)")
    d.add_argument("--method", default="moasha",
                   help="our method to run (default: %(default)s: MO-ASHA with its default "
                        "searcher, the best on the shipped benchmarks in README's comparison; "
                        "'moasha-transfer' to sample from the other tasks' Pareto fronts)")
    d.add_argument("--rows", type=int, default=15, help="Pareto rows to print")
    d.add_argument("--processes", type=int, default=2)
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.set_defaults(func=cmd_demo)

    b = sub.add_parser("bench", help="methods x benchmarks x seeds, simulated, then the report")
    b.add_argument("--methods", help=f"comma-separated, from: {', '.join(method_names())}")
    b.add_argument("--benchmarks", help="comma-separated shipped benchmarks (default: the first)")
    b.add_argument("--tasks", help="comma-separated tasks (default: all tasks of each benchmark)")
    b.add_argument("--seeds", type=int, default=2, help="number of seeds (0..N-1)")
    b.add_argument("--budget", type=float, help="simulated tuning seconds per run")
    b.add_argument("--workers", type=int, default=4, help="simulated workers per run")
    b.add_argument("--max-trials", type=int, help="cap on trials started per run")
    b.add_argument("--processes", type=int, default=2, help="parallel processes")
    b.add_argument("--output", default="syne-mohb-bench", help="results folder")
    b.add_argument("--overwrite", action="store_true",
                   help="replace finished runs made with other parameters (--budget, --workers, "
                        "--max-trials) instead of stopping")
    b.add_argument("--quiet", action="store_true")
    b.set_defaults(func=cmd_bench)

    r = sub.add_parser("report", help="tables and plots for finished runs below RESULTS")
    r.add_argument("results", metavar="RESULTS")
    r.add_argument("--output", help="where to write tables and plots (default: RESULTS/report)")
    r.add_argument("--baseline", help="method whose best accuracy is the target (default: asha-default)")
    r.add_argument("--html", action="store_true",
                   help="write one interactive, self-contained HTML page (OUTPUT/report.html, or OUTPUT "
                        "if it ends in .html) instead of the CSV tables and PNG plots")
    r.set_defaults(func=cmd_report)

    s = sub.add_parser("resume", help="resume an interrupted durable run")
    s.add_argument("run_dir", metavar="RUN_DIR")
    s.set_defaults(func=cmd_resume)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``syne-mohb`` console script; returns the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("syne_tune").setLevel(logging.ERROR)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CLIError as e:
        print(f"syne-mohb {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
