"""Signed checkpoints: the signed-note format against Go's reference vector, signing, parsing, refusing forgeries."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import (
    CheckpointError,
    LogSigner,
    load_signing_key,
    log_origin,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    verify_checkpoint,
)
from ledger.merkle import EMPTY_ROOT
from settings import Settings, SettingsError

# The signed-note example of golang.org/x/mod/sumdb/note (package documentation and note_test.go): the private
# key "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz" carries 0x01 || seed.
GO_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = GO_TEXT + ("\n\u2014 PeterNeumann "
                     "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")

ROOT = hashlib.sha256(b"a root").digest()


def _signer(seed: bytes = b"\x07" * 32, name: str = "tanzhong.example.org/ledger") -> LogSigner:
    return LogSigner(name=name, private_key=Ed25519PrivateKey.from_private_bytes(seed))


def test_signing_reproduces_the_go_reference_note_and_its_verifier_key():
    signer = _signer(GO_SEED, "PeterNeumann")
    assert signer.verifier_key() == GO_VERIFIER_KEY
    assert signer.sign_note(GO_TEXT) == GO_NOTE
    name, public_key = parse_verifier_key(GO_VERIFIER_KEY)
    assert open_note(GO_NOTE, public_key, name) == GO_TEXT


def test_a_checkpoint_is_origin_size_and_base64_root_then_one_signature_line():
    signer = _signer()
    text = signer.sign(42, ROOT)
    lines = text.split("\n")
    assert lines[:4] == ["tanzhong.example.org/ledger", "42", base64.b64encode(ROOT).decode(), ""]
    assert lines[4].startswith("\u2014 tanzhong.example.org/ledger ") and lines[5] == ""
    stamp = base64.b64decode(lines[4].rsplit(" ", 1)[1])
    assert stamp[:4].hex() == signer.verifier_key().split("+")[1] and len(stamp) == 4 + 64
    checkpoint = verify_checkpoint(text, signer.public_key)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root_hash) == ("tanzhong.example.org/ledger", 42, ROOT)
    assert verify_checkpoint(text, signer.verifier_key()).size == 42


@pytest.mark.parametrize(("old", "new"), [("\n42\n", "\n43\n"), ("tanzhong.example.org/ledger", "evil.example/ledger")])
def test_an_altered_checkpoint_is_refused(old, new):
    signer = _signer()
    forged = signer.sign(42, ROOT).replace(old, new, 1)
    with pytest.raises(CheckpointError, match="does not verify|no signature"):
        verify_checkpoint(forged, signer.verifier_key())


def test_a_checkpoint_with_another_root_is_refused():
    signer = _signer()
    text = signer.sign(42, ROOT)
    forged = text.replace(base64.b64encode(ROOT).decode(), base64.b64encode(EMPTY_ROOT).decode())
    with pytest.raises(CheckpointError, match="does not verify"):
        verify_checkpoint(forged, signer.public_key)


def test_a_checkpoint_signed_by_another_key_is_refused():
    text = _signer(b"\x01" * 32).sign(42, ROOT)
    with pytest.raises(CheckpointError, match="no signature by the key 'tanzhong.example.org/ledger'"):
        verify_checkpoint(text, _signer(b"\x02" * 32).public_key)


@pytest.mark.parametrize(("text", "reason"), [
    ("tanzhong.example.org/ledger\n42\n", "no signature found"),
    ("tanzhong.example.org/ledger\n042\nAAAA\n\n\u2014 x AAAA\n", "line 2"),
    ("tanzhong.example.org/ledger\n42\nnot base64!\n\n\u2014 x AAAA\n", "line 3"),
    ("tanzhong.example.org/ledger\n42\nAAAA\n\n\u2014 x AAAA\n", "32 bytes"),
    ("a\r\n1\n", "control characters"),
])
def test_a_malformed_checkpoint_is_refused_naming_its_line(text, reason):
    with pytest.raises(CheckpointError, match=reason):
        parse_checkpoint(text)


@pytest.mark.parametrize("key", ["PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                                 "PeterNeumann+c74f20a3+AhpcXQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "PeterNeumann"])
def test_a_wrong_verifier_key_is_refused(key):
    with pytest.raises(CheckpointError):
        parse_verifier_key(key)


def test_the_origin_is_the_public_hosts_ledger_or_the_development_name():
    assert log_origin("https://tanzhong.example.org") == "tanzhong.example.org/ledger"
    assert log_origin("http://Tanzhong.Example.org:8443") == "tanzhong.example.org/ledger"
    assert log_origin("") == "tanzhong.localhost/ledger"


def test_the_signing_key_is_created_once_with_mode_0600_or_taken_from_the_setting(tmp_path):
    first = load_signing_key("", tmp_path)
    again = load_signing_key("", tmp_path)
    path = tmp_path / "ledger_signing_key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert first.private_bytes_raw() == again.private_bytes_raw()
    seed = base64.b64encode(b"\x05" * 32).decode()
    assert load_signing_key(seed, tmp_path).private_bytes_raw() == b"\x05" * 32


def test_a_ledger_signing_key_that_is_not_a_base64_seed_stops_the_settings(tmp_path):
    with pytest.raises(SettingsError, match="LEDGER_SIGNING_KEY must be 32 bytes in base64"):
        Settings.from_env({"LEDGER_SIGNING_KEY": base64.b64encode(b"short").decode(),
                           "TANZHONG_INSTANCE_DIR": str(tmp_path)})
    settings = Settings.from_env({"LEDGER_SIGNING_KEY": base64.b64encode(b"\x05" * 32).decode(),
                                  "TANZHONG_INSTANCE_DIR": str(tmp_path)})
    assert "LEDGER_SIGNING_KEY" not in repr(settings) and "BQUF" not in repr(settings)
