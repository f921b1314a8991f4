"""The event feed: what happened in the caller's cases, in order, for a national system to follow without
polling every case (issue 14 item 3).

`GET /api/feed?after=SEQ` answers the audit events of the cases the token's user is a member of, oldest
first, after the log position `after` (0 to start), with `next_after` to pass next time. The events are the
tamper-evident log's own (the same `seq` the inclusion proofs use: GET /api/audit/events/{seq}), so a
consumer can prove that what it was told is in the log. They carry codes, references and dates only (the log
holds no names or free text); an event's values are shown only when they match what its type declares.

Changes only by default (`category=change`): a new request, a step taken and the clocks it started, a
deadline met, a document uploaded, a member added. `category=access` adds the reads of personal data in
those cases (who read what, when, and for which stated purpose by reference): what a case owner may want to
watch. Filters: `types` (event types or prefixes ending in `.`, comma-separated: `request.,deadline.`),
`case` (a case reference). Membership is checked on every call: events of a case the user left stop.
"""

from __future__ import annotations

from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from comity.api.schemas import errors
from comity.audit.models import AuditEvent
from comity.audit.schema import check_event
from comity.cases.models import Case, CaseMembership
from comity.errors import InvalidInput

router = Router(tags=["feed"])

MAX = 500


class FeedEvent(Schema):
    seq: int = Field(description="Position in the tamper-evident log (GET /api/audit/events/{seq} proves it)")
    time: str
    type: str = Field(description="Event type, e.g. request.created, request.transitioned, deadline.met")
    category: str
    case: str = Field(description="The case's reference")
    object_type: str
    object_id: str
    via: str = Field(description="web, api or cli")
    values: dict | None = Field(description="The event's new values (codes, references, dates), where declared")


class FeedPage(Schema):
    events: list[FeedEvent]
    next_after: int = Field(description="Pass as `after` next time (the last event's seq, or `after` unchanged)")
    more: bool = Field(description="True when more events are waiting now")


@router.get("/feed", response={200: FeedPage, **errors(422)},
            summary="Audit events of your cases after a log position, oldest first: new requests, steps, "
                    "deadlines, documents (pull feed for integration)")
def event_feed(request, after: int = Query(0, ge=0, description="Log position to start after (0: the start)"),
               limit: int = Query(100, description=f"Events per answer, 1 to {MAX}"),
               category: Literal["change", "access", "all"] = "change",
               types: str = Query("", max_length=500,
                                  description="Event types or prefixes ending in `.`, comma-separated"),
               case: str = Query("", max_length=40, description="Only this case (its reference)")):
    if not 1 <= limit <= MAX:
        raise InvalidInput({"limit": f"must be between 1 and {MAX}"})
    mine = CaseMembership.objects.filter(user=request.user, revoked_at__isnull=True)
    if case:
        mine = mine.filter(case__reference=case)
        if not mine.exists():
            raise InvalidInput({"case": "no case with that reference among your cases"})
    case_refs = dict(Case.objects.filter(pk__in=mine.values("case_id")).values_list("pk", "reference"))
    qs = AuditEvent.objects.filter(case_id__in=list(case_refs), seq__gt=after).order_by("seq")
    if category != "all":
        qs = qs.filter(category=category)
    wanted = [t.strip() for t in types.split(",") if t.strip()]
    if wanted:
        from django.db.models import Q

        f = Q()
        for t in wanted:
            f |= Q(event_type__startswith=t) if t.endswith(".") else Q(event_type=t)
        qs = qs.filter(f)
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    out = []
    for e in rows:
        values = e.new_values
        if values is not None:
            try:
                check_event(e.event_type, None, values)
            except Exception:  # an older event written before the log held only codes: its values are not shown
                values = None
        out.append({"seq": e.seq, "time": e.time.isoformat(), "type": e.event_type, "category": e.category,
                    "case": case_refs.get(e.case_id, ""), "object_type": e.object_type,
                    "object_id": e.object_id, "via": e.via, "values": values})
    return {"events": out, "next_after": rows[-1].seq if rows else after, "more": more}
