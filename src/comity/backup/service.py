"""What a backup holds and how it is put back (docs/operations.md, "Backup and restore").

Backup (`comity backup --out FILE`), on a running instance:
1. a tree head is signed (comity.audit.actions.do_sign_tree_head), so the archive holds a signed head;
2. the database is copied consistently: SQLite through the sqlite3 online backup API (one step, under a
   read lock, so the copy is one point in time while the server keeps writing); PostgreSQL with pg_dump
   inside an exported REPEATABLE READ snapshot, the audit log's size and root read in that same snapshot;
3. the files follow: the data folder (keys, the local time-stamping authority, anything else there),
   case documents (COMITY_MEDIA_ROOT) and evidence (COMITY_EVIDENCE_DIR), all of them encrypted at rest;
4. keys kept outside the data folder are not copied: the manifest names each (the environment variable or
   the file path) with a fingerprint, so a restore can say what to provide, and whether it matches;
5. the archive is written as FILE.partial, then renamed; `backup.created` is logged in the instance.

Restore (`comity restore FILE`) into a fresh data folder and an empty database: checks the signature,
the passphrase, every member's name, size and hash, and the limits, into staging folders beside the
targets; then loads the database (PostgreSQL: one transaction) and renames the staging folders into
place. A refusal leaves the targets as they were. `backup.restored` is logged in the restored instance.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from comity.backup import archive
from comity.backup.archive import ArchiveRefused, Limits
from comity.errors import ComityError, InvalidInput

PASSPHRASE_ENV = "COMITY_BACKUP_PASSPHRASE"
AUTO_FILES = {"secret_key", "static"}   # what merely starting Comity creates in a data folder


class TargetNotEmpty(InvalidInput):
    """The instance restored into is not fresh; nothing was written."""

    code = "restore_target_not_empty"
    default_field = "target"


class RestoreFailed(ComityError):
    """The archive verified but putting it in place failed; the targets are as they were."""

    code = "restore_failed"
    default_field = "restore"


class BackupFailed(ComityError):
    code = "backup_failed"
    default_field = "backup"


# ------------------------------------------------------------------------------------------ passphrase

def read_passphrase(*, file: str | None, env: str = PASSPHRASE_ENV, confirm: bool = False) -> bytes:
    """From --passphrase-file, else the environment variable, else a prompt on the terminal."""
    if file:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except OSError as e:
            raise InvalidInput({"--passphrase-file": f"cannot read {file}: {e.strerror or e}"}) from None
        value = text.rstrip("\r\n")
        where = "--passphrase-file"
    elif os.environ.get(env):
        value, where = os.environ[env], env
    else:
        import getpass
        import sys

        if not sys.stdin.isatty():
            raise InvalidInput({"passphrase": f"give --passphrase-file or set {env} (no terminal to ask on)"})
        value, where = getpass.getpass("Backup passphrase: "), "passphrase"
        if confirm and getpass.getpass("Again: ") != value:
            raise InvalidInput({"passphrase": "the two entries differ"})
    if not value:
        raise InvalidInput({where: "is empty"})
    return value.encode("utf-8")


# ------------------------------------------------------------------------------------------ where things are

@dataclass
class Layout:
    data_dir: Path
    media_root: Path
    evidence_dir: Path
    engine: str                       # "sqlite" or "postgresql"
    sqlite_path: Path | None

    @classmethod
    def from_settings(cls) -> Layout:
        from django.conf import settings

        from comity.evidence.keys import evidence_dir

        db = settings.DATABASES["default"]
        engine = "postgresql" if "postgresql" in db["ENGINE"] else "sqlite" if "sqlite3" in db["ENGINE"] else ""
        if not engine:
            raise InvalidInput({"DATABASE_URL": f"backup supports SQLite and PostgreSQL, not {db['ENGINE']}"})
        sqlite_path = Path(str(db["NAME"])).resolve() if engine == "sqlite" else None
        return cls(Path(settings.DATA_DIR).resolve(), Path(settings.MEDIA_ROOT).resolve(),
                   Path(evidence_dir()).resolve(), engine, sqlite_path)

    def inside_data(self, path: Path) -> bool:
        return path == self.data_dir or self.data_dir in path.parents

    def sqlite_files(self) -> set[Path]:
        if not self.sqlite_path:
            return set()
        p = self.sqlite_path
        return {p, Path(f"{p}-wal"), Path(f"{p}-shm"), Path(f"{p}-journal")}


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(b"comity-backup key fingerprint\n" + secret.strip().encode()).hexdigest()[:32]


def _file_fingerprint(path: Path) -> str:
    try:
        return _fingerprint(path.read_text())
    except (OSError, UnicodeDecodeError):
        return ""


def key_inventory(layout: Layout) -> list[dict]:
    """Every key the instance uses and where it lives: `included` (a file in the data folder, copied into
    the archive), `environment` or `file` (outside the data folder: referenced, with a fingerprint), or
    `missing` (not created yet). Fingerprints identify a key without revealing it."""
    from comity.audit import ledger

    env = os.environ
    out: list[dict] = []

    def simple(name: str, variable: str, filename: str, what: str) -> None:
        path = layout.data_dir / filename
        if env.get(variable, "").strip():
            out.append({"key": name, "what": what, "where": "environment", "variable": variable,
                        "fingerprint": _fingerprint(env[variable])})
        elif path.exists():
            out.append({"key": name, "what": what, "where": "included", "member": f"data/{filename}",
                        "variable": variable})
        else:
            out.append({"key": name, "what": what, "where": "missing", "variable": variable})

    simple("secret_key", "COMITY_SECRET_KEY", "secret_key", "Django secret key (sessions, password resets)")
    simple("evidence_master_key", "COMITY_MASTER_KEY", "evidence_master.keys",
           "evidence master keyring (evidence files and case documents)")
    if env.get("COMITY_MASTER_KEYS_RETIRED", "").strip():
        out.append({"key": "evidence_master_keys_retired", "what": "retired evidence master keys (rotation under way)",
                    "where": "environment", "variable": "COMITY_MASTER_KEYS_RETIRED",
                    "fingerprint": _fingerprint(env["COMITY_MASTER_KEYS_RETIRED"])})
    simple("mfa_key", "COMITY_MFA_KEY", "mfa_key", "key of the second-factor secrets")
    simple("seal_key", "COMITY_SEAL_KEY", "seal_key", "seal key of protected persons' identities")
    from comity.ledger import key_id

    public = ledger.public_key_pem().strip()
    ledger_id = key_id(ledger.private_key().public_key())   # the key id of every signed tree head
    entry = {"key": "ledger_key", "what": "audit log signing key (Ed25519)", "public_key": public,
             "fingerprint": ledger_id}
    if env.get("COMITY_LEDGER_KEY_PEM", "").strip():
        entry.update(where="environment", variable="COMITY_LEDGER_KEY_PEM")
    else:
        path = Path(env.get("COMITY_LEDGER_KEY", "").strip() or layout.data_dir / "ledger_key.pem").expanduser()
        if layout.inside_data(path.resolve()):
            entry.update(where="included", member="data/" + path.resolve().relative_to(layout.data_dir).as_posix())
        else:
            entry.update(where="file", variable="COMITY_LEDGER_KEY", path=str(path))
    if env.get("COMITY_LEDGER_KEY_PASSPHRASE"):
        entry["passphrase_variable"] = "COMITY_LEDGER_KEY_PASSPHRASE"
    out.append(entry)
    if env.get("COMITY_TSA_URL", "").strip():
        out.append({"key": "tsa", "what": "external time-stamping authority", "where": "environment",
                    "variable": "COMITY_TSA_URL", "fingerprint": _fingerprint(env["COMITY_TSA_URL"])})
    elif (layout.data_dir / "tsa").exists():
        out.append({"key": "tsa", "what": "local time-stamping authority (key and certificate)", "where": "included",
                    "member": "data/tsa/"})
    for variable in ("COMITY_WITNESS_FILE", "COMITY_WITNESS_KEYS", "COMITY_TSA_CERTS"):
        if env.get(variable, "").strip():
            out.append({"key": variable.lower().removeprefix("comity_"), "where": "file", "variable": variable,
                        "path": env[variable], "what": "kept by the operator or an oversight body, not backed up"})
    return out


# ------------------------------------------------------------------------------------------ database snapshot

def _ledger_info(rows: dict) -> dict:
    from comity.ledger import CompactRange

    compact = rows["compact"]
    if isinstance(compact, str):
        import json

        compact = json.loads(compact)
    rng = CompactRange.from_dict(compact) if compact else CompactRange()
    return {"size": rng.size, "root_hash": rng.root().hex(), "signed_heads": rows["heads"],
            "latest_signed_size": rows["latest"]}


_SNAPSHOT_SQL = {
    "ledger": "SELECT size, compact FROM audit_ledgerstate WHERE id = 1",
    "heads": "SELECT count(*), max(size) FROM audit_treehead",
    "counts": ("SELECT (SELECT count(*) FROM cases_case), (SELECT count(*) FROM cases_document), "
               "(SELECT count(*) FROM evidence_evidenceitem), (SELECT count(*) FROM audit_auditevent)"),
}


def _read_snapshot(cur) -> tuple[dict, dict]:
    cur.execute(_SNAPSHOT_SQL["ledger"])
    row = cur.fetchone() or (0, None)
    cur.execute(_SNAPSHOT_SQL["heads"])
    heads, latest = cur.fetchone()
    cur.execute(_SNAPSHOT_SQL["counts"])
    c = cur.fetchone()
    log = _ledger_info({"compact": row[1], "heads": heads, "latest": latest})
    return log, {"cases": c[0], "documents": c[1], "evidence_items": c[2], "audit_events": c[3]}


def snapshot_sqlite(src: Path, dest: Path) -> tuple[dict, dict]:
    """A consistent copy through the online backup API (all pages in one step, under a read lock)."""
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=60)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
        log, counts = _read_snapshot(target.cursor())
    finally:
        target.close()
        source.close()
    return log, counts


def _pg_env() -> dict:
    from django.db import connection

    params = connection.get_connection_params()
    env = dict(os.environ)
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD"),
                     ("dbname", "PGDATABASE"), ("sslmode", "PGSSLMODE")):
        if params.get(key):
            env[var] = str(params[key])
    return env


def _pg_connect():
    import psycopg
    from django.db import connection

    params = {k: v for k, v in connection.get_connection_params().items()
              if k in ("host", "port", "user", "password", "dbname", "sslmode")}
    return psycopg.connect(**params)


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise BackupFailed({"database": f"{tool} is not installed: install the PostgreSQL client (Debian: apt-get "
                                        "install postgresql-client, or scripts/setup-system.sh --postgres)"})
    return path


def snapshot_postgresql(dest: Path) -> tuple[dict, dict]:
    """pg_dump (plain SQL, no owners or grants) inside an exported REPEATABLE READ snapshot; the log's
    size and root are read in the same snapshot, so they describe exactly what the dump holds."""
    pg_dump = _need("pg_dump")
    with _pg_connect() as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snap = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        log, counts = _read_snapshot(conn.cursor())
        result = subprocess.run([pg_dump, f"--snapshot={snap}", "--format=plain", "--no-owner", "--no-privileges",
                                 f"--file={dest}"], env=_pg_env(), capture_output=True, text=True, check=False)
        conn.execute("COMMIT")
    if result.returncode != 0:
        raise BackupFailed({"database": "pg_dump failed: " + (result.stderr.strip().splitlines() or ["?"])[-1]})
    return log, counts


# ------------------------------------------------------------------------------------------ backup

def _walk(root: Path, skip: set[Path]) -> list[Path]:
    found: list[Path] = []
    if not root.is_dir():
        return found
    for dirpath, dirs, files in os.walk(root):
        here = Path(dirpath)
        dirs[:] = sorted(d for d in dirs if (here / d).resolve() not in skip and not (here / d).is_symlink())
        for name in sorted(files):
            p = here / name
            if p.resolve() in skip or p.is_symlink() or not p.is_file():
                continue
            found.append(p)
    return found


def take_backup(out: str | os.PathLike, *, passphrase: bytes, acting_user=None, via: str = "cli") -> dict:
    """Write the archive to `out` (refused if it exists); returns the summary (also logged)."""
    from comity.audit import ledger
    from comity.audit.actions import do_sign_tree_head
    from comity.backup.actions import do_record_backup

    out = Path(out).expanduser().resolve()
    if out.exists():
        raise InvalidInput({"--out": f"{out} exists already: choose a new file name"})
    if not out.parent.is_dir():
        raise InvalidInput({"--out": f"the folder {out.parent} does not exist"})
    if len(passphrase) < archive.MIN_PASSPHRASE:
        raise InvalidInput({"passphrase": f"must be at least {archive.MIN_PASSPHRASE} characters long"})
    layout = Layout.from_settings()
    if layout.engine == "postgresql":
        _need("pg_dump")
    do_sign_tree_head(via=via)                       # the archive holds a signed head of its log
    key = ledger.private_key()
    backup_id = uuid.uuid4().hex
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    keys = key_inventory(layout)
    partial = out.with_name(out.name + ".partial")
    work = Path(tempfile.mkdtemp(prefix=".comity-backup-", dir=out.parent))
    try:
        db_file = work / ("comity.sqlite3" if layout.engine == "sqlite" else "comity.sql")
        if layout.engine == "sqlite":
            log, counts = snapshot_sqlite(layout.sqlite_path, db_file)
            method = "sqlite3 online backup API"
        else:
            log, counts = snapshot_postgresql(db_file)
            method = "pg_dump (plain SQL) in an exported REPEATABLE READ snapshot"
        skip = {p.resolve() for p in layout.sqlite_files()} | {out, partial, work.resolve(),
                                                                (layout.data_dir / "static").resolve(),
                                                                layout.media_root, layout.evidence_dir}
        files = [("data", layout.data_dir, p) for p in _walk(layout.data_dir, skip)]
        files += [("media", layout.media_root, p) for p in _walk(layout.media_root, {out, partial, work.resolve()})]
        files += [("evidence", layout.evidence_dir, p) for p in _walk(layout.evidence_dir, {out, partial,
                                                                                              work.resolve()})]
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        vanished = 0
        with os.fdopen(fd, "wb") as f:
            writer = archive.ArchiveWriter(f, passphrase=passphrase, signing_key=key, backup_id=backup_id,
                                           created=created, engine=layout.engine)
            writer.add_file(f"database/{db_file.name}", db_file, "database")
            for prefix, root, path in files:
                name = f"{prefix}/{path.relative_to(root).as_posix()}"
                kind = "key" if prefix == "data" else "document" if prefix == "media" else "evidence"
                try:
                    writer.add_file(name, path, kind)
                except FileNotFoundError:
                    vanished += 1       # deleted (disposal) between the listing and the copy
            from importlib.metadata import PackageNotFoundError, version

            try:
                comity_version = version("comity")
            except PackageNotFoundError:
                comity_version = "unknown"
            manifest = {
                "format": archive.FORMAT, "version": archive.VERSION, "backup_id": backup_id, "created": created,
                "comity_version": comity_version,
                "database": {"engine": layout.engine, "member": f"database/{db_file.name}", "method": method},
                "audit_log": dict(log, ledger_key_id=writer.header["signer"]["key_id"]),
                "counts": dict(counts, files=len(files) - vanished, vanished=vanished),
                "keys": keys,
                "layout": {"media_inside_data": layout.inside_data(layout.media_root),
                           "evidence_inside_data": layout.inside_data(layout.evidence_dir)},
            }
            sha = writer.finish(manifest)
            f.flush()
            os.fsync(f.fileno())
        os.rename(partial, out)
    except OSError as e:
        partial.unlink(missing_ok=True)
        raise BackupFailed({"backup": f"cannot write the archive: {e.strerror or e}"
                                      + (f" ({e.filename})" if getattr(e, "filename", None) else "")}) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    included = sorted(k["key"] for k in keys if k["where"] == "included")
    referenced = sorted(k["key"] for k in keys if k["where"] in ("environment", "file"))
    total = writer.plain_bytes
    do_record_backup(backup_id=backup_id, archive_sha256=sha, engine=layout.engine, log_size=log["size"],
                     root_hash=log["root_hash"], members=len(writer.members), total_bytes=total,
                     keys_included=included, keys_referenced=referenced, acting_user=acting_user, via=via)
    return {"file": str(out), "backup_id": backup_id, "sha256": sha, "size": out.stat().st_size,
            "engine": layout.engine, "members": len(writer.members), "bytes": total, "audit_log": log,
            "counts": manifest["counts"], "keys": [{k: v for k, v in e.items() if k != "public_key"} for e in keys]}


# ------------------------------------------------------------------------------------------ restore

def _sqlite_empty(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    # Without a -wal file everything is in the main file: read it as immutable, leaving no -shm/-wal behind.
    immutable = "" if Path(f"{path}-wal").exists() else "&immutable=1"
    con = sqlite3.connect(f"file:{path}?mode=ro{immutable}", uri=True)
    try:
        return con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0
    except sqlite3.DatabaseError:
        return False
    finally:
        con.close()


def _pg_tables() -> int:
    with _pg_connect() as conn:
        return conn.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_schema = 'public'").fetchone()[0]


def _dir_content(path: Path, ignore: set[str]) -> list[str]:
    if not path.exists():
        return []
    if not path.is_dir():
        return [path.name]
    return sorted(n for n in os.listdir(path) if n not in ignore)


@dataclass
class _Root:
    final: Path
    stage: Path
    is_dir: bool
    fresh: bool = True
    moved_aside: Path | None = None
    placed: bool = False


@dataclass
class _Plan:
    layout: Layout
    roots: list[_Root] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _plan(layout: Layout, tag: str) -> _Plan:
    plan = _Plan(layout)
    ignore = set(AUTO_FILES)
    if layout.sqlite_path and layout.inside_data(layout.sqlite_path) and _sqlite_empty(layout.sqlite_path):
        ignore |= {p.name for p in layout.sqlite_files() if p.parent == layout.data_dir}
    dirs = [layout.data_dir] + [p for p in (layout.media_root, layout.evidence_dir) if not layout.inside_data(p)]
    for d in dirs:
        content = _dir_content(d, ignore if d == layout.data_dir else set())
        if d == layout.data_dir:
            # an empty media or evidence folder Comity created is as fresh as none
            content = [n for n in content if not ((d / n).resolve() in (layout.media_root, layout.evidence_dir)
                                                  and not _walk(d / n, set()))]
        if content:
            plan.problems.append(f"the folder {d} is not empty (it holds {', '.join(content[:3])}"
                                 f"{' ...' if len(content) > 3 else ''})")
        plan.roots.append(_Root(d, d.parent / f".{d.name}.restore-{tag}", True, fresh=not content))
    if layout.sqlite_path:
        if not layout.inside_data(layout.sqlite_path):
            p = layout.sqlite_path
            if not _sqlite_empty(p):
                plan.problems.append(f"the database {p} is not empty")
            plan.roots.append(_Root(p, p.parent / f".{p.name}.restore-{tag}", False, fresh=_sqlite_empty(p)))
        elif not _sqlite_empty(layout.sqlite_path):
            plan.problems.append(f"the database {layout.sqlite_path} is not empty")
    else:
        n = _pg_tables()
        if n:
            plan.problems.append(f"the PostgreSQL database is not empty ({n} tables)")
    return plan


def _final_path(layout: Layout, name: str) -> Path:
    top, rest = name.split("/", 1)
    if top == "database":
        if layout.sqlite_path is None:
            raise ArchiveRefused(f"member {name!r}: a SQLite database, but this instance uses PostgreSQL")
        return layout.sqlite_path
    base = {"data": layout.data_dir, "media": layout.media_root, "evidence": layout.evidence_dir}[top]
    return base / rest


def _stage_path(plan: _Plan, final: Path) -> Path:
    for root in plan.roots:
        if not root.is_dir and final == root.final:
            return root.stage
    for root in sorted((r for r in plan.roots if r.is_dir), key=lambda r: len(r.final.parts), reverse=True):
        if final != root.final and root.final in final.parents:
            return root.stage / final.relative_to(root.final)
    raise ArchiveRefused(f"{final} has no place in this instance's folders")


def _place(stage_root: Path, target: Path):
    """Create the member's file in the staging area (0600, parents 0700), refusing to write twice."""
    parent = target.parent
    if not (parent == stage_root or stage_root in parent.parents) and target != stage_root:
        raise ArchiveRefused(f"{target} would leave the staging folder")
    parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise ArchiveRefused(f"two members land on the same file ({target.name}): the archive is damaged") from None
    return os.fdopen(fd, "wb")


