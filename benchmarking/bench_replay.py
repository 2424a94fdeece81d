"""Replay speed: N-trial simulated tuning runs with 4 workers, ours vs Syne Tune 0.16.

Rows (same blackbox task, same 2 objectives: accuracy/error and dollar cost, grace period 1,
reduction factor 3, configurations sampled uniformly *with* replacement from a seeded generator
so that 10,000 trials fit in a finite table):

* ``ours``: syne_mohb MOASHA on ``syne_mohb.experiments.simulation.run_replay`` over
  ``syne_mohb.backends.simulated.SimulatedBackend`` (discrete-event clock, fast table lookup,
  O(1) tuning status, quiet tuner);
* ``st16-moasha/fast-replay``: Syne Tune 0.16 ``MOASHA`` on the same fast replay: isolates the
  scheduler's cost;
* ``st16-moasha/stock``: Syne Tune 0.16 ``MOASHA`` on Syne Tune's stock simulator
  (``UserBlackboxBackend``, ``SimulatorCallback``, ``Tuner(sleep_time=0)``), the reference;
* ``ours/stock``: our MOASHA on the stock simulator.

Each row runs in its own process under a time cap; capped rows print "> cap". Wall time depends on
the machine's load (the 2 cores here are shared): CPU seconds of the process are printed too.

    python benchmarking/bench_replay.py            # 2,000 and 10,000 trials (~10 min)
    python benchmarking/bench_replay.py --quick    # 500 trials, small caps

writes ``docs/benchmarks/replay-speed.md`` (``--docs-dir``, ``--no-docs``).
"""
from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_page import BenchmarkPage, add_docs_argument, markdown_table  # noqa: E402


def _sampler(config_space, seed):
    import numpy as np
    from syne_tune.config_space import Domain
    from syne_tune.optimizer.schedulers.searchers.searcher import BaseSearcher

    class WithReplacement(BaseSearcher):
        """Seeded uniform sampling with replacement (any number of metrics)."""

        def __init__(self):
            super().__init__(config_space, random_seed=seed)
            self.rng = np.random.RandomState(seed)

        def suggest(self, **kwargs):
            return {k: (v.sample(random_state=self.rng) if isinstance(v, Domain) else v)
                    for k, v in config_space.items()}

        def on_trial_result(self, *args, **kwargs):
            pass

        def on_trial_complete(self, *args, **kwargs):
            pass

    return WithReplacement()


def _run(kind: str, n: int, benchmark: str, task: str, queue) -> None:
    logging.disable(logging.WARNING)
    import io
    import contextlib
    import numpy as np
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.backend.simulator_backend.simulator_callback import SimulatorCallback
    from syne_tune.optimizer.schedulers.multiobjective.moasha import MOASHA as STMOASHA

    from syne_tune.blackbox_repository.simulated_tabular_backend import UserBlackboxBackend

    from syne_mohb import blackboxes
    from syne_mohb.backends.simulated import SimulatedBackend
    from syne_mohb.experiments.simulation import run_replay
    from syne_mohb.scheduler import MOASHA

    np.random.seed(0)
    bb = blackboxes.load(benchmark)[task]
    cs = dict(bb.configuration_space)
    max_t = int(max(bb.fidelity_values))
    method, sim = kind.split("/")
    if method == "ours":
        sch = MOASHA(cs, ["accuracy", "cost"], ["max", "min"], time_attr=bb.fidelity_name(),
                     max_t=max_t, searcher=_sampler(cs, 0), random_seed=0)
    else:
        sch = STMOASHA(cs, ["error", "cost"], do_minimize=True, time_attr=bb.fidelity_name(),
                       max_t=max_t, random_seed=0)
    stop = StoppingCriterion(max_num_trials_started=n)
    root = tempfile.mkdtemp(prefix="bench_replay_")
    c0, t0 = time.process_time(), time.perf_counter()
    if sim == "fast":
        tuner = run_replay(SimulatedBackend(bb, random_seed=0), sch, stop, n_workers=4,
                           results_root=root, tuner_name="run")
    else:
        os.environ["SYNETUNE_FOLDER"] = root
        stock = UserBlackboxBackend(blackbox=bb, elapsed_time_attr="runtime")
        tuner = Tuner(trial_backend=stock, scheduler=sch,
                      stop_criterion=stop, n_workers=4, sleep_time=0,
                      callbacks=[SimulatorCallback()], results_update_interval=1e9,
                      print_update_interval=1e9, save_tuner=False)
        with contextlib.redirect_stdout(io.StringIO()):
            tuner.run()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    df = tuner.callbacks[0].dataframe()
    queue.put({"wall": wall, "cpu": cpu, "trials": int(df["trial_id"].nunique()),
               "results": len(df)})


