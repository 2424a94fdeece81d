"""``syne-mohb`` command line: demo, bench, report, resume.

* ``syne-mohb demo``: hardware-aware tuning (MO-ASHA over hyperparameters and instance type) on a
  shipped benchmark, compared with single-objective ASHA on the default instance; prints the
  Pareto set and the plots' paths.
* ``syne-mohb bench --methods ... --benchmarks ... --seeds N``: simulated runs in parallel, then
  the report.
* ``syne-mohb report RESULTS``: tables and plots for finished runs (simulated, local, SageMaker,
  Ray), compared within groups of comparable runs.
* ``syne-mohb resume RUN_DIR``: resume an interrupted durable run, or extend a finished one
  (``--max-trials``, ``--max-wallclock-time``).

Every option's help says its default (``syne-mohb <command> --help``).
"""
from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time
from pathlib import Path
from typing import Sequence

__all__ = ["main"]


class CLIError(Exception):
    """A user error: printed without a traceback, exit status 2."""


#: the method ``demo`` compares with, and ``report``'s default baseline
BASELINE = "asha-default"

#: the rule for a run that misses the target, printed by ``demo`` and ``report`` alike
UNREACHED_RULE = "a run that never reached it counts with its whole budget and all it spent"


def _split(value: str | None) -> list[str]:
    """The names of a comma-separated flag, each once (in the order first given): a name given
    twice would run the same runs twice at once, into one folder."""
    names = [v.strip() for v in value.split(",") if v.strip()] if value else []
    return list(dict.fromkeys(names))


def _count(n: int, what: str) -> str:
    """``"1 run"``, ``"2 runs"``."""
    return f"{n} {what}{'' if n == 1 else 's'}"


def _fmt_table(df, floatfmt: str = "{:.4g}") -> str:
    """``df`` as text; a missing value (e.g. the restarts of a method without a hardware
    policy) as ``-``, not ``NaN``."""
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 30):
        return df.to_string(index=False, float_format=lambda v: floatfmt.format(v), na_rep="-")


def _check_names(methods: list[str], benchmarks: list[str]) -> None:
    from syne_mohb.blackboxes.repository import shadowed_folder
    from syne_mohb.experiments.methods import METHOD_PACKAGES, check_method
    from syne_mohb.experiments.runner import get_benchmark

    from syne_mohb._lazy import MissingExtraError, require_installed

    for m in methods:
        try:
            check_method(m)
            if m in METHOD_PACKAGES:  # its extra, before any run starts
                require_installed(METHOD_PACKAGES[m], f"method {m}")
        except (ValueError, MissingExtraError) as e:
            raise CLIError(str(e)) from None
    for b in benchmarks:
        try:
            get_benchmark(b)
        except ValueError as e:
            raise CLIError(str(e)) from None
        shadowed = shadowed_folder(b)
        if shadowed is not None:  # a user's converted table named like a shipped benchmark
            print(f"note: {b!r} is the shipped benchmark; the folder {shadowed} here is not "
                  f"read (give ./{b} for it)", file=sys.stderr)


def _benchmark_with_default(name: str, default_instance: str | None):
    """The benchmark, with ``--default-instance`` checked against its instance types."""
    from syne_mohb.experiments.runner import get_benchmark

    try:
        return get_benchmark(name, default_instance)
    except ValueError as e:
        raise CLIError(f"--default-instance: {e}" if default_instance else str(e)) from None


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
    bench = _benchmark_with_default(name, args.default_instance)
    try:
        bench.check_task(task)
    except ValueError as e:
        raise CLIError(str(e)) from None
    method = args.method
    _check_names([method], [])
    if method == BASELINE:
        raise CLIError(f"--method must differ from the baseline {BASELINE}, which the demo "
                       f"runs next to it: give another method (default: moasha), or compare "
                       f"several with syne-mohb bench --methods")
    _check_flags(args, {"--seed": 0, "--seeds": 1, "--rows": 1, "--processes": 1})
    out = _output_folder(args.output)
    budget = args.budget if args.budget is not None else bench.default_budget(task)
    t0 = time.perf_counter()
    seeds = list(range(args.seed, args.seed + args.seeds))
    specs = grid([method, BASELINE], [name], {name: [task]}, seeds, out, budget=budget,
                 default_instance=args.default_instance)
    states = _run_states(specs, out, args.overwrite)  # a conflict stops here, before the banner
    print(f"syne-mohb demo: tuning hyperparameters and instance type on benchmark {name!r}, task "
          f"{task!r} (offline evaluations, simulated), budget {budget:.3g} s of simulated tuning "
          f"time with 4 workers")
    todo = _runs_to_do(specs, states, out)
    results = run_many(todo, processes=min(2, args.processes), progress=not args.quiet,
                       overwrite=args.overwrite, log_errors=False)
    errors = [r for r in results if "error" in r]
    if errors:
        _print_failures(errors)
        kept = f"; the finished ones are kept in {out}" if len(errors) < len(specs) else ""
        raise CLIError(f"{len(errors)} of {len(specs)} runs failed (above){kept}")
    ours = [load_run(out / bench.label / task / method / f"seed-{s}") for s in seeds]
    base = [load_run(out / bench.label / task / BASELINE / f"seed-{s}") for s in seeds]
    table = pareto_table(ours[0])
    print(f"\nPareto set found by {method}, seed {seeds[0]} (accuracy max, runtime and cost min; "
          f"{_shown(len(table), args.rows)}), runtime = training seconds on the instance, "
          f"cost = training dollars:")
    print(_fmt_table(table.head(args.rows)))
    print(_demo_measures(bench, task, method, ours, base))
    try:
        rep = make_report(out, out_dir=out / "report")
    except (OSError, ValueError) as e:
        raise CLIError(f"no report (the runs are kept in {out}): {e}") from None
    print("\nPlots:")
    for p in rep["plots"]:
        print(f"  {p}")
    print(f"Results (Syne Tune format) under {out.resolve()}; demo took "
          f"{time.perf_counter() - t0:.1f} s")
    return 0


