"""Where the evidence keys live: the master keyring, the per-user signing keys, the time-stamping
authority, and the Django system check that refuses to start without a master key.

Master keys come from the environment (COMITY_MASTER_KEY, base64 of 32 bytes, plus
COMITY_MASTER_KEYS_RETIRED, comma-separated, while a rotation is under way) or, for the embedded
default, from DATA_DIR/evidence_master.keys (one base64 key per line, the current one first),
created by the explicit init step `django-admin evidence_init_key` (and `comity evidence init-key`).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from django.conf import settings
from django.core import checks

from comity.evidence import crypto, tsa

ENV_KEY = "COMITY_MASTER_KEY"
ENV_RETIRED = "COMITY_MASTER_KEYS_RETIRED"
MISSING = (f"no evidence master key: set {ENV_KEY} (base64 of 32 random bytes) or run "
           "`django-admin evidence_init_key` (comity evidence init-key) once to create "
           "DATA_DIR/evidence_master.keys")


def keyring_path() -> Path:
    return Path(settings.DATA_DIR) / "evidence_master.keys"


def evidence_dir() -> Path:
    path = Path(getattr(settings, "COMITY_EVIDENCE_DIR", None) or Path(settings.DATA_DIR) / "evidence")
    return path


def uses_env() -> bool:
    return bool(os.environ.get(ENV_KEY, "").strip())


def load_keyring() -> crypto.Keyring:
    """The master keyring; raises crypto.MasterKeyMissing with what to do."""
    if uses_env():
        current = crypto.decode_master_key(os.environ[ENV_KEY])
        retired = [crypto.decode_master_key(k) for k in os.environ.get(ENV_RETIRED, "").split(",") if k.strip()]
        return crypto.Keyring(current, retired)
    path = keyring_path()
    if not path.exists():
        raise crypto.MasterKeyMissing(MISSING)
    lines = [ln for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    if not lines:
        raise crypto.MasterKeyMissing(f"{path} holds no key; {MISSING}")
    keys = [crypto.decode_master_key(ln) for ln in lines]
    return crypto.Keyring(keys[0], keys[1:])


def init_master_key() -> Path:
    """Create the keyring file with a new random key; refuses to overwrite an existing one."""
    path = keyring_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    from comity.keyfiles import create_once

    if not create_once(path, (crypto.encode_key(crypto.new_key()) + "\n").encode()):
        raise FileExistsError(errno.EEXIST, "the keyring exists already", str(path))
    return path


def add_master_key() -> crypto.Keyring:
    """Rotation, file-based keyring: a new current key; the old ones stay to unwrap until re-wrapped."""
    if uses_env():
        raise crypto.MasterKeyMissing(f"the master key comes from {ENV_KEY}: set the new key there and the old one "
                                      f"in {ENV_RETIRED}, then rotate without generating a key")
    ring = load_keyring()
    new = crypto.new_key()
    path = keyring_path()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        for k in [new, ring.current, *ring.retired]:
            f.write(crypto.encode_key(k) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return load_keyring()


def drop_retired_keys() -> None:
    """After a completed rotation: keep only the current key in the file-based keyring."""
    if uses_env():
        return
    ring = load_keyring()
    tmp = keyring_path().with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(crypto.encode_key(ring.current) + "\n")
    os.replace(tmp, keyring_path())


# --- time-stamping ----------------------------------------------------------------------------------

def local_tsa() -> tsa.LocalTSA:
    return tsa.LocalTSA.load_or_create(Path(settings.DATA_DIR) / "tsa")


def timestamp(digest: bytes) -> bytes:
    url = getattr(settings, "COMITY_TSA_URL", "") or os.environ.get("COMITY_TSA_URL", "")
    if url:
        return tsa.request_timestamp(url, digest)
    return local_tsa().timestamp(digest)


def trusted_tsa_certs() -> list[bytes]:
    """The local authority's certificate, plus any PEM files named in COMITY_TSA_CERTS (an external TSA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    certs = [local_tsa().cert_der]
    extra = getattr(settings, "COMITY_TSA_CERTS", "") or os.environ.get("COMITY_TSA_CERTS", "")
    for name in [p for p in extra.split(",") if p.strip()]:
        for cert in x509.load_pem_x509_certificates(Path(name.strip()).read_bytes()):
            certs.append(cert.public_bytes(serialization.Encoding.DER))
    return certs


# --- system check -----------------------------------------------------------------------------------

@checks.register()
def master_key_check(app_configs=None, **kwargs):
    """A bad or missing master key is reported at start-up, not at the first upload.

    Missing is an error once the instance holds evidence (files under the evidence folder) and a
    warning before that, so a fresh install can run `init` without the key existing yet."""
    try:
        load_keyring()
        return []
    except crypto.MasterKeyMissing as exc:
        store = evidence_dir()
        holds_evidence = store.exists() and any(store.iterdir())
        if uses_env() or holds_evidence or getattr(settings, "COMITY_EVIDENCE_REQUIRE_KEY", False):
            return [checks.Error(f"Evidence master key: {exc}", id="evidence.E001",
                                 hint="Without it no stored evidence can be decrypted or registered.")]
        return [checks.Warning(f"Evidence master key: {exc}", id="evidence.W001",
                               hint="Evidence registration is refused until the key exists.")]
