"""Instance catalog, config-space helpers, dollar cost and local profiles."""

import json
import math

import pytest
from syne_tune.config_space import Categorical, choice

from syne_mohb.hardware import (
    INSTANCE_TYPE,
    InstanceCatalog,
    InstanceType,
    MissingPriceError,
    PriceTable,
    UnknownInstanceTypeError,
    dollar_cost,
    get_local_profile,
    instance_names_in,
    instance_types,
    load_catalog,
    local_profile_names,
    local_profiles,
)
from syne_mohb.hardware.catalog import SNAPSHOT_PATH, read_snapshot
from syne_mohb.hardware.profiles import THREAD_ENV_VARS, available_cpus


@pytest.fixture
def catalog(tmp_path):
    # no cached refresh, no published fallback (tests/test_prices_fallback.py): the snapshot
    return load_catalog(cache_dir=tmp_path, published_fallback=False)


def test_snapshot_covers_current_training_types_with_sources(catalog):
    families = {it.family for it in catalog}
    assert {"m5", "c5", "g4dn", "g5", "p3", "p4d", "g6", "g6e", "p5", "trn1", "c6i", "c7i",
            "m6i", "m7i", "r5"} <= families
    doc = json.loads(SNAPSHOT_PATH.read_text())
    assert doc["specs_date"] and doc["price_date"] and set(doc["sources"]) >= {
        "instance_types", "ec2", "prices"}
    rows = {r["name"]: r for r in doc["instances"]}
    # types without a published price say so in the file instead of carrying a made-up one
    assert sorted(doc["prices_not_found"]) == sorted(
        n for n, r in rows.items() if r["price_per_hour"] is None)
    for it in catalog:
        assert it.region == "us-east-1" and it.price_date
        assert it.vcpus > 0 and it.memory_gib > 0
        assert (it.gpus == 0) == (it.gpu_model is None) == (it.accelerator is None)
        row = rows[it.name]
        assert (row["price_source"] is None) == (it.price_per_hour is None)
        assert it.price_per_hour is None or it.price_per_hour > 0
    # excluded API types are listed with the reason
    assert all(reason for reason in doc["excluded"].values())
    assert not set(doc["excluded"]) & set(rows)


def test_new_accelerators_are_described(catalog):
    g6 = catalog.get("ml.g6.12xlarge")
    assert (g6.vcpus, g6.memory_gib, g6.gpus, g6.gpu_model) == (48, 192.0, 4, "L4")
    assert catalog.get("ml.g6e.xlarge").gpu_model == "L40S"
    p5 = catalog.get("ml.p5.48xlarge")
    assert (p5.vcpus, p5.gpus, p5.gpu_model, p5.gpu_memory_gib) == (192, 8, "H100", 80.0)
    trn = catalog.get("ml.trn1.32xlarge")
    assert (trn.gpus, trn.gpu_model, trn.accelerator, trn.total_gpu_memory_gib) == (
        16, "Trainium", "aws-trainium", 512.0)
    assert catalog.get("ml.g5.xlarge").accelerator == "nvidia-gpu"
    assert catalog.get("ml.c7i.large").accelerator is None
    assert {it.name for it in catalog.filter(gpu_models="H100", require_price=False)} == {
        "ml.p5.4xlarge", "ml.p5.48xlarge"}
    # unpriced types are known (no UnknownInstanceTypeError) but cannot be priced yet
    with pytest.raises(MissingPriceError, match="refresh_prices"):
        catalog.price_per_hour("ml.g6.xlarge")


def test_lookup_matches_published_snapshot(catalog):
    p4d = catalog.get("ml.p4d.24xlarge")
    assert (p4d.vcpus, p4d.gpus, p4d.gpu_model, p4d.gpu_memory_gib) == (96, 8, "A100", 40.0)
    assert p4d.total_gpu_memory_gib == 320.0
    assert catalog.price_per_hour("ml.p4d.24xlarge") == 37.688
    assert catalog.price_per_hour("ml.m5.large") == 0.134
    assert catalog.get("ml.g4dn.12xlarge").gpus == 4
    assert catalog.get("ml.g5.48xlarge").memory_gib == 768.0
    assert "ml.c5.9xlarge" in catalog and "ml.c5.9xlarge" in catalog.names()


