"""Server-rendered pages. Thin: they read, check access, and call actions for every change."""

from __future__ import annotations

import json

import pycountry
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from comity.accounts import actions as account_actions
from comity.accounts.models import PersonalAccessToken, Role, Unit, User
from comity.cases import actions, ftm, guards
from comity.cases import reads
from comity.cases.access import MEMBER_PURPOSE, PurposeRequired, grant_oversight
from comity.cases.lifecycle import lifecycles
from comity.cases.models import (
    ApprovalRequest,
    Case,
    CaseMembership,
    CaseStateChange,
    CooperationRequest,
    Deadline,
    Document,
    Entity,
    Note,
    RequestKind,
    RequestLink,
    Revision,
    Task,
    Transition,
)
from comity.cases.storage import DocumentCorrupted
from comity.cases.validation import country_name
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.web import forms
from comity.vocabulary import label as vocab_label

COUNTRIES = sorted(((c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries), key=lambda x: x[1])


# How the actions' field names read to a person, where the form shows no field of that name.
FIELD_WORDS = {"case": "The case", "user": "The colleague", "transition": "This step", "request": "The request",
               "approval": "The approval", "properties": "The party", "decision": "The decision",
               "confirm": "Confirmation", "draft": "The draft"}
ERROR_FIELD = {"user": "username"}  # an action's field -> the form field that holds it


def _apply_errors(form, exc: InvalidInput) -> None:
    for field, reason in exc.errors.items():
        name = field.split(".")[-1]
        name = ERROR_FIELD.get(name, name) if ERROR_FIELD.get(name) in form.fields else name
        if name in form.fields:
            form.add_error(name, reason)
        else:
            form.add_error(None, f"{FIELD_WORDS.get(field, field.replace('_', ' ').capitalize())}: {reason}")


def _errors_text(form) -> str:
    """A form's errors in one line, each named by the field's label as the user sees it."""
    parts = []
    for name, errs in form.errors.items():
        label = form.fields[name].label or name.replace("_", " ").capitalize() if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errs)}" if label else " ".join(errs))
    return "; ".join(parts)


def _case_or_404(pk) -> Case:
    case = Case.objects.filter(pk=pk).first()
    if case is None:
        raise Http404("No such case.")
    return case


def _member_case(request, pk) -> Case:
    """For changes: only members act on a case; others get the same 404 as for a case that does not exist."""
    case = _case_or_404(pk)
    if not actions.is_member(case, request.user):
        raise Http404("No such case.")
    return case


def _reading(request, case: Case):
    try:
        return reads.case_purpose(request.user, case, session=request.session)
    except NotFound:
        raise Http404("No such case.") from None


@login_required
def dashboard(request, decide_form=None, decide_pk=None):
    rows = actions.deadline_rows(request.user)
    today = timezone.localdate()
    queue, returned = actions.approval_items(request.user)
    member_of = set(Case.objects.visible_to(request.user).filter(
        pk__in=[a.case_id for a in queue]).values_list("pk", flat=True)) if queue else set()
    awaiting = []
    for a in queue:
        step = actions.approval_step(a.request)
        failing = guards.failing(step.guards, a.request) if step else {}
        form = decide_form if decide_pk == a.pk else None
        awaiting.append({"a": a, "member": a.case_id in member_of, "checks": list(failing.values()),
                         "form": form or forms.DecideApprovalForm(initial={"decision": "approve"})})
    oversight_due = _oversight_due(request.user, today)
    # One query counts the open cases and the cases with an outgoing exchange message that failed or was refused;
    # the failed messages themselves are read only when there are some (comity.courier.web_views).
    from django.db.models import Count, OuterRef

    from comity.courier.web_views import failed_outgoing, failing_exists

    counts = Case.objects.visible_to(request.user).aggregate(
        open=Count("pk", filter=Q(state=Case.State.OPEN), distinct=True),
        failing=Count("pk", filter=Q(failing_exists(OuterRef("pk"))), distinct=True))
    exchange_failures = failed_outgoing(request.user) if counts["failing"] else []
    reads.log_list(request.user, what="dashboard",
                   cases=[r["case"] for r in rows] + [a.case for a in queue] + [a.case for a in returned]
                   + [x.case for x in exchange_failures])
    return render(request, "dashboard.html", {
        "oversight_due": oversight_due,
        "rows": rows, "today": today, "overdue": sum(1 for r in rows if r["overdue"]),
        "open_cases": counts["open"], "exchange_failures": exchange_failures,
        "awaiting": awaiting, "returned": returned,
        "is_decider": request.user.role in ("prosecutor", "supervisor", "admin"),
    })


