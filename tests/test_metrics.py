"""The evaluation core (syne_mohb.experiments.metrics): normalisation with explicit log flags,
outcome measures and paired bootstrap intervals."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from syne_mohb.experiments.analysis import Run
from syne_mohb.experiments.metrics import (
    Normalizer,
    best_possible,
    dollars_spent,
    exhaustive_once,
    found_model,
    normalizer_for,
    normalizer_from_blackbox,
    paired_ratio,
    recorded_log_flags,
    run_log_flags,
    run_measures,
    seed_draws,
    table_hypervolume,
)


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


def test_exhaustive_once_trains_every_row_once_at_a_random_seed():
    class BB:
        objectives_names = ["accuracy", "runtime", "cost"]
        # two rows, two seeds, one epoch: row 0 reaches 0.9 only with seed 0 ($0.1), row 1
        # with both seeds ($0.5, $0.3)
        objectives_evaluations = np.array([
            [[[0.95, 1.0, 0.1]], [[0.70, 1.0, 0.1]]],
            [[[0.92, 5.0, 0.5]], [[0.93, 5.0, 0.3]]],
        ])
    # half the draws train row 0 with seed 0 ($0.1); the others find row 1's $0.5 or $0.3
    expected = 0.5 * 0.1 + 0.25 * 0.5 + 0.25 * 0.3
    assert exhaustive_once(BB, 0.9, num_draws=20000) == pytest.approx(expected, rel=0.02)
    assert best_possible(BB, 0.9)[0] == 0.1 < exhaustive_once(BB, 0.9)
    assert np.isnan(exhaustive_once(BB, 0.99))


# ---------------------------------------------------------------- log flags
# three models: (accuracy, runtime); runtime spans two decades
Y_HAND = np.array([[0.5, 1.0], [0.9, 100.0], [0.7, 10.0]])


@pytest.mark.parametrize("log, runtime_z, hv", [
    # log10: runtime 1, 10, 100 -> 0, 1, 2 -> z 0, 0.5, 1. Points z = (1, 0), (0, 1), (0.5, 0.5);
    # boxes up to 1.1: x in [0, .5] height .1, [.5, 1] height .6, [1, 1.1] height 1.1
    (True, [0.0, 1.0, 0.5], 0.5 * 0.1 + 0.5 * 0.6 + 0.1 * 1.1),
    # linear: runtime 10 -> (10 - 1) / 99 = 1/11; the middle box is 1.1 - 1/11 high
    (False, [0.0, 1.0, 1 / 11], 0.5 * 0.1 + 0.5 * (1.1 - 1 / 11) + 0.1 * 1.1),
])
def test_runtime_normalised_on_log_or_linear_scale(log, runtime_z, hv):
    norm = Normalizer.from_values(["accuracy", "runtime"], ["max", "min"], Y_HAND,
                                  log={"runtime": log})
    assert norm.log.tolist() == [False, log]  # accuracy: no flag given -> linear
    Z = norm.transform(Y_HAND)
    # accuracy is negated (max) and mapped [-0.9, -0.5] -> [0, 1]
    np.testing.assert_allclose(Z[:, 0], [1.0, 0.0, 0.5])
    np.testing.assert_allclose(Z[:, 1], runtime_z)
    assert norm.hypervolume(Y_HAND) == pytest.approx(hv / 1.1**2)


def test_log_flag_on_a_maximised_objective_and_bad_values():
    # log10 first, then negated: accuracy 0.01, 0.1, 1 -> -2, -1, 0 -> minimised 2, 1, 0
    norm = Normalizer.from_values(["acc"], "max", [[0.01], [0.1], [1.0]], log=[True])
    np.testing.assert_allclose(norm.transform([[0.01], [0.1], [1.0]]).ravel(), [1.0, 0.5, 0.0])
    with pytest.raises(ValueError, match=r"\['runtime'\] are log-scaled .* values <= 0"):
        Normalizer.from_values(["accuracy", "runtime"], ["max", "min"], [[0.5, 0.0]],
                               log=[False, True])
    with pytest.raises(ValueError, match="one flag per objective"):
        Normalizer.from_values(["accuracy", "runtime"], ["max", "min"], Y_HAND, log=[True])
    # a missing value is the worst one, as before
    assert np.isinf(norm.transform([[np.nan]])).all()


def test_reference_points_normalise_best_to_0_and_worst_to_1():
    norm = Normalizer.from_reference_points(["accuracy", "runtime"], ["max", "min"],
                                            best=[0.9, 1.0], worst=[0.5, 100.0],
                                            log=[False, True])
    np.testing.assert_allclose(norm.transform([[0.9, 1.0], [0.5, 100.0], [0.7, 10.0]]),
                               [[0.0, 0.0], [1.0, 1.0], [0.5, 0.5]])
    # the same as bounds from values whose best and worst are those points
    same = Normalizer.from_values(["accuracy", "runtime"], ["max", "min"], Y_HAND, [False, True])
    np.testing.assert_allclose([norm.lower, norm.upper], [same.lower, same.upper])
    with pytest.raises(ValueError, match=r"best is worse than worst in objectives \['accuracy'\]"):
        Normalizer.from_reference_points(["accuracy"], "max", best=[0.5], worst=[0.9], log=None)


def test_shipped_benchmarks_record_their_log_flags():
    from syne_mohb import blackboxes
    from syne_mohb.blackboxes.repository import metric_log

    for name in blackboxes.names():
        assert metric_log(name) == {"accuracy": False, "error": False, "runtime": True,
                                    "cost": True, "measured_epoch_time": True}
    norm = normalizer_from_blackbox("cnn", "mnist", ["accuracy", "runtime", "cost"])
    assert norm.modes == ["max", "min", "min"] and norm.log.tolist() == [False, True, True]
    ev = np.asarray(blackboxes.load("cnn")["mnist"].objectives_evaluations, dtype=float)
    rt = ev[..., 2]
    np.testing.assert_allclose([norm.lower[1], norm.upper[1]], np.log10([rt.min(), rt.max()]))
    np.testing.assert_allclose([norm.lower[0], norm.upper[0]],
                               [-ev[..., 0].max(), -ev[..., 0].min()])
    # the whole table's front relative to itself: 1; a part of it: less
    assert table_hypervolume("cnn", "mnist", norm) == pytest.approx(
        norm.hypervolume(ev[..., [0, 2, 3]].reshape(-1, 3)))
    assert norm.hypervolume(ev[:5, ..., [0, 2, 3]].reshape(-1, 3)) < table_hypervolume(
        "cnn", "mnist", norm)


def _converted_blackbox(tmp_path, cost_per_hour=None):
    """A user blackbox written by from_experiments from a hand-made experiment folder."""
    from syne_mohb.blackboxes import from_experiments

    rows = [{"trial_id": t, "epoch": e, "accuracy": 0.5 + 0.1 * t + 0.01 * e,
             "st_worker_time": 2.0 * e * (t + 1), "config_alpha": float(t),
             "config_instance_type": "ml.m5.xlarge"} for t in range(3) for e in (1, 2)]
    if cost_per_hour is not None:
        for r in rows:
            r["st_worker_cost"] = r["st_worker_time"] * cost_per_hour / 3600
    exp = tmp_path / "exp"
    exp.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(exp / "results.csv.zip", index=False)
    (exp / "metadata.json").write_text(json.dumps({"metric_names": ["accuracy"],
                                                   "metric_mode": "max"}))
    out = tmp_path / "bb"
    bbs = from_experiments([exp], objectives=["accuracy"], metric_mode=["max"],
                           task_names=["t"], out_dir=out)
    return out, bbs["t"]


def test_converter_records_log_flags_and_prices_with_dollar_cost(tmp_path):
    from syne_mohb.blackboxes.repository import metric_log
    from syne_mohb.hardware import dollar_cost, load_catalog

    out, bb = _converted_blackbox(tmp_path)
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["metric_log"] == {"accuracy": False, "runtime": True, "cost": True}
    ev = np.asarray(bb.objectives_evaluations, dtype=float)
    price = load_catalog().price_per_hour("ml.m5.xlarge")
    ran = np.isfinite(ev[..., 1])
    expected = np.array([dollar_cost(t, price) for t in ev[..., 1][ran]])
    np.testing.assert_allclose(ev[..., 2][ran], expected, rtol=1e-6)
    # zero cost (a free local profile): cost stays linear, it cannot be log-scaled
    free, _ = _converted_blackbox(tmp_path / "free", cost_per_hour=0.0)
    assert metric_log(str(free)) == {"accuracy": False, "runtime": True, "cost": False}


def test_runs_take_the_flags_of_the_benchmark_they_simulated(tmp_path):
    """A user blackbox without metric_log is compared on a linear scale; a run records its
    benchmark, analysis reads the flags from there."""
    from syne_mohb.blackboxes.repository import metric_log, recorded_metric_log

    out, bb = _converted_blackbox(tmp_path)
    ev = np.asarray(bb.objectives_evaluations, dtype=float).reshape(-1, 3)
    ev = ev[np.all(np.isfinite(ev), axis=1)]
    df = pd.DataFrame({"trial_id": range(len(ev)), "st_tuner_time": np.arange(len(ev)) + 1.0,
                       "accuracy": ev[:, 0], "runtime": ev[:, 1], "cost": ev[:, 2]})
    info = {"benchmark": str(out), "task": "t", "simulated": True}
    run = Run(path=tmp_path, results=df, metadata={}, objectives=["accuracy", "runtime", "cost"],
              modes=["max", "min", "min"], info=info)
    assert run_log_flags([run]) == [False, True, True]
    assert normalizer_for([run]).log.tolist() == [False, True, True]
    # a run's own record wins over its benchmark's
    own = Run(path=tmp_path, results=df, metadata={}, objectives=run.objectives, modes=run.modes,
              info={**info, "metric_log": {"runtime": False}})
    assert recorded_log_flags([own]) == [None, False, None]
    assert run_log_flags([own]) == [False, False, False]
    with pytest.raises(ValueError, match="record different log flags"):
        run_log_flags([run, own])
    # the same folder without metric_log (as Syne Tune's serialize alone writes it): linear
    meta = json.loads((out / "metadata.json").read_text())
    del meta["metric_log"]
    (out / "metadata.json").write_text(json.dumps(meta))
    assert recorded_metric_log(str(out)) == {}
    assert metric_log(str(out)) == {"accuracy": False, "runtime": False, "cost": False}
    assert run_log_flags([run]) == [False, False, False]
    norm = normalizer_for([run])
    np.testing.assert_allclose([norm.lower[1], norm.upper[1]], [ev[:, 1].min(), ev[:, 1].max()])
    # a run of no benchmark: nothing recorded, linear
    plain = Run(path=tmp_path, results=df, metadata={}, objectives=run.objectives, modes=run.modes)
    assert recorded_log_flags([plain]) == [None, None, None]


def test_a_broken_metric_log_is_reported_by_name(tmp_path):
    from syne_mohb.blackboxes.repository import BlackboxFolderError, validate_folder

    out, _ = _converted_blackbox(tmp_path)
    meta = json.loads((out / "metadata.json").read_text())
    meta["metric_log"] = {"runtime": "yes"}
    (out / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(BlackboxFolderError,
                       match="metric_log must map objective names to true/false"):
        validate_folder(out)
    meta["metric_log"] = {"latency": True}
    (out / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(BlackboxFolderError, match=r"metric_log names \['latency'\]"):
        validate_folder(out)


def test_found_model_and_dollars_spent():
    run = _run([
        (0, 1.0, 0.50, 1.0, 0.10),
        (1, 2.0, 0.80, 2.0, 0.40),
        (0, 3.0, 0.90, 3.0, 0.30),
    ])
    np.testing.assert_allclose(dollars_spent(run.results), [0.10, 0.50, 0.70])
    assert found_model(run, 0.85) == (0.30, 3.0)
    assert found_model(run, 0.80) == (0.30, 2.0)  # cheapest and fastest may be two models
    assert all(np.isnan(found_model(run, 0.95)))