_LATEST_HEAD_KEY = "SELECT key_id FROM audit_treehead ORDER BY size DESC, id DESC LIMIT 1"


def _check_sqlite(path: Path, manifest: dict, signer: str) -> None:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ok = con.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise ArchiveRefused(f"the database in the archive does not pass SQLite's check: {ok}")
        latest = con.execute(_LATEST_HEAD_KEY).fetchone()
        if latest is not None and latest[0] != signer:
            raise ArchiveRefused("the archive is not signed by the key that signed its audit log's latest tree head")
        log, _ = _read_snapshot(con.cursor())
    except sqlite3.DatabaseError as e:
        raise ArchiveRefused(f"the database in the archive cannot be read: {e}") from None
    finally:
        con.close()
    _same_log(log, manifest)


def _same_log(log: dict, manifest: dict) -> None:
    want = manifest.get("audit_log") or {}
    if (log["size"], log["root_hash"]) != (want.get("size"), want.get("root_hash")):
        raise ArchiveRefused(f"the restored audit log (size {log['size']}, root {log['root_hash'][:16]}...) is not "
                             f"the one the manifest names (size {want.get('size')}, root "
                             f"{str(want.get('root_hash'))[:16]}...)")


def _load_postgresql(dump: Path, manifest: dict, signer: str, *, force: bool) -> None:
    """The dump into the (empty) database in ONE transaction, with the log's size and the key of its latest
    tree head checked inside it."""
    psql = _need("psql")
    size = int((manifest.get("audit_log") or {}).get("size", -1))
    if not all(c in "0123456789abcdef" for c in signer):
        raise ArchiveRefused("the signer's key id is not hexadecimal")
    wrapper = dump.with_name("restore.sql")
    lines = []
    if force:
        lines += ["DROP SCHEMA IF EXISTS public CASCADE;", "CREATE SCHEMA public;"]
    latest = _LATEST_HEAD_KEY.replace("audit_treehead", "public.audit_treehead")
    lines += [f"\\i {dump}",
              ("DO $$ BEGIN IF (SELECT size FROM public.audit_ledgerstate WHERE id = 1) IS DISTINCT FROM "
               f"{size} THEN RAISE EXCEPTION 'the restored audit log does not have the size the manifest names'; "
               "END IF; END $$;"),
              (f"DO $$ BEGIN IF ({latest}) IS DISTINCT FROM '{signer}' THEN RAISE EXCEPTION 'the archive is not "
               "signed by the key that signed its audit log''s latest tree head'; END IF; END $$;")]
    wrapper.write_text("\n".join(lines) + "\n")
    result = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", str(wrapper)],
                            env=_pg_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        errors = [ln for ln in result.stderr.splitlines() if "ERROR" in ln] or result.stderr.splitlines() or ["?"]
        raise RestoreFailed({"database": f"loading the PostgreSQL dump failed (nothing was kept): {errors[0]}"})