def test_unknown_instance_lists_closest_names(catalog):
    with pytest.raises(UnknownInstanceTypeError) as e:
        catalog.get("ml.g5.64xlarge")
    msg = str(e.value)
    assert "'ml.g5.64xlarge'" in msg and "ml.g5.48xlarge" in msg and "ml.g5.24xlarge" in msg
    assert isinstance(e.value, ValueError)
    with pytest.raises(UnknownInstanceTypeError, match="ml.m5.large"):
        catalog.price_per_hour("ml.m5.larg")


def test_missing_price_is_a_clear_error(tmp_path):
    eu = load_catalog(region="eu-west-1", cache_dir=tmp_path)
    assert eu.get("ml.m5.large").vcpus == 2  # specs stay known
    with pytest.raises(MissingPriceError, match=r"refresh_prices\('eu-west-1'\)"):
        eu.price_per_hour("ml.m5.large")
    assert eu.filter() == []  # nothing priced: nothing offered
    assert len(eu.filter(require_price=False)) == len(eu)


def test_filter_bounds(catalog):
    cheap_gpu = catalog.filter(min_gpus=1, max_price_per_hour=1.1)
    assert [it.name for it in cheap_gpu] == ["ml.g4dn.xlarge", "ml.g4dn.2xlarge", "ml.g5.xlarge"]
    multi = catalog.filter(min_gpus=4, families=["p3", "g5"])
    assert {it.name for it in multi} == {"ml.p3.8xlarge", "ml.p3.16xlarge", "ml.g5.12xlarge",
                                         "ml.g5.48xlarge"}
    cpu = catalog.filter(max_gpus=0, min_vcpus=16)
    assert {it.name for it in cpu} == {"ml.m5.4xlarge", "ml.c5.4xlarge", "ml.c5.9xlarge",
                                       "ml.c5.18xlarge"}
    assert {it.name for it in catalog.filter(gpu_models="V100")} == {
        "ml.p3.2xlarge", "ml.p3.8xlarge", "ml.p3.16xlarge"}
    assert [it.name for it in catalog.filter(min_gpu_memory_gib=40)] == ["ml.p4d.24xlarge"]
    assert all(it.memory_gib >= 128 for it in catalog.filter(min_memory_gib=128))
    priced = [it for it in catalog if it.price_per_hour is not None]
    assert catalog.filter() == priced  # unpriced types are left out by default
    assert len(catalog.filter(require_price=False)) == len(catalog)


@pytest.mark.parametrize("kwargs, match", [
    ({"families": ["g9"]}, "families"),
    ({"gpu_models": "H1000"}, "gpu_models"),
    ({"min_gpus": -1}, "min_gpus"),
    ({"max_price_per_hour": "2"}, "max_price_per_hour"),
])
def test_filter_rejects_bad_arguments(catalog, kwargs, match):
    with pytest.raises(ValueError, match=match):
        catalog.filter(**kwargs)


def test_instance_types_domain(catalog):
    dom = instance_types(catalog=catalog, max_price_per_hour=0.3)
    assert isinstance(dom, Categorical)
    assert list(dom.categories) == ["ml.m5.large", "ml.m5.xlarge", "ml.c5.xlarge"]
    assert instance_names_in({INSTANCE_TYPE: dom}) == list(dom.categories)
    with pytest.raises(ValueError, match="selects no priced instance type"):
        instance_types(catalog=catalog, min_gpus=1, max_price_per_hour=0.5)


def test_a_misspelt_filter_names_the_closest_ones(catalog):
    with pytest.raises(ValueError, match=r"unknown filter familes=\.\.\.; did you mean "
                                         r"families\? filters: min_gpus, "):
        instance_types(catalog=catalog, familes=["m5"])  # was Python's TypeError


