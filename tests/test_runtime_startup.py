"""A training's start-up (process start, data loading, a SageMaker instance) in the hardware
policy's runtime model (``measure_startup=True``): measured per type from the run's own
segments, subtracted before the fit, and paid by a restart on another type; off by default."""
from __future__ import annotations

import numpy as np
import pytest

from syne_mohb.hardware.model import RuntimeCostModel, hardware_specs, startup_seconds
from syne_mohb.hardware.policy import HardwarePolicy
from test_hardware_policy import CPU, GPU, PRICE, WIDTHS, _space, epoch_seconds


def _feed(model: RuntimeCostModel, startup: float, excess_units: float = 0.0) -> None:
    """Segments of every width on both types, one result per epoch: half train 1 epoch, half 9;
    the first result holds ``startup`` seconds (or ``excess_units`` epochs) more."""
    for k, w in enumerate(WIDTHS * 4):
        for inst in (CPU, GPU):
            e = epoch_seconds(w, inst)
            for epoch in range(1 if k % 2 else 9):
                first = startup + excess_units * e if epoch == 0 else 0.0
                model.observe((k, inst), {"width": w}, inst, 1.0, e + first)


def test_the_model_learns_the_training_speed_under_a_start_up():
    """A 5-s start-up against epochs of 0.25-33 s: the model finds it on each type and
    predicts the seconds per epoch of the training itself. Left in (as before), a one-epoch
    segment of width 16 on the CPU read 5.25 s per epoch against its 0.25 s."""
    model = RuntimeCostModel({"width": choice_of_widths()}, hardware_specs([CPU, GPU]),
                             random_seed=0, measure_startup=True)
    _feed(model, startup=5.0)
    model.fit()
    assert np.allclose(model.startup, [5.0, 5.0])
    med, _, _ = model.predict_seconds([{"width": 16}, {"width": 2048}], resource=1.0)
    truth = np.array([[epoch_seconds(w, t) for t in (CPU, GPU)] for w in (16, 2048)])
    assert np.all(np.abs(np.log(med / truth)) < 0.2), med
    assert med[0, 0] < med[0, 1] and med[1, 1] < med[1, 0]


def test_a_first_epoch_a_little_slower_stays_in_the_seconds_per_unit():
    """A first epoch 0.2 units slower (as on the shipped tables) is no start-up: the model fits
    exactly what it fitted before (each segment's total seconds over its units)."""
    specs = hardware_specs([CPU, GPU])
    model = RuntimeCostModel({"width": choice_of_widths()}, specs, random_seed=0,
                             measure_startup=True)
    _feed(model, startup=0.0, excess_units=0.2)
    model.fit()
    assert not model.startup.any()
    totals = RuntimeCostModel({"width": choice_of_widths()}, specs, random_seed=0)
    for key, row in model._rows.items():  # the same segments, each observed once
        w = WIDTHS[key[0] % len(WIDTHS)]
        totals.observe(key, {"width": w}, specs_name(row[1]), row[2], row[3])
    totals.fit()
    configs = [{"width": w} for w in WIDTHS]
    assert np.array_equal(model.predict_log(configs)[0], totals.predict_log(configs)[0])


def test_the_start_up_stays_in_the_seconds_per_unit_by_default():
    """Without the option the model fits each segment's total seconds over its units, as
    before, and a restart is weighed without a start-up."""
    model = RuntimeCostModel({"width": choice_of_widths()}, hardware_specs([CPU, GPU]),
                             random_seed=0)
    _feed(model, startup=5.0)
    model.fit()
    assert not model.startup.any()
    med, _, _ = model.predict_seconds([{"width": 16}], resource=1.0)
    assert med[0, 0] > 3 * epoch_seconds(16, CPU)  # the start-up is in it
    with pytest.raises(ValueError, match="measure_startup"):
        HardwarePolicy(measure_startup="yes")


def test_startup_seconds_is_the_median_excess_never_below_zero():
    assert startup_seconds({"a": [1.0, 2.0, 9.0], "b": [-1.0, -0.5]}) == {
        "a": 2.0, "b": 0.0, None: 1.0}
    assert startup_seconds({}) == {None: 0.0}


def _drive_with_startup(policy: HardwarePolicy, startup, trials: int = 80,
                        epochs=lambda inst: 3) -> None:
    """As ``test_hardware_policy._drive`` (``epochs(type)`` epochs per trial, 3 by default),
    each training ``startup`` seconds (or ``startup(type)``) longer before its first epoch."""
    rng = np.random.RandomState(0)
    for tid in range(trials):
        cfg = {"width": WIDTHS[rng.randint(len(WIDTHS))], "lr": 0.01}
        inst = policy.choose(cfg)
        cfg = dict(cfg, instance_type=inst)
        policy.on_trial_add(tid, cfg)
        wait = startup(inst) if callable(startup) else startup
        for epoch in range(1, epochs(inst) + 1):
            secs = wait + epoch * epoch_seconds(cfg["width"], inst)
            result = {"st_worker_time": secs, "st_worker_cost": secs * PRICE[inst] / 3600}
            policy.on_result(tid, cfg, result, epoch, [0.5, secs])


