"""The API test matrix: every operation, five callers, two transports (README.md)."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass
class Call:
    method: str
    path: str
    json: dict | None = None
    query: dict | None = None
    files: dict[str, tuple[str, bytes]] | None = None
    data: dict | None = None
    headers: dict | None = None
    ok: int = 200
    scope: str = "case"
    reads_by_oversight: bool = True
    expect: dict | None = None  # caller -> set of statuses, where the scope's rule does not fit (README.md)

    @property
    def write(self) -> bool:
        return self.method.upper() in ("POST", "PUT", "PATCH", "DELETE")


@dataclasses.dataclass
class World:
    """Accounts, tokens and a case with an extradition request, made through the actions."""
    tag: str
    member: Any = None          # supervisor, member of `case`
    outsider: Any = None        # supervisor, member of nothing here
    overseer: Any = None        # oversight user
    admin: Any = None           # administrator
    colleague: Any = None       # caseworker, member of `case` (for four-eyes steps)
    tokens: dict = dataclasses.field(default_factory=dict)  # caller -> raw token
    case: Any = None
    request: Any = None
    extra: dict = dataclasses.field(default_factory=dict)
    n: int = 0

    def fresh_case(self, *, kind: str = "extradition", title: str = "Matrix matter"):
        """A new case of the member's, with one request in it (another helper may need its own)."""
        from comity.cases import actions

        self.n += 1
        case = actions.do_create_case(title=f"{title} {self.n}", summary="Made by the API matrix",
                                      acting_user=self.member)
        actions.do_grant_membership(case, self.colleague, acting_user=self.member)
        req = actions.do_create_request(
            case, kind=kind, direction="outgoing", subject="Surrender of a fictional person",
            requesting_state="IT", requested_state="CH", legal_basis="European Convention on Extradition 1957",
            legal_basis_instrument="CETS-024" if kind == "extradition" else "", acting_user=self.member)
        return case, req
