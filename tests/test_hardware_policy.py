"""The hardware policy (syne_mohb.hardware.policy) and its runtime/cost model
(syne_mohb.hardware.model): per-configuration choices, no starvation, adaptation across rungs,
the test of whether the hardware changes what is learnt, and bad inputs."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from syne_tune import StoppingCriterion
from syne_tune.config_space import choice

from syne_mohb.backends.simulated import SimulatedBackend
from syne_mohb.hardware.model import RuntimeCostModel, hardware_specs
from syne_mohb.hardware.policy import HardwarePolicy
from syne_mohb.schedulers import MOASHA

CPU, GPU = "ml.m5.xlarge", "ml.g4dn.xlarge"
WIDTHS = [16, 32, 64, 128, 256, 512, 1024, 2048]
PRICE = {CPU: 0.269, GPU: 0.736}


def epoch_seconds(width: int, instance: str) -> float:
    """CPU wins (faster and cheaper) for widths 16-64, the GPU for 256 and wider."""
    return width / 64.0 if instance == CPU else 1.0 + width / 2048.0


def _space():
    return {"width": choice(WIDTHS), "lr": choice([0.001, 0.01, 0.1]),
            "instance_type": choice([CPU, GPU])}


def _drive(policy: HardwarePolicy, trials: int, seed: int = 0,
           accuracy_of=lambda cfg: 0.5) -> list[tuple[int, str]]:
    """Start ``trials`` trials of 3 epochs each through the policy alone; return (width, type)."""
    rng = np.random.RandomState(seed)
    chosen = []
    for tid in range(trials):
        cfg = {"width": WIDTHS[rng.randint(len(WIDTHS))], "lr": [0.001, 0.01, 0.1][rng.randint(3)]}
        inst = policy.choose(cfg)
        cfg = dict(cfg, instance_type=inst)
        policy.on_trial_add(tid, cfg)
        for epoch in (1, 2, 3):
            secs = epoch * epoch_seconds(cfg["width"], inst)
            result = {"st_worker_time": secs, "st_worker_cost": secs * PRICE[inst] / 3600}
            acc = accuracy_of(cfg) + 0.001 * rng.randn()
            policy.on_result(tid, cfg, result, epoch, [acc, secs])
        chosen.append((cfg["width"], inst))
    return chosen


def test_small_configurations_run_on_cpu_and_large_ones_on_gpu():
    policy = HardwarePolicy(random_seed=0)
    policy.bind(_space(), ["accuracy", "seconds"])
    late = _drive(policy, 160)[60:]  # after the model has seen some results
    small = [t for w, t in late if w <= 32]
    large = [t for w, t in late if w >= 512]
    assert small and large
    assert sum(t == CPU for t in small) / len(small) >= 0.8
    assert sum(t == GPU for t in large) / len(large) >= 0.8
    assert policy.joint is False  # the accuracy does not depend on the type


def test_the_model_learns_the_interaction():
    specs = hardware_specs([CPU, GPU])
    model = RuntimeCostModel({"width": choice(WIDTHS)}, specs, random_seed=0)
    for k, w in enumerate(WIDTHS * 3):
        for inst in (CPU, GPU):
            model.observe((k, inst), {"width": w}, inst, 2.0, 2.0 * epoch_seconds(w, inst))
    model.fit()
    med, lo, hi = model.predict_seconds([{"width": 16}, {"width": 2048}], resource=1.0)
    assert med[0, 0] < med[0, 1] and med[1, 1] < med[1, 0]  # CPU for small, GPU for large
    assert np.all(lo <= med) and np.all(med <= hi)


@pytest.mark.parametrize("estimator", ["gp", "gp_ard"])
def test_the_gp_models_learn_the_interaction(estimator):
    specs = hardware_specs([CPU, GPU])
    space = {"width": choice(WIDTHS), "lr": choice([0.001, 0.01, 0.1])}
    model = RuntimeCostModel(space, specs, estimator=estimator, random_seed=0)
    rng = np.random.RandomState(0)
    for k, w in enumerate(WIDTHS * 3):
        for inst in (CPU, GPU):
            model.observe((k, inst), {"width": w, "lr": [0.001, 0.01, 0.1][rng.randint(3)]},
                          inst, 2.0, 2.0 * epoch_seconds(w, inst))
    model.fit()
    med, lo, hi = model.predict_seconds([{"width": 16, "lr": 0.01}, {"width": 2048, "lr": 0.01}])
    assert med[0, 0] < med[0, 1] and med[1, 1] < med[1, 0]  # CPU for small, GPU for large
    assert np.all(lo <= med) and np.all(med <= hi)
    if estimator == "gp_ard":
        # one length scale per feature; the learning rate does not change the seconds
        scales = model._model.gp.kernel_.k1.k2.length_scale
        lr_column = model._encoder.hp_names.index("lr")
        width_column = model._encoder.hp_names.index("width")
        assert len(scales) > 2 and scales[lr_column] > scales[width_column]


def _four_widths_fit(estimator: str):
    """A model fitted on widths 16-128 on both types; its predictions for widths 16 and 2048
    (never run) must put the first on the CPU, the second on the GPU."""
    specs = hardware_specs([CPU, GPU])
    space = {"width": choice(WIDTHS), "lr": choice([0.001, 0.01, 0.1])}
    model = RuntimeCostModel(space, specs, estimator=estimator, random_seed=0)
    for k, (w, lr) in enumerate([(16, 0.001), (32, 0.1), (64, 0.01), (128, 0.001)]):
        for inst in (CPU, GPU):
            model.observe((k, inst), {"width": w, "lr": lr}, inst, 1.0, epoch_seconds(w, inst))
    model.fit()
    med, lo, hi = model.predict_seconds([{"width": 16, "lr": 0.01}, {"width": 2048, "lr": 0.01}])
    assert med[0, 0] < med[0, 1] and med[1, 1] < med[1, 0]  # CPU for small, GPU for large
    assert np.all(lo <= med) and np.all(med <= hi)
    return model, (med, lo, hi)


def test_the_bilinear_model_extrapolates_the_interaction_from_a_few_results():
    """Two widths per type are enough to say that the width slows the CPU, not the GPU, and to
    carry it to widths never run (one coefficient per hyperparameter x hardware pair)."""
    model, (med, lo, hi) = _four_widths_fit("bilinear")
    # unsure where it extrapolates: the interval is wider at width 2048 than at 16
    assert (hi[1, 0] / lo[1, 0]) > (hi[0, 0] / lo[0, 0])
    # a Thompson draw is one draw of the coefficients: seeded, it repeats
    draws = [model.sample([{"width": 2048, "lr": 0.01}], np.random.RandomState(3))
             for _ in range(2)]
    assert np.array_equal(draws[0], draws[1])


def test_the_two_term_model_places_widths_never_run_from_a_few_results():
    """Overhead + work / throughput: four widths per type are enough to say that the GPU is
    the faster type for widths never run (2048), the CPU for the narrowest, and its fit
    recovers a larger per-unit overhead on the GPU, a larger throughput there."""
    model, _ = _four_widths_fit("two_term")
    two_term = model._model.two_term  # the fitted terms, on the design of width 2048
    X = model._design_for([{"width": 2048, "lr": 0.01}], np.arange(2))
    assert two_term.predict(X)[0] > two_term.predict(X)[1]  # it extrapolates: CPU slower
    # seeded draws repeat; the estimator is a choice of the policy too
    draws = [model.sample([{"width": 2048, "lr": 0.01}], np.random.RandomState(3))
             for _ in range(2)]
    assert np.array_equal(draws[0], draws[1])
    assert HardwarePolicy(estimator="two_term").estimator == "two_term"


def test_auto_chooses_a_regressor_by_cross_validation():
    """``estimator="auto"``: one of the candidates, by their cross-validated errors on the
    rows; with a handful of rows, the two-term trees without a cross-validation."""
    from syne_mohb.hardware.model import AUTO_CANDIDATES

    few, _ = _four_widths_fit("auto")
    assert few.chosen == "two_term"
    specs = hardware_specs([CPU, GPU])
    model = RuntimeCostModel({"width": choice(WIDTHS)}, specs, estimator="auto", random_seed=0)
    for k, w in enumerate(WIDTHS * 2):
        for inst in (CPU, GPU):
            model.observe((k, inst), {"width": w}, inst, 1.0, epoch_seconds(w, inst))
    model.fit()
    assert set(model.cv_errors) == set(AUTO_CANDIDATES)
    assert model.chosen == min(model.cv_errors, key=model.cv_errors.get)
    med, lo, hi = model.predict_seconds([{"width": 16}, {"width": 2048}])
    assert med[0, 0] < med[0, 1] and med[1, 1] < med[1, 0]
    assert np.all(lo <= med) and np.all(med <= hi)


def test_a_type_never_run_gets_a_prior_and_stays_explorable():
    specs = hardware_specs([CPU, GPU, "ml.c5.4xlarge"])
    model = RuntimeCostModel({"width": choice(WIDTHS)}, specs, random_seed=0)
    for k, w in enumerate(WIDTHS):
        for inst in (CPU, GPU):
            model.observe((k, inst), {"width": w}, inst, 1.0, epoch_seconds(w, inst))
    model.fit()
    _, sd = model.predict_log([{"width": 64}])
    assert sd[0, 2] > sd[0, 0]  # unsure about the type without observations
    assert model.observations_per_type()["ml.c5.4xlarge"] == 0


def _cnn_run(method_kwargs, tmp_path, seed=0, budget=12.0):
    """A simulated run on the cnn table (one full training takes ~1.4 s on ml.g4dn.xlarge)."""
    from syne_mohb.blackboxes import repository
    from syne_mohb.experiments.analysis import load_run
    from syne_mohb.experiments.simulation import run_replay

    bb = repository.load("cnn")["mnist"]
    sched = MOASHA(dict(bb.configuration_space), metrics=["accuracy", "runtime", "cost"],
                   mode=["max", "min", "min"], time_attr="epoch", max_t=10, random_seed=seed,
                   **method_kwargs)
    backend = SimulatedBackend(bb, random_seed=seed)
    run_replay(backend, sched, StoppingCriterion(max_wallclock_time=budget), n_workers=4,
               results_root=tmp_path, tuner_name="run")
    return sched, backend, load_run(tmp_path / "run").results, bb


def test_no_type_holding_front_points_is_starved_on_cnn(tmp_path):
    """ml.m5.xlarge holds the cnn table's final-fidelity front (the sampler starved it)."""
    sched, _, df, _ = _cnn_run({}, tmp_path)
    assert sched.hardware is not None
    first = df.groupby("trial_id").first()
    share = (first["config_instance_type"] == "ml.m5.xlarge").mean()
    assert share >= 0.15, first["config_instance_type"].value_counts()


