"""Request lifecycles, declared in data/lifecycles.yaml and checked when loaded.

A lifecycle says, for one kind of request, which statuses exist, which transitions lead between
them, which roles may fire each, and which legal clocks a transition starts. The UI shows the
transitions possible from a request's current status as its next steps.

A legal clock is defined once, in the law: the lifecycle names the law's clock rule (``rule:
INSTRUMENT/code``, with ``@start_event`` where the law has rules of that code with different periods) and
takes from it the period (the rule's dated parameter, the value in force on the day the clock starts), the
citation (the article the rule cites), the instrument the clock runs under and whether it is verified. Only a
clock that is not a legal deadline (``legal: false``, a follow-up practice) declares its own days or months
and citation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from comity.errors import DataError
from comity.law.dates import add_months

if TYPE_CHECKING:
    from comity.law import LawData

DATA = Path(__file__).parent / "data" / "lifecycles.yaml"
ROLES = {"admin", "supervisor", "caseworker", "prosecutor", "defence", "oversight"}
DIRECTIONS = ("outgoing", "incoming")
NOTICE_ACTIONS = ("publication", "ccf_challenge")
from comity.law import EVENTS as LAW_EVENTS  # noqa: E402  (pure package, no data loaded on import)


class LifecycleError(DataError, ValueError):
    """The lifecycle data is inconsistent; the message names the kind and the field."""


@dataclass(frozen=True)
class Clock:
    code: str
    label: str
    citation: str
    days: int | None  # the period in days (a legal clock: the law's latest dated value), or None
    months: int | None  # the period in calendar months, or None
    met_in: frozenset[str]
    instrument: str | None = None
    not_instrument: str | None = None
    legal: bool = True
    verified: bool = True
    rule: str | None = None  # the law's clock rule a legal clock follows ("INSTRUMENT/code[@start_event]")
    periods: tuple[tuple[dt.date, int], ...] = ()  # a legal clock: the law's period by the date it applies from

    def applies_to(self, instrument: str) -> bool:
        if self.instrument and instrument != self.instrument:
            return False
        if self.not_instrument and instrument == self.not_instrument:
            return False
        return True

    def period_on(self, start: dt.date) -> int:
        """The length of the period (days or months) for a clock started on ``start``: for a legal clock, the
        law's value in force that day (before the law's first dated value, that first value: the lifecycle
        keeps showing a due date where the law's own clocks() gives none)."""
        if not self.periods:
            return self.months or self.days or 0
        amount = self.periods[0][1]
        for since, value in self.periods:
            if since <= start:
                amount = value
        return amount

    def due_from(self, start: dt.date) -> dt.date:
        if self.months:
            return add_months(start, self.period_on(start))
        return start + dt.timedelta(days=self.period_on(start))


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    direction: str | None = None
    notice_action: str | None = None
    starts_clocks: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    guards: tuple[str, ...] = ()

    def matches(self, *, status: str, direction: str, notice_action: str | None) -> bool:
        """Whether this transition leads out of `status` for a request with these attributes."""
        if status not in self.sources:
            return False
        if self.direction and self.direction != direction:
            return False
        if self.notice_action and self.notice_action != notice_action:
            return False
        return True

    def permits(self, role: str) -> bool:
        return role in self.roles or (role == "admin" and "supervisor" in self.roles)


@dataclass(frozen=True)
class Lifecycle:
    kind: str
    label: str
    states: dict[str, str]
    initial: dict[str, str]
    terminal: frozenset[str]
    transitions: tuple[Transition, ...]
    clocks: dict[str, Clock] = field(default_factory=dict)

    def next_steps(self, *, status: str, direction: str, notice_action: str | None) -> list[Transition]:
        return [t for t in self.transitions if t.matches(status=status, direction=direction, notice_action=notice_action)]

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def state_label(self, status: str) -> str:
        return self.states.get(status, status)

    def is_irreversible(self, t: Transition) -> bool:
        """A step into a terminal status (withdraw, close, refuse) cannot be undone: the UI asks for
        confirmation and the action for a reason."""
        return t.target in self.terminal


