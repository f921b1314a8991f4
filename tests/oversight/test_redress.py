"""Redress: access, correction and deletion requests become matters with the regime's legal clock,
and decisions are recorded with reasons, each step logged."""

from __future__ import annotations

import datetime as dt

import pytest

from comity.audit.models import AuditEvent
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.oversight import actions
from comity.oversight.models import RedressMatter


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 takes half a second per account by design; these tests make many accounts and sign none in
    with a password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


def test_led_clock_is_one_month_extendable_by_two(oversight, supervisor, case):
    m = _file(oversight, regime="EU-LED", received="2026-01-31", case_references=[case.reference])
    assert m.due == dt.date(2026, 2, 28) and not m.due_verified
    with pytest.raises(InvalidInput) as e:
        actions.do_extend_redress(m, reason="", acting_user=supervisor)
    assert "reason" in e.value.errors
    m = actions.do_extend_redress(m, reason="complex request across three States", acting_user=supervisor)
    assert m.extended_due == dt.date(2026, 4, 30) and m.effective_due == dt.date(2026, 4, 30)
    with pytest.raises(InvalidInput) as e:
        actions.do_extend_redress(m, reason="complex request across three States", acting_user=supervisor)
    assert "extension" in e.value.errors


def test_ccf_matter_cannot_be_extended(oversight, supervisor, case):
    with pytest.raises(InvalidInput) as e:
        actions.do_extend_redress(_file(oversight, case_references=[case.reference]), reason="we need more time here",
                                  acting_user=supervisor)
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


def test_decision_date_before_receipt_is_refused(oversight, supervisor, case):
    m = _file(oversight, case_references=[case.reference])
    with pytest.raises(InvalidInput) as e:
        actions.do_decide_redress(m, decision="granted", reasons="a sufficiently long reason",
                                  decided_on="2025-12-01", acting_user=supervisor)
    assert "before the request was received" in e.value.errors["decided_on"]


# --- compartments: who sees, extends and decides a matter (docs/security/redress.md) ---------------------------

@pytest.fixture
def units(make_user, oversight):
    """Two units: A holds a case (its supervisor and a caseworker member), B has its own supervisor and
    caseworker. Matters: one naming A's case (filed by oversight), one naming no case (filed by oversight),
    one filed by B's caseworker."""
    from comity.accounts.actions import do_create_unit, do_set_unit
    from comity.cases import actions as case_actions

    a, b = do_create_unit(name="Unit A"), do_create_unit(name="Unit B")
    people = {}
    for name, role, unit in (("sup_a", "supervisor", a), ("cw_a", "caseworker", a), ("sup_b", "supervisor", b),
                             ("cw_b", "caseworker", b), ("cw_a2", "caseworker", a)):
        people[name] = do_set_unit(make_user(role, name), unit=unit)
    case_a = case_actions.do_create_case(title="Unit A case", acting_user=people["sup_a"])
    case_actions.do_grant_membership(case_a, people["cw_a"], acting_user=people["sup_a"])
    people["case_a"] = case_a
    people["on_case"] = _file(oversight, case_references=[case_a.reference], requester_name="Requester One")
    people["no_case"] = _file(oversight, requester_name="Requester Two")
    people["from_b"] = _file(people["cw_b"], requester_name="Requester Three")
    people["admin"] = make_user("admin", "root")
    people["dpo"] = oversight
    return people


VISIBLE = {  # who sees which matter
    "dpo": {"on_case", "no_case", "from_b"},       # oversight: every matter
    "admin": {"on_case", "no_case", "from_b"},     # administrators: every matter
    "sup_a": {"on_case"},                          # a case of their unit
    "cw_a": {"on_case"},                           # a member of the case named
    "sup_b": {"from_b"},                           # filed by someone of their unit
    "cw_b": {"from_b"},                            # their own filing
    "cw_a2": set(),                                # same unit, but not a member of the case
}


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_a_matter_is_seen_only_by_those_the_rule_names(login, units, who):
    c = login(units[who])
    listing = c.get("/oversight/redress/").content.decode()
    for key in ("on_case", "no_case", "from_b"):
        m = units[key]
        page = c.get(f"/oversight/redress/{m.pk}/")
        if key in VISIBLE[who]:
            assert m.reference in listing and page.status_code == 200, (who, key)
            assert m.requester_name in page.content.decode()
        else:
            assert m.reference not in listing and m.requester_name not in listing, (who, key)
            assert page.status_code == 404, (who, key)


