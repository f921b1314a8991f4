"""Data at rest (issue 13, finding 5): what Comity writes under its data folder is readable by its own
account only, case documents are encrypted like evidence, and second-factor secrets are not kept in clear."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import stat
import subprocess
import sys

import pyotp
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from comity.cases import actions

PLAIN = b"Mutual legal assistance request: bank records of Plantedova, account CH93-0076-2011-6238-5295-7\n" * 40


@pytest.fixture
def data_dir(settings, tmp_path, monkeypatch):
    """A data folder of this test's own: keys, documents and evidence under tmp_path."""
    for var in ("COMITY_MASTER_KEY", "COMITY_MASTER_KEYS_RETIRED", "COMITY_TSA_URL", "COMITY_MFA_KEY"):
        monkeypatch.delenv(var, raising=False)
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.COMITY_EVIDENCE_DIR = tmp_path / "evidence"
    settings.COMITY_TSA_URL = ""
    return tmp_path


def _upload(case, user, content=PLAIN, name="mlat-request.txt"):
    return actions.do_upload_document(case, upload=SimpleUploadedFile(name, content, content_type="text/plain"),
                                      acting_user=user)


def _on_disk(data_dir, doc):
    return (data_dir / "media" / doc.file.name).read_bytes()


def _api_get(client, user, path):
    from comity.accounts.actions import do_create_token

    _, raw = do_create_token(user, name="t", scope="read", acting_user=user)
    return client.get("/api" + path, HTTP_AUTHORIZATION=f"Bearer {raw}")


# --- file permissions --------------------------------------------------------------------------------

_INSTANCE = r"""
import io, json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "comity.settings"
from comity.cli import main
main(["init", "--json"])          # migrate, evidence master key, first administrator with TOTP
import django
from django.core.files.uploadedfile import SimpleUploadedFile
from comity.accounts.models import User
from comity.audit.actions import do_sign_tree_head
from comity.cases import actions
from comity.evidence.actions import do_register_evidence
from comity.oversight import seal

admin = User.objects.get(username="admin")
case = actions.do_create_case(title="Permissions", summary="", acting_user=admin)
actions.do_upload_document(case, upload=SimpleUploadedFile("a.txt", b"a document"), acting_user=admin)
class Up(io.BytesIO):
    name, size, content_type = "e.bin", 200, "application/octet-stream"
do_register_evidence(case, kind="digital", title="Phone", date_obtained="2026-01-15", upload=Up(b"e" * 200),
                     acting_user=admin)
do_sign_tree_head(via="cli")
seal.seal("identity", "seal-1")
data = os.environ["COMITY_DATA_DIR"]
modes = {}
for root, dirs, files in os.walk(data):
    for n in dirs + files:
        p = os.path.join(root, n)
        modes[os.path.relpath(p, data)] = os.lstat(p).st_mode
modes["."] = os.lstat(data).st_mode
print("MODES=" + json.dumps(modes))   # printed while the database connection (and its WAL) is open
"""


def _run(args, env, **kw):
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=180, check=False,
                          preexec_fn=lambda: os.umask(0o022), **kw)  # a permissive umask, as many shells have


def test_everything_written_under_the_data_folder_is_private(tmp_path):
    data = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMITY_", "DATABASE_URL"))}
    env["COMITY_DATA_DIR"] = str(data)
    r = _run([sys.executable, "-c", _INSTANCE], env)
    assert r.returncode == 0, r.stderr[-3000:]
    modes = json.loads(r.stdout.split("MODES=", 1)[1])
    for expected in ("comity.sqlite3", "comity.sqlite3-wal", "comity.sqlite3-shm", "evidence_master.keys",
                     "ledger_key.pem", "seal_key", "secret_key", "media", "evidence", "tsa"):
        assert expected in modes, f"{expected} was not written: {sorted(modes)}"
    assert any(p.startswith(os.path.join("media", "cases")) and stat.S_ISREG(m) for p, m in modes.items())
    exposed = {p: oct(stat.S_IMODE(m)) for p, m in modes.items()
               if not p.startswith("static") and stat.S_IMODE(m) & 0o077}
    assert exposed == {}, f"readable by other accounts: {exposed}"

    # An operator's copy (made with a permissive umask) is reported by `comity check`, naming the file.
    leaked = data / "media" / "copied-by-hand.txt"
    leaked.write_text("x")
    leaked.chmod(0o644)
    r = _run([sys.executable, "-c", "import sys; from comity.cli import main; sys.exit(main(['check']))"], env)
    assert "copied-by-hand.txt" in r.stdout + r.stderr and "0644" in r.stdout + r.stderr, r.stdout + r.stderr


