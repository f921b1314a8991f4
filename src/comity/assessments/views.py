"""The assessment panel on a request, memos, the defence exposure view and the Red Notice check.

Each question has its own form (comity.assessments.facts): the panel shows the form of the request's kind (another
kind on ?kind=), the public pages the extradition (exposure) and Red Notice forms. The result comes first, the
facts below it; errors are shown on the fields, by their labels, with what the user typed kept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from comity import law
from comity.assessments import actions
from comity.assessments.facts import FORMS, ExposureFactsForm, RedNoticeFactsForm, default_kind, initial_for
from comity.assessments.models import AssessmentSnapshot
from comity.cases import reads
from comity.cases.access import PurposeRequired
from comity.cases.actions import is_member
from comity.cases.models import CooperationRequest
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.web import mapscale
from comity.web.law_views import world_map

ADVISORY = "Advisory only: this assessment is not a decision. The competent authority and the courts decide."


def _law_errors(e: law.LawError) -> dict:
    errs = getattr(e, "errors", None)
    if isinstance(errs, dict):
        return {str(k): str(v) for k, v in errs.items()}
    if isinstance(errs, list):
        return {str(x.get("field", "input")): str(x.get("reason", x)) for x in errs if isinstance(x, dict)} \
            or {"input": str(e)}
    return {"input": str(e)}


@login_required
def request_panel(request, pk):
    req = CooperationRequest.objects.select_related("case").filter(pk=pk).first()
    if req is None:
        raise Http404("No such request.")
    try:
        purpose = reads.case_purpose(request.user, req.case, session=request.session)
    except (NotFound, PurposeRequired):
        raise Http404("No such request.") from None
    member = is_member(req.case, request.user)
    kind = request.POST.get("kind") or request.GET.get("kind") or default_kind(req)
    if kind not in FORMS:
        kind = default_kind(req)
    result, prefill_notes = None, []
    form = None
    if member:
        initial, prefill_notes = initial_for(kind, req)  # reads the case's persons: logged below with the view
        form = FORMS[kind](request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            facts = form.facts()
            try:
                if request.POST.get("save"):
                    snap = actions.do_save_assessment(req, facts=facts, acting_user=request.user)
                    messages.success(request, f"Assessment saved ({snap.created_at:%Y-%m-%d %H:%M}, "
                                              f"rules {snap.rules_version}).")
                    return redirect(f"{reverse('assessment_panel', args=[req.pk])}?kind={kind}")
                result = actions.run_assessment(facts)
            except InvalidInput as e:
                form.add_engine_errors(e.errors)
            except NotAllowed as e:
                form.add_error(None, str(e))
    reads.log_read(request.user, req.case, what="assessment_view", purpose=purpose, obj=req)
    snapshots = AssessmentSnapshot.objects.filter(request=req).select_related("created_by")
    tabs = [(k, f.title, k == kind) for k, f in FORMS.items()]
    return render(request, "assessments/panel.html", {
        "req": req, "form": form, "kind": kind, "question": FORMS[kind].question, "tabs": tabs,
        "own_kind": default_kind(req), "prefill_notes": [] if request.method == "POST" else prefill_notes,
        "result": result, "member": member, "snapshots": snapshots, "advisory": ADVISORY},
        status=400 if form is not None and form.errors else 200)


@login_required
def snapshot_detail(request, snap_pk):
    snap = AssessmentSnapshot.objects.select_related("case", "request", "created_by").filter(pk=snap_pk).first()
    if snap is None:
        raise Http404("No such assessment.")
    try:
        purpose = reads.case_purpose(request.user, snap.case, session=request.session)
    except (NotFound, PurposeRequired):
        raise Http404("No such assessment.") from None
    reads.log_read(request.user, snap.case, what="assessment_view", purpose=purpose, obj=snap)
    from comity.assessments.memo import facts_rows

    return render(request, "assessments/snapshot.html", {"snap": snap, "result": snap.result, "advisory": ADVISORY,
                                                         "memo_formats": [("pdf", "PDF"), ("docx", "Word")],
                                                         "facts_rows": facts_rows(snap.facts),
                                                         "member": is_member(snap.case, request.user)})


@login_required
def snapshot_memo(request, snap_pk, fmt):
    """POST renders the memo and stores it in the case (an action); GET downloads the stored memo (a
    logged read) — a GET writes nothing."""
    snap = AssessmentSnapshot.objects.select_related("case", "request", "created_by").filter(pk=snap_pk).first()
    if snap is None or fmt not in ("pdf", "docx"):
        raise Http404("No such assessment.")
    if request.method == "POST":
        if not is_member(snap.case, request.user):
            raise Http404("No such assessment.")
        try:
            actions.do_export_memo(snap, fmt=fmt, acting_user=request.user)
        except InvalidInput as e:
            raise Http404(str(e)) from None
        return redirect("assessment_memo", snap_pk=snap.pk, fmt=fmt)
    try:
        purpose = reads.case_purpose(request.user, snap.case, session=request.session)
    except (NotFound, PurposeRequired):
        raise Http404("No such assessment.") from None
    doc = getattr(snap, f"memo_{fmt}")
    if doc is None:
        messages.info(request, f"No {fmt.upper()} memo is stored yet: save one first.")
        return redirect("assessment_snapshot", snap_pk=snap.pk)
    from comity.cases.storage import DocumentCorrupted

    try:
        stored = doc.file.open("rb")  # authenticated whole before anything is sent
    except DocumentCorrupted as exc:
        return render(request, "document_integrity_failed.html", {"doc": doc, "reason": str(exc)}, status=409)
    reads.log_read(request.user, snap.case, what="memo_download", purpose=purpose, obj=doc)
    return FileResponse(stored, as_attachment=True, filename=doc.filename)


def exposure(request):
    """For a person wanted by one State: where would other States likely surrender them, and on which
    grounds could they resist? Public and nothing is stored: counsel types the facts in."""
    form = ExposureFactsForm(request.GET or None, initial={"purpose": "prosecution", "date": timezone.localdate()})
    rows, counts, wanted_by = [], {}, ""
    if request.GET and form.is_valid():
        base = form.facts()
        base["kind"] = "extradition"
        wanted_by = base.get("requesting_state", "")
        try:
            for row in actions.exposure(base):  # shared with the API (comity.api.assessments_api)
                css = mapscale.EXPOSURE_CLASS.get(row["outcome"], "maybe")
                rows.append({**row, "css": css, "words": mapscale.EXPOSURE_WORDS[css]})
        except law.LawError as e:
            rows = []
            form.add_engine_errors({f"facts.{k}": v for k, v in _law_errors(e).items()})
        except InvalidInput as e:
            rows = []
            form.add_engine_errors(e.errors)
        counts = {c: sum(1 for r in rows if r["css"] == c) for c in mapscale.EXPOSURE}
    wm = world_map()
    shapes = wm["countries"]
    for r in rows:
        r["shape"] = shapes.get(r["state"])
    ctx = {"form": form, "rows": rows, "counts": counts, "viewbox": wm["viewBox"], "advisory": ADVISORY,
           "map_source": wm["source"]}
    if rows:
        from comity.web.fields import state_name

        drawn = {r["state"] for r in rows} | {wanted_by}
        wanted_name = law.country_profile(wanted_by).name
        ctx.update(legend=mapscale.legend(mapscale.EXPOSURE, counts), scale_note=mapscale.SCALE_NOTE,
                   self_label=f"{wanted_name}, which wants the person", self_shape=shapes.get(wanted_by),
                   wanted_name=wanted_name,
                   nodata=[(c, state_name(c), shape) for c, shape in shapes.items() if c not in drawn],
                   other_map={"url": f"{reverse('law_map')}?state={wanted_by}&role=requesting&kind=extradition",
                              "text": f"See also: where {wanted_name} has a legal basis to ask for extradition."})
    return render(request, "assessments/exposure.html", ctx, status=400 if form.errors else 200)


def red_notice(request):
    """Red Notice compliance check (INTERPOL Constitution Arts 2-3, RPD Art 83), before a request is sent
    or as the basis of a challenge before the CCF. Public; nothing is stored."""
    form = RedNoticeFactsForm(request.GET or None, initial={"purpose": "prosecution", "date": timezone.localdate()})
    result = None
    if request.GET and form.is_valid():
        try:
            result = actions.run_assessment(form.facts())
        except InvalidInput as e:
            form.add_engine_errors(e.errors)
    return render(request, "assessments/red_notice.html", {"form": form, "result": result, "advisory": ADVISORY},
                  status=400 if form.errors else 200)
