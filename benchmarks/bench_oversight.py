"""Oversight benchmark: console searches over the audit log, the signed PDF report, the retention
review list and a disposal. Prints median and p95 times and SQL query counts. Not a pass/fail test.

    python benchmarks/bench_oversight.py             # embedded SQLite in a temp folder
    DATABASE_URL=postgres://... python benchmarks/bench_oversight.py
    BENCH_EVENTS=200000 python benchmarks/bench_oversight.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("COMITY_DATA_DIR", tempfile.mkdtemp(prefix="comity-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")
os.environ.setdefault("COMITY_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from comity import audit  # noqa: E402
from comity.accounts.actions import do_create_user, do_enrol_totp  # noqa: E402
from comity.cases import actions as case_actions  # noqa: E402
from comity.oversight import actions  # noqa: E402

N_EVENTS = int(os.environ.get("BENCH_EVENTS", "20000"))
N_CASES = 200
REASON = "benchmark of the oversight console"


def timed(fn, runs=15):
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        queries = len(ctx.captured_queries)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1 if len(times) > 1 else 0], queries


def main() -> int:
    call_command("migrate", verbosity=0)
    sup = do_create_user(username="bench-sup", password="correct-horse-battery-42", role="supervisor")
    dpo = do_create_user(username="bench-dpo", password="correct-horse-battery-42", role="oversight")
    for u in (sup, dpo):
        do_enrol_totp(u)
    t = time.perf_counter()
    cases = []
    for i in range(N_CASES):
        c = case_actions.do_create_case(title=f"Bench {i}", acting_user=sup)
        case_actions.do_add_entity(c, schema="Person", properties={"name": f"Person Number{i}"}, acting_user=sup)
        cases.append(c)
    with transaction.atomic():
        for i in range(N_EVENTS):
            c = cases[i % N_CASES]
            audit.record("access.case_view", actor=sup, case=c, obj=c, purpose="case work", category="access")
    print(f"setup: {N_CASES} cases, {N_EVENTS} access events through audit.record in "
          f"{time.perf_counter() - t:.1f} s")

    client = Client()
    client.force_login(dpo)
    rows = [
        ("console: who consulted a person", {"person": "Number17", "category": "access", "reason": REASON}),
        ("console: one case", {"case": cases[3].reference, "reason": REASON}),
        ("console: one user, page 10", {"user": "bench-sup", "reason": REASON, "page": 10}),
    ]
    print(f"{'what':<40} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for label, params in rows:
        med, p95, q = timed(lambda: client.get("/oversight/", params))
        print(f"{label:<40} {med:>10.1f} {p95:>8.1f} {q:>8}")
    med, p95, q = timed(lambda: client.post("/oversight/report.pdf", {"person": "Number17", "reason": REASON}), runs=3)
    n = actions.search_events(actions.parse_filters({"person": "Number17"})).count()
    print(f"{f'signed PDF report ({n} events)':<40} {med:>10.1f} {p95:>8.1f} {q:>8}")
    for c in cases[:50]:
        case_actions.do_close_case(c, acting_user=sup)
        actions.do_record_undertaking(c, kind="after_proceedings", months_after_proceedings=0, text="bench",
                                      acting_user=sup)
    client.force_login(sup)
    med, p95, q = timed(lambda: client.get("/oversight/retention/"))
    print(f"{'retention review list (50 due)':<40} {med:>10.1f} {p95:>8.1f} {q:>8}")
    big = cases[0]
    for i in range(500):
        case_actions.do_add_entity(big, schema="Person", properties={"name": f"Extra {i}"}, acting_user=sup)
        case_actions.do_add_note(big, text=f"note {i}", acting_user=sup)
    t = time.perf_counter()
    actions.do_dispose_case(big, reason="benchmark disposal of a large case", acting_user=sup)
    print(f"{'disposal (501 entities, 500 notes)':<40} {(time.perf_counter() - t) * 1000:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
