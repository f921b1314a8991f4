"""One exception hierarchy for the ledger.

Every error carries a structured ``errors`` list: one :class:`FieldError` per problem, naming the
field (a dotted path such as ``"checkpoints[3].root_hash"`` or ``"inclusion_path[2]"``) and the
reason in words.  The HTTP API and the CLI print these as they are; nothing here ever needs a
traceback to be understood.

Two kinds are kept apart because the oversight CLI maps them to different exit codes:

* :class:`InvalidInputError` -- the input is malformed (bad hex, wrong length, negative size,
  ``m > n``, truncated JSON, an unreadable key).  Nothing was verified.
* :class:`VerificationError` -- the input is well formed, but a proof, signature or root does not
  check out.  This is evidence of tampering (or of a wrong key), not a usage mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from comity import errors as _errors


@dataclass(frozen=True)
class FieldError:
    """One problem: which field, and why."""

    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class LedgerError(_errors.ComityError):
    """Base of every error raised by :mod:`comity.ledger`: ``problems`` is the list of FieldError,
    ``errors`` the package-wide {field: reason} (comity.errors)."""

    code = "ledger_error"

    def __init__(self, errors: Iterable[FieldError] | FieldError) -> None:
        if isinstance(errors, FieldError):
            errors = [errors]
        problems: list[FieldError] = list(errors)
        if not problems:  # an error with nothing in it would be unexplainable
            problems = [FieldError("input", "unspecified error")]
        fields: dict[str, str] = {}
        for p in problems:
            fields.setdefault(p.field, p.reason)
        super().__init__(fields, message="; ".join(str(e) for e in problems), problems=problems)

    @classmethod
    def single(cls, field: str, reason: str) -> "LedgerError":
        return cls([FieldError(field, reason)])

    def as_dicts(self) -> list[dict[str, str]]:
        return [e.as_dict() for e in self.problems]


class InvalidInputError(LedgerError, _errors.InvalidInput):
    """Malformed input: nothing could be verified."""

    code = "invalid_input"


class VerificationError(LedgerError, _errors.IntegrityError):
    """Well-formed input that does not verify (tampering, or the wrong key)."""

    code = "verification_failed"
