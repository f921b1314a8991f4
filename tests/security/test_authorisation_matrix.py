"""The authorisation matrix: every page and every API operation against every kind of caller.

The rows come from the code, not from a list kept by hand: every pattern of the URL configuration
(django.urls resolvers) and every path and method of the live OpenAPI schema (/api/openapi.json).
The expected outcome of each (endpoint, caller) comes from the rules of the house, stated once below
(`expected`), never from what the server answered:

- members read and write their cases;
- a non-member gets 404 for anything bound to a case, exactly as for an id that does not exist;
- an oversight user with no stated purpose is sent to state one (302 to the purpose page on the web,
  422 naming `purpose` on the API); with a purpose they may read, never write;
- anonymous callers get the login redirect (web) or 401 (API), except on the public law pages;
- a read token cannot write (403); a revoked token is anonymous (401);
- tokens do not sign anyone into the web pages.

Each endpoint is described in RULES (what its path designates, which methods it serves, which roles its
function is for); an endpoint missing from RULES fails the suite, so a new page or operation cannot
ship without a place in the matrix. Besides the status, every answer is scanned for marker strings
planted in the cases' data: a marker of a case the caller may not read is a leak whatever the status.

Every request runs in a savepoint that is rolled back, so each one sees the same world.

The whole matrix (endpoint x role -> status, expected, verdict) is written to
docs/security/authorisation.md on each run. Leaks that other work is fixing are listed in KNOWN_LEAKS
with their finding number (issue 13); the test fails on any other leak, and also when a listed leak no
longer leaks, so the list can only shrink.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security" / "authorisation.md"
PASSWORD = "correct-horse-battery-42"
PURPOSE = "Complaint DPA-2026-77 about how the case handled a person's data"

# Marker strings planted in each case's data (titles, parties, notes, documents, evidence, requests) and in
# the redress matters about them. A caller who may not read a case must never receive its marker.
MARK = {"M": "Wombatmarker", "N": "Quokkamarker", "RM": "Numbatmarker", "RN": "Bilbymarker"}

# --- who calls ------------------------------------------------------------------------------------------
# member:      a supervisor of unit A, member of case M, on the objects of case M
# non-member:  the same supervisor on the objects of case N (unit B, not a member): same role, no membership
# oversight:   an oversight user who has stated no purpose
# oversight+purpose: the oversight user after stating a purpose for every case (web: the purpose page;
#              API: `purpose` given with the call)
# defence:     defence counsel, member of no case, on the objects of case M
# read token / write token / revoked token: the member's personal access tokens, on the objects of case M
#              (on the web pages a token is sent as `Authorization: Bearer`, which must sign no one in)
# anonymous:   nobody signed in
ROLES = ["member", "non-member", "oversight", "oversight+purpose", "defence", "read token", "write token",
         "revoked token", "anonymous"]
# Which case's objects each caller's requests name.
SIDE = {"member": "M", "non-member": "N", "oversight": "M", "oversight+purpose": "M", "defence": "M",
        "read token": "M", "write token": "M", "revoked token": "M", "anonymous": "M"}
# Markers each caller must never receive.
FORBIDDEN = {"member": ["N", "RN"], "non-member": ["N", "RN"], "oversight": ["M", "N"], "oversight+purpose": [],
             "defence": ["M", "N", "RM", "RN"], "read token": ["N", "RN"], "write token": ["N", "RN"],
             "revoked token": ["M", "N", "RM", "RN"], "anonymous": ["M", "N", "RM", "RN"]}
USER_ROLE = {"member": "supervisor", "non-member": "supervisor", "oversight": "oversight",
             "oversight+purpose": "oversight", "defence": "defence"}
TOKEN_ROLES = {"read token", "write token", "revoked token"}

STAFF = frozenset({"caseworker", "prosecutor", "supervisor", "admin", "defence"})  # may open cases
AUDIT_READERS = frozenset({"oversight", "supervisor", "admin"})
RETENTION = frozenset({"oversight", "supervisor", "admin"})
CONSOLE = frozenset({"oversight", "admin"})
ADMIN = frozenset({"admin"})


@dataclasses.dataclass(frozen=True)
class Rule:
    """What an endpoint is, for the authorisation rules.

    scope:  "public" (anyone, signed in or not), "signed_in" (any signed-in caller, or the roles in
            `roles`), "case" (bound to a case through the object its path names), "own" (bound to the
            caller's own account: their tokens)
    obj:    for scope "case"/"own": what the path's ids designate (a key of the fixture world)
    methods: the methods the endpoint serves (each is a row of the matrix)
    writes: which of them change something (members only, never oversight, never a read token)
    roles:  the roles the endpoint's function is for (others are refused: 403, or 404 where it hides)
    oversight: how an oversight user reads it: "purpose" (the case rule: after stating a purpose),
            "direct" (the oversight body's own work: redress matters, disposal certificates),
            "never" (members only, named exception: sealed identities and their unsealing)
    roles_for: "all" (the roles limit every method) or "writes" (the form is shown to anyone signed in;
            only its use is limited)
    fixed:  the outcome for every caller when the path holds a secret the matrix cannot know (a made-up
            e-mail or password-reset key is refused with 404 for everyone)
    data:   the form or JSON body sent with a write
    """

    scope: str
    obj: str = ""
    methods: tuple = ("GET",)
    writes: tuple = ("POST", "PUT", "PATCH", "DELETE")
    roles: frozenset | None = None
    oversight: str = "purpose"
    roles_for: str = "all"
    fixed: str = ""
    data: dict | None = None
    note: str = ""


P, S = "public", "signed_in"
GET, POST, BOTH = ("GET",), ("POST",), ("GET", "POST")


def case(obj="case", methods=GET, **kw):
    return Rule("case", obj=obj, methods=methods, **kw)


# Web pages, by URL name. Form pages (GET shows the form, POST changes) are BOTH.
WEB_RULES: dict[str, Rule] = {
    # public: the law, the defence tools, health, the API's own description
    "healthz": Rule(P), "law_index": Rule(P), "law_instruments": Rule(P), "law_instrument": Rule(P),
    "law_countries": Rule(P), "law_country": Rule(P), "law_basis": Rule(P), "law_map": Rule(P),
    "law_exposure": Rule(P, methods=BOTH, writes=(), note="public calculator: the facts are typed in, nothing is stored"),
    "law_red_notice": Rule(P, methods=BOTH, writes=(), note="public calculator: nothing is stored"),
    "openapi-json": Rule(P), "openapi-view": Rule(P),
    "api-root": Rule(P, fixed="404", note="the API's root names nothing: 404 for everyone"),
    # sign-in pages (allauth): open to anyone; a signed-in caller is sent on
    "account_login": Rule(P), "account_signup": Rule(P), "account_inactive": Rule(P),
    "account_reset_password": Rule(P), "account_reset_password_done": Rule(P),
    "account_reset_password_from_key": Rule(P, fixed="404", note="the path holds a reset key; a made-up one: 404"),
    "account_reset_password_from_key_done": Rule(P),
    "account_confirm_email": Rule(P, fixed="404", note="the path holds a confirmation key; a made-up one: 404"),
    "account_email_verification_sent": Rule(P),
    "account_logout": Rule(P),
    # steps of signing in: with no sign-in under way they send the caller to the login page
    "account_confirm_login_code": Rule(S, note="a step of signing in: with none under way, the login page"),
    "mfa_authenticate": Rule(S, note="a step of signing in: with none under way, the login page"),
    # one's own account (allauth)
    "account_reauthenticate": Rule(S), "account_email": Rule(S),
    "account_change_password": Rule(S), "account_set_password": Rule(S), "mfa_index": Rule(S),
    "mfa_reauthenticate": Rule(S), "mfa_activate_totp": Rule(S), "mfa_deactivate_totp": Rule(S),
    "mfa_view_recovery_codes": Rule(S), "mfa_generate_recovery_codes": Rule(S),
    "mfa_download_recovery_codes": Rule(S),
    # signed in, no case: lists show only what the caller may see (checked by the markers)
    "dashboard": Rule(S), "case_list": Rule(S),
    "case_new": Rule(S, methods=BOTH, roles=STAFF, roles_for="writes", data={"title": "Opened by the matrix"},
                     note="staff and defence counsel open cases; the form is shown to anyone signed in"),
    "tokens": Rule(S, methods=BOTH, data={"name": "matrix", "scope": "read"}),
    "token_revoke": Rule("own", obj="token", methods=POST),
    "users": Rule(S, methods=BOTH, roles=ADMIN), "unit_create": Rule(S, methods=POST, roles=ADMIN),
    "user_unit": Rule(S, methods=POST, roles=ADMIN), "user_action": Rule(S, methods=POST, roles=ADMIN),
    "user_enrolment_code": Rule(S, methods=BOTH, roles=ADMIN,
                                note="an administrator issues an account's one-time enrolment code"),
    "oversight_console": Rule(S, roles=CONSOLE),
    "oversight_report": Rule(S, methods=POST, writes=(), roles=CONSOLE,
                             note="a POST that reads: the console's signed export"),
    "oversight_redress_list": Rule(S),
    "oversight_redress_new": Rule(S, methods=BOTH),
    "oversight_retention_due": Rule(S, roles=RETENTION),
    # case pages
    "case_detail": case(), "case_history": case(), "entities_ftm": case(),
    "case_purpose": case(methods=BOTH, roles=frozenset({"oversight"}), writes=(), oversight="direct",
                         note="where an oversight user states a purpose; everyone else: 404"),
    # Form pages whose only use is a change: the form itself is for members (GET counts as the write).
    "case_join": case(methods=BOTH, writes=BOTH, note="only supervisors of the case's unit may join; others: 404"),
    "case_close": case(methods=BOTH, writes=BOTH, note="the form of a change: showing it counts as the change (members only)"), "case_reopen": case(methods=BOTH, writes=BOTH, note="the form of a change: showing it counts as the change (members only)"),
    "entity_add": case(methods=POST), "note_add": case(methods=POST), "task_add": case(methods=POST),
    "document_add": case(methods=POST), "membership_grant": case(methods=POST),
    "membership_revoke": case(methods=POST), "request_new": case(methods=BOTH, writes=BOTH, note="the form of a change: showing it counts as the change (members only)"),
    "task_done": case("task", POST), "document_download": case("document"),
    "entity_correct": case("entity", BOTH, writes=BOTH, note="the form of a change: showing it counts as the change (members only)"),
    "note_correct": case("note", BOTH, writes=BOTH, note="the form of a change: showing it counts as the change (members only)"), "task_correct": case("task", BOTH, writes=BOTH, note="the form of a change: showing it counts as the change (members only)"),
    "request_detail": case("request"), "request_transition": case("request", POST),
    "request_link": case("request", POST), "request_legal_basis": case("request", POST),
    "request_ask_approval": case("request", POST), "approval_decide": case("approval", POST),
    "assessment_panel": case("request", BOTH, data={"save": "1"}, note="POST saves a snapshot (sent with save=1)"), "assessment_snapshot": case("snapshot"),
    "assessment_memo": case("snapshot", BOTH),
    "draft": case("request"), "start": case("request", POST), "save": case("request", POST),
    "minimise": case("request", POST), "generate": case("request", POST), "languages": case("request", POST),
    "translation": case("request", POST),
    "evidence_case": case(methods=BOTH), "evidence_disclose": case(methods=BOTH, writes=BOTH, note="the form of a change: showing it counts as the change (members only)"),
    "evidence_item": case("item"), "evidence_check": case("item", POST), "evidence_custody_add": case("item", POST),
    "evidence_consent_add": case("item", POST), "evidence_report_json": case("item"),
    "evidence_report_pdf": case("item"), "evidence_case_uco": case("item"), "evidence_download": case("item"),
    "evidence_disclosure": case("disclosure"), "evidence_disclosure_package": case("disclosure"),
    "evidence_disclosure_manifest": case("disclosure"),
    # oversight pages bound to a case
    "oversight_redress_detail": case("redress", oversight="direct",
                                     note="a redress matter is bound to the cases it names; handling it is the "
                                          "oversight body's own work (no case purpose), deciding is not"),
    "oversight_redress_decide": case("redress", POST, oversight="direct"),
    "oversight_redress_extend": case("redress", POST, oversight="direct"),
    "oversight_retention_case": case(), "oversight_undertaking_add": case(methods=POST),
    "oversight_dispose": case(methods=POST),
    "oversight_certificate": case("disposal", oversight="direct",
                                  note="oversight bodies check disposals (the certificate: references, dates, "
                                       "counts, the reason for disposal and the signature; the case data is gone)"),
    "oversight_protected": case(methods=BOTH, oversight="never",
                                note="sealed identities: members only; oversight users do not see them either"),
    "oversight_unseal_request": case("protected", POST, oversight="never"),
    "oversight_unseal_decide": case("unsealing", POST, oversight="never"),
    "oversight_unseal_view": case("unsealed", POST, oversight="never",
                                  note="the member here asked for the unsealing and a second supervisor approved it"),
    # the exchange between authorities: messages are bound to their case; the trust list, this instance's
    # identity, the directory, the routes and the refused arrivals are the administrators' (404 for others)
    "exchange:messages": Rule(S, note="lists the messages of the caller's cases only (checked by the markers)"),
    "exchange:message": case("message"), "exchange:evidence": case("message"),
    "exchange:peers": Rule(S, roles=ADMIN), "exchange:peer": Rule(S, obj="peer", roles=ADMIN),
    "exchange:peer_import": Rule(S, methods=BOTH, roles=ADMIN),
    "exchange:peer_confirm": Rule(S, obj="peer", methods=POST, roles=ADMIN),
    "exchange:peer_revoke": Rule(S, obj="peer", methods=POST, roles=ADMIN),
    "exchange:identity": Rule(S, roles=ADMIN), "exchange:identity_file": Rule(S, roles=ADMIN),
    "exchange:directory": Rule(S, roles=ADMIN), "exchange:directory_new": Rule(S, methods=BOTH, roles=ADMIN),
    "exchange:directory_seed": Rule(S, methods=POST, roles=ADMIN),
    "exchange:directory_entry": Rule(S, obj="entry", methods=BOTH, roles=ADMIN),
    "exchange:routes": Rule(S, methods=BOTH, roles=ADMIN), "exchange:rejections": Rule(S, roles=ADMIN),
    # the protocol's endpoints between instances: no session or token signs anyone in there; what arrives is
    # judged by its signatures (tests/exchange/test_receive.py): garbage is refused with a 4xx, never a 5xx,
    # and answers carry no case data
    "exchange_identity": Rule(P, note="this instance's signed identity file: public by design"),
    "exchange_messages": Rule(P, methods=POST, writes=(), data={"garbage": "1"},
                              note="an unsigned body is refused as malformed"),
    "exchange_chunk": Rule(P, methods=("PUT",), writes=(), data={"garbage": "1"},
                           note="an unsigned chunk is refused as malformed"),
}

# API operations, by "METHOD /api/path" as the OpenAPI schema names them.
API_RULES: dict[str, Rule] = {
    "POST /api/assess": Rule(P, methods=POST, writes=()),
    "GET /api/law/basis": Rule(P), "GET /api/law/instruments": Rule(P),
    "GET /api/law/instruments/{instrument_id}": Rule(P), "GET /api/law/countries/{state}": Rule(P),
    "POST /api/law/clocks": Rule(P, methods=POST, writes=()),
    "GET /api/audit/public-key": Rule(P),
    "GET /api/cases": Rule(S), "GET /api/deadlines": Rule(S),
    "POST /api/cases": Rule(S, methods=POST, roles=STAFF),
    "GET /api/cases/{case_id}": case(), "GET /api/cases/{case_id}/entities.ftm": case(),
    "POST /api/cases/{case_id}/members": case(methods=POST),
    "DELETE /api/cases/{case_id}/members/{username}": case(methods=("DELETE",)),
    "POST /api/cases/{case_id}/requests": case(methods=POST),
    "POST /api/cases/{case_id}/entities": case(methods=POST), "POST /api/cases/{case_id}/notes": case(methods=POST),
    "POST /api/cases/{case_id}/tasks": case(methods=POST), "POST /api/cases/{case_id}/documents": case(methods=POST),
    "GET /api/cases/{case_id}/documents/{document_id}/content": case("document"),
    "POST /api/tasks/{task_id}/complete": case("task", POST),
    "GET /api/requests/{request_id}": case("request"),
    "POST /api/requests/{request_id}/transitions": case("request", POST),
    "POST /api/requests/{request_id}/links": case("request", POST),
    "GET /api/requests/{request_id}/draft/check": case("request"),
    # the audit log: hashes and proofs for its readers; one event is bound to the case it is about
    "GET /api/audit/tree-heads": Rule(S, roles=AUDIT_READERS),
    "POST /api/audit/tree-heads": Rule(S, methods=POST, roles=AUDIT_READERS),
    "GET /api/audit/events/{seq}": case("event", roles=AUDIT_READERS),
    "GET /api/audit/proofs/inclusion": Rule(S, roles=AUDIT_READERS),
    "GET /api/audit/proofs/consistency": Rule(S, roles=AUDIT_READERS),
}
# URL names of the API's own patterns that are not operations of the OpenAPI schema (none besides WEB_RULES').
API_ROUTE_NAMES: set[str] = set()

# Leaks found by this matrix whose fix lies outside this test's files: (surface, method, endpoint, role) ->
# the finding (a number is issue 13's list; "M1"... are this matrix's own findings, reported with it). The
# test lists them in the document; it fails on any other leak, and when one of these no longer leaks
# (remove it then).
KNOWN_LEAKS: dict[tuple[str, str, str, str], str] = {}  # M1 fixed: approval_decide checks the caller first
# Server errors found by the matrix, to be fixed outside this test's files; same rules as KNOWN_LEAKS.
KNOWN_ERRORS: dict[tuple[str, str, str, str], str] = {}  # M2 fixed: the redress form is bound only on POST


# --- expected outcomes ------------------------------------------------------------------------------------

def expected(rule: Rule, method: str, role: str, surface: str) -> str:
    """The outcome the rules of the house require: allow, login, 404, deny (403 or 404), 403, purpose."""
    if rule.fixed:
        return rule.fixed
    if rule.scope == "public":
        return "allow"
    if role in ("anonymous", "revoked token") or (surface == "web" and role in TOKEN_ROLES):
        return "login"
    user_role = USER_ROLE.get(role, "supervisor")  # the tokens are the member's
    write = method in rule.writes
    limited = rule.roles is not None and user_role not in rule.roles and (rule.roles_for == "all" or write)
    if rule.scope == "signed_in":
        if limited:
            return "deny"
        return "403" if role == "read token" and write else "allow"
    if rule.scope == "own":
        return "allow" if role in ("member", "read token", "write token") else "404"
    # bound to a case
    if limited:
        return "deny"  # refused for the role, whatever the object: tells nothing about the case
    if role in ("non-member", "defence"):
        return "404"
    if role.startswith("oversight"):
        if rule.oversight == "never":
            return "404"
        if write:
            return "deny"
        if rule.oversight == "direct" or role == "oversight+purpose":
            return "allow"
        return "purpose"
    return "403" if role == "read token" and write else "allow"


def classify(resp, surface: str) -> str:
    """What an answer amounts to: login, purpose, 404, 403, 405, error, or allow."""
    status = resp.status_code
    location = resp.get("Location", "") if 300 <= status < 400 else ""
    if status >= 500:
        return "error"
    if surface == "web" and status in (301, 302) and location.startswith("/accounts/login/"):
        return "login"
    if surface == "web" and status == 302 and re.search(r"/cases/\d+/purpose/$", location):
        return "purpose"
    if surface == "api" and status == 401:
        return "login"
    if surface == "api" and status == 422 and "purpose" in (_json(resp).get("errors") or {}):
        return "purpose"
    if status in (403, 404, 405):
        return str(status)
    return "allow"


def verdict(want: str, got: str, *, write: bool, leaked: list, wrote: list, like_missing: bool) -> str:
    """OK; LEAK (served, changed or told more than the rule allows); REFUSED (stricter than the rule);
    MISMATCH (refused, but not in the way the rule says); ERROR (a server error)."""
    if got == "error":
        return "ERROR"
    if leaked:
        return "LEAK"  # a marker of a case the caller may not read
    if want == "allow":
        return "OK" if got == "allow" else "REFUSED"
    if wrote:
        return "LEAK"  # a change was recorded for a caller the rule refuses
    if want == got or (want == "deny" and got in ("403", "404")):
        return "OK"
    if want == "404":
        # "exactly as for an id that does not exist": the same answer for a made-up id tells nothing
        return "OK" if like_missing else "LEAK"
    if got == "allow":
        return "MISMATCH" if write else "LEAK"  # a write refused inside the page (nothing recorded) / a read served
    if want == "purpose" and got == "404":
        return "REFUSED"
    return "MISMATCH"


def _json(resp) -> dict:
    try:
        data = json.loads(resp.content)
    except (ValueError, AttributeError):
        return {}
    return data if isinstance(data, dict) else {}


# --- the endpoints ------------------------------------------------------------------------------------------

def url_patterns():
    """(route, name) for every pattern of the URL configuration."""
    def walk(resolver, prefix="", ns=""):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern), p.namespace if p.namespace == "exchange" else ns)
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), (f"{ns}:{p.name}" if ns and p.name else p.name)
    return sorted(set(walk(get_resolver())))


def openapi_operations(client) -> list[tuple[str, str, dict]]:
    schema = client.get("/api/openapi.json").json()
    return sorted((m.upper(), path, op) for path, ops in schema["paths"].items() for m, op in ops.items())


def _api_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_endpoint_has_a_rule(client):
    """A page or an operation added without a place in the matrix fails here, naming it."""
    operations = openapi_operations(client)
    api_paths = {path for _, path, _ in operations}
    missing = [name or route for route, name in url_patterns()
               if name not in WEB_RULES and name not in API_ROUTE_NAMES and _api_path(route) not in api_paths]
    # API operations added after this matrix (issue 14) are in the API matrix instead (tests/api/matrix: every
    # operation, six callers, test client and gunicorn, and the same kind of planted marker); one of the two
    # must hold each operation.
    from tests.api.matrix.runner import examples

    in_api_matrix = set(examples())
    missing += [f"{m} {path}" for m, path, op in operations
                if f"{m} {path}" not in API_RULES and op.get("operationId") not in in_api_matrix]
    assert missing == [], f"endpoints without a rule in the authorisation matrix: {missing}"
    stale = sorted(set(API_RULES) - {f"{m} {path}" for m, path, _ in operations})
    stale += sorted(set(WEB_RULES) - {name for _, name in url_patterns()})
    assert stale == [], f"rules for endpoints that no longer exist: {stale}"


# --- the fixture world --------------------------------------------------------------------------------------

class _Upload(io.BytesIO):
    def __init__(self, name, content, content_type="application/octet-stream"):
        super().__init__(content)
        self.name, self.size, self.content_type = name, len(content), content_type


def _first_step(req) -> str:
    from comity.cases.lifecycle import lifecycle

    lc = lifecycle(req.kind)
    steps = [t for t in lc.next_steps(status=req.status, direction=req.direction,
                                      notice_action=req.notice_action or None) if t.name != "approve"]
    return steps[0].name


def _side(key: str, sup, cw, sup2) -> dict:
    """One case with one of everything, written through the actions by its supervisor and caseworker."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from comity.assessments.actions import do_export_memo, do_save_assessment
    from comity.audit.models import AuditEvent
    from comity.builder import actions as builder
    from comity.cases import actions
    from comity.evidence import actions as evidence
    from comity.oversight import actions as oversight

    mark, rmark = MARK[key], MARK["R" + key]
    c = actions.do_create_case(title=f"Matter of {mark}", summary=f"{mark} moved money", acting_user=sup)
    actions.do_grant_membership(c, cw, acting_user=sup)
    actions.do_grant_membership(c, sup2, acting_user=sup)
    entity = actions.do_add_entity(c, schema="Person", role="suspect", acting_user=sup,
                                   properties={"name": f"Person {mark}", "nationality": "pl"})
    note = actions.do_add_note(c, text=f"{mark} was seen in Basel", acting_user=sup)
    task = actions.do_add_task(c, title=f"Call {mark}", acting_user=sup)
    doc = actions.do_upload_document(c, upload=SimpleUploadedFile(f"{mark}.txt", f"statement of {mark}".encode()),
                                     title=f"Statement of {mark}", acting_user=sup)
    req = actions.do_create_request(c, kind="extradition", direction="outgoing", subject=f"Surrender of {mark}",
                                    requesting_state="FR", requested_state="CH", acting_user=sup)
    actions.do_set_legal_basis(req, instrument="CETS-024", acting_user=sup)
    other = actions.do_create_request(c, kind="mla", direction="outgoing", subject=f"Bank records of {mark}",
                                      requesting_state="FR", requested_state="CH", acting_user=sup)
    approval = actions.do_ask_for_approval(req, message="Ready for your decision", acting_user=cw)
    builder.do_start_draft(req, measure="extradition", acting_user=sup)
    snap = do_save_assessment(req, acting_user=sup, facts={
        "kind": "extradition", "requesting_state": "FR", "requested_state": "CH", "person": {"nationalities": ["PL"]},
        "offences": [{"description": f"fraud by {mark}", "max_penalty_months": 60}]})
    do_export_memo(snap, fmt="docx", acting_user=sup)
    item = evidence.do_register_evidence(
        c, kind="digital", title=f"Phone of {mark}", date_obtained="2026-01-15", acting_user=sup,
        providing_state="CH", upload=_Upload(f"{mark}.bin", f"messages of {mark}\n".encode() * 20))
    disclosure = evidence.do_disclose_evidence(c, items=[item], fields=["file"], recipient=f"Court of {mark}",
                                               recipient_kind="court", purpose="trial", acting_user=sup)
    pp = oversight.do_register_protected_person(c, pseudonym=f"Witness {mark}", role="witness",
                                                true_identity=f"True name of {mark}", acting_user=sup)
    unsealing = oversight.do_request_unsealing(pp, purpose="hearing of the witness next week", acting_user=cw)
    unsealed = oversight.do_request_unsealing(pp, purpose="the supervisor prepares the hearing", acting_user=sup)
    unsealed = oversight.do_decide_unsealing(unsealed, approve=True, reason="the hearing needs the identity",
                                             acting_user=sup2)
    matter = oversight.do_file_redress(
        requester_name=f"Requester {rmark}", requester_capacity="person", person_described=f"{rmark}, born 1979",
        kind="access", regime="EU-LED", received=timezone.localdate(), details=f"{rmark} asks for the data",
        case_references=[c.reference], acting_user=cw)
    old = actions.do_create_case(title=f"Closed matter of {mark}", acting_user=sup)
    actions.do_close_case(old, reason="proceedings ended", acting_user=sup)
    disposal = oversight.do_dispose_case(old, reason="retention period over for this case", acting_user=sup,
                                         confirm_early=True)
    # a request sent to the peer authority through the exchange: its message and that message's evidence
    sent = actions.do_create_request(c, kind="mla", direction="outgoing", subject=f"Accounts of {mark}",
                                     requesting_state="IT", requested_state="NO", acting_user=sup)
    for step in ("approve", "send"):
        actions.do_transition_request(sent, step, acting_user=sup, override_reason="the matrix sends it")
    from comity.courier.models import Message

    message = Message.objects.get(direction="out", conversation__request=sent, type="new_request")
    event = AuditEvent.objects.filter(case_id=c.pk, seq__isnull=False).order_by("seq").first()
    return {"message": message, "message_evidence": message.evidence.order_by("pk").first(),"case": c, "old_case": old, "entity": entity, "note": note, "task": task, "document": doc,
            "request": req, "other_request": other, "approval": approval, "snapshot": snap, "item": item,
            "disclosure": disclosure, "protected": pp, "unsealing": unsealing, "unsealed": unsealed, "redress": matter,
            "disposal": disposal, "event": event, "member_cw": cw}


def _exchange(settings, admin):
    """This instance's exchange identity (Italy's central authority), a trusted peer in Norway with the route of
    mutual assistance to it, and a directory entry."""
    import datetime as dt

    from comity.courier import actions as courier
    from comity.courier import local
    from comity.exchange import AuthorityKeys, Identity

    local.initialise(authority="IT:matrix", state="IT", name="Matrix central authority", role="central_authority",
                     endpoint="https://127.0.0.1:9/exchange/v1/")
    keys = AuthorityKeys.generate(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    ident = Identity.for_keys(keys, authority="NO:matrix-peer", state="NO", name="Matrix peer authority",
                              role="central_authority", endpoint="https://127.0.0.1:9/exchange/v1/",
                              tls_certificate_sha256="0" * 64)
    peer = courier.do_import_peer(ident.sign(keys.signing().key), acting_user=admin)
    peer = courier.do_confirm_peer(peer, fingerprint_read=peer.fingerprint, how="read aloud in the matrix",
                                   acting_user=admin)
    entry = courier.do_save_directory_entry(None, data={
        "state": "NO", "name": "Matrix peer authority", "kind": "central_authority", "cooperation": ["mla"],
        "languages": ["en"], "channel": "comity", "peer": peer.authority}, acting_user=admin)
    return peer, entry


@pytest.fixture
def world(settings, tmp_path, monkeypatch, make_user):
    from comity.accounts import actions as accounts
    from comity.evidence import keys

    for var in ("COMITY_MASTER_KEY", "COMITY_MASTER_KEYS_RETIRED", "COMITY_TSA_URL"):
        monkeypatch.delenv(var, raising=False)
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.COMITY_EVIDENCE_DIR = tmp_path / "data" / "evidence"
    settings.COMITY_TSA_URL = ""
    keys.init_master_key()

    peer, entry = _exchange(settings, make_user("admin", "matrix-admin"))
    unit_a = accounts.do_create_unit(name="Unit A (matrix)")
    unit_b = accounts.do_create_unit(name="Unit B (matrix)")
    people = {}
    for name, role, unit in [("sup-a", "supervisor", unit_a), ("sup-a2", "supervisor", unit_a),
                             ("cw-a", "caseworker", unit_a), ("sup-b2", "supervisor", unit_b),
                             ("spare-a", "caseworker", unit_a), ("sup-b", "supervisor", unit_b),
                             ("cw-b", "caseworker", unit_b), ("dpo", "oversight", None), ("counsel", "defence", None)]:
        people[name] = make_user(role, f"matrix-{name}")
        if unit is not None:
            accounts.do_set_unit(people[name], unit=unit)
    sup = people["sup-a"]
    w = {"people": people, "M": _side("M", sup, people["cw-a"], people["sup-a2"]),
         "N": _side("N", people["sup-b"], people["cw-b"], people["sup-b2"])}
    raw = {}
    for label, owner, scope in [("read", sup, "read"), ("write", sup, "write"), ("revoked", sup, "write"),
                                ("spare", sup, "read"), ("other", people["sup-b"], "read"),
                                ("dpo", people["dpo"], "write"), ("counsel", people["counsel"], "write")]:
        token, raw[label] = accounts.do_create_token(owner, name=f"matrix {label}", scope=scope, acting_user=owner)
        w[f"token:{label}"] = token
    accounts.do_revoke_token(w["token:revoked"], acting_user=sup)
    w["M"]["token"], w["N"]["token"] = w["token:spare"], w["token:other"]
    for side in ("M", "N"):
        w[side]["peer"], w[side]["entry"] = peer, entry
    w["raw"] = raw
    return w


# --- running the requests --------------------------------------------------------------------------------------

def _web_clients(w) -> dict[str, dict]:
    """Per role: the session cookies to send and the extra headers."""
    p = w["people"]
    out = {}
    for role, user in [("member", p["sup-a"]), ("non-member", p["sup-a"]), ("oversight", p["dpo"]),
                       ("oversight+purpose", p["dpo"]), ("defence", p["counsel"])]:
        c = Client()
        c.force_login(user)
        if role == "oversight+purpose":
            for side in ("M", "N"):
                for case_ in (w[side]["case"], w[side]["old_case"]):
                    resp = c.post(f"/cases/{case_.pk}/purpose/", {"purpose": PURPOSE})
                    assert resp.status_code == 302, resp.content[:500]
        out[role] = {"cookies": {k: v.value for k, v in c.cookies.items()}, "headers": {}}
    for role, label in [("read token", "read"), ("write token", "write"), ("revoked token", "revoked")]:
        out[role] = {"cookies": {}, "headers": {"HTTP_AUTHORIZATION": f"Bearer {w['raw'][label]}"}}
    out["anonymous"] = {"cookies": {}, "headers": {}}
    return out


MISSING = 987654  # an id that names nothing


def _web_url(route: str, rule: Rule, objs: dict, w: dict, missing: bool = False) -> str:
    # In /cases/<pk>/documents/<doc_pk>/ and the like, <pk> is the case: the object has its own parameter.
    nested = any(f"{name}>" in route for name in ("doc_pk", "entity_pk", "note_pk", "task_pk"))
    values = {
        "pk": lambda: (objs["case"].pk if nested else
                       objs[rule.obj or "case"].pk if rule.obj != "disposal" else objs["disposal"].pk),
        "case_pk": lambda: objs["case"].pk, "task_pk": lambda: objs["task"].pk,
        "doc_pk": lambda: objs["document"].pk, "entity_pk": lambda: objs["entity"].pk,
        "note_pk": lambda: objs["note"].pk, "snap_pk": lambda: objs["snapshot"].pk, "fmt": lambda: "docx",
        "user_pk": lambda: w["people"]["spare-a"].pk, "action": lambda: "deactivate",
        "token_pk": lambda: objs["token"].pk, "instrument_id": lambda: "CETS-024", "state": lambda: "FR",
        "key": lambda: "MQ:matrixkey", "uidb36": lambda: "1",
        "ev_pk": lambda: objs["message_evidence"].pk, "mid": lambda: "0b7e6d9c-4f1a-4c57-9a59-6a3c2f1e8d40",
        "att": lambda: 0, "idx": lambda: 0,
    }
    if missing:
        values.update({k: (lambda: MISSING) for k in ("pk", "case_pk", "task_pk", "doc_pk", "entity_pk", "note_pk",
                                                       "snap_pk", "user_pk", "token_pk", "ev_pk")})
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]()), route)
    url = re.sub(r"\(\?P<(\w+)>[^()]*\)", lambda m: str(values[m.group(1)]()), url)
    return "/" + url.lstrip("^").rstrip("$")


