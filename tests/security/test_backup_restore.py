"""Backup and restore (issue 13, item 7): `comity backup` writes one encrypted, signed archive of an instance;
`comity restore` brings it up in a NEW data folder (and, under scripts/with-postgres.sh, a NEW PostgreSQL
database); the audit log verifies with the same head, every evidence hash verifies, documents open. A damaged
archive (flipped bytes, truncated, reordered, members added, path traversal, wrong key or passphrase) is refused
every time with its reason, and nothing is written.

The instances are real: each command runs as `comity ...` in its own process against its own data folder,
as an operator would run it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comity.backup import archive
from comity.backup.archive import ArchiveRefused

PASSPHRASE = "a long backup passphrase 2026"
PG = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
SETUP = r"""
import datetime as dt, json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from comity.accounts.models import User
from comity.audit.actions import do_sign_tree_head
from comity.cases import actions
from comity.evidence import actions as evidence

admin = User.objects.get(username="admin")
cli = {"via": "cli"}
for i in range(3):
    case = actions.do_create_case(title=f"Backup case {i}", summary="kept in the backup", acting_user=admin, **cli)
    actions.do_upload_document(case, upload=SimpleUploadedFile(f"letter-{i}.txt", b"letter %d " % i * 4000,
                               content_type="text/plain"), title=f"Letter {i}", acting_user=admin, **cli)
    item = evidence.do_register_evidence(case, kind="digital", title=f"Exhibit {i}", acting_user=admin,
                                         date_obtained=dt.date(2026, 11, 1),
                                         upload=SimpleUploadedFile(f"dump-{i}.bin", os.urandom(150_000 + i)),
                                         place="Evidence store", **cli)
    evidence.do_record_custody_event(item, kind="sealed", at=timezone.now(), place="Evidence store",
                                     reason="sealed", acting_user=admin, **cli)
    do_sign_tree_head(via="cli")
"""
CHECK_DOCUMENTS = r"""
import hashlib, json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")
django.setup()
from comity.cases.models import Document
out = []
for d in Document.objects.order_by("pk"):
    with d.file.open("rb") as f:
        out.append([d.sha256, hashlib.sha256(f.read()).hexdigest()])
