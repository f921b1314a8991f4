"""Data checks for the country profiles in src/comity/law/data/profiles/<ISO2>.yaml.

Plain pytest + PyYAML; no Django and no comity imports. Run from the repo root with
    .venv/bin/pytest -p no:django tests/law/test_profiles_data.py
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PROFILE_DIR = REPO / "src" / "comity" / "law" / "data" / "profiles"

# The 196 INTERPOL member countries (ISO 3166-1 alpha-2): the 193 UN member states minus
# North Korea (KP) and Tuvalu (TV), plus Palestine (PS), the Holy See (VA), Aruba (AW),
# Curaçao (CW) and Sint Maarten (SX). Source: https://www.interpol.int/Who-we-are/Member-countries
INTERPOL_MEMBERS = frozenset(
    """
    AD AE AF AG AL AM AO AR AT AU AW AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT BW BY BZ CA CD
    CF CG CH CI CL CM CN CO CR CU CV CW CY CZ DE DJ DK DM DO DZ EC EE EG ER ES ET FI FJ FM FR GA
    GB GD GE GH GM GN GQ GR GT GW GY HN HR HT HU ID IE IL IN IQ IR IS IT JM JO JP KE KG KH KI KM
    KN KR KW KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MG MH MK ML MM MN MR MT MU MV MW MX
    MY MZ NA NE NG NI NL NO NP NR NZ OM PA PE PG PH PK PL PS PT PW PY QA RO RS RU RW SA SB SC SD
    SE SG SI SK SL SM SN SO SR SS ST SV SX SY SZ TD TG TH TJ TL TM TN TO TR TT TZ UA UG US UY UZ
    VA VC VE VN VU WS YE ZA ZM ZW
    """.split()
)
NOT_MEMBERS = frozenset({"XK", "KP", "TV", "TW"})  # Kosovo, North Korea, Tuvalu, Taiwan

EU_MEMBERS = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
EU_SINCE = {
    **{s: dt.date(1958, 1, 1) for s in "BE DE FR IT LU NL".split()},
    **{s: dt.date(1973, 1, 1) for s in "DK IE".split()},
    "GR": dt.date(1981, 1, 1),
    **{s: dt.date(1986, 1, 1) for s in "ES PT".split()},
    **{s: dt.date(1995, 1, 1) for s in "AT FI SE".split()},
    **{s: dt.date(2004, 5, 1) for s in "CY CZ EE HU LV LT MT PL SK SI".split()},
    **{s: dt.date(2007, 1, 1) for s in "BG RO".split()},
    "HR": dt.date(2013, 7, 1),
}
EIO_STATES = EU_MEMBERS - {"IE", "DK"}
COE_MEMBERS = frozenset(
    """
    AL AD AM AT AZ BE BA BG HR CY CZ DK EE FI FR GE DE GR HU IS IE IT LV LI LT LU MT MD MC ME NL
    MK NO PL PT RO SM RS SK SI ES SE CH TR UA GB
    """.split()
)
# The ECHR applies to these through the Kingdom of the Netherlands (art 56), not as CoE members.
ECHR_BY_EXTENSION = frozenset({"AW", "CW", "SX"})

TOP_LEVEL_KEYS = {
    "state",
    "name",
    "interpol_member",
    "extradition_basis",
    "extradites_nationals",
    "death_penalty",
    "eu_member",
    "eaw",
    "eio",
    "coe_member",
    "echr_party",
    "languages_accepted",
    "central_authority",
}
OPTIONAL_TOP_LEVEL = {"notes"}
FACT_KEYS = TOP_LEVEL_KEYS - {"state", "name"}
EXTRA_FACT_KEYS = {  # keys allowed in a fact object besides value/source/verified
    "extradites_nationals": {"states"},
    "death_penalty": {"as_of"},
    "eu_member": {"since"},
}
REQUIRED_EXTRA = {"death_penalty": {"as_of"}}

EXTRADITION_BASIS = {"treaty_only", "treaty_or_reciprocity", "domestic_law"}
NATIONALS = {"never", "eu_only", "nordic_eu", "some_states", "yes", "with_conditions"}
DEATH_PENALTY = {"abolitionist_all", "abolitionist_ordinary", "abolitionist_in_practice", "retentionist"}
BOOL_FACTS = {"interpol_member", "eu_member", "eaw", "eio", "coe_member", "echr_party"}

ISO2_RE = re.compile(r"^[A-Z]{2}$")
ISO639_1_RE = re.compile(r"^[a-z]{2}$")


def _load_all() -> dict[str, dict]:
    out = {}
    for path in sorted(PROFILE_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            out[path.stem] = yaml.safe_load(fh)
    return out


PROFILES = _load_all()


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise AssertionError(f"not a date: {value!r}")


def _by_bool(field: str) -> set[str]:
    return {stem for stem, p in PROFILES.items() if p[field]["value"] is True}


# --------------------------------------------------------------------------- coverage


def test_profile_directory_is_populated():
    assert PROFILE_DIR.is_dir()
    assert len(INTERPOL_MEMBERS) == 196


def test_every_interpol_member_has_a_profile():
    missing = sorted(INTERPOL_MEMBERS - PROFILES.keys())
    assert not missing, f"members without a profile: {missing}"


def test_no_profile_for_non_members():
    extra = sorted(PROFILES.keys() - INTERPOL_MEMBERS)
    assert not extra, f"profiles for states not on the member list: {extra}"
    assert not (PROFILES.keys() & NOT_MEMBERS)


def test_file_names_are_iso2_and_match_state():
    for stem, prof in PROFILES.items():
        assert ISO2_RE.match(stem), stem
        assert isinstance(prof, dict), stem
        # `state` must be a string: an unquoted NO would load as False.
        assert isinstance(prof["state"], str), (stem, prof["state"])
        assert prof["state"] == stem


def test_no_duplicate_states():
    states = [p["state"] for p in PROFILES.values()]
    assert len(states) == len(set(states))
    names = [p["name"] for p in PROFILES.values()]
    assert len(names) == len(set(names))


# --------------------------------------------------------------------------- schema


@pytest.mark.parametrize("stem", sorted(PROFILES))
def test_profile_schema(stem):
    prof = PROFILES[stem]
    keys = set(prof)
    assert TOP_LEVEL_KEYS <= keys, f"{stem}: missing {sorted(TOP_LEVEL_KEYS - keys)}"
    unknown = keys - TOP_LEVEL_KEYS - OPTIONAL_TOP_LEVEL
    assert not unknown, f"{stem}: unknown keys {sorted(unknown)}"
    assert isinstance(prof["name"], str) and prof["name"].strip()
    if "notes" in prof:
        assert isinstance(prof["notes"], str) and prof["notes"].strip()

    for field in FACT_KEYS:
        f = prof[field]
        assert isinstance(f, dict), f"{stem}.{field} is not a mapping"
        allowed = {"value", "source", "verified"} | EXTRA_FACT_KEYS.get(field, set())
        assert {"value", "source", "verified"} <= set(f), f"{stem}.{field}: {sorted(f)}"
        assert set(f) <= allowed, f"{stem}.{field}: unexpected {sorted(set(f) - allowed)}"
        assert REQUIRED_EXTRA.get(field, set()) <= set(f), f"{stem}.{field}: missing {REQUIRED_EXTRA[field]}"
        assert isinstance(f["source"], str) and f["source"].strip(), f"{stem}.{field}: empty source"
        assert isinstance(f["verified"], bool), f"{stem}.{field}: verified must be a bool"

    for field in BOOL_FACTS:
        assert isinstance(prof[field]["value"], bool), f"{stem}.{field}.value must be a bool"

    assert prof["interpol_member"]["value"] is True

    assert prof["extradition_basis"]["value"] in EXTRADITION_BASIS, stem

    nat = prof["extradites_nationals"]
    assert nat["value"] in NATIONALS, stem
    states = nat.get("states", [])
    assert isinstance(states, list), stem
    assert all(isinstance(s, str) and ISO2_RE.match(s) for s in states), stem
    if states:
        assert nat["value"] == "some_states", f"{stem}: `states` only with some_states"
    if nat["value"] == "some_states":
        assert states, f"{stem}: some_states needs a states list"

    dp = prof["death_penalty"]
    assert dp["value"] in DEATH_PENALTY, stem
    as_of = _as_date(dp["as_of"])
    assert dt.date(1800, 1, 1) <= as_of <= dt.date.today(), stem

    eu = prof["eu_member"]
    if eu["value"]:
        since = _as_date(eu["since"])
        assert dt.date(1958, 1, 1) <= since <= dt.date.today(), stem
    else:
        assert "since" not in eu, f"{stem}: `since` only when eu_member is true"

    langs = prof["languages_accepted"]["value"]
    assert isinstance(langs, list) and langs, stem
    assert all(isinstance(x, str) and ISO639_1_RE.match(x) for x in langs), f"{stem}: {langs}"
    assert len(langs) == len(set(langs)), stem

    ca = prof["central_authority"]["value"]
    assert ca is None or (isinstance(ca, str) and ca.strip()), stem
    if ca is None:
        assert prof["central_authority"]["verified"] is False, f"{stem}: unknown value cannot be verified"


# --------------------------------------------------------------------------- European sets


def test_eu_membership():
    eu = _by_bool("eu_member")
    assert len(eu) == 27
    assert eu == EU_MEMBERS
    for s in EU_MEMBERS:
        assert _as_date(PROFILES[s]["eu_member"]["since"]) == EU_SINCE[s], s


def test_eaw_is_exactly_the_eu():
    assert _by_bool("eaw") == EU_MEMBERS


def test_eio_is_eu_minus_ireland_and_denmark():
    eio = _by_bool("eio")
    assert len(eio) == 25
    assert eio == EIO_STATES


def test_council_of_europe():
    coe = _by_bool("coe_member")
    assert len(coe) == 46
    assert coe == COE_MEMBERS
    assert "RU" not in coe and "BY" not in coe


def test_echr_parties():
    echr = _by_bool("echr_party")
    # Every CoE member is bound by the ECHR: 46 parties.
    assert echr & COE_MEMBERS == COE_MEMBERS
    assert len(echr & COE_MEMBERS) == 46
    # Besides those, only territories reached through an art 56 declaration, and never as "verified".
    assert echr - COE_MEMBERS <= ECHR_BY_EXTENSION
    for s in echr - COE_MEMBERS:
        assert PROFILES[s]["echr_party"]["verified"] is False, s
    assert PROFILES["RU"]["echr_party"]["value"] is False


# --------------------------------------------------------------------------- anchor facts


@pytest.mark.parametrize(
    "state,field,expected",
    [
        ("US", "extradition_basis", "treaty_only"),
        ("US", "extradites_nationals", "yes"),
        ("GB", "extradites_nationals", "yes"),
        ("CA", "extradites_nationals", "yes"),
        ("FR", "extradites_nationals", "eu_only"),
        ("DE", "extradites_nationals", "eu_only"),
        ("RU", "extradites_nationals", "never"),
        ("CN", "extradites_nationals", "never"),
        ("SE", "extradites_nationals", "nordic_eu"),
        ("FI", "extradites_nationals", "nordic_eu"),
        ("DK", "extradites_nationals", "nordic_eu"),
        ("IL", "extradites_nationals", "with_conditions"),
        ("JP", "extradites_nationals", "with_conditions"),
        ("FR", "extradition_basis", "treaty_or_reciprocity"),
        ("DE", "extradition_basis", "treaty_or_reciprocity"),
        ("CH", "extradition_basis", "treaty_or_reciprocity"),
        ("JP", "extradition_basis", "treaty_or_reciprocity"),
        ("BR", "extradition_basis", "treaty_or_reciprocity"),
        ("CN", "extradition_basis", "treaty_or_reciprocity"),
        ("RU", "extradition_basis", "treaty_or_reciprocity"),
        ("FR", "death_penalty", "abolitionist_all"),
        ("GB", "death_penalty", "abolitionist_all"),
        ("US", "death_penalty", "retentionist"),
        ("CN", "death_penalty", "retentionist"),
        ("TD", "death_penalty", "abolitionist_all"),
        ("KZ", "death_penalty", "abolitionist_all"),
        ("SL", "death_penalty", "abolitionist_all"),
        ("ZM", "death_penalty", "abolitionist_ordinary"),
        ("GQ", "death_penalty", "abolitionist_ordinary"),
        ("PG", "death_penalty", "abolitionist_all"),
        ("CF", "death_penalty", "abolitionist_all"),
        ("MY", "death_penalty", "retentionist"),
    ],
)
def test_anchor_values(state, field, expected):
    assert PROFILES[state][field]["value"] == expected


def test_known_dates():
    assert _as_date(PROFILES["FR"]["death_penalty"]["as_of"]) == dt.date(1981, 10, 9)
    assert _as_date(PROFILES["GB"]["death_penalty"]["as_of"]).year == 1998
    assert PROFILES["RU"]["coe_member"]["value"] is False


def test_palestine_in_kosovo_out():
    assert "PS" in PROFILES
    assert "XK" not in PROFILES


def test_verified_counts_are_reported():
    """Not a constraint on the numbers; makes sure both kinds exist and nothing is silently unverifiable."""
    verified = unverified = 0
    for prof in PROFILES.values():
        for field in FACT_KEYS:
            if prof[field]["verified"]:
                verified += 1
            else:
                unverified += 1
    assert verified + unverified == len(PROFILES) * len(FACT_KEYS)
    assert verified > 0 and unverified > 0


def test_generated_files_match_generator():
    """If the staged source data is available, the committed YAML must equal the generator output."""
    import subprocess
    import sys

    data_dir = Path("/work/shared/data/countries")
    script = REPO / "scripts" / "build_profiles.py"
    if not data_dir.is_dir() or not script.is_file():
        pytest.skip("staged source data or generator not available")
    res = subprocess.run(
        [sys.executable, str(script), "--check", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr


def test_codes_are_real_iso_codes():
    """ISO 3166-1 alpha-2 state codes and ISO 639-1 language codes (needs pycountry, a project dependency)."""
    pycountry = pytest.importorskip("pycountry")
    languages = {lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")}
    for stem, prof in PROFILES.items():
        assert pycountry.countries.get(alpha_2=prof["state"]) is not None, stem
        for code in prof["languages_accepted"]["value"]:
            assert code in languages, (stem, code)
        for code in prof["extradites_nationals"].get("states", []):
            assert pycountry.countries.get(alpha_2=code) is not None, (stem, code)
