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
           new: dict | None = None, purpose: str = "", category: str = "change", via: str = ""):
    """Write one audit event. Must run inside the caller's transaction, so the event and the change
    it records are committed together or not at all."""
    from django.db import transaction
    from django.utils import timezone

    from comity.audit.models import AuditEvent

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside a transaction (from an action)")
    from comity.audit import ledger

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
        new_values=_jsonable(new) if new is not None else None,
        purpose=purpose[:500],
        via=via,
    )
    # The event becomes the next leaf of the Merkle log in this same transaction.
    seq, leaf_hash, leaf = ledger.append(fields)
    return AuditEvent.objects.create(actor=actor if actor is not None and getattr(actor, "pk", None) else None,
                                     seq=seq, leaf_hash=leaf_hash, leaf=leaf, **fields)
