"""The exchange's API operations (comity.api.exchange_api): the same reads and actions as its pages, with the API's
rules (403 for roles and read-only tokens, 404 outside the caller's cases, 422 naming the field, If-Match)."""

from __future__ import annotations

import pytest

from tests.courier.conftest import events, make_peer


def test_messages_list_is_the_members_own_paged_and_logged(xw, api_as):
    a = api_as(xw.cw)
    body = a.get("/exchange/messages").json()
    assert body["count"] == 3 and {m["type"] for m in body["results"]} == {"new_request", "information",
                                                                             "information_request"}
    failed = next(m for m in body["results"] if m["status"] == "failed")
    assert failed["reason"] == "retries_exhausted" and failed["reason_label"].startswith("Every delivery attempt")
    assert failed["type_label"] == "A new request for cooperation" and failed["peer_name"] == "Federal Office of Justice"
    assert failed["request_reference"] == xw.req.reference and failed["evidence_types"] == ["SUBMISSION_ACCEPTANCE",
                                                                                           "NON_DELIVERY"]
    assert a.get("/exchange/messages", status="trouble").json()["count"] == 2
    assert a.get("/exchange/messages", direction="in").json()["count"] == 1
    assert a.get("/exchange/messages", case=xw.case.reference, type="information").json()["count"] == 1
    seen, cursor = [], None
    while True:
        page = a.get("/exchange/messages", limit=1, **({"cursor": cursor} if cursor else {})).json()
        seen += [m["id"] for m in page["results"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 3
    assert events("access.exchange_list", actor=xw.cw, via="api")
    assert api_as(xw.outsider).get("/exchange/messages").json()["count"] == 0
    r = a.get("/exchange/messages", status="lost")
    assert r.status_code == 422 and "status" in r.json()["errors"]


def test_reading_a_received_message_opens_it_and_others_get_404(xw, api_as):
    r = api_as(xw.outsider).get(f"/exchange/messages/{xw.question.pk}")
    assert r.status_code == 404
    r = api_as(xw.dpo, "read").get(f"/exchange/messages/{xw.question.pk}")
    assert r.status_code == 422 and r.json()["error"] == "purpose_required"
    r = api_as(xw.dpo, "read").get(f"/exchange/messages/{xw.question.pk}",
                                   purpose="Complaint 2026-14 about the handling of a request")
    assert r.status_code == 200 and r.json()["status"] == "received"  # oversight reading is no retrieval
    body = api_as(xw.cw, "read").get(f"/exchange/messages/{xw.question.pk}").json()
    assert body["status"] == "retrieved" and [e["type"] for e in body["evidence"]] == ["DELIVERY", "RETRIEVAL"]
    assert body["fields"] == [{"key": "questions", "label": "Questions",
                               "value": "Which accounts, and for which period?"}]
    assert body["evidence"][1]["issuer_label"] == "This authority"
    assert events("access.exchange_message", actor=xw.cw, via="api", case_id=xw.case.pk)


def test_a_message_shows_its_attachments_and_its_evidence_downloads(xw, api_as):
    from comity.courier import local
    from comity.exchange import read_evidence

    a = api_as(xw.cw, "read")
    body = a.get(f"/exchange/messages/{xw.sent.pk}").json()
    doc = xw.case.documents.get()
    assert body["attachments"] == [{"index": 0, "name": "letter.pdf", "media_type": "application/pdf",
                                    "size": doc.size, "sha256": doc.sha256, "document_id": doc.pk,
                                    "evidence_item_id": None}]
    assert {f["key"]: f["value"] for f in body["fields"]}["kind"] == "Mutual legal assistance"
    neg = next(e for e in body["evidence"] if e["type"] == "NON_DELIVERY")
    r = a.get(f"/exchange/messages/{xw.sent.pk}/evidence/{neg['id']}")
    assert r.status_code == 200 and r["Content-Type"] == "application/jose"
    assert read_evidence(r.content, issuer=local.identity()).reason == "retries_exhausted"
    assert api_as(xw.outsider).get(f"/exchange/messages/{xw.sent.pk}/evidence/{neg['id']}").status_code == 404
    assert a.get(f"/exchange/messages/{xw.sent.pk}/evidence/999999").status_code == 404


@pytest.mark.parametrize("path", ["/exchange/peers", "/exchange/identity", "/exchange/directory", "/exchange/routes",
                                  "/exchange/rejections"])
def test_administration_reads_are_403_for_everyone_else(xw, api_as, path):
    assert api_as(xw.sup).get(path).status_code == 403
    assert api_as(xw.admin, "read").get(path).status_code == 200


def test_the_trust_list_import_confirm_and_revoke(xw, api_as):
    from comity.courier.models import Peer
    from comity.exchange import AuthorityKeys, Identity, format_fingerprint

    a = api_as(xw.admin)
    listed = a.get("/exchange/peers").json()["results"]
    assert listed[0]["fingerprint_groups"] == format_fingerprint(xw.peer.fingerprint)
    assert listed[0]["confirmation"].startswith("read aloud by telephone")
    r = a.post("/exchange/peers", {"identity_file": "garbage"})
    assert r.status_code == 422 and "identity_file" in r.json()["errors"]
    assert api_as(xw.admin, "read").post("/exchange/peers", {"identity_file": "x"}).status_code == 403
    keys = AuthorityKeys.generate()
    ident = Identity.for_keys(keys, authority="FR:bepi", state="FR", name="Bureau de l'entraide pénale",
                              role="central_authority", endpoint="https://127.0.0.1:9/exchange/v1/",
                              tls_certificate_sha256="1" * 64)
    r = a.post("/exchange/peers", {"identity_file": ident.sign(keys.signing().key)})
    assert r.status_code == 201 and r.json()["status"] == "pending"
    pid, etag, fp = r.json()["id"], r["ETag"], r.json()["fingerprint"]
    # without If-Match: 428; with a wrong fingerprint: 422 naming it, and nothing changes
    r = a.post(f"/exchange/peers/{pid}/confirm", {"fingerprint_read": fp, "how": "read by telephone, +33 1 44"})
    assert r.status_code == 428
    wrong = fp[:-1] + ("0" if fp[-1] != "0" else "1")
    r = a.post(f"/exchange/peers/{pid}/confirm", {"fingerprint_read": wrong, "how": "read by telephone, +33 1 44"},
               headers={"If-Match": etag})
    assert r.status_code == 422 and "does not match" in r.json()["errors"]["fingerprint_read"]
    assert Peer.objects.get(pk=pid).status == "pending" and not events("exchange.peer_trusted", object_id=str(pid))
    r = a.post(f"/exchange/peers/{pid}/confirm", {"fingerprint_read": format_fingerprint(fp),
                                                  "how": "read by telephone, +33 1 44"}, headers={"If-Match": etag})
    assert r.status_code == 200 and r.json()["status"] == "trusted" and r.json()["confirmed_by"] == "admin1"
    # the ETag read before the confirmation is stale now
    r = a.post(f"/exchange/peers/{pid}/revoke", {"reason": "moved to a new instance"}, headers={"If-Match": etag})
    assert r.status_code == 412 and "status" in r.json()["changed"]
    etag = a.get(f"/exchange/peers/{pid}")["ETag"]
    r = a.post(f"/exchange/peers/{pid}/revoke", {"reason": "no"}, headers={"If-Match": etag})
    assert r.status_code == 422 and "reason" in r.json()["errors"]
    r = a.post(f"/exchange/peers/{pid}/revoke", {"reason": "moved to a new instance"}, headers={"If-Match": etag})
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert api_as(xw.sup).post(f"/exchange/peers/{xw.peer.pk}/revoke", {"reason": "moved to a new instance"},
                               headers={"If-Match": "*"}).status_code == 403


def test_own_identity(xw, api_as, settings, tmp_path):
    from comity.exchange import Identity

    body = api_as(xw.admin, "read").get("/exchange/identity").json()
    assert body["authority"] == "IT:mg-dag" and len(body["fingerprint_groups"].split()) == 16
    assert Identity.read_file(body["identity_file"]).authority == "IT:mg-dag"
    settings.DATA_DIR = tmp_path / "elsewhere"
    r = api_as(xw.admin, "read").get("/exchange/identity")
    assert r.status_code == 404 and "comity exchange init" in r.json()["errors"]["exchange"]


def test_the_directory_create_update_and_seed(xw, api_as):
    from comity.courier.models import DirectoryEntry

    a = api_as(xw.admin)
    entry = {"state": "FR", "name": "Parquet national financier", "kind": "prosecutor", "cooperation": ["mla"],
             "languages": ["fr"], "channel": "post", "address": "Paris"}
    for bad, field in (({"state": "XX"}, "state"), ({"kind": "judge"}, "kind"), ({"cooperation": []}, "cooperation"),
                       ({"channel": "comity"}, "peer"), ({"languages": ["french"]}, "languages")):
        r = a.post("/exchange/directory", {**entry, **bad})
        assert r.status_code == 422 and field in r.json()["errors"], (bad, r.content)
    assert DirectoryEntry.objects.count() == 1
    r = a.post("/exchange/directory", entry)
    assert r.status_code == 201 and r.json()["cooperation_labels"] == ["Mutual legal assistance"]
    eid = r.json()["id"]
    assert a.put(f"/exchange/directory/{eid}", {**entry, "name": "PNF"}).status_code == 428
    etag = a.get(f"/exchange/directory/{eid}")["ETag"]
    r = a.put(f"/exchange/directory/{eid}", {**entry, "name": "PNF"}, headers={"If-Match": etag})
    assert r.status_code == 200 and r.json()["name"] == "PNF"
    r = a.put(f"/exchange/directory/{eid}", {**entry, "name": "Other"}, headers={"If-Match": etag})
    assert r.status_code == 412 and r.json()["changed"] == {"name": "PNF"}
    assert a.get("/exchange/directory", state="FR").json()["count"] == 1
    r = a.post("/exchange/directory/seed")
    assert r.status_code == 200 and r.json()["created"] > 50
    assert a.post("/exchange/directory/seed").json()["created"] == 0
    assert a.get("/exchange/directory", kind="central_authority", channel="diplomatic").json()["count"] > 50
    assert api_as(xw.sup).post("/exchange/directory/seed").status_code == 403


def test_routes_and_refusals(xw, api_as):
    from comity.accounts.actions import do_create_unit

    unit = do_create_unit(name="Ufficio II", acting_user=xw.admin)
    a = api_as(xw.admin)
    assert [r["unit_id"] for r in a.get("/exchange/routes").json()["routes"]] == [None] * 5
    r = a.put("/exchange/routes/mla", {"unit_id": 999999})
    assert r.status_code == 422 and "unit_id" in r.json()["errors"]
    assert a.put("/exchange/routes/deportation", {"unit_id": unit.pk}).status_code == 422
    r = a.put("/exchange/routes/mla", {"unit_id": unit.pk})
    assert r.status_code == 200 and r.json()["unit"] == "Ufficio II" and r.json()["kind_label"] == \
        "Mutual legal assistance"
    body = a.get("/exchange/rejections").json()
    assert body["count"] == 1 and body["results"][0]["reason_label"].startswith("The signature does not verify")
    assert a.get("/exchange/rejections", reason="hash_mismatch").json()["count"] == 0


def test_a_pending_peer_is_listed_by_status(xw, api_as):
    make_peer(xw.admin, authority="DE:bfj", name="Bundesamt für Justiz", confirm=False)
    a = api_as(xw.admin, "read")
    assert [p["authority"] for p in a.get("/exchange/peers", status="pending").json()["results"]] == ["DE:bfj"]
    assert a.get("/exchange/peers", state="ch").json()["count"] == 1
