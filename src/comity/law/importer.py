"""Refresh an instrument's party rows from a depositary's list: ``comity law import``.

An operator copies the party list from the depositary's page (Council of Europe Treaty Office chart, UN Treaty
Collection status page, a national treaty database) into a CSV or JSON file. ``read_party_file`` checks every
line (State names or codes, dates in the depositary's formats, dates in a possible order) and reports each
problem with its line and field; ``diff_parties`` shows what would change; ``apply_parties`` rewrites the
instrument's party rows, marking the imported ones verified with the source URL and the day it was read, and
moves the data set's ``refreshed`` date. Nothing is written if any line is wrong.

CSV (header required; one row per State; empty cells mean "not in the list")::

    state,signature,deposit_kind,deposit,entry_into_force,denunciation,withdrawal,note
    Austria,13/12/1957,ratification,21/05/1969,19/08/1969,,,
    KR,,accession,29/09/2011,29/12/2011,,,

JSON::

    {"instrument": "CETS-024", "source": "https://...", "as_of": "2025-06-30",
     "parties": [{"state": "AT", "signature": "1957-12-13", "ratification": "1969-05-21",
                  "entry_into_force": "1969-08-19"}]}

Dates may be written YYYY-MM-DD, DD/MM/YYYY (Council of Europe), DD-MM-YYYY (Dutch treaty database),
DD.MM.YYYY (Fedlex) or "12 Dec 2000" (UN Treaty Collection). A column ``instrument`` (CSV) or key
``instrument`` (JSON), when present, must name the instrument being imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dates import today as _today
from .errors import LawError
from .model import DEPOSIT_KINDS

COLUMNS = ("state", "signature", "deposit_kind", "deposit", "entry_into_force", "denunciation", "withdrawal", "note")
DATE_FIELDS = ("signature", "deposit", "entry_into_force", "denunciation", "withdrawal")

#: A depositary's list has one row per State (fewer than 250); anything beyond these is refused before it is
#: parsed, naming the file or the parties (docs/security/hostile-input.md).
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000

#: How depositaries write the kind of instrument deposited (UN: "a" accession, "A" acceptance, "AA" approval,
#: "d" succession; Dutch database: R, A, Su; CoE charts write the word).
_KIND_ALIASES = {
    "ratification": "ratification", "r": "ratification", "rat": "ratification", "ratified": "ratification",
    "acceptance": "acceptance", "a_upper": "acceptance", "approval": "approval", "aa": "approval",
    "accession": "accession", "a": "accession", "acc": "accession", "adhesion": "accession",
    "succession": "succession", "d": "succession", "su": "succession",
    "definitive_signature": "definitive_signature", "s": "definitive_signature",
}

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}

#: Names depositaries use that ISO 3166 spells otherwise.
_STATE_ALIASES = {
    "turkey": "TR", "turkiye": "TR", "russia": "RU", "russian federation": "RU", "republic of korea": "KR",
    "korea": "KR", "south korea": "KR", "korea, republic of": "KR", "democratic people's republic of korea": "KP",
    "united kingdom": "GB", "united kingdom of great britain and northern ireland": "GB", "great britain": "GB",
    "united states": "US", "united states of america": "US", "netherlands": "NL",
    "netherlands, the kingdom of the": "NL", "kingdom of the netherlands": "NL", "the netherlands": "NL",
    "czech republic": "CZ", "czechia": "CZ", "slovak republic": "SK", "republic of moldova": "MD", "moldova": "MD",
    "north macedonia": "MK", "the former yugoslav republic of macedonia": "MK", "macedonia": "MK",
    "bolivia (plurinational state of)": "BO", "bolivia": "BO", "venezuela (bolivarian republic of)": "VE",
    "venezuela": "VE", "iran (islamic republic of)": "IR", "iran": "IR", "syrian arab republic": "SY",
    "syria": "SY", "lao people's democratic republic": "LA", "laos": "LA", "viet nam": "VN", "vietnam": "VN",
    "united republic of tanzania": "TZ", "tanzania": "TZ", "cote d'ivoire": "CI", "ivory coast": "CI",
    "cabo verde": "CV", "cape verde": "CV", "eswatini": "SZ", "swaziland": "SZ", "holy see": "VA",
    "state of palestine": "PS", "palestine": "PS", "micronesia (federated states of)": "FM", "micronesia": "FM",
    "democratic republic of the congo": "CD", "congo": "CG", "republic of the congo": "CG",
    "brunei darussalam": "BN", "brunei": "BN", "timor-leste": "TL", "east timor": "TL",
    "saint kitts and nevis": "KN", "saint lucia": "LC", "saint vincent and the grenadines": "VC",
    "sao tome and principe": "ST", "bosnia and herzegovina": "BA", "serbia and montenegro": "RS",
    "kosovo": "XK", "taiwan": "TW", "curacao": "CW", "sint maarten": "SX", "aruba": "AW",
}


class ImportError_(LawError):
    """A party file cannot be imported; ``errors`` names each line and field."""


@dataclass
class ImportedRow:
    line: int
    state: str
    values: dict[str, Any] = field(default_factory=dict)  # signature, <deposit kind>, entry_into_force, ...
    note: str | None = None


@dataclass
class PartyFile:
    instrument: str | None
    source: str | None
    as_of: dt.date | None
    rows: list[ImportedRow]


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip().lower()


def state_code(value: str, names: dict[str, str]) -> str | None:
    """ISO 3166-1 alpha-2 code for a code or a State name as depositaries write it; None if unknown."""
    raw = value.strip()
    if len(raw) == 2 and raw.upper() in names:
        return raw.upper()
    folded = _fold(raw)
    folded = re.sub(r"\s*\(.*?\)\s*$", "", folded) if folded not in _STATE_ALIASES else folded
    if folded in _STATE_ALIASES:
        return _STATE_ALIASES[folded]
    by_name = {_fold(n): c for c, n in names.items()}
    if folded in by_name:
        return by_name[folded]
    try:
        import pycountry

        found = pycountry.countries.lookup(raw)
        return found.alpha_2 if found.alpha_2 in names else None
    except LookupError:
        return None


def parse_any_date(value: Any) -> dt.date | None:
    """A date in ISO, DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY or "12 Dec 2000"; None if it is not one."""
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
        m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4})", text)
        if m and m.group(2).lower() in _MONTHS:
            return dt.date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    except ValueError:
        return None
    return None


def _kind(value: str) -> str | None:
    text = value.strip()
    if text == "A":
        return "acceptance"
    return _KIND_ALIASES.get(_fold(text).replace(" ", "_"))


def read_party_file(path: Path | str, instrument_id: str, names: dict[str, str]) -> PartyFile:
    """Parse and check a party list; raise ``ImportError_`` with every problem (line and field)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            reason = f"is larger than the limit of {MAX_FILE_BYTES} bytes ({size})"
            raise ImportError_(f"file: {reason}", [{"field": "file", "reason": reason}])
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportError_(f"file: not found: {path}", [{"field": "file", "reason": "not found"}]) from None
    except IsADirectoryError:
        raise ImportError_(f"file: is a folder: {path}", [{"field": "file", "reason": "is a folder"}]) from None
    except UnicodeDecodeError:
        raise ImportError_("file: not UTF-8 text", [{"field": "file", "reason": "not UTF-8 text"}]) from None
    errors: list[dict[str, Any]] = []
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        raw_rows, meta = _json_rows(text, errors)
    else:
        raw_rows, meta = _csv_rows(text, errors)
    declared = meta.get("instrument")
    if declared and str(declared).strip().upper() != instrument_id.upper():
        errors.append({"line": meta.get("instrument_line", 1), "field": "instrument",
                       "reason": f"the file is for {declared}, not {instrument_id}"})
    as_of = None
    if meta.get("as_of"):
        as_of = parse_any_date(meta["as_of"])
        if as_of is None:
            errors.append({"line": 1, "field": "as_of", "reason": f"not a date: {meta['as_of']!r}"})
    if len(raw_rows) > MAX_ROWS:
        errors.append({"line": raw_rows[MAX_ROWS][0], "field": "parties",
                       "reason": f"more than {MAX_ROWS} rows; a party list has one row per State"})
        raw_rows = []
    rows: list[ImportedRow] = []
    seen: dict[str, int] = {}
    for line, raw in raw_rows:
        row = _check_row(line, raw, names, errors)
        if row is None:
            continue
        if row.state in seen:
            errors.append({"line": line, "field": "state",
                           "reason": f"{row.state} also on line {seen[row.state]}"})
            continue
        seen[row.state] = line
        rows.append(row)
    if not raw_rows and not errors:
        errors.append({"line": 1, "field": "parties", "reason": "no party rows in the file"})
    if errors:
        raise ImportError_(f"{len(errors)} problem(s) in {path.name}; nothing imported", errors)
    return PartyFile(instrument=declared, source=meta.get("source"), as_of=as_of, rows=rows)