def test_system_check_warns_about_readable_files(data_dir):
    from comity import datadir

    (data_dir / "media").mkdir(mode=0o700)
    db_copy = data_dir / "comity.sqlite3"
    db_copy.write_bytes(b"SQLite format 3\x00")
    db_copy.chmod(0o600)
    assert [m for m in datadir.permissions_check() if m.id == "datadir.W001"] == []
    db_copy.chmod(0o644)
    (data_dir / "media").chmod(0o755)
    msgs = [m for m in datadir.permissions_check() if m.id == "datadir.W001"]
    assert len(msgs) == 1 and "comity.sqlite3 (0644)" in msgs[0].msg and "media (0755)" in msgs[0].msg
    assert "chmod -R go-rwx" in msgs[0].hint


# --- case documents encrypted at rest -----------------------------------------------------------------

def test_uploaded_document_is_encrypted_on_disk_and_downloads_in_clear(data_dir, case, login, caseworker):
    c = login(caseworker)
    resp = c.post(f"/cases/{case.pk}/documents/", {"file": SimpleUploadedFile("mlat-request.txt", PLAIN),
                                                   "title": "Request"})
    assert resp.status_code == 302
    doc = case.documents.get()
    raw = _on_disk(data_dir, doc)
    assert b"Plantedova" not in raw and b"CH93-0076" not in raw and len(raw) > len(PLAIN)
    assert doc.sha256 == hashlib.sha256(PLAIN).hexdigest() and doc.size == len(PLAIN)  # hashes of the plaintext
    page = c.get(f"/cases/{case.pk}/documents/{doc.pk}/")
    assert page.status_code == 200 and b"".join(page.streaming_content) == PLAIN
    assert int(page["Content-Length"]) == len(PLAIN)
    api = _api_get(Client(), caseworker, f"/cases/{case.pk}/documents/{doc.pk}/content")
    assert api.status_code == 200 and b"".join(api.streaming_content) == PLAIN
    with doc.file.open("rb") as f:  # Django's File API: read, seek and read again
        assert f.read(20) == PLAIN[:20]
        f.seek(len(PLAIN) - 5)
        assert f.read() == PLAIN[-5:]
    assert doc.file.size == len(PLAIN)


def test_a_document_of_several_chunks_reads_seeks_and_refuses_truncation(data_dir, case, caseworker):
    from comity.cases.storage import DocumentCorrupted

    content = os.urandom(1024 * 1024 * 2 + 12345)  # three chunks of the CEV1 format (1 MiB each)
    doc = _upload(case, caseworker, content=content, name="scan.bin")
    assert doc.file.size == len(content)
    with doc.file.open("rb") as f:
        f.seek(1024 * 1024 - 10)
        assert f.read(20) == content[1024 * 1024 - 10:1024 * 1024 + 10]  # across a chunk boundary
        f.seek(0)
        assert hashlib.sha256(f.read()).hexdigest() == doc.sha256
    path = data_dir / "media" / doc.file.name
    raw = path.read_bytes()
    path.write_bytes(raw[:len(raw) - (12345 + 16)])  # the last chunk dropped: ends on a chunk boundary
    doc.refresh_from_db()
    with pytest.raises(DocumentCorrupted, match="integrity check"):
        doc.file.open("rb")