def _oversight_due(user, today):
    """What an oversight body has to do: open redress matters by their legal deadline, and cases whose
    retention has run out. References, kinds and dates only (no names on the dashboard)."""
    if user.role not in ("oversight", "admin"):
        return None
    from comity.oversight.actions import cases_due_for_review
    from comity.oversight.models import RedressMatter

    redress = [{"m": m, "due": m.effective_due, "overdue": m.effective_due < today}
               for m in RedressMatter.objects.filter(status=RedressMatter.Status.OPEN).order_by("due", "id")[:50]]
    redress.sort(key=lambda r: r["due"])
    return {"redress": redress, "retention": len(cases_due_for_review(user, today))}


@login_required
@require_POST
def approval_decide(request, pk):
    """Approve or return a request from the "Awaiting your decision" queue."""
    approval = ApprovalRequest.objects.select_related("case", "request").filter(pk=pk).first() or _raise404()
    if not actions.may_decide_on(approval, request.user):
        raise Http404("Not found.")  # before the form is read: an outsider learns nothing of the approval
    form = forms.DecideApprovalForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.do_decide_approval(approval, decision=d["decision"], comment=d.get("comment") or "",
                                       override_reason=d.get("override_reason") or "", acting_user=request.user)
            if d["decision"] == "approve":
                messages.success(request, f"{approval.request.reference} is approved for sending.")
            else:
                messages.success(request, f"{approval.request.reference} is returned to {approval.asked_by.username}.")
            return redirect("dashboard")
        except NotFound:
            raise Http404("Not found.") from None
        except InvalidInput as e:
            _apply_errors(form, e)
        except NotAllowed as e:
            form.add_error(None, str(e))
    resp = dashboard(request, decide_form=form, decide_pk=approval.pk)
    resp.status_code = 400
    return resp


@login_required
def case_list(request):
    if request.user.role == Role.OVERSIGHT and request.GET.get("reference"):
        # Oversight users may open any case, after stating a purpose on the next page.
        found = Case.objects.filter(reference__iexact=request.GET["reference"].strip()).first()
        if found is not None:
            return redirect("case_purpose", pk=found.pk)
        messages.error(request, f"No case has the reference {request.GET['reference'].strip()!r}.")
    qs = Case.objects.listed_for(request.user).select_related("unit")
    f = {k: request.GET.get(k, "").strip() for k in ("state", "kind", "country", "status", "q", "scope")}
    if f["scope"] == "mine":
        qs = qs.filter(is_member=True)
    elif f["scope"] == "unit":
        qs = qs.filter(is_member=False)
    if f["state"]:
        qs = qs.filter(state=f["state"])
    req_filter = Q()
    if f["kind"]:
        req_filter &= Q(kind=f["kind"])
    if f["country"]:
        cc = f["country"].upper()
        req_filter &= Q(requesting_state=cc) | Q(requested_state=cc)
    if f["status"]:
        req_filter &= Q(status=f["status"])
    if req_filter:
        qs = qs.filter(pk__in=CooperationRequest.objects.filter(req_filter).values("case_id"))
    if f["q"]:
        # Titles are searched only in the user's own cases: a unit's other cases show their reference only.
        qs = qs.filter(Q(title__icontains=f["q"], is_member=True) | Q(reference__icontains=f["q"]))
    qs = qs.order_by("-updated_at", "-id").prefetch_related(
        Prefetch("requests", queryset=CooperationRequest.objects.only(
            "id", "case_id", "kind", "status", "requesting_state", "requested_state", "reference", "direction")))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    reads.log_list(request.user, what="case_list", cases=page.object_list)
    labels = {}
    for lc in lifecycles().values():
        for code, label in lc.states.items():
            labels.setdefault(code, label)
    statuses = sorted(labels.items(), key=lambda kv: kv[1].lower())
    query = {k: v for k, v in f.items() if v}
    return render(request, "case_list.html", {
        "page": page, "filters": f, "kinds": RequestKind.choices, "statuses": statuses,
        "states": Case.State.choices, "is_oversight": request.user.role == Role.OVERSIGHT,
        "unit_supervisor": request.user.is_supervisor and request.user.unit_id is not None,
        "query": "&".join(f"{k}={v}" for k, v in query.items())})


@login_required
def case_new(request):
    form = forms.CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = actions.do_create_case(acting_user=request.user, **form.cleaned_data)
            return redirect("case_detail", pk=case.pk)
        except InvalidInput as e:
            _apply_errors(form, e)
        except NotAllowed as e:
            form.add_error(None, str(e))
    return render(request, "case_new.html", {"form": form})


