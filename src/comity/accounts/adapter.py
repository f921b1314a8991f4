from allauth.account.adapter import DefaultAccountAdapter


class ComityAccountAdapter(DefaultAccountAdapter):
    """Accounts are issued by an administrator; nobody signs themselves up."""

    def is_open_for_signup(self, request):
        return False
