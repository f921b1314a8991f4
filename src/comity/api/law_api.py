"""Public API on the computable law (no token needed: the law is public). Answers in the same
shapes as `comity law … --json`."""

from __future__ import annotations

from ninja import Router, Schema

from comity import law

router = Router(tags=["law"], auth=None)


class LawErrorOut(Schema):
    errors: dict[str, str]
    message: str


class FactRef(Schema):
    """One fact an answer rests on, with its source, the day it was read and whether it is verified."""

    kind: str
    ref: str
    label: str
    value: str | int | float | bool | None = None
    source: str | None = None
    read: str | None = None
    verified: bool
    stale: bool
    as_of: str | None = None


class BasisItem(Schema):
    instrument: str
    title: str
    citation: str
    why: str
    tier: str
    instrument_kind: str
    verified: bool
    caveats: list[str]
    rests_on: list[FactRef]
    warning: str | None = None


class BasisOut(Schema):
    requesting: str
    requested: str
    kind: str
    date: str
    legal_basis: list[BasisItem]
    reason: str
    excluded: list[dict]
    law_data: dict


class ClockIn(Schema):
    kind: str
    instrument: str
    events: dict[str, str]
    requested_state: str | None = None



@router.get("/basis", response={200: BasisOut, 422: LawErrorOut},
            summary="Instruments in force between two States for a kind of cooperation, in the order to use them")
def basis(request, requesting: str, requested: str, kind: str = "extradition", date: str | None = None):
    on_date = law.check_date(date, "date") if date else None  # name the field as the caller named it
    return law.legal_basis(law.check_state(requesting.upper(), "requesting"), law.check_state(requested.upper(), "requested"),
                           law.check_kind(kind, "kind"), on_date).as_dict()


@router.get("/instruments", summary="All instruments (id, title, kind, scope)")
def instruments(request):
    return [{"id": i.id, "title": i.title, "kind": i.kind, "scope": list(i.scope), "parties": len(i.parties)}
            for i in sorted(law.instruments(), key=lambda i: i.id)]


@router.get("/instruments/{instrument_id}", response={200: dict, 422: LawErrorOut},
            summary="An instrument with its parties, dates, reservations and key articles")
def instrument(request, instrument_id: str):
    return law.instrument(instrument_id).as_dict()


@router.get("/countries/{state}", response={200: dict, 422: LawErrorOut},
            summary="A country profile, each fact with its source and whether it is verified")
def country(request, state: str):
    return law.country_profile(state.upper()).as_dict()


@router.post("/clocks", response={200: list[dict], 422: LawErrorOut},
             summary="Legal deadlines started by events under an instrument")
def clocks(request, payload: ClockIn):
    return [c.as_dict() if hasattr(c, "as_dict") else c.__dict__ for c in
            law.clocks(payload.kind, payload.instrument, payload.events, requested_state=payload.requested_state)]


def assess_facts(request):
    """POST /api/assess (mounted in api.py): facts in, the assessment out, 422 naming the field."""
    import json

    from comity.law.assess import InvalidFacts, assess

    from comity.errors import InvalidInput

    from django.conf import settings
    from django.core.exceptions import RequestDataTooBig

    try:
        facts = json.loads(request.body or b"")
    except RequestDataTooBig:
        return 422, _error_body(InvalidInput({"body": f"is larger than the limit of "
                                                      f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes"}))
    except RecursionError:
        return 422, _error_body(InvalidInput({"body": "is nested too deeply"}))
    except ValueError as e:
        return 422, _error_body(InvalidInput({"body": f"is not valid JSON ({e})"}))
    if not isinstance(facts, dict):
        return 422, _error_body(InvalidInput({"body": "must be a JSON object of facts"}))
    try:
        return 200, assess(facts)
    except InvalidFacts as e:
        return 422, _error_body(e)


def _error_body(exc) -> dict:
    """The package-wide error shape (comity.errors), as the API's error handler answers."""
    return {**exc.as_dict(), "detail": exc.message}
