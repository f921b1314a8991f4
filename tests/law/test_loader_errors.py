"""Every check of the loader, one broken file at a time: the problem is named by file, line, field and reason.

A small data set is written from the texts below (a convention with its protocol, an EU act, an EU agreement,
a domestic statute, bilateral treaties, parameters, clocks, two profiles; the offence lists come from the frozen
copy of the data in ``fixtures/basis_data/``). Each case changes one thing and lists what ``compile_law`` must
report. The expected problems were produced by the loader as it was before it was split into ``loading/``
(commit 3616f07), problem for problem; the few cases where the split changed the answer say so and why (a
line that was 0, a field that was misnamed). Identical problems are reported once; the order within the list
is not part of the contract (the comparison sorts), the problems themselves are.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from comity.law import DataError, compile_law

FROZEN = Path(__file__).parent / "fixtures" / "basis_data"

C = 'instruments/ZZ-CONV.yaml'
P = 'instruments/ZZ-PROT.yaml'
E = 'instruments/ZZ-EU.yaml'
A = 'instruments/ZZ-AGR.yaml'
S = 'instruments/ZZ-STAT.yaml'
B = 'instruments/bilateral.yaml'
PAR = 'parameters/zz.yaml'
CL = 'clocks.yaml'
IP = 'interpol_members.yaml'
V = 'version.yaml'
AT = 'profiles/AT.yaml'
US = 'profiles/US.yaml'
CAT = 'offences/categories.yaml'
CSV = 'offences/iccs_levels1-4.csv'

#: The valid data set every case starts from.
BASE = {
    'instruments/ZZ-CONV.yaml': """\
id: ZZ-CONV
title: Test Convention on Extradition and Assistance
short_title: Test Convention
kind: multilateral_treaty
organisation: CoE
order: 20
scope: [extradition, mla]
adopted: 2001-01-10
entry_into_force: 2002-03-01
source: https://example.org/zz-conv
read: 2026-01-15
verified: true
citations:
  extradition: "Test Convention Art 1"
  mla: "Test Convention Art 2"
extradition_basis_article: "16(4)"
extradition_mutual_article: "16(6)"
extradition_notification_article: "16(5)"
offence_scope: offences under the Test Convention
entry_into_force_rule: {first_day_of_month_after_months: 3}
articles:
  - {number: "1", heading: Obligation to extradite, paraphrase: "The Parties extradite.", verified: true}
  - {number: "2", heading: Assistance, paraphrase: "The Parties assist.", verified: false, source: "Official Journal p. 3"}
grounds_complete: true
grounds:
  - {code: own_national, effect: optional, article: "6", text: "A Party may refuse to extradite its nationals.", verified: true, source: "https://example.org/zz-conv/art6", read: 2026-01-15}
  - {code: political_offence, effect: mandatory, article: "3", text: "Political offences.", cured_by: "Art 1 of the Protocol"}
parties_source: https://example.org/zz-conv/chart
parties_read: 2026-01-15
parties_as_of: 2026-01-01
parties_verified: false
parties:
  - {state: AT, signature: 2001-01-10, ratification: 2001-11-20, entry_into_force: 2002-03-01, verified: true}
  - {state: BE, signature: 2001-01-10, ratification: 2004-05-31, entry_into_force: 2004-09-01, verified: true}
  - {state: KR, accession: 2011-09-29, verified: true,
     reservations: [{article: "5", kind: declaration, effect: search_seizure_conditions, text: "Dual criminality.", conditions: [dual_criminality]}]}
  - {state: CL, signature: 2002-02-02}
  - {state: NZ, accession: 2010-01-05, entry_into_force: 2010-05-01, entry_into_force_note: "the depositary gives 1 May", source: "https://example.org/nz"}
  - state: US
    signature: 2001-01-10
    ratification: 2003-02-10
    entry_into_force: 2003-06-01
    denunciation: 2020-01-15
    withdrawal: 2020-07-16
    note: denounced
    reservations:
      - article: "16"
        kind: reservation
        effect: not_legal_basis_for_extradition
        text: "The United States does not take the Convention as the legal basis for extradition."
        date: 2003-02-10
        verified: true
        read: 2026-01-15
        source: https://example.org/zz-conv/us
""",
    'instruments/ZZ-PROT.yaml': """\
id: ZZ-PROT
title: Additional Protocol to the Test Convention
kind: multilateral_treaty
organisation: CoE
order: 21
scope: [extradition]
supplements: ZZ-CONV
adopted: 2005-03-01
entry_into_force: 2006-01-01
source: https://example.org/zz-prot
verified: false
citations: {extradition: "Additional Protocol Art 1"}
entry_into_force_rule: {days_after_deposit: 30}
parties:
  - {state: AT, ratification: 2005-11-01, entry_into_force: 2006-01-01}
  - {state: BE, ratification: 2007-02-01}
""",
    'instruments/ZZ-EU.yaml': """\
id: ZZ-EU
title: Council Framework Decision on a test warrant
short_title: Test warrant FD
kind: eu_act
organisation: EU
order: 1
scope: [extradition, mla]
adopted: 2002-06-13
entry_into_force: 2004-01-01
source: https://eur-lex.europa.eu/eli/dec_framw/2002/584/oj
read: 2026-01-15
verified: true
citations: {extradition: "FD Art 1", mla: "FD Art 2"}
replaces: {extradition: [ZZ-CONV, ZZ-PROT]}
replaces_bilateral: [extradition]
replaces_all: [mla]
replaces_citation: "FD Art 31"
parties:
  - {state: AT, ratification: 2004-05-01, entry_into_force: 2004-05-01}
  - {state: BE, signature: 2005-01-01, ratification: 2004-01-01, entry_into_force: 2004-01-01}
  - {state: FR, entry_into_force: 2004-01-01, withdrawal: 2030-01-01, verified: true, read: 2026-01-15}
""",
    'instruments/ZZ-AGR.yaml': """\
id: ZZ-AGR
title: Agreement between the Union and the United States on test extradition
kind: bilateral_treaty
eu_agreement: true
organisation: EU
scope: [extradition]
supplements_bilateral: true
adopted: 2003-06-25
entry_into_force: 2010-02-01
source: https://example.org/zz-agr
verified: false
citations: {extradition: "Agreement Art 3"}
third_states: [US]
parties:
  - {state: AT, entry_into_force: 2010-02-01}
  - {state: BE, entry_into_force: 2010-02-01}
  - {state: US, entry_into_force: 2010-02-01}
""",
    'instruments/ZZ-STAT.yaml': """\
id: ZZ-STAT
title: Test Extradition Act 1999
short_title: Test Act
kind: domestic_statute
state: NZ
order: 93
rank: 4.8
scope: [extradition]
adopted: 1999-05-20
entry_into_force: 1999-09-01
source: https://example.org/zz-stat
verified: false
citations: {extradition: "Test Act Part 3"}
ad_hoc_route: "s 60 case by case"
conventions_as_basis: false
conventions_citation: "Test Act s 11"
parties: [{state: NZ, entry_into_force: 1999-09-01}]
categories:
  part4_country:
    label: "Part 4 country"
    states: [AU]
    source: "https://example.org/zz-stat/s40"
    verified: true
  commonwealth_country:
    states: [GB, {state: GA, from: 2022-06-25}, {state: ZW, until: 2003-12-07}, {state: FJ, from: 1990-01-01, until: 2000-01-01}]
""",
    'instruments/bilateral.yaml': """\
instruments:
  - id: "bilateral:AT-US:1998"
    title: Extradition Treaty between Austria and the United States
    kind: bilateral_treaty
    scope: [extradition]
    adopted: 1998-01-08
    entry_into_force: 2000-01-01
    source: https://example.org/at-us
    read: 2026-01-15
    verified: true
    grounds:
      - {code: own_national, effect: optional, article: "3", text: "Nationals may be refused."}
  - id: "bilateral:BE-US:1987"
    title: Extradition Treaty between Belgium and the United States
    kind: bilateral_treaty
    scope: [extradition, mla]
    citations: {mla: "Treaty Art 20"}
    adopted: 1987-04-27
    entry_into_force: 1997-09-01
    terminated: 2010-02-01
    source: https://example.org/be-us
    verified: false
  - id: "bilateral:BE-NZ:2001"
    title: Treaty on mutual assistance between Belgium and New Zealand
    kind: bilateral_treaty
    scope: [mla]
    adopted: 2001-03-01
    source: https://example.org/be-nz
    verified: false
    parties:
      - {state: BE, signature: 2001-03-01, ratification: 2002-01-10, entry_into_force: 2002-02-01}
      - {state: NZ, signature: 2001-03-01, ratification: 2002-01-12, entry_into_force: 2002-02-01}