def _shown(total: int, rows: int) -> str:
    """``"15 of 18 shown"`` (or ``"all 12 shown"``)."""
    return f"all {total} shown" if total <= rows else f"{rows} of {total} shown"


def _demo_measures(bench, task: str, method: str, ours: list, base: list) -> str:
    """Measures (a) and (b) of ``syne_mohb.experiments.metrics`` against ASHA, with intervals:
    :func:`~syne_mohb.experiments.metrics.target_measures` and
    :func:`~syne_mohb.experiments.metrics.target_ratios`, as ``syne-mohb report`` prints them."""
    import numpy as np

    from syne_mohb.experiments.metrics import (
        RATIO_STATISTIC,
        TARGET_MEASURES,
        found_model_bounds,
        target_measures,
        target_ratios,
    )

    target, measures = target_measures({method: ours, BASELINE: base}, BASELINE)
    ratio = target_ratios(measures, BASELINE).set_index("method").loc[method]
    lines = [f"\nSingle-objective ASHA on the default instance ({bench.default_instance}), "
             f"{_count(len(base), 'seed')}: mean best accuracy {target + 0.005:.4f}; target = "
             f"that minus 0.5 points = {target:.4f}. ASHA / {method}: {RATIO_STATISTIC} "
             f"{_INTERVAL if len(base) >= 2 else '(no interval with 1 seed)'}:"]
    for key, what in TARGET_MEASURES.items():
        lines.append(f"  {what:48s} {_ratio_text(ratio, key)}")
    found_all = measures.loc[measures["method"] == BASELINE, "model_dollars"].to_numpy(dtype=float)
    found = (float(np.mean(found_all[np.isfinite(found_all)])) if np.isfinite(found_all).any()
             else np.nan)
    bounds = found_model_bounds(bench.blackbox(task), target, found)
    if np.isfinite(bounds["best_possible"]):
        lines.append(f"  {'(b) best possible (cheapest model in the table)':48s} "
                     f"{bounds['best_possible']:.2f}x")
        if np.isfinite(bounds["exhaustive_once"]):
            lines.append(f"  {'(b) every configuration and type trained once':48s} "
                         f"{bounds['exhaustive_once']:.2f}x")
    lines.append(f"  {method} reached the target in {int(ratio['reached'])} of "
                 f"{_count(int(ratio['seeds']), 'seed')} ({UNREACHED_RULE})")
    return "\n".join(lines)


#: how ``demo`` and ``report`` name the interval of a ratio (printed with 2 seeds or more)
_INTERVAL = "[95% bootstrap interval over seeds]"


def _ratio_text(row, key: str) -> str:
    """``"2.54x [1.80, 3.10]"``; no interval with fewer than 2 seeds (a bootstrap over one seed
    is that seed's ratio, twice)."""
    import numpy as np

    point, lo, hi = row[key], row[f"{key}_low"], row[f"{key}_high"]
    if not np.isfinite(point):
        return "-"
    interval = f" [{lo:.2f}, {hi:.2f}]" if np.isfinite(lo) and row["seeds"] >= 2 else ""
    return f"{point:.2f}x{interval}"


def _print_failures(failed: list[dict]) -> None:
    """Each failed run's error once, on stderr (``run_many(log_errors=False)``); the folder
    is named once, by the error or before it."""
    for r in failed:
        error = r["error"] if r["path"] in r["error"] else f"{r['path']}: {r['error']}"
        print(f"FAILED {error}", file=sys.stderr)


def _run_states(specs: list, out: Path, overwrite: bool) -> list:
    """The state of each run of ``specs`` (runner.run_state); finished runs made with other
    parameters stop the command unless ``overwrite``."""
    from syne_mohb.experiments.runner import run_state

    states = [run_state(s) for s in specs]
    conflicts = [st for st in states if st.status == "different"]
    if conflicts and not overwrite:
        first = conflicts[0]
        raise CLIError(
            f"{len(conflicts)} of {len(specs)} runs below {out} were made with other parameters "
            f"(e.g. {first.path.relative_to(out)}: {first.reason}); rerun with --overwrite to "
            f"replace them, or choose another --output")
    return states


def _runs_to_do(specs: list, states: list, out: Path) -> list:
    """The runs of ``specs`` that must run (``states``: :func:`_run_states`'): finished runs
    with the same stored parameters are reused."""
    reused = [st for st in states if st.status == "finished"]
    if reused:
        names = [str(st.path.relative_to(out)) for st in reused]
        print(f"reusing {_count(len(reused), 'finished run')} with the same parameters (budget, "
              "workers, max trials, default instance, start-up, simulator): "
              f"{', '.join(names[:10])}{f' and {len(names) - 10} more' if len(names) > 10 else ''}")
    for st in states:
        if st.status in ("unfinished", "different"):
            print(f"running again {st.path.relative_to(out)}: {st.reason}")
    return [spec for spec, st in zip(specs, states) if st.status != "finished"]


