"""Text of names: script detection, normalisation to lower-case ASCII tokens, name particles, consonant keys.

Everything here is a pure function of a string. The transliteration of whole tokens from other scripts lives in
comity.screening.translit; this module only knows characters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# ------------------------------------------------------------------------------------------------- scripts
# (first code point, last code point, script). Ranges checked in order; anything alphabetic outside them whose
# Unicode name starts with LATIN is Latin, else "Other".
_RANGES = (
    (0x0000, 0x024F, "Latin"), (0x1E00, 0x1EFF, "Latin"),
    (0x0370, 0x03FF, "Greek"), (0x1F00, 0x1FFF, "Greek"),
    (0x0400, 0x052F, "Cyrillic"),
    (0x0530, 0x058F, "Armenian"),
    (0x0590, 0x05FF, "Hebrew"), (0xFB1D, 0xFB4F, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"), (0x08A0, 0x08FF, "Arabic"),
    (0xFB50, 0xFDFF, "Arabic"), (0xFE70, 0xFEFF, "Arabic"),
    (0x0900, 0x097F, "Devanagari"),
    (0x10A0, 0x10FF, "Georgian"),
    (0x1100, 0x11FF, "Hangul"), (0x3130, 0x318F, "Hangul"), (0xAC00, 0xD7A3, "Hangul"),
    (0x3040, 0x309F, "Japanese"), (0x30A0, 0x30FF, "Japanese"),
    (0x3400, 0x4DBF, "Chinese"), (0x4E00, 0x9FFF, "Chinese"), (0xF900, 0xFAFF, "Chinese"),
    (0x20000, 0x2FA1F, "Chinese"),
)


def char_script(ch: str) -> str | None:
    """The script of one character, or None for a character that is not a letter."""
    if not ch.isalpha():
        return None
    cp = ord(ch)
    for lo, hi, name in _RANGES:
        if lo <= cp <= hi:
            return name
    return "Latin" if unicodedata.name(ch, "").startswith("LATIN") else "Other"


def detect_script(text: str) -> str:
    """The main script of a text: the script of most of its letters ("Latin" for a text with no letters).
    A name in kanji with kana is Japanese; kanji alone count as Chinese."""
    if text.isascii():
        return "Latin"
    counts: dict[str, int] = {}
    for ch in text:
        s = char_script(ch)
        if s:
            counts[s] = counts.get(s, 0) + 1
    if not counts:
        return "Latin"
    if "Japanese" in counts and "Chinese" in counts:
        return "Japanese"
    return max(counts, key=counts.get)


# ------------------------------------------------------------------------------------------- normalisation
_SPLIT = re.compile(r"[^a-z0-9]+")
_APOS = re.compile(r"[\u2018\u2019\u02bc\u02bb\u02be\u02bf`´']")


def ascii_fold(text: str) -> str:
    """Lower-case ASCII: diacritics removed (Müller -> muller, Łukasz -> lukasz), other scripts letter by
    letter through anyascii. Apostrophes vanish (O'Neil -> oneil)."""
    return anyascii(_APOS.sub("", text)).lower()


def tokens_of(text: str) -> list[str]:
    """Lower-case ASCII tokens; punctuation, hyphens and spaces separate them."""
    return [t for t in _SPLIT.split(ascii_fold(text)) if t]


# Name particles: kept as part of the name (they are shown), but weigh little in the comparison and may be
# missing on either side. `al`/`el` also join the next token ("al-Zawahiri" = "Alzawahiri" = "Zawahiri").
PARTICLES = frozenset({
    "al", "el", "ul", "bin", "ben", "ibn", "bint", "abu", "abou", "abd", "ould", "wuld",
    "van", "der", "den", "de", "la", "le", "du", "des", "di", "da", "dos", "das", "del", "della", "von", "zu",
    "y", "e", "st", "ter", "ten", "bar", "bat", "abi", "bou",
})
# Article prefixes glued to the next word ("alzawahiri", "elsayed"): also tried without them.
ARTICLE_PREFIXES = ("al", "el", "ul")
# Honorifics and titles dropped outright.
TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame", "lord", "lady", "sheikh", "shaikh", "shaykh",
    "sheik", "haji", "hajji", "mullah", "maulana", "imam", "sayyid", "general", "gen", "col", "colonel",
    "captain", "capt", "jr", "sr", "junior", "senior", "president", "predsjednik", "presidente",
})


# ------------------------------------------------------------------------------------------ consonant keys
# A skeleton is a name's consonants mapped to classes of sounds that spellings and transliterations confuse:
# vowels go (Arabic and Hebrew do not write them; other scripts spell them differently), doubled letters
# collapse. Muhammad, Mohammed, Mouhamad and the Arabic letters m-h-m-d all give "MHMT".
_DIGRAPHS = (
    ("sch", "X"), ("tch", "J"), ("dzh", "J"), ("zh", "J"), ("kh", "H"), ("gh", "K"), ("ph", "F"), ("sh", "X"),
    ("ch", "J"), ("th", "T"), ("dh", "T"), ("ck", "K"), ("ts", "S"), ("tz", "S"), ("ks", "X"), ("qu", "K"),
    ("ou", "U"), ("oo", "U"), ("ee", "I"),
)
_CLASS = str.maketrans({
    "b": "P", "p": "P", "f": "F", "v": "F", "w": "F", "d": "T", "t": "T", "g": "K", "k": "K", "q": "K",
    "c": "K", "j": "J", "s": "S", "z": "S", "x": "X", "l": "L", "r": "L", "m": "M", "n": "N", "h": "H",
    "a": "", "e": "", "i": "", "o": "", "u": "", "y": "", "U": "", "I": "",
    "0": "", "1": "", "2": "", "3": "", "4": "", "5": "", "6": "", "7": "", "8": "", "9": "",
})
_DOUBLE = re.compile(r"(.)\1+")


@lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    """Consonant skeleton of an ASCII lower-case token (see above). An empty string for a token of vowels."""
    t = token
    for a, b in _DIGRAPHS:
        if a in t:
            t = t.replace(a, b)
    t = t.translate(_CLASS)
    # a final or lone H is mostly a spelling of a vowel (Allah, Noah, Sarah, Mohd -> no; Shah -> keeps X)
    t = _DOUBLE.sub(r"\1", t)
    if len(t) > 1 and t.endswith("H"):
        t = t[:-1]
    return t


def letters_apart(a: str, b: str) -> int:
    """Edit distance between two tokens (insertions, deletions, substitutions)."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(a, b)
