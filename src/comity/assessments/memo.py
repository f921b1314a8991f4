"""The assessment memo, as PDF (WeasyPrint) and DOCX (python-docx): findings with citations."""

from __future__ import annotations

import io

from django.template.loader import render_to_string

DISCLAIMER = ("Advisory assessment produced by Comity from the facts below and the computable law in force on the "
              "date given. It is not a decision: the competent authority and the courts decide.")


def _context(snap) -> dict:
    r = snap.result
    return {"snap": snap, "r": r, "disclaimer": DISCLAIMER, "facts": snap.facts,
            "case": snap.case, "request": snap.request}


def render_pdf(snap) -> bytes:
    from weasyprint import HTML

    html = render_to_string("assessments/memo.html", _context(snap))
    return HTML(string=html).write_pdf()


def render_docx(snap) -> bytes:
    from docx import Document

    r = snap.result
    d = Document()
    d.add_heading("Assessment memo", level=0)
    d.add_paragraph(f"Case {snap.case.reference}" + (f", request {snap.request.reference}" if snap.request else "")
                    + f". Assessed {snap.created_at:%Y-%m-%d} by {snap.created_by.username}; "
                    f"rules {snap.rules_version}; law in force on {r.get('date', '')}.")
    d.add_paragraph(DISCLAIMER).italic = True
    if r.get("law_data"):
        d.add_paragraph(f"Legal data {r['law_data'].get('version')}, last refreshed {r['law_data'].get('refreshed')}.")
    warning = (r.get("verification") or {}).get("warning")
    if warning:
        p = d.add_paragraph()
        p.add_run("Check before relying on this memo: ").bold = True
        p.add_run(warning)
    d.add_heading(f"Outcome: {r['outcome'].replace('_', ' ')}", level=1)
    d.add_heading("Legal basis", level=2)
    for b in r.get("legal_basis") or []:
        d.add_paragraph(f"{b['instrument']}: {b['title']} ({b['citation']})", style="List Number")
    if not r.get("legal_basis"):
        d.add_paragraph("No legal basis found.")
    d.add_heading("Grounds engaged", level=2)
    if r["grounds"]:
        table = d.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ["Ground", "Effect", "Status", "Citation", "Explanation"]):
            cell.text = text
        for g in r["grounds"]:
            row = table.add_row().cells
            for cell, text in zip(row, [g["code"], g["effect"], g["status"], g["citation"], g["explanation"]]):
                cell.text = str(text)  # plain text runs: user text is never interpreted
    else:
        d.add_paragraph("No ground for refusal is engaged on these facts.")
    if r.get("clocks"):
        d.add_heading("Clocks", level=2)
        for c in r["clocks"]:
            d.add_paragraph(f"{c['due']}: {c['code']} ({c['citation']})", style="List Bullet")
    if r.get("rests_on"):
        d.add_heading("What this assessment rests on", level=2)
        table = d.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ["Fact", "Value", "Verified", "Source"]):
            cell.text = text
        for f in r["rests_on"]:
            verified = (f"yes, read {f.get('read')}" + (" (stale)" if f.get("stale") else "")) if f.get("verified") \
                else "no"
            for cell, text in zip(table.add_row().cells, [f["label"], str(f.get("value")), verified,
                                                          str(f.get("source") or "")]):
                cell.text = text
    d.add_heading("Facts assessed", level=2)
    import json

    d.add_paragraph(json.dumps(snap.facts, indent=2, ensure_ascii=False))
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()
