"""Issue 13, finding 2: the chain of custody and the item's registration are anchored in the audit log,
and verification compares them. Deleting the last custody events, editing an item's descriptive text
or deleting an item used to pass `comity evidence verify`; each must now fail, naming what is wrong,
while legitimate changes (consent recorded, a disclosure, a master-key rotation) keep passing and a
disposed case's erased text is reported as erased, not as tampering."""

import hashlib
import hmac
import json

import pytest
from django.db import transaction
from django.utils import timezone

from comity.audit.models import AuditEvent
from comity.evidence import actions, cli, report
from comity.evidence.models import CustodyEvent, Disclosure, EvidenceItem

pytestmark = pytest.mark.django_db


def _run(capsys, *argv):
    code = cli.run(cli.build_parser().parse_args(list(argv)))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def chain(register, caseworker, colleague):
    item = register(description="Statements of the account of Mario Rossi", seal_numbers="S-1",
                    purpose_limitation="only for the fraud proceedings")
    actions.do_record_custody_event(item, kind="transferred", at=timezone.now(), place="Central authority",
                                    reason="for examination", to_user=colleague, acting_user=caseworker)
    actions.do_record_custody_event(item, kind="received", at=timezone.now(), place="Lab", reason="examination",
                                    from_user=caseworker, acting_user=colleague)
    actions.do_record_custody_event(item, kind="examined", at=timezone.now(), place="Lab", reason="triage",
                                    acting_user=colleague)
    return item


def _text(r) -> str:
    return json.dumps(r)


def test_an_untouched_chain_verifies_with_its_anchors(chain):
    r = report.verification_report(chain)
    assert r["ok"], _text(r)
    assert r["anchors"]["ok"] and r["anchors"]["logged_events"] == 4
    assert r["descriptive"]["status"] == "matches"
    assert r["register"]["ok"]


@pytest.mark.parametrize("n", [1, 2])
def test_deleting_the_last_custody_events_is_detected(chain, caseworker, capsys, n):
    last = chain.custody_events.order_by("-seq").values_list("seq", flat=True)[:n]
    CustodyEvent.objects.filter(item=chain, seq__in=list(last)).delete()
    r = report.verification_report(chain)
    assert not r["ok"]
    assert any("missing from the register" in p for p in r["anchors"]["problems"]), r["anchors"]
    code, out, _ = _run(capsys, "verify", chain.exhibit_number, "--user", caseworker.username)
    assert code == 1 and "PROBLEMS FOUND" in out and "missing from the register" in out


DESCRIPTIVE_EDITS = [
    ("title", "Statements (edited)"), ("description", "Statements of someone else"), ("seal_numbers", "S-2"),
    ("location", "Vault 9"), ("providing_authority", "Another authority"), ("legal_basis", "none"),
    ("purpose_limitation", ""), ("consent_reference", "forged consent"), ("filename", "other.csv"),
    ("speciality", True),
]


class _Undo(Exception):
    pass


def test_editing_the_descriptive_fields_is_detected(chain, caseworker, capsys):
    for field, value in DESCRIPTIVE_EDITS:  # one set-up, each edit rolled back after its check
        try:
            with transaction.atomic():
                EvidenceItem.objects.filter(pk=chain.pk).update(**{field: value})
                chain.refresh_from_db()
                r = report.verification_report(chain)
                assert not r["ok"] and r["descriptive"]["status"] == "differs", (field, r["descriptive"])
                code, out, _ = _run(capsys, "verify", chain.exhibit_number, "--user", caseworker.username)
                assert code == 1 and "descriptive fields differ from their registration" in out, field
                raise _Undo
        except _Undo:
            pass
    chain.refresh_from_db()
    assert report.verification_report(chain)["ok"]


def test_the_log_holds_a_keyed_hash_not_a_guessable_one(chain):
    ev = AuditEvent.objects.get(event_type="evidence.registered", object_id=str(chain.pk))
    logged = ev.new_values["descriptive_hmac"]
    assert len(logged) == 64 and "Rossi" not in ev.leaf and "Statements" not in ev.leaf
    # Not a plain hash of the fields: someone who guesses the text cannot confirm the guess.
    plain = actions.descriptive_canonical(chain)
    assert logged != hashlib.sha256(plain).hexdigest()
    assert logged != hmac.new(b"", plain, hashlib.sha256).hexdigest()


def test_recording_consent_anchors_the_new_text(register, caseworker):
    item = register(onward_disclosure_needs_consent=True)
    actions.do_record_consent(item, consent_reference="FR note verbale 2026/114", acting_user=caseworker)
    item.refresh_from_db()
    assert report.verification_report(item)["ok"]
    ev = AuditEvent.objects.filter(event_type="evidence.consent_recorded").latest("seq")
    assert len(ev.new_values["descriptive_hmac"]) == 64


def test_a_deleted_item_is_detected_by_the_case_and_instance_checks(chain, register, caseworker, capsys):
    other = register(title="Second item")
    number = chain.exhibit_number
    CustodyEvent.objects.filter(item=chain).delete()
    EvidenceItem.objects.filter(pk=chain.pk).delete()
    r = report.verification_report(other)
    assert not r["ok"] and not r["register"]["ok"]
    assert any(number in p and "missing from the register" in p for p in r["register"]["problems"])
    code, out, _ = _run(capsys, "verify", "--all", "--user", caseworker.username)
    assert code == 1 and number in out and "missing from the register" in out


