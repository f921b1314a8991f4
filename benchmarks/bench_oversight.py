"""Oversight benchmark: console searches over the audit log, the signed PDF report, the retention
review list and a disposal. Prints median and p95 times and SQL query counts. Not a pass/fail test,
but it stops with an error if what it timed was not the page or the signed PDF it meant to time
(an error page, a refused form, a 422 instead of the report).

    python benchmarks/bench_oversight.py             # embedded SQLite in a temp folder
    DATABASE_URL=postgres://... python benchmarks/bench_oversight.py
    BENCH_EVENTS=200000 python benchmarks/bench_oversight.py

Runs again on an instance that already has data: each run names its supervisor, cases and parties with
a tag of its own (the oversight account `bench-dpo` is reused), and the report covers a case of the run
that holds REPORT_EVENTS events, within the report's limit (comity.oversight REPORT_MAX_EVENTS).
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

from _support import BenchmarkError, account, expect, run_tag  # noqa: E402
from comity import audit  # noqa: E402
from comity.cases import actions as case_actions  # noqa: E402
from comity.oversight import actions  # noqa: E402

N_EVENTS = int(os.environ.get("BENCH_EVENTS", "20000"))
N_CASES = 200
REPORT_EVENTS = 500
REASON = "benchmark of the oversight console"


def audit_size() -> int:
    from comity.audit.models import LedgerState

    return LedgerState.objects.get(pk=1).size


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


def page(client, url, params=None, *, what):
    """GET a console page and fail loudly unless it is the page, with no refused filter."""
    resp = client.get(url, params)
    expect(resp, status=200, content_type="text/html", what=what)
    if b'class="errorlist' in resp.content:
        raise BenchmarkError(f"{what}: the page refused the search: "
                             f"{resp.content.decode()[resp.content.find(b'errorlist'):][:300]!r}")
    return resp


def main() -> int:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    tag = run_tag()  # this run's names: the instance may hold earlier runs (and anything else)
    sup = account(f"bench-sup-{tag}", "supervisor")
    dpo = account("bench-dpo", "oversight")
    t = time.perf_counter()
    cases = []
    for i in range(N_CASES):
        c = case_actions.do_create_case(title=f"Bench {i}", acting_user=sup)
        case_actions.do_add_entity(c, schema="Person", properties={"name": f"Person {tag} Number{i}"}, acting_user=sup)
        cases.append(c)
    reported = case_actions.do_create_case(title="Bench report", acting_user=sup)
    case_actions.do_add_entity(reported, schema="Person", properties={"name": f"Person {tag} Reported"},
                               acting_user=sup)
    with transaction.atomic():
        for i in range(N_EVENTS):
            c = cases[i % N_CASES]
            audit.record("access.case_view", actor=sup, case=c, obj=c, purpose="case work", category="access")
        for i in range(REPORT_EVENTS):
            audit.record("access.case_view", actor=sup, case=reported, obj=reported, purpose="case work",
                         category="access")
    print(f"setup (run {tag}): {N_CASES + 1} cases, {N_EVENTS + REPORT_EVENTS} access events through audit.record "
          f"in {time.perf_counter() - t:.1f} s; the log holds {audit_size():,} events")

    client = Client()
    client.force_login(dpo)
    rows = [
        ("console: who consulted a person", {"person": f"{tag} Number17", "category": "access", "reason": REASON}),
        ("console: one case", {"case": cases[3].reference, "reason": REASON}),
        ("console: one user, page 10", {"user": sup.username, "reason": REASON, "page": 10}),
    ]
    print(f"{'what':<40} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for label, params in rows:
        med, p95, q = timed(lambda: page(client, "/oversight/", params, what=label))
        print(f"{label:<40} {med:>10.1f} {p95:>8.1f} {q:>8}")
    report_filters = {"person": f"{tag} Reported", "reason": REASON}
    n = actions.search_events(actions.parse_filters(report_filters)).count()
    if not 0 < n <= actions.REPORT_MAX_EVENTS:
        raise BenchmarkError(f"the report's query matches {n} events; a report holds 1 to "
                             f"{actions.REPORT_MAX_EVENTS}")

    def report():
        resp = client.post("/oversight/report.pdf", report_filters)
        expect(resp, status=200, content_type="application/pdf", what="the signed PDF report")
        if not resp.content.startswith(b"%PDF-"):
            raise BenchmarkError("the signed PDF report is not a PDF")

    med, p95, q = timed(report, runs=3)
    print(f"{f'signed PDF report ({n} events)':<40} {med:>10.1f} {p95:>8.1f} {q:>8}")
    for c in cases[:50]:
        case_actions.do_close_case(c, reason="proceedings ended", acting_user=sup)
        actions.do_record_undertaking(c, kind="after_proceedings", months_after_proceedings=0, text="bench",
                                      acting_user=sup)
    client.force_login(sup)
    due = len(actions.cases_due_for_review(sup))
    med, p95, q = timed(lambda: page(client, "/oversight/retention/", what="the retention review list"))
    print(f"{f'retention review list ({due} due)':<40} {med:>10.1f} {p95:>8.1f} {q:>8}")
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
