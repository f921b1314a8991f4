"""The assessment memo, as PDF (WeasyPrint) and DOCX (python-docx): findings with citations, in words.

A memo is handed to a court or a colleague, so it never shows the engine's codes (``mandatory_bar``,
``own_national``, ``max_penalty_months``): ``memo_content`` turns a snapshot into plain sentences and label/value
rows once, and both formats print that, so they say the same thing. The snapshot itself keeps the codes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from functools import lru_cache
from typing import Any

from django.template.loader import render_to_string

DISCLAIMER = ("Advisory assessment produced by Comity from the facts below and the computable law in force on the "
              "date given. It is not a decision: the competent authority and the courts decide.")

KINDS = {"extradition": "Extradition", "mla": "Mutual legal assistance", "red_notice": "Red Notice",
         "transfer": "Transfer of sentenced persons"}
# What is refused, for the outcome sentence ("Extradition must be refused").
_REFUSED = {"extradition": "Extradition", "mla": "Assistance", "transfer": "The transfer"}

OUTCOMES = {
    "mandatory_bar": ("{what} must be refused",
                      "At least one ground that obliges the requested State to refuse applies on these facts."),
    "optional_bar": ("{what} may be refused",
                     "The requested State may refuse on at least one ground below; none obliges it to."),
    "no_bar": ("No ground for refusal", "No ground for refusal is engaged on these facts."),
    "no_legal_basis": ("No legal basis found",
                       ("No treaty, convention or statute was found under which this request can be made between "
                        "these States on the date given.")),
    "compliant": ("Compliant with INTERPOL's rules",
                  ("No ground found on these facts bars the Red Notice under INTERPOL's Constitution and Rules on "
                   "the Processing of Data.")),
    "non_compliant": ("Not compliant with INTERPOL's rules",
                      ("At least one ground below bars the Red Notice under INTERPOL's Constitution and Rules on the "
                       "Processing of Data.")),
}
EFFECTS = {"mandatory": "Mandatory: must be refused while it applies",
           "optional": "Optional: may be refused"}
RED_NOTICE_EFFECTS = {"mandatory": "Bars the Red Notice while it applies",
                      "optional": "May bar the Red Notice"}
STATUSES = {"applies": "Applies on these facts", "cured": "Cured by an assurance given"}
PURPOSES = {"prosecution": "Prosecution", "enforcement": "Enforcement of a sentence"}

# Labels of the facts, as the assessment form names them (comity.assessments.facts.FactsForm).
FACT_LABELS = {
    "kind": "Kind of request",
    "date": "Law in force on",
    "purpose": "Purpose",
    "requesting_state": "Requesting State",
    "requested_state": "Requested State",
    "sentencing_state": "Sentencing State",
    "administering_state": "Administering State",
    "nationalities": "Nationalities",
    "age_at_offence": "Age at the time of the offence",
    "consent": "The person consents",
    "refugee_status_granted_by": "Refugee status granted by",
    "naturalised_in": "Nationality acquired by naturalisation",
    "naturalisation_date": "Date of naturalisation",
    "description": "Offence",
    "iccs": "ICCS category",
    "list_category": "EAW/EIO list category",
    "committed_in": "Committed in",
    "committed_on": "Date of the offence",
    "characteristics": "Characteristics",
    "max_penalty_months": "Maximum penalty in the requesting State",
    "criminal_in_requested": "Also an offence in the requested State",
    "max_penalty_months_requested": "Maximum penalty in the requested State",
    "sentence_months": "Sentence imposed",
    "remaining_months": "Sentence still to serve",
    "political": "Political offence",
    "military": "Purely military offence",
    "fiscal": "Fiscal (tax, customs) offence",
    "time_barred_requesting": "Time-barred in the requesting State",
    "time_barred_requested": "Time-barred in the requested State",
    "final_judgment_in_requested": "Final judgment already in the requested State",
    "pending_proceedings_in_requested": "Proceedings pending in the requested State",
    "death_penalty_possible": "Death penalty possible",
    "irreducible_life_possible": "Life sentence without review possible",
    "in_absentia": "Convicted in absentia",
    "assurances": "Assurances given",
    "risks": "Risks established",
    "measures": "Assistance sought",
    "events": "Events",
    "offences": "Offences",
    "person": "Person",
}
_STATE_KEYS = {"requesting_state", "requested_state", "sentencing_state", "administering_state", "committed_in"}
_STATES_KEYS = {"nationalities", "refugee_status_granted_by", "naturalised_in"}
_DATE_KEYS = {"date", "naturalisation_date", "committed_on"}
_MONTHS_KEYS = {"max_penalty_months", "max_penalty_months_requested", "sentence_months", "remaining_months"}
_OFFENCE_ORDER = ("list_category", "iccs", "committed_in", "committed_on", "max_penalty_months",
                  "criminal_in_requested", "max_penalty_months_requested", "sentence_months", "remaining_months",
                  "political", "military", "fiscal", "time_barred_requesting", "time_barred_requested",
                  "final_judgment_in_requested", "pending_proceedings_in_requested", "death_penalty_possible",
                  "irreducible_life_possible", "characteristics")


# --- words for codes --------------------------------------------------------------------------------------

def words(code: Any) -> str:
    return str(code).replace("_", " ")


@lru_cache(maxsize=1)
def _vocab() -> dict[str, dict[str, str]]:
    """The labels of the assessment vocabularies, from the product's registry (comity.vocabulary)."""
    from comity.vocabulary import registry

    reg = registry()
    out = {name: {c: str(e.get("label") or words(c)) for c, e in reg.get(name, {}).items()}
           for name in ("ground", "assurance", "risk", "measure", "characteristic", "offence_category")}
    out["ground_description"] = {c: str(e.get("description") or "") for c, e in reg.get("ground", {}).items()}
    out["measure"] = {c: _sentence(e.get("description") or words(c)) for c, e in reg.get("measure", {}).items()}
    return out


