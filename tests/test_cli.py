"""The `comity` command as an operator uses it: a fresh data folder, init with the demo, users, deadlines."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _comity(args, env, check=True):
    cmd = [sys.executable, "-m", "comity.cli", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    if check:
        assert r.returncode == 0, r.stderr
    return r


@pytest.fixture
def env(tmp_path):
    e = dict(os.environ)
    e["COMITY_DATA_DIR"] = str(tmp_path)
    e.pop("DATABASE_URL", None)  # its own embedded SQLite file, like a fresh machine
    e["COMITY_ADMIN_PASSWORD"] = "first-admin-password-2026"
    return e


def test_init_creates_admin_with_second_factor_and_demo(env):
    out = json.loads(_comity(["init", "--demo", "--json"], env).stdout)
    admin = out["admin"]
    assert admin["username"] == "admin" and admin["password"] == "first-admin-password-2026"
    assert len(admin["totp_secret"]) >= 16 and len(admin["recovery_codes"]) == 10
    demo = out["demo"]
    assert demo["country_pairs"] >= 15 and demo["cases"] >= 15
    # Running init again creates no second admin and prints no secrets.
    again = _comity(["init", "--demo"], env).stdout
    assert "already" in again and admin["password"] not in again


def test_human_output_tells_a_newcomer_how_to_sign_in(env):
    out = _comity(["init"], env).stdout
    for words in ("Username:", "Password:", "TOTP secret:", "otpauth://totp/", "Recovery codes", "http://127.0.0.1:8000/"):
        assert words in out


def test_deadlines_as_json_for_a_user(env):
    _comity(["init", "--demo", "--json"], env)
    rows = json.loads(_comity(["deadlines", "--user", "s.martin", "--json"], env).stdout)
    assert rows and [r["due"] for r in rows] == sorted(r["due"] for r in rows)
    assert any(r["overdue"] for r in rows) and any("Art 16(4)" in r["citation"] for r in rows)
    outsider = json.loads(_comity(["deadlines", "--user", "o.lindqvist", "--json"], env).stdout)
    assert outsider == []  # oversight is a member of nothing


def test_create_user_errors_name_the_field(env):
    _comity(["migrate", "--verbosity", "0"], env)
    r = _comity(["create-user", "bob", "--role", "caseworker", "--password", "short", "--json"], env, check=False)
    assert r.returncode == 2 and "password" in json.loads(r.stderr)["errors"]
    ok = _comity(["create-user", "bob", "--role", "caseworker", "--password", "a-long-enough-pass-99", "--totp",
                  "--json"], env)
    assert json.loads(ok.stdout)["totp_secret"]
    dup = _comity(["create-user", "bob", "--role", "caseworker", "--password", "a-long-enough-pass-99"], env,
                  check=False)
    assert dup.returncode == 2 and "username: 'bob' is taken" in dup.stderr


def test_token_from_the_cli_works_on_the_api(env):
    _comity(["init", "--demo", "--json"], env)
    token = json.loads(_comity(["token", "s.martin", "--name", "script", "--json"], env).stdout)["token"]
    assert token.startswith("cmt_")


def test_audit_verify_export_and_offline_check(env, tmp_path):
    import sqlite3

    _comity(["init", "--demo", "--json"], env)
    head = json.loads(_comity(["audit", "sign"], env).stdout)
    assert head["size"] > 100 and len(head["signature"]) == 128
    assert "VERIFIED" in _comity(["audit", "verify"], env).stdout
    ev, hd, pk = tmp_path / "events.jsonl", tmp_path / "heads.jsonl", tmp_path / "key.pem"
    _comity(["audit", "export", "--events", str(ev), "--heads", str(hd), "--public-key", str(pk)], env)
    offline = _comity(["ledger", "verify", "--events", str(ev), "--checkpoints", str(hd), "--public-key", str(pk),
                       "--json"], env, check=False)
    assert offline.returncode == 0, offline.stdout + offline.stderr
    # Someone edits a stored event behind the application's back: verification fails and says where.
    db = sqlite3.connect(tmp_path / "comity.sqlite3")
    db.execute("UPDATE audit_auditevent SET purpose = 'rewritten' WHERE seq = 42")
    db.commit()
    db.close()
    bad = _comity(["audit", "verify", "--json"], env, check=False)
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["first_divergence"] == 42
    # A truncated checkpoint file is a clear error, not a crash and not "verified".
    (tmp_path / "trunc.jsonl").write_text(hd.read_text()[:40])
    trunc = _comity(["audit", "verify", "--checkpoints", str(tmp_path / "trunc.jsonl")], env, check=False)
    assert trunc.returncode == 2 and "error" in trunc.stderr and "Traceback" not in trunc.stderr
