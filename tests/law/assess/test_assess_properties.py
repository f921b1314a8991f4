"""Property tests over random valid facts (hypothesis), and coverage of the scenario suite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comity.law.assess import GROUNDS, assess
from comity.law.assess.vocabulary import ASSURANCES, CHARACTERISTICS, LIST_CATEGORIES, MEASURES, RISKS

STATES = ["FR", "DE", "PL", "IE", "NL", "BE", "HU", "RO", "IT", "ES", "SE", "DK", "GB", "CH", "NO", "TR", "RS", "AL",
          "UA", "RU", "US", "CA", "BR", "AR", "MX", "ZA", "KE", "NG", "MA", "EG", "JO", "IR", "IN", "CN", "JP", "KR",
          "AU", "KP", "LI", "IL", "PR", "HK"]
EVENTS = ["provisional_arrest", "arrest", "consent", "request_received", "final_decision"]
RANK = {"no_bar": 0, "optional_bar": 1, "mandatory_bar": 2, "no_legal_basis": -1, "compliant": 0, "non_compliant": 1}

maybe_bool = st.one_of(st.none(), st.booleans())
months = st.integers(min_value=0, max_value=1500)
day = st.dates(min_value=__import__("datetime").date(1995, 1, 1),
               max_value=__import__("datetime").date(2026, 12, 31)).map(lambda d: d.isoformat())


@st.composite
def offences(draw, enforcement: bool):
    sentence = draw(st.integers(min_value=0, max_value=600)) if enforcement else draw(st.one_of(st.none(), months))
    remaining = None if sentence is None else draw(st.one_of(st.none(), st.integers(min_value=0, max_value=sentence)))
    off = {
        "description": draw(st.sampled_from(["fraud", "murder", "theft", "tax evasion", "desertion"])),
        "list_category": draw(st.one_of(st.none(), st.sampled_from(sorted(LIST_CATEGORIES)))),
        "max_penalty_months": draw(st.one_of(st.none(), months)),
        "criminal_in_requested": draw(maybe_bool),
        "max_penalty_months_requested": draw(st.one_of(st.none(), months)),
        "sentence_months": sentence,
        "remaining_months": remaining,
        "committed_in": draw(st.one_of(st.none(), st.sampled_from(STATES))),
        "characteristics": draw(st.lists(st.sampled_from(sorted(CHARACTERISTICS)), max_size=2, unique=True)),
    }
    for key in ("political", "military", "fiscal", "time_barred_requesting", "time_barred_requested",
                "final_judgment_in_requested", "pending_proceedings_in_requested", "death_penalty_possible",
                "irreducible_life_possible"):
        off[key] = draw(maybe_bool)
    return {k: v for k, v in off.items() if v is not None}


@st.composite
def valid_facts(draw):
    kind = draw(st.sampled_from(["extradition", "mla", "red_notice", "transfer"]))
    a, b = draw(st.lists(st.sampled_from(STATES), min_size=2, max_size=2, unique=True))
    purpose = draw(st.one_of(st.none(), st.sampled_from(["prosecution", "enforcement"])))
    facts: dict = {"kind": kind, "date": draw(day)}
    if purpose:
        facts["purpose"] = purpose
    if kind in ("extradition", "mla"):
        facts.update(requesting_state=a, requested_state=b)
    elif kind == "red_notice":
        facts["requesting_state"] = a
    else:
        facts.update(sentencing_state=a, administering_state=b)
    facts["offences"] = draw(st.lists(offences(purpose == "enforcement"), min_size=1, max_size=3))
    consent = draw(maybe_bool)
    facts["person"] = {k: v for k, v in {
        "nationalities": draw(st.lists(st.sampled_from(STATES), max_size=2, unique=True)),
        "age_at_offence": draw(st.one_of(st.none(), st.integers(min_value=8, max_value=80))),
        "consent": consent,
        "refugee_status_granted_by": draw(st.lists(st.sampled_from(STATES), max_size=1)),
    }.items() if v is not None}
    facts["assurances"] = draw(st.lists(st.sampled_from(sorted(ASSURANCES)), max_size=3, unique=True))
    if draw(st.booleans()):
        facts["in_absentia"] = draw(st.booleans())
    facts["risks"] = draw(st.dictionaries(st.sampled_from(sorted(RISKS)), st.booleans(), max_size=3))
    if kind == "mla":
        facts["measures"] = draw(st.lists(st.sampled_from(sorted(MEASURES)), max_size=4, unique=True))
    events = draw(st.dictionaries(st.sampled_from(EVENTS), day, max_size=3))
    if consent is False:
        events.pop("consent", None)
    if events:
        facts["events"] = events
    return facts


# The holidays library warns for years before 2001 when comity.law rolls deadlines over public holidays.
pytestmark = pytest.mark.filterwarnings("ignore:Requested Holidays:UserWarning")

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(valid_facts())
def test_never_crashes_and_every_ground_is_cited(facts):
    result = assess(facts)
    json.dumps(result)  # plain JSON data
    assert result["rules_version"]
    for g in result["grounds"]:
        assert g["code"] in GROUNDS
        assert g["effect"] in ("mandatory", "optional")
        assert g["status"] in ("applies", "cured")
        assert g["citation"].strip() and g["explanation"].strip()
    assert len({g["code"] for g in result["grounds"]}) == len(result["grounds"])
    for clock in result["clocks"]:
        assert clock["code"] and clock["due"] and clock["citation"]


@SETTINGS
@given(valid_facts())
def test_outcome_follows_from_the_grounds(facts):
    result = assess(facts)
    applying = [g for g in result["grounds"] if g["status"] == "applies"]
    outcome = result["outcome"]
    if facts["kind"] == "red_notice":
        assert outcome in ("compliant", "non_compliant")
        assert (outcome == "non_compliant") == any(g["effect"] == "mandatory" for g in applying)
        return
    assert outcome in ("no_legal_basis", "mandatory_bar", "optional_bar", "no_bar")
    assert (outcome == "no_legal_basis") == (not result["legal_basis"])
    if outcome == "mandatory_bar":
        assert any(g["effect"] == "mandatory" for g in applying)
    if outcome == "optional_bar":
        assert applying and all(g["effect"] == "optional" for g in applying)
    if outcome == "no_bar":
        assert not applying


@SETTINGS
@given(valid_facts(), st.sampled_from(sorted(ASSURANCES)))
def test_an_assurance_never_makes_the_outcome_worse(facts, assurance):
    before = assess(facts)
    more = dict(facts, assurances=sorted(set(facts.get("assurances", [])) | {assurance}))
    after = assess(more)
    assert RANK[after["outcome"]] <= RANK[before["outcome"]]
    # and no ground that was cured starts to apply
    cured_before = {g["code"] for g in before["grounds"] if g["status"] == "cured"}
    assert not {g["code"] for g in after["grounds"] if g["status"] == "applies"} & cured_before


@SETTINGS
@given(valid_facts())
def test_same_facts_same_assessment(facts):
    assert assess(facts) == assess(json.loads(json.dumps(facts)))


# ---------------------------------------------------------------------------------------- scenario coverage

SCENARIOS = [yaml.safe_load(p.read_text(encoding="utf-8"))
             for p in sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))]


def test_scenarios_cover_every_ground_code():
    seen = {g["code"] for s in SCENARIOS for g in s["expect"].get("grounds", [])}
    assert set(GROUNDS) <= seen, sorted(set(GROUNDS) - seen)


def test_scenarios_cover_every_instrument_family():
    applied = {s["expect"].get("instrument") for s in SCENARIOS}
    for inst in ("CETS-024", "EU-EAW", "EU-EIO", "CETS-030", "CETS-112", "EU-FD-2008-909", "UNTOC", "UNCAC",
                 "INTERPOL", "bilateral:GB-US:2003", "EU-UK-TCA"):
        assert inst in applied, inst
    assert any(i and i.startswith("reciprocity:") for i in applied)
    protocols = {i for s in SCENARIOS for i in s["expect"].get("legal_basis_includes", [])}
    assert {"CETS-086", "CETS-098", "CETS-212"} <= protocols


def test_every_scenario_outcome_is_checked():
    assert all("outcome" in s["expect"] for s in SCENARIOS)


# ---------------------------------------------------------------------------------------- arbitrary input

_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 2000), st.floats(allow_nan=False, allow_infinity=False),
              st.sampled_from(STATES + ["", "xx", "2024-06-01", "fraud", "mla", "extradition", "transfer",
                                        "red_notice", "enforcement", "prosecution", "search_and_seizure",
                                        "retrial", "private_dispute"])),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.sampled_from(sorted(
                                   {"kind", "requesting_state", "requested_state", "sentencing_state",
                                    "administering_state", "date", "purpose", "person", "offences", "assurances",
                                    "in_absentia", "risks", "measures", "events", "nationalities", "consent",
                                    "max_penalty_months", "sentence_months", "political", "arrest",
                                    "torture_or_inhuman_treatment", "unknown"})), children, max_size=5)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["kind", "requesting_state", "requested_state", "sentencing_state",
                                        "administering_state", "date", "purpose", "person", "offences",
                                        "assurances", "in_absentia", "risks", "measures", "events"]),
                       _json, max_size=8))
def test_any_input_is_assessed_or_rejected_with_field_errors(facts):
    from comity.law.assess import InvalidFacts

    try:
        result = assess(facts)
    except InvalidFacts as exc:
        assert exc.errors and all(isinstance(k, str) and v for k, v in exc.errors.items())
    else:
        assert result["outcome"]
