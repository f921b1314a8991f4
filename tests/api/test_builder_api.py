"""The request builder over the API (comity.api.builder_api): the same actions, compartments and documents as the
builder's pages (tests/builder/test_views.py), with ETags on every update."""

from __future__ import annotations


import pytest

from comity.audit.models import AuditEvent
from comity.builder.models import Draft, DraftVersion, GeneratedDocument, Translation
from tests.builder.conftest import GOOD, good_content


def _body(resp) -> bytes:
    return b"".join(resp.streaming_content) if getattr(resp, "streaming", False) else resp.content


def _complete(api_, req, etag):
    """Fill the draft with good content through the API; returns the answer."""
    content = good_content("extradition")
    content.pop("persons")
    return api_.send("patch", f"/requests/{req.pk}/draft", {"content": content}, etag=etag)


def test_start_read_save_minimise_and_the_etag_guard(api, extradition, supervisor, caseworker):
    a = api(caseworker)
    r = a.get(f"/requests/{extradition.pk}/draft")
    assert r.status_code == 404 and "no draft" in r.json()["message"]
    r = a.send("post", f"/requests/{extradition.pk}/draft", {"measure": "extradition", "language": "en"})
    assert r.status_code == 201, r.content
    assert r["ETag"] and r.json()["version"] == 1 and r.json()["measure"] == "extradition"
    assert r.json()["complete"] is False and any(f["kind"] == "missing" for f in r.json()["findings"])

    read = a.get(f"/requests/{extradition.pk}/draft")
    assert read.status_code == 200 and read["ETag"] == r["ETag"]
    assert {f["name"] for f in read.json()["fields"]} >= {"warrant", "facts"}
    assert AuditEvent.objects.filter(event_type="access.builder_view", actor=caseworker, via="api").exists()

    etag = read["ETag"]
    saved = a.send("patch", f"/requests/{extradition.pk}/draft", {"content": {"facts": GOOD["facts"]},
                                                                  "language": "fr"}, etag=etag)
    assert saved.status_code == 200, saved.content
    assert saved.json()["version"] == 2 and saved.json()["language"] == "fr"
    assert saved.json()["content"]["facts"] == GOOD["facts"] and saved["ETag"] != etag
    assert DraftVersion.objects.filter(draft__request=extradition).count() == 2
    ev = AuditEvent.objects.filter(event_type="builder.draft_saved", via="api").get()
    assert ev.new_values["changed"] == ["facts"]

    # a clerk who read version 1 cannot overwrite version 2: 412 naming what changed, nothing stored
    stale = a.send("patch", f"/requests/{extradition.pk}/draft", {"content": {"facts": "Other facts."}}, etag=etag)
    assert stale.status_code == 412
    assert "content" in stale.json()["changed"] and "version" in stale.json()["changed"]
    assert stale["ETag"] == saved["ETag"]
    assert a.send("patch", f"/requests/{extradition.pk}/draft", {"content": {"facts": "x"}}).status_code == 428
    assert a.send("post", f"/requests/{extradition.pk}/draft/minimise").status_code == 428
    assert Draft.objects.get(request=extradition).version == 2

    m = a.send("post", f"/requests/{extradition.pk}/draft/minimise", etag=saved["ETag"])
    assert m.status_code == 200 and m["ETag"]


def test_persons_are_chosen_from_the_case_and_minimised(api, case, extradition, supervisor):
    from comity.cases import actions

    suspect = actions.do_add_entity(case, schema="Person", role="suspect", acting_user=supervisor, properties={
        "name": ["Karim Haddad"], "birthDate": ["1980-02-03"], "nationality": ["LB"], "phone": ["+41 79 1"],
        "email": ["k@example.org"], "address": ["Zurich"]})
    a = api(supervisor)
    r = a.send("post", f"/requests/{extradition.pk}/draft", {"measure": "extradition"})
    assert [p["entity_id"] for p in r.json()["parties"]] == [suspect.pk]
    r = a.send("patch", f"/requests/{extradition.pk}/draft",
               {"content": {"persons": [{"entity_id": suspect.pk, "pseudonym": "Person A"}]}}, etag=r["ETag"])
    assert r.status_code == 200 and r.json()["persons"][0]["pseudonym"] == "Person A"
    assert r.json()["persons"][0]["schema"] == "Person" and r.json()["parties"][0]["included"] is True
    bad = a.send("patch", f"/requests/{extradition.pk}/draft", {"content": {"persons": [{"entity_id": 999999}]}},
                 etag=r["ETag"])
    assert bad.status_code == 422 and "content.persons" in bad.json()["errors"]