def _output_folder(value: str, flag: str = "--output") -> Path:
    """``demo`` and ``bench``'s results folder, created now: the runs write there at once, so
    a folder that cannot be made fails here, in one line, not in every run."""
    from syne_mohb.experiments.report import check_output_folder

    try:
        path = check_output_folder(value, flag)
        path.mkdir(parents=True, exist_ok=True)
    except ValueError as e:
        raise CLIError(str(e)) from None
    except OSError as e:
        raise CLIError(f"{flag} {value} cannot be created: {e.strerror or e}; give another "
                       f"folder") from None
    return path


def _print_methods() -> None:
    from syne_mohb.experiments.methods import method_table

    table = method_table()
    for kind, title in (("main", "Our defaults, the peers and the baselines"),
                        ("variant", "Variants measured on the benchmark pages (docs/benchmarks/)")):
        print(f"{title}:")
        for r in table:
            if r["kind"] == kind:
                extra = f" (needs the [{r['extra']}] extra)" if r["extra"] else ""
                print(f"  {r['method']}{extra}\n      instance type: {r['hardware logic']}\n"
                      f"      hyperparameters: {r['searcher']}")


def _simulation_extra(args: argparse.Namespace) -> dict:
    """``RunSpec.extra`` of ``bench``'s runs from ``--simulator``, ``--startup`` and
    ``--keep-alive``, checked together."""
    if args.keep_alive is not None:
        if not args.startup:
            raise CLIError("--keep-alive needs --startup (warm pools shorten SageMaker job "
                           "start-ups, which only --startup simulates)")
        if not (math.isfinite(args.keep_alive) and args.keep_alive >= 0):
            raise CLIError(f"--keep-alive must be a number of seconds >= 0, got "
                           f"{args.keep_alive:g}")
    extra: dict = {}
    if args.replay_seed is not None:
        if args.simulator == "stock":
            raise CLIError("--replay-seed needs --simulator ours: Syne Tune's simulator draws "
                           "its own seeds")
        if args.replay_seed < 0:
            raise CLIError(f"--replay-seed must be a recorded seed's index >= 0, got "
                           f"{args.replay_seed}")
        extra["replay_seed"] = args.replay_seed
    if args.startup:
        if args.simulator == "stock":
            raise CLIError("--startup needs --simulator ours: Syne Tune's simulator has no "
                           "job start-up")
        from dataclasses import asdict

        from syne_mohb.hardware.startup import JobStartup

        return {**extra, "startup": asdict(JobStartup(keep_alive_s=args.keep_alive or 0.0))}
    return {"simulator": "stock"} if args.simulator == "stock" else extra


def _outage(args: argparse.Namespace) -> tuple[str, float, float] | None:
    """``bench``'s ``--outage`` as ``(type, FROM, TO)``, or None; checked against
    ``--simulator``."""
    if args.outage is None:
        return None
    from syne_mohb.experiments.runner import parse_outage

    try:
        outage = parse_outage(args.outage)
    except ValueError as e:
        raise CLIError(str(e)) from None
    if args.simulator == "stock":
        raise CLIError("--outage needs --simulator ours (Syne Tune's simulator has no capacity "
                       "outages)")
    return outage


def _check_stock_replay(specs: list) -> None:
    """``ValueError`` if Syne Tune's simulator cannot replay a task of the runs (one check
    per benchmark, over the tasks its runs use)."""
    from syne_mohb.experiments.runner import check_stock_replay, get_benchmark

    tasks: dict[str, list[str]] = {}
    for spec in specs:
        tasks.setdefault(spec.benchmark, [])
        if spec.task not in tasks[spec.benchmark]:
            tasks[spec.benchmark].append(spec.task)
    for name, names in tasks.items():
        check_stock_replay(get_benchmark(name), names)


