"""The evidence register's anchors in the audit log, and the checks that compare them (reading only).

The evidence tables can be edited by whoever holds the database; the audit log cannot be edited
without breaking its Merkle tree and signed heads (`comity audit verify`). So verification compares
the tables with what the log recorded when each change was made:

- registration (`evidence.registered`): exhibit number, kind, size and hashes, source, providing
  State, date obtained, limitations, and `descriptive_hmac`, a keyed hash of the descriptive text
  (the latest one: `evidence.consent_recorded` anchors the text again after consent is recorded);
- custody (`evidence.custody_recorded`): each event's record hash (the head of the hash chain after
  it), kind, time, actor, from and to users and signing key. Every event in the table must be in
  the log, and every logged event must be in the table: a deleted tail is found;
- disclosures (`evidence.disclosed`): recipient kind and State, items, fields and the package's hash;
- the register itself: every exhibit and disclosure the log holds must exist, and nothing may exist
  that the log never recorded (case-level, or for the whole instance with `comity evidence verify --all`);
- disposal (`case.disposed` and the oversight CaseDisposal row): the descriptive text, the custody
  places and reasons, the recipients and the files are erased by design; verification says so,
  and keeps checking what is left (hashes, record hashes, times, who) against the log.

The log's entries are read from the stored entry itself (the canonical JSON its leaf hash covers),
each checked against its leaf hash; the rows are found through the log's index columns (event type,
case), which `comity audit verify` checks against the entries.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import tarfile
from collections import defaultdict
from dataclasses import dataclass, field

from comity.evidence import actions, crypto, keys
from comity.evidence.models import CustodyEvent, Disclosure, EvidenceItem, EvidenceKind

REGISTERED = "evidence.registered"
CUSTODY = "evidence.custody_recorded"
CONSENT = "evidence.consent_recorded"
DISCLOSED = "evidence.disclosed"
DISPOSED_CASE = "case.disposed"
EVENT_TYPES = (REGISTERED, CUSTODY, CONSENT, DISCLOSED, DISPOSED_CASE)

#: What each failed check is called in the integrity event (codes) and on the item page (words).
FAILURES = {
    "file_missing": "the stored file is missing",
    "file_corrupted": "the stored file failed authentication",
    "file_mismatch": "the stored file differs from its registration",
    "key_missing": "the key needed to open the stored file is missing",
    "custody": "a custody record does not verify (signature, record hash, link or time-stamp)",
    "custody_anchor": "the chain of custody differs from the audit log",
    "custody_gap": "the chain of custody has a gap",
    "no_custody": "the item has no chain of custody",
    "registration": "the item's registered details differ from the audit log",
    "descriptive": "the descriptive fields differ from their registration",
    "register": "the case's evidence register differs from the audit log",
    "disclosure": "a disclosure of the item does not verify",
}


@dataclass
class Entry:
    """One audit-log entry, as the log holds it."""

    seq: int
    event_type: str
    time: str
    actor: str
    case_id: int | None
    object_id: str
    new: dict
    consistent: bool = True


def _entry(ev) -> Entry:
    from comity.audit import ledger
    from comity.ledger import leaf_hash

    if ev.leaf:
        consistent = leaf_hash(ev.leaf.encode("utf-8")).hex() == ev.leaf_hash
        try:
            data = json.loads(ev.leaf)
        except ValueError:
            data, consistent = ledger.event_dict(ev), False
    else:  # an event written before the log stored its entries: its columns are all there is
        data, consistent = ledger.event_dict(ev), True
    return Entry(seq=data.get("seq"), event_type=data.get("event_type") or "", time=data.get("time") or "",
                 actor=data.get("actor") or "", case_id=data.get("case_id"), object_id=str(data.get("object_id") or ""),
                 new=data.get("new_value") or {}, consistent=consistent)


class Anchors:
    """The log's entries about evidence for some cases (or the whole instance), grouped for the checks."""

    def __init__(self, case_ids: list[int] | None = None):
        from comity.audit.models import AuditEvent

        qs = AuditEvent.objects.filter(event_type__in=EVENT_TYPES)
        if case_ids is not None:
            qs = qs.filter(case_id__in=list(case_ids))
        self.registered: dict[str, list[Entry]] = defaultdict(list)     # item pk -> entries
        self.custody: dict[str, dict[int, list[Entry]]] = defaultdict(lambda: defaultdict(list))  # exhibit -> seq
        self.consent: dict[str, list[Entry]] = defaultdict(list)        # item pk -> entries
        self.disclosed: dict[str, list[Entry]] = defaultdict(list)      # disclosure pk -> entries
        self.disposed: dict[int, Entry] = {}                            # case id -> entry
        self.inconsistent: list[Entry] = []
        fields = ("seq", "leaf", "leaf_hash", "time", "event_type", "actor_label", "category", "case_id",
                  "object_type", "object_id", "old_values", "new_values", "purpose", "via")
        for ev in qs.order_by("seq").only(*fields):
            e = _entry(ev)
            if not e.consistent:
                self.inconsistent.append(e)
            if e.event_type == REGISTERED:
                self.registered[e.object_id].append(e)
            elif e.event_type == CUSTODY:
                self.custody[str(e.new.get("item", ""))][e.new.get("seq")].append(e)
            elif e.event_type == CONSENT:
                self.consent[e.object_id].append(e)
            elif e.event_type == DISCLOSED:
                self.disclosed[e.object_id].append(e)
            elif e.event_type == DISPOSED_CASE and e.case_id is not None:
                self.disposed[e.case_id] = e

    def problems_with_the_log(self) -> list[str]:
        return [f"audit log entry #{e.seq} does not match its leaf hash (run `comity audit verify`)"
                for e in self.inconsistent]


