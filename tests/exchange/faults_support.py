"""Helpers for the fault-injection tests (tests/exchange/test_faults.py): craft envelopes and chunks as the
sender's instance would (with its real keys, read from its data folder) or as a forger would, post them to
the receiver's real HTTPS endpoint, and read both instances' databases directly (SQLite or PostgreSQL) to
check what was stored, what was refused and with which reason."""

from __future__ import annotations

import hashlib
import http.client
import json
import ssl
import time
from pathlib import Path

from comity.exchange import AuthorityKeys, Identity, read_evidence
from comity.exchange.evidence import Evidence
from tests.exchange.pair import Side, wait_for
from tests.support.crash import kill_group

JOSE = "application/jose"


def keys_of(side: Side) -> AuthorityKeys:
    """The instance's private keys, as its data folder holds them (read anew: a rotation changes them)."""
    return AuthorityKeys.from_json((Path(side.env["COMITY_DATA_DIR"]) / "exchange" / "keys.json").read_text())


def identity_of(side: Side) -> Identity:
    """The instance's signed identity file, as it serves it (GET /exchange/v1/identity), verified."""
    status, _, body = exchange(side, "GET", "/exchange/v1/identity")
    assert status == 200, body
    return Identity.read_file(body)


def exchange(side: Side, method: str, path: str, body: bytes = b"", *, timeout: float = 30):
    """A raw HTTPS request to the side's server (its certificate is not checked: loopback, in a test).
    Returns (status, headers as a lower-cased dict, body)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", side.port, timeout=timeout, context=ctx)
    try:
        conn.request(method, path, body=body or None,
                     headers={"Content-Type": JOSE, "Content-Length": str(len(body))} if body or method != "GET"
                     else {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def post_message(side: Side, token: str | bytes):
    return exchange(side, "POST", "/exchange/v1/messages", token.encode("ascii") if isinstance(token, str) else token)


def put_chunk(side: Side, mid: str, att: int, idx: int, token: str | bytes):
    return exchange(side, "PUT", f"/exchange/v1/messages/{mid}/attachments/{att}/chunks/{idx}",
                    token.encode("ascii") if isinstance(token, str) else token)


# --- the databases -----------------------------------------------------------------------------------------

def sql(side: Side, query: str, *params) -> list[tuple]:
    """Rows of a read-only query on the side's database (`?` placeholders), while its processes run."""
    if side.inst.postgres_url:
        import psycopg

        with psycopg.connect(side.inst.database_url, autocommit=True) as con:
            return [tuple(r) for r in con.execute(query.replace("?", "%s"), params).fetchall()]
    import sqlite3

    con = sqlite3.connect(f"file:{side.inst.sqlite}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute(query, params).fetchall()
    finally:
        con.close()


def write(side: Side, query: str, *params) -> None:
    """One change made behind the instance's back (`?` placeholders): what an attacker or a broken disk does."""
    if side.inst.postgres_url:
        import psycopg

        with psycopg.connect(side.inst.database_url, autocommit=True) as con:
            con.execute(query.replace("?", "%s"), params)
        return
    import sqlite3

    con = sqlite3.connect(side.inst.sqlite, timeout=30)
    try:
        with con:
            con.execute(query, params)
    finally:
        con.close()


def one(side: Side, query: str, *params):
    rows = sql(side, query, *params)
    assert len(rows) == 1, (query, params, rows)
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def as_json(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


def state(side: Side) -> dict:
    """What a message could have changed on an instance: the rows a forged message must never add."""
    tables = {"incoming": "courier_message WHERE direction = 'in'", "outgoing": "courier_message WHERE direction = 'out'",
              "evidence": "courier_evidence", "cases": "cases_case", "requests": "cases_cooperationrequest",
              "transitions": "cases_transition", "notes": "cases_note", "documents": "cases_document",
              "conversations": "courier_conversation", "peers": "courier_peer"}
    counts = {name: one(side, f"SELECT COUNT(*) FROM {table}") for name, table in tables.items()}
    counts["statuses"] = sorted(sql(side, "SELECT id, status FROM cases_cooperationrequest"))
    return counts


def outgoing(side: Side, mid: str) -> dict:
    row = sql(side, "SELECT id, type, status, attempts, last_error, digest, jwe, payload FROM courier_message "
                    "WHERE direction = 'out' AND mid = ?", mid)
    assert len(row) == 1, (mid, row)
    pk, mtype, status, attempts, last_error, digest, jwe, payload = row[0]
    evidence = sql(side, "SELECT type, token, reason FROM courier_evidence WHERE message_id = ? ORDER BY at, id", pk)
    return {"pk": pk, "type": mtype, "status": status, "attempts": attempts, "last_error": last_error,
            "digest": digest, "jwe": jwe, "payload": as_json(payload), "evidence": [e[0] for e in evidence],
            "tokens": {e[0]: e[1] for e in evidence}}


def message_of(side: Side, request_id: int, mtype: str) -> str | None:
    """The mid of the outgoing message of `mtype` about request `request_id`, once it is in the outbox."""
    rows = sql(side, "SELECT m.mid FROM courier_message m JOIN courier_conversation c ON m.conversation_id = c.id "
                     "WHERE c.request_id = ? AND m.direction = 'out' AND m.type = ? ORDER BY m.id", request_id, mtype)
    return rows[-1][0] if rows else None


def received(side: Side, mid: str) -> int:
    return one(side, "SELECT COUNT(*) FROM courier_message WHERE direction = 'in' AND mid = ?", mid)


def incoming_request(side: Side, conversation: str) -> int | None:
    rows = sql(side, "SELECT request_id FROM courier_conversation WHERE conversation = ?", conversation)
    return rows[0][0] if rows else None


def wait_outgoing(side: Side, mid: str, check, timeout: float = 90, what: str = "") -> dict:
    """The outgoing message `mid` once `check(message)` holds (see `outgoing`)."""
    def ready():
        m = outgoing(side, mid)
        return m if check(m) else None

    return wait_for(ready, timeout, what=what or f"message {mid} on {side.state}")


def wait_status(side: Side, mid: str, status: str, timeout: float = 90) -> dict:
    return wait_outgoing(side, mid, lambda m: m["status"] == status, timeout, f"message {mid} {status} on {side.state}")


def wait_outbox(side: Side, request_id: int, mtype: str, timeout: float = 30) -> str:
    return wait_for(lambda: message_of(side, request_id, mtype), timeout, what=f"a {mtype} in {side.state}'s outbox")


def rejections(side: Side, **where) -> list[tuple]:
    clause = " AND ".join(f"{k} = ?" for k in where) or "1 = 1"
    return sql(side, f"SELECT what, reason, detail, claimed_sender, mid, digest FROM courier_rejection WHERE {clause} "
                     "ORDER BY id", *where.values())


# --- requests through the API ------------------------------------------------------------------------------

REASON = "Urgent: the draft is in the case file; sent for the fault-injection test"


def send_request(fr: Side, subject: str, *, documents: tuple[tuple[str, bytes], ...] = ()) -> tuple[int, str]:
    """A case with `documents` and an outgoing MLA request to ES, approved and sent; (request id, conversation)."""
    code, case = fr.api("POST", "/api/cases", {"title": subject[:60], "summary": f"{subject}: facts of the case."})
    assert code == 201, case
    for name, content in documents:
        code, doc = fr.api("POST", f"/api/cases/{case['id']}/documents", files=(name, content))
        assert code == 201, doc
    code, req = fr.api("POST", f"/api/cases/{case['id']}/requests", {
        "kind": "mla", "direction": "outgoing", "subject": subject, "requesting_state": "FR",
        "requested_state": "ES"})
    assert code == 201, req
    for step in ("approve", "send"):
        code, body = fr.api("POST", f"/api/requests/{req['id']}/transitions", {"transition": step,
                                                                                "override_reason": REASON})
        assert code == 201, body
    conversation = one(fr, "SELECT conversation FROM courier_conversation WHERE request_id = ?", req["id"])
    return req["id"], conversation


def transition(side: Side, request_id: int, step: str, comment: str = "") -> None:
    body = {"transition": step, **({"comment": comment} if comment else {})}
    code, got = side.api("POST", f"/api/requests/{request_id}/transitions", body)
    assert code == 201, got


def steps(side: Side, request_id: int) -> list[str]:
    """The lifecycle steps a request took, in order (each once: nothing applied twice)."""
    return [r[0] for r in sql(side, "SELECT name FROM cases_transition WHERE request_id = ? ORDER BY at, id",
                              request_id)]


def request_status(side: Side, request_id: int) -> str:
    return one(side, "SELECT status FROM cases_cooperationrequest WHERE id = ?", request_id)


# --- refusals ----------------------------------------------------------------------------------------------

STATUS = {"unknown_sender": 403, "bad_signature": 403, "wrong_recipient": 403, "sender_mismatch": 403,
          "id_reused": 409, "oversized": 413}  # comity.courier.views.STATUS; every other reason: 422


def refused(receiver: Side, token: str | bytes, reason: str, *, issuer: Identity | None = None) -> Evidence:
    """POST `token`; the receiver answers with its status for `reason` and signed NON_DELIVERY evidence naming
    the reason, and keeps a Rejection row with that reason for exactly these bytes."""
    body = token.encode("ascii") if isinstance(token, str) else token
    status, headers, answer = post_message(receiver, body)
    assert status == STATUS.get(reason, 422), (status, answer[:300])
    assert headers.get("comity-evidence-type") == "NON_DELIVERY", headers
    ev = read_evidence(answer, issuer=issuer or identity_of(receiver))
    assert (ev.type, ev.reason, ev.issuer) == ("NON_DELIVERY", reason, receiver.authority), ev
    # the row names the SHA-256 of the bytes received (none when the body was too large to be read)
    digest = "" if reason == "oversized" else hashlib.sha256(body).hexdigest()
    assert [r for r in rejections(receiver, what="message", reason=reason) if r[5] == digest], \
        (reason, rejections(receiver)[-3:])
    return ev


def chunk_refused(receiver: Side, mid: str, att: int, idx: int, token: str | bytes, reason: str) -> dict:
    status, _, answer = put_chunk(receiver, mid, att, idx, token)
    assert status == STATUS.get(reason, 422), (status, answer[:300])
    doc = json.loads(answer)
    assert doc["reason"] == reason, doc
    assert rejections(receiver, what="chunk", reason=reason, mid=mid), rejections(receiver)[-3:]
    return doc


def flip(text: str, at: int | None = None) -> str:
    """`text` (base64url) with one character changed in its middle: a few bits of what it encodes flipped."""
    at = len(text) // 2 if at is None else at
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1:]


def kill_server(side: Side) -> None:
    """SIGKILL the side's HTTPS server (gunicorn's whole process group); its delivery worker keeps running."""
    kill_group(side.server)
    side.server.wait(timeout=10)
    side.server = None


def restart_server(side: Side) -> None:
    side.start(worker=False)


def staged(receiver: Side, mid: str, att: int = 0) -> int:
    folder = Path(receiver.env["COMITY_DATA_DIR"]) / "exchange" / "staging" / mid / str(att)
    return len(list(folder.glob("*.jose"))) if folder.exists() else 0


def wait_until(check, timeout: float, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(step)
    return None


def download(side: Side, case_id: int, document_id: int) -> bytes:
    """A case document's content through the API (the read is logged on the side)."""
    import urllib.request

    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    req = urllib.request.Request(f"https://127.0.0.1:{side.port}/api/cases/{case_id}/documents/{document_id}/content"
                                 "?purpose=checking+a+document+that+travelled+through+the+exchange",
                                 headers={"Authorization": f"Bearer {side.token}"})
    with urllib.request.urlopen(req, timeout=60, context=ctx) as r:
        return r.read()
