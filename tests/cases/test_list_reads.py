"""List reads are logged: a list whose rows carry case titles or subjects is a read of personal data.

The dashboard, the case list, GET /api/cases, GET /api/deadlines and `comity deadlines` each write one
`access.*` event naming the cases shown (by reference, never by title); an empty list logs nothing.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from comity.accounts.actions import do_create_token
from comity.audit.models import AuditEvent
from comity.cases import actions

TITLE = "Fraud by Marta Listowska"


@pytest.fixture
def two_cases(supervisor):
    cases = []
    for i in range(2):
        case = actions.do_create_case(title=f"{TITLE} {i}", acting_user=supervisor)
        req = actions.do_create_request(case, kind="extradition", direction="outgoing", subject="s",
                                        requesting_state="IT", requested_state="CH",
                                        legal_basis_instrument="CETS-024", acting_user=supervisor)
        actions.do_transition_request(req, "request_provisional_arrest", acting_user=supervisor)
        actions.do_add_task(case, title="call", due=timezone.localdate() + dt.timedelta(days=3), acting_user=supervisor)
        cases.append(case)
    return cases


def _last(what, user):
    return AuditEvent.objects.filter(event_type=f"access.{what}", actor=user).order_by("-seq").first()


def test_dashboard_and_case_list_log_the_cases_shown(login, supervisor, two_cases):
    c = login(supervisor)
    assert TITLE in c.get("/cases/").content.decode()
    ev = _last("case_list", supervisor)
    refs = sorted(x.reference for x in two_cases)
    assert ev.new_values == {"cases": refs, "count": 2} and ev.case_id is None and ev.category == "access"
    assert TITLE not in ev.leaf and ev.purpose_text.startswith("case work")
    c.get("/")
    assert _last("dashboard", supervisor).new_values["cases"] == refs


def test_an_empty_list_logs_nothing(login, make_user):
    newcomer = make_user("caseworker", "new-cw")
    before = AuditEvent.objects.count()
    login(newcomer).get("/cases/")
    assert AuditEvent.objects.filter(event_type="access.case_list").count() == 0
    assert AuditEvent.objects.count() >= before


def test_api_lists_are_logged(client, supervisor, two_cases):
    _, raw = do_create_token(supervisor, name="t", scope="read", acting_user=supervisor)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/cases", **auth).status_code == 200
    ev = _last("case_list", supervisor)
    assert ev.via == "api" and ev.new_values["count"] == 2
    assert client.get("/api/deadlines", **auth).status_code == 200
    ev = _last("deadline_list", supervisor)
    assert ev.via == "api" and set(ev.new_values["cases"]) == {x.reference for x in two_cases}


def test_cli_deadlines_are_logged(capsys, supervisor, two_cases):
    from comity.cli import main

    assert main(["deadlines", "--user", supervisor.username, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    ev = _last("deadline_list", supervisor)
    assert ev.via == "cli" and set(ev.new_values["cases"]) == {r["case"] for r in rows}


def test_every_read_goes_through_the_one_read_layer():
    """Web views, API endpoints, CLI commands and exports log reads only through comity.cases.reads
    (which applies the one compartment rule); nothing else writes access events itself."""
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src" / "comity"
    direct = [str(p.relative_to(src)) for p in src.rglob("*.py")
              if "do_record_access(" in p.read_text(encoding="utf-8")
              and p.relative_to(src).as_posix() not in ("cases/actions.py", "cases/reads.py")]
    assert direct == []
    readers = [str(p.relative_to(src)) for p in src.rglob("*.py")
               if "reading_purpose(" in p.read_text(encoding="utf-8")
               and p.relative_to(src).as_posix() != "cases/access.py"]
    assert readers == []
