"""One form per question (extradition, mutual legal assistance, Red Notice, transfer): each shows only the facts its
rules read, sends the engine the facts vocabulary, is filled in from the request only where that is right, shows the
answer before the facts, and names a bad field by its label while keeping what was typed."""

import re

import pytest

from comity.assessments.models import AssessmentSnapshot
from comity.audit.models import AuditEvent
from comity.cases import actions

pytestmark = pytest.mark.django_db

ALL_FACT_FIELDS = {"requesting_state", "requested_state", "sentencing_state", "administering_state", "purpose",
                   "nationalities", "naturalised_in", "consent", "refugee_status_granted_by", "measures",
                   "characteristics", "assurances", "risks", "pending_proceedings_in_requested", "remaining_months"}


def _facts_form(html: str) -> str:
    """The facts form of a page (not the sign-out form in the header)."""
    return html.split('id="facts"')[1]


def _fields(html: str) -> set[str]:
    return set(re.findall(r'name="([a-z_]+)"', _facts_form(html))) - {"csrfmiddlewaretoken", "preview", "save"}


def _value(html: str, name: str) -> str:
    m = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert m, name
    v = re.search(r'value="([^"]*)"', m.group(0))
    return v.group(1) if v else ""


def _request(case, user, kind, requesting, requested, **kw):
    return actions.do_create_request(case, kind=kind, direction="outgoing", subject=f"{kind} of A. Person (fictional)",
                                     requesting_state=requesting, requested_state=requested, acting_user=user, **kw)


def _person(case, user, nationality, role="suspect"):
    return actions.do_add_entity(case, schema="Person", properties={"name": f"P-{nationality} (fictional)",
                                                                    "nationality": nationality},
                                 role=role, acting_user=user)


@pytest.mark.parametrize("kind, present, absent", [
    ("extradition", {"requesting_state", "requested_state", "purpose", "nationalities", "naturalised_in", "consent",
                     "pending_proceedings_in_requested", "assurances", "risks"},
     {"sentencing_state", "administering_state", "measures", "characteristics", "remaining_months"}),
    ("mla", {"requesting_state", "requested_state", "measures", "assurances", "risks"},
     {"purpose", "nationalities", "consent", "sentencing_state", "characteristics", "pending_proceedings_in_requested"}),
    ("red_notice", {"requesting_state", "purpose", "refugee_status_granted_by", "characteristics", "remaining_months",
                    "risks"},
     {"requested_state", "sentencing_state", "administering_state", "nationalities", "measures", "assurances",
      "consent", "pending_proceedings_in_requested"}),
    ("transfer", {"sentencing_state", "administering_state", "purpose", "nationalities", "consent",
                  "remaining_months", "assurances", "risks"},
     {"requesting_state", "requested_state", "measures", "characteristics", "naturalised_in",
      "pending_proceedings_in_requested"}),
])
def test_each_question_on_the_panel_shows_only_its_own_facts(login, case, supervisor, kind, present, absent):
    req = _request(case, supervisor, "extradition", "IT", "CH")
    html = login(supervisor).get(f"/requests/{req.pk}/assessment/?kind={kind}").content.decode()
    fields = _fields(html)
    assert present <= fields, present - fields
    assert not fields & absent, fields & absent


def test_the_public_red_notice_and_exposure_pages_show_only_their_facts(client):
    red = _fields(client.get("/law/red-notice/").content.decode())
    assert {"requesting_state", "characteristics"} <= red
    assert not red & {"requested_state", "sentencing_state", "administering_state", "measures", "nationalities"}
    exposure = _fields(client.get("/law/exposure/").content.decode())
    assert {"requesting_state", "nationalities", "assurances"} <= exposure
    assert not exposure & {"requested_state", "sentencing_state", "measures", "characteristics"}


