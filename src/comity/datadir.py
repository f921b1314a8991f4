"""The data folder's permissions: what Comity keeps there is for its own account only.

settings.py sets the process umask to 077, so everything Comity writes (the SQLite database and its
-wal/-shm, documents, evidence, keys, the local time-stamping authority) is created 0600 and folders
0700, and FILE_UPLOAD_PERMISSIONS / FILE_UPLOAD_DIRECTORY_PERMISSIONS say the same for uploads. Files
copied in by hand, restored from a backup or left by an earlier version keep their mode: the system
check below (`comity check`, and every `comity migrate`) warns about any that other accounts can read,
naming them. Collected static files are public and not checked.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from django.conf import settings
from django.core import checks

_SHOWN = 10


def roots() -> list[Path]:
    """The folders Comity writes to, and the SQLite database wherever it lives."""
    out = [Path(settings.DATA_DIR), Path(settings.MEDIA_ROOT)]
    evidence = getattr(settings, "COMITY_EVIDENCE_DIR", None)
    if evidence:
        out.append(Path(evidence))
    db = settings.DATABASES.get("default", {})
    if db.get("ENGINE") == "django.db.backends.sqlite3" and str(db.get("NAME", "")) not in ("", ":memory:"):
        name = Path(str(db["NAME"]))
        out += [p for p in (name, Path(f"{name}-wal"), Path(f"{name}-shm"), Path(f"{name}-journal")) if p.exists()]
    return out


def exposed_paths() -> list[tuple[Path, int]]:
    """Files and folders under the roots that another account could read, write or enter (mode & 077)."""
    static = Path(settings.STATIC_ROOT).resolve() if getattr(settings, "STATIC_ROOT", None) else None
    seen: set[Path] = set()
    found: list[tuple[Path, int]] = []

    def consider(path: Path) -> None:
        path = path.resolve() if not path.is_symlink() else path
        if path in seen:
            return
        seen.add(path)
        try:
            mode = stat.S_IMODE(os.lstat(path).st_mode)
        except OSError:
            return
        if not os.path.islink(path) and mode & 0o077:
            found.append((path, mode))

    for root in roots():
        if not root.exists():
            continue
        consider(root)
        if not root.is_dir():
            continue
        for dirpath, dirs, files in os.walk(root):
            here = Path(dirpath)
            dirs[:] = [d for d in dirs if static is None or (here / d).resolve() != static]
            for name in dirs + files:
                consider(here / name)
    return sorted(found)


@checks.register()
def permissions_check(app_configs=None, **kwargs):
    found = exposed_paths()
    if not found:
        return []
    shown = ", ".join(f"{p} ({m:04o})" for p, m in found[:_SHOWN])
    more = f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
    dirs = {r.resolve() for r in roots() if r.is_dir()}
    folders = " ".join(sorted(str(d) for d in dirs if not any(o != d and o in d.parents for o in dirs)))
    return [checks.Warning(
        f"{len(found)} file(s) or folder(s) of the data folder can be read by other accounts on this machine: "
        f"{shown}{more}", id="datadir.W001",
        hint=f"Make them private to the account Comity runs as: chmod -R go-rwx {folders}")]
