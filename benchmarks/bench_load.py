"""Load and scale benchmark (issue 13 item 5): locust users against gunicorn on PostgreSQL.

50 caseworkers, each a real account signed in through the real pages (password and TOTP), do realistic work on
their own cases: dashboard, case-list search, case page, a status transition, an upload, an assessment and the
request builder (benchmarks/locustfile.py; every task checks status and content, anything else is an error).

    bash scripts/with-postgres.sh .venv/bin/python benchmarks/bench_load.py                 # everything, full size
    bash scripts/with-postgres.sh .venv/bin/python benchmarks/bench_load.py --duration 60 --scale-cases 10000 \
        --scale-events 200000 --sweep-duration 30                                          # short, provisional

Phases (--phases, default normal,workers,scale):
  normal   the instance at --normal-cases / --normal-events (default 10,000 cases, 200,000 events),
           --users users for --duration seconds (default 600) against --workers gunicorn workers (default 4);
  workers  throughput with 1, 2, 3, 4 gunicorn workers (--sweep), --sweep-duration seconds each (default 120),
           users without think time (closed loop), so the figure is what the server can do;
  scale    the instance seeded to --scale-cases / --scale-events (default 100,000 cases, 2,000,000 events,
           benchmarks/seed_scale.py), then the same run as `normal`.
Prints, per phase, requests per second and median, p95 and p99 per endpoint, the errors, and how long seeding
took; ends with `comity audit verify` (skip with --no-verify). Fails with "BENCHMARK FAILED" if any request got
a wrong answer or if a task type never ran. Re-runnable on an instance that already has data: accounts
(load-user-NN) and their working cases are reused, seeding adds only what is missing. Each run gives the
accounts a fresh TOTP secret (kept in memory and in a 0600 file for locust, removed after the run).
"""

from __future__ import annotations

