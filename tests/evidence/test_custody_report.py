"""Custody events and the verification report: a clean chain verifies; tampering with the stored
file or with any custody record, a wrong key, a changed token and a custody gap are each reported."""

import datetime as dt

import pytest
from django.utils import timezone

from comity.audit.models import AuditEvent
from comity.errors import InvalidInput
from comity.evidence import actions, keys, report, signing
from comity.evidence.models import CustodyEvent, UserSigningKey

pytestmark = pytest.mark.django_db


def _now():
    """Custody happens after registration (now) and in order: each call is later than the last."""
    return timezone.now()


@pytest.fixture
def chain(register, caseworker, colleague):
    """Registered by the caseworker, handed to the prosecutor, received and examined."""
    item = register()
    actions.do_record_custody_event(item, kind="transferred", at=_now(), place="Central authority, Rome",
                                    reason="for forensic examination", to_user=colleague, acting_user=caseworker)
    actions.do_record_custody_event(item, kind="received", at=_now(), place="Forensic lab", reason="examination",
                                    from_user=caseworker, acting_user=colleague)
    actions.do_record_custody_event(item, kind="examined", at=_now(), place="Forensic lab",
                                    reason="hash check and triage", acting_user=colleague)
    return item


def test_a_clean_chain_verifies(chain):
    r = report.verification_report(chain)
    assert r["ok"], r
    assert r["file"]["ok"] and r["file"]["now"]["sha256"] == chain.sha256
    assert [e["kind"] for e in r["custody"]] == ["received", "transferred", "received", "examined"]
    assert all(e["signature_ok"] and e["timestamp"]["ok"] and e["chain_ok"] for e in r["custody"])
    assert r["custody_gaps"] == []
    assert r["use_limitations"]["providing_state"] == "FR"


def test_tampered_ciphertext_is_reported(chain, evidence_env):
    path = evidence_env / "evidence" / chain.storage_name
    blob = bytearray(path.read_bytes())
    blob[100] ^= 0x40
    path.write_bytes(bytes(blob))
    r = report.verification_report(chain)
    assert not r["ok"] and not r["file"]["ok"]
    assert "failed authentication at chunk 0" in r["file"]["reason"]


def test_deleted_file_is_reported(chain, evidence_env):
    (evidence_env / "evidence" / chain.storage_name).unlink()
    r = report.verification_report(chain)
    assert not r["ok"] and "missing" in r["file"]["reason"]


@pytest.mark.parametrize("column,value", [
    ("place", "Somewhere else"), ("reason", "edited"), ("at", "shift"), ("kind", "copied"), ("to_party", "Mallory"),
])
def test_tampering_with_any_custody_record_is_detected(chain, column, value):
    ev = chain.custody_events.get(seq=2)
    if value == "shift":
        value = ev.at - dt.timedelta(hours=1)
    CustodyEvent.objects.filter(pk=ev.pk).update(**{column: value})
    r = report.verification_report(chain)
    assert not r["ok"]
    bad = r["custody"][1]
    assert not bad["signature_ok"] and not bad["record_hash_ok"] and not bad["timestamp"]["ok"]
    assert r["custody"][0]["ok"] and r["custody"][3]["ok"]


def test_the_item_hash_is_part_of_every_signature(chain):
    type(chain).objects.filter(pk=chain.pk).update(sha256="0" * 64)
    chain.refresh_from_db()
    r = report.verification_report(chain)
    assert not r["ok"] and not any(e["signature_ok"] for e in r["custody"])


def test_a_deleted_event_breaks_the_chain(chain):
    CustodyEvent.objects.filter(item=chain, seq=2).delete()
    r = report.verification_report(chain)
    assert not r["ok"]
    assert any("link to the previous event" in p for p in r["custody"][1]["problems"])


def test_an_event_re_signed_with_the_wrong_key_fails(chain, outsider):
    ev = chain.custody_events.get(seq=3)
    payload = signing.canonical(actions.custody_payload(ev))
    private, public = signing.generate()
    CustodyEvent.objects.filter(pk=ev.pk).update(signature=signing.sign(private, payload))
    r = report.verification_report(chain)
    assert not r["custody"][2]["signature_ok"] and not r["ok"]
    # Swapping in another user's registered key does not help either.
    ring = actions.keyring()
    with __import__("django.db").db.transaction.atomic():
        other = actions.signing_key_for(outsider, ring)
    CustodyEvent.objects.filter(pk=ev.pk).update(signing_key=other)
    assert not report.verification_report(chain)["custody"][2]["signature_ok"]


