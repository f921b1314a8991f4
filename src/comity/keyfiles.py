"""One way to load a 256-bit secret key: from an environment variable, else from a file in the data
folder created once (`create_once`: written whole to a private temporary file, then linked into place, so
two processes starting together cannot write different keys and a crash never leaves an empty or partial
key file). Used by the protected-person seal, the second-factor secrets, the ledger key, the evidence
keyring and the local time-stamping authority; pure Python."""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path
from typing import Callable


def decode_key(text: str, where: str, error: Callable[[str], Exception] = RuntimeError) -> bytes:
    """A 32-byte key from URL-safe or standard base64 (padding optional); `error` builds the exception."""
    text = text.strip()
    try:
        key = base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise error(f"{where} is not base64") from None
    if len(key) != 32:
        raise error(f"{where} must decode to 32 bytes (AES-256); it is {len(key)} bytes")
    return key


def load_or_create_key(env_var: str, path: Path, error: Callable[[str], Exception] = RuntimeError) -> bytes:
    """The key in `env_var` if set, else the key in `path`, created once with a new random key."""
    env = os.environ.get(env_var, "").strip()
    if env:
        return decode_key(env, env_var, error)
    if not path.exists():
        create_once(path, (base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n").encode())
    return decode_key(path.read_text(), str(path), error)


def create_once(path: Path, data: bytes) -> bool:
    """Create `path` (mode 0600) holding exactly `data`, unless it exists; True when this call created it.

    The bytes are written and synced to a private temporary file beside it, which is then hard-linked to
    `path` (link fails if `path` exists, so the first process wins) and removed: whoever finds `path` finds
    it whole, even after a crash mid-write, which would otherwise leave an empty key that refuses every start."""
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return True
    finally:
        os.unlink(tmp)
