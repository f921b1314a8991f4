"""Requests over the API (comity.api.requests_api): the list across the caller's cases with its filters, a
request's record and legal basis, and approval (ask, queue, decide) with four eyes, as on the request pages and
the dashboard (tests/cases/test_approval.py), with ETags on every update."""

from __future__ import annotations



from comity.audit.models import AuditEvent
from comity.cases import actions
from comity.cases.models import ApprovalRequest, CooperationRequest

PURPOSE = "Complaint DPA-2026-7 about this case"


def _mla(case, user, **kw):
    fields = {"kind": "mla", "direction": "incoming", "subject": "Bank records of a company",
              "requesting_state": "DE", "requested_state": "IT", "urgency": "urgent",
              "urgency_reason": "Accounts about to be emptied", **kw}
    return actions.do_create_request(case, acting_user=user, **fields)


def test_requests_are_listed_across_the_callers_cases_filtered_and_sorted(api, case, extradition, supervisor,
                                                                          outsider, oversight):
    mla = _mla(case, supervisor)
    other = actions.do_create_case(title="Another matter", acting_user=supervisor)
    notice = actions.do_create_request(other, kind="notice", direction="outgoing", subject="Red notice",
                                       requesting_state="IT", requested_state="IT", notice_action="publication",
                                       acting_user=supervisor)
    sup = api(supervisor)
    page = sup.get("/requests").json()
    assert page["count"] == 3 and {r["reference"] for r in page["results"]} == {
        extradition.reference, mla.reference, notice.reference}

    def refs(**q):
        return [r["reference"] for r in sup.get("/requests", data=q).json()["results"]]

    assert refs(kind="mla") == [mla.reference]
    assert refs(direction="incoming") == [mla.reference]
    assert refs(requesting_state="de") == [mla.reference]
    assert refs(requested_state="CH") == [extradition.reference]
    assert refs(case=other.reference) == [notice.reference]
    assert refs(urgency="urgent") == [mla.reference]
    assert refs(q="red") == [notice.reference]
    assert refs(status=extradition.status, kind="extradition") == [extradition.reference]
    assert refs(sort="reference") == sorted(refs(sort="reference"))
    assert refs(sort="-reference") == sorted(refs(sort="reference"), reverse=True)
    two = sup.get("/requests", data={"limit": 2, "sort": "created"}).json()
    rest = sup.get("/requests", data={"limit": 2, "sort": "created", "cursor": two["next_cursor"]}).json()
    assert [r["reference"] for r in two["results"] + rest["results"]] == [
        extradition.reference, mla.reference, notice.reference]
    for bad in ({"kind": "rogatory"}, {"direction": "sideways"}, {"urgency": "now"}, {"sort": "size"}):
        r = sup.get("/requests", data=bad)
        assert r.status_code == 422 and set(r.json()["errors"]) == set(bad), bad
    # Others see none of them; the member's list read is logged with the cases shown.
    assert api(outsider).get("/requests").json()["count"] == 0
    assert api(oversight, "read").get("/requests").json()["count"] == 0
    ev = AuditEvent.objects.filter(event_type="access.request_list", actor=supervisor).order_by("pk").first()
    assert ev.new_values["cases"] == sorted([case.reference, other.reference])