def measure(kind: str, n: int, cap: float, benchmark: str, task: str) -> dict:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_run, args=(kind, n, benchmark, task, q))
    p.start()
    p.join(cap)
    if p.is_alive():
        p.terminate()
        p.join()
        return {"capped": cap}
    return q.get() if not q.empty() else {"error": f"exit code {p.exitcode}"}


def main(argv=None) -> int:
    from syne_mohb import blackboxes

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--benchmark", default=None, help="shipped blackbox (default: the first)")
    ap.add_argument("--task", default=None)
    ap.add_argument("--st-cap", type=float, default=240.0, help="seconds allowed to Syne Tune rows")
    add_docs_argument(ap)
    args = ap.parse_args(argv)
    if not args.st_cap > 0:
        ap.error(f"--st-cap must be > 0 seconds, got {args.st_cap}")
    shipped = blackboxes.names()
    if args.benchmark is not None and args.benchmark not in shipped:
        ap.error(f"--benchmark: unknown benchmark {args.benchmark!r}; shipped: "
                 f"{', '.join(shipped)}")
    if args.task is not None:
        tasks = blackboxes.metadata(args.benchmark or shipped[0])["task_names"]
        if args.task not in tasks:
            ap.error(f"--task: unknown task {args.task!r} for benchmark "
                     f"{args.benchmark or shipped[0]!r}; valid tasks: {', '.join(tasks)}")
    page = BenchmarkPage("replay-speed", "Replay speed: simulated tuning on the offline benchmarks",
                         seeds="seed 0 (scheduler, sampler, backend)", docs_dir=args.docs_dir,
                         argv=None if argv is None else [__file__, *argv])
    benchmark = args.benchmark or blackboxes.names()[0]
    task = args.task or blackboxes.metadata(benchmark)["task_names"][0]
    if args.quick:
        plan = [("ours/fast", 500, 60), ("st16/fast", 500, 60), ("st16/stock", 500, 60),
                ("ours/stock", 500, 60)]
    else:
        plan = [("ours/fast", 2000, 120), ("ours/fast", 10000, 300),
                ("st16/fast", 2000, args.st_cap), ("st16/stock", 2000, args.st_cap),
                ("ours/stock", 2000, args.st_cap)]
    print(f"benchmark {benchmark}/{task}, 4 workers, 2 objectives, machine load "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'method/simulator':<22}{'trials':>8}{'wall s':>10}{'cpu s':>10}{'results':>9}")
    rows = []
    for kind, n, cap in plan:
        r = measure(kind, n, cap, benchmark, task)
        rows.append((kind, n, cap, r))
        if "capped" in r:
            print(f"{kind:<22}{n:>8}{'> ' + format(cap, '.0f'):>10}{'':>10}{'':>9}  (capped)")
        elif "error" in r:
            print(f"{kind:<22}{n:>8}  failed: {r['error']}")
        else:
            print(f"{kind:<22}{r['trials']:>8}{r['wall']:>10.1f}{r['cpu']:>10.1f}{r['results']:>9}")
        sys.stdout.flush()
    print("10,000 trials with Syne Tune 0.16's MOASHA are not run: "
          "its rung sort grows with the rung "
          "size (about 345 ms per decision at 3,000 recorded trials), far beyond any cap here.")
    if not args.no_docs:
        _write_page(page, rows, benchmark, task)
    return 0


