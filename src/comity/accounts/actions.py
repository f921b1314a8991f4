"""Account changes: users, second factors set up by the system, and API tokens. All audited."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from comity import audit
from comity.accounts.models import (
    EnrolmentCode,
    PersonalAccessToken,
    Role,
    TokenScope,
    Unit,
    User,
    hash_token,
)
from comity.cases.validation import text_error
from comity.errors import InvalidInput, NotAllowed

TOKEN_PREFIX = "cmt_"


def do_create_user(*, username: str, password: str, role: str, email: str = "", first_name: str = "",
                   last_name: str = "", organisation: str = "", unit: Unit | None = None,
                   acting_user: User | None = None, via: str = "cli") -> User:
    """Create an account. From the web or API only an administrator may; the CLI acts as the operator."""
    if acting_user is not None and acting_user.role != Role.ADMIN:
        raise NotAllowed("Only an administrator may create accounts.")
    errors = {"username": text_error(username, required=True, max_length=150),
              "role": None if role in Role.values else f"{role!r} is not one of: {', '.join(Role.values)}",
              "organisation": text_error(organisation, required=False, max_length=200)}
    if not errors["username"] and User.objects.filter(username__iexact=username).exists():
        errors["username"] = f"{username!r} is taken"
    if not errors["username"] and not all(ch.isalnum() or ch in "._-@" for ch in username):
        errors["username"] = "use letters, digits and . _ - @ only"
    try:
        validate_password(password, User(username=username, email=email, first_name=first_name, last_name=last_name))
    except ValidationError as e:
        errors["password"] = " ".join(e.messages)
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        user = User(username=username, email=email, first_name=first_name, last_name=last_name, role=role,
                    organisation=organisation, unit=unit, is_staff=(role == Role.ADMIN),
                    is_superuser=(role == Role.ADMIN))
        user.set_password(password)
        user.save()
        audit.record("account.created", actor=acting_user, obj=user, category="security", via=via,
                     new={"username": username, "role": role, "unit": getattr(unit, "pk", None)})
    return user


def do_enrol_totp(user: User, *, secret: str | None = None, via: str = "cli") -> tuple[str, list[str]]:
    """Set up TOTP and recovery codes for an account from the operator's console (first administrator,
    demonstration accounts). Returns the TOTP secret and the recovery codes, to be shown once."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = secret or generate_totp_secret()
    with transaction.atomic():
        Authenticator.objects.filter(user=user, type__in=[Authenticator.Type.TOTP,
                                                          Authenticator.Type.RECOVERY_CODES]).delete()
        TOTP.activate(user, secret)
        codes = RecoveryCodes.activate(user).get_unused_codes()
        audit.record("account.mfa_enrolled", actor=None, obj=user, category="security", via=via,
                     new={"username": user.username, "types": ["totp", "recovery_codes"]})
    return secret, codes


# --- enrolment codes: the password alone never sets up a second factor ------------------------------------

ENROLMENT_CODE_HOURS = 72          # an administrator's code: three days to sign in for the first time
ENROLMENT_MAX_FAILURES = 5         # wrong codes before the code stops working
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone without doubt


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _hash_code(code: str) -> str:
    return hash_token("enrol:" + _normalise_code(code))


def pending_enrolment_code(user: User) -> EnrolmentCode | None:
    """The account's code that still works (not used, revoked or expired), if any."""
    return (EnrolmentCode.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True,
                                         expires_at__gt=timezone.now()).order_by("-created_at", "-id").first())


def do_issue_enrolment_code(user: User, *, acting_user: User | None, hours: int = ENROLMENT_CODE_HOURS,
                            via: str = "web") -> tuple[EnrolmentCode, str]:
    """Issue the one-time code `user` needs to set up a second factor at their first sign-in (or after an
    administrator reset it). An administrator issues it on the web; the operator (acting_user None) from
    the command line. It replaces any earlier code. The code is returned once; only its hash is kept."""
    from allauth.mfa.utils import is_mfa_enabled

    if acting_user is not None and acting_user.role != Role.ADMIN:
        raise NotAllowed("Only an administrator may issue enrolment codes.")
    errors = {}
    if not user.is_active:
        errors["user"] = f"{user.username} is deactivated; reactivate the account first"
    elif is_mfa_enabled(user):
        errors["user"] = (f"{user.username} already has a second factor; reset it first if they lost it")
    if not isinstance(hours, int) or not 1 <= hours <= 24 * 31:
        errors["hours"] = "must be 1 to 744 hours (31 days)"
    if errors:
        raise InvalidInput(errors)
    raw = "-".join("".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(4))  # 80 bits
    now = timezone.now()
    with transaction.atomic():
        replaced = EnrolmentCode.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=now)
        code = EnrolmentCode.objects.create(user=user, code_hash=_hash_code(raw), issued_by=acting_user,
                                            expires_at=now + dt.timedelta(hours=hours))
        audit.record("account.enrolment_code_issued", actor=acting_user, obj=user, category="security", via=via,
                     new={"username": user.username, "expires": code.expires_at, "replaced": replaced})
    return code, raw


