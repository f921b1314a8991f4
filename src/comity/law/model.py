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

#: Kinds of instrument a State deposits to become bound (the YAML key that carries the date).
DEPOSIT_KINDS = ("ratification", "acceptance", "approval", "accession", "succession", "definitive_signature",
                 "deposit")  # deposit: the source gives the date of the instrument deposited but not its kind

#: Exceptions to a bar on extraditing nationals (country profile ``extradites_nationals.exceptions``).
NATIONALS_EXCEPTIONS = (
    "consent",  # the person's consent lifts the bar (Switzerland: Constitution Art 25(1))
    "naturalised",  # only nationals by naturalisation, for the listed offences (Brazil: Art 5 LI)
    "eu_surrender",  # surrender to EU Member States under the European arrest warrant
    "nordic_surrender",  # surrender under the Nordic arrest warrant
    "international_court",  # surrender to an international criminal court or tribunal
    "treaty",  # where a treaty (or international agreement) provides for it
    "reciprocity",  # on reciprocity
    "return_to_serve",  # for prosecution, if returned to serve the sentence at home
    "offences",  # only for the listed kinds of offence
)
NATIONALS_BARS = ("none", "constitutional", "statutory")
NATURALISED_OFFENCES = ("before_naturalisation", "drug_trafficking", "any")


@dataclass(frozen=True, slots=True)
class Fact:
    """One sourced fact of a country profile."""

    value: Any
    source: str | None
    verified: bool
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. states, as_of, since
    note: str | None = None
    read: dt.date | None = None  # the day the source was read
    valid_from: dt.date | None = None  # in a history: the day this value took effect (None: since before records)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": _jsonable(self.value)}
        out.update({k: _jsonable(v) for k, v in self.extra.items()})
        if self.valid_from is not None:
            out["from"] = self.valid_from.isoformat()
        out["source"] = self.source
        out["read"] = _jsonable(self.read)
        out["verified"] = self.verified
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class NationalsException:
    """One exception to a bar on extraditing nationals, with the article that makes it."""

    kind: str
    article: str
    offences: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    conditions: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "article": self.article}
        if self.offences:
            out["offences"] = list(self.offences)
        if self.states:
            out["states"] = list(self.states)
        if self.conditions:
            out["conditions"] = self.conditions
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class NationalsRule:
    """Whether and when a State extradites its own nationals: a bar (constitutional or statutory) and its
    exceptions as data, each with its article."""

    bar: str  # none | constitutional | statutory
    article: str | None
    exceptions: tuple[NationalsException, ...] = ()

    def exception(self, kind: str) -> NationalsException | None:
        return next((e for e in self.exceptions if e.kind == kind), None)

    @property
    def summary(self) -> str:
        """A short code for lists and maps: yes (no bar), never (absolute bar), with_exceptions."""
        if self.bar == "none":
            return "yes"
        return "with_exceptions" if self.exceptions else "never"

    def describe(self) -> str:
        if self.bar == "none":
            return "No bar: nationals are extradited like anyone else."
        text = f"{self.bar.capitalize()} bar ({self.article or 'article not recorded'})"
        if not self.exceptions:
            return text + ", without exception."
        parts = []
        for e in self.exceptions:
            part = NATIONALS_EXCEPTION_LABELS.get(e.kind, e.kind)
            if e.offences:
                part += " (" + ", ".join(o.replace("_", " ") for o in e.offences) + ")"
            if e.conditions:
                part += f" ({e.conditions})"
            parts.append(f"{part} [{e.article}]")
        return text + "; exceptions: " + "; ".join(parts) + "."

    def as_dict(self) -> dict[str, Any]:
        return {"bar": self.bar, "article": self.article, "exceptions": [e.as_dict() for e in self.exceptions],
                "summary": self.summary, "description": self.describe()}