print(json.dumps(out))
"""


# ---------------------------------------------------------------------------------------------- helpers

def _base_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMITY_") and k != "DATABASE_URL"}
    env.update(COMITY_BACKUP_PASSPHRASE=PASSPHRASE, COMITY_BACKUP_SCRYPT_LOG2N="14", COMITY_TSA_URL="")
    return env


def _comity(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "comity.cli", *args], env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"comity {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def _python(env: dict, code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _new_database() -> str | None:
    """A new, empty PostgreSQL database on the with-postgres.sh server (None on SQLite)."""
    if not PG:
        return None
    import psycopg

    base = os.environ["DATABASE_URL"]
    name = f"bk_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


def _instance(root: Path, name: str) -> dict:
    env = _base_env()
    env["COMITY_DATA_DIR"] = str(root / name)
    url = _new_database()
    if url:
        env["DATABASE_URL"] = url
    return env


def _tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """An instance with cases, documents, evidence and signed tree heads; its ledger key in a file outside
    the data folder and its seal key in the environment (so the archive must reference them), backed up."""
    root = tmp_path_factory.mktemp("backup")
    env = _instance(root, "source")
    (root / "keys").mkdir(mode=0o700)
    env["COMITY_LEDGER_KEY"] = str(root / "keys" / "ledger.pem")
    env["COMITY_SEAL_KEY"] = "m2D1xG4i7nJ0Yc3y0mS4b2r1HkVqUu8pT6wZ9aXcLsE="
    from cryptography.hazmat.primitives import serialization

    Path(env["COMITY_LEDGER_KEY"]).write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    _comity(env, "init", "--json")
    _python(env, SETUP)
    out = root / "instance.cbk"
    made = json.loads(_comity(env, "backup", "--out", str(out), "--json").stdout)
    head = json.loads(_comity(env, "audit", "verify", "--json", check=False).stdout)
    return {"root": root, "env": env, "archive": out, "made": made, "verify": head}


def _fresh(source, name: str) -> dict:
    """A new instance on the same keys kept outside the data folder (as the operator provides them)."""
    env = _instance(source["root"], name)
    env["COMITY_LEDGER_KEY"] = source["env"]["COMITY_LEDGER_KEY"]
    env["COMITY_SEAL_KEY"] = source["env"]["COMITY_SEAL_KEY"]
    return env


# ---------------------------------------------------------------------------------------------- restore

def test_a_backup_restores_into_a_new_instance_with_the_same_log_evidence_and_documents(source):
    made = source["made"]
    assert made["counts"]["cases"] == 3 and made["counts"]["documents"] == 3 and made["counts"]["evidence_items"] == 3
    assert made["engine"] == ("postgresql" if PG else "sqlite")
    keys = {k["key"]: k for k in made["keys"]}
    assert keys["evidence_master_key"]["where"] == "included"
    assert keys["ledger_key"]["where"] == "file" and keys["ledger_key"]["path"] == source["env"]["COMITY_LEDGER_KEY"]
    assert keys["seal_key"]["where"] == "environment" and keys["seal_key"]["variable"] == "COMITY_SEAL_KEY"
    assert hashlib.sha256(source["archive"].read_bytes()).hexdigest() == made["sha256"]
    assert oct(source["archive"].stat().st_mode & 0o777) == "0o600"
    # The archive holds no clear text of what it backs up.
    assert b"Backup case" not in source["archive"].read_bytes() and b"letter 1" not in source["archive"].read_bytes()

    env = _fresh(source, "restored")
    done = _comity(env, "restore", str(source["archive"]), "--json")
    out = json.loads(done.stdout)
    assert out["audit_log"]["size"] == made["audit_log"]["size"]
    assert out["audit_log"]["root_hash"] == made["audit_log"]["root_hash"]
    assert {k["key"]: k["status"] for k in out["keys"]} == {"ledger_key": "matches", "seal_key": "matches"}

    verify = _comity(env, "audit", "verify", "--json")
    result = json.loads(verify.stdout)
    assert result["ok"] is True
    # The same signed head as the source (the restore itself is the one event after it).
    assert result["verified_size"] == source["verify"]["verified_size"]
    assert result["log_size"] == made["audit_log"]["size"] + 1
    evidence = _comity(env, "evidence", "verify", "--all", "--user", "admin", "--json")
    summary = json.loads(evidence.stdout)
    assert summary["ok"] is True and len(summary["items"]) == 3
    documents = json.loads(_python(env, CHECK_DOCUMENTS))
    assert len(documents) == 3 and all(stored == read for stored, read in documents)
    data = Path(env["COMITY_DATA_DIR"])
    assert not any(p.stat().st_mode & 0o077 for p in data.rglob("*")), "restored files must be private (0600/0700)"
    assert [p.name for p in data.parent.iterdir() if ".restore-" in p.name or ".comity-restore" in p.name] == []


def test_restore_refuses_an_instance_that_holds_data_unless_forced(source):
    env = source["env"]
    before = _tree(Path(env["COMITY_DATA_DIR"]))
    refused = _comity(env, "restore", str(source["archive"]), check=False)
    assert refused.returncode != 0
    assert refused.stderr.count("\n") == 1 and "refusing to restore over an instance that holds data" in refused.stderr
    assert "--force" in refused.stderr
    assert _tree(Path(env["COMITY_DATA_DIR"])) == before

    again = _fresh(source, "forced")
    _comity(again, "restore", str(source["archive"]))
    second = _comity(again, "restore", str(source["archive"]), "--force", "--json")
    out = json.loads(second.stdout)
    assert len(out["replaced_kept_at"]) >= 1 and Path(out["replaced_kept_at"][0]).exists()
    assert json.loads(_comity(again, "audit", "verify", "--json").stdout)["ok"] is True


def _forged(source, **kw) -> bytes:
    """An archive made with the instance's signing key and the right passphrase (what only an insider can
    make), with good members first so the staging folders hold files when the refusal comes."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(Path(source["env"]["COMITY_LEDGER_KEY"]).read_bytes(), None)
    members = [("database/comity.sql" if PG else "database/comity.sqlite3", os.urandom(5000)),
               ("data/secret_key", b"s" * 50), ("media/cases/d.cdoc", os.urandom(3000)),
               ("evidence/e.cev", os.urandom(3000))]
    buf = io.BytesIO()
    w = archive.ArchiveWriter(buf, passphrase=PASSPHRASE.encode(), signing_key=key, backup_id="f" * 32,
                              created="2026-12-02T10:00:00+00:00", log2_n=14, chunk_size=1024,
                              engine="postgresql" if PG else "sqlite")
    return _finish(w, members, **kw)


