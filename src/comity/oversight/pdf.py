"""PDF documents of the oversight app, rendered with WeasyPrint from Django templates (Noto fonts):
the signed report of a console query, and the disposal certificate sent to the providing State."""

from __future__ import annotations

from django.template.loader import render_to_string


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported late: pango loads only when a PDF is made

    return HTML(string=html).write_pdf()


# WeasyPrint lays a long table out again for every page it breaks; tables of a page's length keep
# the report linear in its number of events.
ROWS_PER_TABLE = 40


def report_pdf(report) -> bytes:
    chunks = [report.events[i:i + ROWS_PER_TABLE] for i in range(0, len(report.events), ROWS_PER_TABLE)]
    return html_to_pdf(render_to_string("oversight/pdf/report.html", {"r": report, "chunks": chunks}))


def certificate_pdf(disposal, signed: dict) -> bytes:
    from comity.cases.validation import country_name

    states = [f"{country_name(s)} ({s})" for s in disposal.providing_states]
    return html_to_pdf(render_to_string("oversight/pdf/certificate.html",
                                        {"d": disposal, "s": signed, "states": states}))