def test_promotion_moves_trials_across_types_with_cumulative_runtime_and_billed_dollars(tmp_path):
    sched, backend, df, bb = _cnn_run({"type": "promotion"}, tmp_path, budget=20.0)
    types = df.groupby("trial_id")["config_instance_type"].nunique()
    moved = types[types > 1].index
    assert len(moved) > 0 and sched.hardware.moves > 0
    for tid in moved:
        rows = df[df.trial_id == tid].sort_values("epoch")
        assert np.all(np.diff(rows["runtime"].to_numpy()) > 0)  # cumulative across segments
        assert np.all(np.diff(rows["cost"].to_numpy()) > 0)
        # each segment billed at its own type's price: the ledger agrees with the table's cost
        assert rows["st_worker_cost"].iloc[-1] == pytest.approx(rows["cost"].iloc[-1], rel=1e-6)
        assert backend.ledger.cost(tid, at=backend.now) >= rows["st_worker_cost"].iloc[-1] - 1e-12


def test_the_policy_turns_joint_when_the_type_changes_accuracy():
    policy = HardwarePolicy(random_seed=0, affects_metrics="auto")
    policy.bind(_space(), ["accuracy", "seconds"])
    _drive(policy, 200, accuracy_of=lambda c: 0.5 + (0.2 if c["instance_type"] == GPU else 0.0))
    assert policy.joint is True
    kept = policy.choose({"width": 64, "lr": 0.01}, trial_id=0, rung=1, current=CPU)
    assert kept == CPU  # a joint search keeps a resumed trial's type


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="affects_metrics"):
        HardwarePolicy(affects_metrics="maybe")
    with pytest.raises(ValueError, match="prices names instance types"):
        HardwarePolicy(prices={"ml.m5.larg": 0.1}).bind(_space(), ["accuracy"])
    # at construction, not only when a scheduler binds the policy
    with pytest.raises(ValueError, match=r"prices\['ml.m5.xlarge'\] must be a finite price"):
        HardwarePolicy(prices={"ml.m5.xlarge": -1})
    with pytest.raises(ValueError, match="prices must be a dict instance type -> \\$ per hour"):
        HardwarePolicy(prices=[0.1, 0.2])
    with pytest.raises(ValueError, match="hardware must be"):
        MOASHA(_space(), metrics=["accuracy"], mode="max", hardware="gpu please")
    with pytest.raises(ValueError, match="hardware_metrics"):
        HardwarePolicy(hardware_metrics=["seconds"]).bind(_space(), ["accuracy"])
    with pytest.raises(RuntimeError, match="bind"):
        HardwarePolicy().choose({"width": 16})


