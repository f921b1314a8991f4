"""API benchmark (issue 14): lists a page at a time, deep in the list, and the event feed (all categories: the
foundation data's events are reads), on the foundation benchmark's data (10,000 cases, 30,000 requests,
200,000 audit events), through the API with a real token.

Prints median and p95 times: the first page of the case list, the 40th page reached by cursors (keyset pages
must not slow down with depth, unlike offset pages), a filtered page, the event feed at the start and at the
end of the log, and a create with and without an idempotency key (what the key costs), plus its replay.

    python benchmarks/bench_api.py                 # embedded SQLite in a temp folder
    DATABASE_URL=postgres://... python benchmarks/bench_api.py
    BENCH_CASES=1000 python benchmarks/bench_api.py

Re-runnable on an instance that already has data: it reuses the foundation benchmark's account and cases and
makes only what is missing; its own creates are titled "bench-api …". Stops with BENCHMARK FAILED when a
timed call does not answer what it should (a page of 50 items, a 201, a replay).
"""

from __future__ import annotations

import json
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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

import bench_foundation  # noqa: E402
from _support import BenchmarkError, account, expect, run_tag  # noqa: E402
from comity.accounts.actions import do_create_token  # noqa: E402
from comity.audit.models import AuditEvent  # noqa: E402
from comity.cases.models import Case  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))


def timed(fn, rounds=ROUNDS):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main() -> int:
    call_command("migrate", verbosity=0)
    engine = connection.vendor
    user = account("bench-foundation", "supervisor")
    have = Case.objects.filter(created_by=user, reference__startswith="BENCH-2026-").count()
    if have < bench_foundation.N_CASES:
        bench_foundation.generate(user, have)
    if engine == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    raw = do_create_token(user, name=f"bench-api {run_tag()}", scope="write", acting_user=user)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = Client()

    def get(url, query, what, n=None):
        r = client.get(url, query, **auth)
        expect(r, content_type="application/json", what=what)
        body = r.json()
        if n is not None and len(body.get("results", body.get("events", []))) != n:
            raise BenchmarkError(f"{what} gave {len(body.get('results', body.get('events', [])))} items, not {n}")
        return body

    # the cursor of page 40 (50 a page), walked once, so that the timed call is a real deep page
    cursor = None
    for _ in range(39):
        cursor = get("/api/cases", {"limit": 50, **({"cursor": cursor} if cursor else {})}, "case list")["next_cursor"]
    if cursor is None:
        raise BenchmarkError("fewer than 40 pages of cases: the deep page cannot be timed")
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    mine = AuditEvent.objects.filter(case_id__in=Case.objects.filter(created_by=user).values("pk")).order_by("-seq")
    near_end = (mine.values_list("seq", flat=True)[600:601] or [0])[0]

    rows = [
        ("cases, first page (50)", lambda: get("/api/cases", {"limit": 50}, "case list", 50)),
        ("cases, page 40 by cursor", lambda: get("/api/cases", {"limit": 50, "cursor": cursor}, "page 40", 50)),
        ("cases, filtered by kind+State", lambda: get("/api/cases", {"kind": "extradition", "country": "FR",
                                                                     "limit": 50}, "filtered list")),
        ("cases, sorted by title", lambda: get("/api/cases", {"sort": "title", "limit": 50}, "sorted", 50)),
        ("feed, 500 from the start", lambda: get("/api/feed", {"limit": 500, "category": "all"}, "feed", 500)),
        ("feed, 500 near the end", lambda: get("/api/feed", {"limit": 500, "after": near_end, "category": "all"},
                                               "feed tail", 500)),
    ]
    tag = run_tag()
    n = {"plain": 0, "keyed": 0}

    def create(keyed: bool):
        n["keyed" if keyed else "plain"] += 1
        extra = {"HTTP_IDEMPOTENCY_KEY": f"bench-{tag}-{n['keyed']}"} if keyed else {}
        r = client.post("/api/cases", json.dumps({"title": f"bench-api {tag}"}), content_type="application/json",
                        **auth, **extra)
        expect(r, status=201, content_type="application/json", what="create a case")

    def replay():
        r = client.post("/api/cases", json.dumps({"title": f"bench-api {tag}"}), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY=f"bench-{tag}-1", **auth)
        expect(r, status=201, what="replay")
        if r.get("Idempotent-Replayed") != "true":
            raise BenchmarkError("the replay was not answered from the kept answer")

    rows += [("create a case", lambda: create(False)), ("create a case, Idempotency-Key", lambda: create(True)),
             ("replay of a keyed create", replay)]
    print(f"Comity API benchmark on {engine}: {Case.objects.count():,} cases, {last:,} audit events")
    print(f"{'call':<34}{'median ms':>10}{'p95 ms':>10}")
    for name, fn in rows:
        med, p95 = timed(fn)
        print(f"{name:<34}{med:>10.1f}{p95:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
