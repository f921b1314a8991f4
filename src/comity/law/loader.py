"""Load and validate the legal data set (instruments, parties, parameters, profiles, offences).

The whole set is validated before anything is served: if one file is wrong, ``load_law`` raises
``DataError`` listing every problem with file, line and field, rather than answering from half a
data set. A compiled form is pickled under a cache directory keyed by the hash of every data file
(and of this package's code), so warm loads take milliseconds.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError
from .model import (
    COOPERATION_KINDS,
    KINDS,
    DEPOSIT_KINDS,
    NATIONALS_BARS,
    NATIONALS_EXCEPTIONS,
    NATURALISED_OFFENCES,
    RESERVATION_EFFECTS,
    SCOPES,
    Article,
    CountryProfile,
    Fact,
    Instrument,
    NationalsException,
    NationalsRule,
    GROUND_EFFECTS,
    OffenceCategory,
    Parameter,
    TreatyGround,
    Party,
    Reservation,
)
from .yamlio import MarkedDict, MarkedList, YamlSyntaxError, read_yaml

DATA_DIR = Path(__file__).parent / "data"


def default_data_dir() -> Path:
    """The packaged data, unless COMITY_LAW_DATA_DIR points elsewhere (a reviewed fork of the data)."""
    env = os.environ.get("COMITY_LAW_DATA_DIR")
    return Path(env) if env else DATA_DIR
CACHE_VERSION = "law-cache-v2"

BILATERAL_ID = re.compile(r"^bilateral:([A-Z]{2})-([A-Z]{2}):(\d{4})(?:[a-z])?$")
INSTRUMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._-]*$")

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

# Codes that are not in ISO 3166-1 but are used in practice (user-assigned; Kosovo).
EXTRA_STATES = {"XK": "Kosovo"}


def known_states() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English short name."""
    import pycountry

    names = {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    names.update(EXTRA_STATES)
    return names


@dataclass(frozen=True, slots=True)
class ClockRule:
    code: str
    instrument: str
    kind: str
    start_event: str
    parameter: str
    unit: str  # days | months
    day_type: str  # calendar | business
    roll_forward: bool  # a deadline falling on a non-working day moves to the next working day
    citation: str
    source: str
    verified: bool
    alternative_to: tuple[str, ...] = ()  # start events that, when given, take precedence over this rule
    add_parameter: str | None = None  # added on top (extension periods)
    note: str | None = None
    read: dt.date | None = None
    verification_note: str | None = None  # what was read, or searched for in vain, to check the rule


@dataclass
class LawData:
    """The validated, compiled data set."""

    instruments: dict[str, Instrument]
    parameters: dict[str, Parameter]
    profiles: dict[str, CountryProfile]
    offences: dict[str, OffenceCategory]
    iccs: dict[str, dict[str, str]]
    interpol_members: dict[str, Any]
    clock_rules: tuple[ClockRule, ...]
    state_names: dict[str, str]
    fingerprint: str
    data_version: dict[str, Any] = field(default_factory=dict)  # version, refreshed (data/version.yaml)
    by_kind: dict[str, tuple[Instrument, ...]] = field(default_factory=dict)
    bilateral: dict[tuple[str, str], tuple[Instrument, ...]] = field(default_factory=dict)
    by_kind_state: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)

    def build_index(self) -> None:
        order = {"eu": 1, "eu_third_country": 2, "bilateral": 3, "regional": 4, "un": 5, "domestic": 6}
        self.by_kind = {}
        for kind in COOPERATION_KINDS:
            chosen = [i for i in self.instruments.values() if kind in i.scope and i.tier != "bilateral"]
            chosen.sort(key=lambda i: (i.rank if i.rank is not None else order[i.tier], i.order, i.id))
            self.by_kind[kind] = tuple(chosen)
            per_state: dict[str, set[str]] = {}
            for inst in chosen:
                for state in inst.parties:
                    per_state.setdefault(state, set()).add(inst.id)
            self.by_kind_state[kind] = {s: frozenset(ids) for s, ids in per_state.items()}
        bil: dict[tuple[str, str], list[Instrument]] = {}
        for inst in self.instruments.values():
            if inst.tier == "bilateral":
                a, b = sorted(inst.parties)
                bil.setdefault((a, b), []).append(inst)
        self.bilateral = {k: tuple(sorted(v, key=lambda i: (i.order, i.id))) for k, v in bil.items()}


# --------------------------------------------------------------------------------------------
# validation helpers


