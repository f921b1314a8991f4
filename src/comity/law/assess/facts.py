"""The facts an assessment is made on: input model and validation.

Unknown keys are an error; a missing optional key means "not known" (``None``), never "false". Every error
names the field (``offences[0].max_penalty_months``) and the reason, and all errors are reported at once in
``InvalidFacts.errors`` ({field: reason}) so that the CLI (exit code 2) and the API (422) answer with the same
structure.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from comity import errors as _errors

from .. import get_law
from .. import EVENTS
from .vocabulary import ASSURANCES, CHARACTERISTICS, LIST_CATEGORIES, MEASURES, RISKS

KINDS = ("extradition", "mla", "red_notice", "transfer")
PURPOSES = ("prosecution", "enforcement")

_TOP_KEYS = {
    "kind", "requesting_state", "requested_state", "sentencing_state", "administering_state", "date", "purpose",
    "person", "offences", "assurances", "in_absentia", "risks", "measures", "events",
}
_PERSON_KEYS = {"nationalities", "age_at_offence", "consent", "refugee_status_granted_by", "naturalised_in",
                "naturalisation_date"}
_OFFENCE_BOOLS = (
    "criminal_in_requested", "political", "military", "fiscal", "time_barred_requesting", "time_barred_requested",
    "final_judgment_in_requested", "pending_proceedings_in_requested", "death_penalty_possible",
    "irreducible_life_possible",
)
_OFFENCE_MONTHS = ("max_penalty_months", "max_penalty_months_requested", "sentence_months", "remaining_months")
_OFFENCE_KEYS = {"description", "iccs", "list_category", "committed_in", "committed_on", "characteristics",
                 *_OFFENCE_BOOLS, *_OFFENCE_MONTHS}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTHS_REASON = "must be a whole number of months ≥ 0"


class InvalidFacts(_errors.InvalidInput, ValueError):
    """The facts cannot be assessed. ``errors`` maps each offending field to the reason."""

    code = "invalid_facts"

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)


@dataclass(frozen=True, slots=True)
class Person:
    nationalities: tuple[str, ...] = ()
    age_at_offence: int | None = None
    consent: bool | None = None  # the person consents to extradition / surrender
    refugee_status_granted_by: tuple[str, ...] = ()
    # Nationalities acquired by naturalisation (the others are by birth or descent), when known. Some States
    # never extradite a national by birth but may extradite a naturalised one (Brazil, Constitution Art 5 LI).
    naturalised_in: tuple[str, ...] | None = None
    naturalisation_date: dt.date | None = None  # of the requested State's nationality


@dataclass(frozen=True, slots=True)
class Offence:
    index: int
    description: str | None = None
    iccs: str | None = None
    list_category: str | None = None
    max_penalty_months: int | None = None
    criminal_in_requested: bool | None = None
    max_penalty_months_requested: int | None = None
    sentence_months: int | None = None
    remaining_months: int | None = None
    political: bool | None = None
    military: bool | None = None
    fiscal: bool | None = None
    committed_in: str | None = None
    time_barred_requesting: bool | None = None
    time_barred_requested: bool | None = None
    final_judgment_in_requested: bool | None = None
    pending_proceedings_in_requested: bool | None = None
    death_penalty_possible: bool | None = None
    irreducible_life_possible: bool | None = None
    characteristics: tuple[str, ...] = ()
    committed_on: dt.date | None = None  # when the offence was committed (its last act)

    @property
    def label(self) -> str:
        return f"Offence {self.index + 1}" + (f" ({self.description})" if self.description else "")


@dataclass(frozen=True, slots=True)
class Facts:
    kind: str
    date: dt.date
    requesting_state: str | None = None
    requested_state: str | None = None
    sentencing_state: str | None = None
    administering_state: str | None = None
    purpose: str | None = None
    person: Person = Person()
    offences: tuple[Offence, ...] = ()
    assurances: frozenset[str] = frozenset()
    in_absentia: bool | None = None
    risks: frozenset[str] = frozenset()  # the risks established (true); false and unknown are not listed
    measures: tuple[str, ...] = ()
    events: tuple[tuple[str, dt.date], ...] = ()

    @property
    def deciding_state(self) -> str | None:
        """The state whose decision is assessed: requested / executing state, or for a transfer the sentencing
        state that would send the person."""
        return self.sentencing_state if self.kind == "transfer" else self.requested_state

    @property
    def receiving_state(self) -> str | None:
        """The state the person or the assistance would go to."""
        return self.administering_state if self.kind == "transfer" else self.requesting_state


class _Checker:
    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.law = get_law()

    def err(self, field: str, reason: str) -> None:
        self.errors.setdefault(field, reason)

    def unknown_keys(self, obj: dict[str, Any], allowed: set[str], prefix: str) -> None:
        for key in obj:
            if key not in allowed:
                self.err(f"{prefix}{key}", "unknown key")

    def state(self, value: Any, field: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or value != value.strip().upper() or value not in self.law.state_names:
            self.err(field, "must be an ISO 3166-1 alpha-2 code in capitals (e.g. FR)")
            return None
        return value

    def states(self, value: Any, field: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.err(field, "must be a list of ISO 3166-1 alpha-2 codes")
            return ()
        out = [self.state(v, f"{field}[{i}]") for i, v in enumerate(value)]
        return tuple(dict.fromkeys(s for s in out if s))

    def boolean(self, value: Any, field: str) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            self.err(field, "must be true or false")
            return None
        return value

    def whole(self, value: Any, field: str, reason: str = _MONTHS_REASON, maximum: int = 100_000) -> int | None:
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON 12.0 is the whole number 12
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > maximum:
            self.err(field, reason)
            return None
        return value

    def codes(self, value: Any, field: str, allowed: tuple[str, ...] | frozenset[str], what: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.err(field, f"must be a list of {what}")
            return ()
        out = []
        for i, v in enumerate(value):
            if not isinstance(v, str) or v not in allowed:
                self.err(f"{field}[{i}]", f"unknown {what[:-1] if what.endswith('s') else what}; expected one of "
                         + ", ".join(sorted(allowed)))
            else:
                out.append(v)
        return tuple(dict.fromkeys(out))

    def date(self, value: Any, field: str) -> dt.date | None:
        if not isinstance(value, str) or not _DATE_RE.match(value):
            self.err(field, "must be a date YYYY-MM-DD")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.err(field, "not a valid calendar date")
            return None


def validate_facts(facts: Any) -> Facts:
    """Check ``facts`` (a JSON-like dict) and return the typed ``Facts``; raise ``InvalidFacts`` otherwise."""
    if not isinstance(facts, dict):
        raise InvalidFacts({"$": "the facts must be a JSON object"})
    c = _Checker()
    c.unknown_keys(facts, _TOP_KEYS, "")

    kind = facts.get("kind")
    if kind not in KINDS:
        c.err("kind", "required; one of " + ", ".join(KINDS))
        kind = None

    # States: which keys belong to which kind of request.
    requesting = c.state(facts.get("requesting_state"), "requesting_state")
    requested = c.state(facts.get("requested_state"), "requested_state")
    sentencing = c.state(facts.get("sentencing_state"), "sentencing_state")
    administering = c.state(facts.get("administering_state"), "administering_state")
    if kind in ("extradition", "mla"):
        for key in ("sentencing_state", "administering_state"):
            if key in facts:
                c.err(key, f"only for a transfer; a {kind} request uses requesting_state and requested_state")
        if facts.get("requesting_state") is None:
            c.err("requesting_state", "required")
        if facts.get("requested_state") is None:
            c.err("requested_state", "required")
        if requesting and requested and requesting == requested:
            c.err("requested_state", "must differ from requesting_state")
    elif kind == "red_notice":
        for key in ("requested_state", "sentencing_state", "administering_state"):
            if key in facts:
                c.err(key, "not used for a Red Notice (only requesting_state)")
        if facts.get("requesting_state") is None:
            c.err("requesting_state", "required")
    elif kind == "transfer":
        for key in ("requesting_state", "requested_state"):
            if key in facts:
                c.err(key, "not used for a transfer; use sentencing_state and administering_state")
        if facts.get("sentencing_state") is None:
            c.err("sentencing_state", "required for a transfer")
        if facts.get("administering_state") is None:
            c.err("administering_state", "required for a transfer")
        if sentencing and administering and sentencing == administering:
            c.err("administering_state", "must differ from sentencing_state")

    if "date" in facts:
        on = c.date(facts["date"], "date")
    else:
        on = dt.datetime.now(dt.timezone.utc).date()

    purpose = facts.get("purpose")
    if purpose is not None and purpose not in PURPOSES:
        c.err("purpose", "one of " + ", ".join(PURPOSES))
        purpose = None

    person = Person()
    raw_person = facts.get("person")
    if raw_person is not None:
        if not isinstance(raw_person, dict):
            c.err("person", "must be an object")
        else:
            c.unknown_keys(raw_person, _PERSON_KEYS, "person.")
            person = Person(
                nationalities=c.states(raw_person.get("nationalities"), "person.nationalities"),
                age_at_offence=c.whole(raw_person.get("age_at_offence"), "person.age_at_offence",
                                       "must be a whole number of years between 0 and 130", 130),
                consent=c.boolean(raw_person.get("consent"), "person.consent"),
                refugee_status_granted_by=c.states(raw_person.get("refugee_status_granted_by"),
                                                   "person.refugee_status_granted_by"),
                naturalised_in=(c.states(raw_person.get("naturalised_in"), "person.naturalised_in")
                                if "naturalised_in" in raw_person else None),
                naturalisation_date=(c.date(raw_person["naturalisation_date"], "person.naturalisation_date")
                                     if raw_person.get("naturalisation_date") is not None else None),
            )
            for j, st in enumerate(person.naturalised_in or ()):
                if st not in person.nationalities:
                    c.err(f"person.naturalised_in[{j}]", "must also be one of person.nationalities")
            if person.naturalisation_date is not None:
                if not person.naturalised_in:
                    c.err("person.naturalisation_date", "give naturalised_in: the nationality acquired on that date")
                if on is not None and person.naturalisation_date > on:
                    c.err("person.naturalisation_date", "after the date of the assessment")

    offences: list[Offence] = []
    raw_offences = facts.get("offences")
    if raw_offences is None:
        if kind in ("extradition", "red_notice"):
            c.err("offences", "at least one offence is required")
    elif not isinstance(raw_offences, list):
        c.err("offences", "must be a list of offences")
    else:
        if not raw_offences and kind in ("extradition", "red_notice"):
            c.err("offences", "at least one offence is required")
        for i, raw in enumerate(raw_offences):
            off = _offence(c, raw, i)
            if off is not None:
                offences.append(off)

    assurances = c.codes(facts.get("assurances"), "assurances", ASSURANCES, "assurances")
    in_absentia = c.boolean(facts.get("in_absentia"), "in_absentia")

    risks: list[str] = []
    raw_risks = facts.get("risks")
    if raw_risks is not None:
        if not isinstance(raw_risks, dict):
            c.err("risks", "must be an object of true/false values")
        else:
            for key, value in raw_risks.items():
                if key not in RISKS:
                    c.err(f"risks.{key}", "unknown risk; expected one of " + ", ".join(RISKS))
                elif c.boolean(value, f"risks.{key}"):
                    risks.append(key)

    measures = c.codes(facts.get("measures"), "measures", MEASURES, "measures")
    if measures and kind not in (None, "mla"):
        c.err("measures", "only for mla requests")

    events: dict[str, dt.date] = {}
    raw_events = facts.get("events")
    if raw_events is not None:
        if not isinstance(raw_events, dict):
            c.err("events", "must be an object of event name to date")
        else:
            for key, value in raw_events.items():
                if key not in EVENTS:
                    c.err(f"events.{key}", "unknown event; expected one of " + ", ".join(EVENTS))
                    continue
                day = c.date(value, f"events.{key}")
                if day is not None:
                    events[key] = day

    # Impossible combinations.
    for o in offences:
        if o.committed_on is not None and on is not None and o.committed_on > on:
            c.err(f"offences[{o.index}].committed_on", "after the date of the assessment")
    if purpose == "enforcement" and offences and not any(
            o.sentence_months is not None or o.remaining_months is not None for o in offences):
        c.err("offences[0].sentence_months", "required when purpose is enforcement (there must be a sentence)")
    if "consent" in events and person.consent is False:
        c.err("person.consent", "false, but events.consent records a date of consent")

    if c.errors:
        raise InvalidFacts(c.errors)
    assert kind is not None and on is not None
    return Facts(
        kind=kind, date=on, requesting_state=requesting, requested_state=requested,
        sentencing_state=sentencing, administering_state=administering, purpose=purpose, person=person,
        offences=tuple(offences), assurances=frozenset(assurances), in_absentia=in_absentia,
        risks=frozenset(risks), measures=measures, events=tuple(sorted(events.items())),
    )


def _offence(c: _Checker, raw: Any, i: int) -> Offence | None:
    p = f"offences[{i}]."
    if not isinstance(raw, dict):
        c.err(f"offences[{i}]", "must be an object")
        return None
    c.unknown_keys(raw, _OFFENCE_KEYS, p)
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        c.err(p + "description", "must be text")
        description = None
    code = raw.get("iccs")
    if code is not None and (not isinstance(code, str) or code not in c.law.iccs):
        c.err(p + "iccs", "unknown ICCS code (UNODC ICCS v1.0, e.g. 0101)")
        code = None
    category = raw.get("list_category")
    if category is not None and category not in LIST_CATEGORIES:
        c.err(p + "list_category", "unknown category; expected one of the 32 EAW/EIO list categories "
              "(e.g. fraud, murder_grievous_bodily_injury)")
        category = None
    values: dict[str, Any] = {k: c.boolean(raw.get(k), p + k) for k in _OFFENCE_BOOLS}
    values.update({k: c.whole(raw.get(k), p + k) for k in _OFFENCE_MONTHS})
    committed_on = c.date(raw["committed_on"], p + "committed_on") if raw.get("committed_on") is not None else None
    sentence, remaining = values["sentence_months"], values["remaining_months"]
    if sentence is not None and remaining is not None and remaining > sentence:
        c.err(p + "remaining_months", "cannot exceed sentence_months")
    return Offence(
        index=i, description=description, iccs=code, list_category=category,
        committed_in=c.state(raw.get("committed_in"), p + "committed_in"),
        committed_on=committed_on,
        characteristics=c.codes(raw.get("characteristics"), p + "characteristics", CHARACTERISTICS,
                                "characteristics"),
        **values,
    )