def test_the_legal_basis_is_changed_with_the_records_etag(api, case, extradition, supervisor, caseworker, outsider,
                                                          oversight):
    cw = api(caseworker)
    options = cw.get(f"/requests/{extradition.pk}/legal-basis").json()
    assert options["current"] == "CETS-024" and options["covered"] is True
    assert any(o["instrument"] == "CETS-024" and o["current"] for o in options["options"])
    r = cw.get(f"/requests/{extradition.pk}/record")
    assert r.status_code == 200 and r.json()["legal_basis_instrument"] == "CETS-024"
    tag = r["ETag"]
    assert cw.send("patch", f"/requests/{extradition.pk}",
                   {"legal_basis_instrument": "CETS-024"}).status_code == 428
    bad = cw.send("patch", f"/requests/{extradition.pk}", {"legal_basis_instrument": "EU-EAW"}, etag=tag)
    assert bad.status_code == 422 and "legal_basis_instrument" in bad.json()["errors"]
    missing = cw.send("patch", f"/requests/{extradition.pk}", {}, etag=tag)
    assert missing.status_code == 422 and "legal_basis_instrument" in missing.json()["errors"]
    assert CooperationRequest.objects.get(pk=extradition.pk).legal_basis_instrument == "CETS-024"
    r = cw.send("patch", f"/requests/{extradition.pk}", {"legal_basis_instrument": "CETS-024"}, etag=tag)
    assert r.status_code == 200 and r.json()["legal_basis_instrument"] == "CETS-024"
    assert AuditEvent.objects.filter(event_type="request.legal_basis_set", via="api").exists()
    # A change made meanwhile (the request moved on) makes the old tag stale.
    step = next(s["name"] for s in actions.available_transitions(extradition, supervisor, check_guards=False))
    actions.do_transition_request(extradition, step, acting_user=supervisor, override_reason="Urgent: tested",
                                  comment="tested")
    stale = cw.send("patch", f"/requests/{extradition.pk}", {"legal_basis_instrument": "CETS-024"},
                    etag=r["ETag"])
    assert stale.status_code == 412 and "status" in stale.json()["changed"]

    for path in (f"/requests/{extradition.pk}/record", f"/requests/{extradition.pk}/legal-basis"):
        assert api(outsider).get(path).status_code == 404
        assert api(oversight, "read").get(path).json()["errors"].keys() == {"purpose"}
        assert api(oversight, "read").get(path, data={"purpose": PURPOSE}).status_code == 200
    body = {"legal_basis_instrument": "CETS-024"}
    assert api(outsider).send("patch", f"/requests/{extradition.pk}", body, etag="*").status_code == 404
    assert api(caseworker, "read").send("patch", f"/requests/{extradition.pk}", body,
                                        etag="*").status_code == 403


def test_approval_is_asked_queued_and_decided_by_another_with_four_eyes(api, case, extradition, supervisor,
                                                                        caseworker, outsider, oversight):
    cw, sup = api(caseworker), api(supervisor)
    assert api(caseworker, "read").send("post", f"/requests/{extradition.pk}/approvals", {}).status_code == 403
    assert api(outsider).send("post", f"/requests/{extradition.pk}/approvals", {}).status_code == 404
    r = cw.send("post", f"/requests/{extradition.pk}/approvals", {"message": "Please check the warrant"})
    assert r.status_code == 201, r.content
    approval = r.json()
    assert approval["status"] == "pending" and approval["asked_by"] == caseworker.username and approval["checks"]
    again = cw.send("post", f"/requests/{extradition.pk}/approvals", {})
    assert again.status_code == 422 and "request" in again.json()["errors"]

    # The supervisor's queue has it; the asker's does not (four eyes), nor anyone else's.
    queue = sup.get("/approvals").json()
    assert [a["id"] for a in queue["results"]] == [approval["id"]] and queue["results"][0]["member"] is True
    assert cw.get("/approvals").json()["count"] == 0
    assert api(outsider).get("/approvals").json()["count"] == 0
    assert sup.get("/approvals", data={"which": "mine"}).json()["errors"].keys() == {"which"}
    assert AuditEvent.objects.filter(event_type="access.approval_list", actor=supervisor).exists()

    path = f"/approvals/{approval['id']}"
    r = sup.get(path)
    assert r.status_code == 200 and r.json()["message"] == "Please check the warrant"
    tag = r["ETag"]
    assert api(outsider).get(path).status_code == 404
    assert api(oversight, "read").get(path).json()["errors"].keys() == {"purpose"}
    assert api(oversight, "read").get(path, data={"purpose": PURPOSE}).status_code == 200

    decide = f"{path}/decision"
    assert api(outsider).send("post", decide, {"decision": "return", "comment": "x"}, etag="*").status_code == 404
    assert api(supervisor, "read").send("post", decide, {"decision": "return", "comment": "Add the passport"},
                                        etag=tag).status_code == 403
    assert cw.send("post", decide, {"decision": "return", "comment": "x"}, etag=tag).status_code == 403  # not a decider
    assert sup.send("post", decide, {"decision": "return", "comment": "Add the passport"}).status_code == 428
    r = sup.send("post", decide, {"decision": "return"}, etag=tag)
    assert r.status_code == 422 and "comment" in r.json()["errors"]
    r = sup.send("post", decide, {"decision": "maybe"}, etag=tag)
    assert r.status_code == 422 and "decision" in r.json()["errors"]
    r = sup.send("post", decide, {"decision": "return", "comment": "Add the passport"}, etag=tag)
    assert r.status_code == 200 and r.json()["status"] == "returned" and r.json()["decided_by"] == supervisor.username
    assert sup.send("post", decide, {"decision": "approve"}, etag=tag).status_code == 412
    assert ApprovalRequest.objects.get(pk=approval["id"]).decision_comment == "Add the passport"
    returned = cw.get("/approvals", data={"which": "returned"}).json()
    assert [a["id"] for a in returned["results"]] == [approval["id"]]