def test_the_hardware_dimension_is_declared_by_name_not_by_prefix():
    space = {"width": choice(WIDTHS), "node": choice(["cpu-node", "gpu-node"])}
    assert MOASHA(space, metrics=["a"], mode="max").hardware is None  # "node" is not declared
    sched = MOASHA(space, metrics=["a"], mode="max", instance_attr="node")
    assert sched.hardware is not None
    assert "node" not in sched.searcher.config_space  # the searcher proposes the rest
    cfg = sched.suggest().config
    assert cfg["node"] in ("cpu-node", "gpu-node")


def test_moasha_warns_when_mode_is_left_out_for_a_metric_to_maximise(caplog):
    with caplog.at_level(logging.WARNING, logger="syne_mohb.pareto"):
        MOASHA({"x": choice([1, 2])}, metrics=["accuracy", "runtime"])
    assert "MOASHA: mode is not given" in caplog.text and "mode=['max', 'min']" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="syne_mohb.pareto"):
        MOASHA({"x": choice([1, 2])}, metrics=["loss", "runtime"])
    assert caplog.text == ""


def test_seeded_choices_are_reproducible():
    def run():
        policy = HardwarePolicy(random_seed=3)
        policy.bind(_space(), ["accuracy", "seconds"])
        return _drive(policy, 40)
    assert run() == run()


