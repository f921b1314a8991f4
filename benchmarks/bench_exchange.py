"""The exchange between two instances (issue 15, "Performance" and the soak run), on loopback, with real parts:
two instances (own databases, data folders, gunicorn over HTTPS with pinned self-signed certificates, delivery
workers) paired through their identity files, as tests/exchange/pair.py makes them. Each run makes its own pair in
a temporary folder, so it runs again anywhere (it does not touch the instance in COMITY_DATA_DIR).

1. Rate: N requests, each carrying a 100 KB document, are queued at FR with its worker stopped; the worker then
   delivers them (seal, chunk upload, envelope, verification, storage, the case created at ES, signed DELIVERY
   evidence back). Rate = deliveries per second between the first and the last DELIVERY evidence. Next to it,
   N plain HTTPS POSTs of 100 KB to the same ES server (its health page, which Django's CSRF check answers with
   403: TLS, gunicorn and Django's middleware, no crypto, no database; the cheapest POST the server answers, so the
   ratio is conservative), one connection per POST as the transport makes them. Every message must end delivered.
2. Large attachment: one document of --size bytes (default 1 GiB) travels FR -> ES; peak resident memory
   (VmHWM) of FR's delivery worker and of ES's gunicorn workers, restarted just before so the peak is this
   transfer's; the SHA-256 is checked on arrival.
3. Soak: --messages (default 10,000) messages posted to ES as FR's instance would (sealed with FR's real keys),
   with random faults: ES's server killed (SIGKILL) and restarted at random moments, a share of envelopes re-sent
   (duplicates), a share tampered (bits flipped). A genuine message is re-sent until ES answers with DELIVERY
   evidence (the worker's retry). Counts: sent, delivered, duplicates suppressed, tampered rejected, lost; lost
   must be 0 and every genuine message must exist exactly once at ES.

    .venv/bin/python benchmarks/bench_exchange.py [--rate-messages 40] [--size BYTES] [--messages N]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import random
import ssl
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.exchange.faults_support import (  # noqa: E402
    flip,
    identity_of,
    keys_of,
    one,
    post_message,
    received,
    send_request,
    sql,
)
from tests.exchange.pair import pair  # noqa: E402


def fail(message: str):
    raise SystemExit(f"BENCHMARK FAILED: {message}")


def vm(pid: int, field: str = "VmHWM") -> int:
    """A process's memory figure in bytes (VmHWM: peak resident set since it started)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(p.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def delivered_count(side, request_ids: list[int]) -> int:
    marks = ",".join("?" * len(request_ids))
    return one(side, "SELECT COUNT(*) FROM courier_message m JOIN courier_conversation c ON m.conversation_id = c.id "
                     f"WHERE m.direction = 'out' AND m.status = 'delivered' AND c.request_id IN ({marks})", *request_ids)


def plain_posts(side, n: int, body: bytes) -> float:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    t0 = time.perf_counter()
    for _ in range(n):
        conn = http.client.HTTPSConnection("127.0.0.1", side.port, timeout=30, context=ctx)
        conn.request("POST", "/healthz", body=body, headers={"Content-Type": "application/octet-stream"})
        resp = conn.getresponse()
        resp.read()
        conn.close()
        if resp.status != 403:  # Django's refusal of a form POST without a CSRF token
            fail(f"the plain POST answered {resp.status}: not the baseline meant")
    return n / (time.perf_counter() - t0)


