"""Runs the lawyer-readable scenarios in tests/law/scenarios/*.yaml against the packaged data."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from comity.law import legal_basis

SCENARIO_DIR = Path(__file__).parent / "scenarios"


def _load() -> list[tuple[str, dict]]:
    cases = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for sc in doc["scenarios"]:
            sc.setdefault("region", doc.get("region"))
            cases.append((f"{path.stem}: {sc['name']}", sc))
    return cases


CASES = _load()


def test_enough_scenarios_across_regions():
    assert len(CASES) >= 40
    regions = {sc["region"] for _, sc in CASES}
    assert {"Europe", "Americas", "Asia", "Africa", "Middle East"} <= regions
    for _, sc in CASES:
        assert sc["expect"], sc["name"]  # every scenario asserts something


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[n for n, _ in CASES])
def test_scenario(case):
    result = legal_basis(case["requesting"], case["requested"], case["kind"], case["date"])
    got = result.instruments
    exp = case["expect"]
    context = f"{case['name']}: got {got}; reason: {result.reason}"
    if exp.get("no_basis"):
        assert got == [], context
    else:
        assert got, context
    if "first" in exp:
        assert got[0] == exp["first"], context
    for iid in exp.get("includes", []):
        assert iid in got, context
    for iid in exp.get("excludes", []):
        assert iid not in got, context
    order = exp.get("order", [])
    if order:
        positions = [got.index(i) for i in order]  # ValueError (test failure) if one is missing
        assert positions == sorted(positions), context
    for text in exp.get("reason_contains", []):
        assert text.lower() in result.reason.lower(), context
    for iid, text in (exp.get("caveat_contains") or {}).items():
        item = next(r for r in result if r.instrument == iid)
        assert any(text.lower() in c.lower() for c in item.caveats), (context, item.caveats)
    # every answer cites what it applies
    for item in result:
        assert item.citation and item.why, context
