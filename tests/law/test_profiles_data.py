"""Country profiles (src/comity/law/data/profiles/<ISO2>.yaml) as the loader reads them.

The loader validates the schema (and refuses the whole data set on any error, tested in
test_data_validation.py); these tests check what a user relies on: one profile per INTERPOL member, facts in
force on a date, nationals rules as structured law, and that what is marked verified says where and when it
was read.
"""

from __future__ import annotations

import datetime as dt

import pytest

from comity.law import get_law
from comity.law.model import NationalsRule

LAW = get_law()
PROFILES = LAW.profiles


def test_every_interpol_member_has_a_profile_and_no_one_else():
    members = set(LAW.interpol_members["members"])
    assert len(members) == 196
    assert members == set(PROFILES)
    assert "XK" not in PROFILES and "TW" not in PROFILES


@pytest.mark.parametrize("state", sorted(PROFILES))
def test_every_fact_has_a_source_and_verified_ones_were_read(state):
    prof = PROFILES[state]
    for name in prof.facts:
        for fact in prof.history(name):
            if fact.value is not None:
                assert fact.source and fact.source.strip(), (state, name)
            if fact.verified:
                assert fact.read is not None and fact.read <= dt.date.today(), (state, name)
                assert "http" in fact.source, (state, name)


@pytest.mark.parametrize("state", sorted(PROFILES))
def test_nationals_rule_is_structured(state):
    rule = PROFILES[state].value("extradites_nationals")
    assert isinstance(rule, NationalsRule), state
    assert rule.bar in ("none", "constitutional", "statutory")
    if rule.bar != "none":
        assert rule.article, state
    for exc in rule.exceptions:
        assert exc.article, (state, exc.kind)


def test_eu_membership_as_read_from_the_eu():
    today = dt.date.today()
    members = {s for s, p in PROFILES.items() if p.value("eu_member", on=today) is True}
    assert len(members) == 27
    assert "GB" not in members
    # In force on a date: the United Kingdom was a Member State until 31 January 2020.
    assert PROFILES["GB"].value("eu_member", on=dt.date(2019, 12, 31)) is True
    assert PROFILES["GB"].value("eu_member", on=dt.date(2020, 1, 31)) is True
    assert PROFILES["GB"].value("eu_member", on=dt.date(2020, 2, 1)) is False
    assert PROFILES["HR"].fact("eu_member").extra["since"] == dt.date(2013, 7, 1)


def test_council_of_europe_has_46_members_without_russia():
    coe = {s for s, p in PROFILES.items() if p.value("coe_member") is True}
    assert len(coe) == 46
    assert "RU" not in coe and "BY" not in coe and "GB" in coe


def test_switzerland_extradites_nationals_with_their_consent():
    rule = PROFILES["CH"].value("extradites_nationals")
    assert rule.bar == "constitutional"
    assert rule.exception("consent") is not None


def test_brazil_never_extradites_native_born_nationals():
    rule = PROFILES["BR"].value("extradites_nationals")
    assert rule.bar == "constitutional"
    naturalised = rule.exception("naturalised")
    assert naturalised is not None
    assert set(naturalised.offences) == {"before_naturalisation", "drug_trafficking"}
    assert all(e.kind != "consent" for e in rule.exceptions)


def test_common_law_states_have_no_bar():
    for state in ("US", "GB", "CA"):
        assert PROFILES[state].value("extradites_nationals").bar == "none", state


def test_germany_allows_eu_surrender_only():
    rule = PROFILES["DE"].value("extradites_nationals")
    assert rule.bar == "constitutional"
    assert rule.exception("eu_surrender") is not None
    assert rule.exception("consent") is None


def test_death_penalty_values_and_evidence_dates():
    values = {p.value("death_penalty") for p in PROFILES.values()}
    assert values <= {"abolitionist_all", "abolitionist_ordinary", "abolitionist_in_practice", "retentionist"}
    for state, prof in PROFILES.items():
        fact = prof.fact("death_penalty")
        as_of = fact.extra.get("as_of")
        assert as_of is None or as_of <= dt.date.today(), state


def test_russia_left_the_council_of_europe_and_the_echr_on_the_dates_read():
    ru = PROFILES["RU"]
    assert ru.value("coe_member", on=dt.date(2022, 3, 15)) is True
    assert ru.value("coe_member", on=dt.date(2022, 3, 16)) is False
    assert ru.value("echr_party", on=dt.date(2022, 9, 15)) is True
    assert ru.value("echr_party", on=dt.date(2022, 9, 16)) is False
    assert all(f.verified and f.read for f in ru.history("echr_party"))
