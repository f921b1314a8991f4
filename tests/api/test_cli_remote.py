"""`comity remote` (issue 14 item 4): the CLI's remote mode, run as a subprocess against a real server (gunicorn on
loopback serving a throwaway instance, SQLite or PostgreSQL as the run provides: tests/api/test_client.py's
`live_instance`). The subprocess has no database settings at all: remote mode needs only the URL and a token.
Exit codes are comity.errors' (docs/api.md): 0, 2 bad input, 3 not allowed, 4 not found, 5 no answer,
6 conflict, 7 precondition, 8 authentication."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import uuid

import pytest

from tests.api.test_client import live_instance
from tests.support.crash import PYTHON, ROOT


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with live_instance(tmp_path_factory.mktemp("remote")) as found:
        yield found


def remote(live, *args, token: str | None = "write", stdin: str | None = None, binary: bool = False):
    """`comity remote ARGS` in a clean environment (no DATABASE_URL, no COMITY_DATA_DIR): URL and token only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMITY_", "DJANGO_", "DATABASE_", "PYTEST"))}
    env["PYTHONPATH"] = str(ROOT / "src")
    if live is not None:
        env["COMITY_URL"] = live.url
    if token is not None:
        env["COMITY_TOKEN"] = getattr(live, token, token)
    return subprocess.run([PYTHON, "-m", "comity.cli", "remote", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=not binary, timeout=120, check=False)


def ok(p) -> str:
    assert p.returncode == 0, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p.stdout


def test_help_lists_every_operation():
    from comity.client.spec import load_operations

    p = remote(None, "--help", token=None)
    out = ok(p)
    for oid in load_operations()["operations"]:
        assert oid in out
    assert "exit codes" in out
    p = remote(None, "list_cases", "--help", token=None)
    assert "--limit" in ok(p) and "--all" in p.stdout and "--cursor" in p.stdout
    assert remote(None, token=None).returncode == 2  # no operation: the help, exit 2


def test_create_read_and_list_cases_as_tables_and_json(live):
    tag = uuid.uuid4().hex[:8]
    made = json.loads(ok(remote(live, "create_case", "--title", f"Remote {tag} one", "--summary", "from the CLI",
                                "--json")))
    assert made["title"] == f"Remote {tag} one"
    shown = ok(remote(live, "get_case", "--case_id", str(made["id"])))
    assert f"title: Remote {tag} one" in shown and "summary: from the CLI" in shown
    assert "requests: (none)" in shown and "members: clerk" in shown
    assert f"reference: {made['reference']}" in ok(remote(live, "get_case", "--case-id", str(made["id"])))
    ok(remote(live, "--json", "create_case", "--title", f"Remote {tag} two"))  # --json before the operation
    table = ok(remote(live, "list_cases", "--q", f"Remote {tag}"))
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["ID", "REFERENCE", "TITLE"]
    assert sum(f"Remote {tag}" in line for line in lines) == 2 and "(2 of 2)" in table
    page = json.loads(ok(remote(live, "list_cases", "--q", f"Remote {tag}", "--json")))
    assert page["count"] == 2 and {c["title"] for c in page["results"]} == {f"Remote {tag} one",
                                                                            f"Remote {tag} two"}
    assert set(page) == {"count", "limit", "sort", "next_cursor", "results"}


def test_body_from_a_file_or_standard_input(live, tmp_path):
    tag = uuid.uuid4().hex[:8]
    body = tmp_path / "case.json"
    body.write_text(json.dumps({"title": f"Body {tag}", "summary": "from a file"}))
    made = json.loads(ok(remote(live, "create_case", "--body", str(body), "--json")))
    assert made["summary"] == "from a file"
    made = json.loads(ok(remote(live, "create_case", "--body", "-", "--summary", "option wins", "--json",
                                stdin=json.dumps({"title": f"Stdin {tag}", "summary": "stdin"}))))
    assert made["title"] == f"Stdin {tag}" and made["summary"] == "option wins"


def test_exit_codes_of_errors(live):
    p = remote(live, "get_case", "--case_id", "99999999")
    assert p.returncode == 4 and "error:" in p.stderr
    p = remote(live, "create_case", "--title", "x" * 300)
    assert p.returncode == 2 and "error: title:" in p.stderr
    p = remote(live, "create_case", "--title", "x" * 300, "--json")
    err = json.loads(p.stderr)
    assert p.returncode == 2 and err["error"] == "invalid_input" and "title" in err["errors"]
    p = remote(live, "list_cases", "--limit", "0")
    assert p.returncode == 2 and "error: limit:" in p.stderr
    p = remote(live, "list_cases", "--state", "shut")  # refused by the options before any call
    assert p.returncode == 2
    p = remote(live, "create_case", "--title", "Refused read-only", token="read")
    assert p.returncode == 3 and "read-only" in p.stderr
    p = remote(live, "list_cases", token="cmt_not_a_token")
    assert p.returncode == 8 and "token" in p.stderr
    p = remote(live, "list_cases", token=None)
    assert p.returncode == 8 and "COMITY_TOKEN" in p.stderr
    theirs = json.loads(ok(remote(live, "create_case", "--title", "Stranger's", "--json", token="other")))
    assert remote(live, "get_case", "--case_id", str(theirs["id"])).returncode == 4
    p = remote(live, "list_cases", "--url", "http://127.0.0.1:9")
    assert p.returncode == 5 and "no answer" in p.stderr


def test_token_file(live, tmp_path):
    f = tmp_path / "token"
    f.write_text(live.read + "\n")
    p = remote(live, "--token-file", str(f), "list_cases", "--limit", "1", "--json", token="cmt_wrong")
    assert json.loads(ok(p))["limit"] == 1


def test_all_follows_cursors_over_every_page(live):
    tag = uuid.uuid4().hex[:8]
    for i in range(5):
        ok(remote(live, "create_case", "--title", f"Many {tag} {i}", "--json"))
    first = json.loads(ok(remote(live, "list_cases", "--q", f"Many {tag}", "--limit", "2", "--json")))
    assert len(first["results"]) == 2 and first["next_cursor"]
    human = ok(remote(live, "list_cases", "--q", f"Many {tag}", "--limit", "2"))
    assert f"--cursor {first['next_cursor']}" in human
    second = json.loads(ok(remote(live, "list_cases", "--q", f"Many {tag}", "--limit", "2", "--cursor",
                                  first["next_cursor"], "--json")))
    assert not {c["id"] for c in second["results"]} & {c["id"] for c in first["results"]}
    every = json.loads(ok(remote(live, "list_cases", "--q", f"Many {tag}", "--limit", "2", "--all", "--json",
                                 "--sort", "created")))
    assert [c["title"] for c in every["results"]] == [f"Many {tag} {i}" for i in range(5)]
    assert every["count"] == 5 and every["next_cursor"] is None
    table = ok(remote(live, "list_cases", "--q", f"Many {tag}", "--limit", "2", "--all"))
    assert sum(f"Many {tag}" in line for line in table.splitlines()) == 5 and "(5 of 5)" in table


def test_upload_and_download_stream_the_same_bytes(live, tmp_path):
    case = json.loads(ok(remote(live, "create_case", "--title", "Remote documents", "--json")))
    source = tmp_path / "evidence.bin"
    with open(source, "wb") as f:
        f.writelines(os.urandom(64 * 1024) for _ in range(40))
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    doc = json.loads(ok(remote(live, "upload_document", "--case_id", str(case["id"]), "--file", str(source),
                               "--title", "Evidence", "--json")))
    assert doc["sha256"] == sha
    target = tmp_path / "back.bin"
    got = json.loads(ok(remote(live, "download_document", "--case_id", str(case["id"]), "--document_id",
                               str(doc["id"]), "--output", str(target), "--json")))
    assert got["sha256"] == sha and hashlib.sha256(target.read_bytes()).hexdigest() == sha
    folder = tmp_path / "into"
    folder.mkdir()
    shown = ok(remote(live, "download_document", "--case_id", str(case["id"]), "--document_id", str(doc["id"]),
                      "--output", str(folder)))
    assert f"sha256: {sha}" in shown and (folder / "evidence.bin").exists()
    p = remote(live, "download_document", "--case_id", str(case["id"]), "--document_id", str(doc["id"]),
               binary=True)
    assert p.returncode == 0 and hashlib.sha256(p.stdout).hexdigest() == sha


def test_idempotency_key_retry_creates_once(live):
    key = f"remote-{uuid.uuid4()}"
    title = f"Once {key}"
    first = json.loads(ok(remote(live, "create_case", "--title", title, "--idempotency-key", key, "--json")))
    again = json.loads(ok(remote(live, "create_case", "--title", title, "--idempotency-key", key, "--json")))
    assert again["id"] == first["id"]
    assert json.loads(ok(remote(live, "list_cases", "--q", title, "--json")))["count"] == 1
    p = remote(live, "create_case", "--title", title + " other", "--idempotency-key", key)
    assert p.returncode == 2 and "Idempotency-Key" in p.stderr


def test_a_stale_if_match_exits_7_showing_what_changed(live):
    case = json.loads(ok(remote(live, "create_case", "--title", "Before", "--json")))
    p = remote(live, "get_case_record", "--case_id", str(case["id"]), "--json")
    assert json.loads(ok(p))["title"] == "Before"
    etag = p.stderr.split("ETag:", 1)[1].strip()  # --json: the answer on stdout, its ETag on standard error
    shown = ok(remote(live, "get_case_record", "--case_id", str(case["id"])))
    assert f"etag: {etag}" in shown  # the human form shows it as its last line
    ok(remote(live, "update_case", "--case_id", str(case["id"]), "--if-match", etag, "--title", "After"))
    p = remote(live, "update_case", "--case_id", str(case["id"]), "--if-match", etag, "--title", "Overwrite")
    assert p.returncode == 7 and "changed: title: After" in p.stderr and "current etag:" in p.stderr
    p = remote(live, "update_case", "--case_id", str(case["id"]), "--if-match", etag, "--title", "Overwrite",
               "--json")
    assert p.returncode == 7 and json.loads(p.stderr)["changed"]["title"] == "After"
    p = remote(live, "update_case", "--case_id", str(case["id"]), "--title", "No tag")
    assert p.returncode == 7 and "If-Match" in p.stderr
    assert json.loads(ok(remote(live, "get_case", "--case_id", str(case["id"]), "--json")))["title"] == "After"