def test_a_transfer_consent_refused_reaches_the_engine_as_false(login, case, supervisor):
    """A tick box cannot say "no": the transfer form asks yes / no / not known, and "no" is a refusal."""
    req = _request(case, supervisor, "transfer", "GB", "US")
    c = login(supervisor)
    form = {"kind": "transfer", "sentencing_state": "United States (US)", "administering_state": "United Kingdom",
            "purpose": "enforcement", "date": "2024-01-01", "nationalities": "United Kingdom",
            "description": "burglary", "sentence_months": "60", "remaining_months": "40", "consent": "no",
            "save": "1"}
    assert c.post(f"/requests/{req.pk}/assessment/", form).status_code == 302
    snap = AssessmentSnapshot.objects.get(request=req)
    assert snap.facts == {"kind": "transfer", "date": "2024-01-01", "purpose": "enforcement",
                          "sentencing_state": "US", "administering_state": "GB",
                          "person": {"nationalities": ["GB"], "consent": False},
                          "offences": [{"description": "burglary", "sentence_months": 60, "remaining_months": 40}]}
    assert snap.outcome == "mandatory_bar" and [g["code"] for g in snap.result["grounds"]] == ["no_consent"]
    unknown = c.post(f"/requests/{req.pk}/assessment/", {**form, "consent": "", "save": "", "preview": "1"})
    assert 'data-code="no_consent"' not in unknown.content.decode()  # not known is not a refusal


def test_the_mla_form_gives_the_same_answer_as_the_api_on_the_same_facts(login, case, supervisor, client):
    req = _request(case, supervisor, "mla", "DE", "PL")
    c = login(supervisor)
    resp = c.post(f"/requests/{req.pk}/assessment/", {
        "kind": "mla", "requesting_state": "Germany", "requested_state": "Poland (PL)", "date": "2024-01-01",
        "measures": ["bank_records", "search_and_seizure"], "description": "fraud", "criminal_in_requested": "no",
        "save": "1"})
    assert resp.status_code == 302
    snap = AssessmentSnapshot.objects.get(request=req)
    assert snap.facts == {"kind": "mla", "date": "2024-01-01", "requesting_state": "DE", "requested_state": "PL",
                          "offences": [{"description": "fraud", "criminal_in_requested": False}],
                          "measures": ["bank_records", "search_and_seizure"]}
    api = client.post("/api/assess", snap.facts, content_type="application/json").json()
    assert api["outcome"] == snap.outcome
    assert [g["code"] for g in api["grounds"]] == [g["code"] for g in snap.result["grounds"]]
    assert "coercive_measure_dual_criminality" in [g["code"] for g in api["grounds"]]


def test_prefilled_from_the_request_and_the_person_concerned_not_the_subject_or_a_witness(login, case, supervisor):
    _person(case, supervisor, "fr")
    _person(case, supervisor, "de", role="witness")
    req = _request(case, supervisor, "extradition", "IT", "CH")
    c = login(supervisor)
    html = c.get(f"/requests/{req.pk}/assessment/").content.decode()
    assert _value(html, "requesting_state") == "Italy (IT)"
    assert _value(html, "requested_state") == "Switzerland (CH)"
    assert _value(html, "nationalities") == "France"
    assert _value(html, "description") == ""  # the request's subject is not an offence
    assert "Filled in from request" in html.split('id="prefill"')[1]
    # Another question on the same request: an extradition's States are not a transfer's.
    transfer = c.get(f"/requests/{req.pk}/assessment/?kind=transfer").content.decode()
    assert _value(transfer, "sentencing_state") == "" and _value(transfer, "administering_state") == ""
    assert _value(transfer, "nationalities") == "France"
    # A Red Notice is asked for by the State that wants the person.
    red = c.get(f"/requests/{req.pk}/assessment/?kind=red_notice").content.decode()
    assert _value(red, "requesting_state") == "Italy (IT)"


@pytest.mark.parametrize("requesting, requested, nationality, sentencing, administering", [
    ("NL", "TH", "nl", "Thailand (TH)", "Netherlands (NL)"),  # the home State asks for its national
    ("BE", "RO", "ro", "Belgium (BE)", "Romania (RO)"),  # the sentencing State forwards the judgment
    ("BE", "RO", "it", "", ""),  # a national of neither: we cannot tell which State sentenced
])
def test_a_transfer_is_filled_in_only_when_the_administering_state_is_clear(login, case, supervisor, requesting,
                                                                            requested, nationality, sentencing,
                                                                            administering):
    _person(case, supervisor, nationality, role="sentenced person")
    req = _request(case, supervisor, "transfer", requesting, requested)
    html = login(supervisor).get(f"/requests/{req.pk}/assessment/").content.decode()
    assert _value(html, "sentencing_state") == sentencing
    assert _value(html, "administering_state") == administering
    if not sentencing:
        assert "say which sentenced the person" in html