def rate(fr, es, n: int) -> dict:
    fr.stop()
    fr.start(worker=False)
    ids = [send_request(fr, f"Rate run {i}: bank records", documents=((f"records-{i}.bin", os.urandom(100_000)),))[0]
           for i in range(n)]
    fr.start_worker()
    # the rate between the first and the last delivery, seen from FR's database (the worker's start-up excluded)
    first = last = None
    deadline = time.monotonic() + 60 + n * 5
    while time.monotonic() < deadline:
        count = delivered_count(fr, ids)
        now = time.perf_counter()
        if count and first is None:
            first, first_count = now, count
        if count == n:
            last = now
            break
        time.sleep(0.05)
    if last is None:
        fail(f"{delivered_count(fr, ids)} of {n} messages delivered")
    marks = ",".join("?" * len(ids))
    evidence = one(fr, "SELECT COUNT(*) FROM courier_evidence e JOIN courier_message m ON e.message_id = m.id JOIN "
                       f"courier_conversation c ON m.conversation_id = c.id WHERE e.type = 'DELIVERY' AND c.request_id "
                       f"IN ({marks})", *ids)
    if evidence != n:
        fail(f"{evidence} DELIVERY evidence for {n} messages")
    exchange_rate = (n - first_count) / (last - first) if last > first else float("inf")
    plain = plain_posts(es, n, os.urandom(100_000))
    return {"messages": n, "exchange_per_s": exchange_rate, "plain_per_s": plain}


