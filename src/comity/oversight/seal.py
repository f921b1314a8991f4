"""Sealing of protected persons' true identities: AES-256-GCM, with the row's seal id as associated
data so a ciphertext cannot be moved to another row and still open.

The key comes from COMITY_SEAL_KEY (32 bytes, URL-safe base64) or, failing that, from a file
generated once under settings.DATA_DIR (`seal_key`, mode 0600). Losing the key loses the sealed
identities: back it up apart from the database (a database dump alone must not reveal them).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from comity.errors import IntegrityError
from comity.keyfiles import load_or_create_key

PREFIX = "aesgcm1:"


class SealError(IntegrityError):
    """The sealed identity cannot be opened (wrong key or altered ciphertext)."""


def _key() -> bytes:
    """COMITY_SEAL_KEY, else DATA_DIR/seal_key (created once, 0600): comity.keyfiles."""
    return load_or_create_key("COMITY_SEAL_KEY", Path(settings.DATA_DIR) / "seal_key")


def seal(plaintext: str, seal_id: str) -> str:
    nonce = os.urandom(12)
    ct = AESGCM(_key()).encrypt(nonce, plaintext.encode("utf-8"), seal_id.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + ct).decode()


def unseal(token: str, seal_id: str) -> str:
    if not token.startswith(PREFIX):
        raise SealError("not a sealed value")
    raw = base64.urlsafe_b64decode(token[len(PREFIX):].encode())
    try:
        return AESGCM(_key()).decrypt(raw[:12], raw[12:], seal_id.encode()).decode("utf-8")
    except InvalidTag:
        raise SealError("the sealed identity cannot be opened with this key, or it was altered") from None
