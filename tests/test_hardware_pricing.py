"""refresh_prices against a stubbed AWS Price List API (moto does not implement 'pricing')."""

import logging
import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from syne_mohb.hardware import MissingPriceError, PriceRefreshError, load_catalog, refresh_prices
from syne_mohb.hardware.pricing import CACHE_DIR_ENV, cache_path, default_cache_dir

REGION_PREFIX = {"us-east-1": "USE1", "eu-west-1": "EU"}
LOCATION = {"us-east-1": "US East (N. Virginia)", "eu-west-1": "EU (Ireland)"}


def price_item(region, usage, instance, price, vcpu="4", memory="16 GiB", gpu=None,
               sku="ABCDEFGH12345678"):
    """One PriceList entry shaped like the Price List API's (a JSON document as a string)."""
    attrs = {
        "servicecode": "AmazonSageMaker", "servicename": "Amazon SageMaker",
        "location": LOCATION[region], "locationType": "AWS Region", "regionCode": region,
        "usagetype": f"{REGION_PREFIX[region]}-{usage}:{instance}", "operation": "RunInstance",
        "instanceName": instance, "vCpu": vcpu, "memory": memory,
        "component": {"Train": "Training", "Host": "Hosting", "Notebk": "Notebook"}[usage],
    }
    if gpu is not None:
        attrs["gpu"] = gpu
    term = f"{sku}.JRTCKXETXF"
    doc = {
        "product": {"productFamily": "ML Instance", "attributes": attrs, "sku": sku},
        "serviceCode": "AmazonSageMaker",
        "terms": {"OnDemand": {term: {
            "priceDimensions": {f"{term}.6YS6EN2CT7": {
                "unit": "Hrs", "endRange": "Inf", "beginRange": "0", "appliesTo": [],
                "rateCode": f"{term}.6YS6EN2CT7",
                "description": f"${price} per {instance} hour in {LOCATION[region]}",
                "pricePerUnit": {"USD": f"{float(price):.10f}"},
            }},
            "sku": sku, "effectiveDate": "2026-06-01T00:00:00Z", "offerTermCode": "JRTCKXETXF",
            "termAttributes": {},
        }}},
        "version": "20260601000000", "publicationDate": "2026-06-01T00:00:00Z",
    }
    return json.dumps(doc)


def expected_params(region, token=None):
    params = {
        "ServiceCode": "AmazonSageMaker",
        "Filters": [
            {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
            {"Type": "TERM_MATCH", "Field": "productFamily", "Value": "ML Instance"},
        ],
        "FormatVersion": "aws_v1",
        "MaxResults": ANY,
    }
    if token:
        params["NextToken"] = token
    return params


@pytest.fixture
def client():
    return boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def test_refresh_pages_parses_and_caches(client, tmp_path):
    page1 = [
        price_item("us-east-1", "Train", "ml.m5.large", "0.1150", vcpu="2", memory="8 GiB"),
        price_item("us-east-1", "Host", "ml.m5.large", "0.1150", vcpu="2", memory="8 GiB"),
        price_item("us-east-1", "Notebk", "ml.t3.medium", "0.05", vcpu="2", memory="4 GiB"),
    ]
    page2 = [
        price_item("us-east-1", "Train", "ml.g5.xlarge", "1.4084", gpu="1"),
        price_item("us-east-1", "Train", "ml.g6.xlarge", "1.1672", memory="16 GiB", gpu="1"),
    ]
    with Stubber(client) as stub:
        stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": page1,
                                           "NextToken": "page-2-token"},
                          expected_params("us-east-1"))
        stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": page2},
                          expected_params("us-east-1", "page-2-token"))
        prices = refresh_prices("us-east-1", cache_dir=tmp_path, client=client)
        stub.assert_no_pending_responses()
    assert set(prices) == {"ml.m5.large", "ml.g5.xlarge", "ml.g6.xlarge"}  # Host/Notebook skipped
    assert prices["ml.m5.large"]["price_per_hour"] == 0.115
    assert prices["ml.g6.xlarge"] == {"price_per_hour": 1.1672, "vcpus": 4, "memory_gib": 16.0,
                                      "gpus": 1}
    cached = json.loads(cache_path("us-east-1", tmp_path).read_text())
    assert cached["region"] == "us-east-1" and cached["prices"]["ml.g5.xlarge"]

    catalog = load_catalog(cache_dir=tmp_path)
    assert catalog.price_per_hour("ml.m5.large") == 0.115  # refreshed over the snapshot
    assert catalog.get("ml.m5.large").price_date == cached["price_date"]
    assert catalog.price_per_hour("ml.p3.2xlarge") == 3.825  # not refreshed: snapshot
    g6 = catalog.get("ml.g6.xlarge")  # a type the snapshot does not know
    assert (g6.vcpus, g6.gpus, g6.price_per_hour) == (4, 1, 1.1672)
    assert load_catalog(cache_dir=tmp_path, use_cache=False).price_per_hour("ml.m5.large") == 0.134


