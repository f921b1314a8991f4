"""Bring an instance to a given size for the load benchmark: cases (with a request, its transition, a party, a
task and, for one case in three, an open deadline) and audit events, in bulk.

    DATABASE_URL=postgres://... python benchmarks/seed_scale.py --cases 100000 --events 2000000
    python benchmarks/seed_scale.py --cases 10000 --events 200000     # 10 %: time it and multiply by ten

Re-runnable: it counts what an earlier run made (cases SCALE-2026-…, requests SREQ-2026-…; audit events in
the whole log) and adds only what is missing. It works in chunks of CHUNK cases, each chunk one transaction,
so an interrupted run keeps what it committed. The cases are shared round-robin between the load benchmark's
accounts (benchmarks/bench_load.py, `load-user-NN`), each as a member, so their dashboards and case lists
grow with the instance; `bench-scale` (a supervisor) made them and is a member of every one.

Benchmark data, not product data: the rows bypass the actions for speed. Every event is appended to the audit
log as a real entry (benchmarks/_support.append_events: position, leaf hash, cached subtrees, under the log's
lock), so `comity audit verify` still passes afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time

CASE_REF, REQ_REF = "SCALE-2026-{:07d}", "SREQ-2026-{:07d}"
CHUNK = 10_000
EVENT_CHUNK = 200_000
STATES = ["FR", "DE", "ES", "IT", "PL", "US", "GB", "CH", "BR", "MX", "JP", "IN", "NG", "ZA", "TR", "NL", "BE", "CA"]
KINDS = [("mla", "sent"), ("extradition", "provisionally_arrested"), ("transfer", "sent"),
         ("asset_recovery", "freezing_ordered"), ("notice", "submitted"), ("mla", "under_assessment")]


def _cases_chunk(owner, members, start: int, stop: int) -> None:
    """Cases start..stop-1 with their rows, in one transaction."""
    from django.db import transaction
    from django.utils import timezone

    from comity.cases.models import (
        Case,
        CaseMembership,
        CooperationRequest,
        Deadline,
        Entity,
        Task,
        Transition,
    )

    rng = random.Random(start)
    now, today = timezone.now(), timezone.localdate()
    idx = range(start, stop)
    with transaction.atomic():
        Case.objects.bulk_create([Case(reference=CASE_REF.format(i), title=f"Scale matter {i}", created_by=owner,
                                       state="open" if i % 7 else "closed") for i in idx], batch_size=2000)
        pk = dict(Case.objects.filter(reference__in=[CASE_REF.format(i) for i in idx]).values_list("reference", "pk"))
        rows = []
        for i in idx:
            c = pk[CASE_REF.format(i)]
            rows.append(CaseMembership(case_id=c, user=owner, granted_by=owner))
            if members:
                rows.append(CaseMembership(case_id=c, user=members[i % len(members)], granted_by=owner))
        CaseMembership.objects.bulk_create(rows, batch_size=5000)
        reqs = []
        for i in idx:
            kind, status = KINDS[i % len(KINDS)]
            a, b = rng.sample(STATES, 2)
            reqs.append(CooperationRequest(
                case_id=pk[CASE_REF.format(i)], reference=REQ_REF.format(i), kind=kind,
                direction="incoming" if status == "under_assessment" else "outgoing", subject=f"Request {i}",
                requesting_state=a, requested_state=b, status=status, created_by=owner,
                notice_action="publication" if kind == "notice" else ""))
        CooperationRequest.objects.bulk_create(reqs, batch_size=2000)
        req_rows = list(CooperationRequest.objects.filter(reference__in=[REQ_REF.format(i) for i in idx])
                        .values_list("pk", "case_id", "status"))
        Transition.objects.bulk_create([Transition(request_id=r, name="send", from_status="draft", to_status=s,
                                                   actor=owner, at=now, effective_date=today)
                                        for r, _, s in req_rows], batch_size=2000)
        t_by_req = dict(Transition.objects.filter(request_id__in=[r for r, _, _ in req_rows])
                        .values_list("request_id", "pk"))
        Deadline.objects.bulk_create([
            Deadline(case_id=c, request_id=r, code="mla_follow_up", label="Follow up", citation="bench",
                     due=today + dt.timedelta(days=rng.randint(-30, 120)), started_by_id=t_by_req[r])
            for r, c, _ in req_rows[::3]], batch_size=2000)
        new = list(pk.values())
        Task.objects.bulk_create([Task(case_id=c, title=f"Task {c}", created_by=owner,
                                       due=today + dt.timedelta(days=rng.randint(-10, 60))) for c in new],
                                 batch_size=2000)
        Entity.objects.bulk_create([Entity(case_id=c, schema="Person", caption=f"Person {c}",
                                           properties={"name": [f"Person {c}"]}, created_by=owner) for c in new],
                                   batch_size=2000)


def _events_chunk(owner, case_ids: list[int], n: int, offset: int) -> None:
    """`n` access events on the seeded cases, appended to the log as real entries (one transaction)."""
    from _support import append_events
    from django.utils import timezone

    now = timezone.now()
    append_events({"time": now, "category": "access", "event_type": "access.case_view", "actor": owner,
                   "case_id": case_ids[(offset + i) % len(case_ids)],
                   "object_type": "Case", "object_id": str(case_ids[(offset + i) % len(case_ids)]),
                   "old_values": None, "new_values": None, "purpose": "", "via": "web"}
                  for i in range(n))


def seed(*, cases: int, events: int, members=(), progress=print) -> dict:
    """Bring the instance to at least `cases` seeded cases and `events` audit events in all. Returns what it
    found, what it added and how long that took (seconds)."""
    from _support import account
    from django.db import connection

    from comity.audit.models import AuditEvent
    from comity.cases.models import Case

    owner = account("bench-scale", "supervisor")
    members = list(members)
    out = {"cases_before": Case.objects.filter(reference__startswith="SCALE-2026-").count(),
           "events_before": AuditEvent.objects.count()}
    t0 = time.perf_counter()
    have = out["cases_before"]
    while have < cases:
        stop = min(cases, have + CHUNK)
        _cases_chunk(owner, members, have, stop)
        have = stop
        progress(f"seed: {have:,} of {cases:,} cases ({time.perf_counter() - t0:.0f} s)")
    out["case_seconds"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    case_ids = list(Case.objects.filter(reference__startswith="SCALE-2026-").order_by("pk")
                    .values_list("pk", flat=True))
    total = AuditEvent.objects.count()
    if total < events and not case_ids:
        raise SystemExit("BENCHMARK FAILED: no seeded cases to hang the audit events on (ask for --cases > 0)")
    while total < events:
        n = min(EVENT_CHUNK, events - total)
        _events_chunk(owner, case_ids, n, total)
        total += n
        progress(f"seed: {total:,} of {events:,} audit events ({time.perf_counter() - t1:.0f} s)")
    out["event_seconds"] = time.perf_counter() - t1
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    out.update(cases_after=Case.objects.filter(reference__startswith="SCALE-2026-").count(),
               events_after=AuditEvent.objects.count(), seconds=time.perf_counter() - t0)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--events", type=int, default=2_000_000)
    p.add_argument("--users", type=int, default=50, help="load accounts load-user-01.. to share the cases between")
    args = p.parse_args()
    os.environ.setdefault("COMITY_DATA_DIR", tempfile.mkdtemp(prefix="comity-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")
    import django

    django.setup()
    from _support import account
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    members = [account(f"load-user-{i:02d}", "caseworker") for i in range(1, args.users + 1)]
    out = seed(cases=args.cases, events=args.events, members=members)
    print(f"seeded: {out['cases_before']:,} -> {out['cases_after']:,} cases in {out['case_seconds']:.1f} s, "
          f"{out['events_before']:,} -> {out['events_after']:,} audit events in {out['event_seconds']:.1f} s "
          f"(total {out['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
