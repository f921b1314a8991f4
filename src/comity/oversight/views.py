"""Oversight pages. Thin: they parse input, check who may see what, and call the actions, which
validate, write and log (every read of personal data here goes through an action that logs it)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_POST

from comity.accounts.models import Role
from comity.cases.actions import is_member
from comity.cases.models import Case
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.oversight import actions, forms, pdf
from comity.oversight.models import CaseDisposal, ProtectedPerson, UnsealingRequest


def _apply_errors(form, exc: InvalidInput) -> None:
    for field, reason in exc.errors.items():
        if field in form.fields:
            form.add_error(field, reason)
        else:
            form.add_error(None, f"{field}: {reason}")


def _guard(fn):
    """NotFound → 404, NotAllowed → 403 with the reason."""
    def wrapped(request, *args, **kwargs):
        try:
            return fn(request, *args, **kwargs)
        except NotFound:
            raise Http404("Not found.") from None
        except NotAllowed as e:
            raise PermissionDenied(str(e)) from None  # the styled 403 page, with the reason
    wrapped.__name__, wrapped.__doc__ = fn.__name__, fn.__doc__
    return login_required(wrapped)


def _member_case(request, pk) -> Case:
    case = Case.objects.filter(pk=pk).first()
    if case is None or not is_member(case, request.user):
        raise Http404("No such case.")
    return case


# --- console -------------------------------------------------------------------------------------------

@_guard
def console(request):
    """Search the audit log. Every search is itself logged with the stated purpose."""
    actions.require_console(request.user)
    submitted = any(request.GET.get(k) for k in actions.FILTER_FIELDS + ("reason", "search"))
    form = forms.SearchForm(request.GET if submitted else None)
    ctx = {"form": form, "rows": None}
    if submitted:
        form.is_valid()
        try:
            filters = actions.parse_filters(request.GET)
            reason = request.GET.get("reason", "")
            paginator = Paginator(actions.search_events(filters), actions.PAGE_SIZE)
            page = paginator.get_page(request.GET.get("page"))
            rows = list(page.object_list)
            actions.do_record_console_access(acting_user=request.user, what="search", purpose=reason,
                                             filters=filters, results=paginator.count, page=page.number)
        except InvalidInput as e:
            _apply_errors(form, e)
        else:
            refs = actions.case_references(r.case_id for r in rows)
            for r in rows:
                r.case_reference = refs.get(r.case_id, "")
            params = {**filters.as_params(), "reason": reason.strip()}
            ctx.update(rows=rows, page=page, filters=filters, params=params, query=urlencode(params),
                       consulted=bool(filters.person and filters.category == "access"))
    return render(request, "oversight/console.html", ctx)


@_guard
@require_POST
def report(request):
    """The signed PDF report of a query's results, checked against a freshly signed tree head."""
    actions.require_console(request.user)
    try:
        filters = actions.parse_filters(request.POST)
        rep = actions.do_export_report(filters=filters, purpose=request.POST.get("reason", ""),
                                       acting_user=request.user)
    except InvalidInput as e:
        form = forms.SearchForm(request.POST)
        form.is_valid()
        _apply_errors(form, e)
        return render(request, "oversight/console.html", {"form": form, "rows": None}, status=422)
    resp = HttpResponse(pdf.report_pdf(rep), content_type="application/pdf")
    resp["Content-Disposition"] = content_disposition_header(True, f"oversight-report-{rep.audit_seq}.pdf")
    return resp


# --- redress -------------------------------------------------------------------------------------------

@_guard
def redress_list(request):
    """The matters this user may see (comity.oversight.actions.redress.redress_visible_to); the list is logged."""
    qs = actions.redress_visible_to(request.user).select_related("created_by").order_by("status", "due", "id")
    matters = list(qs[:500])
    actions.do_record_redress_list_access(matters, acting_user=request.user)
    return render(request, "oversight/redress_list.html", {"matters": matters, "today": timezone.localdate(),
                                                            "sees_all": request.user.role in actions.REDRESS_READERS})


@_guard
def redress_new(request):
    form = forms.RedressForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        form.is_valid()
        d = request.POST
        try:
            m = actions.do_file_redress(
                requester_name=d.get("requester_name", ""), requester_capacity=d.get("requester_capacity", ""),
                person_described=d.get("person_described", ""), kind=d.get("kind", ""), regime=d.get("regime", ""),
                received=d.get("received", ""), details=d.get("details", ""),
                case_references=[r for r in d.get("case_references", "").split(",") if r.strip()],
                acting_user=request.user)
        except InvalidInput as e:
            _apply_errors(form, e)
        else:
            messages.success(request, f"Redress matter {m.reference} filed; decision due {m.due.isoformat()}.")
            return redirect("oversight_redress_detail", pk=m.pk)
    return render(request, "oversight/redress_new.html", {"form": form}, status=422 if form.errors else 200)


