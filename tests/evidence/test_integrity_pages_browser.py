"""The integrity status as a member and an oversight reader see it in Chromium: not checked yet, verified
after "Check integrity now", the 409 page of a damaged file's download, then the failure on the item
page and in the register. Screenshots go to $COMITY_SCREENSHOTS/evidence (default test-screenshots/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("COMITY_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "test-screenshots") / "evidence"


def test_integrity_status_pages(live_server, page_for, sign_in, register, caseworker, oversight, case,
                                evidence_env):
    SHOTS.mkdir(parents=True, exist_ok=True)
    item = register(content=os.urandom(3 * 1024 * 1024 + 100), name="laptop.img",
                    description="Image of the seized laptop", seal_numbers="S-114")
    base = live_server.url
    page = page_for()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, caseworker)

    page.goto(f"{base}/evidence/items/{item.pk}/")
    assert "Not checked yet" in page.locator("#integrity").inner_text()
    page.screenshot(path=str(SHOTS / "member_item_not_checked.png"), full_page=True)

    page.click("#check-form button")
    page.wait_for_url(f"{base}/evidence/items/{item.pk}/")
    status = page.locator("#integrity").inner_text()
    assert "Verified" in status and "full verification" in status and "UTC" in status
    page.screenshot(path=str(SHOTS / "member_item_verified.png"), full_page=True)

    stored = evidence_env / "evidence" / item.storage_name
    blob = bytearray(stored.read_bytes())
    blob[16 + 1024 * 1024 + 16 + 999] ^= 0x20  # inside the second chunk
    stored.write_bytes(bytes(blob))

    resp = page.goto(f"{base}/evidence/items/{item.pk}/download")
    assert resp.status == 409
    text = page.locator("#error").inner_text()
    assert item.exhibit_number in text and "failed authentication at chunk 1" in text and "Nothing of the file was sent" in text
    page.screenshot(path=str(SHOTS / "member_download_409.png"), full_page=True)

    page.goto(f"{base}/evidence/items/{item.pk}/")
    status = page.locator("#integrity").inner_text()
    assert "Integrity check failed" in status and "chunk 1" in status
    page.screenshot(path=str(SHOTS / "member_item_failed.png"), full_page=True)

    page.goto(f"{base}/evidence/cases/{case.pk}/")
    assert "Check failed" in page.locator("#evidence-items").inner_text()
    page.screenshot(path=str(SHOTS / "member_register.png"), full_page=True)

    # The oversight body, reading under a stated purpose: the status, no button.
    reader = page_for()
    reader.set_viewport_size({"width": 1280, "height": 900})
    sign_in(reader, base, oversight)
    reader.goto(f"{base}/evidence/items/{item.pk}/")
    reader.wait_for_url(f"{base}/cases/{case.pk}/purpose/")
    reader.fill("textarea[name=purpose], input[name=purpose]", "Complaint DPA-2026-7: integrity of the exhibits")
    reader.click("button:has-text('Open the case')")
    reader.goto(f"{base}/evidence/items/{item.pk}/")
    assert "Integrity check failed" in reader.locator("#integrity").inner_text()
    assert reader.locator("#check-form").count() == 0
    reader.screenshot(path=str(SHOTS / "oversight_item_failed.png"), full_page=True)

    from comity.evidence import report
    (SHOTS / "report_failed.pdf").write_bytes(report.report_pdf(report.verification_report(item)))
