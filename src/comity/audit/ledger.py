"""The audit log as a Merkle transparency log (RFC 9162 hashing, comity.ledger).

Every audit event is appended, inside the transaction that writes it, as a leaf whose bytes are
`canonical_event_bytes(leaf_event(event))`. Tree heads are signed with the instance's Ed25519 key
(`COMITY_LEDGER_KEY_PEM` in the environment, a PEM file named by `COMITY_LEDGER_KEY`, else a key generated
once under COMITY_DATA_DIR). Oversight bodies fetch signed heads and proofs, witness them (`comity audit
witness`, comity.ledger.witness), and run `comity audit verify` (against the witnessed heads) or
`comity ledger verify` on an export.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction

from comity.ledger import (CompactRange, LeafHashStore, LogVerification, canonical_event_bytes,
                           format_event_time, generate_private_key, leaf_hash, load_private_key,
                           private_key_to_pem, public_key_to_pem, sign_tree_head)
from comity.ledger.errors import LedgerError

CACHE_MIN_LEVEL = 4  # one cached root per 16 events on average: proofs read at most ~60 leaf hashes


def leaf_event(*, seq, time, event_type, actor_label, category, case_id, object_type, object_id, old_values,
               new_values, purpose, via) -> dict:
    """The event as it is hashed into the log. Built from stored columns only, so anyone holding an
    export (or the database) recomputes the same bytes."""
    return {"seq": seq, "time": format_event_time(time), "event_type": event_type,
            "actor": actor_label or "system", "category": category, "case_id": case_id,
            "object_type": object_type or None, "object_id": object_id or None, "old_value": old_values,
            "new_value": new_values, "purpose": purpose or None, "via": via or None}


def event_dict(ev) -> dict:
    return leaf_event(seq=ev.seq, time=ev.time, event_type=ev.event_type, actor_label=ev.actor_label,
                      category=ev.category, case_id=ev.case_id, object_type=ev.object_type, object_id=ev.object_id,
                      old_values=ev.old_values, new_values=ev.new_values, purpose=ev.purpose, via=ev.via)


def append(fields: dict) -> tuple[int, str, str]:
    """Reserve the next leaf for an event about to be inserted; returns (seq, leaf hash hex, log entry).
    Must run inside the event's transaction: the state row stays locked until it commits."""
    from comity.audit.models import LedgerState, LedgerSubtree

    connection = transaction.get_connection()
    assert connection.in_atomic_block
    # Plain SQL for the lock and read (this runs in every action): the row lock serialises appends.
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cur:
        cur.execute(f"SELECT size, compact FROM audit_ledgerstate WHERE id = 1{lock}")
        row = cur.fetchone()
    if row is None:  # created by the migration; this only runs if someone removed it
        LedgerState.objects.get_or_create(pk=1, defaults={"compact": {"size": 0, "hashes": []}})
        row = (0, {"size": 0, "hashes": []})
    raw = json.loads(row[1]) if isinstance(row[1], str) else row[1]
    compact = CompactRange.from_dict(raw) if raw else CompactRange()
    seq = compact.size
    entry = canonical_event_bytes(leaf_event(seq=seq, **fields))
    leaf = leaf_hash(entry)
    completed = compact.append(leaf)
    cached = [LedgerSubtree(level=lvl, index=idx, hash=h.hex()) for lvl, idx, h in completed if lvl >= CACHE_MIN_LEVEL]
    if cached:
        LedgerSubtree.objects.bulk_create(cached)
    # Plain SQL again: on PostgreSQL the ORM's update costs about as much as a second round trip.
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cur:
        cur.execute(f"UPDATE audit_ledgerstate SET size = %s, compact = %s{cast}, updated_at = %s WHERE id = 1",
                    [compact.size, json.dumps(compact.to_dict()),
                     connection.ops.adapt_datetimefield_value(fields["time"])])
    return seq, leaf.hex(), entry.decode("utf-8")


class _RecordingStore(LeafHashStore):
    """A stand-in that records which subtree roots and leaf hashes a proof reads. The proof algorithms'
    control flow depends only on sizes, never on hash values, so a dry run on dummy hashes reads
    exactly what the real run will."""

    _DUMMY = b"\0" * 32

    def __init__(self, size: int):
        self._size = size
        self.subtrees: set[tuple[int, int]] = set()
        self.leaves: set[int] = set()

    def tree_size(self) -> int:
        return self._size

    def leaf_hashes(self, start: int, stop: int):
        self.leaves.update(range(start, stop))
        return [self._DUMMY] * (stop - start)

    def cached_subtree(self, level: int, index: int):
        if level < CACHE_MIN_LEVEL:
            return None
        self.subtrees.add((level, index))
        return self._DUMMY  # complete subtrees from CACHE_MIN_LEVEL up are all in the cache table