def _body(resp) -> bytes:
    if getattr(resp, "streaming", False):
        # Consuming the test client's streaming content closes the response with the request_finished
        # signal's connection-closing receiver detached; a second, direct close() would send that signal
        # and close the database connection under the test's transaction (PostgreSQL).
        return b"".join(resp.streaming_content)
    return resp.content


def _leaked(body: bytes, role: str) -> list[str]:
    return [k for k in FORBIDDEN[role] if MARK[k].encode() in body]


def _seen(body: bytes) -> list[str]:
    return [k for k in MARK if MARK[k].encode() in body]


def _call(client_spec, method, url, *, data=None, json_body=None, files=None, surface="web"):
    client = Client(raise_request_exception=False)
    for k, v in client_spec["cookies"].items():
        client.cookies[k] = v
    headers = dict(client_spec["headers"])
    from comity.audit.models import AuditEvent

    with transaction.atomic():
        last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        if files is not None:
            resp = client.post(url, {**(data or {}), **files}, **headers)
        elif json_body is not None:
            resp = client.generic(method, url, json.dumps(json_body), content_type="application/json", **headers)
        elif method == "GET":
            resp = client.get(url, **headers)
        else:
            resp = client.generic(method, url, "&".join(f"{k}={v}" for k, v in (data or {}).items()),
                                  content_type="application/x-www-form-urlencoded", **headers)
        body = _body(resp)
        wrote = sorted(set(AuditEvent.objects.filter(pk__gt=last).exclude(category="access")
                           .values_list("event_type", flat=True)))
        transaction.set_rollback(True)
    return resp, body, wrote


