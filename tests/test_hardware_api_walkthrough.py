"""The public hardware API as a demanding user meets it: names outside the catalog, prices and
specs of the wrong type, bad configurations for the runtime model, pickling a bound policy.
Each case is a clear ``ValueError`` naming the parameter (not a numpy / pandas / sklearn
traceback), and what was computed before stays."""
from __future__ import annotations

import datetime as dt
import logging
import pickle

import numpy as np
import pandas as pd
import pytest
from syne_tune.config_space import choice, loguniform, randint

from syne_mohb.hardware import (
    HardwarePolicy,
    InstanceCatalog,
    InstanceType,
    PriceTable,
    RuntimeCostModel,
    UnknownInstanceTypeError,
    get_local_profile,
    hardware_specs,
    instance_types,
    load_catalog,
    local_profile_names,
)
from syne_mohb.searchers.hardware import InstanceTypePreference

CPU, GPU = "ml.m5.xlarge", "ml.g4dn.xlarge"
HP = {"lr": loguniform(1e-4, 1e-1), "width": randint(8, 256), "opt": choice(["sgd", "adam"])}
CFG = {"lr": 1e-2, "width": 64, "opt": "adam"}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(use_cache=False)


@pytest.fixture(scope="module")
def specs(catalog):
    return hardware_specs([CPU, GPU], catalog)


# ---------------------------------------------------------------- catalog and prices
def test_a_name_off_by_case_or_spaces_says_which_was_meant(catalog):
    for name in ("ML.M5.XLARGE", " ml.m5.xlarge "):
        with pytest.raises(UnknownInstanceTypeError, match="Did you mean 'ml.m5.xlarge'"):
            catalog.get(name)
    with pytest.raises(UnknownInstanceTypeError, match="names are strings, got NoneType"):
        catalog.get(None)
    with pytest.raises(UnknownInstanceTypeError, match="did you mean 'ml.m5.xlarge'"):
        catalog.with_prices({"ML.m5.xlarge": 0.2}, "us-east-1", "2026-01-01")


def test_instance_types_outside_the_catalog_say_how_to_declare_them(catalog):
    with pytest.raises(UnknownInstanceTypeError, match=r"choice\(\[...\]\) with HardwarePolicy"):
        instance_types(["cpu-node", "gpu-node"], catalog=catalog)
    with pytest.raises(UnknownInstanceTypeError, match="local_profiles"):
        instance_types(["local-cpu-1"], catalog=catalog)


def test_filters_reject_nan_bools_and_non_lists(catalog):
    for kwargs, pname in [({"max_price_per_hour": float("nan")}, "max_price_per_hour"),
                          ({"min_gpus": True}, "min_gpus"), ({"families": 5}, "families"),
                          ({"require_price": "no"}, "require_price")]:
        with pytest.raises(ValueError, match=pname):
            catalog.filter(**kwargs)
    assert len(catalog.filter(max_price_per_hour=float("inf"))) == len(catalog.filter())


def test_with_prices_checks_names_specs_dates_and_tables(catalog):
    day = "2026-01-01"
    with pytest.raises(ValueError, match=r"dict\(zip\(df\['name'\]"):
        catalog.with_prices(pd.DataFrame({"name": [CPU], "price_per_hour": [0.2]}),
                            "us-east-1", day)
    with pytest.raises(ValueError, match="keys must be instance type names"):
        catalog.with_prices({5: 0.2}, "us-east-1", day, add_unknown=True)
    with pytest.raises(ValueError, match=r"unknown keys \['vcpu'\]"):
        catalog.with_prices({"new": {"price_per_hour": 1, "vcpu": 8}}, "us-east-1", day,
                            add_unknown=True)
    with pytest.raises(ValueError, match=r"prices\['new'\]\['vcpus'\] must be an integer"):
        catalog.with_prices({"new": {"price_per_hour": 1, "vcpus": "eight"}}, "us-east-1", day,
                            add_unknown=True)
    with pytest.raises(ValueError, match=r"prices\['new'\]\['gpus'\]"):
        catalog.with_prices({"new": {"price_per_hour": 1, "gpus": 1.5}}, "us-east-1", day,
                            add_unknown=True)
    # a dict without a price must not drop the price a known type has
    with pytest.raises(ValueError, match="gives no price_per_hour"):
        catalog.with_prices({CPU: {"vcpus": 8}}, "us-east-1", day)
    assert catalog.price_per_hour(CPU) > 0
    priced = catalog.with_prices({CPU: np.float32(0.25)}, "us-east-1", dt.date(2026, 1, 2))
    assert priced.price_per_hour(CPU) == pytest.approx(0.25)
    assert priced.get(CPU).price_date == "2026-01-02"


