"""Closing and reopening a case (closing starts retention), and corrections of parties, notes and tasks that keep
the previous values where disposal erases them, never in the permanent audit log."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from comity.audit.models import AuditEvent
from comity.cases import actions
from comity.cases.models import Entity, Note, Revision, Task
from comity.errors import InvalidInput, NotAllowed
from comity.oversight import actions as oversight

NAME = "Ana Ruiz-Villalobos"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values("old_values", "new_values", "purpose")), ensure_ascii=False)


def test_closing_asks_for_confirmation_and_a_reason_and_starts_retention(login, case, supervisor, extradition):
    c = login(supervisor)
    page = c.get(f"/cases/{case.pk}/close/").content.decode()
    assert "retention period" in page and extradition.reference in page  # the request that has not ended is named
    resp = c.post(f"/cases/{case.pk}/close/", {"reason": "Proceedings over", "confirm": ""})
    assert resp.status_code == 400 and "tick the box" in resp.content.decode()
    assert "Proceedings over" in resp.content.decode()  # what was typed is kept
    resp = c.post(f"/cases/{case.pk}/close/", {"reason": "short", "confirm": "on"})
    assert resp.status_code == 400 and "at least 10 characters" in resp.context["form"].errors["reason"][0]
    case.refresh_from_db()
    assert case.state == "open" and oversight.retention_for(case).proceedings_ended is None
    reason = "Judgment of the Milan court final on 3 March"
    resp = c.post(f"/cases/{case.pk}/close/", {"reason": reason, "confirm": "on"})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.state == "closed"
    assert oversight.retention_for(case).proceedings_ended == timezone.localdate()
    ev = AuditEvent.objects.get(event_type="case.closed")
    assert ev.new_values["open_requests"] == [extradition.reference] and reason not in _audit_text()
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert reason in page and "Reopen the case" in page and "New request" not in page
    # Nothing moves in a closed case.
    with pytest.raises(InvalidInput) as e:
        actions.do_transition_request(extradition, "request_provisional_arrest", acting_user=supervisor)
    assert "the case is closed" in e.value.errors["transition"]
    steps = actions.available_transitions(extradition, supervisor)
    assert all(not s["allowed"] and "the case is closed" in s["reason"] for s in steps)


def test_reopening_stops_retention_and_is_refused_once_disposed(login, case, supervisor):
    actions.do_close_case(case, reason="Proceedings ended in acquittal", acting_user=supervisor)
    resp = login(supervisor).post(f"/cases/{case.pk}/reopen/", {"reason": "Appeal lodged by the prosecutor"})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.state == "open" and oversight.retention_for(case).due is None
    assert AuditEvent.objects.filter(event_type="case.reopened", case_id=case.pk).exists()
    actions.do_close_case(case, reason="Appeal dismissed, judgment final", acting_user=supervisor)
    oversight.do_dispose_case(case, reason="Retention period over, proceedings ended", acting_user=supervisor,
                              confirm_early=True)
    with pytest.raises(InvalidInput) as e:
        actions.do_reopen_case(case, reason="Another appeal after all", acting_user=supervisor)
    assert "disposed" in e.value.errors["case"]


def test_only_a_supervisor_closes(login, case, caseworker):
    with pytest.raises(NotAllowed):
        actions.do_close_case(case, reason="Proceedings ended at last", acting_user=caseworker)
    page = login(caseworker).get(f"/cases/{case.pk}/").content.decode()
    assert "Close the case" not in page
    resp = login(caseworker).post(f"/cases/{case.pk}/close/", {"reason": "Proceedings ended at last",
                                                                "confirm": "on"})
    assert resp.status_code == 400 and "Only a supervisor may close a case" in resp.content.decode()


def test_closed_case_has_nothing_due(login, case, supervisor):
    actions.do_add_task(case, title="Chase the Swiss authority", due=timezone.localdate() + dt.timedelta(days=2),
                        acting_user=supervisor)
    assert "Chase the Swiss authority" in login(supervisor).get("/").content.decode()
    actions.do_close_case(case, reason="Proceedings ended at last", acting_user=supervisor)
    assert "Chase the Swiss authority" not in login(supervisor).get("/").content.decode()


def test_a_party_is_corrected_and_the_previous_details_kept_out_of_the_audit_log(login, case, caseworker):
    e = actions.do_add_entity(case, schema="Person", properties={"name": NAME, "birthDate": "1980-02-03",
                                                                 "nationality": "es"}, role="witness",
                              acting_user=caseworker)
    c = login(caseworker)
    page = c.get(f"/cases/{case.pk}/entities/{e.pk}/correct/").content.decode()
    assert f'value="{NAME}"' in page and 'value="Spain (ES)"' in page
    # A bad date is refused naming the field, keeping what was typed; nothing changes.
    form = {"do": "correct", "name": "Ana Ruiz Villalobos", "role": "suspect", "birthDate": "1980-02-30",
            "nationality": "Spain (ES)"}
    resp = c.post(f"/cases/{case.pk}/entities/{e.pk}/correct/", form)
    assert resp.status_code == 400 and "is not a real calendar date" in resp.context["form"].errors["birthDate"][0]
    assert 'value="Ana Ruiz Villalobos"' in resp.content.decode()
    e.refresh_from_db()
    assert e.caption == NAME and not Revision.objects.exists()
    resp = c.post(f"/cases/{case.pk}/entities/{e.pk}/correct/", {**form, "birthDate": "1980-02-13",
                                                                 "reason": "Passport copy received"})
    assert resp.status_code == 302
    e.refresh_from_db()
    assert e.caption == "Ana Ruiz Villalobos" and e.role == "suspect" and e.properties["birthDate"] == ["1980-02-13"]
    assert e.properties["nationality"] == ["es"] and e.corrected_at is not None
    rev = Revision.objects.get()
    assert rev.previous["caption"] == NAME and rev.previous["properties"]["birthDate"] == ["1980-02-03"]
    assert rev.changed == ["birthDate", "name", "role"] and rev.reason == "Passport copy received"
    ev = AuditEvent.objects.get(event_type="entity.corrected")
    assert ev.new_values["fields"] == ["birthDate", "name", "role"] and len(ev.old_values["sha256"]) == 64
    assert "Ruiz" not in _audit_text() and "Passport copy" not in _audit_text()
    history = c.get(f"/cases/{case.pk}/history/").content.decode()
    assert NAME in history and "1980-02-03" in history
    assert AuditEvent.objects.filter(event_type="access.case_history", case_id=case.pk).exists()


def test_a_party_is_removed_with_confirmation_and_a_reason(login, case, caseworker):
    e = actions.do_add_entity(case, schema="Person", properties={"name": NAME}, acting_user=caseworker)
    c = login(caseworker)
    url = f"/cases/{case.pk}/entities/{e.pk}/correct/"
    resp = c.post(url, {"do": "remove", "reason": "Recorded in the wrong case"})
    assert resp.status_code == 400 and "tick the box" in resp.content.decode()
    assert Entity.objects.filter(pk=e.pk).exists()
    resp = c.post(url, {"do": "remove", "reason": "Recorded in the wrong case", "confirm": "on"})
    assert resp.status_code == 302
    assert not Entity.objects.filter(pk=e.pk).exists()
    assert NAME not in c.get(f"/cases/{case.pk}/").content.decode()
    rev = Revision.objects.get(action="removed")
    assert rev.previous["caption"] == NAME and rev.reason == "Recorded in the wrong case"
    assert "Ruiz" not in _audit_text()
    assert NAME in c.get(f"/cases/{case.pk}/history/").content.decode()


def test_only_the_author_corrects_a_note(login, case, caseworker, supervisor):
    note = actions.do_add_note(case, text=f"Met {NAME} at the embassy", acting_user=caseworker)
    with pytest.raises(NotAllowed):
        actions.do_correct_note(note, text="Something else", acting_user=supervisor)
    resp = login(caseworker).post(f"/cases/{case.pk}/notes/{note.pk}/correct/",
                                  {"text": "Met the witness at the consulate"})
    assert resp.status_code == 302
    note.refresh_from_db()
    assert note.text == "Met the witness at the consulate" and note.corrected_at
    assert Revision.objects.get(target="note").previous == {"text": f"Met {NAME} at the embassy"}
    assert "Ruiz" not in _audit_text()


def test_a_task_is_corrected(login, case, caseworker):
    task = actions.do_add_task(case, title="Call the Swiss office", due="2030-01-10", acting_user=caseworker)
    resp = login(caseworker).post(f"/cases/{case.pk}/tasks/{task.pk}/correct/",
                                  {"title": "Call the Swiss office (Bern)", "due": "2030-01-12"})
    assert resp.status_code == 302
    task.refresh_from_db()
    assert task.title == "Call the Swiss office (Bern)" and task.due == dt.date(2030, 1, 12)
    rev = Revision.objects.get(target="task")
    assert rev.previous == {"title": "Call the Swiss office", "due": "2030-01-10", "assignee": None}
    ev = AuditEvent.objects.get(event_type="task.corrected")
    assert ev.new_values["fields"] == ["title", "due"]
    unchanged = login(caseworker).post(f"/cases/{case.pk}/tasks/{task.pk}/correct/",
                                       {"title": "Call the Swiss office (Bern)", "due": "2030-01-12"})
    assert unchanged.status_code == 400 and "nothing changed" in unchanged.content.decode()


def test_non_members_cannot_correct(login, case, caseworker, outsider):
    e = actions.do_add_entity(case, schema="Person", properties={"name": NAME}, acting_user=caseworker)
    c = login(outsider)
    assert c.get(f"/cases/{case.pk}/entities/{e.pk}/correct/").status_code == 404
    assert c.post(f"/cases/{case.pk}/entities/{e.pk}/correct/", {"do": "remove", "reason": "x" * 20,
                                                                 "confirm": "on"}).status_code == 404
    assert c.get(f"/cases/{case.pk}/history/").status_code == 404
    assert Entity.objects.filter(pk=e.pk).exists()


def test_disposal_erases_the_previous_values_and_stated_reasons(case, supervisor, caseworker):
    e = actions.do_add_entity(case, schema="Person", properties={"name": NAME}, acting_user=caseworker)
    actions.do_correct_entity(e, properties={"name": "A. R.-V."}, acting_user=caseworker)
    other = actions.do_add_entity(case, schema="Person", properties={"name": "Luis Ortega"}, acting_user=caseworker)
    actions.do_remove_entity(other, reason="Luis Ortega belongs to another case", acting_user=caseworker)
    actions.do_close_case(case, reason="Ana Ruiz-Villalobos was acquitted", acting_user=supervisor)
    assert Revision.objects.filter(case=case).count() == 2
    oversight.do_dispose_case(case, reason="Retention period over, proceedings ended", acting_user=supervisor,
                              confirm_early=True)
    assert not Revision.objects.filter(case=case).exists()
    assert not case.state_changes.exclude(reason="").exists()
    assert not Note.objects.filter(case=case).exists() and not Task.objects.filter(case=case).exists()


def test_oversight_reads_the_history_under_its_stated_purpose(login, case, caseworker, oversight):
    e = actions.do_add_entity(case, schema="Person", properties={"name": NAME}, acting_user=caseworker)
    actions.do_correct_entity(e, properties={"name": "A. Ruiz"}, acting_user=caseworker)
    c = login(oversight)
    assert c.get(f"/cases/{case.pk}/history/")["Location"].endswith(f"/cases/{case.pk}/purpose/")
    purpose = "Complaint DPA-2026-114: was the witness's name changed?"
    c.post(f"/cases/{case.pk}/purpose/", {"purpose": purpose})
    page = c.get(f"/cases/{case.pk}/history/").content.decode()
    assert NAME in page
    ev = AuditEvent.objects.get(event_type="access.case_history", actor=oversight)
    assert ev.purpose_text == purpose and purpose not in ev.leaf  # the log holds a commitment, not the words
    # Read only: oversight does not correct.
    assert c.post(f"/cases/{case.pk}/entities/{e.pk}/correct/", {"do": "remove", "reason": "x" * 20,
                                                                 "confirm": "on"}).status_code == 404
