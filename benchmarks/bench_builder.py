"""Request builder benchmark: generate a 10-page request as PDF (WeasyPrint) and as DOCX (python-docx),
with Arabic and Chinese names. Prints median and worst times and the page count. Not a pass/fail test.
Targets (issue 5): PDF under 2 s, DOCX under 0.5 s.

    python benchmarks/bench_builder.py
"""

from __future__ import annotations

import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("COMITY_DATA_DIR", tempfile.mkdtemp(prefix="comity-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")

import django  # noqa: E402

django.setup()

from pypdf import PdfReader  # noqa: E402

from comity.builder import checks, render  # noqa: E402
from tests.builder.conftest import ARABIC_NAME, CHINESE_NAME, GOOD  # noqa: E402

RUNS = 5
PARAGRAPH = ("On {d} the platform received {n} payments from investors in Milan, Turin and Bologna, which were "
             "transferred within two days to the receiving account in Zurich and from there to accounts in "
             "Hong Kong and Dubai held by companies controlled by the suspects. ")


def request_content(paragraphs: int) -> dict:
    content = {f: GOOD[f] for f in checks.fields_for("records") if f in GOOD}
    content["facts"] = "\n\n".join(PARAGRAPH.format(d=f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", n=10 + i) * 3
                                   for i in range(paragraphs))
    content["persons"] = [{"entity_id": i, "schema": "Person", "role": "suspect", "pseudonym": "",
                           "name": [ARABIC_NAME, CHINESE_NAME, "Élise Dupont"][i % 3],
                           "fields": {"birthDate": "1980-02-03"}} for i in range(30)]
    return content


def main() -> None:
    req = SimpleNamespace(reference="REQ-2026-000001", subject="Bench", requesting_state="IT", requested_state="CH",
                          urgency="normal", urgency_reason="", legal_basis="ETS 030", legal_basis_instrument="CETS-030",
                          kind="mla")
    # Find the number of fact paragraphs that makes about ten pages.
    paragraphs, pages = 20, 0
    while True:
        doc = render.document_blocks(req=req, content=request_content(paragraphs), measure="records", language="en",
                                     on=dt.date(2026, 1, 1))
        pdf = render.render_pdf(doc)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        if pages >= 10:
            break
        paragraphs = int(paragraphs * 10 / max(pages, 1)) + 2
    print(f"request: {pages} pages, {len(doc['blocks'])} sections, {paragraphs} fact paragraphs, 30 persons "
          f"(Arabic, Chinese, Latin names)")
    for label, fn, target in (("PDF (WeasyPrint)", render.render_pdf, 2.0), ("DOCX (python-docx)", render.render_docx, 0.5)):
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            data = fn(doc)
            times.append(time.perf_counter() - t)
        print(f"{label:20} median {statistics.median(times):.3f} s  worst {max(times):.3f} s  "
              f"size {len(data) / 1024:.0f} KiB  target < {target} s  {'OK' if statistics.median(times) < target else 'SLOW'}")
    text = render.pdf_text(pdf)
    print(f"PDF text carries the Arabic and Chinese names: {ARABIC_NAME in text and CHINESE_NAME in text}")


if __name__ == "__main__":
    main()