@dataclasses.dataclass
class Row:
    surface: str
    endpoint: str
    method: str
    role: str
    status: int
    want: str
    got: str
    verdict: str
    leaked: list
    wrote: list
    seen: list = dataclasses.field(default_factory=list)


def run_web(w) -> list[Row]:
    specs = _web_clients(w)
    rows = []
    for route, name in url_patterns():
        if name not in WEB_RULES:
            continue
        rule = WEB_RULES[name]
        for method in rule.methods:
            for role in ROLES:
                url = _web_url(route, rule, w[SIDE[role]], w)
                data = rule.data if method == "POST" else None
                resp, body, wrote = _call(specs[role], method, url, data=data)
                want, got, leaked = expected(rule, method, role, "web"), classify(resp, "web"), _leaked(body, role)
                like_missing = False
                if want == "404" and got != "404":
                    other, _, _ = _call(specs[role], method, _web_url(route, rule, w[SIDE[role]], w, True), data=data)
                    like_missing = other.status_code == resp.status_code
                rows.append(Row("web", "/" + route, method, role, resp.status_code, want, got,
                                verdict(want, got, write=method in rule.writes, leaked=leaked, wrote=wrote,
                                        like_missing=like_missing), leaked, wrote, _seen(body)))
    return rows


def _api_spec(w, role) -> dict:
    label = {"member": "write", "non-member": "write", "oversight": "dpo", "oversight+purpose": "dpo",
             "defence": "counsel", "read token": "read", "write token": "write", "revoked token": "revoked"}.get(role)
    return {"cookies": {}, "headers": {"HTTP_AUTHORIZATION": f"Bearer {w['raw'][label]}"} if label else {}}