def test_a_modified_timestamp_token_fails(chain):
    ev = chain.custody_events.get(seq=4)
    token = bytearray(bytes(ev.timestamp_token))
    token[-3] ^= 0x01
    CustodyEvent.objects.filter(pk=ev.pk).update(timestamp_token=bytes(token))
    r = report.verification_report(chain)
    assert not r["custody"][3]["timestamp"]["ok"] and r["custody"][3]["signature_ok"] and not r["ok"]


def test_a_token_from_another_authority_fails(chain, evidence_env):
    import shutil
    shutil.rmtree(evidence_env / "tsa")  # the instance's authority is replaced: old tokens no longer chain to it
    r = report.verification_report(chain)
    assert not r["ok"] and all("not trusted" in e["timestamp"]["reason"] for e in r["custody"])


def test_received_without_hand_over_is_a_gap(register, caseworker, colleague, make_user, case, supervisor):
    from comity.cases import actions as case_actions
    third = make_user("prosecutor", "third")
    case_actions.do_grant_membership(case, third, acting_user=supervisor)
    item = register()
    actions.do_record_custody_event(item, kind="transferred", at=_now(), place="Rome", reason="to the lab",
                                    to_user=colleague, acting_user=caseworker)
    actions.do_record_custody_event(item, kind="received", at=_now(), place="Milan", reason="picked up",
                                    from_user=caseworker, acting_user=third)
    r = report.verification_report(item)
    assert not r["ok"]
    assert r["custody_gaps"] == [{"seq": 3, "reason": "received by third but nobody handed the item over to them"}]
    assert all(e["signature_ok"] for e in r["custody"])  # the records are genuine; the chain has a hole


def test_acts_by_someone_not_holding_the_item_are_gaps(register, caseworker, colleague):
    item = register()
    actions.do_record_custody_event(item, kind="examined", at=_now(), place="Lab", reason="look",
                                    acting_user=colleague)
    r = report.verification_report(item)
    assert r["custody_gaps"] == [{"seq": 2, "reason": "examined by pros who did not hold the item"}]


def test_custody_input_is_validated(register, caseworker, outsider):
    item = register()
    with pytest.raises(InvalidInput) as exc:
        actions.do_record_custody_event(item, kind="teleported", at=timezone.now() + dt.timedelta(days=1), place="",
                                        reason="", acting_user=caseworker)
    assert set(exc.value.errors) >= {"kind", "at", "place", "reason"}
    with pytest.raises(InvalidInput) as exc:
        actions.do_record_custody_event(item, kind="transferred", at=_now(), place="x", reason="y",
                                        acting_user=caseworker)
    assert "to whom" in exc.value.errors["to_user"]
    with pytest.raises(InvalidInput) as exc:
        actions.do_record_custody_event(item, kind="transferred", at=_now(), place="x", reason="y",
                                        to_user=outsider, acting_user=caseworker)
    assert "not a member" in exc.value.errors["to_user"]
    actions.do_record_custody_event(item, kind="disposed", at=_now(), place="x", reason="court order",
                                    acting_user=caseworker)
    with pytest.raises(InvalidInput, match="disposed"):
        actions.do_record_custody_event(item, kind="examined", at=_now(), place="x", reason="y",
                                        acting_user=caseworker)
    assert item.custody_events.count() == 2


def test_events_must_be_recorded_in_time_order(register, caseworker):
    item = register()
    with pytest.raises(InvalidInput) as exc:
        actions.do_record_custody_event(item, kind="examined", at=timezone.now() - dt.timedelta(days=1),
                                        place="x", reason="y", acting_user=caseworker)
    assert "before the previous custody event" in exc.value.errors["at"]


def test_each_user_gets_one_signing_key_with_the_private_part_encrypted(chain, caseworker, colleague):
    keys_ = UserSigningKey.objects.filter(user__in=[caseworker, colleague])
    assert keys_.count() == 2
    for k in keys_:
        assert len(bytes(k.public_key)) == 32 and len(bytes(k.wrapped_private_key)) == 16 + 12 + 32 + 16
    assert AuditEvent.objects.filter(event_type="evidence.signing_key_created").count() == 2


def test_pdf_report(chain):
    import io

    from pypdf import PdfReader
    pdf = report.report_pdf(report.verification_report(chain))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert chain.exhibit_number in text and "all checks pass" in text and "Custody gaps" in text


def test_pdf_report_names_the_problem(chain, evidence_env):
    import io

    from pypdf import PdfReader
    CustodyEvent.objects.filter(item=chain, seq=2).update(place="forged")
    pdf = report.report_pdf(report.verification_report(chain))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "PROBLEMS FOUND" in text and "INVALID" in text


def test_the_local_tsa_is_created_once_under_data_dir(chain, evidence_env):
    assert (evidence_env / "tsa" / "tsa_cert.pem").exists()
    assert len(keys.trusted_tsa_certs()) == 1
