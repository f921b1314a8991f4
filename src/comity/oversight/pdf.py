"""PDF documents of the oversight app, rendered with WeasyPrint from Django templates (Noto fonts):
the signed report of a console query, and the disposal certificate sent to the providing State.

Layout: every table has a fixed layout (column widths from the template, never from the content) and every
cell wraps what does not fit (``overflow-wrap: anywhere``), so a long user name, purpose or search term
wraps inside its own cell and never prints over the next one, whatever its length."""

from __future__ import annotations

import datetime as dt
import re

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported late: pango loads only when a PDF is made

    return HTML(string=html).write_pdf()


# WeasyPrint lays a long table out again for every page it breaks; tables of a page's length keep
# the report linear in its number of events.
ROWS_PER_TABLE = 40

_BREAK_AFTER = re.compile(r"([._/@-])")


def breakable(value) -> SafeString:
    """Escaped text with a line-break opportunity (<wbr>) after each dot, underscore, slash, @ and hyphen, so
    codes and names wrap at their joints (access.oversight_report) before being cut anywhere."""
    return mark_safe(_BREAK_AFTER.sub(r"\1<wbr>", escape("" if value is None else str(value))))


def event_cells(e) -> list:
    """The cells of one event's row, in the order of the report's columns (text, or HTML with <wbr>)."""
    case = getattr(e, "case_reference", "") or ("" if e.case_id is None else str(e.case_id))
    return [str(e.seq), e.time.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"), breakable(e.event_type),
            breakable(e.actor_label or "system"), breakable(case),
            breakable(f"{e.object_type} {e.object_id}".strip()), breakable(e.purpose_text), f"{e.leaf_hash[:16]}…"]


def report_html(report) -> str:
    rows = [event_cells(e) for e in report.events]
    chunks = [rows[i:i + ROWS_PER_TABLE] for i in range(0, len(rows), ROWS_PER_TABLE)]
    query = [(k, breakable(v)) for k, v in report.filters.as_params().items()]
    return render_to_string("oversight/pdf/report.html", {"r": report, "chunks": chunks, "query": query})


def report_pdf(report) -> bytes:
    return html_to_pdf(report_html(report))


def certificate_pdf(disposal, signed: dict) -> bytes:
    from comity.cases.validation import country_name

    states = [f"{country_name(s)} ({s})" for s in disposal.providing_states]
    return html_to_pdf(render_to_string("oversight/pdf/certificate.html",
                                        {"d": disposal, "s": signed, "states": states}))