def _sentence(text: str) -> str:
    return str(text).strip().rstrip(".")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


@lru_cache(maxsize=1)
def _code_words() -> dict[str, str]:
    """Every code the engine may put in running text (explanations, notes), with the words that replace it.
    A ground's label wins over an assurance or risk of the same code."""
    from comity.law import EVENTS

    vocab = _vocab()
    out: dict[str, str] = {}
    for name in ("measure", "risk", "characteristic"):
        out.update({c: _lower_first(label) for c, label in vocab[name].items()})
    out.update({e: words(e) for e in EVENTS})
    out.update(vocab["offence_category"])
    out.update({c: label.lower() for c, label in FACT_LABELS.items()})
    out.update({c: OUTCOMES[c][0].format(what="the request").lower() for c in OUTCOMES})
    out.update(vocab["ground"])
    return out


_URL = r"(https?://\S+)"
_TOKEN = re.compile(_URL + r"|\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b")
# "An assurance (no_death_penalty) would cure it", "the assurance given (retrial, detention_conditions)"
_ASSURANCES = re.compile(r"(assurances? (?:given )?\()([a-z_]+(?:, [a-z_]+)*)(\))")
_INSTRUMENT_ID = re.compile(r"\bbilateral:[A-Z]{2}-[A-Z]{2}:\d{4}\b")


def in_words(text: Any) -> str:
    """Running text with every code (a lower-case word joined by underscores) replaced by its words, and an
    internal treaty identifier by the treaty's title; web addresses are left as they are."""
    table = _code_words()
    assurances = _vocab()["assurance"]

    def assurance(m: re.Match) -> str:
        names = [_lower_first(assurances.get(c, words(c))) for c in m.group(2).split(", ")]
        return m.group(1) + "; ".join(names) + m.group(3)

    def sub(m: re.Match) -> str:
        if m.group(1):
            return m.group(1)
        code = m.group(2)
        return table.get(code, words(code))

    text = _ASSURANCES.sub(assurance, str(text or ""))
    text = _INSTRUMENT_ID.sub(lambda m: _instrument_title(m.group(0)), text)
    return _TOKEN.sub(sub, text)


