"""Matrix examples of the cases and requests area: cases (comity.api.api and comity.api.cases_api), requests and
approval (comity.api.requests_api); README.md.

The member (a supervisor) and the colleague (a caseworker) are put in one unit, with a prosecutor, so that the
unit's steps work: the member joins a case the colleague opened in the unit, and asks the unit's prosecutor for
approval; the colleague asks, and the member decides. Updates send `If-Match: *` (tests/api/test_cases_api.py
and test_requests_api.py test the tags themselves)."""

from __future__ import annotations

from tests.api.matrix import Call

ANY = {"If-Match": "*"}
REASON = "The proceedings ended with a final judgment"


def seed(w) -> None:
    from comity.accounts.actions import do_create_unit, do_create_user, do_set_unit
    from comity.cases import actions
    from tests.api.matrix.world import PASSWORD

    unit = do_create_unit(name=f"Matrix central authority {w.tag}")
    do_set_unit(w.member, unit=unit)
    do_set_unit(w.colleague, unit=unit)
    w.extra["prosecutor"] = do_set_unit(do_create_user(username=f"mx-pros-{w.tag}", password=PASSWORD,
                                                       role="prosecutor"), unit=unit)
    case = w.case
    w.extra["cases.entity"] = actions.do_add_entity(case, schema="Person", properties={"name": "Matrix Person"},
                                                    role="suspect", acting_user=w.member)
    w.extra["cases.note"] = actions.do_add_note(case, text="Matrix note", acting_user=w.member)
    w.extra["cases.task"] = actions.do_add_task(case, title="Matrix task", acting_user=w.member)


def _case(w):
    return w.fresh_case()[0]


def _entity(w):
    from comity.cases import actions

    return actions.do_add_entity(w.case, schema="Person", properties={"name": "Matrix Party"}, acting_user=w.member)


def _note(w):
    from comity.cases import actions

    return actions.do_add_note(w.case, text="A note to correct", acting_user=w.member)


def _task(w):
    from comity.cases import actions

    return actions.do_add_task(w.case, title="A task to correct", acting_user=w.member)


def _closed(w):
    from comity.cases import actions

    return actions.do_close_case(_case(w), reason=REASON, acting_user=w.member)


def _unit_case(w):
    """A case the colleague opened in the unit: the member (the unit's supervisor) may join it."""
    from comity.cases import actions

    return actions.do_create_case(title="Matrix unit matter", acting_user=w.colleague)


def _approval(w):
    """An approval the colleague asked for in a fresh case of the member's: the member decides."""
    from comity.cases import actions

    _, req = w.fresh_case()
    return actions.do_ask_for_approval(req, message="Please approve", acting_user=w.colleague)