def _csv_rows(text: str, errors: list[dict[str, Any]]) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "state" not in header:
        errors.append({"line": 1, "field": "header", "reason": "the first line must name the columns, among them "
                       "state (" + ", ".join(COLUMNS) + ")"})
        return [], {}
    unknown = [h for h in header if h not in COLUMNS and h != "instrument"]
    if unknown:
        errors.append({"line": 1, "field": "header", "reason": f"unknown column(s): {', '.join(unknown)}"})
    reader.fieldnames = header
    rows = []
    meta: dict[str, Any] = {}
    records = iter(reader)
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over the csv module's limit, an unterminated quote storm, ...
            errors.append({"line": reader.line_num, "field": "row", "reason": f"not readable as CSV: {exc}"})
            break
        line = reader.line_num
        if None in record:
            errors.append({"line": line, "field": "row", "reason": "more cells than columns"})
            continue
        clean = {k: (v or "").strip() for k, v in record.items()}
        if not any(clean.values()):
            continue
        if clean.get("instrument"):
            if "instrument" not in meta:
                meta["instrument"], meta["instrument_line"] = clean["instrument"], line
            elif clean["instrument"].upper() != str(meta["instrument"]).upper():
                errors.append({"line": line, "field": "instrument",
                               "reason": f"{clean['instrument']} differs from {meta['instrument']}"})
        rows.append((line, clean))
    return rows, meta