class DatabaseLeafStore(LeafHashStore):
    """Leaf hashes from the audit table, subtree roots from the cache table.

    `prefetch(proof_function, *args)` reads everything a proof needs in two queries (a dry run finds
    what that is), so a proof costs the same few round trips on PostgreSQL as on SQLite."""

    def __init__(self):
        from comity.audit.models import LedgerState

        state = LedgerState.objects.filter(pk=1).first()
        self._size = state.size if state else 0
        self._subtrees: dict[tuple[int, int], bytes] = {}
        self._leaves: dict[int, bytes] = {}

    def tree_size(self) -> int:
        return self._size

    def prefetch(self, proof_function, *args) -> "DatabaseLeafStore":
        from django.db import connection

        dry = _RecordingStore(self._size)
        proof_function(dry, *args)
        with connection.cursor() as cur:
            by_level: dict[int, list[int]] = {}
            for level, index in dry.subtrees:
                by_level.setdefault(level, []).append(index)
            if by_level:
                where = " OR ".join(f'(level = %s AND "index" IN ({", ".join(["%s"] * len(ix))}))'
                                    for ix in by_level.values())
                params = [v for level, ix in by_level.items() for v in (level, *ix)]
                cur.execute(f'SELECT level, "index", hash FROM audit_ledgersubtree WHERE {where}', params)
                self._subtrees.update({(lv, ix): bytes.fromhex(h) for lv, ix, h in cur.fetchall()})
            if dry.leaves:
                seqs = sorted(dry.leaves)
                cur.execute(f"SELECT seq, leaf_hash FROM audit_auditevent WHERE seq IN ({', '.join(['%s'] * len(seqs))})",
                            seqs)
                self._leaves.update({seq: bytes.fromhex(h) for seq, h in cur.fetchall()})
        return self

    # Plain SQL where not prefetched: a proof makes a few dozen of these small look-ups, and the ORM's
    # overhead per query would dominate the time a proof takes.
    def leaf_hashes(self, start: int, stop: int):
        from django.db import connection

        if all(i in self._leaves for i in range(start, stop)):
            return [self._leaves[i] for i in range(start, stop)]
        with connection.cursor() as cur:
            cur.execute("SELECT leaf_hash FROM audit_auditevent WHERE seq >= %s AND seq < %s ORDER BY seq",
                        [start, stop])
            return [bytes.fromhex(row[0]) for row in cur.fetchall()]

    def cached_subtree(self, level: int, index: int):
        from django.db import connection

        if level < CACHE_MIN_LEVEL:
            return None
        if (level, index) in self._subtrees:
            return self._subtrees[(level, index)]
        with connection.cursor() as cur:
            cur.execute('SELECT hash FROM audit_ledgersubtree WHERE level = %s AND "index" = %s', [level, index])
            row = cur.fetchone()
        return bytes.fromhex(row[0]) if row else None


def proof_store(proof_function, *args) -> DatabaseLeafStore:
    """A database store with everything `proof_function(store, *args)` will read already loaded."""
    return DatabaseLeafStore().prefetch(proof_function, *args)


# -- the signing key -------------------------------------------------------------------------------
# Where the instance's Ed25519 key comes from, first match wins (docs/operations.md):
#   COMITY_LEDGER_KEY_PEM   the PEM itself, in the environment (from a secrets manager);
#   COMITY_LEDGER_KEY       a PEM file, best outside the data folder (a mounted secret, an HSM-backed file system);
#   otherwise               DATA_DIR/ledger_key.pem, generated once: whoever copies the data folder can re-sign
#                           a rewritten log, which only a witness (comity audit witness) then catches.
# COMITY_LEDGER_KEY_PASSPHRASE decrypts an encrypted PEM. PKCS#11 tokens are not supported (yet): no maintained
# PKCS#11 library is a dependency; a `pkcs11:` URI is refused with that reason rather than read as a file name.
# With COMITY_REQUIRE_EXTERNAL_LEDGER_KEY=1 a key file inside the data folder is refused (comity.audit.checks).


def _key_error(variable: str, reason: str):
    from comity.ledger import FieldError, InvalidInputError

    return InvalidInputError([FieldError(variable, reason)])


def external_key_required() -> bool:
    return os.environ.get("COMITY_REQUIRE_EXTERNAL_LEDGER_KEY", "").strip().lower() in ("1", "true", "yes")


