"""Tune an MLP's hyperparameters *and* the local hardware profile jointly with MO-ASHA.

Objectives: validation accuracy (max), dollars spent (min) and training time (min). The
hardware dimension takes the local profiles of this machine (``local-cpu-1``,
``local-cpu-2``, ...) at a user-set price per core-hour; every trial really runs pinned to
that many cores. Dollars and time are added to each result by the backend, so the training
script (``examples/train_digits_hw.py``) knows nothing about them. The run stops after
``--max_cost`` dollars (Syne Tune's ``StoppingCriterion(max_cost=...)``) or
``--max_wallclock`` seconds; at the end ``ParetoSummary`` prints the Pareto set of the models
trained, and the dollars per profile follow.

    .venv/bin/python examples/local_hardware_tuning.py [--max_wallclock 60] [--n_workers 2]
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
from syne_tune import StoppingCriterion, Tuner
from syne_tune.config_space import choice, loguniform, randint
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME
from syne_tune.experiments import load_experiment
from syne_tune.results_callback import StoreResultsCallback

from syne_mohb import HardwarePolicy, ParetoSummary
from syne_mohb.backends.local import LocalProfileBackend
from syne_mohb.hardware import INSTANCE_TYPE, local_profile_names, local_profiles
from syne_mohb.scheduler import MOASHA

SCRIPT = Path(__file__).resolve().parent / "train_digits_hw.py"
METRICS = ["accuracy", ST_WORKER_COST, ST_WORKER_TIME]
MODES = ["max", "min", "min"]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # each flag also takes its dashed spelling (--max-wallclock), as the other examples use
    p.add_argument("--max_wallclock", "--max-wallclock", type=float, default=60.0,
                   help="seconds of tuning")
    p.add_argument("--max_cost", "--max-cost", type=float, default=1.0,
                   help="total dollars for the run")
    p.add_argument("--max_cost_per_trial", "--max-cost-per-trial", type=float, default=None)
    p.add_argument("--price_per_core_hour", "--price-per-core-hour", type=float, default=0.5)
    p.add_argument("--max_cores", "--max-cores", type=int, default=2,
                   help="largest local-cpu-k profile")
    p.add_argument("--epochs", type=int, default=27)
    p.add_argument("--n_workers", "--n-workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    for name in ("max_wallclock", "max_cost", "price_per_core_hour"):
        if not getattr(args, name) > 0:
            p.error(f"--{name} must be > 0, got {getattr(args, name):g}")
    if args.max_cost_per_trial is not None and not args.max_cost_per_trial > 0:
        p.error(f"--max_cost_per_trial must be > 0 dollars (or left out), got "
                f"{args.max_cost_per_trial:g}")
    for name in ("epochs", "n_workers"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    cpu_profiles = [n for n in local_profile_names() if n.startswith("local-cpu-")]
    if not 1 <= args.max_cores <= len(cpu_profiles):
        p.error(f"--max_cores must be 1..{len(cpu_profiles)} (the usable cores of this "
                f"machine), got {args.max_cores}")
    logging.basicConfig(level=logging.WARNING)

    cpu_profiles = cpu_profiles[:args.max_cores]
    prices = {name: int(name.rsplit("-", 1)[1]) * args.price_per_core_hour
              for name in cpu_profiles}
    config_space = {
        "lr": loguniform(1e-4, 1e-1),
        "hidden": randint(8, 256),
        "layers": choice([1, 2]),
        "alpha": loguniform(1e-6, 1e-2),
        "batch_size": choice([32, 64, 128, 256]),
        "epochs": args.epochs,
        INSTANCE_TYPE: local_profiles(prices),
    }
    # the prices travel with local_profiles(...): the backend and the policy read them there
    backend = LocalProfileBackend(str(SCRIPT), config_space=config_space,
                                  max_cost_per_trial=args.max_cost_per_trial)
    scheduler = MOASHA(config_space, metrics=METRICS, mode=MODES, time_attr="epoch",
                       max_t=args.epochs, grace_period=1, reduction_factor=3,
                       random_seed=args.seed,
                       # the policy that picks each trial's profile prices it before any result
                       hardware=HardwarePolicy())
    tuner = Tuner(
        backend, scheduler,
        StoppingCriterion(max_wallclock_time=args.max_wallclock, max_cost=args.max_cost),
        n_workers=args.n_workers, sleep_time=0.5, print_update_interval=30,
        tuner_name="local-hardware-tuning",
        # the Pareto set (accuracy max, cost min, time min) is printed at the end of tuning;
        # syne_mohb.pareto_set(tuner) returns it as a DataFrame
        callbacks=[StoreResultsCallback(), ParetoSummary(max_rows=15)],
    )
    try:
        tuner.run()
    except KeyboardInterrupt:  # Ctrl-C: the results so far are saved; say where, no traceback
        print(f"interrupted: the results so far are in {tuner.tuner_path}", file=sys.stderr)
        sys.exit(130)

    results = load_experiment(tuner.name).results
    started = len(backend.trial_ids)
    if results is None or results.empty:
        print(f"\nno trial reported a result within --max_wallclock {args.max_wallclock:g} "
              f"seconds ({started} started); raise it")
        return
    last = results.sort_values("epoch").groupby("trial_id").tail(1).set_index("trial_id")
    print(f"\n{started} trials started, {len(last)} with results, "
          f"${results.groupby('trial_id')[ST_WORKER_COST].max().sum():.4f} "
          f"spent by them; prices: {prices}")
    for name in prices:
        sub = last[last[f"config_{INSTANCE_TYPE}"] == name]
        if len(sub):
            print(f"{name}: {len(sub)} trials, median $/s "
                  f"{np.median(sub[ST_WORKER_COST] / sub[ST_WORKER_TIME]):.2e}")


if __name__ == "__main__":
    main()
