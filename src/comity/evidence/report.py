"""The verification report of an evidence item (JSON and PDF), and its CASE/UCO export.

Reading only: the views log the access. Every check is recomputed from what is stored now:
- the file: decrypted (authenticated chunk by chunk) and hashed, compared with the hashes taken at
  registration;
- each custody event: the signed payload rebuilt from the columns, the Ed25519 signature checked
  with the actor's registered public key, the record hash, the link to the previous event, and the
  RFC 3161 token (imprint = record hash, authority signature, certificate);
- custody gaps: an item received by someone to whom nobody handed it over, an act by someone who
  did not hold the item, events after disposal, events out of time order.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib

from django.utils import timezone

from comity.evidence import actions, casejson, crypto, keys, signing, tsa
from comity.evidence.models import CustodyEvent, CustodyKind, EvidenceItem, EvidenceKind


def _holder_label(user, party: str) -> str:
    if user is not None:
        return user.username
    return party or ""


def _file_check(item: EvidenceItem, ring) -> dict:
    if item.kind != EvidenceKind.DIGITAL:
        return {"applicable": False}
    out = {"applicable": True, "registered": item.hashes, "size_registered": item.size}
    algorithms = tuple(item.hashes)
    try:
        with actions.open_plaintext(item, ring) as reader:
            digests, size = crypto.hash_chunks(iter(lambda: reader.read(crypto.DEFAULT_CHUNK), b""), algorithms)
    except FileNotFoundError:
        return {**out, "ok": False, "now": {}, "reason": "the stored file is missing"}
    except crypto.CiphertextCorrupted as exc:
        return {**out, "ok": False, "now": {}, "reason": str(exc)}
    except crypto.MasterKeyMissing as exc:
        return {**out, "ok": False, "now": {}, "reason": str(exc)}
    ok = digests == item.hashes and size == item.size
    return {**out, "ok": ok, "now": digests, "size_now": size,
            "reason": "the file matches its registration hashes" if ok else "the file differs from its registration"}


def _event_checks(ev: CustodyEvent, prev: CustodyEvent | None, expected_seq: int, trusted: list[bytes]) -> dict:
    payload = signing.canonical(actions.custody_payload(ev))
    signature = bytes(ev.signature)
    public = bytes(ev.signing_key.public_key)
    sig_ok = ev.signing_key.user_id == ev.actor_id and signing.verify(public, signature, payload)
    recomputed = actions.record_hash(payload, signature)
    hash_ok = recomputed == ev.record_hash
    link_ok = ev.prev_hash == (prev.record_hash if prev else "0" * 64)
    seq_ok = ev.seq == expected_seq
    token = tsa.verify_token(bytes(ev.timestamp_token), bytes.fromhex(recomputed), trusted)
    problems = []
    if not sig_ok:
        problems.append("the signature does not verify with the actor's key (the record or the signature changed)")
    if not hash_ok:
        problems.append("the stored record hash does not match the record")
    if not link_ok:
        problems.append("the link to the previous event is broken (an event was changed, removed or inserted)")
    if not seq_ok:
        problems.append(f"sequence number {ev.seq}, expected {expected_seq} (an event is missing)")
    if not token.ok:
        problems.append(f"timestamp: {token.reason}")
    return {
        "seq": ev.seq, "kind": ev.kind, "kind_label": ev.get_kind_display(), "at": ev.at.isoformat(),
        "place": ev.place, "reason": ev.reason, "actor": ev.actor.username,
        "from": _holder_label(ev.from_user, ev.from_party), "to": _holder_label(ev.to_user, ev.to_party),
        "record_hash": ev.record_hash, "key_fingerprint": ev.signing_key.fingerprint,
        "signature_ok": sig_ok, "record_hash_ok": hash_ok, "chain_ok": link_ok and seq_ok,
        "timestamp": token.as_dict(), "ok": not problems, "problems": problems,
    }


def custody_gaps(events: list[CustodyEvent]) -> list[dict]:
    """Breaks in the chain: who held the item at each step, and who should not have acted."""
    gaps = []
    holder = None          # ("user", id) or ("party", name)
    pending_to = None      # handed over, not yet received
    disposed = False
    last_at = None

    def who(user, party):
        return ("user", user.pk) if user is not None else (("party", party) if party else None)

    for ev in events:
        frm, to, actor = who(ev.from_user, ev.from_party), who(ev.to_user, ev.to_party), ("user", ev.actor_id)
        if disposed:
            gaps.append({"seq": ev.seq, "reason": "recorded after the item was disposed of"})
        if last_at is not None and ev.at < last_at:
            gaps.append({"seq": ev.seq, "reason": "happened before the previous event (out of time order)"})
        last_at = ev.at
        if ev.kind == CustodyKind.RECEIVED:
            receiver = to or actor
            first = ev.seq == 1 and ev.from_user is None
            if not first and receiver != pending_to and not (frm is not None and frm == holder and frm[0] == "party"):
                gaps.append({"seq": ev.seq, "reason": f"received by {_holder_label(ev.to_user or ev.actor, ev.to_party)}"
                             " but nobody handed the item over to them"})
            holder, pending_to = receiver, None
        elif ev.kind == CustodyKind.COLLECTED:
            holder, pending_to = to or actor, None
        elif ev.kind in (CustodyKind.TRANSFERRED, CustodyKind.RETURNED):
            giver = frm or actor
            if holder is not None and giver != holder:
                gaps.append({"seq": ev.seq, "reason": f"handed over by {_holder_label(ev.from_user or ev.actor, ev.from_party)}"
                             " who did not hold the item"})
            pending_to = to
            holder = to if ev.kind == CustodyKind.RETURNED else None  # in transit until received
        elif ev.kind == CustodyKind.DISPOSED:
            if holder is not None and actor != holder:
                gaps.append({"seq": ev.seq, "reason": f"disposed of by {ev.actor.username} who did not hold the item"})
            disposed = True
        elif ev.kind in (CustodyKind.SEALED, CustodyKind.EXAMINED):
            if holder is None:
                gaps.append({"seq": ev.seq, "reason": f"{ev.kind} while the item was in transit (handed over but "
                             "not yet received)"})
            elif actor != holder:
                gaps.append({"seq": ev.seq, "reason": f"{ev.kind} by {ev.actor.username} who did not hold the item"})
        # COPIED: a copy (a disclosure) leaves the original with its holder.
    return gaps


def _events(item: EvidenceItem) -> list[CustodyEvent]:
    return list(item.custody_events.select_related("actor", "from_user", "to_user", "signing_key", "item")
                .order_by("seq", "id"))


def verification_report(item: EvidenceItem) -> dict:
    """Everything a court would ask about this item, each check with its result."""
    try:
        ring = keys.load_keyring()
    except crypto.MasterKeyMissing:
        ring = None
    trusted = keys.trusted_tsa_certs()
    events = _events(item)
    checked = []
    prev = None
    for n, ev in enumerate(events, start=1):
        checked.append(_event_checks(ev, prev, n, trusted))
        prev = ev
    file_check = _file_check(item, ring) if ring else (
        {"applicable": True, "ok": False, "reason": keys.MISSING} if item.kind == EvidenceKind.DIGITAL
        else {"applicable": False})
    gaps = custody_gaps(events)
    ok = (file_check.get("ok", True) and all(c["ok"] for c in checked) and not gaps and bool(events))
    return {
        "report": "comity.evidence.verification/v1",
        "generated_at": timezone.now().isoformat(),
        "ok": ok,
        "item": {
            "uuid": str(item.uuid), "exhibit_number": item.exhibit_number, "kind": item.kind, "title": item.title,
            "description": item.description, "seal_numbers": item.seal_numbers, "location": item.location,
            "case": item.case.reference,
            "source_request": item.source_request.reference if item.source_request_id else "",
            "providing_state": item.providing_state, "providing_authority": item.providing_authority,
            "date_obtained": item.date_obtained.isoformat(), "legal_basis": item.legal_basis,
            "filename": item.filename, "size": item.size, "hashes": item.hashes,
            "registered_by": item.registered_by.username, "registered_at": item.registered_at.isoformat(),
        },
        "file": file_check,
        "custody": checked,
        "custody_gaps": gaps,
        "use_limitations": item.use_limitations,
        "tsa_certificates_sha256": [hashlib.sha256(c).hexdigest() for c in trusted],
    }


def human_datetime(value) -> str:
    """"2 December 2026, 14:03 UTC" from an ISO timestamp (or a datetime); the JSON report keeps the ISO form."""
    if not value:
        return ""
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    when = when.astimezone(dt.UTC)
    return f"{when.day} {when:%B %Y}, {when:%H:%M} UTC"


def human_date(value) -> str:
    """"15 January 2026" from an ISO date (or a date)."""
    if not value:
        return ""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{day.day} {day:%B %Y}"


def for_print(report: dict) -> dict:
    """The report as the PDF prints it: the same content, with dates and times in words for a reader."""
    r = copy.deepcopy(report)
    r["generated_at"] = human_datetime(r.get("generated_at"))
    r["item"]["registered_at"] = human_datetime(r["item"].get("registered_at"))
    r["item"]["date_obtained"] = human_date(r["item"].get("date_obtained"))
    for e in r.get("custody", []):
        e["at"] = human_datetime(e.get("at"))
        if (e.get("timestamp") or {}).get("gen_time"):
            e["timestamp"]["gen_time"] = human_datetime(e["timestamp"]["gen_time"])
    return r


def report_pdf(report: dict) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML  # late import: pango loads only when a PDF is made

    html = render_to_string("evidence/report_pdf.html", {"r": for_print(report)})
    return HTML(string=html).write_pdf()


def case_uco(item: EvidenceItem) -> dict:
    events = _events(item)
    return casejson.export_chain(
        {"uuid": str(item.uuid), "exhibit_number": item.exhibit_number, "kind": item.kind, "title": item.title,
         "description": item.description, "filename": item.filename, "size": item.size, "hashes": item.hashes,
         "seal_numbers": item.seal_numbers, "location": item.location},
        [{"uuid": str(e.uuid), "seq": e.seq, "kind": e.kind, "at": e.at.isoformat(), "place": e.place,
          "reason": e.reason, "actor": e.actor.username, "from_label": _holder_label(e.from_user, e.from_party),
          "to_label": _holder_label(e.to_user, e.to_party), "signature": bytes(e.signature),
          "public_key": bytes(e.signing_key.public_key), "timestamp_token": bytes(e.timestamp_token)}
         for e in events])