def _json_rows(text: str, errors: list[dict[str, Any]]) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, Any]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        errors.append({"line": exc.lineno, "field": "json", "reason": f"not valid JSON: {exc.msg}"})
        return [], {}
    except RecursionError:
        errors.append({"line": 1, "field": "json", "reason": "not valid JSON: nested too deeply"})
        return [], {}
    if not isinstance(doc, dict) or not isinstance(doc.get("parties"), list):
        errors.append({"line": 1, "field": "parties", "reason": "expected an object with a list 'parties'"})
        return [], {}
    rows = []
    for i, item in enumerate(doc["parties"]):
        if not isinstance(item, dict):
            errors.append({"line": i + 1, "field": f"parties[{i}]", "reason": "must be an object"})
            continue
        flat = {k: ("" if v is None else str(v)) for k, v in item.items()}
        kinds = [k for k in DEPOSIT_KINDS if flat.get(k)]
        if len(kinds) > 1:
            errors.append({"line": i + 1, "field": f"parties[{i}].{kinds[1]}",
                           "reason": f"one instrument deposited per State: also {kinds[0]}"})
            continue
        if kinds:
            flat["deposit_kind"], flat["deposit"] = kinds[0], flat.pop(kinds[0])
        unknown = set(flat) - set(COLUMNS) - {"deposit_kind", "deposit"}
        for k in sorted(unknown):
            errors.append({"line": i + 1, "field": f"parties[{i}].{k}", "reason": "unknown field"})
        rows.append((i + 1, flat))
    meta = {k: doc.get(k) for k in ("instrument", "source", "as_of")}
    return rows, meta


