"""User story: tune an MLP on digits for accuracy AND training time with MO-ASHA, locally.

Every trial is a real training process (``examples/train_digits.py``) started by Syne Tune's
``LocalBackend``; MO-ASHA stops trials whose (accuracy, time) is not in the best third of their
rung by non-dominated sorting. At the end of tuning ``ParetoSummary`` prints the Pareto set of
the models trained (``syne_mohb.pareto_set(tuner)`` returns it as a DataFrame).

    python examples/moasha_local_digits.py --max-wallclock 60 --workers 2
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from syne_tune import StoppingCriterion, Tuner
from syne_tune.backend import LocalBackend
from syne_tune.config_space import choice, loguniform
from syne_tune.results_callback import StoreResultsCallback

from syne_mohb import MOASHA, ParetoSummary, pareto_set

HERE = Path(__file__).parent
METRICS, MODES = ["accuracy", "elapsed_time"], ["max", "min"]


def config_space(max_epochs: int = 27) -> dict:
    return {
        "lr": loguniform(1e-4, 1e-1),
        "hidden": choice([8, 16, 32, 64, 128, 256]),
        "alpha": loguniform(1e-6, 1e-1),
        "batch_size": choice([16, 32, 64, 128]),
        "epochs": max_epochs,
    }


def run(max_wallclock: float = 60.0, workers: int = 2, max_epochs: int = 27, seed: int = 0,
        max_trials: int | None = None, sleep_time: float = 0.5, type: str = "stopping",
        max_finished: int | None = None) -> Tuner:
    scheduler = MOASHA(
        config_space(max_epochs), metrics=METRICS, mode=MODES, time_attr="epoch",
        max_t=max_epochs, grace_period=1, reduction_factor=3, type=type, random_seed=seed,
    )
    tuner = Tuner(
        # the script trains on the CPU: no GPU to hand out to trials (nor a warning about it)
        trial_backend=LocalBackend(entry_point=str(HERE / "train_digits.py"), rotate_gpus=False),
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_wallclock_time=max_wallclock,
                                         max_num_trials_started=max_trials,
                                         max_num_trials_finished=max_finished),
        n_workers=workers,
        sleep_time=sleep_time,
        results_update_interval=5,
        # the results file, and the Pareto set printed at the end (after Syne Tune's line
        # about the first metric only)
        callbacks=[StoreResultsCallback(), ParetoSummary()],
    )
    try:
        tuner.run()
    except KeyboardInterrupt:  # Ctrl-C: the results so far are saved; say where
        raise KeyboardInterrupt(f"interrupted: the results so far are in "
                                f"{tuner.tuner_path}") from None
    return tuner


def pareto_table(results: pd.DataFrame) -> pd.DataFrame:
    """The non-dominated models (trial at an epoch) of a results table."""
    return pareto_set(results, metrics=METRICS, mode=MODES)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-wallclock", "--max_wallclock", type=float, default=60.0,
                        help="seconds of tuning")
    parser.add_argument("--workers", type=int, default=2, help="trials at the same time")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.max_wallclock > 0:
        parser.error(f"--max-wallclock must be > 0 seconds, got {args.max_wallclock:g}")
    if args.workers < 1:
        parser.error(f"--workers must be >= 1, got {args.workers}")
    try:
        tuner = run(args.max_wallclock, args.workers, seed=args.seed)
    except KeyboardInterrupt as e:
        print(e, file=sys.stderr)
        sys.exit(130)
    if not tuner.tuning_status.overall_metric_statistics.count:
        print(f"\nno trial reported a result within --max-wallclock {args.max_wallclock:g} "
              f"seconds; raise it. Run folder: {tuner.tuner_path}")
        return
    front = pareto_set(tuner)  # the printed set, as a DataFrame
    print(f"\n{len(front)} models on the Pareto set; results in {tuner.tuner_path}")


if __name__ == "__main__":
    main()
