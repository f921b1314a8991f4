"""Audit log as a Merkle log, in the database: what the append adds to an action, how long
`comity audit verify` takes, and how fast proofs answer. Prints figures; not a pass/fail test.

    python benchmarks/bench_audit.py [--events 1000000]        # SQLite in a temp folder
    DATABASE_URL=postgres://... python benchmarks/bench_audit.py
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("COMITY_DATA_DIR", tempfile.mkdtemp(prefix="comity-bench-audit-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from comity.accounts.actions import do_create_user  # noqa: E402
from comity.audit import ledger  # noqa: E402
from comity.audit.models import AuditEvent, LedgerState, LedgerSubtree  # noqa: E402
from comity.cases import actions  # noqa: E402
from comity.ledger import CompactRange, canonical_event_bytes, leaf_hash, prove_inclusion  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--actions", type=int, default=300)
    args = ap.parse_args()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    print(f"Comity audit-log benchmark on {connection.vendor}; {args.events:,} bulk events")
    user = do_create_user(username="bench", password="bench-password-2026", role="supervisor")
    case = actions.do_create_case(title="bench", acting_user=user)

    # 1. What the Merkle append adds to an action: time spent inside ledger.append per action.
    spent = []
    original = ledger.append

    def timed(fields):
        t = time.perf_counter()
        try:
            return original(fields)
        finally:
            spent.append(time.perf_counter() - t)

    ledger.append = timed
    totals = []
    for i in range(args.actions):
        t = time.perf_counter()
        actions.do_add_note(case, text=f"note {i}", acting_user=user)
        totals.append(time.perf_counter() - t)
    ledger.append = original
    print(f"action do_add_note: median {statistics.median(totals) * 1000:.2f} ms; of which the Merkle append "
          f"median {statistics.median(spent) * 1000:.3f} ms, p95 {sorted(spent)[int(len(spent) * .95)] * 1000:.3f} ms")

    # 2. A large log, generated in bulk with real leaves.
    t = time.perf_counter()
    state = LedgerState.objects.get(pk=1)
    compact = CompactRange.from_dict(state.compact)
    now = timezone.now()
    batch, subtrees = [], []
    for i in range(args.events):
        fields = dict(time=now, category="change", event_type="bench.event", actor_label="bench", case_id=case.pk,
                      object_type="Note", object_id=str(i), old_values=None, new_values={"i": i}, purpose="", via="cli")
        seq = compact.size
        entry = canonical_event_bytes(ledger.leaf_event(seq=seq, **fields))
        h = leaf_hash(entry)
        subtrees += [LedgerSubtree(level=lv, index=ix, hash=x.hex()) for lv, ix, x in compact.append(h)
                     if lv >= ledger.CACHE_MIN_LEVEL]
        batch.append(AuditEvent(seq=seq, leaf_hash=h.hex(), leaf=entry.decode(), **fields))
        if len(batch) == 20_000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    LedgerSubtree.objects.bulk_create(subtrees, batch_size=5000)
    LedgerState.objects.filter(pk=1).update(size=compact.size, compact=compact.to_dict())
    print(f"generated {compact.size:,} events in {time.perf_counter() - t:.1f} s")
    with transaction.atomic():
        head = ledger.sign_current_head()

    # 3. comity audit verify, against hashlib alone for the same number of hashes.
    t = time.perf_counter()
    fast = ledger.verify_database(deep=False)
    fast_s = time.perf_counter() - t
    t = time.perf_counter()
    result = ledger.verify_database()
    verify_s = time.perf_counter() - t
    n = head.size
    t = time.perf_counter()
    x = b"\0" * 200
    for _ in range(2 * n - 1):
        hashlib.sha256(x).digest()
    hash_s = time.perf_counter() - t
    print(f"hashlib alone for {2 * n - 1:,} hashes: {hash_s:.2f} s")
    print(f"verify the log ({n:,} entries against the signed heads, --fast): {fast_s:.1f} s (ok={fast.ok}); "
          f"ratio {fast_s / hash_s:.1f}x hashlib")
    print(f"verify deep (log + every event's columns re-encoded against its entry): {verify_s:.1f} s "
          f"(ok={result.ok}); ratio {verify_s / hash_s:.1f}x hashlib")

    # 4. Inclusion proofs served from the database.
    times = []
    for k in range(200):
        t = time.perf_counter()
        m = (k * 7919) % n
        prove_inclusion(ledger.proof_store(prove_inclusion, m, n), m, n)
        times.append((time.perf_counter() - t) * 1000)
    print(f"inclusion proof from the database: median {statistics.median(times):.2f} ms, "
          f"p95 {sorted(times)[189]:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
