"""Promotion across instance types on real backends: a paused trial resumed with a new config on
another type relaunches there, loads its checkpoint, keeps ``st_worker_time`` cumulative, is
billed per segment at that segment's price in the one ledger, and every result carries the type
of its segment (``segment_instance_type``; ``config_instance_type`` for the results of the
segment running when they are fetched).

* local profiles: a real ``Tuner`` with MO-ASHA (``type="promotion"``) whose hardware policy
  moves every promoted trial to the other profile;
* SageMaker (moto server, real training toolkit): pause, then ``resume_trial(new_config=...)``.

The Ray backend's test is in ``tests/test_ray_backend.py`` (its module-scoped cluster).
"""
from __future__ import annotations

import math
import textwrap

import pytest
from syne_tune import Tuner
from syne_tune.backend.trial_status import Status
from syne_tune.config_space import choice
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME, ST_WORKER_TIMESTAMP
from syne_tune.results_callback import StoreResultsCallback

from sagemaker_fixtures import poll_until, resumed_from
from syne_mohb import MOASHA
from syne_mohb.backends.cost import SEGMENT_INSTANCE_TYPE
from syne_mohb.backends.local import LocalProfileBackend
from syne_mohb.hardware import load_catalog
from syne_mohb.hardware.policy import HardwarePolicy
from syne_mohb.hardware.profiles import available_cpus

pytestmark = pytest.mark.slow

LOCAL_PRICES = {"local-cpu-1": 3.6, "local-cpu-2": 36.0}

# an unchanged-contract training script: numpy state checkpointed on CPU after every epoch,
# one "[tune-metric]" line per epoch (Syne Tune's Reporter format, written by hand: fast start)
PROBE = textwrap.dedent("""
    import argparse, json, os, time
    import numpy as np
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--epoch_seconds", type=float, default=0.2)
    p.add_argument("--st_checkpoint_dir", type=str, default=None)
    args, _ = p.parse_known_args()
    ckpt = os.path.join(args.st_checkpoint_dir, "state.npz")
    w, start = np.zeros(3), 0
    if os.path.exists(ckpt):
        state = np.load(ckpt)
        w, start = state["w"], int(state["epoch"])
    for epoch in range(start + 1, args.epochs + 1):
        time.sleep(args.epoch_seconds)
        w = w + args.lr
        os.makedirs(args.st_checkpoint_dir, exist_ok=True)
        np.savez(ckpt + ".tmp.npz", w=w, epoch=epoch)
        os.replace(ckpt + ".tmp.npz", ckpt)
        print("[tune-metric]: " + json.dumps({
            "epoch": epoch, "loss": 1.0 / (1.0 + float(w.sum())), "resumed_from": start,
            "profile": os.environ["SYNE_MOHB_PROFILE"], "cores": len(os.sched_getaffinity(0)),
            "st_worker_timestamp": time.time()}), flush=True)
""")


class MoveOnPromotion(HardwarePolicy):
    """Starts every trial on the first type and moves every promoted trial to the other one
    (the policy's decision is forced; MO-ASHA, the Tuner and the backend are the real ones)."""

    def choose(self, config, trial_id=None, rung=0, current=None):
        self._check_bound()
        first, second = self.instance_types
        if current is None:
            return first
        self.moves += 1
        return second if current == first else first


def _expected(segments, t):
    """(seconds, dollars) of the ``(start, end, $/h)`` segments up to time ``t``."""
    seconds = dollars = 0.0
    for start, end, price in segments:
        s = max(0.0, min(end, t) - start)
        seconds += s
        dollars += s * price / 3600
    return seconds, dollars