def _fail(kind: str, where: str, reason: str):
    raise LifecycleError(f"{DATA.name}: {kind}: {where}: {reason}")


#: Keys a legal clock takes from the law's rule rather than declaring them.
FROM_THE_LAW = ("days", "months", "citation", "instrument", "rule_book", "verified")


def _law_clock(kind: str, code: str, ref, law: LawData) -> dict:
    """The period, citation, instrument and verification of a legal clock, from the law's clock rule ``ref``
    ("INSTRUMENT/code" or "INSTRUMENT/code@start_event")."""
    from comity.law.clocks import RULE_BOOKS

    where = f"clocks.{code}.rule"
    instrument, _, rest = str(ref or "").partition("/")
    rule_code, _, start_event = rest.partition("@")
    if not instrument or not rule_code:
        _fail(kind, where, f"{ref!r} is not INSTRUMENT/code or INSTRUMENT/code@start_event")
    same = [r for r in law.clock_rules if r.instrument == instrument and r.code == rule_code]
    rules = [r for r in same if not start_event or r.start_event == start_event]
    if not rules:
        starts = f" (its start events: {', '.join(sorted({r.start_event for r in same}))})" if same else ""
        _fail(kind, where, f"no clock rule {ref!r} in the law (comity.law data/clocks.yaml){starts}")

    def shape(r):
        return r.parameter, r.add_parameter, r.unit, r.day_type, r.citation.split(":")[0].strip()

    if len({shape(r) for r in rules}) > 1:
        _fail(kind, where, f"the law has rules {ref!r} with different periods or citations: name one with "
              f"@start_event ({', '.join(sorted({r.start_event for r in rules}))})")
    rule = rules[0]
    if rule.add_parameter:
        _fail(kind, where, f"{ref!r} adds an extension ({rule.add_parameter}); name the rule of the period itself")
    if rule.day_type != "calendar":
        _fail(kind, where, f"{ref!r} counts {rule.day_type} days; a lifecycle clock counts calendar days or months")
    param = law.parameters[rule.parameter]
    periods = tuple((since, int(value)) for since, value, *_ in param.values)
    latest = periods[-1][1]
    months = rule.unit == "months"
    return {"citation": rule.citation.split(":")[0].strip(), "days": None if months else latest,
            "months": latest if months else None,
            "instrument": None if rule.instrument in RULE_BOOKS else rule.instrument,
            "verified": bool(rule.verified and param.values[-1][3]), "rule": str(ref), "periods": periods}


