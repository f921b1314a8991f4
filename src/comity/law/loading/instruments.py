"""Instrument files (instruments/*.yaml): treaties, EU acts, EU agreements and domestic statutes.

A file holds one instrument, or several under ``instruments:`` (bilateral.yaml). Each instrument names its
scope, citations per kind of cooperation, articles, parties (``parties.py``), what it replaces or
supplements, and, for a domestic statute, the States it designates. The tier an answer ranks it by follows
from its kind: EU act, EU agreement with a third State, bilateral treaty, regional or UN convention, statute.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from ..model import SCOPES, Article, Instrument, Party, TreatyGround
from .issues import Issues, read_file, require_read_source
from .models import ArticleRow, CategoryRow, GroundRow, InstrumentRow, StatuteRow, WindowRow
from .parties import PartyDefaults, load_parties

BILATERAL_ID = re.compile(r"^bilateral:([A-Z]{2})-([A-Z]{2}):(\d{4})(?:[a-z])?$")
INSTRUMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._-]*$")


def load_instruments(issues: Issues, data_dir: Path) -> dict[str, Instrument]:
    """Every instrument file, then the references between instruments (supplements, replaces)."""
    instruments: dict[str, Instrument] = {}
    for path in sorted((data_dir / "instruments").glob("*.yaml")):
        doc = read_file(issues, path)
        if doc is None:
            continue
        nodes = doc["instruments"] if isinstance(doc, dict) and "instruments" in doc else [doc]
        if not isinstance(nodes, list):
            issues.error(path, issues.line(doc, "instruments"), "instruments", "must be a list")
            continue
        for i, node in enumerate(nodes):
            ctx = f"instruments[{i}]." if len(nodes) > 1 else ""
            inst = load_instrument(issues, path, node, ctx, issues.line(node) or issues.line(nodes, i))
            if inst is None:
                continue
            if inst.id in instruments:
                issues.error(path, issues.line(node, "id"), f"{inst.id}.id",
                             f"duplicate id (also in {instruments[inst.id].file})")
            instruments[inst.id] = inst
    check_references(issues, data_dir, instruments)
    return instruments


def check_references(issues: Issues, data_dir: Path, instruments: dict[str, Instrument]) -> None:
    """Every instrument named (supplements, replaces) exists; a protocol's parties are parties to its convention."""
    for inst in instruments.values():
        for ref_field, refs in (("supplements", [inst.supplements] if inst.supplements else []),
                                ("replaces", [r for ids in inst.replaces.values() for r in ids])):
            for ref in refs:
                if ref not in instruments:
                    issues.error(data_dir / inst.file, 0, f"{inst.id}.{ref_field}", f"unknown instrument {ref!r}")
        if inst.supplements in instruments:
            parent = instruments[inst.supplements]
            for st in inst.parties:
                if st not in parent.parties:
                    issues.error(data_dir / inst.file, 0, f"{inst.id}.parties.{st}", f"not a party to {parent.id}")


def _tier(kind: Any, eu_agreement: Any, organisation: Any) -> str:
    if kind == "bilateral_treaty":
        return "eu_third_country" if eu_agreement else "bilateral"
    if kind == "eu_act":
        return "eu"
    if kind == "domestic_statute":
        return "domestic"
    return "un" if organisation == "UN" else "regional"


