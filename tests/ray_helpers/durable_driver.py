"""Driver of the durable Ray test: a DurableTuner run of MO-ASHA on the cluster at argv[1],
results in argv[2]; the test kills it with SIGKILL and resumes the run in its own process."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from syne_tune import StoppingCriterion
from syne_tune.config_space import choice, loguniform

from syne_mohb import MOASHA
from syne_mohb.backends.ray import NodeType, RayBackend
from syne_mohb.durable import DurableTuner

SCRIPT = Path(__file__).resolve().parent / "train_ray.py"


def main() -> None:
    address, run_dir = sys.argv[1], Path(sys.argv[2])
    os.environ["SYNETUNE_FOLDER"] = str(run_dir.parent)
    # 0.6 s per epoch: the test kills this driver after two journaled results (the first epoch
    # of both trials); trial 1 must not reach the rung before that, where MO-ASHA may stop it
    # (it is dominated: same lr, dearer type) and so leave nothing to relaunch. With the rung
    # at epoch 2 that happened on a loaded machine (with 0.25 s, and once with 0.6 s while a
    # benchmark used both cores): the one rung is at epoch 4, 2.4 s of training
    space = {"lr": loguniform(1e-2, 1.0), "epochs": 6, "epoch_seconds": 0.6,
             "instance_type": choice(["small", "big"])}
    backend = RayBackend(str(SCRIPT), address=address, config_space=space, node_types={
        "small": NodeType(price_per_hour=0.36, num_cpus=1, resources={"small": 1}),
        "big": NodeType(price_per_hour=3.6, num_cpus=1, resources={"big": 1})})
    scheduler = MOASHA(space, metrics=["loss", "st_worker_cost"], mode="min", time_attr="epoch",
                       max_t=6, grace_period=4, reduction_factor=3, random_seed=0,
                       points_to_evaluate=[{"lr": 0.3, "instance_type": "small"},
                                           {"lr": 0.3, "instance_type": "big"}])
    tuner = DurableTuner(backend, scheduler, StoppingCriterion(max_num_trials_started=1),
                         n_workers=2, sleep_time=0.1, results_update_interval=1.0,
                         print_update_interval=1000, tuner_name=run_dir.name,
                         suffix_tuner_name=False, journal_fsync=False,
                         wait_trial_completion_when_stopping=True)
    tuner.run()


if __name__ == "__main__":
    main()