def test_verify_all_passes_on_an_untouched_instance(chain, register, caseworker, case, capsys):
    register(kind="physical", title="Seal bag", description="Bag", content=None)
    actions.do_disclose_evidence(case, items=[chain], fields=["file"], recipient="Defence counsel",
                                 recipient_kind="defence", purpose="trial", acting_user=caseworker)
    code, out, _ = _run(capsys, "verify", "--all", "--user", caseworker.username)
    assert code == 0, out
    assert "2 items" in out and "PROBLEMS" not in out
    code, out, _ = _run(capsys, "verify", "--all", "--user", caseworker.username, "--json")
    assert code == 0 and json.loads(out)["ok"] is True


def test_an_inserted_custody_event_is_detected(chain, caseworker):
    """A well-formed, signed and time-stamped event that never went through the action (no audit event)."""
    ring = actions.keyring()
    with transaction.atomic():
        ev = actions._prepare_custody(chain, ring, kind="examined", actor=chain.registered_by, at=timezone.now(),
                                      place="Nowhere", reason="forged")
        ev.save()
    r = report.verification_report(chain)
    assert not r["ok"] and any("not in the audit log" in p for p in r["anchors"]["problems"])


def test_a_changed_registered_hash_is_detected_against_the_log(chain):
    EvidenceItem.objects.filter(pk=chain.pk).update(sha512="ab" * 64)
    chain.refresh_from_db()
    r = report.verification_report(chain)
    assert not r["ok"] and any("sha512" in p for p in r["anchors"]["problems"])


def test_a_deleted_disclosure_is_detected(chain, case, caseworker, capsys):
    d = actions.do_disclose_evidence(case, items=[chain], fields=[], recipient="Court of Rome",
                                     recipient_kind="court", purpose="trial", acting_user=caseworker)
    assert report.verification_report(chain)["ok"]
    Disclosure.objects.filter(pk=d.pk).delete()
    r = report.verification_report(chain)
    assert not r["ok"] and any("disclosure" in p and "missing" in p for p in r["register"]["problems"])


def test_a_master_key_rotation_keeps_everything_verifiable(chain, make_user):
    admin = make_user("admin", "root")
    actions.do_rotate_master_key(acting_user=admin)
    actions.do_drop_retired_keys(acting_user=admin)
    chain.refresh_from_db()
    assert report.verification_report(chain)["ok"]


def test_a_disposed_item_says_its_text_was_erased_not_tampered(chain, case, supervisor, colleague,
                                                              django_capture_on_commit_callbacks):
    from comity.cases import actions as case_actions
    from comity.oversight import actions as oversight_actions

    actions.do_record_custody_event(chain, kind="returned", at=timezone.now(), place="Rome", reason="returned",
                                    to_party="Parquet national financier", acting_user=colleague)
    case_actions.do_close_case(case, reason="Proceedings ended", acting_user=supervisor)
    with django_capture_on_commit_callbacks(execute=True):  # the files go once the disposal commits
        disposal = oversight_actions.do_dispose_case(case, reason="Retention period over, proceedings ended",
                                                     acting_user=supervisor, confirm_early=True)
    chain.refresh_from_db()
    r = report.verification_report(chain)
    day = disposal.disposed_at.date().isoformat()
    assert r["descriptive"]["status"] == "erased"
    assert r["descriptive"]["reason"] == f"descriptive text erased on disposal ({day})"
    assert r["file"]["reason"].startswith(f"the file was deleted on disposal ({day})")
    assert all("erased on disposal" in e["erased_note"] for e in r["custody"])
    assert r["ok"], _text(r)
    # The record of what existed still holds: deleting an event of a disposed item is still detected.
    CustodyEvent.objects.filter(item=chain, seq=5).delete()
    assert not report.verification_report(chain)["ok"]


def test_a_faked_disposal_does_not_excuse_erased_text(chain):
    """Blanking the text without a disposal recorded in the log is tampering, not erasure."""
    EvidenceItem.objects.filter(pk=chain.pk).update(title=actions.DISPOSED, description="", seal_numbers="")
    chain.refresh_from_db()
    r = report.verification_report(chain)
    assert not r["ok"] and r["descriptive"]["status"] == "differs"


def test_verify_all_keeps_to_what_each_reader_may_see(chain, register, caseworker, outsider, make_user, capsys):
    """Members get their cases in full; an administrator gets the whole register against the log, which
    names exhibits and counts only; anyone else sees nothing of other cases."""
    admin = make_user("admin", "root")
    number = chain.exhibit_number
    CustodyEvent.objects.filter(item=chain).delete()
    EvidenceItem.objects.filter(pk=chain.pk).delete()
    code, out, _ = _run(capsys, "verify", "--all", "--user", admin.username)
    assert code == 1 and "whole instance" in out and f"{number} was registered" in out
    assert "Bank statements" not in out and "0 items" in out
    code, out, _ = _run(capsys, "verify", "--all", "--user", outsider.username)
    assert code == 0 and number not in out and "0 items" in out
