"""Builder pages: members only (others get 404, as for a case that does not exist), reads are logged,
every change goes through an action."""

from __future__ import annotations

from django.urls import reverse

from comity.audit.models import AuditEvent
from comity.builder.models import Draft, GeneratedDocument
from tests.builder.conftest import ARABIC_NAME, GOOD


def test_non_members_get_404_everywhere(make_request, login, outsider, oversight):
    req = make_request("mla")
    for user in (outsider, oversight):
        client = login(user)
        assert client.get(reverse("builder:draft", args=[req.pk])).status_code == 404
        for name in ("start", "save", "generate", "languages", "translation", "minimise"):
            assert client.post(reverse(f"builder:{name}", args=[req.pk]), {"measure": "records"}).status_code == 404
    assert not Draft.objects.exists()
    assert login(outsider).get(reverse("builder:draft", args=[99999])).status_code == 404


def test_fill_a_draft_through_the_pages(parties, make_request, login, caseworker):
    req = make_request("mla")
    client = login(caseworker)
    page = client.get(reverse("builder:draft", args=[req.pk]))
    assert page.status_code == 200 and b"Records and bank records" in page.content
    client.post(reverse("builder:start", args=[req.pk]), {"measure": "records", "language": "en"})
    draft = Draft.objects.get(request=req)
    page = client.get(reverse("builder:draft", args=[req.pk])).content.decode()
    assert "Still needed" in page and "ETS 030 Art 14(1)(b)" in page and ARABIC_NAME in page
    assert "Requirements of Switzerland" in page and "unverified" in page
    assert "translations not done: de (needed)" in page
    assert AuditEvent.objects.filter(event_type="access.builder_view", actor=caseworker).exists()

    fields = {k: GOOD[k] for k in ("purpose", "assistance_sought", "conducting_authority", "offences", "contact_point",
                                   "signatory", "signatory_title", "link_to_offence", "records_date_from",
                                   "records_date_to", "requesting_authority", "account_holder", "confidentiality")}
    fields.update({"has_bank_records": "1", "bank_records": "on", "persons_form": "1",
                   "person": [str(parties["suspect"].pk)]})
    resp = client.post(reverse("builder:save", args=[req.pk]), fields)
    assert resp.status_code == 302
    draft.refresh_from_db()
    assert draft.content["purpose"] == GOOD["purpose"] and len(draft.content["persons"]) == 1
    page = client.get(reverse("builder:draft", args=[req.pk])).content.decode()
    assert 'id="complete"' in page

    client.post(reverse("builder:generate", args=[req.pk]), {"format": "pdf", "language": "es"})
    client.post(reverse("builder:generate", args=[req.pk]), {"format": "docx", "language": "es"})
    generated = list(GeneratedDocument.objects.filter(draft=draft).order_by("format"))
    assert [g.format for g in generated] == ["docx", "pdf"]
    page = client.get(reverse("builder:draft", args=[req.pk])).content.decode()
    url = reverse("document_download", args=[req.case.pk, generated[1].document.pk])
    assert url in page
    assert client.get(url).status_code == 200


def test_overlong_field_is_refused_with_its_name(make_request, login, caseworker):
    req = make_request("mla")
    client = login(caseworker)
    client.post(reverse("builder:start", args=[req.pk]), {"measure": "records"})
    resp = client.post(reverse("builder:save", args=[req.pk]), {"purpose": "x" * 3001}, follow=True)
    assert "Not saved. Purpose of the evidence, information or measure is longer than 3000 characters" in \
        resp.content.decode()
    assert "purpose" not in Draft.objects.get(request=req).content


def test_user_text_is_escaped_on_the_page(make_request, login, caseworker):
    req = make_request("mla")
    client = login(caseworker)
    client.post(reverse("builder:start", args=[req.pk]), {"measure": "records"})
    client.post(reverse("builder:save", args=[req.pk]), {"purpose": "<script>alert(1)</script>{{ req }}"})
    page = client.get(reverse("builder:draft", args=[req.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;{{ req }}" in page