def test_generated_documents_and_memos_are_encrypted_too(data_dir, case, extradition, supervisor):
    from comity.assessments.actions import do_export_memo, do_save_assessment

    snap = do_save_assessment(extradition, acting_user=supervisor, facts={
        "kind": "extradition", "requesting_state": "IT", "requested_state": "CH",
        "offences": [{"description": "fraud", "max_penalty_months": 60}]})
    do_export_memo(snap, fmt="docx", acting_user=supervisor)
    doc = case.documents.get()
    raw = _on_disk(data_dir, doc)
    assert not raw.startswith(b"PK") and b"word/document.xml" not in raw
    with doc.file.open("rb") as f:
        assert f.read().startswith(b"PK")


def test_a_tampered_document_is_refused_with_a_clear_error(data_dir, case, caseworker, login):
    doc = _upload(case, caseworker)
    path = data_dir / "media" / doc.file.name
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))
    api = _api_get(Client(), caseworker, f"/cases/{case.pk}/documents/{doc.pk}/content")
    assert api.status_code == 409, api.status_code
    body = api.json()
    assert "failed its integrity check" in body["errors"]["file"]
    # Truncated after the first chunk: refused before any byte is sent, not a short 200.
    path.write_bytes(bytes(raw[:200]))
    api = _api_get(Client(), caseworker, f"/cases/{case.pk}/documents/{doc.pk}/content")
    assert api.status_code == 409 and "integrity" in api.json()["errors"]["file"]
    # On the web: a page that says what failed, with status 409 (not the generic server error).
    page = login(caseworker).get(f"/cases/{case.pk}/documents/{doc.pk}/")
    assert page.status_code == 409 and "failed its integrity check" in page.content.decode()
    assert doc.sha256 in page.content.decode()


def test_a_file_moved_to_another_document_does_not_open(data_dir, case, caseworker):
    from comity.cases.storage import DocumentCorrupted

    a = _upload(case, caseworker, content=b"first document " * 100, name="a.txt")
    b = _upload(case, caseworker, content=b"second document " * 100, name="b.txt")
    (data_dir / "media" / b.file.name).write_bytes(_on_disk(data_dir, a))
    b.refresh_from_db()
    with pytest.raises(DocumentCorrupted):
        b.file.open("rb")


def test_legacy_plaintext_files_still_read_and_get_encrypted_in_place(data_dir, case, caseworker):
    from comity.audit.models import AuditEvent
    from comity.cases.models import Document
    from comity.cases.storage import encrypt_legacy_documents

    # A document stored by an earlier version: the file in clear under its random name.
    name = f"cases/{case.pk}/0123456789abcdef0123456789abcdef"
    path = data_dir / "media" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(PLAIN)
    doc = Document.objects.create(case=case, title="Old", filename="old.txt", file=name,
                                  sha256=hashlib.sha256(PLAIN).hexdigest(), size=len(PLAIN), uploaded_by=caseworker)
    with doc.file.open("rb") as f:
        assert f.read() == PLAIN
    # A legacy file whose bytes no longer match the hash recorded at upload is refused, not served.
    path.write_bytes(PLAIN.replace(b"Plantedova", b"Somebodyel"))
    doc = Document.objects.get(pk=doc.pk)
    from comity.cases.storage import DocumentCorrupted
    with pytest.raises(DocumentCorrupted):
        doc.file.open("rb")
    path.write_bytes(PLAIN)

    result = encrypt_legacy_documents(acting_user=None)
    assert result["encrypted"] == 1 and result["mismatched"] == 0
    assert b"Plantedova" not in path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = Document.objects.get(pk=doc.pk)
    with doc.file.open("rb") as f:
        assert f.read() == PLAIN
    assert encrypt_legacy_documents(acting_user=None)["encrypted"] == 0  # idempotent
    logged = AuditEvent.objects.filter(event_type="document.files_encrypted").order_by("seq")
    assert [e.new_values["encrypted"] for e in logged] == [1, 0]


