"""A witness for the log's signed tree heads, kept by someone the instance does not control.

Why
===
An instance signs its tree heads with a key that lives on the instance's host. Whoever holds the host
(its data folder, its database) can rewrite an event, rebuild the tree and re-sign every head, or delete
the newest events with their heads: the log is then self-consistent again and nothing *on the host* can
tell. A witness closes that gap, as Certificate Transparency witnesses and the C2SP ``tlog-witness``
ecosystem do: an oversight body (or a peer authority) runs this witness on its own machine, with its own
key and its own file, and now and then hands it the instance's latest signed tree head and a consistency
proof from the last head it cosigned. The witness cosigns only a head that *extends* what it cosigned
before, so a log rewritten or cut short behind the witness's back can never again get a cosignature, and
``comity audit verify`` checks the database against the latest witnessed head.

What the witness checks (in this order), before it cosigns a head
------------------------------------------------------------------
1. the instance's Ed25519 signature on the head verifies with one of the instance keys the witness
   was given (refusal ``bad_signature``);
2. the size does not shrink below the last cosigned head (``rollback``);
3. a head of the same size has the same root (a different one is a ``fork``);
4. a consistency proof from the last cosigned head to the new one verifies (RFC 9162 §2.1.4.2;
   refusal ``bad_proof``: the proof is wrong, or the new head is of a rewritten log).
The very first head is accepted on its signature alone (trust on first use): start the witness while
the log is known to be good, and keep its file from then on.

The cosignature
---------------
In the manner of C2SP ``tlog-cosignature`` (``cosignature/v1``): the witness signs, with Ed25519, the
bytes::

    cosignature/v1
    time <cosigned_at: seconds since 1970-01-01 UTC, decimal>
    comity-ledger/<instance key id, 64 hex>
    <tree size, decimal>
    <root hash, standard base64>
    timestamp <the head's own timestamp, as the instance signed it>

each line ending with ``\\n``. Lines 3 to 5 are a C2SP ``tlog-checkpoint`` body (origin, size, root), with
one extension line carrying the head's timestamp, so the cosignature binds the size, the root, the time
the instance claimed and the instance key id. Unlike C2SP we keep signatures in JSON (hex), and key ids
are the hex SHA-256 of the raw 32-byte public key, as everywhere in :mod:`comity.ledger`.

The witness file
----------------
JSON lines, appended to and never rewritten (``O_APPEND``, fsync, an exclusive ``flock`` while a head
is checked and written). A cosigned head::

    {"kind": "cosigned", "head": {<signed tree head>}, "cosignature": "<128 hex>",
     "witness_key_id": "<64 hex>", "cosigned_at": 1795000000, "time": "2026-11-19T10:13:20Z"}

and a refusal, kept as evidence (the instance-signed head it was shown is itself proof of a fork)::

    {"kind": "refused", "reason": "fork" | "rollback" | "bad_proof" | "bad_signature",
     "head": {...}, "previous": {<last cosigned head>} | null, "consistency_path": ["<hex>", ...],
     "errors": {"<field>": "<reason>"}, "witness_key_id": "<64 hex>", "time": "..."}

The witness's state is its file: the last ``cosigned`` line is the head it will extend from. When it
opens its file it checks its own cosignatures, so an edited or foreign line is found at once.

Pure Python: never imports Django.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from comity.ledger.errors import FieldError, InvalidInputError, VerificationError
from comity.ledger.proofs import ConsistencyProof, verify_consistency
from comity.ledger.signing import (SIGNATURE_SIZE, SignedTreeHead, _keys_by_id, key_id, parse_json_lines,
                                   verify_tree_head)
from comity.ledger.tree import HASH_SIZE

try:  # POSIX: one witness run at a time per file
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

COSIGNATURE_CONTEXT = b"cosignature/v1\n"
ORIGIN_PREFIX = "comity-ledger/"
REFUSAL_REASONS = ("bad_signature", "rollback", "fork", "bad_proof")

__all__ = [
    "COSIGNATURE_CONTEXT",
    "Cosignature",
    "Refusal",
    "Witness",
    "WitnessRefused",
    "checkpoint_body",
    "cosignature_message",
    "load_witness_records",
    "read_witness_file",
    "verify_cosignature",
]


class WitnessRefused(VerificationError):
    """The witness would not cosign a head: ``reason`` is one of ``REFUSAL_REASONS``; the refusal is
    already written to the witness's file."""

    code = "witness_refused"

    def __init__(self, reason: str, errors: Iterable[FieldError], refusal: Refusal | None = None) -> None:
        self.reason = reason
        self.refusal = refusal
        super().__init__(list(errors))