def _api_call(w, role, method, path, op, missing=False):
    objs = w[SIDE[role]]
    values = {"case_id": objs["case"].pk, "request_id": objs["request"].pk, "task_id": objs["task"].pk,
              "document_id": objs["document"].pk, "seq": objs["event"].seq, "username": objs["member_cw"].username,
              "instrument_id": "CETS-024", "state": "FR"}
    if missing:
        values.update({k: MISSING for k in ("case_id", "request_id", "task_id", "document_id", "seq")})
    url = re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), path)
    query = {"seq": objs["event"].seq, "first": 1, "requesting": "FR", "requested": "CH", "kind": "extradition"}
    params = [f"{p['name']}={query[p['name']]}" for p in op.get("parameters", [])
              if p["in"] == "query" and p.get("required")]
    if role == "oversight+purpose" and method == "GET":
        params.append("purpose=" + PURPOSE.replace(" ", "+"))
    if params:
        url += "?" + "&".join(params)
    bodies = {
        "/api/cases": {"title": "Opened by the matrix"},
        "/api/cases/{case_id}/members": {"username": w["people"]["spare-a"].username},
        "/api/cases/{case_id}/requests": {"kind": "mla", "direction": "outgoing", "subject": "Records",
                                          "requesting_state": "FR", "requested_state": "CH"},
        "/api/requests/{request_id}/transitions": {"transition": _first_step(objs["request"])},
        "/api/requests/{request_id}/links": {"to_request": objs["other_request"].reference, "relation": "related"},
        "/api/cases/{case_id}/entities": {"schema": "Person", "properties": {"name": "Added by the matrix"}},
        "/api/cases/{case_id}/notes": {"text": "Added by the matrix"},
        "/api/cases/{case_id}/tasks": {"title": "Added by the matrix"},
        "/api/assess": {"kind": "extradition", "requesting_state": "US", "requested_state": "GB", "date": "2024-06-01",
                        "purpose": "prosecution", "offences": [{"description": "fraud", "max_penalty_months": 60,
                                                                "criminal_in_requested": True}]},
        "/api/law/clocks": {"kind": "extradition", "instrument": "CETS-024",
                            "events": {"provisional_arrest": "2024-06-03"}},
    }
    if path == "/api/cases/{case_id}/documents":
        from django.core.files.uploadedfile import SimpleUploadedFile

        return _call(_api_spec(w, role), method, url, data={"title": "matrix"},
                     files={"file": SimpleUploadedFile("matrix.txt", b"added by the matrix")}, surface="api")
    return _call(_api_spec(w, role), method, url, json_body=bodies.get(path), surface="api")