def key_status(keys: list[dict]) -> list[dict]:
    """For each key the archive only references: is it provided here, and is it the same key?"""
    out = []
    for k in keys:
        if k.get("where") not in ("environment", "file"):
            continue
        status = "unknown"
        variable = k.get("variable", "")
        if k["key"] == "ledger_key":
            status = "missing"
            if os.environ.get("COMITY_LEDGER_KEY_PEM", "").strip() or os.environ.get("COMITY_LEDGER_KEY", "").strip():
                from comity.audit import ledger
                from comity.ledger import key_id

                try:
                    same = key_id(ledger.private_key().public_key()) == k.get("fingerprint")
                    status = "matches" if same else "DIFFERENT"
                except Exception:  # noqa: BLE001 - any reason the key cannot be read: say so, restore stands
                    status = "unreadable"
        elif k.get("where") == "environment" and variable:
            value = os.environ.get(variable, "")
            status = "missing" if not value.strip() else (
                "matches" if _fingerprint(value) == k.get("fingerprint") else "DIFFERENT")
        elif k.get("where") == "file":
            status = "present" if k.get("path") and Path(k["path"]).exists() else "missing"
        out.append(dict({x: y for x, y in k.items() if x != "public_key"}, status=status))
    return out


def restore(path: str | os.PathLike, *, passphrase: bytes, force: bool = False, expected_signer: str | None = None,
            limits: Limits | None = None, acting_user=None, via: str = "cli") -> dict:
    """Restore the archive into this instance's (fresh) data folder and (empty) database; see the module."""
    from django.db import connections

    path = Path(path).expanduser()
    if not path.is_file():
        raise InvalidInput({"FILE": f"{path} is not a file"})
    layout = Layout.from_settings()
    tag = uuid.uuid4().hex[:12]
    plan = _plan(layout, tag)
    if plan.problems and not force:
        raise TargetNotEmpty({"target": "refusing to restore over an instance that holds data: "
                                        + "; ".join(plan.problems) + " (restore into a fresh data folder and an "
                                        "empty database, or give --force to replace them; what is replaced is "
                                        "kept beside it)"})
    opened = archive.open_archive(path, expected_signer=expected_signer)      # signature first
    engine = opened.header.get("engine")
    if engine != layout.engine:
        raise ArchiveRefused(f"the archive holds a {engine} database; this instance uses {layout.engine} "
                             "(restore into the same kind of database)")
    enc_key = archive.unlock(opened, passphrase)
    need = opened.data_end - opened.header_end
    free = shutil.disk_usage(layout.data_dir.parent if not layout.data_dir.exists() else layout.data_dir).free
    if need > free:
        raise RestoreFailed({"disk": f"the archive needs up to {need} bytes; {free} are free"})
    dump_dir = Path(tempfile.mkdtemp(prefix=f".comity-restore-{tag}-", dir=layout.data_dir.parent))
    for root in plan.roots:
        if root.is_dir:
            root.stage.mkdir(mode=0o700)

    def sink(name: str):
        if name.startswith("database/") and layout.engine == "postgresql":
            return _place(dump_dir, dump_dir / "dump" / name.split("/", 1)[1])
        final = _final_path(layout, name)
        stage = _stage_path(plan, final)
        root = next(r.stage for r in plan.roots if r.stage == stage or r.stage in stage.parents)
        return _place(root if root.is_dir() else root.parent, stage)

    try:
        try:
            manifest = archive.extract(path, opened, enc_key, sink, limits)
        except OSError as e:
            raise RestoreFailed({"restore": f"cannot write the restored files: {e.strerror or e}"}) from None
        db = manifest.get("database") or {}
        if db.get("engine") != layout.engine:
            raise ArchiveRefused("the manifest's database engine differs from the header's: the archive is damaged")
        if manifest.get("audit_log", {}).get("ledger_key_id") != opened.signer_key_id:
            raise ArchiveRefused("the archive is signed by another key than the one its audit log names")
        if layout.engine == "sqlite":
            _check_sqlite(_stage_path(plan, layout.sqlite_path), manifest, opened.signer_key_id)
        else:
            dumps = list((dump_dir / "dump").glob("*"))
            if len(dumps) != 1:
                raise ArchiveRefused("the archive holds no database dump")
            connections.close_all()
            _load_postgresql(dumps[0], manifest, opened.signer_key_id, force=force)
        # Into place: what is there moves aside (kept when it held data), then the staging folders move in.
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        try:
            for root in plan.roots:
                if root.final.exists() or root.final.is_symlink():
                    root.moved_aside = root.final.parent / f"{root.final.name}.replaced-{stamp}"
                    os.rename(root.final, root.moved_aside)
                os.rename(root.stage, root.final)
                root.placed = True
        except OSError as e:
            for root in reversed(plan.roots):       # undo the renames already made
                if root.placed:
                    os.rename(root.final, root.stage)
                if root.moved_aside is not None and root.moved_aside.exists():
                    os.rename(root.moved_aside, root.final)
            raise RestoreFailed({"restore": f"cannot move the restored files into place: {e.strerror or e}"}) from None
    finally:
        shutil.rmtree(dump_dir, ignore_errors=True)
        for root in plan.roots:
            if not root.placed:
                if root.stage.is_dir():
                    shutil.rmtree(root.stage, ignore_errors=True)
                else:
                    root.stage.unlink(missing_ok=True)
    kept = []
    for root in plan.roots:
        if root.moved_aside is not None:
            if root.fresh:
                shutil.rmtree(root.moved_aside, ignore_errors=True) if root.moved_aside.is_dir() \
                    else root.moved_aside.unlink(missing_ok=True)
            else:
                kept.append(str(root.moved_aside))
    # The restored instance: its log is the archive's, then the restore itself is logged.
    connections.close_all()
    from comity.audit.models import LedgerState

    state = LedgerState.objects.get(pk=1)
    from comity.ledger import CompactRange

    rng = CompactRange.from_dict(state.compact)
    _same_log({"size": rng.size, "root_hash": rng.root().hex()}, manifest)
    keys = key_status(manifest.get("keys") or [])
    from comity.backup.actions import do_record_restore

    members = manifest["members"]
    do_record_restore(backup_id=manifest["backup_id"], archive_sha256=opened.file_sha256, engine=layout.engine,
                      log_size=rng.size, root_hash=rng.root().hex(), members=len(members),
                      total_bytes=sum(m["size"] for m in members), signer=opened.signer_key_id, forced=bool(kept),
                      keys_referenced=[k["key"] for k in keys], acting_user=acting_user, via=via)
    from importlib.metadata import PackageNotFoundError, version

    try:
        running = version("comity")
    except PackageNotFoundError:
        running = "unknown"
    return {"backup_id": manifest["backup_id"], "created": manifest.get("created"), "sha256": opened.file_sha256,
            "comity_version": manifest.get("comity_version"), "running_version": running,
            "signer": opened.signer_key_id, "engine": layout.engine, "members": len(members),
            "bytes": sum(m["size"] for m in members), "audit_log": manifest.get("audit_log"),
            "counts": manifest.get("counts"), "keys": keys, "replaced_kept_at": kept,
            "data_dir": str(layout.data_dir)}


