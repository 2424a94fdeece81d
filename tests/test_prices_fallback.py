"""Prices of the instance catalog: the dated published fallback (issue 23, item 23) and unknown
instance types and regions as errors (item 17), in the library and in the SageMaker example."""

import datetime as dt
import json
import warnings

import pytest

from syne_mohb.hardware import (
    MissingPriceError,
    UnknownInstanceTypeError,
    instance_types,
    load_catalog,
    refresh_prices,
)
from syne_mohb.hardware.catalog import SNAPSHOT_PATH, STALE_PRICE_DAYS, StalePriceWarning
from syne_mohb.hardware.pricing import (
    PUBLISHED_PRICES_PATH,
    cache_path,
    check_region,
    read_published_prices,
)

from sagemaker_example import IMAGE_US, ROLE

SYNE_TUNE_013 = "Syne Tune 0.13.0 (Apache-2.0)"


@pytest.fixture
def catalog(tmp_path):
    return load_catalog(cache_dir=tmp_path)  # no cached refresh


def _stale_warnings(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, StalePriceWarning)]


# -- item 23: the published fallback ----------------------------------------------------------
def test_published_prices_fill_unpriced_types_with_their_source_and_date(catalog, tmp_path):
    published = read_published_prices()
    assert len(published["prices"]) == 47
    assert (published["region"], published["price_date"]) == ("us-east-1", "2022-03-17")
    assert published["source"].startswith(SYNE_TUNE_013)
    assert "Apache License 2.0" in PUBLISHED_PRICES_PATH.read_text()  # the attribution
    snapshot = {r["name"]: r for r in json.loads(SNAPSHOT_PATH.read_text())["instances"]}
    both = [n for n in published["prices"] if (snapshot.get(n) or {}).get("price_per_hour")]
    # the region the source does not state: its figures are the snapshot's us-east-1 ones
    assert len(both) == 24 and all(
        published["prices"][n]["price_per_hour"] == snapshot[n]["price_per_hour"] for n in both)

    priced = [it for it in catalog if it.price_per_hour is not None]
    bare = load_catalog(cache_dir=tmp_path, published_fallback=False)
    assert len([it for it in bare if it.price_per_hour is not None]) == 24
    assert len(priced) == 44  # 20 more types can be priced (of 219)
    for it in priced:  # every price says where it is from and when
        assert it.price_source and it.price_age_days() is not None
    fallback = {it.name for it in priced if it.price_source.startswith(SYNE_TUNE_013)}
    assert {"ml.g5.24xlarge", "ml.p3dn.24xlarge", "ml.m4.xlarge", "ml.c5n.18xlarge",
            "ml.m5.24xlarge"} <= fallback and len(fallback) == 20
    g5 = catalog.get("ml.g5.24xlarge")
    assert (g5.price_per_hour, g5.price_date, g5.region) == (8.144, "2022-03-17", "us-east-1")
    m5 = catalog.get("ml.m5.large")  # the snapshot's own price wins over the fallback
    assert m5.price_date == "2026-06" and "recorded 2026-06" in m5.price_source
    assert "ml.p2.xlarge" not in catalog  # published, but not a type of the catalog
    with pytest.raises(MissingPriceError):
        catalog.price_per_hour("ml.g6.xlarge")  # no published figure anywhere
    # the figures are us-east-1's: another region gets none of them
    assert load_catalog(region="eu-west-1", cache_dir=tmp_path).filter() == []


def test_a_refresh_replaces_the_fallback_price(tmp_path):
    path = cache_path("us-east-1", tmp_path)
    path.write_text(json.dumps({
        "region": "us-east-1", "price_date": dt.date.today().isoformat(),
        "source": "AWS Price List API get_products ServiceCode=AmazonSageMaker",
        "prices": {"ml.g5.24xlarge": {"price_per_hour": 10.18}}}))
    it = load_catalog(cache_dir=tmp_path).get("ml.g5.24xlarge")
    assert it.price_per_hour == 10.18 and it.price_source.startswith("AWS Price List API")
    assert not it.price_is_stale()


