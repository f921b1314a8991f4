"""Foundation benchmark: dashboard, case list and case page with 10,000 cases, 30,000 requests and
200,000 audit events. Prints median and p95 times and SQL query counts. Not a pass/fail test.

    python benchmarks/bench_foundation.py            # embedded SQLite in a temp folder
    DATABASE_URL=postgres://... python benchmarks/bench_foundation.py
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

from comity.accounts.actions import do_create_user, do_enrol_totp  # noqa: E402
from comity.audit.models import AuditEvent  # noqa: E402
from comity.cases.models import (Case, CaseMembership, CooperationRequest, Deadline, Entity, Task,  # noqa: E402
                                 Transition)

N_CASES, N_REQUESTS, N_EVENTS = 10_000, 30_000, 200_000
STATES = ["FR", "DE", "ES", "IT", "PL", "US", "GB", "CH", "BR", "MX", "JP", "IN", "NG", "ZA", "TR", "NL", "BE", "CA"]
KINDS = [("mla", "sent"), ("extradition", "provisionally_arrested"), ("transfer", "sent"),
         ("asset_recovery", "freezing_ordered"), ("notice", "submitted")]


def generate(user):
    """Bulk-generated data (a benchmark fixture, not product data: it bypasses the actions for speed)."""
    rng = random.Random(7)
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        Case.objects.bulk_create([Case(reference=f"BENCH-{i:06d}", title=f"Benchmark matter {i}", created_by=user,
                                       state="open" if i % 7 else "closed") for i in range(N_CASES)], batch_size=2000)
        cases = list(Case.objects.values_list("pk", flat=True))
        CaseMembership.objects.bulk_create([CaseMembership(case_id=c, user=user, granted_by=user) for c in cases],
                                           batch_size=2000)
        reqs = []
        for i in range(N_REQUESTS):
            kind, status = KINDS[i % len(KINDS)]
            a, b = rng.sample(STATES, 2)
            reqs.append(CooperationRequest(case_id=cases[i % N_CASES], reference=f"BREQ-{i:06d}", kind=kind,
                                           direction="outgoing", subject=f"Request {i}", requesting_state=a,
                                           requested_state=b, status=status, created_by=user,
                                           notice_action="publication" if kind == "notice" else ""))
        CooperationRequest.objects.bulk_create(reqs, batch_size=2000)
        req_rows = list(CooperationRequest.objects.values_list("pk", "case_id", "status"))
        trans = [Transition(request_id=r, name="send", from_status="draft", to_status=s, actor=user, at=now,
                            effective_date=today) for r, _, s in req_rows]
        Transition.objects.bulk_create(trans, batch_size=2000)
        t_by_req = dict(Transition.objects.values_list("request_id", "pk"))
        Deadline.objects.bulk_create([
            Deadline(case_id=c, request_id=r, code="mla_follow_up", label="Follow up", citation="bench",
                     due=today + dt.timedelta(days=rng.randint(-30, 120)), started_by_id=t_by_req[r])
            for r, c, _ in req_rows[::3]], batch_size=2000)
        Task.objects.bulk_create([Task(case_id=c, title=f"Task {c}", due=today + dt.timedelta(days=rng.randint(-10, 60)),
                                       created_by=user) for c in cases], batch_size=2000)
        Entity.objects.bulk_create([Entity(case_id=c, schema="Person", caption=f"Person {c}",
                                           properties={"name": [f"Person {c}"]}, created_by=user)
                                    for c in cases], batch_size=2000)
        AuditEvent.objects.bulk_create([
            AuditEvent(time=now, event_type="bench.event", actor=user, actor_label=user.username,
                       case_id=cases[i % N_CASES], category="change", new_values={"i": i})
            for i in range(N_EVENTS)], batch_size=5000)
    return cases


def measure(client, url, n=40):
    client.get(url)  # warm
    times = []
    for _ in range(n):
        t = time.perf_counter()
        resp = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        assert resp.status_code == 200, (url, resp.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(ctx.captured_queries)


def main() -> int:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    engine = connection.vendor
    user = do_create_user(username="bench", password="bench-password-2026", role="supervisor")
    do_enrol_totp(user)
    t = time.perf_counter()
    cases = generate(user)
    gen = time.perf_counter() - t
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
    print(f"data: {Case.objects.count():,} cases, {CooperationRequest.objects.count():,} requests, "
          f"{AuditEvent.objects.count():,} audit events, {Deadline.objects.count():,} deadlines; generated in {gen:.1f} s")
    print(f"{'page':<26}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")
    for name, url in pages:
        med, p95, q = measure(client, url)
        print(f"{name:<26}{med:>10.1f}{p95:>10.1f}{q:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
