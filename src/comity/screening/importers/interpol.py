"""INTERPOL public notices as its public API returns them (ws-public.interpol.int/notices/v1/red|yellow|un):
list pages ({"_embedded": {"notices": [...]}}, each notice with forename, name, date_of_birth, nationalities,
entity_id and a self link) and detail pages (one notice with arrest_warrants: issuing_country_id and charge).
Files may be single pages, JSON arrays of pages, or JSON lines of pages; a detail page enriches the list entry
of the same entity_id.
"""

from __future__ import annotations

import json
from pathlib import Path

from comity.errors import InvalidInput

from ..model import Entity
from .common import country_code, parse_date


def _pages(path: Path):
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
        yield from (data if isinstance(data, list) else [data])
    except json.JSONDecodeError:
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as e:
                    raise InvalidInput({f"{path.name} line {n}": f"not valid JSON ({e.msg})"}) from None


def _kind(notice: dict) -> str:
    href = (((notice.get("_links") or {}).get("self") or {}).get("href") or "")
    for k in ("red", "yellow", "un"):
        if f"/notices/v1/{k}/" in href:
            return k
    return "red"


def parse_interpol(files: list[str]) -> tuple[list[Entity], list[str]]:
    notices: dict[str, dict] = {}
    warnings: list[str] = []
    for f in files:
        p = Path(f)
        if not p.exists():
            raise InvalidInput({"files": f"{p} does not exist"})
        for page in _pages(p):
            if not isinstance(page, dict):
                continue
            items = ((page.get("_embedded") or {}).get("notices")) if "_embedded" in page else [page]
            for n in items or []:
                if not isinstance(n, dict) or not n.get("entity_id"):
                    continue
                notices.setdefault(n["entity_id"], {}).update({k: v for k, v in n.items() if v not in (None, [])})
    out = []
    for eid, n in notices.items():
        name = " ".join(x for x in (n.get("forename") or "", n.get("name") or "") if x).strip()
        if not name:
            warnings.append(f"notice {eid}: no name")
            continue
        dob = parse_date(str(n.get("date_of_birth") or "").replace("/", "-"))
        nats = [c for c in (country_code(x) for x in n.get("nationalities") or []) if c]
        charges = [{"country": (w.get("issuing_country_id") or "").lower(), "charge": w.get("charge") or "",
                    **({"charge_translation": w["charge_translation"]} if w.get("charge_translation") else {})}
                   for w in n.get("arrest_warrants") or [] if isinstance(w, dict)]
        kind = _kind(n)
        extra = {"notice": kind, "entity_id": eid}
        href = (((n.get("_links") or {}).get("self") or {}).get("href") or "")
        if href:
            extra["url"] = href
        if charges:
            extra["arrest_warrants"] = charges
        if n.get("place_of_birth"):
            extra["place_of_birth"] = n["place_of_birth"]
        out.append(Entity(id=f"interpol-{kind}-{eid.replace('/', '-')}", schema="Person", names=(name,),
                          birth_dates=(dob,) if dob else (), nationalities=tuple(dict.fromkeys(nats)), extra=extra))
    return out, warnings
