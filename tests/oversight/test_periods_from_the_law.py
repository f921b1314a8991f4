"""The redress and retention periods are the law's dated, cited parameters (issue 12, item 4(a)), and the
oversight app counts months with the one ``add_months`` of comity.law.dates (item 4(b)).

What a user sees does not change: the due date and citation of a redress matter, the retention date and the
explanation the retention page gives. What the data now says is which value applied on which day: a regime
whose period did not yet apply on the day a request was received is refused, naming that field.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from comity.cases import actions as case_actions
from comity.errors import InvalidInput
from comity.law import get_law
from comity.law.dates import add_months
from comity.law.redress import REGIMES, redress_clock
from comity.law.retention import compute_retention
from comity.oversight import actions
from comity.oversight.models import RedressMatter

D = dt.date
LED_CITATION = ("Directive (EU) 2016/680 Art 12(3): inform the data subject without undue delay; one month, "
                "extendable by two further months, as in national implementations following Regulation (EU) "
                "2016/679 Art 12(3)")
NATIONAL_CITATION = "National law: one month (instance policy until the national period is configured)"


def _oversight_add_months(day: dt.date, months: int) -> dt.date:
    """The copy oversight/actions.py had (line 73 before the split), kept here to compare with."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


MONTH_ENDS = [D(2023, 1, 31), D(2024, 1, 31), D(2024, 2, 29), D(2023, 2, 28), D(2024, 3, 31), D(2024, 8, 31),
              D(2024, 12, 31), D(2100, 1, 31), D(2000, 1, 31), D(2026, 5, 30), D(1900, 3, 31)]


@pytest.mark.parametrize("day", MONTH_ENDS)
@pytest.mark.parametrize("months", [-25, -13, -12, -11, -1, 0, 1, 2, 3, 11, 12, 13, 48, 120])
def test_the_shared_add_months_gives_what_the_oversight_copy_gave(day, months):
    assert add_months(day, months) == _oversight_add_months(day, months)


# --- redress ----------------------------------------------------------------------------------------------

def test_redress_periods_and_citations_are_the_ones_users_saw():
    led = redress_clock("EU-LED", "access", D(2026, 1, 31))
    assert (led.due, led.extended_due, led.extension_months) == (D(2026, 2, 28), D(2026, 4, 30), 2)
    assert led.citation == LED_CITATION and led.verified is False
    national = redress_clock("national", "deletion", D(2024, 1, 31))
    assert (national.due, national.extended_due, national.extension_months) == (D(2024, 2, 29), None, 0)
    assert national.citation == NATIONAL_CITATION and national.verified is False
    for kind, months in (("access", 4), ("correction", 9), ("deletion", 9)):
        ccf = redress_clock("INTERPOL-CCF", kind, D(2026, 1, 10))
        assert ccf.due == add_months(D(2026, 1, 10), months) and ccf.extension_months == 0
        assert ccf.citation.startswith("Statute of the Commission for the Control of INTERPOL's Files, Art 40")


def test_redress_period_is_read_from_the_law_on_the_day_received():
    """A change of the law is a new dated value of the parameter: requests received from that day get it."""
    law = get_law()
    name = "redress.eu_led.decision_months"
    param = law.parameters[name]
    amended = dataclasses.replace(param, values=param.values + ((D(2027, 1, 1), 2, "Amending act Art 1", True,
                                                                D(2026, 12, 2)),))
    changed = dataclasses.replace(law, parameters={**law.parameters, name: amended})
    assert redress_clock("EU-LED", "access", D(2026, 12, 31), law=changed).due == D(2027, 1, 31)
    new = redress_clock("EU-LED", "access", D(2027, 1, 31), law=changed)
    assert new.due == D(2027, 3, 31) and new.extended_due == D(2027, 5, 31)
    assert new.citation == "Amending act Art 1" and new.verified is True


def test_every_regime_a_user_can_choose_has_its_period_in_the_law():
    law = get_law()
    for regime in RedressMatter._meta.get_field("regime").choices:
        spec = REGIMES[regime[0]]
        if spec.clock_instrument:
            codes = {r.code for r in law.clock_rules if r.instrument == spec.clock_instrument}
            assert {code for _kind, code in spec.clock_rules} <= codes
        else:
            assert spec.period in law.parameters and spec.extension in law.parameters


def test_moved_parameters_keep_their_sources_and_are_not_marked_verified():
    """Nobody has read these periods in their source yet: verified: false, no read date invented."""
    law = get_law()
    moved = [p for name, p in law.parameters.items() if name.startswith(("redress.", "retention."))]
    assert len(moved) == 10
    for p in moved:
        assert p.reference.strip() and p.description.strip()
        assert all(v[3] is False and v[4] is None for v in p.values), p.name
    assert law.parameters["redress.eu_led.decision_months"].reference == LED_CITATION


def _file(user, **kw):
    data = {"requester_name": "Me Dupont", "requester_capacity": "counsel", "person_described": "Ivan Petrov",
            "kind": "access", "regime": "EU-LED", "received": "2026-01-31", "acting_user": user}
    data.update(kw)
    return actions.do_file_redress(**data)


