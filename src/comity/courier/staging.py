"""Attachment chunks that arrived before their message: kept as received (sealed, so still encrypted to this
authority) under the data folder, one file per chunk, written whole or not at all; assembled, checked against
the signed manifest and moved into the case's encrypted document storage when the message arrives."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from comity.courier import local
from comity.exchange import Rejected
from comity.exchange.message import decrypt_stored_chunk

MID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _dir(mid: str, att: int) -> Path:
    if not MID.match(mid):
        raise Rejected("malformed", "a message id is a UUID")
    return local.folder() / "staging" / mid / str(int(att))


def chunk_path(mid: str, att: int, idx: int) -> Path:
    return _dir(mid, att) / f"{int(idx)}.jose"


def keep(mid: str, att: int, idx: int, token: bytes, digest: str) -> bool:
    """Keep a verified chunk; False when the same chunk was already kept (a retry). Its digest is written first,
    each file whole or not at all, so a crash never leaves a chunk without its digest (which no retry could
    repair); a chunk without its digest (kept by an earlier version) is kept again."""
    path = chunk_path(mid, att, idx)
    digest_path = path.parent / f"{int(idx)}.sha256"
    if path.exists() and digest_path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for target, data in ((digest_path, digest.encode("ascii")), (path, token)):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part.")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    return True


class Assembled:
    """An attachment read back chunk by chunk (decrypted as it is read), for the document storage."""

    def __init__(self, mid: str, ref):
        self.mid, self.ref = mid, ref
        self.name, self.size, self.content_type = ref.name, ref.size, ref.media_type
        self._iter = None
        self._current, self._pos = b"", 0

    def check(self) -> None:
        """Every chunk is there and matches the manifest (read without decrypting: the digest kept on arrival)."""
        for idx, expected in enumerate(self.ref.chunks):
            path = chunk_path(self.mid, self.ref.index, idx)
            if not path.exists():
                raise Rejected("missing_attachment", f"attachment {self.ref.index} chunk {idx}")
            if (path.parent / f"{idx}.sha256").read_text().strip() != expected:
                raise Rejected("hash_mismatch", f"attachment {self.ref.index} chunk {idx}")

    def chunks(self, chunk_size=None):
        whole = hashlib.sha256()
        for idx, expected in enumerate(self.ref.chunks):
            data = decrypt_stored_chunk(chunk_path(self.mid, self.ref.index, idx).read_bytes(), me=local.keys())
            if hashlib.sha256(data).hexdigest() != expected:
                raise Rejected("hash_mismatch", f"attachment {self.ref.index} chunk {idx}")
            whole.update(data)
            if data:
                yield data
        if whole.hexdigest() != self.ref.sha256:
            raise Rejected("hash_mismatch", f"attachment {self.ref.index} as a whole")

    def seek(self, pos: int) -> None:
        self._iter, self._current, self._pos = None, b"", 0

    def read(self, n: int = -1) -> bytes:
        """At most `n` bytes (all that is left when n < 0). Only the bytes asked for are copied: a 4 MiB chunk read
        64 KiB at a time is sliced, never re-copied whole (the copies made reading 1 GiB quadratic and let the
        allocator's heap grow to hundreds of MB)."""
        if self._iter is None:
            self._iter, self._current, self._pos = self.chunks(), b"", 0
        parts = []
        need = n if n >= 0 else float("inf")
        while need > 0:
            if self._pos >= len(self._current):
                try:
                    self._current, self._pos = next(self._iter), 0
                except StopIteration:
                    break
            piece = self._current[self._pos:self._pos + need] if need != float("inf") else self._current[self._pos:]
            self._pos += len(piece)
            need -= len(piece)
            parts.append(piece)
        return parts[0] if len(parts) == 1 else b"".join(parts)


def discard(mid: str) -> None:
    if MID.match(mid):
        shutil.rmtree(local.folder() / "staging" / mid, ignore_errors=True)


def cleanup(max_age) -> int:
    """Remove chunks of messages that never arrived (their sender gave up) after `max_age`."""
    import time

    root = local.folder() / "staging"
    if not root.exists():
        return 0
    removed = 0
    limit = time.time() - max_age.total_seconds()
    for folder in root.iterdir():
        try:
            newest = max((p.stat().st_mtime for p in folder.rglob("*")), default=folder.stat().st_mtime)
        except FileNotFoundError:
            continue
        if newest < limit:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
