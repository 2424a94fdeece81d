"""The experiment converter on a real small local Syne Tune run (LocalBackend, real training)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from syne_mohb.blackboxes import from_experiments, load, make_backend
from syne_mohb.hardware import load_catalog

SCRIPT = Path(__file__).with_name("blackboxes_train_sgd.py")
INSTANCES = ["ml.m5.xlarge", "ml.g4dn.xlarge"]


@pytest.mark.slow
def test_from_experiments_on_a_real_local_run(tmp_path, monkeypatch):
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.backend import LocalBackend
    from syne_tune.config_space import choice
    from syne_tune.optimizer.baselines import RandomSearch

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path / "runs"))
    config_space = {"alpha": choice([1e-4, 1e-2]), "instance_type": choice(INSTANCES), "epochs": 4}
    tuner = Tuner(
        trial_backend=LocalBackend(entry_point=str(SCRIPT)),
        scheduler=RandomSearch(config_space, metrics=["accuracy"], do_minimize=False, random_seed=1),
        stop_criterion=StoppingCriterion(max_num_trials_completed=4),
        n_workers=2, sleep_time=0.2, results_update_interval=1e9, print_update_interval=1e9,
        tuner_name="bb-convert",
    )
    tuner.run()
    exp_dir = Path(tuner.tuner_path)
    assert (exp_dir / "results.csv.zip").exists() and (exp_dir / "metadata.json").exists()

    out = tmp_path / "converted"
    bbs = from_experiments([exp_dir], objectives=["accuracy"], metric_mode=["max"],
                           task_names=["breast_cancer"], out_dir=out)
    bb = bbs["breast_cancer"]
    assert bb.objectives_names == ["accuracy", "runtime", "cost"]
    assert "instance_type" in bb.hyperparameters.columns
    assert list(bb.fidelity_values) == [1, 2, 3, 4]
    ev = np.asarray(bb.objectives_evaluations)
    ran = ~np.isnan(ev[:, :, -1, 0])  # (config, seed) pairs that reached the last epoch
    assert ran.sum() >= 4 - 1  # 4 completed trials, configs may repeat (then they are seeds)
    catalog = load_catalog()
    for c, s in zip(*np.nonzero(ran)):
        acc, rt, cost = ev[c, s, :, 0], ev[c, s, :, 1], ev[c, s, :, 2]
        assert ((acc >= 0) & (acc <= 1)).all() and (np.diff(rt) > 0).all()
        price = catalog.price_per_hour(bb.hyperparameters.iloc[c]["instance_type"])
        np.testing.assert_allclose(cost, rt * price / 3600, rtol=1e-5)

    # the folder loads like a shipped benchmark and replays in the simulator backend
    loaded = load(str(out))
    np.testing.assert_array_equal(np.asarray(loaded["breast_cancer"].objectives_evaluations),
                                  ev.astype(np.float32))
    assert make_backend(str(out), "breast_cancer").blackbox is not None


def test_from_experiments_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="experiments"):
        from_experiments([], objectives=["accuracy"])
    (tmp_path / "exp").mkdir()
    with pytest.raises(FileNotFoundError, match="metadata.json"):
        from_experiments([tmp_path / "exp"], objectives=["accuracy"])
    (tmp_path / "exp" / "metadata.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="results.csv.zip"):
        from_experiments([tmp_path / "exp"], objectives=["accuracy"])
    import pandas as pd

    pd.DataFrame({"trial_id": [0], "epoch": [1], "st_worker_time": [1.0], "accuracy": [0.5],
                  "config_alpha": [0.1]}).to_csv(tmp_path / "exp" / "results.csv.zip", index=False)
    with pytest.raises(ValueError, match="config_instance_type"):
        from_experiments([tmp_path / "exp"], objectives=["accuracy"])
