"""Reading the files screening is given, plain or gzipped, within limits (the only module of comity.screening
that opens gzip).

Lists come from the internet (OpenSanctions exports, OFAC, the FBI API) and index files may come from elsewhere:
a gzip bomb (a small file that expands to gigabytes) or one endless line must end in a clear error naming the
file, not in an exhausted machine. Reading streams; the decompressed bytes are counted as they come out:

- MAX_INPUT_BYTES (8 GiB; COMITY_SCREENING_MAX_INPUT_BYTES overrides it, read at each call): no file expands
  beyond it;
- MAX_RATIO (200): once more than RATIO_FLOOR (64 MiB) has come out of a gzipped file, it may not have expanded
  more than 200 times its compressed size (JSON text compresses about 10 times; bombs 1,000 times and more);
- MAX_LINE_BYTES (64 MiB): no line is longer (a line is one entity).
"""

from __future__ import annotations

import gzip
import io
import os
from pathlib import Path

from comity.errors import InvalidInput

MAX_INPUT_BYTES = 8 * 1024**3
MAX_RATIO = 200
RATIO_FLOOR = 64 * 1024**2
MAX_LINE_BYTES = 64 * 1024**2


def max_input_bytes() -> int:
    raw = os.environ.get("COMITY_SCREENING_MAX_INPUT_BYTES", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else MAX_INPUT_BYTES


class _Bounded(io.RawIOBase):
    """A binary stream that refuses to give more than the limits allow."""

    def __init__(self, raw, *, name: str, label: str, compressed: int | None):
        self._raw, self._name, self._label, self._compressed = raw, name, label, compressed
        self._limit = max_input_bytes()
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        n = self._raw.readinto(buf)
        if not n:
            return 0
        self.count += n
        if self.count > self._limit:
            raise InvalidInput({self._label: f"{self._name} expands beyond the limit of {self._limit:,} bytes "
                                             "(COMITY_SCREENING_MAX_INPUT_BYTES); nothing was loaded"})
        if self._compressed is not None and self.count > RATIO_FLOOR and self.count > MAX_RATIO * self._compressed:
            raise InvalidInput({self._label: f"{self._name} expands more than {MAX_RATIO} times its compressed size "
                                             f"({self._compressed:,} bytes): refused as a gzip bomb; nothing was loaded"})
        return n

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


def open_input(path: str | Path, *, label: str) -> io.BufferedReader:
    """A binary reader of `path` (gunzipped when it is gzip), bounded as above; `label` names the field in
    errors ("list", "queries", "index", "files")."""
    p = Path(path)
    try:
        with open(p, "rb") as f:
            gzipped = f.read(2) == b"\x1f\x8b"  # gzip's magic number, whatever the file is called
        if gzipped:
            raw, compressed = gzip.open(p, "rb"), p.stat().st_size
        else:
            raw, compressed = open(p, "rb"), None
    except OSError as e:
        raise InvalidInput({label: f"{p.name} cannot be read ({e.strerror or e})"}) from None
    return io.BufferedReader(_Bounded(raw, name=p.name, label=label, compressed=compressed), 1024 * 1024)


def lines(reader, *, name: str, label: str):
    """The lines of a binary reader, refusing one longer than MAX_LINE_BYTES."""
    while True:
        line = reader.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            raise InvalidInput({label: f"{name} has a line longer than {MAX_LINE_BYTES:,} bytes; nothing was loaded"})
        yield line


def read_text(path: str | Path, *, label: str) -> str:
    """The whole of a (small) file as UTF-8 text, bounded as above."""
    p = Path(path)
    try:
        with open_input(p, label=label) as f:
            data = f.read()
    except (OSError, EOFError) as e:  # a damaged gzip stream
        raise InvalidInput({label: f"{p.name} cannot be read ({e})"}) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput({label: f"{p.name} is not UTF-8 text"}) from None


def gzip_writer(path: str | Path):
    """A text writer that gzips into `path` (index files)."""
    return gzip.open(Path(path), "wt", encoding="utf-8", compresslevel=3)
