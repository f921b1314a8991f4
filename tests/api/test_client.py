"""The Python client (comity.client, issue 14 item 4) against a real server: gunicorn on loopback serving a
throwaway instance of its own (SQLite in a temporary folder, or a database of its own on the PostgreSQL server
of the run, as tests/security/test_crash_many.py chooses), users and tokens made with the `comity` CLI in the
instance's environment. The client is generic: operations.json is derived from the live OpenAPI document, so
the first tests check that it is current and that every operation is a method and a `comity remote`
subcommand."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from comity.client import Client
from comity.client.errors import AuthenticationFailed
from comity.errors import InvalidInput, NotAllowed, NotFound, PreconditionFailed, PreconditionRequired
from tests.support.crash import PYTHON, ROOT, Instance, cli, free_port, start_server, stop_server

REGENERATE = "python scripts/generate_client_operations.py"


def _postgres_server() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@dataclass
class Live:
    """A running instance: its URL, the clerk's write and read tokens, another supervisor's token."""

    url: str
    kind: str
    write: str
    read: str
    other: str
    folder: Path
    extra: dict = field(default_factory=dict)

    def client(self, token: str | None = None) -> Client:
        return Client(self.url, self.write if token is None else token, timeout=60)


@contextlib.contextmanager
def live_instance(folder: Path):
    """Start a throwaway instance and gunicorn on a free loopback port; stop and drop both afterwards."""
    instance = Instance(folder, postgres_url=_postgres_server())
    server = None
    try:
        cli(instance.env, "migrate", "--verbosity", "0")
        cli(instance.env, "evidence", "init-key")
        tokens = {}
        for user in ("clerk", "stranger"):
            cli(instance.env, "create-user", user, "--role", "supervisor")
        for user, name, scope in (("clerk", "write", "write"), ("clerk", "read", "read"),
                                  ("stranger", "other", "write")):
            out = cli(instance.env, "token", user, "--name", f"client-{name}", "--scope", scope, "--json").stdout
            tokens[name] = json.loads(out)["token"]
        port = free_port()
        server = start_server(instance.env, port, workers=2, log=folder / "server.log")
        yield Live(url=f"http://127.0.0.1:{port}", kind=instance.kind, folder=folder, **tokens)
    finally:
        if server is not None:
            stop_server(server)
        instance.drop()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with live_instance(tmp_path_factory.mktemp("client")) as found:
        yield found


# -- the operations are those of the live document ---------------------------------------------------------


def test_operations_json_is_the_live_openapi_document_converted():
    from comity.api.api import api
    from comity.client.spec import OPERATIONS_FILE, dumps, operations_from_openapi

    live = dumps(operations_from_openapi(api.get_openapi_schema()))
    stored = OPERATIONS_FILE.read_text(encoding="utf-8")
    if stored != live:
        have, want = json.loads(stored)["operations"], json.loads(live)["operations"]
        added, gone = sorted(set(want) - set(have)), sorted(set(have) - set(want))
        changed = sorted(k for k in set(want) & set(have) if want[k] != have[k])
        pytest.fail(f"src/comity/client/operations.json differs from the live OpenAPI document (new: {added}; "
                    f"gone: {gone}; changed: {changed}). Regenerate it: {REGENERATE}")


def test_every_operation_is_a_client_method_and_a_remote_subcommand_with_its_parameters():
    from comity.api.api import api
    from comity.client.cli import build_parser
    from comity.client.spec import operations_from_openapi

    operations = operations_from_openapi(api.get_openapi_schema())
    client = Client("http://127.0.0.1:9", "cmt_x", operations=operations)
    parser = build_parser(operations)
    sub = next(a for a in parser._actions if a.dest == "operation")
    assert set(sub.choices) == set(operations["operations"])
    for oid, op in operations["operations"].items():
        signature = client.signature(oid)
        method = getattr(client, oid)
        assert method.__name__ == oid and op["path"] in method.__doc__
        for p in op["params"]:
            assert p["python"] in signature.parameters, (oid, p["name"])
        options = {s for a in sub.choices[oid]._actions for s in a.option_strings}
        for p in op["params"]:
            flag = "--" + (p["name"].lower() if p["in"] == "header" else p["name"])
            assert flag in options, (oid, flag)
        if op["body"] and op["body"]["files"]:
            assert "--file" in options, oid
        if op["answer"]["kind"] == "file":
            assert "--output" in options, oid
        if op["answer"].get("shape") == "page":
            assert "--all" in options, oid
        if op["if_match"]:
            assert "--if-match" in options, oid
        if op["method"] != "GET":
            assert "--idempotency-key" in options, oid


def test_the_client_imports_no_django():
    code = ("import sys, comity.client, comity.client.cli; "
            "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith(('django.', 'ninja')));"
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([PYTHON, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_openapi_document_converts_into_the_same_operations_the_client_reads(tmp_path):
    from comity.api.api import api
    from comity.client.spec import dumps, load_operations, operations_from_openapi

    schema = api.get_openapi_schema()
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(schema))
    assert load_operations(path) == json.loads(dumps(operations_from_openapi(schema)))
    assert Client("http://127.0.0.1:9", operations=schema).operations.keys() == load_operations(path)["operations"].keys()


def test_error_answers_become_comity_errors_with_their_exit_codes(capsys):
    from comity.client.cli import _error
    from comity.client.errors import ServerUnreachable, from_answer
    from comity.errors import Conflict, IntegrityError, ServiceUnavailable

    stale = from_answer(412, {"error": "precondition_failed", "message": "If-Match: stale",
                              "errors": {"If-Match": "stale"}, "detail": "If-Match: stale",
                              "changed": {"title": "After"}, "etag": '"abc"'})
    assert isinstance(stale, PreconditionFailed) and stale.changed == {"title": "After"}
    assert stale.current_etag == '"abc"' and stale.exit_code == 7
    assert _error(stale, as_json=False) == 7
    err = capsys.readouterr().err
    assert "error: If-Match: stale" in err and "changed: title: After" in err and 'current etag: "abc"' in err
    cases = {401: (AuthenticationFailed, 8), 403: (NotAllowed, 3), 404: (NotFound, 4), 409: (Conflict, 6),
             412: (PreconditionFailed, 7), 422: (InvalidInput, 2), 428: (PreconditionRequired, 7),
             503: (ServiceUnavailable, 5)}
    for status, (cls, code) in cases.items():
        exc = from_answer(status, {"error": "x", "message": "m", "errors": {"f": "r"}, "detail": "m"})
        assert isinstance(exc, cls) and exc.exit_code == code, status
    bad = from_answer(422, {"error": "purpose_required", "message": "m", "errors": {"purpose": "state it"}})
    assert isinstance(bad, InvalidInput) and bad.errors == {"purpose": "state it"} and bad.code == "purpose_required"
    assert isinstance(from_answer(409, {"error": "integrity_error", "message": "m", "errors": {}}), IntegrityError)
    assert from_answer(500, "<html>oops</html>").exit_code == 1
    assert ServerUnreachable("x").exit_code == 5


# -- against gunicorn ------------------------------------------------------------------------------------


def test_create_read_and_list_cases(live):
    c = live.client()
    made = c.create_case(title="Client case one", summary="made by the client")
    assert made.status == 201 and made["reference"] and made["title"] == "Client case one"
    got = c.call("get_case", case_id=made["id"])
    assert got["id"] == made["id"] and got["summary"] == "made by the client"
    page = c.list_cases(q="Client case one")
    assert page["count"] == 1 and page["results"][0]["id"] == made["id"]
    assert c.last_response.status == 200


def test_pages_follow_the_cursor_over_every_page(live):
    c = live.client()
    tag = uuid.uuid4().hex[:8]
    ids = {c.create_case(title=f"Paged {tag} {i}")["id"] for i in range(5)}
    first = c.list_cases(q=f"Paged {tag}", limit=2)
    assert first["count"] == 5 and len(first["results"]) == 2 and first["next_cursor"]
    seen = [case["id"] for case in c.pages("list_cases", q=f"Paged {tag}", limit=2, sort="created")]
    assert seen == sorted(ids)
    merged = c.all("list_cases", q=f"Paged {tag}", limit=2)
    assert {x["id"] for x in merged["results"]} == ids and merged["next_cursor"] is None


def test_errors_are_comity_errors_with_the_servers_fields(live):
    c = live.client()
    with pytest.raises(NotFound) as nf:
        c.get_case(case_id=99_999_999)
    assert nf.value.exit_code == 4 and nf.value.http_status == 404
    with pytest.raises(InvalidInput) as bad:
        c.create_case(title="x" * 300)
    assert "title" in bad.value.errors and bad.value.exit_code == 2
    with pytest.raises(InvalidInput) as limit:
        c.list_cases(limit=0)
    assert set(limit.value.errors) == {"limit"}
    with pytest.raises(NotAllowed) as ro:
        live.client(live.read).create_case(title="Refused: read-only token")
    assert ro.value.exit_code == 3
    assert live.client(live.read).list_cases(q="Refused: read-only token")["count"] == 0
    with pytest.raises(AuthenticationFailed) as auth:
        live.client("cmt_not_a_token").list_cases()
    assert auth.value.exit_code == 8 and auth.value.status == 401 and "token" in auth.value.errors
    # a case of someone else is not there at all for this caller (compartments)
    theirs = live.client(live.other).create_case(title="Someone else's case")
    with pytest.raises(NotFound):
        c.get_case(case_id=theirs["id"])
    with pytest.raises(InvalidInput) as unknown:
        c.get_case(case_id=theirs["id"], colour="blue")
    assert set(unknown.value.errors) == {"colour"}


def test_idempotency_key_retry_creates_once(live):
    c = live.client()
    key = f"client-{uuid.uuid4()}"
    title = f"Idempotent {key}"
    first = c.create_case(title=title, idempotency_key=key)
    again = c.create_case(title=title, idempotency_key=key)
    assert again["id"] == first["id"] and again.replayed and not first.replayed
    assert c.list_cases(q=title)["count"] == 1
    with pytest.raises(InvalidInput) as other_body:
        c.create_case(title=title + " changed", idempotency_key=key)
    assert "Idempotency-Key" in other_body.value.errors


def test_upload_and_download_stream_the_same_bytes(live, tmp_path):
    c = live.client()
    case = c.create_case(title="Client documents")
    source = tmp_path / "scan.bin"
    with open(source, "wb") as f:
        f.writelines(os.urandom(64 * 1024) for _ in range(48))  # 3 MiB: more than Django keeps in memory
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    doc = c.upload_document(case_id=case["id"], file=source, title="Scan")
    assert doc.status == 201 and doc["sha256"] == sha and doc["size"] == source.stat().st_size
    target = tmp_path / "copy.bin"
    got = c.download_document(case_id=case["id"], document_id=doc["id"], output=target)
    assert got["sha256"] == sha and got["size"] == source.stat().st_size and got["filename"] == "scan.bin"
    assert hashlib.sha256(target.read_bytes()).hexdigest() == sha
    with open(tmp_path / "copy2.bin", "wb") as f:  # a file object
        c.download_document(case_id=case["id"], document_id=doc["id"], output=f)
    assert hashlib.sha256((tmp_path / "copy2.bin").read_bytes()).hexdigest() == sha
    small = c.upload_document(case_id=case["id"], file=("note.txt", b"hello"), title="Bytes")
    assert c.download_document(case_id=case["id"], document_id=small["id"]) == b"hello"


def test_a_stale_if_match_is_refused_with_what_changed(live):
    c = live.client()
    assert c.operations["update_case"]["if_match"], "update_case (PATCH /api/cases/{case_id}) is guarded by If-Match"
    case = c.create_case(title="Before")
    read = c.get_case_record(case_id=case["id"])  # the case as update_case changes it, with its ETag
    assert read.etag
    updated = c.update_case(case_id=case["id"], if_match=read.etag, title="After")
    assert updated["title"] == "After" and updated.etag and updated.etag != read.etag
    with pytest.raises(PreconditionFailed) as stale:
        c.update_case(case_id=case["id"], if_match=read.etag, title="Overwrite")
    assert stale.value.exit_code == 7 and stale.value.changed.get("title") == "After"
    assert stale.value.current_etag == updated.etag
    with pytest.raises(PreconditionRequired) as missing:
        c.update_case(case_id=case["id"], title="No tag")
    assert missing.value.exit_code == 7 and "If-Match" in missing.value.errors
    assert c.get_case(case_id=case["id"])["title"] == "After"


def test_a_client_built_from_the_servers_own_document(live):
    import urllib.request

    from comity.client.spec import operations_from_openapi

    c = Client.from_server(live.url, live.write)
    with urllib.request.urlopen(f"{live.url}/api/openapi.json", timeout=30) as r:
        served = json.loads(r.read())
    assert c.operations == operations_from_openapi(served)["operations"]
    assert {"list_cases", "create_case", "upload_document"} <= set(c.operations)
    assert c.list_cases(limit=1)["limit"] == 1
