"""Two Comity instances on loopback, each with its own database, data folder, HTTPS server (its own
self-signed certificate, pinned by the other) and delivery worker, paired through their identity files and
fingerprints. Shared by the two-instance tests and benchmarks/bench_exchange.py."""

from __future__ import annotations

import datetime as dt
import json
import os
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.crash import PYTHON, ROOT, Instance, cli, free_port, kill_group


class Side:
    def __init__(self, folder: Path, authority: str, state: str, name: str, *, postgres_url: str | None = None):
        self.inst = Instance(folder, postgres_url=postgres_url, sign_seconds=3600)
        self.authority, self.state, self.name = authority, state, name
        self.port = free_port()
        self.env = {**self.inst.env, "COMITY_EXCHANGE_RETRY_SECONDS": "0.5", "COMITY_EXCHANGE_RETRY_CEILING_SECONDS": "2",
                    "COMITY_EXCHANGE_MAX_ATTEMPTS": "40", "COMITY_EXCHANGE_TIMEOUT_SECONDS": "10"}
        self.inst.env = self.env
        self.server = self.worker = None
        self.log = folder / "server.log"

    @property
    def token(self) -> str:
        return self.inst.token

    def setup(self) -> None:
        self.inst.setup()
        cli(self.env, "create-user", "admin", "--role", "admin")
        cli(self.env, "exchange", "init", "--authority", self.authority, "--state", self.state, "--name", self.name,
            "--endpoint", f"https://127.0.0.1:{self.port}/exchange/v1/")

    def age_keys(self, age: dt.timedelta) -> None:
        """Make the exchange keys as if made `age` ago (before peers import the identity): an instance that has
        been running a while, whose signatures from before a replay window are possible."""
        path = Path(self.env["COMITY_DATA_DIR"]) / "exchange" / "keys.json"
        rows = json.loads(path.read_text())
        for row in rows:
            row["created"] = (dt.datetime.fromisoformat(row["created"]) - age).isoformat()
        path.write_text(json.dumps(rows, indent=1))

    def identity_file(self, path: Path) -> Path:
        cli(self.env, "exchange", "identity", "--out", str(path))
        return path

    def fingerprint(self) -> str:
        return json.loads(cli(self.env, "exchange", "--json", "fingerprint").stdout)["fingerprint"]

    def trust(self, other: Side, tmp: Path) -> None:
        f = other.identity_file(tmp / f"{other.state}.identity.jose")
        cli(self.env, "exchange", "peer", "import", str(f), "--user", "admin")
        cli(self.env, "exchange", "peer", "confirm", other.authority, "--fingerprint", other.fingerprint(),
            "--how", "read aloud by telephone in the test", "--user", "admin")
        cli(self.env, "exchange", "directory", "add", "--state", other.state, "--name", other.name,
            "--cooperation", "mla", "extradition", "--channel", "comity", "--peer", other.authority, "--user", "admin")

    def start(self, *, worker: bool = True) -> None:
        data = Path(self.env["COMITY_DATA_DIR"]) / "exchange"
        cmd = [PYTHON, "-m", "gunicorn", "comity.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
               "--workers", "2", "--threads", "2", "--timeout", "120",
               "--certfile", str(data / "tls.crt"), "--keyfile", str(data / "tls.key")]
        out = open(self.log, "ab")  # noqa: SIM115 - the child keeps it
        self.server = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=out, stderr=out, start_new_session=True)
        out.close()
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{self.port}/healthz", timeout=2, context=ctx) as r:
                    if r.status == 200:
                        break
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        else:
            raise AssertionError(f"the {self.state} server did not start: {self.log.read_text()[-2000:]}")
        if worker:
            self.start_worker()

    def start_worker(self) -> None:
        out = open(self.log, "ab")  # noqa: SIM115
        self.worker = subprocess.Popen([PYTHON, "-m", "comity.cli", "exchange", "worker", "--interval", "0.2",
                                        "--sweep-seconds", "1"], cwd=ROOT, env=self.env, stdout=out, stderr=out,
                                       start_new_session=True)
        out.close()

    def stop(self) -> None:
        for proc in (self.worker, self.server):
            if proc is not None and proc.poll() is None:
                kill_group(proc)
                proc.wait(timeout=10)
        self.server = self.worker = None

    def api(self, method: str, path: str, payload: dict | None = None, *, files=None):
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if files:
            boundary = "----comity-test"
            name, content = files
            parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n",
                     f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n{name}\r\n".encode(),
                     f"--{boundary}--\r\n".encode()]
            data = b"".join(parts)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif payload is not None:
            data = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(f"https://127.0.0.1:{self.port}{path}", data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30, context=ctx) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def outbox(self) -> list[dict]:
        return json.loads(cli(self.env, "exchange", "--json", "outbox", "--limit", "500").stdout)

    def drop(self) -> None:
        self.stop()
        self.inst.drop()


def wait_for(check, timeout: float = 60, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def postgres_server() -> str | None:
    """The PostgreSQL server of the suite's PostgreSQL pass (scripts/with-postgres.sh), else None: SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def pair(tmp: Path, *, postgres_url: str | None = None, key_age: dt.timedelta | None = None) -> tuple[Side, Side]:
    postgres_url = postgres_url or postgres_server()
    fr = Side(tmp / "fr", "FR:bepi", "FR", "Bureau de l'entraide pénale internationale", postgres_url=postgres_url)
    es = Side(tmp / "es", "ES:sgcji", "ES", "Subdirección General de Cooperación Jurídica Internacional",
              postgres_url=postgres_url)
    for side in (fr, es):
        side.setup()
        if key_age:
            side.age_keys(key_age)
    fr.trust(es, tmp)
    es.trust(fr, tmp)
    return fr, es


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")