def test_old_prices_warn_once_with_their_source_date_and_how_to_refresh(catalog):
    g5 = catalog.get("ml.g5.24xlarge")
    dated = dt.date(2022, 3, 17)
    assert not g5.price_is_stale(today=dated + dt.timedelta(STALE_PRICE_DAYS))
    assert g5.price_is_stale(today=dated + dt.timedelta(STALE_PRICE_DAYS + 1))
    with pytest.warns(StalePriceWarning) as record:
        assert catalog.price_per_hour("ml.g5.24xlarge") == 8.144
    (message,) = _stale_warnings(record)
    assert f"ml.g5.24xlarge ({SYNE_TUNE_013}" in message and "as of 2022-03-17" in message
    assert "refresh_prices('us-east-1')" in message
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        catalog.price_per_hour("ml.g5.24xlarge")  # once per type and catalog
    assert _stale_warnings(again) == []
    # offering old prices in a search space warns once, naming them all
    with pytest.warns(StalePriceWarning) as record:
        domain = instance_types(catalog=catalog, families="m4")
    (message,) = _stale_warnings(record)
    assert all(name in message for name in domain.categories) and len(domain.categories) == 5
    # a price the user gives today is current
    fresh = catalog.with_prices({"ml.g5.24xlarge": 9.0}, "us-east-1", dt.date.today().isoformat())
    with warnings.catch_warnings(record=True) as none:
        warnings.simplefilter("always")
        assert fresh.price_per_hour("ml.g5.24xlarge") == 9.0
    assert _stale_warnings(none) == []
    assert fresh.get("ml.g5.24xlarge").price_source == "given by the user"


# -- item 17: unknown types and regions are errors ---------------------------------------------
def test_prices_for_unknown_types_are_an_error_with_the_closest_names(catalog):
    with pytest.raises(UnknownInstanceTypeError,
                       match=r"prices: unknown instance type 'ml.m5.larg' \(closest known: "
                             r"ml.m5.large") as e:
        catalog.with_prices({"ml.m5.larg": 0.1}, "us-east-1", "2026-12-01")
    assert "\n" not in str(e.value)
    assert "ml.m5.larg" not in catalog
    # types a Price List refresh knows are added on purpose, with their specs
    more = catalog.with_prices({"ml.new.xlarge": {"price_per_hour": 1.0, "vcpus": 4}},
                               "us-east-1", "2026-12-01", add_unknown=True)
    assert more.get("ml.new.xlarge").vcpus == 4
    with pytest.raises(ValueError, match=r"prices\['ml.m5.large'\] must be a finite price"):
        catalog.with_prices({"ml.m5.large": -1.0}, "us-east-1", "2026-12-01")
    with pytest.raises(ValueError, match="price_date must be a date"):
        catalog.with_prices({"ml.m5.large": 0.1}, "us-east-1", "yesterday")


def test_unknown_regions_are_an_error_with_the_closest_codes(tmp_path):
    assert check_region("eu-west-1") == "eu-west-1"
    match = r"region 'us-east-7' is not a region where SageMaker is offered \(closest: .*us-east-1"
    with pytest.raises(ValueError, match=match):
        load_catalog(region="us-east-7", cache_dir=tmp_path)
    with pytest.raises(ValueError, match=match):
        load_catalog(cache_dir=tmp_path).with_prices({"ml.m5.large": 0.1}, "us-east-7",
                                                     "2026-12-01")
    with pytest.raises(ValueError, match=match):
        refresh_prices("us-east-7", cache_dir=tmp_path, client=object())  # before any call


def test_example_rejects_a_misspelt_type_in_prices(example, capsys):
    argv = ["--check-only", *ROLE, "--bucket", "my-bucket", "--image-uri", IMAGE_US,
            "--prices", "ml.m5.larg=0.1"]
    assert example.main(argv) == 2
    out, err = capsys.readouterr()
    assert "check passed" not in out and "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith("error: --prices: unknown instance type 'ml.m5.larg' (closest known: "
                           "ml.m5.large")


def test_example_rejects_an_unknown_region(example, capsys):
    image = IMAGE_US.replace("us-east-1", "us-east-7")  # an image "of" that region
    with pytest.raises(SystemExit) as exit_:
        example.main(["--check-only", *ROLE, "--bucket", "my-bucket", "--image-uri", image,
                      "--region", "us-east-7"])
    assert exit_.value.code == 2
    out, err = capsys.readouterr()
    assert "check passed" not in out and "Traceback" not in err
    assert ": error: --region 'us-east-7' is not a region where SageMaker is offered " \
           "(closest: us-east-2, us-east-1" in err.strip().splitlines()[-1]


def test_the_space_and_the_policy_warn_once_between_them_about_old_prices(tmp_path,
                                                                          monkeypatch):
    """``instance_types()`` and the hardware policy each load the catalog: a stale price is
    said once, not once by each."""
    from syne_mohb import HardwarePolicy

    monkeypatch.setenv("SYNE_MOHB_CACHE_DIR", str(tmp_path))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        space = {"x": 1, "instance_type": instance_types(families="m4")}
        HardwarePolicy().bind(space, ["accuracy", "runtime", "cost"])
    (message,) = _stale_warnings(record)
    assert all(name in message for name in space["instance_type"].categories)
    # a catalog loaded from another cache folder is another catalog: it says its own
    with pytest.warns(StalePriceWarning):
        load_catalog(cache_dir=tmp_path / "other").price_per_hour("ml.m4.xlarge")