# -- the signed note -------------------------------------------------------------------------------


def checkpoint_body(head: SignedTreeHead) -> bytes:
    """The C2SP-style checkpoint body of an instance head: origin, size, base64 root, timestamp line."""
    root = base64.b64encode(head.root_hash).decode("ascii")
    return f"{ORIGIN_PREFIX}{head.key_id}\n{head.size}\n{root}\ntimestamp {head.timestamp}\n".encode()


def cosignature_message(head: SignedTreeHead, cosigned_at: int) -> bytes:
    """Exactly the bytes a cosignature covers (see the module docstring)."""
    return COSIGNATURE_CONTEXT + f"time {cosigned_at}\n".encode("ascii") + checkpoint_body(head)


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- records ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cosignature:
    """A head the witness vouched for: it extends every head the witness cosigned before."""

    head: SignedTreeHead
    witness_key_id: str
    cosigned_at: int
    signature: bytes
    line: int | None = field(default=None, compare=False)
    source: str = field(default="", compare=False)

    @property
    def time(self) -> str:
        return _iso(self.cosigned_at)

    def message(self) -> bytes:
        return cosignature_message(self.head, self.cosigned_at)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "cosigned", "head": self.head.to_dict(), "cosignature": self.signature.hex(),
                "witness_key_id": self.witness_key_id, "cosigned_at": self.cosigned_at, "time": self.time}

    def where(self) -> str:
        return f"{self.source or 'witness file'} line {self.line}" if self.line else (self.source or "witness file")


@dataclass(frozen=True)
class Refusal:
    """A head the witness refused, and why: kept in its file as evidence."""

    reason: str
    head: SignedTreeHead
    previous: SignedTreeHead | None
    consistency_path: tuple[bytes, ...]
    errors: Mapping[str, str]
    witness_key_id: str
    refused_at: int
    line: int | None = field(default=None, compare=False)

    @property
    def time(self) -> str:
        return _iso(self.refused_at)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "refused", "reason": self.reason, "head": self.head.to_dict(),
                "previous": self.previous.to_dict() if self.previous else None,
                "consistency_path": [h.hex() for h in self.consistency_path], "errors": dict(self.errors),
                "witness_key_id": self.witness_key_id, "refused_at": self.refused_at, "time": self.time}


def _hex(value: Any, name: str, size: int, errors: list[FieldError], prefix: str) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * size:
        errors.append(FieldError(f"{prefix}{name}", f"must be {2 * size} hex characters"))
        return b""
    try:
        return bytes.fromhex(value)
    except ValueError:
        errors.append(FieldError(f"{prefix}{name}", "is not valid hexadecimal"))
        return b""


def _record_from_dict(data: Any, prefix: str, line: int, source: str) -> Cosignature | Refusal:
    if not isinstance(data, Mapping):
        raise InvalidInputError([FieldError(prefix.rstrip("."), "must be a JSON object")])
    kind = data.get("kind")
    errors: list[FieldError] = []
    head = None
    try:
        head = SignedTreeHead.from_dict(data.get("head"), field_prefix=f"{prefix}head.")
    except InvalidInputError as exc:
        errors.extend(exc.problems)
    kid = data.get("witness_key_id")
    _hex(kid, "witness_key_id", HASH_SIZE, errors, prefix)
    if kind == "cosigned":
        signature = _hex(data.get("cosignature"), "cosignature", SIGNATURE_SIZE, errors, prefix)
        at = data.get("cosigned_at")
        if type(at) is not int or at < 0:
            errors.append(FieldError(f"{prefix}cosigned_at", "must be a non-negative integer"))
        if errors:
            raise InvalidInputError(errors)
        assert head is not None
        return Cosignature(head, kid, at, signature, line=line, source=source)
    if kind == "refused":
        reason = data.get("reason")
        if reason not in REFUSAL_REASONS:
            errors.append(FieldError(f"{prefix}reason", f"must be one of {', '.join(REFUSAL_REASONS)}"))
        previous = None
        if data.get("previous") is not None:
            try:
                previous = SignedTreeHead.from_dict(data["previous"], field_prefix=f"{prefix}previous.")
            except InvalidInputError as exc:
                errors.extend(exc.problems)
        path_raw = data.get("consistency_path") or []
        path = tuple(_hex(h, f"consistency_path[{i}]", HASH_SIZE, errors, prefix) for i, h in enumerate(path_raw)) \
            if isinstance(path_raw, list) else ()
        at = data.get("refused_at")
        if type(at) is not int or at < 0:
            errors.append(FieldError(f"{prefix}refused_at", "must be a non-negative integer"))
        reasons = data.get("errors")
        if errors:
            raise InvalidInputError(errors)
        assert head is not None
        return Refusal(reason, head, previous, path, dict(reasons) if isinstance(reasons, Mapping) else {}, kid, at,
                       line=line)
    errors.append(FieldError(f"{prefix}kind", "must be 'cosigned' or 'refused'"))
    raise InvalidInputError(errors)