def test_instance_types_by_name(catalog):
    """``instance_types([...])``: the named catalog types in the given order (duplicates
    once), the filter applied to them; an unknown name, an unpriced one, an empty list or a
    filter that leaves none is one error naming what to do."""
    dom = instance_types(["ml.g5.xlarge", "ml.m5.xlarge", "ml.g5.xlarge"], catalog=catalog)
    assert list(dom.categories) == ["ml.g5.xlarge", "ml.m5.xlarge"]
    assert list(instance_types("ml.p3.2xlarge", catalog=catalog).categories) == ["ml.p3.2xlarge"]
    assert list(instance_types(["ml.g5.xlarge", "ml.m5.xlarge"], catalog=catalog,
                               max_gpus=0).categories) == ["ml.m5.xlarge"]
    assert list(instance_types(catalog, max_price_per_hour=0.3).categories) == [
        "ml.m5.large", "ml.m5.xlarge", "ml.c5.xlarge"]  # the catalog positionally, as before
    with pytest.raises(UnknownInstanceTypeError, match="'ml.m5.xlargee'.*Closest known names: "
                                                       "ml.m5.xlarge"):
        instance_types(["ml.m5.xlargee"], catalog=catalog)
    unpriced = next(it.name for it in catalog if it.price_per_hour is None)
    with pytest.raises(MissingPriceError, match=f"no price for '{unpriced}'.*refresh_prices"):
        instance_types([unpriced, "ml.m5.xlarge"], catalog=catalog)
    with pytest.raises(ValueError, match="none of \\['ml.g5.xlarge'\\] passes the filter"):
        instance_types(["ml.g5.xlarge"], catalog=catalog, max_gpus=0)
    for bad in ([], [3], 5):
        with pytest.raises(ValueError, match="names must be"):
            instance_types(bad, catalog=catalog)
    with pytest.raises(ValueError, match="catalog must be an InstanceCatalog"):
        instance_types(["ml.m5.xlarge"], catalog={"ml.m5.xlarge": 0.2})


