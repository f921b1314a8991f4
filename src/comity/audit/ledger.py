"""The audit log as a Merkle transparency log (RFC 9162 hashing, comity.ledger).

Every audit event is appended, inside the transaction that writes it, as a leaf whose bytes are
`canonical_event_bytes(leaf_event(event))`. Tree heads are signed with the instance's Ed25519 key
(`COMITY_LEDGER_KEY`, else a key generated once under COMITY_DATA_DIR). Oversight bodies fetch signed
heads and proofs, keep checkpoints, and run `comity audit verify` or `comity ledger verify` on an export.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction

from comity.ledger import (CompactRange, LeafHashStore, canonical_event_bytes, format_event_time,
                           generate_private_key, leaf_hash, load_private_key, private_key_to_pem,
                           public_key_to_pem, sign_tree_head)

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


def _key_path() -> Path:
    return Path(os.environ.get("COMITY_LEDGER_KEY") or Path(settings.DATA_DIR) / "ledger_key.pem")


def private_key():
    path = _key_path()
    if not path.exists():
        if os.environ.get("COMITY_LEDGER_KEY"):
            raise RuntimeError(f"COMITY_LEDGER_KEY names {path}, which does not exist")
        key = generate_private_key()
        path.write_bytes(private_key_to_pem(key))
        path.chmod(0o600)
    return load_private_key(path.read_bytes())


def public_key_pem() -> str:
    pem = public_key_to_pem(private_key().public_key())
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
        state = LedgerState.objects.filter(pk=1).first()
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
        return [bytes.fromhex(h) if h else b"\0" * 32 for (h,) in cur.fetchall()]


def verify_database(checkpoints=(), *, strict: bool = False, deep: bool = True):
    """Check the audit log in the database.

    1. The log: the stored entries, recomputed into the Merkle tree, against every stored signed tree
       head and any checkpoints an oversight body kept (as fast as hashing allows).
    2. With ``deep`` (the default): each event's columns, re-encoded, against its log entry, so an
       edit to the searchable columns that left the entry alone is found too, at its position.

    Returns comity.ledger's LogVerification (``first_divergence`` is the first bad position found by
    either check)."""
    from comity.audit.models import LedgerState, TreeHead
    from comity.ledger import verify_log

    leaves, gaps = _stored_entries()
    if any(not entry for entry in leaves):  # an event stored without its entry: encode it from its columns
        by_seq = {seq: line for seq, line, _ in canonical_lines()}
        leaves = [entry or by_seq.get(i, b"") for i, entry in enumerate(leaves)]
    state = LedgerState.objects.filter(pk=1).first()
    if state is not None and state.size != len(leaves):
        gaps.append(f"the log's state counts {state.size} events but {len(leaves)} are stored")
    heads = [h.to_signed() for h in TreeHead.objects.all()] + list(checkpoints)
    keys = [private_key().public_key()]
    result = verify_log(leaves, heads, keys)
    if not result.ok:
        # Only when something is wrong: the stored leaf hashes (checked against the heads first) pin
        # the first bad entry exactly instead of to a window between two signed heads.
        result = verify_log(leaves, heads, keys, stored_leaf_hashes=_stored_leaf_hashes())
    messages = tuple(gaps) + tuple(result.messages)
    ok = result.ok and not gaps
    first, exact = result.first_divergence, result.exact
    if deep:
        for seq, line, _ in canonical_lines():
            if seq < len(leaves) and line != leaves[seq]:
                ok = False
                messages += (f"event seq {seq}: its columns do not match its log entry (edited after it was logged)",)
                if first is None or seq < first:
                    first, exact = seq, True
                break
    if strict and ok and result.verified_size < len(leaves):
        ok = False
        messages += (f"{len(leaves) - result.verified_size} events are newer than the latest signed tree head",)
    return dataclasses.replace(result, ok=ok, messages=messages, first_divergence=first, exact=exact)