def test_initial_points_keep_the_instance_type_they_name():
    points = [{"width": 16, "lr": 0.1, "instance_type": GPU}, {"width": 2048, "lr": 0.1}]
    sched = MOASHA(_space(), metrics=["accuracy", "seconds"], mode=["max", "min"], max_t=3,
                   points_to_evaluate=points, random_seed=0)
    first, second = sched.suggest().config, sched.suggest().config
    assert first == {"width": 16, "lr": 0.1, "instance_type": GPU}  # as given, not the policy's
    assert second["width"] == 2048 and second["instance_type"] in (CPU, GPU)


def test_related_tasks_inform_the_first_choices():
    """Offline evaluations of a related task (twice as slow everywhere) as a prior: before the
    run has any result of its own, small models go to the CPU and large ones to the GPU."""
    from types import SimpleNamespace

    rows = [{"width": w, "lr": lr, "instance_type": t}
            for w in WIDTHS for lr in (0.001, 0.01, 0.1) for t in (CPU, GPU)]
    per_epoch = np.array([2.0 * epoch_seconds(r["width"], r["instance_type"]) for r in rows])
    runtime = per_epoch[:, None, None] * np.arange(1, 4)[None, None, :]  # [configs, seed, epochs]
    related = SimpleNamespace(hyperparameters=pd.DataFrame(rows), objectives_names=["runtime"],
                              objectives_evaluations=runtime[..., None])
    policy = HardwarePolicy(random_seed=0, prior_evaluations={"related": related},
                            affects_metrics=False)
    policy.bind(_space(), ["accuracy", "seconds"])
    small = [policy.choose({"width": 16, "lr": 0.01}) for _ in range(30)]
    large = [policy.choose({"width": 2048, "lr": 0.01}) for _ in range(30)]
    assert small.count(CPU) >= 24 and large.count(GPU) >= 24
    with pytest.raises(ValueError, match="prior_time_objective"):
        HardwarePolicy(prior_evaluations={"related": related},
                       prior_time_objective="seconds").bind(_space(), ["accuracy"])
    # unnamed, the seconds are "runtime" or the policy's time_attr, else the error says how
    for name, ok in (("st_worker_time", True), ("seconds", False)):
        renamed = SimpleNamespace(**{**vars(related), "objectives_names": [name]})
        policy = HardwarePolicy(random_seed=0, prior_evaluations={"related": renamed},
                                affects_metrics=False)
        if ok:
            policy.bind(_space(), ["accuracy"])
            assert [policy.choose({"width": 2048, "lr": 0.01}) for _ in range(30)].count(GPU) >= 24
        else:
            with pytest.raises(ValueError, match="prior_time_objective.*'runtime'.*st_worker_time"):
                policy.bind(_space(), ["accuracy"])


