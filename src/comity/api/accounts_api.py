"""API operations: accounts (see comity.api.common for the shared rules: compartments, scopes, lists, ETags).

The same rules as the account pages (comity.web.views users/tokens, comity.accounts.views), through the same
actions: administrators list and create accounts, deactivate and reactivate them, reset a lost second factor,
issue the one-time enrolment code, define units and put accounts in them; every user lists, creates and revokes
their own API tokens (the raw token is shown once, in the answer that creates it; only its hash is kept).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Count, Q
from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from comity.accounts import actions
from comity.accounts.models import PersonalAccessToken, Role, Unit, User
from comity.api.common import (CURSOR_DOC, LIMIT_DOC, Page, page_of, require_match, set_etag, sort_description,
                               writer)
from comity.api.schemas import errors, if_match
from comity.errors import InvalidInput, NotAllowed, NotFound

router = Router(tags=["accounts"])

RoleCode = Literal["caseworker", "prosecutor", "supervisor", "defence", "oversight", "admin"]


def _admin(request) -> User:
    if request.user.role != Role.ADMIN:
        raise NotAllowed("Accounts and units are managed by administrators.")
    return request.user


def _admin_writer(request) -> User:
    _admin(request)
    return writer(request)


# --- users ---------------------------------------------------------------------------------------------------

class UnitOut(Schema):
    id: int
    name: str
    members: int = Field(description="Accounts in the unit")
    cases: int = Field(description="Cases that belong to the unit")


class UserOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    role: str
    organisation: str
    unit_id: int | None
    unit: str | None = Field(description="The unit's name")
    is_active: bool
    second_factor: bool = Field(description="Whether the account has set up a second factor")
    enrolment_code_pending: bool = Field(description="Whether an enrolment code is waiting to be used")
    date_joined: dt.datetime
    last_login: dt.datetime | None


class UserIn(Schema):
    username: str = Field(max_length=150, description="Letters, digits and . _ - @")
    password: str = Field(description="At least 12 characters; the person sets up their second factor at first "
                                      "sign-in, with the enrolment code you issue them")
    role: RoleCode
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    email: str = Field("", max_length=254)
    organisation: str = Field("", max_length=200)
    unit_id: int | None = Field(None, description="The unit the account belongs to (supervisors see and may join "
                                                  "the cases of their unit)")


class UnitIn(Schema):
    name: str = Field(description="e.g. Central Authority, International Cooperation Unit")


class UserUnitIn(Schema):
    unit_id: int | None = Field(description="The unit, or null for none")


class EnrolmentCodeIn(Schema):
    hours: int = Field(72, description="How long the code works, 1 to 744 hours (the web offers 24, 72 or 168)")


class EnrolmentCodeOut(Schema):
    user: str
    code: str = Field(description="The one-time code, shown once: give it to the person by another channel")
    expires_at: dt.datetime


USER_SORTS = {"username": "username", "joined": "date_joined"}


def _mfa(user: User) -> bool:
    from allauth.mfa.utils import is_mfa_enabled

    return is_mfa_enabled(user)


def _user_out(u: User, mfa: bool | None = None) -> dict:
    return {"id": u.pk, "username": u.username, "first_name": u.first_name, "last_name": u.last_name,
            "email": u.email, "role": u.role, "organisation": u.organisation, "unit_id": u.unit_id,
            "unit": u.unit.name if u.unit else None, "is_active": u.is_active,
            "second_factor": _mfa(u) if mfa is None else mfa,
            "enrolment_code_pending": actions.pending_enrolment_code(u) is not None,
            "date_joined": u.date_joined, "last_login": u.last_login}


def _user_fields(u: User) -> dict:
    return {"is_active": u.is_active, "role": u.role, "unit_id": u.unit_id, "second_factor": _mfa(u)}


def _account(user_id: int) -> User:
    u = User.objects.select_related("unit").filter(pk=user_id).first()
    if u is None:
        raise NotFound("No such account.")
    return u


def _unit(unit_id: int | None, field: str) -> Unit | None:
    if unit_id is None:
        return None
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise InvalidInput({field: f"no unit with the id {unit_id}"})
    return unit


def _answer(response: HttpResponse, u: User) -> dict:
    u = User.objects.select_related("unit").get(pk=u.pk)
    set_etag(response, _user_fields(u))
    return _user_out(u)


@router.get("/users", response={200: Page[UserOut], **errors(403, 422)},
            summary="Accounts, for administrators, filtered and sorted, a page at a time")
def list_users(request, role: Literal["", RoleCode] = "",
               active: bool | None = Query(None, description="Only active (true) or deactivated (false) accounts"),
               unit_id: int | None = Query(None, description="Only the accounts of this unit"),
               q: str = Query("", max_length=150, description="Words in the account name, names or e-mail"),
               sort: str = Query("username", description=sort_description(USER_SORTS, "username")),
               cursor: str | None = Query(None, description=CURSOR_DOC),
               limit: int = Query(50, description=LIMIT_DOC)):
    from allauth.mfa.models import Authenticator

    _admin(request)
    qs = User.objects.select_related("unit")
    if role:
        qs = qs.filter(role=role)
    if active is not None:
        qs = qs.filter(is_active=active)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
                       | Q(email__icontains=q))
    with_mfa = set(Authenticator.objects.values_list("user_id", flat=True).distinct())
    return page_of(qs, sort=sort, sorts=USER_SORTS, default="username", cursor=cursor, limit=limit,
                   serialize=lambda u: _user_out(u, u.pk in with_mfa))


@router.post("/users", response={201: UserOut, **errors(403, 422)},
             summary="Create an account (administrators); then issue its enrolment code")
def create_user(request, payload: UserIn):
    user = _admin_writer(request)
    if payload.email:
        try:
            validate_email(payload.email)
        except ValidationError:
            raise InvalidInput({"email": "is not an e-mail address"}) from None
    unit = _unit(payload.unit_id, "unit_id")
    u = actions.do_create_user(username=payload.username, password=payload.password, role=payload.role,
                               email=payload.email, first_name=payload.first_name, last_name=payload.last_name,
                               organisation=payload.organisation, unit=unit, acting_user=user, via="api")
    return Status(201, _user_out(User.objects.select_related("unit").get(pk=u.pk), False))


@router.get("/users/{user_id}", response={200: UserOut, **errors(403, 404, 422)},
            summary="An account (administrators)")
def get_user(request, response: HttpResponse, user_id: int):
    _admin(request)
    return _answer(response, _account(user_id))


@router.post("/users/{user_id}/deactivate", response={200: UserOut, **errors(403, 404, 422)},
             openapi_extra=if_match(),
             summary="Deactivate an account (administrators): its sessions and tokens stop working at once")
def deactivate_user(request, response: HttpResponse, user_id: int):
    user = _admin_writer(request)
    u = _account(user_id)
    require_match(request, _user_fields(u), what="account")
    actions.do_set_active(u, active=False, acting_user=user, via="api")
    return _answer(response, u)


@router.post("/users/{user_id}/activate", response={200: UserOut, **errors(403, 404, 422)},
             openapi_extra=if_match(), summary="Reactivate a deactivated account (administrators)")
def activate_user(request, response: HttpResponse, user_id: int):
    user = _admin_writer(request)
    u = _account(user_id)
    require_match(request, _user_fields(u), what="account")
    actions.do_set_active(u, active=True, acting_user=user, via="api")
    return _answer(response, u)


@router.post("/users/{user_id}/reset-second-factor", response={200: UserOut, **errors(403, 404, 422)},
             openapi_extra=if_match(),
             summary="Remove an account's second factor (a lost phone): it enrols again, with a new enrolment "
                     "code (administrators)")
def reset_user_second_factor(request, response: HttpResponse, user_id: int):
    user = _admin_writer(request)
    u = _account(user_id)
    require_match(request, _user_fields(u), what="account")
    actions.do_reset_second_factor(u, acting_user=user, via="api")
    return _answer(response, u)


@router.put("/users/{user_id}/unit", response={200: UserOut, **errors(403, 404, 422)}, openapi_extra=if_match(),
            summary="Put an account in a unit, or in none (administrators)")
def set_user_unit(request, response: HttpResponse, user_id: int, payload: UserUnitIn):
    user = _admin_writer(request)
    u = _account(user_id)
    unit = _unit(payload.unit_id, "unit_id")
    require_match(request, _user_fields(u), what="account")
    try:
        actions.do_set_unit(u, unit=unit, acting_user=user, via="api")
    except InvalidInput as e:
        raise InvalidInput({("unit_id" if k == "unit" else k): v for k, v in e.errors.items()}) from None
    return _answer(response, u)


@router.post("/users/{user_id}/enrolment-codes", response={201: EnrolmentCodeOut, **errors(403, 404, 422)},
             summary="Issue the one-time code an account needs to set up its second factor (administrators); "
                     "shown once, it replaces any earlier code")
def issue_enrolment_code(request, response: HttpResponse, user_id: int, payload: EnrolmentCodeIn):
    user = _admin_writer(request)
    u = _account(user_id)
    code, raw = actions.do_issue_enrolment_code(u, acting_user=user, hours=payload.hours, via="api")
    response["Cache-Control"] = "no-store"
    return Status(201, {"user": u.username, "code": raw, "expires_at": code.expires_at})


# --- units ---------------------------------------------------------------------------------------------------

UNIT_SORTS = {"name": "name", "created": "created_at"}


def _unit_out(u: Unit) -> dict:
    return {"id": u.pk, "name": u.name, "members": u.n_members, "cases": u.n_cases}


def _units():
    return Unit.objects.annotate(n_members=Count("members", distinct=True), n_cases=Count("cases", distinct=True))


@router.get("/units", response={200: Page[UnitOut], **errors(403, 422)},
            summary="Organisational units, with how many accounts and cases each holds (administrators)")
def list_units(request, sort: str = Query("name", description=sort_description(UNIT_SORTS, "name")),
               cursor: str | None = Query(None, description=CURSOR_DOC),
               limit: int = Query(50, description=LIMIT_DOC)):
    _admin(request)
    return page_of(_units(), sort=sort, sorts=UNIT_SORTS, default="name", cursor=cursor, limit=limit,
                   serialize=_unit_out)


@router.post("/units", response={201: UnitOut, **errors(403, 422)},
             summary="Define an organisational unit, e.g. a central authority (administrators)")
def create_unit(request, payload: UnitIn):
    unit = actions.do_create_unit(name=payload.name, acting_user=_admin_writer(request), via="api")
    return Status(201, _unit_out(_units().get(pk=unit.pk)))


# --- tokens --------------------------------------------------------------------------------------------------

class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart")
    scope: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    active: bool = Field(description="Neither revoked nor expired")


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself, shown this once: only its hash is kept")


class TokenIn(Schema):
    name: str = Field(description="What the token is for, e.g. the system that uses it")
    scope: Literal["read", "write"] = Field(description="`read`: reads only; `write`: reads and changes")
    days: int = Field(90, description="Days until it expires, 1 to 366")


TOKEN_SORTS = {"created": "created_at", "name": "name"}


def _token_out(t: PersonalAccessToken) -> dict:
    from django.utils import timezone

    return {"id": t.pk, "name": t.name, "prefix": t.prefix, "scope": t.scope, "created_at": t.created_at,
            "expires_at": t.expires_at, "last_used_at": t.last_used_at, "revoked_at": t.revoked_at,
            "active": t.revoked_at is None and (t.expires_at is None or t.expires_at > timezone.now())}


def _token_fields(t: PersonalAccessToken) -> dict:
    return {"revoked_at": t.revoked_at, "expires_at": t.expires_at, "scope": t.scope}


def _own_token(request, token_id: int) -> PersonalAccessToken:
    t = PersonalAccessToken.objects.filter(pk=token_id, user=request.user).first()
    if t is None:
        raise NotFound("No such token.")
    return t


@router.get("/tokens", response={200: Page[TokenOut], **errors(422)},
            summary="Your API tokens (never the tokens themselves), newest first")
def list_tokens(request, state: Literal["", "active", "revoked"] = "",
                sort: str = Query("-created", description=sort_description(TOKEN_SORTS, "-created")),
                cursor: str | None = Query(None, description=CURSOR_DOC),
                limit: int = Query(50, description=LIMIT_DOC)):
    qs = PersonalAccessToken.objects.filter(user=request.user)
    if state == "active":
        qs = qs.filter(revoked_at__isnull=True)
    elif state == "revoked":
        qs = qs.filter(revoked_at__isnull=False)
    return page_of(qs, sort=sort, sorts=TOKEN_SORTS, default="-created", cursor=cursor, limit=limit,
                   serialize=_token_out)


@router.post("/tokens", response={201: NewTokenOut, **errors(403, 422)},
             summary="Create an API token for yourself; the answer shows it once (a write token is needed)")
def create_token(request, response: HttpResponse, payload: TokenIn):
    user = writer(request)
    token, raw = actions.do_create_token(user, name=payload.name, scope=payload.scope, days=payload.days,
                                         acting_user=user, via="api")
    response["Cache-Control"] = "no-store"
    return Status(201, {**_token_out(token), "token": raw})


@router.get("/tokens/{token_id}", response={200: TokenOut, **errors(404, 422)}, summary="One of your API tokens")
def get_token(request, response: HttpResponse, token_id: int):
    t = _own_token(request, token_id)
    set_etag(response, _token_fields(t))
    return _token_out(t)


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, **errors(403, 404, 422)},
             openapi_extra=if_match(), summary="Revoke one of your API tokens: it stops working at once")
def revoke_token(request, response: HttpResponse, token_id: int):
    t = _own_token(request, token_id)
    user = writer(request)
    require_match(request, _token_fields(t), what="token")
    actions.do_revoke_token(t, acting_user=user, via="api")
    t.refresh_from_db()
    set_etag(response, _token_fields(t))
    return _token_out(t)