def test_several_persons_with_different_nationalities_are_not_guessed(login, case, supervisor):
    _person(case, supervisor, "fr")
    _person(case, supervisor, "es")
    req = _request(case, supervisor, "extradition", "IT", "CH")
    html = login(supervisor).get(f"/requests/{req.pk}/assessment/").content.decode()
    assert _value(html, "nationalities") == ""
    assert "several persons" in html


def test_a_red_notice_challenge_does_not_guess_which_state_asked_for_the_notice(login, case, supervisor):
    challenge = _request(case, supervisor, "notice", "DE", "TR", notice_action="ccf_challenge")
    publication = _request(case, supervisor, "notice", "IT", "FR", notice_action="publication")
    c = login(supervisor)
    html = c.get(f"/requests/{challenge.pk}/assessment/").content.decode()
    assert _value(html, "requesting_state") == "" and "National Central Bureau asked for the notice" in html
    assert _value(c.get(f"/requests/{publication.pk}/assessment/").content.decode(), "requesting_state") == "Italy (IT)"


def test_the_answer_comes_before_the_facts(login, case, supervisor, client):
    req = _request(case, supervisor, "extradition", "US", "GB")
    html = login(supervisor).post(f"/requests/{req.pk}/assessment/", {
        "requesting_state": "US", "requested_state": "GB", "purpose": "prosecution", "description": "murder",
        "death_penalty_possible": "on", "preview": "1"}).content.decode()
    assert html.index('id="assessment-result"') < html.index('id="facts"')
    exposure = client.get("/law/exposure/", {"requesting_state": "United States (US)", "purpose": "prosecution",
                                             "description": "fraud", "max_penalty_months": "240"}).content.decode()
    assert exposure.index('id="exposure-result"') < exposure.index("<svg") < exposure.index('id="facts"')
    red = client.get("/law/red-notice/", {"requesting_state": "TR", "purpose": "prosecution",
                                          "description": "fraud"}).content.decode()
    assert red.index('id="assessment-result"') < red.index('id="facts"')


def _summary(html: str) -> str:
    return html.split('id="form-errors"')[1].split("</div>")[0]


def test_an_engine_error_is_shown_on_the_field_by_its_label_and_nothing_is_saved(login, case, supervisor):
    req = _request(case, supervisor, "extradition", "US", "GB")
    resp = login(supervisor).post(f"/requests/{req.pk}/assessment/", {
        "requesting_state": "United States (US)", "requested_state": "GB", "purpose": "enforcement",
        "description": "armed robbery", "nationalities": "Brazil", "naturalised_in": "Portugal", "save": "1"})
    html = resp.content.decode()
    assert resp.status_code == 400
    summary = _summary(html)
    assert "Sentence imposed (months)" in summary  # enforcement needs a sentence
    assert "Nationality acquired by naturalisation" in summary and "“Nationalities”" in summary
    assert "offences[0]" not in summary and "person." not in summary  # the user never typed the engine's keys
    assert _value(html, "description") == "armed robbery" and _value(html, "naturalised_in") == "Portugal"
    assert not AssessmentSnapshot.objects.exists()
    assert not AuditEvent.objects.filter(event_type="assessment.saved").exists()


def test_a_public_page_error_names_the_field_and_keeps_the_input(client):
    resp = client.get("/law/exposure/", {"requesting_state": "Narnia", "purpose": "prosecution",
                                         "description": "fraud", "max_penalty_months": "240"})
    html = resp.content.decode()
    assert resp.status_code == 400
    assert "Wanted by" in _summary(html) and "Narnia" in _summary(html)
    assert _value(html, "requesting_state") == "Narnia" and _value(html, "max_penalty_months") == "240"
    assert 'id="exposure-result"' not in html


def test_facts_typed_as_json_replace_the_fields_and_their_errors_name_the_json(client):
    ok = client.get("/law/red-notice/", {"facts_json": '{"kind": "red_notice", "requesting_state": "TR", '
                                                       '"offences": [{"description": "debt", "max_penalty_months": 6}]}'})
    assert ok.status_code == 200 and 'data-code="rpd_penalty_threshold"' in ok.content.decode()
    bad = client.get("/law/red-notice/", {"facts_json": '{"kind": "red_notice", "requesting_state": "QQ"}'})
    assert bad.status_code == 400 and "Facts as JSON" in _summary(bad.content.decode())


