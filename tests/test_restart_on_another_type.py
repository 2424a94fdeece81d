"""Moving a stopping-type survivor by restart: the policy's choice
(``HardwarePolicy.restart_choice``) and MO-ASHA's mechanics (the old trial stops at the rung it
passed, its configuration starts again on the new type, keeps its bracket and weight, and is
not judged again at the rungs the old trial passed)."""
from __future__ import annotations

import numpy as np
import pytest

from syne_mohb.hardware.policy import HardwarePolicy
from test_hardware_policy import CPU, GPU, _cnn_run, _drive, _space


def _trained_policy(**kw) -> HardwarePolicy:
    policy = HardwarePolicy(random_seed=0, affects_metrics=False, **kw)
    policy.bind(_space(), ["accuracy", "seconds"])
    _drive(policy, 80)  # CPU is faster and cheaper for widths 16-64, the GPU for 256 and wider
    return policy


def test_a_survivor_on_a_type_off_its_front_is_restarted_on_the_better_type():
    policy = _trained_policy()
    small = {"width": 16, "lr": 0.01, "instance_type": GPU}
    policy.on_trial_add(1000, small)
    # after 1 of 9 epochs on the GPU (4x slower and 11x dearer for width 16): train again on CPU
    assert policy.restart_choice(small, 1000, resource=1, max_resource=9, rung=0) == CPU
    assert policy.restarts == 1
    # a configuration already on its best type stays
    large = {"width": 2048, "lr": 0.01, "instance_type": GPU}
    policy.on_trial_add(1001, large)
    assert policy.restart_choice(large, 1001, resource=1, max_resource=9, rung=0) is None
    # near the end, finishing where it is beats training everything again
    assert policy.restart_choice(small, 1000, resource=8.9, max_resource=9, rung=1) is None


def test_no_restart_without_evidence_or_when_disabled():
    fresh = HardwarePolicy(random_seed=0, affects_metrics=False)
    fresh.bind(_space(), ["accuracy", "seconds"])
    cfg = {"width": 16, "lr": 0.01, "instance_type": GPU}
    fresh.on_trial_add(0, cfg)
    assert fresh.restart_choice(cfg, 0, resource=1, max_resource=9, rung=0) is None
    off = _trained_policy(restart_margin=None)
    off.on_trial_add(1000, cfg)
    assert off.restart_choice(cfg, 1000, resource=1, max_resource=9, rung=0) is None
    with pytest.raises(ValueError, match="restart_margin"):
        HardwarePolicy(restart_margin=-1)


def test_a_restart_pays_a_new_jobs_start_up_where_jobs_have_one():
    """On SageMaker a restart is a new job: with ``job_startup``, the restart of the first test
    (2 s of training on the CPU instead of 8 more on the GPU) is not worth a cold start-up of
    110 s, and still is with one of a second; a start-up of the wrong kind is named."""
    from syne_mohb.hardware.startup import JobStartup

    small = {"width": 16, "lr": 0.01, "instance_type": GPU}
    for startup, expected in ((JobStartup(), None),
                              (JobStartup(provisioning_s={"cpu": 0.5, "accelerated": 0.5},
                                          download_s={"cpu": 0.2, "accelerated": 0.2}), CPU)):
        policy = _trained_policy(job_startup=startup)
        policy.on_trial_add(1000, small)
        assert policy.restart_choice(small, 1000, resource=1, max_resource=9,
                                     rung=0) == expected
    with pytest.raises(ValueError, match="job_startup"):
        HardwarePolicy(job_startup={"cpu": 90})


def test_a_restart_keeps_the_weight_of_the_trial_it_replaces():
    policy = _trained_policy()
    policy.on_trial_add(1000, {"width": 16, "lr": 0.01, "instance_type": GPU})
    policy.on_trial_add(1001, {"width": 16, "lr": 0.01, "instance_type": CPU}, restart_of=1000)
    assert policy.metadata()["restarts"] == 0
    assert policy._weight[1001] == policy._weight[1000]


def test_moasha_trains_a_survivor_again_on_another_type(tmp_path):
    sched, backend, df, _ = _cnn_run({}, tmp_path, budget=20.0)
    restarts = sched.metadata()["scheduler_kwargs"]["restarts"]
    assert sched.num_restarted == len(restarts) > 0
    assert sched.hardware.restarts == sched.num_restarted
    levels = [r.level for r in sched.brackets[0].rungs]
    hp = ["config_width", "config_depth", "config_batch_size", "config_learning_rate"]
    for old, new in restarts.items():
        a, b = df[df.trial_id == old], df[df.trial_id == new]
        # the same hyperparameters on another type, trained again from the first epoch
        assert a[hp].iloc[0].tolist() == b[hp].iloc[0].tolist()
        assert a["config_instance_type"].iloc[0] != b["config_instance_type"].iloc[0]
        assert b["epoch"].min() == 1
        passed = a["epoch"].max()
        assert passed in levels  # the old trial stopped at the rung it passed
        # the new one keeps the old one's bracket and is not judged again below that rung
        assert sched._trial_bracket[new] == sched._trial_bracket[old]
        bracket = sched.brackets[sched._trial_bracket[new]]
        for rung in bracket.rungs:
            if rung.level <= passed:
                assert new not in rung
        # its runtime and cost start from zero: billed at the new type's price only
        assert np.all(np.diff(b.sort_values("epoch")["runtime"].to_numpy()) > 0)
        assert b["st_worker_cost"].max() == pytest.approx(b["cost"].max(), rel=1e-6)


def test_benchmark_runs_with_start_up_give_it_to_the_policy():
    """``compare_methods.py --startup``: the runner hands the simulated start-up to the method
    context, and every method whose hardware policy chooses the type weighs it in its restarts;
    without start-up, and where the searcher proposes the type, nothing changes."""
    from syne_mohb.experiments.methods import MethodContext, make_scheduler
    from syne_mohb.experiments.runner import get_benchmark
    from syne_mohb.hardware.startup import JobStartup

    bench = get_benchmark("mlp")
    task = bench.tasks[0]
    bb = bench.blackbox(task)

    def ctx(extra):
        return MethodContext(config_space=dict(bb.configuration_space),
                             fidelity_attr=bench.fidelity_attr, max_t=bench.max_t,
                             random_seed=0, instance_attr=bench.instance_attr,
                             default_instance=bench.default_instance, extra=extra)

    startup = JobStartup()
    for method in ("moasha", "moasha-promotion", "moasha-no-restart", "moasha-bo"):
        assert make_scheduler(method, ctx({"job_startup": startup})).hardware.job_startup \
            is startup
        assert make_scheduler(method, ctx({})).hardware.job_startup is None
    assert make_scheduler("moasha-sampler", ctx({"job_startup": startup})).hardware is None
