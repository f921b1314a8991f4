"""Case documents against the audit log (reading only): `comity documents verify`.

Whoever holds the database can edit the documents table, and whoever holds the data folder can replace a
file. The audit log cannot be edited without breaking its Merkle tree, its signed heads and the witnessed
heads (`comity audit verify`), so this check compares the table and the files with what the log recorded
when each document was stored (`document.uploaded`: the document's reference, its case, the SHA-256 and size
of its content, and `descriptive_hmac`, a keyed hash of its title, file name, type, request, uploader, time
and stored file name):

- every document in the table was logged, under the same case, with the same hash and size;
- its descriptive fields still give the logged keyed hash (a retitled or re-attributed document is found);
- its file opens (authenticated encryption), and its content has the logged hash and size;
- every document the log recorded still exists, unless the log also recorded the case's disposal.

The HMAC key is derived from the document's own data key, which lives (wrapped by the master key) in the
header of its encrypted file: titles may name people, and a plain hash of a short title could be confirmed
by guessing; once disposal deletes the file, the logged hash can no longer be tested against anything.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field

UPLOADED = "document.uploaded"
DISPOSED_CASE = "case.disposed"
_KEY_LABEL = b"comity document descriptive fields v1"

#: What each failed check is called (codes) and how it reads (words).
FAILURES = {
    "not_logged": "the document is not in the audit log (added to the table after the fact)",
    "anchor": "the document's case, hash or size differ from the audit log",
    "descriptive": "the document's title, file name or other details differ from the audit log",
    "file_missing": "the stored file is missing",
    "file_corrupted": "the stored file failed authentication (changed, truncated or swapped)",
    "file_mismatch": "the stored file's content differs from the hash and size the log recorded",
    "key_missing": "the master key needed to open the stored file is not in the keyring (or the file's header "
                   "was changed)",
    "missing": "a document the audit log recorded is missing from the table",
}


def descriptive_canonical(doc) -> bytes:
    """Canonical JSON of what describes a document and is not in the log in the clear."""
    uploaded = doc.uploaded_at.isoformat() if doc.uploaded_at else ""
    return json.dumps({"v": 1, "type": "comity.document_descriptive", "document": doc.pk, "case": doc.case_id,
                       "request": doc.request_id, "title": doc.title, "filename": doc.filename,
                       "content_type": doc.content_type, "file": doc.file.name or "",
                       "uploaded_by": doc.uploaded_by_id, "uploaded_at": uploaded},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def descriptive_hmac(doc) -> str | None:
    """HMAC-SHA256 of the descriptive fields under a key derived from the document's data key; None for a
    file stored in clear by an earlier version (no data key). Raises DocumentCorrupted when the file's key
    does not open, OSError when the file is missing."""
    from comity.cases import storage

    data_key = storage.data_key(doc.file.name)
    if data_key is None:
        return None
    key = hmac.new(data_key, _KEY_LABEL, hashlib.sha256).digest()
    return hmac.new(key, descriptive_canonical(doc), hashlib.sha256).hexdigest()


@dataclass
class DocumentReport:
    document: int
    case_id: int | None
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict:
        return {"document": self.document, "case": self.case_id, "ok": self.ok, "failures": self.failures,
                "problems": [FAILURES[f] for f in self.failures], "notes": self.notes}


def _logged(case_ids=None) -> tuple[dict[int, dict], set[int]]:
    """The uploads the log holds (document id -> entry), and the cases whose disposal it holds. Entries are
    read from the stored log entry (the canonical JSON its leaf hash covers), not from the searchable
    columns; `comity audit verify` checks both against the Merkle tree."""
    from comity.audit.models import AuditEvent
    from comity.ledger import leaf_hash

    uploads: dict[int, dict] = {}
    disposed: set[int] = set()
    events = AuditEvent.objects.filter(event_type__in=(UPLOADED, DISPOSED_CASE), seq__isnull=False)
    if case_ids is not None:
        events = events.filter(case_id__in=case_ids)
    for leaf, stored_hash in events.order_by("seq").values_list("leaf", "leaf_hash").iterator():
        if not leaf or leaf_hash(leaf.encode("utf-8")).hex() != stored_hash:
            continue  # an entry that is not the one the log hashed is `audit verify`'s to report
        entry = json.loads(leaf)
        if entry.get("event_type") == DISPOSED_CASE:
            disposed.add(entry.get("case_id"))
            continue
        try:
            pk = int(entry.get("object_id"))
        except (TypeError, ValueError):
            continue
        uploads[pk] = {"case_id": entry.get("case_id"), **(entry.get("new_value") or {})}
    return uploads, disposed


def _content_hash(doc) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with doc.file.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _file_step(step):
    """Run a step that reads a document's file: (its result, None), or (None, the failure's code)."""
    from comity.cases import storage
    from comity.evidence.crypto import MasterKeyMissing

    try:
        return step(), None
    except FileNotFoundError:
        return None, "file_missing"
    except MasterKeyMissing:
        return None, "key_missing"
    except (storage.DocumentCorrupted, OSError):
        return None, "file_corrupted"


def verify_documents(case_ids=None, *, check_files: bool = True) -> tuple[dict, list[DocumentReport]]:
    """Check the documents of the given cases (all when None) against the log; returns (summary, reports)."""
    from comity.cases.models import Document

    uploads, disposed = _logged(case_ids)
    docs = Document.objects.all().order_by("pk")
    if case_ids is not None:
        docs = docs.filter(case_id__in=case_ids)
    reports: list[DocumentReport] = []
    seen: set[int] = set()
    for doc in docs.iterator():
        seen.add(doc.pk)
        r = DocumentReport(doc.pk, doc.case_id)
        reports.append(r)
        logged = uploads.get(doc.pk)
        if logged is None:
            r.failures.append("not_logged")
            continue
        if (logged.get("case_id") != doc.case_id or logged.get("sha256") != doc.sha256
                or logged.get("size") != doc.size):
            r.failures.append("anchor")
        if not check_files:
            continue
        now, failure = _file_step(lambda: descriptive_hmac(doc))
        if failure is None:
            anchored = logged.get("descriptive_hmac")
            if anchored is None or now is None:
                r.notes.append("its descriptive details were not anchored (stored by an earlier version)")
            elif not hmac.compare_digest(now, anchored):
                r.failures.append("descriptive")
            content, failure = _file_step(lambda: _content_hash(doc))
        if failure is not None:
            r.failures.append(failure)
            continue
        digest, size = content
        if digest != logged.get("sha256") or size != logged.get("size"):
            r.failures.append("file_mismatch")
    for pk, logged in sorted(uploads.items()):
        if pk not in seen and logged.get("case_id") not in disposed:
            reports.append(DocumentReport(pk, logged.get("case_id"), failures=["missing"]))
    failed = [r for r in reports if not r.ok]
    summary = {"ok": not failed, "documents": len(seen), "logged": len(uploads), "failed": len(failed),
               "disposed_cases": len(disposed)}
    return summary, reports