def load_instrument(issues: Issues, path: Path, node: Any, ctx: str, line: int = 0) -> Instrument | None:
    """One instrument, or None (with its problems recorded) if anything in it is wrong."""
    if not isinstance(node, dict):
        issues.error(path, line, ctx or "instrument", "must be a mapping")
        return None
    n_errors = len(issues)
    raw_id = node.get("id")
    iid = raw_id.strip() if isinstance(raw_id, str) and raw_id.strip() else None
    ctx = f"{iid}." if iid else ctx
    row = issues.validate(InstrumentRow, path, node, ctx)
    if row is None:
        return None
    tier = _tier(row.kind, row.eu_agreement, row.organisation)
    bil = BILATERAL_ID.match(iid or "")
    _check_header(issues, path, node, ctx, iid, row, tier, bil)
    citations = _citations(issues, path, node, ctx, row, tier)
    source, verified = row.source or "", bool(row.verified)
    articles = _articles(issues, path, node, ctx, source, verified, row.read)
    parties = _parties(issues, path, node, ctx, row, tier, bil, source, verified)
    replaces = _replaces(issues, path, node, ctx)
    statute = _statute(issues, path, node, ctx, source, verified) if row.kind == "domestic_statute" else None
    third_states = _third_states(issues, path, node, ctx, parties)
    grounds = _grounds(issues, path, node, ctx, source, row.read)
    if verified:
        require_read_source(issues, path, node, ctx, source, row.read)
    if len(issues) > n_errors or not iid:
        return None
    return Instrument(
        id=iid, title=row.title or "", short_title=str(row.short_title or row.title or ""), kind=str(row.kind),
        organisation=row.organisation, tier=tier, order=int(row.order if row.order is not None else 50),
        scope=tuple(row.scope or ()), adopted=row.adopted, entry_into_force=row.entry_into_force, source=source,
        verified=verified, articles=tuple(articles), parties=parties, citations=citations,
        supplements=row.supplements, replaces=replaces, replaces_bilateral=tuple(row.replaces_bilateral or ()),
        replaces_all=tuple(row.replaces_all or ()), replaces_citation=row.replaces_citation,
        offence_scope=row.offence_scope, extradition_basis_article=row.extradition_basis_article,
        extradition_mutual_article=row.extradition_mutual_article,
        extradition_notification_article=row.extradition_notification_article, third_states=tuple(third_states),
        rank=row.rank, supplements_bilateral=bool(row.supplements_bilateral), notes=row.notes,
        file=issues.rel(path), conventions_citation=row.conventions_citation, ad_hoc_route=row.ad_hoc_route,
        grounds=grounds, grounds_complete=bool(row.grounds_complete), read=row.read,
        **(statute.fields() if statute else {}),
    )


def _check_header(issues: Issues, path: Path, node: Any, ctx: str, iid: str | None, row: InstrumentRow, tier: str,
                  bil: re.Match[str] | None) -> None:
    if iid and not INSTRUMENT_ID.match(iid):
        issues.error(path, issues.line(node, "id"), f"{ctx}id", "invalid characters")
    if row.adopted and row.entry_into_force and row.entry_into_force < row.adopted:
        issues.error(path, issues.line(node, "entry_into_force"), f"{ctx}entry_into_force", "before adoption")
    if tier == "bilateral":
        _check_bilateral_id(issues, path, node, ctx, bil, row.adopted)


def _citations(issues: Issues, path: Path, node: Any, ctx: str, row: InstrumentRow, tier: str) -> dict[str, Any]:
    """A citation of the operative articles for each kind of cooperation in scope (a bilateral treaty's title
    stands for it)."""
    citations = dict(row.citations or {})
    if tier == "bilateral":
        for s in row.scope or ():
            citations.setdefault(s, row.title or "")
    for s in row.scope or ():
        if s not in citations:
            issues.error(path, issues.line(node, "citations"), f"{ctx}citations.{s}", "missing citation for scope")
    return citations


