"""A progress bar on stderr when it is a terminal (nothing otherwise: logs and pipes stay clean)."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, total: int | None = None, stream=None):
        self.label, self.total = label, total
        self.stream = stream or sys.stderr
        self.on = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.t0 = time.monotonic()
        self.last = 0.0

    def update(self, n: int) -> None:
        if not self.on or time.monotonic() - self.last < 0.2:
            return
        self.last = time.monotonic()
        if self.total:
            width = 30
            done = int(width * n / self.total)
            bar = "#" * done + "-" * (width - done)
            self.stream.write(f"\r{self.label} [{bar}] {n}/{self.total}")
        else:
            self.stream.write(f"\r{self.label} {n}")
        self.stream.flush()

    def done(self, n: int | None = None) -> None:
        if self.on:
            n = self.total if n is None else n
            self.stream.write(f"\r{self.label}: {n} in {time.monotonic() - self.t0:.1f} s" + " " * 20 + "\n")
            self.stream.flush()