def _join_instead(request, case: Case):
    """A supervisor of the case's unit (or a decider asked for approval) who is not a member is offered to
    join; anyone else gets the 404 of a case that does not exist."""
    if actions.join_basis(case, request.user) is not None and not actions.is_member(case, request.user):
        return redirect("case_join", pk=case.pk)
    raise Http404("No such case.")


@login_required
def case_detail(request, pk, bound: dict | None = None):
    case = _case_or_404(pk)
    try:
        purpose = _reading(request, case)
    except PurposeRequired:
        return redirect("case_purpose", pk=case.pk)
    except Http404:
        return _join_instead(request, case)
    reads.log_read(request.user, case, what="case_view", purpose=purpose, obj=case)
    case = (Case.objects.filter(pk=case.pk).select_related("unit", "created_by").prefetch_related(
        Prefetch("requests", queryset=CooperationRequest.objects.order_by("created_at", "id")),
        Prefetch("entities", queryset=Entity.objects.order_by("schema", "caption")),
        Prefetch("documents", queryset=Document.objects.select_related("uploaded_by", "request")),
        Prefetch("notes", queryset=Note.objects.select_related("author")),
        Prefetch("tasks", queryset=Task.objects.select_related("assignee").order_by("done_at", "due", "id")),
        Prefetch("deadlines", queryset=Deadline.objects.filter(status=Deadline.Status.OPEN).select_related("request")),
        Prefetch("memberships", queryset=CaseMembership.objects.filter(revoked_at__isnull=True).select_related("user")),
        Prefetch("state_changes", queryset=CaseStateChange.objects.select_related("actor")),
    ).get())
    member = purpose != "" and any(m.user_id == request.user.pk for m in case.memberships.all())
    reqs = []
    for r in case.requests.all():
        steps = actions.available_transitions(r, request.user, check_guards=False, member=member)
        reqs.append({"obj": r, "steps": steps, "allowed_any": any(s["allowed"] for s in steps)})
    can_manage = member and actions.may_invite(case, request.user)
    colleagues = []
    if can_manage and request.user.unit_id:
        # The creator invites colleagues of their unit; a supervisor sees them suggested too.
        colleagues = list(User.objects.filter(unit_id=request.user.unit_id, is_active=True)
                          .exclude(role=Role.OVERSIGHT).exclude(pk__in=[m.user_id for m in case.memberships.all()])
                          .order_by("username").values_list("username", flat=True))
    bound = bound or {}
    return render(request, "case_detail.html", {
        "case": case, "requests": reqs, "member": member, "purpose": purpose, "today": timezone.localdate(),
        "entity_form": bound.get("entity_form") or forms.EntityForm(),
        "note_form": bound.get("note_form") or forms.NoteForm(),
        "task_form": bound.get("task_form") or forms.TaskForm(),
        "document_form": bound.get("document_form") or forms.DocumentForm(),
        "membership_form": bound.get("membership_form") or forms.MembershipForm(),
        "open_form": next(iter(bound), ""), "colleagues": colleagues,
        "can_manage": can_manage, "is_supervisor": request.user.is_supervisor,
        "last_state_change": next(iter(case.state_changes.all()), None)})


@login_required
def case_purpose(request, pk):
    case = _case_or_404(pk)
    if request.user.role != Role.OVERSIGHT:
        raise Http404("No such case.")
    form = forms.PurposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_open_case_for_oversight(case, purpose=form.cleaned_data["purpose"], acting_user=request.user)
            grant_oversight(request.session, case, form.cleaned_data["purpose"].strip())
            return redirect("case_detail", pk=case.pk)
        except InvalidInput as e:
            _apply_errors(form, e)
    return render(request, "case_purpose.html", {"form": form, "case_id": case.pk})


# The case page's forms, by the name the template knows them under (kept as typed when refused).
CASE_FORMS = {forms.EntityForm: "entity_form", forms.NoteForm: "note_form", forms.TaskForm: "task_form",
              forms.DocumentForm: "document_form", forms.MembershipForm: "membership_form"}


def _post_case_action(request, pk, form_class, call, ok_message):
    case = _member_case(request, pk)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            call(case, form.cleaned_data)
            messages.success(request, ok_message)
            return redirect(reverse("case_detail", args=[case.pk]))
        except InvalidInput as e:
            _apply_errors(form, e)
        except NotAllowed as e:
            form.add_error(None, str(e))
    # Refused: the case page again, with what the user typed and each error named by its field's label.
    messages.error(request, f"Not saved. {_errors_text(form)}")
    resp = case_detail(request, case.pk, bound={CASE_FORMS[form_class]: form})
    resp.status_code = 400
    return resp


