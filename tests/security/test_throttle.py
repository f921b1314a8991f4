"""Failed sign-ins behind a reverse proxy (issue 13, finding 7).

The throttle counts failures per (account, client address), plus a cap per account across all addresses whose
lock-out doubles with each further failure. The client address comes from X-Forwarded-For only when the request
arrives from a proxy listed in COMITY_TRUSTED_PROXIES. Every test drives the real login page with two or more
Django test clients, as two people behind the same proxy would."""

from __future__ import annotations

import re
import time

import pytest
from django.core.cache import cache
from django.test import Client

PROXY = "10.0.0.2"
ATTACKER, VICTIM = "203.0.113.7", "198.51.100.20"
PASSWORD = "correct-horse-battery-42"
WRONG = "wrong-password-123"


@pytest.fixture(autouse=True)
def _behind_a_proxy(settings, db):
    settings.COMITY_TRUSTED_PROXIES = [PROXY]
    # Dozens of password checks per test: a fast hasher keeps the suite quick (the throttle does not care).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # the throttle lives in the database cache, which outlives a test's rollback
    yield
    cache.clear()


def _via_proxy(client_address: str, *, proxy: str = PROXY) -> Client:
    """A browser at `client_address` whose requests reach Comity through the reverse proxy at `proxy`."""
    return Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=client_address)


def _sign_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"login": username, "password": password})


def _signed_in(resp) -> bool:
    """The password was accepted: the next step is the second factor."""
    return resp.status_code == 302 and "/accounts/2fa/authenticate/" in resp["Location"]


def _throttled(resp) -> bool:
    return resp.status_code in (200, 429) and "Too many failed login attempts" in resp.content.decode()


def test_an_attacker_behind_the_proxy_does_not_lock_the_account_owner_out(make_user):
    """Five wrong passwords from one address lock that address out of the account, not its owner elsewhere."""
    user = make_user("caseworker", "victim")
    attacker, owner = _via_proxy(ATTACKER), _via_proxy(VICTIM)
    for _ in range(5):
        assert not _signed_in(_sign_in(attacker, user.username, WRONG))
    refused = _sign_in(attacker, user.username, PASSWORD)  # even the right password, from the attacker's address
    assert _throttled(refused) and not _signed_in(refused)
    assert 'value="victim"' in refused.content.decode()  # what was typed is kept
    assert _signed_in(_sign_in(owner, user.username, PASSWORD))


def test_an_attacker_trying_many_accounts_does_not_lock_other_users_out(make_user):
    """Failures against many accounts from one address leave every other user behind the same proxy able to sign in."""
    targets = [make_user("caseworker", f"target{i}") for i in range(4)]
    colleague = make_user("caseworker", "colleague")
    attacker = _via_proxy(ATTACKER)
    for target in targets:
        for _ in range(5):
            _sign_in(attacker, target.username, WRONG)
    assert _throttled(_sign_in(attacker, targets[0].username, PASSWORD))
    assert _signed_in(_sign_in(_via_proxy(VICTIM), colleague.username, PASSWORD))
    # A colleague at the attacker's own address is not locked out of *their* account either.
    assert _signed_in(_sign_in(_via_proxy(ATTACKER), colleague.username, PASSWORD))


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(make_user):
    """A client that talks to Comity directly cannot dodge the throttle by inventing a new address each time."""
    user = make_user("caseworker", "spoofed")
    direct = "192.0.2.50"
    for i in range(5):
        spoof = Client(REMOTE_ADDR=direct, HTTP_X_FORWARDED_FOR=f"198.18.0.{i + 1}")
        assert not _signed_in(_sign_in(spoof, user.username, WRONG))
    again = Client(REMOTE_ADDR=direct, HTTP_X_FORWARDED_FOR="198.18.0.99")
    assert _throttled(_sign_in(again, user.username, PASSWORD))
    # ... while someone else, through the real proxy, still gets in.
    assert _signed_in(_sign_in(_via_proxy(VICTIM), user.username, PASSWORD))


def test_client_address_is_the_first_untrusted_hop_from_the_right(make_user, settings):
    """Chained proxies: entries the client put in front of the real address are not believed."""
    settings.COMITY_TRUSTED_PROXIES = [PROXY, "10.1.0.0/16"]
    user = make_user("caseworker", "chained")
    for _ in range(5):
        # client-supplied junk, then the real client address, then an inner proxy of ours
        c = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"1.2.3.{_}, {ATTACKER}, 10.1.4.4")
        _sign_in(c, user.username, WRONG)
    assert _throttled(_sign_in(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{ATTACKER}, 10.1.9.9"),
                               user.username, PASSWORD))
    assert _signed_in(_sign_in(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{VICTIM}, 10.1.4.4"),
                               user.username, PASSWORD))


def test_many_addresses_hit_a_per_account_cap_whose_wait_doubles(make_user, settings):
    """A guessing campaign spread over many addresses meets a cap per account; each failure after the cap
    doubles the wait (shortened here from a minute to a second)."""
    settings.COMITY_LOGIN_THROTTLE = {"per_account": 6, "backoff": 1.0, "max_backoff": 10}
    user = make_user("caseworker", "popular")
    bystander = make_user("caseworker", "bystander")
    for i in range(6):
        assert not _throttled(_sign_in(_via_proxy(f"198.51.100.{i + 1}"), user.username, WRONG))
    # The cap is reached: every address waits, the right password included; other accounts are untouched.
    refused = _sign_in(_via_proxy("198.51.100.200"), user.username, PASSWORD)
    assert _throttled(refused) and "Try again in 1 second" in refused.content.decode()
    assert _signed_in(_sign_in(_via_proxy("198.51.100.200"), bystander.username, PASSWORD))
    time.sleep(1.1)
    assert not _throttled(_sign_in(_via_proxy("198.51.100.50"), user.username, WRONG))  # one more failure ...
    refused = _sign_in(_via_proxy(VICTIM), user.username, PASSWORD)  # ... and the wait is now 2 seconds
    assert _throttled(refused) and re.search(r"Try again in [12] seconds?\.", refused.content.decode())
    time.sleep(2.1)
    assert _signed_in(_sign_in(_via_proxy(VICTIM), user.username, PASSWORD))


def test_a_successful_sign_in_clears_that_address_for_the_account(make_user):
    user = make_user("caseworker", "typist")
    owner = _via_proxy(VICTIM)
    for _ in range(4):
        _sign_in(owner, user.username, WRONG)
    assert _signed_in(_sign_in(owner, user.username, PASSWORD))
    for _ in range(4):  # four more typos later: not locked out, the earlier ones were forgiven
        assert not _throttled(_sign_in(_via_proxy(VICTIM), user.username, WRONG))