def _key_path() -> Path | None:
    """The key file, or None when the key is given in the environment (COMITY_LEDGER_KEY_PEM)."""
    pem, named = os.environ.get("COMITY_LEDGER_KEY_PEM", "").strip(), os.environ.get("COMITY_LEDGER_KEY", "").strip()
    if pem and named:
        raise _key_error("COMITY_LEDGER_KEY_PEM", "is set together with COMITY_LEDGER_KEY: set only one of them")
    if pem:
        return None
    if named.lower().startswith("pkcs11:"):
        raise _key_error("COMITY_LEDGER_KEY", "PKCS#11 tokens are not supported yet: give a PEM file, or the PEM "
                                              "itself in COMITY_LEDGER_KEY_PEM (docs/operations.md)")
    return Path(named) if named else Path(settings.DATA_DIR) / "ledger_key.pem"


def key_location() -> str:
    """Where the signing key is read from, for people: 'environment (COMITY_LEDGER_KEY_PEM)' or a path."""
    path = _key_path()
    return "environment (COMITY_LEDGER_KEY_PEM)" if path is None else str(path)


def key_inside_data_folder() -> Path | None:
    """The key file if it sits inside the data folder (symbolic links resolved), else None."""
    path = _key_path()
    if path is None:
        return None
    data = Path(settings.DATA_DIR).resolve()
    resolved = path.expanduser().resolve()
    return path if resolved == data or data in resolved.parents else None


def _load(*, for_signing: bool):
    from comity.ledger import InvalidInputError

    passphrase = os.environ.get("COMITY_LEDGER_KEY_PASSPHRASE", "").encode() or None
    path = _key_path()
    if path is None:
        text = os.environ["COMITY_LEDGER_KEY_PEM"].strip()
        if "\\n" in text and "\n" not in text:  # a secrets manager that flattened the PEM to one line
            text = text.replace("\\n", "\n")
        source, data = "COMITY_LEDGER_KEY_PEM", (text + "\n").encode()
    else:
        source = "COMITY_LEDGER_KEY" if os.environ.get("COMITY_LEDGER_KEY", "").strip() else "ledger key"
        if for_signing and external_key_required() and key_inside_data_folder():
            raise _key_error(source, f"{path} is inside the data folder {settings.DATA_DIR}, and "
                                     "COMITY_REQUIRE_EXTERNAL_LEDGER_KEY=1 asks for a key kept elsewhere")
        if not path.exists():
            if source == "COMITY_LEDGER_KEY":
                raise _key_error(source, f"names {path}, which does not exist")
            from comity.keyfiles import create_once

            create_once(path, private_key_to_pem(generate_private_key()))  # generated once; the first process wins
        try:
            data = path.read_bytes()
        except OSError as e:
            raise _key_error(source, f"cannot read {path}: {e.strerror or e}") from None
    try:
        return load_private_key(data, passphrase)
    except InvalidInputError as e:
        raise _key_error(source, "; ".join(p.reason for p in e.problems)) from None


def private_key():
    """The instance's signing key (see above). Refuses a key file in the data folder when
    COMITY_REQUIRE_EXTERNAL_LEDGER_KEY=1."""
    return _load(for_signing=True)


def public_key():
    """The instance's public key (verification needs no signing, so the location rule is not applied)."""
    return _load(for_signing=False).public_key()


def public_key_pem() -> str:
    pem = public_key_to_pem(public_key())
    return pem.decode() if isinstance(pem, bytes) else pem


def sign_current_head(*, actor=None, via: str = ""):
    """Sign the current tree head and store it (no-op if the newest head already covers this size).

    Signing is itself audited: the event `ledger.tree_head_signed` is appended first, naming the size
    the head will have, and the head then covers that event too (so the log does not grow again and
    a periodic signer settles)."""
    from comity import audit
    from comity.audit.models import LedgerState, TreeHead
    from comity.ledger import key_id

    with transaction.atomic():
        # Locked from the start (PostgreSQL): an event committed between this read and the append below would
        # make the logged size differ from the head's (tests/security/test_crash_many.py, on PostgreSQL).
        state = LedgerState.objects.select_for_update().filter(pk=1).first()
        size = state.size if state else 0
        latest = TreeHead.objects.order_by("-size", "-id").first()
        if latest is not None and latest.size == size:
            return latest
        key = private_key()
        audit.record("ledger.tree_head_signed", actor=actor, category="security", via=via,
                     new={"size": size + 1, "key_id": key_id(key.public_key())})
        state = LedgerState.objects.get(pk=1)  # locked by the append above until this transaction ends
        compact = CompactRange.from_dict(state.compact)
        head = sign_tree_head(key, compact.size, compact.root())
        d = head.to_dict()
        return TreeHead.objects.create(size=d["size"], root_hash=d["root_hash"], timestamp=d["timestamp"],
                                       key_id=d["key_id"], signature=d["signature"])


