"""Comity's own account pages: the enrolment-code step before a second factor is set up, and the
administrator's page that issues the code. Thin: the actions validate, write and log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from comity.accounts import actions
from comity.accounts.forms import EnrolmentCodeForm, IssueEnrolmentCodeForm
from comity.accounts.middleware import ACTIVATE, unlock_enrolment
from comity.accounts.models import Role, User
from comity.errors import InvalidInput


def _apply_errors(form, exc: InvalidInput) -> None:
    for field, reason in exc.errors.items():
        form.add_error(field if field in form.fields else None, reason)


@never_cache
def enrolment_code_step(request):
    """Served in place of allauth's authenticator set-up page (by comity.accounts.middleware) until the
    account's holder gives the one-time code an administrator issued."""
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST":
        form.is_valid()
        try:
            code = actions.do_redeem_enrolment_code(request.user, request.POST.get("enrolment_code", ""))
        except InvalidInput as e:
            _apply_errors(form, e)
        else:
            unlock_enrolment(request, code)
            return redirect(ACTIVATE)
    return render(request, "accounts/enrolment_code_step.html", {"form": form}, status=422 if form.errors else 200)


@never_cache
@login_required
def issue_enrolment_code(request, user_pk):
    """For administrators: issue the one-time code an account needs to set up its second factor. The code
    is shown once, on the answer to the POST; only its hash is kept."""
    from allauth.mfa.utils import is_mfa_enabled

    if request.user.role != Role.ADMIN:
        raise Http404("Not found.")
    account = User.objects.filter(pk=user_pk).first()
    if account is None:
        raise Http404("Not found.")
    form = IssueEnrolmentCodeForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            code, raw = actions.do_issue_enrolment_code(account, acting_user=request.user,
                                                        hours=form.cleaned_data["hours"])
            issued = {"code": raw, "expires_at": code.expires_at}
        except InvalidInput as e:
            _apply_errors(form, e)
    status = 422 if form.errors else 200
    return render(request, "accounts/enrolment_code_issue.html", {
        "account": account, "form": form, "issued": issued, "enrolled": is_mfa_enabled(account),
        "pending": actions.pending_enrolment_code(account)}, status=status)
