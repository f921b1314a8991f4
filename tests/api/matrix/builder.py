"""Matrix examples of the request builder and the saved assessments (comity.api.builder_api,
comity.api.assessments_api; README.md).

The builder is for the members of a case only, as on the web: oversight users get 404 on its reads even with a
purpose (`reads_by_oversight=False`); its report `draft_check` follows the general read rule. Saved assessments
are read by members and by oversight users with a purpose. The exposure view and the Red Notice check are public.
"""

from __future__ import annotations

from tests.api.matrix import Call

FACTS = {"kind": "extradition", "requesting_state": "IT", "requested_state": "CH", "date": "2024-06-01",
         "purpose": "prosecution",
         "offences": [{"description": "fraud", "max_penalty_months": 120, "criminal_in_requested": True}]}
LAW_FACTS = {"requesting_state": "US", "purpose": "prosecution", "date": "2024-06-01",
             "offences": [{"description": "fraud", "max_penalty_months": 120}]}
MEMBERS_ONLY = {"reads_by_oversight": False}


def _draft(w, *, languages: list[str] | None = None, complete: bool = False):
    """A fresh case's request with a builder draft (its languages set when given, its content complete when
    asked), made through the actions."""
    from comity.builder import actions

    _, req = w.fresh_case()
    draft = actions.do_start_draft(req, measure="extradition", acting_user=w.member)
    if languages is not None:
        draft = actions.do_set_required_languages(draft, languages=languages, acting_user=w.member)
    if complete:
        from tests.builder.conftest import good_content

        content = good_content("extradition")
        content.pop("persons")
        draft = actions.do_save_draft(draft, changes=content, acting_user=w.member)
    return req, draft


def _draft_etag(draft) -> str:
    from comity.api.builder_api import _draft_etag_fields
    from comity.api.etag import etag

    return etag(_draft_etag_fields(draft))


def _tag(fields: dict) -> str:
    from comity.api.etag import etag

    return etag(fields)


def seed(w) -> None:
    from comity.assessments import actions as assessment_actions

    req, draft = _draft(w, languages=["de"])
    w.extra["builder_request"] = req
    snap = assessment_actions.do_save_assessment(w.request, facts=FACTS, acting_user=w.member)
    assessment_actions.do_export_memo(snap, fmt="docx", acting_user=w.member)
    w.extra["assessment"] = snap


def _start(w) -> Call:
    _, req = w.fresh_case()
    return Call("POST", f"/api/requests/{req.pk}/draft", json={"measure": "extradition", "language": "en"}, ok=201)


def _save(w) -> Call:
    req, draft = _draft(w)
    return Call("PATCH", f"/api/requests/{req.pk}/draft", json={"content": {"facts": "The facts, in full."}},
                headers={"If-Match": _draft_etag(draft)})


def _minimise(w) -> Call:
    req, draft = _draft(w)
    return Call("POST", f"/api/requests/{req.pk}/draft/minimise", headers={"If-Match": _draft_etag(draft)})


def _generate(w) -> Call:
    req, _ = _draft(w, complete=True)
    return Call("POST", f"/api/requests/{req.pk}/draft/documents", json={"format": "docx", "language": "fr"},
                ok=201)


def _set_languages(w) -> Call:
    req, draft = _draft(w, languages=["de"])
    return Call("PUT", f"/api/requests/{req.pk}/draft/languages", json={"languages": ["it", "German"]},
                headers={"If-Match": _tag({"required_languages": list(draft.required_languages)})})


def _update_translation(w) -> Call:
    req, draft = _draft(w, languages=["it"])
    t = draft.translations.get(language="it")
    return Call("PUT", f"/api/requests/{req.pk}/draft/translations/it", json={"status": "in_progress"},
                headers={"If-Match": _tag({"status": t.status, "translator": t.translator,
                                           "document_id": t.document_id})})


def _builder(w) -> int:
    return w.extra["builder_request"].pk


def _assessment(w) -> int:
    return w.extra["assessment"].pk


EXAMPLES = {
    # the request builder
    "get_draft": lambda w: Call("GET", f"/api/requests/{_builder(w)}/draft", **MEMBERS_ONLY),
    "draft_check": lambda w: Call("GET", f"/api/requests/{_builder(w)}/draft/check"),
    "start_draft": _start,
    "save_draft": _save,
    "minimise_draft": _minimise,
    "generate_document": _generate,
    "get_draft_languages": lambda w: Call("GET", f"/api/requests/{_builder(w)}/draft/languages", **MEMBERS_ONLY),
    "set_draft_languages": _set_languages,
    "list_translations": lambda w: Call("GET", f"/api/requests/{_builder(w)}/draft/translations",
                                        query={"sort": "-language"}, **MEMBERS_ONLY),
    "get_translation": lambda w: Call("GET", f"/api/requests/{_builder(w)}/draft/translations/de", **MEMBERS_ONLY),
    "update_translation": _update_translation,
    # saved assessments
    "create_assessment": lambda w: Call("POST", f"/api/requests/{w.request.pk}/assessments", json=FACTS, ok=201),
    "list_assessments": lambda w: Call("GET", f"/api/requests/{w.request.pk}/assessments",
                                       query={"kind": "extradition"}),
    "get_assessment": lambda w: Call("GET", f"/api/assessments/{_assessment(w)}"),
    "export_memo": lambda w: Call("POST", f"/api/assessments/{_assessment(w)}/memos", json={"format": "docx"},
                                  ok=201),
    "download_memo": lambda w: Call("GET", f"/api/assessments/{_assessment(w)}/memos/docx"),
    # the public law tools of the assessment pages (nothing stored, nothing logged)
    "assess_exposure": lambda w: Call("POST", "/api/law/exposure", json=LAW_FACTS, scope="public"),
    "check_red_notice": lambda w: Call("POST", "/api/law/red-notice", json={**LAW_FACTS, "requesting_state": "TR"},
                                       scope="public"),
}

WEB = {
    "builder:draft": ["get_draft", "draft_check"],
    "builder:start": ["start_draft"],
    "builder:save": ["save_draft"],
    "builder:minimise": ["minimise_draft"],
    "builder:generate": ["generate_document"],
    "builder:languages": ["get_draft_languages", "set_draft_languages"],
    "builder:translation": ["list_translations", "get_translation", "update_translation"],
    "assessment_panel": ["list_assessments", "create_assessment", "assess_endpoint"],
    "assessment_snapshot": ["get_assessment"],
    "assessment_memo": ["export_memo", "download_memo"],
    "law_exposure": ["assess_exposure"],
    "law_red_notice": ["check_red_notice"],
}
