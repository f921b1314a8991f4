"""The legal clocks of the lifecycles are defined once, in the law (issue 12, item 4(c)).

A legal clock in cases/data/lifecycles.yaml names the law's clock rule (``rule:``) and takes its period and
citation from it (comity.law: data/clocks.yaml and the dated parameters); only a clock that is not a legal
deadline (a follow-up practice) keeps its own days and says ``legal: false``. The deadlines a caseworker sees
(due date and citation) are those the lifecycle showed before the change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from comity.cases import actions
from comity.cases.lifecycle import DATA, LifecycleError, lifecycles, parse_lifecycles
from comity.cases.models import Deadline
from comity.law import get_law
from comity.law.clocks import RULE_BOOKS
from comity.law.dates import add_months

D = dt.date
# Month ends, a leap day, the last day of a year, and a day before some parameters' first dated value.
STARTS = [D(2024, 1, 31), D(2024, 2, 29), D(2023, 12, 31), D(2025, 5, 31), D(2026, 8, 31), D(2010, 6, 30)]


@pytest.mark.parametrize("day", [D(2023, 1, 31), D(2024, 1, 31), D(2024, 2, 29), D(2023, 2, 28), D(2024, 3, 31),
                                 D(2024, 12, 31), D(2100, 1, 31), D(2000, 2, 29), D(1900, 3, 31)])
@pytest.mark.parametrize("months", [-25, -13, -12, -1, 0, 1, 2, 9, 11, 12, 13, 48])
def test_the_shared_add_months_gives_what_relativedelta_gave(day, months):
    """The lifecycle counted months with dateutil's relativedelta before it used comity.law.dates.add_months."""
    from dateutil.relativedelta import relativedelta

    assert add_months(day, months) == day + relativedelta(months=months)


def _legal_clocks():
    return [(kind, c) for kind, lc in lifecycles().items() for c in lc.clocks.values() if c.legal]


def _rules(ref: str):
    instrument, _, rest = ref.partition("/")
    code, _, start_event = rest.partition("@")
    return [r for r in get_law().clock_rules if r.instrument == instrument and r.code == code
            and (not start_event or r.start_event == start_event)]


def test_every_legal_lifecycle_clock_names_a_law_rule_and_takes_its_period_from_it():
    law = get_law()
    assert _legal_clocks()
    for kind, clock in _legal_clocks():
        assert clock.rule, f"{kind}.{clock.code} names no law clock rule"
        rules = _rules(clock.rule)
        assert rules, f"{kind}.{clock.code}: {clock.rule} is not a clock rule of the law"
        rule = rules[0]
        # The instrument guard is the rule's instrument (a rule book, such as the CCF Statute, governs every
        # request of its kind).
        assert clock.instrument == (None if rule.instrument in RULE_BOOKS else rule.instrument)
        assert clock.citation == rule.citation.split(":")[0].strip()
        param = law.parameters[rule.parameter]
        for start in STARTS:
            value = param.at(start) or param.at(param.values[0][0])
            expected = add_months(start, int(value.value)) if rule.unit == "months" else \
                start + dt.timedelta(days=int(value.value))
            assert clock.due_from(start) == expected, (kind, clock.code, start)


def test_only_clocks_that_are_not_legal_deadlines_keep_their_own_period():
    for lc in lifecycles().values():
        for c in lc.clocks.values():
            if not c.legal:
                assert c.rule is None and c.citation and (c.days or c.months), c.code
    follow_up = lifecycles()["mla"].clocks["mla_follow_up"]
    assert follow_up.due_from(D(2024, 1, 31)) == D(2024, 3, 31)  # 60 days, Comity practice


def test_a_change_of_the_law_changes_the_lifecycle_deadline():
    """The 40 days of CETS-024 Art 16(4) are read from the law's dated parameter, not from lifecycles.yaml: a
    law data set where the period became 45 days from 2025 gives 45 days from then on, 40 before."""
    law = get_law()
    name = "clocks.cets024.provisional_arrest_max_days"
    param = law.parameters[name]
    amended = dataclasses.replace(param, values=param.values + ((D(2025, 1, 1), 45, param.values[0][2], False,
                                                                None),))
    changed = dataclasses.replace(law, parameters={**law.parameters, name: amended})
    clock = parse_lifecycles(DATA.read_text(encoding="utf-8"), law=changed)["extradition"].clocks[
        "provisional_arrest_release"]
    assert clock.due_from(D(2024, 6, 1)) == D(2024, 7, 11)  # 40 days
    assert clock.due_from(D(2025, 6, 1)) == D(2025, 7, 16)  # 45 days
    assert lifecycles()["extradition"].clocks["provisional_arrest_release"].due_from(D(2025, 6, 1)) == D(2025, 7, 11)


