"""``{{ text|in_words }}``: running text from the assessment engine (explanations, notes, clock codes) with every
stored code in it shown in words: a ground by its label, anything else with spaces ("no death penalty")."""

from __future__ import annotations

import re
from functools import lru_cache

from django import template

register = template.Library()

_CODE = re.compile(r"(https?://\S+)|\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b")


@lru_cache(maxsize=1)
def _grounds() -> dict[str, str]:
    from comity.vocabulary import registry

    return {c: str(e.get("label") or c) for c, e in registry().get("ground", {}).items()}


def in_words(text) -> str:
    grounds = _grounds()

    def sub(m: re.Match) -> str:
        if m.group(1):
            return m.group(1)  # web addresses stay as they are
        return grounds.get(m.group(2), m.group(2).replace("_", " "))

    return _CODE.sub(sub, str(text or ""))


register.filter("in_words", in_words)
