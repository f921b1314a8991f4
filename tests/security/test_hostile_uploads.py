"""Hostile uploads through the real entry points: the case page's document form (Django test client), the API's
document upload (bearer token), the evidence register form, and `comity evidence register` (comity.cli.main).

Each hostile input ends in a clear error naming the field as the user sees it (form label "File", API field
`file`, CLI "error: file:"), never a server error, and leaves nothing behind: no row, no file in the data
folder, no audit event other than the read of the page shown again. Accepted uploads are kept as opaque
bytes, byte for byte: nothing (CSV, XML, zip) is ever parsed or opened. See docs/security/hostile-input.md."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from tests.security.hostile_support import (BILLION_LAUGHS, BOUNDED, CSV_FORMULA, HOSTILE_NAMES, RTL, XXE,
                                            hostile_bytes, snapshot, zip_bomb)

LIMIT = 4096


@pytest.fixture
def data(settings, tmp_path, monkeypatch):
    """A data folder of its own, a small upload limit, the evidence master key and a local TSA."""
    from comity.evidence import keys

    for var in ("COMITY_MASTER_KEY", "COMITY_MASTER_KEYS_RETIRED", "COMITY_TSA_URL"):
        monkeypatch.delenv(var, raising=False)
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.COMITY_EVIDENCE_DIR = tmp_path / "evidence"
    settings.COMITY_TSA_URL = ""
    settings.COMITY_MAX_UPLOAD_BYTES = LIMIT
    settings.COMITY_MAX_EVIDENCE_BYTES = LIMIT
    keys.init_master_key()
    return tmp_path


@pytest.fixture
def web(client, case, caseworker, data):
    client.force_login(caseworker)
    return client


@pytest.fixture
def token(caseworker, data):
    from comity.accounts.actions import do_create_token

    _, raw = do_create_token(caseworker, name="hostile", scope="write", acting_user=caseworker)
    return raw


BOUNDARY = "hostile-boundary-7f3a"


def multipart(name: str, content: bytes, **fields) -> bytes:
    """A multipart body carrying the file name exactly as a hostile client sends it (Django's test client
    would strip directories from it first). The name goes in RFC 5987 form (`filename*=UTF-8''…`), which
    Django decodes, so control and format characters reach the server as they are."""
    from urllib.parse import quote

    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
                 f"filename*=UTF-8''{quote(name, safe='')}\r\nContent-Type: application/octet-stream\r\n\r\n"
                 .encode() + content + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _web_upload(client, case, name, content, title=""):
    return client.post(f"/cases/{case.pk}/documents/", multipart(name, content, title=title),
                       content_type=f"multipart/form-data; boundary={BOUNDARY}")


def _api_upload(client, case, token, name, content):
    return client.post(f"/api/cases/{case.pk}/documents", multipart(name, content),
                       content_type=f"multipart/form-data; boundary={BOUNDARY}", HTTP_AUTHORIZATION=f"Bearer {token}")


def _page_text(resp) -> str:
    return resp.content.decode()


def _assert_refused_on_page(resp, label="File"):
    assert resp.status_code == 400, resp.status_code
    text = _page_text(resp)
    assert "Not saved." in text and f"{label}:" in text, text[:500]
    assert "Traceback" not in text


def _stored_names():
    from comity.cases.models import Document

    return list(Document.objects.values_list("filename", flat=True))


def _assert_safe_name(name: str):
    import unicodedata

    assert name and "/" not in name and "\\" not in name and name not in (".", "..") and len(name) <= 255
    assert not any(unicodedata.category(ch) == "Cc" for ch in name), repr(name)
    assert not any(ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\ufeff" for ch in name)


# --- size: zero bytes, exactly the limit, one byte over ---------------------------------------------------

def test_web_document_limit_is_exact(web, case, data):
    before = snapshot(data)
    _assert_refused_on_page(_web_upload(web, case, "empty.txt", b""))
    _assert_refused_on_page(_web_upload(web, case, "over.bin", b"x" * (LIMIT + 1)))
    assert snapshot(data) == before
    r = _web_upload(web, case, "exact.bin", b"y" * LIMIT)
    assert r.status_code == 302
    from comity.cases.models import Document

    assert Document.objects.get().size == LIMIT


def test_api_document_limit_is_exact(client, case, token, data):
    before = snapshot(data)
    for content, reason in ((b"", "empty"), (b"x" * (LIMIT + 1), str(LIMIT))):
        r = _api_upload(client, case, token, "f.bin", content)
        assert r.status_code == 422, r.content
        assert reason in r.json()["errors"]["file"]
    assert snapshot(data) == before
    r = _api_upload(client, case, token, "exact.bin", b"y" * LIMIT)
    assert r.status_code == 201 and r.json()["size"] == LIMIT


def test_evidence_form_limit_is_exact(web, case, data):
    form = {"kind": "digital", "title": "Dump", "date_obtained": "2026-01-15", "providing_state": "FR"}
    before = snapshot(data)
    for content in (b"", b"x" * (LIMIT + 1)):
        r = web.post(f"/evidence/cases/{case.pk}/", {**form, "file": SimpleUploadedFile("dump.bin", content)})
        assert r.status_code == 400 and "File" in _page_text(r) and "Traceback" not in _page_text(r)
    assert snapshot(data) == before
    r = web.post(f"/evidence/cases/{case.pk}/", {**form, "file": SimpleUploadedFile("dump.bin", b"z" * LIMIT)})
    assert r.status_code == 302
    from comity.evidence.models import EvidenceItem

    assert EvidenceItem.objects.get().size == LIMIT


# --- hostile file names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_on_the_web_form(web, case, data, name):
    """Refused naming the File field, or (Django strips directories before our code runs; it shortens names
    over 255 characters keeping the extension) kept under a safe bare name. Never a 500."""
    before = snapshot(data)
    r = _web_upload(web, case, name, b"content")
    assert r.status_code in (302, 400), r.status_code
    if r.status_code == 400:
        _assert_refused_on_page(r)
        assert snapshot(data) == before
    else:
        [stored] = _stored_names()
        _assert_safe_name(stored)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_over_the_api(client, case, token, data, name):
    before = snapshot(data)
    r = _api_upload(client, case, token, name, b"content")
    assert r.status_code in (201, 422), (r.status_code, r.content)
    if r.status_code == 422:
        body = r.json()
        assert "file" in (body.get("errors") or {}) or "file" in str(body.get("detail")), body
        assert snapshot(data) == before
    else:
        _assert_safe_name(r.json()["filename"])


def test_windows_device_names_are_refused_naming_the_field(web, client, case, token, data):
    """Names Windows cannot save (CON, NUL.txt, COM1.log, "prn.", "con .txt"): the download would fail or
    reach a device on a Windows desktop, so they are refused naming the field, on the web and the API."""
    before = snapshot(data)
    for name in ("CON", "nul.txt", "COM1.log", "aux.tar.gz", "prn.", "con .txt", "LPT9"):
        r = _web_upload(web, case, name, b"content")
        assert r.status_code == 400, (name, _stored_names())
        _assert_refused_on_page(r)
        assert "device name" in _page_text(r)
        r = _api_upload(client, case, token, name, b"content")
        assert r.status_code == 422 and "device name" in r.json()["errors"]["file"], (name, r.content)
    assert snapshot(data) == before


def test_spoofing_characters_never_reach_a_stored_name(web, client, case, token, data):
    """A right-to-left override that disguises "fdp.exe" as "exe.pdf", isolates and zero-width spaces:
    Django drops unprintable characters from uploaded names before our code runs, and filename_error refuses
    them wherever a name arrives otherwise (the CLI, the actions). Either way no stored name holds one."""
    from comity.cases import actions
    from comity.errors import InvalidInput
    from tests.evidence.conftest import RawUpload

    for name in (f"invoice{RTL}fdp.exe", "pay\u2066ment.pdf", "zero\u200bwidth.pdf", "bom\ufeff.pdf"):
        assert _web_upload(web, case, name, b"content").status_code in (302, 400)
        assert _api_upload(client, case, token, name, b"content").status_code in (201, 422)
        before = snapshot(data)
        with pytest.raises(InvalidInput) as exc:
            actions.do_upload_document(case, upload=RawUpload(name, b"content"), acting_user=case.memberships
                                       .first().user)
        assert "invisible or direction-changing" in exc.value.errors["file"]
        assert snapshot(data) == before
    for stored in _stored_names():
        _assert_safe_name(stored)


def test_cli_evidence_register_refuses_hostile_names(case, caseworker, data, tmp_path, capsys):
    from comity.cli import main
    from comity.evidence.models import EvidenceItem

    src_dir = tmp_path / "incoming"
    src_dir.mkdir()
    before = snapshot(data / "media", data / "evidence")
    for name in ("line\nbreak.bin", "esc\x1b[2J.bin", f"photo{RTL}gpj.exe", "CON", "nul.bin"):
        p = src_dir / name
        p.write_bytes(b"evidence bytes")
        code = main(["evidence", "register", case.reference, str(p), "--user", caseworker.username,
                     "--title", "Seized file", "--date-obtained", "2026-03-01"])
        err = capsys.readouterr().err
        assert code == 2 and "error: file:" in err and "Traceback" not in err, (name, err)
    missing = src_dir / ("y" * 250)
    code = main(["evidence", "register", case.reference, str(missing), "--user", caseworker.username,
                 "--title", "Seized file", "--date-obtained", "2026-03-01"])
    err = capsys.readouterr().err
    assert code == 2 and "error: file:" in err
    assert not EvidenceItem.objects.exists() and snapshot(data / "media", data / "evidence") == before


# --- contents: stored as opaque bytes, never parsed -------------------------------------------------------

@pytest.mark.parametrize("name,content", [("ledger.csv", CSV_FORMULA), ("lol.xml", BILLION_LAUGHS),
                                          ("xxe.xml", XXE), ("bomb.zip", None)])
def test_csv_xml_and_archives_are_kept_opaque(web, case, data, name, content, settings):
    """A formula-injection CSV, a billion-laughs XML, an external-entity XML and a zip bomb are stored and
    returned byte for byte as an octet-stream attachment: never parsed, expanded or extracted (the data
    folder holds exactly one new file, no bigger than the upload plus its encryption overhead)."""
    content = zip_bomb() if content is None else content
    settings.COMITY_MAX_UPLOAD_BYTES = max(LIMIT, len(content))
    before = snapshot(data)
    r = _web_upload(web, case, name, content)
    assert r.status_code == 302
    from comity.cases.models import Document

    doc = Document.objects.get()
    assert doc.sha256 == hashlib.sha256(content).hexdigest() and doc.size == len(content)
    after = snapshot(data)
    new = set(after["files"]) - set(before["files"])
    assert len(new) == 1 and after["files"][new.pop()] < len(content) + 4096
    resp = web.get(f"/cases/{case.pk}/documents/{doc.pk}/")
    assert resp.status_code == 200
    assert b"".join(resp.streaming_content) == content
    assert resp["Content-Type"] == "application/octet-stream"
    assert resp["Content-Disposition"].startswith("attachment")


@BOUNDED
@given(content=hostile_bytes(), name=st.text(min_size=1, max_size=40).map(lambda s: s + ".bin"))
def test_any_bytes_under_any_name_web(web, case, data, content, name):
    """Property: whatever the bytes and the name, the answer is a stored document whose hash matches, or a
    refusal naming the File field with nothing stored. Never a 500."""
    before = snapshot(data)
    r = _web_upload(web, case, name, content)
    assert r.status_code in (302, 400), r.status_code
    after = snapshot(data)
    if r.status_code == 400:
        _assert_refused_on_page(r)
        assert after == before
    else:
        assert after["documents"] == before["documents"] + 1
        from comity.cases.models import Document

        doc = Document.objects.order_by("-pk").first()
        assert doc.sha256 == hashlib.sha256(content).hexdigest()
        _assert_safe_name(doc.filename)


@BOUNDED
@given(content=hostile_bytes(), name=st.text(min_size=1, max_size=40))
def test_any_bytes_under_any_name_api(client, case, token, data, content, name):
    before = snapshot(data)
    r = _api_upload(client, case, token, name, content)
    assert r.status_code in (201, 422), (r.status_code, r.content[:300])
    if r.status_code == 422:
        assert snapshot(data) == before
    else:
        assert r.json()["sha256"] == hashlib.sha256(content).hexdigest()
        _assert_safe_name(r.json()["filename"])