def _event_time(value) -> str:
    """The canonical event time from what the database returns: an aware datetime (PostgreSQL), a
    naive UTC datetime or SQLite's UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]'."""
    if not isinstance(value, str):
        if value.tzinfo is None:  # SQLite hands back naive datetimes, stored in UTC
            return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return format_event_time(value)
    day, _, clock = value.partition(" ")
    if "+" in clock:  # some SQLite rows carry an explicit +00:00
        clock = clock.split("+", 1)[0]
    whole, _, frac = clock.partition(".")
    return f"{day}T{whole}.{(frac + '000000')[:6]}Z"


def _json_column(value):
    return json.loads(value) if isinstance(value, str) else value


def canonical_lines():
    """The stored log, in order: (seq, canonical bytes of the event, stored leaf hash hex).

    Read with a plain cursor (no ORM converters: this runs over the whole log). Each event takes the
    plain-JSON fast path where that hashes to the stored leaf, and the careful canonical encoder
    otherwise, so a changed event always comes out as its true canonical bytes."""
    from django.db import connection

    from comity.ledger import LedgerError

    with connection.cursor() as cur:
        cur.execute("SELECT seq, time, event_type, actor_label, category, case_id, object_type, object_id, "
                    "old_values, new_values, purpose, via, leaf_hash FROM audit_auditevent "
                    "WHERE seq IS NOT NULL ORDER BY seq")
        while rows := cur.fetchmany(10000):
            for (seq, time, event_type, actor_label, category, case_id, object_type, object_id, old_values,
                 new_values, purpose, via, stored) in rows:
                event = {"seq": seq, "time": _event_time(time), "event_type": event_type,
                         "actor": actor_label or "system", "category": category}
                if case_id is not None:
                    event["case_id"] = case_id
                if object_type:
                    event["object_type"] = object_type
                if object_id:
                    event["object_id"] = object_id
                old_values, new_values = _json_column(old_values), _json_column(new_values)
                if old_values is not None:
                    event["old_value"] = old_values
                if new_values is not None:
                    event["new_value"] = new_values
                if purpose:
                    event["purpose"] = purpose
                if via:
                    event["via"] = via
                line = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
                if leaf_hash(line).hex() != stored:
                    try:
                        line = canonical_event_bytes(event)
                    except LedgerError:
                        pass  # not encodable any more: these bytes stand in and will not match the log
                yield seq, line, stored


