"""Every change to the evidence register: register an item, record a custody event, record the
providing State's consent, disclose, rotate the master key.

Each validates first (InvalidInput naming the field), does its slow file work outside the database
transaction (hashing and encrypting a large file must not hold the write lock), then writes the rows
and the audit event in one transaction; a failure anywhere removes the file, so nothing is stored
half-way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import os
import tarfile
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from comity import audit
from comity.accounts.models import Role, User
from comity.cases.actions import is_member, next_reference, require_member
from comity.cases.models import Case, CooperationRequest
from comity.cases.validation import country_error, date_error, filename_error, parse_date, text_error
from comity.errors import InvalidInput, NotAllowed
from comity.evidence import crypto, keys, signing
from comity.evidence.models import (CustodyEvent, CustodyKind, Disclosure, EvidenceItem, EvidenceKind,
                                    UserSigningKey)

CHUNK = crypto.DEFAULT_CHUNK
DISCLOSABLE_FIELDS = ("description", "seal_numbers", "location", "source", "date_obtained", "legal_basis",
                      "use_limitations", "custody", "file")
_CLOCK_SKEW = dt.timedelta(minutes=5)


def max_evidence_bytes() -> int:
    return int(getattr(settings, "COMITY_MAX_EVIDENCE_BYTES", 0) or settings.COMITY_MAX_UPLOAD_BYTES)


def _check(errors: dict) -> None:
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise InvalidInput(errors)


def keyring() -> crypto.Keyring:
    """The master keyring, or InvalidInput naming `master_key` with what the operator must do."""
    try:
        return keys.load_keyring()
    except crypto.MasterKeyMissing as exc:
        raise InvalidInput({"master_key": str(exc)}) from None


def _next_exhibit_number() -> str:
    # Numbered one transaction at a time, as case references are (two items registered at once on PostgreSQL
    # would otherwise get one number).
    return next_reference("EV", EvidenceItem, "exhibit_number")


def _store_path(name: str) -> Path:
    return keys.evidence_dir() / name


# --- signing keys -----------------------------------------------------------------------------------

def signing_key_for(user: User, ring: crypto.Keyring, *, via: str = "web") -> UserSigningKey:
    """The user's active Ed25519 key, created on first use (inside the caller's transaction)."""
    key = UserSigningKey.objects.filter(user=user, retired_at__isnull=True).first()
    if key:
        return key
    private, public = signing.generate()
    fp = signing.fingerprint(public)
    key = UserSigningKey.objects.create(user=user, public_key=public, fingerprint=fp,
                                        wrapped_private_key=ring.wrap(private, f"signing-key:{fp}"),
                                        created_at=timezone.now())
    audit.record("evidence.signing_key_created", actor=user, obj=key, via=via, new={"fingerprint": fp})
    return key


# --- custody ----------------------------------------------------------------------------------------

def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def custody_payload(ev: CustodyEvent) -> dict:
    """What the actor signs, rebuilt from the stored columns (the verification report does the same)."""
    item = ev.item
    return {
        "v": 1, "type": "comity.custody_event", "event": str(ev.uuid), "seq": ev.seq, "kind": ev.kind,
        "item": str(item.uuid), "exhibit_number": item.exhibit_number, "item_sha256": item.sha256,
        "actor": ev.actor_id, "from_user": ev.from_user_id, "from_party": ev.from_party,
        "to_user": ev.to_user_id, "to_party": ev.to_party, "at": _iso(ev.at), "place": ev.place,
        "reason": ev.reason, "recorded_at": _iso(ev.recorded_at), "prev_hash": ev.prev_hash,
        "key": ev.signing_key.fingerprint,
    }


def record_hash(payload_bytes: bytes, signature: bytes) -> str:
    return hashlib.sha256(payload_bytes + signature).hexdigest()


# --- the descriptive fields, anchored in the log by a keyed hash -----------------------------------

def descriptive_canonical(item: EvidenceItem) -> bytes:
    """Canonical JSON of everything that describes an item and is not already in the log in the clear:
    its text (title, description, seals, location, authority, legal basis, the limitations and the
    consent given, filename), and who registered it when. Bound to the item's uuid and exhibit number,
    so a text moved from one item to another does not match."""
    obtained = item.date_obtained
    return signing.canonical({
        "v": 1, "type": "comity.evidence_descriptive", "item": str(item.uuid),
        "exhibit_number": item.exhibit_number, "case": item.case_id, "kind": item.kind, "title": item.title,
        "description": item.description, "seal_numbers": item.seal_numbers, "location": item.location,
        "source_request": item.source_request_id, "providing_state": item.providing_state,
        "providing_authority": item.providing_authority,
        "date_obtained": obtained.isoformat() if hasattr(obtained, "isoformat") else str(obtained),
        "legal_basis": item.legal_basis, "speciality": bool(item.speciality),
        "purpose_limitation": item.purpose_limitation,
        "onward_disclosure_needs_consent": bool(item.onward_disclosure_needs_consent),
        "consent_reference": item.consent_reference, "filename": item.filename, "content_type": item.content_type,
        "registered_by": item.registered_by_id,
        "registered_at": _iso(item.registered_at) if item.registered_at else "",
    })


def _descriptive_context(item: EvidenceItem) -> str:
    return f"descriptive-hmac:{item.uuid}"


def descriptive_hmac(item: EvidenceItem, ring: crypto.Keyring) -> str:
    """HMAC-SHA256 of the descriptive fields under the item's own key (wrapped by the master key).

    Keyed, not a plain hash: titles and descriptions may name people, and a plain hash of a short text
    can be confirmed by guessing. Raises crypto.CiphertextCorrupted / MasterKeyMissing when the key
    cannot be unwrapped, and ValueError when the item has none."""
    if not item.descriptive_key:
        raise ValueError("the item has no descriptive key")
    key = ring.unwrap(bytes(item.descriptive_key), _descriptive_context(item))
    return hmac.new(key, descriptive_canonical(item), hashlib.sha256).hexdigest()


def _new_descriptive_key(item: EvidenceItem, ring: crypto.Keyring) -> None:
    item.descriptive_key = ring.wrap(crypto.new_key(), _descriptive_context(item))


def _prepare_custody(item: EvidenceItem, ring: crypto.Keyring, *, kind: str, actor: User, at: dt.datetime,
                     place: str, reason: str, from_user=None, from_party="", to_user=None, to_party="",
                     via: str = "web") -> CustodyEvent:
    """The next event of an item, signed and time-stamped but not yet saved (inside the caller's
    transaction, before any audit event of it: the time-stamping authority is called over the network
    and must not be waited for while the audit log's lock is held)."""
    EvidenceItem.objects.select_for_update().filter(pk=item.pk).first()  # serialise appends per item
    last = item.custody_events.order_by("-seq").first()
    key = signing_key_for(actor, ring, via=via)
    ev = CustodyEvent(item=item, seq=(last.seq + 1) if last else 1, kind=kind, actor=actor, from_user=from_user,
                      from_party=from_party, to_user=to_user, to_party=to_party, at=at, place=place, reason=reason,
                      recorded_at=timezone.now(), prev_hash=last.record_hash if last else "0" * 64,
                      signing_key=key)
    payload = signing.canonical(custody_payload(ev))
    private = ring.unwrap(bytes(key.wrapped_private_key), f"signing-key:{key.fingerprint}")
    ev.signature = signing.sign(private, payload)
    ev.record_hash = record_hash(payload, ev.signature)
    try:
        ev.timestamp_token = keys.timestamp(bytes.fromhex(ev.record_hash))
    except Exception as exc:  # noqa: BLE001 - any TSA failure refuses the event, with the reason
        raise InvalidInput({"timestamp": f"the time-stamping authority failed: {exc}"}) from None
    return ev


def _save_custody(ev: CustodyEvent, *, via: str = "web") -> CustodyEvent:
    ev.save()
    # The log anchors the chain: each event's record hash (the head of the chain after it), and the
    # columns that stay checkable after disposal erases the signed text (kind, time, who, which key).
    audit.record("evidence.custody_recorded", actor=ev.actor, case=ev.item.case_id, obj=ev, via=via,
                 new={"item": ev.item.exhibit_number, "seq": ev.seq, "kind": ev.kind, "at": ev.at,
                      "record_hash": ev.record_hash,
                      "from_user": ev.from_user.username if ev.from_user_id else "",
                      "to_user": ev.to_user.username if ev.to_user_id else "",
                      "key": ev.signing_key.fingerprint})
    return ev


def _append_custody(item: EvidenceItem, ring: crypto.Keyring, **kw) -> CustodyEvent:
    """Sign, time-stamp and store the next event of an item (inside the caller's transaction)."""
    return _save_custody(_prepare_custody(item, ring, **kw), via=kw.get("via", "web"))


def _ensure_signing_key(user: User, ring: crypto.Keyring, via: str) -> None:
    """Create the user's signing key (an audited action of its own) before an action that signs, so the
    action's transaction takes the audit log's lock only after the time-stamping authority answered."""
    if not UserSigningKey.objects.filter(user=user, retired_at__isnull=True).exists():
        with transaction.atomic():
            signing_key_for(user, ring, via=via)


def _text_errors(**fields) -> dict:
    out = {}
    for name, (value, required, max_length) in fields.items():
        out[name] = text_error(value, required=required, max_length=max_length)
    return out


# --- registration -----------------------------------------------------------------------------------

def do_register_evidence(case: Case, *, kind: str, title: str, date_obtained, acting_user: User,
                         description: str = "", seal_numbers: str = "", location: str = "",
                         source_request: CooperationRequest | None = None, providing_state: str = "",
                         providing_authority: str = "", legal_basis: str = "", speciality: bool = False,
                         purpose_limitation: str = "", onward_disclosure_needs_consent: bool = False,
                         upload=None, source_path: str | os.PathLike | None = None, sha512: bool = False,
                         place: str = "", via: str = "web") -> EvidenceItem:
    """Register a physical exhibit or a digital file (an upload, or a file referenced by path from the
    CLI). The file is hashed and encrypted in one streaming pass; the first custody event ("received"
    from the providing authority by the registering user) is signed and time-stamped."""
    require_member(case, acting_user)
    try:
        obtained = parse_date(date_obtained)
        date_err = None if obtained else "is required"
        date_err = date_err or date_error(obtained, allow_future=False)
    except ValueError as exc:
        obtained, date_err = None, str(exc)
    errors = {
        "kind": None if kind in EvidenceKind.values else f"{kind!r} is not one of: {', '.join(EvidenceKind.values)}",
        "date_obtained": date_err,
        "providing_state": country_error(providing_state) if providing_state else None,
        "source_request": ("belongs to another case" if source_request is not None
                           and source_request.case_id != case.pk else None),
        **_text_errors(title=(title, True, 200), description=(description, kind == EvidenceKind.PHYSICAL, 5000),
                       seal_numbers=(seal_numbers, False, 300), location=(location, False, 300),
                       providing_authority=(providing_authority, False, 200), legal_basis=(legal_basis, False, 300),
                       purpose_limitation=(purpose_limitation, False, 500), place=(place, False, 300)),
    }
    limit = max_evidence_bytes()
    name = ""
    if kind == EvidenceKind.DIGITAL:
        if (upload is None) == (source_path is None):
            errors["file"] = "give exactly one file (an upload or a path)"
        else:
            name = (getattr(upload, "name", "") or "") if upload is not None else os.path.basename(str(source_path))
            fn = filename_error(name)
            if fn:
                errors["file"] = f"filename {fn}"
            elif upload is not None:
                hint = getattr(upload, "size", None)
                if hint is not None and hint > limit:
                    errors["file"] = f"is {hint} bytes; the limit is {limit} bytes"
                elif hint == 0:
                    errors["file"] = "is empty (a zero-byte file cannot be evidence)"
            else:
                try:
                    st = os.stat(source_path)
                    if not os.path.isfile(source_path):
                        errors["file"] = "is not a regular file"
                    elif st.st_size == 0:
                        errors["file"] = "is empty (a zero-byte file cannot be evidence)"
                    elif st.st_size > limit:
                        errors["file"] = f"is {st.st_size} bytes; the limit is {limit} bytes"
                except OSError as exc:
                    errors["file"] = f"cannot be read: {exc.strerror}"
    elif upload is not None or source_path is not None:
        errors["file"] = "a physical exhibit has no file; register a digital item for it"
    _check(errors)
    ring = keyring()

    item = EvidenceItem(case=case, kind=kind, title=title.strip(), description=description.strip(),
                        seal_numbers=seal_numbers.strip(), location=location.strip(), source_request=source_request,
                        providing_state=providing_state.upper(), providing_authority=providing_authority.strip(),
                        date_obtained=obtained, legal_basis=legal_basis.strip(), speciality=bool(speciality),
                        purpose_limitation=purpose_limitation.strip(),
                        onward_disclosure_needs_consent=bool(onward_disclosure_needs_consent),
                        registered_by=acting_user)
    _new_descriptive_key(item, ring)
    final_path = None
    if kind == EvidenceKind.DIGITAL:
        item.storage_name = f"{item.uuid.hex}.cev"
        item.filename = name
        item.content_type = (getattr(upload, "content_type", "") or "")[:100] if upload is not None else ""
        final_path = _store_path(item.storage_name)
        result = _hash_and_encrypt(item, ring, upload=upload, source_path=source_path, sha512=sha512, limit=limit,
                                   final_path=final_path)
        item.size = result.size
        item.sha256 = result.digests["sha256"]
        item.sha512 = result.digests.get("sha512", "")
    try:
        _ensure_signing_key(acting_user, ring, via)
        with transaction.atomic():
            item.exhibit_number = _next_exhibit_number()
            item.registered_at = timezone.now()
            item.save()
            source = item.providing_authority or item.providing_state or "source not stated"
            received = _prepare_custody(item, ring, kind=CustodyKind.RECEIVED, actor=acting_user,
                                        at=item.registered_at, place=place.strip() or "registered in Comity",
                                        from_party=source, to_user=acting_user,
                                        reason=f"registered as evidence {item.exhibit_number}", via=via)
            # Title, filename, authority and the text of the limitations stay in the item (erased on
            # disposal); the log keeps the hashes and whether limitations apply.
            limits = item.use_limitations
            audit.record("evidence.registered", actor=acting_user, case=case, obj=item, via=via, new={
                "exhibit_number": item.exhibit_number, "kind": kind, "size": item.size, "sha256": item.sha256,
                "sha512": item.sha512, "source_request": source_request.reference if source_request else "",
                "providing_state": item.providing_state, "date_obtained": obtained,
                "speciality": bool(limits.get("speciality")), "purpose_limited": bool(limits.get("purpose_limitation")),
                "consent_needed": bool(limits.get("onward_disclosure_needs_consent")),
                "descriptive_hmac": descriptive_hmac(item, ring)})
            _save_custody(received, via=via)
    except BaseException:
        if final_path is not None:
            final_path.unlink(missing_ok=True)  # nothing half-stored
        raise
    return item


def _hash_and_encrypt(item: EvidenceItem, ring: crypto.Keyring, *, upload, source_path, sha512: bool, limit: int,
                      final_path: Path) -> crypto.EncryptResult:
    """Stream the source through hashing and encryption into a temporary file, then move it into place."""
    store = keys.evidence_dir()
    store.mkdir(parents=True, exist_ok=True)
    part = store / f".{item.uuid.hex}.part"
    data_key = crypto.new_key()
    item.wrapped_key = ring.wrap(data_key, item.storage_name)
    algorithms = ("sha256", "sha512") if sha512 else ("sha256",)
    try:
        with open(part, "xb") as sink:
            if upload is not None:
                if hasattr(upload, "seek"):
                    upload.seek(0)
                result = crypto.encrypt_stream(upload, sink, data_key, algorithms=algorithms, max_bytes=limit)
            else:
                with open(source_path, "rb", buffering=0) as src:
                    before = os.fstat(src.fileno())
                    result = crypto.encrypt_stream(src, sink, data_key, algorithms=algorithms, max_bytes=limit)
                    after = os.fstat(src.fileno())
                now = os.stat(source_path)
                def sig(s):
                    return s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino, s.st_dev
                changed = [sig(before) != sig(s) for s in (after, now)]
                if any(changed) or result.size != before.st_size:
                    raise crypto.SourceChanged("changed while it was being read (size or modification time "
                                               "differ before and after); register it again once it is stable")
            sink.flush()
            os.fsync(sink.fileno())
        if result.size == 0:
            raise InvalidInput({"file": "is empty (a zero-byte file cannot be evidence)"})
        os.replace(part, final_path)
        return result
    except crypto.TooLarge as exc:
        raise InvalidInput({"file": str(exc)}) from None
    except crypto.SourceChanged as exc:
        raise InvalidInput({"file": str(exc)}) from None
    except OSError as exc:
        raise InvalidInput({"file": f"could not be stored: {exc.strerror or exc}"}) from None
    finally:
        part.unlink(missing_ok=True)


def do_record_custody_event(item: EvidenceItem, *, kind: str, at, place: str, reason: str, acting_user: User,
                            from_user: User | None = None, from_party: str = "", to_user: User | None = None,
                            to_party: str = "", via: str = "web") -> CustodyEvent:
    """Record a hand-over or another act on an item, signed by the acting user and time-stamped."""
    case = item.case
    require_member(case, acting_user)
    if isinstance(at, str):
        try:
            at = dt.datetime.fromisoformat(at)
        except ValueError:
            at = None
            at_err = "is not a date and time (YYYY-MM-DDTHH:MM)"
        else:
            at_err = None
    else:
        at_err = None if isinstance(at, dt.datetime) else "is required (a date and time)"
    if at_err is None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at_err is None and at > timezone.now() + _CLOCK_SKEW:
        at_err = "is in the future"
    errors = {
        "kind": None if kind in CustodyKind.values else f"{kind!r} is not one of: {', '.join(CustodyKind.values)}",
        "at": at_err,
        **_text_errors(place=(place, True, 300), reason=(reason, True, 1000), from_party=(from_party, False, 200),
                       to_party=(to_party, False, 200)),
        "to_user": ("is not a member of the case" if to_user is not None and not is_member(case, to_user) else None),
        "from_user": ("is not a member of the case" if from_user is not None and not is_member(case, from_user)
                      else None),
    }
    if kind in (CustodyKind.TRANSFERRED, CustodyKind.RETURNED) and not (to_user or (to_party or "").strip()):
        errors["to_user"] = errors.get("to_user") or "say to whom the item is handed over (a user or an outside party)"
    if kind == CustodyKind.RECEIVED and not (from_user or (from_party or "").strip()):
        errors["from_user"] = errors.get("from_user") or "say from whom the item was received"
    last = item.custody_events.order_by("-seq").first()
    if at_err is None and last is not None and at < last.at:
        errors["at"] = (f"is before the previous custody event (#{last.seq}, {_iso(last.at)}); "
                        "events are recorded in the order they happened")
    if item.custody_events.filter(kind=CustodyKind.DISPOSED).exists():
        errors["kind"] = errors.get("kind") or "the item has been disposed of; no further custody can be recorded"
    _check(errors)
    ring = keyring()
    if kind == CustodyKind.RECEIVED and to_user is None and not (to_party or "").strip():
        to_user = acting_user
    _ensure_signing_key(acting_user, ring, via)
    with transaction.atomic():
        return _append_custody(item, ring, kind=kind, actor=acting_user, at=at, place=place.strip(),
                               reason=reason.strip(), from_user=from_user, from_party=(from_party or "").strip(),
                               to_user=to_user, to_party=(to_party or "").strip(), via=via)


def do_record_consent(item: EvidenceItem, *, consent_reference: str, acting_user: User,
                      via: str = "web") -> EvidenceItem:
    """Record the providing State's consent to onward disclosure (its reference: note, letter, date)."""
    require_member(item.case, acting_user)
    _check({"consent_reference": text_error(consent_reference, required=True, max_length=300)})
    ring = keyring()
    with transaction.atomic():
        old = item.consent_reference
        item.consent_reference = consent_reference.strip()
        changed = ["consent_reference"]
        if not item.descriptive_key:  # registered before the descriptive fields were anchored
            _new_descriptive_key(item, ring)
            changed.append("descriptive_key")
        item.save(update_fields=changed)
        # The consent reference is one of the descriptive fields: the log anchors their new keyed hash.
        audit.record("evidence.consent_recorded", actor=acting_user, case=item.case_id, obj=item, via=via,
                     old={"consent_given": bool(old)},
                     new={"consent_given": bool(item.consent_reference), "item": item.exhibit_number,
                          "descriptive_hmac": descriptive_hmac(item, ring)})
    return item


# --- reading ----------------------------------------------------------------------------------------

def open_plaintext(item: EvidenceItem, ring: crypto.Keyring | None = None) -> crypto.DecryptingReader:
    """A reader of the decrypted file (authenticated chunk by chunk). The caller logs the access."""
    ring = ring or keyring()
    data_key = ring.unwrap(bytes(item.wrapped_key), item.storage_name)
    return crypto.DecryptingReader(open(_store_path(item.storage_name), "rb"), data_key)


def open_checked_download(item: EvidenceItem, *, acting_user: User, via: str = "web"):
    """A download of an item's file, as the web and the API make it: the whole stored file is first
    authenticated and hashed against its registered hashes (row and audit log), and the outcome is logged
    (`evidence.integrity_checked`, scope `file`). Returns `(reader, check)`: a reader of the decrypted file
    from its start when the check passed (the caller streams it, closes it and logs the read), else
    `(None, check)` with what failed (nothing of the file is to be sent). InvalidInput naming `master_key`
    when no master key is configured."""
    from comity.evidence import integrity

    ring = keyring()
    try:
        source = open(_store_path(item.storage_name), "rb")  # noqa: SIM115 - kept open for the stream
    except FileNotFoundError:
        source = None
    try:
        check = (integrity.file_check(item, ring, registered=integrity.registered_entry(item), source=source)
                 if source is not None else
                 {"ok": False, "code": "file_missing", "reason": "the stored file is missing", "chunk": None})
        if not check["ok"]:
            if source is not None:
                source.close()
                source = None
            do_record_integrity_check(item, scope="file", ok=False, failed=[check["code"]],
                                      chunk=check.get("chunk"), acting_user=acting_user, via=via)
            return None, check
        do_record_integrity_check(item, scope="file", ok=True, acting_user=acting_user, via=via)
        source.seek(0)
        return crypto.DecryptingReader(source, ring.unwrap(bytes(item.wrapped_key), item.storage_name)), check
    except BaseException:
        if source is not None:
            source.close()
        raise


# --- integrity checks -------------------------------------------------------------------------------

INTEGRITY_SCOPES = ("file", "full")


def do_record_integrity_check(item: EvidenceItem, *, scope: str, ok: bool, failed: list[str] | None = None,
                              chunk: int | None = None, acting_user: User | None = None, via: str = "web"):
    """Log the outcome of an integrity check of an item (a download's authentication of the whole file,
    or a full verification). Writes the security event only: the item page shows the latest one."""
    if scope not in INTEGRITY_SCOPES:
        raise InvalidInput({"scope": f"{scope!r} is not one of: {', '.join(INTEGRITY_SCOPES)}"})
    new = {"item": item.exhibit_number, "scope": scope, "ok": bool(ok), "failed": sorted(set(failed or []))}
    if chunk is not None:
        new["chunk"] = int(chunk)
    with transaction.atomic():
        return audit.record("evidence.integrity_checked", actor=acting_user, case=item.case_id, obj=item,
                            category="security", via=via, new=new)


# --- master key rotation ----------------------------------------------------------------------------

def do_rotate_master_key(*, acting_user: User, generate: bool = True, via: str = "cli") -> dict:
    """Re-wrap every data key (items, signing keys, disclosure packages, case documents) under the current
    master key.

    With `generate`, a new key is first added to the file-based keyring; with the key in the
    environment, the operator sets the new key and lists the old one as retired, then rotates.
    Files are not re-encrypted: only their 60-byte wrapped keys change."""
    if acting_user.role != Role.ADMIN:
        raise NotAllowed("Only an administrator may rotate the master key.")
    ring = keyring()
    if generate:
        try:
            ring = keys.add_master_key()
        except crypto.MasterKeyMissing as exc:
            raise InvalidInput({"master_key": str(exc)}) from None
    counts = {"items": 0, "signing_keys": 0, "disclosures": 0, "documents": 0}
    try:
        from comity.cases.storage import rewrap_documents

        counts["documents"] = rewrap_documents(ring)  # case documents' keys, in their file headers (no DB lock)
        with transaction.atomic():
            for item in EvidenceItem.objects.select_for_update().filter(
                    models.Q(kind=EvidenceKind.DIGITAL) | models.Q(descriptive_key__isnull=False)):
                changed = []
                if item.kind == EvidenceKind.DIGITAL and item.wrapped_key:
                    item.wrapped_key = ring.rewrap(bytes(item.wrapped_key), item.storage_name)
                    changed.append("wrapped_key")
                if item.descriptive_key:
                    item.descriptive_key = ring.rewrap(bytes(item.descriptive_key), _descriptive_context(item))
                    changed.append("descriptive_key")
                if changed:
                    item.save(update_fields=changed)
                    counts["items"] += 1
            for key in UserSigningKey.objects.select_for_update():
                key.wrapped_private_key = ring.rewrap(bytes(key.wrapped_private_key), f"signing-key:{key.fingerprint}")
                key.save(update_fields=["wrapped_private_key"])
                counts["signing_keys"] += 1
            for d in Disclosure.objects.select_for_update():
                d.wrapped_key = ring.rewrap(bytes(d.wrapped_key), f"disclosure:{d.uuid}")
                d.save(update_fields=["wrapped_key"])
                counts["disclosures"] += 1
            audit.record("evidence.master_key_rotated", actor=acting_user, via=via,
                         new={"key_id": ring.current_id, **counts})
    except (crypto.MasterKeyMissing, crypto.CiphertextCorrupted) as exc:
        raise InvalidInput({"master_key": str(exc)}) from None
    return {"key_id": ring.current_id, **counts}


def do_init_master_key(*, acting_user: User | None = None, via: str = "cli"):
    """Create the evidence master key in the data folder (once) and log it (its id, never the key)."""
    path = keys.init_master_key()  # refuses to overwrite: FileExistsError
    ring = keys.load_keyring()
    with transaction.atomic():
        audit.record("evidence.master_key_created", actor=acting_user, category="security", via=via,
                     new={"key_id": ring.current_id})
    return path


def do_drop_retired_keys(*, acting_user: User, via: str = "cli") -> int:
    """After a completed rotation, keep only the current key in the file-based keyring; logged, and the
    file is rewritten only once the event is committed."""
    if acting_user.role != Role.ADMIN:
        raise NotAllowed("Only an administrator may drop retired master keys.")
    if keys.uses_env():
        return 0
    ring = keys.load_keyring()
    with transaction.atomic():
        audit.record("evidence.retired_keys_dropped", actor=acting_user, category="security", via=via,
                     new={"key_id": ring.current_id, "dropped": len(ring.retired)})
        transaction.on_commit(keys.drop_retired_keys)
    return len(ring.retired)


# --- disclosure -------------------------------------------------------------------------------------

def disclosure_blocks(item: EvidenceItem, *, recipient_kind: str, recipient_state: str = "") -> list[str]:
    """The use limitations that forbid this disclosure, each as a sentence naming the limitation."""
    reasons = []
    provider = item.providing_authority or item.providing_state or "the providing State"
    if item.onward_disclosure_needs_consent and not item.consent_reference:
        reasons.append(f"{item.exhibit_number}: onward disclosure needs the consent of {provider} "
                       "(use limitation attached when the evidence was provided), and no consent is recorded")
    if (item.speciality and recipient_kind == Disclosure.RecipientKind.AUTHORITY and not item.consent_reference):
        reasons.append(f"{item.exhibit_number}: speciality: the evidence may be used only in the proceedings for "
                       f"which {provider} provided it; forwarding it to another authority needs that State's consent")
    return reasons


def _minimised(item: EvidenceItem, fields: list[str]) -> dict:
    out = {"exhibit_number": item.exhibit_number, "title": item.title, "kind": item.kind,
           "hashes": item.hashes, "size": item.size, "filename": item.filename if "file" in fields else ""}
    if "description" in fields:
        out["description"] = item.description
    if "seal_numbers" in fields:
        out["seal_numbers"] = item.seal_numbers
    if "location" in fields:
        out["location"] = item.location
    if "source" in fields:
        out["source"] = {"request": item.source_request.reference if item.source_request else "",
                         "providing_state": item.providing_state, "providing_authority": item.providing_authority}
    if "date_obtained" in fields:
        out["date_obtained"] = item.date_obtained.isoformat()
    if "legal_basis" in fields:
        out["legal_basis"] = item.legal_basis
    if "use_limitations" in fields:
        out["use_limitations"] = item.use_limitations
    if "custody" in fields:
        out["custody"] = [{"seq": e.seq, "kind": e.kind, "at": _iso(e.at), "place": e.place, "reason": e.reason,
                           "record_hash": e.record_hash, "signature": bytes(e.signature).hex()}
                          for e in item.custody_events.order_by("seq")]
    return out


def do_disclose_evidence(case: Case, *, items: list[EvidenceItem], fields: list[str], recipient: str,
                         recipient_kind: str, purpose: str, acting_user: User, recipient_state: str = "",
                         via: str = "web") -> Disclosure:
    """Forward chosen items (and only the chosen fields) to another authority, the defence or a court.

    Refused, with the reason, when a use limitation forbids it. Otherwise writes an encrypted archive
    (tar in CEV1 under a fresh package key) holding manifest.json and the chosen files, records a
    "copied" custody event per item, and logs the disclosure with its recipient and purpose."""
    require_member(case, acting_user)
    fields = list(dict.fromkeys(fields or []))
    errors = {
        **_text_errors(recipient=(recipient, True, 300), purpose=(purpose, True, 1000)),
        "recipient_kind": (None if recipient_kind in Disclosure.RecipientKind.values
                           else f"{recipient_kind!r} is not one of: {', '.join(Disclosure.RecipientKind.values)}"),
        "recipient_state": country_error(recipient_state) if recipient_state else None,
        "items": "choose at least one item" if not items else (
            "an item belongs to another case" if any(i.case_id != case.pk for i in items) else None),
        "fields": (f"unknown: {', '.join(f for f in fields if f not in DISCLOSABLE_FIELDS)} "
                   f"(choose from {', '.join(DISCLOSABLE_FIELDS)})"
                   if any(f not in DISCLOSABLE_FIELDS for f in fields) else None),
    }
    _check(errors)
    blocks = [r for i in items for r in disclosure_blocks(i, recipient_kind=recipient_kind,
                                                          recipient_state=recipient_state)]
    if blocks:
        raise InvalidInput({"items": "; ".join(blocks)})
    ring = keyring()
    disclosure_uuid = uuid.uuid4()
    package_key = crypto.new_key()
    out_dir = keys.evidence_dir() / "disclosures"
    out_dir.mkdir(parents=True, exist_ok=True)
    package_name = f"disclosures/{disclosure_uuid.hex}.tar.cev"
    final = keys.evidence_dir() / package_name
    part = out_dir / f".{disclosure_uuid.hex}.part"
    manifest = {"disclosure": str(disclosure_uuid), "case": case.reference, "recipient": recipient.strip(),
                "recipient_kind": recipient_kind, "purpose": purpose.strip(), "fields": fields,
                "created_by": acting_user.username, "created_at": _iso(timezone.now()),
                "items": [_minimised(i, fields) for i in items]}
    try:
        with open(part, "xb") as sink:
            writer = crypto.EncryptingWriter(sink, package_key)
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size = len(body)
                tar.addfile(info, io.BytesIO(body))
                if "file" in fields:
                    for i in items:
                        if i.kind != EvidenceKind.DIGITAL:
                            continue
                        info = tarfile.TarInfo(f"files/{i.exhibit_number}/{i.filename}")
                        info.size = i.size
                        with open_plaintext(i, ring) as plain:
                            reader = _HashingReader(plain)
                            tar.addfile(info, reader)
                        if reader.sha256.hexdigest() != i.sha256:
                            raise InvalidInput({"items": f"{i.exhibit_number}: the stored file no longer matches "
                                                         "its registered SHA-256; it was not disclosed"})
            writer.close()
            sink.flush()
            os.fsync(sink.fileno())
        package_sha256 = writer.sha256.hexdigest()
        package_size = os.path.getsize(part)
        os.replace(part, final)
    except crypto.CiphertextCorrupted as exc:
        part.unlink(missing_ok=True)
        raise InvalidInput({"items": f"a stored file failed authentication: {exc}"}) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    try:
        _ensure_signing_key(acting_user, ring, via)
        with transaction.atomic():
            d = Disclosure.objects.create(
                uuid=disclosure_uuid, case=case, recipient=recipient.strip(), recipient_kind=recipient_kind,
                recipient_state=(recipient_state or "").upper(), purpose=purpose.strip(), fields=fields,
                manifest={**manifest, "package_sha256": package_sha256, "package_size": package_size},
                package_name=package_name, package_sha256=package_sha256, package_size=package_size,
                wrapped_key=ring.wrap(package_key, f"disclosure:{disclosure_uuid}"), created_by=acting_user,
                created_at=timezone.now())
            d.items.set(items)
            copies = [_prepare_custody(i, ring, kind=CustodyKind.COPIED, actor=acting_user, at=d.created_at,
                                       place="Comity disclosure package", to_party=recipient.strip(),
                                       reason=f"disclosed ({', '.join(fields) or 'identification only'}): "
                                              f"{purpose.strip()}", via=via)
                      for i in items]
            for ev in copies:  # all time-stamped first: the audit log's lock is taken only now
                _save_custody(ev, via=via)
            audit.record("evidence.disclosed", actor=acting_user, case=case, obj=d, via=via,
                         new={"recipient_kind": recipient_kind, "recipient_state": d.recipient_state,
                              "items": [i.exhibit_number for i in items], "fields": fields,
                              "package_sha256": package_sha256})
    except BaseException:
        final.unlink(missing_ok=True)
        raise
    return d


def package_key(disclosure: Disclosure, ring: crypto.Keyring | None = None) -> bytes:
    return (ring or keyring()).unwrap(bytes(disclosure.wrapped_key), f"disclosure:{disclosure.uuid}")


class _HashingReader:
    def __init__(self, reader):
        self._reader = reader
        self.sha256 = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self._reader.read(n)
        self.sha256.update(data)
        return data


# --- disposal ---------------------------------------------------------------------------------------

DISPOSED = "[disposed]"


def erase_case_evidence(case_id: int) -> dict:
    """Erase what this app keeps about a disposed case's evidence: the descriptive text of its items
    (title, description, seals, location, authority, limitations, consent, filename) and the key of its
    keyed hash in the log, the places,
    parties and reasons of their custody events, the recipients and purposes of disclosures, and the
    encrypted files (after the disposal commits). Kept: exhibit numbers, kinds, hashes, sizes, dates,
    signatures and time-stamp tokens, so the record of what existed and its hashes stays, while the
    signed custody payloads can no longer be re-verified (their text is gone by design).
    Runs inside the disposal's transaction (comity.oversight.actions.do_dispose_case), wired in apps.py."""
    items = EvidenceItem.objects.filter(case_id=case_id)
    files = [_store_path(name) for name in items.exclude(storage_name="").values_list("storage_name", flat=True)]
    disclosures = Disclosure.objects.filter(case_id=case_id)
    files += [keys.evidence_dir() / name for name in disclosures.values_list("package_name", flat=True) if name]
    # The descriptive key goes too: the HMAC the log keeps can then never be tested against a guess.
    n_items = items.update(title=DISPOSED, description="", seal_numbers="", location="", providing_authority="",
                           legal_basis="", purpose_limitation="", consent_reference="", filename="",
                           descriptive_key=None)
    CustodyEvent.objects.filter(item__case_id=case_id).update(from_party="", to_party="", place=DISPOSED,
                                                              reason=DISPOSED)
    n_disclosures = disclosures.update(recipient=DISPOSED, purpose=DISPOSED, manifest={})

    def delete_files():
        for path in files:
            path.unlink(missing_ok=True)

    if files:
        transaction.on_commit(delete_files)
    return {"evidence_items": n_items, "disclosures": n_disclosures}