def test_log_units_do_not_buy_a_small_time_gain_with_a_large_cost():
    from syne_mohb.hardware.policy import _chebyshev

    # type 0: 100 s, $1; type 1: 95 s (5% faster), $3 (3x the dollars)
    log_s, log_c = np.log([100.0, 95.0]), np.log([1.0, 3.0])
    w = 0.7  # leaning towards time
    # normalised to [0, 1] over the types, any w > 0.5 takes the 5% at 3x the price ...
    assert int(np.argmin(_chebyshev(log_s, log_c, w))) == 1
    # ... in log units a factor in time weighs as the same factor in dollars
    assert int(np.argmin(_chebyshev(log_s, log_c, w, normalise=False))) == 0
    # and a clear time gain is still bought when time matters
    log_s2 = np.log([100.0, 20.0])
    assert int(np.argmin(_chebyshev(log_s2, log_c, w, normalise=False))) == 1


def test_policy_options_are_validated():
    with pytest.raises(ValueError, match="scale"):
        HardwarePolicy(scale="linear")
    with pytest.raises(ValueError, match="prior_std"):
        HardwarePolicy(prior_std=-0.1)
    with pytest.raises(ValueError, match="draw_fraction"):
        HardwarePolicy(draw_fraction=0)
    # at construction, not at the first suggestion
    with pytest.raises(ValueError, match="estimator must be one of .*'extra_trees'.*got 'xgb'"):
        HardwarePolicy(estimator="xgb")
    with pytest.raises(ValueError, match="test_every must be an integer >= 1, got 0"):
        HardwarePolicy(test_every=0)
    # the runtime model checks the same options the same way (one check, shared)
    specs = hardware_specs([CPU, GPU])
    with pytest.raises(ValueError, match="prior_std"):
        RuntimeCostModel(_space(), specs, prior_std=float("inf"))
    with pytest.raises(ValueError, match="draw_fraction"):
        RuntimeCostModel(_space(), specs, draw_fraction=True)
    with pytest.raises(ValueError, match="prior_strength"):
        RuntimeCostModel(_space(), specs, prior_strength=0)


