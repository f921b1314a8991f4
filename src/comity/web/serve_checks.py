"""What `comity serve` checks before it starts gunicorn (docs/operations.md, "Running behind a proxy, TLS").

Django's system checks run with the deployment checks included (`manage.py check --deploy`), plus one of
Comity's own: DEBUG is never on in a served instance (COMITY_DEBUG=1 shows settings, SQL and stack traces to
whoever causes an error). Any message at ERROR level or above refuses the start, naming each check; warnings
are printed and serving goes on. The deployment checks about HTTPS (HSTS, the HTTPS redirect, secure cookies)
do not apply while COMITY_HTTPS is off (plain HTTP on one's own machine, e.g. the demonstration), and HSTS
preloading is a decision for the domain's owner, not for Comity: those are left out.
"""

from __future__ import annotations

import sys

from comity.errors import ComityError

#: Deployment checks about HTTPS, which do not apply while COMITY_HTTPS=0 (settings.py turns each on with it).
HTTPS_ONLY = frozenset({"security.W004", "security.W008", "security.W012", "security.W016"})
#: Never applicable: submitting the domain to the browsers' HSTS preload list is the domain owner's decision.
NEVER = frozenset({"security.W021"})


class UnsafeConfiguration(ComityError):
    """The instance's configuration is not safe to serve; each field is a check and what it found."""

    code = "unsafe_configuration"
    status = 500
    exit_code = 1


def serve_check_messages():
    """Django's checks with the deployment checks, those that apply to this configuration, plus DEBUG."""
    from django.conf import settings
    from django.core import checks

    skip = NEVER | (frozenset() if getattr(settings, "COMITY_HTTPS", False) else HTTPS_ONLY)
    messages = [m for m in checks.run_checks(include_deployment_checks=True) if m.id not in skip]
    if settings.DEBUG:
        messages = [m for m in messages if m.id != "security.W018"]
        messages.append(checks.Error(
            "DEBUG is on (COMITY_DEBUG=1): error pages would show settings, SQL and stack traces to anyone",
            hint="unset COMITY_DEBUG (or set it to 0); use `django-admin runserver` for debugging on your own "
                 "machine", id="comity.E001"))
    return messages


def check_before_serving(stream=None) -> None:
    """Print the warnings; raise UnsafeConfiguration naming every error (nothing is started then)."""
    from django.core import checks

    stream = stream or sys.stderr
    messages = serve_check_messages()
    errors = {m.id or "check": str(m.msg) + (f" ({m.hint})" if m.hint else "")
              for m in messages if m.level >= checks.ERROR}
    for m in messages:
        if m.level < checks.ERROR and m.level >= checks.WARNING:
            print(f"comity serve: warning: {m.id}: {m.msg}", file=stream, flush=True)
    if errors:
        raise UnsafeConfiguration(errors, message="comity serve refuses to start: " + "; ".join(errors))
