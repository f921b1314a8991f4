"""Generated request documents (the golden texts, extracted from real PDFs and Word files) never show a raw
vocabulary code; the golden test pins that those texts are what the builder generates today."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.txt")), ids=lambda p: p.name)
def test_generated_documents_show_no_raw_code(path):
    from comity.vocabulary import codes_shown_raw_are_errors

    words = set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", path.read_text(encoding="utf-8")))
    assert not words & codes_shown_raw_are_errors(), sorted(words & codes_shown_raw_are_errors())