def run_api(w) -> list[Row]:
    rows = []
    for method, path, op in openapi_operations(Client()):
        rule = API_RULES.get(f"{method} {path}")
        if rule is None:
            continue  # an operation of the API matrix (tests/api/matrix), checked there
        for role in ROLES:
            resp, body, wrote = _api_call(w, role, method, path, op)
            want, got, leaked = expected(rule, method, role, "api"), classify(resp, "api"), _leaked(body, role)
            like_missing = False
            if want == "404" and got != "404":
                other, _, _ = _api_call(w, role, method, path, op, missing=True)
                like_missing = other.status_code == resp.status_code
            rows.append(Row("api", path, method, role, resp.status_code, want, got,
                            verdict(want, got, write=method in rule.writes, leaked=leaked, wrote=wrote,
                                    like_missing=like_missing), leaked, wrote, _seen(body)))
    return rows


# --- the document ------------------------------------------------------------------------------------------------

LEGEND = """\
# Authorisation matrix

Generated by `tests/security/test_authorisation_matrix.py` on every run; do not edit by hand. The rows are
every pattern of the URL configuration and every operation of the OpenAPI schema (`/api/openapi.json`); the
columns are the callers. Each cell is `status · expected · verdict`.

Callers: **member** — a supervisor of unit A on the objects of case M, of which they are a member;
**non-member** — the same supervisor on the objects of case N (unit B; not a member); **oversight** — an
oversight user who has stated no purpose; **oversight+purpose** — the same after stating a purpose (web: the
purpose page; API: `purpose` with the call); **defence** — defence counsel, member of no case, on case M;
**read token**, **write token**, **revoked token** — the member's personal access tokens (on the web pages
sent as `Authorization: Bearer`, which signs no one in); **anonymous**. On the API, member, non-member,
oversight and defence call with write-scope tokens of their own.

Expected (from the rules, not from the answers): **allow** — served (or the caller's input refused, 400/422);
**login** — the login page (web) or 401 (API); **404** — exactly as for an id that does not exist;
**purpose** — sent to state a purpose (302 to the purpose page, or 422 naming `purpose`); **deny** — 403 or
404; **403** — refused for the token's scope.

Verdicts: **OK**; **LEAK** — served, changed (an audit event of a change was written) or told more than
the rule allows, or the answer holds a marker planted in a case the caller may not read; **REFUSED** —
stricter than the rule; **MISMATCH** — refused, but not as the rule says (e.g. inside the page, with
nothing written); **ERROR** — a server error.
"""


