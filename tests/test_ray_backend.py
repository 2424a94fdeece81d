"""RayBackend on a real multi-node Ray cluster started on this machine.

One cluster for the module (``ray.cluster_utils.Cluster``): a head node with the custom
resource ``small`` and a worker node with ``big``, one CPU each, standing for two node types;
the node-failure test adds two more (``doomed``, whose raylet it kills, and a spare); the
cluster declares a dead node dead after about 3 s (:data:`HEALTH_CHECK`). Every
Ray process the module starts is stopped at its end (checked: only this module's processes
count, so that a Ray cluster another test run starts on the same machine meanwhile is not
taken for a leak).
Trials run ``tests/ray_helpers/train_ray.py``, an unchanged Syne Tune script (numpy logistic
regression, checkpoint per epoch).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
import ray
from ray._private import ray_constants
from ray.cluster_utils import Cluster
from syne_tune import StoppingCriterion, Tuner
from syne_tune.backend.trial_status import Status
from syne_tune.config_space import choice, loguniform
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME
from syne_tune.experiments import load_experiment
from syne_tune.report import retrieve

from syne_mohb import MOASHA
from syne_mohb.backends.cost import SEGMENT_INSTANCE_TYPE
from syne_mohb.backends.ray import (
    NodeType,
    RayBackend,
    RayClusterUnreachableError,
    UnknownNodeTypeError,
    UnsatisfiableNodeTypeError,
)
from syne_mohb.backends.ray.attempts import read_attempts
from syne_mohb.backends.ray.reattach import RestoredTrial
from syne_mohb.durable import read_journal, resume
from syne_mohb.pareto import pareto_mask

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "ray_helpers" / "train_ray.py"
DRIVER = HERE / "ray_helpers" / "durable_driver.py"
STORE = 80 * 2**20  # object store per node: small (Ray needs at least 75 MiB)
HEALTH_CHECK = {"health_check_period_ms": 1000, "health_check_failure_threshold": 3}
"""The GCS declares a node dead after 3 failed checks 1 s apart (Ray: 5 checks 3 s apart); a
check fails on a refused connection or after Ray's 10 s timeout, so a slow node is not taken
for a dead one."""
PRICES = {"small": 0.36, "big": 3.6}
NODE_TYPES = {
    "small": NodeType(price_per_hour=PRICES["small"], num_cpus=1, resources={"small": 1}),
    "big": NodeType(price_per_hour=PRICES["big"], num_cpus=1, resources={"big": 1}),
}


CLUSTER_MARK = "SYNE_MOHB_TEST_RAY_CLUSTER"
"""Environment variable set to a token unique to this module's cluster while it runs."""


def _ours(p: psutil.Process, token: str) -> bool:
    """Whether ``p`` descends from this test process's cluster: Ray's workers inherit the
    environment (``CLUSTER_MARK``); its agents rewrite theirs with their process title but
    stay in this process's group."""
    try:
        if os.getpgid(p.pid) == os.getpgid(0):
            return True
        return p.environ().get(CLUSTER_MARK) == token
    except (psutil.Error, OSError):
        return False  # gone, or not ours to read


def _ray_pids(token: str) -> set[int]:
    """Processes of Ray's own binaries and workers on this machine that this module started
    (another test run's cluster on the same machine is not ours to check)."""
    names = ("raylet", "gcs_server", "plasma_store", "ray::", "default_worker.py",
             "dashboard", "log_monitor", "runtime_env")
    pids = set()
    for p in psutil.process_iter(["pid", "cmdline", "name"]):
        cmd = " ".join(p.info.get("cmdline") or []) + " " + (p.info.get("name") or "")
        if any(n in cmd for n in names) and _ours(p, token):
            pids.add(p.info["pid"])
    return pids


@pytest.fixture(scope="module")
def cluster():
    token = f"{os.getpid()}-{time.time_ns()}"
    before = _ray_pids(token)
    old_mark = os.environ.get(CLUSTER_MARK)
    os.environ[CLUSTER_MARK] = token  # inherited by every process the cluster starts
    c = None
    try:
        c = Cluster(initialize_head=True, head_node_args=dict(
            num_cpus=1, resources={"small": 1}, object_store_memory=STORE,
            include_dashboard=False, _system_config=HEALTH_CHECK))
        nodes = {"big": c.add_node(num_cpus=1, resources={"big": 1}, object_store_memory=STORE)}
        ray.init(address=c.address, log_to_driver=False)
        c.wait_for_nodes()
        yield c, nodes
    finally:
        ray.shutdown()
        if c is not None:
            c.shutdown()
        if old_mark is None:
            os.environ.pop(CLUSTER_MARK, None)
        else:
            os.environ[CLUSTER_MARK] = old_mark
        deadline = time.monotonic() + 20
        while (left := _ray_pids(token) - before) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, f"Ray processes left running: {left}"


def _node_with(resource: str) -> str:
    return next(n["NodeID"] for n in ray.nodes() if n["Alive"] and resource in n["Resources"])


