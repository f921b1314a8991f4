"""Public functions of ``comity.law``. Plain data in, plain data (dataclasses) out; no Django.

The validated data set is loaded once per process (``get_law``); tests and tools can swap it with
``use_law`` (for example a fixture data set with its own country profiles).
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from .basis import LegalBasis, find_legal_basis
from .clocks import Clock, compute_clocks, normalise_events
from .errors import InvalidInput, UnknownInstrument, UnknownParameter, UnknownState, field_error
from .loader import LawData, load_law, parse_date
from .model import COOPERATION_KINDS, CountryProfile, Instrument, OffenceCategory, ParameterValue

_lock = threading.Lock()
_law: LawData | None = None


def get_law() -> LawData:
    """The process-wide validated data set (loaded on first use)."""
    global _law
    if _law is None:
        with _lock:
            if _law is None:
                _law = load_law()
    return _law


def use_law(law: LawData | None = None, *, data_dir: str | Path | None = None,
            profiles_dir: str | Path | None = None) -> LawData:
    """Replace the process-wide data set (pass nothing to reload the packaged data)."""
    global _law
    if law is None:
        kwargs: dict[str, Any] = {}
        if data_dir is not None:
            kwargs["data_dir"] = data_dir
        if profiles_dir is not None:
            kwargs["profiles_dir"] = profiles_dir
        law = load_law(**kwargs)
    with _lock:
        _law = law
    return law


# ---------------------------------------------------------------------------------------- input checks


def check_state(value: Any, field: str = "state", law: LawData | None = None) -> str:
    law = law or get_law()
    if not isinstance(value, str) or not value.strip():
        raise field_error(field, "an ISO 3166-1 alpha-2 code is required", value, UnknownState)
    code = value.strip().upper()
    if code not in law.state_names:
        raise field_error(field, "not an ISO 3166-1 alpha-2 code", value, UnknownState)
    return code


def check_date(value: Any, field: str = "date") -> dt.date:
    if value is None:
        return dt.datetime.now(dt.timezone.utc).date()
    day = parse_date(value)
    if day is None:
        raise field_error(field, "not a date (YYYY-MM-DD)", value)
    return day


def check_kind(value: Any, field: str = "kind") -> str:
    if value not in COOPERATION_KINDS:
        raise field_error(field, f"must be one of {', '.join(COOPERATION_KINDS)}", value)
    return value


# ---------------------------------------------------------------------------------------- public API


def legal_basis(requesting: str, requested: str, kind: str, on_date: dt.date | str | None = None) -> LegalBasis:
    """Instruments on which ``requesting`` can ask ``requested`` for ``kind`` of cooperation on ``on_date``.

    Returns a ``LegalBasis``: a list of ``BasisResult`` in the order a practitioner would rely on them
    (empty when there is none), with ``.reason`` (why, or why none) and ``.excluded`` (what was considered and
    left out, and why). ``kind`` is extradition | mla | transfer | asset_recovery; ``on_date`` defaults to today.
    """
    law = get_law()
    rq = check_state(requesting, "requesting", law)
    rd = check_state(requested, "requested", law)
    kind = check_kind(kind)
    on = check_date(on_date, "on_date")
    if rq == rd:
        raise field_error("requested", "must differ from the requesting state", requested)
    return find_legal_basis(law, rq, rd, kind, on)


def law_data_version() -> dict[str, Any]:
    """Which legal data answered: its version, the day it was last refreshed, and the content fingerprint."""
    law = get_law()
    version = getattr(law, "data_version", None) or {}
    refreshed = version.get("refreshed")
    return {
        "version": version.get("version") or "unversioned",
        "refreshed": refreshed.isoformat() if hasattr(refreshed, "isoformat") else refreshed,
        "fingerprint": str(law.fingerprint)[:12],
    }


def country_profile(state: str) -> CountryProfile:
    """The sourced profile of ``state`` (UnknownState if the code is invalid or no profile exists)."""
    law = get_law()
    code = check_state(state, "state", law)
    prof = law.profiles.get(code)
    if prof is None:
        raise field_error("state", "no country profile for this state", code, UnknownState)
    return prof


_ALIASES = {
    "EAW": "EU-EAW", "EIO": "EU-EIO", "TCA": "EU-UK-TCA", "EU-UK": "EU-UK-TCA", "PALERMO": "UNTOC",
    "MERIDA": "UNCAC", "BUDAPEST": "CETS-185", "UNTOC-2000": "UNTOC", "VIENNA-1988": "UN-1988",
    "CCF": "INTERPOL-CCF", "INTERPOL": "INTERPOL-CCF",
}


def resolve_instrument_id(value: Any, law: LawData | None = None) -> str | None:
    """The stored id for ``value``, forgiving about case and common spellings (ETS 24, cets-024, EAW)."""
    import re

    law = law or get_law()
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip()
    if raw in law.instruments:
        return raw
    if raw.lower().startswith("bilateral:"):
        parts = raw.split(":")
        if len(parts) == 3 and "-" in parts[1]:
            a, b = sorted(parts[1].upper().split("-", 1))
            cand = f"bilateral:{a}-{b}:{parts[2]}"
            return cand if cand in law.instruments else None
        return None
    key = re.sub(r"[\s_]+", "-", raw.upper())
    key = _ALIASES.get(key, key)
    m = re.fullmatch(r"C?ETS-?(?:NO\.?-?)?(\d{1,3})", key)
    if m:
        key = f"CETS-{int(m.group(1)):03d}"
    if key in law.instruments:
        return key
    from .clocks import RULE_BOOKS

    return key if key in RULE_BOOKS else None


def instrument(instrument_id: str) -> Instrument:
    """An instrument with its parties, reservations and key articles."""
    law = get_law()
    key = resolve_instrument_id(instrument_id, law)
    if key is None or key not in law.instruments:
        raise field_error("instrument", "unknown instrument", instrument_id, UnknownInstrument)
    return law.instruments[key]


def instruments() -> list[Instrument]:
    return sorted(get_law().instruments.values(), key=lambda i: i.id)


def parameter(name: str, on_date: dt.date | str | None = None) -> ParameterValue:
    """The value of a dated legal parameter in force on ``on_date`` (default today)."""
    law = get_law()
    param = law.parameters.get(name)
    if param is None:
        raise field_error("name", "unknown parameter", name, UnknownParameter)
    on = check_date(on_date, "on_date")
    value = param.at(on)
    if value is None:
        raise field_error("on_date", f"parameter {name} has no value before {param.values[0][0]}", on, InvalidInput)
    return value


def clocks(kind: str, instrument: str, events: Any, requested_state: str | None = None) -> list[Clock]:
    """Deadlines started by ``events`` ({event: date}) under ``instrument``.

    Events: provisional_arrest, arrest, consent, request_received, final_decision, surrender_date,
    recognition_decision, presence_no_longer_required. ``kind`` is the cooperation kind the clocks belong to
    (extradition, mla, notices). Public holidays of ``requested_state`` are used where a rule rolls a deadline
    to the next working day or counts business days.
    """
    law = get_law()
    state = check_state(requested_state, "requested_state", law) if requested_state else None
    if kind not in (*COOPERATION_KINDS, "notices"):
        raise field_error("kind", "must be one of extradition, mla, transfer, asset_recovery, notices", kind)
    key = resolve_instrument_id(instrument, law) or instrument
    return compute_clocks(law, kind, key, normalise_events(events), state)


def offence_category(code: str) -> OffenceCategory:
    law = get_law()
    if code not in law.offences:
        raise field_error("code", "unknown offence category", code)
    return law.offences[code]


def offence_categories(list_name: str | None = None) -> list[OffenceCategory]:
    return [c for c in get_law().offences.values() if list_name is None or c.list == list_name]


def iccs(code: str) -> dict[str, str]:
    law = get_law()
    if code not in law.iccs:
        raise field_error("code", "unknown ICCS code", code)
    return {"code": code, **law.iccs[code]}


def coverage(law: LawData | None = None) -> dict[str, Any]:
    """Counts for `comity law check`: what is there, what is missing, what is unverified."""
    law = law or get_law()
    parties = sum(len(i.parties) for i in law.instruments.values())
    unverified_parties = sum(1 for i in law.instruments.values() for p in i.parties.values() if not p.verified)
    undated = sum(1 for i in law.instruments.values() for p in i.parties.values() if p.entry_into_force is None)
    reservations = sum(len(p.reservations) for i in law.instruments.values() for p in i.parties.values())
    unverified_res = sum(1 for i in law.instruments.values() for p in i.parties.values()
                         for r in p.reservations if not r.verified)
    articles = sum(len(i.articles) for i in law.instruments.values())
    unverified_articles = sum(1 for i in law.instruments.values() for a in i.articles if not a.verified)
    profile_facts = sum(len(p.facts) for p in law.profiles.values())
    unverified_profile_facts = sum(1 for p in law.profiles.values() for f in p.facts.values() if not f.verified)
    members = law.interpol_members.get("members", ())
    by_kind: dict[str, int] = {}
    for inst in law.instruments.values():
        by_kind[inst.kind] = by_kind.get(inst.kind, 0) + 1
    param_values = sum(len(p.values) for p in law.parameters.values())
    unverified_params = sum(1 for p in law.parameters.values() for v in p.values if not v[3])
    return {
        "instruments": len(law.instruments),
        "instruments_by_kind": by_kind,
        "instruments_unverified": sum(1 for i in law.instruments.values() if not i.verified),
        "parties": parties,
        "parties_unverified": unverified_parties,
        "parties_without_entry_into_force_date": undated,
        "reservations": reservations,
        "reservations_unverified": unverified_res,
        "articles": articles,
        "articles_unverified": unverified_articles,
        "parameters": len(law.parameters),
        "parameter_values": param_values,
        "parameter_values_unverified": unverified_params,
        "clock_rules": len(law.clock_rules),
        "offence_categories": len(law.offences),
        "iccs_codes": len(law.iccs),
        "profiles": len(law.profiles),
        "profile_facts": profile_facts,
        "profile_facts_unverified": unverified_profile_facts,
        "interpol_members": len(members),
        "interpol_members_without_profile": sorted(s for s in members if s not in law.profiles),
        "unverified_facts_total": unverified_parties + unverified_res + unverified_articles
        + unverified_profile_facts + unverified_params,
        "verification": verification_report(law),
        "data_version": law_data_version(),
        "fingerprint": law.fingerprint,
    }


def _age_bucket(read: dt.date | None, today: dt.date) -> str:
    if read is None:
        return "no_read_date"
    days = (today - read).days
    return "read_within_1_year" if days <= 365 else ("read_1_to_2_years_ago" if days <= 730 else "read_over_2_years_ago")


def verification_report(law: LawData | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """Every fact by kind: how many are verified (read, with URL and date), how many not, and how long ago
    the verified ones were read. Profile facts count each value of a history."""
    law = law or get_law()
    today = today or dt.date.today()
    rows: dict[str, list[tuple[bool, dt.date | None]]] = {
        "instrument_headers": [], "articles": [], "party_rows": [], "reservations": [], "treaty_grounds": [],
        "profile_facts": [], "parameter_values": [], "clock_rules": []}
    for inst in law.instruments.values():
        rows["instrument_headers"].append((inst.verified, inst.read))
        rows["articles"].extend((a.verified, inst.read) for a in inst.articles)
        rows["treaty_grounds"].extend((g.verified, inst.read) for g in inst.grounds.values())
        for p in inst.parties.values():
            rows["party_rows"].append((p.verified, p.read))
            rows["reservations"].extend((r.verified, r.read) for r in p.reservations)
    by_profile_fact: dict[str, dict[str, int]] = {}
    for prof in law.profiles.values():
        for name in prof.facts:
            for fact in prof.history(name):
                rows["profile_facts"].append((fact.verified, fact.read))
                counts = by_profile_fact.setdefault(name, {"verified": 0, "unverified": 0})
                counts["verified" if fact.verified else "unverified"] += 1
    for param in law.parameters.values():
        rows["parameter_values"].extend((v[3], v[4] if len(v) > 4 else None) for v in param.values)
    rows["clock_rules"].extend((r.verified, getattr(r, "read", None)) for r in law.clock_rules)
    out: dict[str, Any] = {}
    for kind, items in rows.items():
        verified = [read for ok, read in items if ok]
        ages: dict[str, int] = {}
        for read in verified:
            bucket = _age_bucket(read, today)
            ages[bucket] = ages.get(bucket, 0) + 1
        out[kind] = {"total": len(items), "verified": len(verified), "unverified": len(items) - len(verified),
                     "verified_by_age": ages}
    out["profile_facts_by_name"] = by_profile_fact
    total = sum(v["total"] for k, v in out.items() if k != "profile_facts_by_name")
    verified_total = sum(v["verified"] for k, v in out.items() if k != "profile_facts_by_name")
    out["all"] = {"total": total, "verified": verified_total, "unverified": total - verified_total}
    return out
