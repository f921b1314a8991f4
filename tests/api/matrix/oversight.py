"""Matrix examples of oversight (the console, redress, retention and disposal, protected persons) and of
accounts (users, units, enrolment codes, tokens): README.md."""

from __future__ import annotations

import datetime as dt
import itertools

from tests.api.matrix import Call
from tests.api.matrix.world import PASSWORD, PURPOSE

_n = itertools.count(1)
ANY = {"If-Match": "*"}
REASONS = "The data held was checked and the requester's account of it is correct."


def seed(w) -> None:
    """A second supervisor of the member's case: the four-eyes approver of the member's own unsealing."""
    from comity.accounts.actions import do_create_user
    from comity.cases import actions

    second = do_create_user(username=f"mx-sup2-{w.tag}", password=PASSWORD, role="supervisor")
    actions.do_grant_membership(w.case, second, acting_user=w.member)
    w.extra["second_supervisor"] = second


def _name(w, what: str) -> str:
    return f"mx-{what}-{w.tag}-{next(_n)}"


def _matter(w, regime: str = "EU-LED"):
    from django.utils import timezone

    from comity.oversight import actions

    return actions.do_file_redress(
        requester_name="Counsel for a fictional person", requester_capacity="counsel",
        person_described="A fictional person named in the matrix case", kind="access", regime=regime,
        received=timezone.localdate() - dt.timedelta(days=5), case_references=[w.case.reference],
        acting_user=w.member)


def _disposed(w):
    from comity.cases import actions as case_actions
    from comity.oversight import actions

    case, _ = w.fresh_case(title="Matrix disposal")
    case_actions.do_close_case(case, reason="Proceedings ended in the matrix", acting_user=w.member)
    return actions.do_dispose_case(case, reason="Retention reviewed by the matrix", confirm_early=True,
                                   acting_user=w.member)


def _closed_case(w):
    from comity.cases import actions as case_actions

    case, _ = w.fresh_case(title="Matrix closed")
    case_actions.do_close_case(case, reason="Proceedings ended in the matrix", acting_user=w.member)
    return case


def _person(w):
    from comity.oversight import actions

    return actions.do_register_protected_person(w.case, pseudonym=f"Witness {next(_n)}-{w.tag}", role="witness",
                                                true_identity="A fictional identity of the matrix",
                                                acting_user=w.member)


def _unsealing(w, by=None):
    from comity.oversight import actions

    return actions.do_request_unsealing(_person(w), purpose="Prepare the matrix hearing of the witness",
                                        acting_user=by or w.colleague)


def _approved(w):
    from comity.oversight import actions

    r = _unsealing(w, by=w.member)
    return actions.do_decide_unsealing(r, approve=True, acting_user=w.extra["second_supervisor"])


def _account(w, *, mfa=False, active=True):
    from comity.accounts.actions import do_create_user, do_enrol_totp, do_set_active

    u = do_create_user(username=_name(w, "acct"), password=PASSWORD, role="caseworker")
    if mfa:
        do_enrol_totp(u)
    if not active:
        do_set_active(u, active=False, acting_user=w.admin)
    return u


def _token(w):
    from comity.accounts.actions import do_create_token

    return do_create_token(w.member, name="matrix example", scope="read", acting_user=w.member)[0]


def _unit(w):
    from comity.accounts.actions import do_create_unit

    return do_create_unit(name=_name(w, "unit"))


CONSOLE_QUERY = lambda w: {"purpose": PURPOSE, "case": w.case.reference}  # noqa: E731