def _wait(cond, what: str, timeout: float = 60.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def _backend(tmp_path, **kwargs) -> RayBackend:
    kwargs.setdefault("node_types", NODE_TYPES)
    b = RayBackend(str(SCRIPT), **kwargs)
    b.set_path(str(tmp_path), tmp_path.name)
    return b


def _results_until(backend, trial_id, cond, what, timeout=60.0):
    """Poll like the Tuner does; returns (statuses seen, results) once ``cond(results)``."""
    results, statuses = [], []

    def step():
        st, new = backend.fetch_status_results([trial_id])
        statuses.append(st[trial_id][1])
        results.extend(r for _, r in new)
        return cond(results, statuses[-1])

    try:
        _wait(step, what, timeout=timeout, every=0.1)
    except AssertionError:
        raise AssertionError(f"timed out waiting for {what}; statuses {statuses[-3:]}, "
                             f"attempts {backend.attempts(trial_id)}, resources available "
                             f"{ray.available_resources()}") from None
    return statuses, results


def test_import_syne_mohb_does_not_import_ray():
    code = ("import sys, syne_mohb, syne_mohb.backends\n"
            "assert 'ray' not in sys.modules and 'syne_mohb.backends.ray' not in sys.modules\n"
            "assert syne_mohb.RayBackend is syne_mohb.backends.RayBackend\n"
            "assert syne_mohb.NodeType(price_per_hour=1.0).request() == {'CPU': 1.0}\n"
            "assert 'ray' not in sys.modules  # Ray is imported when a backend connects\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=HERE.parent)


# -- bad input ----------------------------------------------------------------------------
def test_bad_input_fails_at_validation_with_what_the_cluster_has(cluster, tmp_path):
    space = {"lr": 0.1, "instance_type": choice(["small", "bigg"])}
    with pytest.raises(UnknownNodeTypeError, match=r"'bigg'.*Did you mean 'big'.*Declared "
                                                   r"node types: big, small"):
        _backend(tmp_path, config_space=space)
    gpu = {**NODE_TYPES, "gpu": NodeType(price_per_hour=9.0, num_cpus=1, num_gpus=1,
                                         accelerator_type="A100")}
    with pytest.raises(UnsatisfiableNodeTypeError) as e:
        _backend(tmp_path, node_types=gpu,
                 config_space={"instance_type": choice(["small", "gpu"])})
    msg = str(e.value)
    assert "node type 'gpu' requests {CPU: 1, GPU: 1, accelerator_type:A100: 0.001}" in msg
    assert "1 node with {CPU: 1, big: 1}" in msg and "1 node with {CPU: 1, small: 1}" in msg
    two_cpus = {**NODE_TYPES, "big": NodeType(price_per_hour=1.0, num_cpus=2,
                                              resources={"big": 1})}
    with pytest.raises(UnsatisfiableNodeTypeError, match=r"'big' requests \{CPU: 2, big: 1\}"):
        _backend(tmp_path, node_types=two_cpus, config_space={"instance_type": "big"})
    with pytest.raises(ValueError, match="node_types\\['x'\\]: price_per_hour must be"):
        _backend(tmp_path, node_types={"x": {"price_per_hour": -1, "num_cpus": 1}})
    with pytest.raises(ValueError, match="node_types must be a non-empty dict"):
        _backend(tmp_path, node_types={})
    with pytest.raises(ValueError, match="resources\\['GPU'\\]: use num_cpus"):
        NodeType(price_per_hour=1.0, resources={"GPU": 1})


def test_address_and_default_instance_are_checked_with_the_parameters_name(tmp_path):
    for address in ("localhost", "127.0.0.1", "head:port"):  # Ray: "Invalid address format"
        with pytest.raises(ValueError, match=rf"address must be 'host:port'.*got {address!r}: "
                                             r"it needs the head node's host and port"):
            _backend(tmp_path, address=address)
    # the node types are checked before the price table (which spoke of AWS's catalog)
    with pytest.raises(UnknownNodeTypeError, match=r"default_instance='smal' is not a node "
                                                   r"type.*Did you mean 'small'.*Declared node "
                                                   r"types: big, small"):
        _backend(tmp_path, default_instance="smal")


def test_relative_checkpoint_root_is_the_folder_it_named_at_construction(tmp_path,
                                                                         monkeypatch):
    """A resumed run is unpickled in whatever folder ``resume`` runs from: a relative
    checkpoint_root taken from there pointed its trials at an empty folder (they started over,
    paid twice)."""
    import dill

    (tmp_path / "project").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    b = _backend(tmp_path, run_id="rel", checkpoint_root="ckpt")
    want = str(tmp_path / "project" / "ckpt" / "rel" / "0")
    assert b.checkpoint_location(0) == want
    pickled = dill.dumps(b)
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert dill.loads(pickled).checkpoint_location(0) == want
    assert b.checkpoint_location(0) == want


_CONNECT = """
import sys
from syne_mohb.backends.ray import NodeType, RayBackend, RayClusterUnreachableError
b = RayBackend(sys.argv[1], address=sys.argv[2], connect_timeout_s=2.0,
               node_types={"small": NodeType(price_per_hour=1.0)})
try:
    b.connect()
except RayClusterUnreachableError as e:
    print("UNREACHABLE", e)
"""


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_a_port_that_is_not_ray_is_one_clear_error_not_a_hang(tmp_path):
    """A port that accepts connections but is not Ray's (a dashboard, a web server): ray.init
    retried for many minutes, flooding stderr, deaf to SIGTERM. Its own process: this one is
    connected to the test cluster already."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    web = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                            "127.0.0.1"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: _port_open(port), "the web server")
        # the timeout only guards against the hang this test is about
        proc = subprocess.run([sys.executable, "-c", _CONNECT, str(SCRIPT), f"127.0.0.1:{port}"],
                              capture_output=True, text=True, timeout=300, cwd=HERE.parent)
    finally:
        web.kill()
        web.wait()
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout.strip().splitlines()
    assert len(out) == 1 and out[0].startswith(
        f"UNREACHABLE address='127.0.0.1:{port}': 127.0.0.1:{port} accepts connections, but no "
        f"Ray cluster answers there"), out
    assert "connect_timeout_s=2 s" in out[0] or "RPC error" in out[0]
    assert "Pass the address printed by `ray start --head`" in out[0]
    assert "rpc_client" not in proc.stderr and "Failed to connect" not in proc.stderr


def test_unreachable_address_is_one_clear_error(cluster, tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    b = _backend(tmp_path, address=f"127.0.0.1:{port}", connect_timeout_s=2.0)
    with pytest.raises(RayClusterUnreachableError, match=rf"address='127.0.0.1:{port}': no "
                                                         rf"Ray cluster reachable"):
        b.validate_config_space({"instance_type": "small"})


# -- results stream back, cost, stop, cost cap ----------------------------------------------
def test_results_stream_while_running_and_stop_frees_the_node(cluster, tmp_path):
    b = _backend(tmp_path, config_space={"instance_type": choice(["small", "big"])})
    trial = b.start_trial({"epochs": 200, "epoch_seconds": 0.2, "instance_type": "big"})
    statuses, results = _results_until(b, trial.trial_id, lambda r, s: len(r) >= 2,
                                       "two results")
    assert statuses[-1] == Status.in_progress  # streamed, not delivered at the end
    att = b.attempts(trial.trial_id)[0]
    assert att["node_id"] == _node_with("big")
    for r in results:  # cost from the shared ledger, at the node type's price
        assert r[ST_WORKER_COST] == pytest.approx(r[ST_WORKER_TIME] * PRICES["big"] / 3600)
    assert results[1][ST_WORKER_TIME] > results[0][ST_WORKER_TIME] > 0
    pid = att["pid"]
    assert psutil.pid_exists(pid)
    b.stop_trial(trial.trial_id)
    st, _ = b.fetch_status_results([trial.trial_id])
    assert st[trial.trial_id][1] == Status.stopped
    assert b.busy_trial_ids() == []
    _wait(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie",
          "the training process to end")
    # the actor is gone and the node's resource is free again
    _wait(lambda: ray.available_resources().get("big", 0) == 1, "resource 'big' freed")
    with pytest.raises(ValueError):
        ray.get_actor(att["actor_name"], namespace=b.namespace)
    cost_at_stop = b.trial_cost(trial.trial_id)
    time.sleep(0.2)
    assert b.trial_cost(trial.trial_id) == cost_at_stop  # billing ended with the process


def test_cost_cap_ends_a_trial_and_queueing_is_not_billed(cluster, tmp_path):
    # two node types on the same node: the second trial waits for the first one's CPU
    types = {"pricey": NodeType(price_per_hour=3600.0, num_cpus=1, resources={"small": 1}),
             "cheap": NodeType(price_per_hour=0.36, num_cpus=1, resources={"small": 1})}
    b = _backend(tmp_path, node_types=types, max_cost_per_trial=1.0,
                 config_space={"instance_type": choice(["pricey", "cheap"])})
    first = b.start_trial({"epochs": 100, "epoch_seconds": 0.2, "instance_type": "pricey"})
    _wait(lambda: b.fetch_status_results([first.trial_id]) and
          b.attempts(first.trial_id)[0]["started_at"], "trial 0 to start")
    queued = b.start_trial({"epochs": 1, "instance_type": "cheap"})  # waits for the node
    _wait(lambda: b.fetch_status_results([first.trial_id])[0][first.trial_id][1]
          != Status.in_progress, "the cost cap to end trial 0")
    assert b.cost_capped_trials[first.trial_id] > 1.0
    statuses, results = _results_until(
        b, queued.trial_id, lambda r, s: s == Status.completed, "trial 1 to complete")
    att0, att1 = b.attempts(first.trial_id)[0], b.attempts(queued.trial_id)[0]
    # trial 1 started once trial 0's actor had freed the node, and it was billed from its
    # own start, not from when it was queued
    assert att1["started_at"] >= att0["ended_at"]
    assert att1["started_at"] > att1["scheduled_at"]
    assert results[-1][ST_WORKER_TIME] <= \
        results[-1]["st_worker_timestamp"] - att1["started_at"] + 1e-6
    assert results[-1][ST_WORKER_COST] == pytest.approx(results[-1][ST_WORKER_TIME] * 0.36 / 3600)


# -- pause / resume from the checkpoint --------------------------------------------------
def test_pause_resume_continues_from_checkpoint_in_fsspec_folder(cluster, tmp_path):
    root = f"file://{tmp_path / 'shared'}"
    b = _backend(tmp_path, checkpoint_root=root, config_space={"instance_type": "small"})
    trial = b.start_trial({"epochs": 4, "epoch_seconds": 0.2, "instance_type": "small"})
    tid = trial.trial_id
    _, before = _results_until(b, tid, lambda r, s: len(r) >= 2, "two results")
    b.pause_trial(tid)
    assert b.fetch_status_results([tid])[0][tid][1] == Status.paused
    ckpt = tmp_path / "shared" / b.run_id / str(tid) / "state.npz"
    assert ckpt.exists()  # uploaded by the actor after the process ended
    done_epoch = int(np.load(ckpt)["epoch"])
    assert done_epoch >= len(before)
    b.resume_trial(tid)
    _, after = _results_until(b, tid, lambda r, s: s == Status.completed, "completion")
    assert [r["epoch"] for r in after] == list(range(done_epoch + 1, 5))
    assert {r["resumed_from"] for r in after} == {done_epoch}
    atts = b.attempts(tid)
    assert [a["end"] for a in atts] == [Status.paused, Status.completed]
    # worker time continues across the pause and counts both attempts only
    times = [r[ST_WORKER_TIME] for r in before + after]
    assert times == sorted(times)
    running = sum(a["ended_at"] - a["started_at"] for a in atts)
    assert times[-1] <= running + 1e-6


def test_resume_with_a_new_config_moves_the_trial_to_another_node_type(cluster, tmp_path):
    """MO-ASHA's promotion across types: a paused trial resumed with a new config runs its
    next attempt on the new node type, from its checkpoint; time accumulates, each attempt is
    billed at its own type's price, each result carries the type of its attempt."""
    space = {"instance_type": choice(["small", "big"])}
    b = _backend(tmp_path, run_id="move", config_space=space)
    config = {"epochs": 5, "epoch_seconds": 0.2, "instance_type": "small"}
    tid = b.start_trial(config).trial_id
    _, before = _results_until(b, tid, lambda r, s: len(r) >= 2, "two results")
    b.pause_trial(tid)
    b.resume_trial(tid, new_config={**config, "instance_type": "big"})
    _, after = _results_until(b, tid, lambda r, s: s == Status.completed, "completion")
    atts = b.attempts(tid)
    assert [(a["node_type"], a["node_id"]) for a in atts] == \
        [("small", _node_with("small")), ("big", _node_with("big"))]
    results = before + after  # lines the paused attempt printed before it stopped come first
    assert [r["epoch"] for r in results] == [1, 2, 3, 4, 5]
    moved = [r for r in results if r["st_worker_timestamp"] >= atts[1]["started_at"]]
    assert moved and moved[0]["resumed_from"] == moved[0]["epoch"] - 1 >= 2  # its checkpoint
    for r in results:
        t = r["st_worker_timestamp"]
        spans = [(a, max(0.0, min(a["ended_at"], t) - a["started_at"])) for a in atts]
        assert r[SEGMENT_INSTANCE_TYPE] == ("big" if r in moved else "small")
        assert r[ST_WORKER_TIME] == pytest.approx(sum(s for _, s in spans), rel=1e-6)
        assert r[ST_WORKER_COST] == pytest.approx(
            sum(s * PRICES[a["node_type"]] / 3600 for a, s in spans), rel=1e-6)
    assert moved[0][ST_WORKER_TIME] > atts[0]["ended_at"] - atts[0]["started_at"]
    assert b.trial_cost(tid) == pytest.approx(sum(
        (a["ended_at"] - a["started_at"]) * PRICES[a["node_type"]] / 3600 for a in atts),
        rel=1e-6)
    # a resumed driver rebuilds the bill from the attempts, each at its own node type's price
    again = _backend(tmp_path, run_id="move", config_space=space)
    again.restore_trial(tid, {**config, "instance_type": "big"}, atts[0]["scheduled_at"])
    assert again.trial_cost(tid) == pytest.approx(b.trial_cost(tid), rel=1e-6)
    assert again.cost_ledger.instance_at(tid, moved[0]["st_worker_timestamp"]) == "big"


# -- MO-ASHA end to end across both node types ------------------------------------------------
def test_moasha_end_to_end_across_node_types(cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    space = {"lr": loguniform(1e-3, 1.0), "epochs": 3, "epoch_seconds": 0.1,
             "instance_type": choice(["small", "big"])}
    b = RayBackend(str(SCRIPT), node_types=NODE_TYPES, config_space=space)
    scheduler = MOASHA(space, metrics=["loss", ST_WORKER_COST], mode=["min", "min"],
                       time_attr="epoch", max_t=3, grace_period=1, reduction_factor=3,
                       random_seed=3, points_to_evaluate=[
                           {"lr": 0.3, "instance_type": "small"},
                           {"lr": 0.3, "instance_type": "big"}])
    tuner = Tuner(b, scheduler, StoppingCriterion(max_num_trials_started=2, max_cost=10.0),
                  n_workers=2, sleep_time=0.1, results_update_interval=1.0,
                  print_update_interval=1000, tuner_name=f"ray-e2e-{os.getpid()}",
                  wait_trial_completion_when_stopping=True)
    tuner.run()
    df = load_experiment(tuner.name).results
    assert set(df["config_instance_type"]) == {"small", "big"}
    n = len(b.trial_ids)
    # Syne Tune stops once *more than* 2 trials started (checked once per loop iteration)
    assert n >= 3 and df["trial_id"].nunique() == n  # every trial reported
    small, big = _node_with("small"), _node_with("big")
    for tid in range(n):
        (att,) = b.attempts(tid)
        assert att["node_id"] == {"small": small, "big": big}[att["node_type"]]
    rows = df.sort_values(["trial_id", "epoch"])
    price = rows["config_instance_type"].map(PRICES)
    assert np.allclose(rows[ST_WORKER_COST], rows[ST_WORKER_TIME] * price / 3600)
    assert (rows[ST_WORKER_COST] > 0).all()
    last = rows.groupby("trial_id").tail(1)
    front = last[pareto_mask(last[["loss", ST_WORKER_COST]].to_numpy())]
    assert len(front) >= 1
    # Syne Tune's total counts every result it received, also those a trial printed after a
    # STOP decision in the same poll (Tuner skips them for the callbacks, so the results table
    # lacks them): at least the table's last costs, at most what the ledger billed
    billed = sum(b.trial_cost(tid) for tid in range(n))
    assert last[ST_WORKER_COST].sum() - 1e-12 <= tuner.tuning_status.cost <= billed + 1e-12


# -- a node dies ----------------------------------------------------------------------------
def _queued_on(name: str, namespace: str, node_id: str) -> bool:
    """Whether Ray has queued the creation of actor ``name`` on node ``node_id`` (read from
    the GCS actor table: a test-only look at Ray's private state)."""
    try:
        handle = ray.get_actor(name, namespace=namespace)
    except ValueError:
        return False
    info = ray._private.state.actors(handle._actor_id.hex())
    return info["State"] == "PENDING_CREATION" and info["Address"]["NodeID"] == node_id


def _gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"


def test_dead_raylet_ends_its_trial_and_requeues_the_trials_queued_there(cluster, tmp_path):
    """A node's raylet is killed and not reaped (a zombie, which Ray's own check takes for
    alive): the actor running a trial there stops its script and exits, and the trial fails
    with the reason; of the two trials Ray had queued on that node, the one whose node type
    another alive node provides is re-queued and completes there, the other one fails with the
    reason. Then a new trial of the dead type fails instead of waiting forever for a node."""
    c, _ = cluster
    doomed = c.add_node(num_cpus=0, resources={"doomed": 1, "extra": 1},
                        object_store_memory=STORE)
    c.wait_for_nodes()
    types = {"doomed": NodeType(price_per_hour=1.0, num_cpus=0, resources={"doomed": 1}),
             "doomed+": NodeType(price_per_hour=1.0, num_cpus=0,
                                 resources={"doomed": 1, "extra": 1})}
    b = _backend(tmp_path, node_types=types,
                 config_space={"instance_type": choice(["doomed", "doomed+"])})
    running = b.start_trial({"epochs": 500, "epoch_seconds": 0.2, "instance_type": "doomed"})
    _results_until(b, running.trial_id, lambda r, s: len(r) >= 1, "a result")
    att = b.attempts(running.trial_id)[0]
    worker = psutil.Process(att["pid"]).ppid()  # the actor's Ray worker process
    queued = b.start_trial({"epochs": 1, "instance_type": "doomed"})
    stranded = b.start_trial({"epochs": 1, "instance_type": "doomed+"})
    for t in (queued, stranded):
        _wait(lambda: _queued_on(b.actor_name(t.trial_id, 0), b.namespace, doomed.node_id),
              f"trial {t.trial_id} to be queued on the doomed node")
    raylet = doomed.all_processes[ray_constants.PROCESS_TYPE_RAYLET][0].process
    os.kill(raylet.pid, signal.SIGKILL)  # not reaped: a zombie until remove_node
    spare = c.add_node(num_cpus=0, resources={"doomed": 1}, object_store_memory=STORE)
    statuses, _ = _results_until(b, running.trial_id, lambda r, s: s != Status.in_progress,
                                 "the running trial to fail")
    assert statuses[-1] == Status.failed
    tail = "".join(b.stderr(running.trial_id)[-3:])
    # the reason names the dead node: the actor's own report ("died: the raylet ...") or, when a
    # loaded machine delays the actor, Ray's health check ("died: health check failed ...")
    assert f"its node {att['node_id']}" in tail and "node type doomed) died:" in tail
    # not the configuration's failure: the hardware policy is told (HardwareFeedback)
    assert b.failure_kind(running.trial_id) == "capacity"
    _wait(lambda: _gone(att["pid"]), "its training process to end")
    _wait(lambda: _gone(worker), "the actor of the dead raylet to exit")
    # queued on the dead node: re-queued, runs on the other node of its type
    _results_until(b, queued.trial_id, lambda r, s: s == Status.completed,
                   "the queued trial to complete on the spare node")
    first, second = b.attempts(queued.trial_id)
    assert first["end"] == "requeued" and first["started_at"] is None
    assert second["node_id"] == spare.node_id
    assert b.trial_cost(queued.trial_id) > 0
    # no alive node provides 'doomed+': fails with the reason
    _results_until(b, stranded.trial_id, lambda r, s: s == Status.failed, "the stranded fail")
    err = "".join(b.stderr(stranded.trial_id))
    assert f"its node {doomed.node_id}" in err and "died before the trial ran there" in err
    assert "no alive node provides node type 'doomed+'" in err
    (only,) = b.attempts(stranded.trial_id)
    assert only["end"] == Status.failed and only["node_failed"]
    assert b.failure_kind(stranded.trial_id) == "capacity"
    assert b.failure_kind(queued.trial_id) is None  # completed
    # a new trial of that type fails instead of waiting forever for a node
    b.unsatisfiable_timeout_s = 0.0
    again = b.start_trial({"epochs": 1, "instance_type": "doomed+"})
    _results_until(b, again.trial_id, lambda r, s: s == Status.failed, "unsatisfiable fail")
    assert "no alive node provides node type 'doomed+'" in "".join(b.stderr(again.trial_id))
    assert b.failure_kind(again.trial_id) == "capacity"
    with pytest.raises(UnsatisfiableNodeTypeError, match="'doomed\\+'"):
        b.validate_config_space({"instance_type": "doomed+"})
    for node in (doomed, spare):
        c.remove_node(node)


def _actor_exists(name: str, namespace: str) -> bool:
    try:
        ray.get_actor(name, namespace=namespace)
        return True
    except ValueError:
        return False


def test_orphaned_detached_actor_stops_its_trial_and_exits(cluster, tmp_path):
    b = _backend(tmp_path, detached=True, orphan_timeout_s=1.0,
                 config_space={"instance_type": "small"})
    trial = b.start_trial({"epochs": 500, "epoch_seconds": 0.2, "instance_type": "small"})
    _results_until(b, trial.trial_id, lambda r, s: len(r) >= 1, "a result")
    att = b.attempts(trial.trial_id)[0]
    # no driver polls any more: the watchdog stops the script and the actor exits
    _wait(lambda: not _actor_exists(att["actor_name"], b.namespace), "the orphan to exit",
          timeout=60)
    _wait(lambda: not psutil.pid_exists(att["pid"])
          or psutil.Process(att["pid"]).status() == "zombie", "its training process to end")
    _wait(lambda: ray.available_resources().get("small", 0) == 1, "resource 'small' freed")


# -- what a resumed driver asks of the backend ----------------------------------------------
def test_restore_trial_kills_ended_and_ends_lost_attempts(cluster, tmp_path):
    """A second backend on the same folder and run id stands for a resumed driver: the live
    actor of a trial that had ended for the scheduler is killed, an attempt whose actor is
    gone ends as lost; both are billed from their start to their last result."""
    space = {"instance_type": choice(["small", "big"])}
    first = _backend(tmp_path, run_id="restore", config_space=space)
    configs = [{"epochs": 500, "epoch_seconds": 0.2, "instance_type": t} for t in ("small", "big")]
    for config in configs:
        first.start_trial(config)
    for tid in (0, 1):
        _results_until(first, tid, lambda r, s: len(r) >= 1, f"a result of trial {tid}")
    names = [first.attempts(tid)[0]["actor_name"] for tid in (0, 1)]
    ray.kill(ray.get_actor(names[1], namespace=first.namespace))  # lost while no driver ran
    _wait(lambda: not _actor_exists(names[1], first.namespace), "trial 1's actor to die")
    b = _backend(tmp_path, run_id="restore", config_space=space)
    created = first.attempts(0)[0]["scheduled_at"]
    assert b.restore_trial(0, configs[0], created, end_as=Status.stopped) == RestoredTrial(
        running=False, last_actor=names[0], end=Status.stopped, killed_actor=names[0])
    _wait(lambda: not _actor_exists(names[0], b.namespace), "trial 0's actor to be killed")
    assert b.restore_trial(1, configs[1], created) == RestoredTrial(
        running=False, last_actor=names[1], end="lost")
    for tid in (0, 1):
        (att,) = read_attempts(b.trial_path(tid))  # the end is recorded
        assert att.ended and att.ended_at is None and att.end == [Status.stopped, "lost"][tid]
        last = max(m["st_worker_timestamp"] for m in retrieve(b.stdout(tid)))
        assert b.cost_ledger.segments(tid) == [(att.started_at, last)]
    with pytest.raises(ValueError, match="trial_id 1: no running attempt"):
        b.reattach_trial(1)
    with pytest.raises(ValueError, match="status must be an end status"):
        b.end_trial(1, Status.in_progress)


# -- durable: the driver is killed, a new one re-attaches -----------------------------------
def test_durable_run_reattaches_after_driver_kill(cluster, tmp_path):
    c, _ = cluster
    run_dir = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    driver = subprocess.Popen([sys.executable, str(DRIVER), c.address, str(run_dir)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def two_results():
            if driver.poll() is not None:
                raise AssertionError(f"driver exited: {driver.stderr.read().decode()[-3000:]}")
            try:
                return sum(e["e"] == "result" for e in read_journal(run_dir)) >= 2
            except (FileNotFoundError, ValueError):
                return False

        _wait(two_results, "two journaled results", timeout=90)
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
        driver.stderr.close()
    journaled = sum(e["e"] == "result" for e in read_journal(run_dir))
    # trial 1's actor is lost while no driver runs (as if its node had died)
    lost = [json.loads(ln) for ln in (run_dir / "1" / "attempts.jsonl").read_text().splitlines()]
    ray.kill(ray.get_actor(lost[-1]["actor_name"], namespace="syne_mohb"))
    ckpt = run_dir / "1" / "checkpoints" / "state.npz"
    time.sleep(0.5)  # trial 0 keeps running (and printing) while no driver runs
    at_resume = int(np.load(ckpt)["epoch"]) if ckpt.exists() else 0
    tuner = resume(run_dir)
    entries = read_journal(run_dir)
    assert [e["trial_id"] for e in entries if e["e"] == "reattached"] == [0]
    assert [e["trial_id"] for e in entries if e["e"] == "relaunched"] == [1]
    df = load_experiment(str(run_dir)).results
    assert len(df) > journaled
    backend = tuner.trial_backend
    for tid, rows in df.groupby("trial_id"):
        epochs = list(rows["epoch"])
        lines = [ln for ln in backend.stdout(tid) if "[tune-metric]" in ln]
        status = backend.fetch_status_results([int(tid)])[0][int(tid)][1]
        if tid != 1:
            # re-attached (trial 0) or started after the resume: every epoch recorded exactly
            # once, in order, including those printed while no driver ran
            assert epochs == list(range(1, len(rows) + 1))
        else:
            # restarted from its checkpoint: epochs go on increasing (those its lost actor
            # had printed but not handed over are missing); the new attempt starts after the
            # checkpoint it found, at least the one there when the driver died
            info = (rows[["epoch", "resumed_from"]].to_string(), backend.attempts(1), status)
            assert epochs == sorted(set(epochs)), info
            first, second = backend.attempts(1)
            new = rows[rows["st_worker_timestamp"] >= second["started_at"]]
            assert len(new) and (new["resumed_from"] >= at_resume).all(), info
            assert new["epoch"].iloc[0] == new["resumed_from"].iloc[0] + 1, info
        if status == Status.completed:
            assert epochs[-1] == 6 and len(lines) == len(rows)
        else:  # stopped by MO-ASHA: lines printed after its decision are not recorded
            assert status == Status.stopped and len(lines) >= len(rows)
    # nothing of the run is left on the cluster
    for tid in df["trial_id"].unique():
        for a in tuner.trial_backend.attempts(int(tid)):
            with pytest.raises(ValueError):
                ray.get_actor(a["actor_name"], namespace=tuner.trial_backend.namespace)
    stamps = json.loads((run_dir / "0" / "attempts.jsonl").read_text().splitlines()[0])
    assert stamps["event"] == "scheduled"


# -- a trial's start fails; a script reports nothing; a node type is busy ----------------------
def test_a_failed_start_is_the_error_the_user_sees(cluster, tmp_path, monkeypatch):
    """The start of trial 0 fails (a node type the backend was not given: no config_space to
    check it up front); Syne Tune's clean-up (stop_all) then polled trial 0, which was never
    registered, and a ``KeyError: 0`` hid the start's error."""
    from syne_tune.optimizer.baselines import RandomSearch

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    space = {"epochs": 1, "instance_type": choice(["big", "Big"])}
    b = RayBackend(str(SCRIPT), node_types=NODE_TYPES)
    tuner = Tuner(b, RandomSearch(space, metrics=["loss"], do_minimize=True,
                                  points_to_evaluate=[{"instance_type": "Big"}]),
                  StoppingCriterion(max_num_trials_started=1), n_workers=1, sleep_time=0.1,
                  print_update_interval=1000, tuner_name=f"ray-badtype-{os.getpid()}")
    with pytest.raises(UnknownNodeTypeError, match=r"instance_type='Big' is not a node type"):
        tuner.run()


def test_a_run_name_held_by_live_actors_of_an_earlier_run_is_one_clear_error(cluster, tmp_path):
    earlier = _backend(tmp_path / "earlier", run_id="taken", detached=True,
                       config_space={"instance_type": "small"})
    earlier.start_trial({"epochs": 500, "epoch_seconds": 0.2, "instance_type": "small"})
    try:
        b = _backend(tmp_path / "again", run_id="taken", config_space={"instance_type": "small"})
        with pytest.raises(ValueError, match=r"run_id='taken': the Ray actor taken/trial-0/"
                                             r"attempt-0 exists already.*Resume that run, free "
                                             r"them with ray.kill.*or give this run another "
                                             r"name"):
            b.start_trial({"epochs": 1, "instance_type": "small"})
        assert b.busy_trial_ids() == []
        b.stop_all()  # Syne Tune's clean-up: the failed start is not polled
    finally:
        earlier.close()


def test_a_trial_waiting_for_busy_nodes_is_said_once_with_what_holds_them(cluster, tmp_path,
                                                                          caplog):
    """Every node of the type is held by a live actor of another run (a killed driver's
    detached actors hold theirs for orphan_timeout_s): the queued trial waited in silence."""
    holder = _backend(tmp_path / "holder", run_id="holder", detached=True,
                      config_space={"instance_type": "big"})
    held = holder.start_trial({"epochs": 500, "epoch_seconds": 0.2, "instance_type": "big"})
    _results_until(holder, held.trial_id, lambda r, s: len(r) >= 1, "the holder to run")
    b = _backend(tmp_path / "waiting", run_id="waiting", unsatisfiable_timeout_s=0.5,
                 config_space={"instance_type": "big"})
    try:
        trial = b.start_trial({"epochs": 1, "instance_type": "big"})
        caplog.set_level("WARNING", logger="syne_mohb.backends.ray.poller")
        warned = lambda: [r.getMessage() for r in caplog.records  # noqa: E731
                          if "has waited" in r.getMessage()]
        _results_until(b, trial.trial_id, lambda r, s: warned(), "the warning")
        for _ in range(5):  # once per trial
            assert b.fetch_status_results([trial.trial_id])[0][trial.trial_id][1] == \
                Status.in_progress
        (msg,) = warned()
        assert f"trial {trial.trial_id} has waited" in msg
        assert "for a node of type 'big' {CPU: 1, big: 1}: every node that provides it is busy" \
            in msg
        assert "run 'holder': 1 actor (holder/trial-0/attempt-0)" in msg
        holder.close()  # the node is free: the trial runs
        _results_until(b, trial.trial_id, lambda r, s: s == Status.completed, "completion")
    finally:
        holder.close()
        b.close()


def test_a_script_that_exits_without_reporting_fails_its_trial_not_the_run(cluster, tmp_path,
                                                                           monkeypatch):
    """Under Syne Tune's Tuner a trial that completed without a result ends the whole run
    ("trial N completed and no metrics got observed")."""
    from syne_tune.optimizer.baselines import RandomSearch

    from syne_mohb.durable.protocol import NO_METRICS_REASON

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    space = {"epochs": choice([0, 1]), "instance_type": "small"}  # 0 epochs: no report
    b = RayBackend(str(SCRIPT), node_types=NODE_TYPES, config_space=space)
    tuner = Tuner(b, RandomSearch(space, metrics=["loss"], do_minimize=True,
                                  points_to_evaluate=[{"epochs": 0}, {"epochs": 1}]),
                  StoppingCriterion(max_num_trials_started=1), n_workers=1, sleep_time=0.1,
                  print_update_interval=1000, tuner_name=f"ray-silent-{os.getpid()}",
                  wait_trial_completion_when_stopping=True)
    tuner.run()  # no exception
    assert tuner.tuning_status.num_trials_failed == 1
    assert [a["end"] for a in b.attempts(0)] == [Status.failed]
    assert b.stderr(0)[-1].rstrip().endswith(f"trial 0 {Status.failed}: {NO_METRICS_REASON}")
    df = load_experiment(tuner.name).results
    assert list(df.trial_id) == [1]  # the run went on


# -- durable: a paused trial's dropped results; a resume on another address --------------------
def test_a_trial_paused_before_a_resume_does_not_deliver_its_dropped_results_again(
        cluster, tmp_path, monkeypatch):
    """MO-ASHA (promotion) pauses a trial on the first of the results of one poll; Syne Tune's
    read position passes them all, its loop drops the rest. A resume rebuilt the trial's
    results from its std.out and set the read position to the number of journaled results:
    when the trial was promoted, its dropped results came again (rows [1, 4, 3, 4, 5, ...])."""
    from syne_mohb.durable import DurableTuner

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    # no padding: a trial prints its 9 epochs at once, the first poll sees them together
    space = {"lr": loguniform(1e-2, 1.0), "epochs": 9, "epoch_seconds": 0.0,
             "instance_type": "small"}
    b = RayBackend(str(SCRIPT), node_types=NODE_TYPES, config_space=space)
    scheduler = MOASHA(space, metrics=["loss"], mode="min", time_attr="epoch", max_t=9,
                       grace_period=1, reduction_factor=3, random_seed=0, type="promotion",
                       points_to_evaluate=[{"lr": 0.3}, {"lr": 0.02}, {"lr": 0.05}])
    tuner = DurableTuner(b, scheduler, StoppingCriterion(max_num_trials_started=2),
                         n_workers=1, sleep_time=0.1, print_update_interval=1000,
                         tuner_name="promoted", suffix_tuner_name=False, journal_fsync=False,
                         wait_trial_completion_when_stopping=True)
    tuner.run()  # 3 trials paused at the rung of epoch 1; none promoted yet
    run_dir = Path(tuner.tuner_path)
    entries = read_journal(run_dir)
    assert not [e for e in entries if e["e"] == "resume_trial"]
    assert [e["result"]["epoch"] for e in entries if e["e"] == "result"] == [1, 1, 1]
    resumed = resume(run_dir, stop_criterion=StoppingCriterion(max_num_trials_started=3))
    entries = read_journal(run_dir)
    (tid,) = {e["trial_id"] for e in entries if e["e"] == "resume_trial"}  # promoted
    backend = resumed.trial_backend
    first = backend.attempts(tid)[0]
    assert len(backend.attempts(tid)) == 2
    printed = [r["st_worker_timestamp"] for r in retrieve(backend.stdout(tid))
               if r["st_worker_timestamp"] <= first["ended_at"]]
    # results printed after the one that paused it (all 9 epochs on an idle machine; fewer if
    # the pause reached a slowed script earlier): the ones Syne Tune's loop dropped
    assert len(printed) >= 2
    rows = [e["result"] for e in entries if e["e"] in ("result", "kept_result")
            and e["trial_id"] == tid]
    # of its first attempt only the result of its PAUSE, once
    assert [r["epoch"] for r in rows if r["st_worker_timestamp"] <= first["ended_at"]] == [1]
    df = load_experiment(str(run_dir)).results
    assert not df[df.trial_id == tid].duplicated("st_worker_timestamp").any()


def test_resume_of_a_run_whose_cluster_is_gone_says_how_to_give_a_new_address(
        cluster, tmp_path, monkeypatch, capsys):
    """The run's cluster is down at the resume: a traceback named an address nobody could
    change, and the failed attempt wrote to the journal. Now: one line, nothing written, and
    ``--address`` / ``address=`` resume it on a running cluster."""
    from syne_mohb.cli import main
    from syne_mohb.durable import DurableTuner

    c, _ = cluster
    with socket.socket() as s:  # the address of a cluster that is gone
        s.bind(("127.0.0.1", 0))
        gone = f"127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    space = {"epochs": 2, "instance_type": "small"}
    b = RayBackend(str(SCRIPT), address=gone, node_types=NODE_TYPES)  # no space: no connection
    scheduler = MOASHA(space, metrics=["loss"], mode="min", time_attr="epoch", max_t=2,
                       random_seed=0)
    tuner = DurableTuner(b, scheduler, StoppingCriterion(max_num_trials_started=0),
                         n_workers=1, sleep_time=0.1, print_update_interval=1000,
                         tuner_name="moved", suffix_tuner_name=False, journal_fsync=False,
                         wait_trial_completion_when_stopping=True)
    with pytest.raises(RayClusterUnreachableError):
        tuner.run()  # the cluster went down at the first start
    run_dir = Path(tuner.tuner_path)
    journal = (run_dir / "journal.jsonl").read_text()
    capsys.readouterr()
    assert main(["resume", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"address='{gone}': no Ray cluster reachable" in err
    assert "syne-mohb resume RUN_DIR --address HOST:PORT" in err and \
        "resume(run_dir, address='HOST:PORT')" in err
    assert main(["resume", str(run_dir), "--address", "localhost"]) == 2
    assert "address must be 'host:port'" in capsys.readouterr().err
    assert (run_dir / "journal.jsonl").read_text() == journal  # nothing written
    resumed = resume(run_dir, address=c.address)
    assert resumed.trial_backend.address == c.address
    # the address given is kept with the run: a later resume needs it no more
    from syne_mohb.durable import restore

    assert restore(run_dir).trial_backend.address == c.address
    entries = read_journal(run_dir)
    assert [e["trial_id"] for e in entries if e["e"] == "relaunched"] == [0]
    assert entries[-1]["e"] == "end"
    df = load_experiment(str(run_dir)).results
    assert list(df.epoch) == [1, 2]
