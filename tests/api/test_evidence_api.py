"""The evidence API: the same rules and actions as the evidence pages (compartments, purposes, scopes, logged
reads), streaming uploads and downloads, custody, verification, CASE/UCO and disclosure packages."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile

import pytest
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.core.files.uploadedfile import SimpleUploadedFile

from comity.accounts.actions import do_create_token
from comity.audit.models import AuditEvent
from comity.evidence.models import CustodyEvent, Disclosure, EvidenceItem

PURPOSE = "Complaint DPA-2026-7 about the handling of this evidence"
SPOOLED: list[str] = []


class RecordingTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's own handler for uploads past FILE_UPLOAD_MAX_MEMORY_SIZE, noting that it was used."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        SPOOLED.append(self.file.temporary_file_path())


@pytest.fixture
def api(client, evidence_env):
    def make(user, scope="write"):
        _, raw = do_create_token(user, name="test", scope=scope, acting_user=user)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

        class Caller:
            def get(self, path, **kw):
                return client.get("/api" + path, **auth, **kw)

            def post(self, path, data=None, **kw):
                return client.post("/api" + path, json.dumps(data or {}), content_type="application/json",
                                   **auth, **kw)

            def upload(self, path, data, **kw):
                return client.post("/api" + path, data, **auth, **kw)
        return Caller()
    return make


def _form(**kw):
    out = {"kind": "digital", "title": "Bank statements", "date_obtained": "2026-01-15", "providing_state": "fr",
           "providing_authority": "Parquet national financier", "legal_basis": "CETS-030 Art 3"}
    out.update(kw)
    return out


def _now() -> str:
    from django.utils import timezone

    return timezone.now().isoformat()


def _body(r) -> bytes:
    return b"".join(r.streaming_content) if getattr(r, "streaming", False) else r.content


def _stored(root):
    store = root / "evidence"
    return sorted(p.name for p in store.rglob("*") if p.is_file()) if store.exists() else []


@pytest.fixture
def registered(api, case, caseworker):
    a = api(caseworker)
    content = b"statement line 2024\n" * 200

    r = a.upload(f"/cases/{case.pk}/evidence", _form(file=SimpleUploadedFile("statements.csv", content)))
    assert r.status_code == 201, r.content
    return r.json(), content


# --- the whole flow --------------------------------------------------------------------------------

def test_register_a_file_larger_than_memory_spools_to_disk_streams_and_round_trips(api, case, caseworker, settings,
                                                                                  evidence_env):
    settings.FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler",
                                     f"{__name__}.RecordingTemporaryFileUploadHandler"]
    SPOOLED.clear()
    content = os.urandom(settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 700_000)
    a = api(caseworker)
    r = a.upload(f"/cases/{case.pk}/evidence", _form(sha512="true", file=SimpleUploadedFile("dump.bin", content)))
    assert r.status_code == 201, r.content
    assert len(SPOOLED) == 1  # went through Django's temporary file, not memory
    item = r.json()
    assert item["sha256"] == hashlib.sha256(content).hexdigest()
    assert item["sha512"] == hashlib.sha512(content).hexdigest()
    assert item["size"] == len(content) and item["providing_state"] == "FR" and item["custody_events"] == 1
    assert r["ETag"]
    # stored encrypted: the plaintext is nowhere in the store
    stored = (evidence_env / "evidence" / EvidenceItem.objects.get(pk=item["id"]).storage_name).read_bytes()
    assert content[:64] not in stored
    # the download streams the decrypted file, once it authenticated in full; both are logged
    r = a.get(f"/evidence/{item['id']}/content")
    assert r.status_code == 200 and r.streaming
    assert r["Content-Type"] == "application/octet-stream" and r["Content-Length"] == str(len(content))
    assert 'filename="dump.bin"' in r["Content-Disposition"]
    assert _body(r) == content
    assert AuditEvent.objects.filter(event_type="access.evidence_download", via="api").count() == 1
    check = AuditEvent.objects.filter(event_type="evidence.integrity_checked", via="api").latest("seq")
    assert check.new_values["scope"] == "file" and check.new_values["ok"] is True
    assert AuditEvent.objects.filter(event_type="evidence.registered", via="api").count() == 1


def test_items_list_read_custody_consent_verify_reports_and_export(api, case, caseworker, supervisor, registered):
    item, _ = registered
    a = api(caseworker)
    physical = a.upload(f"/cases/{case.pk}/evidence", {"kind": "physical", "title": "Seized phone",
                                                      "description": "Black phone", "date_obtained": "2026-01-10",
                                                      "seal_numbers": "S-77", "location": "Safe 3"})
    assert physical.status_code == 201, physical.content
    assert physical.json()["kind"] == "physical" and physical.json()["sha256"] == ""

    r = a.get(f"/cases/{case.pk}/evidence", data={"sort": "-exhibit", "limit": 1})
    page = r.json()
    assert r.status_code == 200 and page["count"] == 2 and page["results"][0]["title"] == "Seized phone"
    nxt = a.get(f"/cases/{case.pk}/evidence", data={"sort": "-exhibit", "limit": 1, "cursor": page["next_cursor"]})
    assert nxt.json()["results"][0]["id"] == item["id"] and nxt.json()["next_cursor"] is None
    assert [i["id"] for i in a.get(f"/cases/{case.pk}/evidence", data={"kind": "digital"}).json()["results"]] == \
        [item["id"]]
    assert a.get(f"/cases/{case.pk}/evidence", data={"kind": "paper"}).status_code == 422
    assert AuditEvent.objects.filter(event_type="access.evidence_list", via="api").exists()

    r = a.get(f"/evidence/{item['id']}")
    assert r.status_code == 200 and r["ETag"] and r.json()["exhibit_number"] == item["exhibit_number"]
    tag = r["ETag"]

    # custody: add, list; the chain stays signed and linked
    r = a.post(f"/evidence/{item['id']}/custody", {"kind": "transferred", "at": _now(),
                                                   "place": "Lab", "reason": "Examination",
                                                   "to_user": supervisor.username})
    assert r.status_code == 201, r.content
    ev = r.json()
    assert ev["seq"] == 2 and ev["to_user"] == supervisor.username and len(ev["record_hash"]) == 64
    chain = a.get(f"/evidence/{item['id']}/custody").json()
    assert [e["seq"] for e in chain["results"]] == [1, 2] and chain["results"][1]["prev_hash"] == \
        chain["results"][0]["record_hash"]
    assert a.get(f"/evidence/{item['id']}/custody", data={"kind": "received"}).json()["count"] == 1

    # consent: guarded by If-Match
    r = a.post(f"/evidence/{item['id']}/consent", {"consent_reference": "Note 4/2026"})
    assert r.status_code == 428 and "If-Match" in r.json()["errors"]
    r = a.post(f"/evidence/{item['id']}/consent", {"consent_reference": "Note 4/2026"}, HTTP_IF_MATCH=tag)
    assert r.status_code == 200, r.content
    assert r.json()["consent_reference"] == "Note 4/2026" and r["ETag"] != tag
    r = a.post(f"/evidence/{item['id']}/consent", {"consent_reference": "Note 5/2026"}, HTTP_IF_MATCH=tag)
    assert r.status_code == 412 and r.json()["changed"] == {"consent_reference": "Note 4/2026"}
    assert EvidenceItem.objects.get(pk=item["id"]).consent_reference == "Note 4/2026"

    # verification: run now (members, write), JSON and PDF reports; each outcome logged
    r = a.post(f"/evidence/{item['id']}/verify")
    assert r.status_code == 200 and r.json()["ok"] is True, r.content
    r = a.get(f"/evidence/{item['id']}/report.json")
    assert r.status_code == 200 and r.json()["item"]["exhibit_number"] == item["exhibit_number"]
    r = a.get(f"/evidence/{item['id']}/report.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(event_type="evidence.integrity_checked", via="api",
                                     new_values__scope="full").count() == 3
    r = a.get(f"/evidence/{item['id']}")
    assert r.json()["integrity"]["ok"] is True and r.json()["integrity"]["scope"] == "full"
    r = a.get(f"/evidence/{item['id']}/case.jsonld")
    assert r.status_code == 200 and r["Content-Type"] == "application/ld+json" and "@context" in r.json()
    assert AuditEvent.objects.filter(event_type="access.evidence_case_export", via="api").count() == 1


def test_disclosure_package_create_read_download_and_manifest(api, case, caseworker, registered, evidence_env):
    from comity.evidence import crypto

    item, content = registered
    a = api(caseworker)
    r = a.post(f"/cases/{case.pk}/disclosures", {"items": [item["id"]], "fields": ["description", "file"],
                                                 "recipient": "Tribunal judiciaire de Paris",
                                                 "recipient_kind": "court", "recipient_state": "fr",
                                                 "purpose": "Trial file"})
    assert r.status_code == 201, r.content
    d = r.json()
    assert d["items"] == [item["exhibit_number"]] and d["recipient_state"] == "FR" and d["package_key"]
    assert a.get(f"/cases/{case.pk}/disclosures").json()["results"][0]["id"] == d["id"]
    assert a.get(f"/disclosures/{d['id']}").json()["package_sha256"] == d["package_sha256"]
    manifest = a.get(f"/disclosures/{d['id']}/manifest.json").json()
    assert manifest["items"][0]["exhibit_number"] == item["exhibit_number"]
    r = a.get(f"/disclosures/{d['id']}/package")
    assert r.status_code == 200 and r.streaming and r["Content-Type"] == "application/octet-stream"
    package = _body(r)
    assert hashlib.sha256(package).hexdigest() == d["package_sha256"]
    import base64

    plain = io.BytesIO()
    crypto.decrypt_stream(io.BytesIO(package), plain, base64.b64decode(d["package_key"]))
    plain.seek(0)
    with tarfile.open(fileobj=plain) as tar:
        f = tar.extractfile(f"files/{item['exhibit_number']}/statements.csv")
        assert f.read() == content
    # a "copied" custody event per item, and each read logged
    assert CustodyEvent.objects.filter(item_id=item["id"], kind="copied").count() == 1
    for what in ("evidence_disclosure_view", "evidence_disclosure_manifest", "evidence_disclosure_download"):
        assert AuditEvent.objects.filter(event_type=f"access.{what}", via="api").exists(), what


# --- the rules the web applies ----------------------------------------------------------------------

def _reads(item_id, disclosure_id, case_id):
    return [f"/cases/{case_id}/evidence", f"/cases/{case_id}/disclosures", f"/evidence/{item_id}",
            f"/evidence/{item_id}/custody", f"/evidence/{item_id}/report.json", f"/evidence/{item_id}/report.pdf",
            f"/evidence/{item_id}/case.jsonld", f"/evidence/{item_id}/content", f"/disclosures/{disclosure_id}",
            f"/disclosures/{disclosure_id}/package", f"/disclosures/{disclosure_id}/manifest.json"]


def _writes(item_id, case_id):
    return [(f"/evidence/{item_id}/custody", {"kind": "examined", "at": _now(),
                                              "place": "Lab", "reason": "Look"}),
            (f"/evidence/{item_id}/consent", {"consent_reference": "Note 1"}),
            (f"/evidence/{item_id}/verify", {}),
            (f"/cases/{case_id}/disclosures", {"items": [item_id], "recipient": "X", "recipient_kind": "court",
                                               "purpose": "Trial"})]


@pytest.fixture
def disclosure(registered, case, caseworker):
    from comity.evidence import actions

    item, _ = registered
    return actions.do_disclose_evidence(case, items=[EvidenceItem.objects.get(pk=item["id"])], fields=[],
                                        recipient="Defence", recipient_kind="defence", purpose="Trial",
                                        acting_user=caseworker)


def test_a_non_member_is_told_nothing_exists(api, case, outsider, registered, disclosure):
    item, _ = registered
    a = api(outsider)
    for path in _reads(item["id"], disclosure.pk, case.pk):
        r = a.get(path)
        assert r.status_code == 404, (path, r.status_code)
    for path, body in _writes(item["id"], case.pk):
        assert a.post(path, body, HTTP_IF_MATCH="*").status_code == 404, path
    assert a.upload(f"/cases/{case.pk}/evidence", _form(file=SimpleUploadedFile("x.txt", b"x"))).status_code == 404
    assert EvidenceItem.objects.count() == 1 and Disclosure.objects.count() == 1


def test_a_read_only_token_reads_but_cannot_write(api, case, caseworker, registered, disclosure):
    item, _ = registered
    a = api(caseworker, scope="read")
    for path in _reads(item["id"], disclosure.pk, case.pk):
        r = a.get(path)
        assert r.status_code == 200, (path, r.status_code, r.content[:200] if not r.streaming else "")
    for path, body in _writes(item["id"], case.pk):
        r = a.post(path, body, HTTP_IF_MATCH="*")
        assert r.status_code == 403, (path, r.status_code)
    assert a.upload(f"/cases/{case.pk}/evidence", _form(file=SimpleUploadedFile("x.txt", b"x"))).status_code == 403
    assert EvidenceItem.objects.count() == 1 and CustodyEvent.objects.count() == 2  # received + copied


def test_oversight_reads_only_with_a_stated_purpose_and_never_writes(api, case, oversight, registered, disclosure):
    item, _ = registered
    a = api(oversight, scope="write")
    for path in _reads(item["id"], disclosure.pk, case.pk):
        r = a.get(path)
        assert r.status_code == 422 and "purpose" in r.json()["errors"], path
    for path in _reads(item["id"], disclosure.pk, case.pk):
        r = a.get(path, data={"purpose": PURPOSE})
        assert r.status_code == 200, (path, r.status_code)
    logged = AuditEvent.objects.filter(category="access", via="api", actor=oversight).exclude(
        event_type="access.oversight_opened")
    assert logged.count() == 11 and all(logged.values_list("purpose", flat=True))  # each with the purpose
    for path, body in _writes(item["id"], case.pk):
        assert a.post(path, body, HTTP_IF_MATCH="*").status_code == 404, path


# --- bad input: the field named, nothing stored -----------------------------------------------------

def test_bad_registrations_name_the_field_and_store_nothing(api, case, caseworker, extradition, evidence_env,
                                                            make_user):
    from comity.cases import actions as case_actions

    a = api(caseworker)
    other = case_actions.do_create_case(title="Other", acting_user=caseworker)
    other_req = case_actions.do_create_request(other, kind="mla", direction="outgoing", subject="Records",
                                               requesting_state="IT", requested_state="CH",
                                               acting_user=caseworker)
    f = SimpleUploadedFile
    cases = [
        (_form(kind="paper", file=f("a.txt", b"a")), "kind"),
        (_form(), "file"),
        (_form(file=f("a.txt", b"")), "file"),
        (_form(date_obtained="2999-01-01", file=f("a.txt", b"a")), "date_obtained"),
        (_form(date_obtained="yesterday", file=f("a.txt", b"a")), "date_obtained"),
        (_form(providing_state="XX", file=f("a.txt", b"a")), "providing_state"),
        (_form(source_request=str(other_req.pk), file=f("a.txt", b"a")), "source_request"),
        (_form(title="", file=f("a.txt", b"a")), "title"),
        ({"kind": "physical", "title": "Phone", "date_obtained": "2026-01-01"}, "description"),
        ({"kind": "physical", "title": "Phone", "description": "x", "date_obtained": "2026-01-01",
          "file": f("a.txt", b"a")}, "file"),
    ]
    for data, field in cases:
        r = a.upload(f"/cases/{case.pk}/evidence", data)
        assert r.status_code == 422 and field in r.json()["errors"], (field, r.content)
    assert EvidenceItem.objects.count() == 0 and _stored(evidence_env) == []
    ok = a.upload(f"/cases/{case.pk}/evidence", _form(source_request=str(extradition.pk),
                                                      file=f("a.txt", b"a")))
    assert ok.status_code == 201 and ok.json()["source_request"] == extradition.reference


def test_bad_custody_and_disclosures_name_the_field(api, case, caseworker, registered, outsider):
    item, _ = registered
    a = api(caseworker)
    cases = [
        ({"kind": "lost", "at": _now(), "place": "Lab", "reason": "x"}, "kind"),
        ({"kind": "examined", "at": "soon", "place": "Lab", "reason": "x"}, "at"),
        ({"kind": "examined", "at": "2999-02-01T10:00:00", "place": "Lab", "reason": "x"}, "at"),
        ({"kind": "examined", "at": _now(), "place": "", "reason": "x"}, "place"),
        ({"kind": "transferred", "at": _now(), "place": "Lab", "reason": "x", "to_user": "ghost"},
         "to_user"),
        ({"kind": "transferred", "at": _now(), "place": "Lab", "reason": "x",
          "to_user": outsider.username}, "to_user"),
        ({"kind": "examined", "place": "Lab", "reason": "x"}, "at"),
    ]
    for body, field in cases:
        r = a.post(f"/evidence/{item['id']}/custody", body)
        assert r.status_code == 422 and field in r.json()["errors"], (field, r.content)
    assert CustodyEvent.objects.count() == 1
    base = {"items": [item["id"]], "recipient": "X", "recipient_kind": "court", "purpose": "Trial"}
    for body, field in [({**base, "fields": ["passport"]}, "fields"), ({**base, "items": [999999]}, "items"),
                        ({**base, "items": [2**80, -1]}, "items"),
                        ({**base, "items": []}, "items"), ({**base, "recipient_kind": "press"}, "recipient_kind"),
                        ({**base, "recipient_state": "ZZ"}, "recipient_state"), ({**base, "purpose": ""}, "purpose")]:
        r = a.post(f"/cases/{case.pk}/disclosures", body)
        assert r.status_code == 422 and any(k.split(".")[0] == field for k in r.json()["errors"]), (field, r.content)
    r = a.post(f"/evidence/{item['id']}/consent", {"consent_reference": ""}, HTTP_IF_MATCH="*")
    assert r.status_code == 422 and "consent_reference" in r.json()["errors"]
    assert Disclosure.objects.count() == 0


def test_a_use_limitation_refuses_the_disclosure_naming_items(api, case, caseworker):
    a = api(caseworker)
    r = a.upload(f"/cases/{case.pk}/evidence", _form(onward_disclosure_needs_consent="true",
                                                     file=SimpleUploadedFile("a.txt", b"abc")))
    item = r.json()
    r = a.post(f"/cases/{case.pk}/disclosures", {"items": [item["id"]], "recipient": "Ministry",
                                                 "recipient_kind": "authority", "purpose": "Forwarding"})
    assert r.status_code == 422 and "consent" in r.json()["errors"]["items"]
    tag = a.get(f"/evidence/{item['id']}")["ETag"]
    assert a.post(f"/evidence/{item['id']}/consent", {"consent_reference": "Note 9"},
                  HTTP_IF_MATCH=tag).status_code == 200
    r = a.post(f"/cases/{case.pk}/disclosures", {"items": [item["id"]], "recipient": "Ministry",
                                                 "recipient_kind": "authority", "purpose": "Forwarding"})
    assert r.status_code == 201, r.content


def test_a_damaged_file_is_refused_409_and_the_failed_check_logged(api, case, caseworker, registered,
                                                                   evidence_env):
    item, _ = registered
    path = evidence_env / "evidence" / EvidenceItem.objects.get(pk=item["id"]).storage_name
    data = bytearray(path.read_bytes())
    data[100] ^= 1
    path.write_bytes(bytes(data))
    r = api(caseworker).get(f"/evidence/{item['id']}/content")
    assert r.status_code == 409 and "file" in r.json()["errors"]
    check = AuditEvent.objects.filter(event_type="evidence.integrity_checked").latest("seq")
    assert check.new_values["ok"] is False and check.via == "api"
    assert not AuditEvent.objects.filter(event_type="access.evidence_download").exists()


def test_a_physical_exhibit_has_no_download(api, case, caseworker):
    a = api(caseworker)
    r = a.upload(f"/cases/{case.pk}/evidence", {"kind": "physical", "title": "Knife", "description": "Sealed",
                                               "date_obtained": "2026-01-10"})
    assert a.get(f"/evidence/{r.json()['id']}/content").status_code == 404


# --- streaming: memory does not grow with the file --------------------------------------------------

class _MultipartStream:
    """A multipart body of `size` generated bytes, read a block at a time (never held whole)."""

    def __init__(self, fields: dict, size: int, boundary: str = "comity-boundary-7"):
        head = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                        for k, v in fields.items())
        head += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n").encode()
        self.parts = [head, None, f"\r\n--{boundary}--\r\n".encode()]
        self.size, self.sent, self.part = size, 0, 0
        self.sha256 = hashlib.sha256()
        self.content_type = f"multipart/form-data; boundary={boundary}"
        self.block = hashlib.sha512(b"seed").digest() * 1024  # 64 KiB

    def __len__(self):
        return len(self.parts[0]) + self.size + len(self.parts[2])

    def read(self, n=-1):
        while self.part < 3:
            if self.part == 1:
                if self.sent < self.size:
                    k = min(len(self.block), self.size - self.sent, n if n and n > 0 else len(self.block))
                    chunk = self.block[:k]
                    self.block = self.block[k:] + self.block[:k]  # vary the content
                    self.sent += k
                    self.sha256.update(chunk)
                    return chunk
                self.part += 1
                continue
            data, self.parts[self.part] = self.parts[self.part], b""
            self.part += 1
            if data:
                return data
        return b""


@pytest.mark.django_db(transaction=True)
def test_a_50_mb_upload_streams_through_the_live_server_without_memory_growing_with_its_size(
        live_server, evidence_env, settings, make_user):
    import tracemalloc

    import requests

    from comity.cases import actions as case_actions

    settings.COMITY_MAX_EVIDENCE_BYTES = 64 * 1024 * 1024
    user = make_user("caseworker", "streamer")
    case = case_actions.do_create_case(title="Big files", acting_user=user)
    _, raw = do_create_token(user, name="t", scope="write", acting_user=user)
    url = f"{live_server.url}/api/cases/{case.pk}/evidence"
    fields = {"kind": "digital", "title": "Disk image", "date_obtained": "2026-01-15"}
    peaks = {}
    tracemalloc.start()
    try:
        for size in (5_000_000, 50_000_000):
            body = _MultipartStream(fields, size)
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            r = requests.post(url, data=body, timeout=300, headers={
                "Authorization": f"Bearer {raw}", "Content-Type": body.content_type})
            peaks[size] = tracemalloc.get_traced_memory()[1] - before
            assert r.status_code == 201, r.text[:500]
            assert r.json()["size"] == size and r.json()["sha256"] == body.sha256.hexdigest()
    finally:
        tracemalloc.stop()
    # A few 1 MiB chunks in flight, whatever the size: ten times the file, not ten times the memory.
    print("peak traced memory by upload size:", peaks)
    assert peaks[50_000_000] < 24 * 1024 * 1024, peaks
    assert peaks[50_000_000] < peaks[5_000_000] + 8 * 1024 * 1024, peaks
    # and the download streams back the same bytes
    item = EvidenceItem.objects.get(size=50_000_000)
    with requests.get(f"{live_server.url}/api/evidence/{item.pk}/content", stream=True, timeout=300,
                      headers={"Authorization": f"Bearer {raw}"}) as r:
        assert r.status_code == 200
        h = hashlib.sha256()
        for chunk in r.iter_content(1024 * 1024):
            h.update(chunk)
    assert h.hexdigest() == item.sha256
