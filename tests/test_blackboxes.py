"""Tests of syne_mohb.blackboxes: runtime model, shipped data, generation round trip, corrupt
folders."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from syne_mohb import blackboxes
from syne_mohb.blackboxes import BlackboxFolderError, load, make_backend, metadata, names
from syne_mohb.blackboxes import generation as gen
from syne_mohb.blackboxes.families import FAMILIES
from syne_mohb.blackboxes.runtime_model import (
    GPU_RELATIVE_SPEED,
    LOCAL_2CORE,
    V100_TRAIN_FLOPS,
    InstanceSpec,
    RuntimeModel,
    fit_parallel_fraction,
    instance_specs,
)

SHIPPED = ["hgb", "linear", "mlp"]


# ---------------------------------------------------------------- runtime model
def test_runtime_model_documented_constants():
    assert V100_TRAIN_FLOPS == pytest.approx(367 * 3 * 2 * 3.8e9)
    assert GPU_RELATIVE_SPEED["T4"] == 0.34
    assert GPU_RELATIVE_SPEED["A10G"] == pytest.approx(3935 / 5438)
    assert GPU_RELATIVE_SPEED["A100"] == pytest.approx(938 / 367)
    m = RuntimeModel()
    assert (m.gpu_step_overhead_s, m.gpu_epoch_overhead_s) == (3e-4, 0.02)


def test_runtime_model_formula_and_tiny_models_do_not_speed_up_on_gpu():
    cpu4 = InstanceSpec("cpu4", vcpus=4)
    gpu = InstanceSpec("gpu", vcpus=8, gpus=1, gpu_model="V100")
    m = RuntimeModel(parallel_fraction=0.5, uses_gpu=True, local_core_flops=1e10)
    # Amdahl on CPU: T1 ((1 - p) + p / v)
    assert m.epoch_time(cpu4, 2.0) == pytest.approx(2.0 * (0.5 + 0.5 / 4))
    # a tiny epoch (little math, many steps) is slower on the GPU than on one local core
    assert m.epoch_time(gpu, 0.01, flops=1e6, steps=60) > 0.01
    # a math-heavy epoch: host rest + device math + overheads
    t = m.epoch_time(gpu, 10.0, flops=5e10, steps=10)
    assert t == pytest.approx(10.0 - 5.0 + 5e10 / V100_TRAIN_FLOPS + 10 * 3e-4 + 0.02)
    assert t < 10.0
    # a CPU-only model on a GPU instance only profits from the vCPUs
    m_cpu = dataclasses.replace(m, uses_gpu=False)
    assert m_cpu.epoch_time(gpu, 2.0) == pytest.approx(2.0 * (0.5 + 0.5 / 8))
    with pytest.raises(ValueError, match="parallel_fraction"):
        RuntimeModel(parallel_fraction=1.5)


def test_runtime_model_calibrate_recovers_constants():
    rng = np.random.RandomState(0)
    t1 = rng.uniform(0.01, 1.0, 50)
    base = RuntimeModel(parallel_fraction=0.0)
    spec = InstanceSpec("ml.c5.2xlarge", vcpus=8)
    local = pd.DataFrame({"instance_type": LOCAL_2CORE, "reference_time": t1,
                          "runtime": t1 * (1 - 0.3 / 2)})
    fitted = base.calibrate(local)
    assert fitted.parallel_fraction == pytest.approx(0.3)
    cloud = pd.DataFrame({"instance_type": spec.name, "reference_time": t1,
                          "runtime": 1.5 * fitted.epoch_time(spec, t1)})
    fitted2 = fitted.calibrate(cloud, instances=[spec])
    assert fitted2.corrections[spec.name] == pytest.approx(1.5)
    assert fitted2.parallel_fraction == pytest.approx(0.3)
    assert RuntimeModel.from_dict(fitted2.to_dict()) == fitted2
    with pytest.raises(ValueError, match="no spec"):
        fitted.calibrate(cloud)
    with pytest.raises(ValueError, match="lacks columns"):
        fitted.calibrate(cloud.drop(columns=["runtime"]))


# ---------------------------------------------------------------- shipped data
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_blackbox_shapes_and_invariants(name):
    assert name in names()
    bbs = load(name)
    meta = metadata(name)
    assert len(bbs) >= 6 and list(bbs) == meta["task_names"]
    n_cfg = meta["num_model_configs"]
    insts = meta["instance_types"]
    assert n_cfg >= 100 and len(insts) >= 6
    assert (any(v["gpus"] > 0 for v in insts.values())
            and any(v["gpus"] == 0 for v in insts.values()))
    assert len({v["price_per_hour"] for v in insts.values()}) >= 5
    assert set(meta["measured_columns"]) | set(meta["modelled_columns"]) == set(gen.OBJECTIVES)
    model = RuntimeModel.from_dict(meta["runtime_model"])
    # the documented parallel fraction is the fit of the shipped calibration measurements
    calib = pd.read_csv(blackboxes.repository.resolve_path(name) / "calibration.csv")
    assert model.parallel_fraction == pytest.approx(
        fit_parallel_fraction(calib["reference_time"], calib["runtime"]), abs=1e-4)  # csv: 6 digits
    specs = {s.name: s for s in (InstanceSpec(**v) for v in insts.values())}
    obj = gen.OBJECTIVES
    for task, bb in bbs.items():
        hp = bb.hyperparameters
        assert len(hp) == n_cfg * len(insts)
        assert set(hp["instance_type"]) == set(insts)
        assert "instance_type" in bb.configuration_space
        ev = np.asarray(bb.objectives_evaluations)
        assert ev.shape == (n_cfg * len(insts), len(meta["seeds"]), 20, len(obj))
        assert ev.shape[1] >= 3 and list(bb.fidelity_values) == list(range(1, 21))
        assert not np.isnan(ev).any()
        acc, err, rt, cost, t1 = (ev[..., obj.index(k)] for k in
                                  ("accuracy", "error", "runtime", "cost", "measured_epoch_time"))
        assert ((acc >= 0) & (acc <= 1)).all()
        np.testing.assert_allclose(err, 1 - acc, atol=1e-6)
        assert (np.diff(rt, axis=2) > 0).all() and (np.diff(cost, axis=2) > 0).all()
        assert (t1 > 0).all()
        # runtime and cost of each instance type follow the documented model and prices
        for inst in insts:
            rows = np.flatnonzero(hp["instance_type"].to_numpy() == inst)[:5]
            spec = specs[inst]
            pred = model.epoch_time(spec, t1[rows].astype(float),
                                    flops=_flops(name, task, rows // len(insts)),
                                    steps=_steps(name, task, rows // len(insts)))
            np.testing.assert_allclose(rt[rows], np.cumsum(pred, axis=2), rtol=1e-4)
            np.testing.assert_allclose(cost[rows], rt[rows] * spec.price_per_hour / 3600, rtol=1e-4)


def _family_task(name, task):
    fam = FAMILIES[name]
    meta = metadata(name)["tasks"][task]
    return fam, meta


def _flops(name, task, cfg_rows):
    # the flops/steps used by the model depend on the task's shape, recorded in the metadata
    fam, meta = _family_task(name, task)
    data = _ShapeOnly(meta)
    cfgs = fam.configs()
    return np.array([fam.flops_per_epoch(cfgs[i], data) for i in cfg_rows])[:, None, None]


def _steps(name, task, cfg_rows):
    fam, meta = _family_task(name, task)
    data = _ShapeOnly(meta)
    cfgs = fam.configs()
    return np.array([fam.steps_per_epoch(cfgs[i], data) for i in cfg_rows],
                    dtype=float)[:, None, None]


class _ShapeOnly:
    """Stands in for TaskData where a family only needs its sizes."""

    def __init__(self, meta):
        self.n_features, self.n_classes = meta["n_features"], meta["n_classes"]
        self.y_train = np.zeros(meta["n_train"])
        self.y_valid = np.zeros(meta["n_valid"])


def test_transfer_evaluations_from_shipped():
    evals = blackboxes.to_transfer_evaluations("linear", exclude_task="digits",
                                               objectives=["accuracy", "cost"])
    assert "digits" not in evals and len(evals) == len(load("linear")) - 1
    te = next(iter(evals.values()))
    assert te.objectives_names == ["accuracy", "cost"]
    assert list(te.hyperparameters.index) == list(range(len(te.hyperparameters)))
    assert te.objectives_evaluations.shape[0] == len(te.hyperparameters)
    with pytest.raises(ValueError, match="exclude_task"):
        blackboxes.to_transfer_evaluations("linear", exclude_task="nope")
    with pytest.raises(ValueError, match="objectives"):
        blackboxes.to_transfer_evaluations("linear", objectives=["nope"])


def test_unknown_names_give_clear_errors():
    with pytest.raises(ValueError, match="unknown blackbox 'nope'"):
        load("nope")
    with pytest.raises(ValueError, match="task 'nope'"):
        make_backend("linear", "nope")


# ---------------------------------------------------------------- generation round trip
@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny real benchmark: 4 SGD configs x 2 sklearn tasks x 2 seeds x 4 epochs."""
    root = tmp_path_factory.mktemp("bb")
    fam = dataclasses.replace(
        FAMILIES["linear"], name="tiny",
        grid={"loss": ["hinge", "log_loss"], "penalty": ["l2"], "alpha": [1e-4, 1e-2],
              "eta0": [0.01]},
        tasks=["breast_cancer", "digits"], max_epochs=4,
    )
    work = root / "work"
    for task in fam.tasks:
        for seed in (0, 1):
            gen.run_chunk(fam, task, seed, work)
    gen.run_calibration(fam, work, n_configs=2, tasks=["breast_cancer"], repeats=1)
    out = gen.assemble(fam, work, root / "tiny", seeds=(0, 1))
    return fam, work, out


