"""The hardware policy's test of whether the instance type changes a learning metric
(syne_mohb.hardware.effect), on records built by hand."""
import numpy as np

from syne_mohb.hardware.effect import hardware_changes, learning_metrics


def _records(effect: float, paired: bool, seed: int = 0):
    """Trials of 40 configurations on two types, 3 results each: accuracy (plus ``effect`` on
    the GPU type), seconds and dollars. ``paired``: every configuration runs on both types."""
    rng = np.random.RandomState(seed)
    recs, key_of, x_of = [], {}, {}
    trial = 0
    for c in range(40):
        x = rng.uniform(size=3)
        types = ["cpu", "gpu"] if paired else [("cpu", "gpu")[rng.randint(2)]]
        for t in types:
            speed, log_price = (1.0, np.log(0.2)) if t == "cpu" else (0.3, np.log(1.0))
            for r in (1.0, 2.0, 3.0):
                acc = 0.5 + 0.3 * x[0] + 0.05 * r + (effect if t == "gpu" else 0.0)
                acc += rng.normal(0, 0.01)
                secs = r * speed * (1 + x[1])
                recs.append((t, r, trial, [acc, secs, secs * np.exp(log_price) / 3600],
                             secs, log_price))
            key_of[trial], x_of[trial] = f"c{c}", x
            trial += 1
    return recs, key_of, x_of


def test_time_and_cost_metrics_are_recognised_and_accuracy_is_not():
    recs, _, _ = _records(0.0, paired=True)
    assert learning_metrics(recs, ["accuracy", "seconds", "dollars"]) == [0]
    assert learning_metrics(recs, ["accuracy", "seconds", "dollars"], ["dollars"]) == [0, 1]


def test_an_effect_of_the_type_is_found_from_pairs_and_from_control_trials():
    for paired in (True, False):
        recs, key_of, x_of = _records(0.1, paired)
        controls = set(key_of) if not paired else set()
        found = hardware_changes(recs, [0], 0.01, key_of, controls, lambda t: x_of[t])
        assert found is not None and found[0] == 0 and found[1] < 0.01, paired
        recs, key_of, x_of = _records(0.0, paired)
        assert hardware_changes(recs, [0], 0.01, key_of, controls, lambda t: x_of[t]) is None


def test_too_few_control_trials_tell_nothing():
    recs, key_of, x_of = _records(0.1, paired=False)
    assert hardware_changes(recs, [0], 0.01, key_of, set(), lambda t: x_of[t]) is None