def _parties(issues: Issues, path: Path, node: Any, ctx: str, row: InstrumentRow, tier: str,
             bil: re.Match[str] | None, source: str, verified: bool) -> dict[str, Party]:
    """The party rows, with what they inherit from the instrument (``parties_source``, ``parties_verified``,
    ``parties_read``, ``parties_as_of``, the entry-into-force rule). A bilateral treaty without rows binds the two
    States of its id from its entry into force (until ``terminated``)."""
    raw_parties = row.parties
    if raw_parties is None and tier == "bilateral" and bil:
        raw_parties = [{"state": bil.group(1)}, {"state": bil.group(2)}]
        for p in raw_parties:
            p.update({"signature": row.adopted, "entry_into_force": row.entry_into_force, "verified": verified,
                      "source": source})
            if row.terminated:
                p["withdrawal"] = row.terminated
    if not isinstance(raw_parties, list):
        issues.error(path, issues.line(node, "parties"), f"{ctx}parties", "missing list of parties")
        raw_parties = []
    p_source = row.parties_source or source
    p_read = row.parties_read or (row.read if p_source == source else None)
    defaults = PartyDefaults(p_source, node.get("parties_verified", verified), p_read, row.parties_as_of,
                             row.entry_into_force_rule, row.entry_into_force, row.kind)
    parties = load_parties(issues, path, raw_parties, ctx, defaults, node.get("parties"))
    if tier == "bilateral" and bil and set(parties) != {bil.group(1), bil.group(2)}:
        issues.error(path, issues.line(node, "parties"), f"{ctx}parties", "must be exactly the two states of the id")
    return parties


def _check_bilateral_id(issues: Issues, path: Path, node: Any, ctx: str, bil: re.Match[str] | None,
                        adopted: dt.date | None) -> None:
    """``bilateral:<A>-<B>:<year>``: the two ISO codes in alphabetical order, the year of signature."""
    line = issues.line(node, "id")
    if not bil:
        issues.error(path, line, f"{ctx}id", "bilateral ids are bilateral:<A>-<B>:<year>")
    elif bil.group(1) >= bil.group(2):
        issues.error(path, line, f"{ctx}id", "the two ISO codes must be in alphabetical order")
    elif adopted and int(bil.group(3)) != adopted.year:
        issues.error(path, line, f"{ctx}id", f"year differs from adopted date {adopted}")


def _articles(issues: Issues, path: Path, node: Any, ctx: str, source: str, verified: bool,
              read: dt.date | None) -> list[Article]:
    """The operative articles, each paraphrased; one marked verified was read (its source or the instrument's)."""
    articles = []
    items = node.get("articles") or []
    for i, art in enumerate(items):
        actx = f"{ctx}articles[{i}]."
        if not isinstance(art, dict):
            issues.error(path, issues.line(items, i), actx, "must be a mapping")
            continue
        row = issues.validate(ArticleRow, path, art, actx, {"verified": verified})
        if row is None:
            continue
        article = Article(number=str(row.number), heading=row.heading or "", paraphrase=row.paraphrase or "",
                          source=row.source or source, verified=bool(row.verified))
        articles.append(article)
        if article.verified:
            require_read_source(issues, path, art, actx, article.source, issues.date(path, art, "read", actx) or read)
    return articles


def _replaces(issues: Issues, path: Path, node: Any, ctx: str) -> dict[str, tuple[str, ...]]:
    """``replaces: {kind: [ids]}``: the instruments this one replaces between its parties, per kind."""
    raw = node.get("replaces") or {}
    if not isinstance(raw, dict):
        issues.error(path, issues.line(node, "replaces"), f"{ctx}replaces", "must map scope -> list of ids")
        return {}
    replaces = {}
    for k, ids in raw.items():
        if k not in SCOPES or not isinstance(ids, list):
            issues.error(path, issues.line(node, "replaces"), f"{ctx}replaces.{k}", "must map scope -> list of ids")
            continue
        replaces[k] = tuple(ids)
    return replaces


def _third_states(issues: Issues, path: Path, node: Any, ctx: str, parties: dict[str, Any]) -> list[Any]:
    """An EU agreement applies only between one of its third States and a Member State."""
    third = node.get("third_states") or ([node["third_state"]] if node.get("third_state") else [])
    line = issues.line(node, "third_states")
    for j, ts in enumerate(third):
        issues.state(path, line, f"{ctx}third_states[{j}]", ts)
        if ts not in parties:
            issues.error(path, line, f"{ctx}third_states[{j}]", "must also be listed as a party")
    return list(third)


