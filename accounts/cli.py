"""`flask orgs`, `flask users` and `flask keys`: organisations, accounts and API keys from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from accounts import service
from accounts.models import ApiKeyRole, Role
from db import get_session
from errors import DomainError

orgs_cli = AppGroup("orgs", help="Organisations.")
users_cli = AppGroup("users", help="User accounts.")
keys_cli = AppGroup("keys", help="Organisation API keys.")


def _fail(error: DomainError) -> None:
    raise click.ClickException(error.message)


@orgs_cli.command("create")
@click.argument("slug")
@click.option("--name-zh", required=True, help="Chinese name")
@click.option("--name-en", required=True, help="English name")
def create_org(slug: str, name_zh: str, name_en: str) -> None:
    """Create an organisation (a tenant)."""
    try:
        org = service.create_organisation(session=get_session(), slug=slug, name_zh=name_zh, name_en=name_en)
    except DomainError as error:
        _fail(error)
    click.echo(f"created organisation {org.slug} (id {org.id})")


@users_cli.command("create")
@click.argument("email")
@click.option("--org", "org_slug", required=True, help="Slug of the organisation the user joins")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", "display_name", default="", help="Display name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given")
def create_user(email: str, org_slug: str, role: str, display_name: str, password: str) -> None:
    """Create a user and make them a member of an organisation."""
    session = get_session()
    try:
        org = service.get_organisation_by_slug(session=session, slug=org_slug)
        user = service.create_user(session=session, email=email, password=password, display_name=display_name,
                                   organisation_id=org.id, role=role)
    except DomainError as error:
        _fail(error)
    click.echo(f"created user {user.email} ({role} of {org.slug})")


@keys_cli.command("create")
@click.option("--org", "org_slug", required=True, help="Slug of the organisation the key acts for")
@click.option("--role", type=click.Choice([r.value for r in ApiKeyRole]), required=True,
              help="read_only: read events and responses; organiser: also create events and take snapshots")
@click.option("--name", required=True, help="What the key is for, e.g. the program that uses it")
def create_key(org_slug: str, role: str, name: str) -> None:
    """Create an API key and print its secret, this once: only its hash is kept."""
    session = get_session()
    try:
        org = service.get_organisation_by_slug(session=session, slug=org_slug)
        key, secret = service.create_api_key(session=session, organisation_id=org.id, name=name, role=role)
    except DomainError as error:
        _fail(error)
    click.echo(f"created {role} API key '{key.name}' (id {key.id}) for {org.slug}; it is shown only now:", err=True)
    click.echo(secret)
