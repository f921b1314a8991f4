"""The evidence verification report a court reads gives dates and times in words ("2 December 2026, 14:03
UTC"), never ISO timestamps with microseconds; the JSON export keeps the exact machine-readable ISO form."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from comity.evidence import actions
from comity.evidence.models import CustodyEvent

pytestmark = pytest.mark.django_db

ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _words(when: dt.datetime) -> str:
    when = when.astimezone(dt.UTC)
    return f"{when.day} {when:%B %Y}, {when:%H:%M} UTC"


@pytest.fixture
def item(register, caseworker, colleague):
    item = register(date_obtained="2026-01-15")
    actions.do_record_custody_event(item, kind="transferred", at=timezone.now(), place="Central authority, Rome",
                                    reason="for forensic examination", to_user=colleague, acting_user=caseworker)
    return item


def test_pdf_report_gives_dates_and_times_in_words(login, caseworker, item):
    from pypdf import PdfReader

    resp = login(caseworker).get(f"/evidence/items/{item.pk}/report.pdf")
    assert resp.status_code == 200
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.content)).pages).split())
    assert "obtained 15 January 2026" in text
    assert f"{_words(item.registered_at)} by {item.registered_by.username}" in text
    events = list(CustodyEvent.objects.filter(item=item).order_by("seq"))
    assert len(events) == 2
    for ev in events:
        assert _words(ev.at) in text
    assert re.search(r"generated \d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2} UTC", text)
    assert not ISO_TIMESTAMP.search(text), ISO_TIMESTAMP.search(text).group(0)
    assert not ISO_DATE.search(text), ISO_DATE.search(text).group(0)
    assert not re.search(r":\d{2}\.\d{3,6}", text)  # no fractions of a second


def test_json_report_keeps_exact_iso_timestamps(login, caseworker, item):
    report = login(caseworker).get(f"/evidence/items/{item.pk}/report.json").json()
    events = list(CustodyEvent.objects.filter(item=item).order_by("seq"))
    assert [dt.datetime.fromisoformat(e["at"]) for e in report["custody"]] == [ev.at for ev in events]
    assert dt.datetime.fromisoformat(report["item"]["registered_at"]) == item.registered_at
    assert report["item"]["date_obtained"] == "2026-01-15"
    assert dt.datetime.fromisoformat(report["generated_at"]).tzinfo is not None
    assert all(dt.datetime.fromisoformat(e["timestamp"]["gen_time"]) for e in report["custody"])
