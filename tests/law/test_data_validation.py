"""The legal data set is validated as a whole: every fact has a source, ids resolve, dates are ordered,
and a malformed file is refused with an error naming the file, the line and the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from comity.law import DataError, compile_law
from comity.law.clocks import RULE_BOOKS
from comity.law.loader import BILATERAL_ID, DATA_DIR, known_states

COE_MEMBERS = set(
    "AL AD AM AT AZ BE BA BG HR CY CZ DK EE FI FR GE DE GR HU IS IE IT LV LI LT LU MT MD MC ME NL MK NO PL "
    "PT RO SM RS SK SI ES SE CH TR UA GB".split()
)
EU_MEMBERS = set("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split())

REQUIRED = [
    "CETS-024", "CETS-086", "CETS-098", "CETS-209", "CETS-212", "CETS-030", "CETS-099", "CETS-182",
    "CETS-112", "CETS-167", "CETS-141", "CETS-198", "CETS-185", "UNTOC", "UNCAC", "UN-1988", "EU-EAW",
    "EU-EIO", "EU-FD-2008-909", "EU-UK-TCA", "OAS-B-47", "OAS-A-55", "GB-EA-2003", "bilateral:GB-US:2003",
]


def test_packaged_data_set_validates_from_scratch():
    law = compile_law()  # no cache: the full validation runs
    assert len(law.instruments) >= len(REQUIRED)


@pytest.mark.parametrize("iid", REQUIRED)
def test_required_instruments_present(law, iid):
    assert iid in law.instruments


def test_instrument_kinds_and_scopes(law):
    kinds = {"multilateral_treaty", "eu_act", "bilateral_treaty", "domestic_statute"}
    for inst in law.instruments.values():
        assert inst.kind in kinds, inst.id
        assert set(inst.scope) <= {"extradition", "mla", "transfer", "asset_recovery", "notices"}, inst.id
    assert law.instruments["EU-EAW"].kind == "eu_act"
    assert law.instruments["GB-EA-2003"].kind == "domestic_statute"
    assert law.instruments["bilateral:GB-US:2003"].kind == "bilateral_treaty"


def test_every_fact_has_a_source_and_a_verified_flag(law):
    for inst in law.instruments.values():
        assert inst.source.strip() and isinstance(inst.verified, bool), inst.id
        for art in inst.articles:
            assert art.source.strip() and isinstance(art.verified, bool), (inst.id, art.number)
        for party in inst.parties.values():
            assert party.source.strip(), (inst.id, party.state)
            assert isinstance(party.verified, bool)
            for res in party.reservations:
                assert res.source.strip() and res.text.strip(), (inst.id, party.state, res.article)
        for kind in inst.scope:
            assert inst.citations.get(kind, "").strip(), (inst.id, kind)
    for param in law.parameters.values():
        assert param.reference.strip() and param.description.strip(), param.name
        for _start, _value, ref, verified, *_read in param.values:
            assert ref.strip() and isinstance(verified, bool)
    for rule in law.clock_rules:
        assert rule.citation.strip() and rule.source.strip(), rule.code
    for cat in law.offences.values():
        assert cat.source.strip(), cat.code


def test_ids_and_references_resolve(law):
    states = known_states()
    for inst in law.instruments.values():
        if inst.supplements:
            assert inst.supplements in law.instruments, inst.id
            parent = law.instruments[inst.supplements]
            assert set(inst.parties) <= set(parent.parties), inst.id
        for ids in inst.replaces.values():
            for ref in ids:
                assert ref in law.instruments, (inst.id, ref)
        for state in inst.parties:
            assert state in states
    for rule in law.clock_rules:
        assert rule.instrument in law.instruments or rule.instrument in RULE_BOOKS, rule.code
        assert rule.parameter in law.parameters, rule.code
    for cat in law.offences.values():
        for code in cat.iccs:
            assert code in law.iccs, (cat.code, code)


def test_party_dates_are_ordered(law):
    for inst in law.instruments.values():
        floor = inst.adopted
        for p in inst.parties.values():
            if inst.kind != "eu_act":
                if p.signature and p.ratification:
                    assert p.signature <= p.ratification, (inst.id, p.state)
                if p.signature and p.entry_into_force:
                    assert p.signature <= p.entry_into_force, (inst.id, p.state)
            if p.ratification and p.entry_into_force and p.deposit_kind != "succession":
                assert p.ratification <= p.entry_into_force, (inst.id, p.state)
            if p.entry_into_force and floor and inst.kind != "domestic_statute":
                assert p.entry_into_force >= floor, (inst.id, p.state)
            if p.withdrawal and p.entry_into_force:
                assert p.withdrawal > p.entry_into_force, (inst.id, p.state)
        if inst.adopted and inst.entry_into_force:
            assert inst.adopted <= inst.entry_into_force, inst.id


def test_no_duplicate_parties_in_the_files():
    for path in sorted((DATA_DIR / "instruments").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        nodes = doc["instruments"] if "instruments" in doc else [doc]
        for node in nodes:
            states = [p["state"] for p in node.get("parties") or []]
            assert len(states) == len(set(states)), (path.name, node["id"])


def test_bilateral_ids(law):
    bilaterals = [i for i in law.instruments.values() if i.tier == "bilateral"]
    assert len(bilaterals) > 100
    for inst in bilaterals:
        m = BILATERAL_ID.match(inst.id)
        assert m, inst.id
        a, b = m.group(1), m.group(2)
        assert a < b, inst.id
        assert set(inst.parties) == {a, b}, inst.id
        assert int(m.group(3)) == inst.adopted.year, inst.id


def test_us_extradition_partners(law):
    partners = {s for i in law.instruments.values() if i.tier == "bilateral" and "extradition" in i.scope
                and "US" in i.parties for s in i.parties if s != "US"}
    assert len(partners) >= 90
    assert {"GB", "CA", "MX", "FR", "DE", "IT", "JP", "KR", "IN", "IL", "ZA", "BR"} <= partners
    assert not partners & {"CN", "RU", "VN", "IR", "KP", "SA"}  # no extradition treaty


def test_council_of_europe_conventions_cover_members_and_known_non_members(law):
    for iid in ("CETS-024", "CETS-030", "CETS-112", "CETS-141"):
        assert COE_MEMBERS <= set(law.instruments[iid].parties), iid
    assert {"IL", "ZA", "KR"} <= set(law.instruments["CETS-024"].parties)
    assert "US" not in law.instruments["CETS-024"].parties
    assert {"US", "CA", "JP", "AU"} <= set(law.instruments["CETS-112"].parties)


def test_eu_instrument_participation(law):
    eaw = law.instruments["EU-EAW"]
    assert EU_MEMBERS <= set(eaw.parties)
    assert eaw.parties["GB"].withdrawal == dt.date(2021, 1, 1)
    eio = law.instruments["EU-EIO"]
    assert set(eio.parties) - {"GB"} == EU_MEMBERS - {"IE", "DK"}
    assert EU_MEMBERS <= set(law.instruments["EU-FD-2008-909"].parties)
    tca = law.instruments["EU-UK-TCA"]
    assert set(tca.parties) == EU_MEMBERS | {"GB"}
    assert tca.third_states == ("GB",)
    assert all(p.entry_into_force == dt.date(2021, 1, 1) for p in tca.parties.values())


def test_reservations_that_change_cooperation_are_structured(law):
    de = law.instruments["CETS-024"].parties["DE"]
    assert "refuses_nationals" in de.effects()
    ch30 = law.instruments["CETS-030"].parties["CH"]
    res = [r for r in ch30.reservations if r.effect == "search_seizure_conditions"]
    assert res and "dual_criminality" in res[0].conditions
    us = law.instruments["UNTOC"].parties["US"]
    assert "not_legal_basis_for_extradition" in us.effects()


def test_entry_into_force_is_derived_from_the_treaty_rule(law):
    # UNTOC Art 38(2): thirtieth day after deposit; the Convention itself entered into force 2003-09-29.
    # Japan's row was read (Ministry of Foreign Affairs, 2017): acceptance deposited 11 July, in force 10 August,
    # which is what the rule gives.
    jp = law.instruments["UNTOC"].parties["JP"]
    assert jp.deposit_kind == "acceptance" and jp.ratification == dt.date(2017, 7, 11)
    assert jp.entry_into_force == dt.date(2017, 8, 10) == jp.ratification + dt.timedelta(days=30)
    fr = law.instruments["UNTOC"].parties["FR"]  # ratified 2002, before the Convention entered into force
    assert fr.entry_into_force == dt.date(2003, 9, 29)
    # CETS-112 Art 18: first day of the month following three months after deposit
    gb = law.instruments["CETS-112"].parties["GB"]
    assert gb.entry_into_force == dt.date(1985, 8, 1)


def test_offence_lists(law):
    eaw = [c for c in law.offences.values() if c.list == "eaw_art2_2"]
    assert len(eaw) == 32
    codes = {c.code for c in eaw}
    assert {"fraud", "murder_grievous_bodily_injury", "participation_in_criminal_organisation", "terrorism",
            "trafficking_in_human_beings"} <= codes
    assert law.offences["trafficking_in_human_beings"].iccs == ("0204",)
    assert law.iccs["0204"]["label"].startswith("Trafficking in persons")
    assert any(c.list == "rpd_art83_excluded" for c in law.offences.values())
    assert all(not c.mapping_verified for c in law.offences.values())
    assert len([c for c in law.iccs if len(c) == 2]) == 11  # eleven ICCS level-1 sections


# ------------------------------------------------------------------------------------ malformed data


def _mutate(path: Path, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` once in ``path``; return the 1-based line where ``new`` starts."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return text[: text.index(new)].count("\n") + 1


def _refused(data_dir: Path) -> list[dict]:
    with pytest.raises(DataError) as info:
        compile_law(data_dir)
    assert info.value.problems
    return info.value.problems


def test_fixture_copy_is_valid(data_copy):
    law = compile_law(data_copy)
    assert set(law.profiles) == {"FR", "US", "CN"}
    assert law.profiles["FR"].fact("death_penalty").extra["as_of"] == dt.date(1981, 10, 9)
    rule = law.profiles["FR"].value("extradites_nationals")
    assert rule.bar == "statutory" and rule.exception("eu_surrender") is not None
    assert law.profiles["US"].fact("central_authority").value is None


#: A small convention written into a copy of the data set, so that each test breaks one thing in it.
TEST_CONVENTION = """\
id: ZZ-TEST
title: Test Convention on Co-operation
kind: multilateral_treaty
organisation: CoE
scope: [mla]
adopted: 2001-01-10
entry_into_force: 2002-03-01
source: https://example.org/zz-test
read: 2026-01-15
verified: true
citations:
  mla: "Test Convention Art 1"
