"""How guessable a password is, in the manner of zxcvbn (no maintained zxcvbn port is among our
dependencies, so this is a small estimator of our own on Django's list of common passwords).

A password is cut into the pieces an attacker's cracking rules try first: common passwords and words
(Django's list of 20,000, ranked by frequency, tried with capitals and l33t substitutions), words of this
product's setting ("comity", "extradition", ...), repeats ("abcabc", "!!!!"), sequences ("abcdef", "4567",
"qwerty", "asdf"), years (1900-2099); whatever is left is counted as random characters. The cheapest way to
cut it gives an estimate of the bits an attacker must guess. Below `min_bits` the password is refused with
a reason the user can act on. The 12-character minimum, the common-password list and the similarity to the
username stay with Django's own validators (settings.AUTH_PASSWORD_VALIDATORS).
"""

from __future__ import annotations

import functools
import gzip
import math

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

MAX_ANALYSED = 64  # longer passwords: the first 64 characters are estimated (and already long)
CONTEXT_WORDS = ("comity", "justice", "ministry", "interpol", "europol", "eurojust", "extradition", "extradite",
                 "prosecutor", "prosecution", "police", "court", "warrant", "evidence", "oversight", "central",
                 "authority", "caseworker", "supervisor", "admin", "administrator", "demo", "letmein", "welcome")
KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn",
                 "qwertzuiop", "yxcvbnm", "abcdefghijklmnopqrstuvwxyz", "0123456789")
LEET = str.maketrans({"@": "a", "4": "a", "8": "b", "3": "e", "6": "g", "1": "i", "!": "i", "0": "o", "$": "s",
                      "5": "s", "7": "t", "+": "t", "2": "z"})


@functools.lru_cache(maxsize=1)
def _ranks() -> dict[str, int]:
    """Django's common passwords (most frequent first) and the context words, by rank."""
    path = CommonPasswordValidator().DEFAULT_PASSWORD_LIST_PATH
    with gzip.open(path, "rt", encoding="utf-8") as f:
        words = [line.strip() for line in f if line.strip()]
    ranks: dict[str, int] = {}
    for i, w in enumerate(words):
        ranks.setdefault(w, i + 1)
    for w in CONTEXT_WORDS:
        ranks[w] = 1
    return ranks


def _char_bits(ch: str) -> float:
    if ch.islower() and ch.isascii():
        return math.log2(26)
    if ch.isupper() and ch.isascii():
        return math.log2(26) + 1
    if ch.isdigit() and ch.isascii():
        return math.log2(10)
    if ch.isascii():
        return math.log2(33)
    return math.log2(100)  # letters of other scripts: a conservative guess


def _case_bits(token: str) -> float:
    upper = sum(1 for c in token if c.isupper())
    if upper == 0:
        return 0.0
    if token[:1].isupper() and upper == 1 or upper == sum(1 for c in token if c.isalpha()):
        return 1.0
    return float(min(upper, len(token) - upper) + 1)


def _word_bits(token: str) -> float | None:
    ranks = _ranks()
    lower = token.lower()
    if lower in ranks:
        return math.log2(ranks[lower] + 1) + _case_bits(token)
    unleet = lower.translate(LEET)
    if unleet != lower and unleet in ranks:
        return math.log2(ranks[unleet] + 1) + _case_bits(token) + sum(1 for a, b in zip(lower, unleet) if a != b)
    return None


def _sequence_bits(token: str) -> float | None:
    """Runs along the alphabet, the digits or a keyboard row, either way (at least three characters)."""
    lower = token.lower()
    for row in KEYBOARD_ROWS:
        for line, reverse in ((row, False), (row[::-1], True)):
            if lower in line:
                return math.log2(len(row)) + math.log2(len(token)) + (1 if reverse else 0) + _case_bits(token)
    return None


def _year_bits(token: str) -> float | None:
    if len(token) == 4 and token.isdigit() and 1900 <= int(token) <= 2099:
        return math.log2(200)
    return None


def estimate_bits(password: str) -> float:
    """The bits an attacker must guess, by the cheapest way to cut `password` into guessable pieces.
    (Not cached: passwords must not linger in the process's memory.)"""
    p = password[:MAX_ANALYSED]
    n = len(p)
    best = [0.0] + [math.inf] * n
    for j in range(1, n + 1):
        best[j] = best[j - 1] + _char_bits(p[j - 1])
        for i in range(max(0, j - 24), j - 1):
            token = p[i:j]
            costs = []
            if j - i >= 3:
                costs += [_word_bits(token), _sequence_bits(token)]
            costs += [_year_bits(token), _repeat_bits(token)]
            for c in costs:
                if c is not None and best[i] + c < best[j]:
                    best[j] = best[i] + c
    return best[n]


def _repeat_bits(token: str) -> float | None:
    """A piece repeated ("aaaa", "abab", "adminadmin"): the piece once, then how many times."""
    n = len(token)
    for size in range(1, n // 2 + 1):
        if n % size == 0 and token == token[:size] * (n // size):
            return estimate_bits(token[:size]) + math.log2(n // size) + 1
    return None


class GuessablePasswordValidator:
    """Refuse passwords made of common words, names, dates, repeats or keyboard runs (about `min_bits` of
    guessing work at least)."""

    def __init__(self, min_bits: float = 36):
        self.min_bits = min_bits

    def validate(self, password, user=None):
        if estimate_bits(password or "") < self.min_bits:
            raise ValidationError(
                "This password is easy to guess: it is made of common words, dates, repeated characters or "
                "keyboard runs. Use several unrelated words or a random password.",
                code="password_guessable")

    def get_help_text(self):
        return ("Your password can't be made of common words, dates, repeated characters or keyboard runs "
                "(\"Summer2026!!\", \"abcdefghijkl\"); several unrelated words or a random password work.")