import argparse
import atexit
import csv
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("COMITY_DATA_DIR", tempfile.mkdtemp(prefix="comity-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")

import django

django.setup()

from _support import PASSWORD, BenchmarkError, account
from django.core.management import call_command
from django.db import connection

TASKS = ["dashboard", "case list: search", "case page", "request page", "transition", "upload", "assessment: form",
         "assessment: run", "builder: checks", "builder: generate DOCX"]
SIGN_IN = ["sign-in: session reused", "sign-in: page", "sign-in: password", "sign-in: TOTP"]


def working_set(users, per_user: int) -> list[dict]:
    """Each account's own cases (made through the actions, as a caseworker would): an incoming MLA request
    under assessment with a builder draft. Reused when an earlier run made them."""
    from comity.builder.actions import do_start_draft
    from comity.builder.models import Draft
    from comity.cases import actions
    from comity.cases.models import Case

    plan = []
    for n, user in enumerate(users):
        cases = []
        for k in range(1, per_user + 1):
            title = f"Load work {user.username} w{k}"
            case = Case.objects.filter(created_by=user, title=title).first() or actions.do_create_case(
                title=title, acting_user=user, via="cli")
            req = case.requests.filter(kind="mla", direction="incoming").first()
            if req is None:
                req = actions.do_create_request(case, kind="mla", direction="incoming", subject=f"Assistance w{k}",
                                                requesting_state="DE", requested_state="PL", acting_user=user,
                                                via="cli")
            if req.status == "received":
                actions.do_transition_request(req, "start_assessment", acting_user=user, via="cli")
                req.refresh_from_db()
            if not Draft.objects.filter(request=req).exists():
                do_start_draft(req, measure="records", acting_user=user, via="cli")
            cases.append({"pk": case.pk, "reference": case.reference, "search": f"{user.username} w{k}",
                          "request": req.pk, "request_reference": req.reference, "status": req.status})
        plan.append({"username": user.username, "address": f"127.0.{1 + (n + 10) // 250}.{(n + 10) % 250 + 2}",
                     "cases": cases, "statuses": {str(c["request"]): c["status"] for c in cases}})
    return plan


def load_accounts(n: int):
    from comity.accounts.actions import do_enrol_totp

    users = [account(f"load-user-{i:02d}", "caseworker") for i in range(1, n + 1)]
    secrets = {u.username: do_enrol_totp(u, via="cli")[0] for u in users}  # fresh each run, never stored
    return users, secrets


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """gunicorn as `comity serve` runs it (comity.cli.gunicorn_command), with `workers` processes."""

    def __init__(self, workers: int, logdir: Path):
        from comity.cli import gunicorn_command

        self.port = _free_port()
        self.log = logdir / f"gunicorn-{workers}w-{self.port}.log"
        env = {**os.environ, "COMITY_ALLOWED_HOSTS": "127.0.0.1,localhost"}
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(gunicorn_command("127.0.0.1", self.port, workers=workers, env=env),
                                         env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise BenchmarkError(f"gunicorn did not start: {self.log.read_text(errors='replace')[-1500:]}")
            time.sleep(0.5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def run_locust(url: str, plan: dict, *, users: int, seconds: int, wait: str, workdir: Path,
               reset_stats: bool = False, reuse_sessions: bool = False) -> dict:
    """One headless locust run; returns its per-endpoint figures and failures. With `reset_stats` the figures
    start once every user has been started (the sign-ins, argon2 on the server, mostly fall before)."""
    plan_file = workdir / "plan.json"
    fd = os.open(plan_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(plan, f)
    prefix = workdir / f"locust-{time.time_ns()}"
    cmd = [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "--host", url,
           "-u", str(users), "-r", str(min(users, 5)), "-t", f"{seconds}s", "--csv", str(prefix),
           "--only-summary", "--stop-timeout", "30", "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    cmd += ["--reset-stats"] if reset_stats else []
    env = {**os.environ, "COMITY_LOAD_PLAN": str(plan_file), "LOAD_WAIT": wait,
           "COMITY_LOAD_SESSIONS": str(workdir / "sessions.json"), "LOAD_REUSE_SESSIONS": "1" if reuse_sessions else ""}
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 300, check=False)
    finally:
        plan_file.unlink(missing_ok=True)
    if done.returncode != 0:
        raise BenchmarkError(f"locust stopped with status {done.returncode}: {done.stderr[-2000:]}")
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for r in csv.DictReader(f):
            rows[r["Name"]] = {"count": int(r["Request Count"]), "failures": int(r["Failure Count"]),
                               "rps": float(r["Requests/s"]), "median": float(r["50%"] or 0),
                               "p95": float(r["95%"] or 0), "p99": float(r["99%"] or 0)}
    failures = []
    with open(f"{prefix}_failures.csv", newline="") as f:
        for r in csv.DictReader(f):
            failures.append({"name": r["Name"], "method": r["Method"], "error": r["Error"][:300],
                             "count": int(r["Occurrences"])})
    work = sum(r["rps"] for name, r in rows.items() if name in TASKS)
    return {"endpoints": rows, "failures": failures, "users": users, "seconds": seconds, "wait": wait,
            "work_rps": work, "reset_stats": reset_stats}


def print_run(title: str, res: dict) -> None:
    print(f"\n### {title}\n")
    print(f"{res['users']} users, {res['seconds']} s, think time {res['wait']} s, "
          f"{res['workers']} gunicorn workers x 4 threads"
          f"{'; figures from the moment all users were started' if res['reset_stats'] else ''}; "
          f"work (all but sign-in) {res['work_rps']:.1f} req/s\n")
    print("| endpoint | requests | req/s | median ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in SIGN_IN + TASKS + ["Aggregated"]:
        r = res["endpoints"].get(name)
        if r:
            print(f"| {name} | {r['count']:,} | {r['rps']:.2f} | {r['median']:.0f} | {r['p95']:.0f} | "
                  f"{r['p99']:.0f} | {r['failures']} |")
    for f in res["failures"]:
        print(f"  error: {f['method']} {f['name']} x{f['count']}: {f['error']}")


def check_run(res: dict, what: str) -> list[str]:
    problems = [f"{what}: {f['count']} x {f['method']} {f['name']}: {f['error']}" for f in res["failures"]]
    problems += [f"{what}: the task {name!r} never ran" for name in TASKS if not res["endpoints"].get(name, {}).get("count")]
    return problems


def instance_size() -> dict:
    from comity.audit.models import AuditEvent
    from comity.cases.models import Case

    return {"cases": Case.objects.count(), "events": AuditEvent.objects.count()}


def one_run(title, *, users, secrets, plan_users, workers, seconds, wait, workdir, results, problems,
            reset_stats=False):
    """One locust run against a fresh gunicorn. The worker sweep (`reset_stats`) reuses the sessions the
    users signed in with in an earlier run of this benchmark, as people stay signed in while servers restart."""
    from comity.cases.models import CooperationRequest

    # Each request's status now: an earlier run moved it along (the users take turns between two statuses).
    now = {str(pk): st for pk, st in CooperationRequest.objects.filter(
        pk__in=[c["request"] for p in plan_users for c in p["cases"]]).values_list("pk", "status")}
    server = Server(workers, workdir)
    try:
        plan = {"password": PASSWORD,
                "users": [{**p, "totp": secrets[p["username"]], "statuses": {k: now[k] for k in p["statuses"]}}
                          for p in plan_users]}
        res = run_locust(server.url, plan, users=users, seconds=seconds, wait=wait, workdir=workdir,
                         reset_stats=reset_stats, reuse_sessions=reset_stats)
    finally:
        server.stop()
    res.update(workers=workers, title=title, size=instance_size())
    print_run(f"{title} ({res['size']['cases']:,} cases, {res['size']['events']:,} audit events)", res)
    results["runs"].append(res)
    problems += check_run(res, title)
    return res


def main() -> int:
    p = argparse.ArgumentParser(description="Load and scale benchmark (locust against gunicorn)")
    p.add_argument("--phases", default="normal,workers,scale")
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--duration", type=int, default=600, help="seconds of each main run (normal, scale)")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers for the main runs")
    p.add_argument("--wait", default="0.5,2", help="think time min,max in seconds for the main runs")
    p.add_argument("--sweep", default="1,2,3,4", help="worker counts of the throughput sweep")
    p.add_argument("--sweep-duration", type=int, default=120)
    p.add_argument("--sweep-wait", default="0,0")
    p.add_argument("--cases-per-user", type=int, default=4)
    p.add_argument("--normal-cases", type=int, default=10_000)
    p.add_argument("--normal-events", type=int, default=200_000)
    p.add_argument("--scale-cases", type=int, default=100_000)
    p.add_argument("--scale-events", type=int, default=2_000_000)
    p.add_argument("--no-verify", action="store_true", help="skip `comity audit verify` at the end")
    p.add_argument("--json", help="also write the figures to this JSON file")
    p.add_argument("--in-turn", action="store_true",
                   help="each user goes through the tasks in turn instead of at random (short checks)")
    args = p.parse_args()
    if args.in_turn:
        os.environ["LOAD_ORDER"] = "sequence"
    phases = [x.strip() for x in args.phases.split(",") if x.strip()]

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from seed_scale import seed

    pg = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            pg = cur.fetchone()[0]
    machine = (f"{os.cpu_count()} CPU cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
               f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
               f"{'PostgreSQL ' + pg if pg else connection.vendor}")
    print(f"Comity load benchmark, {dt.date.today()}, {machine}")
    if connection.vendor != "postgresql":
        print("note: not on PostgreSQL (DATABASE_URL); figures are not comparable with the documented ones")
    results = {"date": str(dt.date.today()), "machine": machine, "runs": [], "seeding": []}
    problems: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="comity-load-"))  # the plan and sessions (credentials): removed at exit
    atexit.register(shutil.rmtree, workdir, True)
    t = time.perf_counter()
    users, secrets = load_accounts(args.users)
    plan_users = working_set(users, args.cases_per_user)
    print(f"accounts and working cases ready in {time.perf_counter() - t:.1f} s "
          f"({args.users} accounts x {args.cases_per_user} cases)")
    common = {"users": args.users, "secrets": secrets, "plan_users": plan_users, "workdir": workdir, "results": results,
              "problems": problems}

    def seed_to(cases, events):
        out = seed(cases=cases, events=events, members=users, progress=lambda m: print(m, flush=True))
        results["seeding"].append(out)
        print(f"seeding to {cases:,} cases / {events:,} events: {out['cases_before']:,} -> {out['cases_after']:,} "
              f"seeded cases in {out['case_seconds']:.1f} s, {out['events_before']:,} -> {out['events_after']:,} "
              f"audit events in {out['event_seconds']:.1f} s")

    if "normal" in phases or "workers" in phases:
        seed_to(args.normal_cases, args.normal_events)
    if "normal" in phases:
        one_run("normal size", workers=args.workers, seconds=args.duration, wait=args.wait, **common)
    if "workers" in phases:
        sweep = []
        for w in [int(x) for x in args.sweep.split(",")]:
            res = one_run(f"throughput, {w} worker{'s' if w > 1 else ''}", workers=w, seconds=args.sweep_duration,
                          wait=args.sweep_wait, reset_stats=True, **common)
            agg = res["endpoints"].get("Aggregated", {})
            sweep.append((w, res["work_rps"], agg.get("median", 0), agg.get("p95", 0), agg.get("failures", 0)))
        print("\n### Throughput by gunicorn workers (work requests, after all users signed in)\n\n"
              "| workers | req/s | median ms | p95 ms | errors |\n|---:|---:|---:|---:|---:|")
        for w, rps, med, p95, err in sweep:
            print(f"| {w} | {rps:.1f} | {med:.0f} | {p95:.0f} | {err} |")
    if "scale" in phases:
        seed_to(args.scale_cases, args.scale_events)
        one_run("scale", workers=args.workers, seconds=args.duration, wait=args.wait, **common)
    if not args.no_verify:
        from comity.audit.actions import do_sign_tree_head

        do_sign_tree_head(via="cli")  # as `comity serve` does while it serves
        t = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "comity.cli", "audit", "verify"], capture_output=True,
                              text=True, env=os.environ.copy(), check=False)
        results["verify"] = {"status": done.returncode, "seconds": time.perf_counter() - t,
                             "output": (done.stdout + done.stderr)[-1500:]}
        print(f"\ncomity audit verify: exit {done.returncode} in {time.perf_counter() - t:.1f} s\n"
              f"{(done.stdout + done.stderr).strip()[-800:]}")
        if done.returncode not in (0,):
            problems.append(f"comity audit verify failed (exit {done.returncode})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    shutil.rmtree(workdir, ignore_errors=True)
    if problems:
        raise BenchmarkError("; ".join(problems[:20]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