def cmd_bench(args: argparse.Namespace) -> int:
    from syne_mohb.experiments.methods import method_names
    from syne_mohb.experiments.report import check_peer, make_report
    from syne_mohb.experiments.runner import grid, run_many

    if args.list_methods:
        _print_methods()
        return 0
    methods = _split(args.methods) or ["moasha", BASELINE]
    benchmarks = _split(args.benchmarks) or [_demo_benchmark()[0]]
    _check_names(methods, benchmarks)
    for flag, name in (("--baseline", args.baseline), ("--versus", args.versus)):
        if name is not None and name not in methods:
            raise CLIError(f"{flag} {name!r} is not among --methods ({', '.join(methods)}): "
                           f"add it there, so that its runs are made")
    try:  # before any run (the report checks it again, after the runs)
        check_peer(args.baseline, args.versus, "--versus", "--baseline")
    except ValueError as e:
        raise CLIError(str(e)) from None
    for b in benchmarks:
        _benchmark_with_default(b, args.default_instance)
    tasks = {b: _split(args.tasks) for b in benchmarks} if args.tasks else None
    _check_flags(args, {"--seeds": 1, "--workers": 1, "--max-trials": 1, "--processes": 1,
                        "--rows": 1})
    extra = _simulation_extra(args)
    outage = _outage(args)
    if args.html:  # the page's extra, before any run
        from syne_mohb._lazy import MissingExtraError, require_installed
        try:
            require_installed("plotly", "bench --html")
        except MissingExtraError as e:
            raise CLIError(str(e)) from None
    try:  # every name checked before the output folder is made
        specs = grid(methods, benchmarks, tasks, range(args.seeds), Path(args.output),
                     budget=args.budget, n_workers=args.workers, max_trials=args.max_trials,
                     default_instance=args.default_instance, extra=extra)
        if outage is not None:
            from syne_mohb.experiments.runner import with_outage

            specs = with_outage(specs, outage)
        if args.replay_seed is not None:
            from syne_mohb.experiments.runner import check_replay_seed

            check_replay_seed(specs)
        if args.simulator == "stock":  # a table with missing epochs would hang it
            _check_stock_replay(specs)
    except ValueError as e:
        raise CLIError(str(e)) from None
    out = _output_folder(args.output)
    seeds = "seed 0" if args.seeds == 1 else f"seeds 0..{args.seeds - 1}"
    from syne_mohb.experiments.runner import benchmark_label

    # a folder given twice (relative and absolute) is one benchmark; a folder by its name
    shown = [benchmark_label(b) for b in dict.fromkeys(s.benchmark for s in specs)]
    print(f"{_count(len(specs), 'run')}: {_count(len(methods), 'method')} ({', '.join(methods)}) "
          f"x {_count(len(shown), 'benchmark')} ({', '.join(shown)}) x {seeds} -> "
          f"{out.resolve()} ({len(method_names())} methods in all: syne-mohb bench "
          f"--list-methods)")
    # reuse decided from the stored parameters, not from the files alone (runner.run_state)
    todo = _runs_to_do(specs, _run_states(specs, out, args.overwrite), out)
    results = run_many(todo, processes=args.processes, progress=not args.quiet,
                       overwrite=args.overwrite, log_errors=False)
    failed = [r for r in results if "error" in r]
    _print_failures(failed)
    if failed and len(failed) == len(specs):
        raise CLIError(f"no report: {'the run' if len(specs) == 1 else f'all {len(specs)} runs'} "
                       f"failed (above)")
    try:
        rep = make_report(out, baseline=args.baseline, versus=args.versus,
                          plots=not args.no_plots)
    except (OSError, ValueError) as e:
        raise CLIError(f"no report: {e}") from None
    _print_report(rep, args.rows, plots=not args.no_plots)
    if args.html:  # the same runs, baseline and peer; the runs left out were listed above
        from syne_mohb.experiments.html_report import make_html_report
        try:
            page = make_html_report(out, rep["out_dir"] / "report.html",
                                    on_skip=lambda folder, reason: None,
                                    baseline=args.baseline, versus=args.versus)
        except (OSError, ValueError, ImportError) as e:
            raise CLIError(f"no HTML page: {e} (the tables above are written)") from None
        print(f"HTML report ({page.stat().st_size / 1e6:.1f} MB, self-contained, opens "
              f"offline): {page}")
    return 1 if failed else 0


def _print_report(rep, rows: int = 15, plots: bool = True) -> None:
    from syne_mohb.experiments.metrics import RATIO_STATISTIC

    for path, reason in rep.get("skipped", []):
        print(f"skipped {path}: {reason}", file=sys.stderr)
    print("\nGroups (runs are compared only with runs of the same benchmark, task and run "
          "parameters, or of the same entry point, objectives and search space):")
    for label, description in rep["groups"]:
        print(f"  {label}: {description}")
    for pool in rep.get("pools", []):
        print(f"  The time / dollars comparison takes one script's runs of several groups "
              f"together, as {pool['label']}: {'; '.join(pool['groups'])}")
    legend = rep.get("methods")
    if legend is not None and len(legend):
        print("\nMethods (what chooses the instance type, what proposes the hyperparameters):")
        for r in legend.itertuples(index=False):
            print(f"  {r.method}: instance type: {r[1]}; hyperparameters: {r[2]}")
    print("\nSummary (hypervolume: fraction of the reference box, one normalisation per group; "
          "mean and std over seeds):")
    print(_fmt_table(rep["summary"]))
    for key, tab in rep["pareto"].items():
        print(f"\nPareto set {key} ({_shown(len(tab), rows)}; all in {rep['pareto_csv'][key]}):")
        print(_fmt_table(tab.head(rows)))
    for label, tab in rep.get("recommendations", {}).items():
        from syne_mohb.experiments.recommendations import recommendation_lines

        print(f"\nHardware recommendations {label}: each model of the Pareto set on each instance "
              f"type (all in {rep['recommendations_csv'][label]}):")
        for line in recommendation_lines(tab, rows):
            print(f"  {line}")
    for label, reason in rep.get("recommendations_skipped", []):
        print(f"no hardware recommendations for {label}: {reason}", file=sys.stderr)
    ends = rep.get("scheduler_end")
    if ends is not None and len(ends):
        print("\nThe schedulers' state at the end (metadata.json; summed over each method's runs): "
              "trials trained again on another type, resumed segments moved, runs whose "
              "hardware policy turned joint, the policy's choices of instance type:")
        print(_fmt_table(ends))
    ratios = rep.get("target_ratios")
    targets = rep.get("targets")
    methods = rep.get("compared_methods") or (
        sorted(set(rep["summary"]["method"])) if "method" in rep["summary"] else [])
    if (targets is not None and not len(targets) and len(methods) > 1
            and rep.get("baseline") not in methods):
        print(f"\nNo time / dollars comparison: no group holds the baseline "
              f"{rep.get('baseline')!r}; --baseline names another, one of: "
              f"{', '.join(methods)}")
    if ratios is not None and len(ratios):
        print(f"\nTime / dollars to reach the baseline's mean best accuracy minus 0.5 points "
              f"({UNREACHED_RULE}); {RATIO_STATISTIC} {_INTERVAL} (none with 1 seed):")
        print(_fmt_table(_ratio_table(ratios, ["group", "baseline", "method", "seeds",
                                               "reached"])))
    versus = rep.get("versus_ratios")
    if versus is not None and len(versus):
        print(f"\nAgainst {rep['versus']}, at the same targets: ratio of the means over paired "
              f"seeds ({rep['versus']} / method; > 1: the method is better) {_INTERVAL}; a tie "
              f"where the interval holds 1:")
        print(_fmt_table(_ratio_table(versus, ["group", "peer", "method", "seeds", "reached"])))
    bounds = rep.get("bounds")
    if bounds is not None and len(bounds):
        print("\nThe found model's dollars against the benchmark's table: the baseline's (mean "
              "over its seeds) over the cheapest model at the target in the whole table (best "
              "possible: no method's found model's $ ratio can exceed it) and over the expected "
              "cheapest of training every configuration on every type once:")
        shown = bounds[["group", "baseline"]].copy()
        shown["baseline's found model ($)"] = bounds["found_dollars"]
        shown["cheapest at the target ($)"] = bounds["cheapest_dollars"]
        shown["best possible"] = [_times(v) for v in bounds["best_possible"]]
        shown["every row trained once"] = [_times(v) for v in bounds["exhaustive_once"]]
        print(_fmt_table(shown))
    over = rep.get("over_tasks")
    if over is not None and len(over):
        print(f"\nPer benchmark (its tasks run with the same parameters): the median over the "
              f"tasks of the same ratio (peer / method; the seeds resampled together across "
              f"tasks) {_INTERVAL}; reached: over all tasks:")
        print(_fmt_table(_ratio_table(over, ["group", "peer", "method", "tasks", "seeds",
                                             "reached"])))
    if rep["plots"] or plots:
        print("\nPlots:")
        for p in rep["plots"]:
            print(f"  {p}")
    else:
        print("\nPlots: none (--no-plots)")
    print(f"Tables: {rep['out_dir']}")


