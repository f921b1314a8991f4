import time

from allauth.account.adapter import DefaultAccountAdapter

# A first enrolment right after signing in with the password needs no second password prompt.
_FRESH_LOGIN_SECONDS = 300


class ComityAccountAdapter(DefaultAccountAdapter):
    """Accounts are issued by an administrator; nobody signs themselves up."""

    def is_open_for_signup(self, request):
        return False

    def set_password(self, user, password) -> None:
        """A password change (or reset) through allauth's pages: the audited action, which also revokes the
        account's API tokens."""
        from comity.accounts.actions import do_change_password

        do_change_password(user, password, acting_user=user, via="web")

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        required = super().is_reauthentication_required(app=app, **kwargs)
        request = getattr(self, "request", None)
        user = getattr(request, "user", None)
        if required and app == "allauth.mfa" and user is not None and user.is_authenticated:
            from allauth.mfa.utils import is_mfa_enabled

            if not is_mfa_enabled(user):
                records = request.session.get("account_authentication_methods") or []
                fresh = [r for r in records if r.get("method") == "password"
                         and time.time() - r.get("at", 0) < _FRESH_LOGIN_SECONDS]
                if fresh:
                    return False
        return required