def _instrument_title(ident: str) -> str:
    from comity.law import get_law

    inst = get_law().instruments.get(ident)
    return getattr(inst, "short_title", None) or getattr(inst, "title", None) or ident


def human_date(value: Any) -> str:
    """"2 December 2026" from a date, datetime or ISO string; anything else as it is."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    return "" if value is None else str(value)


def _state(code: Any) -> str:
    from comity.web.fields import state_name

    return state_name(str(code), "en") if code else ""


def _months(n: Any) -> str:
    n = int(n)
    text = f"{n} month{'s' if n != 1 else ''}"
    if n >= 12 and n % 12 == 0:
        years = n // 12
        text += f" ({years} year{'s' if years != 1 else ''})"
    return text


def _yes_no(value: Any) -> str:
    return "yes" if value else "no"


def _plain(value: Any) -> str:
    """A value of the law data (profile facts, party rows) as text: no Python or JSON notation."""
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(_plain(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{in_words(k)}: {_plain(v)}" for k, v in value.items()) or "none"
    if isinstance(value, (dt.date, dt.datetime)):
        return human_date(value)
    return _ISO_DATE.sub(lambda m: human_date(m.group(0)), in_words(value))


_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _fact_value(key: str, value: Any) -> str:
    vocab = _vocab()
    if isinstance(value, bool):
        return _yes_no(value)
    if key in _STATE_KEYS:
        return _state(value)
    if key in _STATES_KEYS:
        return ", ".join(_state(s) for s in value or ()) or "none"
    if key in _DATE_KEYS:
        return human_date(value)
    if key in _MONTHS_KEYS:
        return _months(value)
    if key == "kind":
        return KINDS.get(value, words(value))
    if key == "purpose":
        return PURPOSES.get(value, words(value))
    if key == "list_category":
        return vocab["offence_category"].get(value, words(value))
    if key == "iccs":
        from comity.law import get_law

        entry = get_law().iccs.get(value) or {}
        return f"{value}: {entry['label']}" if entry.get("label") else str(value)
    if key == "characteristics":
        return "; ".join(vocab["characteristic"].get(c, words(c)) for c in value or ()) or "none"
    if key == "age_at_offence":
        return f"{value} years"
    return _plain(value)


def facts_rows(facts: dict) -> list[dict[str, Any]]:
    """The facts assessed as rows {label, lines}: one row per fact, one row per offence (its details as
    lines), States by name, yes/no for true/false, durations in months and years."""
    vocab = _vocab()
    rows: list[dict[str, Any]] = []

    def row(label: str, *lines: str) -> None:
        rows.append({"label": label, "lines": [x for x in lines if x != ""]})

    for key in ("kind", "purpose", "date", "requesting_state", "requested_state", "sentencing_state",
                "administering_state"):
        if facts.get(key) not in (None, ""):
            row(FACT_LABELS[key], _fact_value(key, facts[key]))
    person = facts.get("person") or {}
    for key in ("nationalities", "naturalised_in", "naturalisation_date", "age_at_offence", "consent",
                "refugee_status_granted_by"):
        if person.get(key) is not None:
            row(FACT_LABELS[key], _fact_value(key, person[key]))
    for i, off in enumerate(facts.get("offences") or [], start=1):
        lines = [off["description"]] if off.get("description") else []
        for key in _OFFENCE_ORDER:
            if off.get(key) is not None and off.get(key) != []:
                lines.append(f"{FACT_LABELS[key]}: {_fact_value(key, off[key])}")
        row(f"Offence {i}", *(lines or ["(not described)"]))
    if facts.get("in_absentia") is not None:
        row(FACT_LABELS["in_absentia"], _yes_no(facts["in_absentia"]))
    if facts.get("assurances"):
        row(FACT_LABELS["assurances"], *(vocab["assurance"].get(a, words(a)) for a in facts["assurances"]))
    risks = facts.get("risks") or {}
    if risks:
        row(FACT_LABELS["risks"], *(f"{vocab['risk'].get(r, words(r))}: {_yes_no(v)}" for r, v in risks.items()))
    if facts.get("measures"):
        row(FACT_LABELS["measures"], *(vocab["measure"].get(m, words(m)) for m in facts["measures"]))
    events = facts.get("events") or {}
    if events:
        row(FACT_LABELS["events"], *(f"{words(e).capitalize()}: {human_date(d)}"
                                     for e, d in sorted(events.items(), key=lambda x: str(x[1]))))
    return rows


_PROFILE_LABEL = re.compile(r"^([A-Z]{2}) profile: ")
_PARTY_LABEL = re.compile(r": ([A-Z]{2})$")


def _fact_label(f: dict) -> str:
    """The label of a fact an answer rests on, with the State named ("Brazil profile: ...", "...: Brazil")."""
    label = str(f.get("label") or "")
    if f.get("kind") == "profile":
        label = _PROFILE_LABEL.sub(lambda m: f"{_state(m.group(1))} profile: ", label)
    elif f.get("kind") == "party":
        label = _PARTY_LABEL.sub(lambda m: f": {_state(m.group(1))}", label)
    return in_words(label)


def _fact_ref_value(f: dict) -> str:
    """The value of a fact an answer rests on; a treaty ground's value is its effect."""
    if f.get("kind") == "treaty_ground" and f.get("value") in ("mandatory", "optional", "not_a_ground"):
        return {"mandatory": "must refuse", "optional": "may refuse",
                "not_a_ground": "not a ground for refusal"}[f["value"]]
    return _plain(f.get("value"))