def test_refresh_other_region(client, tmp_path):
    with Stubber(client) as stub:
        stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": [
            price_item("eu-west-1", "Train", "ml.c5.xlarge", "0.2670")]},
            expected_params("eu-west-1"))
        refresh_prices("eu-west-1", cache_dir=tmp_path, client=client)
    eu = load_catalog(region="eu-west-1", cache_dir=tmp_path)
    assert eu.price_per_hour("ml.c5.xlarge") == 0.267
    with pytest.raises(MissingPriceError, match="eu-west-1"):
        eu.price_per_hour("ml.c5.2xlarge")
    assert load_catalog(cache_dir=tmp_path).price_per_hour("ml.c5.xlarge") == 0.238


def test_aws_error_keeps_previous_prices(client, tmp_path):
    with Stubber(client) as stub:
        stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": [
            price_item("us-east-1", "Train", "ml.m5.large", "0.1200", vcpu="2")]},
            expected_params("us-east-1"))
        refresh_prices("us-east-1", cache_dir=tmp_path, client=client)
        before = cache_path("us-east-1", tmp_path).read_text()
        stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": [
            price_item("us-east-1", "Train", "ml.m5.large", "0.2000", vcpu="2")],
            "NextToken": "t2"}, expected_params("us-east-1"))
        stub.add_client_error("get_products", service_error_code="ThrottlingException",
                              service_message="Rate exceeded", http_status_code=400)
        with pytest.raises(PriceRefreshError, match="ThrottlingException.*snapshot"):
            refresh_prices("us-east-1", cache_dir=tmp_path, client=client)
    assert cache_path("us-east-1", tmp_path).read_text() == before  # nothing half-written
    assert load_catalog(cache_dir=tmp_path).price_per_hour("ml.m5.large") == 0.12


def test_empty_answer_and_bad_arguments(client, tmp_path):
    with Stubber(client) as stub:
        stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": []},
                          expected_params("us-east-1"))
        with pytest.raises(PriceRefreshError, match="no SageMaker training prices"):
            refresh_prices("us-east-1", cache_dir=tmp_path, client=client)
    assert not cache_path("us-east-1", tmp_path).exists()
    with pytest.raises(ValueError, match="region"):
        refresh_prices("us east", cache_dir=tmp_path, client=client)
    with pytest.raises(ValueError, match="max_pages"):
        refresh_prices("us-east-1", cache_dir=tmp_path, client=client, max_pages=0)


def test_corrupt_cache_falls_back_to_snapshot(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="syne_mohb")
    cache_path("us-east-1", tmp_path).write_text("{broken")
    assert load_catalog(cache_dir=tmp_path).price_per_hour("ml.m5.large") == 0.134
    assert "Ignoring unreadable price cache" in caplog.text