def large(fr, es, size: int) -> dict:
    data = os.urandom(size) if size <= 64 * 1024**2 else None
    if data is None:  # 1 GiB of random bytes, built in 64 MiB blocks
        block = os.urandom(64 * 1024**2)
        data = block * (size // len(block)) + block[: size % len(block)]
    digest = hashlib.sha256(data).hexdigest()
    es.stop()
    es.start(worker=True)
    fr.stop()
    fr.start(worker=False)
    req_id, conversation = send_request(fr, "Server image seized in Lyon", documents=(("image.bin", data),))
    del data
    fr.start_worker()
    t0 = time.perf_counter()
    peak = {"sender": 0, "receiver": 0}
    done = False
    while not done:
        peak["sender"] = max(peak["sender"], vm(fr.worker.pid))
        peak["receiver"] = max([peak["receiver"]] + [vm(p) for p in children(es.server.pid)])
        done = delivered_count(fr, [req_id]) == 1
        if time.perf_counter() - t0 > 1800:
            fail("the large attachment was not delivered in 30 minutes")
        time.sleep(0.2)
    seconds = time.perf_counter() - t0
    peak["sender"] = max(peak["sender"], vm(fr.worker.pid))
    peak["receiver"] = max([peak["receiver"]] + [vm(p) for p in children(es.server.pid)])
    got = sql(es, "SELECT d.sha256, d.size FROM cases_document d JOIN cases_case k ON d.case_id = k.id "
                  "JOIN cases_cooperationrequest r ON r.case_id = k.id JOIN courier_conversation c "
                  "ON c.request_id = r.id WHERE c.conversation = ?", conversation)
    if not got or got[0][0] != digest or got[0][1] != size:
        fail(f"the document arrived as {got!r}, expected SHA-256 {digest} and {size} bytes")
    return {"bytes": size, "seconds": seconds, "mb_per_s": size / seconds / 1e6,
            "sender_peak": peak["sender"], "receiver_peak": peak["receiver"]}


def soak(fr, es, n: int, seed: int = 2026) -> dict:
    from comity.exchange import Payload, seal_envelope

    rnd = random.Random(seed)
    keys, ident = keys_of(fr), identity_of(es)
    counts = {"sent": 0, "delivered": 0, "duplicates_suppressed": 0, "tampered_rejected": 0, "restarts": 0,
              "retries": 0}
    genuine = []
    t0 = time.perf_counter()

    def post(token: str):
        try:
            status, headers, _ = post_message(es, token)
            return status, headers.get("comity-evidence-type", "")
        except OSError:
            return None, ""

    for i in range(n):
        if rnd.random() < 0.002:  # the receiver dies and comes back
            es.stop()
            counts["restarts"] += 1
            es.start(worker=False)
        ref = f"SOAK-{uuid.uuid4().hex[:10]}"
        payload = Payload.new(type="new_request", sender=fr.authority, recipient=es.authority,
                              conversation=f"{fr.authority}/{ref}", body={
                                  "kind": "mla", "reference": ref, "subject": f"Soak message {i}",
                                  "requesting_state": "FR", "requested_state": "ES", "summary": "Records."})
        sealed = seal_envelope(payload, sender=keys, recipient=ident)
        if rnd.random() < 0.05:  # a tampered copy first: refused, nothing stored
            status, kind = post(flip(sealed.for_attempt(keys)))
            counts["sent"] += 1
            if kind == "NON_DELIVERY":
                counts["tampered_rejected"] += 1
            elif status is not None:
                fail(f"a tampered envelope was answered {status} {kind}")
        while True:
            status, kind = post(sealed.for_attempt(keys))
            counts["sent"] += 1
            if kind == "DELIVERY":
                break
            counts["retries"] += 1
            if status is not None and kind:
                fail(f"a genuine message was refused: {status} {kind}")
            if es.server is None or es.server.poll() is not None:
                es.start(worker=False)
            time.sleep(0.2)
        counts["delivered"] += 1
        genuine.append(payload.id)
        if rnd.random() < 0.05:  # the same message again (a lost receipt): the original receipt, nothing applied
            status, kind = post(sealed.for_attempt(keys))
            counts["sent"] += 1
            if kind != "DELIVERY":
                fail(f"a duplicate was answered {status} {kind}")
            counts["duplicates_suppressed"] += 1
    seconds = time.perf_counter() - t0
    at_es = dict(sql(es, "SELECT mid, COUNT(*) FROM courier_message WHERE direction = 'in' AND type = 'new_request' "
                         "GROUP BY mid"))
    lost = [m for m in genuine if at_es.get(m, 0) == 0]
    twice = [m for m in genuine if at_es.get(m, 0) > 1]
    if received(es, genuine[0]) != 1:
        fail("the first soak message is not at ES exactly once")
    counts.update(lost=len(lost), applied_twice=len(twice), seconds=seconds, per_s=n / seconds)
    if lost or twice:
        fail(f"{len(lost)} lost, {len(twice)} applied twice")
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate-messages", type=int, default=40)
    ap.add_argument("--size", type=int, default=1024**3, help="bytes of the large attachment (0: skip)")
    ap.add_argument("--messages", type=int, default=10_000, help="soak messages (0: skip)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-exchange-") as tmp:
        fr, es = pair(Path(tmp))
        for side in (fr, es):
            side.env["COMITY_MAX_UPLOAD_BYTES"] = str(max(args.size, 50 * 1024**2) + 1024**2)
            if os.environ.get("BENCH_MMAP_THRESHOLD"):
                side.env["MALLOC_MMAP_THRESHOLD_"] = os.environ["BENCH_MMAP_THRESHOLD"]
            side.inst.env = side.env
        fr.start()
        es.start()
        try:
            r = rate(fr, es, args.rate_messages)
            print(f"rate, 100 KB payloads, {r['messages']} messages: exchange {r['exchange_per_s']:.1f} msg/s, plain "
                  f"HTTPS POST {r['plain_per_s']:.1f}/s, ratio {r['exchange_per_s'] / r['plain_per_s']:.2f} "
                  "(aim: at least 0.5)")
            if args.size:
                g = large(fr, es, args.size)
                print(f"large attachment {g['bytes'] / 1024**2:.0f} MiB: {g['seconds']:.1f} s ({g['mb_per_s']:.1f} MB/s); "
                      f"peak memory sender worker {g['sender_peak'] / 1024**2:.0f} MiB, receiver gunicorn worker "
                      f"{g['receiver_peak'] / 1024**2:.0f} MiB (aim: under 200 MB each); SHA-256 checked")
            if args.messages:
                s = soak(fr, es, args.messages)
                print(f"soak: {args.messages} messages in {s['seconds']:.0f} s ({s['per_s']:.1f}/s): sent "
                      f"{s['sent']} envelopes, delivered {s['delivered']}, duplicates suppressed "
                      f"{s['duplicates_suppressed']}, tampered rejected {s['tampered_rejected']}, receiver "
                      f"restarts {s['restarts']}, retries {s['retries']}, lost {s['lost']}, applied twice "
                      f"{s['applied_twice']}")
        finally:
            fr.drop()
            es.drop()


if __name__ == "__main__":
    main()