@pytest.mark.parametrize("regime, received, since", [("EU-LED", "2018-05-05", "2018-05-06"),
                                                     ("INTERPOL-CCF", "2016-12-31", "2017-03-11")])
def test_request_received_before_the_regime_applied_is_refused_naming_the_field(oversight, regime, received,
                                                                                 since):
    with pytest.raises(InvalidInput) as e:
        _file(oversight, regime=regime, received=received)
    assert set(e.value.errors) == {"received"}
    assert e.value.errors["received"].startswith(f"{received} is before the period of the ")
    assert e.value.errors["received"].endswith(f"applied: it applies to requests received from {since}")
    assert not RedressMatter.objects.exists()
    assert _file(oversight, regime=regime, received=since).due > D.fromisoformat(since)


def test_the_form_shows_why_the_day_received_is_refused_and_keeps_what_was_typed(login, oversight):
    r = login(oversight).post("/oversight/redress/new/", {
        "requester_name": "Me Dupont", "requester_capacity": "counsel", "person_described": "Ivan Petrov",
        "kind": "access", "regime": "EU-LED", "received": "2017-06-01"})
    assert r.status_code == 422 and not RedressMatter.objects.exists()
    page = r.content.decode()
    assert "it applies to requests received from 2018-05-06" in page
    assert 'value="2017-06-01"' in page and 'value="Me Dupont"' in page


# --- retention --------------------------------------------------------------------------------------------

class _Undertaking:
    def __init__(self, kind, text, dispose_by=None, months_after_proceedings=None):
        self.kind, self.text, self.dispose_by = kind, text, dispose_by
        self.months_after_proceedings = months_after_proceedings


EXTRADITION_BASIS = ("10 years after the end of the proceedings for extradition (policy; Extradition files are "
                     "kept longer: speciality (ETS 024 Art 14) may be invoked for years after surrender)")


def test_retention_defaults_and_explanations_are_the_ones_users_saw():
    ended = D(2024, 2, 29)
    r = compute_retention(kinds=["mla", "extradition"], undertakings=[], proceedings_ended=ended)
    assert r.due == D(2034, 2, 28) and r.basis == [(D(2034, 2, 28), EXTRADITION_BASIS)]
    for kinds, years in ((["mla"], 5), (["notice"], 5), (["transfer"], 10), (["asset_recovery"], 10), ([], 3)):
        assert compute_retention(kinds=kinds, undertakings=[], proceedings_ended=ended).due == \
            add_months(ended, 12 * years), kinds
    none = compute_retention(kinds=[], undertakings=[], proceedings_ended=None)
    assert none.due is None
    none_basis = "3 years after the end of the proceedings for none (policy; A case without any request)"
    assert none.basis == [(None, none_basis)]
    shorter = compute_retention(kinds=["mla"], proceedings_ended=ended, undertakings=[
        _Undertaking("after_proceedings", "dispose 6 months after judgment", months_after_proceedings=6),
        _Undertaking("use_limitation", "only for the trial")])
    assert shorter.due == D(2024, 8, 29)
    assert shorter.basis[1:] == [
        (D(2024, 8, 29), "undertaking: dispose 6 months after the proceedings (dispose 6 months after judgment)"),
        (None, "undertaking: use limited (only for the trial)")]


def test_retention_period_is_the_policy_in_force_when_the_proceedings_ended():
    law = get_law()
    name = "retention.mla.years"
    param = law.parameters[name]
    amended = dataclasses.replace(param, values=param.values + ((D(2025, 1, 1), 7, param.values[0][2], False,
                                                                None),))
    changed = dataclasses.replace(law, parameters={**law.parameters, name: amended})
    before = compute_retention(kinds=["mla"], undertakings=[], proceedings_ended=D(2024, 12, 31), law=changed)
    after = compute_retention(kinds=["mla"], undertakings=[], proceedings_ended=D(2025, 1, 1), law=changed)
    assert before.due == D(2029, 12, 31) and after.due == D(2032, 1, 1)
    assert after.basis[0][1].startswith("7 years after the end of the proceedings for mla (policy; ")


def test_retention_page_explains_the_period(login, case, extradition, supervisor):
    case_actions.do_close_case(case, reason="Proceedings ended", acting_user=supervisor)
    today = timezone.localdate()
    page = login(supervisor).get(f"/oversight/retention/cases/{case.pk}/").content.decode()
    assert add_months(today, 120).isoformat() in page
    assert EXTRADITION_BASIS in page


# --- the actions package ----------------------------------------------------------------------------------

def test_every_action_of_the_sub_domains_is_reachable_from_the_package():
    """``from comity.oversight import actions; actions.do_...`` keeps working for every action and lookup."""
    import inspect

    from comity.oversight.actions import console, protected, redress, reports, retention

    for module in (console, reports, redress, retention, protected):
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not name.startswith("_"):
                assert getattr(actions, name) is obj, f"{module.__name__}.{name} is not re-exported"
                assert name in actions.__all__
