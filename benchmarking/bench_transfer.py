"""Leave-one-task-out evaluation of ParetoTransferSearcher on the shipped blackboxes.

For every shipped benchmark (``syne_mohb.blackboxes.names()``) and every held-out task, the
held-out task is tuned in simulation (``syne_mohb.backends.simulated.SimulatedBackend`` through
``blackboxes.make_backend``, ``Tuner(sleep_time=0, callbacks=[SimulatedClock()])``, 4 workers)
by our MO-ASHA with

* ``random``: MO-ASHA's seeded random searcher (``searcher="random"``; its default until
  2026-12);
* ``transfer``: ``ParetoTransferSearcher`` fitted on the other tasks of the benchmark;
* ``quantile``: Syne Tune's ``QuantileBasedSurrogateSearcher`` (Salinas et al. 2020) on the
  first objective only (sign-flipped when maximised, since it always minimises);
* ``bbox``: MO-ASHA with random search on the config space restricted by Syne Tune's
  ``BoundingBox`` (Perrone et al. 2019) around the best configuration of every other task on the
  first objective;
* ``oracle`` (diagnostic, only with ``--methods``): ``ParetoTransferSearcher`` fitted on the
  held-out task's own table, an upper bound of what better transfer could give.

Objectives: accuracy (max), runtime (min) and dollar cost (min) of every reported result (every
(trial, epoch) pair is a model one could keep). Hypervolume (the evaluation core's,
``syne_mohb.experiments.metrics``): every objective, log10 where the benchmark's ``metric_log``
says so (runtime, cost), is scaled to [0, 1] by its best and worst value over the whole held-out
table (all configurations, seeds and epochs), the reference point is 1.1 in every scaled
objective, and hypervolumes are reported as a fraction of the table's own hypervolume (1.0 = the
best front the table contains).

Budget: simulated wall-clock time ``budget_factor`` x the mean full-training (max epoch) runtime
of the table's configurations; dollars are those spent by all trials up to a time. Reported per
held-out task and method: final hypervolume (mean +- standard error over seeds), and the fraction
of random search's budget (time; dollars) at which the method's mean hypervolume curve first
reaches random search's mean final hypervolume.

    python benchmarking/bench_transfer.py                 # all benchmarks and tasks, 10 seeds
    python benchmarking/bench_transfer.py --quick         # 3 seeds, 3 tasks per benchmark
    python benchmarking/bench_transfer.py --jobs 2 --methods random transfer

Every run's result is kept under ``--output`` (a rerun only runs what is missing). The run
writes ``docs/benchmarks/transfer.md`` (``--docs-dir`` elsewhere, ``--no-docs`` not); with
``--cached-only`` it runs nothing and writes the tables of the held-out tasks whose runs are
all kept, listing the others as not run.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import logging
import multiprocessing as mp
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarking"))

from docs_page import BenchmarkPage, add_docs_argument, markdown_table  # noqa: E402
from script_args import interrupted, output_folder  # noqa: E402

METRICS = ["accuracy", "runtime", "cost"]
METHODS = ["random", "transfer", "quantile", "bbox"]
DIAGNOSTICS = ["oracle"]  # not run by default, see make_scheduler
N_WORKERS = 4
GRID = np.linspace(0.0, 1.0, 101)[1:]  # fractions of the budget where curves are sampled


# ---------------------------------------------------------------------- table facts
def table_facts(name: str, task: str) -> dict:
    """Normalisation, best hypervolume and mean full-training runtime of a task.

    The normaliser is the evaluation core's (``syne_mohb.experiments.metrics``): every objective
    (log10 where the benchmark's ``metric_log`` says so: runtime and cost) is scaled to [0, 1]
    by its best and worst value over all configurations, seeds and epochs of the held-out
    table, reference point 1.1; ``hv_max`` is the hypervolume of all table entries, so
    normalised hypervolumes lie in [0, 1]."""
    from syne_mohb.blackboxes import load, metric_modes
    from syne_mohb.experiments.metrics import normalizer_from_blackbox, table_hypervolume

    bb = load(name)[task]
    modes = metric_modes(name, METRICS)
    normalizer = normalizer_from_blackbox(name, task, METRICS, modes)
    ev = np.asarray(bb.objectives_evaluations, dtype=float)
    mean = np.nanmean(ev[..., bb.objectives_names.index("runtime")], axis=1)  # [n, F]
    return {
        "modes": modes,
        "normalizer": normalizer,
        "hv_max": table_hypervolume(name, task, normalizer),
        "full_runtime": float(np.mean(mean[:, -1])),
        "max_t": int(np.max(bb.fidelity_values)),
        "num_seeds": int(ev.shape[1]),
    }


def hv_curve(x: np.ndarray, Y: np.ndarray, facts: dict, grid: np.ndarray) -> np.ndarray:
    """Hypervolume of the results with ``x <= g`` for each ``g`` of ``grid``, as a fraction of
    the table's best."""
    from syne_mohb.experiments.metrics import hypervolume_curve_xy

    return hypervolume_curve_xy(x, Y, facts["normalizer"], grid) / facts["hv_max"]


# ---------------------------------------------------------------------- one run
def make_scheduler(method: str, name: str, task: str, seed: int, facts: dict):
    from syne_tune.optimizer.schedulers.transfer_learning.transfer_learning_task_evaluation import (
        TransferLearningTaskEvaluations,
    )

    from syne_mohb.blackboxes import load, to_transfer_evaluations
    from syne_mohb.scheduler import MOASHA
    from syne_mohb.searchers.transfer import ParetoTransferSearcher

    config_space = load(name)[task].configuration_space
    modes = facts["modes"]
    kw = dict(metrics=METRICS, mode=modes, time_attr="epoch", max_t=facts["max_t"], grace_period=1,
              reduction_factor=3, random_seed=seed)
    if method == "random":
        return MOASHA(config_space, searcher="random", **kw)
    related = to_transfer_evaluations(name, exclude_task=task, objectives=METRICS)
    if method == "oracle":
        # diagnostic upper bound: the searcher "transfers" from the held-out task's own table
        related = {task: to_transfer_evaluations(name, objectives=METRICS)[task]}
        method = "transfer"
    if method == "transfer":
        searcher = ParetoTransferSearcher(config_space, related, METRICS, modes, random_seed=seed)
        return MOASHA(config_space, searcher=searcher, **kw)
    # single-objective baselines on the first objective, which they minimise
    sign = -1.0 if modes[0] == "max" else 1.0
    first = {
        t: TransferLearningTaskEvaluations(
            configuration_space=ev.configuration_space,
            hyperparameters=ev.hyperparameters,
            objectives_names=[METRICS[0]],
            objectives_evaluations=sign * np.asarray(ev.objectives_evaluations)[..., :1],
        )
        for t, ev in related.items()
    }
    if method == "quantile":
        from syne_tune.optimizer.schedulers.transfer_learning.quantile_based.quantile_based_searcher import (  # noqa: E501
            QuantileBasedSurrogateSearcher,
        )

        searcher = QuantileBasedSurrogateSearcher(config_space, first, random_seed=seed)
        return MOASHA(config_space, searcher=searcher, **kw)
    if method == "bbox":
        from syne_tune.optimizer.schedulers.transfer_learning.bounding_box import BoundingBox

        built = {}

        def scheduler_fun(new_space, metric, do_minimize, random_seed):
            built["scheduler"] = MOASHA(new_space, searcher="random", **kw)
            return built["scheduler"]

        with contextlib.redirect_stdout(io.StringIO()):  # BoundingBox prints the box
            BoundingBox(scheduler_fun, config_space, METRICS[0], first, do_minimize=True,
                        random_seed=seed)
        return built["scheduler"]
    raise ValueError(f"unknown method {method!r}; choose from {METHODS}")


def run_one(args: tuple) -> dict:
    name, task, method, seed, budget_factor = args
    from syne_tune import StoppingCriterion, Tuner

    from syne_mohb.backends.simulated import SimulatedClock
    from syne_mohb.blackboxes import make_backend
    from syne_mohb.experiments.metrics import dollars_spent

    facts = table_facts(name, task)
    budget = budget_factor * facts["full_runtime"]  # simulated seconds
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # Syne Tune's catchtime prints timings
        scheduler = make_scheduler(method, name, task, seed, facts)
    backend = make_backend(name, task, seed=seed % facts["num_seeds"])  # one recorded seed per run
    callback = SimulatedClock()
    tuner = Tuner(
        trial_backend=backend,
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_wallclock_time=budget),
        n_workers=N_WORKERS,
        sleep_time=0,
        callbacks=[callback],
        results_update_interval=1e9,
        print_update_interval=1e9,
        tuner_name=f"bench-transfer-{name}-{task}-{method}-{seed}",
        save_tuner=False,
    )
    with contextlib.redirect_stdout(io.StringIO()):
        tuner.run()
    df = callback.dataframe()
    df = df.sort_values("st_tuner_time", kind="stable").reset_index(drop=True)
    times = df["st_tuner_time"].to_numpy(dtype=float)
    Y = df[METRICS].to_numpy(dtype=float)
    dollars = dollars_spent(df)  # by every trial up to each result
    return {
        "name": name, "task": task, "method": method, "seed": seed,
        "hv": hv_curve(times, Y, facts, GRID * budget),
        "times": times, "dollars": dollars, "Y": Y, "budget": budget,
        "trials": int(df["trial_id"].nunique()), "seconds": time.perf_counter() - start,
    }