def test_a_restart_pays_the_start_up_the_run_measured():
    """Width 16 after 1 of 9 epochs on the GPU (4x slower and 3x dearer per epoch there):
    training it again on the CPU takes 2.25 s of epochs plus the start-up. With a start-up of
    0.5 s it restarts; with one of 60 s (measured by the run, no ``job_startup`` given) the 8
    epochs left on the GPU (8 s) cost less, and it stays."""
    small = {"width": 16, "lr": 0.01, "instance_type": GPU}
    for startup, expected in ((0.5, CPU), (60.0, None)):
        policy = HardwarePolicy(random_seed=0, affects_metrics=False, measure_startup=True)
        policy.bind(_space(), ["accuracy", "seconds"])
        _drive_with_startup(policy, startup)
        policy.model.fit(force=True)
        # the CPU's start-up is counted (its epochs here are shorter); the GPU's 0.5 s is less
        # than one of its epochs and stays in its seconds per epoch
        assert np.isclose(policy.model.startup[0], startup)
        assert np.isclose(policy.model.startup[1], 0.0 if startup < 1 else startup)
        policy.on_trial_add(1000, small)
        assert policy.restart_choice(small, 1000, resource=1, max_resource=9,
                                     rung=0) == expected, startup


def choice_of_widths():
    from syne_tune.config_space import choice

    return choice(WIDTHS)


def specs_name(index: int) -> str:
    return (CPU, GPU)[index]


def test_with_a_job_start_up_a_type_is_chosen_for_the_whole_segment():
    """Width 2048 trains 16x faster per epoch on the GPU type (and cheaper per epoch). With
    SageMaker's cold start-up (110 s on the CPU type, 210 s on the GPU one) before 3-epoch
    trainings, a whole training takes 206 s on the CPU against 216 s on the GPU and costs a
    third less there: with the start-up weighed (the default where ``job_startup`` is given)
    the CPU wins every draw. With a start-up of 0.7 s the GPU wins every draw."""
    from syne_mohb.hardware.startup import JobStartup

    wide = {"width": 2048, "lr": 0.01}
    short = JobStartup(provisioning_s={"cpu": 0.5, "accelerated": 0.5},
                       download_s={"cpu": 0.2, "accelerated": 0.2})
    for startup, expected in ((JobStartup(), CPU), (short, GPU)):
        policy = HardwarePolicy(random_seed=0, affects_metrics=False, job_startup=startup)
        policy.bind(_space(), ["accuracy", "seconds"])
        assert policy.measure_startup is True
        _drive_with_startup(policy, startup.cold_total)
        chosen = [policy.choose(wide) for _ in range(40)]
        assert chosen.count(expected) >= 36, (startup, chosen)
    # without a job start-up the default measures nothing and compares per unit, as before
    assert HardwarePolicy().measure_startup is False


def test_the_start_up_is_not_spread_over_the_epochs_a_type_happened_to_train():
    """Trainings on the GPU type ran 9 epochs, those on the CPU type 1 (e.g. survivors on the
    GPU). Per epoch, the GPU's 210 s of start-up spread over 9 epochs read 24 s, the CPU's 110 s
    over 1 read 110 s: compared per epoch (``measure_startup=False``) width 16 goes to the GPU.
    Its whole training of the run's mean length costs less time and money on the CPU (0.25 s
    epochs against 1 s), where it goes with the start-up weighed."""
    from syne_mohb.hardware.startup import JobStartup

    startup = JobStartup()
    small = {"width": 16, "lr": 0.01}
    for measure, expected in ((None, CPU), (False, GPU)):
        policy = HardwarePolicy(random_seed=0, affects_metrics=False, job_startup=startup,
                                measure_startup=measure, control_share=0.0)
        policy.bind(_space(), ["accuracy", "seconds"])
        _drive_with_startup(policy, startup.cold_total,
                            epochs=lambda inst: 9 if inst == GPU else 1)
        chosen = [policy.choose(small) for _ in range(40)]
        assert chosen.count(expected) >= 36, (measure, chosen)


def test_a_policy_pickled_before_the_option_loads_and_decides():
    """A durable run pickles its scheduler with the bound policy: one pickled before
    ``measure_startup`` existed (its attributes and its model's rows without them) still
    chooses, learns and weighs restarts."""
    import pickle

    policy = HardwarePolicy(random_seed=0, affects_metrics=False)
    policy.bind(_space(), ["accuracy", "seconds"])
    _drive_with_startup(policy, 0.0, trials=20)
    state = pickle.loads(pickle.dumps(policy))
    for obj, names in ((state, ("measure_startup", "_seg_units")),
                       (state.model, ("measure_startup", "startup"))):
        for name in names:
            obj.__dict__.pop(name, None)
    for row in state.model._rows.values():
        del row[5:]
    small = {"width": 16, "lr": 0.01, "instance_type": GPU}
    state.on_trial_add(1000, small)
    assert state.restart_choice(small, 1000, resource=1, max_resource=9, rung=0) in (None, CPU)
    _drive_with_startup(state, 0.0, trials=10)
    state.model.fit(force=True)
    assert state.choose({"width": 16, "lr": 0.01}) in (CPU, GPU)
