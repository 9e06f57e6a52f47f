"""`flask demo seed`: demo data of every feature, safe to run again."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from accounts import demo as accounts_demo
from db import get_session

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("seed")
def seed() -> None:
    """Create the demo organisation and its users (idempotent) and print the logins."""
    logins = accounts_demo.seed(session=get_session())
    click.echo("Demo logins (http://127.0.0.1:8000/login):")
    for email, password, role in logins:
        click.echo(f"  {role.value:<10} {email:<32} {password}")
