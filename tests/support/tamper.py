"""What the tamper campaigns share (evidence, audit log, documents): apply one tamper inside a transaction
that is rolled back, run the verification, put the files back, and say whether the verification caught it."""

from __future__ import annotations

from pathlib import Path

from django.db import DataError, IntegrityError, transaction
from hypothesis import assume


class _Rollback(Exception):
    pass


def caught(tamper, verifies, files=()) -> bool:
    """True when `verifies()` fails after `tamper()`. A tamper the database itself refuses (a unique or
    foreign key, a value out of range) or that returns False did not happen, and the example is skipped.
    The database change is rolled back and each of `files` gets its bytes back, so examples share one set-up."""
    saved = {Path(p): Path(p).read_bytes() for p in files}
    result = None
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    applied = tamper()
            except (IntegrityError, DataError):
                applied = False
            if applied is False:
                raise _Rollback
            result = not verifies()
            raise _Rollback
    except _Rollback:
        pass
    finally:
        for path, blob in saved.items():
            path.write_bytes(blob)
    assume(result is not None)
    return result