def test_cache_dir_env_override(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"


@pytest.mark.filterwarnings("ignore::syne_mohb.hardware.catalog.StalePriceWarning")
def test_every_catalog_type_can_be_priced_filtered_and_validated(client, tmp_path):
    """The shipped catalog names every SageMaker training type of us-east-1; those without a
    published price fail validation with a hint (those of the 2022 fallback warn that they are
    old), and a Price List refresh (here: of eu-west-1, three pages) prices all of them, keeps
    their specs, and makes them selectable."""
    from syne_tune.config_space import choice

    from syne_mohb.hardware import INSTANCE_TYPE, PriceTable, instance_types

    snapshot = load_catalog(cache_dir=tmp_path)
    names = snapshot.names()
    table = PriceTable(catalog=snapshot)
    for it in snapshot:
        if it.price_per_hour is None:
            with pytest.raises(MissingPriceError, match=r"refresh_prices\('us-east-1'\)"):
                table.validate_config_space({INSTANCE_TYPE: it.name})
        else:
            assert table.validate_config_space({INSTANCE_TYPE: it.name}) == [it.name]

    region = "eu-west-1"
    price = {n: round(0.1 + 0.01 * i, 4) for i, n in enumerate(names)}
    items = [price_item(region, "Train", n, str(price[n]), vcpu=str(snapshot.get(n).vcpus),
                        memory=f"{snapshot.get(n).memory_gib:g} GiB") for n in names]
    pages = [items[i:i + 100] for i in range(0, len(items), 100)]
    with Stubber(client) as stub:
        for k, page in enumerate(pages):
            resp = {"FormatVersion": "aws_v1", "PriceList": page}
            if k + 1 < len(pages):
                resp["NextToken"] = f"t{k + 1}"
            stub.add_response("get_products", resp,
                              expected_params(region, f"t{k}" if k else None))
        refreshed = refresh_prices(region, cache_dir=tmp_path, client=client)
        stub.assert_no_pending_responses()
    assert set(refreshed) == set(names)
    eu = load_catalog(region=region, cache_dir=tmp_path)
    assert eu.names() == names
    for n in names:
        assert eu.price_per_hour(n) == price[n]
        assert (eu.get(n).vcpus, eu.get(n).gpus, eu.get(n).gpu_model) == (
            snapshot.get(n).vcpus, snapshot.get(n).gpus, snapshot.get(n).gpu_model)
    assert [it.name for it in eu.filter()] == names
    assert PriceTable(catalog=eu).validate_config_space({INSTANCE_TYPE: choice(names)}) == names
    assert list(instance_types(catalog=eu, gpu_models="Trainium").categories) == [
        n for n in names if ".trn1" in n]


def _queue_pages(stub, pages, region="us-east-1", read=None):
    """Queue the first ``read`` (default: all) of ``pages`` (lists of PriceList entries), each but
    the last with a NextToken, as the Price List API pages them."""
    for k, page in enumerate(pages[:read]):
        resp = {"FormatVersion": "aws_v1", "PriceList": page}
        if k + 1 < len(pages):
            resp["NextToken"] = f"t{k + 1}"
        stub.add_response("get_products", resp, expected_params(region, f"t{k}" if k else None))


PAGE1 = [price_item("us-east-1", "Train", "ml.m5.large", "0.1150", vcpu="2", memory="8 GiB"),
         price_item("us-east-1", "Train", "ml.c5.xlarge", "0.2040")]
PAGE2 = [price_item("us-east-1", "Train", "ml.g5.xlarge", "1.4084", gpu="1"),
         price_item("us-east-1", "Train", "ml.g6.xlarge", "1.1672", gpu="1")]


def test_refresh_cut_short_by_max_pages_keeps_the_earlier_prices(client, tmp_path, caplog):
    path = cache_path("us-east-1", tmp_path)
    with Stubber(client) as stub:
        _queue_pages(stub, [PAGE1, PAGE2])
        refresh_prices("us-east-1", cache_dir=tmp_path, client=client)
        stub.assert_no_pending_responses()
    full = json.loads(path.read_text())
    assert full["complete"] is True and full["pages_read"] == 2
    assert set(full["prices"]) == {"ml.m5.large", "ml.c5.xlarge", "ml.g5.xlarge", "ml.g6.xlarge"}

    newer_page1 = [price_item("us-east-1", "Train", "ml.m5.large", "0.1300", vcpu="2",
                              memory="8 GiB"),
                   price_item("us-east-1", "Train", "ml.c5.xlarge", "0.2040")]
    caplog.set_level(logging.WARNING, logger="syne_mohb")
    with Stubber(client) as stub:
        _queue_pages(stub, [newer_page1, PAGE2], read=1)  # page 2 is never asked for
        read = refresh_prices("us-east-1", cache_dir=tmp_path, client=client, max_pages=1)
        stub.assert_no_pending_responses()
    assert set(read) == {"ml.m5.large", "ml.c5.xlarge"}  # what this call read
    cut = json.loads(path.read_text())
    assert set(cut["prices"]) == set(full["prices"])  # page 2's types are kept
    assert cut["prices"]["ml.m5.large"]["price_per_hour"] == 0.13  # read now: wins
    assert cut["prices"]["ml.g6.xlarge"] == full["prices"]["ml.g6.xlarge"]
    assert (cut["complete"], cut["pages_read"], cut["max_pages"]) == (False, 1, 1)
    assert cut["kept_from_previous"] == ["ml.g5.xlarge", "ml.g6.xlarge"]
    assert cut["price_date"] <= full["price_date"] and "max_pages=1" in cut["source"]
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "cut short after max_pages=1 pages" in warning
    assert "kept 2 prices" in warning and "larger max_pages" in warning
    catalog = load_catalog(cache_dir=tmp_path)  # the loader reads the merged cache
    assert catalog.price_per_hour("ml.m5.large") == 0.13
    assert catalog.price_per_hour("ml.g6.xlarge") == 1.1672


def test_complete_refresh_after_an_incomplete_one_replaces_the_cache(client, tmp_path):
    path = cache_path("us-east-1", tmp_path)
    with Stubber(client) as stub:
        _queue_pages(stub, [PAGE1, PAGE2])
        refresh_prices("us-east-1", cache_dir=tmp_path, client=client)
        _queue_pages(stub, [PAGE1, PAGE2], read=1)
        refresh_prices("us-east-1", cache_dir=tmp_path, client=client, max_pages=1)
        assert json.loads(path.read_text())["complete"] is False
        # AWS no longer lists ml.g5.xlarge (page 2) nor ml.c5.xlarge (page 1)
        _queue_pages(stub, [PAGE1[:1], PAGE2[1:]])
        refresh_prices("us-east-1", cache_dir=tmp_path, client=client, max_pages=5)
        stub.assert_no_pending_responses()
    doc = json.loads(path.read_text())
    assert set(doc["prices"]) == {"ml.m5.large", "ml.g6.xlarge"}
    assert (doc["complete"], doc["pages_read"]) == (True, 2)
    assert "kept_from_previous" not in doc and "max_pages" not in doc


def test_partial_refresh_without_previous_cache_writes_what_it_read(client, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="syne_mohb")
    with Stubber(client) as stub:
        _queue_pages(stub, [PAGE1, PAGE2], read=1)
        read = refresh_prices("us-east-1", cache_dir=tmp_path, client=client, max_pages=1)
        stub.assert_no_pending_responses()
    doc = json.loads(cache_path("us-east-1", tmp_path).read_text())
    assert set(doc["prices"]) == set(read) == {"ml.m5.large", "ml.c5.xlarge"}
    assert (doc["complete"], doc["pages_read"], doc["kept_from_previous"]) == (False, 1, [])
    assert "max_pages=1" in caplog.text and "kept 0 prices" in caplog.text
    assert load_catalog(cache_dir=tmp_path).price_per_hour("ml.m5.large") == 0.115


def test_partial_refresh_without_any_price_leaves_the_cache(client, tmp_path):
    with Stubber(client) as stub:
        _queue_pages(stub, [PAGE1, PAGE2])
        refresh_prices("us-east-1", cache_dir=tmp_path, client=client)
        before = cache_path("us-east-1", tmp_path).read_text()
        _queue_pages(stub, [[], PAGE2], read=1)
        with pytest.raises(PriceRefreshError, match=r"max_pages=1.*cache was not changed"):
            refresh_prices("us-east-1", cache_dir=tmp_path, client=client, max_pages=1)
    assert cache_path("us-east-1", tmp_path).read_text() == before


def test_partial_refresh_never_dates_a_kept_price_newer(client, tmp_path):
    path = cache_path("us-east-1", tmp_path)
    path.write_text(json.dumps({"region": "us-east-1", "price_date": "2025-01-01",
                                "prices": {"ml.p3.2xlarge": {"price_per_hour": 3.5}}}))
    with Stubber(client) as stub:
        _queue_pages(stub, [PAGE1, PAGE2], read=1)
        refresh_prices("us-east-1", cache_dir=tmp_path, client=client, max_pages=1)
    doc = json.loads(path.read_text())
    assert doc["price_date"] == "2025-01-01" and doc["kept_from_previous"] == ["ml.p3.2xlarge"]
    assert "kept from the refresh of 2025-01-01" in doc["source"]
    p3 = load_catalog(cache_dir=tmp_path).get("ml.p3.2xlarge")
    assert (p3.price_per_hour, p3.price_date) == (3.5, "2025-01-01")
