"""One registry of human labels for every code Comity stores (pure Python; no Django).

``label("outcome", "mandatory_bar") -> "Must be refused"``. Screens use the ``label`` template filter, documents
and the CLI call ``label`` directly, and the API returns ``label`` beside each code. The registry merges this
package's ``data/vocabulary.yaml`` with the vocabularies that live with their data: lifecycle states and clocks
(cases/data/lifecycles.yaml), assessment grounds, assurances, risks, measures and characteristics
(law/assess/data/vocabulary.yaml), the EAW/EIO offence categories (law/data/offences), request kinds, directions
and urgencies. A code nobody labelled is shown as words ("further information requested"), never raw.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data" / "vocabulary.yaml"
LIFECYCLES = Path(__file__).parent / "cases" / "data" / "lifecycles.yaml"

#: Labels of Django choices, kept here so the registry stays importable without Django.
_CHOICES = {
    "request_kind": {"mla": "Mutual legal assistance", "extradition": "Extradition",
                     "transfer": "Transfer of sentenced persons",
                     "asset_recovery": "Asset freezing, confiscation and return", "notice": "INTERPOL notice"},
    "direction": {"outgoing": "Outgoing (we request)", "incoming": "Incoming (we are requested)"},
    "urgency": {"normal": "Normal", "urgent": "Urgent", "very_urgent": "Very urgent"},
    "notice_action": {"publication": "Request publication of a notice", "ccf_challenge": "Challenge before the CCF"},
}


@lru_cache(maxsize=1)
def registry() -> dict[str, dict[str, dict[str, Any]]]:
    """vocabulary -> code -> {label, description?, citation?}."""
    with open(DATA, encoding="utf-8") as fh:
        reg: dict[str, dict[str, dict[str, Any]]] = {k: dict(v) for k, v in yaml.safe_load(fh).items()}
    for vocab, codes in _CHOICES.items():
        reg.setdefault(vocab, {}).update({c: {"label": lab} for c, lab in codes.items()})
    import importlib

    av = importlib.import_module("comity.law.assess.vocabulary")

    reg["ground"] = {c: {"label": g["label"], "description": g.get("description")} for c, g in av.GROUNDS.items()}
    reg["assurance"] = {c: {"label": _sentence(d)} for c, d in av.ASSURANCES.items()}
    reg["risk"] = {c: {"label": _sentence(d)} for c, d in av.RISKS.items()}
    reg["measure"] = {c: {"label": _words(c), "description": m.get("description")} for c, m in av.MEASURES.items()}
    reg["characteristic"] = {c: {"label": _sentence(d)} for c, d in av.CHARACTERISTICS.items()}
    reg["offence_category"] = {c: {"label": lab} for c, lab in av.LIST_CATEGORIES.items()}
    # Request statuses and clocks are labelled in the lifecycles file, read here as plain data (the cases
    # app validates it; this module stays pure and imports no Django app).
    with open(LIFECYCLES, encoding="utf-8") as fh:
        kinds = yaml.safe_load(fh) or {}
    states: dict[str, dict[str, Any]] = {}
    clocks: dict[str, dict[str, Any]] = {}
    for kind in kinds.values():
        if not isinstance(kind, dict):
            continue
        for code, lab in (kind.get("states") or {}).items():
            states.setdefault(code, {"label": lab})
        for code, clock in (kind.get("clocks") or {}).items():
            clocks.setdefault(code, {"label": clock.get("label"), "citation": clock.get("citation")})
    reg["request_status"] = states
    reg["clock"] = clocks
    return reg


def _sentence(text: str) -> str:
    text = str(text).strip()
    return text.split(" (")[0].rstrip(".") if len(text) > 90 else text.rstrip(".")


def _words(code: str) -> str:
    return str(code).replace("_", " ")


def label(vocabulary: str, code: Any) -> str:
    """The human label of ``code`` in ``vocabulary``; the code in words when nobody labelled it."""
    if code is None or code == "":
        return ""
    entry = registry().get(vocabulary, {}).get(str(code))
    if entry and entry.get("label"):
        return str(entry["label"])
    return _words(code)


def describe(vocabulary: str, code: Any) -> dict[str, Any]:
    entry = registry().get(vocabulary, {}).get(str(code)) or {}
    return {"code": code, "label": label(vocabulary, code), "description": entry.get("description"),
            "citation": entry.get("citation")}


def codes_shown_raw_are_errors() -> frozenset[str]:
    """Every registered code written with an underscore: none of them may appear on a page or in a document."""
    return frozenset(c for codes in registry().values() for c in codes if "_" in str(c))
