"""Matrix examples of the operations every area shares: the law, the audit log's proofs, the event feed, the
assessment of facts, deadlines (README.md)."""

from __future__ import annotations

from tests.api.matrix import Call


def _seq(world) -> int:
    from comity.audit.models import AuditEvent

    return AuditEvent.objects.filter(case_id=world.case.pk, seq__isnull=False).order_by("-seq").values_list(
        "seq", flat=True)[0]


FACTS = {"kind": "extradition", "requesting_state": "US", "requested_state": "GB", "date": "2024-06-01",
         "purpose": "prosecution",
         "offences": [{"description": "fraud", "max_penalty_months": 120, "criminal_in_requested": True}]}
# The audit log's proofs are open to supervisors, administrators and oversight users (not to caseworkers): the
# outsider of the matrix is a supervisor, so it reads them too; only the write scope may sign a head.
AUDIT_READ = {"outsider": {200}, "oversight": {200}}
AUDIT_SIGN = {"outsider": {200}, "oversight": {403}}

EXAMPLES = {
    "assess_endpoint": lambda w: Call("POST", "/api/assess", json=FACTS, scope="public"),
    "basis": lambda w: Call("GET", "/api/law/basis", query={"requesting": "IT", "requested": "CH"},
                            scope="public"),
    "instruments": lambda w: Call("GET", "/api/law/instruments", scope="public"),
    "instrument": lambda w: Call("GET", "/api/law/instruments/CETS-024", scope="public"),
    "country": lambda w: Call("GET", "/api/law/countries/CH", scope="public"),
    "clocks": lambda w: Call("POST", "/api/law/clocks", json={
        "kind": "extradition", "instrument": "CETS-024", "events": {"provisional_arrest": "2026-01-10"},
        "requested_state": "CH"}, scope="public"),
    "public_key": lambda w: Call("GET", "/api/audit/public-key", scope="public"),
    "tree_heads": lambda w: Call("GET", "/api/audit/tree-heads", scope="user", expect=AUDIT_READ),
    "sign_now": lambda w: Call("POST", "/api/audit/tree-heads", scope="user", expect=AUDIT_SIGN),
    # an event of the member's case: members read it without a purpose, oversight with one, others never
    "event": lambda w: Call("GET", f"/api/audit/events/{_seq(w)}"),
    "inclusion": lambda w: Call("GET", "/api/audit/proofs/inclusion", query={"seq": _seq(w)}, scope="user",
                                expect=AUDIT_READ),
    "consistency": lambda w: Call("GET", "/api/audit/proofs/consistency", query={"first": 1}, scope="user",
                                  expect=AUDIT_READ),
    "event_feed": lambda w: Call("GET", "/api/feed", scope="user"),
    "list_deadlines": lambda w: Call("GET", "/api/deadlines", scope="user"),
}

WEB = {
    "law_index": ["instruments", "basis"],
    "law_instruments": ["instruments"],
    "law_instrument": ["instrument"],
    "law_countries": ["country"],
    "law_country": ["country"],
    "law_basis": ["basis"],
    "law_map": ["instruments", "country"],
}
