"""The assessment panel on a request, memos, the defence exposure view and the Red Notice check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from comity import law
from comity.assessments import actions
from comity.assessments.facts import FactsForm, initial_from_request
from comity.assessments.models import AssessmentSnapshot
from comity.cases.access import PurposeRequired, reading_purpose
from comity.cases.actions import do_record_access, is_member
from comity.cases.models import CooperationRequest
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.web.law_views import world_map

ADVISORY = "Advisory only: this assessment is not a decision. The competent authority and the courts decide."


def _apply(form, e: InvalidInput):
    for field, reason in e.errors.items():
        form.add_error(None, f"{field}: {reason}")


@login_required
def request_panel(request, pk):
    req = CooperationRequest.objects.select_related("case").filter(pk=pk).first()
    if req is None:
        raise Http404("No such request.")
    try:
        purpose = reading_purpose(request.user, req.case, request.session)
    except (NotFound, PurposeRequired):
        raise Http404("No such request.") from None
    member = is_member(req.case, request.user)
    result = None
    form = FactsForm(request.POST or None, initial=initial_from_request(req))
    if request.method == "POST" and member and form.is_valid():
        facts = form.facts()
        try:
            if request.POST.get("save"):
                snap = actions.do_save_assessment(req, facts=facts, acting_user=request.user)
                messages.success(request, f"Assessment saved ({snap.created_at:%Y-%m-%d %H:%M}, rules {snap.rules_version}).")
                return redirect("assessment_panel", pk=req.pk)
            result = actions.run_assessment(facts)
        except InvalidInput as e:
            _apply(form, e)
        except NotAllowed as e:
            form.add_error(None, str(e))
    do_record_access(req.case, acting_user=request.user, what="assessment_view", purpose=purpose, obj=req)
    snapshots = AssessmentSnapshot.objects.filter(request=req).select_related("created_by")
    return render(request, "assessments/panel.html", {"req": req, "form": form, "result": result, "member": member,
                                                      "snapshots": snapshots, "advisory": ADVISORY},
                  status=400 if form.errors else 200)


@login_required
def snapshot_detail(request, snap_pk):
    snap = AssessmentSnapshot.objects.select_related("case", "request", "created_by").filter(pk=snap_pk).first()
    if snap is None:
        raise Http404("No such assessment.")
    try:
        purpose = reading_purpose(request.user, snap.case, request.session)
    except (NotFound, PurposeRequired):
        raise Http404("No such assessment.") from None
    do_record_access(snap.case, acting_user=request.user, what="assessment_view", purpose=purpose, obj=snap)
    return render(request, "assessments/snapshot.html", {"snap": snap, "result": snap.result, "advisory": ADVISORY,
                                                         "member": is_member(snap.case, request.user)})


@login_required
def snapshot_memo(request, snap_pk, fmt):
    snap = AssessmentSnapshot.objects.select_related("case", "request", "created_by").filter(pk=snap_pk).first()
    if snap is None or not is_member(snap.case, request.user):
        raise Http404("No such assessment.")
    try:
        doc = actions.do_export_memo(snap, fmt=fmt, acting_user=request.user)
    except InvalidInput as e:
        raise Http404(str(e)) from None
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.filename)


# Outcome colours for the exposure map, from the wanted person's point of view.
EXPOSURE_CLASS = {"no_legal_basis": "safe", "mandatory_bar": "barred", "optional_bar": "maybe", "no_bar": "exposed"}


def exposure(request):
    """For a person wanted by one State: where would other States likely surrender them, and on which
    grounds could they resist? Public and nothing is stored: counsel types the facts in."""
    form = FactsForm(request.GET or None, initial={"kind": "extradition", "purpose": "prosecution",
                                                   "date": timezone.localdate()})
    rows, counts, errors = [], {}, {}
    if request.GET and form.is_valid():
        base = form.facts()
        base["kind"] = "extradition"
        wanted_by = base.get("requesting_state", "")
        try:
            law.check_state(wanted_by, "requesting_state")
            for state, name in sorted(((s, p.name) for s, p in law.get_law().profiles.items()), key=lambda x: x[1]):
                if state == wanted_by:
                    continue
                facts = {**base, "requested_state": state}
                result = actions.run_assessment(facts)
                rows.append({"state": state, "name": name, "outcome": result["outcome"],
                             "css": EXPOSURE_CLASS.get(result["outcome"], "maybe"),
                             "grounds": [g for g in result["grounds"] if g["status"] == "applies"],
                             "basis": [b["instrument"] for b in result["legal_basis"]]})
        except law.LawError as e:
            errors = {str(x.get("field")): str(x.get("reason")) for x in e.errors} or {"input": str(e)}
        except InvalidInput as e:
            errors = e.errors
        counts = {c: sum(1 for r in rows if r["css"] == c) for c in EXPOSURE_CLASS.values()}
    wm = world_map()
    shapes = wm["countries"]
    for r in rows:
        r["shape"] = shapes.get(r["state"])
    return render(request, "assessments/exposure.html", {
        "form": form, "rows": rows, "counts": counts, "errors": errors, "viewbox": wm["viewBox"],
        "advisory": ADVISORY, "map_source": wm["source"]}, status=400 if (errors or form.errors) else 200)


def red_notice(request):
    """Red Notice compliance check (INTERPOL Constitution Arts 2-3, RPD Art 83), before a request is sent
    or as the basis of a challenge before the CCF. Public; nothing is stored."""
    form = FactsForm(request.GET or None, initial={"kind": "red_notice", "purpose": "prosecution",
                                                   "date": timezone.localdate()})
    result, errors = None, {}
    if request.GET and form.is_valid():
        facts = form.facts()
        if not form.cleaned_data.get("facts_json"):
            facts["kind"] = "red_notice"
            facts.pop("requested_state", None)
        try:
            result = actions.run_assessment(facts)
        except InvalidInput as e:
            errors = e.errors
    return render(request, "assessments/red_notice.html", {"form": form, "result": result, "errors": errors,
                                                           "advisory": ADVISORY},
                  status=400 if (errors or form.errors) else 200)
