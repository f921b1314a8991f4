"""What an answer rests on: each legal fact used, with its source, the day it was read and whether it is verified.

Every legal-basis answer, assessment ground and legal clock lists the facts it used (instrument party rows,
country-profile facts, dated parameters) as small dicts made here, so that the web page, the memo, the API
and the command line can all say, in the same words, when an answer rests on a fact nobody has checked
(``verified: false``) or on one read too long ago to rely on without looking again (``stale``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

#: A verified fact read longer ago than this is shown as stale: treaties gain parties and laws change.
STALE_AFTER_DAYS = 730
#: Evidence about a practice (the death penalty: Amnesty's yearly report) older than this is stale too.
EVIDENCE_STALE_AFTER_DAYS = 3 * 365


def _today() -> dt.date:
    return dt.date.today()


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def fact_ref(kind: str, ref: str, label: str, *, value: Any, source: str | None, verified: bool,
             read: dt.date | None, as_of: dt.date | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """One fact an answer used. ``stale`` is set when a verified fact was read (or its evidence dates from) too
    long ago; an unverified fact is reported as unverified, whatever its age."""
    today = today or _today()
    stale = bool(verified) and (
        read is None
        or (today - read).days > STALE_AFTER_DAYS
        or (as_of is not None and (today - as_of).days > EVIDENCE_STALE_AFTER_DAYS)
    )
    out = {
        "kind": kind,
        "ref": ref,
        "label": label,
        "value": _plain(value),
        "source": source,
        "read": _iso(read),
        "verified": bool(verified),
        "stale": stale,
    }
    if as_of is not None:
        out["as_of"] = _iso(as_of)
    return out


def _plain(value: Any) -> Any:
    if hasattr(value, "summary") and hasattr(value, "as_dict"):
        return value.describe()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def party_ref(instrument: Any, party: Any) -> dict[str, Any]:
    """A party row: the State is bound by the instrument from its entry into force."""
    if party is None:
        return fact_ref("party", f"{instrument.id}/?", f"{instrument.short_title}: party", value=None,
                        source=None, verified=False, read=None)
    dates = []
    if party.ratification:
        dates.append(f"{(party.deposit_kind or 'ratification').replace('_', ' ')} {party.ratification.isoformat()}")
    if party.entry_into_force:
        derived = " (derived)" if party.entry_into_force_derived else ""
        dates.append(f"in force {party.entry_into_force.isoformat()}{derived}")
    if party.withdrawal:
        dates.append(f"ceases {party.withdrawal.isoformat()}")
    value = ", ".join(dates) or "party; dates not recorded"
    return fact_ref("party", f"{instrument.id}/{party.state}", f"{instrument.short_title}: {party.state}",
                    value=value, source=party.source, verified=party.verified, read=party.read)


def profile_ref(state: str, name: str, fact: Any) -> dict[str, Any]:
    as_of = fact.extra.get("as_of") if isinstance(fact.extra, dict) else None
    from ..vocabulary import label as vocab_label, registry

    label = f"{state} profile: {vocab_label('profile_fact', name).lower()}"
    if getattr(fact, "valid_from", None):
        label += f" (from {fact.valid_from.isoformat()})"
    value = fact.value
    if isinstance(value, str) and name in registry():
        value = vocab_label(name, value)
    elif isinstance(value, bool):
        value = "yes" if value else "no"
    return fact_ref("profile", f"{state}.{name}", label, value=value, source=fact.source,
                    verified=fact.verified, read=fact.read, as_of=as_of if isinstance(as_of, dt.date) else None)


def parameter_ref(value: Any) -> dict[str, Any]:
    """A dated parameter (``ParameterValue``)."""
    return fact_ref("parameter", value.name, f"{value.name} (from {value.valid_from.isoformat()})",
                    value=f"{value.value} {value.unit}".strip(), source=value.reference, verified=value.verified,
                    read=getattr(value, "read", None))


def dedupe(refs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for r in refs:
        seen.setdefault(r["ref"], r)
    return list(seen.values())


def summary(refs: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Counts and the warning to show, for a list of fact references."""
    refs = dedupe(refs)
    unverified = [r for r in refs if not r["verified"]]
    stale = [r for r in refs if r["stale"]]
    return {
        "facts": len(refs),
        "verified": len(refs) - len(unverified),
        "unverified": len(unverified),
        "stale": len(stale),
        "warning": warning(refs),
    }


def warning(refs: Iterable[dict[str, Any]]) -> str | None:
    """A sentence for the reader when the answer rests on unverified or stale facts, else None."""
    refs = dedupe(refs)
    unverified = [r["label"] for r in refs if not r["verified"]]
    stale = [r["label"] for r in refs if r["stale"]]
    parts = []
    if unverified:
        parts.append(f"{len(unverified)} unverified fact{'s' if len(unverified) != 1 else ''} "
                     f"({_names(unverified)})")
    if stale:
        parts.append(f"{len(stale)} fact{'s' if len(stale) != 1 else ''} read more than "
                     f"{STALE_AFTER_DAYS // 365} years ago or resting on old evidence ({_names(stale)})")
    if not parts:
        return None
    return "This answer rests on " + " and ".join(parts) + ": check them against the official source."


def _names(labels: list[str], limit: int = 4) -> str:
    shown = "; ".join(labels[:limit])
    return shown + (f"; and {len(labels) - limit} more" if len(labels) > limit else "")