# --- disposal -----------------------------------------------------------------------------------------

@dataclass
class Disposal:
    """A case's disposal as both the tombstone and the log record it; `on` is the day (UTC)."""

    on: str = ""
    row: bool = False
    logged: bool = False

    @property
    def confirmed(self) -> bool:
        return self.row and self.logged

    @property
    def erased_text(self) -> str:
        return f"descriptive text erased on disposal ({self.on})"


def disposal_of(case_id: int, anchors: Anchors) -> Disposal | None:
    from comity.oversight.models import CaseDisposal

    row = CaseDisposal.objects.filter(case_id=case_id).first()
    entry = anchors.disposed.get(case_id)
    if row is None and entry is None:
        return None
    if row is not None:
        on = row.disposed_at.astimezone(dt.UTC).date().isoformat()
    else:
        on = entry.time[:10]
    return Disposal(on=on, row=row is not None, logged=entry is not None)


def item_text_erased(item: EvidenceItem) -> bool:
    return (item.title == actions.DISPOSED and not any((
        item.description, item.seal_numbers, item.location, item.providing_authority, item.legal_basis,
        item.purpose_limitation, item.consent_reference, item.filename)) and not item.descriptive_key)


def event_text_erased(ev: CustodyEvent) -> bool:
    return ev.place == actions.DISPOSED and ev.reason == actions.DISPOSED and not ev.from_party and not ev.to_party


# --- the file -----------------------------------------------------------------------------------------

def registered_entry(item: EvidenceItem, anchors: Anchors | None = None) -> Entry | None:
    if anchors is not None:
        entries = anchors.registered.get(str(item.pk)) or []
    else:
        from comity.audit.models import AuditEvent

        entries = [_entry(ev) for ev in AuditEvent.objects.filter(event_type=REGISTERED, case_id=item.case_id,
                                                                  object_id=str(item.pk)).order_by("seq")]
    entries = [e for e in entries if e.new.get("exhibit_number") == item.exhibit_number]
    return entries[0] if entries else None


