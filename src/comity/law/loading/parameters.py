"""Dated legal parameters (parameters/*.yaml): periods and thresholds by the date from which each applies.

A parameter has a description, the reference of the article that sets it, a unit and its values keyed by the
date from which each applies (``2002-03-01: 18``), so that a change of the law is a new dated value. A value
may be a mapping with its own reference, source, read date and verified flag (an amending protocol).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..dates import parse_date
from ..model import Parameter
from .issues import Issues, read_file, require_read_source
from .models import ParameterRow, ParameterValueRow


def load_parameters(issues: Issues, data_dir: Path) -> dict[str, Parameter]:
    parameters: dict[str, Parameter] = {}
    for path in sorted((data_dir / "parameters").glob("*.yaml")):
        doc = read_file(issues, path)
        if doc is not None:
            load_parameter_file(issues, path, doc, parameters)
    return parameters


def load_parameter_file(issues: Issues, path: Path, doc: Any, out: dict[str, Parameter]) -> None:
    if not isinstance(doc, dict):
        issues.error(path, 1, "", "a parameter file is a mapping of name -> parameter")
        return
    for name, node in doc.items():
        ctx = f"{name}."
        if not isinstance(node, dict):
            issues.error(path, issues.line(doc, name), name, "must be a mapping")
            continue
        if name in out:
            issues.error(path, issues.line(doc, name), name, f"duplicate parameter (also in {out[name].file})")
        row = issues.validate(ParameterRow, path, node, ctx)
        if row is None:
            continue
        values = row.values
        if not isinstance(values, dict) or not values:
            issues.error(path, issues.line(node, "values"), f"{ctx}values", "must map dates to values")
            continue
        reference, verified = row.reference or "", bool(row.verified)
        rows = []
        for key, val in values.items():
            start = parse_date(key)
            if start is None:
                issues.error(path, issues.line(values, key), f"{ctx}values.{key}", "key is not a date")
                continue
            vctx = f"{ctx}values.{key}."
            if isinstance(val, dict):
                if "value" not in val:
                    issues.error(path, issues.line(values, key), f"{vctx}value", "missing")
                    continue
                v = issues.validate(ParameterValueRow, path, val, vctx)
                if v is None:
                    continue
                vread = v.read or row.read
                vver = val.get("verified", verified)
                if vver is True:
                    require_read_source(issues, path, val, vctx, str(v.source or row.source or ""), vread)
                rows.append((start, v.value, val.get("reference", reference), bool(vver), vread))
            else:
                if verified:
                    require_read_source(issues, path, node, ctx, row.source or "", row.read)
                rows.append((start, val, reference, verified, row.read))
        rows.sort(key=lambda r: r[0])
        out[name] = Parameter(name, row.description or "", reference, row.unit or "", tuple(rows), issues.rel(path))
