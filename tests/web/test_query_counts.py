"""List and case pages answer with a constant number of SQL queries, whatever the data size."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comity.cases import actions


def _fill(user, n):
    today = timezone.localdate()
    case = None
    for i in range(n):
        case = actions.do_create_case(title=f"Case {i}", acting_user=user)
        req = actions.do_create_request(case, kind="extradition", direction="outgoing", subject="s",
                                        requesting_state="IT", requested_state="CH",
                                        legal_basis_instrument="CETS-024", acting_user=user)
        actions.do_transition_request(req, "request_provisional_arrest", acting_user=user)
        actions.do_transition_request(req, "record_provisional_arrest", acting_user=user)
        actions.do_add_task(case, title="t", due=today + dt.timedelta(days=i), acting_user=user)
        actions.do_add_note(case, text="n", acting_user=user)
        actions.do_add_entity(case, schema="Person", properties={"name": f"P {i}"}, acting_user=user)
    return case


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# Pinned counts: a change that adds a query per row makes these fail.
# case page: +2 for the Merkle append of its access event, +1 for its closing/reopening history,
# +1 for the stated purpose kept (erasable) beside the access event;
# dashboard: +1 for the approvals awaiting the user's decision and those returned to them (one query).
# dashboard and case list: +6 for the list read's access event (savepoint, ledger lock and update, the
# event, its kept purpose, release), one event per page whatever the number of rows.
PINNED = {"/": 16, "/cases/": 15, "case": 23}


@pytest.mark.parametrize("page", ["/", "/cases/", "case"])
def test_query_count_is_constant(login, supervisor, page):
    c = login(supervisor)
    last = _fill(supervisor, 2)
    url = f"/cases/{last.pk}/" if page == "case" else page
    small = _count(c, url)
    last = _fill(supervisor, 6)
    url = f"/cases/{last.pk}/" if page == "case" else page
    large = _count(c, url)
    assert small == large, f"{page}: {small} queries with 2 cases, {large} with 8"
    assert large == PINNED[page], f"{page}: {large} queries (pinned {PINNED[page]})"
