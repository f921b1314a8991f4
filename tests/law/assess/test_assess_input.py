"""Bad input: every error names the field and the reason; the CLI exits 2 with {"errors": {field: reason}}."""

from __future__ import annotations

import io
import json

import pytest

from comity.law.assess import InvalidFacts, validate_facts
from comity.law.assess.cli import main

GOOD = {
    "kind": "extradition", "requesting_state": "US", "requested_state": "GB", "date": "2024-06-01",
    "purpose": "prosecution",
    "offences": [{"description": "fraud", "max_penalty_months": 120, "criminal_in_requested": True}],
}


def with_(**changes):
    facts = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if value is ...:
            facts.pop(key, None)
        else:
            facts[key] = value
    return facts


def offence(**changes):
    off = dict(GOOD["offences"][0], **changes)
    return with_(offences=[off])


BAD = [
    (with_(colour="red"), "colour"),
    (with_(kind="deportation"), "kind"),
    (with_(kind=...), "kind"),
    (with_(requesting_state="XX"), "requesting_state"),
    (with_(requesting_state="us"), "requesting_state"),
    (with_(requested_state="US"), "requested_state"),
    (with_(requested_state=...), "requested_state"),
    (with_(date="01/06/2024"), "date"),
    (with_(date="2024-02-30"), "date"),
    (with_(purpose="revenge"), "purpose"),
    (with_(person={"nationalities": "GB"}), "person.nationalities"),
    (with_(person={"nationalities": ["ZZ"]}), "person.nationalities[0]"),
    (with_(person={"age_at_offence": -1}), "person.age_at_offence"),
    (with_(person={"consent": "yes"}), "person.consent"),
    (with_(person={"eye_colour": "blue"}), "person.eye_colour"),
    (offence(max_penalty_months=-3), "offences[0].max_penalty_months"),
    (offence(max_penalty_months=12.5), "offences[0].max_penalty_months"),
    (offence(max_penalty_months=True), "offences[0].max_penalty_months"),
    (offence(political="no"), "offences[0].political"),
    (offence(list_category="shoplifting"), "offences[0].list_category"),
    (offence(iccs="99999"), "offences[0].iccs"),
    (offence(characteristics=["gossip"]), "offences[0].characteristics[0]"),
    (offence(committed_in="Atlantis"), "offences[0].committed_in"),
    (offence(sentence_months=10, remaining_months=12), "offences[0].remaining_months"),
    (offence(victim="x"), "offences[0].victim"),
    (with_(offences=[]), "offences"),
    (with_(offences="fraud"), "offences"),
    (with_(assurances=["pinky_promise"]), "assurances[0]"),
    (with_(risks={"bad_weather": True}), "risks.bad_weather"),
    (with_(risks={"persecution": "maybe"}), "risks.persecution"),
    (with_(measures=["search_and_seizure"]), "measures"),
    (with_(kind="mla", measures=["telepathy"]), "measures[0]"),
    (with_(events={"arrest": "yesterday"}), "events.arrest"),
    (with_(events={"coronation": "2024-01-01"}), "events.coronation"),
    (with_(purpose="enforcement"), "offences[0].sentence_months"),
    (with_(kind="transfer"), "sentencing_state"),
    (with_(kind="red_notice"), "requested_state"),
    (with_(in_absentia=1), "in_absentia"),
]


@pytest.mark.parametrize("facts,field", BAD, ids=[f for _, f in BAD])
def test_bad_input_names_the_field(facts, field):
    with pytest.raises(InvalidFacts) as info:
        validate_facts(facts)
    assert field in info.value.errors, info.value.errors
    assert info.value.errors[field]


def test_the_error_message_for_months_is_the_documented_one():
    with pytest.raises(InvalidFacts) as info:
        validate_facts(offence(max_penalty_months=-1))
    assert info.value.as_dict()["errors"] == {"offences[0].max_penalty_months": "must be a whole number of months ≥ 0"}