def file_check(item: EvidenceItem, ring: crypto.Keyring | None, *, registered: Entry | None = None,
               source=None, disposal: Disposal | None = None) -> dict:
    """Decrypt the whole stored file (authenticating every chunk) and hash it; compare with the hashes
    taken at registration, both in the item's row and in the audit log. `source` is an open file to
    read (the download streams the same file afterwards); otherwise the stored file is opened."""
    if item.kind != EvidenceKind.DIGITAL:
        return {"applicable": False, "ok": True}
    out = {"applicable": True, "registered": item.hashes, "size_registered": item.size, "now": {}, "chunk": None}
    if disposal is not None and disposal.confirmed and source is None and not _stored(item):
        return {**out, "ok": True, "code": "", "erased": True,
                "reason": f"the file was deleted on disposal ({disposal.on}); its hashes remain on record"}
    if ring is None:
        return {**out, "ok": False, "code": "key_missing", "reason": keys.MISSING}

    def fail(code: str, reason: str, chunk: int | None = None) -> dict:
        return {**out, "ok": False, "code": code, "reason": reason, "chunk": chunk}

    try:
        data_key = ring.unwrap(bytes(item.wrapped_key or b""), item.storage_name)
    except crypto.MasterKeyMissing as exc:
        return fail("key_missing", str(exc))
    except crypto.CiphertextCorrupted as exc:
        return fail("key_missing", str(exc))
    try:
        with contextlib.ExitStack() as stack:
            if source is None:
                source = stack.enter_context(open(actions._store_path(item.storage_name), "rb"))
            algorithms = tuple(item.hashes) or ("sha256",)
            digests, size = crypto.hash_chunks(crypto.decrypt_chunks(source, data_key), algorithms)
    except FileNotFoundError:
        return fail("file_missing", "the stored file is missing")
    except crypto.CiphertextCorrupted as exc:
        return fail("file_corrupted", str(exc), exc.chunk)
    out.update(now=digests, size_now=size)
    if digests != item.hashes or size != item.size:
        return fail("file_mismatch", "the file differs from its registration hashes")
    if registered is not None:
        logged = {k: registered.new.get(k) for k in ("sha256", "sha512") if registered.new.get(k)}
        if digests != logged or registered.new.get("size") != size:
            return fail("file_mismatch", "the file differs from its registration as the audit log records it")
    return {**out, "ok": True, "code": "", "reason": "the file matches its registration hashes"}


def _stored(item: EvidenceItem) -> bool:
    return bool(item.storage_name) and actions._store_path(item.storage_name).exists()


# --- registration and descriptive fields ----------------------------------------------------------------

def registration_problems(item: EvidenceItem, entry: Entry | None, disposal: Disposal | None,
                          events: list[CustodyEvent] | None = None) -> list[str]:
    n = item.exhibit_number
    out = []
    first = (events or [None])[0]
    if first is not None and first.seq == 1 and (first.actor_id != item.registered_by_id or first.at != item.registered_at):
        out.append("who registered the item, or when, differs from its first custody event")
    if item.kind != EvidenceKind.DIGITAL and (item.storage_name or item.wrapped_key):
        out.append("a physical exhibit has a stored file attached to it")
    if entry is None:
        return out + [f"the registration of {n} is not in the audit log"]
    logged = entry.new
    now = {
        "kind": item.kind, "size": item.size, "sha256": item.sha256, "sha512": item.sha512,
        "source_request": item.source_request.reference if item.source_request_id else "",
        "providing_state": item.providing_state, "date_obtained": _date(item.date_obtained),
        "speciality": bool(item.speciality), "consent_needed": bool(item.onward_disclosure_needs_consent),
    }
    if not (disposal and disposal.confirmed):
        now["purpose_limited"] = bool(item.purpose_limitation)
    out += [f"the item's {name} differs from the one logged at its registration (audit entry #{entry.seq})"
            for name, value in now.items() if name in logged and _norm(logged.get(name)) != _norm(value)]
    if entry.case_id != item.case_id:
        out.append(f"{n} was registered in another case (audit entry #{entry.seq})")
    return out