_LABELS = {"ours/fast": "ours / `SimulatedBackend`",
           "ours/stock": "ours / Syne Tune's stock simulator",
           "st16/fast": "Syne Tune 0.16 MOASHA / `SimulatedBackend`",
           "st16/stock": "Syne Tune 0.16 MOASHA / stock simulator"}


def _write_page(page: BenchmarkPage, rows, benchmark: str, task: str) -> None:
    table = []
    for kind, n, cap, r in rows:
        if "capped" in r:
            cells = {"trials": f"{n:,}", "wall": f"> {cap:.0f} (capped)", "cpu": "", "results": ""}
        elif "error" in r:
            cells = {"trials": f"{n:,}", "wall": f"failed: {r['error']}", "cpu": "", "results": ""}
        else:
            cells = {"trials": f"{r['trials']:,}", "wall": f"{r['wall']:.1f}",
                     "cpu": f"{r['cpu']:.1f}", "results": f"{r['results']:,}"}
        table.append({"kind": _LABELS.get(kind, kind), **cells})
    done = {(k, n): r for k, n, cap, r in rows if "wall" in r}
    capped = {(k, n): cap for k, n, cap, r in rows if "capped" in r}
    notes = []
    n_small = min(n for _, n, _, _ in rows)
    ours = done.get(("ours/fast", n_small))
    for other in ("st16/fast", "st16/stock", "ours/stock"):
        if ours is None:
            break
        label = _LABELS[other]
        if (other, n_small) in done:
            o = done[(other, n_small)]
            notes.append(f"{label}: {o['wall']:.1f} s, {o['wall'] / ours['wall']:.1f}x "
                         "the wall time "
                         f"of ours on `SimulatedBackend` ({ours['wall']:.1f} s)")
        elif (other, n_small) in capped:
            notes.append(f"{label}: more than {capped[(other, n_small)]:.0f} s (capped), i.e. "
                         f">= {capped[(other, n_small)] / ours['wall']:.0f}x the wall time "
                         "of ours on "
                         f"`SimulatedBackend` ({ours['wall']:.1f} s)")
    targets = []
    for n, limit in ((2000, 20), (10000, 120)):
        r = done.get(("ours/fast", n))
        if r is not None:
            targets.append(f"{n:,} trials in <= {limit} s: {r['wall']:.1f} s, "
                           f"{'met' if r['wall'] <= limit else 'NOT met'}")
    page.add(
        "Syne Tune's stock simulator moves its clock by *real* elapsed time and by 5 s steps when "
        "all workers are busy: with epochs of milliseconds a whole trial finishes within one step, "
        "so the scheduler sees all its results at once and early stopping cannot save anything; "
        "simulated times also vary with the machine's load. `syne_mohb.backends.simulated."
        "SimulatedBackend` replaces that clock by a discrete-event one (deterministic) and looks "
        "configurations up in a dict instead of pandas; `syne_mohb.experiments.simulation` keeps "
        "the tuning status counters incremental and skips `time.sleep(0)`.",
        f"Simulated tuning runs on `{benchmark}` / `{task}` with 4 workers and 2 objectives "
        "(accuracy or error, and dollar cost), grace period 1, reduction factor 3, configurations "
        "sampled uniformly with replacement from a seeded generator. Each row runs in its own "
        "process under a time cap; wall and CPU seconds of that process:",
        markdown_table(table, ["kind", "trials", "wall", "cpu", "results"],
                       ["method / simulator", "trials", "wall s", "CPU s", "results"]),
        "\n".join(f"* {x}" for x in notes),
        ("Targets of the replay issue: " + "; ".join(targets) + ".") if targets else "",
        "Syne Tune 0.16's MOASHA is not run at 10,000 trials: its rung sort grows with the rung "
        "size (see [rung decisions](rung-decisions.md)).")
    page.write()


if __name__ == "__main__":
    sys.exit(main())