NATIONALS_EXCEPTION_LABELS = {
    "consent": "with the person's consent",
    "naturalised": "naturalised nationals",
    "eu_surrender": "surrender to EU Member States (European arrest warrant)",
    "nordic_surrender": "surrender under the Nordic arrest warrant",
    "international_court": "surrender to an international court",
    "treaty": "where a treaty provides",
    "reciprocity": "on reciprocity",
    "return_to_serve": "if returned to serve the sentence",
    "offences": "only for certain offences",
}


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
    read: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": _jsonable(self.read),
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
    deposit_kind: str | None = None  # ratification | acceptance | approval | accession | succession | ...
    denunciation: dt.date | None = None  # the day a denunciation or withdrawal was notified
    read: dt.date | None = None  # the day the source was read
    as_of: dt.date | None = None  # the "status as of" date the source states

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
            "deposit_kind": self.deposit_kind,
            "denunciation": _jsonable(self.denunciation),
            "entry_into_force_derived": self.entry_into_force_derived,
            "verified": self.verified,
            "source": self.source,
            "read": _jsonable(self.read),
            "as_of": _jsonable(self.as_of),
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
class TreatyGround:
    """A refusal ground as a treaty itself states it (bilateral treaties encoded from their text)."""

    code: str  # the assessment's ground code (own_national, political_offence, death_penalty, ...)
    effect: str  # mandatory | optional | not_a_ground
    article: str
    text: str
    cured_by: str | None = None
    verified: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "effect": self.effect, "article": self.article, "text": self.text,
                "cured_by": self.cured_by, "verified": self.verified}


GROUND_EFFECTS = ("mandatory", "optional", "not_a_ground")


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
    grounds: dict[str, TreatyGround] = field(default_factory=dict)  # the treaty's own refusal grounds, by code
    grounds_complete: bool = False  # every refusal ground of the treaty is encoded (no Model Treaty fallback)
    read: dt.date | None = None  # the day the instrument's own text (source) was read

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
        if self.grounds:
            out["grounds"] = [g.as_dict() for g in self.grounds.values()]
            out["grounds_complete"] = self.grounds_complete
        out["read"] = _jsonable(self.read)
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
    read: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    description: str
    reference: str
    unit: str
    values: tuple[tuple[Any, ...], ...]  # (from, value, reference, verified, read), sorted
    file: str = ""

    def at(self, on: dt.date) -> ParameterValue | None:
        chosen = None
        for start, value, ref, verified, *rest in self.values:
            if start <= on:
                chosen = ParameterValue(self.name, value, self.unit, start, ref, verified, self.description,
                                        rest[0] if rest else None)
        return chosen


@dataclass(frozen=True, slots=True)
class CountryProfile:
    state: str
    name: str
    facts: dict[str, Fact]  # the value in force today (the last of a history)
    notes: str | None = None
    file: str = ""
    histories: dict[str, tuple[Fact, ...]] = field(default_factory=dict)  # name -> values by valid_from

    def fact(self, name: str, on: dt.date | None = None) -> Fact | None:
        """The fact in force on ``on`` (today's value when ``on`` is None). Before the first recorded value of
        a history that starts on a known date, nothing is known: None."""
        history = self.histories.get(name)
        if on is None or not history:
            return self.facts.get(name)
        chosen = None
        for item in history:
            if item.valid_from is None or item.valid_from <= on:
                chosen = item
        return chosen

    def history(self, name: str) -> tuple[Fact, ...]:
        return self.histories.get(name) or ((self.facts[name],) if name in self.facts else ())

    def __getitem__(self, name: str) -> Fact:
        return self.facts[name]

    def __getattr__(self, name: str) -> Fact:
        # profile.extradition_basis.value, as in the YAML; only reached for names that are not attributes
        facts = object.__getattribute__(self, "facts")
        if name in facts:
            return facts[name]
        raise AttributeError(name)

    def value(self, name: str, default: Any = None, on: dt.date | None = None) -> Any:
        f = self.fact(name, on)
        return default if f is None else f.value

    def as_dict(self, on: dt.date | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"state": self.state, "name": self.name}
        for key in self.facts:
            f = self.fact(key, on)
            if f is None:
                continue
            out[key] = f.as_dict()
            if key in self.histories:
                out[key]["history"] = [h.as_dict() for h in self.histories[key]]
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
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value
