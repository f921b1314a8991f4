"""Oversight over the API: the console with a stated purpose, the signed report, redress, retention and disposal,
protected persons with four-eyes unsealing. The same rules and the same audit events as the web pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from comity.audit.models import AuditEvent
from comity.cases import actions as case_actions
from comity.oversight import actions
from comity.oversight.models import CaseDisposal, ProtectedPerson, RedressMatter, UnsealingRequest

PURPOSE = "Complaint DPA-2026-7 about the handling of a person's data"
IDENTITY = "Olga Sidorova, born 1985-04-12 in Odesa"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def second_supervisor(make_user, case, supervisor):
    s2 = make_user("supervisor", "sup-b")
    case_actions.do_grant_membership(case, s2, acting_user=supervisor)
    return s2


def _body(r) -> bytes:
    return b"".join(r.streaming_content) if getattr(r, "streaming", False) else r.content


# --- console -------------------------------------------------------------------------------------------------

def test_console_search_needs_the_console_role_and_a_stated_purpose_which_is_recorded(api, oversight, supervisor,
                                                                                       case):
    assert api(supervisor).get("/oversight/events", data={"purpose": PURPOSE}).status_code == 403
    dpo = api(oversight, scope="read")
    r = dpo.get("/oversight/events", data={"case": case.reference})
    assert r.status_code == 422 and set(r.json()["errors"]) == {"purpose"}
    r = dpo.get("/oversight/events", data={"case": case.reference, "purpose": "why"})
    assert r.status_code == 422 and set(r.json()["errors"]) == {"purpose"}
    before = AuditEvent.objects.filter(event_type="access.oversight_search").count()
    r = dpo.get("/oversight/events", data={"case": case.reference, "purpose": PURPOSE, "limit": 1})
    assert r.status_code == 200, r.content
    page = r.json()
    assert page["count"] >= 2 and len(page["results"]) == 1 and page["next_cursor"]
    assert page["results"][0]["case_reference"] == case.reference
    seqs = [page["results"][0]["seq"]]
    r = dpo.get("/oversight/events", data={"case": case.reference, "purpose": PURPOSE, "limit": 1,
                                           "cursor": page["next_cursor"]})
    seqs.append(r.json()["results"][0]["seq"])
    assert seqs == sorted(seqs, reverse=True)
    logged = AuditEvent.objects.filter(event_type="access.oversight_search").order_by("-id")
    assert logged.count() == before + 2
    assert logged[0].purpose_text == PURPOSE and logged[0].via == "api"
    assert logged[0].new_values["filters"] == {"case": case.reference}


@pytest.mark.parametrize("query, field", [
    ({"category": "gossip"}, "category"),
    ({"date_from": "2026-02-30"}, "date_from"),
    ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to"),
    ({"person": "x"}, "person"),
    ({"event_purpose": "x" * 300}, "event_purpose"),
    ({"sort": "actor"}, "sort"),
])
def test_console_bad_filters_name_the_field(api, oversight, query, field):
    r = api(oversight, scope="read").get("/oversight/events", data={"purpose": PURPOSE, **query})
    assert r.status_code == 422 and field in r.json()["errors"], r.content


def test_signed_report_streams_a_pdf_and_needs_a_write_token(api, oversight, case):
    body = {"purpose": PURPOSE, "case": case.reference}
    assert api(oversight, scope="read").post("/oversight/reports", body).status_code == 403
    r = api(oversight).post("/oversight/reports", {"case": case.reference})
    assert r.status_code == 422 and "purpose" in r.json()["errors"]
    r = api(oversight).post("/oversight/reports", body)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.streaming
    assert _body(r).startswith(b"%PDF")
    ev = AuditEvent.objects.get(event_type="access.oversight_report")
    assert ev.purpose_text == PURPOSE and ev.via == "api"


# --- redress -------------------------------------------------------------------------------------------------

REDRESS = {"requester_name": "Counsel Dupont", "requester_capacity": "counsel",
           "person_described": "Ivan Petrov, born 1970", "kind": "access", "regime": "EU-LED"}


def _received(days=5) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def test_redress_file_read_decide_with_etag(api, supervisor, caseworker, outsider, oversight, case):
    cw = api(caseworker)
    r = cw.post("/redress", {**REDRESS, "received": _received(), "case_references": [case.reference]})
    assert r.status_code == 201, r.content
    m = r.json()
    assert m["cases"] == [case.reference] and m["status"] == "open" and m["reference"].startswith("RDR")
    # outside the matter's compartment: told it does not exist
    assert api(outsider).get(f"/redress/{m['id']}").status_code == 404
    assert api(outsider).get("/redress").json()["count"] == 0
    # oversight users see every matter; each read is logged
    assert api(oversight, scope="read").get(f"/redress/{m['id']}").status_code == 200
    sup = api(supervisor)
    listed = sup.get("/redress", data={"status": "open"}).json()
    assert [x["reference"] for x in listed["results"]] == [m["reference"]]
    assert AuditEvent.objects.filter(event_type="access.redress_list", via="api").exists()
    got = sup.get(f"/redress/{m['id']}")
    etag = got["ETag"]
    assert AuditEvent.objects.filter(event_type="access.redress_matter", via="api").count() == 2
    decision = {"decision": "partly_granted", "reasons": "Some records are held by another agency."}
    # a caseworker may not decide; a read-only token may not write; If-Match is needed
    assert cw.post(f"/redress/{m['id']}/decision", decision, HTTP_IF_MATCH="*").status_code == 403
    assert api(supervisor, scope="read").post(f"/redress/{m['id']}/decision", decision,
                                              HTTP_IF_MATCH=etag).status_code == 403
    assert sup.post(f"/redress/{m['id']}/decision", decision).status_code == 428
    # someone extends the period meanwhile: the ETag read before is stale
    r = sup.post(f"/redress/{m['id']}/extension", {"reason": "Records from two agencies"}, HTTP_IF_MATCH=etag)
    assert r.status_code == 200 and r.json()["extended_due"] and r["ETag"] != etag
    r = sup.post(f"/redress/{m['id']}/decision", decision, HTTP_IF_MATCH=etag)
    assert r.status_code == 412 and "extended_due" in r.json()["changed"]
    r = sup.post(f"/redress/{m['id']}/decision", {**decision, "reasons": "short"}, HTTP_IF_MATCH=r["ETag"])
    assert r.status_code == 422 and set(r.json()["errors"]) == {"reasons"}
    r = sup.post(f"/redress/{m['id']}/decision", decision, HTTP_IF_MATCH=sup.get(f"/redress/{m['id']}")["ETag"])
    assert r.status_code == 200 and r.json()["decision"] == "partly_granted" and r.json()["decided_by"] == "sup"
    assert AuditEvent.objects.get(event_type="redress.decided").via == "api"


@pytest.mark.parametrize("change, field", [
    ({"kind": "erasure"}, "kind"),
    ({"received": "2026-02-30"}, "received"),
    ({"received": "2999-01-01"}, "received"),
    ({"requester_name": ""}, "requester_name"),
    ({"case_references": ["CASE-9999-999"]}, "case_references"),
])
def test_redress_bad_input_names_the_field_and_stores_nothing(api, caseworker, change, field):
    r = api(caseworker).post("/redress", {**REDRESS, "received": _received(), **change})
    assert r.status_code == 422 and field in r.json()["errors"], r.content
    assert not RedressMatter.objects.exists()


def test_redress_of_a_case_outside_yours_is_refused_like_an_unknown_case(api, outsider, case):
    r = api(outsider).post("/redress", {**REDRESS, "received": _received(), "case_references": [case.reference]})
    assert r.status_code == 422 and "case_references" in r.json()["errors"]


# --- retention and disposal ----------------------------------------------------------------------------------

def test_retention_undertaking_disposal_and_certificate(api, make_user, supervisor, caseworker, outsider, oversight,
                                                        case, extradition):
    sup = api(supervisor)
    # members only, even for oversight users with a purpose (as on the web)
    assert api(outsider).get(f"/cases/{case.pk}/retention").status_code == 404
    assert api(oversight, scope="read").get(f"/cases/{case.pk}/retention",
                                            data={"purpose": PURPOSE}).status_code == 404
    r = sup.post(f"/cases/{case.pk}/retention/undertakings",
                 {"kind": "by_date", "text": "Requested State's condition", "dispose_by": "2030-01-01",
                  "request_id": extradition.pk})
    assert r.status_code == 201 and r.json()["request"] == extradition.reference
    r = sup.post(f"/cases/{case.pk}/retention/undertakings", {"kind": "by_date", "text": "letter"})
    assert r.status_code == 422 and "dispose_by" in r.json()["errors"]
    r = sup.post(f"/cases/{case.pk}/retention/undertakings", {"kind": "use_limitation", "text": "x",
                                                               "request_id": 999999})
    assert r.status_code == 422 and "request_id" in r.json()["errors"]
    assert api(supervisor, scope="read").post(f"/cases/{case.pk}/retention/undertakings",
                                              {"kind": "use_limitation", "text": "only case X"}).status_code == 403
    got = sup.get(f"/cases/{case.pk}/retention")
    assert got.status_code == 200 and got.json()["retention_due"] == "2030-01-01"
    etag = got["ETag"]
    dispose = {"reason": "Ordered by the court", "confirm_early": True}
    assert api(caseworker).post(f"/cases/{case.pk}/disposal", dispose, HTTP_IF_MATCH="*").status_code == 403
    assert api(outsider).post(f"/cases/{case.pk}/disposal", dispose, HTTP_IF_MATCH="*").status_code == 404
    # open case: refused naming the case; nothing disposed
    r = sup.post(f"/cases/{case.pk}/disposal", dispose, HTTP_IF_MATCH=etag)
    assert r.status_code == 422 and "case" in r.json()["errors"]
    case_actions.do_close_case(case, reason="Proceedings ended", acting_user=supervisor)
    r = sup.post(f"/cases/{case.pk}/disposal", dispose, HTTP_IF_MATCH=etag)
    assert r.status_code == 412 and "state" in r.json()["changed"]
    etag = sup.get(f"/cases/{case.pk}/retention")["ETag"]
    r = sup.post(f"/cases/{case.pk}/disposal", {"reason": "Ordered by the court"}, HTTP_IF_MATCH=etag)
    assert r.status_code == 422 and "confirm_early" in r.json()["errors"]
    assert not CaseDisposal.objects.exists()
    r = sup.post(f"/cases/{case.pk}/disposal", dispose, HTTP_IF_MATCH=etag)
    assert r.status_code == 201, r.content
    d = r.json()
    assert d["case_reference"] == case.reference and d["counts"]["requests"] == 1
    assert AuditEvent.objects.get(event_type="case.disposed").via == "api"
    assert sup.get("/disposals").json()["results"][0]["id"] == d["id"]
    assert api(outsider).get("/disposals").status_code == 403  # a caseworker
    assert api(make_user("supervisor")).get("/disposals").json()["count"] == 0  # not a member of the case
    # the certificate streams, for members and oversight users; others are told there is none
    for who in (supervisor, oversight):
        r = api(who, scope="read").get(f"/disposals/{d['id']}/certificate.pdf")
        assert r.status_code == 200 and r.streaming and r["Content-Type"] == "application/pdf"
        assert _body(r).startswith(b"%PDF")
    assert api(outsider).get(f"/disposals/{d['id']}/certificate.pdf").status_code == 404


def test_cases_due_for_review(api, supervisor, caseworker, oversight, case):
    case_actions.do_close_case(case, reason="Proceedings ended", acting_user=supervisor)
    actions.do_record_undertaking(case, kind="by_date", dispose_by=timezone.localdate().isoformat(),
                                  text="Dispose by today", acting_user=supervisor)
    for who in (supervisor, oversight):
        rows = api(who, scope="read").get("/retention/due").json()["results"]
        assert [r["case_reference"] for r in rows] == [case.reference]
    assert api(caseworker).get("/retention/due").status_code == 403


# --- protected persons ---------------------------------------------------------------------------------------

def test_protected_persons_four_eyes_unsealing(api, supervisor, caseworker, second_supervisor, outsider,
                                               oversight, case):
    sup, cw = api(supervisor), api(caseworker)
    r = cw.post(f"/cases/{case.pk}/protected-persons", {"pseudonym": "Witness K", "role": "witness",
                                                        "true_identity": IDENTITY})
    assert r.status_code == 201 and "Sidorova" not in r.content.decode()
    pp = r.json()
    r = cw.post(f"/cases/{case.pk}/protected-persons", {"pseudonym": "Witness K", "role": "witness",
                                                        "true_identity": "Someone else"})
    assert r.status_code == 422 and "pseudonym" in r.json()["errors"]
    r = cw.post(f"/cases/{case.pk}/protected-persons", {"pseudonym": "Olga", "role": "spy",
                                                        "true_identity": IDENTITY})
    assert r.status_code == 422 and "role" in r.json()["errors"]
    assert ProtectedPerson.objects.count() == 1
    listed = cw.get(f"/cases/{case.pk}/protected-persons")
    assert listed.status_code == 200 and [p["pseudonym"] for p in listed.json()["results"]] == ["Witness K"]
    assert api(outsider).get(f"/cases/{case.pk}/protected-persons").status_code == 404
    assert api(oversight, scope="read").get(f"/cases/{case.pk}/protected-persons",
                                            data={"purpose": PURPOSE}).status_code == 404
    # the supervisor asks; they may not approve their own request (four eyes)
    assert sup.post(f"/protected-persons/{pp['id']}/unsealing-requests", {"purpose": "why"}).status_code == 422
    assert api(supervisor, scope="read").post(f"/protected-persons/{pp['id']}/unsealing-requests",
                                              {"purpose": "Prepare the protection hearing"}).status_code == 403
    assert api(outsider).post(f"/protected-persons/{pp['id']}/unsealing-requests",
                              {"purpose": "Prepare the protection hearing"}).status_code == 404
    r = sup.post(f"/protected-persons/{pp['id']}/unsealing-requests", {"purpose": "Prepare the protection hearing"})
    assert r.status_code == 201 and r.json()["status"] == "pending"
    rid = r.json()["id"]
    etag = sup.get(f"/unsealing-requests/{rid}")["ETag"]
    r = sup.post(f"/unsealing-requests/{rid}/decision", {"decision": "approve"}, HTTP_IF_MATCH=etag)
    assert r.status_code == 403 and "Four eyes" in r.json()["message"]
    # a caseworker is not a supervisor; not approved yet: nothing to view
    assert cw.post(f"/unsealing-requests/{rid}/decision", {"decision": "approve"}, HTTP_IF_MATCH=etag
                   ).status_code == 403
    r = sup.post(f"/unsealing-requests/{rid}/identity")
    assert r.status_code == 422 and "request" in r.json()["errors"]
    s2 = api(second_supervisor)
    assert s2.get(f"/unsealing-requests/{rid}").json()["may_decide"] is True
    assert s2.post(f"/unsealing-requests/{rid}/decision", {"decision": "approve"}).status_code == 428
    assert s2.post(f"/unsealing-requests/{rid}/decision", {"decision": "maybe"},
                   HTTP_IF_MATCH=etag).status_code == 422
    assert s2.post(f"/unsealing-requests/{rid}/decision", {"decision": "refuse"},
                   HTTP_IF_MATCH=etag).json()["errors"] == {"reason": "is required"}
    r = s2.post(f"/unsealing-requests/{rid}/decision", {"decision": "approve"}, HTTP_IF_MATCH=etag)
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["decided_by"] == "sup-b"
    # the stale tag no longer matches
    assert s2.post(f"/unsealing-requests/{rid}/decision", {"decision": "refuse", "reason": "changed my mind"},
                   HTTP_IF_MATCH=etag).status_code == 412
    # only the requester reads it, once; the read is logged
    assert s2.post(f"/unsealing-requests/{rid}/identity").status_code == 403
    assert api(supervisor, scope="read").post(f"/unsealing-requests/{rid}/identity").status_code == 403
    assert sup.get(f"/unsealing-requests/{rid}").json()["may_view"] is True
    r = sup.post(f"/unsealing-requests/{rid}/identity")
    assert r.status_code == 200 and r.json()["identity"] == IDENTITY and r["Cache-Control"] == "no-store"
    again = sup.post(f"/unsealing-requests/{rid}/identity")
    assert again.status_code == 422 and "Sidorova" not in again.content.decode()
    assert UnsealingRequest.objects.get(pk=rid).status == "viewed"
    read = AuditEvent.objects.get(event_type="access.sealed_identity")
    assert read.via == "api" and read.actor_label == "sup"
    types = list(AuditEvent.objects.filter(event_type__startswith="protected_person", via="api")
                 .values_list("event_type", flat=True))
    assert types == ["protected_person.registered", "protected_person.unsealing_requested",
                     "protected_person.unsealing_approved"]