def _finish(w, members, *, raw=(), manifest_members=None) -> bytes:
    for name, body in members:
        w.add_stream(name, len(body), io.BytesIO(body), "x")
    for name, body in raw:  # forged records, past the writer's own name check
        enc = name.encode()
        w._write(b"F" + struct.pack(">H", len(enc)) + enc + struct.pack(">Q", len(body)) + body)
        w.members.append({"name": name, "size": len(body), "sha256": hashlib.sha256(body).hexdigest(), "kind": "x"})
    if manifest_members is not None:
        w.members = manifest_members(w.members)
    w.finish({"format": archive.FORMAT, "backup_id": w.header["backup_id"]})
    return w._out.getvalue()


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x41]) + data[at + 1:]


@pytest.mark.parametrize("damage, reason", [
    ("flip", "signature does not verify"),
    ("truncate", "truncated"),
    ("append", "signature"),
    ("wrong_passphrase", "wrong passphrase"),
    ("wrong_signer", "not by the expected key"),
    ("not_an_archive", "not a Comity backup archive"),
    # Signed with the instance's own key and encrypted with the right passphrase, so refused only while the
    # members are written to the staging folders: those must go too.
    ("forged_traversal", "path traversal"),
    ("forged_hash", "does not match its SHA-256"),
])
def test_a_damaged_archive_is_refused_with_its_reason_and_nothing_is_written(source, tmp_path, damage, reason):
    data = source["archive"].read_bytes()
    bad = tmp_path / "bad.cbk"
    bad.write_bytes({"flip": lambda: _flip(data, len(data) // 2), "truncate": lambda: data[:len(data) * 2 // 3],
                     "append": lambda: data + b"\0" * 10, "not_an_archive": lambda: b"PK\x03\x04" + data[4:],
                     "forged_traversal": lambda: _forged(source, raw=[("data/../../escaped", b"x")]),
                     "forged_hash": lambda: _forged(source, manifest_members=lambda m: [
                         dict(x, sha256="0" * 64) if x["name"] == "evidence/e.cev" else x for x in m]),
                     }.get(damage, lambda: data)())
    env = _fresh(source, f"damaged-{damage}")
    args = ["restore", str(bad)]
    if damage == "wrong_passphrase":
        env["COMITY_BACKUP_PASSPHRASE"] = "not the passphrase at all"
    if damage == "wrong_signer":
        args += ["--signer", "ab" * 32]
    refused = _comity(env, *args, check=False)
    assert refused.returncode != 0
    line = refused.stderr.strip()
    assert "\n" not in line and line.startswith("error: archive: ") and reason in line, line
    data_dir = Path(env["COMITY_DATA_DIR"])
    assert set(_tree(data_dir)) <= {"secret_key", "static"}, "nothing may be written by a refused restore"
    assert [p.name for p in data_dir.parent.iterdir() if ".restore-" in p.name] == []
    if PG:
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as conn:
            assert conn.execute("SELECT count(*) FROM information_schema.tables "
                                "WHERE table_schema = 'public'").fetchone()[0] == 0


# ---------------------------------------------------------------------------------------------- the campaign
# In-process, on small archives (many chunks of 1 KiB), so hypothesis can try many damages quickly. The forger
# below holds the passphrase AND the signing key: even then, traversal, duplicates, unlisted or oversized members
# are refused; without them, every change is refused by the signature or by the chunk authentication.

KEY = Ed25519PrivateKey.generate()
PASS = b"campaign passphrase 2026"
MEMBERS = [("database/comity.sqlite3", os.urandom(3000)), ("data/secret_key", b"k" * 50),
           ("media/cases/2026/a.cdoc", os.urandom(2500)), ("evidence/x.cev", os.urandom(1800))]


def _writer(buf: io.BytesIO, key=KEY) -> archive.ArchiveWriter:
    return archive.ArchiveWriter(buf, passphrase=PASS, signing_key=key, backup_id="b" * 32,
                                 created="2026-12-02T10:00:00+00:00", log2_n=14, chunk_size=1024, engine="sqlite")


def build(members=MEMBERS, *, raw: list[tuple[str, bytes]] | None = None, manifest_members=None, key=KEY) -> bytes:
    return _finish(_writer(io.BytesIO(), key), members, raw=raw or (), manifest_members=manifest_members)


def restore_bytes(data: bytes, tmp: Path, *, passphrase=PASS, signer=None, limits=None) -> dict:
    path = tmp / f"{uuid.uuid4().hex}.cbk"
    path.write_bytes(data)
    stage = tmp / f"stage-{uuid.uuid4().hex}"
    stage.mkdir()

    def sink(name):
        target = stage / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return open(target, "xb")

    opened = archive.open_archive(path, expected_signer=signer)
    key = archive.unlock(opened, passphrase)
    return archive.extract(path, opened, key, sink, limits)


def resign(data: bytes, key=KEY) -> bytes:
    """What someone holding the signing key (but not the passphrase) can do: sign changed bytes again."""
    body = data[:-archive.TRAILER_LEN]
    return body + archive.SIG_MAGIC + key.sign(b"comity-backup-v1\n" + hashlib.sha256(body).digest())


def frames(data: bytes) -> tuple[int, list[tuple[int, int]]]:
    """(header end, [(start, end)] of each chunk frame)."""
    (hlen,) = struct.unpack(">I", data[len(archive.MAGIC):len(archive.MAGIC) + 4])
    pos = len(archive.MAGIC) + 4 + hlen
    start, out = pos, []
    end = len(data) - archive.TRAILER_LEN
    while pos < end:
        (length,) = struct.unpack(">I", data[pos + 1:pos + 5])
        out.append((pos, pos + 5 + length))
        pos += 5 + length
    return start, out


GOOD = build()


def test_the_campaign_archive_itself_restores(tmp_path):
    manifest = restore_bytes(GOOD, tmp_path)
    assert [m["name"] for m in manifest["members"]] == [n for n, _ in MEMBERS]
    assert len(frames(GOOD)[1]) > 5


def _refused(data: bytes, tmp: Path, **kw) -> str:
    with pytest.raises(ArchiveRefused) as e:
        restore_bytes(data, tmp, **kw)
    message = str(e.value)
    assert message and "\n" not in message
    return message


_FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_FAST
@given(st.data())
def test_campaign_flipped_bytes_anywhere_are_refused(tmp_path, data):
    at = data.draw(st.integers(0, len(GOOD) - 1))
    mask = data.draw(st.integers(1, 255))
    damaged = GOOD[:at] + bytes([GOOD[at] ^ mask]) + GOOD[at + 1:]
    message = _refused(damaged, tmp_path)
    assert any(w in message for w in ("signature", "not a Comity", "truncated", "header", "damaged", "version")), message


@_FAST
@given(st.integers(0, len(GOOD) - 1))
def test_campaign_truncation_anywhere_is_refused(tmp_path, cut):
    message = _refused(GOOD[:cut], tmp_path)
    assert any(w in message for w in ("truncated", "signature", "not a Comity")), message


@_FAST
@given(st.binary(min_size=1, max_size=200))
def test_campaign_bytes_added_at_the_end_are_refused(tmp_path, extra):
    _refused(GOOD + extra, tmp_path)


@_FAST
@given(st.data())
def test_campaign_even_re_signed_a_changed_reordered_or_dropped_chunk_is_refused(tmp_path, data):
    """Holding the signing key but not the passphrase: the chunks' own authentication refuses the change."""
    start, chunks = frames(GOOD)
    body = [GOOD[a:b] for a, b in chunks]
    how = data.draw(st.sampled_from(["flip", "swap", "drop", "drop_final", "repeat"]))
    if how == "flip":
        i = data.draw(st.integers(0, len(body) - 1))
        j = data.draw(st.integers(0, len(body[i]) - 1))
        body[i] = _flip(body[i], j)
    elif how == "swap":
        i = data.draw(st.integers(0, len(body) - 3))
        j = data.draw(st.integers(i + 1, len(body) - 2))
        body[i], body[j] = body[j], body[i]
    elif how == "drop":
        del body[data.draw(st.integers(0, len(body) - 2))]
    elif how == "drop_final":
        body = body[:-1]
    else:
        i = data.draw(st.integers(0, len(body) - 2))
        body.insert(i, body[i])
    damaged = resign(GOOD[:start] + b"".join(body) + GOOD[-archive.TRAILER_LEN:])
    message = _refused(damaged, tmp_path)
    assert any(w in message for w in ("does not authenticate", "truncated", "damaged", "ends inside")), message


def test_campaign_a_chunk_from_another_archive_is_refused(tmp_path):
    other = build()
    _, chunks = frames(GOOD)
    _, o_chunks = frames(other)
    a, b = chunks[2]
    oa, ob = o_chunks[2]
    damaged = resign(GOOD[:a] + other[oa:ob] + GOOD[b:])
    assert "does not authenticate" in _refused(damaged, tmp_path)


def test_campaign_wrong_passphrase_and_wrong_signer(tmp_path):
    assert "wrong passphrase" in _refused(GOOD, tmp_path, passphrase=b"another passphrase entirely")
    assert "not by the expected key" in _refused(GOOD, tmp_path, signer="00" * 32)
    someone = Ed25519PrivateKey.generate()
    body = GOOD[:-archive.TRAILER_LEN]
    forged = body + archive.SIG_MAGIC + someone.sign(b"comity-backup-v1\n" + hashlib.sha256(body).digest())
    assert "signature does not verify" in _refused(forged, tmp_path)


@pytest.mark.parametrize("name, reason", [
    ("data/../../etc/passwd", "path traversal"),
    ("../outside", "path traversal"),
    ("/outside/of/everything", "absolute path"),
    ("C:/Windows/x", "absolute path"),
    ("media/./x", "path traversal"),
    ("data//x", "path traversal"),
    ("data\\..\\x", "backslash"),
    ("other/x", "outside the archive's folders"),
    ("data", "outside the archive's folders"),
    ("data/x\n", "control character"),
])
def test_campaign_member_names_that_leave_their_folder_are_refused(tmp_path, name, reason):
    assert reason in _refused(build(raw=[(name, b"x")]), tmp_path)


def test_campaign_added_duplicate_unlisted_and_mismatched_members_are_refused(tmp_path):
    assert "appears twice" in _refused(build(raw=[("data/secret_key", b"evil")]), tmp_path)
    assert "not in the manifest" in _refused(build(raw=[("data/added", b"evil")],
                                                   manifest_members=lambda m: m[:-1]), tmp_path)
    assert "not in the archive" in _refused(build(manifest_members=lambda m: m + [
        {"name": "data/ghost", "size": 1, "sha256": "0" * 64}]), tmp_path)
    assert "SHA-256" in _refused(build(manifest_members=lambda m: [dict(m[0], sha256="1" * 64)] + m[1:]), tmp_path)
    assert "bytes, the manifest says" in _refused(build(manifest_members=lambda m: [dict(m[0], size=1)] + m[1:]),
                                                  tmp_path)
    assert "lists a member twice" in _refused(build(manifest_members=lambda m: m + m[:1]), tmp_path)
    assert "order" in _refused(build(manifest_members=lambda m: list(reversed(m))), tmp_path)


def test_campaign_too_many_or_too_large_members_are_refused(tmp_path):
    many = build([(f"data/f{i}", b"x") for i in range(50)])
    assert "more than 20 members" in _refused(many, tmp_path, limits=archive.Limits(max_members=20))
    assert "add up to more than" in _refused(GOOD, tmp_path, limits=archive.Limits(max_bytes=4000))
    # A member whose declared size is larger than the whole archive (a "bomb" of claimed bytes).
    buf = io.BytesIO()
    w = _writer(buf)
    w._write(b"F" + struct.pack(">H", 6) + b"data/x" + struct.pack(">Q", 1 << 50) + b"abc")
    w.finish({"backup_id": "b" * 32})
    assert "claims" in _refused(buf.getvalue(), tmp_path)
