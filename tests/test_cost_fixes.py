"""Regression tests of issue 17, items 7-9: SageMaker spot cost equals the bill, per-trial cost
cap on the SageMaker backend (and journaled by durable runs), numpy scalars in dollar_cost."""
from __future__ import annotations

import math

import numpy as np
import pytest
from syne_tune.backend.trial_status import Status
from syne_tune.constants import ST_WORKER_COST

from syne_mohb.hardware import PriceTable, dollar_cost, load_catalog
from sagemaker_fixtures import poll_until as _poll


# -------------------------------------------------------------------------- item 9
def test_dollar_cost_accepts_numpy_scalars():
    assert dollar_cost(np.int64(3600), np.float32(1.5), np.int64(2)) == 3.0
    assert isinstance(dollar_cost(np.float32(1800.0), np.float64(2.0)), float)
    assert PriceTable({"local-cpu-1": np.float32(0.5)}).price_per_hour("local-cpu-1") == 0.5
    for bad, name in [((True, 1.0), "elapsed_seconds"), ((1.0, np.nan), "price_per_hour"),
                      ((1.0, 1.0, 2.0), "instance_count"),
                      ((1.0, 1.0, np.bool_(True)), "instance_count")]:
        with pytest.raises(ValueError, match=name):
            dollar_cost(*bad)


# -------------------------------------------------------------------------- item 7


@pytest.mark.slow
def test_spot_trial_last_result_equals_its_bill(sm, make_backend):
    """Results read while a spot job runs carry on-demand estimates (the bill is unknown then);
    once the job ended its billed seconds rule: the trial's last result equals the bill, and
    no estimate made while the job ran is carried over (the old max(last_cost, ...))."""
    server, cluster, clients = sm
    cluster.epoch_seconds = {"*": 0.4}
    # bill: 1 billable second (2 trained x 0.25 spot fraction, rounded up)
    cluster.behaviour = lambda name, hp: {"spot_fraction": 0.25, "training_seconds": 2}
    backend = make_backend(use_spot_instances=True, instance_type="ml.m5.xlarge")
    backend.start_trial({"learning_rate": 0.01, "epochs": 4})
    job = backend.job_names(0)[0]
    # read epochs 1..3 while the job runs: epoch 3 is estimated at >= 1.2 s on demand
    st, during = _poll(backend, [0], lambda st, res: len(res) >= 3)
    assert len(during) == 3
    assert cluster.jobs[job].training_job_status == "InProgress"
    cluster.wait_until_ended([job], timeout=20)
    st, after = _poll(backend, [0], lambda st, res: st[0] == Status.completed)
    assert st[0] == Status.completed
    results = [r for _, r in during + after]
    assert [r["epoch"] for r in results] == [1, 2, 3, 4]
    price = load_catalog().price_per_hour("ml.m5.xlarge")
    bill = 1 * price / 3600
    assert during[-1][1][ST_WORKER_COST] > bill  # the on-demand estimate, above the bill
    assert math.isclose(backend.trial_record(0)["cost"], bill)
    assert math.isclose(backend.total_cost(), bill)
    assert math.isclose(results[-1][ST_WORKER_COST], bill)  # the last result is the bill


# -------------------------------------------------------------------------- item 8
def test_sagemaker_backend_validates_max_cost_per_trial(make_backend):
    for bad in (0, -1.0, float("nan"), True, "1"):
        with pytest.raises(ValueError, match="max_cost_per_trial"):
            make_backend(max_cost_per_trial=bad)
    assert make_backend(max_cost_per_trial=np.float32(0.5)).max_cost_per_trial == 0.5


@pytest.mark.slow
def test_sagemaker_cost_cap_stops_the_job_and_keeps_the_trial_ended(sm, make_backend):
    from syne_mohb.backends.cost import COST_CAP_REACHED

    server, cluster, clients = sm
    cluster.epoch_seconds = {"*": 0.1}
    backend = make_backend(instance_type="ml.m5.large", prices={"ml.m5.large": 36.0},
                           max_cost_per_trial=1000.0)  # $0.01 per second
    backend.start_trial({"learning_rate": 0.01, "epochs": 100})
    job = backend.job_names(0)[0]
    st, res = _poll(backend, [0], lambda st, res: len(res) >= 1)
    # the cap: 0.3 s of training after the first result (whatever the container's start-up)
    cap = backend.max_cost_per_trial = res[0][1][ST_WORKER_COST] + 0.003
    st, rest = _poll(backend, [0], lambda st, res: st[0] != Status.in_progress)
    res += rest
    assert st[0] == Status.completed  # the scheduler gets its results and on_trial_complete
    assert backend.is_cost_capped(0) and backend.cost_capped_trials[0] > cap
    assert job in cluster.stop_calls
    assert cluster.wait_until_ended([job], timeout=20)[job] == "Stopped"
    results = [r for _, r in res]
    assert 1 <= len(results) < 100
    flags = [r[COST_CAP_REACHED] for r in results]
    # capped at a result (flagged, the last kept) or between two reports (none flagged)
    assert flags in ([0] * (len(flags) - 1) + [1], [0] * len(flags))
    assert all(r[ST_WORKER_COST] <= cap for r in results[:-1])
    assert [r["epoch"] for r in results] == list(range(1, len(results) + 1))
    # a relaunch (a durable recovery's launch_job) starts no new job; it stays completed
    backend.launch_job(0, {"learning_rate": 0.01, "epochs": 100})
    st, more = _poll(backend, [0], lambda st, res: True)
    assert backend.job_names(0) == [job] and st[0] == Status.completed and more == []
    # the cap survives the backend's state round trip (pickled / durable state)
    state = backend.state_dict()
    other = make_backend(run_id=backend.run_id)
    other.load_state_dict(state)
    assert other.cost_cap_records() == backend.cost_cap_records()
