"""Small validators shared by the case actions. Each returns a reason, or None when the value is fine."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pycountry
from django.utils import timezone

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def country_error(code: str | None) -> str | None:
    if not code:
        return "is required (ISO 3166-1 alpha-2, e.g. FR)"
    if not isinstance(code, str) or len(code) != 2 or pycountry.countries.get(alpha_2=code.upper()) is None:
        return f"{code!r} is not an ISO 3166-1 alpha-2 country code"
    return None


def country_name(code: str) -> str:
    c = pycountry.countries.get(alpha_2=code.upper()) if code else None
    return getattr(c, "common_name", None) or getattr(c, "name", code) if c else code


def text_error(value, *, required: bool, max_length: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "is required" if required else None
    if not isinstance(value, str):
        return "must be text"
    if len(value) > max_length:
        return f"is longer than {max_length} characters ({len(value)})"
    if _CONTROL.search(value):
        return "contains control characters"
    return None


def date_error(value, *, allow_future: bool = True, field_label: str = "date") -> str | None:
    if value is None:
        return None
    if not isinstance(value, dt.date):
        return "is not a date (YYYY-MM-DD)"
    if value.year < 1900 or value.year > 2200:
        return f"{value.isoformat()} is out of range (1900-2200)"
    if not allow_future and value > timezone.localdate():
        return f"{value.isoformat()} is in the future"
    return None


def parse_date(value) -> dt.date | None:
    """Accept a date or an ISO string; raise ValueError with a reason for anything else."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a real date (YYYY-MM-DD)") from None


# Bidirectional embeddings, overrides and isolates (U+202E turns "fdp.exe" into "exe.pdf" on screen), the
# zero-width space and the byte-order mark. Joiners (U+200C/U+200D) and marks (U+200E/U+200F) stay allowed:
# Persian and Arabic names need them.
_SPOOFING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\ufeff")
_WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                               *(f"LPT{i}" for i in range(1, 10))})


def filename_error(name: str) -> str | None:
    if not name or not name.strip():
        return "is required"
    if "/" in name or "\\" in name:
        return "must not contain path separators (/ or \\)"
    if name in (".", "..") or name.startswith(".."):
        return "must not be a relative path"
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "must not contain control characters"
    if any(ch in _SPOOFING for ch in name):
        return "must not contain invisible or direction-changing characters (they can disguise the file's type)"
    if name.split(".")[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        return f"{name.split('.')[0].rstrip(' ').upper()} is a device name that Windows cannot save as a file"
    if len(name) > 255:
        return "is longer than 255 characters"
    return None