# ------------------------------------------------------------------------------------------ what the CLI prints

def _key_line(k: dict) -> str:
    where = k.get("where")
    if where == "included":
        return f"  {k['key']}: included ({k.get('member')})"
    if where == "environment":
        return f"  {k['key']}: NOT in the archive: kept in the environment variable {k.get('variable')}" + (
            f" (fingerprint {k['fingerprint'][:16]})" if k.get("fingerprint") else "")
    if where == "file":
        return f"  {k['key']}: NOT in the archive: kept in the file {k.get('path')} ({k.get('variable')})"
    return f"  {k['key']}: none yet ({k.get('variable', '')} unset, no file in the data folder)"


def backup_text(out: dict) -> str:
    log = out["audit_log"]
    c = out["counts"]
    lines = [f"backup written: {out['file']} ({out['size']} bytes, SHA-256 {out['sha256']})",
             (f"  {out['engine']} database, {c['cases']} cases, {c['documents']} documents, {c['evidence_items']} "
              f"evidence items, {c['files']} files; {out['members']} members, {out['bytes']} bytes before encryption"),
             f"  audit log: {log['size']} events, root {log['root_hash']}, {log['signed_heads']} signed tree heads",
             "keys:"]
    lines += [_key_line(k) for k in out["keys"]]
    if any(k.get("where") in ("environment", "file") for k in out["keys"]):
        lines.append("  Keys NOT in the archive must be backed up apart, by whoever keeps them: a restore needs them.")
    return "\n".join(lines)


