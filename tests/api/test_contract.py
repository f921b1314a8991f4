"""What every part of the API shares (issue 14 item 2 and 3): cursor pages, filters and sorts that behave the
same on every list; idempotency keys on writes; the pull feed of one's cases' events."""

from __future__ import annotations

import json

import pytest

from comity.api.paging import MAX_LIMIT


@pytest.fixture
def tok(supervisor):
    from comity.accounts.actions import do_create_token

    def make(user=supervisor, scope="write"):
        return {"HTTP_AUTHORIZATION": f"Bearer {do_create_token(user, name='t', scope=scope, acting_user=user)[1]}"}

    return make


def _cases(supervisor, n):
    from comity.cases import actions

    return [actions.do_create_case(title=f"Matter {i:02d}", summary="", acting_user=supervisor) for i in range(n)]


def test_cursor_pages_cover_every_case_once_in_order_even_when_a_case_is_added_meanwhile(client, supervisor, tok):
    made = _cases(supervisor, 7)
    auth = tok()
    seen, cursor, pages = [], None, 0
    while True:
        q = {"limit": 3, "sort": "title"} | ({"cursor": cursor} if cursor else {})
        r = client.get("/api/cases", q, **auth)
        assert r.status_code == 200, r.content
        body = r.json()
        assert body["count"] == 7 + (1 if pages >= 1 else 0) and body["limit"] == 3 and body["sort"] == "title"
        seen += [c["title"] for c in body["results"]]
        pages += 1
        if pages == 1:  # a case made between two pages does not shift the next page (keyset, not offset)
            from comity.cases import actions

            actions.do_create_case(title="Matter 00a", summary="", acting_user=supervisor)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted(c.title for c in made)  # "Matter 00a" sorts before the page boundary: not repeated


def test_descending_sort_and_the_limits_of_a_page(client, supervisor, tok):
    _cases(supervisor, 3)
    auth = tok()
    titles = [c["title"] for c in client.get("/api/cases", {"sort": "-title"}, **auth).json()["results"]]
    assert titles == ["Matter 02", "Matter 01", "Matter 00"]
    assert client.get("/api/cases", {"limit": MAX_LIMIT}, **auth).status_code == 200
    assert client.get("/api/cases", {"limit": 1}, **auth).status_code == 200
    for bad in (0, MAX_LIMIT + 1):
        r = client.get("/api/cases", {"limit": bad}, **auth)
        assert r.status_code == 422 and "limit" in r.json()["errors"]


@pytest.mark.parametrize("query,field", [
    ({"sort": "colour"}, "sort"), ({"sort": "--title"}, "sort"), ({"cursor": "not-a-cursor"}, "cursor"),
    ({"state": "sleeping"}, "state"), ({"kind": "deportation"}, "kind"),
])
def test_bad_list_parameters_are_refused_naming_the_parameter(client, supervisor, tok, query, field):
    _cases(supervisor, 1)
    r = client.get("/api/cases", query, **tok())
    assert r.status_code == 422 and field in r.json()["errors"], r.content


def test_a_cursor_made_for_one_sort_is_refused_for_another(client, supervisor, tok):
    _cases(supervisor, 3)
    auth = tok()
    cursor = client.get("/api/cases", {"limit": 1, "sort": "title"}, **auth).json()["next_cursor"]
    r = client.get("/api/cases", {"limit": 1, "sort": "-updated", "cursor": cursor}, **auth)
    assert r.status_code == 422 and "title" in r.json()["errors"]["cursor"]