class _Checker:
    def __init__(self, root: Path, states: dict[str, str]):
        self.root = root
        self.states = states
        self.errors: list[dict[str, Any]] = []

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def error(self, path: Path, line: int, fieldname: str, reason: str) -> None:
        self.errors.append({"file": self.rel(path), "line": line, "field": fieldname, "reason": reason})

    def line(self, node: Any, key: Any = None) -> int:
        if isinstance(node, MarkedDict):
            return node.line_of(key) if key is not None else node.line
        if isinstance(node, MarkedList):
            return node.line_of(key) if isinstance(key, int) else node.line
        return 0

    def text(self, path: Path, node: Any, key: str, ctx: str, required: bool = True) -> str | None:
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            if required:
                self.error(path, self.line(node), f"{ctx}{key}", "missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(path, self.line(node, key), f"{ctx}{key}", "must be a non-empty string")
            return None
        return value.strip()

    def boolean(self, path: Path, node: Any, key: str, ctx: str, default: bool | None = None) -> bool:
        value = node.get(key, default) if isinstance(node, dict) else default
        if not isinstance(value, bool):
            self.error(path, self.line(node, key), f"{ctx}{key}", "missing or not true/false")
            return False
        return value

    def date(self, path: Path, node: Any, key: str, ctx: str, required: bool = False) -> dt.date | None:
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            if required:
                self.error(path, self.line(node), f"{ctx}{key}", "missing")
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.error(path, self.line(node, key), f"{ctx}{key}", f"not a date (YYYY-MM-DD): {value!r}")
        return parsed

    def state(self, path: Path, line: int, fieldname: str, value: Any) -> str | None:
        if not isinstance(value, str) or value not in self.states:
            self.error(path, line, fieldname, f"not an ISO 3166-1 alpha-2 code: {value!r}")
            return None
        return value


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _derive_eif(rule: dict[str, Any], deposit: dt.date, general: dt.date | None) -> dt.date:
    """Entry into force for a state from its deposit date, by the treaty's own final clause."""
    if "days_after_deposit" in rule:
        eif = deposit + dt.timedelta(days=int(rule["days_after_deposit"]))
    else:  # "first day of the month following the expiration of a period of N months after deposit"
        end = _add_months(deposit, int(rule["first_day_of_month_after_months"]))
        eif = _add_months(end.replace(day=1), 1)
    if general is not None and eif < general:
        eif = general
    return eif


# --------------------------------------------------------------------------------------------
# instruments


def _load_instrument(ck: _Checker, path: Path, node: Any, ctx: str) -> Instrument | None:
    if not isinstance(node, dict):
        ck.error(path, ck.line(node), ctx or "instrument", "must be a mapping")
        return None
    n_errors = len(ck.errors)
    iid = ck.text(path, node, "id", ctx)
    ctx = f"{iid}." if iid else ctx
    if iid and not INSTRUMENT_ID.match(iid):
        ck.error(path, ck.line(node, "id"), f"{ctx}id", "invalid characters")
    title = ck.text(path, node, "title", ctx) or ""
    short_title = node.get("short_title") or title
    kind = node.get("kind")
    if kind not in KINDS:
        ck.error(path, ck.line(node, "kind"), f"{ctx}kind", f"must be one of {', '.join(KINDS)}")
    scope = node.get("scope")
    if not isinstance(scope, list) or not scope or any(s not in SCOPES for s in scope):
        ck.error(path, ck.line(node, "scope"), f"{ctx}scope", f"must be a non-empty subset of {SCOPES}")
        scope = []
    source = ck.text(path, node, "source", ctx) or ""
    verified = ck.boolean(path, node, "verified", ctx)
    adopted = ck.date(path, node, "adopted", ctx, required=True)
    eif = ck.date(path, node, "entry_into_force", ctx)
    if adopted and eif and eif < adopted:
        ck.error(path, ck.line(node, "entry_into_force"), f"{ctx}entry_into_force", "before adoption")
    organisation = node.get("organisation")
    bil = BILATERAL_ID.match(iid or "")
    if kind == "bilateral_treaty" and not node.get("eu_agreement"):
        tier = "bilateral"
        if not bil:
            ck.error(path, ck.line(node, "id"), f"{ctx}id", "bilateral ids are bilateral:<A>-<B>:<year>")
        elif bil.group(1) >= bil.group(2):
            ck.error(path, ck.line(node, "id"), f"{ctx}id", "the two ISO codes must be in alphabetical order")
        elif adopted and int(bil.group(3)) != adopted.year:
            ck.error(path, ck.line(node, "id"), f"{ctx}id", f"year differs from adopted date {adopted}")
    elif kind == "bilateral_treaty":
        tier = "eu_third_country"
    elif kind == "eu_act":
        tier = "eu"
    elif kind == "domestic_statute":
        tier = "domestic"
    else:
        tier = "un" if organisation == "UN" else "regional"

    citations = node.get("citations") or {}
    if not isinstance(citations, dict) or any(k not in SCOPES for k in citations):
        ck.error(path, ck.line(node, "citations"), f"{ctx}citations", "must map scope -> citation text")
        citations = {}
    if tier == "bilateral":
        for s in scope:
            citations.setdefault(s, title)
    for s in scope:
        if s not in citations:
            ck.error(path, ck.line(node, "citations"), f"{ctx}citations.{s}", "missing citation for scope")

    articles = []
    for i, art in enumerate(node.get("articles") or []):
        actx = f"{ctx}articles[{i}]."
        if not isinstance(art, dict):
            ck.error(path, ck.line(node.get("articles"), i), actx, "must be a mapping")
            continue
        number = art.get("number")
        if number is None:
            ck.error(path, ck.line(art), f"{actx}number", "missing")
        articles.append(
            Article(
                number=str(number),
                heading=ck.text(path, art, "heading", actx) or "",
                paraphrase=ck.text(path, art, "paraphrase", actx) or "",
                source=ck.text(path, art, "source", actx, required=False) or source,
                verified=ck.boolean(path, art, "verified", actx, default=verified),
            )
        )
        if articles[-1].verified:
            _require_read_source(ck, path, art, actx, articles[-1].source,
                                 ck.date(path, art, "read", actx) or ck.date(path, node, "read", ctx))

    rule = node.get("entry_into_force_rule")
    if rule is not None and not (
        isinstance(rule, dict) and (("days_after_deposit" in rule) ^ ("first_day_of_month_after_months" in rule))
    ):
        ck.error(path, ck.line(node, "entry_into_force_rule"), f"{ctx}entry_into_force_rule", "bad rule")
        rule = None

    parties: dict[str, Party] = {}
    p_source = node.get("parties_source") or source
    p_verified = node.get("parties_verified", verified)
    p_read = ck.date(path, node, "parties_read", ctx) or (ck.date(path, node, "read", ctx) if p_source == source
                                                          else None)
    p_as_of = ck.date(path, node, "parties_as_of", ctx)
    raw_parties = node.get("parties")
    terminated = ck.date(path, node, "terminated", ctx)
    if raw_parties is None and tier == "bilateral" and bil:
        raw_parties = [{"state": bil.group(1)}, {"state": bil.group(2)}]
        for p in raw_parties:
            p.update({"signature": adopted, "entry_into_force": eif, "verified": verified, "source": source})
            if terminated:
                p["withdrawal"] = terminated
    if not isinstance(raw_parties, list):
        ck.error(path, ck.line(node, "parties"), f"{ctx}parties", "missing list of parties")
        raw_parties = []
    for i, p in enumerate(raw_parties):
        party = _load_party(ck, path, p, f"{ctx}parties[{i}].", p_source, p_verified, rule, eif, kind,
                            p_read, p_as_of)
        if party is None:
            continue
        if party.state in parties:
            ck.error(path, ck.line(raw_parties, i), f"{ctx}parties[{i}].state", f"duplicate party {party.state}")
        parties[party.state] = party
    if tier == "bilateral" and bil and set(parties) != {bil.group(1), bil.group(2)}:
        ck.error(path, ck.line(node, "parties"), f"{ctx}parties", "must be exactly the two states of the id")

    replaces = {}
    for k, ids in (node.get("replaces") or {}).items():
        if k not in SCOPES or not isinstance(ids, list):
            ck.error(path, ck.line(node, "replaces"), f"{ctx}replaces.{k}", "must map scope -> list of ids")
            continue
        replaces[k] = tuple(ids)

    domestic_state = None
    categories: dict[str, tuple[str, ...]] = {}
    category_labels: dict[str, str] = {}
    category_windows: dict[str, dict[str, tuple[dt.date | None, dt.date | None]]] = {}
    category_sources: dict[str, tuple[str, bool]] = {}
    if kind == "domestic_statute":
        domestic_state = ck.state(path, ck.line(node, "state"), f"{ctx}state", node.get("state"))
        for cat, members in (node.get("categories") or {}).items():
            cnode = node["categories"]
            if not isinstance(members, dict) or not isinstance(members.get("states"), list):
                ck.error(path, ck.line(cnode, cat), f"{ctx}categories.{cat}", "needs states: [...]")
                continue
            codes: list[str] = []
            windows: dict[str, tuple[dt.date | None, dt.date | None]] = {}
            for j, s in enumerate(members["states"]):
                sctx = f"{ctx}categories.{cat}.states[{j}]"
                if isinstance(s, dict):  # {state: XX, from: date, until: date}: designated only in that window
                    code = ck.state(path, ck.line(members["states"], j), sctx, s.get("state"))
                    start = ck.date(path, s, "from", f"{sctx}.")
                    end = ck.date(path, s, "until", f"{sctx}.")
                    if start and end and end <= start:
                        ck.error(path, ck.line(s, "until"), f"{sctx}.until", "not after from")
                    if code:
                        codes.append(code)
                        if start or end:
                            windows[code] = (start, end)
                else:
                    if ck.state(path, ck.line(members["states"], j), sctx, s):
                        codes.append(s)
            if len(set(codes)) != len(codes):
                ck.error(path, ck.line(cnode, cat), f"{ctx}categories.{cat}.states", "duplicate state")
            categories[cat] = tuple(codes)
            if windows:
                category_windows[cat] = windows
            category_labels[cat] = str(members.get("label") or cat.replace("_", " "))
            csource = members.get("source", source)
            cver = members.get("verified", verified)
            if not isinstance(cver, bool):
                ck.error(path, ck.line(members, "verified"), f"{ctx}categories.{cat}.verified", "not true/false")
                cver = False
            category_sources[cat] = (str(csource), cver)
        cab = node.get("conventions_as_basis")
        if cab is not None and not isinstance(cab, bool):
            ck.error(path, ck.line(node, "conventions_as_basis"), f"{ctx}conventions_as_basis", "true | false | null")

    third_states = node.get("third_states") or ([node["third_state"]] if node.get("third_state") else [])
    for j, ts in enumerate(third_states):
        ck.state(path, ck.line(node, "third_states"), f"{ctx}third_states[{j}]", ts)
        if ts not in parties:
            ck.error(path, ck.line(node, "third_states"), f"{ctx}third_states[{j}]", "must also be listed as a party")
    grounds: dict[str, TreatyGround] = {}
    for j, g in enumerate(node.get("grounds") or []):
        gctx = f"{ctx}grounds[{j}]."
        if not isinstance(g, dict):
            ck.error(path, ck.line(node.get("grounds"), j), gctx, "must be a mapping")
            continue
        code = ck.text(path, g, "code", gctx)
        effect = g.get("effect")
        if effect not in GROUND_EFFECTS:
            ck.error(path, ck.line(g, "effect"), f"{gctx}effect", f"must be one of {', '.join(GROUND_EFFECTS)}")
        article = ck.text(path, g, "article", gctx)
        text = ck.text(path, g, "text", gctx)
        gver = ck.boolean(path, g, "verified", gctx, default=False)
        if gver:
            _require_read_source(ck, path, g, gctx, str(g.get("source") or source),
                                 ck.date(path, g, "read", gctx) or ck.date(path, node, "read", ctx))
        if code and effect in GROUND_EFFECTS and article and text:
            if code in grounds:
                ck.error(path, ck.line(g, "code"), f"{gctx}code", f"duplicate ground {code}")
            grounds[code] = TreatyGround(code, effect, article, text, g.get("cured_by"), gver)
    read = ck.date(path, node, "read", ctx)
    if verified:
        _require_read_source(ck, path, node, ctx, source, read)

    rank = node.get("rank")
    if rank is not None and not isinstance(rank, (int, float)):
        ck.error(path, ck.line(node, "rank"), f"{ctx}rank", "must be a number")
        rank = None

    if len(ck.errors) > n_errors or not iid:
        return None
    return Instrument(
        id=iid,
        title=title,
        short_title=str(short_title),
        kind=kind,
        organisation=organisation,
        tier=tier,
        order=int(node.get("order", 50)),
        scope=tuple(scope),
        adopted=adopted,
        entry_into_force=eif,
        source=source,
        verified=verified,
        articles=tuple(articles),
        parties=parties,
        citations=dict(citations),
        supplements=node.get("supplements"),
        replaces=replaces,
        replaces_bilateral=tuple(node.get("replaces_bilateral") or ()),
        replaces_all=tuple(node.get("replaces_all") or ()),
        replaces_citation=node.get("replaces_citation"),
        offence_scope=node.get("offence_scope"),
        extradition_basis_article=node.get("extradition_basis_article"),
        extradition_mutual_article=node.get("extradition_mutual_article"),
        state=domestic_state,
        categories=categories,
        category_labels=category_labels,
        third_states=tuple(third_states),
        rank=float(rank) if rank is not None else None,
        supplements_bilateral=bool(node.get("supplements_bilateral", False)),
        notes=node.get("notes"),
        file=ck.rel(path),
        category_windows=category_windows,
        category_sources=category_sources,
        conventions_as_basis=node.get("conventions_as_basis") if kind == "domestic_statute" else None,
        conventions_citation=node.get("conventions_citation"),
        ad_hoc_route=node.get("ad_hoc_route"),
        extradition_notification_article=node.get("extradition_notification_article"),
        grounds=grounds,
        grounds_complete=bool(node.get("grounds_complete", False)),
        read=read,
    )


def _load_party(
    ck: _Checker,
    path: Path,
    p: Any,
    ctx: str,
    default_source: str,
    default_verified: Any,
    rule: dict[str, Any] | None,
    instrument_eif: dt.date | None,
    kind: Any,
    default_read: dt.date | None = None,
    default_as_of: dt.date | None = None,
) -> Party | None:
    if not isinstance(p, dict):
        ck.error(path, 0, ctx, "party must be a mapping")
        return None
    n_errors = len(ck.errors)
    state = ck.state(path, ck.line(p, "state"), f"{ctx}state", p.get("state"))
    for key in p:
        if key not in PARTY_KEYS:
            ck.error(path, ck.line(p, key), f"{ctx}{key}", "unknown field")
    sig = ck.date(path, p, "signature", ctx)
    deposits = [k for k in DEPOSIT_KINDS if p.get(k) is not None]
    if len(deposits) > 1:
        ck.error(path, ck.line(p, deposits[1]), f"{ctx}{deposits[1]}",
                 f"one instrument deposited per row: also {deposits[0]}")
    deposit_kind = deposits[0] if deposits else None
    rat = ck.date(path, p, deposit_kind, ctx) if deposit_kind else None
    eif = ck.date(path, p, "entry_into_force", ctx)
    denounced = ck.date(path, p, "denunciation", ctx)
    wd = ck.date(path, p, "withdrawal", ctx)
    derived = False
    if eif is None and rat is not None and rule is not None:
        eif, derived = _derive_eif(rule, rat, instrument_eif), True
    dkey = deposit_kind or "ratification"
    if sig and rat and rat < sig and kind != "eu_act" and deposit_kind != "succession":
        ck.error(path, ck.line(p, dkey), f"{ctx}{dkey}", "before signature")
    if rat and eif and eif < rat and deposit_kind != "succession":
        ck.error(path, ck.line(p, "entry_into_force"), f"{ctx}entry_into_force", f"before the {dkey}")
    if sig and eif and eif < sig and kind != "eu_act":
        ck.error(path, ck.line(p, "entry_into_force"), f"{ctx}entry_into_force", "before signature")
    if instrument_eif and eif and eif < instrument_eif and kind != "eu_act" and deposit_kind != "succession":
        ck.error(path, ck.line(p, "entry_into_force"), f"{ctx}entry_into_force",
                 f"before the instrument's own entry into force ({instrument_eif})")
    if rule is not None and rat and eif and not derived and kind != "eu_act" and deposit_kind != "succession":
        expected = _derive_eif(rule, rat, instrument_eif)
        # Month rules ("first day of the month following three months after deposit") give one exact date; for
        # day counts depositaries differ on whether the day of deposit counts, so one day either way is allowed.
        slack = dt.timedelta(days=1 if "days_after_deposit" in rule else 0)
        if abs(eif - expected) > slack and eif != instrument_eif and not p.get("entry_into_force_note"):
            ck.error(path, ck.line(p, "entry_into_force"), f"{ctx}entry_into_force",
                     f"the treaty's rule ({_rule_text(rule)}) gives {expected} for a deposit on {rat}; "
                     "explain a different date in entry_into_force_note")
    if eif and wd and wd <= eif:
        ck.error(path, ck.line(p, "withdrawal"), f"{ctx}withdrawal", "not after entry into force")
    if denounced and wd and wd < denounced:
        ck.error(path, ck.line(p, "withdrawal"), f"{ctx}withdrawal", "before the denunciation was notified")
    if denounced and rat and denounced < rat:
        ck.error(path, ck.line(p, "denunciation"), f"{ctx}denunciation", f"before the {dkey}")
    source = p.get("source", default_source)
    if not isinstance(source, str) or not source.strip():
        ck.error(path, ck.line(p), f"{ctx}source", "missing (and no parties_source on the instrument)")
        source = ""
    verified = p.get("verified", default_verified)
    if not isinstance(verified, bool):
        ck.error(path, ck.line(p, "verified"), f"{ctx}verified", "missing or not true/false")
        verified = False
    read = ck.date(path, p, "read", ctx) if "read" in p else default_read
    if verified:
        _require_read_source(ck, path, p, ctx, source, read)
    reservations = []
    for j, r in enumerate(p.get("reservations") or []):
        rctx = f"{ctx}reservations[{j}]."
        if not isinstance(r, dict):
            ck.error(path, ck.line(p.get("reservations"), j), rctx, "must be a mapping")
            continue
        effect = r.get("effect")
        if effect not in RESERVATION_EFFECTS:
            ck.error(path, ck.line(r, "effect"), f"{rctx}effect", f"must be one of {', '.join(RESERVATION_EFFECTS)}")
        rkind = r.get("kind", "declaration")
        if rkind not in ("reservation", "declaration", "notification"):
            ck.error(path, ck.line(r, "kind"), f"{rctx}kind", "reservation | declaration | notification")
        rsource = r.get("source", source)
        rver = r.get("verified", verified)
        rread = ck.date(path, r, "read", rctx) if "read" in r else read
        if not isinstance(rver, bool):
            ck.error(path, ck.line(r, "verified"), f"{rctx}verified", "not true/false")
            rver = False
        reservations.append(
            Reservation(
                article=str(ck.text(path, r, "article", rctx) or ""),
                kind=rkind,
                effect=str(effect),
                text=ck.text(path, r, "text", rctx) or "",
                source=str(rsource),
                verified=rver,
                date=ck.date(path, r, "date", rctx),
                conditions=tuple(r.get("conditions") or ()),
                read=rread,
            )
        )
        if rver:
            _require_read_source(ck, path, r, rctx, str(rsource), rread)
    if len(ck.errors) > n_errors or state is None:
        return None
    return Party(
        state=state,
        signature=sig,
        ratification=rat,
        entry_into_force=eif,
        verified=verified,
        source=source,
        withdrawal=wd,
        reservations=tuple(reservations),
        note=p.get("note"),
        entry_into_force_derived=derived,
        deposit_kind=deposit_kind,
        denunciation=denounced,
        read=read,
        as_of=default_as_of,
    )


PARTY_KEYS = frozenset({"state", "signature", *DEPOSIT_KINDS, "entry_into_force", "entry_into_force_note",
                        "denunciation", "withdrawal", "source", "read", "verified", "note", "reservations"})


def _rule_text(rule: dict[str, Any]) -> str:
    if "days_after_deposit" in rule:
        return f"{rule['days_after_deposit']} days from deposit"
    return f"first day of the month after {rule['first_day_of_month_after_months']} months from deposit"


def is_url(source: Any) -> bool:
    return isinstance(source, str) and bool(re.search(r"https?://\S+", source))


def _require_read_source(ck: _Checker, path: Path, node: Any, ctx: str, source: str, read: dt.date | None) -> None:
    """``verified: true`` means the fact was read: a URL of what was read and the day it was read."""
    if not is_url(source):
        ck.error(path, ck.line(node, "verified"), f"{ctx}source", "verified: true needs the URL of what was read")
    if read is None:
        ck.error(path, ck.line(node, "verified"), f"{ctx}read", "verified: true needs the date it was read (read:)")
    elif read > dt.date.today():
        ck.error(path, ck.line(node, "read"), f"{ctx}read", f"in the future: {read}")


# --------------------------------------------------------------------------------------------
# parameters, clocks, offences, interpol, profiles


def _load_parameters(ck: _Checker, path: Path, doc: Any, out: dict[str, Parameter]) -> None:
    if not isinstance(doc, dict):
        ck.error(path, 1, "", "a parameter file is a mapping of name -> parameter")
        return
    for name, node in doc.items():
        ctx = f"{name}."
        if not isinstance(node, dict):
            ck.error(path, ck.line(doc, name), name, "must be a mapping")
            continue
        if name in out:
            ck.error(path, ck.line(doc, name), name, f"duplicate parameter (also in {out[name].file})")
        description = ck.text(path, node, "description", ctx) or ""
        reference = ck.text(path, node, "reference", ctx) or ""
        unit = ck.text(path, node, "unit", ctx) or ""
        verified = ck.boolean(path, node, "verified", ctx)
        read = ck.date(path, node, "read", ctx)
        psource = node.get("source") or ""
        values = node.get("values")
        if not isinstance(values, dict) or not values:
            ck.error(path, ck.line(node, "values"), f"{ctx}values", "must map dates to values")
            continue
        rows = []
        for key, val in values.items():
            start = parse_date(key)
            if start is None:
                ck.error(path, ck.line(values, key), f"{ctx}values.{key}", "key is not a date")
                continue
            if isinstance(val, dict):
                if "value" not in val:
                    ck.error(path, ck.line(values, key), f"{ctx}values.{key}.value", "missing")
                    continue
                vver = val.get("verified", verified)
                vread = ck.date(path, val, "read", f"{ctx}values.{key}.") or read
                vref = val.get("reference", reference)
                if vver is True:
                    _require_read_source(ck, path, val, f"{ctx}values.{key}.", str(val.get("source") or psource),
                                         vread)
                rows.append((start, val["value"], vref, bool(vver), vread))
            else:
                if verified:
                    _require_read_source(ck, path, node, ctx, psource, read)
                rows.append((start, val, reference, verified, read))
        rows.sort(key=lambda r: r[0])
        out[name] = Parameter(name, description, reference, unit, tuple(rows), ck.rel(path))


def _load_clocks(ck: _Checker, path: Path, doc: Any) -> list[ClockRule]:
    rules = []
    items = doc.get("clocks") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        ck.error(path, 1, "clocks", "missing list")
        return rules
    for i, node in enumerate(items):
        ctx = f"clocks[{i}]."
        if not isinstance(node, dict):
            ck.error(path, ck.line(items, i), ctx, "must be a mapping")
            continue
        n = len(ck.errors)
        vals = {k: ck.text(path, node, k, ctx) for k in ("code", "instrument", "kind", "start_event", "parameter", "citation", "source")}
        unit = node.get("unit", "days")
        day_type = node.get("day_type", "calendar")
        if unit not in ("days", "months"):
            ck.error(path, ck.line(node, "unit"), f"{ctx}unit", "days | months")
        if day_type not in ("calendar", "business"):
            ck.error(path, ck.line(node, "day_type"), f"{ctx}day_type", "calendar | business")
        verified = ck.boolean(path, node, "verified", ctx)
        read = ck.date(path, node, "read", ctx)
        if verified:
            _require_read_source(ck, path, node, ctx, vals["source"] or "", read)
        if len(ck.errors) > n:
            continue
        rules.append(
            ClockRule(
                code=vals["code"],  # type: ignore[arg-type]
                instrument=vals["instrument"],  # type: ignore[arg-type]
                kind=vals["kind"],  # type: ignore[arg-type]
                start_event=vals["start_event"],  # type: ignore[arg-type]
                parameter=vals["parameter"],  # type: ignore[arg-type]
                unit=unit,
                day_type=day_type,
                roll_forward=bool(node.get("roll_forward", False)),
                citation=vals["citation"],  # type: ignore[arg-type]
                source=vals["source"],  # type: ignore[arg-type]
                verified=verified,
                alternative_to=tuple(_as_list(node.get("alternative_to"))),
                add_parameter=node.get("add_parameter"),
                note=node.get("note"),
                read=read,
                verification_note=node.get("verification_note"),
            )
        )
    return rules


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _load_offences(ck: _Checker, data_dir: Path) -> tuple[dict[str, dict[str, str]], dict[str, OffenceCategory]]:
    iccs: dict[str, dict[str, str]] = {}
    csv_path = data_dir / "offences" / "iccs_levels1-4.csv"
    try:
        with csv_path.open(encoding="utf-8", newline="") as fh:
            for lineno, row in enumerate(csv.DictReader(fh), start=2):
                code = (row.get("value") or "").strip()
                if not code.isdigit() or len(code) not in (2, 4, 5, 6):
                    ck.error(csv_path, lineno, "value", f"not an ICCS code: {code!r}")
                    continue
                if code in iccs:
                    ck.error(csv_path, lineno, "value", f"duplicate ICCS code {code}")
                iccs[code] = {"level": row["level"], "label": row["label"].strip()}
    except FileNotFoundError:
        ck.error(csv_path, 0, "", "missing ICCS table")
    cats: dict[str, OffenceCategory] = {}
    cat_path = data_dir / "offences" / "categories.yaml"
    doc = _read(ck, cat_path)
    if not isinstance(doc, dict):
        return iccs, cats
    for list_name in ("eaw_art2_2", "rpd_art83_excluded"):
        block = doc.get(list_name)
        if not isinstance(block, dict) or not isinstance(block.get("categories"), list):
            ck.error(cat_path, ck.line(doc, list_name), list_name, "missing block with categories")
            continue
        bsource = block.get("source")
        for i, node in enumerate(block["categories"]):
            ctx = f"{list_name}.categories[{i}]."
            if not isinstance(node, dict):
                ck.error(cat_path, ck.line(block["categories"], i), ctx, "must be a mapping")
                continue
            code = ck.text(cat_path, node, "code", ctx)
            if code and not re.match(r"^[a-z][a-z0-9_]*$", code):
                ck.error(cat_path, ck.line(node, "code"), f"{ctx}code", "must be snake_case")
            if code in cats:
                ck.error(cat_path, ck.line(node, "code"), f"{ctx}code", "duplicate code")
            iccs_codes = node.get("iccs") or []
            for j, c in enumerate(iccs_codes):
                if str(c) not in iccs:
                    ck.error(cat_path, ck.line(node, "iccs"), f"{ctx}iccs[{j}]", f"unknown ICCS code {c!r}")
            if not code:
                continue
            cats[code] = OffenceCategory(
                code=code,
                label=ck.text(cat_path, node, "label", ctx) or "",
                list=list_name,
                iccs=tuple(str(c) for c in iccs_codes),
                mapping_verified=bool(node.get("mapping_verified", False)),
                source=str(node.get("source", bsource) or ""),
                verified=ck.boolean(cat_path, node, "verified", ctx, default=block.get("verified")),
                note=node.get("note"),
            )
            if not cats[code].source:
                ck.error(cat_path, ck.line(node), f"{ctx}source", "missing")
    if len([c for c in cats.values() if c.list == "eaw_art2_2"]) != 32:
        ck.error(cat_path, ck.line(doc, "eaw_art2_2"), "eaw_art2_2.categories", "the Art 2(2) list has 32 categories")
    return iccs, cats


def _load_profile(ck: _Checker, path: Path, doc: Any) -> CountryProfile | None:
    if not isinstance(doc, dict):
        ck.error(path, 1, "", "a profile is a mapping")
        return None
    n = len(ck.errors)
    state = ck.state(path, ck.line(doc, "state"), "state", doc.get("state"))
    if state and path.stem != state:
        ck.error(path, ck.line(doc, "state"), "state", f"file name says {path.stem}")
    name = ck.text(path, doc, "name", "") or ""
    facts: dict[str, Fact] = {}
    histories: dict[str, tuple[Fact, ...]] = {}
    for key, node in doc.items():
        if key in ("state", "name", "notes"):
            continue
        if isinstance(node, dict) and "history" in node:
            items = node.get("history")
            if not isinstance(items, list) or not items:
                ck.error(path, ck.line(node, "history"), f"{key}.history", "must be a non-empty list of values")
                continue
            loaded = []
            for j, item in enumerate(items):
                hctx = f"{key}.history[{j}]"
                if not isinstance(item, dict):
                    ck.error(path, ck.line(items, j), hctx, "must be a mapping")
                    continue
                inherited = {k: v for k, v in node.items() if k != "history"}
                fact = _load_fact(ck, path, key, {**inherited, **item}, item, hctx, in_history=True)
                if fact is not None:
                    loaded.append(fact)
            starts = [f.valid_from for f in loaded]
            if any(d is None for d in starts[1:]):
                ck.error(path, ck.line(node, "history"), f"{key}.history", "every value after the first needs from:")
            elif len(starts) > 1 and any(a is not None and b is not None and b <= a
                                         for a, b in zip(starts, starts[1:])):
                ck.error(path, ck.line(node, "history"), f"{key}.history", "values must be in order of from:")
            if loaded:
                histories[key] = tuple(loaded)
                facts[key] = loaded[-1]
            continue
        fact = _load_fact(ck, path, key, node, node, key, in_history=False)
        if fact is not None:
            facts[key] = fact
    if len(ck.errors) > n or state is None:
        return None
    return CountryProfile(state, name, facts, doc.get("notes"), ck.rel(path), histories)


#: Keys a profile fact may carry beside its value.
_FACT_META = ("value", "source", "verified", "note", "read", "from")


def _load_fact(ck: _Checker, path: Path, key: str, node: Any, marks: Any, ctx: str, *, in_history: bool) -> Fact | None:
    """One profile fact, or one value of its history (``node`` merges the history item over the fact's keys)."""
    if not isinstance(node, dict) or ("value" not in node and key != "extradites_nationals"):
        ck.error(path, ck.line(marks), ctx, "a fact is {value, source, read, verified} or {history: [...]}")
        return None
    if key == "extradites_nationals":
        value: Any = _load_nationals(ck, path, node, marks, ctx)
    else:
        value = node.get("value")
    source = node.get("source")
    verified = node.get("verified")
    if not isinstance(verified, bool):
        ck.error(path, ck.line(marks, "verified"), f"{ctx}.verified", "missing or not true/false")
        verified = False
    if value is not None and (not isinstance(source, str) or not source.strip()):
        ck.error(path, ck.line(marks, "source"), f"{ctx}.source", "missing")
    read = ck.date(path, node, "read", f"{ctx}.") if node.get("read") is not None else None
    if verified:
        _require_read_source(ck, path, marks, f"{ctx}.", str(source or ""), read)
    valid_from = ck.date(path, node, "from", f"{ctx}.") if in_history else None
    if key in PROFILE_ENUMS and value is not None and value not in PROFILE_ENUMS[key]:
        ck.error(path, ck.line(marks, "value"), f"{ctx}.value", f"must be one of {', '.join(PROFILE_ENUMS[key])}")
    if key in PROFILE_BOOLS and value is not None and not isinstance(value, bool):
        ck.error(path, ck.line(marks, "value"), f"{ctx}.value", "must be true/false")
    if key == "languages_accepted" and value is not None and not isinstance(value, list):
        ck.error(path, ck.line(marks, "value"), f"{ctx}.value", "must be a list of language codes")
    extra: dict[str, Any] = {}
    for ek, ev in node.items():
        if ek in _FACT_META or ek in _NATIONALS_KEYS and key == "extradites_nationals":
            continue
        if ek in ("as_of", "since"):
            if ev is not None and parse_date(ev) is None:
                ck.error(path, ck.line(marks, ek), f"{ctx}.{ek}", f"not a date: {ev!r}")
            ev = parse_date(ev)
        if ek == "states":
            if not isinstance(ev, list):
                ck.error(path, ck.line(marks, ek), f"{ctx}.states", "must be a list")
                ev = []
            for j, st in enumerate(ev):
                ck.state(path, ck.line(marks, ek), f"{ctx}.states[{j}]", st)
            ev = list(ev)
        extra[ek] = ev
    return Fact(value, source, bool(verified), extra, node.get("note"), read, valid_from)


_NATIONALS_KEYS = ("bar", "article", "exceptions")


def _load_nationals(ck: _Checker, path: Path, node: dict[str, Any], marks: Any, ctx: str) -> NationalsRule | None:
    """``extradites_nationals``: {bar, article, exceptions: [{kind, article, offences, states, conditions}]}."""
    if "value" in node:
        ck.error(path, ck.line(marks, "value"), f"{ctx}.value",
                 "extradites_nationals is structured: bar (none | constitutional | statutory), article, exceptions")
        return None
    bar = node.get("bar")
    if bar not in NATIONALS_BARS:
        ck.error(path, ck.line(marks, "bar"), f"{ctx}.bar", f"must be one of {', '.join(NATIONALS_BARS)}")
        return None
    article = node.get("article")
    if bar != "none" and (not isinstance(article, str) or not article.strip()):
        ck.error(path, ck.line(marks, "article"), f"{ctx}.article", "a bar names its article")
    exceptions = []
    raw = node.get("exceptions") or []
    if not isinstance(raw, list):
        ck.error(path, ck.line(marks, "exceptions"), f"{ctx}.exceptions", "must be a list")
        raw = []
    for j, e in enumerate(raw):
        ectx = f"{ctx}.exceptions[{j}]"
        if not isinstance(e, dict):
            ck.error(path, ck.line(raw, j), ectx, "must be a mapping")
            continue
        kind = e.get("kind")
        if kind not in NATIONALS_EXCEPTIONS:
            ck.error(path, ck.line(e, "kind"), f"{ectx}.kind", f"must be one of {', '.join(NATIONALS_EXCEPTIONS)}")
            continue
        unknown = set(e) - {"kind", "article", "offences", "states", "conditions", "note"}
        for k in sorted(unknown):
            ck.error(path, ck.line(e, k), f"{ectx}.{k}", "unknown field")
        art = e.get("article")
        if not isinstance(art, str) or not art.strip():
            ck.error(path, ck.line(e, "article"), f"{ectx}.article", "each exception names its article")
            art = ""
        offences = e.get("offences") or []
        if not isinstance(offences, list) or not all(isinstance(o, str) for o in offences):
            ck.error(path, ck.line(e, "offences"), f"{ectx}.offences", "must be a list of offence kinds")
            offences = []
        if kind == "naturalised":
            bad = [o for o in offences if o not in NATURALISED_OFFENCES]
            if not offences or bad:
                ck.error(path, ck.line(e, "offences"), f"{ectx}.offences",
                         f"naturalised needs offences among {', '.join(NATURALISED_OFFENCES)}")
        if kind == "offences" and not offences:
            ck.error(path, ck.line(e, "offences"), f"{ectx}.offences", "list the offences the exception covers")
        states = e.get("states") or []
        for k, st in enumerate(states if isinstance(states, list) else []):
            ck.state(path, ck.line(e, "states"), f"{ectx}.states[{k}]", st)
        exceptions.append(NationalsException(kind, str(art), tuple(offences), tuple(states or ()),
                                             e.get("conditions"), e.get("note")))
    if bar == "none" and exceptions:
        ck.error(path, ck.line(marks, "exceptions"), f"{ctx}.exceptions", "no bar, so no exceptions")
    return NationalsRule(bar, article.strip() if isinstance(article, str) else None, tuple(exceptions))


def _read(ck: _Checker, path: Path) -> Any:
    try:
        return read_yaml(path)
    except YamlSyntaxError as exc:
        ck.error(path, exc.line, "", f"YAML syntax: {exc.reason}")
    except FileNotFoundError:
        ck.error(path, 0, "", "file missing")
    except UnicodeDecodeError:
        ck.error(path, 0, "", "not UTF-8")
    return None


# --------------------------------------------------------------------------------------------
# assembly


def _data_files(data_dir: Path, profiles_dir: Path) -> list[Path]:
    files = sorted(p for p in data_dir.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".csv"))
    if profiles_dir.exists() and not _is_under(profiles_dir, data_dir):
        files += sorted(p for p in profiles_dir.glob("*.yaml"))
    return files