def _cell(r: Row) -> str:
    extra = f" ({', '.join(r.leaked)})" if r.leaked else ""
    return f"{r.status} · {r.want} · {r.verdict}{extra}"


def write_document(rows: list[Row]) -> str:
    out = [LEGEND]
    counts = {}
    for r in rows:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    endpoints = {(r.surface, r.method, r.endpoint) for r in rows}
    out.append(f"{len(endpoints)} endpoint-methods x {len(ROLES)} callers = {len(rows)} cells: "
               + ", ".join(f"{counts[v]} {v}" for v in ("OK", "LEAK", "REFUSED", "MISMATCH", "ERROR") if v in counts)
               + ".\n")
    known = {**KNOWN_LEAKS, **KNOWN_ERRORS}
    for title, verdicts in [("Leaks and errors", ("LEAK", "ERROR")), ("Stricter than the rule", ("REFUSED",)),
                            ("Refused, but not as the rule says", ("MISMATCH",))]:
        picked = [r for r in rows if r.verdict in verdicts]
        out.append(f"## {title}\n")
        if not picked:
            out.append("None.\n")
            continue
        out.append("| surface | method | endpoint | caller | status | expected | verdict | finding |")
        out.append("|---|---|---|---|---|---|---|---|")
        for r in picked:
            finding = known.get((r.surface, r.method, r.endpoint, r.role), "**new**" if r.verdict in verdicts[:2]
                                and title.startswith("Leaks") else "")
            what = r.verdict + (f" (marker of {', '.join(r.leaked)})" if r.leaked else "") + \
                (f" (wrote {', '.join(r.wrote)})" if r.wrote and r.verdict == "LEAK" else "")
            out.append(f"| {r.surface} | {r.method} | `{r.endpoint}` | {r.role} | {r.status} | {r.want} | {what} "
                       f"| {finding} |")
        out.append("")
    out.append("## Named exceptions to the default rules\n")
    for name, rule in sorted({**WEB_RULES, **API_RULES}.items()):
        if rule.note:
            out.append(f"- `{name}`: {rule.note}")
    out.append("")
    for surface, title in [("web", "Web pages"), ("api", "API operations")]:
        out.append(f"## {title}\n")
        out.append("| endpoint | method | " + " | ".join(ROLES) + " |")
        out.append("|---|---|" + "---|" * len(ROLES))
        by_key: dict = {}
        for r in rows:
            if r.surface == surface:
                by_key.setdefault((r.endpoint, r.method), {})[r.role] = r
        for (endpoint, method), cells in sorted(by_key.items()):
            out.append(f"| `{endpoint}` | {method} | " + " | ".join(_cell(cells[role]) for role in ROLES) + " |")
        out.append("")
    return "\n".join(out)


