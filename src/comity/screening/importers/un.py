"""The UN Security Council Consolidated List, XML as published (CONSOLIDATED_LIST with INDIVIDUALS/INDIVIDUAL
and ENTITIES/ENTITY; names in FIRST_NAME .. FOURTH_NAME, NAME_ORIGINAL_SCRIPT, INDIVIDUAL_ALIAS/ALIAS_NAME,
INDIVIDUAL_DATE_OF_BIRTH with DATE or YEAR, NATIONALITY/VALUE).

Parsed with defusedxml, which refuses what the published list never has: a document type declaration
(forbid_dtd), entity declarations (billion laughs) and external references (XXE); a file over MAX_XML_BYTES is
refused before it is read (the published list is about 2 MB).
"""

from __future__ import annotations

from pathlib import Path

import defusedxml
from defusedxml import ElementTree as ET

from comity.errors import InvalidInput

from ..model import Entity
from .common import country_code, parse_date

MAX_XML_BYTES = 200 * 1024 * 1024


def _text(el, tag: str) -> str:
    x = el.find(tag)
    return " ".join((x.text or "").split()) if x is not None and x.text else ""


def parse_un(files: list[str]) -> tuple[list[Entity], list[str]]:
    out: list[Entity] = []
    warnings: list[str] = []
    for f in files:
        p = Path(f)
        try:
            size = p.stat().st_size
        except OSError as e:
            raise InvalidInput({"files": f"{p.name} cannot be read ({e.strerror or e})"}) from None
        if size > MAX_XML_BYTES:
            raise InvalidInput({"files": f"{p.name} is {size:,} bytes, over the limit of {MAX_XML_BYTES:,} for the UN "
                                         "list (about 2 MB as published); nothing was imported"})
        try:
            root = ET.parse(p, forbid_dtd=True).getroot()
        except defusedxml.DefusedXmlException as e:
            raise InvalidInput({"files": f"{p.name}: refused: the file declares a DTD, entities or external "
                                         f"references, which the UN list never does ({type(e).__name__}); nothing "
                                         "was imported"}) from None
        except (OSError, ET.ParseError) as e:
            raise InvalidInput({"files": f"{p.name}: not the UN consolidated list XML ({e})"}) from None
        if root.tag != "CONSOLIDATED_LIST":
            raise InvalidInput({"files": f"{p.name}: the root element is {root.tag}, not CONSOLIDATED_LIST"})
        for kind, tag, alias_tag, schema in (("INDIVIDUALS", "INDIVIDUAL", "INDIVIDUAL_ALIAS", "Person"),
                                             ("ENTITIES", "ENTITY", "ENTITY_ALIAS", "Organization")):
            for el in root.iterfind(f"{kind}/{tag}"):
                dataid = _text(el, "DATAID")
                parts = [_text(el, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
                name = " ".join(p for p in parts if p)
                if not dataid or not name:
                    warnings.append(f"{p.name}: a {tag} without DATAID or name")
                    continue
                aliases = [_text(a, "ALIAS_NAME") for a in el.iterfind(alias_tag)]
                original = _text(el, "NAME_ORIGINAL_SCRIPT")
                if original:
                    aliases.append(original)
                dobs = []
                for d in el.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
                    v = parse_date(_text(d, "DATE")) or _text(d, "YEAR") or parse_date(_text(d, "FROM_YEAR"))
                    if v:
                        dobs.append(v)
                nats = []
                for v in el.iterfind("NATIONALITY/VALUE"):
                    c = country_code(v.text or "")
                    if c:
                        nats.append(c)
                    elif v.text:
                        warnings.append(f"{p.name} {dataid}: nationality '{v.text}' not recognised")
                extra = {k.lower(): _text(el, k) for k in ("REFERENCE_NUMBER", "UN_LIST_TYPE", "LISTED_ON")
                         if _text(el, k)}
                out.append(Entity(id=f"un-{dataid}", schema=schema, names=(name,),
                                  aliases=tuple(dict.fromkeys(a for a in aliases if a and a != name)),
                                  birth_dates=tuple(dict.fromkeys(dobs)), nationalities=tuple(dict.fromkeys(nats)),
                                  extra=extra))
    return out, warnings
