"""Pages whose periods now come from the law (issue 12, item 4), seen in a real browser by the roles that use
them: the redress form refusing a day received before the regime applied (an oversight user and a
caseworker), the matter with its clock and citation, the retention page of a closed case and the deadlines
of an extradition request (a supervisor). Screenshots go to test-screenshots/ (or COMITY_SCREENSHOTS)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("COMITY_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "test-screenshots")


def _file_redress(page, base, received):
    page.goto(f"{base}/oversight/redress/new/")
    page.fill("[name=requester_name]", "Me Dupont")
    page.select_option("[name=requester_capacity]", "counsel")
    page.fill("[name=person_described]", "Ivan Petrov, born 1970-02-03")
    page.select_option("[name=kind]", "access")
    page.select_option("[name=regime]", "EU-LED")
    page.fill("[name=received]", received)
    page.locator("form button[type=submit]").last.click()


def test_periods_from_the_law_on_the_pages_that_show_them(live_server, page_for, sign_in, make_user, settings,
                                                          tmp_path):
    from comity.cases import actions as case_actions
    from comity.oversight.models import RedressMatter

    settings.MEDIA_ROOT = tmp_path / "media"
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    dpo, sup, cw = make_user("oversight", "dpo"), make_user("supervisor", "sup"), make_user("caseworker", "cw")

    page = page_for()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, dpo)
    _file_redress(page, base, "2017-06-01")
    error = page.inner_text("body")
    page.screenshot(path=str(SHOTS / "redress-new-received-before-led-oversight.png"), full_page=True)
    assert "it applies to requests received from 2018-05-06" in error
    assert page.input_value("[name=received]") == "2017-06-01" and not RedressMatter.objects.exists()
    page.fill("[name=received]", "2026-01-31")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/oversight/redress/*/")
    body = page.inner_text("body")
    page.screenshot(path=str(SHOTS / "redress-detail-led-oversight.png"), full_page=True)
    assert "2026-02-28" in body and "Directive (EU) 2016/680 Art 12(3)" in body

    page = page_for()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, cw)
    _file_redress(page, base, "2018-05-05")
    page.screenshot(path=str(SHOTS / "redress-new-received-before-led-caseworker.png"), full_page=True)
    assert "it applies to requests received from 2018-05-06" in page.inner_text("body")

    case = case_actions.do_create_case(title="Fraud ring", acting_user=sup)
    req = case_actions.do_create_request(case, kind="extradition", direction="incoming", subject="Surrender of X",
                                         requesting_state="IT", requested_state="CH",
                                         legal_basis_instrument="CETS-024", acting_user=sup)
    for step in ("record_provisional_arrest", "receive_formal_request", "grant"):
        case_actions.do_transition_request(req, step, acting_user=sup, effective_date="2026-01-31")
    page = page_for()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, sup)
    page.goto(f"{base}/requests/{req.pk}/")
    body = page.inner_text("body")
    page.screenshot(path=str(SHOTS / "request-deadlines-cets024-supervisor.png"), full_page=True)
    assert "2026-03-02" in body and "Art 18(4)" in body  # surrender_release: 30 days

    case_actions.do_transition_request(req, "record_surrender", acting_user=sup, effective_date="2026-02-10",
                                       comment="Handed over at Chiasso")
    case_actions.do_close_case(case, reason="Proceedings ended with surrender", acting_user=sup)
    page.goto(f"{base}/oversight/retention/cases/{case.pk}/")
    body = page.inner_text("body")
    page.screenshot(path=str(SHOTS / "retention-case-supervisor.png"), full_page=True)
    assert "10 years after the end of the proceedings for extradition (policy; " in body
