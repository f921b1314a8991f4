"""Backup and restore benchmark: `comity backup` and `comity restore` on the instance in COMITY_DATA_DIR.

    python benchmarks/bench_backup.py [--documents 200] [--evidence-mib 256] [--events 200000] [--keep]

The instance (COMITY_DATA_DIR / DATABASE_URL; a new temporary one when COMITY_DATA_DIR is unset) is first
brought up to the sizes asked for, counting what it already holds (re-runnable: a second run adds nothing),
with case documents, evidence files (hashed and encrypted by the real actions) and audit events (real log
entries). Then, with the real key derivation (scrypt 2^17 unless COMITY_BACKUP_SCRYPT_LOG2N says otherwise):
  * backup: seconds, archive size, MB/s over the bytes archived, and the same for the database snapshot alone;
  * restore into a NEW data folder (on PostgreSQL into a NEW database): seconds of `comity restore` as an
    operator runs it (a process of its own, Django start-up included), MB/s;
  * the restored instance is then checked: `comity audit verify --fast` must pass with the archive's log plus
    the restore's own event, and the archive's SHA-256 must be the one the restore read. Otherwise the
    benchmark timed the wrong thing and stops with BENCHMARK FAILED.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("COMITY_DATA_DIR", tempfile.mkdtemp(prefix="comity-bench-backup-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django

django.setup()

from _support import BenchmarkError, account, append_events
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

TAG = "Backup benchmark"
PASSPHRASE = os.environ.get("COMITY_BACKUP_PASSPHRASE") or "benchmark passphrase, not a secret"


def seed(documents: int, evidence_mib: int, events: int) -> dict:
    """Bring the instance up to the sizes asked for; what an earlier run added counts."""
    from django.utils import timezone

    from comity.audit.models import AuditEvent
    from comity.cases import actions
    from comity.cases.models import Case, Document
    from comity.evidence import actions as evidence
    from comity.evidence import keys as evidence_keys
    from comity.evidence.models import EvidenceItem

    if not evidence_keys.uses_env() and not evidence_keys.keyring_path().exists():
        evidence.do_init_master_key(via="cli")
    user = account("bench-backup", "supervisor")
    case = Case.objects.filter(title=TAG).first() or actions.do_create_case(title=TAG, acting_user=user, via="cli")
    have = Document.objects.filter(case=case).count()
    for i in range(have, documents):
        actions.do_upload_document(case, upload=SimpleUploadedFile(f"bench-{i}.bin", os.urandom(64 * 1024)),
                                   title=f"Bench document {i}", acting_user=user, via="cli")
    per_item = 16 * 1024 * 1024
    have_bytes = sum(EvidenceItem.objects.filter(case=case).values_list("size", flat=True))
    tmp = Path(tempfile.mkdtemp(prefix="comity-bench-evidence-"))
    try:
        n = 0
        while have_bytes < evidence_mib * 1024 * 1024:
            src = tmp / f"exhibit-{n}.bin"
            with open(src, "wb") as f:
                f.writelines(os.urandom(1 << 20) for _ in range(per_item // (1 << 20)))
            evidence.do_register_evidence(case, kind="digital", title=f"Bench exhibit {n}", acting_user=user,
                                          date_obtained=timezone.localdate(), source_path=src, place="bench",
                                          via="cli")
            src.unlink()
            have_bytes += per_item
            n += 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    missing = events - AuditEvent.objects.count()
    if missing > 0:
        now = timezone.now()
        append_events({"time": now, "category": "access", "event_type": "access.case_view", "actor": user,
                       "case_id": case.pk, "object_type": "Case", "object_id": str(case.pk), "old_values": None,
                       "new_values": {"page": i}, "purpose": "", "via": "cli"} for i in range(missing))
    return {"documents": Document.objects.count(), "evidence_items": EvidenceItem.objects.count(),
            "events": AuditEvent.objects.count()}


def _new_database() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    import psycopg

    name = f"bench_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def _drop_database(url: str) -> None:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--documents", type=int, default=200, help="case documents of 64 KiB (at least)")
    p.add_argument("--evidence-mib", type=int, default=256, help="evidence files, in MiB (at least)")
    p.add_argument("--events", type=int, default=200_000, help="audit events (at least)")
    p.add_argument("--keep", action="store_true", help="keep the archive and the restored instance")
    args = p.parse_args()

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    sizes = seed(args.documents, args.evidence_mib, args.events)

    from comity.backup import service

    work = Path(tempfile.mkdtemp(prefix="comity-bench-archive-"))
    out = work / "instance.cbk"
    os.environ.setdefault("COMITY_BACKUP_PASSPHRASE", PASSPHRASE)
    t = time.perf_counter()
    made = service.take_backup(out, passphrase=PASSPHRASE.encode())
    backup_s = time.perf_counter() - t
    layout = service.Layout.from_settings()
    t = time.perf_counter()
    db_only = work / ("db-only.sqlite3" if layout.engine == "sqlite" else "db-only.sql")
    if layout.engine == "sqlite":
        service.snapshot_sqlite(layout.sqlite_path, db_only)
    else:
        service.snapshot_postgresql(db_only)
    db_bytes = db_only.stat().st_size
    snapshot_s = time.perf_counter() - t
    for f in work.glob("db-only.*"):
        f.unlink()

    # Restore as an operator would: its own process, a new data folder, a new database.
    target = work / "restored"
    env = {k: v for k, v in os.environ.items() if k not in ("COMITY_DATA_DIR", "DATABASE_URL", "COMITY_MEDIA_ROOT")}
    env.update(COMITY_DATA_DIR=str(target), COMITY_BACKUP_PASSPHRASE=PASSPHRASE)
    if os.environ.get("COMITY_MEDIA_ROOT"):
        env["COMITY_MEDIA_ROOT"] = str(target / "media")
    new_db = _new_database()
    if new_db:
        env["DATABASE_URL"] = new_db
    comity = [sys.executable, "-m", "comity.cli"]
    try:
        t = time.perf_counter()
        restored = subprocess.run([*comity, "restore", str(out), "--json"], env=env, capture_output=True, text=True, check=False)
        restore_s = time.perf_counter() - t
        if restored.returncode != 0:
            raise BenchmarkError(f"the restore was refused: {restored.stderr.strip()}")
        got = json.loads(restored.stdout)
        if got["sha256"] != made["sha256"] or got["audit_log"]["size"] != made["audit_log"]["size"]:
            raise BenchmarkError("the restore read another archive or another log than the backup wrote")
        t = time.perf_counter()
        verify = subprocess.run([*comity, "audit", "verify", "--fast", "--json"], env=env, capture_output=True,
                                text=True, check=False)
        verify_s = time.perf_counter() - t
        result = json.loads(verify.stdout or "{}")
        if not result.get("ok") or result.get("log_size") != made["audit_log"]["size"] + 1:
            raise BenchmarkError(f"the restored audit log does not verify: {verify.stdout[-500:]} {verify.stderr[-500:]}")
    finally:
        if new_db and not args.keep:
            _drop_database(new_db)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    mb = made["bytes"] / 1e6
    print(f"instance: {settings.DATA_DIR} ({made['engine']}): {sizes['documents']} documents, "
          f"{sizes['evidence_items']} evidence items, {sizes['events']} audit events before the backup; "
          f"database snapshot {db_bytes / 1e6:.1f} MB")
    print(f"backup:  {backup_s:7.2f} s  archive {made['size'] / 1e6:.1f} MB ({made['members']} members, "
          f"{mb:.1f} MB archived, {mb / backup_s:.0f} MB/s); database snapshot alone {snapshot_s:.2f} s")
    print(f"restore: {restore_s:7.2f} s  ({mb / restore_s:.0f} MB/s, one `comity restore` process, start-up "
          f"included)")
    print(f"verify:  {verify_s:7.2f} s  `comity audit verify --fast` on the restored instance: OK, "
          f"{result['log_size']} events")
    if args.keep:
        print(f"kept: {out} and {target}" + (f" (database {new_db})" if new_db else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
