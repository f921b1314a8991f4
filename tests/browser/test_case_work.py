"""Case work that flows, at a browser: a caseworker opens a case, adds an extradition request to Germany by
typing "Germ" and choosing Germany, and asks for approval. The supervisor of the unit sees it in their queue
as not ready (no draft) and returns it; the caseworker sees it returned, the draft is written, and asks again;
the supervisor approves it from the queue. Then the supervisor closes the case, confirming with a reason."""

import os

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("COMITY_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_ask_for_approval_and_approve_from_the_queue(live_server, page_for, make_user, sign_in):
    from comity.accounts.actions import do_create_unit, do_set_unit
    from comity.builder import actions as builder
    from comity.builder import checks
    from comity.cases.models import CooperationRequest
    from tests.builder.conftest import GOOD

    unit = do_create_unit(name="Central Authority, International Cooperation Unit")
    caseworker = do_set_unit(make_user("caseworker", "c.diallo"), unit=unit)
    supervisor = do_set_unit(make_user("supervisor", "s.martin"), unit=unit)
    base = live_server.url

    cw = page_for()
    sign_in(cw, base, caseworker)
    cw.click("text=Cases")
    cw.click("text=New case")
    cw.fill("input[name=title]", "Operation Nightjar: ivory trafficking")
    cw.click("button:has-text('Open case')")
    assert "Operation Nightjar" in cw.text_content("h1")
    assert "Unit: Central Authority" in cw.text_content("main")

    cw.click("text=New request")
    cw.select_option("select[name=kind]", "extradition")
    cw.select_option("select[name=direction]", "outgoing")
    cw.fill("input[name=subject]", "Surrender of the suspect for ivory trafficking")
    cw.fill("input[name=requesting_state]", "France (FR)")
    cw.fill("input[name=requested_state]", "Germ")
    options = cw.eval_on_selector(
        "input[name=requested_state]",
        "el => [...el.list.options].map(o => o.value).filter(v => v.toLowerCase().startsWith('germ'))")
    assert "Germany (DE)" in options
    cw.fill("input[name=requested_state]", "Germany (DE)")  # what choosing "Germany (DE)" from the list does
    cw.click("button:has-text('Create request')")
    assert cw.text_content("#status").strip() == "Draft"
    req = CooperationRequest.objects.get()
    assert (req.requesting_state, req.requested_state) == ("FR", "DE")
    # The caseworker may not approve: the step says who may, and why not.
    approve = cw.text_content("#next-steps [data-step='approve']")
    assert "only a prosecutor or a supervisor may take this step; you are a caseworker: ask for approval" in approve
    cw.fill("#ask-approval textarea[name=message]", "The suspect is due to travel to Hamburg next week.")
    cw.click("#ask-approval button:has-text('Ask for approval')")
    assert "awaiting a decision" in cw.text_content("#approval")
    _shot(cw, "request-caseworker")

    sup = page_for()
    sign_in(sup, base, supervisor)
    item = sup.locator(f"#awaiting [data-approval]:has-text('{req.reference}')")
    assert "Not ready: there is no draft" in item.text_content()
    assert "join it to read the request" in item.text_content()
    _shot(sup, "dashboard-supervisor-not-ready")
    item.locator("textarea[name=comment]").fill("Write the request in the builder first, then ask again.")
    item.locator("button:has-text('Return for changes')").click()
    assert "returned to c.diallo" in sup.text_content(".messages")

    cw.goto(f"{base}/")
    returned = cw.text_content("#returned")
    assert req.reference in returned and "Write the request in the builder first" in returned
    _shot(cw, "dashboard-caseworker-returned")

    # The caseworker writes the draft (the builder's own browser test drives its pages) and asks again.
    draft = builder.do_start_draft(req, measure="extradition", acting_user=caseworker)
    draft = builder.do_save_draft(draft, changes={f: GOOD[f] for f in checks.fields_for("extradition") if f in GOOD},
                                  acting_user=caseworker)
    builder.do_set_required_languages(draft, languages=[], acting_user=caseworker)
    cw.goto(f"{base}/requests/{req.pk}/")
    cw.click("#ask-approval button:has-text('Ask for approval')")
    assert "awaiting a decision" in cw.text_content("#approval")

    sup.goto(f"{base}/")
    item = sup.locator(f"#awaiting [data-approval]:has-text('{req.reference}')")
    assert "ready" in item.text_content() and "Not ready" not in item.text_content()
    _shot(sup, "dashboard-supervisor-ready")
    item.locator("textarea[name=comment]").fill("Warrant and penalty checked.")
    item.locator("button:has-text('Approve for sending')").click()
    assert f"{req.reference} is approved for sending" in sup.text_content(".messages")
    assert req.reference not in sup.text_content("#awaiting")
    req.refresh_from_db()
    assert req.status == "approved"

    cw.goto(f"{base}/requests/{req.pk}/")
    assert cw.text_content("#status").strip() == "Approved for sending"
    assert "Warrant and penalty checked." in cw.text_content("#history")

    # The supervisor (a member now: deciding joined them, as the members list says) closes the case.
    sup.goto(f"{base}/cases/{req.case_id}/")
    assert "joined to decide on an approval" in sup.text_content("#members")
    _shot(sup, "case-supervisor")
    sup.click("text=Close the case…")
    assert req.reference in sup.text_content("#close-warning")
    _shot(sup, "close-case")
    sup.fill("textarea[name=reason]", "The suspect was arrested in France; the request is moot.")
    sup.check("input[name=confirm]")
    sup.click("button:has-text('Close the case')")
    assert sup.text_content("#case-state").strip() == "Closed"
    assert "The suspect was arrested in France" in sup.text_content("#closed-note")