def _warning(r: dict) -> str:
    """The result's warning (unverified or stale facts), said again with the facts' labels in words."""
    if not (r.get("verification") or {}).get("warning"):
        return ""
    from comity.law.provenance import warning

    refs = [{**f, "label": _fact_label(f)} for f in r.get("rests_on") or [] if "ref" in f]
    return warning(refs) or in_words(r["verification"]["warning"])


def css_string(text: str) -> str:
    """Text for a CSS string (the page footer): every character but letters, digits and spaces as a CSS escape
    (six hex digits and the space that ends the escape)."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):06X} " for ch in text)


def _verified(f: dict) -> str:
    if not f.get("verified"):
        return "no"
    return f"yes, read {human_date(f.get('read'))}" + (" (stale)" if f.get("stale") else "")


def memo_content(snap) -> dict[str, Any]:
    """Everything the memo says, in words, for both formats."""
    r = snap.result
    kind = r.get("kind") or snap.kind
    vocab = _vocab()
    title, meaning = OUTCOMES.get(r["outcome"], (words(r["outcome"]).capitalize(), ""))
    outcome = title.format(what=_REFUSED.get(kind, "The request"))
    effects = RED_NOTICE_EFFECTS if kind == "red_notice" else EFFECTS
    applied = r.get("instrument_applied")
    basis = []
    for b in r.get("legal_basis") or []:
        text = b.get("title") or b.get("instrument", "")
        if b.get("citation") and b.get("citation") != text:
            text += f" ({b['citation']})"
        if applied and b.get("instrument") == applied:
            text += ". Its rules were applied."
        basis.append(text)
    grounds = []
    for g in r.get("grounds") or []:
        grounds.append({
            "label": vocab["ground"].get(g["code"], words(g["code"]).capitalize()),
            "description": vocab["ground_description"].get(g["code"], ""),
            "effect": effects.get(g["effect"], words(g["effect"])),
            "status": STATUSES.get(g["status"], words(g["status"])),
            "citation": g.get("citation") or "",
            "explanation": in_words(g.get("explanation")),
            "mandatory": g["effect"] == "mandatory",
            "applies": g["status"] == "applies",
        })
    clocks = [{"due": human_date(c.get("due")), "what": in_words(c.get("code")).capitalize(),
               "citation": c.get("citation") or ""} for c in r.get("clocks") or []]
    rests_on = [{"label": _fact_label(f), "value": _fact_ref_value(f), "verified": _verified(f),
                 "unverified": not f.get("verified"), "source": str(f.get("source") or "")}
                for f in r.get("rests_on") or []]
    law_data = r.get("law_data") or {}
    by = f"Assessed {human_date(snap.created_at)} by {snap.created_by.username}"
    about = f"Case {snap.case.reference}" + (f", request {snap.request.reference}" if snap.request else "")
    return {
        "title": "Assessment memo",
        "about": about,
        "about_css": css_string(about),
        "kind": KINDS.get(kind, words(kind)),
        "assessed": f"{by}, on the law in force on {human_date(r.get('date'))}. Rules {snap.rules_version}.",
        "law_data": (f"Legal data {law_data.get('version')}, last refreshed {human_date(law_data.get('refreshed'))}."
                     if law_data else ""),
        "disclaimer": DISCLAIMER,
        "warning": _warning(r),
        "outcome": outcome,
        "outcome_meaning": meaning,
        "outcome_code": r["outcome"],
        "basis": basis,
        "grounds": grounds,
        "clocks": clocks,
        "notes": [in_words(n) for n in r.get("notes") or []],
        "rests_on": rests_on,
        "facts": facts_rows(snap.facts or {}),
    }


# --- the two formats ----------------------------------------------------------------------------------------

def render_pdf(snap) -> bytes:
    from weasyprint import HTML

    html = render_to_string("assessments/memo.html", {"m": memo_content(snap)})
    return HTML(string=html).write_pdf()


def _cell(cell, lines, *, bold: bool = False) -> None:
    """Plain text in a table cell, one paragraph per line: user text is never interpreted."""
    lines = [lines] if isinstance(lines, str) else list(lines) or [""]
    cell.text = ""
    first = cell.paragraphs[0]
    for i, line in enumerate(lines):
        p = first if i == 0 else cell.add_paragraph()
        p.add_run(str(line)).bold = bold


def render_docx(snap) -> bytes:
    from docx import Document

    m = memo_content(snap)
    d = Document()
    d.add_heading(m["title"], level=0)
    d.add_paragraph(f"{m['about']}. {m['kind']}.")
    d.add_paragraph(m["assessed"])
    d.add_paragraph().add_run(m["disclaimer"]).italic = True
    if m["law_data"]:
        d.add_paragraph(m["law_data"])
    if m["warning"]:
        p = d.add_paragraph()
        p.add_run("Check before relying on this memo: ").bold = True
        p.add_run(m["warning"])
    d.add_heading(f"Outcome: {m['outcome']}", level=1)
    if m["outcome_meaning"]:
        d.add_paragraph(m["outcome_meaning"])
    d.add_heading("Legal basis", level=2)
    for b in m["basis"]:
        d.add_paragraph(b, style="List Number")
    if not m["basis"]:
        d.add_paragraph("No legal basis found.")
    d.add_heading("Grounds engaged", level=2)
    for i, g in enumerate(m["grounds"], start=1):
        d.add_heading(f"{i}. {g['label']}", level=3)
        table = d.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in (("What it is", g["description"]), ("Effect", g["effect"]), ("Status", g["status"]),
                             ("Provisions", g["citation"]), ("Why", g["explanation"])):
            if value:
                cells = table.add_row().cells
                _cell(cells[0], label, bold=True)
                _cell(cells[1], value)
    if not m["grounds"]:
        d.add_paragraph("No ground for refusal is engaged on these facts.")
    if m["clocks"]:
        d.add_heading("Time limits", level=2)
        for c in m["clocks"]:
            d.add_paragraph(f"{c['due']}: {c['what']} ({c['citation']})", style="List Bullet")
    if m["notes"]:
        d.add_heading("Notes", level=2)
        for n in m["notes"]:
            d.add_paragraph(n, style="List Bullet")
    if m["rests_on"]:
        d.add_heading("What this assessment rests on", level=2)
        table = d.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ["Fact", "Value", "Verified", "Source"]):
            _cell(cell, text, bold=True)
        for f in m["rests_on"]:
            for cell, text in zip(table.add_row().cells, [f["label"], f["value"], f["verified"], f["source"]]):
                _cell(cell, text)
    d.add_heading("Facts assessed", level=2)
    table = d.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for row in m["facts"]:
        cells = table.add_row().cells
        _cell(cells[0], row["label"], bold=True)
        _cell(cells[1], row["lines"])
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()