def test_rerunning_a_chunk_reproduces_its_accuracies(tiny):
    fam, work, _ = tiny
    path = gen.chunk_path(work, fam, "digits", 1)
    before = gen.load_chunk(path, fam)
    gen.run_chunk(fam, "digits", 1, work, force=True)
    after = gen.load_chunk(path, fam)
    np.testing.assert_array_equal(before["accuracy"], after["accuracy"])
    other = dataclasses.replace(fam, max_epochs=3)
    with pytest.raises(ValueError, match="another grid"):
        gen.load_chunk(path, other)


def test_assemble_names_missing_chunks(tiny, tmp_path):
    fam, work, _ = tiny
    with pytest.raises(FileNotFoundError, match="seed5"):
        gen.assemble(fam, work, tmp_path / "x", seeds=(0, 5))


def test_round_trip_replay_with_moasha(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    from syne_tune import StoppingCriterion, Tuner
    from syne_mohb.backends.simulated import SimulatedClock
    from syne_tune.blackbox_repository.blackbox_tabular import deserialize

    fam, _, out = tiny
    bbs = deserialize(str(out))  # Syne Tune's own reader
    assert set(bbs) == {"breast_cancer", "digits"}
    assert len(bbs["digits"].hyperparameters) == 4 * 6
    backend = make_backend(str(out), "digits")
    bb = backend.blackbox
    try:
        from syne_mohb.scheduler import MOASHA

        scheduler = MOASHA(bb.configuration_space, metrics=["accuracy", "cost"],
                           mode=["max", "min"], time_attr="epoch", max_t=4, grace_period=1,
                           reduction_factor=2, random_seed=0)
    except ImportError:  # pragma: no cover - scheduler written by another engineer
        from syne_tune.optimizer.baselines import RandomSearch

        scheduler = RandomSearch(bb.configuration_space, metrics=["accuracy"], random_seed=0)
    max_cost = 1e-5
    tuner = Tuner(trial_backend=backend, scheduler=scheduler, n_workers=2, sleep_time=0,
                  stop_criterion=StoppingCriterion(max_cost=max_cost, max_num_trials_started=24),
                  callbacks=[SimulatedClock()], results_update_interval=1e9,
                  print_update_interval=1e9, save_tuner=False)
    tuner.run()
    status = tuner.tuning_status
    assert status.cost is not None and status.cost > 0
    assert status.num_trials_started >= 2
    # each trial's reported cost/time is the blackbox's cumulative value at its last epoch
    for trial_id, stats in status.trial_metric_statistics.items():
        if "epoch" not in stats.max_metrics:
            continue  # started, no result yet
        config = {k: v for k, v in backend._trial_dict[trial_id].config.items()
                  if k in bb.configuration_space}
        row = bb.objective_function(config, fidelity={"epoch": int(stats.max_metrics["epoch"])},
                                    seed=backend.recorded_seed(trial_id))
        assert stats.max_metrics["st_worker_cost"] == pytest.approx(row["cost"], rel=1e-5)
        assert stats.max_metrics["st_worker_time"] == pytest.approx(row["runtime"], rel=1e-5)


# ---------------------------------------------------------------- broken folders
@pytest.mark.parametrize("victim,action", [
    ("hyperparameters.parquet", "delete"),
    ("objectives_evaluations.npy", "truncate"),
    ("metadata.json", "garble"),
    ("fidelities_values.npy", "delete"),
])
def test_corrupt_or_incomplete_folder_names_the_file(tiny, tmp_path, victim, action):
    _, _, out = tiny
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    f = broken / victim
    if action == "delete":
        f.unlink()
    elif action == "truncate":
        f.write_bytes(f.read_bytes()[:200])
    else:
        f.write_text("{not json")
    with pytest.raises(BlackboxFolderError, match=victim.replace(".", r"\.")):
        load(str(broken))


def test_folder_with_wrong_shape_is_rejected(tiny, tmp_path):
    _, _, out = tiny
    broken = tmp_path / "shape"
    shutil.copytree(out, broken)
    meta = json.loads((broken / "metadata.json").read_text())
    meta["task_names"] = meta["task_names"] + ["extra"]
    (broken / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(BlackboxFolderError, match="objectives_evaluations.npy"):
        load(str(broken))


def test_instance_specs_come_from_the_catalog():
    specs = instance_specs(gen.DEFAULT_INSTANCE_TYPES)
    assert [s.name for s in specs] == gen.DEFAULT_INSTANCE_TYPES
    assert all(s.price_per_hour > 0 for s in specs)


def test_variants_with_interactions_keep_the_measurements_and_remodel_the_hardware():
    """mlp-x / hgb-x / linear-x (syne_mohb.blackboxes.interactions): measured columns as in
    the base table, runtime re-modelled with configuration x instance interactions."""
    from syne_mohb.blackboxes import load, metadata, names

    assert {"mlp-x", "hgb-x", "linear-x"} <= set(names())
    base, derived = load("hgb")["pima"], load("hgb-x")["pima"]
    obj = list(derived.objectives_names)
    ev_b = np.asarray(base.objectives_evaluations, dtype=float)
    ev_d = np.asarray(derived.objectives_evaluations, dtype=float)
    for measured in ("accuracy", "measured_epoch_time"):
        i = obj.index(measured)
        assert np.array_equal(ev_b[..., i], ev_d[..., i])
    rt = ev_d[..., obj.index("runtime")]
    assert np.all(np.diff(rt, axis=2) > 0)  # cumulative
    hp = derived.hyperparameters.reset_index(drop=True)
    final = rt[:, 0, -1]
    # the GPU pays off for many leaves, not for few: the fastest type depends on the config
    key = [c for c in hp.columns if c != "instance_type"]
    fastest = hp.assign(t=final).loc[lambda d: d.groupby(key)["t"].idxmin()]
    gpu = fastest["instance_type"].isin(["ml.g4dn.xlarge", "ml.g5.xlarge", "ml.p3.2xlarge"])
    assert (gpu[fastest["max_leaf_nodes"] == 63].all()
            and not gpu[fastest["max_leaf_nodes"] == 7].any())
    meta = metadata("hgb-x")
    assert meta["derived_from"] == "hgb" and meta["interaction_model"]["a_max"] > 0