def do_redeem_enrolment_code(user: User, code: str, *, via: str = "web") -> EnrolmentCode:
    """The account's holder gives the code at the start of enrolment. A right code is used up; a wrong one
    is counted (logged), and after ENROLMENT_MAX_FAILURES the code stops working. Raises InvalidInput
    naming `enrolment_code` with a reason the person can act on."""
    if not _normalise_code(code):
        raise InvalidInput({"enrolment_code": "is required: type the code your administrator gave you"})
    with transaction.atomic():
        pending = (EnrolmentCode.objects.select_for_update()
                   .filter(user=user, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
                   .order_by("-created_at", "-id").first())
        if pending is None:
            raise InvalidInput({"enrolment_code": "no enrolment code is waiting for this account, or it has expired: "
                                                  "ask an administrator for a new one"})
        if secrets.compare_digest(pending.code_hash, _hash_code(code)):
            pending.used_at = timezone.now()
            pending.save(update_fields=["used_at"])
            audit.record("account.enrolment_code_used", actor=user, obj=user, category="security", via=via,
                         new={"username": user.username})
            return pending
        pending.failed_attempts += 1
        revoked = pending.failed_attempts >= ENROLMENT_MAX_FAILURES
        if revoked:
            pending.revoked_at = timezone.now()
        pending.save(update_fields=["failed_attempts", "revoked_at"])
        audit.record("account.enrolment_code_refused", actor=user, obj=user, category="security", via=via,
                     new={"username": user.username, "failures": pending.failed_attempts, "revoked": revoked})
    if revoked:
        raise InvalidInput({"enrolment_code": f"wrong code {ENROLMENT_MAX_FAILURES} times: it no longer works. Ask "
                                              "an administrator for a new one"})
    left = ENROLMENT_MAX_FAILURES - pending.failed_attempts
    raise InvalidInput({"enrolment_code": f"is not the code issued for this account ({left} "
                                          f"tr{'ies' if left > 1 else 'y'} left)"})


def do_create_token(user: User, *, name: str, scope: str = TokenScope.READ, days: int | None = 90,
                    acting_user: User, via: str = "web") -> tuple[PersonalAccessToken, str]:
    """Issue a personal access token. The raw token is returned once; only its hash is kept."""
    if acting_user.pk != user.pk and acting_user.role != Role.ADMIN:
        raise NotAllowed("You may only create tokens for yourself.")
    errors = {"name": text_error(name, required=True, max_length=100),
              "scope": None if scope in TokenScope.values else f"{scope!r} is not one of: {', '.join(TokenScope.values)}",
              "days": None if days is None or (isinstance(days, int) and 1 <= days <= 366) else "must be 1 to 366"}
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise InvalidInput(errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = PersonalAccessToken.objects.create(
            user=user, name=name.strip(), prefix=raw[:12], token_hash=hash_token(raw), scope=scope,
            expires_at=timezone.now() + dt.timedelta(days=days) if days else None)
        audit.record("token.created", actor=acting_user, obj=token, category="security", via=via,
                     new={"user": user.username, "scope": scope, "prefix": token.prefix})
    return token, raw


def do_revoke_token(token: PersonalAccessToken, *, acting_user: User, via: str = "web") -> None:
    if acting_user.pk != token.user_id and acting_user.role != Role.ADMIN:
        raise NotAllowed("You may only revoke your own tokens.")
    if token.revoked_at:
        raise InvalidInput({"token": "is already revoked"})
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record("token.revoked", actor=acting_user, obj=token, category="security", via=via,
                     old={"prefix": token.prefix})


def do_change_password(user: User, password: str, *, acting_user: User | None = None, via: str = "web") -> int:
    """Set a new password (the user's own change, or a reset) and revoke every API token of the account in
    the same transaction: a token must not outlive the password it was issued under (whoever took the
    old password may have made tokens with it). Returns how many tokens were revoked."""
    if acting_user is not None and acting_user.pk != user.pk and acting_user.role != Role.ADMIN:
        raise NotAllowed("You may only change your own password.")
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise InvalidInput({"password": " ".join(e.messages)}) from None
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        revoked = PersonalAccessToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now())
        audit.record("account.password_changed", actor=acting_user or user, obj=user, category="security", via=via,
                     new={"username": user.username, "tokens_revoked": revoked})
    return revoked


def authenticate_token(raw: str) -> tuple[User, PersonalAccessToken] | None:
    """The user a bearer token acts for, or None if it is unknown, revoked or expired."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (PersonalAccessToken.objects.select_related("user").filter(token_hash=hash_token(raw)).first())
    if token is None or token.revoked_at or not token.user.is_active:
        return None
    if token.expires_at and token.expires_at < timezone.now():
        return None
    # last_used_at is bookkeeping, not a state change worth an audit event.
    PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user, token


def do_set_active(user: User, *, active: bool, acting_user: User, via: str = "web") -> User:
    """Deactivate (or reactivate) an account. Its sessions and tokens stop working at once."""
    if acting_user.role != Role.ADMIN:
        raise NotAllowed("Only an administrator may deactivate accounts.")
    if user.pk == acting_user.pk and not active:
        raise InvalidInput({"user": "you cannot deactivate your own account"})
    if user.is_active == active:
        raise InvalidInput({"user": f"{user.username} is already {'active' if active else 'inactive'}"})
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.record("account.activated" if active else "account.deactivated", actor=acting_user, obj=user,
                     category="security", via=via, new={"username": user.username})
    return user


def do_reset_second_factor(user: User, *, acting_user: User, via: str = "web") -> None:
    """Remove an account's TOTP and recovery codes (lost phone): it must enrol again at next sign-in."""
    from allauth.mfa.models import Authenticator

    if acting_user.role != Role.ADMIN:
        raise NotAllowed("Only an administrator may reset a second factor.")
    if user.pk == acting_user.pk:
        raise InvalidInput({"user": "ask another administrator to reset your own second factor"})
    with transaction.atomic():
        removed = Authenticator.objects.filter(user=user).delete()[0]
        audit.record("account.mfa_reset", actor=acting_user, obj=user, category="security", via=via,
                     new={"username": user.username, "authenticators_removed": removed})


# --- organisational units -----------------------------------------------------------------------------

def do_create_unit(*, name: str, acting_user: User | None = None, via: str = "web") -> Unit:
    """Define an organisational unit (a central authority, a prosecution office). Administrators only."""
    if acting_user is not None and acting_user.role != Role.ADMIN:
        raise NotAllowed("Only an administrator may define units.")
    error = text_error(name, required=True, max_length=200)
    if not error and Unit.objects.filter(name__iexact=name.strip()).exists():
        error = f"a unit called {name.strip()!r} exists already"
    if error:
        raise InvalidInput({"name": error})
    with transaction.atomic():
        unit = Unit.objects.create(name=name.strip())
        audit.record("unit.created", actor=acting_user, obj=unit, category="security", via=via,
                     new={"unit": unit.pk})
    return unit


def do_set_unit(user: User, *, unit: Unit | None, acting_user: User | None = None, via: str = "web") -> User:
    """Put a user in a unit (or in none). Their supervisors see the unit's cases; the cases they open
    belong to it. Cases they already hold keep their unit."""
    if acting_user is not None and acting_user.role != Role.ADMIN:
        raise NotAllowed("Only an administrator may change a user's unit.")
    new_id = getattr(unit, "pk", None)
    if user.unit_id == new_id:
        raise InvalidInput({"unit": f"{user.username} is already {'in that unit' if unit else 'in no unit'}"})
    with transaction.atomic():
        old = user.unit_id
        user.unit = unit
        user.save(update_fields=["unit"])
        audit.record("account.unit_set", actor=acting_user, obj=user, category="security", via=via,
                     old={"unit": old}, new={"username": user.username, "unit": new_id})
    return user
