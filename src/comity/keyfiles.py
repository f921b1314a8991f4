"""One way to load a 256-bit secret key: from an environment variable, else from a file in the data
folder created once (mode 0600 from the start, O_EXCL so two processes starting together cannot write
different keys). Used by the protected-person seal and the second-factor secrets; pure Python."""

from __future__ import annotations

import base64
import os
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
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
                f.flush()
                os.fsync(f.fileno())
    return decode_key(path.read_text(), str(path), error)
