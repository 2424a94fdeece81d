"""Instance catalog: typed records of SageMaker training instances and their on-demand prices.

The catalog ships as a dated snapshot (``data/instances.json``, us-east-1): every SageMaker
training instance type offered there (the API's ``TrainingInstanceType`` values; specs from EC2
``DescribeInstanceTypes``), with the on-demand price where a published figure was found and
``null`` where not; the file names its sources and dates, and ``data/build_instances.py``
rebuilds it. Prices change and differ by region, so :func:`load_catalog` merges prices refreshed
from the AWS Price List API (:func:`syne_mohb.hardware.pricing.refresh_prices`, cached on disk)
over that snapshot.
Lookups never crash with a ``KeyError``: an unknown name raises
:class:`UnknownInstanceTypeError` listing the closest known names, a missing price raises
:class:`MissingPriceError`; both are ``ValueError`` subclasses meant to be raised while a tuning
run is being configured, never in the middle of it.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator, Sequence

INSTANCE_TYPE = "instance_type"
"""Config-space key of the hardware dimension: the instance type or local profile of a trial."""

SNAPSHOT_PATH = Path(__file__).parent / "data" / "instances.json"
SNAPSHOT_REGION = "us-east-1"


class UnknownInstanceTypeError(ValueError):
    """An instance type name the catalog does not know; the message lists the closest names."""


class MissingPriceError(ValueError):
    """The catalog knows an instance type but has no price for it (e.g. another region)."""


@dataclass(frozen=True)
class InstanceType:
    """One training instance type.

    ``gpus`` counts accelerators: NVIDIA GPUs or AWS Trainium devices (``accelerator`` is
    ``"nvidia-gpu"`` / ``"aws-trainium"``, ``None`` without one); ``gpu_model`` names them
    (``"L4"``, ``"Trainium"``) and ``gpu_memory_gib`` is the memory of *one*
    (``total_gpu_memory_gib`` sums them). ``price_per_hour`` is the on-demand price in USD for
    ``region`` as of ``price_date``; it is ``None`` when unknown (looking it up then raises
    :class:`MissingPriceError`).
    """

    name: str
    vcpus: int
    gpus: int
    gpu_model: str | None
    gpu_memory_gib: float
    memory_gib: float
    price_per_hour: float | None
    region: str
    price_date: str
    accelerator: str | None = None

    def __post_init__(self):
        if self.accelerator is None and self.gpus:
            object.__setattr__(self, "accelerator", "nvidia-gpu")

    @property
    def family(self) -> str:
        """Instance family, e.g. ``"g4dn"`` for ``"ml.g4dn.xlarge"``."""
        parts = self.name.split(".")
        return parts[1] if len(parts) >= 3 and parts[0] == "ml" else parts[0]

    @property
    def total_gpu_memory_gib(self) -> float:
        return self.gpus * self.gpu_memory_gib


def _closest(name: str, candidates: Sequence[str], n: int = 5) -> list[str]:
    """The ``n`` candidates most similar to ``name`` (difflib ratio, then shared prefix)."""
    close = difflib.get_close_matches(name, candidates, n=n, cutoff=0.5)
    if len(close) < n:
        # same family first: "ml.g4dn.24xlarge" should list the other g4dn sizes
        prefix = name.rsplit(".", 1)[0]
        close += [c for c in candidates if c.startswith(prefix) and c not in close]
    return close[:n]


class InstanceCatalog:
    """Immutable collection of :class:`InstanceType` records with look-up and filtering.

    ``get(name)`` and ``price_per_hour(name)`` raise clear ``ValueError`` subclasses instead of
    ``KeyError``; ``filter(...)`` selects by GPU count, price, family, vCPUs, memory.
    """

    def __init__(self, instances: Iterable[InstanceType]):
        self._by_name: dict[str, InstanceType] = {}
        for it in instances:
            if not isinstance(it, InstanceType):
                raise ValueError(
                    f"instances must hold InstanceType records, got {type(it).__name__}"
                )
            if it.name in self._by_name:
                raise ValueError(f"instances: duplicate instance type {it.name!r}")
            self._by_name[it.name] = it

    # -- look-up ---------------------------------------------------------------------------
    def names(self) -> list[str]:
        """All instance type names, in catalog order."""
        return list(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[InstanceType]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def __repr__(self) -> str:
        return f"InstanceCatalog({len(self)} instance types)"

    def closest(self, name: str, n: int = 5) -> list[str]:
        """Known names most similar to ``name``."""
        return _closest(str(name), self.names(), n=n)

    def get(self, name: str) -> InstanceType:
        """The record of ``name``; raises :class:`UnknownInstanceTypeError` if unknown."""
        try:
            return self._by_name[name]
        except (KeyError, TypeError):
            close = self.closest(str(name))
            hint = f" Closest known names: {', '.join(close)}." if close else ""
            raise UnknownInstanceTypeError(
                f"Unknown instance type {name!r}.{hint} "
                f"The catalog knows {len(self)} types; refresh_prices(region) adds types "
                f"the AWS Price List knows."
            ) from None

    def price_per_hour(self, name: str) -> float:
        """On-demand $/hour of ``name``; raises :class:`MissingPriceError` if it has none."""
        it = self.get(name)
        if it.price_per_hour is None or not math.isfinite(it.price_per_hour):
            raise MissingPriceError(
                f"No price for instance type {name!r} in region {it.region!r}. Run "
                f"syne_mohb.hardware.refresh_prices({it.region!r}) to fetch prices from the "
                f"AWS Price List API, or choose a type that has one."
            )
        return float(it.price_per_hour)

    # -- selection -------------------------------------------------------------------------
    def filter(
        self,
        min_gpus: int | None = None,
        max_gpus: int | None = None,
        max_price_per_hour: float | None = None,
        families: Iterable[str] | str | None = None,
        min_vcpus: int | None = None,
        max_vcpus: int | None = None,
        gpu_models: Iterable[str] | str | None = None,
        min_gpu_memory_gib: float | None = None,
        min_memory_gib: float | None = None,
        require_price: bool = True,
    ) -> list[InstanceType]:
        """Instance types that satisfy every given bound (``None`` means no bound).

        ``families`` / ``gpu_models`` are names (``"g5"``, ``"A10G"``) or collections of them;
        an unknown family or GPU model raises ``ValueError``. With ``require_price`` (default),
        types without a price are left out, so the result can always be priced.
        """
        for pname, val in [("min_gpus", min_gpus), ("max_gpus", max_gpus),
                           ("min_vcpus", min_vcpus), ("max_vcpus", max_vcpus),
                           ("max_price_per_hour", max_price_per_hour),
                           ("min_gpu_memory_gib", min_gpu_memory_gib),
                           ("min_memory_gib", min_memory_gib)]:
            if val is not None and (not isinstance(val, (int, float)) or val < 0):
                raise ValueError(f"{pname} must be a non-negative number or None, got {val!r}")
        fams = self._check_members("families", families, {it.family for it in self})
        models = self._check_members(
            "gpu_models", gpu_models, {it.gpu_model for it in self if it.gpu_model}
        )
        out = []
        for it in self:
            if min_gpus is not None and it.gpus < min_gpus:
                continue
            if max_gpus is not None and it.gpus > max_gpus:
                continue
            if min_vcpus is not None and it.vcpus < min_vcpus:
                continue
            if max_vcpus is not None and it.vcpus > max_vcpus:
                continue
            if fams is not None and it.family not in fams:
                continue
            if models is not None and it.gpu_model not in models:
                continue
            if min_gpu_memory_gib is not None and it.gpu_memory_gib < min_gpu_memory_gib:
                continue
            if min_memory_gib is not None and it.memory_gib < min_memory_gib:
                continue
            if it.price_per_hour is None:
                if require_price or max_price_per_hour is not None:
                    continue
            elif max_price_per_hour is not None and it.price_per_hour > max_price_per_hour:
                continue
            out.append(it)
        return out

    @staticmethod
    def _check_members(pname: str, values, known: set) -> set | None:
        if values is None:
            return None
        vals = {values} if isinstance(values, str) else set(values)
        unknown = vals - known
        if unknown:
            raise ValueError(
                f"{pname}: unknown value(s) {sorted(unknown)}; known: {sorted(known)}"
            )
        return vals

    # -- updates ---------------------------------------------------------------------------
    def with_prices(
        self, prices: dict[str, dict | float], region: str, price_date: str
    ) -> "InstanceCatalog":
        """A new catalog with ``prices`` merged in (the receiver is unchanged).

        ``prices`` maps names to a price or to a dict with ``price_per_hour`` and optional specs
        (``vcpus``, ``gpus``, ``memory_gib``, ...) so types unknown to the snapshot can be added.
        """
        records = dict(self._by_name)
        for name, entry in prices.items():
            spec = entry if isinstance(entry, dict) else {"price_per_hour": entry}
            price = spec.get("price_per_hour")
            if price is not None:
                price = float(price)
            if name in records:
                changes = {"price_per_hour": price, "region": region, "price_date": price_date}
                records[name] = replace(records[name], **changes)
            else:
                records[name] = InstanceType(
                    name=name,
                    vcpus=int(spec.get("vcpus") or 0),
                    gpus=int(spec.get("gpus") or 0),
                    gpu_model=spec.get("gpu_model"),
                    gpu_memory_gib=float(spec.get("gpu_memory_gib") or 0.0),
                    memory_gib=float(spec.get("memory_gib") or 0.0),
                    price_per_hour=price,
                    region=region,
                    price_date=price_date,
                    accelerator=spec.get("accelerator"),
                )
        return InstanceCatalog(records.values())

    def for_region(self, region: str) -> "InstanceCatalog":
        """Same instance specs, prices kept only where they are for ``region`` (else ``None``)."""
        return InstanceCatalog(
            it if it.region == region else replace(it, price_per_hour=None, region=region)
            for it in self
        )


def read_snapshot(path: str | Path | None = None) -> InstanceCatalog:
    """Read a catalog data file (default: the shipped snapshot) without any cached prices."""
    path = Path(path) if path is not None else SNAPSHOT_PATH
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"catalog file {str(path)!r} does not exist") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"catalog file {str(path)!r} is not valid JSON: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("instances"), list):
        raise ValueError(f"catalog file {str(path)!r} must hold an object with a list 'instances'")
    region = doc.get("region", SNAPSHOT_REGION)
    price_date = str(doc.get("price_date", "unknown"))
    fields = ("name", "vcpus", "gpus", "gpu_model", "gpu_memory_gib", "memory_gib",
              "price_per_hour")
    records = []
    for i, row in enumerate(doc["instances"]):
        missing = [f for f in fields if f not in row]
        if missing:
            raise ValueError(f"catalog file {str(path)!r}: instances[{i}] lacks {missing}")
        price = row["price_per_hour"]
        records.append(InstanceType(
            name=str(row["name"]), vcpus=int(row["vcpus"]), gpus=int(row["gpus"]),
            gpu_model=row["gpu_model"], gpu_memory_gib=float(row["gpu_memory_gib"]),
            memory_gib=float(row["memory_gib"]),
            price_per_hour=None if price is None else float(price),
            region=str(row.get("region", region)),
            price_date=str(row.get("price_date", price_date)),
            accelerator=row.get("accelerator"),
        ))
    return InstanceCatalog(records)


def load_catalog(
    path: str | Path | None = None,
    *,
    region: str = SNAPSHOT_REGION,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
) -> InstanceCatalog:
    """The instance catalog: the snapshot at ``path`` (default: shipped, us-east-1) for ``region``,
    with prices refreshed by :func:`refresh_prices` (cached in ``cache_dir``, default
    ``$SYNE_MOHB_CACHE_DIR`` or ``~/.cache/syne-mohb``) merged over it.

    For a region other than the snapshot's, types without a refreshed price have
    ``price_per_hour=None`` (looking their price up raises :class:`MissingPriceError`).
    """
    from syne_mohb.hardware.pricing import read_cached_prices  # avoid an import cycle

    catalog = read_snapshot(path)
    catalog = catalog.for_region(region)
    if use_cache:
        cached = read_cached_prices(region, cache_dir=cache_dir)
        if cached is not None:
            catalog = catalog.with_prices(cached["prices"], region, cached["price_date"])
    return catalog
