"""Related tasks handed to MOASHA (``transfer_evaluations=``) and to the hardware policy
(``prior_evaluations=``): bad values are named before anything encodes them, with the parameter
the user gave, the task and the column; instance types the run does not offer are not silently
dropped."""
from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd
import pytest
from syne_tune.config_space import choice
from syne_tune.optimizer.schedulers.transfer_learning.transfer_learning_task_evaluation import (
    TransferLearningTaskEvaluations,
)

from syne_mohb.hardware.policy import HardwarePolicy
from syne_mohb.schedulers import MOASHA
from syne_mohb.searchers.model_based import ModelBasedSearcher
from syne_mohb.searchers.transfer import ParetoTransferSearcher

CPU, GPU, OTHER = "ml.m5.xlarge", "ml.g4dn.xlarge", "ml.p3.2xlarge"
WIDTHS, LRS = [16, 64, 256, 1024], [0.001, 0.01, 0.1]
SPACE = {"width": choice(WIDTHS), "lr": choice(LRS), "instance_type": choice([CPU, GPU])}
METRICS, MODES = ["accuracy", "runtime", "cost"], ["max", "min", "min"]


def related(types=(CPU, GPU), names=METRICS) -> TransferLearningTaskEvaluations:
    """A related task: every configuration on ``types``, one seed, three epochs."""
    rows = [{"width": w, "lr": lr, "instance_type": t} for w in WIDTHS for lr in LRS for t in types]
    per_epoch = np.array([r["width"] / 64 if r["instance_type"] == CPU else 1 + r["width"] / 2048
                          for r in rows])
    runtime = per_epoch[:, None] * np.arange(1, 4)
    accuracy = 0.5 + np.random.RandomState(0).uniform(0, 0.4, len(rows))[:, None] + 0.01 * runtime
    ev = np.stack([accuracy, runtime, runtime * 0.5 / 3600], axis=-1)[:, None]
    return TransferLearningTaskEvaluations(configuration_space=SPACE,
                                           hyperparameters=pd.DataFrame(rows),
                                           objectives_names=list(names), objectives_evaluations=ev)


def moasha(evaluations, **kw):
    return MOASHA(SPACE, METRICS, mode=MODES, time_attr="epoch", max_t=3, random_seed=0,
                  transfer_evaluations=evaluations, **kw)


def policy_prior(evaluations):
    """The prior rows (type, seconds per epoch) of a policy bound with ``evaluations``."""
    policy = HardwarePolicy(random_seed=0, prior_evaluations=evaluations)
    policy.bind(SPACE, METRICS)
    return policy, sorted((r[1], r[3]) for r in policy.model._rows.values() if r[4] == 1)


@pytest.mark.parametrize("value", [0.5, np.nan])
def test_an_off_grid_or_nan_value_is_named_before_it_is_encoded(value):
    """It was ``value 0.5 is not one of the categories [...]`` from the policy's encoding, naming
    no parameter, task or column (the policy binds before MOASHA's searcher checks)."""
    task = related()
    task.hyperparameters.loc[0, "lr"] = value
    shown = "nan" if np.isnan(value) else "0.5"
    for make, pname in ((lambda: moasha({"german": task}), "transfer_evaluations"),
                        (lambda: policy_prior({"german": task}), "prior_evaluations")):
        with pytest.raises(ValueError, match=rf"^{pname}\['german'\]: column 'lr' has values "
                                             rf"\[{shown}\] outside config_space\['lr'\]"):
            make()


def test_errors_name_the_parameter_the_user_gave():
    """MOASHA builds its policy from ``transfer_evaluations``: the policy's errors named
    ``prior_evaluations``, a parameter the user never passed."""
    no_type = related()
    no_type.hyperparameters = no_type.hyperparameters.drop(columns=["instance_type"])
    with pytest.raises(ValueError, match=r"^transfer_evaluations\['t'\] lacks the columns "
                                         r"\['instance_type'\]"):
        moasha({"t": no_type})
    no_runtime = related(names=["accuracy", "seconds", "cost"])
    with pytest.raises(ValueError, match=r"^transfer_evaluations\['t'\] lacks objectives "
                                         r"\['runtime'\].*HardwarePolicy\(prior_time_objective"):
        moasha({"t": no_runtime})
    with pytest.raises(ValueError, match=r"^prior_evaluations\['t'\] lacks the columns"):
        policy_prior({"t": no_type})


def test_instance_types_the_run_does_not_offer(caplog):
    """A related task none of whose types the space offers (renamed) gave the runtime model no
    prior row, silently; one with a type beyond the space's (a legitimately wider
    measurement) keeps its other rows, with a warning naming the type."""
    renamed = related()
    renamed.hyperparameters["instance_type"] = renamed.hyperparameters["instance_type"].map(
        lambda t: t.replace("ml.", "local-"))
    with pytest.raises(ValueError, match=r"^transfer_evaluations\['t'\]: none of its instance "
                                         r"types \['local-g4dn.xlarge', 'local-m5.xlarge'\] is "
                                         r"one of the run's types"):
        moasha({"t": renamed, "u": related()})
    with pytest.raises(ValueError, match=r"^prior_evaluations\['t'\]: none of its instance"):
        policy_prior({"t": renamed})

    _, expected = policy_prior({"t": related()})
    with caplog.at_level(logging.WARNING, logger="syne_mohb.hardware.model"):
        _, rows = policy_prior({"t": related(types=(CPU, GPU, OTHER))})
    assert rows == expected and len(expected) == 2 * len(WIDTHS) * len(LRS)
    assert [r.getMessage()[:78] for r in caplog.records] == [
        "prior_evaluations['t']: instance types ['ml.p3.2xlarge'] are not among the run"]


def test_one_name_per_objective():
    """Three names for two objectives in the array: a raw IndexError in the searchers."""
    task = related()
    task.objectives_evaluations = task.objectives_evaluations[..., :2]
    hyperparameters = {k: v for k, v in SPACE.items() if k != "instance_type"}
    makers = [
        ("transfer_evaluations['t']", moasha),
        ("prior_evaluations['t']", policy_prior),
        ("transfer_evaluations['t']", lambda e: ModelBasedSearcher(
            hyperparameters, METRICS, mode=MODES, max_resource=3, random_seed=0,
            transfer_evaluations=e)),
        ("related task 't'", lambda e: ParetoTransferSearcher(SPACE, e, METRICS, MODES,
                                                              random_seed=0)),
    ]
    for where, make in makers:
        with pytest.raises(ValueError, match=rf"^{re.escape(where)}: objectives_names has 3 "
                                             rf"names .* holds 2 objectives"):
            make({"t": task})
