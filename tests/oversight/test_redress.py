"""Redress: access, correction and deletion requests become matters with the regime's legal clock,
and decisions are recorded with reasons, each step logged."""

from __future__ import annotations

import datetime as dt

import pytest

from comity.audit.models import AuditEvent
from comity.errors import InvalidInput, NotAllowed
from comity.oversight import actions
from comity.oversight.models import RedressMatter


def _file(user, **kw):
    data = dict(requester_name="Me Dupont", requester_capacity="counsel",
                person_described="Ivan Petrov, born 1970-02-03, Georgian national", kind="access",
                regime="INTERPOL-CCF", received="2026-01-10", acting_user=user)
    data.update(kw)
    return actions.do_file_redress(**data)


@pytest.mark.parametrize("kind,due", [("access", dt.date(2026, 5, 10)), ("correction", dt.date(2026, 10, 10)),
                                      ("deletion", dt.date(2026, 10, 10))])
def test_ccf_clock_comes_from_the_computable_law(oversight, kind, due):
    m = _file(oversight, kind=kind)
    assert m.due == due
    assert "Commission for the Control of INTERPOL's Files" in m.due_citation and "Art 40" in m.due_citation


def test_led_clock_is_one_month_extendable_by_two(oversight, supervisor):
    m = _file(oversight, regime="EU-LED", received="2026-01-31")
    assert m.due == dt.date(2026, 2, 28) and not m.due_verified
    with pytest.raises(InvalidInput) as e:
        actions.do_extend_redress(m, reason="", acting_user=supervisor)
    assert "reason" in e.value.errors
    m = actions.do_extend_redress(m, reason="complex request across three States", acting_user=supervisor)
    assert m.extended_due == dt.date(2026, 4, 30) and m.effective_due == dt.date(2026, 4, 30)
    with pytest.raises(InvalidInput) as e:
        actions.do_extend_redress(m, reason="complex request across three States", acting_user=supervisor)
    assert "extension" in e.value.errors


def test_ccf_matter_cannot_be_extended(oversight, supervisor):
    with pytest.raises(InvalidInput) as e:
        actions.do_extend_redress(_file(oversight), reason="we need more time here", acting_user=supervisor)
    assert "allows no extension" in e.value.errors["extension"]


def test_filing_on_the_web_then_deciding_with_reasons(login, oversight, supervisor, case):
    r = login(oversight).post("/oversight/redress/new/", {
        "requester_name": "Me Dupont", "requester_capacity": "counsel", "person_described": "Ivan Petrov",
        "kind": "deletion", "regime": "INTERPOL-CCF", "received": "2026-01-10", "case_references": case.reference})
    assert r.status_code == 302
    m = RedressMatter.objects.get()
    assert m.due == dt.date(2026, 10, 10) and list(m.cases.all()) == [case]
    filed = AuditEvent.objects.get(event_type="redress.filed")
    assert filed.new_values["due"] == "2026-10-10" and "Petrov" not in str(filed.new_values)
    page = login(oversight).get(f"/oversight/redress/{m.pk}/")
    assert "2026-10-10" in page.content.decode() and "Ivan Petrov" in page.content.decode()
    read = AuditEvent.objects.filter(event_type="access.redress_matter").latest("seq")
    assert read.actor_label == "dpo" and read.case_id == case.pk and m.reference in read.purpose_text

    c = login(supervisor)
    r = c.post(f"/oversight/redress/{m.pk}/decide/", {"decision": "refused", "reasons": "too short"})
    assert r.status_code == 422 and "reasons" in r.context["decision_form"].errors
    r = c.post(f"/oversight/redress/{m.pk}/decide/", {"decision": "granted", "decided_on": "2026-03-01",
                                                      "reasons": "The notice no longer meets RPD Art 83; deleted."})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == "decided" and m.decision == "granted" and m.decided_in_time
    assert m.decision_reasons.startswith("The notice no longer")
    ev = AuditEvent.objects.get(event_type="redress.decided")
    assert ev.new_values["decision"] == "granted" and ev.new_values["in_time"] is True
    with pytest.raises(InvalidInput) as e:
        actions.do_decide_redress(m, decision="refused", reasons="changed our mind entirely", acting_user=supervisor)
    assert "already decided" in e.value.errors["decision"]


def test_caseworker_may_file_but_not_decide_or_read_others(login, caseworker, oversight, supervisor):
    mine = _file(caseworker)
    theirs = _file(oversight)
    with pytest.raises(NotAllowed):
        actions.do_decide_redress(mine, decision="granted", reasons="a sufficiently long reason",
                                  acting_user=caseworker)
    c = login(caseworker)
    assert c.get(f"/oversight/redress/{mine.pk}/").status_code == 200
    assert c.get(f"/oversight/redress/{theirs.pk}/").status_code == 404
    decided = c.post(f"/oversight/redress/{mine.pk}/decide/",
                     {"decision": "granted", "reasons": "a sufficiently long reason"})
    assert decided.status_code == 403
    listing = c.get("/oversight/redress/").content.decode()
    assert mine.reference in listing and theirs.reference not in listing


@pytest.mark.parametrize("override,field", [
    ({"requester_name": ""}, "requester_name"),
    ({"requester_capacity": "cousin"}, "requester_capacity"),
    ({"person_described": "  "}, "person_described"),
    ({"kind": "erasure"}, "kind"),
    ({"regime": "GDPR"}, "regime"),
    ({"received": ""}, "received"),
    ({"received": "2026-13-01"}, "received"),
    ({"received": "2999-01-01"}, "received"),
    ({"case_references": ["CASE-1999-000001"]}, "cases"),
])
def test_bad_redress_input(oversight, override, field):
    with pytest.raises(InvalidInput) as e:
        _file(oversight, **override)
    assert field in e.value.errors
    assert not RedressMatter.objects.exists()


def test_case_of_another_compartment_is_reported_as_unknown(outsider, case):
    with pytest.raises(InvalidInput) as e:
        _file(outsider, case_references=[case.reference])
    assert e.value.errors["cases"] == f"no case with the reference {case.reference}"


def test_bad_input_on_the_web_form_names_the_field(login, oversight):
    r = login(oversight).post("/oversight/redress/new/", {"requester_name": "X", "requester_capacity": "counsel",
                                                          "person_described": "Y", "kind": "access",
                                                          "regime": "INTERPOL-CCF", "received": "yesterday"})
    assert r.status_code == 422 and "received" in r.context["form"].errors
    assert not RedressMatter.objects.exists()


def test_decision_date_before_receipt_is_refused(oversight, supervisor):
    m = _file(oversight)
    with pytest.raises(InvalidInput) as e:
        actions.do_decide_redress(m, decision="granted", reasons="a sufficiently long reason",
                                  decided_on="2025-12-01", acting_user=supervisor)
    assert "before the request was received" in e.value.errors["decided_on"]