@login_required
@require_POST
def entity_add(request, pk):
    def call(case, d):
        props = {p: d[p] for p in forms.EntityForm.PROPS if d.get(p)}
        actions.do_add_entity(case, schema=d["schema"], properties=props, role=d.get("role", ""),
                              acting_user=request.user)
    return _post_case_action(request, pk, forms.EntityForm, call, "Entity added.")


@login_required
@require_POST
def note_add(request, pk):
    return _post_case_action(request, pk, forms.NoteForm,
                             lambda case, d: actions.do_add_note(case, text=d["text"], acting_user=request.user),
                             "Note added.")


@login_required
@require_POST
def task_add(request, pk):
    return _post_case_action(request, pk, forms.TaskForm,
                             lambda case, d: actions.do_add_task(case, title=d["title"], due=d.get("due"),
                                                                 assignee=request.user, acting_user=request.user),
                             "Task added.")


@login_required
@require_POST
def task_done(request, pk, task_pk):
    case = _member_case(request, pk)
    task = Task.objects.filter(case=case, pk=task_pk).first() or _raise404()
    try:
        actions.do_complete_task(task, acting_user=request.user)
        messages.success(request, "Task done.")
    except InvalidInput as e:
        messages.error(request, str(e))
    return redirect("case_detail", pk=case.pk)


def _raise404():
    raise Http404("Not found.")


@login_required
@require_POST
def document_add(request, pk):
    return _post_case_action(request, pk, forms.DocumentForm,
                             lambda case, d: actions.do_upload_document(case, upload=d["file"], title=d.get("title", ""),
                                                                        acting_user=request.user),
                             "Document stored.")


@login_required
def document_download(request, pk, doc_pk):
    case = _case_or_404(pk)
    try:
        purpose = _reading(request, case)
    except PurposeRequired:
        return redirect("case_purpose", pk=case.pk)
    doc = Document.objects.filter(case=case, pk=doc_pk).first() or _raise404()
    try:
        stored = doc.file.open("rb")  # the whole encrypted file is authenticated before anything is sent
    except DocumentCorrupted as exc:
        return render(request, "document_integrity_failed.html", {"doc": doc, "reason": str(exc)}, status=409)
    reads.log_read(request.user, case, what="document_download", purpose=purpose, obj=doc)
    return FileResponse(stored, as_attachment=True, filename=doc.filename,
                        content_type=doc.content_type or "application/octet-stream")


@login_required
def entities_ftm(request, pk):
    case = _case_or_404(pk)
    try:
        purpose = _reading(request, case)
    except PurposeRequired:
        return redirect("case_purpose", pk=case.pk)
    reads.log_read(request.user, case, what="entities_export", purpose=purpose, obj=case)
    lines = (json.dumps(e.to_ftm(), ensure_ascii=False) + "\n" for e in case.entities.all())
    resp = StreamingHttpResponse(lines, content_type="application/x-ndjson")
    resp["Content-Disposition"] = content_disposition_header(True, f"{case.reference}.ftm.jsonl")
    return resp


def _membership_change(request, pk, action, ok_message):
    def call(case, d):
        user = User.objects.filter(username=d["username"]).first()
        if user is None:
            raise InvalidInput({"username": f"no account named {d['username']!r}"})
        action(case, user, acting_user=request.user)
    return _post_case_action(request, pk, forms.MembershipForm, call, ok_message)


@login_required
@require_POST
def membership_grant(request, pk):
    return _membership_change(request, pk, actions.do_grant_membership, "Access granted.")


@login_required
@require_POST
def membership_revoke(request, pk):
    return _membership_change(request, pk, actions.do_revoke_membership, "Access revoked.")


@login_required
def request_new(request, pk):
    case = _member_case(request, pk)
    form = forms.RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            req = actions.do_create_request(case, acting_user=request.user, **form.cleaned_data)
            return redirect("request_detail", pk=req.pk)
        except InvalidInput as e:
            _apply_errors(form, e)
        except NotAllowed as e:
            form.add_error(None, str(e))
    return render(request, "request_new.html", {"form": form, "case": case, "countries": COUNTRIES})


def _member_request_or_404(request, pk) -> CooperationRequest:
    """A request whose case the user is a member of (writes need membership; a purpose is not enough)."""
    req, _ = _request_or_404(request, pk)
    if not actions.is_member(req.case, request.user):
        raise Http404("No such request.")
    return req