def _check_row(line: int, raw: dict[str, Any], names: dict[str, str],
               errors: list[dict[str, Any]]) -> ImportedRow | None:
    n = len(errors)
    state = state_code(raw.get("state", ""), names) if raw.get("state") else None
    if not raw.get("state"):
        errors.append({"line": line, "field": "state", "reason": "missing"})
    elif state is None:
        errors.append({"line": line, "field": "state", "reason": f"unknown State: {raw['state']!r}"})
    dates: dict[str, dt.date] = {}
    for f in DATE_FIELDS:
        value = raw.get(f)
        if not value:
            continue
        day = parse_any_date(value)
        if day is None:
            errors.append({"line": line, "field": f, "reason": f"not a date: {value!r} (YYYY-MM-DD, DD/MM/YYYY, "
                           "DD-MM-YYYY or 12 Dec 2000)"})
        elif day > _today() and f not in ("entry_into_force", "withdrawal"):
            errors.append({"line": line, "field": f, "reason": f"in the future: {day}"})
        else:
            dates[f] = day
    kind = None
    if raw.get("deposit_kind"):
        kind = _kind(raw["deposit_kind"])
        if kind is None:
            errors.append({"line": line, "field": "deposit_kind", "reason": f"unknown kind {raw['deposit_kind']!r}; "
                           "one of " + ", ".join(DEPOSIT_KINDS)})
    if "deposit" in dates and not raw.get("deposit_kind"):
        kind = "ratification"
    if raw.get("deposit_kind") and "deposit" not in dates and not any(e["line"] == line and e["field"] == "deposit"
                                                                       for e in errors):
        errors.append({"line": line, "field": "deposit", "reason": f"a {raw['deposit_kind']} needs its date"})
    sig, dep, eif = dates.get("signature"), dates.get("deposit"), dates.get("entry_into_force")
    den, wd = dates.get("denunciation"), dates.get("withdrawal")
    if sig and dep and dep < sig and kind != "succession":
        errors.append({"line": line, "field": "deposit", "reason": f"{dep} is before the signature {sig}"})
    if dep and eif and eif < dep and kind != "succession":
        errors.append({"line": line, "field": "entry_into_force", "reason": f"{eif} is before the deposit {dep}"})
    if den and dep and den < dep:
        errors.append({"line": line, "field": "denunciation", "reason": f"{den} is before the deposit {dep}"})
    if wd and den and wd < den:
        errors.append({"line": line, "field": "withdrawal", "reason": f"{wd} is before the denunciation {den}"})
    if not sig and not dep and not eif:
        errors.append({"line": line, "field": "signature", "reason": "a party row needs at least a signature, a "
                       "deposit or an entry into force"})
    if len(errors) > n or state is None:
        return None
    values: dict[str, Any] = {}
    if sig:
        values["signature"] = sig
    if dep:
        values[kind or "ratification"] = dep
    for f in ("entry_into_force", "denunciation", "withdrawal"):
        if f in dates:
            values[f] = dates[f]
    return ImportedRow(line, state, values, raw.get("note") or None)


# ------------------------------------------------------------------------------------------ diff and apply

_ROW_DATE_KEYS = ("signature", *DEPOSIT_KINDS, "entry_into_force", "denunciation", "withdrawal")


def diff_parties(instrument: Any, imported: PartyFile) -> dict[str, Any]:
    """What the import would change: parties added, fields changed (old -> new), parties not in the file."""
    added, changed, same = [], [], []
    for row in imported.rows:
        party = instrument.parties.get(row.state)
        if party is None:
            added.append({"state": row.state, **{k: v.isoformat() for k, v in row.values.items()}})
            continue
        old = _party_values(party)
        changes = {}
        for key in _ROW_DATE_KEYS:
            if old.get(key) != row.values.get(key) and (key in row.values or key in old):
                changes[key] = {"old": _iso(old.get(key)), "new": _iso(row.values.get(key))}
        if changes:
            changed.append({"state": row.state, "changes": changes})
        else:
            same.append(row.state)
    in_file = {r.state for r in imported.rows}
    missing = sorted(s for s in instrument.parties if s not in in_file)
    return {"instrument": instrument.id, "added": added, "changed": changed, "unchanged": len(same),
            "not_in_file": missing}


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _party_values(party: Any) -> dict[str, dt.date]:
    out: dict[str, dt.date] = {}
    if party.signature:
        out["signature"] = party.signature
    if party.ratification:
        out[party.deposit_kind or "ratification"] = party.ratification
    if party.entry_into_force and not party.entry_into_force_derived:
        out["entry_into_force"] = party.entry_into_force
    if party.denunciation:
        out["denunciation"] = party.denunciation
    if party.withdrawal:
        out["withdrawal"] = party.withdrawal
    return out


