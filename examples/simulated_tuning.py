"""User story: try MO-ASHA over hyperparameters *and* instance types in simulation, in seconds.

Before paying for cloud instances, replay a shipped offline benchmark (real training runs on
this machine; runtime and cost per instance type modelled) with the project's one simulator,
``SimulatedBackend``: 4 simulated workers, a budget of simulated seconds, job start-up with
warm pools, and the dollars every trial spent from the cost ledger. At the end of tuning
``ParetoSummary`` prints the Pareto set (accuracy, runtime, cost) of the models found; then what
the tuning itself cost.

    python examples/simulated_tuning.py --benchmark mlp --task digits --budget 4000 --seed 0
"""
from __future__ import annotations

import argparse
import sys

from syne_tune import StoppingCriterion, Tuner

from syne_mohb import MOASHA, ParetoSummary, blackboxes
from syne_mohb.backends.simulated import SimulatedClock
from syne_mohb.experiments.metrics import dollars_spent
from syne_mohb.hardware.startup import JobStartup

METRICS = ["accuracy", "runtime", "cost"]


def run(benchmark: str = "mlp", task: str = "digits", budget: float = 4000.0, seed: int = 0,
        workers: int = 4, keep_alive: float = 60.0):
    bb = blackboxes.load(benchmark)[task]
    modes = blackboxes.metric_modes(benchmark, METRICS)
    scheduler = MOASHA(dict(bb.configuration_space), metrics=METRICS, mode=modes,
                       time_attr=bb.fidelity_name(), max_t=int(max(bb.fidelity_values)),
                       random_seed=seed)
    backend = blackboxes.make_backend(benchmark, task, random_seed=seed,
                                      startup=JobStartup(keep_alive_s=keep_alive))
    clock = SimulatedClock()
    tuner = Tuner(trial_backend=backend, scheduler=scheduler,
                  stop_criterion=StoppingCriterion(max_wallclock_time=budget), n_workers=workers,
                  sleep_time=0, callbacks=[clock, ParetoSummary(max_rows=15)], save_tuner=False,
                  print_update_interval=1e9,
                  results_update_interval=1e9, tuner_name=f"simulated-{benchmark}-{task}")
    try:
        tuner.run()
    except KeyboardInterrupt:  # Ctrl-C: what was simulated is saved; say where
        raise KeyboardInterrupt(f"interrupted: the results so far are in "
                                f"{tuner.tuner_path}") from None
    df = clock.dataframe()  # no columns when no trial reported within the budget
    if len(df):
        df = df.sort_values("st_tuner_time", kind="stable").reset_index(drop=True)
    return df, modes, backend


def check_args(ap: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """One line naming the argument (``ap.error``) for values the run cannot use."""
    tasks = blackboxes.metadata(args.benchmark)["task_names"]
    if args.task not in tasks:
        ap.error(f"--task {args.task!r} is not a task of --benchmark {args.benchmark}; "
                 f"choose one of {', '.join(tasks)}")
    if not args.budget > 0:
        ap.error(f"--budget must be > 0 simulated seconds, got {args.budget:g}")
    if args.workers < 1:
        ap.error(f"--workers must be >= 1, got {args.workers}")
    if not args.keep_alive >= 0:
        ap.error(f"--keep-alive must be >= 0 seconds (0: no warm pools), got {args.keep_alive:g}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmark", default="mlp", choices=blackboxes.names())
    ap.add_argument("--task", default="digits", help="a task of the benchmark (mlp: digits, "
                                                     "vehicle, ...)")
    ap.add_argument("--budget", type=float, default=4000.0, help="simulated seconds")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--keep-alive", "--keep_alive", type=float, default=60.0,
                    help="warm-pool seconds (0: none)")
    args = ap.parse_args(argv)
    check_args(ap, args)
    try:
        df, modes, backend = run(args.benchmark, args.task, args.budget, args.seed,
                                 args.workers, args.keep_alive)
    except KeyboardInterrupt as e:
        print(e, file=sys.stderr)
        sys.exit(130)
    started = len(backend.trial_ids)
    if df.empty:
        print(f"no result within --budget {args.budget:g} simulated seconds ({started} trials "
              f"started); raise --budget")
        return
    print(f"{started} trials started, {df['trial_id'].nunique()} with results, {len(df)} "
          f"results, {backend.warm_reuses} warm "
          f"starts; tuning cost ${dollars_spent(df)[-1]:.4f} in {df['st_tuner_time'].max():.0f} "
          f"simulated seconds (runtime: training seconds, cost: training dollars of a model)")


if __name__ == "__main__":
    main()