def _grounds(issues: Issues, path: Path, node: Any, ctx: str, source: str, read: dt.date | None
             ) -> dict[str, TreatyGround]:
    """The treaty's own refusal grounds, by the assessment's ground code."""
    grounds: dict[str, TreatyGround] = {}
    items = node.get("grounds") or []
    for j, g in enumerate(items):
        gctx = f"{ctx}grounds[{j}]."
        if not isinstance(g, dict):
            issues.error(path, issues.line(items, j), gctx, "must be a mapping")
            continue
        row = issues.validate(GroundRow, path, g, gctx)
        if row is None:
            continue
        if row.verified:
            require_read_source(issues, path, g, gctx, str(row.source or source),
                                issues.date(path, g, "read", gctx) or read)
        if row.code and row.effect and row.article and row.text:
            if row.code in grounds:
                issues.error(path, issues.line(g, "code"), f"{gctx}code", f"duplicate ground {row.code}")
            grounds[row.code] = TreatyGround(row.code, row.effect, row.article, row.text, row.cured_by,
                                             bool(row.verified))
    return grounds


class _Statute:
    """A domestic statute's enacting State and designation lists, as read."""

    def __init__(self, state: str | None, conventions_as_basis: bool | None):
        self.state, self.conventions_as_basis = state, conventions_as_basis
        self.categories: dict[str, tuple[str, ...]] = {}
        self.labels: dict[str, str] = {}
        self.windows: dict[str, dict[str, tuple[dt.date | None, dt.date | None]]] = {}
        self.sources: dict[str, tuple[str, bool]] = {}

    def fields(self) -> dict[str, Any]:
        """The Instrument fields of a statute."""
        return {"state": self.state, "categories": self.categories, "category_labels": self.labels,
                "category_windows": self.windows, "category_sources": self.sources,
                "conventions_as_basis": self.conventions_as_basis}


def _statute(issues: Issues, path: Path, node: Any, ctx: str, source: str, verified: bool) -> _Statute | None:
    """The States a statute designates (``categories``), each list with its label, source and verified flag;
    a State may be designated only for a window (``{state: XX, from: date, until: date}``)."""
    row = issues.validate(StatuteRow, path, node, ctx)
    if row is None:
        return None
    statute = _Statute(row.state, row.conventions_as_basis)
    cnode = node.get("categories") or {}
    if not isinstance(cnode, dict):
        issues.error(path, issues.line(node, "categories"), f"{ctx}categories", "needs category: {states: [...]}")
        return statute
    for cat, members in cnode.items():
        cctx = f"{ctx}categories.{cat}"
        if not isinstance(members, dict) or not isinstance(members.get("states"), list):
            issues.error(path, issues.line(cnode, cat), cctx, "needs states: [...]")
            continue
        crow = issues.validate(CategoryRow, path, members, f"{cctx}.", {"verified": verified})
        codes: list[str] = []
        windows: dict[str, tuple[dt.date | None, dt.date | None]] = {}
        items = members["states"]
        for j, s in enumerate(items):
            sctx = f"{cctx}.states[{j}]"
            if isinstance(s, dict):  # designated only in a window
                code = issues.state(path, issues.line(items, j), sctx, s.get("state"))
                w = issues.validate(WindowRow, path, s, f"{sctx}.")
                if w is None:
                    continue
                if w.start and w.until and w.until <= w.start:
                    issues.error(path, issues.line(s, "until"), f"{sctx}.until", "not after from")
                if code:
                    codes.append(code)
                    if w.start or w.until:
                        windows[code] = (w.start, w.until)
            elif issues.state(path, issues.line(items, j), sctx, s):
                codes.append(s)
        if len(set(codes)) != len(codes):
            issues.error(path, issues.line(cnode, cat), f"{cctx}.states", "duplicate state")
        statute.categories[cat] = tuple(codes)
        if windows:
            statute.windows[cat] = windows
        statute.labels[cat] = str(members.get("label") or cat.replace("_", " "))
        cverified = bool(crow.verified) if crow is not None else False
        statute.sources[cat] = (str(members.get("source", source)), cverified)
    return statute