def _request_or_404(request, pk) -> tuple[CooperationRequest, str]:
    req = CooperationRequest.objects.select_related("case").filter(pk=pk).first()
    if req is None:
        raise Http404("No such request.")
    try:
        purpose = reads.case_purpose(request.user, req.case, session=request.session)
    except (NotFound, PurposeRequired):
        raise Http404("No such request.") from None
    return req, purpose


@login_required
def request_detail(request, pk, form=None, link_form=None, approval_form=None):
    try:
        req, purpose = _request_or_404(request, pk)
    except Http404:
        req = CooperationRequest.objects.select_related("case").filter(pk=pk).first()
        if req is None:
            raise
        return _join_instead(request, req.case)
    reads.log_read(request.user, req.case, what="request_view", purpose=purpose, obj=req)
    lc = req.lifecycle
    transitions = [{"t": t, "from_label": lc.state_label(t.from_status), "to_label": lc.state_label(t.to_status)}
                   for t in Transition.objects.filter(request=req).select_related("actor")]
    initial = lc.state_label(lc.initial[req.direction])
    deadlines = Deadline.objects.filter(request=req).order_by("status", "due")
    links = list(RequestLink.objects.filter(Q(from_request=req) | Q(to_request=req))
                 .select_related("from_request", "to_request"))
    options = actions.legal_basis_options(req.kind, req.requesting_state, req.requested_state)
    events = actions.request_events(req)
    member = actions.is_member(req.case, request.user)
    steps = actions.available_transitions(req, request.user, member=member)
    # A refused step keeps what was typed in its own form; the other steps start empty.
    posted = form.data.get("transition") if form is not None and form.is_bound else None
    for s in steps:
        s["form"] = form if posted == s["name"] else forms.TransitionForm(initial={"transition": s["name"]})
    # Errors of a step that is not (or no longer) among the next steps are shown above them.
    orphan = form if form is not None and form.errors and posted not in {s["name"] for s in steps} else None
    approvals = list(ApprovalRequest.objects.filter(request=req).select_related("asked_by", "decided_by")
                     .order_by("-asked_at", "-id")[:5])
    pending = next((a for a in approvals if a.status == ApprovalRequest.Status.PENDING), None)
    can_ask = (member and pending is None and req.case.state == Case.State.OPEN and request.user.role in
               actions.ASKING_ROLES and actions.approval_step(req) is not None)
    law_clocks = []
    for c in actions.law_clocks(req, events):
        follows = actions.lifecycle_clock_of(lc, c)
        law_clocks.append({"c": c, "label": follows.label if follows else vocab_label("clock", c.code),
                           "event": vocab_label("law_event", c.start_event)})
    from comity.courier.web_views import conversation_panel

    return render(request, "request_detail.html", {
        "exchange": conversation_panel(req),
        "basis_options": options, "events": events, "law_clocks": law_clocks,
        "req": req, "steps": steps, "transitions": transitions,
        "initial_label": initial,
        "deadlines": deadlines, "links": links, "today": timezone.localdate(),
        "member": member, "approvals": approvals, "orphan_form": orphan, "pending_approval": pending, "can_ask": can_ask,
        "approval_form": approval_form or forms.AskApprovalForm(),
        "form": form or forms.TransitionForm(), "link_form": link_form or forms.LinkForm(),
        "requesting_name": country_name(req.requesting_state), "requested_name": country_name(req.requested_state)})


@login_required
@require_POST
def request_transition(request, pk):
    req = _member_request_or_404(request, pk)
    form = forms.TransitionForm(request.POST)
    if form.is_valid():
        lc = req.lifecycle
        t = next((x for x in lc.next_steps(status=req.status, direction=req.direction, notice_action=req.notice_action)
                  if x.name == form.cleaned_data["transition"]), None)
        try:
            if t is not None and lc.is_irreversible(t) and not form.cleaned_data.get("confirm"):
                raise InvalidInput({"confirm": f"tick the box to confirm: {t.label.lower()} cannot be undone"})
            step = actions.do_transition_request(req, form.cleaned_data["transition"], acting_user=request.user,
                                                 comment=form.cleaned_data.get("comment") or "",
                                                 effective_date=form.cleaned_data.get("effective_date"),
                                                 override_reason=form.cleaned_data.get("override_reason") or "")
            messages.success(request, f"Status is now: {req.lifecycle.state_label(step.to_status)}.")
            return redirect("request_detail", pk=req.pk)
        except InvalidInput as e:
            _apply_errors(form, e)
        except NotAllowed as e:
            form.add_error(None, str(e))
    resp = request_detail(request, pk, form=form)
    resp.status_code = 400
    return resp


