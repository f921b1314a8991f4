"""Country profiles (profiles/<ISO2>.yaml): sourced facts about one State, each with its history.

A fact is ``{value, source, read, verified, note}`` (plus ``as_of``, ``since`` or ``states`` where they say
something), or ``{history: [...]}``: its values with the day each took effect (``from``), the first possibly
undated; keys beside ``history`` are inherited by every value. ``extradites_nationals`` is structured: a bar
(none, constitutional, statutory) with its article, and the exceptions to it, each with its article.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

from ..model import (
    NATIONALS_EXCEPTIONS,
    NATURALISED_OFFENCES,
    CountryProfile,
    Fact,
    NationalsException,
    NationalsRule,
)
from .issues import Issues, read_file, require_read_source
from .models import FactRow, HistoryFactRow, NationalsExceptionRow, NationalsRow, ProfileRow

PROFILE_ENUMS = {
    "extradition_basis": ("treaty_only", "treaty_or_reciprocity", "domestic_law"),
    "death_penalty": (
        "abolitionist_all",
        "abolitionist_ordinary",
        "abolitionist_in_practice",
        "retentionist",
    ),
}
PROFILE_BOOLS = ("interpol_member", "eu_member", "eaw", "eio", "coe_member", "echr_party")

#: Keys a profile fact may carry beside its value.
FACT_META = ("value", "source", "verified", "note", "read", "from")
NATIONALS_KEYS = ("bar", "article", "exceptions")
_NOT_A_FACT = "a fact is {value, source, read, verified} or {history: [...]}"


def load_profiles(issues: Issues, profiles_dir: Path) -> dict[str, CountryProfile]:
    profiles: dict[str, CountryProfile] = {}
    if profiles_dir.exists():
        for path in sorted(profiles_dir.glob("*.yaml")):
            doc = read_file(issues, path)
            if doc is None:
                continue
            prof = load_profile(issues, path, doc)
            if prof is not None:
                profiles[prof.state] = prof
    return profiles


def load_profile(issues: Issues, path: Path, doc: Any) -> CountryProfile | None:
    if not isinstance(doc, dict):
        issues.error(path, 1, "", "a profile is a mapping")
        return None
    n = len(issues)
    row = issues.validate(ProfileRow, path, doc, "")
    state = row.state if row else None
    if state and path.stem != state:
        issues.error(path, issues.line(doc, "state"), "state", f"file name says {path.stem}")
    facts: dict[str, Fact] = {}
    histories: dict[str, tuple[Fact, ...]] = {}
    for key, node in doc.items():
        if key in ("state", "name", "notes"):
            continue
        if isinstance(node, dict) and "history" in node:
            loaded = _history(issues, path, key, node)
            if loaded:
                histories[key] = tuple(loaded)
                facts[key] = loaded[-1]
            continue
        fact = load_fact(issues, path, key, node, node, key, in_history=False, line=issues.line(doc, key))
        if fact is not None:
            facts[key] = fact
    if len(issues) > n or state is None:
        return None
    return CountryProfile(state, (row.name if row else None) or "", facts, doc.get("notes"), issues.rel(path),
                          histories)


def _history(issues: Issues, path: Path, key: str, node: dict[str, Any]) -> list[Fact]:
    """A fact's values in the order they took effect; every value after the first says from when."""
    items = node.get("history")
    if not isinstance(items, list) or not items:
        issues.error(path, issues.line(node, "history"), f"{key}.history", "must be a non-empty list of values")
        return []
    inherited = {k: v for k, v in node.items() if k != "history"}
    loaded = []
    for j, item in enumerate(items):
        hctx = f"{key}.history[{j}]"
        if not isinstance(item, dict):
            issues.error(path, issues.line(items, j), hctx, "must be a mapping")
            continue
        fact = load_fact(issues, path, key, {**inherited, **item}, item, hctx, in_history=True,
                         inherited=inherited)
        if fact is not None:
            loaded.append(fact)
    starts = [f.valid_from for f in loaded]
    if any(d is None for d in starts[1:]):
        issues.error(path, issues.line(node, "history"), f"{key}.history", "every value after the first needs from:")
    elif len(starts) > 1 and any(a is not None and b is not None and b <= a for a, b in pairwise(starts)):
        issues.error(path, issues.line(node, "history"), f"{key}.history", "values must be in order of from:")
    return loaded


def load_fact(issues: Issues, path: Path, key: str, node: Any, marks: Any, ctx: str, *, in_history: bool,
              inherited: dict[str, Any] | None = None, line: int | None = None) -> Fact | None:
    """One profile fact, or one value of its history (``node`` merges the history item ``marks`` over the
    fact's own keys, ``inherited``)."""
    if not isinstance(node, dict) or ("value" not in node and key != "extradites_nationals"):
        issues.error(path, issues.line(marks) if isinstance(marks, dict) else (line or 0), ctx, _NOT_A_FACT)
        return None
    row = issues.validate(HistoryFactRow if in_history else FactRow, path, marks, f"{ctx}.", inherited)
    if row is None:
        return None
    if key == "extradites_nationals":
        value: Any = load_nationals(issues, path, node, marks, ctx)
    else:
        value = row.value
    source = row.source
    if value is not None and (not isinstance(source, str) or not source.strip()):
        issues.error(path, issues.line(marks, "source"), f"{ctx}.source", "missing")
    if row.verified:
        require_read_source(issues, path, marks, f"{ctx}.", str(source or ""), row.read)
    _check_value(issues, path, key, value, marks, ctx)
    return Fact(value, source, bool(row.verified), _extra(issues, path, key, node, marks, ctx, row), row.note,
                row.read, row.valid_from if in_history else None)


