"""Legal-basis finder: the base rule, its named exceptions, the ordering, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comity.law import InvalidInput, UnknownState, compile_law, get_law, legal_basis
from comity.law.basis import find_legal_basis



def test_result_shape_and_json():
    res = legal_basis("fr", "de", "extradition", dt.date(2024, 1, 1))
    assert res.requesting == "FR" and res.requested == "DE"
    assert res.instruments[0] == "EU-EAW"
    first = res[0]
    assert first.title.startswith("Council Framework Decision 2002/584/JHA")
    assert "2002/584/JHA" in first.citation
    out = res.as_dict()
    assert out["legal_basis"][0]["instrument"] == "EU-EAW"
    assert {"instrument", "title", "citation"} <= set(out["legal_basis"][0])
    assert isinstance(out["reason"], str) and "EU-EAW" in out["reason"]
    assert out["date"] == "2024-01-01"


def test_replacement_is_recorded_with_its_citation():
    res = legal_basis("FR", "DE", "extradition", "2024-01-01")
    why = {e["instrument"]: e["why"] for e in res.excluded}
    assert "CETS-024" in why and "EU-EAW" in why["CETS-024"] and "Art 31" in why["CETS-024"]


def test_protocols_follow_their_convention():
    res = legal_basis("UA", "PL", "mla", "2024-01-01").instruments
    i = res.index("CETS-030")
    assert res[i: i + 3] == ["CETS-030", "CETS-099", "CETS-182"]
    ext = legal_basis("ZA", "DE", "extradition", "2024-01-01").instruments
    assert ext[:2] == ["CETS-024", "CETS-098"]


def test_protocol_without_its_convention_is_left_out():
    # Korea's accession to the 1957 Convention took effect at the end of 2011; in 2010 the Second Protocol
    # (whose dates for Korea and Germany are not recorded) cannot be used on its own.
    res = legal_basis("KR", "DE", "extradition", "2010-06-01")
    assert "CETS-024" not in res.instruments and "CETS-098" not in res.instruments
    why = {e["instrument"]: e["why"] for e in res.excluded}
    assert "supplements CETS-024" in why["CETS-098"]
    later = legal_basis("KR", "DE", "extradition", "2012-06-01").instruments
    assert later[:2] == ["CETS-024", "CETS-098"]


def test_un_convention_excluded_for_treaty_only_state_without_acceptance():
    res = legal_basis("VN", "US", "extradition", "2024-01-01")
    why = {e["instrument"]: e["why"] for e in res.excluded}
    assert "does not take the Convention" in why["UNTOC"]
    assert "conditional on a treaty" in why["UN-1988"]


def test_un_convention_between_two_states_that_need_no_treaty():
    # Brazil asks China: neither requires a treaty (Brazil: Lei 13.445/2017 art 84, reciprocity; China: Extradition
    # Law arts 3 and 15), so UNTOC offences are extraditable between them (Art 16(6)). India, the earlier example,
    # extradites only to States named by a treaty or a government order (Extradition Act 1962 s 3), read 2026-12-02.
    res = legal_basis("BR", "CN", "extradition", "2024-01-01")
    assert res.instruments[0] == "UNTOC"
    item = res[0]
    assert "16(6)" in item.why
    assert any("organized criminal group" in c for c in item.caveats)


def test_treaty_only_requesting_state_cannot_rely_on_reciprocity_or_16_6():
    # the US asks Vietnam: Vietnam would extradite without a treaty on reciprocity, which the US cannot offer
    res = legal_basis("US", "VN", "extradition", "2024-01-01")
    assert res.instruments == []
    assert "requires a treaty" in res.reason and "reciprocity" in res.reason
    why = {e["instrument"]: e["why"] for e in res.excluded}
    assert "16(6)" in why["UNTOC"] and "reciprocity:VN" in why


def test_third_state_agreements_apply_only_with_the_third_state():
    # the TCA is not a route between two Member States
    assert "EU-UK-TCA" not in legal_basis("FR", "DE", "mla", "2024-01-01").instruments
    assert "EU-US-MLA" not in legal_basis("FR", "DE", "mla", "2024-01-01").instruments


def test_same_state_is_refused():
    with pytest.raises(InvalidInput) as info:
        legal_basis("FR", "FR", "mla", "2024-01-01")
    assert info.value.problems[0]["field"] == "requested"


@pytest.mark.parametrize(
    ("args", "exc", "field"),
    [
        (("XX", "FR", "mla", "2024-01-01"), UnknownState, "requesting"),
        (("FR", "Germany", "mla", "2024-01-01"), UnknownState, "requested"),
        (("FR", "DE", "letters", "2024-01-01"), InvalidInput, "kind"),
        (("FR", "DE", "mla", "2024-02-30"), InvalidInput, "on_date"),
        (("FR", "DE", "mla", "yesterday"), InvalidInput, "on_date"),
        ((None, "DE", "mla", "2024-01-01"), UnknownState, "requesting"),
    ],
)
def test_bad_input_names_the_field(args, exc, field):
    with pytest.raises(exc) as info:
        legal_basis(*args)
    err = info.value.problems[0]
    assert err["field"] == field and err["reason"]
    # The package-wide shape: {field: reason}, the detail beside it.
    assert info.value.as_dict()["errors"] == {field: err["reason"]} == info.value.errors
    assert info.value.as_dict()["problems"] == info.value.problems


def test_date_defaults_to_today():
    res = legal_basis("FR", "DE", "extradition")
    assert res.on_date == dt.datetime.now(dt.timezone.utc).date()


# ---------------------------------------------------------------- with fixture profiles (FR, US, CN only)


@pytest.fixture
def fixture_law(data_copy):
    return compile_law(data_copy)


def test_reciprocity_where_the_requested_state_extradites_without_a_treaty(fixture_law):
    res = find_legal_basis(fixture_law, "KP", "CN", "extradition", dt.date(2024, 1, 1))
    # Only a convention limited to particular offences links them (the 1988 Convention: drug trafficking), so
    # reciprocity stays available, last, for every other offence.
    assert res.instruments[-1] == "reciprocity:CN"
    assert all(fixture_law.instruments[i].tier == "un" for i in res.instruments[:-1])
    assert "Extradition Law" in res[-1].citation  # the profile's source is the citation
    assert "other than conventions limited to particular offences" in res[-1].why


def test_treaty_only_requesting_state_cannot_offer_reciprocity(fixture_law, data_copy):
    # mid-1989: no convention in force between the US and China yet (the 1988 Convention only from 1990)
    res = find_legal_basis(fixture_law, "US", "CN", "extradition", dt.date(1989, 6, 1))
    assert res.instruments == []
    assert "cannot offer reciprocity" in res.reason
    # a requested state that extradites under its own statute without a reciprocity condition still can
    path = data_copy / "profiles" / "CN.yaml"
    path.write_text(path.read_text().replace("value: treaty_or_reciprocity", "value: domestic_law"))
    law = compile_law(data_copy)
    res = find_legal_basis(law, "US", "CN", "extradition", dt.date(1989, 6, 1))
    assert res.instruments == ["reciprocity:CN"]
    assert not any("assurance of reciprocity" in c for c in res[0].caveats)


def test_no_profile_means_no_reciprocity_and_says_so(fixture_law):
    res = find_legal_basis(fixture_law, "KP", "SA", "extradition", dt.date(1985, 1, 1))
    assert not any(i.startswith("reciprocity:") for i in res.instruments)
    assert "no country profile for SA" in res.reason


def test_no_treaty_with_treaty_only_state(fixture_law):
    res = find_legal_basis(fixture_law, "CN", "US", "extradition", dt.date(2024, 1, 1))
    assert res.instruments == [] and "requires a treaty" in res.reason


# ---------------------------------------------------------------- properties over real pairs

_TIER = {"eu": 1, "eu_third_country": 2, "bilateral": 3, "regional": 4, "un": 5, "domestic": 6, "reciprocity": 7}


_MEMBERS = sorted(get_law().interpol_members["members"])
_EUROPE = sorted("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE GB NO IS CH".split())


@settings(max_examples=400, deadline=None)
@given(
    a=st.one_of(st.sampled_from(_MEMBERS), st.sampled_from(_EUROPE)),
    b=st.one_of(st.sampled_from(_MEMBERS), st.sampled_from(_EUROPE)),
    kind=st.sampled_from(["extradition", "mla", "transfer", "asset_recovery"]),
    day=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)),
)
def test_invariants(a, b, kind, day):
    if a == b:
        return
    law = get_law()
    res = legal_basis(a, b, kind, day)
    ids = res.instruments
    assert len(ids) == len(set(ids))
    for item in res:
        assert item.citation and item.why
        if item.tier in ("reciprocity", "domestic"):
            continue
        inst = law.instruments[item.instrument]
        assert kind in inst.scope
        for s in (a, b):
            p = inst.parties[s]
            assert p.in_force(day, inst.entry_into_force or inst.adopted) is not False
    # ordering: a protocol directly follows its convention, otherwise tiers never go backwards
    prev = 0.0
    for item in res:
        inst = law.instruments.get(item.instrument)
        if inst is not None and inst.supplements in ids:
            continue
        rank = _TIER[item.tier]
        if inst is not None and inst.rank is not None:
            rank = inst.rank
        if inst is not None and inst.supplements_bilateral:
            rank = 3.5
        assert rank >= prev, ids
        prev = rank
    if "EU-EAW" in ids:
        assert ids[0] in ("EU-EAW", "NORDIC-AW")
        assert not any(i.startswith("CETS-") or i.startswith("bilateral:") for i in ids)
    if "EU-EIO" in ids:
        assert "IE" not in (a, b) and "DK" not in (a, b) and "CETS-030" not in ids
    if "EU-UK-TCA" in ids:
        assert "GB" in (a, b) and day >= dt.date(2021, 1, 1)
        assert "EU-EAW" not in ids
    for exc in res.excluded:  # whatever replaced an instrument is itself part of the answer
        if exc["why"].startswith("replaced by "):
            assert exc["why"].split()[2] in ids, (exc, ids)
    eaw = law.instruments["EU-EAW"]
    if (kind == "extradition" and "NORDIC-AW" not in ids and a in eaw.parties and b in eaw.parties
            and eaw.parties[a].in_force(day, None) and eaw.parties[b].in_force(day, None)):
        assert ids[0] == "EU-EAW"


NORDIC = {"DK", "FI", "IS", "NO", "SE"}


@pytest.mark.parametrize("kind", ["extradition", "mla", "transfer"])
def test_every_pair_of_eu_states_has_its_eu_instrument_first(kind):
    eu = sorted("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split())
    expected = {"extradition": "EU-EAW", "mla": "EU-EIO", "transfer": "EU-FD-2008-909"}[kind]
    for a in eu:
        for b in eu:
            if a == b:
                continue
            ids = legal_basis(a, b, kind, "2024-06-01").instruments
            if kind == "extradition" and {a, b} <= NORDIC:
                assert ids == ["NORDIC-AW"], (a, b, ids)
            elif kind == "mla" and {a, b} & {"IE", "DK"}:
                assert ids[0] == "CETS-030" and "EU-EIO" not in ids, (a, b, ids)
            else:
                assert ids[0] == expected, (a, b, ids)


# ---------------------------------------------------------------- statutes and Art 16(5)-type notifications


def test_unknown_acceptance_is_a_caveat_not_a_refusal():
    # Uganda is treaty_only and nothing is recorded on whether it takes UNTOC as a legal basis
    res = legal_basis("KE", "UG", "extradition", "2024-03-01")
    assert res.instruments[0] == "UNTOC"
    item = res[0]
    assert not item.verified
    assert any("unknown, not refused" in c for c in item.caveats)
    assert "No certain legal basis" in res.reason


def test_recorded_acceptance_is_used():
    res = legal_basis("PH", "NL", "extradition", "2024-03-01")
    assert res.instruments[0] == "UNTOC"
    assert "NL accepts the Convention" in res[0].why
    assert not any("unknown" in c for c in res[0].caveats)


def test_statute_decides_how_conventions_count():
    uk = legal_basis("CN", "GB", "extradition", "2024-03-01")
    why = {e["instrument"]: e["why"] for e in uk.excluded}
    assert uk.instruments == [] and "Extradition Act 2003" in why["UNTOC"]
    assert "s 194" in uk.reason
    ca = legal_basis("CN", "CA", "extradition", "2024-03-01")
    assert ca.instruments[0] == "UNTOC" and "statute treats multilateral conventions" in ca[0].why
    us = legal_basis("CN", "US", "extradition", "2024-03-01")
    assert us.instruments == [] and "3181(b)" in us.reason


def test_designation_follows_the_recorded_dates():
    assert "NZ-EA-1999" not in legal_basis("GM", "NZ", "extradition", "2015-06-01").instruments
    later = legal_basis("GM", "NZ", "extradition", "2019-06-01")
    assert later.instruments[0] == "NZ-EA-1999"
    assert any("designated from 2018-02-08" in c for c in later[0].caveats)
    why = {e["instrument"]: e["why"] for e in legal_basis("GM", "NZ", "extradition", "2015-06-01").excluded}
    assert "not for 2015-06-01" in why["NZ-EA-1999"] and "s 60" in why["NZ-EA-1999"]


def test_statute_comes_before_the_offence_specific_conventions():
    ids = legal_basis("GB", "AU", "extradition", "2024-03-01").instruments
    assert ids[0] == "AU-EA-1988" and ids.index("UNTOC") > 0
    assert ids.index("CETS-185") > ids.index("UN-1988")
    assert legal_basis("IN", "GB", "extradition", "2024-03-01").instruments == ["bilateral:GB-IN:1992", "GB-EA-2003"]


def test_budapest_comes_after_the_un_conventions_for_mla():
    ids = legal_basis("US", "JP", "mla", "2024-03-01").instruments
    assert ids.index("UNTOC") < ids.index("CETS-185")
    item = legal_basis("US", "JP", "mla", "2024-03-01")[ids.index("CETS-185")]
    assert any("cybercrime" in c for c in item.caveats)
