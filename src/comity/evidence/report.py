"""The verification report of an evidence item (JSON and PDF), and its CASE/UCO export.

Reading only: the views log the access. Every check is recomputed from what is stored now:
- the file: decrypted (authenticated chunk by chunk) and hashed, compared with the hashes taken at
  registration;
- each custody event: the signed payload rebuilt from the columns, the Ed25519 signature checked
  with the actor's registered public key, the record hash, the link to the previous event, and the
  RFC 3161 token (imprint = record hash, authority signature, certificate);
- custody gaps: an item received by someone to whom nobody handed it over, an act by someone who
  did not hold the item, events after disposal, events out of time order;
- the anchors in the audit log (comity.evidence.integrity): every custody event against the record
  hash the log holds (and every logged event must still exist), the registered hashes and details,
  the descriptive fields against their keyed hash, the item's disclosures, and the case's register
  (every registered exhibit and disclosure must exist). A disposed case's erased text is reported as
  erased on disposal (with the date), not as tampering.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib

from django.db.models import Q
from django.utils import timezone

from comity.evidence import actions, casejson, crypto, integrity, keys, signing, tsa
from comity.evidence.models import CustodyEvent, CustodyKind, Disclosure, EvidenceItem


def _holder_label(user, party: str) -> str:
    if user is not None:
        return user.username
    return party or ""


def _event_checks(ev: CustodyEvent, prev: CustodyEvent | None, expected_seq: int, trusted: list[bytes],
                  erased_on: str | None = None) -> dict:
    """One custody event's own checks. `erased_on`: the case was disposed of and the event's signed text
    (place, reason, outside parties) erased that day; the signature can no longer be re-checked, so the
    stored record hash stands in, checked against the audit log, the chain and its time-stamp."""
    signature = bytes(ev.signature)
    problems = []
    note = ""
    if erased_on:
        key_ok = ev.signing_key.user_id == ev.actor_id
        sig_ok, hash_ok = (None if key_ok else False), None
        recomputed = ev.record_hash
        note = (f"place, reason and outside parties erased on disposal ({erased_on}); the signature cannot be "
                "re-checked, the record hash is checked against the audit log and its time-stamp")
        if not key_ok:
            problems.append("the signing key is not the actor's")
    else:
        payload = signing.canonical(actions.custody_payload(ev))
        public = bytes(ev.signing_key.public_key)
        sig_ok = ev.signing_key.user_id == ev.actor_id and signing.verify(public, signature, payload)
        recomputed = actions.record_hash(payload, signature)
        hash_ok = recomputed == ev.record_hash
        if not sig_ok:
            problems.append("the signature does not verify with the actor's key (the record or the signature changed)")
        if not hash_ok:
            problems.append("the stored record hash does not match the record")
    link_ok = ev.prev_hash == (prev.record_hash if prev else "0" * 64)
    seq_ok = ev.seq == expected_seq
    try:
        digest = bytes.fromhex(recomputed)
    except ValueError:
        digest = b""
    token = tsa.verify_token(bytes(ev.timestamp_token), digest, trusted)
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
        "timestamp": token.as_dict(), "ok": not problems, "problems": problems, "erased_note": note,
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


_UNSET = object()


def _keyring_or_none():
    try:
        return keys.load_keyring()
    except crypto.MasterKeyMissing:
        return None


def _item_disclosures(item: EvidenceItem, anchors: integrity.Anchors) -> list[Disclosure]:
    """The item's disclosures: those linked to it, and those the log says included it."""
    logged = [pk for pk, es in anchors.disclosed.items() if item.exhibit_number in (es[0].new.get("items") or [])]
    qs = Disclosure.objects.filter(Q(items=item) | Q(pk__in=[int(p) for p in logged if p.isdigit()]))
    return list(qs.select_related("case", "created_by").prefetch_related("items").distinct().order_by("created_at", "id"))


def verification_report(item: EvidenceItem, *, anchors: integrity.Anchors | None = None, ring=_UNSET,
                        include_register: bool = True) -> dict:
    """Everything a court would ask about this item, each check with its result."""
    if ring is _UNSET:
        ring = _keyring_or_none()
    anchors = anchors if anchors is not None else integrity.Anchors([item.case_id])
    disposal = integrity.disposal_of(item.case_id, anchors)
    erased_on = disposal.on if disposal is not None and disposal.confirmed else None
    trusted = keys.trusted_tsa_certs()
    events = _events(item)
    custody_anchors, logged_n, matched = integrity.custody_anchor_problems(item, events, anchors)
    checked = []
    prev = None
    for n, ev in enumerate(events, start=1):
        c = _event_checks(ev, prev, n, trusted,
                          erased_on=erased_on if erased_on and integrity.event_text_erased(ev) else None)
        c["anchored"] = ev.seq in matched
        if not c["anchored"]:
            c["problems"].append("not anchored: the audit log does not hold this record (see anchors)")
            c["ok"] = False
        checked.append(c)
        prev = ev
    registered = integrity.registered_entry(item, anchors)
    registration = integrity.registration_problems(item, registered, disposal, events)
    file_check = integrity.file_check(item, ring, registered=registered, disposal=disposal)
    descriptive = integrity.descriptive_check(item, anchors, registered, ring, disposal)
    parties_erased = bool(erased_on) and any(integrity.event_text_erased(ev) for ev in events)
    gaps = [] if parties_erased else custody_gaps(events)
    disclosures = [integrity.disclosure_check(d, anchors, ring, disposal) for d in _item_disclosures(item, anchors)]
    register = integrity.register_check(anchors, [item.case_id]).as_dict() if include_register else None
    anchor_problems = anchors.problems_with_the_log() + registration + custody_anchors
    ok = (file_check.get("ok", True) and all(c["ok"] for c in checked) and not gaps and bool(events)
          and not anchor_problems and descriptive["ok"] and all(d["ok"] for d in disclosures)
          and (register is None or register["ok"]))
    out = {
        "report": "comity.evidence.verification/v2",
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
            "disposed_on": erased_on or "",
        },
        "file": file_check,
        "custody": checked,
        "custody_gaps": gaps,
        "custody_gaps_note": (f"not re-checked: the outside parties were erased on disposal ({erased_on})"
                              if parties_erased else ""),
        "anchors": {"ok": not anchor_problems, "problems": anchor_problems, "registration": registration,
                    "custody": custody_anchors, "logged_events": logged_n,
                    "registration_entry": registered.seq if registered else None},
        "descriptive": descriptive,
        "disclosures": disclosures,
        "register": register,
        "use_limitations": item.use_limitations,
        "tsa_certificates_sha256": [hashlib.sha256(c).hexdigest() for c in trusted],
    }
    out["failed"] = failed_codes(out)
    return out


