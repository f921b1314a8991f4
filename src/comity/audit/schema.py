"""What each audit event may carry.

The audit log is a Merkle log: it can never forget. So an event carries codes, references, hashes,
counts, dates and field names only, never names, titles or free text; those live in ordinary tables,
which disposal erases. Every event type the product writes is declared here with the fields its
old and new values may hold and the kind of each field; `check_event` refuses anything else at write
time, so a new event that tries to log a name fails its first test instead of leaking into the log.

Free text that must be tied to an event (the purpose a user states for reading personal data, the
text of a console search) is passed to `comity.audit.record` separately: it is kept in the erasable
`AuditText` table and the log holds only a salted SHA-256 commitment to it (see `commitment`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any, Callable

from comity.errors import DataError

__all__ = ["AuditSchemaError", "EVENTS", "ACCESS_WHAT", "check_event", "commitment", "declared_event_types"]


class AuditSchemaError(DataError, ValueError):
    """An action tried to log a field its event type does not declare, or a value of the wrong kind.
    A programming error: the action's transaction is rolled back and nothing is stored."""


_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:+/-]{0,79}$")          # vocabulary codes, instrument ids, ISO codes
_REFERENCE = re.compile(r"^[A-Z]{1,6}-\d{4}-\d{1,9}$")               # C-2026-000001, EV-2026-000003, RM-…
_ACCOUNT = re.compile(r"^[\w.@+-]{1,150}$")                          # staff usernames (Django's rule)
_HASH = re.compile(r"^(sha256:|sha512:)?[0-9a-f]{16,128}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?$")


def _pattern(rx: re.Pattern) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, str) and bool(rx.match(v))


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _list_of(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, (list, tuple)) and all(check(x) for x in v)


