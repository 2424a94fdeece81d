"""Checks shared by the benchmarking scripts' command lines: one line naming the parameter and
what to do, no traceback, for a user's mistake (an output folder that cannot be one, Ctrl-C).

    from script_args import interrupted, output_folder   # benchmarking/ is on sys.path

    output_folder(ap, "--output", args.output)    # before any run: ap.error if not a folder
    try:
        res = run_many(specs)
    except KeyboardInterrupt:
        return interrupted("compare_methods.py", args.output)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def output_folder(ap: argparse.ArgumentParser, flag: str, path: str | Path) -> Path:
    """Create folder ``path`` (given as ``flag``) or end with ``ap.error`` naming ``flag`` when
    it cannot be one (an existing file on the way, no permission), before anything runs."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        ap.error(f"{flag} {str(path)!r} is a file, not a folder; give another {flag}")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        what = e.strerror or type(e).__name__
        ap.error(f"{flag} {str(path)!r} cannot be a folder ({what}: {e.filename or path}); "
                 f"give another {flag}")
    return path


def interrupted(script: str, output: str | Path) -> int:
    """Ctrl-C during the runs: print one line saying that the finished runs are kept and how
    to go on, and return the exit status for it (130, as the shell's for SIGINT)."""
    print(f"{script}: interrupted; finished runs are kept under {output}: run the same "
          f"command again to continue", file=sys.stderr)
    return 130


def int_list(ap: argparse.ArgumentParser, flag: str, text: str, minimum: int = 1) -> list[int]:
    """The comma-separated integers ``text`` of ``flag`` (each >= ``minimum``), or ``ap.error``
    naming ``flag``."""
    try:
        values = [int(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        ap.error(f"{flag} must be comma-separated integers, got {text!r}")
    if not values or min(values) < minimum:
        ap.error(f"{flag} must be comma-separated integers >= {minimum}, got {text!r}")
    return values


def check_each(ap: argparse.ArgumentParser, flag: str, values, check) -> None:
    """``check(value)`` for each of ``values`` (given as ``flag``), before anything runs; the
    first ``ValueError`` ends with ``ap.error`` naming ``flag`` and saying what it says."""
    for value in values:
        try:
            check(value)
        except ValueError as e:
            ap.error(f"{flag}: {e}")


def cached_runs_arguments(ap: argparse.ArgumentParser, argv, methods_help: str
                          = "comma-separated method names"):
    """The command line of a script that reads runs ``compare_methods.py`` cached: ``--output``,
    ``--benchmark``, ``--tasks``, ``--methods``, ``--seeds``, each checked before anything is
    read (``ap.error`` naming the flag). Returns ``(args, benchmark's tasks, methods, tasks)``."""
    from syne_mohb import blackboxes
    from syne_mohb.experiments.methods import check_method

    ap.add_argument("--output", required=True, help="compare_methods.py's --output folder")
    ap.add_argument("--benchmark", required=True)
    ap.add_argument("--tasks", required=True, help="comma-separated task names")
    ap.add_argument("--methods", required=True, help=methods_help)
    ap.add_argument("--seeds", type=int, default=20)
    args = ap.parse_args(argv)
    if args.seeds < 1:
        ap.error(f"--seeds must be >= 1, got {args.seeds}")
    try:
        bench = blackboxes.load(args.benchmark)
    except (KeyError, ValueError, FileNotFoundError) as e:
        ap.error(f"--benchmark {args.benchmark!r}: {e}")
    methods = [m for m in args.methods.split(",") if m]
    if not methods:
        ap.error(f"--methods names no method, got {args.methods!r}")
    check_each(ap, "--methods", methods, check_method)
    tasks = [t for t in args.tasks.split(",") if t]
    for task in tasks:
        if task not in bench:
            ap.error(f"--tasks: {task!r} is not a task of {args.benchmark} ({sorted(bench)})")
    return args, bench, methods, tasks


def cached_run(ap: argparse.ArgumentParser, args, task: str, method: str, seed: int):
    """The run ``compare_methods.py`` cached for (``args.benchmark``, ``task``, ``method``,
    ``seed``) under ``args.output``, or ``ap.error`` saying how to make it."""
    from syne_mohb.experiments.results import load_run

    path = Path(args.output) / args.benchmark / task / method / f"seed-{seed}"
    if not (path / "results.csv.zip").exists():
        ap.error(f"no run at {path}: run compare_methods.py with these methods, tasks and "
                 f"--seeds first")
    return load_run(path)


def results_by_type(results):
    """A cached run's results with each result's ``instance_type`` the type that trained its
    segment (:func:`~syne_mohb.experiments.analysis.with_segment_types`) and the ``config_``
    prefix dropped from the configuration's columns: what the scripts that read cached runs
    (``placement_waste.py``, ``target_anatomy.py``) join to a table's rows. O(rows)."""
    from syne_mohb.experiments.analysis import with_segment_types

    return with_segment_types(results, "instance_type").rename(
        columns=lambda c: c[len("config_"):] if c.startswith("config_") else c)
