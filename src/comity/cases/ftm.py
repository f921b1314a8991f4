"""Parties and entities in FollowTheMoney (FtM) terms.

Entities are stored as an FtM schema name and a dict of FtM property names to lists of values,
so a case's entities export as FtM JSON lines that Aleph, OpenSanctions tools and nomenklatura
read as they are. Only the schemata and properties a cooperation case needs are accepted.
Reference: https://followthemoney.tech/explorer/schemata/
"""

from __future__ import annotations

import datetime as dt
import re

import pycountry
from django.utils import timezone

_THING = {"name", "alias", "country", "notes", "description", "address", "sourceUrl"}
_LEGAL_ENTITY = _THING | {"jurisdiction", "registrationNumber", "incorporationDate", "legalForm", "taxNumber",
                          "email", "phone", "idNumber"}
_VALUE = {"amount", "currency", "amountUsd"}

SCHEMATA: dict[str, set[str]] = {
    "Person": _LEGAL_ENTITY | {"firstName", "middleName", "lastName", "fatherName", "motherName", "birthDate",
                               "birthPlace", "birthCountry", "nationality", "citizenship", "gender",
                               "passportNumber", "position", "deathDate"},
    "Organization": _LEGAL_ENTITY,
    "Company": _LEGAL_ENTITY,
    "PublicBody": _LEGAL_ENTITY,
    "BankAccount": _THING | _VALUE | {"bankName", "accountNumber", "iban", "bic", "accountType", "openingDate",
                                      "closingDate", "balance", "balanceDate"},
    "Asset": _THING | _VALUE,
    "RealEstate": _THING | _VALUE | {"cadastralCode", "area", "registrationNumber", "titleNumber", "propertyType"},
    "Vehicle": _THING | _VALUE | {"registrationNumber", "type", "model", "buildDate", "registrationDate"},
    "CryptoWallet": _THING | _VALUE | {"publicKey", "cryptoAddress", "currencySymbol", "balance", "balanceDate"},
    "Address": {"full", "street", "city", "postalCode", "region", "state", "country", "remarks", "name"},
}
SCHEMA_LABELS = {
    "Person": "Person", "Organization": "Organisation", "Company": "Company", "PublicBody": "Public body",
    "BankAccount": "Bank account", "Asset": "Asset", "RealEstate": "Real estate", "Vehicle": "Vehicle",
    "CryptoWallet": "Crypto wallet", "Address": "Address",
}
# Which property gives an entity its caption, in order of preference.
CAPTION_PROPS = ("name", "full", "iban", "accountNumber", "cryptoAddress", "registrationNumber", "lastName")
DATE_PROPS = {"birthDate", "deathDate", "incorporationDate", "openingDate", "closingDate", "balanceDate",
              "buildDate", "registrationDate"}
COUNTRY_PROPS = {"country", "nationality", "citizenship", "jurisdiction", "birthCountry"}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
MAX_VALUE_LENGTH = 2000


def _check_date(value: str) -> str | None:
    if not _DATE.match(value):
        return "is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"
    parts = [int(p) for p in value.split("-")]
    try:
        d = dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return "is not a real calendar date"
    if d > timezone.localdate():
        return "is in the future"
    if d.year < 1850:
        return "is before 1850"
    return None


def _check_iban(value: str) -> str | None:
    compact = value.replace(" ", "").upper()
    if not _IBAN.match(compact):
        return "is not an IBAN (country code, check digits, account)"
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    if int(digits) % 97 != 1:
        return "has wrong IBAN check digits"
    return None


def normalise_properties(schema: str, properties: dict) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Clean a property dict; return (properties, errors). Values become lists of stripped strings;
    country codes become FtM's lower-case ISO codes."""
    errors: dict[str, str] = {}
    if schema not in SCHEMATA:
        return {}, {"schema": f"{schema!r} is not one of {', '.join(sorted(SCHEMATA))}"}
    allowed = SCHEMATA[schema]
    clean: dict[str, list[str]] = {}
    for prop, raw in (properties or {}).items():
        field = f"properties.{prop}"
        if prop not in allowed:
            errors[field] = f"is not a property of {schema} (FollowTheMoney)"
            continue
        values = raw if isinstance(raw, list) else [raw]
        out = []
        for v in values:
            if v is None or (isinstance(v, str) and not v.strip()):
                continue
            if not isinstance(v, (str, int, float)):
                errors[field] = "must be text or a list of texts"
                break
            v = str(v).strip()
            if len(v) > MAX_VALUE_LENGTH:
                errors[field] = f"is longer than {MAX_VALUE_LENGTH} characters"
                break
            if prop in DATE_PROPS and (reason := _check_date(v)):
                errors[field] = f"{v!r} {reason}"
                break
            if prop in COUNTRY_PROPS:
                if pycountry.countries.get(alpha_2=v.upper()) is None:
                    errors[field] = f"{v!r} is not an ISO 3166-1 alpha-2 country code"
                    break
                v = v.lower()
            if prop == "iban":
                if reason := _check_iban(v):
                    errors[field] = f"{v!r} {reason}"
                    break
                v = v.replace(" ", "").upper()
            out.append(v)
        if out:
            clean[prop] = out
    return clean, errors


def caption(schema: str, properties: dict[str, list[str]]) -> str:
    for prop in CAPTION_PROPS:
        if properties.get(prop):
            return properties[prop][0]
    if properties.get("firstName") or properties.get("lastName"):
        return " ".join(properties.get("firstName", []) + properties.get("lastName", []))
    return SCHEMA_LABELS.get(schema, schema)
