"""Crash test (issue 6): SIGKILL the server in the middle of a stream of writes; after a restart the
audit log verifies and every committed change has its audit event (and no event lacks its change).
Many kills, of every writer, on both databases: tests/security/test_crash_many.py (helpers in tests/support/crash.py)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import threading
import time
import urllib.error

from tests.support.crash import ROOT, stop_server
from tests.support.crash import cli as _cli
from tests.support.crash import free_port as _free_port
from tests.support.crash import post as _post
from tests.support.crash import start_server as _start_server

MAX_WRITES = 400          # bounded in count...
MAX_SECONDS = 60          # ...and in time
KILL_AFTER_WRITES = 40


def test_sigkill_mid_stream_leaves_a_verifiable_log_and_no_change_without_its_event(tmp_path):
    db = tmp_path / "crash.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "COMITY_DATA_DIR": str(tmp_path / "data"),
           "COMITY_NEW_USER_PASSWORD": "correct-horse-battery-42", "PYTHONPATH": str(ROOT / "src")}
    env.pop("COMITY_LEDGER_KEY", None)
    _cli(env, "migrate", "--verbosity", "0")
    _cli(env, "create-user", "writer", "--role", "supervisor")
    token = json.loads(_cli(env, "token", "writer", "--name", "crash", "--scope", "write", "--json").stdout)["token"]

    port = _free_port()
    server = _start_server(env, port)
    try:
        status, body = _post(port, token, "/api/cases", {"title": "Crash test", "summary": ""})
        assert status == 201
        case_id = body["id"]

        acknowledged: list[str] = []   # notes the server answered 201 for: they must be committed
        failed: list[str] = []         # notes whose request died with the server
        lock = threading.Lock()
        sent = iter(range(MAX_WRITES))
        started = time.monotonic()
        killed = threading.Event()

        def writer():
            while not killed.is_set() and time.monotonic() - started < MAX_SECONDS:
                with lock:
                    n = next(sent, None)
                if n is None:
                    return
                text = f"crash-note-{n}"
                try:
                    status, _ = _post(port, token, f"/api/cases/{case_id}/notes", {"text": text})
                except (urllib.error.URLError, ConnectionError, OSError, ValueError, http.client.HTTPException):
                    with lock:
                        failed.append(text)
                    time.sleep(0.05)
                    continue  # the server died under this request: it may or may not have committed
                if status == 201:
                    with lock:
                        acknowledged.append(text)

        threads = [threading.Thread(target=writer) for _ in range(6)]
        for t in threads:
            t.start()
        while len(acknowledged) < KILL_AFTER_WRITES and time.monotonic() - started < MAX_SECONDS:
            time.sleep(0.01)
        os.killpg(server.pid, signal.SIGKILL)  # mid-stream: other writers are in flight
        server.wait(timeout=10)
        time.sleep(0.3)
        killed.set()
        for t in threads:
            t.join(timeout=30)
        assert len(acknowledged) >= KILL_AFTER_WRITES
        assert failed, "the kill should have cut requests off"

        # Restart on the same database and keep writing.
        server = _start_server(env, port)
        status, _ = _post(port, token, f"/api/cases/{case_id}/notes", {"text": "after-restart"})
        assert status == 201
        acknowledged.append("after-restart")
    finally:
        stop_server(server)

    assert _cli(env, "audit", "sign").returncode == 0
    verify = _cli(env, "audit", "verify", "--strict", "--json", check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert json.loads(verify.stdout)["ok"] is True

    with sqlite3.connect(db) as con:
        notes = dict(con.execute("SELECT id, text FROM cases_note").fetchall())
        events = {int(r[0]) for r in con.execute(
            "SELECT object_id FROM audit_auditevent WHERE event_type = 'note.added'").fetchall()}
        seqs = [r[0] for r in con.execute("SELECT seq FROM audit_auditevent ORDER BY seq").fetchall()]
    assert set(acknowledged) <= set(notes.values())       # every acknowledged write survived the kill
    assert set(notes) == events                            # every note has its event, every event its note
    assert seqs == list(range(len(seqs)))                  # the log has no gaps
    print(f"crash test: {len(acknowledged)} acknowledged, {len(failed)} cut off, {len(notes)} notes stored")
