"""Matrix examples of the evidence operations: items, chain of custody, verification, CASE/UCO export, downloads,
disclosure packages (README.md)."""

from __future__ import annotations

import io

from tests.api.matrix import Call

CONTENT = b"intercepted ledger, page 1\n" * 200


class _Upload(io.BytesIO):
    def __init__(self, name, content):
        super().__init__(content)
        self.name, self.size, self.content_type = name, len(content), "text/plain"


def _master_key() -> None:
    """The evidence master key of the run's data folder (made once, as `comity evidence init-key` does)."""
    from comity.evidence import crypto, keys

    try:
        keys.load_keyring()
    except crypto.MasterKeyMissing:
        try:
            keys.init_master_key()
        except FileExistsError:  # made meanwhile by another run
            pass


def _item(world, *, digital: bool = False, case=None, **kw):
    from comity.evidence import actions

    fields = dict(kind="physical", title="Seized phone", description="Black phone in evidence bag",
                  date_obtained="2026-01-15", providing_state="FR", seal_numbers="S-1")
    if digital:
        fields.update(kind="digital", title="Ledger scan", description="", upload=_Upload("ledger.txt", CONTENT))
    fields.update(kw)
    return actions.do_register_evidence(case or world.case, acting_user=world.member, **fields)


def seed(world) -> None:
    from comity.evidence import actions

    _master_key()
    digital = _item(world, digital=True)
    d = actions.do_disclose_evidence(world.case, items=[digital], fields=["description", "file"],
                                     recipient="Juge d'instruction, Paris", recipient_kind="court",
                                     purpose="Trial file", acting_user=world.member)
    world.extra["evidence"] = {"digital": digital, "disclosure": d}


def _digital(w):
    return w.extra["evidence"]["digital"]


def _consent(w) -> Call:
    from comity.api.etag import etag
    from comity.api.evidence_api import _items, _version

    item = _item(w)
    return Call("POST", f"/api/evidence/{item.pk}/consent", json={"consent_reference": "Note verbale 12/2026"},
                headers={"If-Match": etag(_version(_items().get(pk=item.pk)))})


def _custody(w) -> Call:
    from django.utils import timezone

    item = _item(w)
    return Call("POST", f"/api/evidence/{item.pk}/custody", json={
        "kind": "examined", "at": timezone.now().isoformat(), "place": "Forensic lab", "reason": "Imaging"}, ok=201)


def _disclose(w) -> Call:
    item = _item(w)
    return Call("POST", f"/api/cases/{w.case.pk}/disclosures", json={
        "items": [item.pk], "fields": ["description"], "recipient": "Defence counsel", "recipient_kind": "defence",
        "purpose": "Disclosure before trial"}, ok=201)


EXAMPLES = {
    "list_evidence": lambda w: Call("GET", f"/api/cases/{w.case.pk}/evidence", query={"kind": "digital"}),
    "register_evidence": lambda w: Call(
        "POST", f"/api/cases/{w.case.pk}/evidence", files={"file": ("scan.txt", CONTENT)},
        data={"kind": "digital", "title": "Bank statement scan", "date_obtained": "2026-01-20",
              "providing_state": "CH"}, ok=201),
    "get_evidence": lambda w: Call("GET", f"/api/evidence/{_digital(w).pk}"),
    "list_custody_events": lambda w: Call("GET", f"/api/evidence/{_digital(w).pk}/custody"),
    "add_custody_event": _custody,
    "record_consent": _consent,
    "verify_evidence": lambda w: Call("POST", f"/api/evidence/{_digital(w).pk}/verify"),
    "get_verification_report": lambda w: Call("GET", f"/api/evidence/{_digital(w).pk}/report.json"),
    "get_verification_report_pdf": lambda w: Call("GET", f"/api/evidence/{_digital(w).pk}/report.pdf"),
    "export_evidence_uco": lambda w: Call("GET", f"/api/evidence/{_digital(w).pk}/case.jsonld"),
    "download_evidence": lambda w: Call("GET", f"/api/evidence/{_digital(w).pk}/content"),
    "list_disclosures": lambda w: Call("GET", f"/api/cases/{w.case.pk}/disclosures"),
    "create_disclosure": _disclose,
    "get_disclosure": lambda w: Call("GET", f"/api/disclosures/{w.extra['evidence']['disclosure'].pk}"),
    "download_disclosure_package": lambda w: Call(
        "GET", f"/api/disclosures/{w.extra['evidence']['disclosure'].pk}/package"),
    "get_disclosure_manifest": lambda w: Call(
        "GET", f"/api/disclosures/{w.extra['evidence']['disclosure'].pk}/manifest.json"),
}

WEB = {
    "evidence_case": ["list_evidence", "register_evidence", "list_disclosures"],
    "evidence_disclose": ["create_disclosure"],
    "evidence_item": ["get_evidence", "list_custody_events"],
    "evidence_custody_add": ["add_custody_event"],
    "evidence_consent_add": ["record_consent"],
    "evidence_check": ["verify_evidence"],
    "evidence_report_json": ["get_verification_report"],
    "evidence_report_pdf": ["get_verification_report_pdf"],
    "evidence_case_uco": ["export_evidence_uco"],
    "evidence_download": ["download_evidence"],
    "evidence_disclosure": ["get_disclosure"],
    "evidence_disclosure_package": ["download_disclosure_package"],
    "evidence_disclosure_manifest": ["get_disclosure_manifest"],
}
