"""Signed checkpoints of the transparency log: C2SP tlog-checkpoint notes signed with Ed25519 (C2SP signed-note).

A checkpoint is the note text

    <origin>\\n<tree size, decimal>\\n<base64 RFC 6962 root hash>\\n

followed by a blank line and one signature line `— <key name> <base64(4-byte key ID || Ed25519 signature)>`,
where the key ID is SHA-256(key name || 0x0A || 0x01 || public key)[:4]. The key name is the origin. Anyone
holding the verifier key (`<name>+<hex key ID>+<base64(0x01 || public key)>`) can check a checkpoint offline,
and later check, with a consistency proof, that the log they are shown extends it.

The signing key is LEDGER_SIGNING_KEY (a base64 32-byte Ed25519 seed; the same on every node) or, when unset,
one created on first use in `instance/ledger_signing_key` (mode 0600), as the development SECRET_KEY is.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select
from sqlmodel import Session

from ledger.merkle import MerkleTree, leaf_hash
from ledger.models import LedgerHead, LogEntry
from settings import new_signing_seed, read_or_create_key_file, signing_seed

SIGNING_KEY_FILE = "ledger_signing_key"
DEVELOPMENT_HOST = "tanzhong.localhost"
ORIGIN_PATH = "/ledger"
ED25519 = 0x01  # signed-note signature type
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")
_KEY_NAME = re.compile(r"[^\s+]+")


class CheckpointError(ValueError):
    """A checkpoint or verifier key that is malformed, or whose signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    text: str  # the whole signed note, as published


def load_signing_key(seed_b64: str, instance_dir: Path, file_name: str = SIGNING_KEY_FILE,
                     setting: str = "LEDGER_SIGNING_KEY") -> Ed25519PrivateKey:
    """An Ed25519 key: the configured seed (the `setting`), else the instance's own file, created on first use
    (mode 0600); SettingsError naming the setting or the file if it holds no base64 32-byte seed."""
    if seed_b64:
        return Ed25519PrivateKey.from_private_bytes(signing_seed(seed_b64, setting))
    path = instance_dir / file_name
    text = read_or_create_key_file(path, lambda: new_signing_seed() + "\n")
    return Ed25519PrivateKey.from_private_bytes(signing_seed(text, str(path)))


def log_origin(public_base_url: str) -> str:
    """The checkpoint's origin line and key name: a schema-less URL naming this log (C2SP tlog-checkpoint)."""
    host = urlsplit(public_base_url).hostname if public_base_url else None
    return f"{host or DEVELOPMENT_HOST}{ORIGIN_PATH}"


def _raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + _raw_public_key(public_key)).digest()[:4]


@dataclass(frozen=True)
class LogSigner:
    """The key that signs this log's checkpoints, and the name it signs under."""

    name: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def verifier_key(self) -> str:
        return verifier_key(self.name, self.public_key)

    def sign_note(self, text: str) -> str:
        """A signed note of `text` (which ends in a newline), with this key's one signature line."""
        signature = self.private_key.sign(text.encode())
        stamp = base64.b64encode(key_id(self.name, self.public_key) + signature).decode()
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {stamp}\n"

    def sign(self, size: int, root_hash: bytes) -> str:
        """The signed checkpoint of the tree of `size` entries with `root_hash`."""
        return self.sign_note(checkpoint_text(self.name, size, root_hash))


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """`<name>+<hex key ID>+<base64(0x01 || public key)>`, the signed-note verifier key encoding."""
    encoded = base64.b64encode(bytes([ED25519]) + _raw_public_key(public_key)).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, Ed25519PublicKey]:
    """The name and public key of a verifier key; CheckpointError if it is malformed or its ID does not match."""
    parts = text.strip().split("+", 2)  # the base64 key may itself contain "+"
    if len(parts) != 3 or not _KEY_NAME.fullmatch(parts[0]) or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
        raise CheckpointError("a verifier key reads <name>+<8 hex digits>+<base64 key>")
    name, id_hex, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise CheckpointError("the verifier key's last part is not base64") from None
    if len(raw) != 33 or raw[0] != ED25519:
        raise CheckpointError("the verifier key is not an Ed25519 key (0x01 and 32 bytes)")
    public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    if key_id(name, public_key).hex() != id_hex:
        raise CheckpointError("the verifier key's ID does not match its name and key")
    return name, public_key


