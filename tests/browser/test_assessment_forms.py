"""A person at a browser asks each question on its own form: only that question's fields, the answer above the
facts, errors on the field by its label with what was typed kept, and the two maps in one colour language."""

import os

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("COMITY_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def _labels(page) -> set[str]:
    return {t.replace("(required)", "").strip() for t in page.locator("form label").all_inner_texts()}


def _top(page, selector) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def test_red_notice_check_shows_only_its_fields_answers_first_and_keeps_input_on_error(live_server, page_for):
    page = page_for()
    page.goto(f"{live_server.url}/law/red-notice/")
    labels = _labels(page)
    assert {"Requesting State", "Offence", "Refugee status granted by"} <= labels
    assert not labels & {"Requested State", "Sentencing State", "Administering State", "Nationalities",
                         "Maximum penalty in the requested State (months)"}
    assert page.locator("text=Assistance sought").count() == 0

    page.fill("input[name=requesting_state]", "Türkiye (TR)")
    page.fill("input[name=description]", "unpaid debt")
    page.fill("input[name=max_penalty_months]", "36")
    page.check("label:has-text('The matter is a private dispute') input")
    page.click("button:has-text('Check')")
    assert "Not compliant" in page.text_content("#outcome") or "non_compliant" in page.text_content("#outcome")
    assert page.locator("#grounds tr[data-code=rpd_excluded_offence]").count() == 1
    assert _top(page, "#assessment-result") < _top(page, "form.card")  # the answer first, the facts below
    assert page.input_value("input[name=description]") == "unpaid debt"  # the facts assessed stay in the form
    _shot(page, "red_notice_result.png")

    page.fill("input[name=requesting_state]", "Narnia")
    page.fill("input[name=description]", "")
    page.click("button:has-text('Check')")
    summary = page.text_content("#form-errors")
    assert "Requesting State" in summary and "Narnia" in summary and "Offence" in summary
    assert page.input_value("input[name=requesting_state]") == "Narnia"
    assert page.input_value("input[name=max_penalty_months]") == "36"
    assert page.is_checked("label:has-text('The matter is a private dispute') input")
    assert page.locator("#assessment-result").count() == 0
    _shot(page, "red_notice_errors.png")


def _fill(page, selector):
    return page.eval_on_selector(selector, "e => getComputedStyle(e).fill")


def _background(page, selector):
    return page.eval_on_selector(selector, "e => getComputedStyle(e).backgroundColor")


def test_exposure_map_comes_first_and_speaks_the_same_colours_as_the_legal_basis_map(live_server, page_for):
    page = page_for()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/law/map/?state=US&role=requesting&kind=extradition")
    basis_green, basis_grey = _fill(page, "svg.map path.treaty"), _fill(page, "svg.map path.none")
    assert _background(page, ".legend .swatch.treaty") == basis_green
    legend = page.text_content("#map-legend")
    assert "Cooperation possible" in legend and "No legal basis" in legend and "Limited" in legend
    _shot(page, "map_basis.png")

    page.goto(f"{live_server.url}/law/exposure/")
    assert "Requested State" not in _labels(page) and "Wanted by" in _labels(page)  # every State is asked
    page.fill("input[name=requesting_state]", "United States (US)")
    page.fill("input[name=nationalities]", "France")
    page.fill("input[name=description]", "wire fraud")
    page.fill("input[name=max_penalty_months]", "240")
    page.select_option("select[name=criminal_in_requested]", "yes")
    page.click("button:has-text('Show exposure')")
    assert page.locator("svg.map path.likely").count() > 10
    assert _top(page, "svg.map") < 900  # the map is on the first screen, the facts below it
    assert _top(page, "svg.map") < _top(page, "form.card")
    # One colour language: green means cooperation possible, grey no legal basis, on both maps.
    assert _fill(page, "svg.map path.likely") == basis_green
    assert _fill(page, "svg.map path.none") == basis_grey
    assert _background(page, ".legend .swatch.likely") == basis_green
    legend = page.text_content("#map-legend")
    assert "Cooperation possible" in legend and "surrender likely" in legend and "Must be refused" in legend
    assert _fill(page, "svg.map path.barred") != basis_green  # France does not surrender its nationals
    _shot(page, "exposure_result.png")


@pytest.fixture
def transfer_case(make_user):
    from comity.cases import actions

    owner = make_user("supervisor", "t.owner")
    case = actions.do_create_case(title="Transfer within the EU", acting_user=owner)
    actions.do_add_entity(case, schema="Person", properties={"name": "I. Dragomir (fictional)", "nationality": "ro"},
                          role="sentenced person", acting_user=owner)
    actions.do_add_entity(case, schema="Person", properties={"name": "W. Witness (fictional)", "nationality": "de"},
                          role="witness", acting_user=owner)
    req = actions.do_create_request(case, kind="transfer", direction="outgoing", subject="Forwarding of the judgment",
                                    requesting_state="BE", requested_state="RO", acting_user=owner)
    return case, req


def test_member_assesses_a_transfer_on_its_own_form_and_oversight_sees_no_form(live_server, page_for, make_user,
                                                                                sign_in, transfer_case):
    from comity.cases import actions

    case, req = transfer_case
    worker = make_user("caseworker", "t.worker")
    actions.do_grant_membership(case, worker, acting_user=case.created_by)
    page = page_for()
    sign_in(page, live_server.url, worker)
    page.goto(f"{live_server.url}/requests/{req.pk}/assessment/")
    labels = _labels(page)
    assert {"Sentencing State", "Administering State", "Does the sentenced person consent?"} <= labels
    assert not labels & {"Requesting State", "Requested State", "Wanted for"}
    # Filled in from the request and the case's sentenced person (not the witness): Romania administers.
    assert page.input_value("input[name=sentencing_state]") == "Belgium (BE)"
    assert page.input_value("input[name=administering_state]") == "Romania (RO)"
    assert page.input_value("input[name=nationalities]") == "Romania"
    assert "Filled in from request" in page.text_content("#prefill")
    _shot(page, "panel_transfer_form.png")

    page.fill("input[name=description]", "burglary")
    page.fill("input[name=sentence_months]", "36")
    page.fill("input[name=remaining_months]", "3")
    page.select_option("select[name=consent]", "no")
    page.click("button:has-text('Assess')")
    assert page.locator("#grounds tr[data-code=remaining_sentence_too_short]").count() == 1
    assert _top(page, "#assessment-result") < _top(page, "form.card")
    assert page.input_value("select[name=consent]") == "no"
    _shot(page, "panel_transfer_result.png")

    page.fill("input[name=remaining_months]", "40")  # more than the sentence: refused, by the field's label
    page.click("button:has-text('Assess and save')")
    assert "Still to serve (months)" in page.text_content("#form-errors")
    assert page.input_value("input[name=remaining_months]") == "40"
    assert page.locator("#snapshots td.muted").count() == 1  # nothing saved
    _shot(page, "panel_transfer_error.png")
    page.fill("input[name=remaining_months]", "20")
    page.click("button:has-text('Assess and save')")
    assert "Assessment saved" in page.text_content(".messages")
    page.click("#snapshots a >> nth=0")
    assert "Romania" in page.text_content("#facts-assessed") and "20 months" in page.text_content("#facts-assessed")
    _shot(page, "snapshot_member.png")
    page.go_back()

    page.click(".kind-tabs a:has-text('Extradition')")
    labels = _labels(page)
    assert "Requested State" in labels and "Sentencing State" not in labels
    assert page.input_value("input[name=requesting_state]") == ""  # a transfer's States are not an extradition's
    _shot(page, "panel_extradition_tab.png")
    page.click(".kind-tabs a:has-text('Mutual legal assistance')")
    assert page.locator("legend:has-text('Assistance sought')").count() == 1
    assert not _labels(page) & {"Wanted for", "Nationalities", "Sentencing State"}
    _shot(page, "panel_mla_tab.png")

    dpo = make_user("oversight", "t.dpo")
    other = page_for()
    sign_in(other, live_server.url, dpo)
    other.goto(f"{live_server.url}/cases/{case.pk}/purpose/")
    other.fill("textarea[name=purpose], input[name=purpose]", "Annual audit of transfer decisions")
    other.click("main button[type=submit]")
    other.goto(f"{live_server.url}/requests/{req.pk}/assessment/")
    assert other.locator("form.card").count() == 0 and other.locator(".kind-tabs").count() == 0
    assert other.locator("#snapshots tbody tr").count() == 1 and other.locator("#not-member").count() == 1
    _shot(other, "panel_oversight.png")
    other.click("#snapshots a >> nth=0")
    assert other.locator("#assessment-result").count() == 1
    assert other.locator("a:has-text('Memo (PDF)')").count() == 0  # members only
    _shot(other, "snapshot_oversight.png")
