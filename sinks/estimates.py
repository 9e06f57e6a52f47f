"""Use case: a sink estimate from validated request data; calculator errors become 422s naming the field."""

from __future__ import annotations

from collections.abc import Mapping

from calculators.footprint import CalculationError
from calculators.sinks import SinkEstimate, SinkOptions, SinkPlot, estimate_sinks
from errors import ValidationError
from factors.sinks import SinkLibrary, default_sink_library

_PLOT_FIELDS = ("name", "area", "area_unit", "province", "climate_zone", "species_group", "origin", "stand_age",
                "crediting_years", "method", "growing_stock_start", "growing_stock_end", "growth",
                "root_shoot_ratio")


def plot_from(data: Mapping) -> SinkPlot:
    return SinkPlot(**{name: data[name] for name in _PLOT_FIELDS if data.get(name) is not None})


def options_from(data: Mapping) -> SinkOptions:
    price = data.get("price", "ccer.2025_average")
    return SinkOptions(uncertainty_discount_pct=data["uncertainty_discount_pct"],
                       risk_buffer_pct=data["risk_buffer_pct"],
                       price_id=None if price in ("custom", "none") else price,
                       custom_price=data.get("custom_price") if price == "custom" else None)


def estimate(data: Mapping, library: SinkLibrary | None = None) -> SinkEstimate:
    """The estimate of the plots in `data` (loaded by SinkEstimateRequestSchema)."""
    plots = [plot_from(plot) for plot in data["plots"]]
    try:
        return estimate_sinks(plots, library or default_sink_library(), options_from(data))
    except CalculationError as error:
        # A single plot's calculator errors are relative to the plot; the request nests it under plots[0].
        path = error.field if error.field.startswith("plots[") or error.field in (
            "uncertainty_discount_pct", "risk_buffer_pct", "custom_price", "price_id") else f"plots[0].{error.field}"
        raise ValidationError(f"invalid input: {path}: {error.message}", fields={path: [error.message]}) from None


def _message(message) -> dict:
    return {"code": message.code, "message": str(message),
            "params": {key: str(value) for key, value in message.params.items()}}


def to_dict(result: SinkEstimate) -> dict:
    """The API's shape (SinkEstimateSchema), Decimals as strings."""
    valuation = result.valuation
    return {
        "kind": "ex_ante_estimate",
        "gross_t_co2": str(result.gross_t), "uncertainty_t_co2": str(result.uncertainty_t),
        "buffer_t_co2": str(result.buffer_t), "net_t_co2": str(result.net_t), "net_credits": result.net_credits,
        "area_ha": str(result.area_ha), "mean_t_co2_per_ha_yr": str(result.mean_t_per_ha_yr),
        "per_year_t_co2": [str(v) for v in result.per_year_t],
        "cumulative_t_co2": [str(v) for v in result.cumulative_t],
        "lines": [{"plot": line.plot, "year": line.year, "pool": line.pool, "stand_age": line.stand_age,
                   "tonnes_co2": str(line.tonnes_co2), "formula": line.formula,
                   "parameters": [{"name": p.name, "value": str(p.value), "row_id": p.row_id,
                                   "source_ref": p.source_ref} for p in line.parameters]}
                  for plot in result.plots for line in plot.lines],
        "sanity_band": {"low": str(result.band.low), "high": str(result.band.high),
                        "national": str(result.band.national), "project": str(result.band.project)},
        "notes": [_message(n) for n in result.notes],
        "warnings": [_message(w) for w in result.warnings],
        "valuation": None if valuation is None else {
            "price_id": valuation.price_id, "price": str(valuation.price), "unit": valuation.currency_per_t,
            "as_of": valuation.as_of, "source": valuation.source, "source_ref": valuation.source_ref,
            "value_cny": str(valuation.value_cny)},
        "library_version": result.library_version, "library_hash": result.library_hash,
    }
