"""Durable MO-ASHA run on the SageMaker backend against a moto server (for the kill test).

    python sagemaker_driver.py RUN_ROOT NAME ENDPOINT_URL
"""
import logging
import os
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))


def main(root: str, name: str, url: str):
    os.environ["SYNETUNE_FOLDER"] = root
    from moto_cluster import make_clients
    from syne_tune import StoppingCriterion
    from syne_tune.config_space import choice, loguniform

    from syne_mohb import MOASHA
    from syne_mohb.backends.sagemaker.retry import RetryPolicy
    from syne_mohb.backends.sagemaker import SageMakerBackend
    from syne_mohb.durable import DurableTuner

    clients = make_clients(url)
    backend = SageMakerBackend(
        entry_point=str(TESTS / "sagemaker_code" / "sim_train.py"),
        image_uri="763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-cpu-py311",
        role_arn="arn:aws:iam::123456789012:role/SageMakerTuning",
        s3_root="s3://syne-mohb-test/durable", sagemaker_client=clients["sagemaker"],
        logs_client=clients["logs"], s3_client=clients["s3"],
        retry_policy=RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=0.1),
        random_seed=0, max_poll_threads=2, run_id=name.replace("-", "")[:20],
    )
    space = {"learning_rate": loguniform(1e-3, 0.3), "epochs": 8,
             "instance_type": choice(["ml.m5.large", "ml.c5.xlarge"])}
    scheduler = MOASHA(space, metrics=["accuracy", "st_worker_cost"], mode=["max", "min"],
                       time_attr="epoch", max_t=8, grace_period=2, reduction_factor=2,
                       random_seed=1)
    tuner = DurableTuner(
        trial_backend=backend, scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_num_trials_started=5), n_workers=2,
        sleep_time=0.1, tuner_name=name, suffix_tuner_name=False, print_update_interval=3600,
        wait_trial_completion_when_stopping=True,
    )
    tuner.run()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    main(*sys.argv[1:4])
