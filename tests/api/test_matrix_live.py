"""The API matrix (tests/api/matrix/README.md) against a real server process: gunicorn with two workers on
loopback, on a throwaway instance of its own (SQLite in a temporary folder, or a database of its own on the
PostgreSQL server of the run). The world is made in that instance's database by a subprocess in its
environment (`python -m tests.api.matrix.runner`), which then calls every operation over HTTP with the five
callers."""

from __future__ import annotations

import json
import os
import subprocess

from tests.support.crash import PYTHON, ROOT, Instance, cli, free_port, start_server, stop_server


def _postgres_server() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def test_every_operation_answers_each_caller_the_same_on_gunicorn(tmp_path):
    instance = Instance(tmp_path, postgres_url=_postgres_server())
    try:
        cli(instance.env, "migrate", "--verbosity", "0")
        cli(instance.env, "evidence", "init-key")
        port = free_port()
        server = start_server(instance.env, port, workers=2, log=tmp_path / "server.log")
        try:
            done = subprocess.run([PYTHON, "-m", "tests.api.matrix.runner", "--base-url", f"http://127.0.0.1:{port}"],
                                  cwd=ROOT, env={**instance.env, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"},
                                  capture_output=True, text=True, timeout=900, check=False)
        finally:
            stop_server(server)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
        result = json.loads(done.stdout.strip().splitlines()[-1])
        mismatches = result["mismatches"]
        assert not mismatches, f"{len(mismatches)} mismatches on {instance.kind}:\n" + "\n".join(
            json.dumps(m) for m in mismatches)
        assert result["calls"] > 100
    finally:
        instance.drop()
