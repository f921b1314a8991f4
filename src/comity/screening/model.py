"""Listed entities and queries, and reading them from FollowTheMoney JSON lines with errors a person can act on.

A file with any bad line is refused as a whole (InvalidInput naming every bad line, up to MAX_REPORTED): a
watchlist loaded in part would answer "no match" for the people on the lines it dropped, and nobody would
know; a query file loaded in part would silently screen fewer people than were asked for. Lines of FtM
schemata that carry no person or organisation (Sanction, Address, Ownership ...) are not errors: an
OpenSanctions export holds them beside the people; they are counted and left aside.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from comity.errors import InvalidInput

SCREENED_SCHEMATA = frozenset({"Person", "LegalEntity", "Organization", "Company", "PublicBody"})
# Every other schema of the FollowTheMoney model: known, carries no name to screen, left aside.
OTHER_SCHEMATA = frozenset({
    "Address", "Airplane", "Analyzable", "Article", "Assessment", "Asset", "Associate", "Audio", "BankAccount",
    "Call", "CallForTenders", "Contract", "ContractAward", "CourtCase", "CourtCaseParty", "CryptoWallet", "Debt",
    "Directorship", "Document", "Documentation", "EconomicActivity", "Email", "Employment", "Event", "Family",
    "Folder", "HyperText", "Identification", "Image", "Interest", "Interval", "License", "Membership", "Mention",
    "Message", "Note", "Occupancy", "Ownership", "Package", "Page", "Pages", "Passport", "Payment", "PlainText",
    "Position", "Project", "ProjectParticipant", "RealEstate", "Representation", "Sanction", "Security",
    "Similar", "Succession", "Table", "TaxRoll", "Thing", "Trip", "UnknownLink", "UserAccount", "Value", "Vehicle",
    "Vessel", "Video", "Workbook",
})
MAX_NAME = 300  # characters: the longest names on the OFAC and UN lists are under 150
MAX_NAMES = 200  # names and aliases of one entity
MAX_REPORTED = 20
# Territory codes of the FollowTheMoney model beyond ISO 3166-1 (historic states, disputed territories).
EXTRA_COUNTRIES = frozenset({"xk", "eu", "zz", "suhh", "yucs", "csxx", "ddde", "ge-ab", "md-pmr", "ua-cri",
                             "ua-dpr", "ua-lpr", "cy-trnc", "iq-kr", "az-nk", "so-som", "x-so", "an"})
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T.*)?$")


@dataclass(slots=True)
class Entity:
    id: str
    schema: str = "Person"
    names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    birth_dates: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()
    source: str = ""  # the list it came from (an importer's source code)
    withdrawn: str = ""  # ISO date it disappeared from its source ("" while listed)
    extra: dict = field(default_factory=dict)  # what an importer keeps beside (url, charges, programme ...)

    @property
    def all_names(self) -> tuple[str, ...]:
        return self.names + tuple(a for a in self.aliases if a not in self.names)

    def to_ftm(self) -> dict:
        props = {"name": list(self.names)}
        if self.aliases:
            props["alias"] = list(self.aliases)
        if self.birth_dates:
            props["birthDate"] = list(self.birth_dates)
        if self.nationalities:
            props["nationality"] = list(self.nationalities)
        out = {"id": self.id, "schema": self.schema, "properties": props}
        if self.source:
            out["datasets"] = [self.source]
        if self.withdrawn:
            out["withdrawn"] = self.withdrawn
        if self.extra:
            out["extra"] = self.extra
        return out


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_2.lower() for c in pycountry.countries) | EXTRA_COUNTRIES


def check_date(value: str) -> str:
    """An FtM date (YYYY, YYYY-MM or YYYY-MM-DD, a time after it ignored) as that prefix; ValueError if not."""
    m = _DATE.match(value.strip())
    if not m:
        raise ValueError(f"'{value[:40]}' is not a date (write YYYY-MM-DD, YYYY-MM or YYYY)")
    y, mo, d = m.group(1), m.group(2), m.group(3)
    year = int(y)
    if not 1800 <= year <= dt.datetime.now(dt.timezone.utc).year:
        raise ValueError(f"'{value[:40]}': year {year} is not a plausible birth year")
    if mo and not 1 <= int(mo) <= 12:
        raise ValueError(f"'{value[:40]}': month {mo} does not exist")
    if d:
        try:
            dt.date(year, int(mo), int(d))
        except ValueError:
            raise ValueError(f"'{value[:40]}': day {d} does not exist in {y}-{mo}") from None
    return "-".join(p for p in (y, mo, d) if p)


def check_country(value: str) -> str:
    code = value.strip().lower()
    if code not in _countries():
        raise ValueError(f"'{value[:40]}' is not a country code (ISO 3166 two letters, as 'ru' or 'ir')")
    return code


def _values(props: dict, key: str) -> list[str]:
    v = props.get(key)
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ValueError(f"property {key} must be a list of strings")
    return v


def entity_from_ftm(obj, *, query: bool = False) -> Entity | None:
    """One FtM object as an Entity (None for a schema with nothing to screen); ValueError says what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    eid = obj.get("id")
    if not isinstance(eid, (str, int)) or not str(eid).strip():
        raise ValueError("no id")
    schema = obj.get("schema")
    if not isinstance(schema, str) or not schema:
        raise ValueError("no schema")
    if schema not in SCREENED_SCHEMATA:
        if schema in OTHER_SCHEMATA:
            return None
        raise ValueError(f"unknown schema '{schema[:40]}' (screened: {', '.join(sorted(SCREENED_SCHEMATA))})")
    props = obj.get("properties")
    if not isinstance(props, dict):
        raise ValueError("no properties object")
    names = [n.strip() for n in _values(props, "name") if n.strip()]
    aliases = [n.strip() for n in _values(props, "alias") + _values(props, "weakAlias") + _values(props, "previousName")
               if n.strip()]
    if not names and not aliases:
        raise ValueError("property name: empty (every entry needs a name)")
    for n in names + aliases:
        if len(n) > MAX_NAME:
            raise ValueError(f"property name: {len(n)} characters; the longest accepted is {MAX_NAME}")
        if not any(ch.isalnum() for ch in n):
            raise ValueError(f"property name: '{n[:40]}' has no letters")
    if len(names) + len(aliases) > MAX_NAMES:
        raise ValueError(f"{len(names) + len(aliases)} names; at most {MAX_NAMES} per entry")
    try:
        dates = [check_date(d) for d in _values(props, "birthDate") if d.strip()]
    except ValueError as e:
        raise ValueError(f"property birthDate: {e}") from None
    try:
        nats = [check_country(c) for c in _values(props, "nationality") + _values(props, "citizenship")
                if c.strip()]
    except ValueError as e:
        raise ValueError(f"property nationality: {e}") from None
    ds = obj.get("datasets")
    return Entity(
        id=str(eid).strip(), schema=schema, names=tuple(dict.fromkeys(names or aliases[:1])),
        aliases=tuple(dict.fromkeys(a for a in aliases if a not in names)),
        birth_dates=tuple(dict.fromkeys(dates)), nationalities=tuple(dict.fromkeys(nats)),
        source=ds[0] if isinstance(ds, list) and ds and isinstance(ds[0], str) else "",
        withdrawn=obj.get("withdrawn") if isinstance(obj.get("withdrawn"), str) else "",
        extra=obj.get("extra") if isinstance(obj.get("extra"), dict) else {},
    )


