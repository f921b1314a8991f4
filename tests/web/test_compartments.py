"""Compartments: who sees a case, and the access events that reading one writes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comity.audit.models import AuditEvent
from comity.cases import actions


def test_member_sees_the_case_and_the_read_is_logged(login, case, caseworker):
    resp = login(caseworker).get(f"/cases/{case.pk}/")
    assert resp.status_code == 200 and case.title in resp.content.decode()
    ev = AuditEvent.objects.filter(event_type="access.case_view", case_id=case.pk).last()
    assert ev.actor == caseworker and ev.category == "access" and "member" in ev.purpose_text


@pytest.mark.parametrize("path", ["/cases/{case}/", "/requests/{req}/", "/cases/{case}/documents/{doc}/",
                                  "/cases/{case}/entities.ftm.jsonl"])
def test_non_member_gets_404_not_403(login, case, extradition, supervisor, outsider, path):
    doc = actions.do_upload_document(case, upload=SimpleUploadedFile("a.txt", b"secret"), acting_user=supervisor)
    url = path.format(case=case.pk, req=extradition.pk, doc=doc.pk)
    resp = login(outsider).get(url)
    assert resp.status_code == 404
    missing = login(outsider).get(path.format(case=999999, req=999999, doc=999999))
    assert missing.status_code == 404  # a case that exists looks exactly like one that does not


def test_non_member_cannot_post_to_a_case(login, case, outsider):
    resp = login(outsider).post(f"/cases/{case.pk}/notes/", {"text": "sneaky"})
    assert resp.status_code == 404
    assert not case.notes.exists()


def test_case_list_shows_only_my_cases(login, case, outsider, supervisor):
    other = actions.do_create_case(title="Someone else's matter", acting_user=supervisor)
    mine = actions.do_create_case(title="Outsider matter", acting_user=outsider)
    html = login(outsider).get("/cases/").content.decode()
    assert mine.reference in html and case.reference not in html and other.reference not in html


def test_revoked_member_loses_access(login, case, supervisor, caseworker):
    actions.do_revoke_membership(case, caseworker, acting_user=supervisor)
    assert login(caseworker).get(f"/cases/{case.pk}/").status_code == 404


def test_oversight_must_state_a_purpose_which_is_recorded_with_each_read(login, case, oversight):
    c = login(oversight)
    resp = c.get(f"/cases/{case.pk}/")
    assert resp.status_code == 302 and resp["Location"].endswith(f"/cases/{case.pk}/purpose/")
    short = c.post(f"/cases/{case.pk}/purpose/", {"purpose": "check"})
    assert short.status_code == 200 and "at least 10 characters" in short.content.decode()
    purpose = "Complaint DPA-2026-114 about retention of data on Ana Ruiz"
    resp = c.post(f"/cases/{case.pk}/purpose/", {"purpose": purpose})
    assert resp.status_code == 302
    page = c.get(f"/cases/{case.pk}/")
    assert page.status_code == 200 and "Opened for oversight" in page.content.decode()
    events = [(e.event_type, e.purpose_text) for e in AuditEvent.objects.filter(case_id=case.pk, actor=oversight)]
    assert ("access.oversight_opened", purpose) in list(events)
    assert ("access.case_view", purpose) in list(events)
    # Read only: oversight cannot write into the case.
    assert c.post(f"/cases/{case.pk}/notes/", {"text": "x"}).status_code == 404


def test_document_download_is_logged_and_returns_the_bytes(login, case, supervisor, caseworker):
    doc = actions.do_upload_document(case, upload=SimpleUploadedFile("mlat.pdf", b"%PDF-1.4 test"),
                                     acting_user=supervisor)
    resp = login(caseworker).get(f"/cases/{case.pk}/documents/{doc.pk}/")
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == b"%PDF-1.4 test"
    assert AuditEvent.objects.filter(event_type="access.document_download", object_id=str(doc.pk),
                                     actor=caseworker).exists()


def test_html_in_text_fields_is_rendered_escaped(login, case, caseworker):
    c = login(caseworker)
    c.post(f"/cases/{case.pk}/notes/", {"text": "<script>alert('x')</script>"})
    html = c.get(f"/cases/{case.pk}/").content.decode()
    assert "<script>alert('x')</script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_web_form_errors_name_the_field(login, case, caseworker):
    resp = login(caseworker).post(f"/cases/{case.pk}/requests/new/", {
        "kind": "mla", "direction": "outgoing", "subject": "Records", "requesting_state": "ZZ",
        "requested_state": "PL", "urgency": "normal"})
    assert resp.status_code == 200
    form = resp.context["form"]
    assert "No State is called “ZZ”" in form.errors["requesting_state"][0]
    assert not case.requests.exists()


def test_typed_state_names_are_never_truncated_to_a_code(login, case, caseworker):
    """Typing "Germany" then "Austria" once created a request from Georgia to Australia; "Britain" became Brazil."""
    c = login(caseworker)
    base = {"kind": "mla", "direction": "outgoing", "subject": "Records", "urgency": "normal"}
    resp = c.post(f"/cases/{case.pk}/requests/new/", {**base, "requesting_state": "Germany",
                                                     "requested_state": "Austria"})
    assert resp.status_code == 302
    req = case.requests.get()
    assert (req.requesting_state, req.requested_state) == ("DE", "AT")
    resp = c.post(f"/cases/{case.pk}/requests/new/", {**base, "requesting_state": "Britain",
                                                     "requested_state": "France (FR)"})
    assert resp.status_code == 200
    error = resp.context["form"].errors["requesting_state"][0]
    assert "No State is called “Britain”" in error
    assert case.requests.count() == 1  # nothing stored half-way
    page = resp.content.decode()
    assert 'value="Britain"' in page and "France (FR)" in page  # what the user typed is kept
    assert '<option value="Germany (DE)">' in page  # the picker lists States by name


def test_transition_through_the_web_and_wrong_transition_gets_a_clear_error(login, extradition, supervisor):
    c = login(supervisor)
    resp = c.post(f"/requests/{extradition.pk}/transition/", {"transition": "request_provisional_arrest"})
    assert resp.status_code == 302
    extradition.refresh_from_db()
    assert extradition.status == "provisional_arrest_requested"
    bad = c.post(f"/requests/{extradition.pk}/transition/", {"transition": "record_surrender"})
    assert bad.status_code == 400 and "is not possible from status" in bad.content.decode()


def test_dashboard_lists_due_items_most_urgent_first_with_overdue_marked(login, case, supervisor):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    actions.do_add_task(case, title="Chase the Swiss authority", due=today + dt.timedelta(days=3), acting_user=supervisor)
    actions.do_add_task(case, title="Translation overdue", due=today - dt.timedelta(days=1), acting_user=supervisor)
    html = login(supervisor).get("/").content.decode()
    assert html.index("Translation overdue") < html.index("Chase the Swiss authority")
    assert "overdue" in html.split("Translation overdue")[0].rsplit("<tr", 1)[1]


def test_case_list_filters(login, supervisor):
    a = actions.do_create_case(title="Alpha", acting_user=supervisor)
    b = actions.do_create_case(title="Bravo", acting_user=supervisor)
    actions.do_create_request(a, kind="mla", direction="outgoing", subject="s", requesting_state="DE",
                              requested_state="PL", acting_user=supervisor)
    actions.do_create_request(b, kind="extradition", direction="incoming", subject="s", requesting_state="US",
                              requested_state="GB", acting_user=supervisor)
    c = login(supervisor)

    def refs(q):
        return [x.reference for x in c.get("/cases/?" + q).context["page"]]

    assert refs("kind=mla") == [a.reference]
    assert refs("country=gb") == [b.reference]
    assert refs("status=received") == [b.reference]
    assert refs("state=closed") == []


def test_oversight_finds_a_case_by_reference_then_states_a_purpose(login, case, oversight, caseworker):
    c = login(oversight)
    resp = c.get("/cases/?reference=" + case.reference.lower())
    assert resp.status_code == 302 and resp["Location"].endswith(f"/cases/{case.pk}/purpose/")
    assert "No case has the reference" in c.get("/cases/?reference=CASE-1999-000001", follow=True).content.decode()
    # Other roles do not get this door.
    other = login(caseworker).get("/cases/?reference=" + case.reference)
    assert other.status_code == 200


def test_request_page_shows_legal_basis_options_and_law_clocks(login, extradition, supervisor):
    import datetime as dt

    from django.utils import timezone

    c = login(supervisor)
    day = timezone.localdate() - dt.timedelta(days=2)
    actions.do_transition_request(extradition, "request_provisional_arrest", acting_user=supervisor)
    actions.do_transition_request(extradition, "record_provisional_arrest", acting_user=supervisor, effective_date=day)
    html = c.get(f"/requests/{extradition.pk}/").content.decode()
    basis = html.split('id="legal-basis"')[1].split("</div>")[0]
    assert "CETS-024" in basis and "chosen" in basis
    clocks = html.split('id="law-clocks"')[1].split("</table>")[0]
    assert "provisional_arrest_release" in clocks and (day + dt.timedelta(days=40)).isoformat() in clocks
    # Choose another applicable instrument; an inapplicable one is refused with the reason.
    resp = c.post(f"/requests/{extradition.pk}/legal-basis/", {"instrument": "EU-EAW"}, follow=True)
    assert "does not apply between IT and CH" in resp.content.decode()
    extradition.refresh_from_db()
    assert extradition.legal_basis_instrument == "CETS-024"


def test_supervisor_grants_and_revokes_access_through_the_case_page(login, client, case, supervisor, caseworker,
                                                                    outsider):
    c = login(supervisor)
    c.post(f"/cases/{case.pk}/members/grant/", {"username": outsider.username})
    assert actions.is_member(case, outsider)
    c.post(f"/cases/{case.pk}/members/revoke/", {"username": outsider.username})
    assert not actions.is_member(case, outsider)
    unknown = c.post(f"/cases/{case.pk}/members/grant/", {"username": "nobody-here"}, follow=True)
    assert "no account named" in unknown.content.decode()
    # A caseworker cannot grant access; the reason is shown and nothing changes.
    resp = login(caseworker).post(f"/cases/{case.pk}/members/grant/", {"username": outsider.username}, follow=True)
    assert "Only a supervisor may grant access" in resp.content.decode()
    assert not actions.is_member(case, outsider)
