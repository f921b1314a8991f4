"""Every rule applies only where its instrument does.

Runs every legal clock (the law's and the lifecycles') and every request-builder requirement and quality check
against every instrument in the data set, and fails when a rule of one instrument would be applied, or cited,
under another without saying "by analogy". (Found by a user: an extradition between France and Brazil under
UNTOC received the European Convention's Art 16(4) deadlines; the MLA signatory check cited the extradition
convention; EIO Annex A was cited for a UK to Switzerland extradition.)
"""

from __future__ import annotations

import re

import pytest

from comity.builder import checks
from comity.cases.lifecycle import lifecycles as load_lifecycles
from comity.law import get_law

LAW = get_law()
INSTRUMENTS = sorted(LAW.instruments)

#: How each instrument's own articles are cited in rule texts.
NAMES = {
    "CETS-024": ("CETS-024", "ETS 024", "European Convention on Extradition"),
    "CETS-030": ("ETS 030", "CETS-030"),
    "CETS-182": ("ETS 182",),
    "CETS-112": ("ETS 112", "CETS-112"),
    "CETS-185": ("ETS 185", "Budapest"),
    "CETS-209": ("CETS 209", "CETS-209", "Third Additional Protocol"),
    "EU-EAW": ("2002/584", "EAW"),
    "EU-EIO": ("2014/41", "EIO"),
    "UNTOC": ("UNTOC",),
    "UNCAC": ("UNCAC",),
    "INTERPOL-CCF": ("Commission for the Control of INTERPOL",),
}
ALL_NAMES = {name: iid for iid, names in NAMES.items() for name in names}


def _instruments_cited(text: str) -> set[str]:
    return {iid for name, iid in ALL_NAMES.items() if re.search(re.escape(name), text)}


def test_every_law_clock_cites_only_its_own_instrument():
    for rule in LAW.clock_rules:
        cited = _instruments_cited(rule.citation)
        assert cited, (rule.code, rule.citation)
        family = {rule.instrument, *(["CETS-024"] if rule.instrument == "CETS-209" else [])}
        assert cited <= family, (rule.instrument, rule.code, rule.citation)


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_law_clocks_are_computed_only_under_their_instrument(instrument):
    from comity.law import LawError, clocks

    events = {e: "2024-03-01" for e in ("provisional_arrest", "arrest", "consent", "final_decision",
                                         "surrender_date", "request_received", "recognition_decision")}
    inst = LAW.instruments[instrument]
    for kind in inst.scope:
        try:
            found = clocks(kind, instrument, events)
        except LawError:
            continue
        for c in found:
            assert c.instrument == instrument
            cited = _instruments_cited(c.citation)
            assert cited and cited <= {instrument, "CETS-024" if instrument == "CETS-209" else instrument}, (
                instrument, c.code, c.citation)


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_lifecycle_clocks_start_only_under_their_instrument(instrument):
    for kind, lc in load_lifecycles().items():
        for clock in lc.clocks.values():
            if not clock.legal:
                continue
            applies = clock.applies_to(instrument)
            if clock.instrument:
                assert applies == (instrument == clock.instrument), (kind, clock.code, instrument)
                assert clock.instrument in _instruments_cited(clock.citation) or clock.instrument not in NAMES, (
                    kind, clock.code, clock.citation)


def test_the_european_convention_deadlines_do_not_reach_a_untoc_extradition():
    lc = load_lifecycles()["extradition"]
    for code in ("provisional_arrest_request_due", "provisional_arrest_release", "surrender_due", "surrender_release"):
        assert not lc.clocks[code].applies_to("UNTOC")
        assert not lc.clocks[code].applies_to("bilateral:BR-FR:1996")
        assert lc.clocks[code].applies_to("CETS-024")


def _measures():
    return sorted(checks.measures())


def _full_content(measure: str) -> dict:
    """A draft with nothing filled, so every requirement and quality check speaks."""
    return {"persons": [{"name": "A. Witness", "role": "witness", "fields": {"address": "x", "phone": "y"}}],
            "bank_records": True, "confidential": True}


@pytest.mark.parametrize("instrument", INSTRUMENTS + [""])
@pytest.mark.parametrize("measure", _measures())
def test_builder_cites_an_instrument_only_when_it_is_the_basis_or_says_by_analogy(measure, instrument):
    family = checks.instrument_family(instrument)
    kind = checks.builder_kind(measure)
    findings = checks.completeness(measure, instrument, {}) + checks.quality(
        measure, _full_content(measure), urgency="urgent", instrument=instrument)
    for f in findings:
        cited = _instruments_cited(f.citation)
        foreign = cited - {family} - ({"CETS-030"} if family == "CETS-030" and "ETS 182" in f.citation else set())
        if family == "CETS-030":
            foreign -= {"CETS-182"}  # the Second Protocol supplements ETS 030
        if foreign:
            assert f.by_analogy and "analogy" in (f.message + f.citation), (measure, instrument, kind, f.code,
                                                                               f.citation)


def test_mla_signatory_check_does_not_cite_the_extradition_convention():
    for f in checks.completeness("records", "CETS-030", {}):
        if f.code == "signatory":
            assert "ETS 024" not in f.citation and "UNTOC" not in f.citation
            break
    else:
        pytest.fail("no signatory finding on an empty draft")


def test_an_extradition_request_never_cites_the_eio():
    for measure in checks.measures_for("extradition"):
        for instrument in ("CETS-024", "EU-UK-TCA", "bilateral:GB-US:2003", "UNTOC", ""):
            findings = checks.completeness(measure, instrument, {}) + checks.quality(
                measure, _full_content(measure), urgency="urgent", instrument=instrument)
            assert not any("2014/41" in f.citation or "EIO" in f.citation for f in findings), (measure, instrument)
