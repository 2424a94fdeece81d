"""Refresh SageMaker training prices from the AWS Price List API and cache them on disk.

:func:`refresh_prices` pages through ``pricing.get_products`` (service code ``AmazonSageMaker``,
product family ``ML Instance``) for one region, keeps the on-demand hourly price of every
*training* instance (usage type ``<REGION>-Train:ml.<family>.<size>``), and writes them to
``<cache_dir>/prices-<region>.json``. :func:`syne_mohb.hardware.load_catalog` merges that file
over the shipped snapshot. The Price List API is served from us-east-1 (and ap-south-1) only,
whatever region the prices are for.

Where neither the snapshot nor a refresh has a price, :func:`read_published_prices` gives the
dated fallback shipped in ``data/published_prices_2022-03.csv``: the on-demand prices Syne Tune
0.13.0 published (Apache-2.0, last changed 2022-03-17), read with their source and date.

:func:`check_region` validates region codes against the regions botocore's shipped endpoint
data lists for SageMaker (no network), with the closest codes in the error.
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import functools
import json
import logging
import math
import os
import re
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

CACHE_DIR_ENV = "SYNE_MOHB_CACHE_DIR"
PRICE_LIST_ENDPOINT_REGION = "us-east-1"
SERVICE_CODE = "AmazonSageMaker"
_TRAIN_USAGE = re.compile(r"(?:^|-)Train:(ml\.[A-Za-z0-9-]+\.[A-Za-z0-9-]+)$")
_REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d$")
PUBLISHED_PRICES_PATH = Path(__file__).parent / "data" / "published_prices_2022-03.csv"


class PriceRefreshError(RuntimeError):
    """The Price List API could not be queried; the shipped snapshot stays usable."""


def default_cache_dir() -> Path:
    """``$SYNE_MOHB_CACHE_DIR``, else ``$XDG_CACHE_HOME/syne-mohb``, else ``~/.cache/syne-mohb``."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "syne-mohb"


def cache_path(region: str, cache_dir: str | Path | None = None) -> Path:
    """File that caches the refreshed prices of ``region``."""
    check_region(region)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return folder / f"prices-{region}.json"


@functools.lru_cache(maxsize=1)
def known_regions() -> tuple[str, ...]:
    """Region codes where SageMaker is offered, all partitions, from botocore's shipped endpoint
    data (no network); ``()`` if botocore cannot say (then only the format is checked)."""
    try:
        import botocore.session

        session = botocore.session.get_session()
        regions = {r for part in session.get_available_partitions()
                   for r in session.get_available_regions("sagemaker", partition_name=part)}
    except Exception as e:  # noqa: BLE001 -- botocore missing or its data unreadable
        logger.debug("known_regions: botocore gives no region list (%s)", e)
        return ()
    return tuple(sorted(regions))


def check_region(region: Any, parameter: str = "region") -> str:
    """``region`` if it is a region code where SageMaker is offered, else ``ValueError`` naming
    ``parameter`` and the closest known codes (botocore's endpoint data; a region newer than the
    installed botocore needs a newer botocore)."""
    if not isinstance(region, str) or not _REGION.match(region):
        raise ValueError(f"{parameter} must be an AWS region code like 'us-east-1', got "
                         f"{region!r}")
    if region == PRICE_LIST_ENDPOINT_REGION:
        return region  # the default: no need to load botocore's endpoint data
    known = known_regions()
    if known and region not in known:
        import botocore

        close = difflib.get_close_matches(region, known, n=4, cutoff=0.6)
        hint = f"closest: {', '.join(close)}" if close else f"known: {', '.join(known)}"
        raise ValueError(f"{parameter} {region!r} is not a region where SageMaker is offered "
                         f"({hint}; botocore {botocore.__version__} knows {len(known)} such "
                         f"regions, a newer botocore may know more)")
    return region


def read_published_prices(path: str | Path | None = None) -> dict[str, Any]:
    """The shipped fallback prices (default ``data/published_prices_2022-03.csv``) as
    ``{"region", "price_date", "source", "prices": {name: {"price_per_hour", "vcpus",
    "memory_gib", "gpus", "gpu_memory_gib"}}}``; the file's ``# key: value`` comment lines give
    ``region``, ``price_date`` and ``price_source``. ``ValueError`` naming the file and line for
    a malformed file."""
    path = Path(path) if path is not None else PUBLISHED_PRICES_PATH
    meta: dict[str, str] = {}
    try:
        text = path.read_text()
    except OSError as e:
        raise ValueError(f"published price file {str(path)!r} cannot be read: {e}") from None
    lines = text.splitlines()
    for line in lines:
        key, sep, value = line[1:].strip().partition(": ")
        if line.startswith("#") and sep and key in ("region", "price_date", "price_source"):
            meta[key] = value.strip()
    missing = [k for k in ("region", "price_date", "price_source") if k not in meta]
    if missing:
        raise ValueError(f"published price file {str(path)!r} lacks the comment line(s) "
                         f"{', '.join(f'# {k}: ...' for k in missing)}")
    prices: dict[str, dict] = {}
    rows = csv.DictReader(line for line in lines if line and not line.startswith("#"))
    for i, row in enumerate(rows, start=1):
        try:
            price = float(row["price_per_hour"])
            if not price > 0:
                raise ValueError("price_per_hour must be > 0")
            prices[row["name"]] = {
                "price_per_hour": price, "vcpus": int(row["vcpus"]),
                "memory_gib": float(row["memory_gib"]), "gpus": int(row["gpus"]),
                "gpu_memory_gib": float(row["gpu_memory_gib"])}
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"published price file {str(path)!r}, row {i}: {e}") from None
    return {"region": meta["region"], "price_date": meta["price_date"],
            "source": meta["price_source"], "prices": prices}


