"""Every signed-in account must have a second factor before it sees anything else, and setting one up
needs more than the password: a one-time enrolment code issued by an administrator (or, for the first
administrator and the demonstration accounts, by the operator at the command line).

Whoever learnt a password could otherwise sign in before its owner and register their own authenticator
app, taking the account over for good. So for an account without a second factor:

- every page outside /accounts/ (and the public /law/, /transparency/, /api/ with its own tokens, static
  files) sends it to the authenticator set-up page;
- under /accounts/ it may only sign out, sign in again or confirm its password (reauthentication);
- the set-up page itself (allauth's `mfa_activate_totp`) first asks for the enrolment code
  (comity.accounts.views.enrolment_code_step); a right code opens the set-up for
  ENROLMENT_WINDOW_SECONDS in this session, then allauth shows the QR code as usual.
"""

from __future__ import annotations

import time

from allauth.mfa.utils import is_mfa_enabled
from django.shortcuts import redirect

# Paths a signed-in user without a second factor may still reach.
_OPEN_PREFIXES = ("/static/", "/api/", "/law/", "/transparency/", "/healthz")
# allauth pages (by URL name) an account without a second factor may reach under /accounts/.
_OPEN_ACCOUNT_PAGES = {"account_logout", "account_login", "account_reauthenticate", "account_inactive"}
ACTIVATE = "mfa_activate_totp"
SESSION_KEY = "comity_enrolment"
ENROLMENT_WINDOW_SECONDS = 1800


def unlock_enrolment(request, code) -> None:
    """A right enrolment code was given: this session may set up the account's second factor for a while."""
    request.session[SESSION_KEY] = {"user": request.user.pk, "code": code.pk,
                                    "until": time.time() + ENROLMENT_WINDOW_SECONDS}


def enrolment_unlocked(request) -> bool:
    grant = request.session.get(SESSION_KEY) or {}
    return grant.get("user") == request.user.pk and grant.get("until", 0) > time.time()


def _without_second_factor(request) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if not hasattr(request, "_comity_mfa_enabled"):
        request._comity_mfa_enabled = is_mfa_enabled(user)
    return not request._comity_mfa_enabled


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (_without_second_factor(request) and not request.path.startswith(_OPEN_PREFIXES)
                and not request.path.startswith("/accounts/")):
            return redirect(ACTIVATE)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Under /accounts/: the enrolment gate (runs after CSRF checks, which come earlier in MIDDLEWARE)."""
        if not request.path.startswith("/accounts/"):
            return None
        if not _without_second_factor(request):
            if getattr(request, "user", None) is not None and request.user.is_authenticated:
                request.session.pop(SESSION_KEY, None)  # enrolled: the opening is spent
            return None
        name = getattr(request.resolver_match, "url_name", None)
        if name in _OPEN_ACCOUNT_PAGES:
            return None
        if name == ACTIVATE:
            if enrolment_unlocked(request):
                return None
            from comity.accounts.views import enrolment_code_step

            return enrolment_code_step(request)
        return redirect(ACTIVATE)
