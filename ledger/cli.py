"""`flask ledger verify`, `flask ledger checkpoint` and `flask ledger key`: checking the ledger and its log."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from db import get_session
from ledger.checkpoint import make_checkpoint, signer_for
from ledger.verify import verify_ledger

ledger_cli = AppGroup("ledger", help="The offset ledger and its transparency log.")


@ledger_cli.command("verify")
@click.option("--checkpoint", "checkpoint_file", type=click.File("r", encoding="utf-8"),
              help="A checkpoint saved earlier (`flask ledger checkpoint`, or GET /ledger/checkpoint): the log "
                   "must extend it")
@click.option("--key", "verifier_key", default=None,
              help="The verifier key that signed the checkpoint (default: this instance's, `flask ledger key`)")
def verify(checkpoint_file, verifier_key: str | None) -> None:
    """Recompute the hash chain, the Merkle root and the ledger's invariants; exit 1 on any failure."""
    signer = signer_for(current_app.extensions["settings"])
    report = verify_ledger(get_session(), checkpoint_text=checkpoint_file.read() if checkpoint_file else None,
                           public_key=verifier_key or signer.verifier_key())
    for line in report.summary():
        click.echo(line)
    if not report.ok:
        sys.exit(1)


@ledger_cli.command("checkpoint")
def checkpoint() -> None:
    """Print the log's current signed checkpoint (save it to check later that history was not rewritten)."""
    note = make_checkpoint(get_session(), signer_for(current_app.extensions["settings"]))
    click.echo(note.text, nl=False)


@ledger_cli.command("key")
def key() -> None:
    """Print the verifier key of the checkpoints' signer."""
    click.echo(signer_for(current_app.extensions["settings"]).verifier_key())