def checkpoint_text(origin: str, size: int, root_hash: bytes) -> str:
    """The note text a checkpoint signs (ends in a newline)."""
    return f"{origin}\n{size}\n{base64.b64encode(root_hash).decode()}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """A signed checkpoint's origin, size and root hash; CheckpointError naming the line that is wrong.

    The signature is not checked here: `verify_checkpoint` does that.
    """
    if "\r" in text or any(ord(c) < 0x20 and c != "\n" for c in text):
        raise CheckpointError("a checkpoint contains no control characters but newlines")
    note, separator, signatures = text.partition("\n\n")
    if not separator or not signatures.strip():
        raise CheckpointError("a checkpoint is its note, a blank line, then signature lines; no signature found")
    lines = note.split("\n")
    if len(lines) < 3:
        raise CheckpointError("a checkpoint's note has an origin, a tree size and a root hash line")
    origin, size_text, root_text = lines[:3]
    if not origin:
        raise CheckpointError("line 1 (origin) is empty")
    if not _DECIMAL.fullmatch(size_text):
        raise CheckpointError(f"line 2 (tree size) must be a decimal number, not {size_text!r}")
    try:
        root_hash = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        raise CheckpointError("line 3 (root hash) is not base64") from None
    if len(root_hash) != 32:
        raise CheckpointError(f"line 3 (root hash) must encode 32 bytes, not {len(root_hash)}")
    return Checkpoint(origin=origin, size=int(size_text), root_hash=root_hash, text=text)


def open_note(text: str, public_key: Ed25519PublicKey, name: str) -> str:
    """The text of a signed note whose signature by (`name`, `public_key`) verifies; else CheckpointError.

    As signed-note asks, signature lines of other keys are ignored, and a failing signature of the known key
    refuses the note.
    """
    if "\r" in text or any(ord(c) < 0x20 and c != "\n" for c in text):
        raise CheckpointError("a signed note contains no control characters but newlines")
    cut = text.rfind("\n\n")
    if cut < 0 or not text.endswith("\n"):
        raise CheckpointError("a signed note is its text, a blank line, then signature lines; none found")
    note, signature_block = text[:cut + 1], text[cut + 2:]
    expected_id = key_id(name, public_key)
    verified = False
    for line in signature_block[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise CheckpointError(f"signature line {line!r} does not start with an em dash and a space")
        signer, _, stamp = line[len(SIGNATURE_PREFIX):].partition(" ")
        try:
            raw = base64.b64decode(stamp, validate=True)
        except binascii.Error:
            raise CheckpointError(f"the signature of {signer!r} is not base64") from None
        if signer != name or raw[:4] != expected_id:
            continue
        try:
            public_key.verify(raw[4:], note.encode())
        except InvalidSignature:
            raise CheckpointError(f"the signature of {name!r} does not verify: the note was altered") from None
        verified = True
    if not verified:
        raise CheckpointError(f"the note carries no signature by the key {name!r}")
    return note


def verify_checkpoint(text: str, public_key: Ed25519PublicKey | str, name: str | None = None) -> Checkpoint:
    """The checkpoint, if a signature by `public_key` (a key or a verifier key string) verifies; else raise.

    The key name is the verifier key's, or by default the checkpoint's origin (this log signs under its origin).
    """
    if isinstance(public_key, str):
        name, public_key = parse_verifier_key(public_key)
    checkpoint = parse_checkpoint(text)
    open_note(text, public_key, name or checkpoint.origin)
    return checkpoint


# The leaf hashes of the log, kept per database between requests: entries never change, so each request reads
# only the entries appended since, after checking that the last one it knew is still the same.
_cache_lock = threading.Lock()
_leaf_cache: dict[str, tuple[list[bytes], str]] = {}  # database URL -> (leaf hashes, last entry hash)


def log_tree(session: Session) -> tuple[MerkleTree, str]:
    """The Merkle tree of the log up to its head (read in one go), and the head's entry hash.

    Serving proofs re-hashes the whole tree per call (about 0.1 s per 100,000 entries on one core) while only
    the new entries are read from the database. Verification never uses this: it reads every entry itself.
    """
    head = session.execute(select(LedgerHead.size, LedgerHead.head_hash).where(LedgerHead.id == 1)).one()
    key = str(session.connection().engine.url)
    with _cache_lock:
        leaves, last = _leaf_cache.get(key, ([], ""))
    leaves = list(leaves)
    if leaves and (len(leaves) > head.size or session.execute(
            select(LogEntry.entry_hash).where(LogEntry.seq == len(leaves) - 1)).scalar() != last):
        leaves, last = [], ""
    rows = session.execute(select(LogEntry.body, LogEntry.entry_hash).where(
        LogEntry.seq >= len(leaves), LogEntry.seq < head.size).order_by(LogEntry.seq))
    for body, digest in rows:
        leaves.append(leaf_hash(body.encode()))
        last = digest
    with _cache_lock:
        _leaf_cache[key] = (leaves, last)
    return MerkleTree(leaves), head.head_hash


def make_checkpoint(session: Session, signer: LogSigner) -> Checkpoint:
    """The log's current checkpoint, signed."""
    tree, _head = log_tree(session)
    text = signer.sign(tree.size, tree.root())
    return parse_checkpoint(text)


@functools.lru_cache(maxsize=8)
def _signer(name: str, seed_b64: str, instance_dir: str) -> LogSigner:
    return LogSigner(name=name, private_key=load_signing_key(seed_b64, Path(instance_dir)))


def signer_for(settings) -> LogSigner:
    """The signer a `settings.Settings` describes (its key loaded, or created, once per process)."""
    return _signer(log_origin(settings.public_base_url), settings.ledger_signing_key, str(settings.instance_dir))