def apply_parties(instrument_file: Path, instrument_id: str, imported: PartyFile, *, source: str,
                  read: dt.date, data_dir: Path) -> int:
    """Rewrite the instrument's party rows with the imported values (verified, with source and read date) and
    move the data set's refreshed date. Rows not in the file are kept as they are. Returns rows written."""
    from .yamlio import read_yaml

    doc = read_yaml(instrument_file)
    text = instrument_file.read_text(encoding="utf-8")
    if not isinstance(doc, dict) or doc.get("id") != instrument_id or not isinstance(doc.get("parties"), list):
        raise ImportError_(f"instrument: {instrument_file.name} does not hold {instrument_id} as a single "
                           "instrument with a parties list", [{"field": "instrument", "reason": "not importable"}])
    by_state = {r.state: r for r in imported.rows}
    rows: list[dict[str, Any]] = []
    for p in doc["parties"]:
        row = dict(p)
        new = by_state.pop(row.get("state"), None)
        if new is not None:
            for key in _ROW_DATE_KEYS:
                row.pop(key, None)
            row.update(new.values)
            row.update({"source": source, "read": read, "verified": True})
            earlier = row.get("note")
            row["note"] = (new.note or f"Dates imported from the depositary's list on {read.isoformat()}.") + (
                f" Earlier note: {earlier}" if earlier else "")
            row.pop("entry_into_force_note", None)
        rows.append(row)
    for state, new in sorted(by_state.items()):
        row = {"state": state, **new.values, "source": source, "read": read, "verified": True}
        if new.note:
            row["note"] = new.note
        rows.append(row)
    block = "parties:\n" + "".join(_flow_row(r) for r in rows)
    m = re.search(r"^parties:\n(?:(?:[ \t]+.*|[ \t]*)\n)*", text, re.M)
    if m is None:
        raise ImportError_("instrument: no parties block found", [{"field": "parties", "reason": "not found"}])
    new_text = text[:m.start()] + block + text[m.end():]
    if imported.as_of:
        new_text = _set_top_key(new_text, "parties_as_of", imported.as_of.isoformat())
    instrument_file.write_text(new_text, encoding="utf-8")
    _bump_version(data_dir / "version.yaml", read)
    return len(imported.rows)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _flow_row(row: dict[str, Any]) -> str:
    reservations = row.pop("reservations", None)
    parts = []
    for key, value in row.items():
        text = _scalar(value) if not isinstance(value, (list, dict)) else json.dumps(_plain(value),
                                                                                       ensure_ascii=False)
        parts.append(f"{key}: {text}" if key != "state" else f"state: {json.dumps(value)}")
    out = "  - {" + ", ".join(parts) + "}\n"
    if reservations:
        out = out[:-2] + ",\n     reservations: " + json.dumps(_plain(reservations), ensure_ascii=False,
                                                               default=_iso) + "}\n"
    return out


def _plain(value: Any) -> Any:
    """Plain dicts and lists (the loader's line-marked containers are subclasses), dates as ISO text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return _iso(value)


def _set_top_key(text: str, key: str, value: str) -> str:
    pattern = re.compile(rf"^{key}:.*$", re.M)
    if pattern.search(text):
        return pattern.sub(f"{key}: {value}", text, count=1)
    return re.sub(r"^parties:", f"{key}: {value}\nparties:", text, count=1, flags=re.M)


def _bump_version(path: Path, read: dt.date) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    version = read.strftime("%Y.%m.%d")
    for key, value in (("version", json.dumps(version)), ("refreshed", read.isoformat())):
        if re.search(rf"^{key}:", text, re.M):
            text = re.sub(rf"^{key}:.*$", f"{key}: {value}", text, count=1, flags=re.M)
        else:
            text += f"{key}: {value}\n"
    path.write_text(text, encoding="utf-8")
