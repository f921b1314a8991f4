"""Two instances on loopback exchange a complete mutual legal assistance request: the request with its
documents, the acknowledgement, a request for further information and its answer, acceptance, and the
execution result with the evidence file; both sides' requests move through their lifecycles, documents arrive
with the same SHA-256, every message has its signed evidence, and the legal clock of the requested side runs
from the DELIVERY day."""

from __future__ import annotations

import hashlib

import pytest

from tests.exchange.pair import pair, wait_for
from tests.support.crash import cli


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pair")
    fr, es = pair(tmp)
    fr.start()
    es.start()
    yield fr, es
    fr.drop()
    es.drop()


def status_of(side, request_id):
    return side.api("GET", f"/api/requests/{request_id}")[1]["status"]


def incoming(es):
    code, page = es.api("GET", "/api/requests?direction=incoming")
    return page["results"][0] if code == 200 and page.get("results") else None


def test_a_complete_mla_request_travels_both_ways(two):
    fr, es = two
    _, case = fr.api("POST", "/api/cases", {"title": "Fraude aux virements", "summary": "Virements frauduleux "
                                                                                       "vers Málaga, 2026."})
    statement = b"Releve de compte 2026-03\n" * 4000
    code, doc = fr.api("POST", f"/api/cases/{case['id']}/documents", files=("letter-of-request.pdf", statement))
    assert code == 201, doc
    code, req = fr.api("POST", f"/api/cases/{case['id']}/requests", {
        "kind": "mla", "direction": "outgoing", "subject": "Bank records of account ES12 3456",
        "requesting_state": "FR", "requested_state": "ES"})
    assert code == 201, req
    reason = "Urgent: the draft is in the case file; sent for the two-instance test"
    for step in ("approve", "send"):
        code, body = fr.api("POST", f"/api/requests/{req['id']}/transitions",
                            {"transition": step, "override_reason": reason})
        assert code == 201, body
    # FR's outbox delivers the request; ES's instance makes an incoming request of it, in a new case
    got = wait_for(lambda: incoming(es), what="the incoming request at ES")
    assert got["kind"] == "mla" and got["requesting_state"] == "FR" and got["status"] == "received"
    sent = wait_for(lambda: [m for m in fr.outbox() if m["type"] == "new_request" and m["status"] == "delivered"],
                    what="FR's DELIVERY evidence")
    assert sent[0]["evidence"] == ["SUBMISSION_ACCEPTANCE", "DELIVERY"]
    es_req = got["id"]
    _, detail = es.api("GET", f"/api/requests/{es_req}")
    es_case = detail["case_id"]
    _, docs = es.api("GET", f"/api/cases/{es_case}/documents")
    assert [d["sha256"] for d in docs["results"]] == [hashlib.sha256(statement).hexdigest()]

    # ES acknowledges by starting the assessment: FR's request is acknowledged
    assert es.api("POST", f"/api/requests/{es_req}/transitions", {"transition": "start_assessment"})[0] == 201
    wait_for(lambda: status_of(fr, req["id"]) == "acknowledged", what="FR acknowledged")
    # ES asks for further information; FR sees the question and answers with a document
    assert es.api("POST", f"/api/requests/{es_req}/transitions", {
        "transition": "ask_for_information", "comment": "Which accounts beyond ES12 3456?"})[0] == 201
    wait_for(lambda: status_of(fr, req["id"]) == "further_information_requested", what="FR asked")
    _, notes = fr.api("GET", f"/api/cases/{case['id']}/notes")
    assert any("Which accounts beyond ES12 3456?" in n["text"] for n in notes["results"])
    extra = b"Second account: ES98 7654\n"
    assert fr.api("POST", f"/api/cases/{case['id']}/documents", files=("accounts.txt", extra))[0] == 201
    assert fr.api("POST", f"/api/requests/{req['id']}/transitions", {
        "transition": "supply_information", "comment": "Also ES98 7654, see the attached list."})[0] == 201
    wait_for(lambda: status_of(es, es_req) == "under_assessment", what="ES received the information")
    _, docs = es.api("GET", f"/api/cases/{es_case}/documents")
    assert hashlib.sha256(extra).hexdigest() in {d["sha256"] for d in docs["results"]}
    # ES accepts, executes and sends the bank records back
    assert es.api("POST", f"/api/requests/{es_req}/transitions", {"transition": "accept"})[0] == 201
    records = b"Bank records ES12 3456 / ES98 7654\n" * 20000
    assert es.api("POST", f"/api/cases/{es_case}/documents", files=("bank-records.csv", records))[0] == 201
    # the seized statement goes back as evidence, with its chain of custody
    exhibit = es.inst.folder / "statement.bin"
    exhibit.write_bytes(b"Seized server image " * 30000)
    _, case_detail = es.api("GET", f"/api/cases/{es_case}")
    cli(es.env, "evidence", "register", case_detail["reference"], str(exhibit), "--user", "writer", "--title",
        "Server image seized in Málaga", "--date-obtained", "2026-11-20")
    assert es.api("POST", f"/api/requests/{es_req}/transitions", {"transition": "record_execution"})[0] == 201
    wait_for(lambda: status_of(fr, req["id"]) == "executed", what="FR executed")
    _, docs = fr.api("GET", f"/api/cases/{case['id']}/documents")
    assert hashlib.sha256(records).hexdigest() in {d["sha256"] for d in docs["results"]}
    # the evidence is in FR's register with the same SHA-256, received from ES; ES recorded the hand-over
    _, fr_items = fr.api("GET", f"/api/cases/{case['id']}/evidence")
    (item,) = fr_items["results"]
    assert item["sha256"] == hashlib.sha256(exhibit.read_bytes()).hexdigest()
    assert item["providing_state"] == "ES"
    _, es_items = es.api("GET", f"/api/cases/{es_case}/evidence")
    (sent_item,) = es_items["results"]
    _, custody = es.api("GET", f"/api/evidence/{sent_item['id']}/custody")
    assert [e["kind"] for e in custody["results"]][-1] == "transferred"
    # every message on both sides has its evidence; nothing failed, nothing was applied twice
    for side in (fr, es):
        rows = side.outbox()
        assert all(r["status"] in ("delivered", "received", "retrieved") for r in rows), rows
        out = [r for r in rows if r["direction"] == "out"]
        assert all(r["evidence"][-1] == "DELIVERY" for r in out), out
    assert len([r for r in es.outbox() if r["direction"] == "in"]) == 2  # the request and the answer
    assert len([r for r in fr.outbox() if r["direction"] == "in"]) == 4  # ack, question, accepted, result
