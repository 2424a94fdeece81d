"""Job start-up (provisioning, billed download, warm pools) in the simulated backend."""
from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest

from syne_mohb.hardware.startup import JobStartup, instance_group


def test_instance_groups_and_validation():
    assert instance_group("ml.m5.xlarge") == "cpu"
    assert instance_group("ml.c7i.2xlarge") == "cpu"
    for name in ("ml.g4dn.xlarge", "ml.p3.2xlarge", "ml.trn1.2xlarge", "ml.g6e.xlarge"):
        assert instance_group(name) == "accelerated"
    s = JobStartup()
    assert s.delays("ml.m5.xlarge", warm=False) == (90.0, 20.0)
    assert s.delays("ml.p3.2xlarge", warm=True) == (15.0, 5.0)
    with pytest.raises(ValueError, match="provisioning_s needs an entry for \\['accelerated'\\]"):
        JobStartup(provisioning_s={"cpu": 1.0})
    with pytest.raises(ValueError, match="keep_alive_s must be seconds >= 0"):
        JobStartup(keep_alive_s=-1)


def test_a_startup_is_named_in_one_phrase():
    from syne_mohb.hardware.startup import startup_text

    assert JobStartup().describe() == "SageMaker job start-up (no warm pools)"
    assert startup_text(asdict(JobStartup(keep_alive_s=600))) == \
        "SageMaker job start-up (warm pools kept 600 s)"
    custom = JobStartup(provisioning_s={"cpu": 30.0, "accelerated": 60.0})
    assert custom.describe().startswith("SageMaker job start-up (no warm pools, provisioning "
                                        "{'cpu': 30.0, 'accelerated': 60.0} s")
    assert startup_text(None) == "no start-up"
    assert startup_text({"minutes": 3}) == 'start-up {"minutes": 3}'  # not a JobStartup


def _run(method, keep_alive, tmp_path, budget=1000.0):
    import json

    from syne_mohb.experiments.analysis import load_run
    from syne_mohb.experiments.runner import RunSpec, run_one

    spec = RunSpec(method=method, benchmark="mlp", task="digits", seed=0,
                   out_dir=str(tmp_path / f"k{int(keep_alive)}"), budget=budget,
                   extra={"startup": asdict(JobStartup(keep_alive_s=keep_alive))})
    path = run_one(spec)["path"]
    info = json.loads((tmp_path / path / "metadata.json").read_text())["syne_mohb"]
    return load_run(path), info


def test_every_job_waits_its_startup_and_pays_its_download(tmp_path):
    run, info = _run("moasha", 0.0, tmp_path)
    df = run.results
    first = df.sort_values("st_tuner_time").groupby("trial_id").first()
    start = first["st_tuner_time"] - first["runtime"]
    groups = first["config_instance_type"].map(instance_group)
    cold = groups.map({"cpu": 110.0, "accelerated": 210.0})
    # the first four trials (4 workers) start at 0: their first epoch ends after start-up + epoch
    np.testing.assert_allclose(start.iloc[:4], cold.iloc[:4], atol=1e-6)
    # billed download: st_worker_cost = model cost + download seconds x price per second
    price = (first["cost"] / first["runtime"])
    download = groups.map({"cpu": 20.0, "accelerated": 60.0})
    np.testing.assert_allclose(first["st_worker_cost"], first["cost"] + download * price, rtol=1e-3)
    assert (df["runtime"] < df["st_worker_time"]).all()  # the objective is the model's own time
    assert info["warm_reuses"] == 0 and info["jobs_started"] >= info["num_trials"] - 4


def test_warm_pools_shorten_later_jobs_and_promotion_starts_more_jobs(tmp_path):
    _, cold = _run("moasha", 0.0, tmp_path)
    _, warm = _run("moasha", 600.0, tmp_path)
    assert warm["warm_reuses"] > 0
    assert warm["num_trials"] > cold["num_trials"]  # same budget, shorter start-ups
    _, promo = _run("moasha-promotion", 0.0, tmp_path)
    assert promo["jobs_started"] > promo["num_trials"]  # every resume is one more job