def _check_value(issues: Issues, path: Path, key: str, value: Any, marks: Any, ctx: str) -> None:
    """The facts the engine reads take their values from a fixed vocabulary."""
    line = issues.line(marks, "value")
    if key in PROFILE_ENUMS and value is not None and value not in PROFILE_ENUMS[key]:
        issues.error(path, line, f"{ctx}.value", f"must be one of {', '.join(PROFILE_ENUMS[key])}")
    if key in PROFILE_BOOLS and value is not None and not isinstance(value, bool):
        issues.error(path, line, f"{ctx}.value", "must be true/false")
    if key == "languages_accepted" and value is not None and not isinstance(value, list):
        issues.error(path, line, f"{ctx}.value", "must be a list of language codes")


def _extra(issues: Issues, path: Path, key: str, node: dict[str, Any], marks: Any, ctx: str, row: FactRow
           ) -> dict[str, Any]:
    """What a fact says beside its value (``as_of``, ``since``, ``states``, ...), in the file's order."""
    extra: dict[str, Any] = {}
    for ek, ev in node.items():
        if ek in FACT_META or ek in NATIONALS_KEYS and key == "extradites_nationals":
            continue
        if ek in ("as_of", "since"):
            ev = getattr(row, ek)
        if ek == "states":
            if not isinstance(ev, list):
                issues.error(path, issues.line(marks, ek), f"{ctx}.states", "must be a list")
                ev = []
            for j, st in enumerate(ev):
                issues.state(path, issues.line(marks, ek), f"{ctx}.states[{j}]", st)
            ev = list(ev)
        extra[ek] = ev
    return extra


def load_nationals(issues: Issues, path: Path, node: dict[str, Any], marks: Any, ctx: str) -> NationalsRule | None:
    """``extradites_nationals``: {bar, article, exceptions: [{kind, article, offences, states, conditions}]}."""
    if "value" in node:
        issues.error(path, issues.line(marks, "value"), f"{ctx}.value",
                     "extradites_nationals is structured: bar (none | constitutional | statutory), article, exceptions")
        return None
    row = issues.validate(NationalsRow, path, marks, f"{ctx}.",
                          {k: v for k, v in node.items() if k in NATIONALS_KEYS})
    if row is None or row.bar is None:
        return None
    article = row.article
    if row.bar != "none" and (not isinstance(article, str) or not article.strip()):
        issues.error(path, issues.line(marks, "article"), f"{ctx}.article", "a bar names its article")
    raw = row.exceptions or []
    if not isinstance(raw, list):
        issues.error(path, issues.line(marks, "exceptions"), f"{ctx}.exceptions", "must be a list")
        raw = []
    exceptions = []
    for j, e in enumerate(raw):
        ectx = f"{ctx}.exceptions[{j}]"
        if not isinstance(e, dict):
            issues.error(path, issues.line(raw, j), ectx, "must be a mapping")
            continue
        exception = _nationals_exception(issues, path, e, ectx)
        if exception is not None:
            exceptions.append(exception)
    if row.bar == "none" and exceptions:
        issues.error(path, issues.line(marks, "exceptions"), f"{ctx}.exceptions", "no bar, so no exceptions")
    return NationalsRule(row.bar, article.strip() if isinstance(article, str) else None, tuple(exceptions))


def _nationals_exception(issues: Issues, path: Path, e: dict[str, Any], ectx: str) -> NationalsException | None:
    kind = e.get("kind")
    if kind not in NATIONALS_EXCEPTIONS:
        issues.error(path, issues.line(e, "kind"), f"{ectx}.kind", f"must be one of {', '.join(NATIONALS_EXCEPTIONS)}")
        return None
    row = issues.validate(NationalsExceptionRow, path, e, f"{ectx}.")
    if row is None:
        return None
    offences = row.offences or []
    if kind == "naturalised":
        bad = [o for o in offences if o not in NATURALISED_OFFENCES]
        if not offences or bad:
            issues.error(path, issues.line(e, "offences"), f"{ectx}.offences",
                         f"naturalised needs offences among {', '.join(NATURALISED_OFFENCES)}")
    if kind == "offences" and not offences:
        issues.error(path, issues.line(e, "offences"), f"{ectx}.offences", "list the offences the exception covers")
    states = e.get("states") or []
    for k, st in enumerate(states if isinstance(states, list) else []):
        issues.state(path, issues.line(e, "states"), f"{ectx}.states[{k}]", st)
    return NationalsException(kind, str(row.article or ""), tuple(offences), tuple(states or ()),
                              row.conditions, row.note)
