"""Driver of a small durable local MO-ASHA run on train_quick.py (2 trials, one worker, 9 epochs
each; trial 0 good, trial 1 bad, so that MO-ASHA stops trial 1 at a rung), for the tests of
tests/test_durable_everyday.py.

    python quick_driver.py start RUN_ROOT NAME EPOCH_SLEEP [KILL_AFTER_LAUNCH_OF_TRIAL]
    python quick_driver.py resume RUN_DIR

``KILL_AFTER_LAUNCH_OF_TRIAL``: the driver SIGKILLs itself right after the journal entry of that
trial's launch (its training process goes on as an orphan). ``QUICK_DRIVER_TYPE=promotion`` in
the environment: MO-ASHA pauses and promotes instead of stopping.
"""
import os
import signal
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def make_tuner(root: str, name: str, epoch_sleep: float):
    os.environ["SYNETUNE_FOLDER"] = root
    from syne_tune import StoppingCriterion
    from syne_tune.backend import LocalBackend
    from syne_tune.config_space import uniform

    from syne_mohb import MOASHA
    from syne_mohb.durable import DurableTuner

    space = {"x": uniform(0, 1), "fail": 0, "epochs": 9, "epoch_sleep": epoch_sleep}
    scheduler = MOASHA(space, metrics=["loss"], mode="min", time_attr="epoch", max_t=9,
                       grace_period=1, reduction_factor=3, random_seed=0,
                       type=os.environ.get("QUICK_DRIVER_TYPE", "stopping"),
                       points_to_evaluate=[{"x": 0.3}, {"x": 0.9}])
    return DurableTuner(
        trial_backend=LocalBackend(entry_point=str(HERE / "train_quick.py")),
        scheduler=scheduler, stop_criterion=StoppingCriterion(max_num_trials_started=1),
        n_workers=1, sleep_time=0.05, tuner_name=name, suffix_tuner_name=False,
        print_update_interval=3600, wait_trial_completion_when_stopping=True,
    )


def kill_after_launch_of(trial_id: int) -> None:
    from syne_mohb.durable import journal as journal_module

    original = journal_module.Journal.append

    def append(self, event, **payload):
        entry = original(self, event, **payload)
        if event == "launched" and payload.get("trial_id") == trial_id:
            os.kill(os.getpid(), signal.SIGKILL)
        return entry

    journal_module.Journal.append = append


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING)
    if sys.argv[1] == "start":
        tuner = make_tuner(sys.argv[2], sys.argv[3], float(sys.argv[4]))
        if len(sys.argv) > 5:
            kill_after_launch_of(int(sys.argv[5]))
        tuner.run()
    else:
        from syne_mohb.durable import resume

        resume(sys.argv[2])
