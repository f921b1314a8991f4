"""Cases over the API (comity.api.cases_api): a case's record, closing, reopening, joining and history; its
parties, notes, tasks, documents and members. The same actions, compartments, purposes and logged reads as the
case pages (tests/web), with ETags on every update."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from comity.audit.models import AuditEvent
from comity.cases import actions
from comity.cases.models import Case, Entity, Revision

PURPOSE = "Complaint DPA-2026-7 about this case"


def test_a_case_is_renamed_closed_and_reopened_with_its_etag(api, case, supervisor, caseworker):
    sup = api(supervisor)
    r = sup.get(f"/cases/{case.pk}/record")
    assert r.status_code == 200 and r.json()["title"] == "Fraud ring" and r.json()["state"] == "open"
    tag = r["ETag"]
    assert sup.send("patch", f"/cases/{case.pk}", {"title": "Fraud ring II"}).status_code == 428
    r = sup.send("patch", f"/cases/{case.pk}", {"title": "Fraud ring II", "summary": "Wider"}, etag=tag)
    assert r.status_code == 200, r.content
    assert r.json()["title"] == "Fraud ring II" and r.json()["summary"] == "Wider" and r["ETag"] != tag
    new_tag = r["ETag"]
    ev = AuditEvent.objects.filter(event_type="case.updated").get()
    assert ev.new_values == {"fields": ["summary", "title"]} and "Fraud" not in json.dumps(ev.old_values)

    # A clerk who read the old version is told what changed, and nothing is overwritten.
    stale = api(caseworker).send("patch", f"/cases/{case.pk}", {"summary": "Mine"}, etag=tag)
    assert stale.status_code == 412 and stale.json()["changed"] == {"summary": "Wider", "title": "Fraud ring II"}
    assert stale["ETag"] == new_tag
    assert Case.objects.get(pk=case.pk).summary == "Wider"
    bad = sup.send("patch", f"/cases/{case.pk}", {"title": "  "}, etag=new_tag)
    assert bad.status_code == 422 and "title" in bad.json()["errors"]
    assert sup.send("patch", f"/cases/{case.pk}", {}, etag=new_tag).json()["errors"] == {
        "body": "give title or summary (or both)"}

    # Closing: supervisors only, with a reason and the confirmation the web asks for.
    assert api(caseworker).send("post", f"/cases/{case.pk}/close", {"reason": "Proceedings ended", "confirm": True},
                                etag=new_tag).status_code == 403
    r = sup.send("post", f"/cases/{case.pk}/close", {"reason": "Proceedings ended"}, etag=new_tag)
    assert r.status_code == 422 and "confirm" in r.json()["errors"]
    r = sup.send("post", f"/cases/{case.pk}/close", {"reason": "short", "confirm": True}, etag=new_tag)
    assert r.status_code == 422 and "reason" in r.json()["errors"]
    r = sup.send("post", f"/cases/{case.pk}/close", {"reason": "Proceedings ended", "confirm": True}, etag=new_tag)
    assert r.status_code == 200 and r.json()["state"] == "closed"
    assert r.json()["closed_reason"] == "Proceedings ended"
    assert sup.send("post", f"/cases/{case.pk}/reopen", {"reason": "An appeal was lodged"},
                    etag=new_tag).status_code == 412
    r = sup.send("post", f"/cases/{case.pk}/reopen", {"reason": "An appeal was lodged"}, etag=r["ETag"])
    assert r.status_code == 200 and r.json()["state"] == "open"
    assert AuditEvent.objects.filter(event_type__in=["case.closed", "case.reopened"], via="api").count() == 2


def test_compartments_scopes_and_purposes_hold_for_the_case_operations(api, case, supervisor, outsider, oversight):
    entity = actions.do_add_entity(case, schema="Person", properties={"name": "Ann Example"}, acting_user=supervisor)
    note = actions.do_add_note(case, text="Seen in Basel", acting_user=supervisor)
    task = actions.do_add_task(case, title="Call Bern", acting_user=supervisor)
    reads = [f"/cases/{case.pk}/record", f"/cases/{case.pk}/history", f"/cases/{case.pk}/members",
             f"/cases/{case.pk}/entities", f"/cases/{case.pk}/entities/{entity.pk}", f"/cases/{case.pk}/notes",
             f"/cases/{case.pk}/notes/{note.pk}", f"/cases/{case.pk}/tasks", f"/cases/{case.pk}/tasks/{task.pk}",
             f"/cases/{case.pk}/documents"]
    writes = [("patch", f"/cases/{case.pk}", {"title": "X"}),
              ("post", f"/cases/{case.pk}/close", {"reason": "Proceedings ended", "confirm": True}),
              ("post", f"/cases/{case.pk}/reopen", {"reason": "Proceedings ended"}),
              ("patch", f"/cases/{case.pk}/entities/{entity.pk}", {"role": "witness"}),
              ("delete", f"/cases/{case.pk}/entities/{entity.pk}", {"reason": "Recorded by mistake", "confirm": True}),
              ("patch", f"/cases/{case.pk}/notes/{note.pk}", {"text": "Seen in Zurich"}),
              ("patch", f"/cases/{case.pk}/tasks/{task.pk}", {"title": "Call Zurich"})]
    out, ro, dpo = api(outsider), api(supervisor, "read"), api(oversight, "read")
    for path in reads:
        assert out.get(path).status_code == 404, path
        assert ro.get(path).status_code == 200, path
        r = dpo.get(path)
        assert r.status_code == 422 and "purpose" in r.json()["errors"], path
        assert dpo.get(path, data={"purpose": PURPOSE}).status_code == 200, path
    for method, path, body in writes:
        assert out.send(method, path, body, etag="*").status_code == 404, path
        assert ro.send(method, path, body, etag="*").status_code == 403, path
        assert dpo.send(method, path, body, etag="*").status_code == 404, path
    # Nothing changed; the oversight reads were logged with their purpose.
    assert Entity.objects.filter(pk=entity.pk, role="").exists()
    assert AuditEvent.objects.filter(actor=oversight, event_type="access.note_view").exists()
    assert AuditEvent.objects.filter(actor=oversight, event_type="access.entity_list").exists()


def test_a_supervisor_of_the_unit_joins_with_a_reason_and_nobody_else_can(api, make_user, outsider):
    from comity.accounts.actions import do_create_unit, do_set_unit

    unit = do_create_unit(name="Central Authority")
    cw = do_set_unit(make_user("caseworker", "cw-unit"), unit=unit)
    boss = do_set_unit(make_user("supervisor", "sup-unit"), unit=unit)
    case = actions.do_create_case(title="Unit matter", acting_user=cw)
    assert api(boss).get(f"/cases/{case.pk}/record").status_code == 404
    assert api(outsider).send("post", f"/cases/{case.pk}/join", {"reason": "I supervise this"}).status_code == 404
    assert api(boss, "read").send("post", f"/cases/{case.pk}/join", {"reason": "I supervise this"}).status_code == 403
    r = api(boss).send("post", f"/cases/{case.pk}/join", {"reason": "short"})
    assert r.status_code == 422 and "reason" in r.json()["errors"]
    r = api(boss).send("post", f"/cases/{case.pk}/join", {"reason": "Supervising the unit's extraditions"})
    assert r.status_code == 201 and r.json()["basis"] == "joined" and r.json()["username"] == boss.username
    assert api(boss).get(f"/cases/{case.pk}/record").status_code == 200
    again = api(boss).send("post", f"/cases/{case.pk}/join", {"reason": "Supervising the unit's extraditions"})
    assert again.status_code == 422 and "case" in again.json()["errors"]
    members = api(boss).get(f"/cases/{case.pk}/members").json()
    assert [m["username"] for m in members["results"]] == [cw.username, boss.username] and members["count"] == 2


def test_parties_are_listed_read_corrected_and_removed_with_their_history(api, case, supervisor, caseworker,
                                                                          oversight):
    ann = actions.do_add_entity(case, schema="Person", properties={"name": "Ann Example", "nationality": "ch"},
                                role="suspect", acting_user=supervisor)
    actions.do_add_entity(case, schema="Company", properties={"name": "Example AG"}, acting_user=supervisor)
    cw = api(caseworker)
    page = cw.get(f"/cases/{case.pk}/entities", data={"limit": 1}).json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["results"][0]["caption"] == "Ann Example"
    nxt = cw.get(f"/cases/{case.pk}/entities", data={"limit": 1, "cursor": page["next_cursor"]}).json()
    assert nxt["results"][0]["caption"] == "Example AG" and nxt["next_cursor"] is None
    assert cw.get(f"/cases/{case.pk}/entities", data={"schema": "Company"}).json()["count"] == 1
    assert cw.get(f"/cases/{case.pk}/entities", data={"sort": "age"}).json()["errors"].keys() == {"sort"}

    r = cw.get(f"/cases/{case.pk}/entities/{ann.pk}")
    assert r.status_code == 200 and r.json()["properties"]["name"] == ["Ann Example"] and r["ETag"]
    tag = r["ETag"]
    bad = cw.send("patch", f"/cases/{case.pk}/entities/{ann.pk}", {"properties": {"birthDate": "yesterday"}},
                  etag=tag)
    assert bad.status_code == 422 and any("birthDate" in k for k in bad.json()["errors"])
    r = cw.send("patch", f"/cases/{case.pk}/entities/{ann.pk}",
                {"properties": {"name": "Anna Example"}, "role": "witness", "reason": "Spelling of the passport"},
                etag=tag)
    assert r.status_code == 200, r.content
    assert r.json()["caption"] == "Anna Example" and r.json()["role"] == "witness"
    assert r.json()["properties"]["nationality"] == ["ch"]  # not named: kept
    stale = cw.send("patch", f"/cases/{case.pk}/entities/{ann.pk}", {"role": "suspect"}, etag=tag)
    assert stale.status_code == 412 and set(stale.json()["changed"]) == {"properties", "role"}

    r = cw.send("delete", f"/cases/{case.pk}/entities/{ann.pk}", {"reason": "Recorded twice by mistake"},
                etag="*")
    assert r.status_code == 422 and "confirm" in r.json()["errors"]
    r = cw.send("delete", f"/cases/{case.pk}/entities/{ann.pk}",
                {"reason": "Recorded twice by mistake", "confirm": True}, etag="*")
    assert r.status_code == 200 and Revision.objects.filter(pk=r.json()["revision"], action="removed").exists()
    assert cw.get(f"/cases/{case.pk}/entities/{ann.pk}").status_code == 404

    history = api(oversight, "read").get(f"/cases/{case.pk}/history", data={"purpose": PURPOSE}).json()
    assert [r["action"] for r in history["revisions"]] == ["removed", "corrected"]
    assert history["revisions"][1]["previous"]["properties"]["name"] == ["Ann Example"]
    assert history["revisions"][1]["reason"] == "Spelling of the passport"
    assert AuditEvent.objects.filter(actor=oversight, event_type="access.case_history").exists()


def test_notes_tasks_and_documents_are_read_back_and_corrected(api, case, supervisor, caseworker):
    first = actions.do_add_note(case, text="Met the Swiss liaison", acting_user=supervisor)
    actions.do_add_note(case, text="Called Bern", acting_user=caseworker)
    cw, sup = api(caseworker), api(supervisor)
    notes = cw.get(f"/cases/{case.pk}/notes").json()
    assert [n["text"] for n in notes["results"]] == ["Called Bern", "Met the Swiss liaison"]
    assert cw.get(f"/cases/{case.pk}/notes", data={"author": supervisor.username}).json()["count"] == 1
    assert cw.get(f"/cases/{case.pk}/notes", data={"q": "bern"}).json()["count"] == 1
    r = cw.get(f"/cases/{case.pk}/notes/{first.pk}")
    assert r.json()["author"] == supervisor.username
    # Only the author corrects a note, as on the web.
    assert cw.send("patch", f"/cases/{case.pk}/notes/{first.pk}", {"text": "Mine"}, etag=r["ETag"]).status_code == 403
    r = sup.send("patch", f"/cases/{case.pk}/notes/{first.pk}", {"text": "Met the Swiss liaison officer"},
                 etag=r["ETag"])
    assert r.status_code == 200 and r.json()["corrected_at"]
    assert sup.send("patch", f"/cases/{case.pk}/notes/{first.pk}", {"text": ""}, etag=r["ETag"]).json()[
        "errors"].keys() == {"text"}

    task = actions.do_add_task(case, title="Call Bern", due="2030-01-10", acting_user=supervisor)
    actions.do_add_task(case, title="Send the file", acting_user=supervisor)
    assert cw.get(f"/cases/{case.pk}/tasks", data={"status": "open"}).json()["count"] == 2
    assert cw.get(f"/cases/{case.pk}/tasks", data={"status": "later"}).json()["errors"].keys() == {"status"}
    r = cw.get(f"/cases/{case.pk}/tasks/{task.pk}")
    assert r.json()["due"] == "2030-01-10"
    r = cw.send("patch", f"/cases/{case.pk}/tasks/{task.pk}", {"due": None, "reason": "No date agreed yet"},
                etag=r["ETag"])
    assert r.status_code == 200 and r.json()["due"] is None and r.json()["title"] == "Call Bern"
    bad = cw.send("patch", f"/cases/{case.pk}/tasks/{task.pk}", {"due": "someday"}, etag=r["ETag"])
    assert bad.status_code == 422 and "due" in bad.json()["errors"]

    actions.do_upload_document(case, upload=SimpleUploadedFile("warrant.pdf", b"%PDF-1.4 warrant"),
                               title="Arrest warrant", acting_user=supervisor)
    docs = cw.get(f"/cases/{case.pk}/documents", data={"q": "warrant"}).json()
    assert docs["count"] == 1 and docs["results"][0]["filename"] == "warrant.pdf"
    assert docs["results"][0]["uploaded_by"] == supervisor.username