EXAMPLES = {
    # the console: oversight users and administrators, with a stated purpose
    "search_audit_events": lambda w: Call("GET", "/api/oversight/events", query=CONSOLE_QUERY(w), scope="oversight"),
    "export_oversight_report": lambda w: Call("POST", "/api/oversight/reports", json=CONSOLE_QUERY(w),
                                              scope="oversight"),
    # redress: whoever may see the matter (its filer, members of its cases, oversight, their unit's supervisors)
    "list_redress_matters": lambda w: Call("GET", "/api/redress", scope="user"),
    "file_redress_matter": lambda w: Call("POST", "/api/redress", json={
        "requester_name": "A fictional requester", "requester_capacity": "person",
        "person_described": "The requester themself", "kind": "access", "regime": "EU-LED",
        "received": (dt.date.today() - dt.timedelta(days=2)).isoformat()}, ok=201, scope="user",
        expect={"outsider": {201}}),
    "get_redress_matter": lambda w: Call("GET", f"/api/redress/{_matter(w).pk}", scope="user"),
    "decide_redress_matter": lambda w: Call("POST", f"/api/redress/{_matter(w).pk}/decision", headers=ANY,
                                            json={"decision": "granted", "reasons": REASONS}, scope="user"),
    "extend_redress_matter": lambda w: Call("POST", f"/api/redress/{_matter(w).pk}/extension", headers=ANY,
                                            json={"reason": "Many records to gather from two agencies"},
                                            scope="user"),
    # retention and disposal
    "list_cases_due_for_review": lambda w: Call("GET", "/api/retention/due", scope="user"),
    "list_disposals": lambda w: Call("GET", "/api/disposals", scope="user"),
    "get_case_retention": lambda w: Call("GET", f"/api/cases/{w.case.pk}/retention", reads_by_oversight=False),
    "add_undertaking": lambda w: Call("POST", f"/api/cases/{w.case.pk}/retention/undertakings", json={
        "kind": "use_limitation", "text": "Use limited to the proceedings named in the request"}, ok=201),
    "dispose_case": lambda w: Call("POST", f"/api/cases/{_closed_case(w).pk}/disposal", headers=ANY,
                                   json={"reason": "Retention reviewed by the matrix", "confirm_early": True},
                                   ok=201),
    # certificates: members of the case, oversight users and administrators (no purpose: the tombstone holds no
    # personal data)
    "download_disposal_certificate": lambda w: Call("GET", f"/api/disposals/{_disposed(w).pk}/certificate.pdf",
                                                    reads_by_oversight=False,
                                                    expect={"oversight": {200}, "oversight_purpose": {200}}),
    # protected persons: members of the case only
    "list_protected_persons": lambda w: Call("GET", f"/api/cases/{w.case.pk}/protected-persons",
                                             reads_by_oversight=False),
    "register_protected_person": lambda w: Call("POST", f"/api/cases/{w.case.pk}/protected-persons", json={
        "pseudonym": f"Source {next(_n)}-{w.tag}", "role": "informant",
        "true_identity": "A fictional informant of the matrix"}, ok=201),
    "request_unsealing": lambda w: Call("POST", f"/api/protected-persons/{_person(w).pk}/unsealing-requests",
                                        json={"purpose": "Prepare the matrix hearing of the witness"}, ok=201),
    "get_unsealing_request": lambda w: Call("GET", f"/api/unsealing-requests/{_unsealing(w).pk}",
                                            reads_by_oversight=False),
    # four eyes: the colleague asked, the member (another person, a supervisor) decides
    "decide_unsealing": lambda w: Call("POST", f"/api/unsealing-requests/{_unsealing(w).pk}/decision",
                                       headers=ANY, json={"decision": "approve"}),
    # the member asked, the second supervisor approved: the member reads it once
    "view_unsealed_identity": lambda w: Call("POST", f"/api/unsealing-requests/{_approved(w).pk}/identity"),
    # accounts: administrators
    "list_users": lambda w: Call("GET", "/api/users", scope="admin"),
    "create_user": lambda w: Call("POST", "/api/users", json={"username": _name(w, "new"), "password": PASSWORD,
                                                              "role": "caseworker"}, ok=201, scope="admin"),
    "get_user": lambda w: Call("GET", f"/api/users/{w.colleague.pk}", scope="admin"),
    "deactivate_user": lambda w: Call("POST", f"/api/users/{_account(w).pk}/deactivate", headers=ANY,
                                      scope="admin"),
    "activate_user": lambda w: Call("POST", f"/api/users/{_account(w, active=False).pk}/activate", headers=ANY,
                                    scope="admin"),
    "reset_user_second_factor": lambda w: Call("POST", f"/api/users/{_account(w, mfa=True).pk}/reset-second-factor",
                                               headers=ANY, scope="admin"),
    "set_user_unit": lambda w: Call("PUT", f"/api/users/{_account(w).pk}/unit", json={"unit_id": _unit(w).pk},
                                    headers=ANY, scope="admin"),
    "issue_enrolment_code": lambda w: Call("POST", f"/api/users/{_account(w).pk}/enrolment-codes",
                                           json={"hours": 72}, ok=201, scope="admin"),
    "list_units": lambda w: Call("GET", "/api/units", scope="admin"),
    "create_unit": lambda w: Call("POST", "/api/units", json={"name": _name(w, "unit")}, ok=201, scope="admin"),
    # tokens: everyone's own
    "list_tokens": lambda w: Call("GET", "/api/tokens", scope="user"),
    "create_token": lambda w: Call("POST", "/api/tokens", json={"name": "matrix", "scope": "read", "days": 1},
                                   ok=201, scope="user", expect={"outsider": {201}}),
    "get_token": lambda w: Call("GET", f"/api/tokens/{_token(w).pk}", scope="user"),
    "revoke_token": lambda w: Call("POST", f"/api/tokens/{_token(w).pk}/revoke", headers=ANY, scope="user"),
}

WEB = {
    "oversight_console": ["search_audit_events"],
    "oversight_report": ["export_oversight_report"],
    "oversight_redress_list": ["list_redress_matters"],
    "oversight_redress_new": ["file_redress_matter"],
    "oversight_redress_detail": ["get_redress_matter"],
    "oversight_redress_decide": ["decide_redress_matter"],
    "oversight_redress_extend": ["extend_redress_matter"],
    "oversight_retention_due": ["list_cases_due_for_review", "list_disposals"],
    "oversight_retention_case": ["get_case_retention"],
    "oversight_undertaking_add": ["add_undertaking"],
    "oversight_dispose": ["dispose_case"],
    "oversight_certificate": ["download_disposal_certificate"],
    "oversight_protected": ["list_protected_persons", "register_protected_person"],
    "oversight_unseal_request": ["request_unsealing"],
    "oversight_unseal_decide": ["decide_unsealing", "get_unsealing_request"],
    "oversight_unseal_view": ["view_unsealed_identity"],
    "users": ["list_users", "create_user", "list_units"],
    "user_action": ["deactivate_user", "activate_user", "reset_user_second_factor", "get_user"],
    "tokens": ["list_tokens", "create_token"],
    "token_revoke": ["revoke_token", "get_token"],
    "unit_create": ["create_unit"],
    "user_unit": ["set_user_unit"],
    "user_enrolment_code": ["issue_enrolment_code"],
}
