"""Foundation benchmark: dashboard, case list and case page with 10,000 cases, 30,000 requests and
200,000 audit events. Prints median and p95 times and SQL query counts. Not a pass/fail test, but it
stops with an error if a page it times does not answer 200.

    python benchmarks/bench_foundation.py            # embedded SQLite in a temp folder
    DATABASE_URL=postgres://... python benchmarks/bench_foundation.py
    BENCH_CASES=1000 python benchmarks/bench_foundation.py   # smaller (3 requests, 20 events per case)

Runs again on an instance that already has data (`make bench` after `make run`, or twice): its account
`bench-foundation` and its cases (references BENCH-2026-…) are reused, and only what is missing is
generated. The generated audit events are real log entries, so the instance's log still verifies.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time

os.environ.setdefault("COMITY_DATA_DIR", tempfile.mkdtemp(prefix="comity-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")
os.environ.setdefault("COMITY_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from _support import account, append_events, expect  # noqa: E402
from comity.audit.models import AuditEvent  # noqa: E402
from comity.cases.models import (Case, CaseMembership, CooperationRequest, Deadline, Entity, Task,  # noqa: E402
                                 Transition)

N_CASES = int(os.environ.get("BENCH_CASES", "10000"))
REQUESTS_PER_CASE, EVENTS_PER_CASE = 3, 20  # 30,000 requests and 200,000 events for 10,000 cases
CASE_REF, REQ_REF = "BENCH-2026-{:06d}", "BREQ-2026-{:06d}"  # the shape of the log's references
STATES = ["FR", "DE", "ES", "IT", "PL", "US", "GB", "CH", "BR", "MX", "JP", "IN", "NG", "ZA", "TR", "NL", "BE", "CA"]
KINDS = [("mla", "sent"), ("extradition", "provisionally_arrested"), ("transfer", "sent"),
         ("asset_recovery", "freezing_ordered"), ("notice", "submitted")]


def generate(user, start: int):
    """Cases start..N_CASES-1 of the benchmark's data, with their requests, deadlines, tasks, parties
    and access events (a benchmark fixture, not product data: it bypasses the actions for speed; the
    events are appended to the audit log as real entries)."""
    rng = random.Random(7 + start)
    now = timezone.now()
    today = timezone.localdate()
    idx = range(start, N_CASES)
    with transaction.atomic():
        Case.objects.bulk_create([Case(reference=CASE_REF.format(i), title=f"Benchmark matter {i}", created_by=user,
                                       state="open" if i % 7 else "closed") for i in idx], batch_size=2000)
        cases = dict(Case.objects.filter(reference__in=[CASE_REF.format(i) for i in idx])
                     .values_list("reference", "pk"))
        new = [cases[CASE_REF.format(i)] for i in idx]
        CaseMembership.objects.bulk_create([CaseMembership(case_id=c, user=user, granted_by=user) for c in new],
                                           batch_size=2000)
        reqs = []
        for i in range(start * REQUESTS_PER_CASE, N_CASES * REQUESTS_PER_CASE):
            kind, status = KINDS[i % len(KINDS)]
            a, b = rng.sample(STATES, 2)
            reqs.append(CooperationRequest(case_id=cases[CASE_REF.format(i // REQUESTS_PER_CASE)],
                                           reference=REQ_REF.format(i), kind=kind,
                                           direction="outgoing", subject=f"Request {i}", requesting_state=a,
                                           requested_state=b, status=status, created_by=user,
                                           notice_action="publication" if kind == "notice" else ""))
        CooperationRequest.objects.bulk_create(reqs, batch_size=2000)
        req_rows = list(CooperationRequest.objects.filter(case_id__in=new).values_list("pk", "case_id", "status"))
        trans = [Transition(request_id=r, name="send", from_status="draft", to_status=s, actor=user, at=now,
                            effective_date=today) for r, _, s in req_rows]
        Transition.objects.bulk_create(trans, batch_size=2000)
        t_by_req = dict(Transition.objects.filter(request_id__in=[r for r, _, _ in req_rows])
                        .values_list("request_id", "pk"))
        Deadline.objects.bulk_create([
            Deadline(case_id=c, request_id=r, code="mla_follow_up", label="Follow up", citation="bench",
                     due=today + dt.timedelta(days=rng.randint(-30, 120)), started_by_id=t_by_req[r])
            for r, c, _ in req_rows[::3]], batch_size=2000)
        Task.objects.bulk_create([Task(case_id=c, title=f"Task {c}", due=today + dt.timedelta(days=rng.randint(-10, 60)),
                                       created_by=user) for c in new], batch_size=2000)
        Entity.objects.bulk_create([Entity(case_id=c, schema="Person", caption=f"Person {c}",
                                           properties={"name": [f"Person {c}"]}, created_by=user)
                                    for c in new], batch_size=2000)
        append_events(dict(time=now, category="access", event_type="access.case_view", actor=user,
                           case_id=new[i % len(new)], object_type="Case", object_id=str(new[i % len(new)]),
                           old_values=None, new_values=None, purpose="", via="web")
                      for i in range(len(new) * EVENTS_PER_CASE))


def measure(client, url, n=40):
    client.get(url)  # warm
    times = []
    for _ in range(n):
        t = time.perf_counter()
        resp = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        expect(resp, status=200, content_type="text/html", what=f"GET {url}")
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(ctx.captured_queries)


def main() -> int:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    engine = connection.vendor
    user = account("bench-foundation", "supervisor")
    have = Case.objects.filter(created_by=user, reference__startswith="BENCH-2026-").count()
    t = time.perf_counter()
    if have < N_CASES:
        generate(user, have)
    gen = time.perf_counter() - t
    cases = list(Case.objects.filter(created_by=user, reference__startswith="BENCH-2026-").order_by("reference")
                 .values_list("pk", flat=True)[:N_CASES])
    if engine == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    client = Client()
    client.force_login(user)
    mid = cases[len(cases) // 2]
    pages = [("dashboard", "/"), ("case list", "/cases/"), ("case list, page 200", "/cases/?page=200"),
             ("case list, filtered", "/cases/?kind=extradition&country=FR&status=provisionally_arrested"),
             ("case page", f"/cases/{mid}/"), ("request page", f"/requests/{CooperationRequest.objects.filter(case_id=mid).first().pk}/")]
    print(f"Comity foundation benchmark on {engine} ({connection.settings_dict['NAME']})")
    made = f"generated in {gen:.1f} s" if have < N_CASES else f"reused from an earlier run ({have:,} benchmark cases)"
    print(f"data: {Case.objects.count():,} cases, {CooperationRequest.objects.count():,} requests, "
          f"{AuditEvent.objects.count():,} audit events, {Deadline.objects.count():,} deadlines; {made}")
    print(f"{'page':<26}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")
    for name, url in pages:
        med, p95, q = measure(client, url)
        print(f"{name:<26}{med:>10.1f}{p95:>10.1f}{q:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
