"""Great-circle travel distances between airports and cities, in Decimal kilometres."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from calculators.places import (
    Place,
    UnknownPlace,
    all_cities,
    find_airport,
    find_city,
    normalize,
    resolve_place,
)

__all__ = [
    "EARTH_RADIUS_KM",
    "Place",
    "UnknownPlace",
    "all_cities",
    "distance_km",
    "find_airport",
    "find_city",
    "great_circle_km",
    "normalize",
    "resolve_place",
]

# IUGG mean Earth radius R1 = (2a + b) / 3 of the GRS 80 / WGS 84 ellipsoid (H. Moritz, "Geodetic Reference
# System 1980", Journal of Geodesy 74 (2000) 128-133). On this sphere great-circle distances differ from
# ellipsoidal (Vincenty) ones by at most about 0.5 %, far less than the uplift that flight factors already
# add for routing.
EARTH_RADIUS_KM = 6371.0088
# Distances are rounded to 0.1 km: finer than the coordinates mean (city centres, GCJ-02 offsets of a few
# hundred metres), and a stored footprint then does not depend on the last bits of a platform's
# trigonometry.
KM_STEP = Decimal("0.1")

Number = Decimal | float | int | str


def great_circle_km(lat1: Number, lon1: Number, lat2: Number, lon2: Number) -> Decimal:
    """The haversine distance in km between two points given in decimal degrees, rounded half-up to 0.1 km.

    Raises ValueError for a latitude outside [-90, 90], a longitude outside [-180, 180] or a non-number.
    """
    phi1, lam1 = _radians(lat1, 90, "latitude"), _radians(lon1, 180, "longitude")
    phi2, lam2 = _radians(lat2, 90, "latitude"), _radians(lon2, 180, "longitude")
    h = math.sin((phi2 - phi1) / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin((lam2 - lam1) / 2) ** 2
    # Rounding can push h a hair above 1 for antipodal points, outside asin's domain.
    km = 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))
    return Decimal(km).quantize(KM_STEP, rounding=ROUND_HALF_UP)


def distance_km(origin: Place, destination: Place) -> Decimal:
    """The great-circle distance between two places, as great_circle_km."""
    return great_circle_km(origin.lat, origin.lon, destination.lat, destination.lon)


def _radians(value: Number, limit: int, what: str) -> float:
    try:
        degrees = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} {value!r} is not a number") from None
    if not -limit <= degrees <= limit:  # also rejects NaN
        raise ValueError(f"{what} {value!r} is outside [-{limit}, {limit}]")
    return math.radians(degrees)