""",
    'parameters/zz.yaml': """\
zz.limit_days:
  description: A test period
  reference: Test Convention Art 9
  source: https://example.org/zz-conv
  read: 2026-01-15
  unit: day
  verified: true
  values:
    2002-03-01: 18
zz.extension_days:
  description: An extension
  reference: Test Convention Art 10
  unit: day
  verified: false
  values:
    2002-03-01: 10
    2015-01-01: {value: 20, reference: "Amending Protocol Art 2", verified: true, source: "https://example.org/amend", read: 2026-01-15}
""",
    'clocks.yaml': """\
clocks:
  - code: zz_request_due
    instrument: ZZ-CONV
    kind: extradition
    start_event: provisional_arrest
    parameter: zz.limit_days
    add_parameter: zz.extension_days
    unit: days
    day_type: business
    roll_forward: true
    alternative_to: [arrest]
    citation: "Test Convention Art 9"
    source: https://example.org/zz-conv
    read: 2026-01-15
    verified: true
    note: a note
    verification_note: read in the Official Journal
  - code: zz_months
    instrument: ZZ-EU
    kind: extradition
    start_event: arrest
    parameter: zz.extension_days
    unit: months
    citation: "FD Art 17"
    source: "Official Journal"
    verified: false
""",
    'interpol_members.yaml': """\
source: https://www.interpol.int/en/Who-we-are/Member-countries
verified: false
note: test list
members: [AT, BE, US, NZ]
""",
    'version.yaml': """\
version: "2026.01.15"
refreshed: 2026-01-15
note: test data
""",
    'profiles/AT.yaml': """\
state: AT
name: Austria
notes: test profile
extradition_basis: {value: treaty_or_reciprocity, source: "https://example.org/arhg", read: 2026-01-15, verified: true}
death_penalty: {value: abolitionist_all, source: "https://example.org/dp", as_of: 1968-02-07, verified: false}
eu_member: {value: true, source: "https://example.org/eu", since: 1995-01-01, verified: false}
languages_accepted: {value: [de, en], source: "https://example.org/lang", verified: false}
central_authority: {value: null, verified: false, note: not recorded}
extradites_nationals:
  bar: constitutional
  article: "ARHG s 12"
  source: "https://example.org/arhg12"
  read: 2026-01-15
  verified: true
  exceptions:
    - {kind: eu_surrender, article: "EU-JZG s 5", states: [BE, FR]}
    - {kind: naturalised, article: "s 12(2)", offences: [drug_trafficking]}
    - {kind: offences, article: "s 12(3)", offences: [terrorism], conditions: "with consent", note: "n"}
""",
    'profiles/US.yaml': """\
state: US
name: United States
extradition_basis: {value: treaty_only, source: "18 U.S.C. 3181", verified: false}
coe_member:
  source: "https://example.org/coe"
  read: 2026-01-15
  verified: true
  history:
    - {value: false}
    - {from: 2020-01-01, value: true, note: "joined"}
    - {from: 2022-03-16, value: false, source: "https://example.org/coe/left"}