def _is_under(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


def fingerprint(data_dir: Path, profiles_dir: Path) -> str:
    digest = hashlib.sha256(CACHE_VERSION.encode())
    code_dir = Path(__file__).parent
    for code in ("loader.py", "model.py", "yamlio.py"):
        digest.update((code_dir / code).read_bytes())
    for path in _data_files(data_dir, profiles_dir):
        digest.update(str(path.relative_to(path.anchor)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def compile_law(data_dir: Path | str | None = None, profiles_dir: Path | str | None = None) -> LawData:
    """Read and validate every file; raise DataError with all problems found."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    profiles_dir = Path(profiles_dir) if profiles_dir else data_dir / "profiles"
    states = known_states()
    ck = _Checker(data_dir, states)

    instruments: dict[str, Instrument] = {}
    for path in sorted((data_dir / "instruments").glob("*.yaml")):
        doc = _read(ck, path)
        if doc is None:
            continue
        nodes = doc["instruments"] if isinstance(doc, dict) and "instruments" in doc else [doc]
        if not isinstance(nodes, list):
            ck.error(path, ck.line(doc, "instruments"), "instruments", "must be a list")
            continue
        for i, node in enumerate(nodes):
            inst = _load_instrument(ck, path, node, f"instruments[{i}]." if len(nodes) > 1 else "")
            if inst is None:
                continue
            if inst.id in instruments:
                ck.error(path, ck.line(node, "id"), f"{inst.id}.id", f"duplicate id (also in {instruments[inst.id].file})")
            instruments[inst.id] = inst
    # cross references
    for inst in instruments.values():
        for ref_field, refs in (("supplements", [inst.supplements] if inst.supplements else []),
                                ("replaces", [r for ids in inst.replaces.values() for r in ids])):
            for ref in refs:
                if ref not in instruments:
                    ck.error(data_dir / inst.file, 0, f"{inst.id}.{ref_field}", f"unknown instrument {ref!r}")
        if inst.supplements in instruments:
            parent = instruments[inst.supplements]
            for st in inst.parties:
                if st not in parent.parties:
                    ck.error(data_dir / inst.file, 0, f"{inst.id}.parties.{st}", f"not a party to {parent.id}")

    parameters: dict[str, Parameter] = {}
    for path in sorted((data_dir / "parameters").glob("*.yaml")):
        doc = _read(ck, path)
        if doc is not None:
            _load_parameters(ck, path, doc, parameters)

    clock_path = data_dir / "clocks.yaml"
    clock_doc = _read(ck, clock_path)
    clock_rules = _load_clocks(ck, clock_path, clock_doc) if clock_doc is not None else []
    for rule in clock_rules:
        for pname in filter(None, (rule.parameter, rule.add_parameter)):
            if pname not in parameters:
                ck.error(clock_path, 0, f"{rule.code}.parameter", f"unknown parameter {pname!r}")

    iccs, offences = _load_offences(ck, data_dir)

    interpol_path = data_dir / "interpol_members.yaml"
    interpol_doc = _read(ck, interpol_path)
    interpol: dict[str, Any] = {"members": (), "source": "", "verified": False}
    if isinstance(interpol_doc, dict):
        members = interpol_doc.get("members")
        if not isinstance(members, list):
            ck.error(interpol_path, ck.line(interpol_doc), "members", "missing list")
            members = []
        for j, s in enumerate(members):
            ck.state(interpol_path, ck.line(members, j), f"members[{j}]", s)
        if len(set(members)) != len(members):
            ck.error(interpol_path, ck.line(interpol_doc, "members"), "members", "duplicates")
        interpol = {
            "members": tuple(members),
            "source": ck.text(interpol_path, interpol_doc, "source", "") or "",
            "verified": ck.boolean(interpol_path, interpol_doc, "verified", ""),
            "note": interpol_doc.get("note"),
        }

    profiles: dict[str, CountryProfile] = {}
    if profiles_dir.exists():
        for path in sorted(profiles_dir.glob("*.yaml")):
            doc = _read(ck, path)
            if doc is None:
                continue
            prof = _load_profile(ck, path, doc)
            if prof is not None:
                profiles[prof.state] = prof

    data_version: dict[str, Any] = {}
    version_path = data_dir / "version.yaml"
    if version_path.exists():
        vdoc = _read(ck, version_path)
        if isinstance(vdoc, dict):
            refreshed = ck.date(version_path, vdoc, "refreshed", "", required=True)
            data_version = {"version": str(vdoc.get("version") or ""), "refreshed": refreshed,
                            "note": vdoc.get("note")}

    if ck.errors:
        raise DataError(f"legal data set refused: {len(ck.errors)} problem(s)", ck.errors)
    law = LawData(
        instruments=instruments,
        parameters=parameters,
        profiles=profiles,
        offences=offences,
        iccs=iccs,
        interpol_members=interpol,
        clock_rules=tuple(clock_rules),
        state_names=states,
        fingerprint=fingerprint(data_dir, profiles_dir),
        data_version=data_version,
    )
    law.build_index()
    return law


def _cache_dir() -> Path:
    env = os.environ.get("COMITY_LAW_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "comity" / "law"
    try:
        path.mkdir(parents=True, exist_ok=True)
        return path
    except OSError:
        return Path(tempfile.gettempdir()) / "comity-law-cache"


def load_law(data_dir: Path | str | None = None, profiles_dir: Path | str | None = None,
             use_cache: bool = True) -> LawData:
    """Load the validated data set, from the pickle cache when the data files are unchanged."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    pdir = Path(profiles_dir) if profiles_dir else data_dir / "profiles"
    if not use_cache or os.environ.get("COMITY_LAW_NO_CACHE"):
        return compile_law(data_dir, pdir)
    key = fingerprint(data_dir, pdir)
    cache_file = _cache_dir() / f"{key}.pickle"
    if cache_file.exists():
        try:
            with cache_file.open("rb") as fh:
                law = pickle.load(fh)  # noqa: S301 - our own cache file, keyed by content hash
            if isinstance(law, LawData) and law.fingerprint == key:
                return law
        except Exception:  # noqa: BLE001 - a corrupt cache is rebuilt, never trusted
            pass
    law = compile_law(data_dir, pdir)
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(law, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_file)
    except OSError:
        pass
    return law
