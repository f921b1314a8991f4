"""Disclosure with minimisation and use limitations; master key rotation."""

import io
import json
import tarfile

import pytest

from comity.audit.models import AuditEvent
from comity.errors import InvalidInput, NotAllowed
from comity.evidence import actions, crypto, keys, report
from comity.evidence.models import Disclosure, EvidenceItem

from .conftest import stored_files

pytestmark = pytest.mark.django_db


def _open_package(evidence_env, d):
    blob = (evidence_env / "evidence" / d.package_name).read_bytes()
    plain = b"".join(crypto.decrypt_chunks(io.BytesIO(blob), actions.package_key(d)))
    return tarfile.open(fileobj=io.BytesIO(plain))


def test_disclosure_needing_consent_is_refused_with_the_reason(register, evidence_env, case, caseworker):
    item = register(onward_disclosure_needs_consent=True)
    before = stored_files(evidence_env)
    with pytest.raises(InvalidInput) as exc:
        actions.do_disclose_evidence(case, items=[item], fields=["file"], recipient="Defence counsel for X",
                                     recipient_kind="defence", purpose="disclosure before trial",
                                     acting_user=caseworker)
    reason = exc.value.errors["items"]
    assert item.exhibit_number in reason and "consent of Parquet national financier" in reason
    assert "no consent is recorded" in reason
    assert not Disclosure.objects.exists() and stored_files(evidence_env) == before
    assert item.custody_events.count() == 1


def test_speciality_blocks_forwarding_to_another_authority_but_not_the_defence(register, case, caseworker):
    item = register(speciality=True)
    with pytest.raises(InvalidInput, match="speciality"):
        actions.do_disclose_evidence(case, items=[item], fields=[], recipient="Tax office", recipient_kind="authority",
                                     purpose="tax assessment", acting_user=caseworker)
    d = actions.do_disclose_evidence(case, items=[item], fields=[], recipient="Defence", recipient_kind="defence",
                                     purpose="trial", acting_user=caseworker)
    assert d.pk


def test_consent_lifts_the_block_and_the_package_is_minimised(register, evidence_env, case, caseworker):
    content = b"ledger line\n" * 50_000
    item = register(content=content, name="ledger.txt", onward_disclosure_needs_consent=True,
                    description="Seized ledger of company Z")
    physical = register(kind="physical", title="Seal bag", description="Bag with seal", seal_numbers="S-9",
                        content=None)
    actions.do_record_consent(item, consent_reference="FR note verbale 2026/114 of 2026-02-01", acting_user=caseworker)
    d = actions.do_disclose_evidence(case, items=[item, physical], fields=["file", "date_obtained"],
                                     recipient="Defence counsel for X", recipient_kind="defence",
                                     purpose="disclosure before trial", acting_user=caseworker)
    with _open_package(evidence_env, d) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
        body = tar.extractfile(f"files/{item.exhibit_number}/ledger.txt").read()
    assert names == ["manifest.json", f"files/{item.exhibit_number}/ledger.txt"]
    assert body == content
    listed = {m["exhibit_number"]: m for m in manifest["items"]}
    assert listed[item.exhibit_number]["hashes"]["sha256"] == item.sha256
    assert listed[item.exhibit_number]["date_obtained"] == "2026-01-15"
    assert "description" not in listed[item.exhibit_number]          # not chosen: not disclosed
    assert "seal_numbers" not in listed[physical.exhibit_number]
    assert "Seized ledger" not in json.dumps(manifest)
    assert manifest["recipient"] == "Defence counsel for X" and manifest["purpose"] == "disclosure before trial"
    import hashlib
    assert hashlib.sha256((evidence_env / "evidence" / d.package_name).read_bytes()).hexdigest() == d.package_sha256
    ev = AuditEvent.objects.get(event_type="evidence.disclosed")
    # The recipient and the purpose stay in the disclosure record (erased on disposal), not in the log.
    assert "Defence counsel" not in ev.leaf and "disclosure before trial" not in ev.leaf
    assert ev.new_values["recipient_kind"] == d.recipient_kind and d.recipient == "Defence counsel for X"
    assert ev.new_values["fields"] == ["file", "date_obtained"]
    copied = item.custody_events.order_by("-seq").first()
    assert copied.kind == "copied" and copied.to_party == "Defence counsel for X"
    assert report.verification_report(item)["ok"]


