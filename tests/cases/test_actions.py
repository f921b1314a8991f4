"""Actions: the audited write path, lifecycle guards, legal clocks and bad input."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from comity.audit.models import AuditEvent
from comity.cases import actions
from comity.cases.models import Case, CooperationRequest, Deadline, Document, Entity, Transition
from comity.errors import InvalidInput, NotAllowed, NotFound


def _counts():
    return (Case.objects.count(), CooperationRequest.objects.count(), Transition.objects.count(),
            Deadline.objects.count(), Entity.objects.count(), Document.objects.count(), AuditEvent.objects.count())


def test_creating_a_case_records_an_audit_event_and_makes_the_creator_a_member(supervisor):
    case = actions.do_create_case(title="Harbour Lights", acting_user=supervisor)
    ev = AuditEvent.objects.filter(case_id=case.pk, event_type="case.created").get()
    assert ev.actor == supervisor and ev.new_values["reference"] == case.reference
    assert actions.is_member(case, supervisor)


def test_audit_event_is_rolled_back_with_the_change(supervisor):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            actions.do_create_case(title="Rolled back", acting_user=supervisor)
            raise RuntimeError("boom")
    assert AuditEvent.objects.count() == before
    assert not Case.objects.filter(title="Rolled back").exists()


@pytest.mark.django_db(transaction=True)
def test_audit_record_outside_a_transaction_is_refused(supervisor):
    from comity import audit

    with pytest.raises(RuntimeError):
        audit.record("x.y", actor=supervisor)


def test_transition_moves_status_records_history_and_starts_the_article_16_clocks(extradition, supervisor):
    day = timezone.localdate() - dt.timedelta(days=3)
    actions.do_transition_request(extradition, "request_provisional_arrest", acting_user=supervisor,
                                  effective_date=day - dt.timedelta(days=1))
    step = actions.do_transition_request(extradition, "record_provisional_arrest", acting_user=supervisor,
                                         comment="Arrested at Lugano station", effective_date=day)
    extradition.refresh_from_db()
    assert extradition.status == "provisionally_arrested"
    assert step.actor == supervisor and step.comment == "Arrested at Lugano station"
    due = {d.code: d.due for d in Deadline.objects.filter(request=extradition, status="open")}
    assert due == {"provisional_arrest_request_due": day + dt.timedelta(days=18),
                   "provisional_arrest_release": day + dt.timedelta(days=40)}
    ev = AuditEvent.objects.filter(event_type="request.transition", object_id=str(extradition.pk)).last()
    assert ev.old_values == {"status": "provisional_arrest_requested"}
    assert ev.new_values["status"] == "provisionally_arrested"


def test_receiving_the_formal_request_meets_the_provisional_arrest_clocks(extradition, supervisor, ready_draft):
    actions.do_transition_request(extradition, "request_provisional_arrest", acting_user=supervisor)
    actions.do_transition_request(extradition, "record_provisional_arrest", acting_user=supervisor)
    ready_draft(extradition)
    actions.do_transition_request(extradition, "submit_formal_request", acting_user=supervisor)
    assert set(Deadline.objects.filter(request=extradition).values_list("status", flat=True)) == {"met"}


def test_eaw_uses_article_17_not_article_16(case, supervisor):
    req = actions.do_create_request(case, kind="extradition", direction="incoming", subject="EAW for Y",
                                    requesting_state="FR", requested_state="ES", legal_basis_instrument="EU-EAW",
                                    acting_user=supervisor)
    day = timezone.localdate()
    actions.do_transition_request(req, "record_provisional_arrest", acting_user=supervisor, effective_date=day)
    codes = {d.code: d for d in Deadline.objects.filter(request=req)}
    assert set(codes) == {"eaw_decision_due"}
    assert codes["eaw_decision_due"].due == day + dt.timedelta(days=60)
    assert "2002/584/JHA Art 17(3)" in codes["eaw_decision_due"].citation


def test_ccf_challenge_clock_runs_nine_months(case, supervisor):
    req = actions.do_create_request(case, kind="notice", notice_action="ccf_challenge", direction="outgoing",
                                    subject="Delete notice", requesting_state="DE", requested_state="TR",
                                    acting_user=supervisor)
    actions.do_transition_request(req, "file_challenge", acting_user=supervisor, effective_date="2026-01-31")
    assert Deadline.objects.get(request=req).due == dt.date(2026, 10, 31)


def test_transition_not_allowed_from_current_status_is_refused_and_nothing_changes(extradition, supervisor):
    before = _counts()
    with pytest.raises(InvalidInput) as e:
        actions.do_transition_request(extradition, "record_surrender", acting_user=supervisor)
    assert "transition" in e.value.errors and "Draft" in e.value.errors["transition"]
    assert _counts() == before
    extradition.refresh_from_db()
    assert extradition.status == "draft"


def test_unknown_transition_names_the_field(extradition, supervisor):
    with pytest.raises(InvalidInput) as e:
        actions.do_transition_request(extradition, "teleport", acting_user=supervisor)
    assert "not a step" in e.value.errors["transition"]


def test_role_guard_on_transitions(extradition, caseworker):
    # Requesting a provisional arrest is a decision for a prosecutor or supervisor.
    with pytest.raises(NotAllowed):
        actions.do_transition_request(extradition, "request_provisional_arrest", acting_user=caseworker)
    steps = {s["name"]: s for s in actions.available_transitions(extradition, caseworker)}
    assert steps["request_provisional_arrest"]["allowed"] is False
    assert "prosecutor" in steps["request_provisional_arrest"]["reason"]


@pytest.mark.parametrize("field, value, reason", [
    ("requesting_state", "XX", "not an ISO 3166-1"),
    ("requested_state", "", "required"),
    ("kind", "kidnap", "not one of"),
    ("direction", "sideways", "not one of"),
    ("subject", "x" * 301, "longer than 300"),
])
def test_bad_request_input_names_the_field_and_stores_nothing(case, supervisor, field, value, reason):
    data = dict(kind="mla", direction="outgoing", subject="Bank records", requesting_state="DE",
                requested_state="PL")
    data[field] = value
    before = _counts()
    with pytest.raises(InvalidInput) as e:
        actions.do_create_request(case, acting_user=supervisor, **data)
    assert reason in e.value.errors[field]
    assert _counts() == before


def test_urgent_request_needs_a_reason(case, supervisor):
    with pytest.raises(InvalidInput) as e:
        actions.do_create_request(case, kind="mla", direction="outgoing", subject="x", requesting_state="DE",
                                  requested_state="PL", urgency="urgent", acting_user=supervisor)
    assert "urgency_reason" in e.value.errors


def test_impossible_and_future_dates_are_refused(extradition, supervisor, case):
    with pytest.raises(InvalidInput) as e:
        actions.do_transition_request(extradition, "request_provisional_arrest", acting_user=supervisor,
                                      effective_date="2026-02-30")
    assert "not a real date" in e.value.errors["effective_date"]
    with pytest.raises(InvalidInput) as e:
        actions.do_transition_request(extradition, "request_provisional_arrest", acting_user=supervisor,
                                      effective_date=timezone.localdate() + dt.timedelta(days=2))
    assert "future" in e.value.errors["effective_date"]
    with pytest.raises(InvalidInput) as e:
        actions.do_add_task(case, title="t", due="2026-13-01", acting_user=supervisor)
    assert "due" in e.value.errors


def test_non_member_cannot_act_on_a_case(case, outsider):
    with pytest.raises(NotFound):
        actions.do_add_note(case, text="hello", acting_user=outsider)


def test_membership_grant_and_revoke_are_audited_and_take_effect(case, supervisor, outsider):
    actions.do_grant_membership(case, outsider, acting_user=supervisor)
    assert actions.is_member(case, outsider)
    actions.do_revoke_membership(case, outsider, acting_user=supervisor)
    assert not actions.is_member(case, outsider)
    types = list(AuditEvent.objects.filter(case_id=case.pk).values_list("event_type", flat=True))
    assert "case.membership_granted" in types and "case.membership_revoked" in types


def test_only_a_supervisor_grants_membership(case, caseworker, outsider):
    with pytest.raises(NotAllowed):
        actions.do_grant_membership(case, outsider, acting_user=caseworker)


def test_entities_are_followthemoney_shaped(case, supervisor):
    e = actions.do_add_entity(case, schema="Person", role="suspect", acting_user=supervisor,
                              properties={"name": "Ana Ruiz", "nationality": "ES", "birthDate": "1980-02-29"})
    ftm = e.to_ftm()
    assert ftm["schema"] == "Person" and ftm["id"].startswith("comity-")
    assert ftm["properties"] == {"name": ["Ana Ruiz"], "nationality": ["es"], "birthDate": ["1980-02-29"]}


@pytest.mark.parametrize("schema, props, field, reason", [
    ("Person", {"birthDate": "1981-02-29"}, "properties.birthDate", "not a real calendar date"),
    ("Person", {"nationality": "QQ"}, "properties.nationality", "not an ISO"),
    ("Person", {"iban": "DE00"}, "properties.iban", "not a property of Person"),
    ("BankAccount", {"iban": "DE89370400440532013001"}, "properties.iban", "check digits"),
    ("Spaceship", {"name": "x"}, "schema", "not one of"),
])
def test_bad_entity_properties_are_refused(case, supervisor, schema, props, field, reason):
    with pytest.raises(InvalidInput) as e:
        actions.do_add_entity(case, schema=schema, properties=props, acting_user=supervisor)
    assert reason in e.value.errors[field]
    assert not Entity.objects.exists()


def test_upload_stores_sha256_and_size(case, supervisor):
    import hashlib

    data = b"bank statement\n" * 1000
    doc = actions.do_upload_document(case, upload=SimpleUploadedFile("statement.txt", data), acting_user=supervisor)
    assert doc.sha256 == hashlib.sha256(data).hexdigest() and doc.size == len(data)
    assert doc.file.read() == data


@pytest.mark.parametrize("name, reason", [("../../etc/passwd", "path separators"), ("a\\b.txt", "path separators"),
                                          ("bad\x07name.txt", "control characters")])
def test_bad_filenames_are_refused(case, supervisor, name, reason, settings):
    class RawUpload:  # Django's own UploadedFile strips directories; the action must not rely on that.
        def __init__(self, name, data):
            self.name, self.size, self._data = name, len(data), data

        def chunks(self):
            yield self._data

    before = _counts()
    with pytest.raises(InvalidInput) as e:
        actions.do_upload_document(case, upload=RawUpload(name, b"x"), acting_user=supervisor)
    assert reason in e.value.errors["file"]
    assert _counts() == before


def test_oversized_upload_is_refused_and_nothing_is_kept(case, supervisor, settings, tmp_path):
    settings.COMITY_MAX_UPLOAD_BYTES = 1000
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(InvalidInput) as e:
        actions.do_upload_document(case, upload=SimpleUploadedFile("big.bin", b"x" * 1001), acting_user=supervisor)
    assert "limit" in e.value.errors["file"]
    assert not Document.objects.exists() and not any(tmp_path.rglob("*.*")) and not list(tmp_path.rglob("*"))


def test_deadline_rows_are_sorted_and_mark_overdue(case, supervisor, extradition):
    today = timezone.localdate()
    actions.do_add_task(case, title="Later", due=today + dt.timedelta(days=5), acting_user=supervisor)
    actions.do_add_task(case, title="Late", due=today - dt.timedelta(days=2), acting_user=supervisor)
    actions.do_transition_request(extradition, "request_provisional_arrest", acting_user=supervisor)
    actions.do_transition_request(extradition, "record_provisional_arrest", acting_user=supervisor,
                                  effective_date=today - dt.timedelta(days=30))
    rows = actions.deadline_rows(supervisor)
    assert [r["due"] for r in rows] == sorted(r["due"] for r in rows)
    labels = [(r["label"], r["overdue"]) for r in rows]
    assert labels[0] == ("Formal request and documents may be required (provisional arrest may end)", True)  # day 18
    assert ("Late", True) in labels
    assert ("Later", False) in labels


def test_legal_basis_is_picked_from_the_law_and_checked(case, supervisor):
    req = actions.do_create_request(case, kind="extradition", direction="outgoing", subject="s",
                                    requesting_state="FR", requested_state="DE", acting_user=supervisor)
    assert req.legal_basis_instrument == "EU-EAW"  # between two EU States the EAW replaces CETS-024
    with pytest.raises(InvalidInput) as e:
        actions.do_create_request(case, kind="extradition", direction="outgoing", subject="s",
                                  requesting_state="FR", requested_state="DE", legal_basis_instrument="CETS-024",
                                  acting_user=supervisor)
    assert "applicable: EU-EAW" in e.value.errors["legal_basis_instrument"]
    mla = actions.do_create_request(case, kind="mla", direction="outgoing", subject="records",
                                    requesting_state="DE", requested_state="IE", acting_user=supervisor)
    assert mla.legal_basis_instrument != "EU-EIO"  # Ireland does not take part in the EIO


def test_no_legal_basis_still_allows_the_request_but_records_none(case, supervisor):
    req = actions.do_create_request(case, kind="extradition", direction="outgoing", subject="s",
                                    requesting_state="US", requested_state="CN", acting_user=supervisor)
    assert req.legal_basis_instrument == ""
    assert actions.legal_basis_options("extradition", "US", "CN").reason


def test_a_guard_blocks_a_transition_with_its_reason(case, supervisor, ready_draft):
    """Sending waits for the translations the requested State needs (the builder's guard)."""
    from comity.builder import actions as builder

    req = actions.do_create_request(case, kind="mla", direction="outgoing", subject="records",
                                    requesting_state="DE", requested_state="FR", acting_user=supervisor)
    draft = ready_draft(req, "records")
    actions.do_transition_request(req, "approve", acting_user=supervisor)
    builder.do_set_required_languages(draft, languages=["fr"], acting_user=supervisor)
    with pytest.raises(InvalidInput) as e:
        actions.do_transition_request(req, "send", acting_user=supervisor)
    assert "translations not done: fr (needed)" in e.value.errors["transition"]
    req.refresh_from_db()
    assert req.status == "approved"
    builder.do_set_required_languages(draft, languages=[], acting_user=supervisor)
    actions.do_transition_request(req, "send", acting_user=supervisor)
    req.refresh_from_db()
    assert req.status == "sent"


def test_the_permanent_audit_log_carries_no_personal_data(case, supervisor, extradition):
    import json

    actions.do_add_entity(case, schema="Person", properties={"name": "Ana Ruiz-Villalobos"}, acting_user=supervisor)
    actions.do_upload_document(case, upload=SimpleUploadedFile("statement-ruiz-villalobos.txt", b"x"),
                               acting_user=supervisor)
    actions.do_add_task(case, title="Call Ana Ruiz-Villalobos", acting_user=supervisor)
    actions.do_transition_request(extradition, "request_provisional_arrest", acting_user=supervisor,
                                  comment="Ana Ruiz-Villalobos seen in Lugano")
    dumped = json.dumps(list(AuditEvent.objects.values("old_values", "new_values", "purpose")), ensure_ascii=False)
    assert "Ruiz-Villalobos" not in dumped
    assert case.title not in dumped
