"""Pages changed by the one read layer and by "no write on GET", seen in a real browser: an oversight
body reads a case's evidence under its stated purpose (no forms to write), and a case member saves an
assessment memo with a button (a POST), then downloads it. Screenshots go to test-screenshots/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("COMITY_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "test-screenshots")


def test_oversight_reads_evidence_and_a_member_saves_a_memo(live_server, page_for, sign_in, settings, tmp_path):
    from comity.accounts.actions import do_enrol_totp
    from comity.accounts.models import User
    from comity.assessments.models import AssessmentSnapshot
    from comity.audit.models import AuditEvent
    from comity.demo import DEMO_PASSWORD, load_demo
    from comity.evidence.models import EvidenceItem

    settings.DATA_DIR, settings.COMITY_EVIDENCE_DIR = tmp_path, tmp_path / "evidence"
    settings.MEDIA_ROOT = tmp_path / "media"
    load_demo()
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    item = EvidenceItem.objects.select_related("case").order_by("pk").first()

    dpo = User.objects.get(username="o.lindqvist")
    dpo.totp_secret, _ = do_enrol_totp(dpo)
    page = page_for()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, dpo, password=DEMO_PASSWORD)
    page.goto(f"{base}/evidence/items/{item.pk}/")
    assert page.url.endswith(f"/cases/{item.case_id}/purpose/")  # asked why first
    purpose = "Complaint DPA-2026-31: handling of the seized phone"
    page.fill("textarea[name=purpose], input[name=purpose]", purpose)
    page.locator("form:has([name=purpose]) button[type=submit]").click()
    page.goto(f"{base}/evidence/items/{item.pk}/")
    body = page.inner_text("body")
    page.screenshot(path=str(SHOTS / "oversight-evidence-item.png"), full_page=True)
    assert item.exhibit_number in body and "Chain of custody" in body
    assert "Record a custody event" not in body and "only members of the case record custody events" in body
    assert AuditEvent.objects.filter(event_type="access.evidence_view", actor=dpo).latest("seq").purpose_text == purpose

    snap = AssessmentSnapshot.objects.select_related("case").order_by("pk").first()
    member = snap.created_by
    member.totp_secret, _ = do_enrol_totp(member)
    page = page_for()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, member, password=DEMO_PASSWORD)
    page.goto(f"{base}/assessments/{snap.pk}/")
    page.screenshot(path=str(SHOTS / "assessment-memo-buttons.png"), full_page=False)
    with page.expect_download() as download:
        page.get_by_role("button", name="Save memo (PDF) to the case").click()
    assert download.value.suggested_filename.endswith(".pdf")
    snap.refresh_from_db()
    assert snap.memo_pdf is not None
    page.goto(f"{base}/assessments/{snap.pk}/")
    assert page.get_by_role("link", name="PDF").count() == 1
    page.screenshot(path=str(SHOTS / "assessment-memo-stored.png"), full_page=False)
