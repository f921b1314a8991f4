"""Generate a request (or a request for further information) as PDF and DOCX.

Both formats are built from the same list of blocks (`document_blocks`), so they say the same thing.
User text is data: the PDF template autoescapes it (so `{{ }}`, `{% %}` and HTML print as typed) and the
DOCX gets it as plain runs. Fonts: Noto Sans, with Noto Naskh Arabic and Noto Sans CJK for Arabic and
Chinese names (checked at start-up, see comity.builder.apps).

Until the request is approved for sending, a request is a draft and says so: every page of the PDF carries a
DRAFT header and a diagonal watermark, and the DOCX opens with a DRAFT heading (and a page header). A request
for further information answers an incoming request and has no approval step, so it is never marked.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.utils import timezone

from comity.builder import checks
from comity.cases.validation import country_name

PDF_TEMPLATE = "builder/doc/request.html"
FONT_FAMILIES = ("Noto Sans", "Noto Naskh Arabic", "Noto Sans CJK SC")
LATIN_FONT, ARABIC_FONT, CJK_FONT = FONT_FAMILIES

# Fields printed as label: value items in the "assistance sought" section, in this order.
ASSISTANCE_FIELDS = ("assistance_sought", "procedure", "documents_to_serve", "service_address", "witness_questions",
                     "videoconference", "search_premises", "items_sought", "interception_target", "interception_period",
                     "detainee", "expert_questions", "data_to_preserve", "service_provider", "records_date_from",
                     "records_date_to", "bank_records", "account_identifiers", "account_holder", "property_description",
                     "order", "return_basis", "warrant", "provisional_arrest", "intention_to_request", "judgment",
                     "sentence_remaining", "consent", "nationality")
#: The draft mark, in the document's language: (word, what it means).
DRAFT_MARK = {"en": ("DRAFT", "not approved for sending"),
              "fr": ("PROJET", "non approuvé pour l'envoi"),
              "es": ("BORRADOR", "no aprobado para su envío")}
PERSON_FIELDS = ("birthDate", "birthPlace", "nationality", "address", "idNumber", "passportNumber", "phone", "email")


@dataclass
class Block:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    bullets: list[str] = field(default_factory=list)


def field_label(name: str, language: str) -> str:
    if language != "en":
        label = checks.load("labels")["field_labels"].get(language, {}).get(name)
        if label:
            return label
    spec = checks.fields().get(name)
    return spec["label"] if spec else name


def _value(value, language: str) -> str:
    if value is True:
        return {"en": "Yes", "fr": "Oui", "es": "Sí"}[language]
    if value in (None, False):
        return ""
    return str(value).strip()


def title_key(measure: str) -> str:
    kind = checks.builder_kind(measure)
    return "provisional_arrest" if measure == "provisional_arrest" else kind


def css_string(text: str) -> str:
    """Text for a CSS string in the template's <style> (page headers): every character but letters, digits and
    spaces as a six-digit CSS escape, so quotes, apostrophes and markup can neither end the string nor be
    HTML-escaped into visible entities (six hex digits and the space that ends the escape)."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):06X} " for ch in text)


#: Lifecycle steps that approve a request for sending, or send or submit it (which only a decider may do, after
#: the same checks): once a request has taken one, its documents are final. Withdrawal and a request for
#: provisional arrest (the urgent step before the file is complete) do not approve the request.
APPROVING_STEPS = ("approve", "send", "submit", "submit_formal_request")


def is_approved(req) -> bool:
    """Whether the request has been approved for sending (see APPROVING_STEPS). A request whose status and
    history are not known is not approved."""
    if getattr(req, "status", None) == "approved":
        return True
    transitions = getattr(req, "transitions", None)
    if transitions is None or getattr(req, "pk", None) is None:
        return False
    return transitions.filter(name__in=APPROVING_STEPS).exists()