def test_a_supervisor_of_another_unit_cannot_extend_or_decide(login, units):
    m = units["on_case"]
    c = login(units["sup_b"])
    decided = c.post(f"/oversight/redress/{m.pk}/decide/", {"decision": "granted",
                                                           "reasons": "a sufficiently long reason for it"})
    extended = c.post(f"/oversight/redress/{m.pk}/extend/", {"reason": "we need more time here"})
    assert decided.status_code == 404 and extended.status_code == 404
    with pytest.raises(NotFound):
        actions.do_decide_redress(m, decision="granted", reasons="a sufficiently long reason for it",
                                  acting_user=units["sup_b"])
    with pytest.raises(NotFound):
        actions.do_extend_redress(m, reason="we need more time here", acting_user=units["sup_b"])
    m.refresh_from_db()
    assert m.status == "open" and not AuditEvent.objects.filter(event_type="redress.decided").exists()


def test_the_supervisor_of_the_named_case_decides(login, units):
    m = units["on_case"]
    r = login(units["sup_a"]).post(f"/oversight/redress/{m.pk}/decide/", {
        "decision": "refused", "reasons": "The data are needed for pending proceedings (LED Art 15(1)(a))."})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == "decided" and m.decided_by == units["sup_a"]


def test_a_member_of_the_named_case_reads_but_does_not_decide(login, units):
    m = units["on_case"]
    c = login(units["cw_a"])
    page = c.get(f"/oversight/redress/{m.pk}/").content.decode()
    assert "Record the decision" not in page
    r = c.post(f"/oversight/redress/{m.pk}/decide/", {"decision": "granted",
                                                     "reasons": "a sufficiently long reason for it"})
    assert r.status_code == 403


def test_the_pages_say_who_sees_a_matter(login, units):
    c = login(units["sup_a"])
    for url in ("/oversight/redress/", f"/oversight/redress/{units['on_case'].pk}/", "/oversight/redress/new/"):
        text = c.get(url).content.decode()
        assert "Who sees a redress matter" in text, url


def test_list_and_detail_reads_are_logged(login, units):
    c = login(units["sup_a"])
    c.get("/oversight/redress/")
    listed = AuditEvent.objects.filter(event_type="access.redress_list", actor=units["sup_a"]).get()
    assert listed.new_values == {"matters": [units["on_case"].reference], "count": 1}
    c.get(f"/oversight/redress/{units['on_case'].pk}/")
    read = AuditEvent.objects.filter(event_type="access.redress_matter", actor=units["sup_a"]).get()
    assert read.case_id == units["case_a"].pk and read.new_values["matters"] == [units["on_case"].reference]
    assert "Requester" not in read.leaf
    # An empty list logs nothing.
    login(units["cw_a2"]).get("/oversight/redress/")
    assert not AuditEvent.objects.filter(event_type="access.redress_list", actor=units["cw_a2"]).exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_each_role_sees_its_redress_pages_at_a_browser(live_server, page_for, sign_in, units):
    """What each role sees (screenshots with COMITY_SCREENSHOTS=folder): the list, a matter, the form."""
    import os

    shots = os.environ.get("COMITY_SCREENSHOTS")
    base = live_server.url
    for who in ("dpo", "sup_a", "cw_a", "sup_b"):
        page = page_for()
        page.set_viewport_size({"width": 1280, "height": 800})
        sign_in(page, base, units[who])
        page.goto(f"{base}/oversight/redress/")
        body = page.inner_text("body")
        assert "Who sees a redress matter" in body
        for key in ("on_case", "no_case", "from_b"):
            assert (units[key].reference in body) == (key in VISIBLE[who]), (who, key)
        if shots:
            page.screenshot(path=os.path.join(shots, f"redress-list-{who}.png"), full_page=True)
        if "on_case" in VISIBLE[who]:
            page.goto(f"{base}/oversight/redress/{units['on_case'].pk}/")
            assert ("Record the decision" in page.inner_text("body")) == (who == "sup_a")
            if shots:
                page.screenshot(path=os.path.join(shots, f"redress-detail-{who}.png"), full_page=True)
    if shots:
        page.goto(f"{base}/oversight/redress/new/")
        page.screenshot(path=os.path.join(shots, "redress-new-sup_b.png"), full_page=True)
