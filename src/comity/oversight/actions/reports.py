"""The signed oversight report: the events a search found, each checked against a freshly signed tree head
(signature, stored bytes, inclusion proof), and the report's digest signed with the instance's key."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

from django.db import transaction
from django.utils import timezone

from comity import audit
from comity.accounts.models import User
from comity.errors import InvalidInput
from comity.oversight.actions._common import _check, _purpose_error
from comity.oversight.actions.console import EventFilters, case_references, require_console, search_events

REPORT_MAX_EVENTS = 1000  # WeasyPrint renders about 100 rows a second; bulk exports: `comity audit export`

REPORT_CONTEXT = b"comity-oversight-report/v1\n"


@dataclasses.dataclass
class Report:
    generated_at: dt.datetime
    generated_by: str
    purpose: str
    filters: EventFilters
    events: list
    references: dict
    head: dict
    public_key_id: str
    verified: bool
    problems: list
    digest: str
    signature: str
    audit_seq: int


def _report_digest(filters: EventFilters, events, head: dict, generated_at: dt.datetime, by: str) -> bytes:
    body = {"generated_at": generated_at.isoformat(), "generated_by": by, "filters": filters.as_params(),
            "tree_head": head, "events": [[e.seq, e.leaf_hash] for e in events]}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).digest()


class _BlockCachedStore:
    """Reads the log's leaf hashes in aligned blocks of 256 (one query per block, kept) and keeps
    the subtree roots it looks up, so proofs for many events of one report share their reads."""

    BLOCK = 256

    def __init__(self, inner):
        from comity.ledger import LeafHashStore

        inner_size = inner.tree_size()
        blocks: dict[int, list] = {}
        subtrees: dict = {}
        B = self.BLOCK

        class Store(LeafHashStore):
            def tree_size(self) -> int:
                return inner_size

            def leaf_hashes(self, start: int, stop: int):
                out = []
                b = start // B
                while b * B < stop:
                    if b not in blocks:
                        blocks[b] = list(inner.leaf_hashes(b * B, min((b + 1) * B, inner_size)))
                    out.extend(blocks[b][max(start, b * B) - b * B:min(stop, (b + 1) * B) - b * B])
                    b += 1
                return out

            def cached_subtree(self, level: int, index: int):
                key = (level, index)
                if key not in subtrees:
                    subtrees[key] = inner.cached_subtree(level, index)
                return subtrees[key]

            def cache_subtree(self, level: int, index: int, value: bytes) -> None:
                subtrees[(level, index)] = value

        self.store = Store()


def check_against_head(events, head) -> list[str]:
    """Check the tree head's signature, each event's stored bytes against its leaf hash, and each
    event's inclusion in the head's tree. Returns the problems found (empty when all is well)."""
    from comity.audit import ledger as db_ledger
    from comity.ledger import (
        LedgerError,
        canonical_event_bytes,
        leaf_hash,
        prove_inclusion,
        verify_inclusion,
        verify_tree_head,
    )

    problems = []
    signed = head.to_signed()
    try:
        verify_tree_head(signed, [db_ledger.private_key().public_key()])
    except LedgerError as e:
        problems.append(f"tree head: {e}")
    store = _BlockCachedStore(db_ledger.DatabaseLeafStore()).store
    for ev in events:
        if ev.seq is None or ev.seq >= head.size:
            problems.append(f"event {ev.pk} is not covered by the tree head of size {head.size}")
            continue
        recomputed = leaf_hash(canonical_event_bytes(db_ledger.event_dict(ev)))
        if recomputed.hex() != ev.leaf_hash:
            problems.append(f"event seq {ev.seq}: its stored content does not match its leaf hash (edited)")
            continue
        try:
            proof = prove_inclusion(store, ev.seq, head.size)
            verify_inclusion(recomputed, ev.seq, head.size, proof.inclusion_path, signed.root_hash)
        except LedgerError as e:
            problems.append(f"event seq {ev.seq}: not included in the signed tree ({e})")
    return problems


def do_export_report(*, filters: EventFilters, purpose: str, acting_user: User, via: str = "web") -> Report:
    """Log the export, sign a tree head that covers it, check every listed event against that head,
    and sign the report's digest with the instance's key."""
    from comity.audit import ledger as db_ledger
    from comity.ledger import key_id

    require_console(acting_user)
    _check({"reason": _purpose_error(purpose)})
    events = list(search_events(filters)[:REPORT_MAX_EVENTS + 1])
    if len(events) > REPORT_MAX_EVENTS:
        raise InvalidInput({"filters": f"more than {REPORT_MAX_EVENTS} events match; narrow the search for a report"})
    with transaction.atomic():
        codes, texts = filters.for_log()
        ev = audit.record("access.oversight_report", actor=acting_user, purpose=purpose.strip(), category="access",
                          via=via, new={"filters": codes, "results": len(events)}, texts=texts)
        head = db_ledger.sign_current_head(actor=acting_user, via=via)
    problems = check_against_head(events, head)
    generated_at = timezone.now()
    head_dict = head.as_dict()
    digest = _report_digest(filters, events, head_dict, generated_at, acting_user.username)
    key = db_ledger.private_key()
    references = case_references(e.case_id for e in events)
    for e in events:
        e.case_reference = references.get(e.case_id, "")
    return Report(generated_at=generated_at, generated_by=acting_user.username, purpose=purpose.strip(),
                  filters=filters, events=events, references=references,
                  head=head_dict, public_key_id=key_id(key.public_key()), verified=not problems, problems=problems,
                  digest=digest.hex(), signature=key.sign(REPORT_CONTEXT + digest).hex(), audit_seq=ev.seq)