@dataclass(slots=True)
class Loaded:
    entities: list[Entity]
    skipped: dict[str, int]  # schema -> lines left aside (no name to screen)


def read_ftm_lines(lines: Iterable[bytes | str], *, label: str = "file", query: bool = False) -> Loaded:
    """Every entity of FtM JSON lines, or InvalidInput naming each bad line (the whole file is refused)."""
    errors: dict[str, str] = {}
    problems = []
    entities: dict[str, Entity] = {}
    order: list[str] = []
    skipped: dict[str, int] = {}
    count = 0
    for number, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                count += 1
                if count <= MAX_REPORTED:
                    errors[f"line {number}"] = "not UTF-8 text"
                    problems.append({"line": number, "reason": "not UTF-8 text"})
                continue
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            reason = f"not valid JSON ({e.msg} at column {e.colno})"
        else:
            try:
                ent = entity_from_ftm(obj, query=query)
                reason = ""
            except ValueError as e:
                reason = str(e)
        if reason:
            count += 1
            if count <= MAX_REPORTED:
                errors[f"line {number}"] = reason
                problems.append({"line": number, "reason": reason})
            continue
        if ent is None:
            skipped[obj["schema"]] = skipped.get(obj["schema"], 0) + 1
            continue
        if ent.id in entities and not query:  # the same entity on several lines: its fragments merge
            old = entities[ent.id]
            entities[ent.id] = Entity(
                id=ent.id, schema=old.schema, names=tuple(dict.fromkeys(old.names + ent.names)),
                aliases=tuple(dict.fromkeys(old.aliases + ent.aliases)),
                birth_dates=tuple(dict.fromkeys(old.birth_dates + ent.birth_dates)),
                nationalities=tuple(dict.fromkeys(old.nationalities + ent.nationalities)),
                source=old.source or ent.source, withdrawn=ent.withdrawn, extra={**old.extra, **ent.extra})
            continue
        key = ent.id if not query else f"{number}:{ent.id}"
        entities[key] = ent
        order.append(key)
    if count:
        summary = (f"{count} bad line{'s' if count > 1 else ''}; the file was refused as a whole "
                   "(nothing was loaded): correct the lines below and run again")
        shown = {label: summary}
        shown.update({f"{label} {k}": v for k, v in errors.items()})
        if count > MAX_REPORTED:
            shown[f"{label} more"] = f"{count - MAX_REPORTED} more bad lines not shown"
        raise InvalidInput(shown, message=f"{label}: {summary}", problems=problems)
    return Loaded([entities[k] for k in order], skipped)


def read_ftm_file(path: str | Path, *, label: str | None = None, query: bool = False) -> Loaded:
    p = Path(path)
    if not p.exists():
        raise InvalidInput({str(label or "file"): f"{p} does not exist"})
    from .files import lines, open_input

    field = str(label or "file")
    with open_input(p, label=field) as f:
        return read_ftm_lines(lines(f, name=p.name, label=field), label=f"{field} {p.name}", query=query)