def test_records_catalogs_and_price_tables_reject_what_they_cannot_hold():
    row = dict(name="x", vcpus=2, gpus=0, gpu_model=None, gpu_memory_gib=0.0, memory_gib=8.0,
               price_per_hour=0.1, region="us-east-1", price_date="2026-06")
    for key, bad in [("price_per_hour", -1.0), ("price_per_hour", float("nan")),
                     ("vcpus", "x"), ("memory_gib", -2.0), ("name", "")]:
        with pytest.raises(ValueError, match=key):
            InstanceType(**{**row, key: bad})
    assert InstanceType(**{**row, "price_per_hour": None}).price_per_hour is None
    for bad in (None, {"x": 1}, pd.DataFrame({"name": ["x"]})):
        with pytest.raises(ValueError, match="instances must be an iterable of InstanceType"):
            InstanceCatalog(bad)
    with pytest.raises(ValueError, match="prices must be a dict"):
        PriceTable(pd.DataFrame({"local-cpu-1": [0.1]}))


def test_local_profile_counts_are_checked():
    for kwargs in ({"num_cpus": "2"}, {"num_cpus": -1}, {"num_gpus": True}):
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            local_profile_names(**kwargs)
    with pytest.raises(ValueError, match="num_cpus"):
        get_local_profile("local-cpu-1", num_cpus=1.0)
    assert local_profile_names(2, 0) == ["local-cpu-1", "local-cpu-2"]


# ---------------------------------------------------------------- specs and the model
def test_hardware_specs_checks_specs_prices_and_catalog(catalog, caplog):
    for spec, key in [({"vcpus": "eight"}, "vcpus"), ({"memory_gib": "16"}, "memory_gib"),
                      ({"vcpus": -8}, "vcpus"), ({"gpu_model": 4090, "gpus": 1}, "gpu_model")]:
        with pytest.raises(ValueError, match=rf"specs\['node'\]\['{key}'\]"):
            hardware_specs(["node"], catalog, specs={"node": spec})
    with pytest.raises(ValueError, match=r"specs\['node'\] must be a dict"):
        hardware_specs(["node"], catalog, specs={"node": [8, 1]})
    with pytest.raises(ValueError, match="price of 'node'"):
        hardware_specs(["node"], catalog, prices={"node": True})
    with pytest.raises(ValueError, match="catalog must be an instance catalog"):
        hardware_specs([CPU], {CPU: 0.2})
    # a Ray node type may ask for a fraction of a GPU; numpy prices are numbers
    got = hardware_specs(["node"], catalog, specs={"node": {"vcpus": 4.0, "gpus": 0.5,
                                                            "gpu_model": "T4"}},
                         prices={"node": np.float32(0.5)})["node"]
    assert (got.gpus, got.price_per_hour) == (0.5, 0.5)
    assert list(hardware_specs(CPU, catalog)) == [CPU]  # one name, not its characters
    with caplog.at_level(logging.WARNING, logger="syne_mohb.hardware.model"):
        hardware_specs(["node"], catalog, specs={"node": {"gpus": 1, "gpu_model": "t4"}})
    assert "did you mean 'T4'" in caplog.text


def test_model_arguments_are_checked(specs):
    for kwargs, pname in [({"n_estimators": True}, "n_estimators"),
                          ({"prior_strength": "1"}, "prior_strength"),
                          ({"prior_strength": float("inf")}, "prior_strength"),
                          ({"refit_growth": "2"}, "refit_growth"),
                          ({"random_seed": "a"}, "random_seed")]:
        with pytest.raises(ValueError, match=pname):
            RuntimeCostModel(HP, specs, **kwargs)
    with pytest.raises(ValueError, match="config_space must be a dict"):
        RuntimeCostModel([1, 2], specs)
    with pytest.raises(ValueError, match="build specs with"):
        RuntimeCostModel(HP, {CPU: {"vcpus": 4}})
    with pytest.raises(ValueError, match="specs must be a non-empty dict"):
        RuntimeCostModel(HP, [CPU, GPU])


def test_model_names_bad_configurations_before_and_after_a_fit(specs):
    model = RuntimeCostModel(HP, specs, random_seed=0)
    for fitted in (False, True):
        with pytest.raises(ValueError, match=r"lacks the hyperparameters \['width', 'opt'\]"):
            model.predict_seconds([{"lr": 0.01}])
        with pytest.raises(ValueError, match=r"one configuration: \[config\]"):
            model.predict_log(CFG)
        with pytest.raises(ValueError, match=r"one type: \['ml.m5.xlarge'\]"):
            model.predict_seconds([CFG], instances=CPU)
        with pytest.raises(ValueError, match="opt='rmsprop' is not one of the categories"):
            model.observe("bad", dict(CFG, opt="rmsprop"), CPU, 1, 5.0)
        for kwargs, pname in [({"level": "0.8"}, "level"), ({"resource": -1}, "resource")]:
            with pytest.raises(ValueError, match=pname):
                model.predict_seconds([CFG], **kwargs)
        with pytest.raises(ValueError, match="seconds must be a number"):
            model.observe("bad", CFG, CPU, 1, None)
        if not fitted:
            for k in range(4):
                model.observe(k, dict(CFG, width=16 * (k + 1)), [CPU, GPU][k % 2], 1, 2.0 + k)
            assert model.fit()
    assert model.num_observations == 4  # the bad rows added nothing, the good ones stayed
    # a value outside the domain is clipped to its bound (documented), not an error
    out, bound = (model.predict_seconds([dict(CFG, width=w)])[0] for w in (10_000, 256))
    np.testing.assert_allclose(out, bound)
    with pytest.raises(ValueError, match="one entry per evaluation"):
        model.add_prior_evaluations([CFG, CFG], [CPU], [1.0, 2.0, 3.0])


