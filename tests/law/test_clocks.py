"""Legal clocks: the right deadline from the right event, holidays of the requested state respected."""

from __future__ import annotations

import datetime as dt

import pytest

from comity.law import InvalidInput, UnknownInstrument, UnknownState, clocks
from comity.law.clocks import add_business_days, is_working_day, next_working_day

D = dt.date


def _by_code(items):
    return {c.code: c for c in items}


def test_provisional_arrest_clocks_under_the_1957_convention():
    got = _by_code(clocks("extradition", "CETS-024", {"provisional_arrest": "2024-03-01"}, requested_state="FR"))
    assert got["provisional_arrest_request_due"].due == D(2024, 3, 19)  # 18 days, Art 16(4)
    assert got["provisional_arrest_release"].due == D(2024, 4, 10)  # 40 days, Art 16(4)
    assert "Art 16" in got["provisional_arrest_release"].citation
    # a release deadline never moves to a later working day: 2024-04-10 is a Wednesday anyway, try a Sunday
    sunday = clocks("extradition", "CETS-024", {"provisional_arrest": "2024-02-25"}, requested_state="FR")
    release = _by_code(sunday)["provisional_arrest_release"]
    assert release.due == D(2024, 4, 5) and release.next_working_day is None
    assert _by_code(sunday)["provisional_arrest_request_due"].due == D(2024, 3, 14)


def test_surrender_under_the_1957_convention_counts_from_the_date_fixed():
    got = _by_code(clocks("extradition", "CETS-024", {"surrender_date": "2024-06-01", "final_decision": "2024-05-01"}))
    assert got["surrender_due"].due == D(2024, 6, 16)  # may release after 15 days
    assert got["surrender_release_due"].due == D(2024, 7, 1)  # must release after 30 days
    assert got["surrender_due"].note is None
    fallback = _by_code(clocks("extradition", "CETS-024", {"final_decision": "2024-05-01"}))
    assert fallback["surrender_due"].due == D(2024, 5, 16)
    assert "date fixed for surrender" in fallback["surrender_due"].note


def test_eaw_decision_sixty_days_from_arrest():
    got = _by_code(clocks("extradition", "EU-EAW", {"arrest": "2024-03-01"}, requested_state="DE"))
    assert got["eaw_decision_due"].due == D(2024, 4, 30)
    assert got["eaw_decision_extended_due"].due == D(2024, 5, 30)
    assert "Art 17(3)" in got["eaw_decision_due"].citation


def test_eaw_decision_ten_days_from_consent_takes_precedence():
    got = clocks("extradition", "EU-EAW", {"arrest": "2024-03-01", "consent": "2024-03-04"}, requested_state="IT")
    decision = [c for c in got if c.code == "eaw_decision_due"]
    assert len(decision) == 1
    assert decision[0].due == D(2024, 3, 14) and decision[0].start_event == "consent"


def test_eaw_deadline_on_a_public_holiday_of_the_requested_state():
    # consent on 2024-12-15: day 10 is Christmas Day; 26 December is also a holiday in Germany
    de = _by_code(clocks("extradition", "EU-EAW", {"consent": "2024-12-15"}, requested_state="DE"))["eaw_decision_due"]
    assert de.due == D(2024, 12, 25)  # the date Art 17(2) gives
    assert de.next_working_day == D(2024, 12, 27)
    # the same dates where 26 December is a working day
    fr = _by_code(clocks("extradition", "EU-EAW", {"consent": "2024-12-15"}, requested_state="FR"))["eaw_decision_due"]
    assert fr.next_working_day == D(2024, 12, 26)
    # on a working day there is nothing to move
    ok = _by_code(clocks("extradition", "EU-EAW", {"consent": "2024-12-02"}, requested_state="DE"))["eaw_decision_due"]
    assert ok.due == D(2024, 12, 12) and ok.next_working_day is None


def test_holidays_differ_between_requested_states():
    # Ascension Day (2024-05-09) is a public holiday in Germany but not in Poland.
    events = {"request_received": "2024-04-09"}  # +30 days = Thursday 2024-05-09
    de = _by_code(clocks("mla", "EU-EIO", events, requested_state="DE"))["eio_recognition_due"]
    pl = _by_code(clocks("mla", "EU-EIO", events, requested_state="PL"))["eio_recognition_due"]
    assert de.due == pl.due == D(2024, 5, 9)
    assert de.next_working_day == D(2024, 5, 10)
    assert pl.next_working_day is None