def restore_text(out: dict) -> str:
    log = out["audit_log"] or {}
    c = out["counts"] or {}
    lines = [f"restored backup {out['backup_id']} taken {out['created']} (archive SHA-256 {out['sha256']})",
             (f"  signed by ledger key {out['signer']}: check it is your instance's (the key_id of its signed "
              "tree heads, which its witnesses know); pin it next time with --signer"),
             (f"  {out['engine']} database: {c.get('cases')} cases, {c.get('documents')} documents, "
              f"{c.get('evidence_items')} evidence items; {out['members']} members, every hash checked"),
             (f"  audit log: {log.get('size')} events, root {log.get('root_hash')} (as at backup time); "
              "this restore is logged as the next event")]
    for k in out["keys"]:
        where = f"the environment variable {k.get('variable')}" if k.get("where") == "environment" else \
            f"the file {k.get('path')} ({k.get('variable')})"
        if k["status"] in ("matches", "present"):
            lines.append(f"  {k['key']}: kept outside the archive in {where}; provided here"
                         + (", the same key" if k["status"] == "matches" else ""))
        elif k["status"] == "DIFFERENT":
            lines.append(f"  {k['key']}: DIFFERENT: the key provided here is not the one the backup used ({where})")
        else:
            lines.append(f"  {k['key']}: MISSING: it was kept outside the archive in {where}; provide the same key "
                         "here before starting Comity")
    if out.get("comity_version") != out.get("running_version"):
        lines.append(f"  the archive was taken by Comity {out.get('comity_version')}; this is {out.get('running_version')}:"
                     " run comity migrate before starting it")
    for kept in out["replaced_kept_at"]:
        lines.append(f"  what was there before is kept at {kept}")
    lines.append("next: comity audit verify; comity evidence verify --all --user ADMIN")
    return "\n".join(lines)
