"""Config-space helpers for the hardware dimension (``config_space[INSTANCE_TYPE]``)."""

from __future__ import annotations

from typing import Mapping

from syne_tune.config_space import Categorical, choice

from syne_mohb.hardware.catalog import InstanceCatalog, load_catalog
from syne_mohb.hardware.cost import PriceTable
from syne_mohb.hardware.profiles import get_local_profile


def instance_types(catalog: InstanceCatalog | None = None, **filter_kwargs) -> Categorical:
    """Syne Tune ``choice`` over the catalog's instance types that pass ``filter_kwargs``
    (see :meth:`InstanceCatalog.filter`), e.g. ``instance_types(max_price_per_hour=2)``.

    Only priced types are offered, so every choice can be costed. Raises ``ValueError`` when the
    filter leaves no type.
    """
    catalog = load_catalog() if catalog is None else catalog
    selected = catalog.filter(**filter_kwargs)
    if not selected:
        raise ValueError(
            f"instance_types({', '.join(f'{k}={v!r}' for k, v in filter_kwargs.items())}) "
            f"selects no priced instance type out of {len(catalog)}; loosen the filter."
        )
    return choice([it.name for it in selected])


def local_profiles(prices: Mapping[str, float]) -> Categorical:
    """Syne Tune ``choice`` over local profiles, each with its user-set price per hour,
    e.g. ``local_profiles({"local-cpu-1": 0.05, "local-cpu-2": 0.10})``.

    Raises :class:`UnknownInstanceTypeError` for a profile this machine cannot run and
    ``ValueError`` for a bad price, at configuration time.
    """
    if not isinstance(prices, Mapping) or not prices:
        raise ValueError(f"prices must be a non-empty dict profile -> $/hour, got {prices!r}")
    PriceTable(prices)  # validates the prices
    for name in prices:
        get_local_profile(name)
    return choice(list(prices))
