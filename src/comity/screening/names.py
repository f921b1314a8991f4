"""A name prepared for matching: Latin tokens with their alternative spellings, consonant skeletons and roles.

    >>> n = prepare_name("PUTIN, Vladimir Vladimirovich")
    >>> [t.forms[0] for t in n.tokens], n.surname
    (['vladimir', 'vladimirovich', 'putin'], 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .text import PARTICLES, TITLES, skeleton
from .translit import strip_article, transliterate

SURNAME_FIRST = ("Chinese", "Hangul")


@dataclass(frozen=True, slots=True)
class Token:
    forms: tuple[str, ...]  # Latin spellings, the first shown
    skels: frozenset[str]  # consonant skeletons of the forms (and of the forms without a glued al-/el-)
    particle: bool  # al, bin, van, de ...: weighs little, may be missing
    span: int = 1  # how many tokens of the name it covers (2 for two adjacent tokens written as one)

    @property
    def text(self) -> str:
        return self.forms[0]


@dataclass(frozen=True, slots=True)
class Name:
    original: str
    script: str
    tokens: tuple[Token, ...]
    surname: int  # index of the surname token (-1: unknown, a one-word name)

    def role(self, i: int) -> str:
        if i == self.surname:
            return "surname"
        real = [j for j, t in enumerate(self.tokens) if not t.particle and j != self.surname]
        if real and i == real[0]:
            return "given name"
        if self.tokens[i].particle:
            return "name particle"
        return "middle name" if self.surname >= 0 else "name part"

    def is_middle(self, i: int) -> bool:
        real = [j for j, t in enumerate(self.tokens) if not t.particle]
        return len(real) > 2 and i in real[1:-1] and i != self.surname


def make_token(forms: tuple[str, ...], span: int = 1) -> Token:
    skels = set()
    for f in forms:
        skels.add(skeleton(f))
        bare = strip_article(f)
        if bare:
            skels.add(skeleton(bare))
    skels.discard("")
    return Token(forms=forms, skels=frozenset(skels), particle=forms[0] in PARTICLES, span=span)


@lru_cache(maxsize=300_000)
def prepare_name(raw: str) -> Name:
    text = " ".join(raw.split())
    reordered = False
    if text.count(",") == 1:
        last, first = (p.strip() for p in text.split(","))
        if last and first:
            text = f"{first} {last}"
            reordered = True
    script, toks = transliterate(text)
    forms = [t for t in toks if t[0] not in TITLES] or list(toks)
    tokens = tuple(make_token(f) for f in forms)
    real = [i for i, t in enumerate(tokens) if not t.particle]
    if len(real) < 2:
        surname = -1
    elif script in SURNAME_FIRST and not reordered:
        surname = real[0]
    else:
        surname = real[-1]
    return Name(original=raw, script=script, tokens=tokens, surname=surname)


def index_keys(name: Name) -> set[str]:
    """The keys a name is found by: each spelling of each token ("t:"), and each skeleton of two consonants or
    more ("s:"). Particles are keys only of a name made of nothing else."""
    keys: set[str] = set()
    toks = [t for t in name.tokens if not t.particle] or list(name.tokens)
    for t in toks:
        for f in t.forms[:4]:
            keys.add("t:" + f)
            bare = strip_article(f)
            if bare:
                keys.add("t:" + bare)
        for s in t.skels:
            if len(s) >= 2:
                keys.add("s:" + s)
    # adjacent tokens written as one ("Abdul Rahman" / "Abdulrahman", "Myung-bak" / "Myungbak")
    for a, b in zip(toks, toks[1:]):
        joined = a.forms[0] + b.forms[0]
        keys.add("t:" + joined)
    return keys
