"""Throttling of failed sign-ins that one attacker cannot turn against other users (issue 13, finding 7).

Two counters of failed passwords, kept in the database cache so that every server process shares them:

- per (account, client address): `per_address` failures in `window` seconds lock that address out of that
  account until the oldest failure leaves the window. Other addresses, and other accounts from the same address,
  are untouched, so an attacker behind the same proxy or NAT as everyone else locks out only themselves;
- per account, from all addresses: once `per_account` failures fall within `account_window`, every address waits
  `backoff` seconds after the last failure, and each further failure doubles the wait (up to `max_backoff`).
  `per_account` is above what one address can reach in that window, so only a campaign spread over many
  addresses meets it.

Each attempt is counted before its password is checked, under a lock in the cache, so a burst of parallel
requests cannot slip past the limit; a successful password takes its own count back and clears its (account,
address) counter, while the account's counter only ages. A refused attempt does not check the password and is
not counted. The client address is REMOTE_ADDR as comity.web.middleware.TrustedProxyMiddleware left it (from
X-Forwarded-For only behind a trusted proxy); IPv6 addresses count by their /64, as one host usually holds a
whole /64. Keys are hashes: the cache holds no user names or addresses. Settings: COMITY_LOGIN_THROTTLE.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time

from allauth.core.internal.ratelimit import cache_lock
from django import forms
from django.conf import settings
from django.core.cache import cache

from comity.accounts.adapter import ComityAccountAdapter

DEFAULTS = {"per_address": 5, "window": 900, "per_account": 30, "account_window": 3600,
            "backoff": 60, "max_backoff": 3600}
_KEEP = 64  # failures kept per account: enough for the back-off to reach its ceiling


def _conf() -> dict:
    return {**DEFAULTS, **getattr(settings, "COMITY_LOGIN_THROTTLE", {})}


def client_address(request) -> str:
    addr = request.META.get("REMOTE_ADDR", "") or "unknown"
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return addr
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def _keys(login: str, address: str) -> tuple[str, str]:
    login = (login or "").strip().lower()
    pair = hashlib.sha256(f"{login}\x1f{address}".encode()).hexdigest()
    account = hashlib.sha256(login.encode()).hexdigest()
    return f"comity:login-failed:pair:{pair}", f"comity:login-failed:account:{account}"


def _recent(key: str, now: float, window: float) -> list[float]:
    return sorted(t for t in cache.get(key, []) if t > now - window)


def _in_words(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


def _refusal(c: dict, pair: list[float], failures: list[float], now: float) -> str | None:
    if len(pair) >= c["per_address"]:
        wait = pair[len(pair) - c["per_address"]] + c["window"] - now
        return (f"Too many failed login attempts for this account from your network address. "
                f"Try again in {_in_words(wait)}.")
    over = len(failures) - c["per_account"]
    if over >= 0:
        until = failures[-1] + min(c["backoff"] * 2 ** min(over, 32), c["max_backoff"])
        if now < until:
            return (f"Too many failed login attempts for this account from several places. "
                    f"Try again in {_in_words(until - now)}.")
    return None


def reserve(login: str, address: str) -> tuple[str | None, float | None]:
    """Before a password is checked: (why it is refused, None), or (None, the timestamp counted for it)."""
    c = _conf()
    pair_key, account_key = _keys(login, address)
    # allauth's own lock for its rate limits: a short lock entry in the shared cache around read-modify-write.
    with cache_lock(pair_key) as pair_locked, cache_lock(account_key) as account_locked:
        now = time.time()
        if not (pair_locked and account_locked):
            return "Too many login attempts at once for this account. Try again in a few seconds.", None
        pair = _recent(pair_key, now, c["window"])
        failures = _recent(account_key, now, c["account_window"])
        why = _refusal(c, pair, failures, now)
        if why:
            return why, None
        cache.set(pair_key, (pair + [now])[-(c["per_address"] + 1):], timeout=math.ceil(c["window"]))
        cache.set(account_key, (failures + [now])[-(c["per_account"] + _KEEP):],
                  timeout=math.ceil(max(c["account_window"], c["max_backoff"])))
    return None, now


def succeeded(login: str, address: str, counted: float | None) -> None:
    """The password was right: its attempt is not a failure, and earlier failures from this address are forgiven."""
    c = _conf()
    pair_key, account_key = _keys(login, address)
    with cache_lock(pair_key), cache_lock(account_key):
        cache.set(pair_key, [], timeout=1)
        failures = [t for t in cache.get(account_key, []) if t != counted]
        cache.set(account_key, failures, timeout=math.ceil(max(c["account_window"], c["max_backoff"])))


class LoginThrottleMixin:
    """For an allauth account adapter: counts the attempt before the password is checked, refuses it when the
    limits are reached, and takes the count back when the password was right."""

    def pre_authenticate(self, request, **credentials):
        super().pre_authenticate(request, **credentials)
        why, self._throttle_counted = reserve(_login(credentials), client_address(request))
        if why:
            raise forms.ValidationError(why, code="too_many_login_attempts")

    def authenticate(self, request, **credentials):
        self._throttle_counted = None
        user = super().authenticate(request, **credentials)
        if user is not None:
            succeeded(_login(credentials), client_address(request), self._throttle_counted)
        return user


def _login(credentials: dict) -> str:
    return credentials.get("username") or credentials.get("email") or credentials.get("login") or ""


class ThrottledAccountAdapter(LoginThrottleMixin, ComityAccountAdapter):
    """Comity's account adapter (comity.accounts.adapter) with the sign-in throttle above."""
