"""Audit log as a Merkle log, in the database: what the append adds to an action, how long
`comity audit verify` takes, and how fast proofs answer. Prints figures; not a pass/fail test, but it
stops with an error if the log it generated does not verify.

    python benchmarks/bench_audit.py [--events 1000000]        # SQLite in a temp folder
    DATABASE_URL=postgres://... python benchmarks/bench_audit.py

Runs again on an instance that already has data: its account `bench-audit` is reused, and `--events` is
the size the log is brought up to (an instance whose log already holds that many events gets none).
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

from _support import BenchmarkError, account, append_events  # noqa: E402
from comity.audit import ledger  # noqa: E402
from comity.audit.models import LedgerState  # noqa: E402
from comity.cases import actions  # noqa: E402
from comity.ledger import prove_inclusion  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=200_000, help="bring the log up to this many events")
    ap.add_argument("--actions", type=int, default=300)
    args = ap.parse_args()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    print(f"Comity audit-log benchmark on {connection.vendor}; a log of at least {args.events:,} events")
    user = account("bench-audit", "supervisor")
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

    # 2. A large log, generated in bulk with real leaves (only what the log lacks to reach --events).
    t = time.perf_counter()
    missing = max(0, args.events - LedgerState.objects.get(pk=1).size)
    now = timezone.now()
    append_events(dict(time=now, category="access", event_type="access.case_view", actor=user, case_id=case.pk,
                       object_type="Case", object_id=str(case.pk), old_values=None, new_values={"page": i},
                       purpose="", via="cli") for i in range(missing))
    size = LedgerState.objects.get(pk=1).size
    print(f"log: {size:,} events ({missing:,} generated in {time.perf_counter() - t:.1f} s"
          f"{', the rest already there' if missing < size else ''})")
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
    if not (fast.ok and result.ok):
        raise BenchmarkError("the log does not verify: " + "; ".join((fast.messages + result.messages)[:3]))

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
