"""Own nationals: the requested State's bar is law with exceptions, applied as the law says.

The profiles here are written by the test (the packaged profiles are checked in test_profiles_data.py), so each
rule is tested as a rule: Switzerland's consent, Brazil's native-born bar and its naturalised exceptions, a
statute that changed on a date, and a bilateral treaty under which nationality is no ground for refusal.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from comity.law import compile_law, use_law
from comity.law.assess import assess
from comity.law.loader import DATA_DIR

CH = """\
extradites_nationals:
  bar: constitutional
  article: "Federal Constitution Art 25(1)"
  exceptions:
    - {kind: consent, article: "Federal Constitution Art 25(1); IMAC Art 7(1)", note: "Written consent."}
  source: https://example.org/ch-constitution
  read: 2026-01-15
  verified: true
"""

BR = """\
extradites_nationals:
  bar: constitutional
  article: "Constitution Art 5 LI"
  exceptions:
    - {kind: naturalised, offences: [before_naturalisation, drug_trafficking], article: "Constitution Art 5 LI"}
  source: https://example.org/br-constitution
  read: 2026-01-15
  verified: true
"""

# A statute that changed on 1 July 2020: before it nationals were never extradited; since, with their consent.
AT = """\
extradites_nationals:
  history:
    - {bar: statutory, article: "ARHG s 12 (old)", source: https://example.org/at-old, read: 2026-01-15, verified: true}
    - {from: 2020-07-01, bar: statutory, article: "ARHG s 12 (new)",
       exceptions: [{kind: consent, article: "ARHG s 12(1) (new)"}],
       source: https://example.org/at-new, read: 2026-01-15, verified: false}
"""


def _replace_block(text: str, key: str, block: str) -> str:
    pattern = re.compile(rf"^{key}:\n(?:(?:[ \t]+.*)?\n)*", re.M)
    assert pattern.search(text), key
    return pattern.sub(lambda _m: block, text, count=1)


@pytest.fixture(scope="module")
def law_with_profiles(tmp_path_factory):
    root = tmp_path_factory.mktemp("law") / "data"
    shutil.copytree(DATA_DIR, root)
    for state, block in (("CH", CH), ("BR", BR), ("AT", AT)):
        path = Path(root) / "profiles" / f"{state}.yaml"
        path.write_text(_replace_block(path.read_text(encoding="utf-8"), "extradites_nationals", block),
                        encoding="utf-8")
    law = use_law(compile_law(root))
    yield law
    use_law()


def _facts(requesting, requested, person, **offence):
    off = {"description": "fraud", "max_penalty_months": 120, "criminal_in_requested": True, **offence}
    return {"kind": "extradition", "requesting_state": requesting, "requested_state": requested,
            "date": offence.pop("date", "2024-06-01"), "purpose": "prosecution", "person": person,
            "offences": [off]}


def _own_national(result):
    return [g for g in result["grounds"] if g["code"] == "own_national"]


def test_swiss_national_without_consent_is_a_mandatory_bar_that_names_consent(law_with_profiles):
    out = assess(_facts("DE", "CH", {"nationalities": ["CH"]}))
    (ground,) = _own_national(out)
    assert ground["effect"] == "mandatory" and out["outcome"] == "mandatory_bar"
    assert "the person consents" in ground["explanation"]
    assert "Federal Constitution Art 25(1)" in ground["citation"]


def test_swiss_national_who_consents_is_not_barred_by_the_constitution(law_with_profiles):
    out = assess(_facts("DE", "CH", {"nationalities": ["CH"], "consent": True}))
    grounds = _own_national(out)
    # The Convention still lets Switzerland refuse (ECE Art 6: optional); the constitutional bar is lifted.
    assert all(g["effect"] == "optional" for g in grounds)
    assert out["outcome"] == "optional_bar"
    assert any("is lifted here: the person consents" in n for n in out["notes"])


def test_swiss_national_who_refuses_consent_stays_barred(law_with_profiles):
    out = assess(_facts("DE", "CH", {"nationalities": ["CH"], "consent": False}))
    (ground,) = _own_national(out)
    assert ground["effect"] == "mandatory"
    assert "does not apply" in ground["explanation"] or "exceptions do not reach" in ground["explanation"]


def test_brazilian_by_birth_is_never_extradited(law_with_profiles):
    out = assess(_facts("US", "BR", {"nationalities": ["BR"], "naturalised_in": []},
                        list_category="illicit_trafficking_in_narcotic_drugs"))
    (ground,) = _own_national(out)
    assert ground["effect"] == "mandatory" and ground["status"] == "applies"
    assert "by birth" in ground["explanation"]
    # No assurance cures it.
    cured = assess({**_facts("US", "BR", {"nationalities": ["BR"], "naturalised_in": []}),
                    "assurances": ["return_to_serve_sentence", "no_death_penalty"]})
    assert _own_national(cured)[0]["status"] == "applies"


def test_naturalised_brazilian_for_an_offence_before_naturalisation_may_be_extradited(law_with_profiles):
    person = {"nationalities": ["BR"], "naturalised_in": ["BR"], "naturalisation_date": "2015-03-01"}
    out = assess(_facts("US", "BR", person, committed_on="2014-12-31"))
    assert not [g for g in _own_national(out) if g["effect"] == "mandatory"]
    assert any("naturalisation" in n and "lifted" in n for n in out["notes"])


def test_naturalised_brazilian_for_a_later_ordinary_offence_is_barred(law_with_profiles):
    person = {"nationalities": ["BR"], "naturalised_in": ["BR"], "naturalisation_date": "2015-03-01"}
    out = assess(_facts("US", "BR", person, committed_on="2015-03-01"))  # on the day: not "before"
    (ground,) = [g for g in _own_national(out) if g["effect"] == "mandatory"]
    assert "committed before naturalisation" in ground["explanation"]


def test_naturalised_brazilian_for_drug_trafficking_may_be_extradited(law_with_profiles):
    person = {"nationalities": ["BR"], "naturalised_in": ["BR"], "naturalisation_date": "2015-03-01"}
    out = assess(_facts("US", "BR", person, committed_on="2019-05-05",
                        list_category="illicit_trafficking_in_narcotic_drugs"))
    assert not [g for g in _own_national(out) if g["effect"] == "mandatory"]


def test_unknown_acquisition_of_nationality_says_which_fact_decides(law_with_profiles):
    out = assess(_facts("US", "BR", {"nationalities": ["BR"]}))
    (ground,) = [g for g in _own_national(out) if g["effect"] == "mandatory"]
    assert "by naturalisation" in ground["explanation"]
    assert "do not establish" in ground["explanation"]


def test_the_rule_in_force_on_the_date_of_the_request_applies(law_with_profiles):
    person = {"nationalities": ["AT"], "consent": True}
    before = assess({**_facts("US", "AT", person), "date": "2020-06-30"})
    after = assess({**_facts("US", "AT", person), "date": "2020-07-01"})
    assert [g["effect"] for g in _own_national(before) if g["effect"] == "mandatory"] == ["mandatory"]
    assert "ARHG s 12 (old)" in _own_national(before)[0]["citation"] or any(
        "ARHG s 12 (old)" in g["citation"] for g in _own_national(before))
    assert not [g for g in _own_national(after) if g["effect"] == "mandatory"]
    # The later value is unverified: the answer says so.
    assert any("ARHG s 12 (new)" in n and "not verified" in n.lower() for n in after["notes"])


def test_grounds_list_the_facts_they_rest_on(law_with_profiles):
    out = assess(_facts("DE", "CH", {"nationalities": ["CH"]}))
    (ground,) = _own_national(out)
    refs = {r["ref"]: r for r in ground["rests_on"]}
    assert refs["CH.extradites_nationals"]["source"] == "https://example.org/ch-constitution"
    assert refs["CH.extradites_nationals"]["read"] == "2026-01-15"
    assert refs["CH.extradites_nationals"]["verified"] is True
    assert "CETS-024/CH" in refs and "CETS-024/DE" in refs
    assert out["verification"]["facts"] >= 3
    assert out["law_data"]["version"] and out["law_data"]["refreshed"]


def test_an_unverified_fact_is_named_in_the_warning(law_with_profiles):
    out = assess({**_facts("US", "AT", {"nationalities": ["AT"]}), "date": "2021-01-01"})
    (ground,) = [g for g in _own_national(out) if g["effect"] == "mandatory"]
    assert ground["warning"] and "AT profile: extradition of its nationals" in ground["warning"]
    assert out["verification"]["unverified"] >= 1
    assert "unverified" in out["verification"]["warning"]


JP = """\
extradites_nationals:
  bar: statutory
  article: "Act of Extradition Art 2(ix)"
  exceptions:
    - {kind: treaty, article: "Act of Extradition Art 2 proviso"}
  source: https://example.org/jp-act
  read: 2026-01-15
  verified: true
"""

TREATY = """\
instruments:
  - id: "bilateral:BR-JP:2024"
    title: "Test extradition treaty between Brazil and Japan"
    kind: bilateral_treaty
    scope: [extradition]
    adopted: 2024-01-10
    entry_into_force: 2024-03-01
    source: https://example.org/br-jp
    read: 2026-01-15
    verified: true
    grounds:
      - {code: own_national, effect: not_a_ground, article: "Art 3", verified: true,
         text: "Extradition shall not be refused on the ground that the person is a national of the requested Party."}
      - {code: military_offence, effect: optional, article: "Art 4(3)", verified: true,
         text: "Extradition may be refused for offences under military law only."}
"""


def _japan_law(tmp_path, *, with_treaty: bool):
    root = tmp_path / "data"
    shutil.copytree(DATA_DIR, root)
    path = root / "profiles" / "JP.yaml"
    path.write_text(_replace_block(path.read_text(encoding="utf-8"), "extradites_nationals", JP), encoding="utf-8")
    if with_treaty:
        (root / "instruments" / "zz_test_bilateral.yaml").write_text(TREATY, encoding="utf-8")
    return use_law(compile_law(root))


@pytest.fixture
def law_with_treaty(tmp_path):
    yield _japan_law(tmp_path, with_treaty=True)
    use_law()


def test_a_treaty_under_which_nationality_is_no_ground_lifts_a_statutory_bar_with_a_treaty_exception(law_with_treaty):
    out = assess(_facts("BR", "JP", {"nationalities": ["JP"]}))
    assert out["instrument_applied"] == "bilateral:BR-JP:2024"
    assert not _own_national(out)  # neither the treaty's Model ground nor the domestic bar
    assert any("set aside" in n and "own_national" in n for n in out["notes"])
    assert any("lifted here" in n and "nationality is no ground" in n for n in out["notes"])


def test_the_treaty_s_own_ground_replaces_the_model_treaty_s(law_with_treaty):
    out = assess(_facts("BR", "JP", {"nationalities": ["BR"]}, military=True))
    (ground,) = [g for g in out["grounds"] if g["code"] == "military_offence"]
    assert ground["effect"] == "optional"  # the UN Model Treaty would make it mandatory
    assert "Art 4(3)" in ground["citation"]
    assert any(r["ref"] == "bilateral:BR-JP:2024#military_offence" for r in ground["rests_on"])


@pytest.fixture
def law_without_treaty(tmp_path):
    yield _japan_law(tmp_path, with_treaty=False)
    use_law()


def test_without_a_treaty_that_provides_it_the_statutory_bar_stands(law_without_treaty):
    out = assess(_facts("BR", "JP", {"nationalities": ["JP"]}))
    (ground,) = [g for g in _own_national(out) if g["effect"] == "mandatory"]
    assert "a treaty in force provides for extradition of nationals" in ground["explanation"]
