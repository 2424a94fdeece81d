"""A Syne Tune 0.16 user swapping in ``syne_mohb.MOASHA``: Syne Tune's arguments are refused
with what to pass instead, Syne Tune's own searchers are not told metrics to maximise (they
minimise), a metric that Syne Tune's Tuner never shows a scheduler is named with what to use,
and ``ParetoSummary`` corrects Syne Tune's end-of-run "best" line where a list of modes makes
it report the worst value."""
from __future__ import annotations

import re

import pytest
from syne_tune import StoppingCriterion, Tuner
from syne_tune.backend.trial_status import Trial
from syne_tune.config_space import choice, uniform

from syne_mohb import MOASHA, ParetoSummary
from syne_mohb.backends.simulated import SimulatedClock
from syne_mohb.blackboxes import load, make_backend

SPACE = {"lr": uniform(0.01, 0.5), "hidden": choice([8, 16]), "epochs": 9}


@pytest.mark.parametrize("kwargs, match", [
    (dict(metrics=["loss", "time"], do_minimize=True),
     r"do_minimize=True is Syne Tune's: use mode='min' \(do_minimize=True\) or mode='max'"),
    (dict(metric="loss"), r"metric='loss' is Syne Tune's: use metrics=\['loss'\] and mode="),
    (dict(metrics=["a", "b"], multiobjective_priority=None),
     r"multiobjective_priority=None is Syne Tune's: use rung_sort='epsnet'"),
    (dict(metrics=["a"], max_resource_attr="epochs"),
     r"max_resource_attr='epochs' is Syne Tune's: use max_t="),
    (dict(metrics=["a"], grace=2), r"unknown argument 'grace' \(did you mean grace_period\?\)"),
])
def test_syne_tune_arguments_are_refused_with_what_to_use(kwargs, match):
    with pytest.raises(TypeError, match=f"^MOASHA: {match}"):
        MOASHA(SPACE, time_attr="epoch", max_t=9, **kwargs)


def test_syne_tune_positional_do_minimize_and_searcher_names_say_what_to_use():
    # Syne Tune's MOASHA(config_space, metrics, do_minimize, time_attr, ...)
    with pytest.raises(ValueError, match=r"mode=True is not a mode .* pass mode='min'"):
        MOASHA(SPACE, ["loss", "time"], True, "epoch")
    with pytest.raises(ValueError, match=r"mode=False is not a mode .* pass mode='max'"):
        MOASHA(SPACE, ["acc", "time"], False, "epoch")
    with pytest.raises(ValueError, match=r"'random_search' is searcher='random' here"):
        MOASHA(SPACE, ["loss"], searcher="random_search", time_attr="epoch", max_t=9)
    with pytest.raises(ValueError, match=r"got 'kde'; Syne Tune's searcher names are not built"):
        MOASHA(SPACE, ["loss"], searcher="kde", time_attr="epoch", max_t=9)
    # a space without an instance type: no hardware policy in the way
    assert MOASHA(SPACE, ["loss"], "min", time_attr="epoch", max_t=9).hardware is None


def test_a_syne_tune_searcher_is_not_told_a_metric_to_maximise():
    from syne_tune.optimizer.schedulers.multiobjective.multi_objective_regularized_evolution \
        import MultiObjectiveRegularizedEvolution
    from syne_tune.optimizer.schedulers.searchers.random_searcher import \
        MultiObjectiveRandomSearcher

    evolution = MultiObjectiveRegularizedEvolution(SPACE, random_seed=0)
    with pytest.raises(ValueError, match=r"searcher MultiObjectiveRegularizedEvolution is Syne "
                                         r"Tune's, which minimises every metric, but mode "
                                         r"maximises \['accuracy'\]"):
        MOASHA(SPACE, ["accuracy", "time"], ["max", "min"], searcher=evolution)
    # all minimised, or a searcher that does not read the metrics: accepted
    assert MOASHA(SPACE, ["error", "time"], "min", searcher=evolution).suggest().config
    random = MultiObjectiveRandomSearcher(SPACE, random_seed=0)
    assert MOASHA(SPACE, ["accuracy", "time"], ["max", "min"], searcher=random).suggest().config


