"""Public pages on the computable law: instruments, country profiles, the legal basis between two
States, and a world map of where a legal basis exists. No sign-in: the law is public."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from comity import law

KIND_LABELS = {"extradition": "Extradition", "mla": "Mutual legal assistance", "transfer": "Transfer of sentenced persons",
               "asset_recovery": "Asset recovery"}
# Map colours by the strongest route found: EU act or treaty / UN convention only / reciprocity only / none.
TIER_CLASS = {"eu": "treaty", "bilateral": "treaty", "regional": "treaty", "multilateral": "treaty",
              "un": "un", "domestic": "treaty", "reciprocity": "reciprocity"}


@lru_cache(maxsize=1)
def world_map() -> dict:
    return json.loads((Path(__file__).parent / "data" / "world.json").read_text())


def _countries():
    data = law.get_law()
    return sorted(((s, p.name) for s, p in data.profiles.items()), key=lambda x: x[1])


def _form_values(request):
    return {k: request.GET.get(k, "").strip() for k in ("requesting", "requested", "kind", "date", "state", "role")}


def _state(value: str, field: str, label: str) -> str:
    """A State typed by name ("Germany", "Germany (DE)") or code ("DE"); an error naming the field otherwise."""
    from comity.web.fields import resolve_state

    code, suggestions = resolve_state(value)
    if code is None:
        hint = f": did you mean {', '.join(suggestions)}?" if suggestions else ": choose one from the list"
        raise law.InvalidInput(f"{field}: no State is called {value!r}",
                               [{"field": field, "reason": f"{label}: no State is called “{value}”{hint}"}])
    return code


def _picker_options():
    from comity.web.fields import state_label

    return [state_label(c) for c, _ in _countries()]


def index(request):
    return render(request, "law/index.html", {"countries": _countries(), "kinds": KIND_LABELS,
                                              "coverage": law.coverage(), "today": timezone.localdate()})


def instrument_list(request):
    items = sorted(law.instruments(), key=lambda i: (i.kind, i.id))
    return render(request, "law/instruments.html", {"instruments": items})


def instrument_detail(request, instrument_id):
    try:
        inst = law.instrument(instrument_id)
    except law.LawError:
        raise Http404(f"No instrument {instrument_id!r}.") from None
    parties = sorted(inst.parties.values(), key=lambda p: p.state)
    names = dict(_countries())
    return render(request, "law/instrument.html", {"inst": inst, "parties": parties, "names": names})


def country_list(request):
    return render(request, "law/countries.html", {"countries": _countries()})


def country_detail(request, state):
    try:
        profile = law.country_profile(state.upper())
    except law.LawError:
        raise Http404(f"No country profile for {state!r}.") from None
    if state != state.upper():
        return redirect("law_country", state=state.upper())
    party_to = [(i, i.parties[profile.state]) for i in sorted(law.instruments(), key=lambda i: i.id)
                if profile.state in i.parties]
    facts = [(name, fact, profile.history(name)) for name, fact in profile.facts.items()]
    return render(request, "law/country.html", {"profile": profile, "facts": facts, "party_to": party_to})


def basis(request):
    v = _form_values(request)
    ctx = {"v": v, "countries": _countries(), "options": _picker_options(), "kinds": KIND_LABELS, "errors": {}}
    if v["requesting"] and v["requested"]:
        try:
            result = law.legal_basis(law.check_state(_state(v["requesting"], "requesting", "Requesting State"),
                                                     "requesting"),
                                     law.check_state(_state(v["requested"], "requested", "Requested State"),
                                                     "requested"),
                                     law.check_kind(v["kind"] or "extradition", "kind"),
                                     law.check_date(v["date"], "date") if v["date"] else None)
        except law.LawError as e:
            ctx["errors"] = _errors(e)
            return render(request, "law/basis.html", ctx, status=400)
        rows = []
        for r in result:
            reservations = []
            try:
                inst = law.instrument(r.instrument)
                for state in (result.requested, result.requesting):
                    party = inst.parties.get(state)
                    if party:
                        reservations += [(state, res) for res in party.reservations]
            except law.LawError:
                pass  # reciprocity routes are not instruments
            rows.append({"r": r, "reservations": reservations})
        from comity.web.fields import state_label

        ctx["v"] = {**v, "requesting": state_label(result.requesting), "requested": state_label(result.requested)}
        ctx.update(result=result, rows=rows,
                   requesting_name=law.country_profile(result.requesting).name,
                   requested_name=law.country_profile(result.requested).name)
    return render(request, "law/basis.html", ctx)


def _errors(e: law.LawError) -> dict:
    errs = getattr(e, "errors", None)
    if isinstance(errs, dict):
        return {str(k): str(v) for k, v in errs.items()}
    if isinstance(errs, list):
        out = {}
        for item in errs:
            if isinstance(item, dict):
                out[str(item.get("field", "input"))] = str(item.get("reason", item))
            else:
                out["input"] = str(item)
        return out or {"input": str(e)}
    return {"input": str(e)}


def world(request):
    from django.urls import reverse

    from comity.web.fields import state_label, state_name

    v = _form_values(request)
    kind = v["kind"] or "extradition"
    role = v["role"] if v["role"] in ("requesting", "requested") else "requesting"
    ctx = {"v": {**v, "kind": kind, "role": role}, "countries": _countries(), "options": _picker_options(),
           "kinds": KIND_LABELS, "errors": {}}
    try:
        state = _state(v["state"] or "US", "state", "State")
        ctx["v"]["state"], ctx["v"]["code"] = state_label(state), state
        law.check_state(state, "state")
        law.check_kind(kind, "kind")
        on_date = law.check_date(v["date"]) if v["date"] else timezone.localdate()
    except law.LawError as e:
        ctx["errors"] = _errors(e)
        return render(request, "law/map.html", ctx, status=400)
    shapes = world_map()["countries"]
    rows = []
    for other, name in _countries():
        if other == state:
            continue
        a, b = (state, other) if role == "requesting" else (other, state)
        result = law.legal_basis(a, b, kind, on_date)
        css = TIER_CLASS.get(result[0].tier, "treaty") if result else "none"
        short, _, more = str(result.reason).partition(" Considered and excluded: ")
        rows.append({"state": other, "name": name, "css": css, "basis": [r.instrument for r in result],
                     "reason": result.reason, "reason_short": short, "reason_more": more, "shape": shapes.get(other)})
    from comity.web import mapscale

    counts = {c: sum(1 for r in rows if r["css"] == c) for c in mapscale.BASIS}
    drawn = {r["state"] for r in rows} | {state}
    ctx.update(rows=rows, counts=counts, viewbox=world_map()["viewBox"], self_shape=shapes.get(state),
               nodata=[(code, state_name(code), shape) for code, shape in shapes.items() if code not in drawn],
               self_label=f"{law.country_profile(state).name}, the State chosen",
               other_map={"url": reverse("law_exposure"), "text": "See also: where could a wanted person be "
                                                                   "surrendered?"},
               legend=mapscale.legend(mapscale.BASIS, counts), scale_note=mapscale.SCALE_NOTE,
               kind_label=KIND_LABELS.get(kind, kind),
               state_name=law.country_profile(state).name, on_date=on_date, map_source=world_map()["source"])
    return render(request, "law/map.html", ctx)