@pytest.mark.skipif(len(available_cpus()) < 2, reason="needs 2 usable cores (local-cpu-2)")
def test_local_promotion_moves_a_trial_to_another_profile(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    space = {"lr": choice([0.1, 0.3]), "epochs": 20, "epoch_seconds": 0.2,
             "instance_type": choice(list(LOCAL_PRICES))}
    backend = LocalProfileBackend(str(script), prices=LOCAL_PRICES, config_space=space)
    policy = MoveOnPromotion(prices=LOCAL_PRICES, specs={"local-cpu-1": {"vcpus": 1},
                                                         "local-cpu-2": {"vcpus": 2}})
    scheduler = MOASHA(space, metrics=["loss", ST_WORKER_COST], mode=["min", "min"],
                       type="promotion", time_attr="epoch", max_t=20, grace_period=1,
                       reduction_factor=2, hardware=policy, random_seed=0,
                       points_to_evaluate=[{"lr": 0.1}, {"lr": 0.3}])
    store = StoreResultsCallback()

    def moved(status) -> bool:  # stop once a result of a second segment came back
        return any(r.get(SEGMENT_INSTANCE_TYPE) == "local-cpu-2" for r in store.results)

    tuner = Tuner(backend, scheduler, moved, n_workers=2, sleep_time=0.05,
                  callbacks=[store], results_update_interval=3600, print_update_interval=3600,
                  save_tuner=False, tuner_name="promotion-local", max_failures=1)
    tuner.run()
    df = store.dataframe()
    assert scheduler.num_promoted >= 1 and policy.moves >= 1
    # every result carries the profile it ran on: the one the script saw, pinned to its cores
    assert (df[SEGMENT_INSTANCE_TYPE] == df["profile"]).all()
    assert (df["cores"] == df["profile"].map({"local-cpu-1": 1, "local-cpu-2": 2})).all()
    tid = int(df.loc[df[SEGMENT_INSTANCE_TYPE] == "local-cpu-2", "trial_id"].iloc[0])
    rows = df[df.trial_id == tid].sort_values(ST_WORKER_TIMESTAMP)
    segs = backend.cost_ledger.state_dict()["trials"][str(tid)]
    assert [s["instance"] for s in segs] == ["local-cpu-1", "local-cpu-2"]
    # each segment at its own profile's price (the rate of the resume's config, not cached)
    assert [s["price_per_hour"] for s in segs] == [3.6, 36.0]
    second = rows[rows[ST_WORKER_TIMESTAMP] >= segs[1]["start"]]
    first = rows[rows[ST_WORKER_TIMESTAMP] < segs[1]["start"]]
    assert len(first) >= 1 and len(second) >= 1
    assert set(first[SEGMENT_INSTANCE_TYPE]) == {"local-cpu-1"}
    assert set(second[SEGMENT_INSTANCE_TYPE]) == {"local-cpu-2"}
    # the stored results' config column shows the new type for the moved segment
    assert set(second["config_instance_type"]) == {"local-cpu-2"}
    # the relaunched process loaded the checkpoint the first one wrote
    assert (second["resumed_from"] >= first["epoch"].max()).all()
    assert second["epoch"].iloc[0] == second["resumed_from"].iloc[0] + 1
    # cumulative runtime and billed dollars: sum over segments of seconds x its $/h / 3600
    spans = [(s["start"], s["end"], LOCAL_PRICES[s["instance"]]) for s in segs]
    times = rows[ST_WORKER_TIME].to_list()
    assert times == sorted(times) and second[ST_WORKER_TIME].iloc[0] > \
        segs[0]["end"] - segs[0]["start"]
    for _, r in rows.iterrows():
        seconds, dollars = _expected(spans, r[ST_WORKER_TIMESTAMP])
        assert r[ST_WORKER_TIME] == pytest.approx(seconds, rel=1e-9, abs=1e-9)
        assert r[ST_WORKER_COST] == pytest.approx(dollars, rel=1e-9, abs=1e-12)
    assert backend.trial_cost(tid) == pytest.approx(_expected(spans, math.inf)[1], rel=1e-9)


def test_sagemaker_resume_on_another_instance_type(sm, make_backend):
    server, cluster, clients = sm
    old, new = "ml.m5.large", "ml.c5.xlarge"
    cluster.epoch_seconds = {old: 0.1, new: 0.05}  # the fake platform's speed per type
    backend = make_backend()
    config = {"learning_rate": 0.01, "epochs": 5, "instance_type": old}
    backend.start_trial(config)
    _, first = poll_until(backend, [0], lambda st, res: len(res) >= 2)
    backend.pause_trial(0)
    backend.resume_trial(0, new_config={**config, "instance_type": new})
    st, rest = poll_until(backend, [0], lambda st, res: st[0] == Status.completed, timeout=30)
    assert st[0] == Status.completed
    job1, job2 = backend.job_names(0)
    sm_client = clients["sagemaker"]
    d1, d2 = (sm_client.describe_training_job(TrainingJobName=j) for j in (job1, job2))
    assert d1["ResourceConfig"]["InstanceType"] == old
    assert d2["ResourceConfig"]["InstanceType"] == new
    assert d2["HyperParameters"]["instance_type"] == f'"{new}"'
    assert d2["CheckpointConfig"]["S3Uri"] == d1["CheckpointConfig"]["S3Uri"]
    # every written line delivered; the second job continued from the checkpoint of the first
    # (the last checkpointed epoch's line can die with the stopped job: see test_sagemaker_moto)
    results = [r for _, r in first + rest]
    written = {job: [m["epoch"] for m in cluster.lines_written[job]] for job in (job1, job2)}
    assert [r["epoch"] for r in results] == written[job1] + written[job2]
    start = resumed_from(clients, job2)
    assert written[job2] == list(range(start + 1, 6))
    assert written[job1] == list(range(1, len(written[job1]) + 1))
    assert start - len(written[job1]) in (0, 1)
    # every result carries the instance type of the job that wrote it
    type_of = {e: t for job, t in ((job1, old), (job2, new)) for e in written[job]}
    assert [r[SEGMENT_INSTANCE_TYPE] for r in results] == [type_of[r["epoch"]] for r in results]
    # cumulative time; each job billed at its own type's price, in the one ledger
    prices = {t: load_catalog().price_per_hour(t) for t in (old, new)}
    times = [r[ST_WORKER_TIME] for r in results]
    assert times == sorted(times)
    bill1 = d1["BillableTimeInSeconds"] * prices[old] / 3600
    bill2 = d2["BillableTimeInSeconds"] * prices[new] / 3600
    for k, r in enumerate(results):
        if r[SEGMENT_INSTANCE_TYPE] == new:
            assert r[ST_WORKER_TIME] >= d1["TrainingTimeInSeconds"]
            seconds2 = r[ST_WORKER_TIME] - d1["TrainingTimeInSeconds"]
            pro_rata = bill1 + seconds2 * prices[new] / 3600
            if k == len(results) - 1:
                # the job's last result: pro rata when it was read while the job ran, the
                # whole bill of both jobs when the job had ended first (sagemaker/cost.py);
                # which one depends on when the poller saw the job end
                assert r[ST_WORKER_COST] in (pytest.approx(pro_rata, rel=1e-9),
                                             pytest.approx(bill1 + bill2, rel=1e-9))
            else:
                assert r[ST_WORKER_COST] == pytest.approx(pro_rata, rel=1e-9)
        else:
            assert r[ST_WORKER_COST] <= bill1 + 1e-12
    record = backend.trial_record(0)
    assert [j["instance_type"] for j in record["jobs"]] == [old, new]
    assert record["cost"] == pytest.approx(bill1 + bill2, rel=1e-9)
    assert backend.cost_ledger.instance_at(0, d2["TrainingEndTime"].timestamp()) == new