def _date(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def _norm(value):
    return "" if value is None else value


def descriptive_check(item: EvidenceItem, anchors: Anchors, registered: Entry | None, ring, disposal) -> dict:
    """The descriptive fields against the keyed hash the log holds (the latest of registration and consent)."""
    if disposal is not None:
        if not disposal.confirmed:
            return {"ok": False, "status": "differs",
                    "reason": "a disposal is recorded only in part (tombstone and audit log disagree)"}
        if item_text_erased(item):
            return {"ok": True, "status": "erased", "reason": disposal.erased_text}
        return {"ok": False, "status": "differs",
                "reason": f"descriptive text is present although the case's disposal ({disposal.on}) erased it"}
    candidates = ([registered] if registered else []) + [
        e for e in anchors.consent.get(str(item.pk), []) if e.new.get("item") in (None, item.exhibit_number)]
    anchored = [e for e in sorted(candidates, key=lambda e: e.seq) if e.new.get("descriptive_hmac")]
    if not anchored:
        if registered is None:
            return {"ok": False, "status": "differs", "reason": "the registration is not in the audit log"}
        return {"ok": True, "status": "not_anchored",
                "reason": "registered before descriptive fields were anchored in the audit log; not checked"}
    latest = anchored[-1]
    if item_text_erased(item):
        return {"ok": False, "status": "differs",
                "reason": "the descriptive text was erased, but no disposal of the case is recorded"}
    if ring is None:
        return {"ok": False, "status": "unchecked", "reason": keys.MISSING}
    try:
        now = actions.descriptive_hmac(item, ring)
    except (ValueError, crypto.EvidenceCryptoError):
        return {"ok": False, "status": "differs",
                "reason": "the descriptive fields cannot be checked: the item's key is missing or damaged"}
    if not hmac.compare_digest(now, latest.new["descriptive_hmac"]):
        return {"ok": False, "status": "differs",
                "reason": f"the descriptive fields differ from their registration (audit entry #{latest.seq})"}
    return {"ok": True, "status": "matches",
            "reason": f"the descriptive fields match their registration (audit entry #{latest.seq})"}


# --- custody ------------------------------------------------------------------------------------------

def custody_anchor_problems(item: EvidenceItem, events: list[CustodyEvent], anchors: Anchors) -> tuple[list[str], int, set[int]]:
    """(problems, logged events, seqs of table events that match the log)."""
    logged = {seq: [e for e in es if e.case_id == item.case_id]
              for seq, es in anchors.custody.get(item.exhibit_number, {}).items()}
    logged = {seq: es for seq, es in logged.items() if es}
    by_seq = {ev.seq: ev for ev in events}
    problems: list[str] = []
    matched: set[int] = set()
    for seq in sorted(logged, key=lambda s: (s is None, s)):
        entries = logged[seq]
        entry = entries[0]
        if len(entries) > 1:
            problems.append(f"custody event #{seq} is logged {len(entries)} times (audit entries "
                            f"{', '.join('#' + str(e.seq) for e in entries)})")
        ev = by_seq.get(seq)
        if ev is None:
            problems.append(f"custody event #{seq} ({entry.new.get('kind', '?')}, {_when(entry.new.get('at'))}) is in "
                            f"the audit log (entry #{entry.seq}) but missing from the register (deleted)")
            continue
        differs = _custody_differences(ev, entry)
        if differs:
            problems.append(f"custody event #{seq} differs from the audit log (entry #{entry.seq}): "
                            f"{', '.join(differs)}")
        else:
            matched.add(seq)
    for ev in events:
        if ev.seq not in logged:
            problems.append(f"custody event #{ev.seq} is not in the audit log (inserted, or recorded outside "
                            "Comity's actions)")
    return problems, sum(1 for _ in logged), matched


def _when(value) -> str:
    try:
        return dt.datetime.fromisoformat(str(value)).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return str(value or "?")


def _custody_differences(ev: CustodyEvent, entry: Entry) -> list[str]:
    new = entry.new
    out = []
    if new.get("record_hash") != ev.record_hash:
        out.append("record hash")
    if new.get("kind") != ev.kind:
        out.append("kind")
    try:
        if dt.datetime.fromisoformat(str(new.get("at"))) != ev.at:
            out.append("time")
    except ValueError:
        out.append("time")
    if entry.actor != ev.actor.username:
        out.append("actor")
    for name, user in (("from_user", ev.from_user), ("to_user", ev.to_user)):
        if name in new and (new.get(name) or "") != (user.username if user is not None else ""):
            out.append(name.replace("_", " "))
    if "key" in new and new.get("key") != ev.signing_key.fingerprint:
        out.append("signing key")
    return out


# --- disclosures --------------------------------------------------------------------------------------

def disclosure_erased(d: Disclosure) -> bool:
    return d.recipient == actions.DISPOSED and d.purpose == actions.DISPOSED and not d.manifest


def disclosure_check(d: Disclosure, anchors: Anchors, ring, disposal: Disposal | None) -> dict:
    """A disclosure's row against its log entry and its encrypted package (whose manifest holds the
    recipient, purpose, items and fields, sealed under the package key)."""
    items = sorted(i.exhibit_number for i in d.items.all())
    label = f"the disclosure of {d.created_at:%Y-%m-%d %H:%M} UTC ({', '.join(items) or 'no items'})"
    problems: list[str] = []
    entries = anchors.disclosed.get(str(d.pk)) or []
    entry = entries[0] if entries else None
    if entry is None:
        problems.append(f"{label} is not in the audit log (inserted, or recorded outside Comity's actions)")
    else:
        new = entry.new
        for name, value in (("recipient_kind", d.recipient_kind), ("recipient_state", d.recipient_state),
                            ("items", items), ("fields", list(d.fields or [])),
                            ("package_sha256", d.package_sha256)):
            logged = new.get(name)
            if name in ("items", "fields"):
                logged = sorted(logged or []) if name == "items" else list(logged or [])
            if _norm(logged) != _norm(value):
                problems.append(f"{label}: its {name.replace('_', ' ')} differs from the audit log (entry #{entry.seq})")
        if entry.case_id != d.case_id:
            problems.append(f"{label} was logged in another case (audit entry #{entry.seq})")
    erased = disposal is not None and disposal.confirmed and disclosure_erased(d)
    # Each item disclosed got a "copied" custody event at the disclosure's time (signed, logged).
    for i in d.items.all():
        copies = CustodyEvent.objects.filter(item=i, kind="copied", at=d.created_at)
        if not erased:
            copies = copies.filter(to_party=d.recipient)
        if not copies.exists():
            problems.append(f"{label}: no custody event of {i.exhibit_number} records this copy")
    if disposal is not None and disposal.confirmed and not erased:
        problems.append(f"{label}: recipient and purpose are present although the case's disposal ({disposal.on}) "
                        "erased them")
    if not erased and not problems:
        problems += _package_problems(d, label, ring)
    return {"disclosure": str(d.uuid), "created_at": d.created_at.isoformat(), "items": items,
            "ok": not problems, "problems": problems,
            "status": "erased" if erased else ("ok" if not problems else "failed"),
            "reason": (f"recipient, purpose and package erased on disposal ({disposal.on})" if erased
                       else ("the package and its manifest match the audit log" if not problems
                             else "; ".join(problems)))}


def _package_problems(d: Disclosure, label: str, ring) -> list[str]:
    path = keys.evidence_dir() / d.package_name
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            size = 0
            for chunk in crypto.read_chunks(f):
                h.update(chunk)
                size += len(chunk)
    except (FileNotFoundError, IsADirectoryError):
        return [f"{label}: its package is missing"]
    out = []
    if h.hexdigest() != d.package_sha256 or size != d.package_size:
        out.append(f"{label}: its package differs from the hash and size recorded")
        return out
    if ring is None:
        return [f"{label}: {keys.MISSING}"]
    try:
        key = actions.package_key(d, ring)
        with open(path, "rb") as f:
            reader = crypto.DecryptingReader(f, key)
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                member = tar.next()
                if member is None or member.name != "manifest.json":
                    return [f"{label}: its package does not start with its manifest"]
                sealed = json.loads(tar.extractfile(member).read())
    except (crypto.EvidenceCryptoError, tarfile.TarError, ValueError) as exc:
        return [f"{label}: its package cannot be opened ({exc})"]
    stored = {k: v for k, v in (d.manifest or {}).items() if k not in ("package_sha256", "package_size")}
    if stored != sealed:
        out.append(f"{label}: the stored manifest differs from the one sealed in the package")
    if (d.manifest or {}).get("package_sha256") != d.package_sha256 or \
            (d.manifest or {}).get("package_size") != d.package_size:
        out.append(f"{label}: the stored manifest's package hash differs")
    expected = {"disclosure": str(d.uuid), "case": d.case.reference, "recipient": d.recipient,
                "recipient_kind": d.recipient_kind, "purpose": d.purpose, "fields": list(d.fields or []),
                "created_by": d.created_by.username}
    for name, value in expected.items():
        if sealed.get(name) != value:
            out.append(f"{label}: its {name.replace('_', ' ')} differs from the manifest sealed in the package")
    if sorted(i.get("exhibit_number") for i in sealed.get("items", [])) != sorted(i.exhibit_number
                                                                                 for i in d.items.all()):
        out.append(f"{label}: its items differ from the manifest sealed in the package")
    return out


# --- the register ---------------------------------------------------------------------------------------

@dataclass
class RegisterCheck:
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    items_logged: int = 0
    items: int = 0
    disclosures_logged: int = 0
    disclosures: int = 0

    def as_dict(self) -> dict:
        return {"ok": self.ok, "problems": self.problems, "items_logged": self.items_logged, "items": self.items,
                "disclosures_logged": self.disclosures_logged, "disclosures": self.disclosures}


def register_check(anchors: Anchors, case_ids: list[int] | None = None) -> RegisterCheck:
    """Every exhibit and disclosure the log records exists in the register, and nothing else does.
    Only references and counts are reported (no descriptive text)."""
    items = EvidenceItem.objects.all()
    disclosures = Disclosure.objects.all()
    if case_ids is not None:
        items, disclosures = items.filter(case_id__in=case_ids), disclosures.filter(case_id__in=case_ids)
    by_pk = {str(pk): (number, case_id) for pk, number, case_id in items.values_list("pk", "exhibit_number", "case_id")}
    out = RegisterCheck(items=len(by_pk))
    logged_items = set()
    for pk, entries in sorted(anchors.registered.items(), key=lambda kv: kv[1][0].seq):
        for e in entries:
            number = e.new.get("exhibit_number", "?")
            out.items_logged += 1
            row = by_pk.get(pk)
            if row is None or row[0] != number:
                out.problems.append(f"{number} was registered (audit entry #{e.seq}) but is missing from the "
                                    "register (deleted)")
            else:
                logged_items.add(pk)
                if row[1] != e.case_id:
                    out.problems.append(f"{number} was registered in another case (audit entry #{e.seq})")
    for pk, (number, _case) in sorted(by_pk.items(), key=lambda kv: kv[1][0]):
        if pk not in logged_items:
            out.problems.append(f"{number} is in the register but its registration is not in the audit log "
                                "(inserted, or recorded outside Comity's actions)")
    rows = {str(pk): case_id for pk, case_id in disclosures.values_list("pk", "case_id")}
    out.disclosures = len(rows)
    for pk, entries in sorted(anchors.disclosed.items(), key=lambda kv: kv[1][0].seq):
        e = entries[0]
        out.disclosures_logged += 1
        if pk not in rows:
            out.problems.append(f"a disclosure of {', '.join(e.new.get('items') or []) or 'evidence'} "
                                f"(audit entry #{e.seq}) is missing from the register (deleted)")
    for pk in sorted(rows, key=int):
        if pk not in anchors.disclosed:
            out.problems.append(f"a disclosure (row {pk}) is in the register but not in the audit log (inserted)")
    out.problems = anchors.problems_with_the_log() + out.problems
    out.ok = not out.problems
    return out