def read_cached_prices(region: str, cache_dir: str | Path | None = None) -> dict | None:
    """The cached refresh of ``region`` (``{"region", "price_date", "prices"}``) or ``None``.

    A corrupt cache file is ignored with a warning (the snapshot stays usable).
    """
    path = cache_path(region, cache_dir)
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text())
        if not isinstance(doc.get("prices"), dict) or doc.get("region") != region:
            raise ValueError("unexpected layout")
    except (OSError, ValueError, AttributeError) as e:
        logger.warning("Ignoring unreadable price cache %s (%s); using the shipped snapshot.",
                       path, e)
        return None
    doc.setdefault("price_date", "unknown")
    return doc


def _number(text: Any) -> float | None:
    """Leading number of strings like ``"8 GiB"``, ``"2"``, ``"1,152 GiB"``; None if absent."""
    if text is None:
        return None
    m = re.search(r"\d[\d,]*(?:\.\d+)?", str(text))
    return float(m.group(0).replace(",", "")) if m else None


def parse_price_item(item: str | dict) -> tuple[str, dict] | None:
    """Parse one ``PriceList`` entry (a JSON string) into ``(instance name, record)``.

    Returns ``None`` for entries that are not on-demand hourly prices of training instances
    (or whose price is not a finite number > 0).
    The record holds ``price_per_hour`` and whatever specs the attributes give
    (``vcpus``, ``memory_gib``, ``gpus``, ``gpu_memory_gib``).

    :raises ValueError: ``item`` is not a JSON object (a string that is not JSON, a list, ...)
    """
    doc = json.loads(item) if isinstance(item, str) else item
    if not isinstance(doc, dict):
        raise ValueError(f"a Price List entry must be a JSON object, got "
                         f"{type(doc).__name__} {str(doc)[:60]!r}")
    attrs = doc.get("product", {}).get("attributes", {})
    m = _TRAIN_USAGE.search(attrs.get("usagetype", ""))
    if m is None:
        return None
    name = attrs.get("instanceName") or m.group(1)
    price = None
    for term in doc.get("terms", {}).get("OnDemand", {}).values():
        for dim in term.get("priceDimensions", {}).values():
            if dim.get("unit", "").lower() in ("hrs", "hours", "hour") and "USD" in dim.get(
                "pricePerUnit", {}
            ):
                price = float(dim["pricePerUnit"]["USD"])
    if price is None or not math.isfinite(price) or price <= 0.0:
        return None
    record: dict[str, Any] = {"price_per_hour": price}
    for key, attr in [("vcpus", "vCpu"), ("memory_gib", "memory"), ("gpus", "gpu"),
                      ("gpu_memory_gib", "gpuMemory")]:
        val = _number(attrs.get(attr))
        if val is not None:
            record[key] = int(val) if key in ("vcpus", "gpus") else val
    return name, record


