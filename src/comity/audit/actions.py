"""Actions on the audit log itself (the log's own state changes are audited like any other)."""

from __future__ import annotations

from django.db import transaction

from comity import audit
from comity.accounts.models import Role, User
from comity.audit import ledger
from comity.cases.validation import text_error
from comity.errors import InvalidInput, NotFound


def do_sign_tree_head(*, acting_user=None, via: str = ""):
    """Sign the current tree head (no-op when the newest head already covers the log); the signing is
    logged as `ledger.tree_head_signed` and covered by the head it produces."""
    return ledger.sign_current_head(actor=acting_user, via=via)


# --- reads of the log that no case's compartment covers ----------------------------------------------
# A read of an event about a case goes through comity.cases.reads (members, or oversight with a stated
# purpose). An event about no case (accounts, tokens, units, console searches, tree heads) is for oversight
# users and administrators only, under a stated purpose, each read logged here.

LOG_READERS = {Role.OVERSIGHT, Role.ADMIN}
MIN_PURPOSE = 10


def purpose_error(purpose) -> str | None:
    if not (purpose or "").strip():
        return ("state why you read this event (query parameter `purpose`, at least "
                f"{MIN_PURPOSE} characters); it is recorded with the read")
    error = text_error(purpose, required=True, max_length=500)
    if error:
        return error
    if len(purpose.strip()) < MIN_PURPOSE:
        return f"say why you read this event (at least {MIN_PURPOSE} characters)"
    return None


def do_record_log_read(event, *, acting_user: User, purpose: str | None, via: str = "api") -> None:
    """Log that an oversight user or an administrator read an audit event that is about no case."""
    if acting_user.role not in LOG_READERS:
        raise NotFound("No such event.")
    error = purpose_error(purpose)
    if error:
        raise InvalidInput({"purpose": error})
    with transaction.atomic():
        audit.record("access.audit_event", actor=acting_user, obj=event, purpose=purpose.strip(),
                     category="access", via=via)