def load_witness_records(text: str | bytes, *, source: str = "witness_file") -> list[Cosignature | Refusal]:
    """Parse a witness file (JSON lines; see the module docstring). Every malformed line is reported, as
    ``<source>[line N].<field>``, in one :class:`InvalidInputError`; a truncated line is an error."""
    return parse_json_lines(text, source, lambda data, prefix, number: _record_from_dict(data, prefix, number, source))


def read_witness_file(path: str | os.PathLike[str], *, source: str | None = None) -> list[Cosignature | Refusal]:
    """The records of a witness file; :class:`InvalidInputError` naming the file if it cannot be read."""
    name = source or str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInputError([FieldError(name, f"cannot be read: {exc.strerror or exc}")]) from None
    return load_witness_records(data, source=name)


def verify_cosignature(cosignature: Cosignature, witness_keys: Ed25519PublicKey | Iterable[Ed25519PublicKey]) -> None:
    """Check a cosignature against the trusted witness key(s); :class:`VerificationError` if no trusted
    key has its id or the signature does not verify."""
    keys = _keys_by_id(witness_keys)
    where = cosignature.where()
    key = keys.get(cosignature.witness_key_id)
    if key is None:
        raise VerificationError([FieldError(f"{where}.witness_key_id",
                                            f"{cosignature.witness_key_id[:16]}... is not a trusted witness key")])
    try:
        key.verify(cosignature.signature, cosignature.message())
    except InvalidSignature:
        raise VerificationError([FieldError(f"{where}.cosignature",
                                            "does not verify: the witnessed head or its time was altered")]) from None


# -- the witness -----------------------------------------------------------------------------------


def _now() -> int:
    return int(datetime.now(UTC).timestamp())