@login_required
@require_POST
def request_ask_approval(request, pk):
    req = _member_request_or_404(request, pk)
    form = forms.AskApprovalForm(request.POST)
    if form.is_valid():
        try:
            actions.do_ask_for_approval(req, message=form.cleaned_data.get("message") or "", acting_user=request.user)
            messages.success(request, "Approval asked for: the request waits in the queue of your unit's "
                                      "prosecutors and supervisors.")
            return redirect("request_detail", pk=req.pk)
        except InvalidInput as e:
            _apply_errors(form, e)
        except NotAllowed as e:
            form.add_error(None, str(e))
    resp = request_detail(request, pk, approval_form=form)
    resp.status_code = 400
    return resp


@login_required
@require_POST
def request_legal_basis(request, pk):
    req = _member_request_or_404(request, pk)
    try:
        actions.do_set_legal_basis(req, instrument=request.POST.get("instrument", ""), acting_user=request.user)
        messages.success(request, f"Legal basis is now {req.legal_basis_instrument}.")
    except InvalidInput as e:
        messages.error(request, "; ".join(f"{k}: {v}" for k, v in e.errors.items()))
    return redirect("request_detail", pk=req.pk)


@login_required
@require_POST
def request_link(request, pk):
    req = _member_request_or_404(request, pk)
    form = forms.LinkForm(request.POST)
    if form.is_valid():
        other = CooperationRequest.objects.filter(reference=form.cleaned_data["to_request"].strip()).first()
        try:
            if other is None or not actions.is_member(other.case, request.user):
                raise InvalidInput({"to_request": "no request with that reference in your cases"})
            actions.do_link_requests(req, other, relation=form.cleaned_data["relation"], acting_user=request.user)
            messages.success(request, "Requests linked.")
            return redirect("request_detail", pk=req.pk)
        except InvalidInput as e:
            _apply_errors(form, e)
    resp = request_detail(request, pk, link_form=form)
    resp.status_code = 400
    return resp


@login_required
def tokens(request):
    form = forms.TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_token = account_actions.do_create_token(request.user, acting_user=request.user, **form.cleaned_data)
            form = forms.TokenForm()
        except InvalidInput as e:
            _apply_errors(form, e)
    return render(request, "tokens.html", {
        "form": form, "new_token": new_token,
        "tokens": PersonalAccessToken.objects.filter(user=request.user).order_by("-created_at")})


@login_required
@require_POST
def token_revoke(request, token_pk):
    token = PersonalAccessToken.objects.filter(pk=token_pk, user=request.user).first() or _raise404()
    try:
        account_actions.do_revoke_token(token, acting_user=request.user)
        messages.success(request, f"Token {token.prefix}… revoked.")
    except InvalidInput as e:
        messages.error(request, str(e))
    return redirect("tokens")


def _admin_only(request):
    if request.user.role != Role.ADMIN:
        raise Http404("Not found.")


@login_required
def users(request, unit_form=None):
    """Accounts, for administrators: create, deactivate, reset a lost second factor, put in a unit."""
    from allauth.mfa.models import Authenticator

    _admin_only(request)
    form = forms.UserForm(request.POST if request.method == "POST" and unit_form is None else None)
    if request.method == "POST" and unit_form is None and form.is_valid():
        try:
            user = account_actions.do_create_user(acting_user=request.user, via="web", **form.cleaned_data)
            messages.success(request, f"Account {user.username} created. Issue them an enrolment code: they need it, "
                                      f"with their password, to set up their second factor at first sign-in.")
            return redirect("user_enrolment_code", user_pk=user.pk)
        except InvalidInput as e:
            _apply_errors(form, e)
    with_mfa = set(Authenticator.objects.values_list("user_id", flat=True).distinct())
    accounts = [{"u": u, "mfa": u.pk in with_mfa} for u in User.objects.select_related("unit").order_by("username")]
    from django.db.models import Count

    units = Unit.objects.annotate(n_members=Count("members", distinct=True), n_cases=Count("cases", distinct=True))
    return render(request, "users.html", {"form": form, "accounts": accounts, "units": units,
                                          "unit_form": unit_form or forms.UnitForm()})


@login_required
@require_POST
def unit_create(request):
    _admin_only(request)
    form = forms.UnitForm(request.POST)
    if form.is_valid():
        try:
            unit = account_actions.do_create_unit(name=form.cleaned_data["name"], acting_user=request.user)
            messages.success(request, f"Unit {unit.name} defined.")
            return redirect("users")
        except InvalidInput as e:
            _apply_errors(form, e)
    resp = users(request, unit_form=form)
    resp.status_code = 400
    return resp


