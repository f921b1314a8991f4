"""Administrators manage accounts on the web, through the audited actions."""

from django.test import Client

from comity.accounts.models import User
from comity.audit.models import AuditEvent


def test_admin_creates_deactivates_and_resets_a_second_factor(make_user, login, caseworker):
    admin = make_user("admin", "root")
    c = login(admin)
    resp = c.post("/admin/users/", {"username": "n.new", "role": "prosecutor", "password": "a-long-enough-pass-77"})
    assert resp.status_code == 302
    new = User.objects.get(username="n.new")
    assert new.role == "prosecutor" and new.check_password("a-long-enough-pass-77")
    bad = c.post("/admin/users/", {"username": "n.new", "role": "prosecutor", "password": "short"})
    assert bad.status_code == 200
    page = bad.content.decode()
    assert "is taken" in page and "too short" in page

    c.post(f"/admin/users/{caseworker.pk}/reset-mfa/")
    from allauth.mfa.utils import is_mfa_enabled

    assert not is_mfa_enabled(caseworker)
    c.post(f"/admin/users/{caseworker.pk}/deactivate/")
    caseworker.refresh_from_db()
    assert not caseworker.is_active
    other = Client()
    resp = other.post("/accounts/login/", {"login": caseworker.username, "password": "correct-horse-battery-42"})
    assert resp.status_code == 302 and resp["Location"].endswith("/accounts/inactive/")
    assert other.get("/").status_code == 302  # not signed in
    types = set(AuditEvent.objects.filter(category="security").values_list("event_type", flat=True))
    assert {"account.created", "account.mfa_reset", "account.deactivated"} <= types
    # An administrator cannot lock themselves out.
    resp = c.post(f"/admin/users/{admin.pk}/deactivate/", follow=True)
    assert "cannot deactivate your own account" in resp.content.decode()


def test_users_page_is_for_administrators_only(login, supervisor):
    assert login(supervisor).get("/admin/users/").status_code == 404
