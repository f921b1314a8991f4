"""This instance's own authority: its identity settings, its keys and its TLS certificate, kept in the data
folder under `exchange/` (private files, mode 0600).

`comity exchange init` makes them once: the identity (authority id, State, name, role, endpoint), an Ed25519
and an X25519 key pair, and a self-signed TLS certificate for the endpoint, whose SHA-256 peers pin. Keys
rotate with `comity exchange rotate-keys` (the old pair stays usable for the overlap)."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from comity.errors import InvalidInput
from comity.exchange import AuthorityKeys, Identity
from comity.exchange.identity import AUTHORITY_ID, ROLES


def folder() -> Path:
    path = Path(settings.DATA_DIR) / "exchange"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _write_private(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def is_initialised() -> bool:
    return (folder() / "identity.json").exists() and (folder() / "keys.json").exists()


def settings_doc() -> dict:
    path = folder() / "identity.json"
    if not path.exists():
        raise InvalidInput({"exchange": "this instance has no exchange identity yet: run `comity exchange init`"})
    return json.loads(path.read_text())


def keys() -> AuthorityKeys:
    path = folder() / "keys.json"
    if not path.exists():
        raise InvalidInput({"exchange": "this instance has no exchange identity yet: run `comity exchange init`"})
    return _keys_cached(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _keys_cached(path: str, _mtime: int) -> AuthorityKeys:
    return AuthorityKeys.from_json(Path(path).read_text())


def tls_paths() -> tuple[Path, Path]:
    return folder() / "tls.crt", folder() / "tls.key"


def tls_pin() -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    cert = x509.load_pem_x509_certificate(tls_paths()[0].read_bytes())
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


def identity() -> Identity:
    doc = settings_doc()
    return Identity.for_keys(keys(), authority=doc["authority"], state=doc["state"], name=doc["name"],
                             role=doc["role"], endpoint=doc["endpoint"], tls_certificate_sha256=tls_pin(),
                             issued=dt.datetime.fromisoformat(doc["issued"]))


def authority() -> str:
    return settings_doc()["authority"]


def identity_file() -> str:
    """The signed identity file a peer imports (signed with the current key; after a rotation, peers that
    trust the previous key accept it through the key_rotation message, signed with the previous key)."""
    return identity().sign(keys().signing().key)


def _self_signed(host: str) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    try:
        alt = [x509.IPAddress(ipaddress.ip_address(host))]
    except ValueError:
        alt = [x509.DNSName(host)]
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=825))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def initialise(*, authority: str, state: str, name: str, role: str, endpoint: str) -> dict:
    """Make this instance's identity, keys and TLS certificate (once; refuses to overwrite)."""
    import re

    errors = {}
    if not re.match(AUTHORITY_ID, authority or ""):
        errors["authority"] = "give the State's ISO code, a colon and a short lower-case name, e.g. FR:bepi"
    elif authority[:2] != (state or "").upper():
        errors["authority"] = f"must start with the State's code ({(state or '').upper()}:)"
    from comity.cases.validation import country_error

    errors["state"] = country_error(state)
    if not (name or "").strip():
        errors["name"] = "give the authority's name"
    if role not in ROLES:
        errors["role"] = f"one of {', '.join(ROLES)}"
    parts = urlsplit(endpoint or "")
    if parts.scheme != "https" or not parts.hostname or not endpoint.endswith("/"):
        errors["endpoint"] = "an https:// address ending in / (e.g. https://comity.example.org/exchange/v1/)"
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise InvalidInput(errors)
    if is_initialised():
        raise InvalidInput({"exchange": "this instance already has an exchange identity (keys rotate with "
                                        "`comity exchange rotate-keys`)"})
    cert, key = _self_signed(parts.hostname)
    _write_private(tls_paths()[1], key)
    _write_private(tls_paths()[0], cert)
    _write_private(folder() / "keys.json", AuthorityKeys.generate().to_json().encode())
    doc = {"authority": authority, "state": state.upper(), "name": name.strip(), "role": role,
           "endpoint": endpoint, "issued": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()}
    _write_private(folder() / "identity.json", json.dumps(doc, indent=1).encode())
    return doc


def rotate(overlap: dt.timedelta) -> tuple[Identity, str]:
    """New keys; returns the new identity and its file signed with the previous signing key."""
    old = keys()
    new = old.rotate(overlap=overlap)
    doc = settings_doc()
    doc["issued"] = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    _write_private(folder() / "keys.json", new.to_json().encode())
    _write_private(folder() / "identity.json", json.dumps(doc, indent=1).encode())
    _keys_cached.cache_clear()
    ident = identity()
    return ident, ident.sign(old.signing().key)