# ---------------------------------------------------------------- the policy
def _space(types=(CPU, GPU)):
    return {"lr": loguniform(1e-4, 1e-1), "width": randint(8, 256),
            "instance_type": choice(list(types))}


def test_policy_arguments_are_checked():
    for kwargs, pname in [({"instance_types": {CPU, GPU}}, "instance_types"),
                          ({"catalog": {CPU: 0.2}}, "catalog"),
                          ({"restart_margin": True}, "restart_margin"),
                          ({"prior_time_objective": 3}, "prior_time_objective")]:
        with pytest.raises(ValueError, match=pname):
            HardwarePolicy(**kwargs)
    for args, pname in [((_space(), "acc"), "metrics"), (([1], ["acc"]), "config_space"),
                        ((_space(), ["acc"], "1"), "random_seed")]:
        with pytest.raises(ValueError, match=pname):
            HardwarePolicy().bind(*args)
    policy = HardwarePolicy(random_seed=0)
    policy.bind(_space(), ["acc", "cost"])
    with pytest.raises(ValueError, match=r"lacks the hyperparameters \['width'\]"):
        policy.choose({"lr": 0.01})


def test_a_bound_policy_pickles_and_its_copy_chooses_alike():
    policy = HardwarePolicy(random_seed=5)
    policy.bind(_space(), ["acc", "cost"])
    config = {"lr": 0.01, "width": 64}
    for trial in range(4):
        chosen = policy.choose(config)
        policy.on_trial_add(trial, dict(config, instance_type=chosen))
        policy.on_result(trial, dict(config, instance_type=chosen),
                         {"st_worker_time": 3.0, "st_worker_cost": 0.01}, 1, [0.5, 0.01])
    copy = pickle.loads(pickle.dumps(policy))
    assert [copy.choose(config) for _ in range(5)] == [policy.choose(config) for _ in range(5)]


def test_a_zero_price_is_said_to_be_costed_as_the_others(caplog):
    policy = HardwarePolicy(prices={CPU: 0.0, GPU: 0.5}, random_seed=0)
    with caplog.at_level(logging.WARNING, logger="syne_mohb.hardware.policy"):
        policy.bind(_space(), ["acc", "cost"])
    assert "price 0 for ['ml.m5.xlarge']" in caplog.text


def test_instance_preference_checks_its_arguments_and_results():
    space = {"lr": loguniform(1e-4, 1e-1), "instance_type": choice(["a", "b"])}
    for kwargs, pname in [({"exploration": "0.1"}, "exploration"), ({"z_score": "3"}, "z_score"),
                          ({"min_results_per_type": 2.5}, "min_results_per_type"),
                          ({"refit_growth": 0}, "refit_growth")]:
        with pytest.raises(ValueError, match=pname):
            InstanceTypePreference(space, ["max", "min"], **kwargs)
    with pytest.raises(ValueError, match="one 'min' or 'max' per reported metric"):
        InstanceTypePreference(space, "max")  # was read as three modes, one per letter
    pref = InstanceTypePreference(space, ["max", "min"])
    with pytest.raises(ValueError, match="one value per mode"):
        pref.observe(0, {"lr": 0.01, "instance_type": "a"}, [0.5])
    pref.observe(1, {"lr": 0.01, "instance_type": "zzz"}, [0.5, 1.0])  # not offered: ignored
    pref.observe(2, {"lr": 0.01, "instance_type": "a"}, [0.5, 1.0])
    assert pref.num_results == 1


def test_a_price_date_in_the_future_is_refused():
    from syne_mohb.hardware import load_catalog

    catalog = load_catalog()
    with pytest.raises(ValueError, match=r"price_date '2099-01-01' is in the future"):
        catalog.with_prices({"ml.m5.xlarge": 0.2}, "us-east-1", "2099-01-01")
    today = dt.date.today().isoformat()
    assert catalog.with_prices({"ml.m5.xlarge": 0.2}, "us-east-1", today).get(
        "ml.m5.xlarge").price_date == today
