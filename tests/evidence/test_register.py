"""Registering evidence: streaming hash and encryption, the first signed custody event, and bad input
refused with the field named and nothing stored."""

import datetime as dt
import hashlib
import os
import subprocess
import threading

import pytest

from comity.audit.models import AuditEvent
from comity.errors import InvalidInput, NotFound
from comity.evidence import actions, keys
from comity.evidence.models import CustodyEvent, EvidenceItem

from .conftest import RawUpload, stored_files

pytestmark = pytest.mark.django_db


def test_digital_item_is_hashed_encrypted_and_received(register, evidence_env, caseworker, case):
    content = os.urandom(3 * 1024 * 1024 + 5)
    item = register(content=content, name="phone-dump.bin", sha512=True)
    assert item.exhibit_number.startswith("EV-") and item.size == len(content)
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.sha512 == hashlib.sha512(content).hexdigest()
    stored = (evidence_env / "evidence" / item.storage_name).read_bytes()
    assert stored.startswith(b"CEV1") and content[:4096] not in stored  # encrypted at rest
    with actions.open_plaintext(item) as plain:
        assert plain.read() == content
    ev = item.custody_events.get()
    assert (ev.kind, ev.to_user, ev.from_party, ev.seq) == ("received", caseworker, "Parquet national financier", 1)
    types = list(AuditEvent.objects.filter(case_id=case.pk).values_list("event_type", flat=True))
    assert "evidence.registered" in types and "evidence.custody_recorded" in types
    assert stored_files(evidence_env) == [item.storage_name]  # no temporary file left


def test_referenced_file_with_sha512_matches_coreutils(register, tmp_path):
    src = tmp_path / "seized.img"
    src.write_bytes(os.urandom(5 * 1024 * 1024 + 3))
    item = register(source_path=src, sha512=True)
    assert item.filename == "seized.img"
    run = lambda tool: subprocess.run([tool, str(src)], capture_output=True, text=True, check=True).stdout.split()[0]
    assert (item.sha256, item.sha512) == (run("sha256sum"), run("sha512sum"))


def test_physical_exhibit(register):
    item = register(kind="physical", title="Laptop", description="Grey laptop, serial X1", seal_numbers="FR-0012",
                    location="Evidence room B, shelf 4")
    assert item.kind == "physical" and not item.storage_name and item.custody_events.count() == 1


def _nothing_stored(evidence_env):
    assert EvidenceItem.objects.count() == 0 and CustodyEvent.objects.count() == 0
    assert stored_files(evidence_env) == []


@pytest.mark.parametrize("name,content,reason", [
    ("empty.bin", b"", "empty"),
    ("../../etc/passwd", b"x", "path separators"),
    ("..", b"x", "relative path"),
    ("bad\x07name.txt", b"x", "control characters"),
    ("nul\x00.txt", b"x", "control characters"),
])
def test_bad_files_are_refused_naming_the_field(register, evidence_env, name, content, reason):
    with pytest.raises(InvalidInput) as exc:
        register(content=content, name=name)
    assert reason in exc.value.errors["file"]
    _nothing_stored(evidence_env)


def test_over_the_limit_is_refused(register, evidence_env, settings, case, caseworker):
    settings.COMITY_MAX_EVIDENCE_BYTES = 1000
    with pytest.raises(InvalidInput) as exc:
        register(content=b"x" * 1001)
    assert "limit is 1000 bytes" in exc.value.errors["file"]

    lying = RawUpload("big.bin", b"y" * 5000)
    lying.size = 10  # a client that understates the size is stopped while the file streams
    with pytest.raises(InvalidInput) as exc:
        actions.do_register_evidence(case, kind="digital", title="t", date_obtained="2026-01-01", upload=lying,
                                     acting_user=caseworker)
    assert "limit of 1000 bytes" in exc.value.errors["file"]
    _nothing_stored(evidence_env)


def test_empty_referenced_file_is_refused(register, evidence_env, tmp_path):
    empty = tmp_path / "empty.bin"
    empty.touch()
    with pytest.raises(InvalidInput, match="empty"):
        register(source_path=empty)
    _nothing_stored(evidence_env)


def test_a_file_that_changes_while_read_is_refused(register, evidence_env, tmp_path):
    src = tmp_path / "growing.log"
    src.write_bytes(os.urandom(48 * 1024 * 1024))
    stop = threading.Event()

    def keep_writing():
        with open(src, "ab") as f:
            while not stop.is_set():
                f.write(b"new line\n")
                f.flush()
                stop.wait(0.001)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        with pytest.raises(InvalidInput) as exc:
            register(source_path=src, content=None)
    finally:
        stop.set()
        writer.join()
    assert "changed while it was being read" in exc.value.errors["file"]
    _nothing_stored(evidence_env)


def test_missing_master_key_is_a_clear_error(register, evidence_env):
    keys.keyring_path().unlink()
    with pytest.raises(InvalidInput) as exc:
        register()
    assert "COMITY_MASTER_KEY" in exc.value.errors["master_key"] and "evidence_init_key" in exc.value.errors["master_key"]
    _nothing_stored(evidence_env)


def test_a_failure_after_the_file_is_stored_leaves_nothing(register, evidence_env, settings):
    settings.COMITY_TSA_URL = "http://127.0.0.1:9/tsa"  # the time-stamping authority is down
    with pytest.raises(InvalidInput) as exc:
        register()
    assert "time-stamping authority" in exc.value.errors["timestamp"]
    _nothing_stored(evidence_env)
    assert not AuditEvent.objects.filter(event_type="evidence.registered").exists()


def test_field_validation(register, evidence_env, extradition, make_user, supervisor):
    from comity.cases import actions as case_actions
    other = case_actions.do_create_case(title="Other", acting_user=supervisor)
    other_req = case_actions.do_create_request(other, kind="mla", direction="outgoing", subject="x",
                                               requesting_state="IT", requested_state="FR", acting_user=supervisor)
    with pytest.raises(InvalidInput) as exc:
        register(kind="bogus", title="", date_obtained=(dt.date.today() + dt.timedelta(days=3)).isoformat(),
                 providing_state="XX", source_request=other_req)
    e = exc.value.errors
    assert set(e) >= {"kind", "title", "date_obtained", "providing_state", "source_request"}
    assert "future" in e["date_obtained"] and "another case" in e["source_request"]
    with pytest.raises(InvalidInput) as exc:
        register(kind="physical", description="", content=None)
    assert "description" in exc.value.errors
    _nothing_stored(evidence_env)


def test_non_member_cannot_register(evidence_env, case, outsider):
    with pytest.raises(NotFound):
        actions.do_register_evidence(case, kind="physical", title="x", description="y", date_obtained="2026-01-01",
                                     acting_user=outsider)
