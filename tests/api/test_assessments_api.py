"""Saved assessments, memos and the public law tools over the API (comity.api.assessments_api): the same actions,
compartments, purposes and logs as the assessment pages (tests/assessments)."""

from __future__ import annotations

import json

import pytest

from comity.assessments.models import AssessmentSnapshot
from comity.audit.models import AuditEvent

FACTS = {"kind": "extradition", "requesting_state": "IT", "requested_state": "CH", "date": "2024-06-01",
         "purpose": "prosecution",
         "offences": [{"description": "fraud", "max_penalty_months": 120, "criminal_in_requested": True}]}
PURPOSE = "Complaint DPA-2026-114 about how this case handled a person's data"


@pytest.fixture
def api(client):
    from comity.accounts.actions import do_create_token

    def make(user=None, scope="write"):
        auth = {}
        if user is not None:
            _, raw = do_create_token(user, name=f"test {scope}", scope=scope, acting_user=user)
            auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

        class Api:
            def get(self, path, **kw):
                return client.get("/api" + path, **auth, **kw)

            def post(self, path, data=None):
                return client.post("/api" + path, data=json.dumps(data if data is not None else {}),
                                   content_type="application/json", **auth)

        return Api()

    return make


def _body(resp) -> bytes:
    return b"".join(resp.streaming_content) if getattr(resp, "streaming", False) else resp.content


def test_save_list_read_an_assessment_and_its_memos(api, extradition, supervisor, caseworker):
    a = api(caseworker)
    r = a.post(f"/requests/{extradition.pk}/assessments", FACTS)
    assert r.status_code == 201, r.content
    snap = AssessmentSnapshot.objects.get()
    out = r.json()
    assert out["id"] == snap.pk and out["request"] == extradition.reference and out["kind"] == "extradition"
    assert out["outcome"] == snap.outcome and out["result"]["rules_version"] == snap.rules_version
    assert out["facts"] == FACTS and out["facts_in_words"] and "not a decision" in out["advisory"]
    assert AuditEvent.objects.filter(event_type="assessment.saved", via="api", actor=caseworker).exists()

    red = {k: v for k, v in FACTS.items() if k != "requested_state"}
    assert a.post(f"/requests/{extradition.pk}/assessments", {**red, "kind": "red_notice"}).status_code == 201
    page = a.get(f"/requests/{extradition.pk}/assessments", data={"limit": 1})
    assert page.status_code == 200 and page.json()["count"] == 2 and page.json()["next_cursor"]
    assert page.json()["results"][0]["kind"] == "red_notice"  # newest first
    nxt = a.get(f"/requests/{extradition.pk}/assessments", data={"limit": 1, "cursor": page.json()["next_cursor"]})
    assert [x["id"] for x in nxt.json()["results"]] == [snap.pk]
    only = a.get(f"/requests/{extradition.pk}/assessments", data={"kind": "extradition"})
    assert [x["id"] for x in only.json()["results"]] == [snap.pk]
    assert a.get(f"/requests/{extradition.pk}/assessments", data={"kind": "divination"}).status_code == 422
    assert a.get(f"/requests/{extradition.pk}/assessments", data={"sort": "colour"}).json()["errors"].keys() == {"sort"}

    one = a.get(f"/assessments/{snap.pk}")
    assert one.status_code == 200 and one.json()["result"] == snap.result and one.json()["memos"] == []
    assert AuditEvent.objects.filter(event_type="access.assessment_view", via="api", actor=caseworker).count() >= 4

    missing = a.get(f"/assessments/{snap.pk}/memos/pdf")
    assert missing.status_code == 404 and "No PDF memo" in missing.json()["message"]
    for fmt, magic in (("pdf", b"%PDF"), ("docx", b"PK")):
        made = a.post(f"/assessments/{snap.pk}/memos", {"format": fmt})
        assert made.status_code == 201 and made.streaming, made.content
        body = _body(made)
        assert body.startswith(magic) and f".{fmt}" in made["Content-Disposition"]
        got = a.get(f"/assessments/{snap.pk}/memos/{fmt}")
        assert got.status_code == 200 and got.streaming and _body(got) == body  # the stored memo
        snap.refresh_from_db()
        doc = getattr(snap, f"memo_{fmt}")
        assert made["Content-Location"] == f"/api/cases/{extradition.case_id}/documents/{doc.pk}/content"
    assert a.get(f"/assessments/{snap.pk}").json()["memos"] == ["pdf", "docx"]
    assert AuditEvent.objects.filter(event_type="assessment.memo_exported", via="api").count() == 2
    assert AuditEvent.objects.filter(event_type="access.memo_download", via="api").count() == 4


def test_the_memo_is_the_one_the_web_writes(api, login, extradition, supervisor):
    from comity.assessments.memo import render_docx
    from comity.builder.render import docx_text

    api(supervisor).post(f"/requests/{extradition.pk}/assessments", FACTS)
    snap = AssessmentSnapshot.objects.get()
    streamed = _body(api(supervisor).post(f"/assessments/{snap.pk}/memos", {"format": "docx"}))
    assert docx_text(streamed) == docx_text(render_docx(snap))
    web = login(supervisor)
    assert web.post(f"/assessments/{snap.pk}/memo.docx").status_code == 302
    snap.refresh_from_db()
    with snap.memo_docx.file.open("rb") as fh:
        assert docx_text(fh.read()) == docx_text(streamed)


