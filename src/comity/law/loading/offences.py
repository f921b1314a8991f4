"""Offence data (offences/): the ICCS classification (CSV) and the offence lists of cooperation law mapped
onto it (categories.yaml: the 32 categories of EAW Framework Decision Art 2(2), and the offences excluded
under Art 83 of the Regulation on the transfer of proceedings)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ..model import OffenceCategory
from .issues import Issues, read_file
from .models import OffenceCategoryRow

LISTS = ("eaw_art2_2", "rpd_art83_excluded")


def load_offences(issues: Issues, data_dir: Path) -> tuple[dict[str, dict[str, str]], dict[str, OffenceCategory]]:
    iccs = load_iccs(issues, data_dir / "offences" / "iccs_levels1-4.csv")
    return iccs, load_categories(issues, data_dir / "offences" / "categories.yaml", iccs)


def load_iccs(issues: Issues, csv_path: Path) -> dict[str, dict[str, str]]:
    """ICCS codes (levels 1 to 4: 2, 4, 5 or 6 digits) with their level and label."""
    iccs: dict[str, dict[str, str]] = {}
    try:
        with csv_path.open(encoding="utf-8", newline="") as fh:
            for lineno, row in enumerate(csv.DictReader(fh), start=2):
                code = (row.get("value") or "").strip()
                if not code.isdigit() or len(code) not in (2, 4, 5, 6):
                    issues.error(csv_path, lineno, "value", f"not an ICCS code: {code!r}")
                    continue
                if code in iccs:
                    issues.error(csv_path, lineno, "value", f"duplicate ICCS code {code}")
                iccs[code] = {"level": row["level"], "label": row["label"].strip()}
    except FileNotFoundError:
        issues.error(csv_path, 0, "", "missing ICCS table")
    return iccs


def load_categories(issues: Issues, cat_path: Path, iccs: dict[str, dict[str, str]]) -> dict[str, OffenceCategory]:
    cats: dict[str, OffenceCategory] = {}
    doc = read_file(issues, cat_path)
    if not isinstance(doc, dict):
        return cats
    for list_name in LISTS:
        block = doc.get(list_name)
        if not isinstance(block, dict) or not isinstance(block.get("categories"), list):
            issues.error(cat_path, issues.line(doc, list_name), list_name, "missing block with categories")
            continue
        items = block["categories"]
        for i, node in enumerate(items):
            ctx = f"{list_name}.categories[{i}]."
            if not isinstance(node, dict):
                issues.error(cat_path, issues.line(items, i), ctx, "must be a mapping")
                continue
            category = _category(issues, cat_path, node, ctx, list_name, block, iccs, cats)
            if category is not None:
                cats[category.code] = category
    if len([c for c in cats.values() if c.list == "eaw_art2_2"]) != 32:
        issues.error(cat_path, issues.line(doc, "eaw_art2_2"), "eaw_art2_2.categories", "the Art 2(2) list has 32 categories")
    return cats


def _category(issues: Issues, path: Path, node: dict, ctx: str, list_name: str, block: dict,
              iccs: dict[str, dict[str, str]], cats: dict[str, OffenceCategory]) -> OffenceCategory | None:
    row = issues.validate(OffenceCategoryRow, path, node, ctx, {"verified": block.get("verified")})
    code = row.code if row is not None else None
    if code and not re.match(r"^[a-z][a-z0-9_]*$", code):
        issues.error(path, issues.line(node, "code"), f"{ctx}code", "must be snake_case")
    if code in cats:
        issues.error(path, issues.line(node, "code"), f"{ctx}code", "duplicate code")
    iccs_codes = node.get("iccs") or []
    for j, c in enumerate(iccs_codes):
        if str(c) not in iccs:
            issues.error(path, issues.line(node, "iccs"), f"{ctx}iccs[{j}]", f"unknown ICCS code {c!r}")
    if row is None or not code:
        return None
    category = OffenceCategory(
        code=code,
        label=row.label or "",
        list=list_name,
        iccs=tuple(str(c) for c in iccs_codes),
        mapping_verified=bool(row.mapping_verified),
        source=str(node.get("source", block.get("source")) or ""),
        verified=bool(row.verified),
        note=row.note,
    )
    if not category.source:
        issues.error(path, issues.line(node), f"{ctx}source", "missing")
    return category
