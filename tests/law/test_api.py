"""Country profiles, instruments, parameters and offences through the public API."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from comity.law import (
    UnknownInstrument,
    UnknownParameter,
    UnknownState,
    country_profile,
    coverage,
    iccs,
    instrument,
    load_law,
    offence_categories,
    offence_category,
    parameter,
)


@pytest.mark.parametrize(
    ("name", "day", "value"),
    [
        ("extradition.cets024.min_max_penalty_months", "2024-01-01", 12),
        ("extradition.cets024.min_sentence_months", "2024-01-01", 4),
        ("extradition.eaw.min_max_penalty_months", "2024-01-01", 12),
        ("extradition.eaw.min_sentence_months", "2024-01-01", 4),
        ("extradition.eaw.list_offence_min_max_penalty_months", "2024-01-01", 36),
        ("notices.rpd.min_max_penalty_months", "2024-01-01", 24),
        ("notices.rpd.min_sentence_months", "2024-01-01", 6),
        ("transfer.cets112.min_remaining_sentence_months", "2024-01-01", 6),
        ("clocks.cets024.provisional_arrest_request_days", "2024-01-01", 18),
        ("clocks.cets024.provisional_arrest_max_days", "2024-01-01", 40),
        ("clocks.cets024.surrender_release_may_days", "2024-01-01", 15),
        ("clocks.cets024.surrender_release_must_days", "2024-01-01", 30),
        ("clocks.eaw.decision_after_consent_days", "2024-01-01", 10),
        ("clocks.eaw.decision_after_arrest_days", "2024-01-01", 60),
        ("clocks.eaw.decision_extension_days", "2024-01-01", 30),
        ("clocks.eaw.surrender_days", "2024-01-01", 10),
        ("clocks.eio.recognition_days", "2024-01-01", 30),
        ("clocks.eio.recognition_extension_days", "2024-01-01", 30),
        ("clocks.eio.execution_days", "2024-01-01", 90),
        ("clocks.untoc.safe_conduct_days", "2024-01-01", 15),
        ("clocks.ccf.access_decision_months", "2024-01-01", 4),
        ("clocks.ccf.correction_decision_months", "2024-01-01", 9),
    ],
)
def test_parameters(name, day, value):
    p = parameter(name, day)
    assert p.value == value
    assert p.reference and p.unit


def test_parameter_is_dated():
    p = parameter("extradition.eaw.min_max_penalty_months", dt.date(2010, 5, 1))
    assert p.valid_from == dt.date(2004, 1, 1)
    with pytest.raises(Exception) as info:
        parameter("extradition.eaw.min_max_penalty_months", "2003-12-31")  # the EAW was not yet law
    assert info.value.problems[0]["field"] == "on_date"
    with pytest.raises(UnknownParameter):
        parameter("extradition.eaw.nope")


def test_instrument_lookup():
    inst = instrument("CETS-024")
    assert inst.entry_into_force == dt.date(1960, 4, 18)
    assert {"FR", "IL", "ZA", "KR"} <= set(inst.parties)
    assert any(a.number == "16" for a in inst.articles)
    assert instrument("cets-024") is inst
    d = inst.as_dict()
    party = next(p for p in d["parties"] if p["state"] == "FR")
    assert party["entry_into_force"] == "1986-05-11" and party["reservations"][0]["article"] == "6"
    with pytest.raises(UnknownInstrument) as info:
        instrument("CETS-999")
    assert info.value.problems[0]["field"] == "instrument"


def test_country_profile_lookup(law):
    assert "FR" in law.profiles  # the repository's own data: a missing profile fails, never skips
    state = "FR"
    prof = country_profile(state.lower())
    assert prof.state == state
    d = prof.as_dict()
    for key, fact in d.items():
        if isinstance(fact, dict):
            assert "source" in fact and "verified" in fact, key
    with pytest.raises(UnknownState):
        country_profile("XX")


def test_offences():
    assert offence_category("fraud").iccs == ("0701",)
    assert len(offence_categories("eaw_art2_2")) == 32
    assert iccs("0101")["label"].startswith("Intentional homicide")
    with pytest.raises(Exception):
        iccs("9999")


def test_coverage_counts(law):
    c = coverage(law)
    assert c["instruments"] == len(law.instruments)
    assert c["parties"] == sum(len(i.parties) for i in law.instruments.values())
    assert c["interpol_members"] == 196
    assert 0 < c["parties_unverified"] <= c["parties"]


def test_warm_load_uses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COMITY_LAW_CACHE_DIR", str(tmp_path))
    first = load_law()
    assert list(tmp_path.glob("*.pickle"))
    second = load_law()
    assert second.fingerprint == first.fingerprint
    assert set(second.instruments) == set(first.instruments)


def test_pure_python_never_imports_django():
    code = ("import sys, comity.law, comity.law.cli; "
            "comity.law.legal_basis('FR','DE','mla','2024-01-01'); "
            "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')], 'django imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("spelling", "stored"),
    [("ETS 24", "CETS-024"), ("cets-024", "CETS-024"), ("CETS 185", "CETS-185"), ("EAW", "EU-EAW"),
     ("eio", "EU-EIO"), ("TCA", "EU-UK-TCA"), ("bilateral:US-GB:2003", "bilateral:GB-US:2003")],
)
def test_instrument_id_spellings(spelling, stored):
    assert instrument(spelling).id == stored


def test_profile_facts_read_like_the_yaml(law):
    assert "US" in law.profiles
    prof = country_profile("US")
    assert prof.extradition_basis is prof["extradition_basis"] is prof.fact("extradition_basis")
    with pytest.raises(AttributeError):
        prof.no_such_fact  # noqa: B018
