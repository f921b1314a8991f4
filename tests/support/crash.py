"""Crash campaigns (issue 13 item 6), shared by tests/security/test_crash_many.py, tests/oversight/test_crash.py
and benchmarks/bench_crash.py.

An `Instance` is a throwaway Comity instance (its own data folder, database and oversight body's witness key
and file). A `Campaign` runs a stream of concurrent writes against it: HTTP client threads (cases, notes,
requests and their transitions, document uploads, tree-head signing over the API) against `comity serve`
(gunicorn master and workers plus the periodic tree-head signer, in their own process group), and CLI
threads running the other writers (`comity audit sign`, `comity audit witness --db --sign`, `comity evidence
register`, `comity deadlines`, `comity evidence verify --all`), each in its own process group. At a random
moment it SIGKILLs the server's group and every running CLI writer at once, then checks the database as the
crash left it (`check_instance`, in a fresh process: the first to open it), restarts and goes on.

`python tests/support/crash.py check ACKS.json [--sqlite DB]` is the checker; it runs with the instance's
environment and prints a JSON report (`problems` empty when every invariant holds).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PASSWORD = "correct-horse-battery-42"
CUT_OFF = (urllib.error.URLError, ConnectionError, OSError, ValueError, http.client.HTTPException)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(env, *args, check=True, timeout=180) -> subprocess.CompletedProcess:
    """`comity ARGS` with the instance's environment."""
    p = subprocess.run([PYTHON, "-m", "comity.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                       check=False, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"comity {' '.join(args)} exited {p.returncode}: {p.stdout}\n{p.stderr}")
    return p


def start_server(env, port, *, serve: bool = False, workers: int = 2, timeout: float = 60,
                 log: Path | None = None) -> subprocess.Popen:
    """The server in its own process group (so one SIGKILL takes the master and every worker). With
    `serve`, `comity serve`: gunicorn plus the parent that signs a tree head every COMITY_LEDGER_SIGN_SECONDS."""
    if serve:
        cmd = [PYTHON, "-m", "comity.cli", "serve", "--port", str(port), "--workers", str(workers)]
    else:
        cmd = [PYTHON, "-m", "gunicorn", "comity.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--threads", "2", "--timeout", "60"]
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - the child keeps it
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)
    finally:
        if log:
            out.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            said = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise AssertionError(f"the server exited with {proc.returncode} while starting:\n{said}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except CUT_OFF:
            time.sleep(0.1)
    kill_group(proc)
    raise AssertionError("the server did not start")


def kill_group(proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        kill_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            proc.wait(timeout=10)


def post(port, token, path, payload, timeout=20):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(payload).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read() or b"{}")


def post_file(port, token, path, fields: dict, filename: str, content: bytes, timeout=20):
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: text/plain\r\n\r\n".encode() + content + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read() or b"{}")


# -- the instance -----------------------------------------------------------------------------------------


def postgres_database(server_url: str, name: str) -> str:
    """Create database `name` on the PostgreSQL server of `server_url` (scripts/with-postgres.sh) and return
    its URL; the instance gets a database of its own, apart from the test database."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"


def drop_postgres_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Instance:
    """A throwaway instance in `folder`: SQLite in the folder, or a database of its own on the PostgreSQL
    server named by `postgres_url`. The oversight body's witness key and file live outside the data folder."""

    def __init__(self, folder: Path, *, postgres_url: str | None = None, sign_seconds: int = 2):
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.oversight = self.folder / "oversight"
        self.sources = self.folder / "sources"
        for d in (self.oversight, self.sources):
            d.mkdir(parents=True, exist_ok=True)
        self.postgres_url = postgres_url
        self.pg_name = f"crash_{secrets.token_hex(4)}" if postgres_url else None
        self.sqlite = None if postgres_url else self.folder / "crash.sqlite3"
        self.database_url = (postgres_database(postgres_url, self.pg_name) if postgres_url
                             else f"sqlite:///{self.sqlite}")
        self.witness_file = self.oversight / "witness.jsonl"
        self.witness_key = self.oversight / "witness.key"
        self.witness_pub = self.oversight / "witness.pub"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COMITY_", "DJANGO_", "PYTEST"))}
        self.env = {**env, "DATABASE_URL": self.database_url, "COMITY_DATA_DIR": str(self.data),
                    "COMITY_NEW_USER_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT / "src"),
                    "DJANGO_SETTINGS_MODULE": "comity.settings",
                    "COMITY_LEDGER_SIGN_SECONDS": str(sign_seconds),
                    "COMITY_WITNESS_FILE": str(self.witness_file), "COMITY_WITNESS_KEYS": str(self.witness_pub)}
        self.token = ""
        self.evidence_case = ""

    @property
    def kind(self) -> str:
        return "postgresql" if self.postgres_url else "sqlite"

    def setup(self) -> None:
        from comity.ledger import generate_private_key, private_key_to_pem, public_key_to_pem

        key = generate_private_key()
        self.witness_key.write_bytes(private_key_to_pem(key))
        self.witness_pub.write_bytes(public_key_to_pem(key.public_key()))
        cli(self.env, "migrate", "--verbosity", "0")
        cli(self.env, "evidence", "init-key")
        cli(self.env, "create-user", "writer", "--role", "supervisor")
        out = cli(self.env, "token", "writer", "--name", "crash", "--scope", "write", "--json").stdout
        self.token = json.loads(out)["token"]
        cli(self.env, "audit", "sign")
        cli(self.env, *self.witness_args())  # the witness's first head (trust on first use), before any fault

    def witness_args(self) -> list[str]:
        return ["audit", "witness", "--db", "--sign", "--json", "--file", str(self.witness_file),
                "--key", str(self.witness_key)]

    def drop(self) -> None:
        if self.postgres_url:
            drop_postgres_database(self.postgres_url, self.pg_name)


# -- the campaign -----------------------------------------------------------------------------------------


@dataclass
class Acks:
    """What the writers were told succeeded (a 2xx answer, or a CLI exit 0 with its output)."""

    cases: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    transitions: Counter = field(default_factory=Counter)
    documents: dict = field(default_factory=dict)
    heads: set = field(default_factory=set)
    exhibits: list = field(default_factory=list)
    witnessed: int = 0
    other: int = 0  # writes with nothing to look up afterwards (`comity deadlines`, `evidence verify`)

    def total(self) -> int:
        return (len(self.cases) + len(self.notes) + len(self.requests) + sum(self.transitions.values())
                + len(self.documents) + len(self.heads) + len(self.exhibits) + self.other)

    def to_dict(self) -> dict:
        return {"cases": self.cases, "notes": self.notes, "requests": self.requests,
                "transitions": {str(k): v for k, v in self.transitions.items()}, "documents": self.documents,
                "heads": sorted(self.heads), "exhibits": self.exhibits, "witnessed": self.witnessed}


MLA_CYCLE = {"received": "start_assessment", "under_assessment": "ask_for_information",
             "further_information_requested": "receive_information"}


class Campaign:
    """Kill the writers at random moments, many times; check the database after each crash."""

    def __init__(self, instance: Instance, *, seed: int | None = None, http_threads: int = 3,
                 cli_threads: int = 2, kill_after: tuple[float, float] = (1.0, 3.0), serve: bool = True,
                 witness_every: int = 2):
        self.i = instance
        self.rng = random.Random(seed)
        self.http_threads, self.cli_threads = http_threads, cli_threads
        self.kill_after = kill_after
        self.serve = serve
        self.witness_every = witness_every
        self.witnessed = threading.Event()
        self.acks = Acks()
        self.lock = threading.Lock()
        self.cut_off = 0          # requests and commands the kill cut off (outcome unknown to the writer)
        self.server_errors: list[str] = []  # 5xx answers and CLI failures: none expected
        self.kills = 0
        self.killed_cli = 0
        self.port = free_port()
        self.server: subprocess.Popen | None = None
        self.running: set[subprocess.Popen] = set()
        self.frozen = threading.Event()
        self.reports: list[dict] = []
        self.seq = 0

    # writers --------------------------------------------------------------------------------------------

    def _next(self) -> int:
        with self.lock:
            self.seq += 1
            return self.seq

    def _http(self, rng: random.Random) -> None:
        mine = {"case": None, "request": None, "status": None}
        token, port = self.i.token, self.port
        while not self.frozen.is_set():
            n = self._next()
            try:
                if mine["case"] is None:
                    _, body = post(port, token, "/api/cases", {"title": f"Crash case {n}", "summary": ""})
                    mine.update(case=body["id"], request=None)
                    with self.lock:
                        self.acks.cases.append(body["id"])
                    continue
                op = rng.choice(["note", "note", "request", "transition", "transition", "document", "head", "case"])
                case = mine["case"]
                if op == "case":
                    mine["case"] = None
                elif op == "note":
                    text = f"crash-note-{n}-{secrets.token_hex(3)}"
                    post(port, token, f"/api/cases/{case}/notes", {"text": text})
                    with self.lock:
                        self.acks.notes.append(text)
                elif op == "request" or (op == "transition" and mine["request"] is None):
                    _, body = post(port, token, f"/api/cases/{case}/requests", {
                        "kind": "mla", "direction": "incoming", "subject": "Bank records",
                        "requesting_state": "FR", "requested_state": "DE"})
                    mine.update(request=body["id"], status=body["status"])
                    with self.lock:
                        self.acks.requests.append(body["id"])
                elif op == "transition":
                    step = MLA_CYCLE[mine["status"]]
                    _, body = post(port, token, f"/api/requests/{mine['request']}/transitions", {"transition": step})
                    mine["status"] = body["to_status"]
                    with self.lock:
                        self.acks.transitions[mine["request"]] += 1
                elif op == "document":
                    content = f"crash document {n} {secrets.token_hex(8)}\n".encode() * rng.randint(1, 200)
                    _, body = post_file(port, token, f"/api/cases/{case}/documents", {"title": f"Document {n}"},
                                        f"doc-{n}.txt", content)
                    with self.lock:
                        self.acks.documents[str(body["id"])] = body["sha256"]
                else:
                    _, body = post(port, token, "/api/audit/tree-heads", {})
                    with self.lock:
                        self.acks.heads.add(body["size"])
            except urllib.error.HTTPError as e:
                detail = e.read()[:300].decode("utf-8", "replace")
                if e.code >= 500 and not self.frozen.is_set():
                    with self.lock:
                        self.server_errors.append(f"HTTP {e.code}: {detail}")
                mine.update(case=None, request=None)  # start afresh
            except CUT_OFF:
                with self.lock:
                    self.cut_off += 1
                mine.update(case=None, request=None)  # the outcome is unknown: start afresh
                time.sleep(0.05)

    def _cli_command(self, rng: random.Random, n: int, kind: str | None = None) -> tuple[str, list[str]]:
        kind = kind or rng.choice(["witness", "witness", "sign", "register", "register", "deadlines", "verify"])
        if kind == "witness":
            return kind, self.i.witness_args()
        if kind == "sign":
            return kind, ["audit", "sign"]
        if kind == "deadlines":
            return kind, ["deadlines", "--user", "writer", "--json"]
        if kind == "verify":
            return kind, ["evidence", "verify", "--all", "--user", "writer", "--json"]
        src = self.i.sources / f"exhibit-{n}.bin"
        src.write_bytes(os.urandom(rng.randint(100, 64_000)))
        return kind, ["evidence", "register", self.i.evidence_case, str(src), "--user", "writer", "--title",
                      f"Exhibit {n}", "--date-obtained", "2026-11-01", "--json"]

    def _cli(self, rng: random.Random, first: str | None = None) -> None:
        while True:
            kind, args = self._cli_command(rng, self._next(), first)
            with self.lock:
                if self.frozen.is_set():
                    return
                p = subprocess.Popen([PYTHON, "-m", "comity.cli", *args], cwd=ROOT, env=self.i.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
                self.running.add(p)
            out, err = p.communicate()
            with self.lock:
                self.running.discard(p)
                if p.returncode == -signal.SIGKILL:
                    self.cut_off += 1
                    self.killed_cli += 1
                    continue
                if p.returncode != 0 and not (kind == "verify" and p.returncode == 1 and self.frozen.is_set()):
                    self.server_errors.append(f"comity {' '.join(args[:2])} exited {p.returncode}: "
                                              f"{(out + err)[-400:]}")
                    continue
                if kind == "witness":
                    self.acks.witnessed = max(self.acks.witnessed, json.loads(out)["cosignature"]["head"]["size"])
                    self.witnessed.set()
                elif kind == "sign":
                    self.acks.heads.add(json.loads(out)["size"])
                elif kind == "register":
                    self.acks.exhibits.append(json.loads(out)["exhibit_number"])
                else:
                    self.acks.other += 1

    # one round ------------------------------------------------------------------------------------------

    def start(self) -> None:
        self.server = start_server(self.i.env, self.port, serve=self.serve, log=self.i.folder / "server.log")
        if not self.i.evidence_case:
            _, body = post(self.port, self.i.token, "/api/cases", {"title": "Evidence", "summary": ""})
            self.i.evidence_case = body["reference"]
            self.acks.cases.append(body["id"])

    def round(self) -> dict:
        """Writers run for a random while, then everything that writes is SIGKILLed at once; the database
        is checked as the crash left it; the server restarts."""
        self.frozen.clear()
        threads = [threading.Thread(target=self._http, args=(random.Random(self.rng.random()),))
                   for _ in range(self.http_threads)]
        threads += [threading.Thread(target=self._cli, args=(random.Random(self.rng.random()), "witness" if k == 0
                                                             else None)) for k in range(self.cli_threads)]
        for t in threads:
            t.start()
        t0 = time.monotonic()
        if self.witness_every and self.kills % self.witness_every == 0:
            # This round the random delay counts from the witness's first cosignature of the round, so that
            # heads get witnessed mid-stream however slow the machine, and later crashes are checked against them.
            self.witnessed.clear()
            self.witnessed.wait(timeout=60)
        time.sleep(self.rng.uniform(*self.kill_after))
        t1 = time.monotonic()
        with self.lock:
            self.frozen.set()  # no new CLI writer from now on
            victims = [self.server, *self.running]
            for p in victims:  # all at once: server group and every running CLI writer
                kill_group(p)
        for p in victims:
            p.wait(timeout=30)
        self.kills += 1
        for t in threads:
            t.join(timeout=60)
        t2 = time.monotonic()
        report = check_instance(self.i, self.acks, meanwhile=self.start)
        report["seconds"] = {"writing": round(t1 - t0, 1), "stopping": round(t2 - t1, 1),
                             "checking_and_restarting": round(time.monotonic() - t2, 1)}
        self.reports.append(report)
        return report

    def stop(self) -> None:
        if self.server is not None:
            stop_server(self.server)

    def summary(self) -> dict:
        problems = [p for r in self.reports for p in r["problems"]]
        last = self.reports[-1] if self.reports else {}
        return {"database": self.i.kind, "kills": self.kills, "cli_writers_killed": self.killed_cli,
                "acknowledged": self.acks.total(), "cut_off": self.cut_off,
                "acknowledged_lost": sum(r.get("lost", 0) for r in self.reports[-1:]),
                "witnessed_size": self.acks.witnessed, "log_size": last.get("log_size"),
                "server_errors": len(self.server_errors), "problems": problems}


def check_instance(instance: Instance, acks: Acks, *, meanwhile=None) -> dict:
    """In one fresh process, on the database as the crash left it: the invariants of this module, then
    `comity audit verify --require-witness` (against the witnessed heads), then `comity evidence verify --all`
    (which logs its checks, so it comes last). `meanwhile()` (the server's restart) runs once the log's
    verification is done. One report."""
    acks_file = instance.folder / "acks.json"
    acks_file.write_text(json.dumps(acks.to_dict()))
    checker = [PYTHON, str(Path(__file__).resolve()), "check", str(acks_file)]
    if instance.sqlite:
        checker += ["--sqlite", str(instance.sqlite)]
    inv = subprocess.Popen(checker, cwd=ROOT, env=instance.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.PIPE, text=True)
    first = inv.stdout.readline()  # the checker says when the log is verified
    verified = first.strip() == "log verified"
    if meanwhile is not None and verified:
        meanwhile()
    inv_out, inv_err = inv.communicate(input="go\n", timeout=300)
    if not verified:
        inv_out = first + inv_out
        if meanwhile is not None:
            meanwhile()
    problems: list[str] = []
    try:
        report = json.loads(inv_out)
    except ValueError:
        report = {"problems": [f"the checker failed ({inv.returncode}): {inv_out[-500:]} {inv_err[-2000:]}"]}
    problems += report["problems"]
    outs = report.pop("commands", {})
    out, err, code = outs.get("audit verify", ("", "not run", None))
    try:
        verify = json.loads(out)
    except ValueError:
        verify = {}
    witness = verify.get("witness") or {}
    if code != 0 or not verify.get("ok"):
        problems.append(f"comity audit verify exited {code}: {out[-1500:]} {err[-500:]}")
    elif witness.get("status") != "verified":
        problems.append(f"comity audit verify did not check a witnessed head: {witness.get('headline')}")
    elif (witness.get("witnessed_size") or 0) < acks.witnessed:
        problems.append(f"the latest witnessed head checked has size {witness.get('witnessed_size')}, but the "
                        f"witness cosigned size {acks.witnessed}")
    out, err, code = outs.get("evidence verify", ("", "not run", None))
    if code != 0:
        problems.append(f"comity evidence verify --all exited {code}: {out[-1500:]} {err[-500:]}")
    report["problems"] = problems
    report["witnessed_size"] = witness.get("witnessed_size")
    return report


# -- the checker (run in its own process, with the instance's environment) --------------------------------


def _sqlite_checks(path: str) -> list[str]:
    problems = []
    con = sqlite3.connect(path)
    try:
        result = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
        if result != ["ok"]:
            problems.append(f"PRAGMA integrity_check: {result[:5]}")
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"PRAGMA foreign_key_check: {len(fk)} rows, first {fk[:3]}")
    finally:
        con.close()
    return problems


def _app_checks(acks: dict) -> dict:
    import hashlib

    from django.apps import apps
    from django.db.models import Count, Max

    from comity.audit.models import AuditEvent, LedgerState, TreeHead
    from comity.cases.models import Case, CooperationRequest, Document, Note, Transition
    from comity.evidence.models import CustodyEvent, EvidenceItem

    problems: list[str] = []
    lost = 0

    def logged(event_type: str) -> set[str]:
        return set(AuditEvent.objects.filter(event_type=event_type).values_list("object_id", flat=True))

    # The log: one row per position, no gap, the state's size matches, no head beyond the log.
    agg = AuditEvent.objects.aggregate(n=Count("id"), seqs=Count("seq", distinct=True), top=Max("seq"))
    state = LedgerState.objects.filter(pk=1).first()
    size = state.size if state else 0
    if not (agg["n"] == agg["seqs"] == size == (agg["top"] + 1 if agg["top"] is not None else 0)):
        problems.append(f"audit log: {agg['n']} events, {agg['seqs']} positions, top {agg['top']}, state size {size}")
    beyond = TreeHead.objects.filter(size__gt=size).count()
    if beyond:
        problems.append(f"{beyond} signed tree head(s) beyond the log's size {size}")

    # No event names an object that is not stored (events are about changes committed with them).
    by_name: dict[str, list] = {}
    for model in apps.get_models():
        by_name.setdefault(model.__name__, []).append(model)
    wanted: dict[str, set] = {}
    for t, oid in AuditEvent.objects.exclude(object_type="").values_list("object_type", "object_id"):
        wanted.setdefault(t, set()).add(oid)
    for t, ids in wanted.items():
        models = by_name.get(t, [])
        if len(models) != 1:
            continue
        model = models[0]
        found = {str(pk) for pk in model._default_manager.filter(pk__in=list(ids)).values_list("pk", flat=True)}
        missing = ids - found
        if missing:
            problems.append(f"{len(missing)} audit event(s) name a {t} that is not stored: {sorted(missing)[:5]}")

    # No change without its event.
    for model, event_type in ((Case, "case.created"), (Note, "note.added"), (Document, "document.uploaded"),
                              (CooperationRequest, "request.created"), (EvidenceItem, "evidence.registered"),
                              (CustodyEvent, "evidence.custody_recorded")):
        stored = {str(pk) for pk in model._default_manager.values_list("pk", flat=True)}
        without = stored - logged(event_type)
        if without:
            problems.append(f"{len(without)} {model.__name__} row(s) without a {event_type} event: "
                            f"{sorted(without)[:5]}")
    per_request = Counter(dict(Transition.objects.values_list("request").annotate(n=Count("id"))))
    events = Counter(AuditEvent.objects.filter(event_type="request.transition").values_list("object_id", flat=True))
    for rid in set(per_request) | {int(x) for x in events}:
        if per_request[rid] != events[str(rid)]:
            problems.append(f"request {rid}: {per_request[rid]} transitions stored, {events[str(rid)]} logged")
    for req in CooperationRequest.objects.all():
        last = req.transitions.order_by("-at", "-id").first()
        if last is not None and last.to_status != req.status:
            problems.append(f"request {req.pk}: status {req.status}, but its last transition went to {last.to_status}")
    signed = {int((v or {}).get("size", -1)) for v in
              AuditEvent.objects.filter(event_type="ledger.tree_head_signed").values_list("new_values", flat=True)}
    unlogged_heads = [s for s in TreeHead.objects.values_list("size", flat=True) if s not in signed]
    if unlogged_heads:
        problems.append(f"signed tree heads without their ledger.tree_head_signed event: {unlogged_heads[:5]}")
    for item in EvidenceItem.objects.annotate(n=Count("custody_events")).filter(n=0):
        problems.append(f"evidence item {item.exhibit_number} has no custody event")

    # Every acknowledged write is stored, with its event.
    def need(what, expected, stored, logged_ids=None):
        nonlocal lost
        missing = [x for x in expected if str(x) not in stored]
        unlogged = [x for x in expected if logged_ids is not None and str(x) in stored and str(x) not in logged_ids]
        if missing:
            lost += len(missing)
            problems.append(f"LOST: {len(missing)} acknowledged {what} not stored: {missing[:5]}")
        if unlogged:
            problems.append(f"{len(unlogged)} acknowledged {what} without their audit event: {unlogged[:5]}")

    need("case(s)", acks["cases"], {str(x) for x in Case.objects.values_list("pk", flat=True)}, logged("case.created"))
    notes = dict(Note.objects.values_list("text", "pk"))
    note_events = logged("note.added")
    missing_notes = [t for t in acks["notes"] if t not in notes]
    if missing_notes:
        lost += len(missing_notes)
        problems.append(f"LOST: {len(missing_notes)} acknowledged note(s) not stored: {missing_notes[:5]}")
    if [t for t in acks["notes"] if t in notes and str(notes[t]) not in note_events]:
        problems.append("acknowledged notes without their note.added event")
    need("request(s)", acks["requests"], {str(x) for x in CooperationRequest.objects.values_list("pk", flat=True)},
         logged("request.created"))
    for rid, n in acks["transitions"].items():
        if per_request[int(rid)] < n:
            lost += n - per_request[int(rid)]
            problems.append(f"LOST: request {rid} has {per_request[int(rid)]} transitions, {n} were acknowledged")
    docs = {str(d.pk): d for d in Document.objects.all()}
    need("document(s)", list(acks["documents"]), set(docs), logged("document.uploaded"))
    for pk, sha in acks["documents"].items():
        d = docs.get(pk)
        if d is None:
            continue
        try:
            with d.file.open("rb") as f:
                content = f.read()
        except Exception as e:  # noqa: BLE001 - any failure to read it back is the finding
            problems.append(f"document {pk}: cannot be read back: {type(e).__name__}: {e}")
            continue
        if d.sha256 != sha or hashlib.sha256(content).hexdigest() != sha:
            problems.append(f"document {pk}: content does not match the SHA-256 acknowledged")
    heads = set(TreeHead.objects.values_list("size", flat=True))
    need("tree head(s)", acks["heads"], {str(x) for x in heads})
    items = dict(EvidenceItem.objects.values_list("exhibit_number", "pk"))
    reg = logged("evidence.registered")
    missing_items = [x for x in acks["exhibits"] if x not in items]
    if missing_items:
        lost += len(missing_items)
        problems.append(f"LOST: {len(missing_items)} acknowledged exhibit(s) not stored: {missing_items[:5]}")
    if [x for x in acks["exhibits"] if x in items and str(items[x]) not in reg]:
        problems.append("acknowledged exhibits without their evidence.registered event")
    return {"problems": problems, "lost": lost, "log_size": size,
            "stored": {"cases": Case.objects.count(), "notes": len(notes), "requests": CooperationRequest.objects.count(),
                       "transitions": sum(per_request.values()), "documents": len(docs), "tree_heads": len(heads),
                       "evidence_items": len(items), "custody_events": CustodyEvent.objects.count()}}


def main(argv: list[str]) -> int:
    import argparse

    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["check"])
    p.add_argument("acks")
    p.add_argument("--sqlite")
    args = p.parse_args(argv)
    problems = _sqlite_checks(args.sqlite) if args.sqlite else []
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")
    import django

    django.setup()
    report = _app_checks(json.loads(Path(args.acks).read_text()))
    report["problems"] = problems + report["problems"]
    report["commands"] = {"audit verify": _run_cli(["audit", "verify", "--json", "--require-witness"])}
    print("log verified", flush=True)
    sys.stdin.readline()  # the caller restarts the server meanwhile: from now on the log may grow
    report["commands"]["evidence verify"] = _run_cli(["evidence", "verify", "--all", "--user", "writer", "--json"])
    print(json.dumps(report))
    return 0


def _run_cli(argv: list[str]) -> tuple[str, str, int]:
    """`comity ARGV` in this process: (stdout, stderr, exit code)."""
    import contextlib
    import io

    from comity.cli import main as comity

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = comity(argv)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except Exception:  # noqa: BLE001 - a crash of the command is the finding
            import traceback

            err.write(traceback.format_exc())
            code = 99
    return out.getvalue(), err.getvalue(), code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
