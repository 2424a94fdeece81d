"""Durable simulated run (blackbox 'linear', task 'digits') with MO-ASHA; with a kill point.

    python sim_driver.py start RUN_ROOT NAME SEED KILL_AFTER   (KILL_AFTER: journal entries
        after which the process SIGKILLs itself; -1: never)
    python sim_driver.py resume RUN_DIR KILL_AFTER
"""
import os
import signal
import sys

from syne_mohb.durable import journal as journal_module


def arm_kill(after: int):
    if after < 0:
        return
    original = journal_module.Journal.append
    count = {"n": 0}

    def append(self, event, **payload):
        entry = original(self, event, **payload)
        count["n"] += 1
        if count["n"] >= after:
            os.kill(os.getpid(), signal.SIGKILL)
        return entry

    journal_module.Journal.append = append


def make_tuner(root: str, name: str, seed: int, max_trials: int = 15, type: str = "promotion"):
    os.environ["SYNETUNE_FOLDER"] = root
    import numpy as np

    np.random.seed(seed)  # the run spec stores the global random state (resume restores it)
    from syne_tune import StoppingCriterion
    from syne_mohb.backends.simulated import SimulatedClock

    from syne_mohb import MOASHA
    from syne_mohb.blackboxes import load, make_backend
    from syne_mohb.durable import DurableTuner

    if type == "promotion":
        space = dict(load("linear")["digits"].configuration_space)
        space["epoch"] = 20
        backend = make_backend("linear", "digits", max_resource_attr="epoch", random_seed=seed)
        scheduler = MOASHA(space, metrics=["accuracy", "cost"], mode=["max", "min"],
                           time_attr="epoch", max_t=20, grace_period=1, reduction_factor=3,
                           type=type, random_seed=seed)
    else:  # stopping on cnn: survivors are restarted on another type (hardware policy);
        # "late": and trials whose first unit is late are stopped and trained elsewhere
        from syne_mohb.hardware import HardwarePolicy

        space = dict(load("cnn")["mnist"].configuration_space)
        backend = make_backend("cnn", "mnist", random_seed=seed)
        hardware = HardwarePolicy(late_factor=3.0) if type == "late" else "auto"
        scheduler = MOASHA(space, metrics=["accuracy", "runtime", "cost"],
                           mode=["max", "min", "min"], time_attr="epoch", max_t=10,
                           type="stopping", random_seed=seed, hardware=hardware)
    return DurableTuner(
        trial_backend=backend, scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_num_trials_started=max_trials), n_workers=3,
        sleep_time=0, callbacks=[SimulatedClock()], tuner_name=name,
        suffix_tuner_name=False, journal_fsync=False, print_update_interval=3600,
    )


if __name__ == "__main__":
    import logging

    logging.disable(logging.WARNING)
    if sys.argv[1] == "start":
        tuner = make_tuner(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                           **({"max_trials": int(sys.argv[6]), "type": sys.argv[7]}
                              if len(sys.argv) > 6 else {}))
        arm_kill(int(sys.argv[5]))
        tuner.run()
    else:
        from syne_mohb.durable import resume

        arm_kill(int(sys.argv[3]))
        resume(sys.argv[2])
