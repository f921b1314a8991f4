"""What every router of the API shares: who is calling, the compartment rule, the write scope, the
list envelope and the ETag of what an update changes. Routers (cases_api, builder_api, ...) import from
here, never from comity.api.api (which imports them).

- `writer(request)`: the acting user, or 403 for a read-only token;
- `case_or_404`, `member_case`, `member_request`: objects outside the caller's cases are 404;
- `read_case`, `read_request`: the one read rule (members, or oversight users with a stated purpose,
  validated and recorded; the read is logged: comity.cases.reads);
- `LIST_PARAMS` documentation and `page_of` (comity.api.paging) for every list;
- `set_etag(response, fields)` on reads of what can be updated, `require_match` (comity.api.etag) on updates.
"""

from __future__ import annotations

from django.http import HttpResponse
from ninja.security import HttpBearer

from comity.accounts.actions import authenticate_token
from comity.accounts.models import TokenScope, User
from comity.api.etag import etag, require_match  # noqa: F401  (re-exported for the routers)
from comity.api.paging import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of, sort_description  # noqa: F401
from comity.cases import actions, reads
from comity.cases.models import Case, CooperationRequest
from comity.errors import NotAllowed, NotFound


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = authenticate_token(token)
        if found is None:
            return None
        request.user, request.comity_token = found
        return found[0]


PURPOSE_DOC = ("Oversight users only: why you read this (at least a few words, or a reference such as a "
               "complaint number); recorded with the read")
CURSOR_DOC = "The `next_cursor` of the previous page"
LIMIT_DOC = f"Items per page, 1 to {MAX_LIMIT}"


def writer(request) -> User:
    token = getattr(request, "comity_token", None)
    if token is None or token.scope != TokenScope.WRITE:
        raise NotAllowed("This token is read-only; create a token with the write scope to make changes.")
    return request.user


def case_or_404(case_id: int) -> Case:
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise NotFound("No such case.")
    return case


def member_case(request, case_id: int) -> Case:
    case = case_or_404(case_id)
    actions.require_member(case, request.user)
    return case


def read_case(request, case_id: int, purpose: str | None, *, what: str, obj=None) -> tuple[Case, str]:
    """The one compartment rule (comity.cases.reads): members read their cases; oversight users state a
    purpose, which is validated and recorded; the read is logged."""
    case = case_or_404(case_id)
    return case, reads.read_case(request.user, case, what=what, obj=obj, stated=purpose, via="api")


def member_request(request, request_id: int) -> CooperationRequest:
    req = CooperationRequest.objects.select_related("case").filter(pk=request_id).first()
    if req is None or not actions.is_member(req.case, request.user):
        raise NotFound("No such request.")
    return req


def read_request(request, request_id: int, purpose: str | None, *, what: str) -> CooperationRequest:
    """A request read under the one compartment rule (members, or oversight with a stated purpose)."""
    req = CooperationRequest.objects.select_related("case").filter(pk=request_id).first()
    if req is None:
        raise NotFound("No such request.")
    try:
        reads.read_case(request.user, req.case, what=what, obj=req, stated=purpose, via="api")
    except NotFound:
        raise NotFound("No such request.") from None
    return req


def set_etag(response: HttpResponse, fields: dict) -> None:
    """Put the ETag of an object shown as `fields` on the answer (send it back in If-Match to update)."""
    response["ETag"] = etag(fields)
