"""Every threshold, pinned exactly at its limit in both directions.

The limit is read from the dated parameter (so a change of law moves the test with it) and the facts are built at
the limit (passes) and one month below (fails): ETS 024 Art 2(1) 12 months maximum / 4 months sentence; EAW Art
2(1) the same; EAW Art 2(2) and EIO Art 11(1)(g) 36 months for list offences; RPD Art 83 24 months / 6 months;
ETS 112 Art 3(1)(c) 6 months remaining.
"""

from __future__ import annotations

import datetime as dt

import pytest

from comity.law import parameter
from comity.law.assess import assess

ON = "2024-06-01"


def _limit(name: str) -> int:
    return int(parameter(name, ON).value)


def _codes(result) -> set[str]:
    return {g["code"] for g in result["grounds"] if g["status"] == "applies"}


def _extradition(requesting, requested, purpose, **offence):
    return {"kind": "extradition", "requesting_state": requesting, "requested_state": requested, "date": ON,
            "purpose": purpose, "offences": [{"description": "theft", "criminal_in_requested": True, **offence}]}


# ETS 024 between Albania and San Marino (both parties to ETS 024); EAW between France and Germany.
PAIRS = {"ece": ("AL", "SM", "extradition.cets024"), "eaw": ("FR", "DE", "extradition.eaw")}


@pytest.mark.parametrize("family", sorted(PAIRS))
def test_maximum_penalty_threshold_for_prosecution(family):
    requesting, requested, prefix = PAIRS[family]
    limit = _limit(f"{prefix}.min_max_penalty_months")
    assert limit == 12
    at = assess(_extradition(requesting, requested, "prosecution", max_penalty_months=limit,
                             max_penalty_months_requested=limit))
    below = assess(_extradition(requesting, requested, "prosecution", max_penalty_months=limit - 1,
                                max_penalty_months_requested=limit))
    assert at["instrument_applied"] in ("CETS-024", "EU-EAW")
    assert "penalty_threshold" not in _codes(at)
    assert "penalty_threshold" in _codes(below)


def test_ece_threshold_applies_under_both_laws():
    limit = _limit("extradition.cets024.min_max_penalty_months")
    below_in_requested = assess(_extradition("AL", "SM", "prosecution", max_penalty_months=limit,
                                             max_penalty_months_requested=limit - 1))
    assert "penalty_threshold" in _codes(below_in_requested)
    # The EAW looks at the issuing State's law only.
    eaw = assess(_extradition("FR", "DE", "prosecution", max_penalty_months=limit, max_penalty_months_requested=1))
    assert "penalty_threshold" not in _codes(eaw)


@pytest.mark.parametrize("family", sorted(PAIRS))
def test_sentence_threshold_for_enforcement(family):
    requesting, requested, prefix = PAIRS[family]
    limit = _limit(f"{prefix}.min_sentence_months")
    assert limit == 4
    at = assess(_extradition(requesting, requested, "enforcement", max_penalty_months=60, sentence_months=limit))
    below = assess(_extradition(requesting, requested, "enforcement", max_penalty_months=60,
                                sentence_months=limit - 1))
    assert "penalty_threshold" not in _codes(at)
    assert "penalty_threshold" in _codes(below)


def test_eaw_list_offence_without_double_criminality_at_36_months():
    limit = _limit("extradition.eaw.list_offence_min_max_penalty_months")
    assert limit == 36
    facts = lambda months: _extradition("FR", "DE", "prosecution", max_penalty_months=months,  # noqa: E731
                                        list_category="fraud", criminal_in_requested=False)
    assert "dual_criminality" not in _codes(assess(facts(limit)))
    assert "dual_criminality" in _codes(assess(facts(limit - 1)))


def test_eio_list_offence_for_coercive_measures_at_36_months():
    limit = _limit("mla.eio.list_offence_min_max_penalty_months")
    assert limit == 36

    def facts(months):
        return {"kind": "mla", "requesting_state": "FR", "requested_state": "DE", "date": ON,
                "measures": ["search_and_seizure"],
                "offences": [{"description": "fraud", "max_penalty_months": months, "list_category": "fraud",
                              "criminal_in_requested": False}]}

    assert "coercive_measure_dual_criminality" not in _codes(assess(facts(limit)))
    assert "coercive_measure_dual_criminality" in _codes(assess(facts(limit - 1)))


def test_red_notice_thresholds():
    max_limit = _limit("notices.rpd.min_max_penalty_months")
    sent_limit = _limit("notices.rpd.min_sentence_months")
    assert (max_limit, sent_limit) == (24, 6)

    def notice(**offence):
        return {"kind": "red_notice", "requesting_state": "FR", "date": ON,
                "offences": [{"description": "fraud", **offence}]}

    assert "rpd_penalty_threshold" not in _codes(assess(notice(max_penalty_months=max_limit)))
    assert "rpd_penalty_threshold" in _codes(assess(notice(max_penalty_months=max_limit - 1)))
    enforce = {"purpose": "enforcement"}
    assert "rpd_penalty_threshold" not in _codes(assess({**notice(max_penalty_months=60, sentence_months=sent_limit,
                                                                  remaining_months=sent_limit), **enforce}))
    assert "rpd_penalty_threshold" in _codes(assess({**notice(max_penalty_months=60, sentence_months=sent_limit - 1,
                                                              remaining_months=sent_limit - 1), **enforce}))


def test_transfer_needs_six_months_remaining():
    limit = _limit("transfer.cets112.min_remaining_sentence_months")
    assert limit == 6

    def transfer(remaining):
        return {"kind": "transfer", "sentencing_state": "FR", "administering_state": "GB", "date": ON,
                "purpose": "enforcement", "person": {"nationalities": ["GB"], "consent": True},
                "offences": [{"description": "fraud", "max_penalty_months": 60, "sentence_months": 24,
                              "remaining_months": remaining, "criminal_in_requested": True}]}

    assert "remaining_sentence_too_short" not in _codes(assess(transfer(limit)))
    assert "remaining_sentence_too_short" in _codes(assess(transfer(limit - 1)))


def test_parameters_answer_for_the_date_asked():
    # Before ETS 024 entered into force (18 April 1960) the parameter has no value.
    from comity.law import LawError

    with pytest.raises(LawError):
        parameter("extradition.cets024.min_max_penalty_months", dt.date(1960, 4, 17))
    assert int(parameter("extradition.cets024.min_max_penalty_months", dt.date(1960, 4, 18)).value) == 12
