"""Per-user Ed25519 signatures over custody events. Pure Python.

Storage choice (see docs/evidence.md): the private key is held server-side, encrypted under the
instance's master key (the same envelope as evidence files), not under the user's password.
Custody events are recorded from the web, the API (bearer tokens) and the CLI, where no password
is typed; a password reset or a move to passkeys would otherwise orphan the key and every future
signature; and the master key already protects the evidence itself, so a password-derived key would
not raise the bar against someone who holds it. What the signature then proves is that the
instance recorded this user's act under their authenticated session; the RFC 3161 token and the
Merkle audit log bound when, and an external authority bounds it independently of the operator.

The signed payload is canonical JSON (sorted keys, no whitespace, UTF-8, integers and strings only)
so any language can rebuild it from the exported record.
"""

from __future__ import annotations

import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def canonical(payload: dict) -> bytes:
    """Canonical JSON bytes of a custody record (floats refused: they do not round-trip)."""
    def check(v):
        if isinstance(v, float):
            raise TypeError("floats are not allowed in signed payloads")
        if isinstance(v, dict):
            for x in v.values():
                check(x)
        if isinstance(v, list):
            for x in v:
                check(x)
    check(payload)
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def generate() -> tuple[bytes, bytes]:
    """A new key pair: (raw 32-byte private key, raw 32-byte public key)."""
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return raw, public_from_private(raw)


def public_from_private(private_raw: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private_raw).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public_raw: bytes) -> str:
    """SHA-256 of the raw public key, hex, first 32 characters: what a person compares."""
    return hashlib.sha256(public_raw).hexdigest()[:32]


def sign(private_raw: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private_raw).sign(message)


def verify(public_raw: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False
