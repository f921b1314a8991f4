"""One exception for bad input across the Django side: a dict of field -> reason.

Views turn it into form errors, the API into a 422 with `{"errors": {...}}`, the CLI into exit code 2.
"""

from __future__ import annotations


class InvalidInput(Exception):
    """Input that cannot be accepted; `errors` maps each field to a reason a person can act on."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in self.errors.items()))


class NotAllowed(Exception):
    """The acting user may not do this (role or lifecycle guard); the message says why."""


class NotFound(Exception):
    """The object does not exist, or the user may not know that it exists (compartments)."""