def test_a_retried_create_with_its_idempotency_key_creates_once_and_gets_the_same_answer(client, supervisor, tok):
    from comity.cases.models import Case

    auth = tok()
    body = json.dumps({"title": "Retried matter"})
    first = client.post("/api/cases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    again = client.post("/api/cases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert Case.objects.filter(title="Retried matter").count() == 1
    # a new key is a new call
    other = client.post("/api/cases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2", **auth)
    assert other.status_code == 201 and Case.objects.filter(title="Retried matter").count() == 2


def test_the_same_key_with_another_body_is_refused_and_nothing_is_created(client, supervisor, tok):
    from comity.cases.models import Case

    auth = tok()
    client.post("/api/cases", json.dumps({"title": "First"}), content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="k-9", **auth)
    r = client.post("/api/cases", json.dumps({"title": "Second"}), content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY="k-9", **auth)
    assert r.status_code == 422 and "Idempotency-Key" in r.json()["errors"]
    assert not Case.objects.filter(title="Second").exists()


def test_a_failed_first_call_keeps_nothing_so_the_corrected_retry_goes_through(client, supervisor, tok):
    auth = tok()
    bad = client.post("/api/cases", json.dumps({"title": ""}), content_type="application/json",
                      HTTP_IDEMPOTENCY_KEY="k-5", **auth)
    assert bad.status_code == 422
    good = client.post("/api/cases", json.dumps({"title": "Fixed"}), content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="k-5", **auth)
    assert good.status_code == 201


def test_keys_belong_to_their_token_and_bad_keys_are_named(client, supervisor, make_user, tok):
    other = make_user("supervisor")
    body = json.dumps({"title": "Shared key"})
    a = client.post("/api/cases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same", **tok())
    b = client.post("/api/cases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same",
                    **tok(other))
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
    for key in ("x" * 201, "clé"):
        r = client.post("/api/cases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **tok())
        assert r.status_code == 422 and "Idempotency-Key" in r.json()["errors"]
    r = client.post("/api/cases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="x" * 200, **tok())
    assert r.status_code == 201


def test_an_upload_retried_with_its_key_stores_one_document(client, case, supervisor, tok):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from comity.cases.models import Document

    auth = tok()
    for _ in range(2):
        r = client.post(f"/api/cases/{case.pk}/documents", {"file": SimpleUploadedFile("a.txt", b"same bytes"),
                                                             "title": "Letter"},
                        HTTP_IDEMPOTENCY_KEY="upload-1", **auth)
        assert r.status_code == 201
    assert Document.objects.filter(case=case).count() == 1
    r = client.post(f"/api/cases/{case.pk}/documents", {"file": SimpleUploadedFile("a.txt", b"other bytes"),
                                                         "title": "Letter"}, HTTP_IDEMPOTENCY_KEY="upload-1", **auth)
    assert r.status_code == 422 and Document.objects.filter(case=case).count() == 1


def test_the_feed_tells_members_what_happened_in_their_cases_in_log_order(client, case, supervisor, outsider, tok):
    from comity.cases import actions

    auth = tok()
    start = client.get("/api/feed", **auth).json()
    assert start["events"] and all(e["case"] == case.reference for e in start["events"])
    after = start["next_after"]
    req = actions.do_create_request(case, kind="mla", direction="incoming", subject="Bank records",
                                    requesting_state="FR", requested_state="IT", acting_user=supervisor)
    new = client.get("/api/feed", {"after": after}, **auth).json()
    types = [e["type"] for e in new["events"]]
    assert "request.created" in types and new["next_after"] > after
    created = next(e for e in new["events"] if e["type"] == "request.created")
    assert created["values"]["reference"] == req.reference and created["values"]["direction"] == "incoming"
    assert created["values"]["requesting_state"] == "FR" and created["case"] == case.reference
    seqs = [e["seq"] for e in new["events"]]
    assert seqs == sorted(seqs)
    # nothing new: the same position back, an empty list
    again = client.get("/api/feed", {"after": new["next_after"]}, **auth).json()
    assert again["events"] == [] and again["next_after"] == new["next_after"] and again["more"] is False
    # someone else's cases are not in it
    assert client.get("/api/feed", **tok(outsider)).json()["events"] == []
    # filters
    only = client.get("/api/feed", {"types": "request."}, **auth).json()["events"]
    assert only and all(e["type"].startswith("request.") for e in only)
    r = client.get("/api/feed", {"case": "C-1999-000001"}, **auth)
    assert r.status_code == 422 and "case" in r.json()["errors"]
    r = client.get("/api/feed", {"limit": 0}, **auth)
    assert r.status_code == 422 and "limit" in r.json()["errors"]


def test_the_feed_pages_with_limit_and_more(client, case, supervisor, tok):
    auth = tok()
    first = client.get("/api/feed", {"limit": 1}, **auth).json()
    assert len(first["events"]) == 1 and first["more"] is True
    second = client.get("/api/feed", {"limit": 1, "after": first["next_after"]}, **auth).json()
    assert second["events"][0]["seq"] > first["events"][0]["seq"]


def test_a_member_who_leaves_stops_getting_the_case_in_the_feed(client, case, supervisor, caseworker, tok):
    from comity.cases import actions

    auth = tok(caseworker)
    assert client.get("/api/feed", **auth).json()["events"]
    actions.do_revoke_membership(case, caseworker, acting_user=supervisor)
    assert client.get("/api/feed", **auth).json()["events"] == []


def test_deadlines_and_tasks_page_in_one_order_by_cursor_with_filters(client, case, supervisor, tok):
    import datetime as dt

    from comity.cases import actions

    base = dt.date(2026, 3, 1)
    for i in range(3):  # a task and a deadline on the same day: the deadline comes first
        actions.do_add_task(case, title=f"Task {i}", due=base + dt.timedelta(days=i), acting_user=supervisor)
    req = actions.do_create_request(case, kind="extradition", direction="outgoing", subject="Surrender",
                                    requesting_state="IT", requested_state="CH", legal_basis="ECE 1957",
                                    legal_basis_instrument="CETS-024", acting_user=supervisor)
    actions.do_transition_request(req, "request_provisional_arrest", acting_user=supervisor)
    actions.do_transition_request(req, "record_provisional_arrest", acting_user=supervisor,
                                  effective_date=base - dt.timedelta(days=30))
    auth = tok()
    everything = client.get("/api/deadlines", {"limit": 200}, **auth).json()
    keys = [(d["due"], d["type"] != "deadline") for d in everything["results"]]
    assert keys == sorted(keys) and everything["count"] == len(everything["results"]) >= 5
    walked, cursor = [], None
    while True:
        page = client.get("/api/deadlines", {"limit": 2} | ({"cursor": cursor} if cursor else {}), **auth).json()
        walked += [(d["type"], d["id"]) for d in page["results"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert walked == [(d["type"], d["id"]) for d in everything["results"]]
    tasks = client.get("/api/deadlines", {"type": "task"}, **auth).json()["results"]
    assert [t["label"] for t in tasks] == ["Task 0", "Task 1", "Task 2"]
    late = client.get("/api/deadlines", {"overdue": "true"}, **auth).json()["results"]
    assert late and all(d["overdue"] for d in late)
    r = client.get("/api/deadlines", {"cursor": "bad"}, **auth)
    assert r.status_code == 422 and "cursor" in r.json()["errors"]
    r = client.get("/api/deadlines", {"type": "meeting"}, **auth)
    assert r.status_code == 422 and "type" in r.json()["errors"]