def refresh_prices(
    region: str = PRICE_LIST_ENDPOINT_REGION,
    cache_dir: str | Path | None = None,
    client: Any = None,
    max_pages: int = 200,
) -> dict[str, dict]:
    """Fetch on-demand SageMaker training prices of ``region`` and cache them on disk.

    Pages through ``get_products`` with ``NextToken``; ``client`` defaults to
    ``boto3.client("pricing", region_name="us-east-1")`` (the Price List endpoint).
    Returns the prices this call read, ``{instance name: {"price_per_hour": ..., specs...}}``.
    On an AWS or network error (no credentials, throttling, a page that fails half-way) or an
    answer without any training price raises :class:`PriceRefreshError` and leaves any previous
    cache untouched, so :func:`load_catalog` keeps working from the snapshot / last refresh.

    A complete refresh (the list read to its end) replaces the cache of ``region``: types AWS
    no longer lists are dropped. The cached document says ``"complete": true`` and
    ``"pages_read"``.

    :param max_pages: most pages read. A refresh cut short by it (more pages remain) loses no
        known price: what it read is merged over the previous cache of ``region`` (types read
        now win, types only in the previous cache keep their price), the cached document says
        ``"complete": false``, ``"pages_read"``, ``"max_pages"`` and ``"kept_from_previous"``
        (the names kept), its ``price_date`` is the older of today and the previous cache's
        (kept prices are never dated newer than they are), and a warning says how many pages
        were read and how many prices were kept; pass a larger ``max_pages`` to read the whole
        list
    :raises ValueError: unknown ``region``, ``max_pages`` not a positive int, or ``cache_dir``
        not a folder that can be written (checked before the API is called)
    """
    check_region(region)
    if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
        raise ValueError(f"max_pages must be a positive int, got {max_pages!r}")
    path = cache_path(region, cache_dir)
    try:  # before any request: a refresh that cannot be cached is not started
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ValueError(f"cache_dir {str(path.parent)!r} cannot be used for the price cache "
                         f"({e}); pass cache_dir= a writable folder or set "
                         f"${CACHE_DIR_ENV}") from None
    if not os.access(path.parent, os.W_OK):
        raise ValueError(f"cache_dir {str(path.parent)!r} is not writable; pass cache_dir= a "
                         f"writable folder or set ${CACHE_DIR_ENV}")
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    if client is None:
        import boto3

        client = boto3.client("pricing", region_name=PRICE_LIST_ENDPOINT_REGION)
    request = {
        "ServiceCode": SERVICE_CODE,
        "Filters": [
            {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
            {"Type": "TERM_MATCH", "Field": "productFamily", "Value": "ML Instance"},
        ],
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
    }
    prices: dict[str, dict] = {}
    token = None
    for page in range(max_pages):
        kwargs = dict(request, NextToken=token) if token else request
        try:
            resp = client.get_products(**kwargs)
        except (ClientError, BotoCoreError) as e:
            hint = (" Configure AWS credentials (aws configure, AWS_PROFILE or "
                    "AWS_ACCESS_KEY_ID) of an identity allowed pricing:GetProducts."
                    if isinstance(e, NoCredentialsError) else "")
            raise PriceRefreshError(
                f"Could not refresh SageMaker prices for region {region!r} from the AWS Price "
                f"List API (page {page + 1}): {e}. The shipped price snapshot "
                f"(us-east-1) and any earlier refresh remain in use.{hint}"
            ) from e
        for item in resp.get("PriceList", []):
            try:
                parsed = parse_price_item(item)
            except (ValueError, TypeError, AttributeError) as e:
                logger.warning("Skipping unparsable Price List entry: %s", e)
                continue
            if parsed is not None:
                name, record = parsed
                prices[name] = record
        token = resp.get("NextToken")
        if not token:
            break
    pages_read = page + 1
    complete = not token  # False: stopped by max_pages with pages left to read
    if not prices:
        cut = ("" if complete else f" (the list was cut short after max_pages={max_pages} "
               f"pages; pass a larger max_pages)")
        raise PriceRefreshError(
            f"The AWS Price List API returned no SageMaker training prices for region "
            f"{region!r}{cut}; the cache was not changed."
        )
    today = _dt.date.today().isoformat()
    source = f"AWS Price List API get_products ServiceCode={SERVICE_CODE}"
    doc: dict[str, Any] = {"region": region, "price_date": today, "source": source,
                           "complete": complete, "pages_read": pages_read}
    cached = dict(prices)
    if not complete:
        kept, previous_date, why_none = _previous_prices(region, cache_dir, set(prices))
        cached = {**kept, **prices}
        doc["max_pages"] = max_pages
        doc["kept_from_previous"] = sorted(kept)
        if kept:
            doc["price_date"] = min(today, previous_date)  # a kept price is never dated newer
            doc["source"] = (f"{source} (cut short at max_pages={max_pages}; {len(kept)} "
                             f"prices kept from the refresh of {previous_date})")
        else:
            doc["source"] = f"{source} (cut short at max_pages={max_pages})"
        logger.warning(
            "refresh_prices(%r): the price list was cut short after max_pages=%d pages (more "
            "pages remain); read %d prices, kept %d prices of other types from the earlier "
            "refresh%s. The cache %s is marked incomplete. Pass a larger max_pages to read the "
            "whole list.", region, max_pages, len(prices), len(kept),
            f" of {previous_date}" if kept else f" ({why_none})", path)
    doc["prices"] = cached
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True))
    tmp.replace(path)  # atomic: a crash never leaves a half-written cache
    logger.info("Cached %d SageMaker training prices for %s in %s (%s)", len(cached), region,
                path, "complete" if complete else f"incomplete, {pages_read} pages read")
    return prices


def _previous_prices(region: str, cache_dir: str | Path | None,
                     read_now: set[str]) -> tuple[dict[str, dict], str, str]:
    """``(prices of the cached refresh of region whose types are not in read_now, its
    price_date, why none are kept)`` for a refresh cut short by ``max_pages``."""
    from syne_mohb.hardware.catalog import parse_price_date  # avoid an import cycle

    previous = read_cached_prices(region, cache_dir)  # warns if unreadable
    if previous is None:
        return {}, "", "no readable earlier refresh of this region is cached"
    date = previous["price_date"]
    if not isinstance(date, str) or parse_price_date(date) is None:
        return {}, "", f"the earlier refresh has no valid price_date ({date!r})"
    kept = {name: record for name, record in previous["prices"].items()
            if name not in read_now and isinstance(record, dict)}
    if not kept:
        return {}, date, "it had no other types"
    return kept, date, ""
