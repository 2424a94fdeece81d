"""A configuration that fails on one instance type (out of memory): recorded, avoided there,
trained again elsewhere (syne_mohb.hardware.feasibility, HardwarePolicy.on_error, MOASHA)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from syne_tune import StoppingCriterion
from syne_tune.backend.trial_status import Status
from syne_tune.blackbox_repository.blackbox_tabular import BlackboxTabular
from syne_tune.config_space import choice, randint

from syne_mohb.backends.simulated import SimulatedBackend
from syne_mohb.hardware.feasibility import Feasibility
from syne_mohb.hardware.model import RuntimeCostModel, hardware_specs
from syne_mohb.hardware.policy import HardwarePolicy
from syne_mohb.schedulers import MOASHA
from width_script import width_script

SMALL, LARGE, GPU = "ml.m5.large", "ml.m5.4xlarge", "ml.g4dn.xlarge"
WIDTHS = [16, 32, 64, 128, 256, 512, 1024, 2048]


def _model(types=(SMALL, LARGE, GPU)):
    space = {"width": choice(WIDTHS), "lr": choice([0.001, 0.01, 0.1])}
    return RuntimeCostModel(space, hardware_specs(list(types)), random_seed=0)


def test_a_failure_marks_its_own_pair_and_no_configuration_loses_every_type():
    feas = Feasibility(_model())
    wide = {"width": 2048, "lr": 0.01}
    feas.record(wide, SMALL, failed=True)
    assert feas.infeasible(wide).tolist() == [True, False, False]
    assert feas.failed_types(wide) == [SMALL]
    # one failure and no success on the type says nothing yet about other configurations
    assert not feas.infeasible({"width": 16, "lr": 0.01}).any()
    assert not feas.infeasible({"width": 2048, "lr": 0.1}).any()
    for t in (LARGE, GPU):
        feas.record(wide, t, failed=True)
    assert not feas.infeasible(wide).any()  # it fails everywhere: the configuration's failure
    assert feas.num_failures == 3


def test_out_of_memory_on_one_type_means_out_of_memory_where_there_is_no_more():
    small2, big_gpu = "ml.c5.2xlarge", "ml.g5.xlarge"  # 16 GiB like ml.m5.xlarge; 24 GiB GPU
    types = ("ml.m5.xlarge", small2, "ml.c5.4xlarge", GPU, big_gpu)
    feas = Feasibility(_model(types))
    wide = {"width": 2048, "lr": 0.01}
    feas.record(wide, "ml.m5.xlarge", failed=True)
    # not on the other 16-GiB CPU type; the 32-GiB one and the GPUs stay
    assert feas.infeasible(wide).tolist() == [True, True, False, False, False]
    feas.record(wide, big_gpu, failed=True)  # out of the A10G's 24 GiB: not on the T4's 16
    assert feas.infeasible(wide).tolist() == [True, True, False, True, True]
    feas.record(wide, small2, failed=False)  # it did train there once: that is kept
    assert feas.infeasible(wide).tolist() == [True, False, False, True, True]


def test_failures_of_wide_networks_on_a_small_type_generalise_to_wide_ones_only():
    feas = Feasibility(_model(), random_seed=0)
    for lr in (0.001, 0.01, 0.1):
        for w in WIDTHS:
            for t in (LARGE, GPU):
                feas.record({"width": w, "lr": lr}, t, failed=False)
            if w <= 256:
                feas.record({"width": w, "lr": lr}, SMALL, failed=False)
        for w in (512, 1024):  # wide ones ran out of memory on the small type
            feas.record({"width": w, "lr": lr}, SMALL, failed=True)
    never_tried_there = {"width": 2048, "lr": 0.01}
    assert feas.infeasible(never_tried_there).tolist() == [True, False, False]
    assert not feas.infeasible({"width": 16, "lr": 0.01}).any()
    assert not feas.infeasible({"width": 64, "lr": 0.001}).any()
    # the control trials' view: the configuration's own failures only
    assert not feas.infeasible(never_tried_there, own_only=True).any()


def test_a_type_on_which_everything_fails_is_avoided_for_every_configuration():
    feas = Feasibility(_model())
    for w in (16, 64, 256):
        feas.record({"width": w, "lr": 0.01}, GPU, failed=True)
        feas.record({"width": w, "lr": 0.01}, SMALL, failed=False)
    assert feas.infeasible({"width": 2048, "lr": 0.1}).tolist() == [False, False, True]
    # ... except for a configuration that trained there itself
    feas.record({"width": 2048, "lr": 0.1}, GPU, failed=False)
    assert not feas.infeasible({"width": 2048, "lr": 0.1}).any()


def test_bad_feasibility_options_are_named():
    with pytest.raises(ValueError, match="threshold"):
        Feasibility(_model(), threshold=0)
    with pytest.raises(ValueError, match="min_failures"):
        Feasibility(_model(), min_failures=0)
    with pytest.raises(ValueError, match="broken_after"):
        Feasibility(_model(), broken_after=True)


def _policy():
    policy = HardwarePolicy(random_seed=0)
    policy.bind({"width": choice(WIDTHS), "lr": choice([0.001, 0.01, 0.1]),
                 "instance_type": choice([SMALL, LARGE, GPU])}, ["accuracy", "seconds"])
    return policy


def test_the_policy_retries_a_failed_configuration_once_on_another_type():
    policy = _policy()
    cfg = {"width": 2048, "lr": 0.01}
    policy.choose(cfg)
    policy.on_trial_add(0, dict(cfg, instance_type=SMALL))
    retry = policy.on_error(0, dict(cfg, instance_type=SMALL))
    assert retry in (LARGE, GPU)
    for _ in range(50):  # never back on the type it failed on
        assert policy.choose(dict(cfg)) != SMALL
    policy.on_trial_add(1, dict(cfg, instance_type=retry), restart_of=0)
    assert policy.on_error(1, dict(cfg, instance_type=retry)) is None  # once only
    meta = policy.metadata()
    assert meta["failures"] == 2 and meta["retries"] == 1


def test_avoid_failures_false_keeps_the_behaviour_before_it():
    policy = HardwarePolicy(random_seed=0, avoid_failures=False)
    policy.bind({"width": choice(WIDTHS), "instance_type": choice([SMALL, GPU])}, ["accuracy"])
    policy.on_trial_add(0, {"width": 16, "instance_type": SMALL})
    assert policy.on_error(0, {"width": 16, "instance_type": SMALL}) is None
    assert policy.feasibility.num_failures == 0
    with pytest.raises(ValueError, match="avoid_failures"):
        HardwarePolicy(avoid_failures="yes")


def test_no_retry_when_the_type_is_searched_jointly():
    policy = HardwarePolicy(random_seed=0, affects_metrics=True)
    policy.bind({"width": choice(WIDTHS), "instance_type": choice([SMALL, GPU])}, ["accuracy"])
    policy.on_trial_add(0, {"width": 16, "instance_type": SMALL})
    assert policy.on_error(0, {"width": 16, "instance_type": SMALL}) is None
    for _ in range(20):  # still never drawn where it failed
        assert policy.choose({"width": 16}) == GPU


def _table_with_failures(fails):
    """Two widths x three types x 3 epochs; ``fails``: (width, type) pairs with NaN rows."""
    types = [SMALL, LARGE, GPU]
    hp = pd.DataFrame([(w, t) for w in (16, 2048) for t in types],
                      columns=["width", "instance_type"])
    secs = np.array([1.0 if w == 16 else 8.0 for w in hp.width]) \
        / np.array([{SMALL: 1, LARGE: 2, GPU: 4}[t] for t in hp.instance_type])
    epochs = np.arange(1, 4, dtype=float)
    runtime = secs[:, None, None] * epochs[None, None, :] * np.ones((1, 2, 1))
    rate = np.array([{SMALL: 0.1, LARGE: 0.8, GPU: 0.7}[t] for t in hp.instance_type]) / 3600
    acc = np.array([0.6 if w == 16 else 0.9 for w in hp.width])[:, None, None] \
        * (epochs / 3)[None, None, :] * np.ones((1, 2, 1))
    ev = np.stack([acc, runtime, runtime * rate[:, None, None]], axis=-1)
    for k, (w, t) in enumerate(zip(hp.width, hp.instance_type)):
        if (w, t) in fails:
            ev[k] = np.nan
    return BlackboxTabular(
        hyperparameters=hp,
        configuration_space={"width": choice([16, 2048]), "instance_type": choice(types)},
        fidelity_space={"epoch": randint(1, 3)}, objectives_evaluations=ev,
        fidelity_values=np.array([1, 2, 3]), objectives_names=["accuracy", "runtime", "cost"])


def test_a_nan_row_fails_its_trial_at_the_start_billed_at_the_types_rate():
    from syne_mohb.hardware.startup import JobStartup

    be = SimulatedBackend(_table_with_failures({(2048, SMALL)}), seed=0,
                          startup=JobStartup(provisioning_s={"cpu": 10.0, "accelerated": 10.0},
                                             download_s={"cpu": 5.0, "accelerated": 5.0}))
    be.start_trial({"width": 2048, "instance_type": SMALL})
    be.start_trial({"width": 16, "instance_type": SMALL})
    results = []
    for _ in range(10):
        status, got = be.fetch_status_results([0, 1])
        results += got
        be.advance()
    assert status[0][1] == Status.failed and not [r for t, r in results if t == 0]
    assert status[1][1] == Status.completed and len([r for t, r in results if t == 1]) == 3
    assert "failed to train there" in be.stderr(0)[0] and SMALL in be.stderr(0)[0]
    assert be.stderr(1) == []
    # billed the download (5 s) at ml.m5.large's rate, read off its other row
    assert be.ledger.cost(0, at=be.now) == pytest.approx(5.0 * 0.1 / 3600)


def test_moasha_trains_a_failed_configuration_again_elsewhere_and_keeps_running(tmp_path):
    from syne_mohb.experiments.analysis import load_run
    from syne_mohb.experiments.simulation import run_replay

    from syne_mohb.experiments.recommendations import (hardware_recommendations,
                                                       recommendation_lines)

    bb = _table_with_failures({(2048, GPU)})  # the wide network is out of the GPU's memory
    sched = MOASHA(dict(bb.configuration_space), metrics=["accuracy", "runtime", "cost"],
                   mode=["max", "min", "min"], time_attr="epoch", max_t=3, grace_period=1,
                   random_seed=0)
    backend = SimulatedBackend(bb, random_seed=0)
    tuner = run_replay(backend, sched, StoppingCriterion(max_wallclock_time=200.0),
                       n_workers=2, results_root=tmp_path, tuner_name="run")
    df = load_run(tmp_path / "run").results
    trials = backend._trial_dict
    failed = [t for t, tr in trials.items() if tr.status == Status.failed]
    assert failed, "no trial was placed where the wide network fails"
    assert all(trials[t].config == {"width": 2048, "instance_type": GPU} for t in failed)
    assert len(failed) == 1  # avoided on the GPU from then on
    retried = sched.metadata()["scheduler_kwargs"]["restarts"]
    new = {old: new for old, new in retried.items() if old in failed}
    assert set(new) == set(failed)
    again = trials[new[failed[0]]].config
    assert again["width"] == 2048 and again["instance_type"] != GPU
    assert (df.trial_id == new[failed[0]]).any()  # it trained there and reported
    # the narrow network still runs on the GPU: the type is not starved
    assert ((df.config_width == 16) & (df.config_instance_type == GPU)).any()
    assert sched.hardware.metadata()["failures"] == 1
    # the recommendations say where the front's wide network failed, not only a prediction
    rec = hardware_recommendations(tuner)
    wide = rec[(rec.width == 2048) & (rec.instance_type == GPU)]
    assert len(wide) and (wide.kind == "failed").all()
    assert wide.note.str.contains(f"failed on {GPU} in this run").all()
    assert not (rec[rec.width == 16].kind == "failed").any()
    assert any("failed there in this run" in line for line in recommendation_lines(rec))


OOM_SCRIPT = width_script("oom")


@pytest.mark.slow
def test_a_real_local_trial_that_runs_out_of_memory_is_trained_again_on_another_profile(
        tmp_path, monkeypatch):
    """A real process on the local backend fails (MemoryError) on the 1-core profile; MO-ASHA's
    policy trains the configuration again on the 2-core one, where it reports."""
    from syne_tune import Tuner
    from syne_tune.constants import ST_WORKER_COST

    from syne_mohb.backends.local import LocalProfileBackend
    from syne_mohb.hardware import INSTANCE_TYPE, local_profiles

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    script = tmp_path / "train_oom.py"
    script.write_text(OOM_SCRIPT)
    prices = {"local-cpu-1": 0.05, "local-cpu-2": 0.10}
    space = {"width": choice([16, 2048]), "epochs": 2, INSTANCE_TYPE: local_profiles(prices)}
    backend = LocalProfileBackend(str(script), prices=prices, config_space=space)
    sched = MOASHA(space, metrics=["accuracy", ST_WORKER_COST], mode=["max", "min"],
                   time_attr="epoch", max_t=2, random_seed=0,
                   points_to_evaluate=[{"width": 2048, INSTANCE_TYPE: "local-cpu-1"}])
    trials = backend._trial_dict

    def retried_and_reported(status) -> bool:  # or a guard against a hang
        return len(getattr(trials.get(1), "metrics", [])) >= 2 or status.wallclock_time > 60

    Tuner(backend, sched, retried_and_reported, n_workers=1, sleep_time=0.1,
          tuner_name="oom").run()
    assert trials[0].status == Status.failed
    assert "MemoryError" in "".join(backend.stderr(0))
    assert trials[1].config == {"width": 2048, "epochs": 2, INSTANCE_TYPE: "local-cpu-2"}
    assert [r["epoch"] for r in trials[1].metrics] == [1, 2]  # it trained there
    assert sched.metadata()["scheduler_kwargs"]["restarts"] == {0: 1}
    assert sched.hardware.feasibility.failed_types({"width": 2048}) == ["local-cpu-1"]


def test_a_promoted_trial_that_fails_on_its_new_type_keeps_its_results_and_is_retried(tmp_path):
    """Under promotion a survivor resumed on the GPU fails there: the results of its first
    segment stay, its configuration is trained again from scratch elsewhere, and no trial of
    the wide network started after it runs on the GPU."""
    from syne_mohb.experiments.analysis import load_run
    from syne_mohb.experiments.simulation import run_replay

    bb = _table_with_failures({(2048, GPU)})
    sched = MOASHA(dict(bb.configuration_space), metrics=["accuracy", "runtime", "cost"],
                   mode=["max", "min", "min"], time_attr="epoch", max_t=3, grace_period=1,
                   random_seed=0, type="promotion")
    backend = SimulatedBackend(bb, random_seed=0)
    run_replay(backend, sched, StoppingCriterion(max_wallclock_time=300.0), n_workers=2,
               results_root=tmp_path, tuner_name="run")
    df = load_run(tmp_path / "run").results
    trials = backend._trial_dict
    failed = [t for t, tr in trials.items() if tr.status == Status.failed]
    assert len(failed) == 1
    old = failed[0]
    first = df[df.trial_id == old]
    assert len(first) >= 1 and (first.segment_instance_type != GPU).all()  # kept
    assert trials[old].config == {"width": 2048, "instance_type": GPU}  # moved there, failed
    new = sched.metadata()["scheduler_kwargs"]["restarts"][old]
    assert trials[new].config["width"] == 2048 and trials[new].config["instance_type"] != GPU
    assert (df.trial_id == new).any()
    wide_later = df[(df.config_width == 2048) & (df.trial_id > old)]
    assert len(wide_later) and (wide_later.segment_instance_type != GPU).all()
