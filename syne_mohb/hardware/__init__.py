"""Hardware as a hyperparameter: instance catalog and prices, cost, local hardware profiles."""

from syne_mohb.hardware.catalog import (
    INSTANCE_TYPE,
    InstanceCatalog,
    InstanceType,
    MissingPriceError,
    UnknownInstanceTypeError,
    load_catalog,
)
from syne_mohb.hardware.cost import PriceTable, dollar_cost, instance_names_in
from syne_mohb.hardware.pricing import PriceRefreshError, refresh_prices
from syne_mohb.hardware.profiles import (
    LocalProfile,
    get_local_profile,
    local_profile_names,
)
from syne_mohb.hardware.space import instance_types, local_profiles

__all__ = [
    "INSTANCE_TYPE",
    "InstanceCatalog",
    "InstanceType",
    "LocalProfile",
    "MissingPriceError",
    "PriceRefreshError",
    "PriceTable",
    "UnknownInstanceTypeError",
    "dollar_cost",
    "get_local_profile",
    "instance_names_in",
    "instance_types",
    "load_catalog",
    "local_profile_names",
    "local_profiles",
    "refresh_prices",
]