def test_key_rotation_rewraps_document_keys(data_dir, case, caseworker, make_user):
    from comity.audit.models import AuditEvent
    from comity.evidence import actions as evidence
    from comity.evidence import keys

    admin = make_user("admin", "root")
    doc = _upload(case, caseworker)
    old_id = keys.load_keyring().current_id
    before = _on_disk(data_dir, doc)
    result = evidence.do_rotate_master_key(acting_user=admin)
    assert result["documents"] == 1
    ev = AuditEvent.objects.filter(event_type="evidence.master_key_rotated").latest("seq")
    assert ev.new_values["documents"] == 1
    keys.drop_retired_keys()  # the old master key is gone for good
    after = _on_disk(data_dir, doc)
    assert keys.load_keyring().current_id != old_id and old_id.encode() in before and old_id.encode() not in after
    assert len(after) == len(before) and after[-1000:] == before[-1000:]  # only the wrapped key changed
    doc.refresh_from_db()
    with doc.file.open("rb") as f:
        assert f.read() == PLAIN


# --- second-factor secrets ----------------------------------------------------------------------------

def _database_text() -> str:
    """Every row of every table, as text: what a copy of the database would reveal."""
    from django.db import connection

    out = []
    with connection.cursor() as cur:
        for table in connection.introspection.table_names():
            cur.execute(f'SELECT * FROM "{table}"')
            out.append(repr(cur.fetchall()))
    return "\n".join(out)


def _password_step(client, user):
    return client.post("/accounts/login/", {"login": user.username, "password": "correct-horse-battery-42"})


def test_totp_secrets_and_recovery_seeds_are_not_stored_in_clear(data_dir, make_user):
    from allauth.mfa.models import Authenticator

    user = make_user("caseworker")
    text = _database_text()
    assert user.totp_secret not in text
    seed = Authenticator.objects.get(user=user, type="recovery_codes").data["seed"]
    assert seed.startswith("cmfa1:")
    for code in user.recovery_codes:
        assert code not in text
    key = data_dir / "mfa_key"
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    # Signing in with the TOTP code still works, and so does a recovery code.
    c = Client()
    assert "/accounts/2fa/authenticate/" in _password_step(c, user)["Location"]
    assert c.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(user.totp_secret).now()}).status_code == 302
    assert c.get("/").status_code == 200
    c2 = Client()
    _password_step(c2, user)
    assert c2.post("/accounts/2fa/authenticate/", {"code": user.recovery_codes[0]}).status_code == 302
    assert c2.get("/").status_code == 200


def test_enrolment_through_the_pages_stores_the_secret_encrypted(data_dir, make_user):
    from allauth.mfa.models import Authenticator

    user = make_user("caseworker", mfa=False)
    c = Client()
    _password_step(c, user)
    try:  # first enrolment needs the one-time code an administrator issued (tests/accounts/test_enrolment.py)
        from comity.accounts.actions import do_issue_enrolment_code
    except ImportError:
        pass
    else:
        _, code = do_issue_enrolment_code(user, acting_user=None, via="cli")
        assert c.post("/accounts/2fa/totp/activate/", {"enrolment_code": code}).status_code == 302
    secret = c.get("/accounts/2fa/totp/activate/").context["form"].secret
    assert c.post("/accounts/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert secret not in _database_text()


def test_migration_encrypts_secrets_stored_by_earlier_versions(data_dir, make_user):
    from allauth.mfa.models import Authenticator
    from django.apps import apps

    from comity.accounts.mfa_adapter import MFASecretError, decrypt_secret

    migration = importlib.import_module("comity.accounts.migrations.0003_encrypt_mfa_secrets")
    user = make_user("caseworker", mfa=False)
    secret = pyotp.random_base32(32)
    Authenticator.objects.create(user=user, type="totp", data={"secret": secret})            # as allauth stored it
    Authenticator.objects.create(user=user, type="recovery_codes",
                                 data={"seed": "ab" * 40, "used_mask": 0, "migrated_codes": ["12345678"]})
    with pytest.raises(MFASecretError, match="stored in clear"):
        decrypt_secret(secret)
    migration.encrypt_secrets(apps, None)
    assert secret not in _database_text() and "12345678" not in _database_text()
    migration.encrypt_secrets(apps, None)  # running it twice changes nothing
    totp = Authenticator.objects.get(user=user, type="totp")
    assert decrypt_secret(totp.data["secret"]) == secret
    c = Client()
    _password_step(c, user)
    assert c.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert c.get("/").status_code == 200