class Witness:
    """A witness with its own Ed25519 key, the instance key(s) it trusts, and its append-only file.

    >>> w = Witness.open("witness.jsonl", signing_key=witness_key, instance_keys=[instance_public_key])
    >>> w.add(head, consistency_proof)          # a Cosignature, or WitnessRefused
    """

    def __init__(self, *, signing_key: Ed25519PrivateKey, instance_keys: Ed25519PublicKey | Iterable[Ed25519PublicKey],
                 path: str | os.PathLike[str] | None = None, clock: Callable[[], int] | None = None) -> None:
        if not isinstance(signing_key, Ed25519PrivateKey):
            raise InvalidInputError([FieldError("witness_key", "is not an Ed25519 private key")])
        self.signing_key = signing_key
        self.key_id = key_id(signing_key.public_key())
        self.instance_keys = _keys_by_id(instance_keys)
        self.path = Path(path) if path is not None else None
        self.clock = clock or _now
        self.records: list[Cosignature | Refusal] = []
        self._loaded_bytes = -1

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, signing_key: Ed25519PrivateKey,
             instance_keys: Ed25519PublicKey | Iterable[Ed25519PublicKey],
             clock: Callable[[], int] | None = None) -> Witness:
        """A witness keeping its state in ``path`` (created on the first head)."""
        witness = cls(signing_key=signing_key, instance_keys=instance_keys, path=path, clock=clock)
        witness._reload()
        return witness

    # state ---------------------------------------------------------------------------------------

    @property
    def latest(self) -> Cosignature | None:
        """The last head this witness cosigned (what it extends from)."""
        for record in reversed(self.records):
            if isinstance(record, Cosignature):
                return record
        return None

    @property
    def refusals(self) -> list[Refusal]:
        return [r for r in self.records if isinstance(r, Refusal)]

    def _reload(self) -> None:
        if self.path is None or not self.path.exists():
            return
        size = self.path.stat().st_size
        if size == self._loaded_bytes:
            return
        records = read_witness_file(self.path)
        own = self.signing_key.public_key()
        for record in records:
            if isinstance(record, Cosignature):
                verify_cosignature(record, own)  # an edited or foreign line: refuse to go on from it
        self.records = records
        self._loaded_bytes = size

    def _append(self, record: Cosignature | Refusal) -> None:
        self.records.append(record)
        if self.path is None:
            return
        line = (json.dumps(record.to_dict(), sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        self._loaded_bytes = self.path.stat().st_size

    # cosigning -----------------------------------------------------------------------------------

    def add(self, head: SignedTreeHead, proof: ConsistencyProof | Sequence[bytes] | None = None) -> Cosignature:
        """Cosign ``head`` if it extends the last cosigned head (see the module docstring), append the
        cosignature to the file and return it. Returns the last cosignature, writing nothing, when
        ``head`` is the head already cosigned. Raises :class:`WitnessRefused` (after recording the
        refusal) for a bad signature, a rollback, a fork or a consistency proof that does not verify."""
        if not isinstance(head, SignedTreeHead):
            raise InvalidInputError([FieldError("tree_head", "is not a SignedTreeHead")])
        lock_fd = self._lock()
        try:
            self._reload()
            return self._add(head, proof)
        finally:
            if lock_fd is not None:
                os.close(lock_fd)  # closing releases the flock

    def _lock(self) -> int | None:
        if self.path is None or fcntl is None:
            return None
        fd = os.open(self.path, os.O_RDONLY | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    def _refuse(self, reason: str, head: SignedTreeHead, previous: Cosignature | None, path: Sequence[bytes],
                errors: list[FieldError]) -> WitnessRefused:
        refusal = Refusal(reason, head, previous.head if previous else None, tuple(path),
                          {e.field: e.reason for e in errors}, self.key_id, self.clock())
        self._append(refusal)
        return WitnessRefused(reason, errors, refusal)

    def _add(self, head: SignedTreeHead, proof: ConsistencyProof | Sequence[bytes] | None) -> Cosignature:
        previous = self.latest
        if isinstance(proof, ConsistencyProof):
            path: Sequence[bytes] = proof.consistency_path
        else:
            path = list(proof or [])
        # 1. The instance signed it.
        try:
            verify_tree_head(head, self.instance_keys.values())
        except VerificationError as exc:
            raise self._refuse("bad_signature", head, previous, path, list(exc.problems)) from None
        if previous is not None:
            old = previous.head
            # 2. No rollback.
            if head.size < old.size:
                raise self._refuse("rollback", head, previous, path, [FieldError(
                    "tree_head.size", f"{head.size} is smaller than the head of size {old.size} cosigned at "
                    f"{previous.time}: the log was rolled back or cut short")])
            # 3. No fork.
            if head.size == old.size:
                if head.root_hash != old.root_hash:
                    raise self._refuse("fork", head, previous, path, [FieldError(
                        "tree_head.root_hash", f"differs from the root cosigned at {previous.time} for the same size "
                        f"{head.size}: the log was forked or rewritten")])
                return previous  # nothing new: already cosigned
            # 4. The new head extends the old one.
            problems: list[FieldError] = []
            if isinstance(proof, ConsistencyProof) and (proof.old_size, proof.new_size) != (old.size, head.size):
                problems.append(FieldError("consistency_proof", f"is between sizes {proof.old_size} and "
                                           f"{proof.new_size}, not {old.size} and {head.size}"))
            else:
                try:
                    verify_consistency(old.size, head.size, old.root_hash, head.root_hash, list(path))
                except (VerificationError, InvalidInputError) as exc:
                    problems = [FieldError("consistency_proof", f"does not show that the head of size {head.size} "
                                           f"extends the one cosigned at {previous.time} (size {old.size}): "
                                           "the proof is wrong or the log was rewritten")]
                    problems += [FieldError(f"consistency_proof.{p.field}", p.reason) for p in exc.problems]
            if problems:
                raise self._refuse("bad_proof", head, previous, path, problems)
        at = self.clock()
        signature = self.signing_key.sign(cosignature_message(head, at))
        cosignature = Cosignature(head, self.key_id, at, signature, source=str(self.path or ""))
        self._append(cosignature)
        return cosignature
