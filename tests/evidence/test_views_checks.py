"""Evidence pages: members only (others get 404), reads logged; the master-key system check."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comity.audit.models import AuditEvent
from comity.evidence import crypto, keys
from comity.evidence.models import EvidenceItem

pytestmark = pytest.mark.django_db


URLS = ["/evidence/cases/{case}/", "/evidence/cases/{case}/disclose/", "/evidence/items/{item}/",
        "/evidence/items/{item}/report.json", "/evidence/items/{item}/report.pdf",
        "/evidence/items/{item}/case.jsonld", "/evidence/items/{item}/download"]


@pytest.mark.parametrize("url", URLS)
def test_non_members_get_404_and_oversight_is_asked_for_a_purpose(register, case, login, outsider, oversight, url):
    item = register()
    assert login(outsider).get(url.format(case=case.pk, item=item.pk)).status_code == 404
    assert login(outsider).get(url.format(case=999999, item=999999)).status_code == 404
    r = login(oversight).get(url.format(case=case.pk, item=item.pk))
    if "disclose" in url:  # a write form: members only
        assert r.status_code == 404
    else:  # the one compartment rule: oversight reads with a stated purpose
        assert r.status_code == 302 and r["Location"] == f"/cases/{case.pk}/purpose/"


def test_oversight_reads_evidence_under_its_stated_purpose_and_cannot_write(register, case, login, oversight):
    item = register(content=b"hello evidence")
    c = login(oversight)
    purpose = "Complaint DPA-2026-7: was the ledger handled lawfully?"
    assert c.post(f"/cases/{case.pk}/purpose/", {"purpose": purpose}).status_code == 302
    page = c.get(f"/evidence/items/{item.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and item.exhibit_number in html
    assert "Record a custody event" not in html and "only members of the case record custody events" in html
    read = AuditEvent.objects.filter(event_type="access.evidence_view", actor=oversight).latest("seq")
    assert read.purpose_text == purpose
    listing = c.get(f"/evidence/cases/{case.pk}/").content.decode()
    assert item.exhibit_number in listing and "Register an item" not in listing
    r = c.post(f"/evidence/items/{item.pk}/custody/", {"kind": "examined", "at": "2026-01-16T10:00",
                                                       "place": "Lab", "reason": "look"})
    assert r.status_code == 404 and item.custody_events.count() == 1


@pytest.mark.parametrize("url,what", [(URLS[0], "evidence_list"), (URLS[2], "evidence_view"),
                                      (URLS[3], "evidence_report"), (URLS[4], "evidence_report"),
                                      (URLS[5], "evidence_case_export"), (URLS[6], "evidence_download")])
def test_member_reads_are_logged(register, case, login, caseworker, url, what):
    item = register(content=b"hello evidence")
    resp = login(caseworker).get(url.format(case=case.pk, item=item.pk))
    assert resp.status_code == 200
    body = b"".join(resp.streaming_content) if resp.streaming else resp.content
    if what == "evidence_download":
        assert body == b"hello evidence"
    if url.endswith("report.pdf"):
        assert body.startswith(b"%PDF")
    ev = AuditEvent.objects.filter(event_type=f"access.{what}").last()
    assert ev.actor == caseworker and ev.case_id == case.pk and ev.category == "access"


def test_register_custody_and_disclose_through_the_pages(evidence_env, case, login, caseworker, colleague):
    c = login(caseworker)
    resp = c.post(f"/evidence/cases/{case.pk}/", {
        "kind": "digital", "title": "Emails", "date_obtained": "2026-02-01", "providing_state": "DE",
        "onward_disclosure_needs_consent": "1", "file": SimpleUploadedFile("mails.mbox", b"From: a\n" * 100)})
    assert resp.status_code == 302
    item = EvidenceItem.objects.get()
    resp = c.post(f"/evidence/items/{item.pk}/custody/", {"kind": "transferred", "at": "2099-01-01T10:00",
                                                          "place": "x", "reason": "y", "to_user": colleague.username})
    assert resp.status_code == 400 and "is in the future" in resp.content.decode()
    from django.utils import timezone
    resp = c.post(f"/evidence/items/{item.pk}/custody/", {
        "kind": "transferred", "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M:%S.%f"), "place": "Rome",
        "reason": "to the lab", "to_user": colleague.username})
    assert resp.status_code == 302 and item.custody_events.count() == 2
    resp = c.post(f"/evidence/cases/{case.pk}/disclose/", {"items": [str(item.pk)], "fields": ["file"],
                                                          "recipient": "Defence", "recipient_kind": "defence",
                                                          "purpose": "trial"})
    assert resp.status_code == 400 and "consent" in resp.content.decode()
    c.post(f"/evidence/items/{item.pk}/consent/", {"consent_reference": "DE letter of 2026-03-01"})
    resp = c.post(f"/evidence/cases/{case.pk}/disclose/", {"items": [str(item.pk)], "fields": ["file"],
                                                          "recipient": "Defence", "recipient_kind": "defence",
                                                          "purpose": "trial"})
    assert resp.status_code == 302
    page = c.get(resp["Location"])
    assert page.status_code == 200 and "Package key" in page.content.decode()
    from comity.evidence.models import Disclosure
    d = Disclosure.objects.get()
    package = c.get(f"/evidence/disclosures/{d.pk}/package")
    import hashlib
    assert hashlib.sha256(b"".join(package.streaming_content)).hexdigest() == d.package_sha256
    assert c.get(f"/evidence/disclosures/{d.pk}/manifest.json").json()["recipient"] == "Defence"
    assert login(colleague).get(f"/evidence/disclosures/{d.pk}/").status_code == 200
    assert AuditEvent.objects.filter(event_type="access.evidence_disclosure_download", actor=caseworker).exists()


def test_disclosure_pages_are_members_only(evidence_env, register, case, caseworker, login, outsider):
    from comity.evidence import actions
    d = actions.do_disclose_evidence(case, items=[register()], fields=[], recipient="Court", recipient_kind="court",
                                     purpose="trial", acting_user=caseworker)
    for suffix in ("", "package", "manifest.json"):
        assert login(outsider).get(f"/evidence/disclosures/{d.pk}/{suffix}").status_code == 404


def test_bad_upload_through_the_page_names_the_field(evidence_env, case, login, caseworker):
    resp = login(caseworker).post(f"/evidence/cases/{case.pk}/", {
        "kind": "digital", "title": "Empty", "date_obtained": "2026-02-01", "file": SimpleUploadedFile("e.bin", b"")})
    assert resp.status_code == 400 and "file" in resp.content.decode() and not EvidenceItem.objects.exists()


def _check_ids():
    return [m.id for m in keys.master_key_check()]


def test_system_check(evidence_env, monkeypatch, settings):
    assert _check_ids() == []
    keys.keyring_path().unlink()
    assert _check_ids() == ["evidence.W001"]  # fresh instance: a warning until the key is created
    store = evidence_env / "evidence"
    store.mkdir(exist_ok=True)
    (store / "x.cev").write_bytes(b"CEV1")
    assert _check_ids() == ["evidence.E001"]  # an instance holding evidence must not start without its key
    monkeypatch.setenv("COMITY_MASTER_KEY", "QUJD")  # valid base64, 3 bytes
    msgs = keys.master_key_check()
    assert [m.id for m in msgs] == ["evidence.E001"] and "32 bytes" in msgs[0].msg
    monkeypatch.setenv("COMITY_MASTER_KEY", crypto.encode_key(os.urandom(32)))
    assert _check_ids() == []


def test_init_key_command(evidence_env):
    from django.core.management import CommandError, call_command
    with pytest.raises(CommandError, match="already exists"):
        call_command("evidence_init_key")
    keys.keyring_path().unlink()
    out = io.StringIO()
    call_command("evidence_init_key", stdout=out)
    assert "Created" in out.getvalue() and keys.keyring_path().stat().st_mode & 0o077 == 0


def test_providing_state_is_picked_by_name_and_a_wrong_name_is_refused(evidence_env, case, login, caseworker):
    c = login(caseworker)
    form = c.get(f"/evidence/cases/{case.pk}/").content.decode()
    assert '<option value="Germany (DE)">' in form
    resp = c.post(f"/evidence/cases/{case.pk}/", {
        "kind": "physical", "title": "Bank letter", "description": "Letter from the bank", "place": "Registry safe", "date_obtained": "2026-02-01", "providing_state": "Britain"})
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "<b>Providing State</b>: no State is called “Britain”" in page and "United Kingdom (GB)" in page
    assert not EvidenceItem.objects.exists()
    resp = c.post(f"/evidence/cases/{case.pk}/", {
        "kind": "physical", "title": "Bank letter", "description": "Letter from the bank", "place": "Registry safe", "date_obtained": "2026-02-01",
        "providing_state": "Germany (DE)"})
    assert resp.status_code == 302
    assert EvidenceItem.objects.get().providing_state == "DE"


def test_evidence_form_errors_name_the_field_as_labelled_and_keep_the_input(evidence_env, case, login, caseworker):
    resp = login(caseworker).post(f"/evidence/cases/{case.pk}/", {
        "kind": "physical", "title": "Bank letter", "date_obtained": "2026-02-01", "place": "Registry safe"})
    page = resp.content.decode()
    assert resp.status_code == 400
    assert "<b>Description</b>: is required" in page and "<b>description</b>" not in page
    assert 'value="Bank letter"' in page  # what the user typed is kept