def _parse(kind: str, raw: dict, law=None) -> Lifecycle:
    states = raw.get("states") or {}
    if not states:
        _fail(kind, "states", "no states declared")
    initial = raw.get("initial") or {}
    for direction in DIRECTIONS:
        if initial.get(direction) not in states:
            _fail(kind, f"initial.{direction}", f"{initial.get(direction)!r} is not a declared state")
    terminal = frozenset(raw.get("terminal") or [])
    for s in terminal - set(states):
        _fail(kind, "terminal", f"{s!r} is not a declared state")
    clocks: dict[str, Clock] = {}
    for code, c in (raw.get("clocks") or {}).items():
        legal = c.get("legal", True) is not False
        if legal:
            # A legal deadline is the law's: its period, citation and instrument come from the clock rule.
            if not c.get("rule"):
                _fail(kind, f"clocks.{code}.rule", "a legal clock names the law's clock rule it follows "
                      "(rule: INSTRUMENT/code); a clock that is not a legal deadline says legal: false")
            for key in FROM_THE_LAW:
                if key in c:
                    _fail(kind, f"clocks.{code}.{key}", f"comes from the law's clock rule {c['rule']!r}; "
                          f"remove {key}: here")
        else:
            if c.get("rule"):
                _fail(kind, f"clocks.{code}.rule", "a clock that is not a legal deadline (legal: false) follows "
                      "no law rule; give its own days or months and citation")
            if not c.get("citation"):
                _fail(kind, f"clocks.{code}.citation", "every clock needs a citation")
            if bool(c.get("days")) == bool(c.get("months")):
                _fail(kind, f"clocks.{code}", "give either days or months")
        for s in set(c.get("met_in") or []) - set(states):
            _fail(kind, f"clocks.{code}.met_in", f"{s!r} is not a declared state")
        if c.get("not_instrument"):
            _fail(kind, f"clocks.{code}.not_instrument", "a clock applies under its own instrument only: use "
                  "instrument:")
        if legal:
            if law is None:
                from comity.law import get_law

                law = get_law()
            spec = _law_clock(kind, code, c["rule"], law)
        else:
            spec = {"citation": c["citation"], "days": c.get("days"), "months": c.get("months"),
                    "instrument": c.get("instrument"), "verified": c.get("verified", True)}
        clocks[code] = Clock(code=code, label=c.get("label", code), met_in=frozenset(c.get("met_in") or []),
                             not_instrument=c.get("not_instrument"), legal=legal, **spec)
    transitions = []
    seen = set()
    for i, t in enumerate(raw.get("transitions") or []):
        where = f"transitions[{i}]"
        name = t.get("name")
        if not name or name in seen:
            _fail(kind, where, f"missing or duplicate name {name!r}")
        seen.add(name)
        for s in t.get("from") or []:
            if s not in states:
                _fail(kind, f"{where}.from", f"{s!r} is not a declared state")
        if t.get("to") not in states:
            _fail(kind, f"{where}.to", f"{t.get('to')!r} is not a declared state")
        roles = set(t.get("roles") or [])
        if not roles or roles - ROLES:
            _fail(kind, f"{where}.roles", f"unknown or missing roles {sorted(roles - ROLES)}")
        if t.get("direction") not in (None, *DIRECTIONS):
            _fail(kind, f"{where}.direction", f"{t.get('direction')!r} is not a direction")
        if t.get("notice_action") not in (None, *NOTICE_ACTIONS):
            _fail(kind, f"{where}.notice_action", f"{t.get('notice_action')!r} is not a notice action")
        for c in t.get("starts_clocks") or []:
            if c not in clocks:
                _fail(kind, f"{where}.starts_clocks", f"{c!r} is not a declared clock")
        events = t.get("event") or []
        for e in events:
            if e not in LAW_EVENTS:
                _fail(kind, f"{where}.event", f"{e!r} is not a computable-law event ({', '.join(LAW_EVENTS)})")
        from comity.cases.guards import KNOWN as KNOWN_GUARDS

        for g in t.get("guards") or []:
            if g not in KNOWN_GUARDS:
                _fail(kind, f"{where}.guards", f"{g!r} is not a known guard ({', '.join(sorted(KNOWN_GUARDS))})")
        transitions.append(Transition(name=name, label=t.get("label", name), sources=frozenset(t.get("from") or []),
                                      target=t["to"], roles=frozenset(roles), direction=t.get("direction"),
                                      notice_action=t.get("notice_action"),
                                      starts_clocks=tuple(t.get("starts_clocks") or []), events=tuple(events),
                                      guards=tuple(t.get("guards") or [])))
    return Lifecycle(kind=kind, label=raw.get("label", kind), states=dict(states), initial=dict(initial),
                     terminal=terminal, transitions=tuple(transitions), clocks=clocks)


def parse_lifecycles(text: str, law: LawData | None = None) -> dict[str, Lifecycle]:
    """Parse and check lifecycles; legal clocks are resolved against ``law`` (default: the process's law
    data, comity.law.get_law())."""
    raw = yaml.safe_load(text) or {}
    raw.pop("roles", None)
    raw.pop("checks", None)
    return {kind: _parse(kind, spec, law) for kind, spec in raw.items()}


@lru_cache(maxsize=1)
def lifecycles() -> dict[str, Lifecycle]:
    return parse_lifecycles(DATA.read_text(encoding="utf-8"))


def lifecycle(kind: str) -> Lifecycle:
    try:
        return lifecycles()[kind]
    except KeyError:
        raise LifecycleError(f"no lifecycle for request kind {kind!r}") from None
