"""Characterisation of the legal-basis finder: the same answers, word for word, as the code had before it
was split into a base rule and named exceptions (issue 12, item 5).

What is compared: ``find_legal_basis`` for every ordered pair of 57 States (EU Member States, EEA, the UK,
the US, Switzerland, the Nordic States, Council of Europe States outside the EU, States with their own
extradition statute, UN-only States and States without a country profile) x the four kinds of cooperation x
four dates (2010, before Korea's accessions to the Council of Europe conventions took effect; 2019, the UK
still in the EAW; 2021, after Brexit; the day the snapshot was made). Each answer (instruments in order, with
title, citation, why, tier, kind, verified, caveats; the instruments excluded and why; the overall reason) is
reduced to a digest; the snapshot file keeps, per query, the instruments in order and that digest.

Why a frozen copy of the data (``fixtures/basis_data/``) rather than the live data: the data files under
``src/comity/law/data/`` are edited all the time (reading helpers verify party rows against the
depositaries), so answers computed from them drift for reasons that have nothing to do with the code. The
snapshot was generated once from the committed data of commit 3616f07 (copied verbatim, byte for byte, to
``fixtures/basis_data/``) with the loader and the finder of that commit; the test loads the same frozen files with today's
loader and runs today's finder on them. Keeping a copy of the old function in this module instead would
also follow the live data, but it would then depend on the live data being valid at the moment the test
runs, would keep ~300 lines of dead legal logic alive beside the real one, and would silently share any
change made to the helpers and models both copies call. The frozen copy costs nothing in the repository
(its files are the same Git blobs as the committed data) and also checks, end to end, that the loader still
reads that data set into the same facts. The last date is fixed (the day the snapshot was made), not
``date.today()``, so that the answers cannot change with the calendar.

A deliberate change of the law logic changes answers: regenerate with
``COMITY_REGENERATE_BASIS_SNAPSHOT=1 pytest tests/law/test_basis_characterisation.py`` and review the diff of
the snapshot file (the instrument lists are readable) before committing it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pytest

from comity.law import compile_law
from comity.law.basis import find_legal_basis

FIXTURES = Path(__file__).parent / "fixtures"
FROZEN_DATA = FIXTURES / "basis_data"
SNAPSHOT = FIXTURES / "basis_snapshot.txt"

STATES = (
    # EU Member States (founders, later members, Denmark and Ireland with their opt-outs, Croatia 2013)
    "AT", "BE", "BG", "CY", "DE", "DK", "ES", "FI", "FR", "HR", "IE", "IT", "MT", "NL", "PL", "SE",
    # EEA (Iceland and Norway: Nordic arrest warrant, EU-IS-NO surrender agreement) and Switzerland
    "IS", "NO", "LI", "CH",
    # the United Kingdom (EAW until 2020, TCA from 2021; Extradition Act 2003) and the United States (EU-US)
    "GB", "US",
    # Council of Europe States outside the EU (and Russia, which left it in 2022)
    "AL", "RS", "TR", "UA", "RU", "BA", "MD", "GE", "AM", "AZ",
    # States with their own extradition statutes, OAS, Commonwealth, Asia, Africa, Middle East (Korea and Chile
    # joined Council of Europe conventions late: in 2010 a protocol applies to them without its convention)
    "CA", "AU", "NZ", "JP", "KR", "CL", "CN", "IN", "BR", "MX", "AR", "ZA", "NG", "KE", "SG", "MY", "IL", "AE",
    # UN conventions only (or almost)
    "SA", "VN", "CU", "IR",
    # no country profile
    "KP", "TW", "XK",
)
KINDS = ("extradition", "mla", "transfer", "asset_recovery")
DATES = (dt.date(2010, 6, 1), dt.date(2019, 6, 1), dt.date(2021, 6, 1), dt.date(2026, 12, 2))


def _digest(res) -> str:
    body = {
        "results": [
            [r.instrument, r.title, r.citation, r.why, r.tier, r.instrument_kind, r.verified, list(r.caveats),
             list(r.states)]
            for r in res
        ],
        "excluded": res.excluded,
        "reason": res.reason,
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _answers(law) -> dict[str, tuple[str, str, object]]:
    """query -> (instruments in order, digest, the answer itself)."""
    out = {}
    for requesting in STATES:
        for requested in STATES:
            if requesting == requested:
                continue
            for kind in KINDS:
                for on in DATES:
                    res = find_legal_basis(law, requesting, requested, kind, on)
                    key = f"{requesting} {requested} {kind} {on.isoformat()}"
                    out[key] = (",".join(res.instruments) or "-", _digest(res), res)
    return out


def _read_snapshot() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in SNAPSHOT.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        a, b, kind, on, instruments, digest = line.split(" ")
        rows[f"{a} {b} {kind} {on}"] = (instruments, digest)
    return rows


def _write_snapshot(answers: dict[str, tuple[str, str, object]]) -> None:
    head = [
        "# find_legal_basis on the frozen data set tests/law/fixtures/basis_data/",
        "# (see tests/law/test_basis_characterisation.py)",
        "# requesting requested kind date instruments-in-order digest-of-the-whole-answer",
    ]
    body = [f"{key} {instruments} {digest}" for key, (instruments, digest, _res) in answers.items()]
    SNAPSHOT.write_text("\n".join(head + body) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def frozen_law():
    return compile_law(FROZEN_DATA)


def test_the_snapshot_covers_a_broad_set_of_states():
    assert len(set(STATES)) == len(STATES) >= 40
    assert {"GB", "US", "CH", "NO", "IS", "DK", "FI", "SE", "FR", "DE", "IE", "RU", "UA", "KP"} <= set(STATES)


def test_answers_are_those_of_the_snapshot(frozen_law):
    answers = _answers(frozen_law)
    if os.environ.get("COMITY_REGENERATE_BASIS_SNAPSHOT"):
        _write_snapshot(answers)
    expected = _read_snapshot()
    assert set(expected) == set(answers), "the snapshot does not cover the same queries"
    changed = []
    for key, (instruments, digest, res) in answers.items():
        old_instruments, old_digest = expected[key]
        if (instruments, digest) == (old_instruments, old_digest):
            continue
        if instruments != old_instruments:
            changed.append(f"{key}: instruments were {old_instruments}, now {instruments}")
        else:
            now = {"why": [r.why for r in res], "caveats": [list(r.caveats) for r in res],
                   "excluded": res.excluded, "reason": res.reason}
            changed.append(f"{key}: same instruments ({instruments}), but the text changed; now {json.dumps(now)}")
    assert not changed, f"{len(changed)} answer(s) differ from the snapshot:\n" + "\n".join(changed[:20])


def test_a_changed_answer_is_noticed(frozen_law):
    """The comparison is sharp: one changed word in one answer's reason makes the digest differ."""
    res = find_legal_basis(frozen_law, "FR", "DE", "extradition", DATES[2])
    before = _digest(res)
    res._reason = res.reason.replace("applies first", "applies")
    assert _digest(res) != before
