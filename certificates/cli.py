"""`flask certificates verify NUMBER|FILE.json` and `flask certificates revoke NUMBER --reason ...`."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from certificates import status
from certificates.keys import issuer_for
from certificates.signing import ProofError, public_key_from_multibase
from db import get_session
from errors import DomainError
from ledger.checkpoint import CheckpointError, parse_checkpoint, verify_checkpoint

certificates_cli = AppGroup("certificates", help="Zero-carbon certificates: check and revoke.")


def _fail(message: str) -> None:
    click.echo(f"FAIL: {message}", err=True)
    sys.exit(1)


@certificates_cli.command("verify")
@click.argument("certificate")
@click.option("--key", "multikey", default=None,
              help="The issuer's public Multikey (z6Mk..., from /verify/key); offline, without it the key in the "
                   "credential's did:key issuer is checked")
@click.option("--log-key", default=None, help="The ledger's verifier key (`flask ledger key`, GET /ledger/key): "
                                              "checks the checkpoint printed in the certificate")
@click.option("--checkpoint", "checkpoint_file", type=click.File("r", encoding="utf-8"), default=None,
              help="A checkpoint saved earlier: a certificate printing a tree of the same size must print its root")
def verify(certificate: str, multikey: str | None, log_key: str | None, checkpoint_file) -> None:
    """Check a certificate by its number (in this database; an operator reads any number, a personal certificate
    without its access key too) or a saved credential file, offline; exit 1 if bad."""
    path = Path(certificate)
    try:
        expected = public_key_from_multibase(multikey) if multikey else None
    except ProofError as error:
        _fail(f"--key: {error}")
    if path.suffix == ".json" and path.exists():
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            _fail(f"{path}: not JSON ({error})")
        state = None
    else:
        session = get_session()
        try:
            found = status.find(session, certificate)
        except DomainError as error:
            _fail(error.message)
        document = json.loads(found.credential)
        expected = expected or issuer_for(current_app.extensions["settings"]).public_key
        state = status.standing(session, found, issuer_key=expected)
    subject = document.get("credentialSubject", {}) if isinstance(document, dict) else {}
    click.echo(f"certificate: {subject.get('number', '?')} ({subject.get('claim', {}).get('code', '?')})")
    check = status.check_credential(document, expected_issuer=expected)
    click.echo(f"signature: {'valid' if check.ok else 'INVALID: ' + check.message}")
    failures = [] if check.ok else [check.message]
    printed = subject.get("ledger_checkpoint") or {}
    if log_key and printed.get("note"):
        try:
            verify_checkpoint(printed["note"], log_key)
            click.echo(f"ledger checkpoint: signed, tree size {printed.get('size')}")
        except CheckpointError as error:
            failures.append(f"ledger checkpoint: {error}")
    if checkpoint_file is not None:
        try:
            saved = parse_checkpoint(checkpoint_file.read())
        except CheckpointError as error:
            _fail(f"--checkpoint: {error}")
        if printed and saved.size == printed.get("size"):
            if base64.b64encode(saved.root_hash).decode() != printed.get("root"):
                failures.append("the saved checkpoint's root differs from the one the certificate prints")
            else:
                click.echo("saved checkpoint: same tree as the certificate's")
        else:
            click.echo("saved checkpoint: another tree size; check consistency with flask ledger verify --checkpoint")
    if state is not None:
        click.echo(f"status: {state.state}" + (f" ({state.reason})" if state.reason else "")
                   + (f" -> {state.superseded_by}" if state.superseded_by else "")
                   + (f", {state.shortfall_tonnes} t short" if state.shortfall_tonnes else ""))
        if state.state != "valid":
            failures.append(f"status {state.state}")
    if failures:
        _fail("; ".join(failures))
    click.echo("OK")


@certificates_cli.command("revoke")
@click.argument("number")
@click.option("--reason", required=True, help="Why, shown on the verification page")
def revoke(number: str, reason: str) -> None:
    """Revoke a certificate (its content stays; the verification page shows the reason)."""
    try:
        status.revoke(get_session(), number=number, reason=reason)
    except DomainError as error:
        _fail(error.message)
    click.echo(f"revoked {number}")