def _optional(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: v is None or v == "" or check(v)


def _date(v: Any) -> bool:
    return isinstance(v, (dt.date, dt.datetime)) or (isinstance(v, str) and bool(_DATE.match(v)))


def _datetime(v: Any) -> bool:
    return isinstance(v, dt.datetime) or (isinstance(v, str) and bool(_DATETIME.match(v)))


def _counts(v: Any) -> bool:
    return isinstance(v, dict) and all(_CODE.match(str(k)) and _int(n) for k, n in v.items())


def _record(**fields: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """A small nested record (e.g. a clock started: code and due date)."""
    def check(v: Any) -> bool:
        return isinstance(v, dict) and all(k in fields and fields[k](x) for k, x in v.items())
    return check


KINDS: dict[str, Callable[[Any], bool]] = {
    "code": _optional(_pattern(_CODE)),
    "codes": _list_of(_pattern(_CODE)),
    "reference": _optional(_pattern(_REFERENCE)),
    "references": _list_of(_pattern(_REFERENCE)),
    "account": _optional(_pattern(_ACCOUNT)),
    "hash": _optional(_pattern(_HASH)),
    "int": _optional(_int),
    "ints": _list_of(_int),
    "bool": lambda v: isinstance(v, bool),
    "date": _optional(_date),
    "datetime": _optional(_datetime),
    "counts": _counts,
    "fields": _list_of(_pattern(_CODE)),               # names of fields (what changed), never their values
    "clocks": _list_of(_record(code=_pattern(_CODE), due=_date)),
    "filters": _record(case=_pattern(_REFERENCE), user=_pattern(_ACCOUNT), event_type=_pattern(_CODE),
                       category=_pattern(_CODE), date_from=_date, date_to=_date,
                       person=_pattern(_HASH), purpose=_pattern(_HASH)),
}

# Reads of personal data: `access.<what>`; each carries the stated purpose as erasable text.
ACCESS_WHAT = frozenset({
    "case_view", "case_list", "case_history", "request_view", "request_list", "entity_view", "entities_export",
    "document_download", "deadline_list", "dashboard", "task_list", "assessment_view", "builder_view",
    "builder_check", "evidence_list", "evidence_view", "evidence_report", "evidence_case_export",
    "evidence_download", "evidence_disclosure_form", "evidence_disclosure_view", "evidence_disclosure_download",
    "evidence_disclosure_manifest", "oversight_opened", "oversight_search", "oversight_export",
    "oversight_report", "redress_matter", "sealed_identity", "memo_download",
    "audit_event", "redress_list",
    "entity_list", "note_list", "note_view", "task_view", "document_list", "member_list", "approval_list",
    "approval_view",
    "exchange_list", "exchange_message", "exchange_evidence",
})

_ACCESS_FIELDS = {"filters": "filters", "results": "int", "page": "int", "count": "int", "cases": "references",
                  "exhibit_number": "reference", "matters": "references",
                  "unsealing_request": "int", "approved_by": "account", "protected_person": "int"}

# event type -> {field: kind}. A field may appear in old, new or both.
EVENTS: dict[str, dict[str, str]] = {
    # accounts and units (security)
    "account.created": {"username": "account", "role": "code", "unit": "int"},
    "account.mfa_enrolled": {"username": "account", "types": "codes"},
    "account.activated": {"username": "account"},
    "account.deactivated": {"username": "account"},
    "account.mfa_reset": {"username": "account", "authenticators_removed": "int"},
    "account.unit_set": {"username": "account", "unit": "int"},
    "token.created": {"user": "account", "scope": "code", "prefix": "code"},
    "token.revoked": {"prefix": "code"},
    "account.password_changed": {"username": "account", "tokens_revoked": "int"},
    "account.enrolment_code_issued": {"username": "account", "expires": "datetime", "replaced": "int"},
    "account.enrolment_code_used": {"username": "account"},
    "account.enrolment_code_refused": {"username": "account", "failures": "int", "revoked": "bool"},
    "unit.created": {"unit": "int"},
    # cases and compartments
    "case.created": {"reference": "reference", "unit": "int"},
    "case.closed": {"state": "code", "reason_given": "bool", "open_requests": "references",
                    "approvals_cancelled": "ints"},
    "case.reopened": {"state": "code", "reason_given": "bool"},
    "case.updated": {"sha256": "hash", "fields": "fields"},
    "case.membership_granted": {"user": "account", "basis": "code", "reason": "code"},
    "case.membership_revoked": {"user": "account"},
    "case.joined": {"user": "account", "basis": "code", "unit": "int", "reason_given": "bool", "approval": "int"},
    "case.disposed": {"reference": "reference", "reason_given": "bool", "counts": "counts", "retention_due": "date",
                      "early": "bool", "providing_states": "codes", "erased_text_events": "ints"},
    # requests
    "request.created": {"reference": "reference", "kind": "code", "direction": "code", "status": "code",
                        "requesting_state": "code", "requested_state": "code", "legal_basis_instrument": "code"},
    "request.legal_basis_set": {"legal_basis_instrument": "code"},
    "request.transition": {"status": "code", "transition": "code", "commented": "bool", "effective_date": "date",
                           "clocks_started": "clocks", "checks_overridden": "codes", "approval_requests": "ints"},
    "request.approval_asked": {"request": "reference", "status": "code", "unit": "int", "message_given": "bool"},
    "request.approval_returned": {"request": "reference", "commented": "bool"},
    # The exchange between instances (comity.courier): authority ids and message ids are codes, digests hashes.
    "exchange.peer_imported": {"authority": "code", "fingerprint": "hash"},
    "exchange.peer_trusted": {"authority": "code", "fingerprint": "hash"},
    "exchange.peer_revoked": {"authority": "code"},
    "exchange.peer_keys_rotated": {"authority": "code", "fingerprint": "hash"},
    "exchange.keys_rotated": {"authority": "code", "fingerprint": "hash"},
    "exchange.directory_saved": {"state": "code", "kind": "code", "channel": "code", "cooperation": "codes",
                                 "peer": "code"},
    "exchange.directory_seeded": {"count": "int"},
    "exchange.route_set": {"kind": "code", "unit": "int"},
    "exchange.message_queued": {"message": "code", "type": "code", "peer": "code", "digest": "hash",
                                "request": "reference", "attachments": "int"},
    "exchange.message_delivery": {"message": "code", "evidence": "code", "reason": "code", "attempts": "int"},
    "exchange.message_received": {"message": "code", "type": "code", "peer": "code", "digest": "hash",
                                  "request": "reference", "attachments": "int"},
    "exchange.message_retrieved": {"message": "code"},
    "exchange.rejected": {"what": "code", "reason": "code", "sender": "code", "digest": "hash"},
    "request.linked": {"from": "reference", "to": "reference", "relation": "code"},
    # what a case holds
    "entity.added": {"schema": "code", "properties": "fields"},
    "entity.corrected": {"sha256": "hash", "fields": "fields", "revision": "int", "reason_given": "bool"},
    "entity.removed": {"schema": "code", "sha256": "hash", "revision": "int", "reason_given": "bool"},
    "note.added": {},
    "note.corrected": {"sha256": "hash", "revision": "int", "reason_given": "bool"},
    "task.added": {"due": "date", "assignee": "account"},
    "task.completed": {},
    "task.corrected": {"sha256": "hash", "fields": "fields", "due": "date", "assignee": "account", "revision": "int",
                       "reason_given": "bool"},
    "document.uploaded": {"sha256": "hash", "size": "int", "descriptive_hmac": "hash"},
    "document.files_encrypted": {"encrypted": "int", "already": "int", "missing": "int", "mismatched": "int"},
    # assessments and the request builder
    "assessment.saved": {"request": "reference", "outcome": "code", "rules_version": "code", "grounds": "codes"},
    "assessment.memo_exported": {"format": "code", "document": "int", "sha256": "hash"},
    "builder.draft_started": {"request": "reference", "measure": "code", "language": "code", "prefilled": "fields",
                              "required_languages": "codes"},
    "builder.draft_saved": {"version": "int", "changed": "fields"},
    "builder.languages_set": {"languages": "codes"},
    "builder.translation_updated": {"language": "code", "status": "code", "translator_given": "bool",
                                    "document": "int"},
    "builder.document_generated": {"document": "int", "sha256": "hash", "format": "code", "language": "code",
                                   "purpose": "code", "version": "int", "draft_version": "int"},
    # evidence
    "evidence.signing_key_created": {"fingerprint": "code"},
    "evidence.registered": {"exhibit_number": "reference", "kind": "code", "size": "int", "sha256": "hash",
                            "sha512": "hash", "source_request": "reference", "providing_state": "code",
                            "date_obtained": "date", "speciality": "bool", "purpose_limited": "bool",
                            "consent_needed": "bool", "descriptive_hmac": "hash"},
    "evidence.custody_recorded": {"item": "reference", "seq": "int", "kind": "code", "at": "datetime",
                                  "record_hash": "hash", "from_user": "account", "to_user": "account", "key": "code"},
    "evidence.consent_recorded": {"consent_given": "bool", "item": "reference", "descriptive_hmac": "hash"},
    "evidence.integrity_checked": {"item": "reference", "scope": "code", "ok": "bool", "failed": "codes",
                                   "chunk": "int"},
    "evidence.master_key_created": {"key_id": "code"},
    "evidence.retired_keys_dropped": {"key_id": "code", "dropped": "int"},
    "evidence.master_key_rotated": {"key_id": "code", "items": "int", "signing_keys": "int", "disclosures": "int",
                                    "documents": "int"},
    "evidence.disclosed": {"recipient_kind": "code", "recipient_state": "code", "items": "references",
                           "fields": "fields", "package_sha256": "hash"},
    # oversight: redress, retention, protected persons, the log itself
    "redress.filed": {"reference": "reference", "kind": "code", "regime": "code", "received": "date", "due": "date",
                      "cases": "references"},
    "redress.extended": {"due": "date", "reason_given": "bool"},
    "redress.decided": {"status": "code", "decision": "code", "decided_on": "date", "in_time": "bool"},
    "retention.undertaking_recorded": {"kind": "code", "months_after_proceedings": "int", "dispose_by": "date",
                                       "request": "reference"},
    "protected_person.registered": {"role": "code", "seal_id": "code"},
    "protected_person.unsealing_requested": {"protected_person": "int"},
    "protected_person.unsealing_approved": {"requested_by": "account", "reason_given": "bool", "view_until": "datetime"},
    "protected_person.unsealing_refused": {"requested_by": "account", "reason_given": "bool", "view_until": "datetime"},
    "ledger.tree_head_signed": {"size": "int", "key_id": "code"},
    # backup and restore (comity.backup): the archive's id and hash, the log it holds, counts; no file names
    "backup.created": {"backup_id": "code", "archive_sha256": "hash", "engine": "code", "log_size": "int",
                       "root_hash": "hash", "members": "int", "bytes": "int", "keys_included": "codes",
                       "keys_referenced": "codes"},
    "backup.restored": {"backup_id": "code", "archive_sha256": "hash", "engine": "code", "log_size": "int",
                        "root_hash": "hash", "members": "int", "bytes": "int", "signer": "code", "forced": "bool",
                        "keys_referenced": "codes"},
}
for _what in ACCESS_WHAT:
    EVENTS[f"access.{_what}"] = dict(_ACCESS_FIELDS)

# Events whose stated purpose (free text) is kept as erasable text beside the event.
PURPOSE_EVENTS = frozenset({f"access.{w}" for w in ACCESS_WHAT} | {"protected_person.unsealing_requested",
                                                                   "protected_person.unsealing_approved",
                                                                   "protected_person.unsealing_refused"})


def declared_event_types() -> list[str]:
    return sorted(EVENTS)


def check_event(event_type: str, old: dict | None, new: dict | None, *, purpose: str = "") -> None:
    """Refuse an event that carries anything its type does not declare (see the module's docstring)."""
    fields = EVENTS.get(event_type)
    if fields is None:
        raise AuditSchemaError(f"audit event type {event_type!r} is not declared in comity.audit.schema")
    if purpose and event_type not in PURPOSE_EVENTS:
        raise AuditSchemaError(f"audit event {event_type!r} does not take a stated purpose")
    for side, values in (("old", old), ("new", new)):
        for key, value in (values or {}).items():
            kind = fields.get(key)
            if kind is None:
                raise AuditSchemaError(f"audit event {event_type!r} does not declare the field {key!r} ({side})")
            if not KINDS[kind](value):
                raise AuditSchemaError(f"audit event {event_type!r}: field {key!r} ({side}) must be a {kind}, "
                                       f"not {type(value).__name__}")


def commitment(salt: bytes, text: str) -> str:
    """A salted SHA-256 commitment to a text: whoever holds the text and its salt can show the log
    committed to it; once disposal erases both, the commitment reveals nothing."""
    return "sha256:" + hashlib.sha256(salt + text.encode("utf-8")).hexdigest()
