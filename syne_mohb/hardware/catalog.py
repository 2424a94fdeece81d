"""Instance catalog: typed records of SageMaker training instances and their on-demand prices.

The catalog ships as a dated snapshot (``data/instances.json``, us-east-1): every SageMaker
training instance type offered there (the API's ``TrainingInstanceType`` values; specs from EC2
``DescribeInstanceTypes``), with the on-demand price where a published figure was found and
``null`` where not; the file names its sources and dates, and ``data/build_instances.py``
rebuilds it. Prices change and differ by region, so :func:`load_catalog` builds the prices of a
region from three layers, each price keeping its ``price_source`` and ``price_date``:

1. prices refreshed from the AWS Price List API (:func:`syne_mohb.hardware.refresh_prices`,
   cached on disk): current, and they win;
2. the snapshot's prices (us-east-1 only);
3. a dated fallback for the types neither has a price for: the on-demand prices Syne Tune 0.13.0
   published (``data/published_prices_2022-03.csv``, Apache-2.0, dated 2022-03-17, us-east-1).

A price older than :data:`STALE_PRICE_DAYS` warns (:class:`StalePriceWarning`, once per type and
catalog) when it is used: looked up with :meth:`InstanceCatalog.price_per_hour` or offered by
:func:`syne_mohb.hardware.instance_types`; the warning names its source and date and says how to
refresh it.
Lookups never crash with a ``KeyError``: an unknown name raises
:class:`UnknownInstanceTypeError` listing the closest known names, a missing price raises
:class:`MissingPriceError`; both are ``ValueError`` subclasses meant to be raised while a tuning
run is being configured, never in the middle of it. Prices given for names the catalog does not
know are such an error too (:meth:`InstanceCatalog.with_prices`).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import math
import numbers
import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

INSTANCE_TYPE = "instance_type"
"""Config-space key of the hardware dimension: the instance type or local profile of a trial."""

SEGMENT_INSTANCE_TYPE = "segment_instance_type"
"""Result column: the instance type (local profile, Ray node type) of the segment, i.e. the
run of the trial, that produced the result. A trial resumed on another type (MO-ASHA
promotion) has one type per segment; Syne Tune's ``config_instance_type`` column is the
trial's config when the result was *fetched*, so lines an earlier segment printed just before
its pause, fetched after the resume, carry the new type there and the right one here."""

SNAPSHOT_PATH = Path(__file__).parent / "data" / "instances.json"
SNAPSHOT_REGION = "us-east-1"
STALE_PRICE_DAYS = 365
"""A price older than this many days warns when it is used (:class:`StalePriceWarning`)."""
USER_PRICE_SOURCE = "given by the user"
"""``price_source`` of prices passed to :meth:`InstanceCatalog.with_prices` without a source."""
_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def parse_price_date(value: str) -> _dt.date | None:
    """The day of a ``price_date`` (``"2026-06-01"``; ``"2026-06"`` counts as its first day),
    or None if it is not such a date (``"unknown"``)."""
    m = _DATE.match(str(value))
    if m is None:
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    except ValueError:
        return None


class StalePriceWarning(UserWarning):
    """A price in use is older than :data:`STALE_PRICE_DAYS` (or of unknown date)."""


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
    ``region`` as of ``price_date`` (``YYYY-MM`` or ``YYYY-MM-DD``), published by
    ``price_source``; it is ``None`` when unknown (looking it up then raises
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
    price_source: str | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"InstanceType: name must be a non-empty string, got {self.name!r}")
        for field in ("vcpus", "gpus"):
            val = getattr(self, field)
            if not _is_count(val):
                raise ValueError(f"InstanceType {self.name!r}: {field} must be an integer >= 0, "
                                 f"got {val!r}")
        for field in ("gpu_memory_gib", "memory_gib"):
            val = getattr(self, field)
            if not (_is_finite_real(val) and val >= 0):
                raise ValueError(f"InstanceType {self.name!r}: {field} must be a finite number "
                                 f">= 0, got {val!r}")
        if self.price_per_hour is not None and not (_is_finite_real(self.price_per_hour)
                                                    and self.price_per_hour >= 0):
            raise ValueError(f"InstanceType {self.name!r}: price_per_hour must be a finite "
                             f"number >= 0 ($/hour), or None where unknown, got "
                             f"{self.price_per_hour!r}")
        if self.accelerator is None and self.gpus:
            object.__setattr__(self, "accelerator", "nvidia-gpu")

    def price_age_days(self, today: _dt.date | None = None) -> int | None:
        """Days between ``price_date`` and ``today`` (default: today); None without a price
        or when the date is not a date."""
        day = parse_price_date(self.price_date)
        if self.price_per_hour is None or day is None:
            return None
        return ((today or _dt.date.today()) - day).days

    def price_is_stale(self, today: _dt.date | None = None) -> bool:
        """Whether it has a price older than :data:`STALE_PRICE_DAYS` or of unknown date."""
        if self.price_per_hour is None:
            return False
        age = self.price_age_days(today)
        return age is None or age > STALE_PRICE_DAYS

    @property
    def family(self) -> str:
        """Instance family, e.g. ``"g4dn"`` for ``"ml.g4dn.xlarge"``."""
        parts = self.name.split(".")
        return parts[1] if len(parts) >= 3 and parts[0] == "ml" else parts[0]

    @property
    def total_gpu_memory_gib(self) -> float:
        return self.gpus * self.gpu_memory_gib


def _is_real(val: Any) -> bool:
    """A real number that is not a bool: Python ``int``/``float`` and numpy scalars
    (``np.int64``, ``np.float32``, ...), which register as ``numbers.Real`` (``np.bool_``
    does not)."""
    return isinstance(val, numbers.Real) and not isinstance(val, bool)


def _is_finite_real(val: Any) -> bool:
    """A finite :func:`_is_real` number."""
    return _is_real(val) and math.isfinite(val)


def _is_count(val: Any) -> bool:
    """An integer >= 0 that is not a bool (Python or numpy)."""
    return isinstance(val, numbers.Integral) and not isinstance(val, bool) and val >= 0


def _closest(name: str, candidates: Sequence[str], n: int = 5) -> list[str]:
    """The ``n`` candidates most similar to ``name`` (difflib ratio, then shared prefix),
    compared without case and surrounding spaces (``"ML.M5.XLARGE "`` finds ``ml.m5.xlarge``)."""
    key = name.strip().lower()
    by_key: dict[str, str] = {}
    for c in candidates:
        by_key.setdefault(c.lower(), c)
    close = [by_key[k] for k in difflib.get_close_matches(key, list(by_key), n=n, cutoff=0.5)]
    if len(close) < n:
        # same family first: "ml.g4dn.24xlarge" should list the other g4dn sizes
        prefix = key.rsplit(".", 1)[0]
        close += [c for c in candidates if c.lower().startswith(prefix) and c not in close]
    return close[:n]


def unknown_name_hint(name: Any, candidates: Sequence[str]) -> str:
    """The part of an "unknown name" message that says what was probably meant: a name that
    differs from a known one only by case or surrounding spaces, a non-string name, else the
    closest known names ("" if none)."""
    if not isinstance(name, str):
        return f" Instance type names are strings, got {type(name).__name__}."
    same = _same_but_case(name, candidates)
    if same:
        return f" Did you mean {same!r}? Names are matched exactly (case and spaces count)."
    close = _closest(name, candidates)
    return f" Closest known names: {', '.join(close)}." if close else ""


def _same_but_case(name: str, candidates: Sequence[str]) -> str | None:
    """The candidate that differs from ``name`` only by case or surrounding spaces, if any."""
    key = name.strip().lower()
    return next((c for c in candidates if c.lower() == key), None)


def instance_type_names(value: Any, pname: str) -> list[str]:
    """``value`` (one name or an iterable of names) as a list of distinct instance type names
    in their first order; ``ValueError`` naming ``pname`` when it is not an iterable of
    non-empty strings. O(n)."""
    if isinstance(value, str):
        value = [value]
    try:
        names = list(value)
    except TypeError:
        raise ValueError(f"{pname} must be instance type names (a string or a list of strings), "
                         f"got {type(value).__name__}") from None
    bad = [n for n in names if not isinstance(n, str) or not n]
    if bad:
        raise ValueError(f"{pname} must be instance type names (strings), got {bad!r}")
    return list(dict.fromkeys(names))


_SPEC_KEYS = frozenset({"price_per_hour", "vcpus", "gpus", "gpu_model", "gpu_memory_gib",
                        "memory_gib", "accelerator"})
"""Keys of a ``with_prices`` entry given as a dict (the specs of a type it adds)."""


def _check_spec_values(spec: Mapping, where: str) -> None:
    """``ValueError`` naming ``where`` for a spec value of the wrong type (a count that is not
    an integer >= 0, a size that is not a number >= 0, a model name that is not a string)."""
    for key in ("vcpus", "gpus"):
        val = spec.get(key)
        if val is not None and not _is_count(val):
            raise ValueError(f"{where}[{key!r}] must be an integer >= 0, got {val!r}")
    for key in ("gpu_memory_gib", "memory_gib"):
        val = spec.get(key)
        if val is not None and not (_is_finite_real(val) and val >= 0):
            raise ValueError(f"{where}[{key!r}] must be a finite number >= 0, got {val!r}")
    for key in ("gpu_model", "accelerator"):
        val = spec.get(key)
        if val is not None and not isinstance(val, str):
            raise ValueError(f"{where}[{key!r}] must be a string or None, got {val!r}")


def _closest_known(name: str, candidates: Sequence[str]) -> str:
    """``"closest known: a, b, c"`` (or the same name in other case / spaces) for a message."""
    same = _same_but_case(name, candidates)
    if same:
        return f"did you mean {same!r}? names are matched exactly"
    return f"closest known: {', '.join(_closest(name, candidates, n=3)) or 'none'}"


class InstanceCatalog:
    """Immutable collection of :class:`InstanceType` records with look-up and filtering.

    ``get(name)`` and ``price_per_hour(name)`` raise clear ``ValueError`` subclasses instead of
    ``KeyError``; ``filter(...)`` selects by GPU count, price, family, vCPUs, memory.
    """

    def __init__(self, instances: Iterable[InstanceType]):
        self._by_name: dict[str, InstanceType] = {}
        if isinstance(instances, (str, Mapping)) or not isinstance(instances, Iterable) \
                or type(instances).__name__ == "DataFrame":
            raise ValueError(
                f"instances must be an iterable of InstanceType records, got "
                f"{type(instances).__name__}; to price catalog types use "
                f"load_catalog().with_prices({{name: $/hour}}, region, price_date) "
                f"(add_unknown=True adds new types)")
        for it in instances:
            if not isinstance(it, InstanceType):
                raise ValueError(
                    f"instances must hold InstanceType records, got {type(it).__name__}"
                )
            if it.name in self._by_name:
                raise ValueError(f"instances: duplicate instance type {it.name!r}")
            self._by_name[it.name] = it
        self._warned_stale: set[str] = set()

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
            hint = unknown_name_hint(name, self.names())
            raise UnknownInstanceTypeError(
                f"Unknown instance type {name!r}.{hint} "
                f"The catalog knows {len(self)} types; refresh_prices(region) adds types "
                f"the AWS Price List knows."
            ) from None

    def price_per_hour(self, name: str) -> float:
        """On-demand $/hour of ``name``; raises :class:`MissingPriceError` if it has none.

        Warns (:class:`StalePriceWarning`, once per type) when the price is older than
        :data:`STALE_PRICE_DAYS`."""
        it = self.get(name)
        if it.price_per_hour is None or not math.isfinite(it.price_per_hour):
            raise MissingPriceError(
                f"No price for instance type {name!r} in region {it.region!r}. Run "
                f"syne_mohb.hardware.refresh_prices({it.region!r}) to fetch prices from the "
                f"AWS Price List API, or choose a type that has one."
            )
        self.warn_stale_prices([name])
        return float(it.price_per_hour)

    def stale_prices(self, names: Iterable[str] | None = None,
                     today: _dt.date | None = None) -> list[InstanceType]:
        """Types among ``names`` (default: all) whose price is older than
        :data:`STALE_PRICE_DAYS` or of unknown date."""
        its = self if names is None else [self.get(n) for n in names]
        return [it for it in its if it.price_is_stale(today)]

    def warn_stale_prices(self, names: Iterable[str], stacklevel: int = 3) -> None:
        """One :class:`StalePriceWarning` for the types among ``names`` whose price is stale
        and was not warned about by this catalog yet (their source and date, how to refresh)."""
        stale = [it for it in self.stale_prices(names) if it.name not in self._warned_stale]
        if not stale:
            return
        self._warned_stale.update(it.name for it in stale)
        groups: dict[tuple[str, str], list[str]] = {}
        for it in stale:
            groups.setdefault((it.price_date, it.price_source or "source unknown"),
                              []).append(it.name)
        parts = [f"{', '.join(names)} ({source}, as of {date})"
                 for (date, source), names in groups.items()]
        regions = sorted({it.region for it in stale})
        warnings.warn(
            f"prices older than {STALE_PRICE_DAYS} days in use: {'; '.join(parts)}. Current "
            f"prices: syne_mohb.hardware.refresh_prices({regions[0]!r}) (AWS Price List API, "
            f"cached on disk), or give them (prices={{...}})",
            StalePriceWarning, stacklevel=stacklevel)

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
            if val is not None and not (isinstance(val, numbers.Real)
                                        and not isinstance(val, bool)
                                        and not math.isnan(val) and val >= 0):
                raise ValueError(f"{pname} must be a non-negative number or None, got {val!r}")
        if not isinstance(require_price, bool):
            raise ValueError(f"require_price must be True or False, got {require_price!r}")
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
        if not isinstance(values, (str, Iterable)) or isinstance(values, Mapping):
            raise ValueError(f"{pname} must be a name or a list of names, got {values!r}")
        vals = {values} if isinstance(values, str) else set(values)
        unknown = vals - known
        if unknown:
            raise ValueError(
                f"{pname}: unknown value(s) {sorted(unknown)}; known: {sorted(known)}"
            )
        return vals

    # -- updates ---------------------------------------------------------------------------
    def with_prices(
        self, prices: Mapping[str, Mapping | float], region: str, price_date: str, *,
        source: str = USER_PRICE_SOURCE, add_unknown: bool = False, parameter: str = "prices",
    ) -> "InstanceCatalog":
        """A new catalog with ``prices`` merged in (the receiver is unchanged).

        ``prices`` (a dict; from a table: ``dict(zip(df["name"], df["price_per_hour"]))``)
        maps names to a price (a number >= 0, numpy scalars included) or to a dict with
        ``price_per_hour`` and optional specs (``vcpus``, ``gpus``, ``gpu_model``,
        ``gpu_memory_gib``, ``memory_gib``, ``accelerator``; other keys are an error; the specs
        are used for the types it adds, a known type keeps its own); each price is recorded
        with ``region``, ``price_date`` (``YYYY-MM`` or ``YYYY-MM-DD``, or a
        ``datetime.date``, recorded as ``YYYY-MM-DD``) and ``source``. A name the catalog does
        not know raises :class:`UnknownInstanceTypeError` with the closest known names (a
        misspelt type must not enter a search space), unless ``add_unknown`` (e.g. types a
        Price List refresh knows): it is then added with the specs given. Errors name
        ``parameter`` (e.g. a command-line option).
        """
        from syne_mohb.hardware.pricing import check_region  # avoid an import cycle

        check_region(region)
        if isinstance(price_date, _dt.date) and not isinstance(price_date, _dt.datetime):
            price_date = price_date.isoformat()  # records keep the documented string
        if not isinstance(price_date, str) or parse_price_date(price_date) is None:
            raise ValueError(f"price_date must be a date like '2026-06-01' or '2026-06', got "
                             f"{price_date!r}")
        # a day of slack for time zones: a later date is a typo (its age would be negative and
        # the price would never be called stale)
        if parse_price_date(price_date) > _dt.date.today() + _dt.timedelta(days=1):
            raise ValueError(f"price_date {price_date!r} is in the future (today is "
                             f"{_dt.date.today().isoformat()}): give the day the prices were "
                             f"read")
        if not isinstance(source, str) or not source:
            raise ValueError(f"source must be a non-empty string, got {source!r}")
        if not isinstance(prices, Mapping):
            table = type(prices).__name__ in ("DataFrame", "Series")
            raise ValueError(
                f"{parameter} must be a dict of instance type -> $/hour, got "
                f"{type(prices).__name__}"
                + ("; from a table: dict(zip(df['name'], df['price_per_hour'])) (a Series: "
                   "series.to_dict())" if table else ""))
        bad_names = [name for name in prices if not isinstance(name, str) or not name.strip()]
        if bad_names:
            raise ValueError(f"{parameter}: keys must be instance type names (non-empty "
                             f"strings), got {bad_names!r}")
        unknown = [name for name in prices if name not in self._by_name]
        if unknown and not add_unknown:
            listed = "; ".join(f"{name!r} ({_closest_known(name, self.names())})"
                               for name in unknown)
            raise UnknownInstanceTypeError(
                f"{parameter}: unknown instance type{'s' if len(unknown) > 1 else ''} {listed}. "
                f"The catalog knows {len(self)} SageMaker training types; refresh_prices(region) "
                f"adds the types the AWS Price List knows")
        records = dict(self._by_name)
        for name, entry in prices.items():
            spec = entry if isinstance(entry, Mapping) else {"price_per_hour": entry}
            extra = sorted(map(str, set(spec) - _SPEC_KEYS))
            if extra:
                raise ValueError(f"{parameter}[{name!r}] has unknown keys {extra}; known: "
                                 f"{', '.join(sorted(_SPEC_KEYS))}")
            if name in records and "price_per_hour" not in spec:
                # a dict without its price would drop the price the catalog has
                raise ValueError(f"{parameter}[{name!r}] gives no price_per_hour (the specs of "
                                 f"a known type are the catalog's); give {{'price_per_hour': "
                                 f"...}} or the price alone")
            price = spec.get("price_per_hour")
            if price is not None:
                if not _is_finite_real(price) or price < 0:
                    raise ValueError(f"{parameter}[{name!r}] must be a finite price per hour "
                                     f">= 0, got {price!r}")
                price = float(price)
            _check_spec_values(spec, f"{parameter}[{name!r}]")
            changes = {"price_per_hour": price, "region": region, "price_date": price_date,
                       "price_source": source if price is not None else None}
            if name in records:
                records[name] = replace(records[name], **changes)
            else:
                records[name] = InstanceType(
                    name=name,
                    vcpus=int(spec.get("vcpus") or 0),
                    gpus=int(spec.get("gpus") or 0),
                    gpu_model=spec.get("gpu_model"),
                    gpu_memory_gib=float(spec.get("gpu_memory_gib") or 0.0),
                    memory_gib=float(spec.get("memory_gib") or 0.0),
                    accelerator=spec.get("accelerator"),
                    **changes,
                )
        return InstanceCatalog(records.values())

    def with_fallback_prices(self, prices: Mapping[str, Mapping | float], region: str,
                             price_date: str, source: str) -> "InstanceCatalog":
        """A new catalog where the types that have no price get one from ``prices`` (dated
        ``price_date``, from ``source``); prices the catalog has, prices of other regions than
        the catalog's and names it does not know are left out."""
        fill = {name: entry for name, entry in prices.items()
                if name in self._by_name and self._by_name[name].price_per_hour is None
                and self._by_name[name].region == region}
        if not fill:
            return self
        return self.with_prices(fill, region, price_date, source=source)

    def for_region(self, region: str) -> "InstanceCatalog":
        """Same instance specs, prices kept only where they are for ``region`` (else ``None``)."""
        return InstanceCatalog(
            it if it.region == region else replace(it, price_per_hour=None, region=region,
                                                   price_source=None)
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
    sources = doc.get("sources") if isinstance(doc.get("sources"), dict) else {}
    price_source = sources.get("prices")
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
            price_source=None if price is None else row.get("price_source") or price_source,
        ))
    return InstanceCatalog(records)


