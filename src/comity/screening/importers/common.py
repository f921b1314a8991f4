"""What the importers share: country names and adjectives to codes, dates in the many ways lists write them."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                        "dec"], 1)}
_FIXES = {
    "russia": "ru", "iran": "ir", "syria": "sy", "north korea": "kp", "korea, north": "kp", "south korea": "kr",
    "korea, south": "kr", "democratic people's republic of korea": "kp", "burma": "mm", "venezuela": "ve",
    "bolivia": "bo", "tanzania": "tz", "vietnam": "vn", "laos": "la", "moldova": "md", "palestinian": "ps",
    "west bank": "ps", "gaza": "ps", "kosovo": "xk", "congo, democratic republic of the": "cd",
    "democratic republic of the congo": "cd", "congo": "cg", "cote d'ivoire": "ci", "ivory coast": "ci",
    "turkey": "tr", "macedonia": "mk", "czech republic": "cz", "united kingdom": "gb", "britain": "gb",
    "united states": "us", "usa": "us", "taiwan": "tw", "the bahamas": "bs", "bahamas, the": "bs",
    "gambia, the": "gm", "micronesia": "fm", "brunei": "bn", "cape verde": "cv", "swaziland": "sz",
    "american": "us", "mexican": "mx", "chinese": "cn", "russian": "ru", "iranian": "ir", "canadian": "ca",
    "british": "gb", "indian": "in", "pakistani": "pk", "afghan": "af", "iraqi": "iq", "syrian": "sy",
    "lebanese": "lb", "saudi": "sa", "egyptian": "eg", "yemeni": "ye", "somali": "so", "libyan": "ly",
    "german": "de", "french": "fr", "italian": "it", "spanish": "es", "honduran": "hn", "guatemalan": "gt",
    "salvadoran": "sv", "colombian": "co", "venezuelan": "ve", "cuban": "cu", "dominican": "do",
    "nigerian": "ng", "ukrainian": "ua", "korean": "kr", "north korean": "kp", "vietnamese": "vn",
    "filipino": "ph", "jordanian": "jo", "kuwaiti": "kw", "emirati": "ae", "turkish": "tr", "israeli": "il",
    "palestinian authority": "ps", "belarusian": "by", "kazakh": "kz", "uzbek": "uz", "tunisian": "tn",
    "algerian": "dz", "moroccan": "ma", "sudanese": "sd", "jamaican": "jm", "haitian": "ht", "peruvian": "pe",
    "brazilian": "br", "argentine": "ar", "ecuadorian": "ec", "nicaraguan": "ni", "australian": "au",
}


@lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """A country name, adjective or code as an FtM country code (None when it is not recognised)."""
    t = " ".join(text.strip().lower().replace("the ", "").split()) if text else ""
    if not t:
        return None
    if t in _FIXES:
        return _FIXES[t]
    import pycountry

    if len(t) == 2 and pycountry.countries.get(alpha_2=t.upper()):
        return t
    if len(t) == 3 and pycountry.countries.get(alpha_3=t.upper()):
        return pycountry.countries.get(alpha_3=t.upper()).alpha_2.lower()
    try:
        return pycountry.countries.lookup(t).alpha_2.lower()
    except LookupError:
        return None


_DMY = re.compile(r"\b(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4})\b")
_MY = re.compile(r"\b([A-Za-z]{3})[a-z]* (\d{4})\b")
_MDY = re.compile(r"\b([A-Za-z]{3})[a-z]* (\d{1,2}), (\d{4})\b")
_ISO = re.compile(r"\b(\d{4})[-/](\d{2})[-/](\d{2})\b")
_Y = re.compile(r"\b(1[89]\d\d|20[0-2]\d)\b")


def parse_date(text: str) -> str | None:
    """'10 Dec 1948', 'December 23, 1992', '1948/12/10', 'Dec 1948', '1948' -> ISO prefix, or None."""
    if not text:
        return None
    for rx, order in ((_ISO, "ymd"), (_DMY, "dmy"), (_MDY, "mdy")):
        m = rx.search(text)
        if m:
            g = dict(zip(order, m.groups()))
            mon = g["m"] if g["m"].isdigit() else _MONTHS.get(g["m"][:3].lower())
            try:
                return dt.date(int(g["y"]), int(mon), int(g["d"])).isoformat()
            except (TypeError, ValueError):
                return None
    m = _MY.search(text)
    if m and m.group(1)[:3].lower() in _MONTHS:
        return f"{m.group(2)}-{_MONTHS[m.group(1)[:3].lower()]:02d}"
    m = _Y.search(text)
    return m.group(1) if m else None
