"""Config-space helpers for the hardware dimension (``config_space[INSTANCE_TYPE]``)."""

from __future__ import annotations

from typing import Iterable, Mapping

from syne_tune.config_space import Categorical, choice

from syne_mohb.hardware.catalog import (
    InstanceCatalog,
    MissingPriceError,
    UnknownInstanceTypeError,
    instance_type_names,
    load_catalog,
)
from syne_mohb.hardware.cost import PriceTable
from syne_mohb.hardware.profiles import get_local_profile, is_local_profile_name


def instance_types(names: str | Iterable[str] | InstanceCatalog | None = None,
                   catalog: InstanceCatalog | None = None, **filter_kwargs) -> Categorical:
    """Syne Tune ``choice`` over the catalog's instance types that pass ``filter_kwargs``
    (see :meth:`InstanceCatalog.filter`), e.g. ``instance_types(max_price_per_hour=2)``, or
    over the named ones, ``instance_types(["ml.m5.xlarge", "ml.g5.xlarge"])`` (each must be in
    the catalog and priced there; the filter then applies to them too). Names outside the
    catalog (a Ray cluster's node types, local profiles) need no helper: ``choice([...])``
    with the policy's ``specs=`` and ``prices=``.

    Only priced types are offered, so every choice can be costed; a price older than a year
    among them warns (:class:`~syne_mohb.hardware.catalog.StalePriceWarning`, naming its source
    and date). Raises ``ValueError`` when the filter leaves no type:
    :class:`MissingPriceError` (a ``ValueError``) when types match the filter but have no price
    in the catalog's region (say how to get prices), else a ``ValueError`` asking to loosen the
    filter.
    """
    if isinstance(names, InstanceCatalog):  # the catalog passed positionally, as before
        if catalog is not None:
            raise ValueError("instance_types: give the catalog once, positionally or as "
                             "catalog=")
        names, catalog = None, names
    if catalog is not None and not isinstance(catalog, InstanceCatalog):
        raise ValueError(f"catalog must be an InstanceCatalog (syne_mohb.load_catalog()) or "
                         f"None, got {type(catalog).__name__}")
    catalog = load_catalog() if catalog is None else catalog
    _check_filter_names(filter_kwargs)
    wanted = _names(names, catalog)
    selected = catalog.filter(**filter_kwargs)
    if wanted is not None:
        unpriced = [n for n in wanted if catalog.get(n).price_per_hour is None]
        if unpriced and filter_kwargs.get("require_price", True):
            region = catalog.get(unpriced[0]).region
            raise MissingPriceError(
                f"instance_types: no price for {', '.join(map(repr, unpriced))} in region "
                f"{region!r}; fetch prices once with syne_mohb.hardware.refresh_prices("
                f"{region!r}), or leave them out")
        keep = {it.name for it in selected}
        out = [n for n in wanted if n in keep]
        if not out:
            raise ValueError(f"instance_types: none of {wanted} passes the filter "
                             f"{filter_kwargs}; loosen it or name other types")
        catalog.warn_stale_prices(out)
        return choice(out)
    if not selected:
        call = f"instance_types({', '.join(f'{k}={v!r}' for k, v in filter_kwargs.items())})"
        spec_only = {k: v for k, v in filter_kwargs.items()
                     if k not in ("max_price_per_hour", "require_price")}
        matching = catalog.filter(require_price=False, **spec_only)
        unpriced = [it for it in matching if it.price_per_hour is None]
        regions = sorted({it.region for it in unpriced})
        fetch = (f"fetch them once with syne_mohb.hardware.refresh_prices({regions[0]!r}) (AWS "
                 f"Price List API, cached on disk; load_catalog(region={regions[0]!r}) then has "
                 f"them), or give them: catalog.with_prices({{'ml.m5.large': 0.115, ...}}, "
                 f"{regions[0]!r}, price_date) and the backend's prices={{...}}"
                 if unpriced else "")
        if matching and len(unpriced) == len(matching):
            names = ", ".join(it.name for it in unpriced[:4])
            names += " ..." if len(unpriced) > 4 else ""
            raise MissingPriceError(
                f"{call} selects no priced instance type: no prices are known for region "
                f"{' / '.join(map(repr, regions))} for the {len(unpriced)} types that match "
                f"({names}); {fetch}."
            )
        note = (f" ({len(unpriced)} of the {len(matching)} types that match have no price in "
                f"{' / '.join(map(repr, regions))}: {fetch})" if unpriced else "")
        raise ValueError(f"{call} selects no priced instance type out of {len(catalog)}; "
                         f"loosen the filter{note}.")
    names = [it.name for it in selected]
    catalog.warn_stale_prices(names)
    return choice(names)


