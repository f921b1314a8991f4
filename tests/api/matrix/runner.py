"""Run every operation of the live OpenAPI document with the five callers (README.md) through a transport:
Django's test client, or HTTP to a real server (`python -m tests.api.matrix.runner --base-url URL`, run in the
server's environment so that the examples' objects are made in its database).

Returns (and the CLI prints as JSON) the mismatches: operation, caller, expected, got, and the answer's start."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.parse

from tests.api.matrix import Call
from tests.api.matrix.world import MARKER, PURPOSE, area_modules, build

CALLERS = ("revoked", "outsider", "oversight", "oversight_purpose", "read_only", "member")
# Callers who may never see the outsider's case (world.MARKER): everyone but the outsider itself and an
# oversight user reading under a stated purpose (the console may show any case's events to oversight).
MARKED_FOR = ("revoked", "oversight", "read_only", "member")


def expected(call: Call, caller: str) -> set[int] | None:
    """The statuses `caller` may get for `call`; None: this caller does not apply."""
    ok = {call.ok}
    w = call.write
    if call.expect and caller in call.expect:
        return set(call.expect[caller]) if call.expect[caller] is not None else None
    if call.scope == "public":
        return ok if caller in ("member", "revoked", "outsider", "read_only") else None
    if caller == "revoked":
        return {401}
    if call.scope == "case":
        return {
            "outsider": {404},
            "oversight": ({403, 404} if w else ({422} if call.reads_by_oversight else {403, 404})),
            "oversight_purpose": ({403, 404} if w else (ok if call.reads_by_oversight else {403, 404})),
            "read_only": {403} if w else ok,
            "member": ok,
        }[caller]
    if call.scope == "admin":
        return {"outsider": {403}, "oversight": {403}, "oversight_purpose": {403}, "read_only": {403} if w else ok,
                "member": ok}[caller]
    if call.scope == "oversight":
        return {"outsider": {403}, "oversight": None, "oversight_purpose": None,
                "read_only": {403} if w else ok, "member": ok}[caller]
    if call.scope == "user":
        return {"outsider": {403, 404} if w else ok | {404}, "oversight": {403, 404} if w else ok | {404},
                "oversight_purpose": None, "read_only": {403} if w else ok, "member": ok}[caller]
    raise ValueError(f"unknown scope {call.scope!r}")


def token_for(world, call: Call, caller: str) -> str | None:
    if call.scope == "admin":
        return {"member": world.tokens["admin"], "read_only": world.tokens["admin_read"]}.get(
            caller, world.tokens.get(caller if caller != "oversight_purpose" else "oversight"))
    if call.scope == "oversight":
        return {"member": world.tokens["oversight_write"], "read_only": world.tokens["oversight_read"]}.get(
            caller, world.tokens.get(caller))
    if caller == "oversight_purpose":
        return world.tokens["oversight"]
    return world.tokens[caller]


class TestClientTransport:
    def __init__(self, client):
        self.client = client

    def __call__(self, call: Call, token: str | None, query: dict) -> tuple[int, bytes]:
        from django.core.files.uploadedfile import SimpleUploadedFile

        url = call.path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (call.headers or {}).items()}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        method = call.method.lower()
        if call.files is not None:
            data = dict(call.data or {})
            for name, (filename, content) in call.files.items():
                data[name] = SimpleUploadedFile(filename, content)
            r = self.client.post(url, data=data, **headers)
        elif call.json is not None:
            r = getattr(self.client, method)(url, data=json.dumps(call.json), content_type="application/json",
                                             **headers)
        else:
            r = getattr(self.client, method)(url, **headers)
        body = b"".join(r.streaming_content) if getattr(r, "streaming", False) else r.content
        return r.status_code, body


class HttpTransport:
    def __init__(self, base_url: str):
        import requests

        self.base = base_url.rstrip("/")
        self.session = requests.Session()

    def __call__(self, call: Call, token: str | None, query: dict) -> tuple[int, bytes]:
        headers = dict(call.headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        kw = {}
        if call.files is not None:
            kw["files"] = {k: (fn, c) for k, (fn, c) in call.files.items()}
            kw["data"] = call.data or {}
        elif call.json is not None:
            kw["json"] = call.json
        r = self.session.request(call.method.upper(), self.base + call.path, params=query or None,
                                 headers=headers, timeout=60, **kw)
        return r.status_code, r.content


def operations() -> list[tuple[str, str, str]]:
    from comity.api.api import api

    schema = api.get_openapi_schema()
    out = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                out.append((op["operationId"], method.upper(), path))
    return sorted(out)


def examples() -> dict:
    found = {}
    for module in area_modules():
        for op_id, fn in getattr(module, "EXAMPLES", {}).items():
            if op_id in found:
                raise AssertionError(f"{op_id} has examples in two matrix modules")
            found[op_id] = fn
    return found


def run(world, transport, *, only: set[str] | None = None) -> tuple[list[dict], int]:
    """Every operation with every caller; returns (mismatches, calls made)."""
    mismatches, calls = [], 0
    known = examples()
    for op_id, method, path in operations():
        if only and op_id not in only:
            continue
        fn = known.get(op_id)
        if fn is None:
            mismatches.append({"operation": op_id, "caller": "-", "expected": "an example in tests/api/matrix",
                               "got": "none"})
            continue
        try:
            call = fn(world)
        except Exception as e:  # an example that cannot even be prepared is a finding, not a crash of the run
            mismatches.append({"operation": op_id, "caller": "-", "expected": "an example that prepares",
                               "got": repr(e)[:300]})
            continue
        if call.method.upper() != method:
            mismatches.append({"operation": op_id, "caller": "-", "expected": method, "got": call.method})
            continue
        for caller in CALLERS:
            want = expected(call, caller)
            if want is None:
                continue
            query = dict(call.query or {})
            if caller == "oversight_purpose":
                query["purpose"] = PURPOSE
            status, body = transport(call, token_for(world, call, caller), query)
            calls += 1
            bad = status not in want
            if not bad and caller == "oversight" and call.scope == "case" and not call.write and \
                    call.reads_by_oversight:
                bad = b"purpose_required" not in body
            if not bad and status >= 400 and status != 401:
                try:
                    bad = "errors" not in json.loads(body)
                except ValueError:
                    bad = True
            if not bad and caller in MARKED_FOR and MARKER.encode() in body:
                mismatches.append({"operation": op_id, "caller": caller, "expected": "no marker of the outsider's "
                                   "case", "got": "LEAK", "body": body[:300].decode("utf-8", "replace")})
                continue
            if bad:
                mismatches.append({"operation": op_id, "caller": caller, "expected": sorted(want), "got": status,
                                   "body": body[:300].decode("utf-8", "replace")})
    return mismatches, calls


def main(argv=None) -> int:
    import django

    p = argparse.ArgumentParser()
    p.add_argument("--base-url", required=True)
    args = p.parse_args(argv)
    django.setup()
    world = build()
    mismatches, calls = run(world, HttpTransport(args.base_url))
    print(json.dumps({"calls": calls, "mismatches": mismatches}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
