"""Signed tree heads (checkpoints) with Ed25519, and the keys that sign them.

A tree head says "the log had ``size`` entries and root ``root_hash`` at ``timestamp``", signed by
the key whose ``key_id`` (hex SHA-256 of the raw 32-byte public key) it names.  An oversight body
keeps the heads it is shown; later it can check that the log still agrees with every one of them.

The signature covers, byte for byte::

    b"comity-ledger/tree-head/v1\\n" + canonical JSON of {"key_id", "root_hash", "size", "timestamp"}

(canonical JSON as in :mod:`comity.ledger.encoding`: sorted keys, no whitespace).  The prefix keeps
a tree-head signature from ever being valid as a signature over anything else.

JSON form of a signed head (one per line in a checkpoint file)::

    {"key_id": "<64 hex>", "root_hash": "<64 hex>", "signature": "<128 hex>",
     "size": 1234, "timestamp": "2026-11-21T23:00:00.000000Z"}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from comity.ledger.encoding import _check_time, canonical_json_bytes
from comity.ledger.errors import FieldError, InvalidInputError, LedgerError, VerificationError
from comity.ledger.tree import HASH_SIZE

SIGNATURE_CONTEXT = b"comity-ledger/tree-head/v1\n"
SIGNATURE_SIZE = 64
TREE_HEAD_FIELDS = ("key_id", "root_hash", "signature", "size", "timestamp")

# -- keys ------------------------------------------------------------------------------------------


def generate_private_key() -> Ed25519PrivateKey:
    """A new Ed25519 signing key for a log."""
    return Ed25519PrivateKey.generate()


def key_id(public_key: Ed25519PublicKey) -> str:
    """Hex SHA-256 of the raw 32-byte public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def private_key_to_pem(private_key: Ed25519PrivateKey, passphrase: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted when a passphrase is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def public_key_to_pem(public_key: Ed25519PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM (``-----BEGIN PUBLIC KEY-----``)."""
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(pem: bytes, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """Load an Ed25519 private key from PEM; :class:`InvalidInputError` if it is anything else."""
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError([FieldError("private_key", f"cannot be loaded: {exc}")]) from None
    except Exception as exc:  # cryptography raises UnsupportedAlgorithm for odd keys
        raise InvalidInputError([FieldError("private_key", f"cannot be loaded: {type(exc).__name__}")]) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInputError([FieldError("private_key", "is not an Ed25519 key")])
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """Load an Ed25519 public key from PEM; :class:`InvalidInputError` if it is anything else."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError([FieldError("public_key", f"cannot be loaded: {exc}")]) from None
    except Exception as exc:
        raise InvalidInputError([FieldError("public_key", f"cannot be loaded: {type(exc).__name__}")]) from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInputError([FieldError("public_key", "is not an Ed25519 key")])
    return key


# -- tree heads ------------------------------------------------------------------------------------


def _hex_field(data: Mapping[str, Any], name: str, size: int, errors: list[FieldError], prefix: str) -> bytes:
    value = data.get(name)
    field = f"{prefix}{name}"
    if value is None:
        errors.append(FieldError(field, "is required"))
    elif not isinstance(value, str):
        errors.append(FieldError(field, "must be a hex string"))
    elif len(value) != 2 * size:
        errors.append(FieldError(field, f"must be {2 * size} hex characters, got {len(value)}"))
    else:
        try:
            return bytes.fromhex(value)
        except ValueError:
            errors.append(FieldError(field, "is not valid hexadecimal"))
    return b""


@dataclass(frozen=True)
class SignedTreeHead:
    """A tree head and its Ed25519 signature.  Build with :func:`sign_tree_head` or :meth:`from_dict`."""

    size: int
    root_hash: bytes
    timestamp: str
    key_id: str
    signature: bytes

    def signed_bytes(self) -> bytes:
        """Exactly the bytes the signature covers."""
        return tree_head_message(self.size, self.root_hash, self.timestamp, self.key_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "root_hash": self.root_hash.hex(),
            "signature": self.signature.hex(),
            "size": self.size,
            "timestamp": self.timestamp,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Any, *, field_prefix: str = "") -> "SignedTreeHead":
        """Parse and check the shape of a tree head (not its signature: see :func:`verify_tree_head`)."""
        if not isinstance(data, Mapping):
            raise InvalidInputError([FieldError(field_prefix.rstrip(".") or "tree_head", "must be a JSON object")])
        errors: list[FieldError] = []
        for name in data:
            if name not in TREE_HEAD_FIELDS:
                errors.append(FieldError(f"{field_prefix}{name}", "is not a tree head field"))
        size = data.get("size")
        if size is None:
            errors.append(FieldError(f"{field_prefix}size", "is required"))
        elif type(size) is not int or size < 0:
            errors.append(FieldError(f"{field_prefix}size", f"must be a non-negative integer, got {size!r}"))
        root = _hex_field(data, "root_hash", HASH_SIZE, errors, field_prefix)
        signature = _hex_field(data, "signature", SIGNATURE_SIZE, errors, field_prefix)
        _hex_field(data, "key_id", HASH_SIZE, errors, field_prefix)
        kid = data.get("key_id")
        if isinstance(kid, str) and kid != kid.lower():
            errors.append(FieldError(f"{field_prefix}key_id", "must be lower-case hex"))
        timestamp = data.get("timestamp")
        if timestamp is None:
            errors.append(FieldError(f"{field_prefix}timestamp", "is required"))
        elif isinstance(timestamp, str):
            _check_time(timestamp, f"{field_prefix}timestamp", errors)
        else:
            errors.append(FieldError(f"{field_prefix}timestamp", "must be an ISO-8601 UTC string"))
        if errors:
            raise InvalidInputError(errors)
        return cls(size=size, root_hash=root, timestamp=timestamp, key_id=kid, signature=signature)  # type: ignore[arg-type]

    @classmethod
    def from_json(cls, text: str | bytes) -> "SignedTreeHead":
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInputError([FieldError("tree_head", f"is not valid JSON ({exc})")]) from None
        return cls.from_dict(data)


def tree_head_message(size: int, root_hash: bytes, timestamp: str, key_id_hex: str) -> bytes:
    """The signed bytes of a tree head (see the module docstring)."""
    body = {"key_id": key_id_hex, "root_hash": root_hash.hex(), "size": size, "timestamp": timestamp}
    return SIGNATURE_CONTEXT + canonical_json_bytes(body, field="tree_head")


def sign_tree_head(
    private_key: Ed25519PrivateKey, size: int, root_hash: bytes, timestamp: datetime | str | None = None
) -> SignedTreeHead:
    """Sign a tree head; ``timestamp`` defaults to now (UTC, microseconds)."""
    errors: list[FieldError] = []
    if type(size) is not int or size < 0:
        errors.append(FieldError("size", "must be a non-negative integer"))
    if not isinstance(root_hash, (bytes, bytearray)) or len(root_hash) != HASH_SIZE:
        errors.append(FieldError("root_hash", f"must be {HASH_SIZE} bytes"))
    if timestamp is None:
        timestamp = datetime.now(timezone.utc)
    stamp = _check_time(timestamp, "timestamp", errors)
    if errors:
        raise InvalidInputError(errors)
    assert stamp is not None
    kid = key_id(private_key.public_key())
    signature = private_key.sign(tree_head_message(size, bytes(root_hash), stamp, kid))
    return SignedTreeHead(size, bytes(root_hash), stamp, kid, signature)


def _keys_by_id(public_keys: Ed25519PublicKey | Iterable[Ed25519PublicKey]) -> dict[str, Ed25519PublicKey]:
    keys = [public_keys] if isinstance(public_keys, Ed25519PublicKey) else list(public_keys)
    for i, key in enumerate(keys):
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidInputError([FieldError(f"public_key[{i}]", "is not an Ed25519 public key")])
    if not keys:
        raise InvalidInputError([FieldError("public_key", "at least one public key is needed")])
    return {key_id(k): k for k in keys}


def verify_tree_head(
    tree_head: SignedTreeHead, public_keys: Ed25519PublicKey | Iterable[Ed25519PublicKey], *, field: str = "tree_head"
) -> None:
    """Check a tree head's signature against the trusted key(s) (several allow key rotation).

    Raises :class:`VerificationError` if no trusted key has the head's ``key_id`` or the signature
    does not verify.  Returns ``None`` on success.
    """
    keys = _keys_by_id(public_keys)
    if not isinstance(tree_head, SignedTreeHead):
        raise InvalidInputError([FieldError(field, "is not a SignedTreeHead")])
    key = keys.get(tree_head.key_id)
    if key is None:
        raise VerificationError(
            [FieldError(f"{field}.key_id", f"{tree_head.key_id[:16]}... is not a trusted key "
                        f"(trusted: {', '.join(k[:16] + '...' for k in keys)})")]
        )
    try:
        key.verify(tree_head.signature, tree_head.signed_bytes())
    except InvalidSignature:
        raise VerificationError([FieldError(f"{field}.signature", "does not verify: the head was altered")]) from None
    except LedgerError:
        raise
    except Exception as exc:  # malformed values smuggled past from_dict
        raise InvalidInputError([FieldError(field, f"cannot be verified: {exc}")]) from None


# -- checkpoint files (JSON lines) -----------------------------------------------------------------


T = TypeVar("T")


def parse_json_lines(text: str | bytes, source: str, parse: Callable[[Any, str, int], T]) -> list[T]:
    """One JSON object per line (blank lines ignored), each turned into a record by ``parse(data, prefix,
    line_number)``. Every malformed line is reported (as ``<source>[line N].<field>``) in one
    :class:`InvalidInputError`; a truncated last line is an error, never silently dropped. Checkpoint files
    and witness files are read with it."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInputError([FieldError(source, "is not UTF-8 text")]) from None
    records: list[T] = []
    errors: list[FieldError] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            errors.append(FieldError(f"{source}[line {number}]", f"is not valid JSON (truncated?): {exc.args[0]}"))
            continue
        try:
            records.append(parse(data, f"{source}[line {number}].", number))
        except InvalidInputError as exc:
            errors.extend(exc.problems)
    if errors:
        raise InvalidInputError(errors)
    return records


def load_checkpoints(text: str | bytes, *, source: str = "checkpoints") -> list[SignedTreeHead]:
    """Parse a checkpoint file: one signed tree head (JSON object) per line; blank lines ignored."""
    return parse_json_lines(text, source, lambda data, prefix, _: SignedTreeHead.from_dict(data, field_prefix=prefix))


def dump_checkpoints(heads: Sequence[SignedTreeHead]) -> str:
    """Checkpoint file text for some heads (one JSON line each)."""
    return "".join(head.to_json() + "\n" for head in heads)