@pytest.mark.parametrize("body,field", [
    ({"content": {"nonsense": "x"}}, "content.nonsense"),
    ({"content": {"facts": "x" * 100000}}, "content.facts"),
    ({"content": {"records_date_from": "2026-02-30"}}, "content.records_date_from"),
    ({"content": "facts"}, "content"),
    ({"language": "de"}, "language"),
])
def test_bad_input_names_the_field_and_stores_nothing(api, extradition, supervisor, body, field):
    a = api(supervisor)
    etag = a.send("post", f"/requests/{extradition.pk}/draft", {"measure": "extradition"})["ETag"]
    r = a.send("patch", f"/requests/{extradition.pk}/draft", body, etag=etag)
    assert r.status_code == 422, r.content
    assert field in r.json()["errors"], r.json()
    assert Draft.objects.get(request=extradition).version == 1


def test_start_refuses_a_measure_of_another_kind_and_a_second_draft(api, extradition, supervisor):
    a = api(supervisor)
    r = a.send("post", f"/requests/{extradition.pk}/draft", {"measure": "records"})
    assert r.status_code == 422 and "measure" in r.json()["errors"]
    r = a.send("post", f"/requests/{extradition.pk}/draft", {"measure": "extradition", "language": "xx"})
    assert r.status_code == 422 and "language" in r.json()["errors"]
    assert a.send("post", f"/requests/{extradition.pk}/draft", {"measure": "extradition"}).status_code == 201
    r = a.send("post", f"/requests/{extradition.pk}/draft", {"measure": "extradition"})
    assert r.status_code == 422 and "request" in r.json()["errors"]


def test_generate_streams_the_document_the_web_generates(api, login, extradition, supervisor):
    from comity.builder.render import docx_text, pdf_text

    a = api(supervisor)
    etag = a.send("post", f"/requests/{extradition.pk}/draft", {"measure": "extradition"})["ETag"]
    early = a.send("post", f"/requests/{extradition.pk}/draft/documents", {"format": "pdf"})
    assert early.status_code == 422 and "draft" in early.json()["errors"]  # not complete yet
    assert _complete(a, extradition, etag).status_code == 200

    made = {}
    for fmt in ("pdf", "docx"):
        for language in ("en", "fr", "es"):
            r = a.send("post", f"/requests/{extradition.pk}/draft/documents", {"format": fmt, "language": language})
            assert r.status_code == 201, r.content
            assert r.streaming and r["Content-Type"].startswith("application/")
            assert f"-{language}-v1.{fmt}" in r["Content-Disposition"]
            body = _body(r)
            g = GeneratedDocument.objects.get(draft__request=extradition, format=fmt, language=language)
            assert r["Content-Location"] == f"/api/cases/{extradition.case_id}/documents/{g.document_id}/content"
            with g.document.file.open("rb") as fh:
                assert fh.read() == body  # what is streamed is what the case keeps
            made[(fmt, language)] = body
    assert made[("pdf", "en")].startswith(b"%PDF") and made[("docx", "en")].startswith(b"PK")
    assert AuditEvent.objects.filter(event_type="builder.document_generated", via="api").count() == 6

    # the web's generate makes the same document (the same blocks, the same renderers)
    web = login(supervisor)
    assert web.post(f"/builder/requests/{extradition.pk}/generate/", {"format": "docx", "language": "fr"}
                    ).status_code == 302
    g = GeneratedDocument.objects.get(draft__request=extradition, format="docx", language="fr", version=2)
    with g.document.file.open("rb") as fh:
        assert docx_text(fh.read()) == docx_text(made[("docx", "fr")])
    assert "PROJET" in docx_text(made[("docx", "fr")]) and "BORRADOR" in pdf_text(made[("pdf", "es")])

    r = a.send("post", f"/requests/{extradition.pk}/draft/documents", {"format": "odt"})
    assert r.status_code == 422 and "format" in r.json()["errors"]
    r = a.send("post", f"/requests/{extradition.pk}/draft/documents", {"format": "pdf", "purpose": "rfi"})
    assert r.status_code == 422 and "purpose" in r.json()["errors"]