def failed_codes(r: dict) -> list[str]:
    """The checks that failed, as the codes of the integrity event (integrity.FAILURES)."""
    out = []
    if r["file"].get("applicable") and not r["file"].get("ok"):
        out.append(r["file"].get("code") or "file_corrupted")
    if any(not c["ok"] and (c["signature_ok"] is False or c["record_hash_ok"] is False or not c["chain_ok"]
                            or not c["timestamp"]["ok"]) for c in r["custody"]):
        out.append("custody")
    if r["anchors"]["custody"]:
        out.append("custody_anchor")
    if r["anchors"]["registration"] or (r["anchors"]["problems"] and not r["anchors"]["custody"]):
        out.append("registration")
    if r["custody_gaps"]:
        out.append("custody_gap")
    if not r["custody"]:
        out.append("no_custody")
    if not r["descriptive"]["ok"]:
        out.append("descriptive")
    if r.get("register") and not r["register"]["ok"]:
        out.append("register")
    if any(not d["ok"] for d in r["disclosures"]):
        out.append("disclosure")
    return out


def problem_lines(r: dict) -> list[str]:
    """Every problem of an item report as one sentence each (CLI, summaries)."""
    lines = []
    if r["file"].get("applicable") and not r["file"].get("ok"):
        lines.append(f"file: {r['file']['reason']}")
    for c in r["custody"]:
        if not c["ok"]:
            lines.append(f"#{c['seq']} {c['kind']}: {'; '.join(c['problems'])}")
    lines += [f"anchors: {p}" for p in r["anchors"]["problems"]]
    if not r["descriptive"]["ok"]:
        lines.append(f"descriptive fields: {r['descriptive']['reason']}")
    lines += [f"gap at #{g['seq']}: {g['reason']}" for g in r["custody_gaps"]]
    if not r["custody"]:
        lines.append("custody: the item has no chain of custody")
    for d in r["disclosures"]:
        lines += [f"disclosure: {p}" for p in d["problems"]]
    if r.get("register"):
        lines += [f"register: {p}" for p in r["register"]["problems"]]
    return lines


def register_report(*, register_case_ids: list[int] | None, item_case_ids: list[int],
                    ring=_UNSET) -> tuple[dict, list[dict]]:
    """The instance-level (or case-level) verification: the register against the log for
    `register_case_ids` (None: the whole instance), and a full report of every item of `item_case_ids`
    (the cases the reader may read). Returns the summary (references, codes and problems only) and the
    item reports."""
    from comity.cases.models import Case

    if ring is _UNSET:
        ring = _keyring_or_none()
    anchors = integrity.Anchors(register_case_ids)
    register = integrity.register_check(anchors, register_case_ids)
    if register_case_ids is not None and set(item_case_ids) - set(register_case_ids):
        anchors = integrity.Anchors(sorted(set(item_case_ids) | set(register_case_ids)))
    items = (EvidenceItem.objects.filter(case_id__in=item_case_ids)
             .select_related("case", "source_request", "registered_by").order_by("exhibit_number"))
    reports = [verification_report(i, anchors=anchors, ring=ring, include_register=False) for i in items]
    return {
        "report": "comity.evidence.register/v1",
        "generated_at": timezone.now().isoformat(),
        "ok": register.ok and all(r["ok"] for r in reports),
        "scope": "instance" if register_case_ids is None else "cases",
        "cases": sorted(Case.objects.filter(pk__in=item_case_ids).values_list("reference", flat=True)),
        "register": register.as_dict(),
        "items": [{"exhibit_number": r["item"]["exhibit_number"], "case": r["item"]["case"], "ok": r["ok"],
                   "failed": r["failed"], "problems": problem_lines(r)} for r in reports],
    }, reports


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
    for d in r.get("disclosures", []):
        d["created_at"] = human_datetime(d.get("created_at"))
    if r["item"].get("disposed_on"):
        r["item"]["disposed_on"] = human_date(r["item"]["disposed_on"])
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