def test_bench_simulates_job_startup_when_asked(tmp_path, capsys):
    """``syne-mohb bench --startup [--keep-alive S]``: every job of the runs waits and pays its
    start-up (the runs record it), the default budget counts 25 cold start-ups on top of 25
    trainings, the report names the start-up of each group, and a rerun that asks for other
    warm pools is named as made with other parameters. Flags that cannot go together are one
    line each, before anything is written."""
    import json

    from syne_mohb.cli import main
    from syne_mohb.experiments.runner import get_benchmark

    out = tmp_path / "out"
    for flags, message in [
            (["--keep-alive", "60"], "--keep-alive needs --startup"),
            (["--startup", "--simulator", "stock"], "--startup needs --simulator ours"),
            (["--startup", "--keep-alive", "-1"], "--keep-alive must be a number of seconds >= 0"),
    ]:
        assert main(["bench", "--output", str(out)] + flags) == 2
        assert message in capsys.readouterr().err
    assert not out.exists()

    args = ["bench", "--benchmarks", "mlp", "--tasks", "digits", "--methods", "moasha",
            "--seeds", "1", "--max-trials", "4", "--output", str(out), "--quiet", "--startup"]
    assert main(args + ["--keep-alive", "120"]) == 0
    assert "SageMaker job start-up (warm pools kept 120 s)" in capsys.readouterr().out
    info = json.loads((out / "mlp" / "digits" / "moasha" / "seed-0" / "metadata.json")
                      .read_text())["syne_mohb"]
    assert info["startup"] == asdict(JobStartup(keep_alive_s=120.0))
    assert info["jobs_started"] > 0
    bench = get_benchmark("mlp")
    assert info["budget_s"] == pytest.approx(25 * (bench.full_runtime("digits") + JobStartup()
                                                   .cold_total(bench.default_instance)))
    assert main(args) == 2
    assert ("startup SageMaker job start-up (warm pools kept 120 s) there, SageMaker job "
            "start-up (no warm pools) asked") in capsys.readouterr().err


def test_delays_that_are_not_dicts_of_seconds_are_named():
    with pytest.raises(ValueError, match=r"provisioning_s must be a dict .*'cpu'"):
        JobStartup(provisioning_s=10.0)
    with pytest.raises(ValueError, match="download_s values must be seconds"):
        JobStartup(download_s={"cpu": "20", "accelerated": 60.0})
    with pytest.raises(ValueError, match="keep_alive_s must be seconds"):
        JobStartup(keep_alive_s="600")


def test_the_policy_weighs_a_warm_pool_until_a_job_takes_it_or_it_expires():
    """With ``keep_alive_s``, a job that ends leaves its type warm for that long (once per job,
    even when a trial stopped at its last epoch is then reported complete); the next job
    started there takes the instance; without keep-alive nothing is weighed warm."""
    from syne_tune.config_space import choice

    from syne_mohb.hardware.policy import HardwarePolicy

    cpu, gpu = "ml.m5.xlarge", "ml.g4dn.xlarge"
    space = {"width": choice([8, 16]), "instance_type": choice([cpu, gpu])}
    startup = JobStartup(keep_alive_s=100.0)
    policy = HardwarePolicy(job_startup=startup, random_seed=0)
    policy.bind(space, ["accuracy", "runtime"])
    cold = policy._startup_waits()
    np.testing.assert_allclose(cold[0], [90.0, 150.0])  # provisioning: cpu, accelerated
    np.testing.assert_allclose(cold[1], [20.0, 60.0])  # billed download
    on_gpu = {"width": 8, "instance_type": gpu}
    policy.on_trial_add(0, on_gpu)
    for _ in range(2):  # STOP at the last epoch, then complete: one job, one warm instance
        policy.on_job_end(0, on_gpu, {"st_tuner_time": 10.0})
    unbilled, billed = policy._startup_waits()
    assert (unbilled.tolist(), billed.tolist()) == ([90.0, 15.0], [20.0, 5.0])
    policy.on_trial_add(1, on_gpu)  # takes the warm instance
    np.testing.assert_allclose(policy._startup_waits()[0], [90.0, 150.0])
    policy.on_job_end(1, on_gpu, {"st_tuner_time": 20.0})
    assert policy._warm_types().tolist() == [False, True]
    policy.on_job_end(9, {"width": 16, "instance_type": cpu}, {"st_tuner_time": 115.0})
    assert policy._warm_types().tolist() == [True, True]
    policy.on_result(1, on_gpu, {"st_tuner_time": 121.0}, 1, [0.5, 1.0])  # 20 + 100 < 121
    assert policy._warm_types().tolist() == [True, False]
    on_cpu = {"width": 16, "instance_type": cpu}
    policy.on_trial_add(10, on_cpu)  # takes the CPU type's idle instance
    assert policy._warm_types().tolist() == [False, False]
    policy.on_error(10, on_cpu)  # a failed job ends now, on the tuner's clock
    assert policy._warm_types().tolist() == [True, False] and policy._now() == 121.0

    unweighed = HardwarePolicy(job_startup=startup, warm_pools=False, random_seed=0)
    unweighed.bind(space, ["accuracy", "runtime"])
    unweighed.on_job_end(0, on_gpu, {"st_tuner_time": 10.0})
    assert not unweighed._warm_types().any()  # every start-up weighed cold (before 2026-12-07)
    with pytest.raises(ValueError, match="warm_pools must be True or False, got 'yes'"):
        HardwarePolicy(job_startup=startup, warm_pools="yes")

    no_pools = HardwarePolicy(job_startup=JobStartup(), random_seed=0)
    no_pools.bind(space, ["accuracy", "runtime"])
    no_pools.on_job_end(0, on_gpu, {"st_tuner_time": 10.0})
    assert not no_pools._warm_types().any()


