"""One read-and-log layer for personal data.

Every read of a case's personal data — a web page, an API endpoint, a CLI command, an export, and
list pages whose rows carry case titles — goes through this module, which applies the one
compartment rule and writes the access event:

- a member of the case reads it for "case work";
- an oversight user reads any case under a purpose they stated (on the web, kept in the session for
  COMITY_OVERSIGHT_GRANT_SECONDS; on the API and CLI, given with the call), each read logged with it;
- anyone else is told the case does not exist (NotFound), exactly as for a case that does not exist.

Writes are a separate matter: only members write (`comity.cases.actions.require_member`).
"""

from __future__ import annotations

from comity.accounts.models import Role
from comity.cases.access import MEMBER_PURPOSE, PurposeRequired, oversight_purpose
from comity.cases.actions import do_open_case_for_oversight, do_record_access, do_record_list_access, is_member
from comity.cases.models import Case
from comity.errors import NotFound

__all__ = ["MEMBER_PURPOSE", "PurposeRequired", "case_purpose", "read_case", "log_read", "log_list"]


def case_purpose(user, case: Case, *, session=None, stated: str | None = None, via: str = "web") -> str:
    """The purpose under which `user` may read `case` (the one compartment rule); raises NotFound or
    PurposeRequired. A purpose stated with the call (API, CLI) is validated and recorded as the
    oversight user's opening of the case."""
    if is_member(case, user):
        return MEMBER_PURPOSE
    if getattr(user, "role", None) == Role.OVERSIGHT:
        if stated and stated.strip():
            do_open_case_for_oversight(case, purpose=stated, acting_user=user, via=via)
            return stated.strip()
        granted = oversight_purpose(session, case.pk) if session is not None else None
        if granted:
            return granted
        raise PurposeRequired(case)
    raise NotFound("No such case.")


def log_read(user, case: Case, *, what: str, purpose: str, obj=None, via: str = "web") -> None:
    """Log a read already allowed by `case_purpose` (when the object read is found only afterwards)."""
    do_record_access(case, acting_user=user, what=what, purpose=purpose, obj=obj, via=via)


def read_case(user, case: Case, *, what: str, obj=None, session=None, stated: str | None = None,
              via: str = "web") -> str:
    """Check that `user` may read `case` and log the read (`access.<what>`); returns the purpose."""
    purpose = case_purpose(user, case, session=session, stated=stated, via=via)
    do_record_access(case, acting_user=user, what=what, purpose=purpose, obj=obj, via=via)
    return purpose


def log_list(user, *, what: str, cases, via: str = "web") -> None:
    """Log a list read whose rows carry case titles or other personal data: one event naming the
    cases shown (by reference). `cases` are Case objects or references; an empty list logs nothing."""
    refs = sorted({c if isinstance(c, str) else c.reference for c in cases})
    if refs:
        do_record_list_access(acting_user=user, what=what, references=refs, via=via)
