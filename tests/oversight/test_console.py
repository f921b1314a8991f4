"""The oversight console: searching the audit log, who consulted a person's data and why, the
logging of the console's own reads, and the signed PDF report."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comity.audit.models import AuditEvent, TreeHead
from comity.cases import actions as case_actions
from comity.oversight import actions

REASON = "complaint 2026/17 from counsel"


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_who_consulted_a_person_shows_member_and_oversight_reads_with_purpose(
        login, petrov_case, other_case, caseworker, oversight, extradition):
    # The caseworker opens the case page and the request page; an oversight user opens it with a purpose.
    c = login(caseworker)
    assert c.get(f"/cases/{petrov_case.pk}/").status_code == 200
    assert c.get(f"/requests/{extradition.pk}/").status_code == 200
    case_actions.do_open_case_for_oversight(petrov_case, purpose="audit of arrest warrant handling",
                                            acting_user=oversight)
    c = login(oversight)
    r = c.get("/oversight/", {"person": "petrov", "category": "access", "reason": REASON})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Who consulted the data of" in html
    assert "access.case_view" in html and "access.request_view" in html
    assert "case work (member of the case)" in html and "audit of arrest warrant handling" in html
    assert petrov_case.reference in html
    assert other_case.reference not in html  # the other case's reads are not about this person
    # The search itself is logged, with the stated purpose and without the name in clear.
    ev = AuditEvent.objects.filter(event_type="access.oversight_search").latest("seq")
    assert ev.actor_label == "dpo" and ev.purpose_text == REASON and ev.category == "access"
    assert "petrov" not in str(ev.new_values).lower()
    # The name searched for is kept beside the event, erasable; the log holds a salted commitment.
    assert ev.new_values["texts"]["filter_person"].startswith("sha256:") and "petrov" not in ev.leaf.lower()
    assert ev.texts.get(field="filter_person").text == "petrov"
    assert ev.new_values["results"] == 3


@pytest.mark.parametrize("field,value,expect", [
    ("user", "cw", {"access.case_view"}),
    ("event_type", "entity", {"entity.added"}),
    ("purpose", "warrant", {"access.oversight_opened"}),
])
def test_search_filters(petrov_case, caseworker, oversight, field, value, expect):
    case_actions.do_record_access(petrov_case, acting_user=caseworker, what="case_view", purpose="case work",
                                  obj=petrov_case)
    case_actions.do_open_case_for_oversight(petrov_case, purpose="check warrant use", acting_user=oversight)
    f = actions.parse_filters({"case": petrov_case.reference, field: value})
    assert {e.event_type for e in actions.search_events(f)} == expect


def test_date_range_and_case_filters(petrov_case, other_case):
    today = timezone.localdate()
    in_range = actions.parse_filters({"case": petrov_case.reference, "date_from": today.isoformat(),
                                      "date_to": today.isoformat()})
    assert actions.search_events(in_range).count() == AuditEvent.objects.filter(case_id=petrov_case.pk).count() > 0
    before = actions.parse_filters({"case": petrov_case.reference,
                                    "date_to": (today - dt.timedelta(days=1)).isoformat()})
    assert actions.search_events(before).count() == 0
    assert not actions.search_events(actions.parse_filters({"case": "CASE-1999-999999"})).exists()


@pytest.mark.parametrize("params,field", [
    ({"person": "petrov"}, "reason"),
    ({"person": "petrov", "reason": "short"}, "reason"),
    ({"date_from": "2026-02-30", "reason": REASON}, "date_from"),
    ({"date_from": "2026-03-02", "date_to": "2026-03-01", "reason": REASON}, "date_to"),
    ({"category": "gossip", "reason": REASON}, "category"),
    ({"person": "p", "reason": REASON}, "person"),
])
def test_bad_search_input_names_the_field_and_logs_nothing(login, oversight, petrov_case, params, field):
    before = AuditEvent.objects.count()
    r = login(oversight).get("/oversight/", params)
    assert r.status_code == 200
    assert field in r.context["form"].errors, r.context["form"].errors
    assert r.context["rows"] is None
    assert AuditEvent.objects.count() == before


def test_console_is_closed_to_caseworkers(login, caseworker):
    assert login(caseworker).get("/oversight/").status_code == 403
    assert login(caseworker).post("/oversight/report.pdf", {"reason": REASON}).status_code == 403


def test_admin_may_use_the_console(login, make_user, petrov_case):
    admin = make_user("admin", "root")
    r = login(admin).get("/oversight/", {"case": petrov_case.reference, "reason": REASON})
    assert r.status_code == 200 and "entity.added" in r.content.decode()


def test_pagination_and_constant_query_count(login, oversight, petrov_case, caseworker):
    c = login(oversight)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            r = c.get("/oversight/", {"case": petrov_case.reference, "reason": REASON, "page": 1})
            assert r.status_code == 200
        return len(ctx.captured_queries), r

    small, _ = count()
    for _ in range(actions.PAGE_SIZE + 5):
        case_actions.do_record_access(petrov_case, acting_user=caseworker, what="case_view", purpose="case work",
                                      obj=petrov_case)
    large, r = count()
    assert small == large
    assert len(r.context["rows"]) == actions.PAGE_SIZE and r.context["page"].paginator.num_pages == 2
    r2 = c.get("/oversight/", {"case": petrov_case.reference, "reason": REASON, "page": 2})
    total = AuditEvent.objects.filter(case_id=petrov_case.pk).count()
    assert len(r2.context["rows"]) == total - actions.PAGE_SIZE
    assert AuditEvent.objects.filter(event_type="access.oversight_search", new_values__page=2).exists()


def test_signed_report_lists_results_and_the_tree_head_it_was_checked_against(login, oversight, petrov_case,
                                                                               caseworker):
    case_actions.do_record_access(petrov_case, acting_user=caseworker, what="case_view",
                                  purpose="case work (member of the case)", obj=petrov_case)
    r = login(oversight).post("/oversight/report.pdf", {"person": "Petrov", "category": "access", "reason": REASON})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = _pdf_text(r.content)
    flat = "".join(text.split())
    head = TreeHead.objects.order_by("-size").first()
    assert "VERIFIED" in text and "NOT VERIFIED" not in text
    assert head.root_hash in flat and head.key_id in flat
    assert f"Treesize\n{head.size}".replace("\n", "") in flat
    assert "access.case_view" in text and "cw" in text and petrov_case.reference in text
    assert REASON in text
    export = AuditEvent.objects.get(event_type="access.oversight_report")
    assert export.seq < head.size and export.purpose_text == REASON  # the head covers the export itself


def test_report_reports_an_edited_event(login, oversight, petrov_case, caseworker):
    case_actions.do_record_access(petrov_case, acting_user=caseworker, what="case_view", purpose="case work",
                                  obj=petrov_case)
    ev = AuditEvent.objects.filter(event_type="access.case_view").latest("seq")
    AuditEvent.objects.filter(pk=ev.pk).update(purpose="something else")  # tampering behind the app's back
    r = login(oversight).post("/oversight/report.pdf", {"case": petrov_case.reference, "reason": REASON})
    text = _pdf_text(r.content)
    assert "NOT VERIFIED" in text and f"event seq {ev.seq}" in text


def test_report_without_purpose_is_refused(login, oversight, petrov_case):
    before = AuditEvent.objects.count()
    r = login(oversight).post("/oversight/report.pdf", {"case": petrov_case.reference})
    assert r.status_code == 422 and "reason" in r.context["form"].errors
    assert AuditEvent.objects.count() == before and not TreeHead.objects.exists()


def test_report_over_the_limit_asks_to_narrow_the_search(login, oversight, petrov_case, monkeypatch):
    monkeypatch.setattr(actions.reports, "REPORT_MAX_EVENTS", 1)  # the limit lives with the report
    r = login(oversight).post("/oversight/report.pdf", {"case": petrov_case.reference, "reason": REASON})
    assert r.status_code == 422 and "narrow the search" in r.content.decode()
    assert not TreeHead.objects.exists()