entry_into_force_rule: {first_day_of_month_after_months: 3}
parties_source: https://example.org/zz-test/chart
parties_read: 2026-01-15
parties_verified: false
parties:
  - {state: AT, signature: 2001-01-10, ratification: 2001-11-20, entry_into_force: 2002-03-01, verified: true}
  - {state: BE, signature: 2001-01-10, ratification: 2004-05-31, entry_into_force: 2004-09-01, verified: true}
  - {state: KR, accession: 2011-09-29, verified: true,
     reservations: [{article: "5", kind: declaration, effect: search_seizure_conditions, text: "Dual criminality."}]}
  - {state: CL, signature: 2002-02-02}
"""


def _write_test_convention(data_dir: Path, text: str = TEST_CONVENTION) -> Path:
    path = data_dir / "instruments" / "ZZ-TEST.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_test_convention_is_valid_and_derives_entry_into_force(data_copy):
    _write_test_convention(data_copy)
    law = compile_law(data_copy)
    inst = law.instruments["ZZ-TEST"]
    kr = inst.parties["KR"]
    assert kr.deposit_kind == "accession" and kr.entry_into_force == dt.date(2012, 1, 1)
    assert kr.entry_into_force_derived and kr.read == dt.date(2026, 1, 15)
    assert not inst.parties["CL"].verified  # file default: parties_verified false


def test_bad_party_date_names_file_line_and_field(data_copy):
    path = _write_test_convention(data_copy)
    line = _mutate(path, "ratification: 2001-11-20", "ratification: 2001-13-20")
    errors = _refused(data_copy)
    err = next(e for e in errors if e["field"].endswith("ratification"))
    assert err["file"] == "instruments/ZZ-TEST.yaml"
    assert err["line"] == line
    assert "parties[0]" in err["field"] and "not a date" in err["reason"]


def test_missing_source_is_refused(data_copy):
    path = _write_test_convention(data_copy)
    _mutate(path, "source: https://example.org/zz-test\n", "")
    _mutate(path, "parties_source: https://example.org/zz-test/chart\n", "")
    errors = _refused(data_copy)
    fields = {e["field"] for e in errors}
    assert "ZZ-TEST.source" in fields
    assert any(f.startswith("ZZ-TEST.parties[") and f.endswith(".source") for f in fields)
    assert all(e["file"] == "instruments/ZZ-TEST.yaml" for e in errors)


def test_verified_without_url_or_read_date_is_refused(data_copy):
    path = _write_test_convention(data_copy)
    _mutate(path, "parties_read: 2026-01-15\n", "")
    line = _mutate(path, "  - {state: CL, signature: 2002-02-02}",
                   "  - {state: CL, signature: 2002-02-02, verified: true, source: \"Treaty Office chart\"}")
    errors = _refused(data_copy)
    by_field = {e["field"]: e for e in errors}
    assert "verified: true needs the date it was read" in by_field["ZZ-TEST.parties[0].read"]["reason"]
    assert "needs the URL" in by_field["ZZ-TEST.parties[3].source"]["reason"]
    assert by_field["ZZ-TEST.parties[3].source"]["line"] == line


def test_read_date_in_the_future_is_refused(data_copy):
    path = _write_test_convention(data_copy)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    _mutate(path, "parties_read: 2026-01-15", f"parties_read: {tomorrow}")
    errors = _refused(data_copy)
    assert any(e["field"].endswith(".read") and "in the future" in e["reason"] for e in errors)


def test_ratification_before_signature_is_refused(data_copy):
    path = _write_test_convention(data_copy)
    line = _mutate(path, "{state: AT, signature: 2001-01-10,", "{state: AT, signature: 2001-12-10,")
    errors = _refused(data_copy)
    err = next(e for e in errors if e["field"].endswith("ratification"))
    assert "before signature" in err["reason"] and err["line"] == line


def test_entry_into_force_before_deposit_is_refused(data_copy):
    path = _write_test_convention(data_copy)
    _mutate(path, "ratification: 2004-05-31, entry_into_force: 2004-09-01",
            "ratification: 2004-05-31, entry_into_force: 2004-05-01")
    errors = _refused(data_copy)
    assert any(e["field"] == "ZZ-TEST.parties[1].entry_into_force" and "before the ratification" in e["reason"]
               for e in errors)


def test_two_deposits_on_one_row_are_refused(data_copy):
    path = _write_test_convention(data_copy)
    _mutate(path, "{state: KR, accession: 2011-09-29,", "{state: KR, accession: 2011-09-29, ratification: 2011-09-29,")
    errors = _refused(data_copy)
    assert any("one instrument deposited per row" in e["reason"] for e in errors)


def test_denunciation_after_withdrawal_is_refused(data_copy):
    path = _write_test_convention(data_copy)
    _mutate(path, "entry_into_force: 2004-09-01, verified: true}",
            "entry_into_force: 2004-09-01, denunciation: 2020-05-01, withdrawal: 2020-01-01, verified: true}")
    errors = _refused(data_copy)
    assert any(e["field"] == "ZZ-TEST.parties[1].withdrawal" and "before the denunciation" in e["reason"]
               for e in errors)


# The Council of Europe's final clause: "the first day of the month following the expiration of a period of three
# months after the date of deposit". Deposit on 31 May 2004: the period ends 31 August, so 1 September 2004.
@pytest.mark.parametrize("eif,ok", [("2004-09-01", True), ("2004-08-31", False), ("2004-09-02", False),
                                     ("2004-10-01", False)])
def test_coe_month_rule_pins_entry_into_force_exactly(data_copy, eif, ok):
    path = _write_test_convention(data_copy)
    _mutate(path, "ratification: 2004-05-31, entry_into_force: 2004-09-01",
            f"ratification: 2004-05-31, entry_into_force: {eif}")
    if ok:
        assert compile_law(data_copy).instruments["ZZ-TEST"].parties["BE"].entry_into_force.isoformat() == eif
    else:
        errors = _refused(data_copy)
        err = next(e for e in errors if e["field"] == "ZZ-TEST.parties[1].entry_into_force")
        assert "gives 2004-09-01" in err["reason"]


def test_a_different_entry_into_force_can_be_explained(data_copy):
    path = _write_test_convention(data_copy)
    _mutate(path, "ratification: 2004-05-31, entry_into_force: 2004-09-01",
            'ratification: 2004-05-31, entry_into_force: 2004-10-01, entry_into_force_note: "declared later"')
    assert compile_law(data_copy).instruments["ZZ-TEST"].parties["BE"].entry_into_force == dt.date(2004, 10, 1)


# Day counts ("ninety days after the date of deposit"): 30 October 2011 + 90 days = 28 January 2012. Depositaries
# differ on counting the day of deposit, so one day either way is accepted, two are not.
@pytest.mark.parametrize("eif,ok", [("2012-01-27", True), ("2012-01-28", True), ("2012-01-29", True),
                                     ("2012-01-26", False), ("2012-01-30", False)])
def test_day_count_rule_allows_one_day_either_way(data_copy, eif, ok):
    text = TEST_CONVENTION.replace("{first_day_of_month_after_months: 3}", "{days_after_deposit: 90}")
    text = text.replace("ratification: 2001-11-20, entry_into_force: 2002-03-01, verified", "ratification: 2001-11-20, verified")
    text = text.replace("entry_into_force: 2004-09-01, verified", "entry_into_force: 2004-08-29, verified")
    path = _write_test_convention(data_copy, text)
    _mutate(path, "{state: KR, accession: 2011-09-29,", f"{{state: KR, accession: 2011-10-30, entry_into_force: {eif},")
    if ok:
        compile_law(data_copy)
    else:
        errors = _refused(data_copy)
        assert any(e["field"] == "ZZ-TEST.parties[2].entry_into_force" for e in errors)


def test_duplicate_party_is_refused(data_copy):
    path = _write_test_convention(data_copy)
    line = _mutate(path, "  - {state: CL, signature: 2002-02-02}\n",
                   "  - {state: CL, signature: 2002-02-02}\n  - {state: AT}\n")
    errors = _refused(data_copy)
    err = next(e for e in errors if "duplicate" in e["reason"])
    assert err["file"] == "instruments/ZZ-TEST.yaml" and err["line"] == line + 1
    assert err["field"].endswith(".state")


def test_yaml_syntax_error_names_the_line(data_copy):
    path = _write_test_convention(data_copy)
    line = _mutate(path, "  - {state: CL, signature: 2002-02-02}", "  - {state: CL, signature: [2002-02-02}")
    errors = _refused(data_copy)
    assert errors[0]["file"] == "instruments/ZZ-TEST.yaml"
    assert errors[0]["line"] >= line and "YAML" in errors[0]["reason"]


def test_unknown_state_field_and_effect_are_refused(data_copy):
    path = _write_test_convention(data_copy)
    _mutate(path, "  - {state: CL,", "  - {state: XX,")
    _mutate(path, "effect: search_seizure_conditions", "effect: maybe_later")
    _mutate(path, "{state: AT, signature", "{state: AT, ratifcation: 2001-11-20, signature")
    errors = _refused(data_copy)
    reasons = " ".join(e["reason"] for e in errors)
    assert "ISO 3166-1" in reasons and "must be one of" in reasons
    assert any(e["field"] == "ZZ-TEST.parties[0].ratifcation" and e["reason"] == "unknown field" for e in errors)


def test_bilateral_id_must_be_in_alphabetical_order(data_copy):
    path = data_copy / "instruments" / "bilateral.yaml"
    _mutate(path, '"bilateral:GB-US:2003"', '"bilateral:US-GB:2003"')
    errors = _refused(data_copy)
    assert any("alphabetical" in e["reason"] for e in errors)


def test_unknown_reference_is_refused(data_copy):
    path = _write_test_convention(data_copy)
    _mutate(path, "scope: [mla]\n", "scope: [mla]\nsupplements: CETS-999\n")
    errors = _refused(data_copy)
    assert any(e["field"] == "ZZ-TEST.supplements" and "CETS-999" in e["reason"] for e in errors)


PARAMETER = """\
zz.test.limit_days:
  description: A test period
  reference: Test Convention Art 9
  source: https://example.org/zz-test
  read: 2026-01-15
  unit: day
  verified: true
  values:
    2002-03-01: 18
