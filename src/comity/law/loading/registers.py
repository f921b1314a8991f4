"""The two small files about the data set itself: INTERPOL's member countries (interpol_members.yaml) and
the data set's version and refresh date (version.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .issues import Issues, read_file
from .models import InterpolRow, VersionRow


def load_interpol(issues: Issues, data_dir: Path) -> dict[str, Any]:
    path = data_dir / "interpol_members.yaml"
    doc = read_file(issues, path)
    interpol: dict[str, Any] = {"members": (), "source": "", "verified": False}
    if not isinstance(doc, dict):
        return interpol
    members = doc.get("members")
    if not isinstance(members, list):
        issues.error(path, issues.line(doc), "members", "missing list")
        members = []
    for j, s in enumerate(members):
        issues.state(path, issues.line(members, j), f"members[{j}]", s)
    if len(set(members)) != len(members):
        issues.error(path, issues.line(doc, "members"), "members", "duplicates")
    row = issues.validate(InterpolRow, path, doc, "")
    return {
        "members": tuple(members),
        "source": (row.source if row else None) or "",
        "verified": bool(row.verified) if row else False,
        "note": doc.get("note"),
    }


def load_version(issues: Issues, data_dir: Path) -> dict[str, Any]:
    """``version`` and ``refreshed`` (the day the facts were last refreshed from official sources)."""
    path = data_dir / "version.yaml"
    if not path.exists():
        return {}
    doc = read_file(issues, path)
    if not isinstance(doc, dict):
        return {}
    row = issues.validate(VersionRow, path, doc, "")
    return {"version": str(doc.get("version") or ""), "refreshed": row.refreshed if row else None,
            "note": doc.get("note")}
