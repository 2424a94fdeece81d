"""Dollar cost of training: elapsed seconds x price per hour / 3600 x instance count, and the
price table that resolves the price of an instance type or local profile."""

from __future__ import annotations

import numbers
from typing import Any, Iterable, Mapping

from syne_tune.config_space import Categorical, Domain, Integer

from syne_mohb.hardware.catalog import (
    INSTANCE_TYPE,
    InstanceCatalog,
    MissingPriceError,
    _is_finite_real,
    _is_real,
    load_catalog,
)
from syne_mohb.hardware.profiles import is_local_profile_name


def check_instance_count(value: Any, parameter: str = "instance_count") -> int:
    """The one rule for an instance count, used by every backend and by :func:`dollar_cost`:
    an integer >= 1 (a Python ``int`` or a numpy integer; not a bool, not a float such as
    ``2.0``). Returns it as ``int``; ``ValueError`` naming ``parameter`` otherwise."""
    if not isinstance(value, numbers.Integral) or not _is_real(value) or value < 1:
        raise ValueError(f"{parameter} must be an int >= 1, got {value!r}")
    return int(value)


def check_instance_count_domain(config_space: Mapping, key: str) -> None:
    """Check every value the ``key`` dimension of ``config_space`` can take with
    :func:`check_instance_count` (a constant, a ``choice``, or an integer range such as
    ``randint(1, 4)``: its bounds); no-op if ``key`` is absent."""
    if not isinstance(config_space, Mapping):
        raise ValueError(f"config_space must be a dict, got {type(config_space).__name__}")
    if key not in config_space:
        return
    dom = config_space[key]
    if isinstance(dom, Categorical):
        values = list(dom.categories)
    elif isinstance(dom, Integer):
        values = [dom.lower, dom.upper]
    elif isinstance(dom, Domain):
        raise ValueError(f"config_space[{key!r}] must be an int, a choice(...) of ints or an "
                         f"integer range, got {dom!r}")
    else:
        values = [dom]
    for v in values:
        check_instance_count(v, f"config_space[{key!r}] values")


def dollar_cost(elapsed_seconds: float, price_per_hour: float, instance_count: int = 1) -> float:
    """Dollars spent by ``instance_count`` instances at ``price_per_hour`` for ``elapsed_seconds``.

    Cloud training is billed per second of instance time (SageMaker), so the cost is
    ``elapsed_seconds * price_per_hour / 3600 * instance_count``. Numpy scalars are accepted
    like Python numbers (``instance_count`` must be integral: ``2`` or ``np.int64(2)``, not
    ``2.0``); the result is a Python ``float``.
    """
    for name, val in [("elapsed_seconds", elapsed_seconds), ("price_per_hour", price_per_hour)]:
        if not _is_finite_real(val) or val < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {val!r}")
    count = check_instance_count(instance_count)
    return seconds_to_dollars(elapsed_seconds, price_per_hour, count)


def seconds_to_dollars(seconds: float, price_per_hour: float, instance_count: int) -> float:
    """:func:`dollar_cost` without its checks, for values validated once (e.g. a cost-ledger
    segment, validated when it is opened, and costed at every result). O(1)."""
    return float(seconds) * float(price_per_hour) / 3600.0 * instance_count


class PriceTable:
    """Resolves the $/hour of an instance name: user-set ``prices`` first (needed for local
    profiles such as ``local-cpu-2``, optional overrides for catalog types), then the catalog.

    ``price_per_hour(name)`` raises :class:`UnknownInstanceTypeError` (with the closest names) or
    :class:`MissingPriceError`; :meth:`validate_config_space` runs it on every value of the
    ``instance_type`` dimension, so a bad name fails when the run is configured.
    """

    def __init__(
        self,
        prices: Mapping[str, float] | None = None,
        catalog: InstanceCatalog | None = None,
    ):
        if prices is not None and not isinstance(prices, Mapping):
            raise ValueError(
                f"prices must be a dict instance or profile name -> $/hour, got "
                f"{type(prices).__name__}"
                + ("; from a table: dict(zip(df['name'], df['price_per_hour']))"
                   if type(prices).__name__ in ("DataFrame", "Series") else ""))
        prices = dict(prices or {})
        for name, price in prices.items():
            if not isinstance(name, str) or not name:
                raise ValueError(f"prices: keys must be instance or profile names, got {name!r}")
            if not _is_finite_real(price) or price < 0:
                raise ValueError(
                    f"prices[{name!r}] must be a finite price per hour >= 0, got {price!r}"
                )
        self.prices = {k: float(v) for k, v in prices.items()}
        self._catalog = catalog

    @property
    def catalog(self) -> InstanceCatalog:
        if self._catalog is None:
            self._catalog = load_catalog()
        return self._catalog

    def price_per_hour(self, name: str) -> float:
        if name in self.prices:
            return self.prices[name]
        if is_local_profile_name(name):
            given = ", ".join(sorted(self.prices)) or "none"
            raise MissingPriceError(
                f"No price per hour for local profile {name!r}: pass it in prices "
                f"(e.g. prices={{{name!r}: 0.10}}). Prices given for: {given}."
            )
        return self.catalog.price_per_hour(name)

    def validate(self, names: Iterable[str]) -> None:
        """Raise on the first name without a usable price."""
        for name in names:
            self.price_per_hour(name)

    def validate_config_space(self, config_space: Mapping, key: str = INSTANCE_TYPE) -> list[str]:
        """Check every value of ``config_space[key]``; returns them (``[]`` if ``key`` absent)."""
        names = instance_names_in(config_space, key)
        self.validate(names)
        return names


def instance_names_in(config_space: Mapping, key: str = INSTANCE_TYPE) -> list[str]:
    """All values the ``key`` dimension of ``config_space`` can take (a constant or a
    categorical domain); ``[]`` if absent. Raises ``ValueError`` for a continuous domain."""
    if not isinstance(config_space, Mapping):
        raise ValueError(f"config_space must be a dict, got {type(config_space).__name__}")
    if key not in config_space:
        return []
    dom = config_space[key]
    if isinstance(dom, str):
        return [dom]
    categories = getattr(dom, "categories", None)
    if categories is None:
        raise ValueError(
            f"config_space[{key!r}] must be an instance name or a choice(...) of names, "
            f"got {dom!r}"
        )
    return [str(c) for c in categories]