def test_languages_and_translations(api, case, extradition, supervisor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from comity.cases import actions

    a = api(supervisor)
    a.send("post", f"/requests/{extradition.pk}/draft", {"measure": "extradition"})
    langs = a.get(f"/requests/{extradition.pk}/draft/languages")
    assert langs.status_code == 200 and langs["ETag"]
    assert [x["code"] for x in langs.json()["offered"]] == ["en", "fr", "es"]
    bad = a.send("put", f"/requests/{extradition.pk}/draft/languages", {"languages": ["Klingon"]}, etag=langs["ETag"])
    assert bad.status_code == 422 and "languages" in bad.json()["errors"]
    r = a.send("put", f"/requests/{extradition.pk}/draft/languages", {"languages": ["German", "it"]},
               etag=langs["ETag"])
    assert r.status_code == 200, r.content
    assert r.json()["required_languages"] == ["de", "it"]
    stale = a.send("put", f"/requests/{extradition.pk}/draft/languages", {"languages": []}, etag=langs["ETag"])
    assert stale.status_code == 412 and "required_languages" in stale.json()["changed"]

    page = a.get(f"/requests/{extradition.pk}/draft/translations", data={"sort": "-language", "limit": 1})
    assert page.status_code == 200 and page.json()["count"] == 2
    assert [t["language"] for t in page.json()["results"]] == ["it"] and page.json()["next_cursor"]
    assert a.get(f"/requests/{extradition.pk}/draft/translations", data={"status": "lost"}).status_code == 422

    t = a.get(f"/requests/{extradition.pk}/draft/translations/de")
    assert t.status_code == 200 and t.json()["status"] == "needed"
    assert a.get(f"/requests/{extradition.pk}/draft/translations/zz").status_code == 404
    done = a.send("put", f"/requests/{extradition.pk}/draft/translations/de", {"status": "done"}, etag=t["ETag"])
    assert done.status_code == 422 and {"translator", "document_id"} <= set(done.json()["errors"])
    other = actions.do_create_case(title="Other", acting_user=supervisor)
    foreign = actions.do_upload_document(other, upload=SimpleUploadedFile("x.pdf", b"%PDF-1"), acting_user=supervisor)
    r = a.send("put", f"/requests/{extradition.pk}/draft/translations/de",
               {"status": "done", "translator": "A. Translator", "document_id": foreign.pk}, etag=t["ETag"])
    assert r.status_code == 422 and "document_id" in r.json()["errors"]
    doc = actions.do_upload_document(case, upload=SimpleUploadedFile("de.pdf", b"%PDF-1 de"), acting_user=supervisor)
    r = a.send("put", f"/requests/{extradition.pk}/draft/translations/de",
               {"status": "certified", "translator": "A. Translator", "document_id": doc.pk}, etag=t["ETag"])
    assert r.status_code == 200 and r.json()["document_id"] == doc.pk and r["ETag"] != t["ETag"]
    assert Translation.objects.get(draft__request=extradition, language="de").status == "certified"
    again = a.send("put", f"/requests/{extradition.pk}/draft/translations/de", {"status": "needed"}, etag=t["ETag"])
    assert again.status_code == 412 and "status" in again.json()["changed"]


def test_only_members_use_the_builder_as_on_the_web(api, extradition, supervisor, outsider, oversight):
    a = api(supervisor)
    etag = a.send("post", f"/requests/{extradition.pk}/draft", {"measure": "extradition"})["ETag"]
    lang_etag = a.get(f"/requests/{extradition.pk}/draft/languages")["ETag"]
    base = f"/requests/{extradition.pk}/draft"
    for user in (outsider, oversight):
        o = api(user, "read" if user is oversight else "write")
        for path in ("", "/languages", "/translations", "/translations/de"):
            assert o.get(base + path).status_code == 404
            assert o.get(base + path, data={"purpose": "Complaint DPA-2026-1 about this case"}).status_code == 404
        assert o.send("post", base, {"measure": "extradition"}).status_code == 404
        assert o.send("patch", base, {"content": {"facts": "x"}}, etag=etag).status_code == 404
        assert o.send("post", base + "/minimise", etag=etag).status_code == 404
        assert o.send("post", base + "/documents", {"format": "pdf"}).status_code == 404
        assert o.send("put", base + "/languages", {"languages": ["it"]}, etag=lang_etag).status_code == 404
        assert o.send("put", base + "/translations/de", {"status": "in_progress"}, etag="*").status_code == 404
    assert Draft.objects.get(request=extradition).version == 1
    assert api(outsider).get("/requests/999999/draft").status_code == 404


def test_a_read_only_token_reads_but_never_writes(api, extradition, supervisor):
    a, ro = api(supervisor), api(supervisor, "read")
    assert ro.send("post", f"/requests/{extradition.pk}/draft", {"measure": "extradition"}).status_code == 403
    assert not Draft.objects.exists()
    etag = a.send("post", f"/requests/{extradition.pk}/draft", {"measure": "extradition"})["ETag"]
    assert ro.get(f"/requests/{extradition.pk}/draft").status_code == 200
    base = f"/requests/{extradition.pk}/draft"
    assert ro.send("patch", base, {"content": {"facts": "x"}}, etag=etag).status_code == 403
    assert ro.send("post", base + "/minimise", etag=etag).status_code == 403
    assert ro.send("post", base + "/documents", {"format": "pdf"}).status_code == 403
    assert ro.send("put", base + "/languages", {"languages": ["it"]}, etag="*").status_code == 403
    assert ro.send("put", base + "/translations/de", {"status": "in_progress"}, etag="*").status_code == 403
    assert Draft.objects.get(request=extradition).version == 1
    assert not GeneratedDocument.objects.exists()
