"""Locust users for the load benchmark (benchmarks/bench_load.py starts them; not meant to be run by hand).

Each user is a real account (a caseworker) that signs in through the real pages (password, then a TOTP code
from its authenticator) from its own loopback address (127.0.0.N, as if from its own machine: the sign-in rate
limit counts per client address), then works on its own cases: the dashboard, a search of the case list, a
case page, a status transition, an upload, an assessment and the request builder (its checks, then a
generated request for further information). Every task checks that it got the real answer (status and
content) and counts as a failure otherwise.

The plan (accounts, TOTP secrets, their cases and requests) comes from the JSON file COMITY_LOAD_PLAN, written
by bench_load.py (mode 0600) and removed after the run. LOAD_WAIT="min,max" sets the think time in seconds.
LOAD_ORDER=sequence makes each user go through the tasks in turn (user n starting with the n-th) instead of
choosing them at random by weight: the bounded test uses it so that a short run does every kind of work.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time

import pyotp
from locust import HttpUser, between, events, task
from locust.clients import LocustHttpAdapter
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

with open(os.environ["COMITY_LOAD_PLAN"], encoding="utf-8") as _f:
    PLAN = json.load(_f)
_next = itertools.count()
#: COMITY_LOAD_SESSIONS: a file (0600) of the users' signed-in session cookies, written at the end of a run and,
#: with LOAD_REUSE_SESSIONS=1, used by the next run instead of signing in again (the worker sweep: its figures
#: are the server's work, not 50 argon2 password checks). A session that no longer works means a new sign-in.
_SESSIONS_FILE = os.environ.get("COMITY_LOAD_SESSIONS", "")
_REUSE = os.environ.get("LOAD_REUSE_SESSIONS") == "1"
_sessions: dict[str, dict] = {}
if _REUSE and _SESSIONS_FILE and os.path.exists(_SESSIONS_FILE):
    with open(_SESSIONS_FILE, encoding="utf-8") as _f:
        _sessions.update(json.load(_f))
_WAIT = [float(x) for x in os.environ.get("LOAD_WAIT", "0.5,2").split(",")]
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
#: The incoming MLA request's two statuses it moves between (ask for information, then record it).
NEXT_STEP = {"under_assessment": ("ask_for_information", "further_information_requested",
                                  "Further information requested"),
             "further_information_requested": ("receive_information", "under_assessment", "Under assessment")}
ASSESS_FORM = {"kind": "mla", "requesting_state": "DE", "requested_state": "PL", "date": "2026-01-15",
               "measures": ["bank_records", "search_and_seizure"], "description": "fraud",
               "criminal_in_requested": "no", "preview": "1"}


class _FromAddress(LocustHttpAdapter):
    """Connections from a given loopback address (127.0.0.0/8 is all loopback on Linux). A GET whose kept-alive
    connection the server has just closed (gunicorn keeps an idle connection 2 s, about a user's think time) is
    sent again once on a new connection, as browsers do; anything else that fails is an error."""

    def __init__(self, address: str):
        self._address = address
        super().__init__(pool_manager=None, max_retries=Retry(total=1, connect=1, read=1, status=0, other=0,
                                                                allowed_methods={"GET"}, raise_on_status=False))

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self._address, 0)
        HTTPAdapter.init_poolmanager(self, *args, **kwargs)


def _fresh_code(secret: str, used: dict) -> tuple[str, bool]:
    """A TOTP code valid long enough for the server to check it, and not used before (allauth refuses a
    code used once); and whether it had to wait for the next 30-second window."""
    waited = False
    while True:
        left = 30 - time.time() % 30
        code = pyotp.TOTP(secret).now()
        if left >= 8 and used.get(secret) != code:  # 8 s: a loaded server is slow
            used[secret] = code
            return code, waited
        time.sleep(left + 0.2)
        waited = True


class Caseworker(HttpUser):
    wait_time = between(*_WAIT)

    def on_start(self):
        self.n = next(_next)
        self.me = PLAN["users"][self.n % len(PLAN["users"])]
        self.client.mount("http://", _FromAddress(self.me["address"]))
        self.status = dict(self.me["statuses"])  # request pk (str) -> its status now
        if not (_REUSE and self._reuse_session()):
            self._sign_in()

    def on_stop(self):
        cookies = self.client.cookies.get_dict()
        if "sessionid" in cookies:
            _sessions[self.me["username"]] = cookies

    def _reuse_session(self) -> bool:
        cookies = _sessions.get(self.me["username"])
        if not cookies:
            return False
        for name, value in cookies.items():
            self.client.cookies.set(name, value)
        with self.client.get("/", name="sign-in: session reused", catch_response=True) as r:
            if r.status_code == 200 and "What is due" in r.text:
                r.success()
                return True
            r.success()  # not an error: the user signs in again
        self.client.cookies.clear()
        return False

    # --- helpers -----------------------------------------------------------------------------------------
    def _csrf(self, html: str) -> str:
        m = _CSRF.search(html)
        return m.group(1) if m else ""

    def _check(self, resp, ok: bool, why: str) -> bool:
        if ok:
            resp.success()
        else:
            cause = f": {resp.error!r}" if getattr(resp, "error", None) else ""
            resp.failure(f"{why} (status {resp.status_code}, url {resp.url}{cause})")
        return ok

    def _sign_in(self):
        with self.client.get("/accounts/login/", name="sign-in: page", catch_response=True) as r:
            if not self._check(r, r.status_code == 200 and "csrfmiddlewaretoken" in r.text, "no sign-in form"):
                return
            token = self._csrf(r.text)
        with self.client.post("/accounts/login/", name="sign-in: password", catch_response=True,
                              data={"csrfmiddlewaretoken": token, "login": self.me["username"],
                                    "password": PLAN["password"]}) as r:
            if not self._check(r, r.status_code == 200 and "/2fa/authenticate/" in r.url,
                               "the password step did not lead to the second factor"):
                return
            token = self._csrf(r.text)
        used = {}
        for attempt in range(2):  # a code refused (used in an earlier run, or checked too late): the next window
            code, waited = _fresh_code(self.me["totp"], used)
            if waited:  # the server has closed the idle connection by now (keep-alive 2 s): a POST is not resent
                self.client.close()
            with self.client.post("/accounts/2fa/authenticate/", name="sign-in: TOTP", catch_response=True,
                                  data={"csrfmiddlewaretoken": token, "code": code}) as r:
                if r.status_code == 200 and "What is due" in r.text:
                    r.success()
                    return
                if r.status_code == 200 and "/2fa/authenticate/" in r.url and attempt == 0:
                    token = self._csrf(r.text) or token
                    r.success()
                    continue
                r.failure(f"the TOTP step answered {r.status_code} at {r.url}")
                return

    def _case(self):
        return random.choice(self.me["cases"])

    # --- the work ------------------------------------------------------------------------------------------
    @task(3)
    def dashboard(self):
        with self.client.get("/", name="dashboard", catch_response=True) as r:
            self._check(r, r.status_code == 200 and "What is due" in r.text and 'id="due"' in r.text,
                        "not the dashboard")

    @task(3)
    def search(self):
        c = self._case()
        with self.client.get("/cases/", params={"q": c["search"]}, name="case list: search",
                             catch_response=True) as r:
            self._check(r, r.status_code == 200 and c["reference"] in r.text, "the searched case is not listed")

    @task(4)
    def open_case(self):
        c = self._case()
        with self.client.get(f"/cases/{c['pk']}/", name="case page", catch_response=True) as r:
            self._check(r, r.status_code == 200 and c["reference"] in r.text and 'id="case-state"' in r.text,
                        "not the case page")

    @task(1)
    def transition(self):
        c = self._case()
        rpk = str(c["request"])
        name, to, label = NEXT_STEP[self.status[rpk]]
        with self.client.get(f"/requests/{rpk}/", name="request page", catch_response=True) as r:
            if not self._check(r, r.status_code == 200 and c["request_reference"] in r.text, "not the request page"):
                return
            token = self._csrf(r.text)
        with self.client.post(f"/requests/{rpk}/transition/", name="transition", catch_response=True,
                              data={"csrfmiddlewaretoken": token, "transition": name}) as r:
            if self._check(r, r.status_code == 200 and r.url.rstrip("/").endswith(f"/requests/{rpk}")
                           and f"Status is now: {label}." in r.text, f"the step {name} was not taken"):
                self.status[rpk] = to

    @task(1)
    def upload(self):
        c = self._case()
        with self.client.get(f"/cases/{c['pk']}/", name="case page", catch_response=True) as r:
            if not self._check(r, r.status_code == 200, "not the case page"):
                return
            token = self._csrf(r.text)
        body = os.urandom(24 * 1024)
        with self.client.post(f"/cases/{c['pk']}/documents/", name="upload", catch_response=True,
                              data={"csrfmiddlewaretoken": token, "title": "Bank statement"},
                              files={"file": ("statement.pdf", body, "application/pdf")}) as r:
            self._check(r, r.status_code == 200 and "Document stored." in r.text, "the document was not stored")

    @task(1)
    def assess(self):
        c = self._case()
        url = f"/requests/{c['request']}/assessment/"
        with self.client.get(url, name="assessment: form", catch_response=True) as r:
            if not self._check(r, r.status_code == 200 and 'name="requesting_state"' in r.text, "no assessment form"):
                return
            token = self._csrf(r.text)
        with self.client.post(url, name="assessment: run", catch_response=True,
                              data={**ASSESS_FORM, "csrfmiddlewaretoken": token}) as r:
            self._check(r, r.status_code == 200 and 'data-outcome="' in r.text and "Advisory only" in r.text,
                        "no outcome")

    @task(1)
    def builder(self):
        c = self._case()
        url = f"/builder/requests/{c['request']}/"
        with self.client.get(url, name="builder: checks", catch_response=True) as r:
            if not self._check(r, r.status_code == 200 and f"Request builder · {c['request_reference']}" in r.text,
                               "not the builder"):
                return
            token = self._csrf(r.text)
        with self.client.post(f"{url}generate/", name="builder: generate DOCX", catch_response=True,
                              data={"csrfmiddlewaretoken": token, "format": "docx", "purpose": "rfi",
                                    "language": "en"}) as r:
            self._check(r, r.status_code == 200 and "Document generated and stored." in r.text,
                        "no document generated")


if os.environ.get("LOAD_ORDER") == "sequence":
    _ORDER = [Caseworker.dashboard, Caseworker.search, Caseworker.open_case, Caseworker.transition,
              Caseworker.upload, Caseworker.assess, Caseworker.builder]

    def _in_turn(user):
        turn = getattr(user, "turn", user.n)
        user.turn = turn + 1
        _ORDER[turn % len(_ORDER)](user)

    Caseworker.tasks = [_in_turn]


@events.quitting.add_listener
def _keep_sessions(environment, **_kw):
    if _SESSIONS_FILE and _sessions:
        fd = os.open(_SESSIONS_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(_sessions, f)
