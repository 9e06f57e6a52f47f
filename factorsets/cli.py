"""`flask factors load|list|diff`: publish and inspect factor-library versions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click
from flask.cli import AppGroup

from calculators.footprint import CalculationError
from calculators.personas import PERSONAS, footprint_of
from db import get_session
from errors import DomainError
from factors import DEFAULT_VERSION, FactorDataError, available_versions, load_factor_set
from factors.diff import diff_factor_sets
from factors.display import printed_value
from factors.loader import DEFAULT_DATA_DIR
from factors.model import FactorError
from factorsets import service

factors_cli = AppGroup("factors", help="The emission-factor library.")


def _load(version: str, data_dir: Path):
    try:
        return load_factor_set(version, data_dir=data_dir)
    except FactorDataError as error:
        for line in error.errors:
            click.echo(line, err=True)
        raise click.ClickException(f"{len(error.errors)} bad row(s) in factor set {version}") from None
    except FactorError as error:
        raise click.ClickException(str(error).strip('"')) from None


@factors_cli.command("load")
@click.option("--version", "versions", multiple=True, help="Version(s) to publish; default: every version")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DATA_DIR)
def load(versions: tuple[str, ...], data_dir: Path) -> None:
    """Validate and publish factor-set versions; a published version can never change."""
    for version in versions or available_versions(data_dir):
        factor_set = _load(version, data_dir)
        try:
            result = service.publish_factor_set(session=get_session(), factor_set=factor_set)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        state = "published" if result.created else "already published, unchanged"
        click.echo(f"factor set {result.version}: {result.factor_count} factors, {state}")


@factors_cli.command("list")
@click.option("--category", default=None)
@click.option("--version", default=DEFAULT_VERSION, show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DATA_DIR)
def list_factors(category: str | None, version: str, data_dir: Path) -> None:
    """Print the factors of a version: id, value, unit, source."""
    factor_set = _load(version, data_dir)
    try:
        factors = factor_set.by_category(category) if category else list(factor_set.factors.values())
    except FactorError as error:
        raise click.ClickException(str(error).strip('"')) from None
    for f in factors:
        click.echo(f"{f.id:<48} {printed_value(f.kgco2e_per_unit):>14} kgCO2e/{f.unit:<13} {f.region:<16} "
                   f"{f.source_id}")
    click.echo(f"{len(factors)} factor(s) in {factor_set.version}")


@factors_cli.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DATA_DIR)
def diff(old: str, new: str, data_dir: Path) -> None:
    """What changed between two versions: added, removed and changed factors."""
    old_set, new_set = _load(old, data_dir), _load(new, data_dir)
    result = diff_factor_sets(old_set, new_set)
    for factor_id in result.added:
        click.echo(f"+ {factor_id}")
    for factor_id in result.removed:
        click.echo(f"- {factor_id}")
    for change in result.changed:
        click.echo(f"~ {change.id}: {change.old_value} -> {change.new_value} ({change.relative_change:+.2%})")
    click.echo(f"{len(result.added)} added, {len(result.removed)} removed, {len(result.changed)} changed")
    click.echo(f"reference personas, kg CO2e ({old} -> {new}):")
    for name, persona in PERSONAS.items():
        before, after = _persona_total(persona, old_set), _persona_total(persona, new_set)
        if isinstance(before, Decimal) and isinstance(after, Decimal):
            change = f" ({(after - before) / before:+.2%})" if before else ""
            click.echo(f"  {name:<40} {before:>20} -> {after:<20}{change}")
        else:
            click.echo(f"  {name:<40} {before} -> {after}")


def _persona_total(persona, factor_set) -> Decimal | str:
    # A persona may use a factor that one version lacks: say so for that persona, keep going for the rest.
    try:
        return footprint_of(persona, factor_set).total_kgco2e
    except (FactorError, CalculationError) as error:
        return f"not computable ({str(error).strip(chr(34))})"
