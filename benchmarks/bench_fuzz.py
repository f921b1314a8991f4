"""API fuzzing campaign: schemathesis against the live OpenAPI schema of Comity served by gunicorn on loopback,
at least 10,000 calls. Prints the calls made, by status code, server errors, answers outside the schema and
the wall time; stops with "BENCHMARK FAILED" if fewer calls were made than asked or if any server error or
non-conforming answer was seen (each one is printed with a curl command that reproduces it).

    python benchmarks/bench_fuzz.py                        # embedded SQLite in a temp folder
    COMITY_DATA_DIR=var python benchmarks/bench_fuzz.py    # on an instance that already has data (make bench)
    DATABASE_URL=postgres://... python benchmarks/bench_fuzz.py
    BENCH_FUZZ_CALLS=2000 BENCH_FUZZ_WORKERS=2 python benchmarks/bench_fuzz.py

The fuzzer and its checks are those of the bounded run in the test suite (tests/security/test_fuzz_api.py);
here they run pass after pass, each with new seeds, until the number of calls is reached. Re-runnable: each
run makes its own accounts (named fuzz-…-<letters>), tokens and two cases through the actions, so an
instance with data (or an earlier run's) is no obstacle, and everything it writes goes through the actions
and the audit log, which still verifies afterwards.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("COMITY_DATA_DIR", tempfile.mkdtemp(prefix="comity-bench-fuzz-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from _support import BenchmarkError, run_tag  # noqa: E402
from comity.cli import gunicorn_command  # noqa: E402
from tests.security.test_fuzz_api import Stats, fuzz, seed_world  # noqa: E402

CALLS = int(os.environ.get("BENCH_FUZZ_CALLS", "10000"))
WORKERS = int(os.environ.get("BENCH_FUZZ_WORKERS", "2"))
EXAMPLES = int(os.environ.get("BENCH_FUZZ_EXAMPLES", "25"))  # per operation and mode, in each pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, log) -> subprocess.Popen:
    env = {**os.environ, "COMITY_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen(gunicorn_command("127.0.0.1", port, workers=WORKERS, env=env), env=env,
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchmarkError(f"gunicorn stopped at start (status {server.returncode}); see {log.name}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.3)
    server.terminate()
    raise BenchmarkError("gunicorn did not answer /healthz within 60 s")


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    tag = run_tag()
    world = seed_world(tag)
    port = free_port()
    log = open(Path(os.environ["COMITY_DATA_DIR"]) / f"bench-fuzz-{tag}.log", "w")
    database = django.db.connection.vendor
    print(f"API fuzzing: schemathesis against http://127.0.0.1:{port}/api/openapi.json, gunicorn with {WORKERS} "
          f"workers on {database}, accounts fuzz-*-{tag}; at least {CALLS} calls", flush=True)
    server = serve(port, log)
    stats = Stats()
    passes = 0
    try:
        while stats.calls < CALLS:
            before = stats.calls
            fuzz(f"http://127.0.0.1:{port}", world, examples=EXAMPLES, seed=passes, stats=stats, budget=CALLS)
            passes += 1
            print(f"  pass {passes}: {stats.calls} calls so far, {stats.seconds:.0f} s", flush=True)
            if stats.calls == before:
                break
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    print(stats.report())
    print("by operation: " + ", ".join(f"{op}: {n}" for op, n in sorted(stats.by_operation.items())))
    problems = []
    if stats.calls < CALLS:
        problems.append(f"only {stats.calls} calls were made, not {CALLS}")
    if stats.server_errors:
        problems.append(f"{len(stats.server_errors)} server errors")
    if stats.violations:
        problems.append(f"{len(stats.violations)} answers outside the schema")
    if stats.transport_errors:
        problems.append(f"{len(stats.transport_errors)} calls that got no answer")
    if problems:
        raise BenchmarkError("; ".join(problems) + f" (server log: {log.name})")


if __name__ == "__main__":
    main()