def _times(value: float) -> str:
    """``"11.05x"``; ``-`` where not a number."""
    import math

    return f"{value:.2f}x" if math.isfinite(value) else "-"


def _ratio_table(ratios, columns: list[str]):
    """``columns`` of a ratios table (:func:`~syne_mohb.experiments.metrics.target_ratios`)
    and each measure as ``point [low, high]``."""
    from syne_mohb.experiments.metrics import TARGET_MEASURES

    shown = ratios[columns].copy()
    for key, what in TARGET_MEASURES.items():
        shown[what.split(" ", 1)[1].replace("the found model's own ", "model ")] = [
            _ratio_text(r, key) for _, r in ratios.iterrows()]
    return shown


def _html_report(path: Path, output: str | None, baseline: str | None = None,
                 versus: str | None = None) -> int:
    from syne_mohb.experiments.html_report import make_html_report

    try:
        page = make_html_report(path, output, on_skip=lambda folder, reason: print(
            f"skipped {folder}: {reason}", file=sys.stderr), baseline=baseline, versus=versus)
    except (OSError, ValueError, ImportError) as e:
        raise CLIError(str(e)) from None
    print(f"HTML report ({page.stat().st_size / 1e6:.1f} MB, self-contained, opens offline): "
          f"{page}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from syne_mohb.experiments.report import make_report

    path = Path(args.results)
    if not path.exists():
        raise CLIError(f"results folder {path} does not exist")
    if not path.is_dir():  # before --output, which lies below it by default
        raise CLIError(f"results {path} is a file, not a folder of Syne Tune runs")
    _check_flags(args, {"--rows": 1}, budget=False)
    html = getattr(args, "html", False)
    if html and args.no_plots:
        raise CLIError("--no-plots leaves out the PNG plots of the tables and plots; --html "
                       "writes the page instead, which has no PNG: give one of the two")
    _check_report_output(args.output, html)
    if html:
        return _html_report(path, args.output, args.baseline, args.versus)
    try:
        rep = make_report(path, out_dir=args.output, baseline=args.baseline, versus=args.versus,
                          plots=not args.no_plots)
    except (OSError, ValueError) as e:
        raise CLIError(str(e)) from None
    _print_report(rep, args.rows, plots=not args.no_plots)
    return 0


def _check_report_output(output: str | None, html: bool) -> None:
    """``report --output``: a folder for the tables (a name ending in .html without --html is
    an error, not a folder named page.html); with --html, the page (``*.html``) or its folder."""
    from syne_mohb.experiments.report import check_output_folder

    if output is None:
        return
    page = Path(output).suffix.lower() in (".html", ".htm")
    if page and not html:
        raise CLIError(f"--output {output} names an HTML page: add --html to write the page "
                       f"there, or give a folder for the tables and plots")
    try:
        check_output_folder(Path(output).parent if page else output, "--output")
    except ValueError as e:
        raise CLIError(str(e)) from None


def _not_resumable(run_dir: Path) -> str | None:
    """Why ``run_dir`` cannot be resumed (one line), or None if it holds a durable run."""
    from syne_mohb.durable.journal import JOURNAL_FILENAME
    from syne_mohb.durable.tuner import SPEC_FILENAME

    start = ("only runs started with syne_mohb.durable.DurableTuner can be resumed: start the "
             "run with DurableTuner(...) in place of syne_tune.Tuner (docs/how-to/resume.md)")
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


def _journal_state(run_dir: Path) -> tuple[bool, str, int]:
    """(whether the run's journal ends with a clean ``end``, that entry's reason, trials
    started), as the journal records them (the rule of ``durable.replay``: the last of the
    ``session`` / ``interrupted`` / ``end`` entries decides)."""
    from syne_mohb.durable import read_journal

    entries = read_journal(run_dir)
    last = next((e for e in reversed(entries) if e["e"] in ("end", "interrupted", "session")), None)
    ended = last is not None and last["e"] == "end"
    reason = str(last.get("reason", "")) if ended else ""
    return ended, reason, sum(1 for e in entries if e["e"] == "start")


def _extended_criterion(old, max_wallclock_time: float | None, max_trials: int | None):
    """The run's stop criterion with the limits given replaced (totals over all sessions);
    a criterion that is not a ``StoppingCriterion`` is replaced by one with just these."""
    import dataclasses

    from syne_tune import StoppingCriterion

    changes = {}
    if max_wallclock_time is not None:
        changes["max_wallclock_time"] = float(max_wallclock_time)
    if max_trials is not None:
        # Syne Tune stops once *more than* max_num_trials_started have started, and the
        # DurableTuner checks before every start: N - 1 gives N trials in all
        changes["max_num_trials_started"] = int(max_trials) - 1
    if isinstance(old, StoppingCriterion):
        return dataclasses.replace(old, **changes)
    if old is not None:
        print(f"the run's stop criterion ({type(old).__name__}) is replaced by the limits given")
    return StoppingCriterion(**changes)


def _limits(args: argparse.Namespace) -> str:
    parts = []
    if args.max_trials is not None:
        parts.append(f"--max-trials {args.max_trials}")
    if args.max_wallclock_time is not None:
        parts.append(f"--max-wallclock-time {args.max_wallclock_time:g}")
    return " ".join(parts)


def cmd_resume(args: argparse.Namespace) -> int:
    run_dir = Path(args.run_dir)
    if not run_dir.exists():
        raise CLIError(f"run folder {run_dir} does not exist")
    _check_flags(args, {"--max-trials": 1}, budget=False)
    if args.max_wallclock_time is not None and not (math.isfinite(args.max_wallclock_time)
                                                    and args.max_wallclock_time > 0):
        raise CLIError(f"--max-wallclock-time must be a number of seconds > 0, got "
                       f"{args.max_wallclock_time:g}")
    try:
        from syne_mohb.durable import ReplayMismatchError, RunLockedError, restore, resume
        from syne_mohb.durable.policy import FailureBudgetExceeded
    except ImportError as e:
        raise CLIError(f"resuming needs syne_mohb.durable, which is not available in this "
                       f"installation ({e})") from None
    reason = _not_resumable(run_dir)
    if reason:
        raise CLIError(reason)
    ended, why, started = _journal_state(run_dir)
    extend = args.max_trials is not None or args.max_wallclock_time is not None
    if ended and not extend:
        print(f"run {run_dir} had already finished ({why}; {started} trials started): nothing "
              f"to resume; results in {run_dir / 'results.csv.zip'}. To extend its budget, "
              f"resume it with larger totals (counted over all its sessions): syne-mohb resume "
              f"{run_dir} --max-trials N and/or --max-wallclock-time SECONDS")
        return 0
    try:
        criterion = None
        if extend:  # the run's own criterion, with the limits given replaced
            criterion = _extended_criterion(restore(str(run_dir)).stop_criterion,
                                            args.max_wallclock_time, args.max_trials)
        tuner = resume(str(run_dir), stop_criterion=criterion, address=args.address)
    except (RunLockedError, ReplayMismatchError, ValueError) as e:
        raise CLIError(str(e)) from None
    except FailureBudgetExceeded as e:  # the run ended (the journal says so): no traceback
        print(f"syne-mohb resume: the run ended because too many trials failed: {e}\n"
              f"results so far in {run_dir / 'results.csv.zip'}; the reasons are also in "
              f"syne_mohb.durable.failures({str(run_dir)!r})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if extend:  # the run stores its own criterion only: the new limits must be given again
            print(f"syne-mohb: to keep the extended budget, add {_limits(args)} to that "
                  f"command", file=sys.stderr)
        raise
    results = Path(getattr(tuner, "tuner_path", run_dir)) / "results.csv.zip"
    ended_now, why_now, started_now = _journal_state(run_dir)
    new = started_now - started
    end = f"ended ({why_now})" if ended_now else "stopped"
    print(f"run {run_dir} {'extended' if ended else 'resumed'} and {end}: {new} new "
          f"trial{'s' if new != 1 else ''}, {started_now} started in all; results in {results}")
    if extend and new == 0:
        print(f"nothing was started: the limits given ({_limits(args)}) or the run's other "
              f"limits were already reached; give larger totals (they count over all sessions: "
              f"{started_now} trials so far)")
    return 0


class _HelpFormatter(argparse.HelpFormatter):
    """Every option's help says its default: ``(default: X)`` is appended unless the help text
    already states it; a flag's default is "off"."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if not action.option_strings or action.default is argparse.SUPPRESS or "default" in text:
            return text
        if action.nargs == 0:  # a flag (store_true)
            return f"{text} (default: off)"
        return f"{text} (default: %(default)s)"


def build_parser() -> argparse.ArgumentParser:
    from syne_mohb.experiments.methods import MAIN_METHODS, method_names
    from syne_mohb.experiments.runner import SIMULATORS, benchmark_names

    benchmarks = ", ".join(benchmark_names()) or "none shipped"
    p = argparse.ArgumentParser(prog="syne-mohb",
                                description=__doc__.split("\n\n")[0].replace("``", ""),
                                formatter_class=_HelpFormatter)
    from syne_mohb import __version__

    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="{demo,bench,report,resume}")

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=description,
                              formatter_class=_HelpFormatter)

    d = command("demo", "hardware-aware tuning on a shipped benchmark (about a minute on 2 cores)",
                "Tune hyperparameters and instance type with MO-ASHA on a shipped benchmark "
                "(simulated from its offline evaluations), compare with single-objective ASHA "
                "on the default instance, print the Pareto set and the ratios, write the plots.")
    d.add_argument("--benchmark", help=f"shipped benchmark, from: {benchmarks}, or the folder "
                                       f"of your own blackbox table (default: mlp)")
    d.add_argument("--task", help="task of the benchmark (default: digits, else its first task)")
    d.add_argument("--output", default="syne-mohb-demo", help="results folder")
    d.add_argument("--budget", type=float,
                   help="simulated tuning seconds per run (default: 25 median full trainings on "
                        "the default instance)")
    d.add_argument("--default-instance", metavar="TYPE",
                   help="instance type of the ASHA baseline (default: ml.g4dn.xlarge, else the "
                        "first of ml.g5.xlarge, ml.g4dn.2xlarge, ml.m5.xlarge the benchmark "
                        "offers, else its first type)")
    d.add_argument("--seed", type=int, default=0, help="first seed")
    d.add_argument("--seeds", type=int, default=5, help="paired seeds of each method")
    d.add_argument("--method", default="moasha",
                   help="our method to run (moasha: MO-ASHA with its default searcher and "
                        "hardware policy, the best on the shipped benchmarks in docs/benchmarks/;"
                        " 'moasha-related' to give both the benchmark's other tasks as related "
                        "tasks, MOASHA(transfer_evaluations=...); any name of "
                        f"syne_mohb.experiments.methods but {BASELINE}, the baseline it is "
                        "compared with; default: %(default)s)")
    d.add_argument("--rows", type=int, default=15, help="Pareto-set rows to print")
    d.add_argument("--processes", type=int, default=2,
                   help="parallel processes for the runs (at most 2 are used)")
    d.add_argument("--overwrite", action="store_true",
                   help="replace finished runs in --output made with other parameters "
                        "(another --budget) instead of stopping; finished runs with the same "
                        "parameters are reused")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.set_defaults(func=cmd_demo)

    b = command("bench", "methods x benchmarks x seeds, simulated, then the report",
                f"Run methods x benchmarks x tasks x seeds on the shipped benchmarks "
                f"({benchmarks}) or on your own blackbox tables (folders written by "
                f"syne_mohb.blackboxes.from_experiments: accuracy, runtime and cost of every "
                f"configuration on every instance type), simulated from their offline "
                f"evaluations, in parallel; then print the report.")
    b.add_argument("--methods", help=f"comma-separated, from: {', '.join(MAIN_METHODS)} and "
                                     f"{len(method_names()) - len(MAIN_METHODS)} variants "
                                     f"(--list-methods: every name, with what chooses its "
                                     f"instance type and its hyperparameters) "
                                     f"(default: moasha,{BASELINE})")
    b.add_argument("--list-methods", action="store_true",
                   help="print every method with what chooses its instance type and what "
                        "proposes its hyperparameters, and exit")
    b.add_argument("--benchmarks", help=f"comma-separated shipped benchmarks, from: {benchmarks}, "
                                        f"or paths of blackbox folders (default: mlp, the "
                                        f"demo's)")
    b.add_argument("--tasks", help="comma-separated tasks (default: all tasks of each benchmark)")
    b.add_argument("--default-instance", metavar="TYPE",
                   help="instance type of asha-default and of the other methods fixed to the "
                        "default instance (default: ml.g4dn.xlarge, else the first of "
                        "ml.g5.xlarge, ml.g4dn.2xlarge, ml.m5.xlarge each benchmark offers, else "
                        "its first type)")
    b.add_argument("--seeds", type=int, default=2, help="number of seeds (0..N-1)")
    b.add_argument("--budget", type=float,
                   help="simulated tuning seconds per run (default: 25 median full trainings on "
                        "the default instance)")
    b.add_argument("--workers", type=int, default=4, help="simulated workers per run")
    b.add_argument("--max-trials", type=int, help="cap on trials started per run (default: none)")
    b.add_argument("--simulator", choices=SIMULATORS, default="ours",
                   help="what replays the tables: ours (syne-mohb's simulated backend: every "
                        "result carries st_worker_time and st_worker_cost from one cost ledger, "
                        "a promoted trial may resume on another type) or stock (Syne Tune "
                        "0.16's own UserBlackboxBackend, as benchmarks outside this project "
                        "replay tables: the table's runtime and cost columns, a resumed trial "
                        "keeps its type)")
    b.add_argument("--startup", action="store_true",
                   help="simulate SageMaker training-job start-up at every start and resume "
                        "(syne_mohb.hardware.startup.JobStartup: an unbilled wait for the "
                        "instance, then a billed download, longer on GPU types); the default "
                        "--budget then also counts 25 cold start-ups on the default instance, "
                        "and our methods' hardware policy weighs what a move to another type "
                        "costs in start-up; needs --simulator ours")
    b.add_argument("--keep-alive", type=float, metavar="SECONDS",
                   help="with --startup: warm-pool keep-alive, so that a job that starts on "
                        "an instance type within SECONDS of a job's end there skips most of the "
                        "start-up (default: 0, no warm pools)")
    b.add_argument("--replay-seed", type=int, metavar="K",
                   help="every trial replays the tables' recorded seed K, as a training script "
                        "with a fixed seed does: a repeat of a configuration reproduces its "
                        "results (default: each trial draws one of the recorded seeds); needs "
                        "--simulator ours")
    b.add_argument("--outage", metavar="TYPE:FROM:TO",
                   help="simulate a capacity outage: every job of instance type TYPE that "
                        "starts between FROM and TO times each run's budget finds no instance "
                        "and fails, billed nothing; the runs tell our methods' hardware policy "
                        "the failures' kind (HardwareFeedback); needs --simulator ours")
    b.add_argument("--processes", type=int, default=2, help="parallel processes for the runs")
    b.add_argument("--output", default="syne-mohb-bench", help="results folder")
    b.add_argument("--overwrite", action="store_true",
                   help="replace finished runs made with other parameters (--budget, --workers, "
                        "--max-trials, --simulator, --startup, --outage, --replay-seed) "
                        "instead of stopping")
    b.add_argument("--baseline",
                   help=f"one of --methods: the report's target of the time / dollars "
                        f"comparison is its mean best accuracy minus 0.5 points (default: "
                        f"{BASELINE})")
    b.add_argument("--versus", metavar="PEER",
                   help="one of --methods: the report also pairs every method with it at that "
                        "target (as report --versus; default: none)")
    b.add_argument("--rows", type=int, default=15, help="Pareto-set rows to print per run")
    b.add_argument("--html", action="store_true",
                   help="also write the interactive, self-contained HTML page of the runs, "
                        "OUTPUT/report/report.html (as report --html; needs the report extra)")
    b.add_argument("--no-plots", action="store_true",
                   help="the report's tables only, no PNG plots (a plot takes about a third of a "
                        "second: most of a report's time over many runs)")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=cmd_bench)

    r = command("report", "tables and plots for finished runs below RESULTS",
                "Tables (CSV) and plots (PNG), or one interactive HTML page, for every finished "
                "Syne Tune run below RESULTS (simulated, local, SageMaker, Ray). Runs are "
                "compared within groups: same benchmark and task, or same entry point, "
                "objectives and search space.")
    r.add_argument("results", metavar="RESULTS", help="a run folder or a folder of runs")
    r.add_argument("--output", help="folder for the tables and plots (default: RESULTS/report); "
                                    "with --html, the page or its folder (default: "
                                    "RESULTS/report/report.html)")
    r.add_argument("--baseline",
                   help=f"method whose mean best accuracy minus 0.5 points is the target of the "
                        f"time / dollars comparison (default: {BASELINE}, in groups that have it)")
    r.add_argument("--versus", metavar="PEER",
                   help="also pair every method with this one at the same target: mean(PEER) / "
                        "mean(method) over the paired seeds with its 95%% bootstrap interval, "
                        "e.g. --versus st-moasha-fixed for ours against Syne Tune's MOASHA "
                        "(default: none)")
    r.add_argument("--rows", type=int, default=15,
                   help="Pareto-set rows to print per run (the CSV files hold every row)")
    r.add_argument("--html", action="store_true",
                   help="write one interactive, self-contained HTML page (OUTPUT/report.html, or "
                        "OUTPUT if it ends in .html) instead of the CSV tables and PNG plots")
    r.add_argument("--no-plots", action="store_true",
                   help="the CSV tables only, no PNG plots (a plot takes about a third of a "
                        "second: most of a report's time over many runs)")
    r.set_defaults(func=cmd_report)

    s = command("resume", "resume an interrupted durable run, or extend a finished one",
                "Resume a run started with syne_mohb.durable.DurableTuner after a crash or a "
                "kill: trials in flight are recovered and the run continues to its stop "
                "criterion. A finished run is extended with larger --max-trials / "
                "--max-wallclock-time (totals over all its sessions).")
    s.add_argument("run_dir", metavar="RUN_DIR", help="the run's folder (tuner.tuner_path)")
    s.add_argument("--max-trials", type=int,
                   help="trials started in all, over every session; replaces the run's limit "
                        "on trials started (default: the run's own stop criterion)")
    s.add_argument("--max-wallclock-time", type=float, metavar="SECONDS",
                   help="tuning seconds in all, over every session; replaces the run's "
                        "max_wallclock_time (default: the run's own stop criterion)")
    s.add_argument("--address", metavar="HOST:PORT",
                   help="Ray runs: the address of the Ray cluster to resume on, e.g. after its "
                        "head node was started again (default: the run's own)")
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
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe fails here, not at exit
        return status
    except CLIError as e:
        print(f"syne-mohb {args.command}: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader left (`syne-mohb report runs | head -1`): stop quietly, as cat or grep do,
        # which SIGPIPE ends: the shell's status for them is 128 + SIGPIPE (13) = 141, which
        # `set -o pipefail` scripts see as they see it for those tools. stdout goes to
        # /dev/null so that the interpreter's own flush at exit fails no more
        # (https://docs.python.org/3/library/signal.html#note-on-sigpipe)
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # a stdout without a file descriptor (captured)
            pass
        return 141
    except KeyboardInterrupt:
        if args.command not in ("bench", "demo"):
            raise  # resume prints its own line (syne_mohb.durable.interrupt)
        print(f"syne-mohb {args.command}: interrupted; finished runs are kept under "
              f"{args.output}: run the same command again to continue", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
