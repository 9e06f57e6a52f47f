"""The emission-factor library: versioned CSV tables, their sources, and the pure loader validating them."""

from factors.loader import (
    DEFAULT_DATA_DIR,
    DEFAULT_VERSION,
    available_versions,
    default_factor_set,
    load_factor_set,
)
from factors.model import (
    CATEGORIES,
    Factor,
    FactorDataError,
    FactorError,
    FactorSet,
    Source,
    UnknownCategory,
    UnknownFactor,
    UnknownVersion,
)

__all__ = [
    "CATEGORIES",
    "DEFAULT_DATA_DIR",
    "DEFAULT_VERSION",
    "Factor",
    "FactorDataError",
    "FactorError",
    "FactorSet",
    "Source",
    "UnknownCategory",
    "UnknownFactor",
    "UnknownVersion",
    "available_versions",
    "default_factor_set",
    "load_factor_set",
]
