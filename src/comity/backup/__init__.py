"""Backup and restore of a whole instance: `comity backup --out FILE` and `comity restore FILE`.

archive.py   the archive format (pure Python): encrypted (scrypt + AES-256-GCM in chunks), signed (Ed25519)
service.py   what goes into an archive (database snapshot, documents, evidence, keys or references to
             them) and how it is put back (into a fresh data folder and an empty database, all or nothing)
actions.py   the audited actions: a backup taken, a restore performed
See docs/operations.md, "Backup and restore".
"""
