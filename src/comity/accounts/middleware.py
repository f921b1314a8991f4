"""Every signed-in account must have a second factor before it sees anything else."""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.shortcuts import redirect

# Paths a signed-in user without a second factor may still reach: enrolment, logout, static files.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/api/", "/law/", "/transparency/", "/healthz")


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(_OPEN_PREFIXES):
            if not is_mfa_enabled(user):
                return redirect("mfa_activate_totp")
        return self.get_response(request)