def load_catalog(
    path: str | Path | None = None,
    *,
    region: str = SNAPSHOT_REGION,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    published_fallback: bool = True,
) -> InstanceCatalog:
    """The instance catalog: the snapshot at ``path`` (default: shipped, us-east-1) for ``region``
    (``ValueError`` with the closest codes for a region where SageMaker is not offered), with
    prices refreshed by :func:`refresh_prices` (cached in ``cache_dir``, default
    ``$SYNE_MOHB_CACHE_DIR`` or ``~/.cache/syne-mohb``) merged over it, and, with
    ``published_fallback``, the shipped 2022-03 published prices for the types still without
    one (see the module doc; each price keeps its ``price_source`` and ``price_date``).

    For a region other than the snapshot's, types without a refreshed price have
    ``price_per_hour=None`` (looking their price up raises :class:`MissingPriceError`).
    """
    from syne_mohb.hardware.pricing import (  # avoid an import cycle
        check_region,
        default_cache_dir,
        read_cached_prices,
        read_published_prices,
    )

    check_region(region)
    catalog = read_snapshot(path)
    catalog = catalog.for_region(region)
    if published_fallback:
        published = read_published_prices()
        catalog = catalog.with_fallback_prices(published["prices"], published["region"],
                                               published["price_date"], published["source"])
    if use_cache:
        cached = read_cached_prices(region, cache_dir=cache_dir)
        if cached is not None:
            catalog = catalog.with_prices(
                cached["prices"], region, cached["price_date"], add_unknown=True,
                source=cached.get("source") or "AWS Price List API (refresh_prices)")
    # catalogs loaded alike (e.g. by instance_types() for the space and by the hardware policy)
    # warn once between them about a stale price, not once each
    cache = Path(default_cache_dir() if cache_dir is None else cache_dir).resolve()
    key = (None if path is None else str(Path(path).resolve()), region, str(cache), use_cache,
           published_fallback,
           tuple(sorted((it.name, it.price_date) for it in catalog.stale_prices())))
    catalog._warned_stale = _WARNED_STALE.setdefault(key, set())
    return catalog


#: types whose stale price was warned about, shared by the catalogs :func:`load_catalog` makes
#: with the same arguments and the same stale prices
_WARNED_STALE: dict[tuple, set[str]] = {}
