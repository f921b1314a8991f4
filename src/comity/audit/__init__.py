"""Audit trail. `record` is the only way an event is written."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, float)):
        return str(value)  # the log's canonical JSON carries no floats (see comity.ledger.encoding)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)  # plain str: choices enums are str subclasses
    if isinstance(value, int):
        return int(value)
    return str(value)


def record(event_type: str, *, actor=None, case=None, obj=None, old: dict | None = None,
           new: dict | None = None, purpose: str = "", category: str = "change", via: str = "",
           texts: dict[str, str] | None = None):
    """Write one audit event. Must run inside the caller's transaction, so the event and the change
    it records are committed together or not at all.

    `old` and `new` may hold only the fields `comity.audit.schema` declares for `event_type` (codes,
    references, hashes, counts, dates, field names); anything else raises AuditSchemaError. The stated
    `purpose` and any other `texts` (free text) go to the erasable AuditText table; the log holds their
    salted commitments (`purpose` column; `new["texts"]`)."""
    import os

    from django.db import transaction
    from django.utils import timezone

    from comity.audit.models import AuditEvent, AuditText
    from comity.audit.schema import check_event, commitment

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside a transaction (from an action)")
    from comity.audit import ledger

    purpose = (purpose or "").strip()[:500]
    check_event(event_type, old, new, purpose=purpose)
    pending: list[tuple[str, str, bytes]] = []
    if purpose:
        pending.append(("purpose", purpose, os.urandom(16)))
    for field, text in (texts or {}).items():
        if text:
            pending.append((field, str(text), os.urandom(16)))
    commits = {field: commitment(salt, text) for field, text, salt in pending}
    new_values = _jsonable(new) if new is not None else None
    extra = {f: c for f, c in commits.items() if f != "purpose"}
    if extra:
        new_values = dict(new_values or {}, texts=extra)
    case_id = case if isinstance(case, int) or case is None else case.pk
    fields = dict(
        time=timezone.now(),
        category=category,
        event_type=event_type,
        actor_label=getattr(actor, "username", "") or "",
        case_id=case_id,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        old_values=_jsonable(old) if old is not None else None,
        new_values=new_values,
        purpose=commits.get("purpose", ""),
        via=via,
    )
    # The event becomes the next leaf of the Merkle log in this same transaction.
    seq, leaf_hash, leaf = ledger.append(fields)
    event = AuditEvent.objects.create(actor=actor if actor is not None and getattr(actor, "pk", None) else None,
                                      seq=seq, leaf_hash=leaf_hash, leaf=leaf, **fields)
    if pending:
        AuditText.objects.bulk_create([AuditText(event=event, case_id=case_id, field=field, text=text, salt=salt)
                                       for field, text, salt in pending])
    return event


def erase_case_texts(case_id: int) -> int:
    """Disposal: erase the free text kept beside the log's events about a case. The log keeps its
    commitments, which reveal nothing without the text and its salt, and still verifies."""
    from comity.audit.models import AuditText

    return AuditText.objects.filter(case_id=case_id).delete()[0]


def erase_texts_naming(names) -> list[int]:
    """Disposal: erase kept texts not bound to a case (console searches, report filters) that contain
    one of the disposed parties' names (case-insensitive). Returns the log positions (seq) of the events
    whose texts were erased: the disposal event lists them, so `comity audit verify` can tell an erasure
    the log recorded from a deletion it did not."""
    from django.db.models import Q

    from comity.audit.models import AuditText

    query = Q()
    for name in names:
        query |= Q(text__icontains=name)
    if not query:
        return []
    rows = AuditText.objects.filter(case_id__isnull=True).filter(query)
    seqs = sorted(set(rows.values_list("event__seq", flat=True)))
    rows.delete()
    return seqs
