"""Second-factor secrets encrypted in the database (django-allauth's MFA adapter hooks).

allauth stores each TOTP secret and each recovery-code seed in `mfa_authenticator.data` and passes them
through the adapter's `encrypt()` / `decrypt()`. Comity encrypts them with AES-256-GCM under a key kept
outside the database, so a copy of the database (or of its backups) does not give away anyone's
second factor:

- `COMITY_MFA_KEY` (base64 of 32 random bytes) when set, for several app servers or a key kept in a
  secrets manager; otherwise
- `DATA_DIR/mfa_key`, generated once (mode 0600). Back it up apart from the database: without it no
  one can complete a TOTP or recovery-code sign-in (an administrator resets second factors then).

Stored form: `cmfa1:<key id>:<base64url(nonce | ciphertext)>`. The key id (a hash of the key, not
secret) lets an error say which key a value needs. Values without the prefix were stored in clear by
an earlier version: migration accounts/0003 encrypts them; `decrypt` refuses them.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from comity.errors import IntegrityError
from comity.keyfiles import load_or_create_key

PREFIX = "cmfa1:"
ENV_KEY = "COMITY_MFA_KEY"
_AAD = b"comity-mfa-secret-v1"
_cache: dict[str, bytes] = {}


class MFASecretError(IntegrityError):
    """A stored second-factor secret cannot be opened (missing or wrong key, altered or clear value)."""

    code = "mfa_secret_error"
    default_field = "second_factor"


def key_path() -> Path:
    return Path(settings.DATA_DIR) / "mfa_key"


def mfa_key() -> bytes:
    """The key from COMITY_MFA_KEY, else DATA_DIR/mfa_key (created once, 0600): comity.keyfiles."""
    path = key_path()
    if not os.environ.get(ENV_KEY, "").strip() and str(path) in _cache:
        return _cache[str(path)]
    key = load_or_create_key(ENV_KEY, path, MFASecretError)
    if not os.environ.get(ENV_KEY, "").strip():
        _cache[str(path)] = key
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"comity-mfa-key-id:" + key).hexdigest()[:12]


def is_encrypted(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def encrypt_secret(text: str) -> str:
    key = mfa_key()
    nonce = os.urandom(12)
    body = AESGCM(key).encrypt(nonce, text.encode("utf-8"), _AAD)
    return f"{PREFIX}{key_id(key)}:{base64.urlsafe_b64encode(nonce + body).decode()}"


def decrypt_secret(value: str) -> str:
    if not is_encrypted(value):
        raise MFASecretError("a second-factor secret is stored in clear (written before encryption): run "
                             "`comity migrate` to encrypt it")
    key = mfa_key()
    kid, _, blob = value[len(PREFIX):].partition(":")
    if kid != key_id(key):
        raise MFASecretError(f"a second-factor secret was encrypted under MFA key {kid}, but the key in use is "
                             f"{key_id(key)}: restore {ENV_KEY} or DATA_DIR/mfa_key from the key backup")
    try:
        raw = base64.urlsafe_b64decode(blob.encode())
        return AESGCM(key).decrypt(raw[:12], raw[12:], _AAD).decode("utf-8")
    except (InvalidTag, ValueError):
        raise MFASecretError("a stored second-factor secret does not decrypt: it was altered") from None


class ComityMFAAdapter(DefaultMFAAdapter):
    """allauth's MFA adapter with TOTP secrets and recovery-code seeds encrypted at rest."""

    def encrypt(self, text: str) -> str:
        return encrypt_secret(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_secret(encrypted_text)