def test_weighed_pools_follow_the_backends_report_once_there_is_one():
    """``WeighedPools``: modelled pools until a report; then the report, less the pools taken
    since (the same report again gives none back; a different one starts afresh); a job told
    ended twice leaves one instance."""
    from syne_mohb.hardware.startup import WeighedPools

    pools = WeighedPools(100.0)
    assert pools.end((0, 0)) and not pools.end((0, 0))
    pools.release("cpu", 10.0)
    assert pools.warm("cpu", 20.0) and not pools.warm("gpu", 20.0) and pools.idle("cpu") is None
    pools.tell({"gpu": 1})  # the backend's report replaces the modelled pools
    assert pools.warm("gpu", 20.0) and not pools.warm("cpu", 20.0)
    pools.take("gpu", 21.0)
    assert pools.idle("gpu") == 0 and not pools.warm("gpu", 21.0)
    pools.tell({"gpu": 1})  # the same, lagging report: the taken pool stays taken
    assert not pools.warm("gpu", 22.0)
    pools.tell({"gpu": 2})
    assert pools.idle("gpu") == 2


def test_a_policy_pickled_before_its_pools_were_a_class_loads_them():
    """A durable run pickles its policy at the start; one pickled while the policy kept the
    pools' bookkeeping itself (``_warm``, ``_ended_jobs``, ``_told_warm``, ``_taken_warm``)
    or before warm pools were weighed (none of them) weighs them after loading."""
    import pickle

    from syne_tune.config_space import choice

    from syne_mohb.hardware.policy import HardwarePolicy
    from syne_mohb.hardware.startup import WarmPools

    space = {"width": choice([8, 16]), "instance_type": choice(["ml.m5.xlarge",
                                                                "ml.g4dn.xlarge"])}
    on_gpu = {"width": 8, "instance_type": "ml.g4dn.xlarge"}
    for told in (None, {"ml.g4dn.xlarge": 1}):
        policy = HardwarePolicy(job_startup=JobStartup(keep_alive_s=100.0), random_seed=0)
        policy.bind(space, ["accuracy", "runtime"])
        state = policy.__dict__
        del state["_pools"]
        state.update(_warm=WarmPools(100.0), _ended_jobs=set())
        if told is not None:
            state.update(_told_warm=told, _taken_warm={})
        old = pickle.loads(pickle.dumps(policy))
        old.on_job_end(0, on_gpu, {"st_tuner_time": 10.0})
        assert old._warm_types().tolist() == [False, True]
        assert old.told_warm_pools == told and "_warm" not in old.__dict__
    older = HardwarePolicy(job_startup=JobStartup(keep_alive_s=100.0), random_seed=0)
    older.bind(space, ["accuracy", "runtime"])
    for name in ("_pools", "_resumed_on", "_result_time", "_clock_start"):
        del older.__dict__[name]
    older = pickle.loads(pickle.dumps(older))
    older.on_job_end(0, on_gpu, {"st_tuner_time": 10.0})
    assert older._warm_types().tolist() == [False, True]


@pytest.mark.parametrize("method", ["moasha", "moasha-promotion"])
def test_the_policys_warm_pools_are_the_backends(method, tmp_path, monkeypatch):
    """Every job the policy expects to start on a warm instance does, and no other: its record
    of the pools (MO-ASHA tells it of every job's end) follows the simulated backend's."""
    from syne_mohb.hardware.policy import HardwarePolicy

    expected = []
    take = HardwarePolicy._take_warm

    def counting(self, instance):
        warm = self._warm_types()
        expected.append(instance is not None and str(instance) in self.specs
                        and bool(warm[self.model.type_index(instance)]))
        return take(self, instance)

    monkeypatch.setattr(HardwarePolicy, "_take_warm", counting)
    _, info = _run(method, 600.0, tmp_path)
    assert len(expected) == info["jobs_started"]
    assert sum(expected) == info["warm_reuses"] > 0
