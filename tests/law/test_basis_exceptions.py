"""The legal-basis finder is a base rule plus six named exceptions, one function each, beside the legal text it
implements. Each of them decides answers a practitioner sees: without it, the instruments listed for a pair
of States change. The queries below are taken from the characterisation snapshot
(test_basis_characterisation.py), so none of the rules can be dropped or changed unnoticed."""

from __future__ import annotations

import datetime as dt

import pytest

from comity.law import basis, compile_law

from .test_basis_characterisation import FROZEN_DATA, _read_snapshot

#: Each named rule, a stand-in that does nothing, and a query of the snapshot whose answer it decides.
RULES = [
    ("_eu_replacement", lambda q, cands: None, "ES IT extradition 2019-06-01"),
    ("_protocols_with_their_convention", lambda q, cands: None, "IT KR extradition 2010-06-01"),
    ("_third_state_agreement_applies", lambda q, inst: True, "NL HR mla 2021-06-01"),
    ("_conventions_as_basis_for_extradition", lambda q, cands: None, "DE US extradition 2010-06-01"),
    ("_acceptance_not_recorded", lambda q, cand, art: None, "KE US extradition 2021-06-01"),
    ("_domestic_statute", lambda q: [], "MX GB extradition 2021-06-01"),
    ("_reciprocity", lambda q, results: False, "TW FI extradition 2021-06-01"),
]


@pytest.fixture(scope="module")
def frozen_law():
    return compile_law(FROZEN_DATA)


def _instruments(law, query: str) -> str:
    requesting, requested, kind, on = query.split(" ")
    res = basis.find_legal_basis(law, requesting, requested, kind, dt.date.fromisoformat(on))
    return ",".join(res.instruments) or "-"


@pytest.mark.parametrize("name,stand_in,query", RULES, ids=[r[0] for r in RULES])
def test_each_named_rule_decides_answers_of_the_snapshot(frozen_law, monkeypatch, name, stand_in, query):
    expected = _read_snapshot()[query][0]
    assert _instruments(frozen_law, query) == expected
    monkeypatch.setattr(basis, name, stand_in)
    assert _instruments(frozen_law, query) != expected