@login_required
@require_POST
def user_unit(request, user_pk):
    _admin_only(request)
    user = User.objects.filter(pk=user_pk).first() or _raise404()
    form = forms.UserUnitForm(request.POST)
    if form.is_valid():
        try:
            account_actions.do_set_unit(user, unit=form.cleaned_data["unit"], acting_user=request.user)
            unit = form.cleaned_data["unit"]
            messages.success(request, f"{user.username} is now in {unit.name if unit else 'no unit'}.")
        except (InvalidInput, NotAllowed) as e:
            messages.error(request, f"Not changed. {e}")
    else:
        messages.error(request, f"Not changed. {_errors_text(form)}")
    return redirect("users")


@login_required
@require_POST
def user_action(request, user_pk, action):
    _admin_only(request)
    user = User.objects.filter(pk=user_pk).first() or _raise404()
    try:
        if action == "deactivate":
            account_actions.do_set_active(user, active=False, acting_user=request.user)
        elif action == "activate":
            account_actions.do_set_active(user, active=True, acting_user=request.user)
        elif action == "reset-mfa":
            account_actions.do_reset_second_factor(user, acting_user=request.user)
        else:
            raise Http404("Not found.")
        messages.success(request, f"Done: {action.replace('-', ' ')} for {user.username}.")
    except (InvalidInput, NotAllowed) as e:
        messages.error(request, str(e))
    return redirect("users")


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


# --- units, joining, closing, corrections ---------------------------------------------------------------

@login_required
def case_join(request, pk):
    """A supervisor of the case's unit (or a decider asked for approval) states why they join the case."""
    case = _case_or_404(pk)
    if actions.is_member(case, request.user):
        return redirect("case_detail", pk=case.pk)
    basis = actions.join_basis(case, request.user)
    if basis is None:
        raise Http404("No such case.")
    form = forms.JoinCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_join_case(case, reason=form.cleaned_data["reason"], acting_user=request.user)
            messages.success(request, f"You joined {case.reference}.")
            return redirect("case_detail", pk=case.pk)
        except NotFound:
            raise Http404("No such case.") from None
        except InvalidInput as e:
            _apply_errors(form, e)
    # Before joining, the supervisor sees what a list row shows: references, kinds and States, no names.
    requests = list(case.requests.order_by("created_at", "id"))
    pending = ApprovalRequest.objects.filter(case=case, status=ApprovalRequest.Status.PENDING).select_related(
        "request", "asked_by")
    return render(request, "case_join.html", {"case": case, "form": form, "requests": requests, "basis": basis,
                                              "pending": pending}, status=400 if form.errors else 200)


def _case_state_page(request, pk, *, closing: bool):
    case = _member_case(request, pk)
    form_class = forms.CloseCaseForm if closing else forms.ReasonForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if closing:
                if not form.cleaned_data.get("confirm"):
                    raise InvalidInput({"confirm": "tick the box to confirm that the case is to be closed"})
                actions.do_close_case(case, reason=form.cleaned_data["reason"], acting_user=request.user)
                messages.success(request, f"{case.reference} is closed. The retention period of its data starts today.")
            else:
                actions.do_reopen_case(case, reason=form.cleaned_data["reason"], acting_user=request.user)
                messages.success(request, f"{case.reference} is open again.")
            return redirect("case_detail", pk=case.pk)
        except InvalidInput as e:
            _apply_errors(form, e)
        except NotAllowed as e:
            form.add_error(None, str(e))
    open_requests = [r for r in case.requests.order_by("created_at", "id") if not r.is_terminal]
    return render(request, "case_state.html", {"case": case, "form": form, "closing": closing,
                                               "open_requests": open_requests, "allowed": request.user.is_supervisor},
                  status=400 if form.errors else 200)


@login_required
def case_close(request, pk):
    return _case_state_page(request, pk, closing=True)


@login_required
def case_reopen(request, pk):
    return _case_state_page(request, pk, closing=False)


def _entity_initial(entity: Entity) -> dict:
    props = entity.properties or {}
    initial = {p: ", ".join(props.get(p) or []) for p in forms.EntityCorrectionForm.PROPS}
    for p in ("nationality", "country"):  # a State is shown by name: "Germany (DE)"
        initial[p] = (props.get(p) or [""])[0].upper()
    initial["role"] = entity.role
    return initial


