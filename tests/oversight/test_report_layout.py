"""The signed oversight report never prints one value over another: whatever the length of a user name, a
stated purpose or a search term, it wraps inside its own cell, and every cell of every row comes out whole and
in order."""

from __future__ import annotations

import io
import re

import pytest

from comity.cases import actions as case_actions
from comity.oversight import actions, pdf

LONG_USER = "caseworker-" + "x" * 139  # the longest user name there can be (150 characters), without a break
UNBROKEN = "P" * 500  # the longest purpose there can be, in one word
WORDY = ("checking the arrest warrant file for counsel's complaint about the handling of the data of the person "
         "sought, with the references of every document read, " * 4)[:500].strip()
REASON = "complaint 2026/17 from counsel, reference " + "R" * 300


@pytest.fixture
def long_values(case, supervisor, make_user):
    user = make_user("caseworker", LONG_USER)
    case_actions.do_grant_membership(case, user, acting_user=supervisor)
    for purpose in (UNBROKEN, WORDY, "case work"):
        case_actions.do_record_access(case, acting_user=user, what="case_view", purpose=purpose, obj=case)
    return actions.parse_filters({"user": LONG_USER})


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _cells(e) -> list[str]:
    """What a reader must find in an event's row, column by column (no markup)."""
    return [str(e.seq), e.time.strftime("%Y-%m-%d%H:%M:%S"), e.event_type, e.actor_label, e.case_reference,
            f"{e.object_type}{e.object_id}", e.purpose_text, e.leaf_hash[:16] + "…"]


def test_every_cell_of_every_row_comes_out_whole_and_in_order(login, oversight, long_values):
    from pypdf import PdfReader

    r = login(oversight).post("/oversight/report.pdf", {"user": LONG_USER, "reason": REASON})
    assert r.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    flat = _flat(text)
    # The report's own header: the long purpose and query are printed whole.
    assert _flat(REASON) in flat and _flat(f"user = {LONG_USER}") in flat
    events = list(actions.search_events(long_values))
    assert len(events) == 3 and {e.purpose_text for e in events} == {UNBROKEN, WORDY, "case work"}
    refs = actions.case_references(e.case_id for e in events)
    pos = flat.index("SeqTime(UTC)EventUserCaseObjectPurposeLeafhash")
    for e in events:  # newest first, as the report lists them
        e.case_reference = refs[e.case_id]
        for column, cell in enumerate(_cells(e)):
            found = flat.find(_flat(cell), pos)
            assert found >= 0, f"event seq {e.seq}, column {column + 1}: {cell[:40]!r}… missing or out of order"
            pos = found + len(_flat(cell))


def _text_boxes(box, cell=None):
    """(text box, the table cell holding it or None) for every piece of text WeasyPrint laid out."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TableCellBox):
        cell = box
    if isinstance(box, boxes.TextBox) and box.text.strip():
        yield box, cell
    for child in getattr(box, "children", ()):
        yield from _text_boxes(child, cell)


def test_long_values_wrap_inside_their_cells_and_the_page(oversight, long_values):
    """WeasyPrint's own layout: no line of text reaches past the right edge of its cell, or of the page."""
    from weasyprint import HTML

    report = actions.do_export_report(filters=long_values, purpose=REASON, acting_user=oversight)
    document = HTML(string=pdf.report_html(report)).render()
    overflowing = []
    checked = 0
    for number, page in enumerate(document.pages, start=1):
        root = page._page_box.children[0]  # the <html> box: the page's printable area
        page_right = root.content_box_x() + root.width
        for text, cell in _text_boxes(page._page_box):
            right = text.position_x + text.width
            limit = cell.content_box_x() + cell.width if cell is not None else page_right
            checked += 1
            if right > limit + 0.5:
                overflowing.append(f"page {number}: {text.text[:30]!r} ends {right - limit:.0f}pt past its "
                                   f"{'cell' if cell is not None else 'page'}")
    assert checked > 50
    assert not overflowing, "\n".join(overflowing)
