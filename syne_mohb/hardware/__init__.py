"""Hardware: instance catalog and prices, cost, local hardware profiles, the runtime/cost model
with interactions and the policy that chooses where each trial segment runs."""

from syne_mohb.hardware.catalog import (
    INSTANCE_TYPE,
    InstanceCatalog,
    InstanceType,
    MissingPriceError,
    StalePriceWarning,
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
from syne_mohb.hardware.model import HardwareSpec, RuntimeCostModel, hardware_specs
from syne_mohb.hardware.policy import HardwarePolicy
from syne_mohb.hardware.feedback import HardwareFeedback

__all__ = [
    "HardwareFeedback",
    "HardwarePolicy",
    "HardwareSpec",
    "RuntimeCostModel",
    "hardware_specs",
    "INSTANCE_TYPE",
    "InstanceCatalog",
    "InstanceType",
    "LocalProfile",
    "MissingPriceError",
    "StalePriceWarning",
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