# --- the test --------------------------------------------------------------------------------------------------

def test_authorisation_matrix(world):
    rows = run_web(world) + run_api(world)
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(write_document(rows), encoding="utf-8")

    def key(r):
        return (r.surface, r.method, r.endpoint, r.role)

    def show(r):
        return f"{r.surface} {r.method} {r.endpoint} as {r.role}: {r.status} (expected {r.want}){' ' + str(r.leaked) if r.leaked else ''}"

    leaks = [show(r) for r in rows if r.verdict == "LEAK" and key(r) not in KNOWN_LEAKS]
    errors = [show(r) for r in rows if r.verdict == "ERROR" and key(r) not in KNOWN_ERRORS]
    # Members read and write their own cases: a member (or the member's tokens) refused is a regression.
    refused = [show(r) for r in rows if r.verdict == "REFUSED" and r.role in ("member", "read token", "write token")]
    verdicts = {key(r): r.verdict for r in rows}
    fixed = [f"{k}: {f}" for k, f in KNOWN_LEAKS.items() if verdicts.get(k) != "LEAK"]
    fixed += [f"{k}: {f}" for k, f in KNOWN_ERRORS.items() if verdicts.get(k) != "ERROR"]
    assert leaks == [], f"authorisation leaks (see {DOC.relative_to(ROOT)}):\n" + "\n".join(leaks)
    assert errors == [], "server errors:\n" + "\n".join(errors)
    assert refused == [], "members refused on their own cases:\n" + "\n".join(refused)
    assert fixed == [], "no longer leaking or failing: remove from KNOWN_LEAKS / KNOWN_ERRORS:\n" + "\n".join(fixed)
    # The marker scan has teeth: where the rule lets a caller read, the planted data is in the answer.
    seen = {(r.surface, r.method, r.endpoint, r.role): r.seen for r in rows}
    for where, marker in [(("web", "GET", "/cases/<int:pk>/", "member"), "M"),
                          (("web", "GET", "/cases/<int:pk>/", "oversight+purpose"), "M"),
                          (("web", "GET", "/evidence/items/<int:pk>/", "member"), "M"),
                          (("web", "POST", "/oversight/unsealing/<int:pk>/view/", "member"), "M"),
                          (("web", "GET", "/oversight/redress/<int:pk>/", "member"), "RM"),
                          (("api", "GET", "/api/cases/{case_id}", "read token"), "M"),
                          (("api", "GET", "/api/cases/{case_id}/documents/{document_id}/content", "member"), "M")]:
        assert marker in seen[where], f"{where}: the planted marker {MARK[marker]!r} is not in the answer"