interpol_member: {value: true, source: "https://example.org/ip", verified: false, states: [AT, BE]}
extradites_nationals: {bar: none, source: "https://example.org/none", verified: false}
""",
}


def build(target: Path) -> Path:
    target.mkdir(parents=True)
    shutil.copytree(FROZEN / "offences", target / "offences")
    for rel, text in BASE.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target


def change(data_dir: Path, rel: str, old: str | None, new: str | bytes | None) -> None:
    """Replace ``old`` by ``new`` once in ``rel``; ``old`` None: write ``new`` as the whole file; ``new`` None:
    delete the file."""
    path = data_dir / rel
    if new is None:
        path.unlink()
    elif old is None:
        path.write_bytes(new) if isinstance(new, bytes) else path.write_text(new, encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {rel}"
        path.write_text(text.replace(old, new), encoding="utf-8")


def problems(data_dir: Path) -> list[tuple]:
    try:
        compile_law(data_dir)
    except DataError as exc:
        return [(e["file"], e["line"], e["field"], e["reason"]) for e in exc.problems]
    return []


def test_the_base_data_set_is_valid(tmp_path):
    law = compile_law(build(tmp_path / "data"))
    assert set(law.instruments) == {"ZZ-CONV", "ZZ-PROT", "ZZ-EU", "ZZ-AGR", "ZZ-STAT", "bilateral:AT-US:1998",
                                    "bilateral:BE-US:1987", "bilateral:BE-NZ:2001"}
    kr = law.instruments["ZZ-CONV"].parties["KR"]
    assert kr.entry_into_force == dt.date(2012, 1, 1) and kr.entry_into_force_derived  # 3 months, then the 1st
    assert law.instruments["bilateral:BE-US:1987"].parties["US"].withdrawal == dt.date(2010, 2, 1)
    assert law.instruments["ZZ-STAT"].category_windows["commonwealth_country"]["FJ"] == (
        dt.date(1990, 1, 1), dt.date(2000, 1, 1))
    assert [f.value for f in law.profiles["US"].history("coe_member")] == [False, True, False]
    assert law.profiles["AT"].value("extradites_nationals").exception("naturalised").offences == ("drug_trafficking",)
    assert law.parameters["zz.extension_days"].at(dt.date(2016, 1, 1)).value == 20


CLR = "  - {state: CL, signature: 2002-02-02}"

#: (name, file, text replaced, replacement, the problems reported: (file, line, field, reason))
CASES = [
    ('yaml syntax', C, CLR, '  - {state: CL, signature: [2002-02-02}', [
        (C, 37, '', "YAML syntax: did not find expected ',' or ']'"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('duplicate yaml key', P, 'order: 21\n', 'order: 21\norder: 22\n', [
        (P, 6, '', "YAML syntax: duplicate key 'order'"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('not utf-8', P, None, b'id: ZZ-PROT\ntitle: \xff\xfe\n', [
        (P, 0, '', 'not UTF-8'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('clocks file missing', CL, '', None, [
        (CL, 0, '', 'file missing'),
    ]),
    ('instruments not a list', B, 'instruments:\n', 'instruments: {a: 1}\nx:\n', [
        (B, 1, 'instruments', 'must be a list'),
    ]),
    # line 0 before the split: now the line of the list item
    ('instrument not a mapping', B, '  - id: "bilateral:BE-NZ:2001"', '  - just text\n  - id: "bilateral:BE-NZ:2001"', [
        (B, 23, 'instruments[2].', 'must be a mapping'),
    ]),
    ('id missing', P, 'id: ZZ-PROT\n', '', [
        (P, 1, 'id', 'missing'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('id bad characters', P, 'id: ZZ-PROT', 'id: ZZ PROT!', [
        (P, 1, 'ZZ PROT!.id', 'invalid characters'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('id not text', P, 'id: ZZ-PROT', 'id: 12', [
        (P, 1, 'id', 'must be a non-empty string'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('title empty', P, 'title: Additional Protocol to the Test Convention', "title: ''", [
        (P, 2, 'ZZ-PROT.title', 'must be a non-empty string'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('kind unknown', E, 'kind: eu_act', 'kind: regulation', [
        (E, 4, 'ZZ-EU.kind', 'must be one of multilateral_treaty, eu_act, bilateral_treaty, domestic_statute'),
        (E, 20, 'ZZ-EU.parties[1].ratification', 'before signature'),
        (E, 20, 'ZZ-EU.parties[1].entry_into_force', 'before signature'),
    ]),
    ('scope unknown', P, 'scope: [extradition]', 'scope: [extradition, teleport]', [
        (P, 6, 'ZZ-PROT.scope', "must be a non-empty subset of ('extradition', 'mla', 'transfer', 'asset_recovery', 'notices')"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('scope empty', P, 'scope: [extradition]', 'scope: []', [
        (P, 6, 'ZZ-PROT.scope', "must be a non-empty subset of ('extradition', 'mla', 'transfer', 'asset_recovery', 'notices')"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('scope text', P, 'scope: [extradition]', 'scope: extradition', [
        (P, 6, 'ZZ-PROT.scope', "must be a non-empty subset of ('extradition', 'mla', 'transfer', 'asset_recovery', 'notices')"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('source missing', P, 'source: https://example.org/zz-prot\n', '', [
        (P, 1, 'ZZ-PROT.source', 'missing'),
        (P, 14, 'ZZ-PROT.parties[0].source', 'missing (and no parties_source on the instrument)'),
        (P, 15, 'ZZ-PROT.parties[1].source', 'missing (and no parties_source on the instrument)'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('verified not boolean', P, 'verified: false\n', 'verified: maybe\n', [
        (P, 11, 'ZZ-PROT.verified', 'missing or not true/false'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('adopted missing', P, 'adopted: 2005-03-01\n', '', [
        (P, 1, 'ZZ-PROT.adopted', 'missing'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('adopted impossible', P, 'adopted: 2005-03-01', 'adopted: 2005-02-30', [
        (P, 8, 'ZZ-PROT.adopted', "not a date (YYYY-MM-DD): '2005-02-30'"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('eif before adoption', P, 'entry_into_force: 2006-01-01\nsource', 'entry_into_force: 2004-01-01\nsource', [
        (P, 9, 'ZZ-PROT.entry_into_force', 'before adoption'),
        (P, 15, 'ZZ-PROT.parties[0].entry_into_force', "the treaty's rule (30 days from deposit) gives 2005-12-01 for a deposit on 2005-11-01; explain a different date in entry_into_force_note"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('bilateral id format', B, '"bilateral:AT-US:1998"', '"bilateral:AT-USA:1998"', [
        (B, 2, 'bilateral:AT-USA:1998.id', 'bilateral ids are bilateral:<A>-<B>:<year>'),
        (B, 2, 'bilateral:AT-USA:1998.parties', 'missing list of parties'),
    ]),
    ('bilateral id order', B, '"bilateral:AT-US:1998"', '"bilateral:US-AT:1998"', [
        (B, 2, 'bilateral:US-AT:1998.id', 'the two ISO codes must be in alphabetical order'),
    ]),
    ('bilateral id year', B, '"bilateral:AT-US:1998"', '"bilateral:AT-US:1999"', [
        (B, 2, 'bilateral:AT-US:1999.id', 'year differs from adopted date 1998-01-08'),
    ]),
    ('bilateral third party', B, '      - {state: NZ, signature: 2001-03-01,', '      - {state: AT}\n      - {state: NZ, signature: 2001-03-01,', [
        (B, 30, 'bilateral:BE-NZ:2001.parties', 'must be exactly the two states of the id'),
    ]),
    ('citations not mapping', P, 'citations: {extradition: "Additional Protocol Art 1"}', 'citations: [x]', [
        (P, 12, 'ZZ-PROT.citations', 'must map scope -> citation text'),
        (P, 12, 'ZZ-PROT.citations.extradition', 'missing citation for scope'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('citation unknown scope', P, 'citations: {extradition: "Additional Protocol Art 1"}', 'citations: {extradition: "x", teleport: "y"}', [
        (P, 12, 'ZZ-PROT.citations', 'must map scope -> citation text'),
        (P, 12, 'ZZ-PROT.citations.extradition', 'missing citation for scope'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('citation missing for scope', P, 'scope: [extradition]', 'scope: [extradition, mla]', [
        (P, 12, 'ZZ-PROT.citations.mla', 'missing citation for scope'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('article not mapping', C, '  - {number: "1",', '  - just text\n  - {number: "1",', [
        (C, 22, 'ZZ-CONV.articles[0].', 'must be a mapping'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('article number missing', C, '{number: "1", heading', '{heading', [
        (C, 22, 'ZZ-CONV.articles[0].number', 'missing'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('article heading missing', C, 'heading: Obligation to extradite, ', '', [
        (C, 22, 'ZZ-CONV.articles[0].heading', 'missing'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('article verified without url', C, 'verified: false, source: "Official Journal p. 3"}', 'verified: true, source: "Official Journal p. 3"}', [
        (C, 23, 'ZZ-CONV.articles[1].source', 'verified: true needs the URL of what was read'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('article read impossible', C, 'paraphrase: "The Parties extradite.", verified: true}', 'paraphrase: "The Parties extradite.", verified: true, read: 2026-02-30}', [
        (C, 22, 'ZZ-CONV.articles[0].read', "not a date (YYYY-MM-DD): '2026-02-30'"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('article verified without read', C, 'read: 2026-01-15\nverified: true\ncitations', 'verified: true\ncitations', [
        (C, 21, 'ZZ-CONV.articles[0].read', 'verified: true needs the date it was read (read:)'),
        (C, 11, 'ZZ-CONV.read', 'verified: true needs the date it was read (read:)'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('eif rule both', P, '{days_after_deposit: 30}', '{days_after_deposit: 30, first_day_of_month_after_months: 3}', [
        (P, 13, 'ZZ-PROT.entry_into_force_rule', 'bad rule'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('eif rule text', P, '{days_after_deposit: 30}', 'thirty days', [
        (P, 13, 'ZZ-PROT.entry_into_force_rule', 'bad rule'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('parties missing', P, 'parties:\n  - {state: AT, ratification: 2005-11-01, entry_into_force: 2006-01-01}\n  - {state: BE, ratification: 2007-02-01}\n', '', [
        (P, 1, 'ZZ-PROT.parties', 'missing list of parties'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('parties mapping', P, 'parties:\n  - {state: AT', 'parties:\n  x: {state: AT', [
        (P, 16, '', 'YAML syntax: did not find expected key'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('duplicate party', C, '  - {state: CL, signature: 2002-02-02}\n', '  - {state: CL, signature: 2002-02-02}\n  - {state: AT}\n', [
        (C, 38, 'ZZ-CONV.parties[4].state', 'duplicate party AT'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('replaces unknown scope', E, 'replaces: {extradition: [ZZ-CONV, ZZ-PROT]}', 'replaces: {teleport: [ZZ-CONV]}', [
        (E, 14, 'ZZ-EU.replaces.teleport', 'must map scope -> list of ids'),
    ]),
    ('replaces not list', E, 'replaces: {extradition: [ZZ-CONV, ZZ-PROT]}', 'replaces: {extradition: ZZ-CONV}', [
        (E, 14, 'ZZ-EU.replaces.extradition', 'must map scope -> list of ids'),
    ]),
    ('replaces unknown instrument', E, '[ZZ-CONV, ZZ-PROT]', '[ZZ-CONV, CETS-999]', [
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'CETS-999'"),
    ]),
    ('supplements unknown', P, 'supplements: ZZ-CONV', 'supplements: CETS-999', [
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'CETS-999'"),
    ]),
    ('protocol party not in convention', P, '  - {state: BE, ratification: 2007-02-01}', '  - {state: BE, ratification: 2007-02-01}\n  - {state: DE}', [
        (P, 0, 'ZZ-PROT.parties.DE', 'not a party to ZZ-CONV'),
    ]),
    ('duplicate instrument id', P, 'id: ZZ-PROT', 'id: ZZ-CONV', [
        (P, 1, 'ZZ-CONV.id', 'duplicate id (also in instruments/ZZ-CONV.yaml)'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('domestic state unknown', S, 'state: NZ\norder', 'state: XX\norder', [
        (S, 5, 'ZZ-STAT.state', "not an ISO 3166-1 alpha-2 code: 'XX'"),
    ]),
    ('category not mapping', S, 'part4_country:\n    label: "Part 4 country"\n    states: [AU]', 'part4_country: [AU]\n  other:\n    states: [AU]', [
        (S, 19, 'ZZ-STAT.categories.part4_country', 'needs states: [...]'),
    ]),
    ('category without states', S, '    states: [AU]\n', '    members: [AU]\n', [
        (S, 19, 'ZZ-STAT.categories.part4_country', 'needs states: [...]'),
    ]),
    ('category state dict unknown', S, '{state: GA, from: 2022-06-25}', '{state: QQ, from: 2022-06-25}', [
        (S, 25, 'ZZ-STAT.categories.commonwealth_country.states[1]', "not an ISO 3166-1 alpha-2 code: 'QQ'"),
    ]),
    ('category window bad date', S, '{state: GA, from: 2022-06-25}', '{state: GA, from: 2022-06-31}', [
        (S, 25, 'ZZ-STAT.categories.commonwealth_country.states[1].from', "not a date (YYYY-MM-DD): '2022-06-31'"),
    ]),
    ('category window not ordered', S, '{state: FJ, from: 1990-01-01, until: 2000-01-01}', '{state: FJ, from: 2000-01-01, until: 2000-01-01}', [
        (S, 25, 'ZZ-STAT.categories.commonwealth_country.states[3].until', 'not after from'),
    ]),
    ('category plain unknown', S, 'states: [GB,', 'states: [XX,', [
        (S, 25, 'ZZ-STAT.categories.commonwealth_country.states[0]', "not an ISO 3166-1 alpha-2 code: 'XX'"),
    ]),
    ('category duplicate state', S, 'states: [GB,', 'states: [GB, GB,', [
        (S, 24, 'ZZ-STAT.categories.commonwealth_country.states', 'duplicate state'),
    ]),
    ('category verified text', S, '    verified: true\n  commonwealth', '    verified: yes please\n  commonwealth', [
        (S, 23, 'ZZ-STAT.categories.part4_country.verified', 'not true/false'),
    ]),
    ('conventions_as_basis text', S, 'conventions_as_basis: false', 'conventions_as_basis: sometimes', [
        (S, 15, 'ZZ-STAT.conventions_as_basis', 'true | false | null'),
    ]),
    ('third state unknown', A, 'third_states: [US]', 'third_states: [XX]', [
        (A, 13, 'ZZ-AGR.third_states[0]', "not an ISO 3166-1 alpha-2 code: 'XX'"),
        (A, 13, 'ZZ-AGR.third_states[0]', 'must also be listed as a party'),
    ]),
    ('third state not party', A, 'third_states: [US]', 'third_states: [US, CA]', [
        (A, 13, 'ZZ-AGR.third_states[1]', 'must also be listed as a party'),
    ]),
    ('third_state singular', A, 'third_states: [US]', 'third_state: US', [
    ]),
    ('ground not mapping', C, 'grounds:\n  - {code: own_national', 'grounds:\n  - text\n  - {code: own_national', [
        (C, 26, 'ZZ-CONV.grounds[0].', 'must be a mapping'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('ground code missing', C, '{code: political_offence, ', '{', [
        (C, 27, 'ZZ-CONV.grounds[1].code', 'missing'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('ground effect unknown', C, 'effect: mandatory', 'effect: sometimes', [
        (C, 27, 'ZZ-CONV.grounds[1].effect', 'must be one of mandatory, optional, not_a_ground'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('ground article and text missing', C, 'article: "3", text: "Political offences.", ', '', [
        (C, 27, 'ZZ-CONV.grounds[1].article', 'missing'),
        (C, 27, 'ZZ-CONV.grounds[1].text', 'missing'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('ground verified text', C, 'cured_by: "Art 1 of the Protocol"}', 'cured_by: "Art 1 of the Protocol", verified: maybe}', [
        (C, 27, 'ZZ-CONV.grounds[1].verified', 'missing or not true/false'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('ground verified without url', C, 'verified: true, source: "https://example.org/zz-conv/art6", read: 2026-01-15}', 'verified: true, source: "Official Journal", read: 2026-01-15}', [
        (C, 26, 'ZZ-CONV.grounds[0].source', 'verified: true needs the URL of what was read'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('ground duplicate', C, '{code: political_offence,', '{code: own_national,', [
        (C, 27, 'ZZ-CONV.grounds[1].code', 'duplicate ground own_national'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('instrument read in future', E, 'read: 2026-01-15\nverified: true\ncitations', 'read: 2999-01-01\nverified: true\ncitations', [
        (E, 19, 'ZZ-EU.parties[0].read', 'in the future: 2999-01-01'),
        (E, 20, 'ZZ-EU.parties[1].read', 'in the future: 2999-01-01'),
        (E, 11, 'ZZ-EU.read', 'in the future: 2999-01-01'),
    ]),
    ('instrument verified without url', E, 'source: https://eur-lex.europa.eu/eli/dec_framw/2002/584/oj', 'source: Official Journal L 190', [
        (E, 19, 'ZZ-EU.parties[0].source', 'verified: true needs the URL of what was read'),
        (E, 20, 'ZZ-EU.parties[1].source', 'verified: true needs the URL of what was read'),
        (E, 21, 'ZZ-EU.parties[2].source', 'verified: true needs the URL of what was read'),
        (E, 12, 'ZZ-EU.source', 'verified: true needs the URL of what was read'),
    ]),
    # reported twice before the split (the instrument's read date was read once more for its parties)
    ('instrument read impossible', E, 'read: 2026-01-15\nverified: true\ncitations', 'read: 2026-13-01\nverified: true\ncitations', [
        (E, 11, 'ZZ-EU.read', "not a date (YYYY-MM-DD): '2026-13-01'"),
        (E, 19, 'ZZ-EU.parties[0].read', 'verified: true needs the date it was read (read:)'),
        (E, 20, 'ZZ-EU.parties[1].read', 'verified: true needs the date it was read (read:)'),
        (E, 12, 'ZZ-EU.read', 'verified: true needs the date it was read (read:)'),
    ]),
    ('rank text', S, 'rank: 4.8', 'rank: high', [
        (S, 7, 'ZZ-STAT.rank', 'must be a number'),
    ]),
    ('order', S, 'order: 93', 'order: 7', [
    ]),
    # line 0 before the split: now the line of the row
    ('party not mapping', C, CLR, '  - CL', [
        (C, 37, 'ZZ-CONV.parties[3].', 'party must be a mapping'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('party state unknown', C, '{state: CL,', '{state: XX,', [
        (C, 37, 'ZZ-CONV.parties[3].state', "not an ISO 3166-1 alpha-2 code: 'XX'"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('party state missing', C, '{state: CL, ', '{', [
        (C, 37, 'ZZ-CONV.parties[3].state', 'not an ISO 3166-1 alpha-2 code: None'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('party field read as a number', C, '{state: CL, signature: 2002-02-02}', '{state: CL, signature: 2002-02-02, 2001: x}', [
        (C, 37, 'ZZ-CONV.parties[3].2001', 'unknown field'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('instrument key read as a number', P, 'order: 21', 'order: 21\n2001: x', [
    ]),
    ('profile key read as a number', AT, 'name: Austria', 'name: Austria\n2001: {value: 1, source: x, verified: false}', [
    ]),
    ('party unknown field', C, '{state: AT, signature', '{state: AT, ratifcation: 2001-11-20, signature', [
        (C, 33, 'ZZ-CONV.parties[0].ratifcation', 'unknown field'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('party signature impossible', C, '{state: CL, signature: 2002-02-02}', '{state: CL, signature: 2002-02-29}', [
        (C, 37, 'ZZ-CONV.parties[3].signature', "not a date (YYYY-MM-DD): '2002-02-29'"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('party two deposits', C, '{state: KR, accession: 2011-09-29,', '{state: KR, accession: 2011-09-29, ratification: 2011-09-29,', [
        (C, 35, 'ZZ-CONV.parties[2].accession', 'one instrument deposited per row: also ratification'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('party deposit impossible', C, 'ratification: 2001-11-20', 'ratification: 2001-13-20', [
        (C, 33, 'ZZ-CONV.parties[0].ratification', "not a date (YYYY-MM-DD): '2001-13-20'"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('party eif impossible', C, 'entry_into_force: 2004-09-01', 'entry_into_force: 2004-09-31', [
        (C, 34, 'ZZ-CONV.parties[1].entry_into_force', "not a date (YYYY-MM-DD): '2004-09-31'"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('party denunciation impossible', C, 'denunciation: 2020-01-15', 'denunciation: 2020-01-45', [
        (C, 43, 'ZZ-CONV.parties[5].denunciation', "not a date (YYYY-MM-DD): '2020-01-45'"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('party withdrawal impossible', C, 'withdrawal: 2020-07-16', 'withdrawal: 2020-07-46', [
        (C, 44, 'ZZ-CONV.parties[5].withdrawal', "not a date (YYYY-MM-DD): '2020-07-46'"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('ratification before signature', C, '{state: AT, signature: 2001-01-10,', '{state: AT, signature: 2001-12-10,', [
        (C, 33, 'ZZ-CONV.parties[0].ratification', 'before signature'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('eif before deposit', C, 'ratification: 2004-05-31, entry_into_force: 2004-09-01', 'ratification: 2004-05-31, entry_into_force: 2004-05-01', [
        (C, 34, 'ZZ-CONV.parties[1].entry_into_force', 'before the ratification'),
        (C, 34, 'ZZ-CONV.parties[1].entry_into_force', "the treaty's rule (first day of the month after 3 months from deposit) gives 2004-09-01 for a deposit on 2004-05-31; explain a different date in entry_into_force_note"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('eif before signature', C, '{state: CL, signature: 2002-02-02}', '{state: CL, signature: 2002-04-02, entry_into_force: 2002-03-01}', [
        (C, 37, 'ZZ-CONV.parties[3].entry_into_force', 'before signature'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('eif before instrument', C, '{state: CL, signature: 2002-02-02}', '{state: CL, entry_into_force: 2002-01-01}', [
        (C, 37, 'ZZ-CONV.parties[3].entry_into_force', "before the instrument's own entry into force (2002-03-01)"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('month rule mismatch', C, 'entry_into_force: 2004-09-01', 'entry_into_force: 2004-09-02', [
        (C, 34, 'ZZ-CONV.parties[1].entry_into_force', "the treaty's rule (first day of the month after 3 months from deposit) gives 2004-09-01 for a deposit on 2004-05-31; explain a different date in entry_into_force_note"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('month rule explained', C, 'entry_into_force: 2004-09-01, verified: true}', 'entry_into_force: 2004-10-01, entry_into_force_note: "declared", verified: true}', [
    ]),
    ('day rule one day', P, '{state: BE, ratification: 2007-02-01}', '{state: BE, ratification: 2007-02-01, entry_into_force: 2007-03-04}', [
    ]),
    ('day rule two days', P, '{state: BE, ratification: 2007-02-01}', '{state: BE, ratification: 2007-02-01, entry_into_force: 2007-03-05}', [
        (P, 16, 'ZZ-PROT.parties[1].entry_into_force', "the treaty's rule (30 days from deposit) gives 2007-03-03 for a deposit on 2007-02-01; explain a different date in entry_into_force_note"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-PROT'"),
    ]),
    ('succession before eif', P, '{state: BE, ratification: 2007-02-01}', '{state: BE, succession: 2007-02-01, entry_into_force: 2005-12-01}', [
    ]),
    ('deposit kind deposit', P, '{state: BE, ratification: 2007-02-01}', '{state: BE, deposit: 2007-02-01}', [
    ]),
    ('eu act dates not checked', E, '{state: AT, ratification: 2004-05-01, entry_into_force: 2004-05-01}', '{state: AT, signature: 2005-01-01, ratification: 2004-05-01, entry_into_force: 2003-05-01}', [
        (E, 19, 'ZZ-EU.parties[0].entry_into_force', 'before the ratification'),
    ]),
    ('withdrawal not after eif', C, 'withdrawal: 2020-07-16', 'withdrawal: 2003-06-01', [
        (C, 44, 'ZZ-CONV.parties[5].withdrawal', 'not after entry into force'),
        (C, 44, 'ZZ-CONV.parties[5].withdrawal', 'before the denunciation was notified'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('withdrawal before denunciation', C, 'withdrawal: 2020-07-16', 'withdrawal: 2020-01-14', [
        (C, 44, 'ZZ-CONV.parties[5].withdrawal', 'before the denunciation was notified'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('denunciation before deposit', C, 'denunciation: 2020-01-15', 'denunciation: 2003-01-15', [
        (C, 43, 'ZZ-CONV.parties[5].denunciation', 'before the ratification'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('party source missing', C, 'parties_source: https://example.org/zz-conv/chart\n', '', [
    ]),
    ('party source empty', C, 'source: "https://example.org/nz"}', 'source: ""}', [
        (C, 38, 'ZZ-CONV.parties[4].source', 'missing (and no parties_source on the instrument)'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('party verified text', C, '{state: CL, signature: 2002-02-02}', '{state: CL, signature: 2002-02-02, verified: 1}', [
        (C, 37, 'ZZ-CONV.parties[3].verified', 'missing or not true/false'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('parties_verified text', C, 'parties_verified: false', 'parties_verified: no idea', [
        (C, 37, 'ZZ-CONV.parties[3].verified', 'missing or not true/false'),
        (C, 38, 'ZZ-CONV.parties[4].verified', 'missing or not true/false'),
        (C, 39, 'ZZ-CONV.parties[5].verified', 'missing or not true/false'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('party read impossible', C, '{state: CL, signature: 2002-02-02}', '{state: CL, signature: 2002-02-02, read: 2026-02-30}', [
        (C, 37, 'ZZ-CONV.parties[3].read', "not a date (YYYY-MM-DD): '2026-02-30'"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('party verified without read', C, 'parties_read: 2026-01-15\n', '', [
        (C, 32, 'ZZ-CONV.parties[0].read', 'verified: true needs the date it was read (read:)'),
        (C, 33, 'ZZ-CONV.parties[1].read', 'verified: true needs the date it was read (read:)'),
        (C, 34, 'ZZ-CONV.parties[2].read', 'verified: true needs the date it was read (read:)'),
        (C, 35, 'ZZ-CONV.parties[2].reservations[0].read', 'verified: true needs the date it was read (read:)'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('party verified without url', C, '{state: CL, signature: 2002-02-02}', '{state: CL, signature: 2002-02-02, verified: true, source: "Treaty Office chart"}', [
        (C, 37, 'ZZ-CONV.parties[3].source', 'verified: true needs the URL of what was read'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('parties_read impossible', C, 'parties_read: 2026-01-15', 'parties_read: 2026-01-32', [
        (C, 29, 'ZZ-CONV.parties_read', "not a date (YYYY-MM-DD): '2026-01-32'"),
        (C, 33, 'ZZ-CONV.parties[0].read', 'verified: true needs the date it was read (read:)'),
        (C, 34, 'ZZ-CONV.parties[1].read', 'verified: true needs the date it was read (read:)'),
        (C, 35, 'ZZ-CONV.parties[2].read', 'verified: true needs the date it was read (read:)'),
        (C, 36, 'ZZ-CONV.parties[2].reservations[0].read', 'verified: true needs the date it was read (read:)'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('parties_as_of impossible', C, 'parties_as_of: 2026-01-01', 'parties_as_of: 2026-00-01', [
        (C, 30, 'ZZ-CONV.parties_as_of', "not a date (YYYY-MM-DD): '2026-00-01'"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('reservation not mapping', C, 'reservations: [{article: "5"', 'reservations: [text, {article: "5"', [
        (C, 36, 'ZZ-CONV.parties[2].reservations[0].', 'must be a mapping'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('reservation effect unknown', C, 'effect: search_seizure_conditions', 'effect: maybe_later', [
        (C, 36, 'ZZ-CONV.parties[2].reservations[0].effect', 'must be one of refuses_nationals, nationals_definition, search_seizure_conditions, legal_basis_for_extradition, not_legal_basis_for_extradition, limits_scope, other'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('reservation kind unknown', C, 'kind: declaration, effect', 'kind: wish, effect', [
        (C, 36, 'ZZ-CONV.parties[2].reservations[0].kind', 'reservation | declaration | notification'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('reservation verified text', C, '        verified: true\n        read: 2026-01-15\n        source: https://example.org/zz-conv/us', '        verified: sure\n        read: 2026-01-15\n        source: https://example.org/zz-conv/us', [
        (C, 52, 'ZZ-CONV.parties[5].reservations[0].verified', 'not true/false'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('reservation article missing', C, '{article: "5", kind', '{kind', [
        (C, 36, 'ZZ-CONV.parties[2].reservations[0].article', 'missing'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('reservation text missing', C, 'text: "Dual criminality.", ', '', [
        (C, 36, 'ZZ-CONV.parties[2].reservations[0].text', 'missing'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('reservation date impossible', C, '        date: 2003-02-10', '        date: 2003-02-31', [
        (C, 51, 'ZZ-CONV.parties[5].reservations[0].date', "not a date (YYYY-MM-DD): '2003-02-31'"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('reservation read impossible', C, '        read: 2026-01-15\n        source: https://example.org/zz-conv/us', '        read: 2026-01-99\n        source: https://example.org/zz-conv/us', [
        (C, 53, 'ZZ-CONV.parties[5].reservations[0].read', "not a date (YYYY-MM-DD): '2026-01-99'"),
        (C, 52, 'ZZ-CONV.parties[5].reservations[0].read', 'verified: true needs the date it was read (read:)'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('reservation verified without url', C, '        source: https://example.org/zz-conv/us', '        source: Council of Europe chart', [
        (C, 52, 'ZZ-CONV.parties[5].reservations[0].source', 'verified: true needs the URL of what was read'),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
    ('reservation verified without read', C, '        read: 2026-01-15\n        source: https://example.org/zz-conv/us', '        source: https://example.org/zz-conv/us', [
    ]),
    # the extension's parameter was reported as `.parameter` before the split
    ('parameter file a list', PAR, None, '- a\n- b\n', [
        (PAR, 1, '', 'a parameter file is a mapping of name -> parameter'),
        (CL, 0, 'zz_request_due.parameter', "unknown parameter 'zz.limit_days'"),
        (CL, 0, 'zz_request_due.add_parameter', "unknown parameter 'zz.extension_days'"),
        (CL, 0, 'zz_months.parameter', "unknown parameter 'zz.extension_days'"),
    ]),
    ('parameter not mapping', PAR, 'zz.extension_days:\n  description: An extension', 'zz.other: 12\nzz.extension_days:\n  description: An extension', [
        (PAR, 10, 'zz.other', 'must be a mapping'),
    ]),
    ('parameter duplicate across files', 'parameters/zz2.yaml', None, 'zz.limit_days:\n  description: d\n  reference: r\n  unit: day\n  verified: false\n  values: {2001-01-01: 1}\n', [
        ('parameters/zz2.yaml', 1, 'zz.limit_days', 'duplicate parameter (also in parameters/zz.yaml)'),
    ]),
    ('parameter description missing', PAR, '  description: A test period\n', '', [
        (PAR, 2, 'zz.limit_days.description', 'missing'),
    ]),
    ('parameter reference empty', PAR, '  reference: Test Convention Art 9', "  reference: ''", [
        (PAR, 3, 'zz.limit_days.reference', 'must be a non-empty string'),
    ]),
    ('parameter unit missing', PAR, '  unit: day\n  verified: false', '  verified: false', [
        (PAR, 11, 'zz.extension_days.unit', 'missing'),
    ]),
    ('parameter verified text', PAR, '  verified: false\n', '  verified: perhaps\n', [
        (PAR, 14, 'zz.extension_days.verified', 'missing or not true/false'),
    ]),
    ('parameter read impossible', PAR, '  read: 2026-01-15\n  unit', '  read: 2026-02-30\n  unit', [
        (PAR, 5, 'zz.limit_days.read', "not a date (YYYY-MM-DD): '2026-02-30'"),
        (PAR, 7, 'zz.limit_days.read', 'verified: true needs the date it was read (read:)'),
    ]),
    ('parameter values missing', PAR, '  values:\n    2002-03-01: 18\n', '', [
        (PAR, 2, 'zz.limit_days.values', 'must map dates to values'),
        (CL, 0, 'zz_request_due.parameter', "unknown parameter 'zz.limit_days'"),
    ]),
    ('parameter values empty', PAR, '  values:\n    2002-03-01: 18\n', '  values: {}\n', [
        (PAR, 8, 'zz.limit_days.values', 'must map dates to values'),
        (CL, 0, 'zz_request_due.parameter', "unknown parameter 'zz.limit_days'"),
    ]),
    ('parameter value key not a date', PAR, '    2002-03-01: 18\n', '    2002-02-30: 18\n', [
        (PAR, 9, 'zz.limit_days.values.2002-02-30', 'key is not a date'),
    ]),
    ('parameter dict value without value', PAR, '{value: 20, reference', '{reference', [
        (PAR, 17, 'zz.extension_days.values.2015-01-01.value', 'missing'),
    ]),
    ('parameter value verified without url', PAR, 'source: "https://example.org/amend"', 'source: "Official Journal"', [
        (PAR, 17, 'zz.extension_days.values.2015-01-01.source', 'verified: true needs the URL of what was read'),
    ]),
    ('parameter value read impossible', PAR, 'read: 2026-01-15}', 'read: 2026-01-35}', [
        (PAR, 17, 'zz.extension_days.values.2015-01-01.read', "not a date (YYYY-MM-DD): '2026-01-35'"),
        (PAR, 17, 'zz.extension_days.values.2015-01-01.read', 'verified: true needs the date it was read (read:)'),
    ]),
    ('parameter verified without read', PAR, '  read: 2026-01-15\n  unit', '  unit', [
        (PAR, 6, 'zz.limit_days.read', 'verified: true needs the date it was read (read:)'),
    ]),
    ('parameter verified without url', PAR, '  source: https://example.org/zz-conv\n', '', [
        (PAR, 6, 'zz.limit_days.source', 'verified: true needs the URL of what was read'),
    ]),
    ('clocks missing list', CL, 'clocks:\n', 'clock:\n', [
        (CL, 1, 'clocks', 'missing list'),
    ]),
    ('clock not mapping', CL, '  - code: zz_months', '  - text\n  - code: zz_months', [
        (CL, 18, 'clocks[1].', 'must be a mapping'),
    ]),
    ('clock code missing', CL, '  - code: zz_months\n    instrument', '  - instrument', [
        (CL, 18, 'clocks[1].code', 'missing'),
    ]),
    ('clock citation empty', CL, '    citation: "FD Art 17"', "    citation: ''", [
        (CL, 24, 'clocks[1].citation', 'must be a non-empty string'),
    ]),
    ('clock unit unknown', CL, '    unit: months', '    unit: weeks', [
        (CL, 23, 'clocks[1].unit', 'days | months'),
    ]),
    ('clock day type unknown', CL, '    day_type: business', '    day_type: lunar', [
        (CL, 9, 'clocks[0].day_type', 'calendar | business'),
    ]),
    ('clock verified text', CL, '    verified: false\n', '    verified: nope\n', [
        (CL, 26, 'clocks[1].verified', 'missing or not true/false'),
    ]),
    ('clock verified without read', CL, '    read: 2026-01-15\n', '', [
        (CL, 14, 'clocks[0].read', 'verified: true needs the date it was read (read:)'),
    ]),
    ('clock read impossible', CL, '    read: 2026-01-15\n', '    read: 2026-01-32\n', [
        (CL, 14, 'clocks[0].read', "not a date (YYYY-MM-DD): '2026-01-32'"),
        (CL, 15, 'clocks[0].read', 'verified: true needs the date it was read (read:)'),
    ]),
    ('clock unknown parameter', CL, '    parameter: zz.extension_days', '    parameter: zz.nothing', [
        (CL, 0, 'zz_months.parameter', "unknown parameter 'zz.nothing'"),
    ]),
    # reported as `zz_request_due.parameter` before the split
    ('clock unknown add_parameter', CL, '    add_parameter: zz.extension_days', '    add_parameter: zz.nothing', [
        (CL, 0, 'zz_request_due.add_parameter', "unknown parameter 'zz.nothing'"),
    ]),
    ('iccs bad code', CSV, '1,01,Acts leading to death or intending to cause death,', '1,1x,Acts leading to death or intending to cause death,', [
        (CSV, 2, 'value', "not an ICCS code: '1x'"),
    ]),
    ('iccs duplicate code', CSV, '1,02,Acts leading', '1,01,Acts leading', [
        (CSV, 3, 'value', 'duplicate ICCS code 01'),
    ]),
    ('iccs missing', CSV, '', None, [
        (CSV, 0, '', 'missing ICCS table'),
        (CAT, 11, 'eaw_art2_2.categories[0].iccs[0]', "unknown ICCS code '0905'"),
        (CAT, 12, 'eaw_art2_2.categories[1].iccs[0]', "unknown ICCS code '0906'"),
        (CAT, 13, 'eaw_art2_2.categories[2].iccs[0]', "unknown ICCS code '0204'"),
        (CAT, 14, 'eaw_art2_2.categories[3].iccs[0]', "unknown ICCS code '03022'"),
        (CAT, 15, 'eaw_art2_2.categories[4].iccs[0]', "unknown ICCS code '06012'"),
        (CAT, 16, 'eaw_art2_2.categories[5].iccs[0]', "unknown ICCS code '09012'"),
        (CAT, 17, 'eaw_art2_2.categories[6].iccs[0]', "unknown ICCS code '0703'"),
        (CAT, 18, 'eaw_art2_2.categories[7].iccs[0]', "unknown ICCS code '0701'"),
        (CAT, 19, 'eaw_art2_2.categories[8].iccs[0]', "unknown ICCS code '07041'"),
        (CAT, 20, 'eaw_art2_2.categories[9].iccs[0]', "unknown ICCS code '07021'"),
        (CAT, 21, 'eaw_art2_2.categories[10].iccs[0]', "unknown ICCS code '0903'"),
        (CAT, 22, 'eaw_art2_2.categories[11].iccs[0]', "unknown ICCS code '10'"),
        (CAT, 23, 'eaw_art2_2.categories[12].iccs[0]', "unknown ICCS code '08051'"),
        (CAT, 24, 'eaw_art2_2.categories[13].iccs[0]', "unknown ICCS code '0101'"),
        (CAT, 24, 'eaw_art2_2.categories[13].iccs[1]', "unknown ICCS code '0102'"),
        (CAT, 24, 'eaw_art2_2.categories[13].iccs[2]', "unknown ICCS code '02011'"),
        (CAT, 25, 'eaw_art2_2.categories[14].iccs[0]', "unknown ICCS code '02043'"),
        (CAT, 26, 'eaw_art2_2.categories[15].iccs[0]', "unknown ICCS code '0202'"),
        (CAT, 27, 'eaw_art2_2.categories[16].iccs[0]', "unknown ICCS code '0210'"),
        (CAT, 27, 'eaw_art2_2.categories[16].iccs[1]', "unknown ICCS code '08032'"),
        (CAT, 28, 'eaw_art2_2.categories[17].iccs[0]', "unknown ICCS code '0401'"),
        (CAT, 29, 'eaw_art2_2.categories[18].iccs[0]', "unknown ICCS code '07042'"),
        (CAT, 30, 'eaw_art2_2.categories[19].iccs[0]', "unknown ICCS code '07019'"),
        (CAT, 31, 'eaw_art2_2.categories[20].iccs[0]', "unknown ICCS code '02051'"),
        (CAT, 32, 'eaw_art2_2.categories[21].iccs[0]', "unknown ICCS code '07022'"),
        (CAT, 32, 'eaw_art2_2.categories[21].iccs[1]', "unknown ICCS code '0503'"),
        (CAT, 33, 'eaw_art2_2.categories[22].iccs[0]', "unknown ICCS code '07023'"),
        (CAT, 34, 'eaw_art2_2.categories[23].iccs[0]', "unknown ICCS code '07021'"),
        (CAT, 35, 'eaw_art2_2.categories[24].iccs[0]', "unknown ICCS code '06029'"),
        (CAT, 36, 'eaw_art2_2.categories[25].iccs[0]', "unknown ICCS code '0901'"),
        (CAT, 37, 'eaw_art2_2.categories[26].iccs[0]', "unknown ICCS code '05021'"),
        (CAT, 37, 'eaw_art2_2.categories[26].iccs[1]', "unknown ICCS code '07049'"),
        (CAT, 38, 'eaw_art2_2.categories[27].iccs[0]', "unknown ICCS code '03011'"),
        (CAT, 39, 'eaw_art2_2.categories[28].iccs[0]', "unknown ICCS code '0504'"),
        (CAT, 40, 'eaw_art2_2.categories[29].iccs[0]', "unknown ICCS code '11013'"),
        (CAT, 40, 'eaw_art2_2.categories[29].iccs[1]', "unknown ICCS code '11014'"),
        (CAT, 40, 'eaw_art2_2.categories[29].iccs[2]', "unknown ICCS code '11015'"),
        (CAT, 40, 'eaw_art2_2.categories[29].iccs[3]', "unknown ICCS code '11016'"),
        (CAT, 41, 'eaw_art2_2.categories[30].iccs[0]', "unknown ICCS code '0909'"),
        (CAT, 41, 'eaw_art2_2.categories[30].iccs[1]', "unknown ICCS code '11012'"),
        (CAT, 42, 'eaw_art2_2.categories[31].iccs[0]', "unknown ICCS code '0904'"),
        (CAT, 49, 'rpd_art83_excluded.categories[0].iccs[0]', "unknown ICCS code '08012'"),
        (CAT, 49, 'rpd_art83_excluded.categories[0].iccs[1]', "unknown ICCS code '08021'"),
        (CAT, 49, 'rpd_art83_excluded.categories[0].iccs[2]', "unknown ICCS code '08022'"),
        (CAT, 49, 'rpd_art83_excluded.categories[0].iccs[3]', "unknown ICCS code '0802'"),
        (CAT, 50, 'rpd_art83_excluded.categories[1].iccs[0]', "unknown ICCS code '06011'"),
        (CAT, 52, 'rpd_art83_excluded.categories[3].iccs[0]', "unknown ICCS code '0804'"),
        (CAT, 52, 'rpd_art83_excluded.categories[3].iccs[1]', "unknown ICCS code '0907'"),
    ]),
    ('offence block missing', CAT, 'rpd_art83_excluded:', 'rpd_art83_other:', [
        (CAT, 6, 'rpd_art83_excluded', 'missing block with categories'),
    ]),
    ('offence not mapping', CAT, '    - {code: terrorism, label: terrorism, iccs: ["0906"]}', '    - terrorism', [
        (CAT, 12, 'eaw_art2_2.categories[1].', 'must be a mapping'),
        (CAT, 6, 'eaw_art2_2.categories', 'the Art 2(2) list has 32 categories'),
    ]),
    ('offence code missing', CAT, '{code: terrorism, label', '{label', [
        (CAT, 12, 'eaw_art2_2.categories[1].code', 'missing'),
        (CAT, 6, 'eaw_art2_2.categories', 'the Art 2(2) list has 32 categories'),
    ]),
    ('offence code not snake', CAT, '{code: terrorism,', '{code: Terrorism,', [
        (CAT, 12, 'eaw_art2_2.categories[1].code', 'must be snake_case'),
    ]),
    ('offence code duplicate', CAT, '{code: terrorism,', '{code: corruption,', [
        (CAT, 17, 'eaw_art2_2.categories[6].code', 'duplicate code'),
        (CAT, 6, 'eaw_art2_2.categories', 'the Art 2(2) list has 32 categories'),
    ]),
    ('offence unknown iccs', CAT, 'iccs: ["0906"]', 'iccs: ["0906", "9999"]', [
        (CAT, 12, 'eaw_art2_2.categories[1].iccs[1]', "unknown ICCS code '9999'"),
    ]),
    ('offence label missing', CAT, '{code: terrorism, label: terrorism,', '{code: terrorism,', [
        (CAT, 12, 'eaw_art2_2.categories[1].label', 'missing'),
    ]),
    ('offence verified text', CAT, '{code: terrorism, label: terrorism,', '{code: terrorism, verified: maybe, label: terrorism,', [
        (CAT, 12, 'eaw_art2_2.categories[1].verified', 'missing or not true/false'),
    ]),
    ('offence source empty', CAT, '{code: terrorism, label: terrorism,', "{code: terrorism, source: '', label: terrorism,", [
        (CAT, 12, 'eaw_art2_2.categories[1].source', 'missing'),
    ]),
    ('interpol members missing', IP, 'members: [AT, BE, US, NZ]', 'member: [AT]', [
        (IP, 1, 'members', 'missing list'),
    ]),
    ('interpol member unknown', IP, '[AT, BE, US, NZ]', '[AT, XX, US]', [
        (IP, 4, 'members[1]', "not an ISO 3166-1 alpha-2 code: 'XX'"),
    ]),
    ('interpol duplicates', IP, '[AT, BE, US, NZ]', '[AT, AT, US]', [
        (IP, 4, 'members', 'duplicates'),
    ]),
    ('interpol source missing', IP, 'source: https://www.interpol.int/en/Who-we-are/Member-countries\n', '', [
        (IP, 1, 'source', 'missing'),
    ]),
    ('interpol verified missing', IP, 'verified: false\n', '', [
        (IP, 1, 'verified', 'missing or not true/false'),
    ]),
    ('version refreshed missing', V, 'refreshed: 2026-01-15\n', '', [
        (V, 1, 'refreshed', 'missing'),
    ]),
    ('version refreshed impossible', V, 'refreshed: 2026-01-15', 'refreshed: 2026-02-30', [
        (V, 2, 'refreshed', "not a date (YYYY-MM-DD): '2026-02-30'"),
    ]),
    ('profile a list', AT, None, '- a\n', [
        (AT, 1, '', 'a profile is a mapping'),
    ]),
    ('profile state unknown', AT, 'state: AT', 'state: XX', [
        (AT, 1, 'state', "not an ISO 3166-1 alpha-2 code: 'XX'"),
    ]),
    ('profile file name', AT, 'state: AT', 'state: BE', [
        (AT, 1, 'state', 'file name says AT'),
    ]),
    ('profile name missing', AT, 'name: Austria\n', '', [
        (AT, 1, 'name', 'missing'),
    ]),
    # line 0 before the split: now the line of the fact's key
    ('fact not a mapping', AT, 'eu_member: {value: true, source: "https://example.org/eu", since: 1995-01-01, verified: false}', 'eu_member: true', [
        (AT, 6, 'eu_member', 'a fact is {value, source, read, verified} or {history: [...]}'),
    ]),
    ('fact without value', AT, 'eu_member: {value: true, ', 'eu_member: {', [
        (AT, 6, 'eu_member', 'a fact is {value, source, read, verified} or {history: [...]}'),
    ]),
    ('fact verified missing', AT, 'languages_accepted: {value: [de, en], source: "https://example.org/lang", verified: false}', 'languages_accepted: {value: [de, en], source: "https://example.org/lang"}', [
        (AT, 7, 'languages_accepted.verified', 'missing or not true/false'),
    ]),
    ('fact source missing', AT, 'death_penalty: {value: abolitionist_all, source: "https://example.org/dp", ', 'death_penalty: {value: abolitionist_all, ', [
        (AT, 5, 'death_penalty.source', 'missing'),
    ]),
    ('fact read impossible', AT, 'languages_accepted: {value: [de, en], source: "https://example.org/lang",', 'languages_accepted: {value: [de, en], source: "https://example.org/lang", read: 2026-02-30,', [
        (AT, 7, 'languages_accepted.read', "not a date (YYYY-MM-DD): '2026-02-30'"),
    ]),
    ('fact verified without url', AT, 'source: "https://example.org/arhg", read', 'source: "ARHG s 11", read', [
        (AT, 4, 'extradition_basis.source', 'verified: true needs the URL of what was read'),
    ]),
    ('fact verified without read', AT, '"https://example.org/arhg", read: 2026-01-15, verified: true}', '"https://example.org/arhg", verified: true}', [
        (AT, 4, 'extradition_basis.read', 'verified: true needs the date it was read (read:)'),
    ]),
    ('fact read in future', AT, '"https://example.org/arhg", read: 2026-01-15,', '"https://example.org/arhg", read: 2999-01-15,', [
        (AT, 4, 'extradition_basis.read', 'in the future: 2999-01-15'),
    ]),
    ('fact enum', AT, '{value: treaty_or_reciprocity,', '{value: whenever_we_like,', [
        (AT, 4, 'extradition_basis.value', 'must be one of treaty_only, treaty_or_reciprocity, domestic_law'),
    ]),
    ('fact death penalty enum', AT, '{value: abolitionist_all,', '{value: abolished,', [
        (AT, 5, 'death_penalty.value', 'must be one of abolitionist_all, abolitionist_ordinary, abolitionist_in_practice, retentionist'),
    ]),
    ('fact boolean', AT, 'eu_member: {value: true,', 'eu_member: {value: yes please,', [
        (AT, 6, 'eu_member.value', 'must be true/false'),
    ]),
    ('fact languages not list', AT, '{value: [de, en],', '{value: de,', [
        (AT, 7, 'languages_accepted.value', 'must be a list of language codes'),
    ]),
    ('fact as_of impossible', AT, 'as_of: 1968-02-07', 'as_of: 1968-02-30', [
        (AT, 5, 'death_penalty.as_of', "not a date: '1968-02-30'"),
    ]),
    ('fact since text', AT, 'since: 1995-01-01', 'since: long ago', [
        (AT, 6, 'eu_member.since', "not a date: 'long ago'"),
    ]),
    ('fact states not list', US, 'states: [AT, BE]', 'states: AT', [
        (US, 12, 'interpol_member.states', 'must be a list'),
    ]),
    ('fact states unknown', US, 'states: [AT, BE]', 'states: [AT, XX]', [
        (US, 12, 'interpol_member.states[1]', "not an ISO 3166-1 alpha-2 code: 'XX'"),
    ]),
    ('history not a list', US, '  history:\n    - {value: false}\n    - {from: 2020-01-01, value: true, note: "joined"}\n    - {from: 2022-03-16, value: false, source: "https://example.org/coe/left"}\n', '  history: []\n', [
        (US, 8, 'coe_member.history', 'must be a non-empty list of values'),
    ]),
    ('history item not mapping', US, '    - {value: false}\n', '    - false\n', [
        (US, 9, 'coe_member.history[0]', 'must be a mapping'),
    ]),
    ('history from missing', US, '{from: 2020-01-01, value: true,', '{value: true,', [
        (US, 8, 'coe_member.history', 'every value after the first needs from:'),
    ]),
    ('history out of order', US, '{from: 2022-03-16,', '{from: 2019-03-16,', [
        (US, 8, 'coe_member.history', 'values must be in order of from:'),
    ]),
    # line 0 before the split: now the line of the history item
    ('history from impossible', US, '{from: 2022-03-16,', '{from: 2022-02-30,', [
        (US, 11, 'coe_member.history[2].from', "not a date (YYYY-MM-DD): '2022-02-30'"),
        (US, 8, 'coe_member.history', 'every value after the first needs from:'),
    ]),
    ('history value missing', US, '{from: 2020-01-01, value: true,', '{from: 2020-01-01,', [
        (US, 10, 'coe_member.history[1]', 'a fact is {value, source, read, verified} or {history: [...]}'),
    ]),
    ('nationals as value', AT, '  bar: constitutional\n', '  value: never\n  bar: constitutional\n', [
        (AT, 10, 'extradites_nationals.value', 'extradites_nationals is structured: bar (none | constitutional | statutory), article, exceptions'),
    ]),
    ('nationals bar unknown', AT, '  bar: constitutional', '  bar: cultural', [
        (AT, 10, 'extradites_nationals.bar', 'must be one of none, constitutional, statutory'),
    ]),
    ('nationals bar without article', AT, '  article: "ARHG s 12"\n', '', [
        (AT, 10, 'extradites_nationals.article', 'a bar names its article'),
    ]),
    ('nationals exceptions not list', AT, '  exceptions:\n    - {kind: eu_surrender, article: "EU-JZG s 5", states: [BE, FR]}\n    - {kind: naturalised, article: "s 12(2)", offences: [drug_trafficking]}\n    - {kind: offences, article: "s 12(3)", offences: [terrorism], conditions: "with consent", note: "n"}\n', '  exceptions: {kind: consent}\n', [
        (AT, 15, 'extradites_nationals.exceptions', 'must be a list'),
    ]),
    ('nationals exception not mapping', AT, '    - {kind: eu_surrender,', '    - consent\n    - {kind: eu_surrender,', [
        (AT, 16, 'extradites_nationals.exceptions[0]', 'must be a mapping'),
    ]),
    ('nationals exception kind', AT, 'kind: eu_surrender', 'kind: when_convenient', [
        (AT, 16, 'extradites_nationals.exceptions[0].kind', 'must be one of consent, naturalised, eu_surrender, nordic_surrender, international_court, treaty, reciprocity, return_to_serve, offences'),
    ]),
    ('nationals exception unknown field', AT, 'kind: eu_surrender,', 'kind: eu_surrender, why: because,', [
        (AT, 16, 'extradites_nationals.exceptions[0].why', 'unknown field'),
    ]),
    ('nationals exception article missing', AT, 'article: "EU-JZG s 5", ', '', [
        (AT, 16, 'extradites_nationals.exceptions[0].article', 'each exception names its article'),
    ]),
    ('nationals exception offences text', AT, 'offences: [terrorism]', 'offences: terrorism', [
        (AT, 18, 'extradites_nationals.exceptions[2].offences', 'must be a list of offence kinds'),
        (AT, 18, 'extradites_nationals.exceptions[2].offences', 'list the offences the exception covers'),
    ]),
    ('nationals naturalised offences', AT, 'offences: [drug_trafficking]', 'offences: [fraud]', [
        (AT, 17, 'extradites_nationals.exceptions[1].offences', 'naturalised needs offences among before_naturalisation, drug_trafficking, any'),
    ]),
    ('nationals offences empty', AT, 'offences: [terrorism]', 'offences: []', [
        (AT, 18, 'extradites_nationals.exceptions[2].offences', 'list the offences the exception covers'),
    ]),
    ('nationals exception states unknown', AT, 'states: [BE, FR]', 'states: [BE, XX]', [
        (AT, 16, 'extradites_nationals.exceptions[0].states[1]', "not an ISO 3166-1 alpha-2 code: 'XX'"),
    ]),
    ('nationals none with exceptions', US, '{bar: none,', '{bar: none, exceptions: [{kind: consent, article: "1"}],', [
        (US, 13, 'extradites_nationals.exceptions', 'no bar, so no exceptions'),
    ]),
    ('nationals verified text', US, '{bar: none, source: "https://example.org/none", verified: false}', '{bar: none, source: "https://example.org/none", verified: 0}', [
        (US, 13, 'extradites_nationals.verified', 'missing or not true/false'),
    ]),
    ('many problems in one instrument', C, 'kind: multilateral_treaty\norganisation: CoE\norder: 20\nscope: [extradition, mla]\nadopted: 2001-01-10', 'kind: treaty\norganisation: CoE\norder: 20\nscope: [extradition, mla, x]\nadopted: 2001-01-32', [
        (C, 4, 'ZZ-CONV.kind', 'must be one of multilateral_treaty, eu_act, bilateral_treaty, domestic_statute'),
        (C, 7, 'ZZ-CONV.scope', "must be a non-empty subset of ('extradition', 'mla', 'transfer', 'asset_recovery', 'notices')"),
        (C, 8, 'ZZ-CONV.adopted', "not a date (YYYY-MM-DD): '2001-01-32'"),
        (E, 0, 'ZZ-EU.replaces', "unknown instrument 'ZZ-CONV'"),
        (P, 0, 'ZZ-PROT.supplements', "unknown instrument 'ZZ-CONV'"),
    ]),
]


def test_every_case_has_a_distinct_name():
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names)) > 150


@pytest.mark.parametrize("name,rel,old,new,expected", CASES, ids=[c[0] for c in CASES])
def test_each_problem_is_reported_where_it_is(tmp_path, name, rel, old, new, expected):
    data_dir = build(tmp_path / "data")
    change(data_dir, rel, old, new)
    assert sorted(problems(data_dir)) == sorted(expected)

