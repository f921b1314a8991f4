"""Oversight grants and the PurposeRequired error; the one compartment rule itself is
comity.cases.reads.case_purpose.

Members see their cases. Oversight users may open any case after stating a purpose; the grant lasts
COMITY_OVERSIGHT_GRANT_SECONDS and each read under it is logged with that purpose. Everyone else is
told the case does not exist (404), so a compartment does not leak that a case exists.
"""

from __future__ import annotations

import time

from django.conf import settings

from comity.cases.models import Case
from comity.errors import ComityError

MEMBER_PURPOSE = "case work (member of the case)"
_SESSION_KEY = "comity_oversight_grants"


class PurposeRequired(ComityError):
    """An oversight user must state a purpose before opening this case."""

    code = "purpose_required"
    status = 422  # the purpose is a missing input (API: query parameter `purpose`)
    exit_code = 2

    def __init__(self, case: Case):
        self.case = case
        super().__init__({"purpose": "state why you need this case (at least 10 characters); the purpose is "
                                     "recorded with each read"})


def grant_oversight(session, case: Case, purpose: str) -> None:
    grants = session.get(_SESSION_KEY, {})
    grants[str(case.pk)] = {"purpose": purpose, "until": time.time() + settings.COMITY_OVERSIGHT_GRANT_SECONDS}
    session[_SESSION_KEY] = grants


def oversight_purpose(session, case_id: int) -> str | None:
    grant = (session.get(_SESSION_KEY) or {}).get(str(case_id))
    if grant and grant["until"] > time.time():
        return grant["purpose"]
    return None
