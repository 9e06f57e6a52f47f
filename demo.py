"""`flask demo seed`: demo data of every feature, safe to run again."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from accounts import demo as accounts_demo
from accounts import service as accounts
from db import get_session, utcnow
from ledger import demo as ledger_demo
from meetings import demo as meetings_demo
from meetings import links

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("seed")
def seed() -> None:
    """Create the demo organisation, its users, a demo meeting and the demo ledger (idempotent), and print how to
    reach them."""
    session = get_session()
    logins = accounts_demo.seed(session=session)
    organisation = accounts.get_organisation_by_slug(session=session, slug=accounts_demo.DEMO_ORG["slug"])
    logins.append(ledger_demo.seed(session=session, platform_slug=current_app.extensions["settings"].platform_org_slug,
                                   customer_organisation_id=organisation.id))
    event = meetings_demo.seed(session=session, organisation_id=organisation.id, today=utcnow().date())
    link = links.active_link(session=session, organisation_id=organisation.id, event_id=event.id)
    click.echo("Demo logins (http://127.0.0.1:8000/login):")
    for email, password, role in logins:
        click.echo(f"  {role.value:<10} {email:<32} {password}")
    click.echo("Public credit ledger: http://127.0.0.1:8000/ledger (platform admin: http://127.0.0.1:8000/ledger/admin)")
    click.echo(f"Demo meeting: http://127.0.0.1:8000/events/{event.id} (attendees: http://127.0.0.1:8000/m/{link.token})")
