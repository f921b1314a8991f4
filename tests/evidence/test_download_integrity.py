"""Issue 13, finding 4: a corrupted evidence file used to download with HTTP 200 and a truncated body,
and the item page showed nothing wrong. The file is now authenticated whole before a byte is sent: a
file that does not verify is answered 409 with a page naming the exhibit and what failed, the failed
check is logged, and the item page shows the integrity status with the time of the last check."""

import os

import pytest

from comity.audit.models import AuditEvent
from comity.evidence import actions, crypto

pytestmark = pytest.mark.django_db

BIG = os.urandom(2 * crypto.DEFAULT_CHUNK + 12345)  # three chunks: damage in the second one


def _path(evidence_env, item):
    return evidence_env / "evidence" / item.storage_name


def _flip(path, offset):
    blob = bytearray(path.read_bytes())
    blob[offset] ^= 0x01
    path.write_bytes(bytes(blob))


def _body(resp) -> bytes:
    return b"".join(resp.streaming_content) if resp.streaming else resp.content


def _integrity_events(item):
    return AuditEvent.objects.filter(event_type="evidence.integrity_checked", object_id=str(item.pk)).order_by("seq")


def test_an_intact_file_downloads_whole_and_the_check_is_shown(register, login, caseworker, evidence_env):
    item = register(content=BIG, name="disk.img")
    c = login(caseworker)
    page = c.get(f"/evidence/items/{item.pk}/").content.decode()
    assert "Not checked yet" in page
    resp = c.get(f"/evidence/items/{item.pk}/download")
    assert resp.status_code == 200 and int(resp["Content-Length"]) == len(BIG)
    assert _body(resp) == BIG
    ev = _integrity_events(item).last()
    assert ev.new_values["ok"] is True and ev.new_values["scope"] == "file"
    page = c.get(f"/evidence/items/{item.pk}/").content.decode()
    assert 'id="integrity"' in page and "Verified" in page and "UTC" in page


@pytest.mark.parametrize("damage,expected", [
    ("flip-second-chunk", "failed authentication at chunk 1"),
    ("truncate-last-chunk", "chunk 2"),
    ("append", "chunk 2"),
    ("delete", "the stored file is missing"),
])
def test_a_damaged_file_is_refused_with_409_and_nothing_sent(register, login, caseworker, evidence_env, damage,
                                                             expected):
    item = register(content=BIG, name="disk.img")
    path = _path(evidence_env, item)
    if damage == "flip-second-chunk":
        _flip(path, 16 + crypto.DEFAULT_CHUNK + 16 + 500)
    elif damage == "truncate-last-chunk":
        os.truncate(path, path.stat().st_size - 100)
    elif damage == "append":
        with open(path, "ab") as f:
            f.write(b"\0" * 40)
    else:
        path.unlink()
    c = login(caseworker)
    resp = c.get(f"/evidence/items/{item.pk}/download")
    body = _body(resp)
    assert resp.status_code == 409
    assert BIG[:1000] not in body  # not a byte of the evidence
    text = body.decode()
    assert item.exhibit_number in text and expected in text
    ev = _integrity_events(item).last()
    assert ev.new_values["ok"] is False and ev.category == "security"
    assert not AuditEvent.objects.filter(event_type="access.evidence_download").exists()
    page = c.get(f"/evidence/items/{item.pk}/").content.decode()
    assert "Integrity check failed" in page and expected in page
    listing = c.get(f"/evidence/cases/{item.case_id}/").content.decode()
    assert "Check failed" in listing


def test_a_file_replaced_under_the_same_key_is_refused(register, login, caseworker, evidence_env):
    """Someone holding the master key re-encrypts other content: it authenticates, but the hash differs."""
    item = register(content=BIG, name="disk.img")
    data_key = actions.keyring().unwrap(bytes(item.wrapped_key), item.storage_name)
    import io
    with open(_path(evidence_env, item), "wb") as sink:
        crypto.encrypt_stream(io.BytesIO(b"something else entirely"), sink, data_key)
    resp = login(caseworker).get(f"/evidence/items/{item.pk}/download")
    assert resp.status_code == 409 and "differs from its registration" in _body(resp).decode()


def test_a_member_can_run_a_full_check_from_the_item_page(register, login, caseworker, evidence_env, colleague):
    item = register(content=b"small file")
    c = login(caseworker)
    resp = c.post(f"/evidence/items/{item.pk}/check/")
    assert resp.status_code == 302
    page = c.get(f"/evidence/items/{item.pk}/").content.decode()
    assert "Verified" in page and "full verification" in page
    _flip(_path(evidence_env, item), 20)
    c.post(f"/evidence/items/{item.pk}/check/")
    page = c.get(f"/evidence/items/{item.pk}/").content.decode()
    assert "Integrity check failed" in page and "full verification" in page
    assert [e.new_values["ok"] for e in _integrity_events(item)] == [True, False]


def test_the_check_button_is_for_members_only(register, login, outsider, oversight, case):
    item = register(content=b"small file")
    assert login(outsider).post(f"/evidence/items/{item.pk}/check/").status_code == 404
    assert not _integrity_events(item).exists()
