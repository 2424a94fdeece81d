"""Driver of a durable local MO-ASHA run on a real training script, for the kill tests.

    python local_driver.py start RUN_ROOT NAME SEED MAX_TRIALS
    python local_driver.py resume RUN_DIR
    python local_driver.py plain RUN_ROOT NAME SEED MAX_TRIALS     (Syne Tune's Tuner)
    python local_driver.py plain-resume RUN_DIR                    (Tuner.load + run)
"""
import logging
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def start(root: str, name: str, seed: int, max_trials: int, workers: int = 2,
          plain: bool = False):
    import os

    os.environ["SYNETUNE_FOLDER"] = root
    from syne_tune import StoppingCriterion
    from syne_tune.backend import LocalBackend
    from syne_tune.config_space import choice, loguniform

    from syne_mohb import MOASHA
    from syne_mohb.durable import DurableTuner

    space = {"lr": loguniform(1e-3, 1e-1), "hidden": choice([8, 16, 32]), "epochs": 9,
             "epoch_sleep": 0.15}
    scheduler = MOASHA(space, metrics=["accuracy", "elapsed_time"], mode=["max", "min"],
                       time_attr="epoch", max_t=9, grace_period=1, reduction_factor=3,
                       random_seed=seed)
    if plain:  # Syne Tune's own Tuner, for the baseline measurement
        from syne_tune import Tuner

        tuner = Tuner(
            trial_backend=LocalBackend(entry_point=str(HERE / "train_digits_slow.py")),
            scheduler=scheduler,
            stop_criterion=StoppingCriterion(max_num_trials_started=max_trials),
            n_workers=workers, sleep_time=0.05, tuner_name=name, suffix_tuner_name=False,
            results_update_interval=1.0, print_update_interval=3600,
            wait_trial_completion_when_stopping=True,
        )
        tuner.run()
        return
    tuner = DurableTuner(
        trial_backend=LocalBackend(entry_point=str(HERE / "train_digits_slow.py")),
        scheduler=scheduler, stop_criterion=StoppingCriterion(max_num_trials_started=max_trials),
        n_workers=workers, sleep_time=0.05, tuner_name=name, suffix_tuner_name=False,
        results_update_interval=1.0, print_update_interval=3600,
        wait_trial_completion_when_stopping=True,
    )
    tuner.run()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    if sys.argv[1] in ("start", "plain"):
        start(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
              plain=sys.argv[1] == "plain")
    elif sys.argv[1] == "plain-resume":  # what Syne Tune offers: Tuner.load + run
        import os

        # Tuner.load puts the tuner under $SYNETUNE_FOLDER/<name>: the same folder
        os.environ["SYNETUNE_FOLDER"] = str(Path(sys.argv[2]).resolve().parent)
        from syne_tune import Tuner

        Tuner.load(sys.argv[2]).run()
    else:
        from syne_mohb.durable import resume

        resume(sys.argv[2])
