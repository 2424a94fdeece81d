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


def test_so_far_counts_closed_segments_whole_and_open_ones_to_the_clock():
    # a segment closed at a time the clock has not reached (another machine's clock, or the
    # platform's reported length) counts whole "so far"; a query at a time is sliced
    clock = FakeClock(1000.0)
    ledger = TrialCostLedger(clock)
    ledger.start(0, price_per_hour=3.6, at=990.0)
    ledger.end(0, at=1004.0)
    assert ledger.elapsed(0) == pytest.approx(14.0)
    assert ledger.elapsed(0, at=1000.0) == pytest.approx(10.0)
    ledger.start(0, price_per_hour=3.6, at=1010.0)  # opens after the clock: nothing yet
    assert ledger.elapsed(0) == pytest.approx(14.0)
    clock.t = 1015.0
    assert ledger.elapsed(0) == pytest.approx(19.0) and ledger.is_running(0)


def test_labelled_segments_are_reconciled_with_their_billed_seconds():
    # two jobs of one trial on 2 instances at $3.6/h ($0.002 per second for both); the first is
    # reconciled with the platform's figures: 100 s trained, 40 s billed (managed spot)
    clock = FakeClock(2000.0)
    ledger = TrialCostLedger(clock)
    ledger.start(0, price_per_hour=3.6, instance_count=2, at=1000.0, label="job-0")
    assert ledger.cost(0, label="job-0") == pytest.approx(1000 * 0.002)  # on demand, open
    ledger.reconcile(0, "job-0", seconds=100.0, billed_seconds=40.0)
    assert not ledger.is_running(0)
    assert ledger.elapsed(0, label="job-0") == pytest.approx(100.0)
    assert ledger.cost(0, label="job-0") == 40 * 0.002  # exactly the bill once over
    assert ledger.cost(0, at=1050.0) == pytest.approx(50 * 0.4 * 0.002)  # pro rata before
    assert ledger.cost_of_seconds(0, 50.0, label="job-0") == pytest.approx(50 * 0.4 * 0.002)
    assert ledger.cost_of_seconds(0, 500.0, label="job-0") == 40 * 0.002
    ledger.start(0, price_per_hour=3.6, instance_count=2, at=1200.0, label="job-1")
    clock.t = 1230.0
    assert ledger.cost(0, label="job-1") == pytest.approx(30 * 0.002)
    assert ledger.cost(0) == pytest.approx(40 * 0.002 + 30 * 0.002)
    assert ledger.elapsed(0) == pytest.approx(130.0)
    assert ledger.has_segment(0, "job-1") and not ledger.has_segment(0, "job-2")
    # reconciling without a length closes the segment now; billed None: its length is billed
    ledger.reconcile(0, "job-1")
    clock.t = 1300.0
    assert ledger.cost(0, label="job-1") == pytest.approx(30 * 0.002)
    # the state keeps labels and bills
    restored = TrialCostLedger(clock)
    restored.load_state_dict(json.loads(json.dumps(ledger.state_dict())))
    assert restored.cost(0) == ledger.cost(0) and restored.cost(0, label="job-0") == 40 * 0.002
    restored.discard(0)
    assert 0 not in restored and restored.cost(0) == 0.0
    with pytest.raises(ValueError, match="label"):
        ledger.start(0, price_per_hour=1.0, label="job-0")
    with pytest.raises(ValueError, match="label"):
        ledger.reconcile(0, "job-9", seconds=1.0)
    with pytest.raises(ValueError, match="billed_seconds"):
        ledger.reconcile(0, "job-0", billed_seconds=-1.0)
    with pytest.raises(ValueError, match="seconds"):
        ledger.reconcile(0, "job-0", seconds=float("nan"))
