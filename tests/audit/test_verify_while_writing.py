"""`comity audit verify` on a live instance: events appended while it reads the log are not tampers.

The state and the subtree cache are read before the entries; the crash campaign (tests/security) found that
a verification running beside writers reported "compact range differs" when they were read after."""

from __future__ import annotations

from comity.audit import ledger
from comity.audit.models import LedgerState, LedgerSubtree
from comity.cases import actions


def test_events_appended_between_the_reads_are_not_reported(case, caseworker):
    for i in range(20):
        actions.do_add_note(case, text=f"before {i}", acting_user=caseworker)
    before = LedgerState.objects.get(pk=1)
    cached = {(lvl, idx): h for lvl, idx, h in LedgerSubtree.objects.values_list("level", "index", "hash")}
    for i in range(40):  # a writer appends while the verification reads (completing new subtrees too)
        actions.do_add_note(case, text=f"during {i}", acting_user=caseworker)
    leaves, gaps = ledger._stored_entries()
    assert not gaps and len(leaves) > before.size
    assert ledger.check_beside_the_log(leaves, state=before, cached=cached) == []
    # ...while the same reads on a state that does not describe those entries are reported.
    now = LedgerState.objects.get(pk=1)
    LedgerState.objects.filter(pk=1).update(compact=dict(now.compact, hashes=["00" * 32] * len(now.compact["hashes"])))
    assert ledger.check_beside_the_log(leaves, state=LedgerState.objects.get(pk=1)) == [
        "the log's stored state (its compact range) differs from the one its entries give: heads signed from now "
        "on would not match the log"]
    # And a verification of the whole database, with nothing appended since, reports the forged state.
    from django.db import transaction

    LedgerState.objects.filter(pk=1).update(compact=now.compact)
    with transaction.atomic():
        ledger.sign_current_head()
    assert ledger.verify_database().ok
    LedgerState.objects.filter(pk=1).update(compact=dict(now.compact, hashes=["00" * 32] * len(now.compact["hashes"])))
    assert not ledger.verify_database().ok
