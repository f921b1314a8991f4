"""Request lifecycles, declared in data/lifecycles.yaml and checked when loaded.

A lifecycle says, for one kind of request, which statuses exist, which transitions lead between
them, which roles may fire each, and which legal clocks a transition starts. The UI shows the
transitions possible from a request's current status as its next steps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from dateutil.relativedelta import relativedelta

DATA = Path(__file__).parent / "data" / "lifecycles.yaml"
ROLES = {"admin", "supervisor", "caseworker", "prosecutor", "defence", "oversight"}
DIRECTIONS = ("outgoing", "incoming")
NOTICE_ACTIONS = ("publication", "ccf_challenge")
from comity.law import EVENTS as LAW_EVENTS  # noqa: E402  (pure package, no data loaded on import)


class LifecycleError(ValueError):
    """The lifecycle data is inconsistent; the message names the kind and the field."""


@dataclass(frozen=True)
class Clock:
    code: str
    label: str
    citation: str
    days: int | None
    months: int | None
    met_in: frozenset[str]
    instrument: str | None = None
    not_instrument: str | None = None
    legal: bool = True
    verified: bool = True

    def applies_to(self, instrument: str) -> bool:
        if self.instrument and instrument != self.instrument:
            return False
        if self.not_instrument and instrument == self.not_instrument:
            return False
        return True

    def due_from(self, start: dt.date) -> dt.date:
        if self.months:
            return start + relativedelta(months=self.months)
        return start + dt.timedelta(days=self.days or 0)


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


def _parse(kind: str, raw: dict) -> Lifecycle:
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
        if not c.get("citation"):
            _fail(kind, f"clocks.{code}.citation", "every clock needs a citation")
        if bool(c.get("days")) == bool(c.get("months")):
            _fail(kind, f"clocks.{code}", "give either days or months")
        for s in set(c.get("met_in") or []) - set(states):
            _fail(kind, f"clocks.{code}.met_in", f"{s!r} is not a declared state")
        if c.get("legal", True) and not (c.get("instrument") or c.get("rule_book")):
            _fail(kind, f"clocks.{code}.instrument", "a legal clock names the instrument it applies under "
                  "(instrument:) or the rule book that governs every such request (rule_book:)")
        if c.get("not_instrument"):
            _fail(kind, f"clocks.{code}.not_instrument", "a clock applies under its own instrument only: use "
                  "instrument:")
        clocks[code] = Clock(code=code, label=c.get("label", code), citation=c["citation"], days=c.get("days"),
                             months=c.get("months"), met_in=frozenset(c.get("met_in") or []),
                             instrument=c.get("instrument"), not_instrument=c.get("not_instrument"),
                             legal=c.get("legal", True), verified=c.get("verified", True))
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


def parse_lifecycles(text: str) -> dict[str, Lifecycle]:
    raw = yaml.safe_load(text) or {}
    raw.pop("roles", None)
    raw.pop("checks", None)
    return {kind: _parse(kind, spec) for kind, spec in raw.items()}


@lru_cache(maxsize=1)
def lifecycles() -> dict[str, Lifecycle]:
    return parse_lifecycles(DATA.read_text(encoding="utf-8"))


def lifecycle(kind: str) -> Lifecycle:
    try:
        return lifecycles()[kind]
    except KeyError:
        raise LifecycleError(f"no lifecycle for request kind {kind!r}") from None
