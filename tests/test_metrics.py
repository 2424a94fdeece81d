"""Outcome measures and paired bootstrap intervals (syne_mohb.experiments.metrics)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from syne_mohb.experiments.analysis import Run
from syne_mohb.experiments.metrics import best_possible, paired_ratio, run_measures, seed_draws


def _run(rows):
    df = pd.DataFrame(rows, columns=["trial_id", "st_tuner_time", "accuracy", "runtime", "cost"])
    return Run(path=Path("."), results=df, metadata={}, objectives=["accuracy", "runtime", "cost"],
               modes=["max", "min", "min"])


def test_run_measures_time_dollars_and_found_model():
    run = _run([
        (0, 1.0, 0.50, 1.0, 0.10),
        (1, 2.0, 0.80, 2.0, 0.40),   # first at the target 0.8: after 2 s, $0.50 spent
        (0, 3.0, 0.90, 3.0, 0.30),   # trial 0 spent 0.20 more
        (2, 4.0, 0.85, 0.5, 0.05),   # cheapest and fastest model at the target
    ])
    m = run_measures(run, target=0.8, budget=10.0)
    assert m["reached"] == 1.0
    assert m["tune_time"] == 2.0 and m["tune_dollars"] == pytest.approx(0.50)
    assert m["model_dollars"] == 0.05 and m["model_time"] == 0.5
    missed = run_measures(run, target=0.95, budget=10.0)
    assert missed["reached"] == 0.0 and missed["tune_time"] == 10.0
    assert missed["tune_dollars"] == pytest.approx(0.10 + 0.40 + 0.20 + 0.05)
    assert np.isnan(missed["model_dollars"])


def test_paired_ratio_point_and_interval():
    base = np.array([2.0, 4.0, 6.0])
    other = np.array([1.0, 2.0, 3.0])
    draws = seed_draws(3, 200)
    point, lo, hi = paired_ratio([(base, other)], draws)
    assert point == 2.0 and lo == 2.0 and hi == 2.0  # the same ratio on every seed
    noisy = np.array([1.0, 4.0, 2.0])
    point, lo, hi = paired_ratio([(base, noisy), (base, other)], draws)
    assert point == pytest.approx(np.median([12 / 7, 2.0]))
    assert lo <= point <= hi and lo < hi
    # paired: the same resample for both, so identical methods give exactly 1 everywhere
    assert paired_ratio([(noisy, noisy)], draws) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="num_seeds"):
        seed_draws(0)


def test_best_possible_scans_every_config_epoch_and_seed():
    class BB:
        objectives_names = ["accuracy", "runtime", "cost"]
        objectives_evaluations = np.array([
            [[[0.7, 1.0, 0.1], [0.9, 2.0, 0.2]]],   # config 0, seed 0, two epochs
            [[[0.95, 5.0, 0.5], [0.96, 9.0, 0.9]]],
        ])
    assert best_possible(BB, 0.9) == (0.2, 2.0)
    assert all(np.isnan(best_possible(BB, 0.99)))