def test_both_maps_speak_one_colour_language_with_a_legend_in_words(client):
    basis = client.get("/law/map/?state=US&role=requesting&kind=extradition").content.decode()
    exposure = client.get("/law/exposure/", {"requesting_state": "US", "purpose": "prosecution",
                                             "nationalities": "France", "description": "fraud",
                                             "max_penalty_months": "240", "criminal_in_requested": "yes"}).content.decode()
    for html in (basis, exposure):
        legend = html.split('id="map-legend"')[1].split("</ul>")[0]
        assert "Cooperation possible" in legend and "No legal basis" in legend
    assert "Limited" in basis.split('id="map-legend"')[1] and "Must be refused" in exposure.split('id="map-legend"')[1]
    # No legal basis is the same class (hence colour) on both maps; China has no extradition basis with the US.
    cn = 'class="none" d="'
    assert cn in basis.split("<svg")[1] and cn in exposure.split("<svg")[1]
    assert 'data-state="CN" data-outcome="no_legal_basis"' in exposure

    from pathlib import Path

    import comity

    css = (Path(comity.__file__).parent / "web" / "static" / "comity" / "comity.css").read_text()

    def fill(cls):
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
            if f".map .{cls}" in [s.strip() for s in selectors.split(",")] and "fill:" in body:
                return body.split("fill:")[1].split(";")[0].strip()
        raise AssertionError(cls)

    assert fill("treaty") == fill("likely")  # green: cooperation possible / surrender likely
    assert fill("un") == fill("maybe")  # amber: limited
    assert len({fill("likely"), fill("maybe"), fill("barred"), fill("none")}) == 4


def test_outsiders_get_404_whatever_the_question_and_oversight_gets_no_form(login, case, supervisor, outsider,
                                                                          oversight, client):
    req = _request(case, supervisor, "extradition", "IT", "CH")
    assert login(outsider).get(f"/requests/{req.pk}/assessment/?kind=red_notice").status_code == 404
    client.logout()
    c = login(oversight)
    c.post(f"/cases/{case.pk}/purpose/", {"purpose": "Annual audit of assessments"})
    html = c.get(f"/requests/{req.pk}/assessment/?kind=transfer").content.decode()
    assert 'id="snapshots"' in html and 'id="facts"' not in html and 'name="requesting_state"' not in html


def test_results_and_forms_speak_in_words_not_codes(login, case, supervisor, client):
    """Outcome, grounds, effects, explanations, tick boxes and the snapshot's facts: no stored code on screen."""
    from comity.assessments.actions import do_save_assessment
    from comity.vocabulary import codes_shown_raw_are_errors

    tags = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.DOTALL | re.IGNORECASE)

    def raw(html):
        return set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", tags.sub(" ", html))) & codes_shown_raw_are_errors()

    req = _request(case, supervisor, "extradition", "US", "GB")
    snap = do_save_assessment(req, acting_user=supervisor, facts={
        "kind": "extradition", "requesting_state": "US", "requested_state": "GB", "date": "2024-01-01",
        "purpose": "prosecution", "assurances": ["no_death_penalty"], "risks": {"detention_conditions": True},
        "offences": [{"description": "murder", "max_penalty_months": 1200, "death_penalty_possible": True}]})
    c = login(supervisor)
    pages = {kind: c.get(f"/requests/{req.pk}/assessment/?kind={kind}") for kind in
             ("extradition", "mla", "red_notice", "transfer")}
    pages["snapshot"] = c.get(f"/assessments/{snap.pk}/")
    pages["red notice"] = client.get("/law/red-notice/", {"requesting_state": "TR", "purpose": "prosecution",
                                                          "description": "debt", "max_penalty_months": "6",
                                                          "characteristics": ["private_dispute"]})
    from comity.vocabulary import label

    assert f'data-outcome="{snap.outcome}">{label("outcome", snap.outcome)}<' in pages["extradition"].content.decode()
    found = {name: raw(resp.content.decode()) for name, resp in pages.items()}
    assert not any(found.values()), found
