"""Vocabularies of the assessment engine, loaded from ``data/vocabulary.yaml`` (grounds, measures, assurances,
risks, offence characteristics) and the 32 EAW/EIO list categories from the law library."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"


def _load(name: str) -> dict[str, Any]:
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


_VOCAB = _load("vocabulary.yaml")

#: ground code -> {label, description, kinds}
GROUNDS: dict[str, dict[str, Any]] = _VOCAB["grounds"]
MEASURES: dict[str, dict[str, Any]] = _VOCAB["measures"]
COERCIVE_MEASURES: frozenset[str] = frozenset(k for k, v in MEASURES.items() if v["coercive"])
ASSURANCES: dict[str, str] = _VOCAB["assurances"]
RISKS: dict[str, str] = _VOCAB["risks"]
CHARACTERISTICS: dict[str, str] = _VOCAB["characteristics"]


def _list_categories() -> dict[str, str]:
    from .. import offence_categories

    return {c.code: c.label for c in offence_categories("eaw_art2_2")}


#: The 32 categories of EAW FD Art 2(2) / EIO Directive Annex D (from comity.law's offence taxonomy).
LIST_CATEGORIES: dict[str, str] = _list_categories()


@lru_cache(maxsize=1)
def ages_of_responsibility() -> dict[str, Any]:
    """{state: (age, note)} plus the file's reference; every entry unverified (see the data file)."""
    raw = _load("age_of_responsibility.yaml")
    ages: dict[str, tuple[int, str | None]] = {}
    for state, value in raw["ages"].items():
        if isinstance(value, dict):
            ages[state] = (int(value["age"]), value.get("note"))
        else:
            ages[state] = (int(value), None)
    return {"reference": raw["reference"], "verified": bool(raw.get("verified")), "ages": ages}


def vocabulary() -> dict[str, Any]:
    """Everything ``comity assess --vocabulary`` prints."""
    from .rules import RULES_VERSION

    return {
        "rules_version": RULES_VERSION,
        "grounds": [{"code": code, "label": g["label"], "description": g["description"], "kinds": g["kinds"]}
                    for code, g in GROUNDS.items()],
        "measures": [{"code": k, "coercive": v["coercive"], "description": v["description"]}
                     for k, v in MEASURES.items()],
        "assurances": [{"code": k, "description": v} for k, v in ASSURANCES.items()],
        "risks": [{"code": k, "description": v} for k, v in RISKS.items()],
        "characteristics": [{"code": k, "description": v} for k, v in CHARACTERISTICS.items()],
        "list_categories": [{"code": k, "description": v} for k, v in LIST_CATEGORIES.items()],
    }
