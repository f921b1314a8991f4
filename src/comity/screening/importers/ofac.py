"""OFAC's SDN list in its CSV files: sdn.csv (entries), alt.csv (aliases), add.csv (addresses).

Individuals become Person, entities Organization; vessels and aircraft are left aside. Dates of birth and
nationalities come from the Remarks column ("DOB 10 Dec 1948; alt. DOB 1949; nationality Egypt; citizen ...").
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from comity.errors import InvalidInput

from ..model import Entity
from .common import country_code, parse_date

_NULL = "-0-"
_DOB = re.compile(r"DOB ([^;.]+)")
_NAT = re.compile(r"(?:[Nn]ationality|[Cc]itizen) ([A-Z][A-Za-z ,'\-]+?)(?:[;.]|$)")


def _clean(v: str) -> str:
    v = (v or "").strip()
    return "" if v == _NULL else v


def _rows(path: Path):
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        for n, row in enumerate(csv.reader(f), 1):
            if row:
                yield n, row


def parse_ofac(files: list[str]) -> tuple[list[Entity], list[str]]:
    by_kind: dict[str, Path] = {}
    for f in files:
        p = Path(f)
        if not p.exists():
            raise InvalidInput({"files": f"{p} does not exist"})
        name = p.name.lower()
        kind = "alt" if "alt" in name else "add" if "add" in name else "sdn"
        by_kind[kind] = p
    if "sdn" not in by_kind:
        raise InvalidInput({"files": "the OFAC import needs sdn.csv (alt.csv and add.csv are optional)"})
    warnings: list[str] = []
    entries: dict[str, dict] = {}
    for n, row in _rows(by_kind["sdn"]):
        if len(row) < 12 or not row[0].strip().isdigit():
            warnings.append(f"sdn line {n}: not an SDN row")
            continue
        typ = _clean(row[2]).lower()
        if typ in ("vessel", "aircraft"):
            continue
        remarks = _clean(row[11])
        dobs = [d for d in (parse_date(m) for m in _DOB.findall(remarks)) if d]
        nats = []
        for m in _NAT.findall(remarks):
            c = country_code(m.strip())
            if c:
                nats.append(c)
            else:
                warnings.append(f"sdn line {n}: country '{m.strip()}' not recognised")
        entries[row[0].strip()] = {
            "schema": "Person" if typ == "individual" else "Organization", "name": _clean(row[1]), "aliases": [],
            "dobs": dobs, "nats": nats, "program": _clean(row[3]), "title": _clean(row[4])}
    if "alt" in by_kind:
        for n, row in _rows(by_kind["alt"]):
            if len(row) >= 4 and row[0].strip() in entries and _clean(row[3]):
                entries[row[0].strip()]["aliases"].append(_clean(row[3]))
    out = []
    for num, e in entries.items():
        if not e["name"]:
            warnings.append(f"entry {num}: no name")
            continue
        extra = {k: v for k, v in (("program", e["program"]), ("title", e["title"])) if v}
        out.append(Entity(id=f"ofac-{num}", schema=e["schema"], names=(e["name"],),
                          aliases=tuple(dict.fromkeys(a for a in e["aliases"] if a != e["name"])),
                          birth_dates=tuple(dict.fromkeys(e["dobs"])), nationalities=tuple(dict.fromkeys(e["nats"])),
                          extra=extra))
    return out, warnings