def _redress_page(request, matter, decision_form=None, extension_form=None, status=200):
    actions.do_record_redress_access(matter, acting_user=request.user)
    may_decide = actions.may_decide(matter, request.user)
    extendable = bool(actions.redress_clock(matter.regime, matter.kind, matter.received).extension_months)
    return render(request, "oversight/redress_detail.html", {
        "m": matter, "cases": list(matter.cases.all()), "today": timezone.localdate(),
        "may_decide": may_decide,
        "may_extend": may_decide and ((extendable and not matter.extended_due)
                                      or bool(extension_form and extension_form.errors)),
        "extendable": extendable,
        "decision_form": decision_form or forms.RedressDecisionForm(),
        "extension_form": extension_form or forms.RedressExtensionForm()}, status=status)


@_guard
def redress_detail(request, pk):
    return _redress_page(request, actions.redress_matter_for(pk, request.user))


@_guard
@require_POST
def redress_decide(request, pk):
    matter = actions.redress_matter_for(pk, request.user)
    form = forms.RedressDecisionForm(request.POST)
    form.is_valid()
    try:
        actions.do_decide_redress(matter, decision=request.POST.get("decision", ""),
                                  reasons=request.POST.get("reasons", ""), decided_on=request.POST.get("decided_on"),
                                  acting_user=request.user)
    except InvalidInput as e:
        _apply_errors(form, e)
        return _redress_page(request, matter, decision_form=form, status=422)
    messages.success(request, "Decision recorded.")
    return redirect("oversight_redress_detail", pk=matter.pk)


@_guard
@require_POST
def redress_extend(request, pk):
    matter = actions.redress_matter_for(pk, request.user)
    form = forms.RedressExtensionForm(request.POST)
    form.is_valid()
    try:
        actions.do_extend_redress(matter, reason=request.POST.get("reason", ""), acting_user=request.user)
    except InvalidInput as e:
        _apply_errors(form, e)
        return _redress_page(request, matter, extension_form=form, status=422)
    messages.success(request, "Period extended.")
    return redirect("oversight_redress_detail", pk=matter.pk)


# --- retention and disposal ------------------------------------------------------------------------------

@_guard
def retention_due(request):
    if request.user.role not in (Role.OVERSIGHT, Role.ADMIN) and not request.user.is_supervisor:
        raise NotAllowed("The retention review list is for supervisors, oversight users and administrators.")
    rows = actions.cases_due_for_review(request.user)
    disposals = list(CaseDisposal.objects.select_related("disposed_by")[:100]) \
        if request.user.role in (Role.OVERSIGHT, Role.ADMIN) else \
        list(CaseDisposal.objects.filter(case__in=Case.objects.visible_to(request.user).values("pk"))
             .select_related("disposed_by")[:100])
    return render(request, "oversight/retention_due.html",
                  {"rows": rows, "disposals": disposals, "today": timezone.localdate()})


def _retention_page(request, case, undertaking_form=None, disposal_form=None, status=200):
    return render(request, "oversight/retention_case.html", {
        "case": case, "retention": actions.retention_for(case), "today": timezone.localdate(),
        "undertakings": list(case.retention_undertakings.select_related("request", "created_by")),
        "requests": list(case.requests.all()),
        "disposal": CaseDisposal.objects.filter(case=case).first(),
        "undertaking_form": undertaking_form or forms.UndertakingForm(),
        "disposal_form": disposal_form or forms.DisposalForm()}, status=status)


@_guard
def retention_case(request, pk):
    return _retention_page(request, _member_case(request, pk))


@_guard
@require_POST
def undertaking_add(request, pk):
    case = _member_case(request, pk)
    form = forms.UndertakingForm(request.POST)
    form.is_valid()
    d = request.POST
    req = None
    if d.get("request"):
        req = case.requests.filter(pk=d.get("request")).first() if d["request"].isdigit() else None
        if req is None:
            form.add_error(None, "request: no such request in this case")
            return _retention_page(request, case, undertaking_form=form, status=422)
    try:
        actions.do_record_undertaking(case, kind=d.get("kind", ""), text=d.get("text", ""),
                                      months_after_proceedings=d.get("months_after_proceedings") or None,
                                      dispose_by=d.get("dispose_by") or None, request=req, acting_user=request.user)
    except InvalidInput as e:
        _apply_errors(form, e)
        return _retention_page(request, case, undertaking_form=form, status=422)
    messages.success(request, "Undertaking recorded.")
    return redirect("oversight_retention_case", pk=case.pk)