def test_syne_tunes_quantile_searcher_reads_no_result_and_is_accepted_with_max():
    """``QuantileBasedSurrogateSearcher`` is fitted on related tasks' evaluations only (given
    minimised) and never reads the run's results, so a maximised metric cannot mislead it:
    ``bench_transfer.py``'s quantile baseline (accuracy, max) was refused."""
    import numpy as np
    import pandas as pd
    from syne_tune.optimizer.schedulers.transfer_learning \
        .transfer_learning_task_evaluation import TransferLearningTaskEvaluations
    from syne_tune.optimizer.schedulers.transfer_learning.quantile_based \
        .quantile_based_searcher import QuantileBasedSurrogateSearcher

    rng = np.random.default_rng(0)
    lrs = rng.uniform(0.01, 0.5, 30)
    evals = {"other": TransferLearningTaskEvaluations(
        configuration_space=SPACE,
        hyperparameters=pd.DataFrame({"lr": lrs, "hidden": rng.choice([8, 16], 30),
                                      "epochs": 9}),
        objectives_names=["error"],
        objectives_evaluations=np.abs(np.log(lrs) + 3.0).reshape(30, 1, 1, 1))}
    quantile = QuantileBasedSurrogateSearcher(SPACE, evals, random_seed=0)
    scheduler = MOASHA(SPACE, ["accuracy", "time"], ["max", "min"], searcher=quantile,
                       time_attr="epoch", max_t=9, random_seed=0)
    config = scheduler.suggest().config
    assert 0.01 <= config["lr"] <= 0.5 and config["hidden"] in (8, 16)


def test_a_metric_syne_tunes_tuner_never_passes_is_named_with_what_to_use():
    scheduler = MOASHA(SPACE, ["loss", "st_tuner_time"], "min", time_attr="epoch", max_t=9,
                       random_seed=0, searcher="random")
    trial = Trial(trial_id=0, config=scheduler.suggest().config, creation_time=None)
    scheduler.on_trial_add(trial)
    with pytest.raises(ValueError, match=r"without \['st_tuner_time'\].*use st_worker_time"):
        scheduler.on_trial_result(trial, {"epoch": 1, "loss": 0.5, "st_worker_time": 0.1})
    scheduler = MOASHA(SPACE, ["loss", "elapsed_time"], "min", time_attr="epoch", max_t=9,
                       random_seed=0, searcher="random")
    scheduler.on_trial_add(trial)
    with pytest.raises(ValueError, match=r"without \['elapsed_time'\].*as st_worker_time"):
        scheduler.on_trial_result(trial, {"epoch": 1, "loss": 0.5, "st_worker_time": 0.1})


def _simulated_run(metrics, mode, name):
    space = dict(load("linear")["digits"].configuration_space)
    space["epoch"] = 10
    scheduler = MOASHA(space, metrics=metrics, mode=mode, time_attr="epoch", max_t=10,
                       random_seed=1, searcher="random")
    return Tuner(make_backend("linear", "digits", max_resource_attr="epoch", random_seed=1),
                 scheduler, StoppingCriterion(max_num_trials_started=6), n_workers=2,
                 sleep_time=0, callbacks=[SimulatedClock(), ParetoSummary(max_rows=2)],
                 tuner_name=name, print_update_interval=1e9, results_update_interval=1e9)


def test_syne_tunes_best_line_is_right_for_a_metric_to_minimise(tmp_path, monkeypatch, capsys):
    """Given mode=['min', 'max'], Syne Tune 0.16's end-of-run line printed the *largest* cost
    as the best one (it tests ``mode == "min"``, False for a list); MO-ASHA's ``metric_mode()``
    (a ``ModeList``) now reads as its first mode there. With the first metric maximised, the
    largest value."""
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    for metrics, modes, pick in ((["cost", "accuracy"], ["min", "max"], "min"),
                                 (["accuracy", "cost"], ["max", "min"], "max")):
        tuner = _simulated_run(metrics, modes, f"{pick}-first")
        tuner.run()
        out = capsys.readouterr().out
        best = float(re.search(rf"{metrics[0]}: best (\S+) for trial-id", out).group(1))
        values = tuner.callbacks[0].dataframe()[metrics[0]]
        assert best == pytest.approx(getattr(values, pick)(), rel=1e-5)
        assert tuner.scheduler.metric_mode() == modes  # still the list, for every other reader
