"""`comity exchange demo`: two instances on loopback exchange a request, so a newcomer sees it work in a minute.

It makes two throwaway instances in a temporary folder (each its own SQLite database, data folder, keys and
self-signed TLS certificate), pairs them through their identity files and fingerprints (as two authorities
would by telephone), serves both over HTTPS with their delivery workers, and sends a mutual legal assistance
request from the French instance to the Spanish one; the Spanish caseworker's acknowledgement travels back.
Everything goes through the same commands and API a real deployment uses."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PASSWORD = "demo-" + secrets.token_urlsafe(12)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Instance:
    def __init__(self, root: Path, authority: str, state: str, name: str):
        self.authority, self.state, self.name = authority, state, name
        self.folder = root / state.lower()
        self.port = _port()
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("COMITY_", "DJANGO_", "DATABASE_URL"))}
        self.env = {**keep, "COMITY_DATA_DIR": str(self.folder / "data"),
                    "DATABASE_URL": f"sqlite:///{self.folder / 'comity.sqlite3'}",
                    "COMITY_NEW_USER_PASSWORD": PASSWORD, "DJANGO_SETTINGS_MODULE": "comity.settings",
                    "COMITY_EXCHANGE_RETRY_SECONDS": "1", "COMITY_EXCHANGE_RETRY_CEILING_SECONDS": "5"}
        self.procs: list[subprocess.Popen] = []
        self.token = ""

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self.port}/exchange/v1/"

    def cli(self, *args) -> str:
        p = subprocess.run([sys.executable, "-m", "comity.cli", *args], env=self.env, capture_output=True, text=True,
                           check=False, timeout=300)
        if p.returncode:
            raise RuntimeError(f"comity {' '.join(args)} ({self.state}) failed: {p.stderr or p.stdout}")
        return p.stdout

    def setup(self) -> None:
        self.folder.mkdir(parents=True)
        self.cli("migrate", "--verbosity", "0")
        self.cli("evidence", "init-key")
        self.cli("create-user", "admin", "--role", "admin")
        self.cli("create-user", "caseworker", "--role", "supervisor")
        self.token = json.loads(self.cli("token", "caseworker", "--name", "demo", "--scope", "write", "--json"))["token"]
        self.cli("exchange", "init", "--authority", self.authority, "--state", self.state, "--name", self.name,
                 "--endpoint", self.endpoint)

    def start(self, log) -> None:
        tls = self.folder / "data" / "exchange"
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "comity.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "2", "--certfile", str(tls / "tls.crt"), "--keyfile", str(tls / "tls.key")],
            env=self.env, stdout=log, stderr=log, start_new_session=True))
        self.procs.append(subprocess.Popen([sys.executable, "-m", "comity.cli", "exchange", "worker", "--interval",
                                            "0.3", "--sweep-seconds", "2"], env=self.env, stdout=log, stderr=log,
                                           start_new_session=True))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.api("GET", "/healthz", auth=False)
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        raise RuntimeError(f"the {self.state} instance did not start")

    def api(self, method: str, path: str, payload: dict | None = None, *, auth: bool = True):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # a local demonstration: our own certificates
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(f"https://127.0.0.1:{self.port}{path}", method=method, headers=headers,
                                     data=json.dumps(payload).encode() if payload is not None else None)
        with urllib.request.urlopen(req, timeout=30, context=ctx) as r:
            body = r.read()
            return json.loads(body) if body.startswith((b"{", b"[")) else body

    def stop(self) -> None:
        for p in self.procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def _wait(check, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.3)
    raise RuntimeError(f"timed out waiting for {what}")


def run(*, keep: bool = False, say=print) -> dict:
    root = Path(tempfile.mkdtemp(prefix="comity-exchange-demo-"))
    fr = _Instance(root, "FR:bepi", "FR", "Bureau de l'entraide pénale internationale (demo)")
    es = _Instance(root, "ES:sgcji", "ES", "Subdirección General de Cooperación Jurídica Internacional (demo)")
    log = open(root / "servers.log", "ab")  # noqa: SIM115 - closed below
    result: dict = {"folder": str(root)}
    try:
        started = time.monotonic()
        for side in (fr, es):
            say(f"Making the {side.state} instance ({side.authority}) ...")
            side.setup()
        for me, other in ((fr, es), (es, fr)):
            ident = me.folder / f"{other.state}.identity.jose"
            ident.write_text(other.cli("exchange", "identity"))
            me.cli("exchange", "peer", "import", str(ident), "--user", "admin")
            fp = json.loads(other.cli("exchange", "--json", "fingerprint"))["fingerprint"]
            say(f"{me.state} imports {other.authority}'s identity and confirms its fingerprint "
                f"{' '.join(fp[i:i + 4].upper() for i in range(0, 16, 4))} ... (read by telephone)")
            me.cli("exchange", "peer", "confirm", other.authority, "--fingerprint", fp, "--how",
                   "demonstration: compared on this machine", "--user", "admin")
            me.cli("exchange", "directory", "add", "--state", other.state, "--name", other.name, "--cooperation",
                   "mla", "extradition", "--channel", "comity", "--peer", other.authority, "--user", "admin")
        for side in (fr, es):
            side.start(log)
        say(f"Both instances serve HTTPS: FR on {fr.endpoint}, ES on {es.endpoint}")
        case = fr.api("POST", "/api/cases", {"title": "Demonstration: transfers to Málaga",
                                             "summary": "A fictional case for the exchange demonstration."})
        req = fr.api("POST", f"/api/cases/{case['id']}/requests", {
            "kind": "mla", "direction": "outgoing", "subject": "Bank records of a fictional account",
            "requesting_state": "FR", "requested_state": "ES"})
        for step in ("approve", "send"):
            fr.api("POST", f"/api/requests/{req['id']}/transitions",
                   {"transition": step, "override_reason": "demonstration: the draft is not written"})
        say(f"FR sends request {req['reference']} to ES ...")
        incoming = _wait(lambda: (es.api("GET", "/api/requests?direction=incoming").get("results") or [None])[0],
                         "the request at ES")
        out = json.loads(fr.cli("exchange", "--json", "outbox"))
        say(f"ES received it as {incoming['reference']} (status {incoming['status']}); FR holds the evidence "
            f"{', '.join(out[0]['evidence'])}")
        es.api("POST", f"/api/requests/{incoming['id']}/transitions", {"transition": "start_assessment"})
        _wait(lambda: fr.api("GET", f"/api/requests/{req['id']}")["status"] == "acknowledged", "the acknowledgement")
        say(f"ES acknowledged; FR's request {req['reference']} is now acknowledged. "
            f"Done in {time.monotonic() - started:.0f} s.")
        result.update(sent=req["reference"], received=incoming["reference"], evidence=out[0]["evidence"],
                      acknowledged=True)
        if keep:
            say(f"The instances keep running (Ctrl-C stops them). Folder: {root}\n"
                f"  FR: COMITY_DATA_DIR={fr.env['COMITY_DATA_DIR']} DATABASE_URL={fr.env['DATABASE_URL']}\n"
                f"  ES: COMITY_DATA_DIR={es.env['COMITY_DATA_DIR']} DATABASE_URL={es.env['DATABASE_URL']}")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    finally:
        fr.stop()
        es.stop()
        log.close()
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    return result