def document_blocks(*, req, content: dict, measure: str, language: str, purpose: str = "request",
                    findings: list | None = None, on: dt.date | None = None, draft: bool | None = None) -> dict:
    """The document as data: title, header lines and blocks of text. `req` needs reference, subject,
    requesting_state, requested_state, urgency, legal_basis, legal_basis_instrument and kind (and status, to
    know whether it is approved). `draft`: mark the document as a draft; by default a request is marked until
    it is approved, a request for further information never."""
    L = checks.labels(language)
    S = L["sections"]
    c = content
    today = (on or timezone.localdate()).isoformat()
    if purpose == "rfi":
        title = L["title"]["rfi"]
    else:
        title = L["title"][title_key(measure)]
    header = [(L["reference"], req.reference), (L["date"], today),
              (L["from"], f"{c.get('requesting_authority') or ''} ({country_name(req.requesting_state)})".strip()),
              (L["to"], f"{c.get('requested_authority') or ''} ({country_name(req.requested_state)})".strip())]
    if req.legal_basis or req.legal_basis_instrument:
        header.append((L["legal_basis"], req.legal_basis or req.legal_basis_instrument))
    urgent = req.urgency in ("urgent", "very_urgent")
    notes = []
    if urgent:
        notes.append(L["urgency"] % {"reason": c.get("urgency_reason") or req.urgency_reason or ""})
        if c.get("urgency_date"):
            notes.append(L["urgency_date"] % {"date": c["urgency_date"]})

    def items(*names):
        return [(field_label(n, language), _value(c.get(n), language)) for n in names if _value(c.get(n), language)]

    blocks: list[Block] = []
    if purpose == "rfi":
        blocks.append(Block(S["missing"], paragraphs=[L["rfi_intro"] % {"reference": c.get("proceedings_reference")
                                                                      or req.subject}],
                            bullets=[f"{f['message']} ({f['citation']})" for f in (findings or [])
                                     if f["kind"] == "missing"]))
        quality = [f"{f['message']}" for f in (findings or []) if f["kind"] == "quality"]
        if quality:
            blocks.append(Block(S["quality"], bullets=quality))
    else:
        blocks.append(Block(S["requesting_authority"], items=items("requesting_authority", "conducting_authority",
                                                                   "proceedings_reference")))
        blocks.append(Block(S["subject"], items=items("proceedings_nature", "offences", "max_penalty")))
        blocks.append(Block(S["facts"], paragraphs=[p for p in [c.get("facts") or ""] if p.strip()],
                            items=items("offence_time_place", "participation")))
        legal = Block(S["legal_provisions"])
        for a in checks.instrument_articles(req.legal_basis_instrument, req.kind):
            suffix = "" if a["verified"] else f" [{L['unverified']}]"
            legal.items.append((f"{a['title']}, Art {a['number']} ({a['heading']})", f"{a['text']}{suffix}"))
        if legal.items:
            legal.paragraphs.append(L["instrument_text"])
        if (c.get("legal_provisions") or "").strip():
            legal.items.append((field_label("legal_provisions", language), c["legal_provisions"].strip()))
        blocks.append(legal)
        blocks.append(Block(S["assistance"], items=items(*ASSISTANCE_FIELDS)))
        persons = Block(S["persons"], items=items("person_identity", "person_location"))
        P = L["person"]
        for p in c.get("persons") or []:
            name = p.get("pseudonym") or p.get("name") or ""
            parts = [f"{P['role']}: {p['role']}"] if p.get("role") else []
            parts += [f"{P.get(k, k)}: {v}" for k, v in (p.get("fields") or {}).items() if v]
            persons.bullets.append(f"{name}" + (f" ({'; '.join(parts)})" if parts else ""))
        blocks.append(persons)
        blocks.append(Block(S["purpose"], items=items("purpose", "link_to_offence")))
        conf = Block(S["confidentiality"])
        if (c.get("confidentiality") or "").strip():
            conf.paragraphs.append(c["confidentiality"].strip())
        elif c.get("confidential"):
            conf.paragraphs.append(L["default_confidentiality"])
        conf.paragraphs.append((c.get("use_undertaking") or "").strip() or L["default_use"])
        blocks.append(conf)
    blocks.append(Block(S["contact"], paragraphs=[p for p in [c.get("contact_point") or ""] if p.strip()]))
    signature = [(L["place"], _value(c.get("place"), language)), (L["date"], today),
                 (L["signed"], " · ".join(x for x in (c.get("signatory"), c.get("signatory_title")) if x))]
    blocks.append(Block(S["signature"], items=[(k, v) for k, v in signature if v]))
    if draft is None:
        draft = purpose == "request" and not is_approved(req)
    word, meaning = DRAFT_MARK.get(language, DRAFT_MARK["en"])
    return {"title": title, "header": header, "urgent": urgent, "urgent_label": L["urgent"], "notes": notes,
            "blocks": [b for b in blocks if b.paragraphs or b.items or b.bullets], "language": language,
            "page_label": L["page"], "draft": bool(draft), "draft_word": word,
            "draft_mark": f"{word} — {meaning}" if draft else "",
            "draft_mark_css": css_string(f"{word} — {meaning}") if draft else ""}


def render_pdf(doc: dict) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string(PDF_TEMPLATE, {"doc": doc, "fonts": FONT_FAMILIES})
    return HTML(string=html).write_pdf()


def _set_fonts(run_or_style_font_element) -> None:
    """Latin, Arabic (complex script) and East Asian fonts on a run or style, so Word picks a font that has
    the glyphs."""
    from docx.oxml.ns import qn

    rpr = run_or_style_font_element
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:cs"), ARABIC_FONT)
    fonts.set(qn("w:eastAsia"), CJK_FONT)


def render_docx(doc: dict) -> bytes:
    """A Word document: text goes in as plain runs, never through a template engine."""
    from docx import Document as Docx
    from docx.shared import Pt, RGBColor

    d = Docx()
    for style_name in ("Normal", "Title", "Heading 1", "Heading 2", "List Bullet"):
        style = d.styles[style_name]
        style.font.name = LATIN_FONT
        _set_fonts(style.element.get_or_add_rPr())
    d.styles["Normal"].font.size = Pt(10.5)
    if doc.get("draft"):
        heading = d.add_heading(doc["draft_mark"], level=1)
        heading.runs[0].font.color.rgb = RGBColor(0xB4, 0x23, 0x18)
        header = d.sections[0].header.paragraphs[0]
        header.text = doc["draft_mark"]
        header.runs[0].bold = True
    if doc["urgent"]:
        d.add_paragraph().add_run(doc["urgent_label"]).bold = True
    d.add_heading(doc["title"], level=0)
    table = d.add_table(rows=0, cols=2)
    for label, value in doc["header"]:
        row = table.add_row().cells
        row[0].text = label
        row[1].text = value
    for note in doc["notes"]:
        d.add_paragraph().add_run(note).bold = True
    for i, b in enumerate(doc["blocks"], 1):
        d.add_heading(f"{i}. {b.heading}", level=1)
        for p in b.paragraphs:
            d.add_paragraph(p)
        for label, value in b.items:
            para = d.add_paragraph()
            para.add_run(f"{label}: ").bold = True
            para.add_run(value)
        for bullet in b.bullets:
            d.add_paragraph(bullet, style="List Bullet")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def docx_text(data: bytes) -> str:
    """All the text of a DOCX, paragraph by paragraph (tables first), for golden tests and the CLI."""
    from docx import Document as Docx

    d = Docx(io.BytesIO(data))
    lines = []
    for t in d.tables:
        for row in t.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    lines += [p.text for p in d.paragraphs]
    return "\n".join(lines)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