@login_required
def entity_correct(request, pk, entity_pk):
    """Correct a party's details, or remove the party; both keep the previous values as a revision."""
    case = _member_case(request, pk)
    entity = Entity.objects.filter(case=case, pk=entity_pk).first() or _raise404()
    reads.log_read(request.user, case, what="entity_view", purpose=MEMBER_PURPOSE,
                             obj=entity)
    initial = _entity_initial(entity)
    form = forms.EntityCorrectionForm(request.POST if request.POST.get("do") == "correct" else None, initial=initial)
    allowed = ftm.SCHEMATA.get(entity.schema, ())
    for p in forms.EntityCorrectionForm.PROPS:  # only the properties this kind of party has
        if p not in allowed and not entity.properties.get(p):
            del form.fields[p]
    remove_form = forms.RemoveEntityForm(request.POST if request.POST.get("do") == "remove" else None)
    if request.method == "POST" and request.POST.get("do") == "correct" and form.is_valid():
        d = form.cleaned_data
        # Only what the user changed: properties the page shows as one value keep their other values.
        changes = {p: d.get(p) or "" for p in forms.EntityCorrectionForm.PROPS
                   if p in form.fields and (d.get(p) or "") != (initial.get(p) or "")}
        try:
            actions.do_correct_entity(entity, properties=changes, role=d.get("role") or "",
                                      reason=d.get("reason") or "", acting_user=request.user)
            messages.success(request, "Party corrected. The previous details are kept in the case's history.")
            return redirect("case_detail", pk=case.pk)
        except InvalidInput as e:
            _apply_errors(form, e)
    if request.method == "POST" and request.POST.get("do") == "remove" and remove_form.is_valid():
        try:
            if not remove_form.cleaned_data.get("confirm"):
                raise InvalidInput({"confirm": "tick the box to confirm the removal"})
            actions.do_remove_entity(entity, reason=remove_form.cleaned_data["reason"], acting_user=request.user)
            messages.success(request, "Party removed. What it held is kept in the case's history until disposal.")
            return redirect("case_detail", pk=case.pk)
        except InvalidInput as e:
            _apply_errors(remove_form, e)
    bad = request.method == "POST"
    return render(request, "case_correct.html", {"case": case, "kind": "entity", "obj": entity, "form": form,
                                                 "remove_form": remove_form}, status=400 if bad else 200)


@login_required
def note_correct(request, pk, note_pk):
    case = _member_case(request, pk)
    note = Note.objects.filter(case=case, pk=note_pk).first() or _raise404()
    form = forms.NoteCorrectionForm(request.POST or None, initial={"text": note.text})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_correct_note(note, text=form.cleaned_data["text"], reason=form.cleaned_data.get("reason") or "",
                                    acting_user=request.user)
            messages.success(request, "Note corrected. The previous text is kept in the case's history.")
            return redirect("case_detail", pk=case.pk)
        except InvalidInput as e:
            _apply_errors(form, e)
        except NotAllowed as e:
            form.add_error(None, str(e))
    return render(request, "case_correct.html", {"case": case, "kind": "note", "obj": note, "form": form,
                                                 "may": note.author_id == request.user.pk},
                  status=400 if request.method == "POST" else 200)


@login_required
def task_correct(request, pk, task_pk):
    case = _member_case(request, pk)
    task = Task.objects.filter(case=case, pk=task_pk).first() or _raise404()
    form = forms.TaskCorrectionForm(request.POST or None, initial={"title": task.title, "due": task.due})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_correct_task(task, title=form.cleaned_data["title"], due=form.cleaned_data.get("due"),
                                    reason=form.cleaned_data.get("reason") or "", acting_user=request.user)
            messages.success(request, "Task corrected. The previous values are kept in the case's history.")
            return redirect("case_detail", pk=case.pk)
        except InvalidInput as e:
            _apply_errors(form, e)
    return render(request, "case_correct.html", {"case": case, "kind": "task", "obj": task, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
def case_history(request, pk):
    """Corrections and removals in a case, with the values before each change (a logged read)."""
    case = _case_or_404(pk)
    try:
        purpose = _reading(request, case)
    except PurposeRequired:
        return redirect("case_purpose", pk=case.pk)
    except Http404:
        return _join_instead(request, case)
    reads.log_read(request.user, case, what="case_history", purpose=purpose, obj=case)
    revisions = Revision.objects.filter(case=case).select_related("actor")
    changes = CaseStateChange.objects.filter(case=case).select_related("actor")
    joined = CaseMembership.objects.filter(case=case).select_related("user", "granted_by", "revoked_by").order_by(
        "granted_at", "id")
    return render(request, "case_history.html", {"case": case, "revisions": revisions, "changes": changes,
                                                 "memberships": joined})
