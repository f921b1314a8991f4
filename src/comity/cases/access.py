"""Who may open a case, and the access events that opening it writes.

Members see their cases. Oversight users may open any case after stating a purpose; the grant lasts
COMITY_OVERSIGHT_GRANT_SECONDS and each read under it is logged with that purpose. Everyone else is
told the case does not exist (404), so a compartment does not leak that a case exists.
"""

from __future__ import annotations

import time

from django.conf import settings

from comity.accounts.models import Role
from comity.cases.actions import is_member
from comity.cases.models import Case
from comity.errors import NotFound

MEMBER_PURPOSE = "case work (member of the case)"
_SESSION_KEY = "comity_oversight_grants"


class PurposeRequired(Exception):
    """An oversight user must state a purpose before opening this case."""

    def __init__(self, case: Case):
        self.case = case


def grant_oversight(session, case: Case, purpose: str) -> None:
    grants = session.get(_SESSION_KEY, {})
    grants[str(case.pk)] = {"purpose": purpose, "until": time.time() + settings.COMITY_OVERSIGHT_GRANT_SECONDS}
    session[_SESSION_KEY] = grants


def oversight_purpose(session, case_id: int) -> str | None:
    grant = (session.get(_SESSION_KEY) or {}).get(str(case_id))
    if grant and grant["until"] > time.time():
        return grant["purpose"]
    return None


def reading_purpose(user, case: Case, session=None, *, stated: str | None = None) -> str:
    """The purpose under which `user` reads `case`; raises NotFound or PurposeRequired."""
    if is_member(case, user):
        return MEMBER_PURPOSE
    if user.role == Role.OVERSIGHT:
        purpose = stated or (oversight_purpose(session, case.pk) if session is not None else None)
        if purpose:
            return purpose
        raise PurposeRequired(case)
    raise NotFound("No such case.")