@_guard
@require_POST
def dispose(request, pk):
    case = _member_case(request, pk)
    form = forms.DisposalForm(request.POST)
    form.is_valid()
    try:
        d = actions.do_dispose_case(case, reason=request.POST.get("reason", ""), acting_user=request.user,
                                    confirm_early=request.POST.get("confirm_early") in ("on", "true", "1"))
    except InvalidInput as e:
        _apply_errors(form, e)
        return _retention_page(request, case, disposal_form=form, status=422)
    messages.success(request, f"Case {d.case_reference} disposed of. Send the certificate to the providing State.")
    return redirect("oversight_retention_case", pk=case.pk)


@_guard
def certificate(request, pk):
    d = actions.disposal_for(pk, request.user)
    resp = HttpResponse(pdf.certificate_pdf(d, actions.sign_certificate(d)), content_type="application/pdf")
    resp["Content-Disposition"] = content_disposition_header(True, f"disposal-certificate-{d.case_reference}.pdf")
    return resp


# --- protected persons -----------------------------------------------------------------------------------

def _protected_page(request, case, form=None, unseal_form=None, decision_form=None, status=200):
    people = list(ProtectedPerson.objects.filter(case=case).select_related("created_by"))
    reqs = list(UnsealingRequest.objects.filter(protected_person__case=case)
                .select_related("protected_person", "requested_by", "decided_by"))
    now = timezone.now()
    for r in reqs:
        r.may_decide = (request.user.is_supervisor and r.requested_by_id != request.user.pk
                        and r.status == UnsealingRequest.Status.PENDING)
        r.may_view = (r.requested_by_id == request.user.pk and r.status == UnsealingRequest.Status.APPROVED
                      and r.view_until and r.view_until >= now)
    return render(request, "oversight/protected.html", {
        "case": case, "people": people, "requests": reqs, "form": form or forms.ProtectedPersonForm(),
        "unseal_form": unseal_form or forms.UnsealRequestForm(),
        "decision_form": decision_form or forms.UnsealDecisionForm()}, status=status)


@_guard
def protected(request, pk):
    case = _member_case(request, pk)
    if request.method == "POST":
        form = forms.ProtectedPersonForm(request.POST)
        form.is_valid()
        try:
            pp = actions.do_register_protected_person(case, pseudonym=request.POST.get("pseudonym", ""),
                                                      role=request.POST.get("role", ""),
                                                      true_identity=request.POST.get("true_identity", ""),
                                                      acting_user=request.user)
        except InvalidInput as e:
            _apply_errors(form, e)
            return _protected_page(request, case, form=form, status=422)
        messages.success(request, f"{pp.pseudonym} registered; the true identity is sealed.")
        return redirect("oversight_protected", pk=case.pk)
    return _protected_page(request, case)


@_guard
@require_POST
def unseal_request(request, pk):
    pp = actions.protected_person_for(pk, request.user)
    form = forms.UnsealRequestForm(request.POST)
    form.is_valid()
    try:
        actions.do_request_unsealing(pp, purpose=request.POST.get("purpose", ""), acting_user=request.user)
    except InvalidInput as e:
        _apply_errors(form, e)
        return _protected_page(request, pp.case, unseal_form=form, status=422)
    messages.success(request, "Request sent; a second supervisor must approve it.")
    return redirect("oversight_protected", pk=pp.case_id)


@_guard
@require_POST
def unseal_decide(request, pk):
    r = actions.unsealing_request_for(pk, request.user)
    form = forms.UnsealDecisionForm(request.POST)
    form.is_valid()
    approve = request.POST.get("approve")
    try:
        if approve not in ("yes", "no"):
            raise InvalidInput({"approve": "choose approve or refuse"})
        actions.do_decide_unsealing(r, approve=approve == "yes", reason=request.POST.get("reason", ""),
                                    acting_user=request.user)
    except InvalidInput as e:
        _apply_errors(form, e)
        return _protected_page(request, r.protected_person.case, decision_form=form, status=422)
    messages.success(request, "Decision recorded.")
    return redirect("oversight_protected", pk=r.protected_person.case_id)


@_guard
@require_POST
def unseal_view(request, pk):
    r = actions.unsealing_request_for(pk, request.user)
    try:
        identity = actions.do_view_sealed_identity(r, acting_user=request.user)
    except InvalidInput as e:
        messages.error(request, "; ".join(f"{k}: {v}" for k, v in e.errors.items()))
        return redirect("oversight_protected", pk=r.protected_person.case_id)
    resp = render(request, "oversight/unsealed.html", {"r": r, "pp": r.protected_person, "identity": identity})
    resp["Cache-Control"] = "no-store"
    return resp