def test_disclosure_input_is_validated(register, case, caseworker):
    item = register()
    with pytest.raises(InvalidInput) as exc:
        actions.do_disclose_evidence(case, items=[], fields=["everything"], recipient="", recipient_kind="press",
                                     purpose="", acting_user=caseworker)
    assert set(exc.value.errors) == {"items", "fields", "recipient", "recipient_kind", "purpose"}
    assert item.custody_events.count() == 1


def test_a_tampered_file_is_not_disclosed(register, evidence_env, case, caseworker):
    item = register(content=b"a" * 10_000)
    path = evidence_env / "evidence" / item.storage_name
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 1
    path.write_bytes(bytes(blob))
    with pytest.raises(InvalidInput, match="failed authentication"):
        actions.do_disclose_evidence(case, items=[item], fields=["file"], recipient="Court", recipient_kind="court",
                                     purpose="trial", acting_user=caseworker)
    assert not Disclosure.objects.exists() and not list((evidence_env / "evidence" / "disclosures").iterdir())


def test_rotation_rewraps_and_every_file_stays_readable(register, evidence_env, case, caseworker, make_user):
    admin = make_user("admin", "root")
    contents = [b"first file\n" * 1000, b"second file\n" * 3000]
    items = [register(content=c, name=f"f{n}.txt") for n, c in enumerate(contents)]
    d = actions.do_disclose_evidence(case, items=items[:1], fields=["file"], recipient="Court",
                                     recipient_kind="court", purpose="trial", acting_user=caseworker)
    old_id = actions.keyring().current_id
    stored_before = {i.pk: (evidence_env / "evidence" / i.storage_name).read_bytes() for i in items}
    with pytest.raises(NotAllowed):
        actions.do_rotate_master_key(acting_user=caseworker)
    result = actions.do_rotate_master_key(acting_user=admin)
    assert result["items"] == 2 and result["signing_keys"] >= 1 and result["disclosures"] == 1
    keys.drop_retired_keys()  # the old master key is gone for good
    ring = actions.keyring()
    assert ring.current_id != old_id and ring.retired == []
    for item, content in zip(EvidenceItem.objects.order_by("pk"), contents):
        assert bytes(item.wrapped_key)[:16].decode() == ring.current_id
        with actions.open_plaintext(item) as plain:
            assert plain.read() == content
        # the file bodies were not re-encrypted
        assert (evidence_env / "evidence" / item.storage_name).read_bytes() == stored_before[item.pk]
        assert report.verification_report(item)["ok"]
    d.refresh_from_db()
    with _open_package(evidence_env, d) as tar:
        assert tar.extractfile(f"files/{items[0].exhibit_number}/f0.txt").read() == contents[0]
    # signing still works after rotation
    from django.utils import timezone
    actions.do_record_custody_event(EvidenceItem.objects.first(), kind="examined", at=timezone.now(), place="Lab",
                                    reason="after rotation", acting_user=caseworker)
    assert report.verification_report(EvidenceItem.objects.first())["ok"]


def test_rotation_with_the_key_in_the_environment(register, evidence_env, monkeypatch, make_user):
    admin = make_user("admin", "root")
    file_key = actions.keyring().current
    item = register(content=b"env rotation")
    new = crypto.new_key()
    monkeypatch.setenv("COMITY_MASTER_KEY", crypto.encode_key(new))
    monkeypatch.setenv("COMITY_MASTER_KEYS_RETIRED", crypto.encode_key(file_key))
    with pytest.raises(InvalidInput, match="COMITY_MASTER_KEY"):
        actions.do_rotate_master_key(acting_user=admin, generate=True)
    actions.do_rotate_master_key(acting_user=admin, generate=False)
    monkeypatch.delenv("COMITY_MASTER_KEYS_RETIRED")
    item.refresh_from_db()
    with actions.open_plaintext(item) as plain:
        assert plain.read() == b"env rotation"
