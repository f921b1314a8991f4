"""Plain dataclasses for the computable law: facts, instruments, parties, parameters, profiles.

All are frozen so that a loaded data set can be shared (and cached) safely.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

KINDS = ("multilateral_treaty", "eu_act", "bilateral_treaty", "domestic_statute")
SCOPES = ("extradition", "mla", "transfer", "asset_recovery", "notices")
COOPERATION_KINDS = ("extradition", "mla", "transfer", "asset_recovery")

#: Order in which a practitioner reaches for instruments (lower first).
TIERS = {
    "eu": 1,  # EU mutual-recognition acts between participating member states
    "eu_third_country": 2,  # agreements of the Union with a third state (EU-UK TCA, EU-US)
    "bilateral": 3,
    "regional": 4,  # Council of Europe, OAS, ...
    "un": 5,  # UN suppression conventions
    "domestic": 6,  # the requested state's statute (e.g. UK Extradition Act 2003)
    "reciprocity": 7,
}

#: Effects of reservations/declarations the engine understands (others are kept as text).
RESERVATION_EFFECTS = (
    "refuses_nationals",  # CETS-024 Art 6(1)(a)
    "nationals_definition",  # CETS-024 Art 6(1)(b)
    "search_seizure_conditions",  # CETS-030 Art 5
    "legal_basis_for_extradition",  # UNTOC 16(5)(a), UNCAC 44(6)(a): takes the Convention as legal basis
    "not_legal_basis_for_extradition",  # ... does not take it as legal basis
    "limits_scope",  # temporal or material limits (e.g. EAW Art 32 declarations)
    "other",
)


@dataclass(frozen=True, slots=True)
class Fact:
    """One sourced fact of a country profile."""

    value: Any
    source: str | None
    verified: bool
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. states, as_of, since
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": _jsonable(self.value)}
        out.update({k: _jsonable(v) for k, v in self.extra.items()})
        out["source"] = self.source
        out["verified"] = self.verified
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class Reservation:
    article: str
    kind: str  # reservation | declaration | notification
    effect: str
    text: str
    source: str
    verified: bool
    date: dt.date | None = None
    conditions: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "kind": self.kind,
            "effect": self.effect,
            "text": self.text,
            "conditions": list(self.conditions),
            "date": _jsonable(self.date),
            "source": self.source,
            "verified": self.verified,
        }


@dataclass(frozen=True, slots=True)
class Party:
    state: str
    signature: dt.date | None
    ratification: dt.date | None  # ratification, accession, succession or (EU acts) transposition
    entry_into_force: dt.date | None  # in force / applicable for this state from
    verified: bool
    source: str
    withdrawal: dt.date | None = None  # ceases to apply from this date (exclusive)
    reservations: tuple[Reservation, ...] = ()
    note: str | None = None
    entry_into_force_derived: bool = False  # computed from ratification by the treaty's own rule

    def in_force(self, on: dt.date, not_before: dt.date | None) -> bool | None:
        """True/False, or None when the date is not recorded (a party, but from when is unknown).

        ``not_before`` is the instrument's own entry into force (or adoption): no state is bound earlier.
        """
        if self.withdrawal is not None and on >= self.withdrawal:
            return False
        start = self.entry_into_force
        if start is None:
            if not_before is not None and on < not_before:
                return False
            return None
        return on >= start

    def effects(self) -> set[str]:
        return {r.effect for r in self.reservations}

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "signature": _jsonable(self.signature),
            "ratification": _jsonable(self.ratification),
            "entry_into_force": _jsonable(self.entry_into_force),
            "withdrawal": _jsonable(self.withdrawal),
            "verified": self.verified,
            "source": self.source,
            "note": self.note,
            "reservations": [r.as_dict() for r in self.reservations],
        }


@dataclass(frozen=True, slots=True)
class Article:
    number: str
    heading: str
    paraphrase: str
    source: str
    verified: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "heading": self.heading,
            "paraphrase": self.paraphrase,
            "source": self.source,
            "verified": self.verified,
        }


@dataclass(frozen=True, slots=True)
class Instrument:
    id: str
    title: str
    short_title: str
    kind: str
    organisation: str | None  # CoE, UN, EU, OAS, ... (None for bilateral / domestic)
    tier: str
    order: int
    scope: tuple[str, ...]
    adopted: dt.date | None
    entry_into_force: dt.date | None
    source: str
    verified: bool
    articles: tuple[Article, ...]
    parties: dict[str, Party]
    citations: dict[str, str]  # kind -> citation of the operative articles
    supplements: str | None = None  # protocols name their convention
    replaces: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> instrument ids/families
    replaces_bilateral: tuple[str, ...] = ()  # kinds for which bilateral treaties between parties are replaced
    replaces_all: tuple[str, ...] = ()  # kinds for which it is the only treaty route between its parties
    replaces_citation: str | None = None
    offence_scope: str | None = None  # e.g. "corruption offences established under the Convention"
    extradition_basis_article: str | None = None  # article allowing use as legal basis (UNTOC 16(4))
    extradition_mutual_article: str | None = None  # offences extraditable between non-treaty states (UNTOC 16(6))
    state: str | None = None  # domestic statutes: the enacting state
    third_states: tuple[str, ...] = ()  # EU agreements with third states: apply only between one of them and a member state
    rank: float | None = None  # precedence override (lex specialis such as the Nordic arrest warrant)
    supplements_bilateral: bool = False  # applied through the bilateral treaty (EU-US agreements)
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)  # UK EA 2003 category lists
    category_labels: dict[str, str] = field(default_factory=dict)  # e.g. category_1 -> "category 1 territory"
    notes: str | None = None
    file: str = ""
    # Domestic statutes (all optional, added after the first version; defaults keep older pickles/fixtures valid):
    category_windows: dict[str, dict[str, tuple[dt.date | None, dt.date | None]]] = field(default_factory=dict)
    category_sources: dict[str, tuple[str, bool]] = field(default_factory=dict)  # category -> (source, verified)
    conventions_as_basis: bool | None = None  # statute treats multilateral conventions as extradition agreements
    conventions_citation: str | None = None
    ad_hoc_route: str | None = None  # e.g. "s 194 special extradition arrangements" for non-designated states
    extradition_notification_article: str | None = None  # UNTOC 16(5), UNCAC 44(6): where a party must say so

    def designation(self, state: str, on: dt.date) -> tuple[str, dt.date | None, dt.date | None] | None:
        """(category, from, until) under which ``state`` is designated on ``on``, or None (domestic statutes)."""
        for cat, members in self.categories.items():
            if state not in members:
                continue
            start, end = self.category_windows.get(cat, {}).get(state, (None, None))
            if start is not None and on < start:
                continue
            if end is not None and on >= end:
                continue
            return cat, start, end
        return None

    def party(self, state: str) -> Party | None:
        return self.parties.get(state)

    def as_dict(self, with_parties: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "short_title": self.short_title,
            "kind": self.kind,
            "organisation": self.organisation,
            "scope": list(self.scope),
            "adopted": _jsonable(self.adopted),
            "entry_into_force": _jsonable(self.entry_into_force),
            "source": self.source,
            "verified": self.verified,
            "supplements": self.supplements,
            "citations": dict(self.citations),
            "articles": [a.as_dict() for a in self.articles],
            "notes": self.notes,
        }
        if self.state:
            out["state"] = self.state
        if self.third_states:
            out["third_states"] = list(self.third_states)
        if self.categories:
            out["categories"] = {k: list(v) for k, v in self.categories.items()}
        if with_parties:
            out["parties"] = [p.as_dict() for p in sorted(self.parties.values(), key=lambda p: p.state)]
        return out


@dataclass(frozen=True, slots=True)
class ParameterValue:
    name: str
    value: Any
    unit: str
    valid_from: dt.date
    reference: str
    verified: bool
    description: str


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    description: str
    reference: str
    unit: str
    values: tuple[tuple[dt.date, Any, str, bool], ...]  # (from, value, reference, verified), sorted
    file: str = ""

    def at(self, on: dt.date) -> ParameterValue | None:
        chosen = None
        for start, value, ref, verified in self.values:
            if start <= on:
                chosen = ParameterValue(self.name, value, self.unit, start, ref, verified, self.description)
        return chosen


@dataclass(frozen=True, slots=True)
class CountryProfile:
    state: str
    name: str
    facts: dict[str, Fact]
    notes: str | None = None
    file: str = ""

    def fact(self, name: str) -> Fact | None:
        return self.facts.get(name)

    def __getitem__(self, name: str) -> Fact:
        return self.facts[name]

    def __getattr__(self, name: str) -> Fact:
        # profile.extradition_basis.value, as in the YAML; only reached for names that are not attributes
        facts = object.__getattribute__(self, "facts")
        if name in facts:
            return facts[name]
        raise AttributeError(name)

    def value(self, name: str, default: Any = None) -> Any:
        f = self.facts.get(name)
        return default if f is None else f.value

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"state": self.state, "name": self.name}
        for key, f in self.facts.items():
            out[key] = f.as_dict()
        out["notes"] = self.notes
        return out


@dataclass(frozen=True, slots=True)
class OffenceCategory:
    code: str
    label: str
    list: str  # eaw_art2_2 | rpd_art83_excluded
    iccs: tuple[str, ...]
    mapping_verified: bool
    source: str
    verified: bool
    note: str | None = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value