def cache_path(output: str | Path, job: tuple) -> Path:
    """Where the result of one run (``job`` = name, task, method, seed, budget factor) is kept."""
    name, task, method, seed, budget_factor = job
    return Path(output) / name / task / method / f"seed-{seed}_budget-{budget_factor:g}.pkl"


def load_cached(output: str | Path, job: tuple) -> dict | None:
    path = cache_path(output, job)
    if not path.exists():
        return None
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:  # a partial write: run it again
        return None


def save_cached(output: str | Path, job: tuple, result: dict) -> None:
    """Keep ``result``, stamped with the package's ``code_version`` (a later command that
    reuses it says when it was made by other code, as ``compare_methods.py`` does)."""
    from syne_mohb.experiments.runner import code_version

    result = {**result, "code_version": code_version()}
    path = cache_path(output, job)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        pickle.dump(result, f)
    os.replace(tmp, path)


def other_code(results: list[dict]) -> int:
    """How many kept ``results`` carry no ``code_version`` or another one than this code's."""
    from syne_mohb.experiments.runner import code_version

    current = code_version()
    return sum(r.get("code_version") != current for r in results)


# ---------------------------------------------------------------------- analysis
def first_reach(curve: np.ndarray, target: float) -> float:
    """Smallest budget fraction on GRID where ``curve`` >= target (inf if never)."""
    hit = np.nonzero(curve >= target - 1e-12)[0]
    return float(GRID[hit[0]]) if len(hit) else float("inf")