@pytest.mark.parametrize("bad, where, reason", [
    ("  clocks:\n    c: {days: 3, citation: X Art 1}\n", "clocks.c.rule", "names the law's clock rule"),
    ("  clocks:\n    c: {rule: EU-EAW/no_such_clock}\n", "clocks.c.rule", "no clock rule"),
    ("  clocks:\n    c: {rule: EU-EAW/eaw_decision_due}\n", "clocks.c.rule", "arrest, consent"),
    ("  clocks:\n    c: {rule: CETS-024/provisional_arrest_release, days: 40}\n", "clocks.c.days",
     "from the law"),
    ("  clocks:\n    c: {rule: CETS-024/provisional_arrest_release, citation: CETS-024 Art 16(4)}\n",
     "clocks.c.citation", "from the law"),
    ("  clocks:\n    c: {legal: false, days: 3}\n", "clocks.c.citation", "citation"),
    ("  clocks:\n    c: {legal: false, citation: practice, rule: CETS-024/provisional_arrest_release}\n",
     "clocks.c.rule", "not a legal deadline"),
])
def test_a_clock_that_does_not_follow_the_rule_is_refused_naming_the_field(bad, where, reason):
    text = "x:\n  states: {a: A}\n  initial: {outgoing: a, incoming: a}\n" + bad
    with pytest.raises(LifecycleError) as e:
        parse_lifecycles(text)
    assert f"x: {where}" in str(e.value) and reason in str(e.value)


# --- what a caseworker sees: the deadlines started by each step, due date and citation ---------------------

DAY = D(2024, 1, 31)


def _request(case, user, *, kind, instrument, requesting, requested, notice_action=None):
    return actions.do_create_request(case, kind=kind, direction="incoming" if kind != "notice" else "outgoing",
                                     subject="Clock check", requesting_state=requesting, requested_state=requested,
                                     legal_basis_instrument=instrument, notice_action=notice_action,
                                     acting_user=user)


def _deadlines(req):
    return {d.code: (d.due, d.citation) for d in Deadline.objects.filter(request=req)}


def _steps(req, user, *names):
    for name in names:
        actions.do_transition_request(req, name, acting_user=user, effective_date=DAY)


def test_european_convention_deadlines_are_unchanged(case, supervisor):
    req = _request(case, supervisor, kind="extradition", instrument="CETS-024", requesting="IT", requested="CH")
    _steps(req, supervisor, "record_provisional_arrest", "receive_formal_request", "grant")
    got = _deadlines(req)
    assert set(got) == {"provisional_arrest_request_due", "provisional_arrest_release", "surrender_due",
                        "surrender_release"}
    assert got["provisional_arrest_request_due"][0] == D(2024, 2, 18)  # 18 days, Art 16(4)
    assert got["provisional_arrest_release"][0] == D(2024, 3, 11)  # 40 days, Art 16(4)
    assert got["surrender_due"][0] == D(2024, 2, 15)  # 15 days, Art 18(4)
    assert got["surrender_release"][0] == D(2024, 3, 1)  # 30 days, Art 18(4)
    assert all("Art 16(4)" in got[c][1] for c in ("provisional_arrest_request_due", "provisional_arrest_release"))
    assert all("Art 18(4)" in got[c][1] for c in ("surrender_due", "surrender_release"))
    assert all("ETS 024" in c or "CETS-024" in c for _due, c in got.values())


def test_european_arrest_warrant_deadlines_follow_the_law_rule_each_clock_names(case, supervisor):
    req = _request(case, supervisor, kind="extradition", instrument="EU-EAW", requesting="FR", requested="ES")
    _steps(req, supervisor, "record_provisional_arrest", "record_consent", "grant")
    got = _deadlines(req)
    assert set(got) == {"eaw_decision_due", "eaw_decision_after_consent_due", "eaw_surrender_due"}
    assert got["eaw_decision_due"][0] == D(2024, 3, 31)  # 60 days after arrest
    assert got["eaw_decision_due"][1].startswith("Framework Decision 2002/584/JHA Art 17(3)")
    # The clock after consent follows EU-EAW/eaw_decision_due@consent: the law's computed date and its full
    # citation (matched by the rule the lifecycle names, not by a shared code).
    due, citation = got["eaw_decision_after_consent_due"]
    assert due == D(2024, 2, 10) and citation.startswith("Framework Decision 2002/584/JHA Art 17(2)")
    assert "10 days after consent" in citation
    assert got["eaw_surrender_due"][0] == D(2024, 2, 10)
    assert got["eaw_surrender_due"][1].startswith("Framework Decision 2002/584/JHA Art 23(2)")


def test_european_investigation_order_deadlines_are_unchanged(case, supervisor):
    req = _request(case, supervisor, kind="mla", instrument="EU-EIO", requesting="FR", requested="DE")
    _steps(req, supervisor, "start_assessment")
    got = _deadlines(req)
    assert got["eio_recognition_due"][0] == D(2024, 3, 1)  # 30 days of receipt
    assert got["eio_recognition_due"][1].startswith("Directive 2014/41/EU Art 12(3)")
    assert got["eio_execution_due"] == (D(2024, 4, 30), "Directive 2014/41/EU Art 12(4)")  # 90 days


def test_ccf_challenge_deadline_is_unchanged(case, supervisor):
    req = _request(case, supervisor, kind="notice", instrument="", requesting="DE", requested="TR",
                   notice_action="ccf_challenge")
    _steps(req, supervisor, "file_challenge")
    due, citation = _deadlines(req)["ccf_decision_due"]
    assert due == D(2024, 10, 31)  # 9 months; 31 October exists
    assert citation.startswith("Statute of the Commission for the Control of INTERPOL's Files, Art 40")
