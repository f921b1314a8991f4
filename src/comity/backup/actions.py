"""The audited state changes of backup and restore (docs/architecture.md, "One write path").

The events carry the archive's id and SHA-256, the size and root hash of the audit log it holds, the
database engine, counts and key names: never file names (a document's stored name may derive from what
its uploader called it)."""

from __future__ import annotations

from django.db import transaction

from comity import audit


def do_record_backup(*, backup_id: str, archive_sha256: str, engine: str, log_size: int, root_hash: str,
                     members: int, total_bytes: int, keys_included: list[str], keys_referenced: list[str],
                     acting_user=None, via: str = "cli") -> None:
    """Log, in the instance backed up, that an archive was written (after it was complete)."""
    with transaction.atomic():
        audit.record("backup.created", actor=acting_user, category="security", via=via,
                     new={"backup_id": backup_id, "archive_sha256": archive_sha256, "engine": engine,
                          "log_size": log_size, "root_hash": root_hash, "members": members, "bytes": total_bytes,
                          "keys_included": sorted(keys_included), "keys_referenced": sorted(keys_referenced)})


def do_record_restore(*, backup_id: str, archive_sha256: str, engine: str, log_size: int, root_hash: str,
                      members: int, total_bytes: int, signer: str, forced: bool, keys_referenced: list[str],
                      acting_user=None, via: str = "cli") -> None:
    """Log, in the restored instance, that it was brought up from an archive (the first event after the
    restored log, so the log itself says where its history came from)."""
    with transaction.atomic():
        audit.record("backup.restored", actor=acting_user, category="security", via=via,
                     new={"backup_id": backup_id, "archive_sha256": archive_sha256, "engine": engine,
                          "log_size": log_size, "root_hash": root_hash, "members": members, "bytes": total_bytes,
                          "signer": signer, "forced": forced, "keys_referenced": sorted(keys_referenced)})