def test_bad_catalog_files(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        read_snapshot(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_snapshot(bad)
    doc = json.loads(SNAPSHOT_PATH.read_text())
    del doc["instances"][3]["vcpus"]
    bad.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r"instances\[3\] lacks \['vcpus'\]"):
        read_snapshot(bad)


def test_catalog_rejects_duplicates():
    it = InstanceType("ml.x.large", 2, 0, None, 0.0, 8.0, 0.1, "us-east-1", "2026-06")
    with pytest.raises(ValueError, match="duplicate"):
        InstanceCatalog([it, it])


def test_dollar_cost_arithmetic():
    assert dollar_cost(3600, 0.134) == pytest.approx(0.134)
    assert dollar_cost(90, 37.688, instance_count=2) == pytest.approx(90 * 37.688 / 3600 * 2)
    assert dollar_cost(0, 5.0) == 0.0
    for bad in [(-1, 1.0), (1, -1.0), (math.nan, 1.0), (1, math.inf)]:
        with pytest.raises(ValueError):
            dollar_cost(*bad)
    with pytest.raises(ValueError, match="instance_count"):
        dollar_cost(1, 1.0, instance_count=0)


def test_price_table_local_profiles_and_overrides(catalog):
    table = PriceTable({"local-cpu-1": 0.05, "ml.m5.large": 0.2}, catalog)
    assert table.price_per_hour("local-cpu-1") == 0.05
    assert table.price_per_hour("ml.m5.large") == 0.2  # user override wins
    assert table.price_per_hour("ml.c5.xlarge") == 0.238
    with pytest.raises(MissingPriceError, match="local-cpu-2"):
        table.price_per_hour("local-cpu-2")
    with pytest.raises(ValueError, match=r"prices\['local-cpu-1'\]"):
        PriceTable({"local-cpu-1": -1.0})
    space = {INSTANCE_TYPE: local_profiles({"local-cpu-1": 0.05})}
    assert table.validate_config_space(space) == ["local-cpu-1"]
    with pytest.raises(UnknownInstanceTypeError):
        table.validate_config_space({INSTANCE_TYPE: "ml.g5.64xlarge"})
    with pytest.raises(MissingPriceError, match="ml.g6.xlarge"):
        table.validate_config_space({INSTANCE_TYPE: "ml.g6.xlarge"})


def test_local_profiles_carry_their_prices_to_the_backend_and_the_policy(tmp_path):
    import pickle

    from syne_mohb.backends.local import LocalProfileBackend
    from syne_mohb.hardware import HardwarePolicy
    from syne_mohb.hardware.space import space_prices

    script = tmp_path / "train.py"
    script.write_text("print('ok')\n")
    space = {"lr": choice([0.1, 0.01]),
             INSTANCE_TYPE: local_profiles({"local-cpu-1": 0.05})}
    assert space_prices(space, INSTANCE_TYPE) == {"local-cpu-1": 0.05}
    assert space_prices({INSTANCE_TYPE: choice(["local-cpu-1"])}, INSTANCE_TYPE) == {}
    assert space_prices(None, INSTANCE_TYPE) == {}
    assert pickle.loads(pickle.dumps(space))[INSTANCE_TYPE].prices == {"local-cpu-1": 0.05}
    backend = LocalProfileBackend(str(script), config_space=space)  # no prices=...
    assert backend._price_table.price_per_hour("local-cpu-1") == 0.05
    given = LocalProfileBackend(str(script), config_space=space, prices={"local-cpu-1": 0.07})
    assert given._price_table.price_per_hour("local-cpu-1") == 0.07  # the given one wins
    policy = HardwarePolicy(random_seed=0)
    policy.bind(space, ["accuracy", "st_worker_cost"])
    assert policy.specs["local-cpu-1"].price_per_hour == 0.05
    policy = HardwarePolicy(random_seed=0, prices={"local-cpu-1": 0.07})
    policy.bind(space, ["accuracy", "st_worker_cost"])
    assert policy.specs["local-cpu-1"].price_per_hour == 0.07
    # a plain choice of profiles carries no price: the backend says which is missing
    with pytest.raises(MissingPriceError, match="local-cpu-1"):
        LocalProfileBackend(str(script), config_space={INSTANCE_TYPE: choice(["local-cpu-1"])})


def test_local_profiles_follow_this_machine():
    n = len(available_cpus())
    names = local_profile_names(num_gpus=0)
    assert names == [f"local-cpu-{k}" for k in range(1, n + 1)]
    prof = get_local_profile("local-cpu-1")
    assert prof.cpus == 1 and prof.gpu is None
    env = prof.env()
    assert all(env[v] == "1" for v in THREAD_ENV_VARS) and env["SYNE_MOHB_PROFILE"] == "local-cpu-1"
    with pytest.raises(UnknownInstanceTypeError, match=f"local-cpu-{n}"):
        get_local_profile(f"local-cpu-{n + 1}")
    with pytest.raises(UnknownInstanceTypeError, match="0 GPU"):
        get_local_profile("local-gpu-0", num_gpus=0)
    gpu = get_local_profile("local-gpu-1", num_cpus=8, num_gpus=2)
    assert (gpu.cpus, gpu.gpu, gpu.env()["CUDA_VISIBLE_DEVICES"]) == (4, 1, "1")
    with pytest.raises(ValueError, match="non-empty"):
        local_profiles({})


def test_every_catalog_accelerator_but_the_rtx_pro_ones_has_a_speed():
    """A GPU without a relative speed counts as half a V100 in the runtime model's prior: the
    catalog's H200 (ml.p5en), B200 and B300 (ml.p6) types were priced like that, 16-36x too
    slow. Only the RTX PRO GPUs (g7, g7e), whose dense 16-bit peaks are not published, remain."""
    from syne_mohb.hardware.accelerators import GPU_RELATIVE_SPEED
    from syne_mohb.hardware.model import hardware_specs

    models = {it.gpu_model for it in load_catalog() if it.gpu_model}
    assert models - set(GPU_RELATIVE_SPEED) == {"RTX PRO 4500", "RTX PRO Server 6000"}
    speed = {t: s.features()[-1] for t, s in hardware_specs(
        ["ml.p5.48xlarge", "ml.p5en.48xlarge", "ml.p6-b200.48xlarge"]).items()}
    assert speed["ml.p5en.48xlarge"] == speed["ml.p5.48xlarge"] < speed["ml.p6-b200.48xlarge"]