def local_profiles(prices: Mapping[str, float]) -> Categorical:
    """Syne Tune ``choice`` over local profiles, each with its user-set price per hour,
    e.g. ``local_profiles({"local-cpu-1": 0.05, "local-cpu-2": 0.10})``.

    The prices travel with the domain (its ``prices`` attribute, :func:`space_prices`): a
    :class:`~syne_mohb.backends.local.LocalProfileBackend` given the config space and MO-ASHA's
    :class:`~syne_mohb.hardware.policy.HardwarePolicy` read them from it, so they are given
    once. Raises :class:`UnknownInstanceTypeError` for a profile this machine cannot run and
    ``ValueError`` for a bad price, at configuration time.
    """
    if not isinstance(prices, Mapping) or not prices:
        raise ValueError(f"prices must be a non-empty dict profile -> $/hour, got {prices!r}")
    PriceTable(prices)  # validates the prices
    for name in prices:
        get_local_profile(name)
    domain = choice(list(prices))
    # an attribute of this one domain object: pickled with it, left out of Syne Tune's JSON
    # form of the space (which then needs prices=... again, as before)
    domain.prices = {str(k): float(v) for k, v in prices.items()}
    return domain


def space_prices(config_space: Mapping | None, key: str) -> dict[str, float]:
    """The ``$/hour`` that ``config_space[key]`` carries (:func:`local_profiles`), or {}."""
    domain = (config_space or {}).get(key) if isinstance(config_space, Mapping) else None
    prices = getattr(domain, "prices", None)
    return dict(prices) if isinstance(prices, Mapping) else {}


def entries_of_instance_types(config_space: Mapping, catalog: InstanceCatalog | None = None
                              ) -> list[str]:
    """Names of the categorical entries of ``config_space`` whose every value is an instance
    type of the catalog (to tell a user who named the hardware dimension otherwise)."""
    named = [k for k, v in config_space.items()
             if isinstance(v, Categorical) and len(v.categories) > 1
             and all(isinstance(c, str) for c in v.categories)]
    if not named:
        return []
    catalog = load_catalog() if catalog is None else catalog
    return [k for k in named if all(c in catalog for c in config_space[k].categories)]


def _check_filter_names(filter_kwargs: Mapping) -> None:
    """A misspelt filter (``familes=``) is a ``ValueError`` naming the closest filters, not
    Python's ``TypeError`` from :meth:`InstanceCatalog.filter`."""
    import difflib
    import inspect

    known = [p for p in inspect.signature(InstanceCatalog.filter).parameters if p != "self"]
    for key in filter_kwargs:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=2)
            raise ValueError(f"instance_types: unknown filter {key}=...; "
                             f"{'did you mean ' + ' or '.join(close) + '? ' if close else ''}"
                             f"filters: {', '.join(known)}")


def _names(names: str | Iterable[str] | None, catalog: InstanceCatalog) -> list[str] | None:
    """``names`` as a list of distinct catalog names (``None``: no names given); an unknown
    name raises :class:`~syne_mohb.hardware.catalog.UnknownInstanceTypeError` with the closest
    known ones."""
    if names is None:
        return None
    names = instance_type_names(names, "names")
    if not names:
        raise ValueError("instance_types: names must be a non-empty list of instance type "
                         "names, got []")
    for n in names:
        try:
            catalog.get(n)  # raises naming the closest known types
        except UnknownInstanceTypeError as e:
            how = (f"local profiles are declared with local_profiles({{{n!r}: $/hour, ...}})"
                   if is_local_profile_name(n) else
                   "names outside the catalog (a Ray cluster's node types, your own machines) "
                   "need no helper: choice([...]) with HardwarePolicy(specs=..., prices=...)")
            raise UnknownInstanceTypeError(f"instance_types: {e} ({how})") from None
    return names
