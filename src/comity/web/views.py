"""Server-rendered pages. Thin: they read, check access, and call actions for every change."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from comity.accounts import actions as account_actions
from comity.accounts.models import PersonalAccessToken, Role, User
from comity.cases import actions
from comity.cases.access import PurposeRequired, grant_oversight, reading_purpose
from comity.cases.lifecycle import lifecycles
from comity.cases.models import (Case, CaseMembership, CooperationRequest, Deadline, Document, Entity,
                                 Note, RequestKind, RequestLink, Task, Transition)
from comity.cases.validation import country_name
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.web import forms

import pycountry

COUNTRIES = sorted(((c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries), key=lambda x: x[1])


def _apply_errors(form, exc: InvalidInput) -> None:
    for field, reason in exc.errors.items():
        name = field.split(".")[-1]
        form.add_error(name if name in form.fields else None, f"{field}: {reason}" if name not in form.fields else reason)


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
        return reading_purpose(request.user, case, request.session)
    except NotFound:
        raise Http404("No such case.") from None


@login_required
def dashboard(request):
    rows = actions.deadline_rows(request.user)
    today = timezone.localdate()
    return render(request, "dashboard.html", {
        "rows": rows, "today": today, "overdue": sum(1 for r in rows if r["overdue"]),
        "open_cases": Case.objects.visible_to(request.user).filter(state=Case.State.OPEN).count(),
    })


@login_required
def case_list(request):
    if request.user.role == Role.OVERSIGHT and request.GET.get("reference"):
        # Oversight users may open any case, after stating a purpose on the next page.
        found = Case.objects.filter(reference__iexact=request.GET["reference"].strip()).first()
        if found is not None:
            return redirect("case_purpose", pk=found.pk)
        messages.error(request, f"No case has the reference {request.GET['reference'].strip()!r}.")
    qs = Case.objects.visible_to(request.user)
    f = {k: request.GET.get(k, "").strip() for k in ("state", "kind", "country", "status", "q")}
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
        qs = qs.filter(Q(title__icontains=f["q"]) | Q(reference__icontains=f["q"]))
    qs = qs.order_by("-updated_at", "-id").prefetch_related(
        Prefetch("requests", queryset=CooperationRequest.objects.only(
            "id", "case_id", "kind", "status", "requesting_state", "requested_state", "reference", "direction")))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    statuses = sorted({s for lc in lifecycles().values() for s in lc.states})
    query = {k: v for k, v in f.items() if v}
    return render(request, "case_list.html", {
        "page": page, "filters": f, "kinds": RequestKind.choices, "statuses": statuses,
        "states": Case.State.choices, "is_oversight": request.user.role == Role.OVERSIGHT,
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


@login_required
def case_detail(request, pk):
    case = _case_or_404(pk)
    try:
        purpose = _reading(request, case)
    except PurposeRequired:
        return redirect("case_purpose", pk=case.pk)
    actions.do_record_access(case, acting_user=request.user, what="case_view", purpose=purpose, obj=case)
    case = (Case.objects.filter(pk=case.pk).prefetch_related(
        Prefetch("requests", queryset=CooperationRequest.objects.order_by("created_at", "id")),
        Prefetch("entities", queryset=Entity.objects.order_by("schema", "caption")),
        Prefetch("documents", queryset=Document.objects.select_related("uploaded_by", "request")),
        Prefetch("notes", queryset=Note.objects.select_related("author")),
        Prefetch("tasks", queryset=Task.objects.select_related("assignee").order_by("done_at", "due", "id")),
        Prefetch("deadlines", queryset=Deadline.objects.filter(status=Deadline.Status.OPEN).select_related("request")),
        Prefetch("memberships", queryset=CaseMembership.objects.filter(revoked_at__isnull=True).select_related("user")),
    ).get())
    member = purpose != "" and any(m.user_id == request.user.pk for m in case.memberships.all())
    reqs = [{"obj": r, "steps": actions.available_transitions(r, request.user)} for r in case.requests.all()]
    return render(request, "case_detail.html", {
        "case": case, "requests": reqs, "member": member, "purpose": purpose, "today": timezone.localdate(),
        "entity_form": forms.EntityForm(), "note_form": forms.NoteForm(), "task_form": forms.TaskForm(),
        "document_form": forms.DocumentForm(), "membership_form": forms.MembershipForm(),
        "can_manage": member and request.user.is_supervisor})


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
    errors = "; ".join(f"{k if k != '__all__' else ''} {' '.join(v)}".strip() for k, v in form.errors.items())
    messages.error(request, f"Not saved. {errors}")
    return redirect(reverse("case_detail", args=[case.pk]))


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
    actions.do_record_access(case, acting_user=request.user, what="document_download", purpose=purpose, obj=doc)
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.filename,
                        content_type=doc.content_type or "application/octet-stream")


@login_required
def entities_ftm(request, pk):
    case = _case_or_404(pk)
    try:
        purpose = _reading(request, case)
    except PurposeRequired:
        return redirect("case_purpose", pk=case.pk)
    actions.do_record_access(case, acting_user=request.user, what="entities_export", purpose=purpose, obj=case)
    lines = (json.dumps(e.to_ftm(), ensure_ascii=False) + "\n" for e in case.entities.all())
    resp = StreamingHttpResponse(lines, content_type="application/x-ndjson")
    resp["Content-Disposition"] = f'attachment; filename="{case.reference}.ftm.jsonl"'
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


def _request_or_404(request, pk) -> tuple[CooperationRequest, str]:
    req = CooperationRequest.objects.select_related("case").filter(pk=pk).first()
    if req is None:
        raise Http404("No such request.")
    try:
        purpose = reading_purpose(request.user, req.case, request.session)
    except (NotFound, PurposeRequired):
        raise Http404("No such request.") from None
    return req, purpose


@login_required
def request_detail(request, pk, form=None, link_form=None):
    req, purpose = _request_or_404(request, pk)
    actions.do_record_access(req.case, acting_user=request.user, what="request_view", purpose=purpose, obj=req)
    lc = req.lifecycle
    transitions = [{"t": t, "from_label": lc.state_label(t.from_status), "to_label": lc.state_label(t.to_status)}
                   for t in Transition.objects.filter(request=req).select_related("actor")]
    initial = lc.state_label(lc.initial[req.direction])
    deadlines = Deadline.objects.filter(request=req).order_by("status", "due")
    links = list(RequestLink.objects.filter(Q(from_request=req) | Q(to_request=req))
                 .select_related("from_request", "to_request"))
    options = actions.legal_basis_options(req.kind, req.requesting_state, req.requested_state)
    events = actions.request_events(req)
    return render(request, "request_detail.html", {
        "basis_options": options, "events": events, "law_clocks": actions.law_clocks(req, events),
        "req": req, "steps": actions.available_transitions(req, request.user), "transitions": transitions,
        "initial_label": initial,
        "deadlines": deadlines, "links": links, "today": timezone.localdate(),
        "member": actions.is_member(req.case, request.user),
        "form": form or forms.TransitionForm(), "link_form": link_form or forms.LinkForm(),
        "requesting_name": country_name(req.requesting_state), "requested_name": country_name(req.requested_state)})


@login_required
@require_POST
def request_transition(request, pk):
    req, _ = _request_or_404(request, pk)
    if not actions.is_member(req.case, request.user):
        raise Http404("No such request.")
    form = forms.TransitionForm(request.POST)
    if form.is_valid():
        try:
            step = actions.do_transition_request(req, form.cleaned_data["transition"], acting_user=request.user,
                                                 comment=form.cleaned_data.get("comment") or "",
                                                 effective_date=form.cleaned_data.get("effective_date"))
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
def request_legal_basis(request, pk):
    req, _ = _request_or_404(request, pk)
    if not actions.is_member(req.case, request.user):
        raise Http404("No such request.")
    try:
        actions.do_set_legal_basis(req, instrument=request.POST.get("instrument", ""), acting_user=request.user)
        messages.success(request, f"Legal basis is now {req.legal_basis_instrument}.")
    except InvalidInput as e:
        messages.error(request, "; ".join(f"{k}: {v}" for k, v in e.errors.items()))
    return redirect("request_detail", pk=req.pk)


@login_required
@require_POST
def request_link(request, pk):
    req, _ = _request_or_404(request, pk)
    if not actions.is_member(req.case, request.user):
        raise Http404("No such request.")
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
def users(request):
    """Accounts, for administrators: create, deactivate, reset a lost second factor."""
    from allauth.mfa.models import Authenticator

    _admin_only(request)
    form = forms.UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_actions.do_create_user(acting_user=request.user, via="web", **form.cleaned_data)
            messages.success(request, f"Account {user.username} created. They set up their second factor at first "
                                      f"sign-in.")
            return redirect("users")
        except InvalidInput as e:
            _apply_errors(form, e)
    with_mfa = set(Authenticator.objects.values_list("user_id", flat=True).distinct())
    accounts = [{"u": u, "mfa": u.pk in with_mfa} for u in User.objects.order_by("username")]
    return render(request, "users.html", {"form": form, "accounts": accounts})


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