def test_all_errors_are_reported_at_once():
    with pytest.raises(InvalidFacts) as info:
        validate_facts(with_(colour="red", purpose="revenge", requesting_state="XX"))
    assert {"colour", "purpose", "requesting_state"} <= set(info.value.errors)


def test_not_an_object():
    with pytest.raises(InvalidFacts):
        validate_facts(["extradition"])


def test_missing_optional_keys_mean_not_known():
    facts = validate_facts({"kind": "red_notice", "requesting_state": "TR", "date": "2024-06-01",
                            "offences": [{"description": "fraud"}]})
    assert facts.offences[0].criminal_in_requested is None
    assert facts.person.nationalities == ()


# ---------------------------------------------------------------------------------------- CLI


def run(capsys, argv, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_cli_file(tmp_path, capsys):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(GOOD))
    code, out = run(capsys, [str(path)])
    assert code == 0
    assert out["outcome"] == "no_bar"
    assert out["legal_basis"][0]["instrument"] == "bilateral:GB-US:2003"
    assert set(out) >= {"legal_basis", "grounds", "outcome", "clocks", "rules_version"}


def test_cli_stdin(capsys, monkeypatch):
    facts = offence(death_penalty_possible=True)
    code, out = run(capsys, ["-"], json.dumps(facts), monkeypatch)
    assert code == 0
    assert out["outcome"] == "mandatory_bar"
    assert [g["code"] for g in out["grounds"]] == ["death_penalty"]


def test_cli_invalid_json(capsys, monkeypatch):
    code, out = run(capsys, ["-"], "{not json", monkeypatch)
    assert code == 2
    assert "errors" in out and out["errors"]


def test_cli_bad_facts(capsys, monkeypatch):
    code, out = run(capsys, ["-"], json.dumps(offence(max_penalty_months=-1)), monkeypatch)
    assert code == 2
    assert out["errors"] == {"offences[0].max_penalty_months": "must be a whole number of months ≥ 0"}
    assert out["error"] == "invalid_facts"  # the package-wide shape (comity.errors), as the API answers


def test_cli_missing_file(capsys, tmp_path):
    code, out = run(capsys, [str(tmp_path / "nope.json")])
    assert code == 2 and "file" in out["errors"]


def test_cli_usage(capsys):
    code, out = run(capsys, [])
    assert code == 2 and "argv" in out["errors"]


def test_cli_vocabulary(capsys):
    code, out = run(capsys, ["--vocabulary"])
    assert code == 0
    codes = {g["code"] for g in out["grounds"]}
    for required in ("dual_criminality", "penalty_threshold", "political_offence", "persecution", "military_offence",
                     "fiscal_offence", "own_national", "territoriality", "pending_proceedings", "ne_bis_in_idem",
                     "lapse_of_time", "death_penalty", "irreducible_life_sentence", "in_absentia",
                     "age_of_responsibility", "torture_risk", "flagrant_denial_of_justice", "detention_conditions",
                     "judicial_independence", "refugee_status", "essential_interests",
                     "coercive_measure_dual_criminality", "rpd_penalty_threshold", "rpd_excluded_offence",
                     "article3_neutrality", "not_national", "judgment_not_final", "remaining_sentence_too_short",
                     "no_consent"):
        assert required in codes
    assert all(g["description"] for g in out["grounds"])


@pytest.mark.parametrize("facts,field", [
    (with_(requesting_state=None), "requesting_state"),
    ({"kind": "transfer", "sentencing_state": None, "administering_state": "PL", "date": "2024-06-01"},
     "sentencing_state"),
    ({"kind": "red_notice", "requesting_state": None, "offences": [{"max_penalty_months": 30}]}, "requesting_state"),
])
def test_null_is_not_a_state(facts, field):
    with pytest.raises(InvalidFacts) as info:
        validate_facts(facts)
    assert field in info.value.errors