def dollar_curves(runs: list[dict], facts: dict, dollar_budget: float) -> np.ndarray:
    return np.array([
        hv_curve(r["dollars"], r["Y"], facts, GRID * dollar_budget) for r in runs
    ])


def summarize(results: list[dict], methods: list[str]) -> tuple[list[list[str]], dict]:
    rows, summary = [], {m: {"t": [], "d": [], "worse": 0, "better": 0} for m in methods}
    keys = sorted({(r["name"], r["task"]) for r in results})
    for name, task in keys:
        facts = table_facts(name, task)
        by = {m: [r for r in results if (r["name"], r["task"], r["method"]) == (name, task, m)]
              for m in methods}
        rs_final = np.array([r["hv"][-1] for r in by["random"]])
        target = rs_final.mean()
        rs_dollars = np.mean([r["dollars"][-1] for r in by["random"]])
        row = [f"{name}/{task}"]
        for m in methods:
            runs = by[m]
            if not runs:
                row.append("-")
                continue
            curves = np.array([r["hv"] for r in runs])
            final = curves[:, -1]
            se = final.std(ddof=1) / np.sqrt(len(final)) if len(final) > 1 else 0.0
            t_frac = first_reach(curves.mean(axis=0), target)
            d_frac = first_reach(dollar_curves(runs, facts, rs_dollars).mean(axis=0), target)
            cell = f"{final.mean():.3f}±{se:.3f}"
            if m != "random":
                diff = final.mean() - target
                se_diff = np.sqrt(se**2 + (rs_final.std(ddof=1) ** 2 / len(rs_final)
                                           if len(rs_final) > 1 else 0))
                flag = ""
                if diff < -2 * se_diff:
                    flag = " worse"
                    summary[m]["worse"] += 1
                elif diff > 2 * se_diff:
                    summary[m]["better"] += 1
                cell += f" t{_pct(t_frac)} ${_pct(d_frac)}{flag}"
                summary[m]["t"].append(t_frac)
                summary[m]["d"].append(d_frac)
            row.append(cell)
        rows.append(row)
    return rows, summary


