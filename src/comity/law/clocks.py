"""Legal clocks: deadlines started by procedural events, per instrument.

The rules (which event starts which period, under which article) are data in ``data/clocks.yaml``; the
periods are dated parameters. ``due`` is the deadline as the article states it: calendar periods add days
or months, business-day periods skip weekends and the requested state's public holidays (from the
``holidays`` library). For rules flagged ``roll_forward``, a deadline falling on a weekend or public holiday
of the requested state also gets ``next_working_day``: the day a time-computation rule such as Regulation
1182/71 Art 3(4) or the national code would extend it to. It is shown, not substituted, because whether
such a rule applies depends on the executing state's law; it is never given for release deadlines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .errors import InvalidInput, UnknownInstrument, field_error
from .dates import add_months as _add_months
from .loader import parse_date
from .provenance import fact_ref, parameter_ref

if TYPE_CHECKING:
    from .loader import LawData

EVENTS = (
    "provisional_arrest",
    "arrest",
    "consent",
    "request_received",
    "final_decision",
    "surrender_date",
    "recognition_decision",
    "presence_no_longer_required",
)

#: Clock-rule instruments that are not treaties in the instrument registry.
RULE_BOOKS = {"INTERPOL-CCF": "Statute of the Commission for the Control of INTERPOL's Files"}


@dataclass(frozen=True, slots=True)
class Clock:
    code: str
    due: dt.date
    citation: str
    instrument: str
    start_event: str
    start: dt.date
    period: str  # e.g. "60 days", "4 months", "10 business days"
    day_type: str
    verified: bool
    next_working_day: dt.date | None = None  # when ``due`` is not a working day in the requested state
    note: str | None = None
    rests_on: tuple[dict[str, Any], ...] = ()  # the dated parameters the period was read from

    def as_dict(self) -> dict[str, Any]:
        from .provenance import warning

        return {
            "code": self.code,
            "due": self.due.isoformat(),
            "citation": self.citation,
            "instrument": self.instrument,
            "start_event": self.start_event,
            "start": self.start.isoformat(),
            "period": self.period,
            "day_type": self.day_type,
            "verified": self.verified,
            "next_working_day": self.next_working_day.isoformat() if self.next_working_day else None,
            "note": self.note,
            "rests_on": list(self.rests_on),
            "warning": warning(self.rests_on),
        }


@lru_cache(maxsize=512)
def _holiday_dates(state: str, year: int) -> frozenset[dt.date]:
    import holidays

    try:
        return frozenset(holidays.country_holidays(state, years=year).keys())
    except (NotImplementedError, KeyError):
        return frozenset()


def holidays_supported(state: str) -> bool:
    import holidays

    try:
        holidays.country_holidays(state, years=2000)
        return True
    except (NotImplementedError, KeyError):
        return False


def is_working_day(day: dt.date, state: str | None) -> bool:
    if day.weekday() >= 5:
        return False
    return not (state and day in _holiday_dates(state, day.year))


def next_working_day(day: dt.date, state: str | None) -> dt.date:
    while not is_working_day(day, state):
        day += dt.timedelta(days=1)
    return day


def add_business_days(start: dt.date, n: int, state: str | None) -> dt.date:
    day = start
    while n > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, state):
            n -= 1
    return day


def normalise_events(events: Any) -> dict[str, dt.date]:
    if isinstance(events, dict):
        items = list(events.items())
    elif isinstance(events, (list, tuple)):
        items = []
        for i, item in enumerate(events):
            if isinstance(item, dict) and "event" in item:
                items.append((item["event"], item.get("date")))
            elif isinstance(item, (list, tuple)) and len(item) == 2:
                items.append((item[0], item[1]))
            else:
                raise field_error(f"events[{i}]", "each event is (name, date) or {event, date}", item)
    else:
        raise field_error("events", "must be a mapping of event name to date", events)
    out: dict[str, dt.date] = {}
    for name, value in items:
        if name not in EVENTS:
            raise field_error(f"events.{name}", f"unknown event; expected one of {', '.join(EVENTS)}")
        day = parse_date(value)
        if day is None:
            raise field_error(f"events.{name}", "not a date (YYYY-MM-DD)", value)
        out[name] = day
    return out


def compute_clocks(law: LawData, kind: str, instrument: str, events: dict[str, dt.date],
                   requested_state: str | None) -> list[Clock]:
    rules = [r for r in law.clock_rules if r.instrument == instrument]
    if not rules:
        if instrument not in law.instruments and instrument not in RULE_BOOKS:
            raise UnknownInstrument(f"instrument: unknown instrument {instrument!r}",
                                    [{"field": "instrument", "reason": "unknown instrument", "value": instrument}])
        return []
    kinds = sorted({r.kind for r in rules})
    if kind not in kinds:
        raise InvalidInput(f"kind: {instrument} has clocks for {', '.join(kinds)}, not {kind!r}",
                           [{"field": "kind", "reason": f"{instrument} has clocks for {', '.join(kinds)}",
                             "value": kind}])
    notes_state = None
    if requested_state and not holidays_supported(requested_state):
        notes_state = f"no public-holiday calendar for {requested_state}: only weekends skipped"
    done: dict[str, Clock] = {}
    out: list[Clock] = []
    for rule in rules:
        if rule.kind != kind:
            continue
        if rule.alternative_to and any(alt in events for alt in rule.alternative_to):
            continue
        if rule.start_event.startswith("clock:"):
            prior = done.get(rule.start_event[6:])
            if prior is None:
                continue
            start = prior.due
        else:
            if rule.start_event not in events:
                continue
            start = events[rule.start_event]
        param = law.parameters[rule.parameter].at(start)
        if param is None:
            continue  # the rule was not yet law on that date
        amount = int(param.value)
        verified = rule.verified and param.verified
        used = [fact_ref("clock_rule", f"{rule.instrument}:{rule.code}", f"{rule.citation.split(':')[0]} (clock rule)",
                         value=rule.code, source=rule.source, verified=rule.verified, read=rule.read),
                parameter_ref(param)]
        if rule.add_parameter:
            extra = law.parameters[rule.add_parameter].at(start)
            if extra is None:
                continue
            amount += int(extra.value)
            verified = verified and extra.verified
            used.append(parameter_ref(extra))
        if rule.unit == "months":
            due = _add_months(start, amount)
            period = f"{amount} months"
        elif rule.day_type == "business":
            due = add_business_days(start, amount, requested_state)
            period = f"{amount} business days"
        else:
            due = start + dt.timedelta(days=amount)
            period = f"{amount} days"
        moved = None
        if rule.roll_forward and not is_working_day(due, requested_state):
            moved = next_working_day(due, requested_state)
        note = "; ".join(n for n in (rule.note, notes_state if (rule.roll_forward or rule.day_type == "business")
                                     else None) if n) or None
        clock = Clock(rule.code, due, rule.citation, rule.instrument, rule.start_event, start, period,
                      rule.day_type, verified, moved, note, tuple(used))
        done[rule.code] = clock
        out.append(clock)
    return out