"""


def test_parameter_with_bad_date_key_is_refused(data_copy):
    path = data_copy / "parameters" / "zz_test.yaml"
    path.write_text(PARAMETER, encoding="utf-8")
    compile_law(data_copy)  # valid as written
    line = _mutate(path, "    2002-03-01: 18\n", "    2002-02-30: 18\n")
    errors = _refused(data_copy)
    err = errors[0]
    assert err["file"] == "parameters/zz_test.yaml" and err["line"] == line
    assert err["field"] == "zz.test.limit_days.values.2002-02-30"


def test_verified_parameter_needs_url_and_read_date(data_copy):
    path = data_copy / "parameters" / "zz_test.yaml"
    path.write_text(PARAMETER.replace("  read: 2026-01-15\n", ""), encoding="utf-8")
    errors = _refused(data_copy)
    assert any(e["field"] == "zz.test.limit_days.read" for e in errors)


def test_malformed_profile_names_file_line_and_field(data_copy):
    path = data_copy / "profiles" / "FR.yaml"
    line = _mutate(path, "{value: treaty_or_reciprocity,", "{value: whenever_we_like,")
    errors = _refused(data_copy)
    err = errors[0]
    assert err["file"] == "profiles/FR.yaml" and err["line"] == line
    assert err["field"] == "extradition_basis.value"


def test_profile_fact_without_source_is_refused(data_copy):
    path = data_copy / "profiles" / "CN.yaml"
    _mutate(path, 'source: "Extradition Law of the PRC (2000) art 8", ', "")
    errors = _refused(data_copy)
    assert errors[0]["field"] == "extradites_nationals.source"


def test_nationals_rule_with_unknown_exception_is_refused(data_copy):
    path = data_copy / "profiles" / "FR.yaml"
    _mutate(path, "kind: eu_surrender", "kind: when_convenient")
    errors = _refused(data_copy)
    assert errors[0]["field"] == "extradites_nationals.exceptions[0].kind"
    assert "consent" in errors[0]["reason"]


def test_nationals_as_a_single_word_is_refused(data_copy):
    path = data_copy / "profiles" / "CN.yaml"
    _mutate(path, "{bar: statutory,", "{value: never, bar: statutory,")
    errors = _refused(data_copy)
    assert errors[0]["field"] == "extradites_nationals.value" and "structured" in errors[0]["reason"]


def test_profile_history_must_be_in_date_order(data_copy):
    path = data_copy / "profiles" / "US.yaml"
    text = path.read_text(encoding="utf-8")
    text = "\n".join(line for line in text.split("\n") if not line.startswith("eu_member:"))
    text += ("\neu_member:\n  history:\n"
             "    - {from: 2020-01-01, value: false, source: https://example.org/a, read: 2026-01-15, verified: true}\n"
             "    - {from: 2019-01-01, value: true, source: https://example.org/b, read: 2026-01-15, verified: true}\n")
    path.write_text(text, encoding="utf-8")
    errors = _refused(data_copy)
    assert errors[0]["field"] == "eu_member.history" and "order" in errors[0]["reason"]


def test_profile_file_name_must_match_state(data_copy):
    (data_copy / "profiles" / "CN.yaml").rename(data_copy / "profiles" / "TW.yaml")
    errors = _refused(data_copy)
    assert errors[0]["file"] == "profiles/TW.yaml" and errors[0]["field"] == "state"


def test_one_bad_file_refuses_the_whole_set(data_copy, law):
    path = _write_test_convention(data_copy)
    _mutate(path, "kind: multilateral_treaty", "kind: directive")
    errors = _refused(data_copy)
    assert errors[0]["field"] == "ZZ-TEST.kind"
    # the process-wide data set is untouched
    assert "EU-EIO" in law.instruments


def test_country_profiles_agree_with_instrument_participation(law):
    """A profile's eaw/eio flags must match the EU instruments' party lists (today)."""
    assert law.profiles  # the repository's own data: missing profiles fail, never skip
    today = dt.date.today()
    for fact, iid in (("eaw", "EU-EAW"), ("eio", "EU-EIO")):
        inst = law.instruments[iid]
        for state, prof in law.profiles.items():
            value = prof.value(fact)
            if value is None:
                continue
            party = inst.parties.get(state)
            in_force = bool(party and party.in_force(today, inst.entry_into_force))
            assert bool(value) == in_force, (state, fact, value, iid)
    for state, prof in law.profiles.items():
        if prof.value("coe_member") is not None:
            assert bool(prof.value("coe_member")) == (state in COE_MEMBERS), state


# ---------------------------------------------------------------- domestic statutes: designation lists


def test_designation_window_must_be_ordered(data_copy):
    path = data_copy / "instruments" / "NZ-EA-1999.yaml"
    _mutate(path, "{state: GA, from: 2022-06-25}", "{state: GA, from: 2022-06-25, until: 2020-01-01}")
    errors = _refused(data_copy)
    assert any("NZ-EA-1999.categories.commonwealth_country" in e["field"] and "not after from" in e["reason"]
               for e in errors)


def test_designation_of_unknown_state_is_refused(data_copy):
    path = data_copy / "instruments" / "NZ-EA-1999.yaml"
    _mutate(path, "states: [AU]", "states: [XX]")
    errors = _refused(data_copy)
    assert any("categories.part4_country.states[0]" in e["field"] and "ISO 3166-1" in e["reason"] for e in errors)


def test_every_domestic_statute_is_sourced_and_ranked(law):
    statutes = [i for i in law.instruments.values() if i.kind == "domestic_statute"]
    assert {"GB-EA-2003", "AU-EA-1988", "CA-EA-1999", "NZ-EA-1999"} <= {i.id for i in statutes}
    for inst in statutes:
        assert inst.state and inst.state in inst.parties, inst.id
        assert inst.rank is not None and 4 < inst.rank < 5, inst.id  # after regional treaties, before UN ones
        for cat, members in inst.categories.items():
            source, verified = inst.category_sources[cat]
            assert source.strip() and isinstance(verified, bool), (inst.id, cat)
            assert inst.state not in members, (inst.id, cat)
            for state, (start, end) in inst.category_windows.get(cat, {}).items():
                assert state in members and (start or end), (inst.id, cat, state)
