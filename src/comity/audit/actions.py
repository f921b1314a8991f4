"""Actions on the audit log itself (the log's own state changes are audited like any other)."""

from __future__ import annotations

from comity.audit import ledger


def do_sign_tree_head(*, acting_user=None, via: str = ""):
    """Sign the current tree head (no-op when the newest head already covers the log); the signing is
    logged as `ledger.tree_head_signed` and covered by the head it produces."""
    return ledger.sign_current_head(actor=acting_user, via=via)
