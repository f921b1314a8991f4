"""Building blocks of the rule sets: citations, findings, the context a rule reads, and the rule-set version.

A rule is a small pure function ``(ctx) -> list[Finding]``. Each finding names its ground, its effect
(mandatory: the requested state must refuse; optional: it may refuse), the assurance that cures it (if any),
and the citation of the text it applies, with ``verified`` false where the article number or wording has not
been checked against the official text (shared/reference/legal-rules.md tags [U] and [S]).

Rule-set versions (keep every released version here; a change of any rule makes a new version, so an
assessment can be reproduced with the version it names):

- ``assess-2``: own nationals follow the requested State's structured rule (constitutional or statutory bar
  and its exceptions: consent, naturalised nationals, EU/Nordic surrender, treaty, reciprocity, return to
  serve), profile facts in force on the assessment date, and each ground lists the facts it rests on.
- ``assess-1``: first rule set (ECE and protocols, EAW, generic treaty model, UN suppression conventions,
  ECHR / Charter overlay; CETS-030 and protocols, EIO, UNTOC/UNCAC MLA, generic MLA model; INTERPOL Red
  Notices; CETS-112 and FD 2008/909 transfers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .. import get_law
from .. import LawError
from .facts import Facts, Offence

RULES_VERSION_NAME = "assess-2"


def rules_version() -> str:
    """The version of the rule set and of the legal data it reads (both decide the result)."""
    fingerprint = str(getattr(get_law(), "fingerprint", "") or "unknown")
    return f"{RULES_VERSION_NAME}+law.{fingerprint[:12]}"


RULES_VERSION = rules_version()

MANDATORY = "mandatory"
OPTIONAL = "optional"


@dataclass(frozen=True, slots=True)
class Cite:
    """A citation of the provision a rule applies; ``verified`` false where it was not checked."""

    text: str
    verified: bool = True
    facts: tuple[dict[str, Any], ...] = ()  # the data facts (profile, party rows) the finding rests on


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    effect: str
    cite: Cite
    explanation: str
    cured_by: str | None = None  # the assurance that cures the ground
    offences: tuple[int, ...] = ()


@dataclass
class Context:
    facts: Facts
    basis: list[str]  # instrument ids, primary first
    primary: str | None
    deciding_profile: Any  # CountryProfile | None
    receiving_profile: Any
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the rules considered and set aside (a bar lifted, ...)

    @property
    def on(self) -> dt.date:
        return self.facts.date

    def has(self, instrument_id: str) -> bool:
        return instrument_id in self.basis

    def add(self, code: str, effect: str, cite: Cite, explanation: str, *, cured_by: str | None = None,
            offences: tuple[int, ...] | list[int] = ()) -> None:
        self.findings.append(Finding(code, effect, cite, explanation, cured_by, tuple(offences)))

    def profile_value(self, which: str, name: str, default: Any = None) -> Any:
        """A country-profile fact; a fact that holds only ``since`` a date (e.g. EU membership) is treated as
        false before that date, so the law in force on the assessment date is applied."""
        prof = self.deciding_profile if which == "deciding" else self.receiving_profile
        fact = None if prof is None else prof.fact(name, self.on)
        if fact is None:
            return default
        since = fact.extra.get("since") if isinstance(fact.extra, dict) else None
        if since is not None and fact.value is True:
            start = since if isinstance(since, dt.date) else _parse(since)
            if start is not None and self.on < start:
                return False
        return fact.value

    def profile_source(self, which: str, name: str) -> Cite | None:
        """The citation of a profile fact in force on the assessment date, carrying the fact it rests on."""
        from ..provenance import profile_ref

        prof = self.deciding_profile if which == "deciding" else self.receiving_profile
        fact = None if prof is None else prof.fact(name, self.on)
        if fact is None:
            return None
        return Cite(fact.source or f"country profile of {prof.state}: {name}", fact.verified,
                    (profile_ref(prof.state, name, fact),))


def _parse(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def param(name: str, on: dt.date, default: int) -> tuple[int, bool]:
    """Value of a dated parameter in force on ``on`` (and whether it is verified); ``default`` if absent."""
    from .. import parameter

    try:
        value = parameter(name, on)
    except LawError:
        return default, False
    return int(value.value), value.verified


def offences_where(facts: Facts, pred) -> list[Offence]:
    return [o for o in facts.offences if pred(o)]


def labels(offences: list[Offence]) -> str:
    return "; ".join(o.label for o in offences)


def unverified_note(cite: Cite) -> str:
    return "" if cite.verified else " (Citation not verified against the official text: check it before relying on it.)"