def test_tempered_draws_give_the_decision_model_a_narrower_prior():
    """The policy's own model draws with its (narrower) prior; the recommendations' model keeps
    RuntimeCostModel's default, so their intervals stay wide where a type was never run."""
    policy = HardwarePolicy()
    policy.bind(_space(), ["accuracy"])
    assert (policy.model.prior_std, policy.model.draw_fraction) == (0.25, 2)
    honest = RuntimeCostModel(_space(), hardware_specs([CPU, GPU]))
    assert honest.prior_std > policy.model.prior_std
    wide = HardwarePolicy(prior_std=1.0, draw_fraction=4)
    wide.bind(_space(), ["accuracy"])
    assert (wide.model.prior_std, wide.model.draw_fraction) == (1.0, 4)


def test_metrics_summed_over_the_units_trained_are_not_learning_metrics():
    """A cost column is recognised by its growth with the resource within trials, even where
    the reported seconds do not follow it (Syne Tune's simulator gives a step at least 0.01 s)."""
    from syne_mohb.hardware.effect import accumulates as _accumulates

    rng = np.random.RandomState(0)
    rows = []
    for trial in range(30):
        per_epoch = rng.uniform(0.001, 0.02)
        acc_final = rng.uniform(0.5, 0.95)
        for epoch in range(1, int(rng.randint(1, 10)) + 1):
            rows.append((trial, epoch, per_epoch * epoch * rng.uniform(0.95, 1.05),
                         acc_final * (1 - 0.5 ** epoch) + rng.normal(0, 0.01),
                         2.0 * 0.5 ** epoch + 0.1))
    trial, r, cost, acc, loss = (np.array(c) for c in zip(*rows))
    assert _accumulates(cost, r, trial)
    assert not _accumulates(acc, r, trial)
    assert not _accumulates(loss, r, trial)
    assert not _accumulates(cost[:5], r[:5], trial[:5])  # too few results to tell


def test_ray_node_types_are_declared_once_for_the_backend_and_the_policy(caplog):
    """HardwarePolicy(specs=node_types): a Ray backend's NodeType values give the runtime model
    their resources (a GPU type its accelerator's prior) and their prices; before, the README's
    Ray quick start left the policy blind ("no price for ['cpu-small', 't4']")."""
    from syne_mohb.backends.ray import NodeType

    node_types = {
        "cpu-small": NodeType(price_per_hour=0.10, num_cpus=4),
        "a100": NodeType(price_per_hour=2.50, num_cpus=16, num_gpus=1, memory_gib=64,
                         accelerator_type="A100-80G"),  # Ray's name: the A100 entry is used
    }
    space = {"width": choice(WIDTHS), "instance_type": choice(list(node_types))}
    with caplog.at_level(logging.WARNING, logger="syne_mohb.hardware.policy"):
        sched = MOASHA(space, metrics=["accuracy", "st_worker_time"], mode=["max", "min"],
                       hardware=HardwarePolicy(specs=node_types))
    assert "no price" not in caplog.text
    cpu, gpu = sched.hardware.specs["cpu-small"], sched.hardware.specs["a100"]
    assert (cpu.vcpus, cpu.gpus, cpu.price_per_hour) == (4.0, 0, 0.10)
    assert (gpu.vcpus, gpu.gpus, gpu.gpu_model, gpu.memory_gib, gpu.price_per_hour) == \
        (16.0, 1, "A100", 64, 2.50)
    assert gpu.features()[-1] > cpu.features()[-1]  # the accelerator's speed is a feature
    assert repr(sched.hardware).startswith(
        "HardwarePolicy(instance_types=['cpu-small', 'a100'], estimator='extra_trees'")
