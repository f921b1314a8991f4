"""Engine behaviour a user notices beyond the scenarios: output shape, legal basis as comity.law gives it,
choice of the instrument applied, notes, versions and the marking of unverified citations."""

from __future__ import annotations

from comity.law import legal_basis
from comity.law.assess import RULES_VERSION, assess
from comity.law.assess.engine import select_primary

SOERING = {
    "kind": "extradition", "requesting_state": "US", "requested_state": "GB", "date": "2024-06-01",
    "purpose": "prosecution",
    "offences": [{"description": "capital murder", "max_penalty_months": 1200, "criminal_in_requested": True,
                  "death_penalty_possible": True}],
}


def test_output_shape():
    out = assess(SOERING)
    assert {"legal_basis", "grounds", "outcome", "clocks", "rules_version"} <= set(out)
    ground = out["grounds"][0]
    assert {"code", "effect", "status", "citation", "explanation"} <= set(ground)
    assert ground["cured_by"] == "no_death_penalty"
    assert "advisory" in out and "not a decision" in out["advisory"]


def test_legal_basis_is_what_comity_law_gives():
    out = assess(SOERING)
    expected = [{"instrument": r.instrument, "title": r.title, "citation": r.citation}
                for r in legal_basis("US", "GB", "extradition", "2024-06-01")]
    assert out["legal_basis"] == expected


def test_rules_version_names_the_rule_set_and_the_data():
    out = assess(SOERING)
    assert out["rules_version"] == RULES_VERSION
    assert out["rules_version"].startswith("assess-2+law.")


def test_unverified_citations_are_marked():
    out = assess(dict(SOERING, requested_state="JP", requesting_state="US"))
    ground = out["grounds"][0]
    assert ground["verified"] is False
    assert "not verified" in ground["explanation"]


def _facts(category):
    from comity.law.assess import validate_facts

    return validate_facts({"kind": "extradition", "requesting_state": "MA", "requested_state": "FR",
                           "date": "2024-06-01", "offences": [{"description": "x", "list_category": category,
                                                               "max_penalty_months": 120}]})


def test_budapest_convention_passed_over_for_a_murder():
    notes: list[str] = []
    chosen = select_primary(_facts("murder_grievous_bodily_injury"), ["CETS-185", "UNTOC", "UNCAC"], notes)
    assert chosen == "UNTOC"
    assert any("passed over" in n for n in notes)


def test_uncac_applied_for_corruption_and_budapest_for_cybercrime():
    assert select_primary(_facts("corruption"), ["CETS-185", "UNCAC", "UNTOC"], []) == "UNCAC"
    assert select_primary(_facts("computer_related_crime"), ["CETS-185", "UNTOC"], []) == "CETS-185"


def test_first_instrument_kept_when_nothing_else_fits():
    assert select_primary(_facts("murder_grievous_bodily_injury"), ["CETS-185", "UNCAC"], []) == "CETS-185"


def test_mla_supplements_are_read_through_the_1959_convention():
    from comity.law.assess import validate_facts

    facts = validate_facts({"kind": "mla", "requesting_state": "GB", "requested_state": "DE", "date": "2024-06-01"})
    assert select_primary(facts, ["EU-UK-TCA", "CETS-030", "CETS-099"], []) == "CETS-030"


def test_petruhhin_note_for_an_eu_citizen_sought_by_a_third_state():
    facts = dict(SOERING, requesting_state="US", requested_state="DE", person={"nationalities": ["IT"]})
    facts["offences"] = [{"description": "fraud", "max_penalty_months": 120}]
    out = assess(facts)
    assert any("Petruhhin" in n for n in out["notes"])


def test_clocks_only_when_events_are_given():
    assert assess(SOERING)["clocks"] == []
    facts = {"kind": "extradition", "requesting_state": "PL", "requested_state": "DE", "date": "2024-06-01",
             "offences": [{"description": "fraud", "max_penalty_months": 96}], "events": {"arrest": "2024-06-03"}}
    codes = [c["code"] for c in assess(facts)["clocks"]]
    assert "eaw_decision_due" in codes


def test_cured_ground_explains_the_cure():
    out = assess(dict(SOERING, assurances=["no_death_penalty"]))
    ground = out["grounds"][0]
    assert ground["status"] == "cured" and "Cured" in ground["explanation"]
    assert out["outcome"] == "no_bar"


def test_torture_is_never_cured_by_any_assurance():
    facts = dict(SOERING, risks={"torture_or_inhuman_treatment": True},
                 assurances=["no_death_penalty", "retrial", "return_to_serve_sentence", "detention_conditions",
                             "life_sentence_review"])
    out = assess(facts)
    torture = next(g for g in out["grounds"] if g["code"] == "torture_risk")
    assert torture["status"] == "applies" and torture["effect"] == "mandatory"
    assert out["outcome"] == "mandatory_bar"


def test_bilateral_treaty_between_ece_parties_is_read_with_the_convention():
    from comity.law.assess import validate_facts

    facts = validate_facts({"kind": "extradition", "requesting_state": "RS", "requested_state": "CH",
                            "date": "2024-06-01", "offences": [{"max_penalty_months": 60}]})
    notes: list[str] = []
    assert select_primary(facts, ["bilateral:CH-RS:2000", "CETS-024", "CETS-098"], notes) == "CETS-024"
    assert notes
    us = validate_facts({"kind": "extradition", "requesting_state": "US", "requested_state": "GB",
                         "date": "2024-06-01", "offences": [{"max_penalty_months": 60}]})
    assert select_primary(us, ["bilateral:GB-US:2003", "GB-EA-2003"], []) == "bilateral:GB-US:2003"
