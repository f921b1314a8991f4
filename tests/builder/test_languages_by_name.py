"""The languages a request must be sent in are chosen by name, not typed as codes."""

from __future__ import annotations


def test_languages_are_set_by_name_and_a_wrong_name_is_refused(login, make_request, complete_draft, supervisor):
    req = make_request()
    draft = complete_draft(req, "records")
    c = login(supervisor)
    resp = c.post(f"/builder/requests/{req.pk}/languages/", {"languages": "German, italien"})
    assert resp.status_code == 302
    draft.refresh_from_db()
    assert draft.required_languages == ["de", "it"]
    page = c.get(f"/builder/requests/{req.pk}/").content.decode()
    assert 'value="German, Italian"' in page
    resp = c.post(f"/builder/requests/{req.pk}/languages/", {"languages": "German, Klingonese"}, follow=True)
    assert "“Klingonese” is not a language" in resp.content.decode()
    draft.refresh_from_db()
    assert draft.required_languages == ["de", "it"]  # nothing stored half-way


def test_builder_errors_name_the_field_as_the_form_labels_it():
    from comity.builder import checks
    from comity.builder.views import _field_label

    for key, spec in checks.load("fields")["fields"].items():
        if spec.get("label"):
            assert _field_label(key) == spec["label"]
    assert _field_label("languages") == "Languages it must be sent in"
    assert "_" not in _field_label("some_new_field")