def _pct(x: float) -> str:
    return ">100%" if not np.isfinite(x) else f"{100 * x:.0f}%"


def _mean_pct(xs: list[float]) -> str:
    """Mean budget fraction; unreached tasks count as 100% (a lower bound)."""
    if not xs:
        return "-"
    vals = np.minimum(np.array(xs), 1.0)
    unreached = int(np.sum(~np.isfinite(np.array(xs))))
    return f"{100 * vals.mean():.0f}%" + (f" ({unreached} unreached)" if unreached else "")


def print_table(rows: list[list[str]], summary: dict, methods: list[str], header_note: str) -> None:
    print(header_note)
    print()
    print("| held-out task | " + " | ".join(methods) + " |")
    print("|---" * (len(methods) + 1) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    print("| method | mean time to reach RS final HV | mean dollars to reach RS final HV | "
          "tasks better / clearly worse than RS |")
    print("|---|---|---|---|")
    for m in methods:
        if m == "random":
            continue
        s = summary[m]
        print(f"| {m} | {_mean_pct(s['t'])} | {_mean_pct(s['d'])} | {s['better']} / {s['worse']} |")


def _ignore_sigint() -> None:
    """A worker's initializer: Ctrl-C reaches the whole process group; only the parent handles
    it (the pool's exit stops the workers; every finished run is already kept)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--benchmarks", nargs="+", default=None, help="default: all shipped")
    ap.add_argument("--tasks", nargs="+", default=None, help="held-out tasks (default: all)")
    ap.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS + DIAGNOSTICS,
                    help="'oracle' (diagnostic): the transfer searcher fitted on the held-out "
                         "task itself")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--quantile-seeds", type=int, default=None,
                    help="seeds for the slow quantile baseline (default: --seeds)")
    ap.add_argument("--budget-factor", type=float, default=3.0,
                    help="time budget in mean full-training runtimes of the task (default 3)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="processes (at most 2 on the shared machine)")
    ap.add_argument("--quick", action="store_true", help="3 seeds, first 3 tasks per benchmark")
    ap.add_argument("--output", default=str(ROOT / "benchmarking" / "_results" / "transfer"),
                    help="every run's result is kept here; a rerun only runs what is missing")
    ap.add_argument("--overwrite", action="store_true", help="run again even what is kept")
    ap.add_argument("--cached-only", action="store_true",
                    help="run nothing: tables of the held-out tasks whose runs are all kept")
    add_docs_argument(ap)
    args = ap.parse_args(argv)
    if "random" not in args.methods:
        ap.error("--methods must include random (the reference)")
    if args.jobs < 1:
        ap.error(f"--jobs must be >= 1, got {args.jobs}")
    if args.cached_only and args.overwrite:
        ap.error("--cached-only runs nothing and --overwrite runs everything again: give one")
    if args.seeds < 1:
        ap.error(f"--seeds must be >= 1, got {args.seeds}")
    if args.quantile_seeds is not None and args.quantile_seeds < 1:
        ap.error(f"--quantile-seeds must be >= 1, got {args.quantile_seeds} (leave quantile "
                 f"out of --methods to run none)")
    if not args.budget_factor > 0:
        ap.error(f"--budget-factor must be > 0, got {args.budget_factor}")

    logging.basicConfig(level=logging.WARNING)
    from syne_mohb.blackboxes import load, names

    benchmarks = args.benchmarks or names()
    for name in benchmarks:  # names first, before any run
        try:
            shipped = list(load(name))
        except ValueError as e:
            ap.error(f"--benchmarks: {e}")
        unknown = [t for t in args.tasks or [] if t not in shipped]
        if unknown:
            ap.error(f"--tasks: unknown task {unknown[0]!r} for benchmark {name!r}; valid "
                     f"tasks: {', '.join(shipped)}")
    output_folder(ap, "--output", args.output)
    os.environ.setdefault("SYNETUNE_FOLDER", tempfile.mkdtemp(prefix="bench-transfer-"))
    seeds = 3 if args.quick else args.seeds
    jobs = []
    for name in benchmarks:
        tasks = args.tasks or list(load(name))
        if args.quick and not args.tasks:
            tasks = tasks[:3]
        for task in tasks:
            for seed in range(seeds):
                for m in args.methods:
                    if (m == "quantile" and args.quantile_seeds is not None
                            and seed >= args.quantile_seeds):
                        continue
                    jobs.append((name, task, m, seed, args.budget_factor))
    start = time.perf_counter()
    results = []
    todo = []
    for job in jobs:
        kept = None if args.overwrite else load_cached(args.output, job)
        if kept is None:
            todo.append(job)
        else:
            results.append(kept)
    print(f"{len(jobs)} runs, {len(jobs) - len(todo)} kept in {args.output}, "
          f"{len(todo)} to run", file=sys.stderr, flush=True)
    stale = other_code(results)
    if stale:
        print(f"bench_transfer.py: {stale} of the kept runs were made by other code than this "
              f"checkout's (or before runs were stamped); they are reused: --overwrite runs "
              f"them again", file=sys.stderr, flush=True)
    page = BenchmarkPage("transfer", "Multi-objective transfer learning (leave-one-task-out)",
                         seeds=f"{seeds} seeds per method and held-out task"
                               + (f" ({args.quantile_seeds} for the quantile baseline)"
                                  if args.quantile_seeds is not None else ""),
                         docs_dir=args.docs_dir,
                         argv=None if argv is None else [__file__, *argv])
    missing_tasks = []
    if args.cached_only:
        incomplete = {(j[0], j[1]) for j in todo}
        missing_tasks = sorted(incomplete)
        results = [r for r in results if (r["name"], r["task"]) not in incomplete]
        jobs = [j for j in jobs if (j[0], j[1]) not in incomplete]
        todo = []
        if not results:
            print("no held-out task has all its runs kept", file=sys.stderr)
            return 1
    try:
        if args.jobs == 1:
            for i, job in enumerate(todo):
                results.append(run_one(job))
                save_cached(args.output, job, results[-1])
                print(f"\r{i + 1}/{len(todo)} runs", end="", file=sys.stderr, flush=True)
        else:
            # the workers ignore Ctrl-C (the parent stops them): one line, not a traceback each
            with mp.get_context("spawn").Pool(args.jobs, initializer=_ignore_sigint) as pool:
                for i, res in enumerate(pool.imap_unordered(run_one, todo)):
                    results.append(res)
                    save_cached(args.output, (res["name"], res["task"], res["method"],
                                              res["seed"], args.budget_factor), res)
                    print(f"\r{i + 1}/{len(todo)} runs", end="", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return interrupted(ap.prog, args.output)
    print(file=sys.stderr)
    elapsed = time.perf_counter() - start
    rows, summary = summarize(results, args.methods)
    trials = {m: np.mean([r["trials"] for r in results if r["method"] == m]) for m in args.methods}
    secs = {m: np.mean([r["seconds"] for r in results if r["method"] == m]) for m in args.methods}
    note = (
        f"{len(jobs)} simulated runs ({seeds} seeds"
        + (f", quantile {args.quantile_seeds}"
           if args.quantile_seeds is not None and "quantile" in args.methods else "")
        + f", {N_WORKERS} workers, budget "
        f"{args.budget_factor:g} x mean full-training runtime) in {elapsed:.0f} s with {args.jobs} "
        f"process(es).\nMean trials per run: "
        + ", ".join(f"{m} {trials[m]:.0f}" for m in args.methods)
        + ". Mean wall seconds per run: "
        + ", ".join(f"{m} {secs[m]:.1f}" for m in args.methods)
        + ".\nCells: final normalised hypervolume (mean±s.e.); t/$: fraction of random search's "
        "time/dollar budget at which the mean curve reaches random search's final hypervolume; "
        "'worse' = below random by more than 2 s.e."
    )
    print_table(rows, summary, args.methods, note)
    if not args.no_docs:
        write_page(page, rows, results, args, seeds, missing_tasks, trials, secs, elapsed,
                   len(jobs))
    return 0


#: what each method of the table is (the instance type: who chooses it; the searcher)
METHOD_ROWS = [
    ("random", "our MO-ASHA's default: random hyperparameters with replacement",
     "hardware policy (runtime/cost model, per config)"),
    ("transfer", "`ParetoTransferSearcher` fitted on the other tasks of the benchmark",
     "the searcher (joint: the instance type is in its space)"),
    ("quantile", "Syne Tune's `QuantileBasedSurrogateSearcher` on accuracy only (other tasks)",
     "the searcher (joint)"),
    ("bbox", "random search in Syne Tune's `BoundingBox` around the other tasks' best "
             "configurations on accuracy",
     "hardware policy inside the box (several types left), else the box's one type"),
    ("oracle", "diagnostic: `ParetoTransferSearcher` fitted on the held-out task's own table",
     "the searcher (joint)"),
]


def _shown(path: str | Path) -> str:
    """``path`` relative to the repository when under it (the documented folders), else as
    given."""
    path = Path(path).resolve()
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def write_page(page, rows, results, args, seeds, missing_tasks, trials, secs, elapsed,
               n_jobs) -> None:
    methods = args.methods
    page.add(
        "Leave-one-task-out on the shipped benchmarks: the held-out task is tuned in simulation "
        f"({N_WORKERS} workers, `SimulatedBackend`, `Tuner(sleep_time=0)` with the simulated "
        "clock) by our MO-ASHA (`max_t` = the table's epochs, grace period 1, reduction factor "
        "3) with each method below. Objectives: accuracy, runtime and dollar cost of every "
        "reported (trial, epoch) result.",
        markdown_table([{"method": f"`{m}`", "searcher": s, "instance type chosen by": h}
                        for m, s, h in METHOD_ROWS if m in methods],
                       ["method", "searcher", "instance type chosen by"]),
        "Hypervolume (the evaluation core's, `syne_mohb.experiments.metrics`): every objective, "
        "log10 where the benchmark's `metric_log` says so (runtime, cost), scaled to [0, 1] by "
        "its best and worst value over the whole held-out table, reference point 1.1, as a "
        "fraction of the table's own hypervolume. Budget: "
        f"{args.budget_factor:g} mean full trainings of the held-out task per run, in "
        "simulated seconds; dollars: what all trials have spent by then.",
        f"{n_jobs} runs; mean trials per run: "
        + ", ".join(f"{m} {trials[m]:.0f}" for m in methods)
        + "; mean wall seconds per run: " + ", ".join(f"{m} {secs[m]:.1f}" for m in methods)
        + f"; {sum(r['seconds'] for r in results):.0f} s of runs in all, kept runs included "
        "(on this machine, shared with other runs; the header's time is this invocation's).")
    page.add("## Per held-out task",
             "Cells: final normalised hypervolume (mean ± s.e. over seeds); t / $: the fraction "
             "of random search's time / dollar budget at which the method's mean curve reaches "
             "random search's mean final hypervolume (>100%: never); \"worse\": below random "
             "by more than 2 s.e.",
             markdown_table([dict(zip(["held-out task", *methods], r)) for r in rows],
                            ["held-out task", *methods]))
    by_bench: dict[str, list[list[str]]] = {}
    for r in rows:
        by_bench.setdefault(r[0].split("/")[0], []).append(r)
    summary_rows = []
    for name in [*by_bench, "all"]:
        keep = rows if name == "all" else by_bench[name]
        sub_results = [x for x in results if name == "all" or x["name"] == name]
        _, summ = summarize(sub_results, methods)
        row = {"benchmark": f"`{name}` ({len(keep)} tasks)" if name != "all"
               else f"all {len(keep)} tasks"}
        for m in methods:
            if m == "random":
                continue
            sm = summ[m]
            row[f"{m}: time"] = _mean_pct(sm["t"])
            row[f"{m}: dollars"] = _mean_pct(sm["d"])
            row[f"{m}: better / worse"] = f"{sm['better']} / {sm['worse']}"
        summary_rows.append(row)
    cols = ["benchmark"] + [f"{m}: {k}" for m in methods if m != "random"
                            for k in ("time", "dollars", "better / worse")]
    page.add("## Per benchmark",
             "Mean over held-out tasks of the fraction of random search's budget (time, "
             "dollars) at which a method's mean curve reaches random search's final "
             "hypervolume (tasks where it never does count as 100%, and are counted in "
             "brackets); \"better / worse\": held-out tasks where the method's final "
             "hypervolume is above / below random's by more than 2 s.e.",
             markdown_table(summary_rows, cols))
    if missing_tasks:
        page.add("## Not run",
                 f"Held-out tasks of this command whose runs are not all kept in "
                 f"`{_shown(args.output)}` "
                 f"({len(missing_tasks)}; about 2 minutes per task on one unloaded core, mostly "
                 f"the quantile baseline): "
                 + ", ".join(f"`{n}/{t}`" for n, t in missing_tasks)
                 + ". The same command without `--cached-only` runs them (kept runs are reused).")
    page.write()


if __name__ == "__main__":
    sys.exit(main())