def test_business_day_rule_skips_the_requested_states_holidays(data_copy):
    # No rule in the packaged data counts business days; a rule that does is counted without weekends and
    # without the requested state's public holidays.
    from comity.law import compile_law
    from comity.law.clocks import compute_clocks

    path = data_copy / "clocks.yaml"
    path.write_text(path.read_text(encoding="utf-8") + """
  - code: test_business_clock
    instrument: CETS-024
    kind: extradition
    start_event: arrest
    parameter: clocks.cets209.consent_notification_days
    day_type: business
    citation: "test rule: 10 business days"
    source: test
    verified: false
""", encoding="utf-8")
    law = compile_law(data_copy)
    events = {"arrest": D(2024, 12, 20)}  # a Friday
    gb = _by_code(compute_clocks(law, "extradition", "CETS-024", events, "GB"))["test_business_clock"]
    us = _by_code(compute_clocks(law, "extradition", "CETS-024", events, "US"))["test_business_clock"]
    # GB: 25, 26 Dec and 1 Jan are holidays -> 10 working days end on 8 Jan; US: 25 Dec and 1 Jan -> 7 Jan
    assert gb.due == D(2025, 1, 8) and gb.period == "10 business days"
    assert us.due == D(2025, 1, 7)


def test_eaw_surrender_ten_days_after_final_decision():
    got = _by_code(clocks("extradition", "EU-EAW", {"final_decision": "2024-03-01"}))
    assert got["surrender_due"].due == D(2024, 3, 11)
    assert "Art 23" in got["surrender_due"].citation


def test_eio_recognition_and_execution():
    got = _by_code(clocks("mla", "EU-EIO", {"request_received": "2024-03-01", "recognition_decision": "2024-03-20"},
                          requested_state="ES"))
    assert got["eio_recognition_due"].due == D(2024, 3, 31)  # Easter Sunday
    assert got["eio_recognition_due"].next_working_day == D(2024, 4, 1)  # Easter Monday is regional only in Spain
    assert got["eio_recognition_extended_due"].due == D(2024, 4, 30)
    assert got["eio_execution_due"].due == D(2024, 6, 18)  # 90 days from the decision
    only_receipt = _by_code(clocks("mla", "EU-EIO", {"request_received": "2024-03-01"}, requested_state="ES"))
    assert only_receipt["eio_execution_due"].start == only_receipt["eio_recognition_due"].due


def test_ccf_months():
    got = _by_code(clocks("notices", "INTERPOL-CCF", {"request_received": "2024-10-31"}))
    assert got["ccf_access_decision_due"].due == D(2025, 2, 28)  # four months, end of a shorter month
    assert got["ccf_correction_decision_due"].due == D(2025, 7, 31)
    assert not got["ccf_access_decision_due"].verified  # secondary sources only


def test_safe_conduct_fifteen_days():
    got = _by_code(clocks("mla", "UNTOC", {"presence_no_longer_required": "2024-01-10"}))
    assert got["safe_conduct_end"].due == D(2024, 1, 25)


def test_clocks_not_yet_law_are_not_computed():
    # the EAW time limits did not exist before 2004
    assert clocks("extradition", "EU-EAW", {"arrest": "2003-05-01"}) == []


def test_business_day_arithmetic_skips_weekends_and_holidays():
    assert not is_working_day(D(2024, 12, 25), "GB")
    assert next_working_day(D(2024, 12, 25), "GB") == D(2024, 12, 27)  # Boxing Day
    assert add_business_days(D(2024, 12, 23), 3, "GB") == D(2024, 12, 30)
    assert add_business_days(D(2024, 12, 23), 3, "US") == D(2024, 12, 27)


@pytest.mark.parametrize(
    ("kwargs", "exc", "field"),
    [
        ({"kind": "extradition", "instrument": "CETS-999", "events": {"arrest": "2024-01-01"}}, UnknownInstrument, "instrument"),
        ({"kind": "extradition", "instrument": "EU-EAW", "events": {"arested": "2024-01-01"}}, InvalidInput, "events.arested"),
        ({"kind": "extradition", "instrument": "EU-EAW", "events": {"arrest": "01/02/2024"}}, InvalidInput, "events.arrest"),
        ({"kind": "mla", "instrument": "EU-EAW", "events": {"arrest": "2024-01-01"}}, InvalidInput, "kind"),
        ({"kind": "extradition", "instrument": "EU-EAW", "events": {"arrest": "2024-01-01"}, "requested_state": "ZZ"}, UnknownState, "requested_state"),
    ],
)
def test_bad_clock_input_names_the_field(kwargs, exc, field):
    with pytest.raises(exc) as info:
        clocks(**kwargs)
    assert info.value.problems[0]["field"] == field


def test_eio_execution_counts_from_the_decision_on_recognition():
    got = _by_code(clocks("mla", "EU-EIO", {"request_received": "2024-03-01", "final_decision": "2024-03-20"}))
    assert got["eio_execution_due"].due == D(2024, 6, 18) and got["eio_execution_due"].start_event == "final_decision"
    both = _by_code(clocks("mla", "EU-EIO", {"recognition_decision": "2024-03-10", "final_decision": "2024-03-20"}))
    assert both["eio_execution_due"].due == D(2024, 6, 8)  # the explicit recognition decision wins
