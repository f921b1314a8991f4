"""The FBI Wanted API (api.fbi.gov/wanted/v1/list): pages ({"items": [...]}) or items as JSON lines, plain or
gzipped. Only persons classed as the subject of the notice (person_classification "Main") are imported:
victims and missing persons are not wanted people and must never be screening hits.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from comity.errors import InvalidInput

from ..files import read_text
from ..model import Entity
from .common import country_code, parse_date

_PREFIX = re.compile(r"^(?:[A-Z ]+ - )+")


def _items(path: Path):
    text = read_text(path, label="files")
    try:
        data = json.loads(text)
        pages = data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        pages = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    pages.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise InvalidInput({f"{path.name} line {n}": f"not valid JSON ({e.msg})"}) from None
    for page in pages:
        if isinstance(page, dict) and isinstance(page.get("items"), list):
            yield from page["items"]
        elif isinstance(page, dict):
            yield page


def parse_fbi(files: list[str]) -> tuple[list[Entity], list[str]]:
    out, warnings = [], []
    for f in files:
        p = Path(f)
        if not p.exists():
            raise InvalidInput({"files": f"{p} does not exist"})
        for item in _items(p):
            if item.get("person_classification") != "Main" or not item.get("uid"):
                continue
            name = _PREFIX.sub("", " ".join((item.get("title") or "").split())).strip()
            if not name:
                continue
            aliases = [a.strip().strip('"') for a in item.get("aliases") or [] if isinstance(a, str) and a.strip()]
            dobs = [d for d in (parse_date(x) for x in item.get("dates_of_birth_used") or []) if d]
            nat = country_code(item.get("nationality") or "") if item.get("nationality") else None
            if item.get("nationality") and not nat:
                warnings.append(f"{item['uid']}: nationality '{item['nationality']}' not recognised")
            extra = {k: item[k] for k in ("url", "subjects", "description") if item.get(k)}
            out.append(Entity(id=f"fbi-{item['uid']}", schema="Person", names=(name,),
                              aliases=tuple(dict.fromkeys(a for a in aliases if a and a != name)),
                              birth_dates=tuple(dict.fromkeys(dobs)), nationalities=(nat,) if nat else (),
                              extra=extra))
    return out, warnings