@pytest.mark.parametrize("facts,field", [
    ({k: v for k, v in FACTS.items() if k != "kind"}, "kind"),
    ({**FACTS, "kind": "astrology"}, "kind"),
    ({**FACTS, "requesting_state": "QQ"}, "requesting_state"),
    ({**FACTS, "date": "2024-02-30"}, "date"),
    ({**FACTS, "offences": [{"description": "fraud", "max_penalty_months": "ten"}]}, "offences"),
])
def test_bad_facts_are_422_naming_the_field_and_nothing_is_saved(api, extradition, supervisor, facts, field):
    r = api(supervisor).post(f"/requests/{extradition.pk}/assessments", facts)
    assert r.status_code == 422, r.content
    assert any(k == field or k.startswith(field + ".") or k.startswith(field + "[") for k in r.json()["errors"]), \
        r.json()
    assert not AssessmentSnapshot.objects.exists()
    assert not AuditEvent.objects.filter(event_type="assessment.saved").exists()


def test_bad_memo_format_is_named(api, extradition, supervisor):
    a = api(supervisor)
    a.post(f"/requests/{extradition.pk}/assessments", FACTS)
    snap = AssessmentSnapshot.objects.get()
    r = a.post(f"/assessments/{snap.pk}/memos", {"format": "odt"})
    assert r.status_code == 422 and "format" in r.json()["errors"]
    assert a.get(f"/assessments/{snap.pk}/memos/odt").status_code == 422


def test_compartments_purposes_and_scopes(api, extradition, supervisor, outsider, oversight):
    a = api(supervisor)
    a.post(f"/requests/{extradition.pk}/assessments", FACTS)
    snap = AssessmentSnapshot.objects.get()
    a.post(f"/assessments/{snap.pk}/memos", {"format": "pdf"})

    out = api(outsider)
    for path in (f"/requests/{extradition.pk}/assessments", f"/assessments/{snap.pk}",
                 f"/assessments/{snap.pk}/memos/pdf"):
        assert out.get(path).status_code == 404
    assert out.post(f"/requests/{extradition.pk}/assessments", FACTS).status_code == 404
    assert out.post(f"/assessments/{snap.pk}/memos", {"format": "docx"}).status_code == 404
    assert api(outsider).get("/assessments/999999").status_code == 404

    dpo = api(oversight, "read")
    for path in (f"/requests/{extradition.pk}/assessments", f"/assessments/{snap.pk}",
                 f"/assessments/{snap.pk}/memos/pdf"):
        r = dpo.get(path)
        assert r.status_code == 422 and "purpose" in r.json()["errors"], path
        r = dpo.get(path, data={"purpose": PURPOSE})
        assert r.status_code == 200, (path, r.content)
    logged = AuditEvent.objects.filter(actor=oversight, category="access", via="api")
    assert {"access.assessment_view", "access.memo_download"} <= set(logged.values_list("event_type", flat=True))
    dpo_w = api(oversight, "write")
    assert dpo_w.post(f"/requests/{extradition.pk}/assessments", FACTS).status_code == 404
    assert dpo_w.post(f"/assessments/{snap.pk}/memos", {"format": "docx"}).status_code == 404

    ro = api(supervisor, "read")
    assert ro.get(f"/assessments/{snap.pk}").status_code == 200
    assert ro.post(f"/requests/{extradition.pk}/assessments", FACTS).status_code == 403
    assert ro.post(f"/assessments/{snap.pk}/memos", {"format": "docx"}).status_code == 403
    assert AssessmentSnapshot.objects.count() == 1
    snap.refresh_from_db()
    assert snap.memo_docx is None


def test_exposure_is_public_stores_and_logs_nothing_and_matches_the_web(api, client, db):
    from comity.assessments import actions

    before = AuditEvent.objects.count()
    facts = {"requesting_state": "US", "purpose": "prosecution", "date": "2024-06-01",
             "offences": [{"description": "fraud", "max_penalty_months": 240}]}
    r = api().post("/law/exposure", facts)
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["wanted_by"] == "US" and "US" not in {s["state"] for s in out["states"]}
    assert sum(out["counts"].values()) == len(out["states"]) > 100
    rows = actions.exposure({**facts, "kind": "extradition"})
    assert [(s["state"], s["outcome"]) for s in out["states"]] == [(x["state"], x["outcome"]) for x in rows]
    page = client.get("/law/exposure/", {"requesting_state": "US", "purpose": "prosecution", "date": "2024-06-01",
                                         "description": "fraud", "max_penalty_months": "240"}).content.decode()
    gb = next(s for s in out["states"] if s["state"] == "GB")
    assert gb["words"] in page and gb["name"] in page
    bad = api().post("/law/exposure", {**facts, "requesting_state": "Narnia"})
    assert bad.status_code == 422 and "requesting_state" in bad.json()["errors"]
    assert api().post("/law/exposure", {"purpose": "prosecution"}).json()["errors"].keys() == {"requesting_state"}
    assert AuditEvent.objects.count() == before


def test_red_notice_check_is_public_and_stores_nothing(api, db, supervisor):
    reader = api(supervisor, "read")
    before = AuditEvent.objects.count()
    facts = {"requesting_state": "TR", "purpose": "prosecution", "date": "2024-06-01",
             "offences": [{"description": "unpaid debt", "characteristics": ["private_dispute"]}]}
    r = api().post("/law/red-notice", facts)
    assert r.status_code == 200, r.content
    assert r.json()["kind"] == "red_notice" and r.json()["outcome"]
    assert reader.post("/law/red-notice", facts).status_code == 200
    bad = api().post("/law/red-notice", {**facts, "kind": "extradition"})
    assert bad.status_code == 422 and "kind" in bad.json()["errors"]
    bad = api().post("/law/red-notice", {**facts, "requesting_state": "QQ"})
    assert bad.status_code == 422 and "requesting_state" in bad.json()["errors"]
    assert AuditEvent.objects.count() == before
    assert not AssessmentSnapshot.objects.exists()
