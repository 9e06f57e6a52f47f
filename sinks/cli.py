"""`flask sinks estimate`: a sink estimate from the command line, printed with its cited rows."""

from __future__ import annotations

import json

import click
import marshmallow as ma
from flask.cli import AppGroup

from errors import ValidationError, json_paths
from sinks import estimates
from sinks.schemas import SinkEstimateRequestSchema

sinks_cli = AppGroup("sinks", help="Forestry sink estimates.")


@sinks_cli.command("estimate")
@click.option("--area", required=True, help="Area of the plot (a decimal).")
@click.option("--unit", "area_unit", default="ha", show_default=True, help="ha or mu (亩).")
@click.option("--province", default=None, help="Province code such as CN-JX.")
@click.option("--zone", "climate_zone", default=None, help="Climate zone, e.g. subtropical_humid.")
@click.option("--species", "species_group", required=True, help="eucalyptus, pine, other_conifer, quercus, "
              "other_broadleaf.")
@click.option("--origin", default="planted", show_default=True, help="planted or natural.")
@click.option("--age", "stand_age", default=0, show_default=True, help="Stand age when crediting starts (years).")
@click.option("--years", "crediting_years", default=20, show_default=True, help="Crediting period (years).")
@click.option("--uncertainty", default="0", show_default=True, help="Uncertainty discount, %.")
@click.option("--buffer", default="0", show_default=True, help="Risk buffer, %.")
@click.option("--price", default="ccer.2025_average", show_default=True, help="Price id, custom or none.")
@click.option("--custom-price", default=None, help="CNY per t, with --price custom.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
def estimate_command(area, area_unit, province, climate_zone, species_group, origin, stand_age, crediting_years,
                     uncertainty, buffer, price, custom_price, as_json):
    """Estimate one plot's biomass removals (ex ante, IPCC Tier 1)."""
    request = {"plots": [{"area": area, "area_unit": area_unit, "province": province, "climate_zone": climate_zone,
                          "species_group": species_group, "origin": origin, "stand_age": stand_age,
                          "crediting_years": crediting_years}],
               "uncertainty_discount_pct": uncertainty, "risk_buffer_pct": buffer, "price": price,
               "custom_price": custom_price}
    try:
        result = estimates.estimate(SinkEstimateRequestSchema().load(request))
    except ma.ValidationError as error:
        _fail(json_paths(error.messages))
    except ValidationError as error:
        _fail(error.fields)
    data = estimates.to_dict(result)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"gross {data['gross_t_co2']} t CO2 over {crediting_years} years "
               f"({data['mean_t_co2_per_ha_yr']} t CO2/ha/yr); net {data['net_t_co2']} t; "
               f"{data['net_credits']} whole tonnes")
    if data["valuation"]:
        v = data["valuation"]
        click.echo(f"value {v['value_cny']} CNY at {v['price']} {v['unit']} ({v['price_id']}, {v['as_of']})")
    rows = sorted({p["row_id"] for line in data["lines"] for p in line["parameters"] if p["row_id"]})
    click.echo("rows: " + ", ".join(rows))
    for item in data["warnings"]:
        click.echo(f"warning: {item['message']}")
    for item in data["notes"]:
        click.echo(f"note: {item['message']}")


def _fail(fields: dict) -> None:
    for path, reasons in fields.items():
        click.echo(f"error: {path.removeprefix('plots[0].')}: {'; '.join(map(str, reasons))}", err=True)
    raise SystemExit(2)
