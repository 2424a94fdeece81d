"""The shared cost ledger (:class:`syne_mohb.backends.cost.TrialCostLedger`): JSON state."""

import json
import math

import pytest

from syne_mohb.backends.cost import TrialCostLedger


class FakeClock:
    def __init__(self, t=1000.0):
        self.t = t

    def __call__(self):
        return self.t


def _ledger_with_history(clock):
    ledger = TrialCostLedger(clock)
    ledger.start(0, price_per_hour=3.6)  # $0.001 per second
    clock.t = 1010.0
    ledger.end(0)
    ledger.start(0, price_per_hour=7.2, instance_count=2)  # resumed, still running
    ledger.start(3, price_per_hour=1.8)
    clock.t = 1020.0
    return ledger


def test_state_dict_round_trips_through_json():
    clock = FakeClock()
    ledger = _ledger_with_history(clock)
    state = json.loads(json.dumps(ledger.state_dict(), allow_nan=False))
    other_clock = FakeClock(1020.0)
    restored = TrialCostLedger(other_clock)
    restored.load_state_dict(state)
    for tid in (0, 3):
        assert restored.elapsed(tid) == pytest.approx(ledger.elapsed(tid))
        assert restored.cost(tid) == pytest.approx(ledger.cost(tid))
        assert restored.is_running(tid)
    assert restored.cost(0) == pytest.approx(0.01 + 10 * 0.004)
    assert 7 not in restored
    # the restored ledger goes on with its own clock: the open segment keeps running
    other_clock.t = 1030.0
    assert restored.elapsed(0) == pytest.approx(30.0)
    restored.end(0)
    assert not restored.is_running(0)


def test_state_dict_keeps_a_held_segment():
    # a segment whose start is not known yet (start = +inf, as the Ray backend holds one while
    # a trial waits for a node) is stored as start None and still contributes nothing
    ledger = TrialCostLedger(FakeClock())
    ledger.start(1, price_per_hour=3.6)
    ledger._segments[1][-1].start = math.inf
    state = ledger.state_dict()
    assert state["trials"]["1"][0]["start"] is None
    json.dumps(state, allow_nan=False)
    restored = TrialCostLedger(FakeClock(5000.0))
    restored.load_state_dict(state)
    assert restored.elapsed(1) == 0.0 and restored.is_running(1)


def test_load_state_dict_replaces_and_validates():
    clock = FakeClock()
    ledger = _ledger_with_history(clock)
    ledger.load_state_dict({"version": 1, "trials": {}})
    assert 0 not in ledger and ledger.cost(0) == 0.0
    with pytest.raises(ValueError, match="state"):
        ledger.load_state_dict({"segments": {}})
    with pytest.raises(ValueError, match="version"):
        ledger.load_state_dict({"version": 99, "trials": {}})
    with pytest.raises(ValueError, match=r"state\['trials'\]\['0'\]\[0\]"):
        ledger.load_state_dict({"trials": {"0": [{"start": 1.0}]}})
    with pytest.raises(ValueError, match="instance_count"):
        ledger.load_state_dict({"trials": {"0": [
            {"start": 1.0, "end": None, "price_per_hour": 1.0, "instance_count": 0}]}})