def _document(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from comity.cases import actions

    return actions.do_upload_document(w.case, upload=SimpleUploadedFile("matrix.txt", b"matrix document"),
                                      title="Matrix document", acting_user=w.member)


def _step(w):
    from comity.cases import actions

    _, req = w.fresh_case()
    step = next(s["name"] for s in actions.available_transitions(req, w.member) if s["allowed"])
    return req, step


REQUEST = {"kind": "mla", "direction": "outgoing", "subject": "Bank records", "requesting_state": "IT",
           "requested_state": "CH"}

EXAMPLES = {
    # comity.api.api
    "list_cases": lambda w: Call("GET", "/api/cases", scope="user"),
    "create_case": lambda w: Call("POST", "/api/cases", json={"title": "Matrix new case"}, ok=201, scope="user",
                                  expect={"outsider": {201}}),
    "get_case": lambda w: Call("GET", f"/api/cases/{w.case.pk}"),
    "grant_member": lambda w: Call("POST", f"/api/cases/{_case(w).pk}/members",
                                   json={"username": w.extra["prosecutor"].username}, ok=201),
    "revoke_member": lambda w: Call("DELETE", f"/api/cases/{_case(w).pk}/members/{w.colleague.username}"),
    "create_request": lambda w: Call("POST", f"/api/cases/{w.case.pk}/requests", json=REQUEST, ok=201),
    "get_request": lambda w: Call("GET", f"/api/requests/{w.request.pk}"),
    "transition_request": lambda w: (lambda rs: Call("POST", f"/api/requests/{rs[0].pk}/transitions",
                                                     json={"transition": rs[1]}, ok=201))(_step(w)),
    "link_request": lambda w: Call("POST", f"/api/requests/{w.fresh_case()[1].pk}/links",
                                   json={"to_request": w.request.reference, "relation": "related"}, ok=201),
    "add_entity": lambda w: Call("POST", f"/api/cases/{w.case.pk}/entities",
                                 json={"schema": "Company", "properties": {"name": "Matrix AG"}}, ok=201),
    "export_entities": lambda w: Call("GET", f"/api/cases/{w.case.pk}/entities.ftm"),
    "add_note": lambda w: Call("POST", f"/api/cases/{w.case.pk}/notes", json={"text": "Matrix"}, ok=201),
    "add_task": lambda w: Call("POST", f"/api/cases/{w.case.pk}/tasks", json={"title": "Matrix"}, ok=201),
    "complete_task": lambda w: Call("POST", f"/api/tasks/{_task(w).pk}/complete"),
    "upload_document": lambda w: Call("POST", f"/api/cases/{w.case.pk}/documents",
                                      files={"file": ("matrix.txt", b"matrix upload")}, data={"title": "Matrix"},
                                      ok=201),
    "download_document": lambda w: Call("GET", f"/api/cases/{w.case.pk}/documents/{_document(w).pk}/content"),
    # comity.api.cases_api
    "get_case_record": lambda w: Call("GET", f"/api/cases/{w.case.pk}/record"),
    "update_case": lambda w: Call("PATCH", f"/api/cases/{_case(w).pk}", json={"title": "Renamed matter"},
                                  headers=ANY),
    "close_case": lambda w: Call("POST", f"/api/cases/{_case(w).pk}/close", json={"reason": REASON, "confirm": True},
                                 headers=ANY),
    "reopen_case": lambda w: Call("POST", f"/api/cases/{_closed(w).pk}/reopen",
                                  json={"reason": "An appeal was lodged in time"}, headers=ANY),
    "join_case": lambda w: Call("POST", f"/api/cases/{_unit_case(w).pk}/join",
                                json={"reason": "Supervising the unit's requests"}, ok=201),
    "get_case_history": lambda w: Call("GET", f"/api/cases/{w.case.pk}/history"),
    "list_members": lambda w: Call("GET", f"/api/cases/{w.case.pk}/members"),
    "list_entities": lambda w: Call("GET", f"/api/cases/{w.case.pk}/entities"),
    "get_entity": lambda w: Call("GET", f"/api/cases/{w.case.pk}/entities/{w.extra['cases.entity'].pk}"),
    "update_entity": lambda w: Call("PATCH", f"/api/cases/{w.case.pk}/entities/{_entity(w).pk}",
                                    json={"role": "witness"}, headers=ANY),
    "remove_entity": lambda w: Call("DELETE", f"/api/cases/{w.case.pk}/entities/{_entity(w).pk}",
                                    json={"reason": "Recorded by mistake", "confirm": True}, headers=ANY),
    "list_notes": lambda w: Call("GET", f"/api/cases/{w.case.pk}/notes"),
    "get_note": lambda w: Call("GET", f"/api/cases/{w.case.pk}/notes/{w.extra['cases.note'].pk}"),
    "correct_note": lambda w: Call("PATCH", f"/api/cases/{w.case.pk}/notes/{_note(w).pk}",
                                   json={"text": "A corrected note"}, headers=ANY),
    "list_tasks": lambda w: Call("GET", f"/api/cases/{w.case.pk}/tasks"),
    "get_task": lambda w: Call("GET", f"/api/cases/{w.case.pk}/tasks/{w.extra['cases.task'].pk}"),
    "correct_task": lambda w: Call("PATCH", f"/api/cases/{w.case.pk}/tasks/{_task(w).pk}",
                                   json={"title": "A corrected task"}, headers=ANY),
    "list_documents": lambda w: Call("GET", f"/api/cases/{w.case.pk}/documents"),
    # comity.api.requests_api
    "list_requests": lambda w: Call("GET", "/api/requests", scope="user"),
    "get_request_record": lambda w: Call("GET", f"/api/requests/{w.request.pk}/record"),
    "update_request": lambda w: Call("PATCH", f"/api/requests/{w.fresh_case()[1].pk}",
                                     json={"legal_basis_instrument": "CETS-024"}, headers=ANY),
    "legal_basis_options": lambda w: Call("GET", f"/api/requests/{w.request.pk}/legal-basis"),
    "ask_approval": lambda w: Call("POST", f"/api/requests/{w.fresh_case()[1].pk}/approvals",
                                   json={"message": "Please approve"}, ok=201),
    "list_approvals": lambda w: Call("GET", "/api/approvals", scope="user"),
    "get_approval": lambda w: Call("GET", f"/api/approvals/{_approval(w).pk}"),
    "decide_approval": lambda w: Call("POST", f"/api/approvals/{_approval(w).pk}/decision",
                                      json={"decision": "return", "comment": "Add the passport number"},
                                      headers=ANY),
}

WEB = {
    "dashboard": ["list_deadlines", "list_approvals"],
    "case_list": ["list_cases"],
    "case_new": ["create_case"],
    "case_detail": ["get_case", "get_case_record", "list_entities", "list_notes", "list_tasks", "list_documents",
                    "list_members"],
    "case_purpose": ["get_case"],
    "entity_add": ["add_entity"],
    "entities_ftm": ["export_entities"],
    "note_add": ["add_note"],
    "task_add": ["add_task"],
    "task_done": ["complete_task"],
    "document_add": ["upload_document"],
    "document_download": ["download_document"],
    "membership_grant": ["grant_member"],
    "membership_revoke": ["revoke_member"],
    "request_new": ["create_request"],
    "case_join": ["join_case"],
    "case_close": ["close_case"],
    "case_reopen": ["reopen_case"],
    "case_history": ["get_case_history"],
    "entity_correct": ["get_entity", "update_entity", "remove_entity"],
    "note_correct": ["get_note", "correct_note"],
    "task_correct": ["get_task", "correct_task"],
    "request_ask_approval": ["ask_approval"],
    "approval_decide": ["get_approval", "decide_approval"],
    "request_detail": ["get_request", "get_request_record", "legal_basis_options"],
    "request_transition": ["transition_request"],
    "request_link": ["link_request"],
    "request_legal_basis": ["legal_basis_options", "update_request"],
}