def log_entries():
    """The stored log entries in order: (seq, entry bytes, stored leaf hash hex). An event stored
    without its entry (none are, since the entry column exists) is re-encoded from its columns."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT seq, leaf, leaf_hash FROM audit_auditevent WHERE seq IS NOT NULL ORDER BY seq")
        while rows := cur.fetchmany(20000):
            for seq, leaf, stored in rows:
                yield seq, leaf.encode("utf-8") if leaf else None, stored


def _stored_entries() -> tuple[list[bytes], list[str]]:
    """All log entries in order, and any gap in the positions. Read in chunks with plain SQL: this is
    the hot loop of verification, so it does as little per row as it can."""
    from django.db import connection

    leaves: list[bytes] = []
    gaps: list[str] = []
    with connection.cursor() as cur:
        cur.execute("SELECT seq, leaf FROM audit_auditevent WHERE seq IS NOT NULL ORDER BY seq")
        while rows := cur.fetchmany(50000):
            start = len(leaves)
            # Positions are unique and ordered, so first and last tell whether the chunk is contiguous.
            if not gaps and (rows[0][0] != start or rows[-1][0] != start + len(rows) - 1):
                expected = start
                for seq, _ in rows:
                    if seq != expected:
                        gaps.append(f"event seq {expected} is missing (next stored event has seq {seq})")
                        break
                    expected += 1
            leaves.extend(entry.encode("utf-8") if entry else b"" for _, entry in rows)
    return leaves, gaps


def _stored_leaf_hashes() -> list[bytes]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT leaf_hash FROM audit_auditevent WHERE seq IS NOT NULL ORDER BY seq")
        return [_hash_or_zero(h) for (h,) in cur.fetchall()]


def _hash_or_zero(value) -> bytes:
    """A stored hex hash, or 32 zero bytes when it is missing or not hex (so the checks report it)."""
    try:
        raw = bytes.fromhex(value or "")
    except ValueError:
        return b"\0" * 32
    return raw if len(raw) == 32 else b"\0" * 32


# -- witnessed tree heads --------------------------------------------------------------------------
# An oversight body runs `comity audit witness`, which keeps, in a file it controls, the heads it cosigned
# (comity.ledger.witness). `comity audit verify` reads those files (COMITY_WITNESS_FILE, comma-separated) and
# the witnesses' public keys (COMITY_WITNESS_KEYS, comma-separated PEM files) and checks that the log in the
# database extends every witnessed head: a host that rewrote history and re-signed it with its own key, or cut
# the newest events and their heads, no longer passes.

NO_WITNESS = ("NO WITNESSED TREE HEAD: nothing outside this host vouches for the audit log, so whoever holds the "
              "data folder could rewrite it and re-sign it unnoticed. Set COMITY_WITNESS_FILE and "
              "COMITY_WITNESS_KEYS (docs/operations.md, \"Witnessing the audit log\").")


@dataclasses.dataclass(frozen=True)
class WitnessReport:
    """What the witnessed heads say about the log: status is 'none' (no witnessed head), 'verified' (the
    log extends every witnessed head) or 'rewritten' (it does not)."""

    status: str
    files: tuple[str, ...] = ()
    cosignatures: tuple = ()
    refusals: tuple = ()
    problems: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()

    @property
    def latest(self):
        return max(self.cosignatures, key=lambda c: (c.head.size, c.cosigned_at)) if self.cosignatures else None

    def headline(self) -> str:
        latest = self.latest
        if self.status == "none":
            return NO_WITNESS
        if self.status == "rewritten":
            return (f"REWRITTEN HISTORY: the log in the database does not extend the tree head of size "
                    f"{latest.head.size} that witness {latest.witness_key_id[:16]}... cosigned at {latest.time}")
        return (f"witnessed: the log extends the tree head of size {latest.head.size} cosigned by witness "
                f"{latest.witness_key_id[:16]}... at {latest.time} ({len(self.cosignatures)} witnessed "
                f"head{'' if len(self.cosignatures) == 1 else 's'} checked)")

    def to_dict(self) -> dict:
        latest = self.latest
        return {"status": self.status, "files": list(self.files), "witnessed_heads": len(self.cosignatures),
                "witnessed_size": latest.head.size if latest else None,
                "latest": latest.to_dict() if latest else None,
                "refusals": [r.to_dict() for r in self.refusals], "problems": list(self.problems),
                "messages": list(self.messages), "headline": self.headline()}


@dataclasses.dataclass(frozen=True)
class AuditVerification(LogVerification):
    """comity.ledger's LogVerification of the database's log, with what the witnesses say."""

    witness: WitnessReport = WitnessReport("none")

    def to_dict(self) -> dict:
        return {**super().to_dict(), "witness": self.witness.to_dict()}


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def witness_config(files=None, keys=None) -> tuple[list[str], list[str]]:
    """The witness files and witness public-key files: the arguments if given, else COMITY_WITNESS_FILE and
    COMITY_WITNESS_KEYS (each comma-separated)."""
    files = list(files) if files else _split(os.environ.get("COMITY_WITNESS_FILE"))
    keys = list(keys) if keys else _split(os.environ.get("COMITY_WITNESS_KEYS"))
    return files, keys


def load_witnessed(files, key_paths, *, keys_label: str = "COMITY_WITNESS_KEYS"):
    """(valid cosignatures, refusals, problems) from the witness files. A file that cannot be read or
    parsed, or a missing or unreadable key, raises InvalidInputError naming it; a cosignature that does not
    verify is a problem (someone edited the witness's file, or it is not the witness's)."""
    from comity.ledger import (Cosignature, FieldError, InvalidInputError, VerificationError, load_public_key,
                               read_witness_file, verify_cosignature)

    if not files:
        return [], [], []
    if not key_paths:
        raise InvalidInputError([FieldError(keys_label, "is needed to check the witnesses' cosignatures "
                                                        f"(witness files: {', '.join(files)})")])
    keys = []
    for path in key_paths:
        try:
            keys.append(load_public_key(Path(path).read_bytes()))
        except OSError as e:
            raise InvalidInputError([FieldError(keys_label, f"cannot read {path}: {e.strerror or e}")]) from None
        except InvalidInputError as e:
            raise InvalidInputError([FieldError(keys_label, f"{path}: {p.reason}") for p in e.problems]) from None
    cosignatures, refusals, problems = [], [], []
    for path in files:
        for record in read_witness_file(path):
            if isinstance(record, Cosignature):
                try:
                    verify_cosignature(record, keys)
                except VerificationError as e:
                    problems.append(str(e))
                else:
                    cosignatures.append(record)
            else:
                refusals.append(record)
    return cosignatures, refusals, problems


_COMMITTED = b'"sha256:'          # a salted commitment's value, as the canonical JSON spells it
_DISPOSED = b'"event_type":"case.disposed"'
_SIGNED = b'"event_type":"ledger.tree_head_signed"'


def check_beside_the_log(leaves: list[bytes], *, state=None, cached=None) -> list[str]:
    """The tables kept beside the log, against the log's entries (part of the deep verification).

    - No event is stored outside the log (an event row without a position would be invisible to it).
    - The log's incremental state and its cache of subtree roots are what the entries give: an edit
      there would make every later head, or every inclusion proof served, wrong.
    - Every kept text (stated purposes, searches) matches the salted commitment its event logged, under
      that event's case; a text the log committed to may be missing only where a disposal the log
      recorded erased it (the case's disposal, or a disposal listing the event among ``erased_text_events``).
    - Every signed tree head stored is one the log recorded signing (`ledger.tree_head_signed` names its
      size and key), and every head the log recorded signing is stored.

    ``state`` is the log's state row to check (read before ``leaves`` when the log is live: it then describes
    the first ``state.size`` entries) and ``cached`` the subtree cache read before ``leaves``; both are read
    here when not given. Rows written after ``leaves`` were read (heads, kept texts of newer events) are not
    held against them.

    Returns the problems found, in words (empty when all holds)."""
    from comity.audit.models import AuditEvent, AuditText, LedgerState, LedgerSubtree, TreeHead
    from comity.audit.schema import commitment
    from comity.ledger import leaf_hash

    problems: list[str] = []
    outside = AuditEvent.objects.filter(seq__isnull=True).count()
    if outside:
        problems.append(f"{outside} audit event(s) are stored outside the log (no position in it): added after the fact")

    from django.db.models import F

    relinked = AuditEvent.objects.filter(actor__isnull=False).exclude(actor__username=F("actor_label")).count()
    if relinked:
        problems.append(f"{relinked} audit event(s) are linked to another account than the one their entry names")
    stored_hashes = _stored_leaf_hashes()
    if state is None:
        state = LedgerState.objects.filter(pk=1).first()
    if cached is None:
        cached = {(lvl, idx): h for lvl, idx, h in LedgerSubtree.objects.values_list("level", "index", "hash")}
    n0 = state.size if state is not None else len(leaves)
    compact, expected = CompactRange(), {}
    at_n0 = CompactRange() if n0 == 0 else None
    committed: dict[int, dict] = {}
    rehashed: list[int] = []
    disposed_cases: set[int] = set()
    erased_events: set[int] = set()
    signed: dict[int, str] = {}
    for seq, entry in enumerate(leaves):
        digest = leaf_hash(entry)
        if seq < len(stored_hashes) and stored_hashes[seq] != digest:
            rehashed.append(seq)
        for level, index, node in compact.append(digest):
            if level >= CACHE_MIN_LEVEL:
                expected[(level, index)] = node.hex()
        if seq + 1 == n0:
            at_n0 = compact.copy()
        if _COMMITTED in entry or _DISPOSED in entry or _SIGNED in entry:
            try:
                event = json.loads(entry)
            except ValueError:
                continue  # an unreadable entry is reported by the log's own checks
            new = event.get("new_value") if isinstance(event.get("new_value"), dict) else {}
            texts = dict(new.get("texts") or {}) if isinstance(new.get("texts"), dict) else {}
            if isinstance(event.get("purpose"), str) and event["purpose"].startswith("sha256:"):
                texts["purpose"] = event["purpose"]
            if texts:
                committed[seq] = {"case_id": event.get("case_id"), "texts": texts}
            if event.get("event_type") == "case.disposed":
                if event.get("case_id") is not None:
                    disposed_cases.add(event["case_id"])
                erased_events.update(i for i in new.get("erased_text_events") or () if isinstance(i, int))
            elif event.get("event_type") == "ledger.tree_head_signed":
                signed[new.get("size")] = new.get("key_id")

    if rehashed:
        problems.append(f"{len(rehashed)} stored leaf hash(es) differ from their entries (first: event seq "
                        f"{rehashed[0]}): inclusion proofs would not verify")
    if state is not None and (state.compact or leaves) and (at_n0 is None or state.compact != at_n0.to_dict()):
        problems.append("the log's stored state (its compact range) differs from the one its entries give: "
                        "heads signed from now on would not match the log")
    wrong = sorted(k for k in cached.keys() & expected.keys() if cached[k] != expected[k])
    extra = sorted(cached.keys() - expected.keys())
    # Subtrees completed by events appended after the cache was read are not expected in it.
    missing = sorted(k for k in expected.keys() - cached.keys() if (k[1] + 1) << k[0] <= n0)
    for what, keys in (("differ from the entries", wrong), ("cover no complete part of the log", extra),
                       ("are missing", missing)):
        if keys:
            problems.append(f"{len(keys)} cached subtree root(s) {what} (first: level {keys[0][0]}, index "
                            f"{keys[0][1]}): inclusion proofs would not verify")

    seen: set[tuple[int, str]] = set()
    bad_texts = 0
    for seq, field, case_id, text, salt in AuditText.objects.filter(event__seq__lt=len(leaves)).values_list(
            "event__seq", "field", "case_id", "text", "salt").iterator():
        logged = committed.get(seq)
        want = logged["texts"].get(field) if logged else None
        if want is None or want != commitment(bytes(salt), text) or case_id != logged["case_id"]:
            bad_texts += 1
        else:
            seen.add((seq, field))
    if bad_texts:
        problems.append(f"{bad_texts} kept text(s) do not match the commitment their event logged "
                        "(edited, moved to another case, or added after the fact)")
    lost = [(seq, field) for seq, logged in committed.items() for field in logged["texts"]
            if (seq, field) not in seen and logged["case_id"] not in disposed_cases and seq not in erased_events]
    if lost:
        problems.append(f"{len(lost)} kept text(s) the log committed to are missing, and no disposal the log "
                        f"recorded erased them (first: event seq {lost[0][0]}, {lost[0][1]})")

    heads: dict[int, set] = {}
    doubled: set[int] = set()
    for size, key in TreeHead.objects.filter(size__lte=len(leaves)).values_list("size", "key_id"):
        if key in heads.setdefault(size, set()):
            doubled.add(size)
        heads[size].add(key)
    if doubled:
        problems.append(f"{len(doubled)} tree size(s) have more than one signed head stored (first: size "
                        f"{min(doubled)}); the log signs each size once")
    unlogged = sorted(size for size, keys in heads.items() if not any(signed.get(size) == k for k in keys))
    gone = sorted(size for size, key in signed.items() if key not in heads.get(size, ()))
    if unlogged:
        problems.append(f"{len(unlogged)} signed tree head(s) stored that the log never recorded signing "
                        f"(first: size {unlogged[0]})")
    if gone:
        problems.append(f"{len(gone)} signed tree head(s) the log recorded signing are missing "
                        f"(first: size {gone[0]})")
    return problems


def verify_database(checkpoints=(), *, strict: bool = False, deep: bool = True, witness_files=None,
                    witness_keys=None):
    """Check the audit log in the database.

    1. The log: the stored entries, recomputed into the Merkle tree, against every stored signed tree
       head, any checkpoints an oversight body kept, and every head a witness cosigned (as fast as
       hashing allows).
    2. With ``deep`` (the default): each event's columns, re-encoded, against its log entry, so an
       edit to the searchable columns that left the entry alone is found too, at its position; and the
       tables beside the log (state, subtree cache, kept texts, signed heads) against its entries
       (`check_beside_the_log`).
    3. The witnessed heads (``witness_files`` and ``witness_keys``, default COMITY_WITNESS_FILE and
       COMITY_WITNESS_KEYS): their cosignatures, and that the log extends each of them. A log that does
       not is reported as rewritten history, even if every head stored on the host verifies.

    Returns an AuditVerification: comity.ledger's LogVerification (``first_divergence`` is the first bad
    position found by any check) with ``witness`` (a WitnessReport)."""
    from comity.audit.models import LedgerState, LedgerSubtree, TreeHead
    from comity.ledger import verify_log

    files, key_paths = witness_config(witness_files, witness_keys)
    cosignatures, refusals, witness_problems = load_witnessed(
        files, key_paths, keys_label="--witness-key" if witness_keys else "COMITY_WITNESS_KEYS")
    # The log grows while it is verified: its state and subtree cache are read before the entries and the
    # state again after them, so an append committed in between is told from a tamper (the checks use
    # `before` as the state of the first `before.size` entries, and `after` when nothing was appended).
    before = LedgerState.objects.filter(pk=1).first()
    cached_before = {(lvl, idx): h for lvl, idx, h in LedgerSubtree.objects.values_list("level", "index", "hash")}
    leaves, gaps = _stored_entries()
    if any(not entry for entry in leaves):  # an event stored without its entry: encode it from its columns
        blank = [i for i, entry in enumerate(leaves) if not entry]
        gaps.append(f"{len(blank)} event(s) are stored without their log entry (first: event seq {blank[0]}); "
                    "checked from their columns instead")
        by_seq = {seq: line for seq, line, _ in canonical_lines()}
        leaves = [entry or by_seq.get(i, b"") for i, entry in enumerate(leaves)]
    state = LedgerState.objects.filter(pk=1).first()
    if state is None and leaves:
        gaps.append(f"the log's state is missing, though {len(leaves)} events are stored: the next event would "
                    "restart the log")
    if state is not None and not ((before.size if before else 0) <= len(leaves) <= state.size):
        gaps.append(f"the log's state counts {state.size} events but {len(leaves)} are stored")
    if state is not None and state.size != len(leaves):
        live = before if before is not None and before.size <= len(leaves) else None
    else:
        live = state
    own = []
    for stored in TreeHead.objects.order_by("size", "pk"):
        try:
            own.append(stored.to_signed())
        except LedgerError as exc:  # a stored head that is not even well-formed: reported, not trusted
            gaps.append(f"the signed tree head stored for size {stored.size} is malformed ({exc})")
    own += list(checkpoints)
    witnessed = list({(c.head.size, c.head.root_hash, c.head.signature): c.head for c in cosignatures}.values())
    keys = [public_key()]
    result = verify_log(leaves, own + witnessed, keys)
    against_witness = None
    if not result.ok:
        # Only when something is wrong: the stored leaf hashes (checked against the heads first) pin the first
        # bad entry exactly, and the host's heads and the witnessed ones are checked apart, so the report says
        # which of them the log fails.
        stored = _stored_leaf_hashes()
        if witnessed:
            against_witness = verify_log(leaves, witnessed, keys, stored_leaf_hashes=stored)
        result = verify_log(leaves, own, keys, stored_leaf_hashes=stored) if own else against_witness
    messages = tuple(gaps) + tuple(result.messages)
    ok = result.ok and not gaps
    first, bound, exact, verified = result.first_divergence, result.divergence_bound, result.exact, result.verified_size

    witness_messages = [f"witness file: {p}" for p in witness_problems]
    for refusal in refusals:
        witness_messages.append(f"witness {refusal.witness_key_id[:16]}... refused a head of size {refusal.head.size} "
                                f"at {refusal.time} ({refusal.reason}): "
                                + "; ".join(f"{k}: {v}" for k, v in refusal.errors.items()))
    status = "none" if not cosignatures else "verified"
    if against_witness is not None and not against_witness.ok:
        status = "rewritten"
        ok = False
        witness_messages += [f"against the witnessed heads: {m}" for m in against_witness.messages]
        messages = tuple(gaps) + (tuple(f"against the host's own tree heads: {m}" for m in result.messages)
                                  if own else ())
        verified = min(verified, against_witness.verified_size)
        if against_witness.first_divergence is not None and (first is None or against_witness.first_divergence < first):
            first, exact = against_witness.first_divergence, against_witness.exact
            bound = against_witness.divergence_bound
    if witness_problems:
        ok = False
    report = WitnessReport(status, tuple(files), tuple(cosignatures), tuple(refusals), tuple(witness_problems),
                           tuple(witness_messages))
    messages = ((report.headline(),) if status == "rewritten" else ()) + tuple(witness_messages) + messages

    if deep:
        for seq, line, _ in canonical_lines():
            if seq < len(leaves) and line != leaves[seq]:
                ok = False
                messages += (f"event seq {seq}: its columns do not match its log entry (edited after it was logged)",)
                if first is None or seq < first:
                    first, bound, exact = seq, seq + 1, True
                break
    if deep:
        beside = check_beside_the_log(leaves, state=live, cached=cached_before)
        if beside:
            ok = False
            messages += tuple(beside)
    if strict and ok and result.verified_size < len(leaves):
        ok = False
        messages += (f"{len(leaves) - result.verified_size} events are newer than the latest signed tree head",)
    fields = {f.name: getattr(result, f.name) for f in dataclasses.fields(LogVerification)}
    fields.update(ok=ok, messages=messages, first_divergence=first, divergence_bound=bound, exact=exact,
                  verified_size=verified)
    return AuditVerification(**fields, witness=report)
