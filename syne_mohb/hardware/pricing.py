"""Refresh SageMaker training prices from the AWS Price List API and cache them on disk.

:func:`refresh_prices` pages through ``pricing.get_products`` (service code ``AmazonSageMaker``,
product family ``ML Instance``) for one region, keeps the on-demand hourly price of every
*training* instance (usage type ``<REGION>-Train:ml.<family>.<size>``), and writes them to
``<cache_dir>/prices-<region>.json``. :func:`syne_mohb.hardware.load_catalog` merges that file
over the shipped snapshot. The Price List API is served from us-east-1 (and ap-south-1) only,
whatever region the prices are for.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

CACHE_DIR_ENV = "SYNE_MOHB_CACHE_DIR"
PRICE_LIST_ENDPOINT_REGION = "us-east-1"
SERVICE_CODE = "AmazonSageMaker"
_TRAIN_USAGE = re.compile(r"(?:^|-)Train:(ml\.[A-Za-z0-9-]+\.[A-Za-z0-9-]+)$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


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
    _check_region(region)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return folder / f"prices-{region}.json"


def _check_region(region: str) -> None:
    if not isinstance(region, str) or not _REGION.match(region):
        raise ValueError(f"region must be an AWS region code like 'us-east-1', got {region!r}")


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

    Returns ``None`` for entries that are not on-demand hourly prices of training instances.
    The record holds ``price_per_hour`` and whatever specs the attributes give
    (``vcpus``, ``memory_gib``, ``gpus``, ``gpu_memory_gib``).
    """
    doc = json.loads(item) if isinstance(item, str) else item
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
    if price is None or price <= 0.0:
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
    Returns ``{instance name: {"price_per_hour": ..., specs...}}``. On an AWS or network error
    raises :class:`PriceRefreshError` and leaves any previous cache untouched, so
    :func:`load_catalog` keeps working from the snapshot / last refresh.
    """
    _check_region(region)
    if not isinstance(max_pages, int) or max_pages < 1:
        raise ValueError(f"max_pages must be a positive int, got {max_pages!r}")
    from botocore.exceptions import BotoCoreError, ClientError

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
            raise PriceRefreshError(
                f"Could not refresh SageMaker prices for region {region!r} from the AWS Price "
                f"List API (page {page + 1}): {e}. The shipped price snapshot "
                f"(us-east-1) and any earlier refresh remain in use."
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
    else:
        logger.warning("refresh_prices(%r): stopped after max_pages=%d pages", region, max_pages)
    if not prices:
        raise PriceRefreshError(
            f"The AWS Price List API returned no SageMaker training prices for region "
            f"{region!r}; the cache was not changed."
        )
    path = cache_path(region, cache_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "region": region,
        "price_date": _dt.date.today().isoformat(),
        "source": f"AWS Price List API get_products ServiceCode={SERVICE_CODE}",
        "prices": prices,
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True))
    tmp.replace(path)  # atomic: a crash never leaves a half-written cache
    logger.info("Cached %d SageMaker training prices for %s in %s", len(prices), region, path)
    return prices
